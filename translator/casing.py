"""German casing for ALL-CAPS text, before it reaches the model (pure text work).

A model reads "DER MINISTER IST IN MOSKAU" badly, and lower-casing it all ("der minister
ist in moskau") hides what German shows with capitals: nouns, names, formal address. So
each word gets its dictionary casing back from ``data/casing_de.txt.gz``, every word form
of a German spell-checking dictionary in one casing each (see ``data/README.md``):

- a word the dictionary writes in lower case stays lower case (ß restored: WEISS -> weiß);
  one it only writes with a capital gets it (Minister, Moskau, Straße);
- a word it does not know takes the casing of its longest known ending of at least four
  letters (German compounds are cased by their last part: Verteidigungszusammenarbeit);
- otherwise a name or a foreign word: capitalised, or kept upper case when it has no
  vowel (DVRK, a pronounceable acronym cannot be told from a name);
- a sentence's first word is capitalised, and so is direct speech after a colon;
  letters glued to digits (G7, A380) are kept.

Words written both ways (essen/Essen, sie/Sie) stay lower case mid-sentence: ALL-CAPS text
cannot tell them apart, so a formal SIE there reads as sie.
"""

from __future__ import annotations

import functools
import gzip
import re
from importlib import resources

from translator.quotes import CLOSING_MARKS, OPENING_MARKS

_WORD = re.compile(r"[^\W\d_]+")
_VOWELS = frozenset("aeiouyäöü")
_MIN_ENDING = 4
# Text up to a word that starts a sentence: terminal punctuation, space, opening marks;
# or a colon and an opening mark (direct speech: Er sagte: „Wir kommen.“).
_OPENERS = re.escape(OPENING_MARKS + "([")
_CLOSERS = re.escape(CLOSING_MARKS + ")]")
_SENTENCE_END = re.compile(
    rf"(?:[.!?…][{_CLOSERS}]*\s+[{_OPENERS}]*|:\s*[{re.escape(OPENING_MARKS)}]+)\Z"
)


@functools.cache
def _table() -> dict[str, str]:
    data = resources.files("translator").joinpath("data", "casing_de.txt.gz").read_bytes()
    return {word.casefold(): word for word in gzip.decompress(data).decode("utf-8").split()}


def _case_word(word: str, table: dict[str, str]) -> str:
    key = word.casefold()
    known = table.get(key)
    if known is not None:
        return known
    for start in range(1, len(key) - _MIN_ENDING + 1):
        ending = table.get(key[start:])
        if ending is not None:
            lower = word.lower()
            return lower.capitalize() if ending[:1].isupper() else lower
    if not _VOWELS & set(key):
        return word  # DVRK, NRW: an acronym
    return word.capitalize()


def restore_case(text: str) -> str:
    """``text`` (ALL-CAPS German) with each word in its German casing."""
    table = _table()
    out: list[str] = []
    cursor = 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        out.append(text[cursor:start])
        word = match.group()
        if (start > 0 and text[start - 1].isdigit()) or text[end : end + 1].isdigit():
            out.append(word)  # G7, 5G, A380: a code, not a word
        else:
            cased = _case_word(word, table)
            before = text[:start]
            if not before.strip() or _SENTENCE_END.search(before[-16:]):
                cased = cased[:1].upper() + cased[1:]
            out.append(cased)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
