"""Glossaries: fixed renderings for names and terms (``--glossary``), in DeepL's file formats.

A glossary file has one entry a line: ``source<TAB>target`` (TSV) or ``source,target`` (CSV,
quoted as usual), UTF-8, ``#`` comments and blank lines ignored, an optional header line.
Columns after the target are flags: ``de`` / ``en`` (DeepL's CSV language columns) and
``ignore-case`` (this entry matches in any case). A bad line is an error naming it.

Matching is pure text work: whole words, longest match first, the German inflected forms
of an entry (``-n``, ``-en``, ``-s``, ``-es`` on each of its words: ``Verteidigungsministeriums``
for ``Verteidigungsministerium``). The pipeline protects each match like a quotation and
writes the entry's target in its place.

A glossary may hold 100,000 entries, so a text is scanned once, not once per entry: each
word of the text, with an inflection ending taken off or not, is looked up in a table of the
entries' first words (in a case-folded form), and only the entries found there are tried
at that word, with their own pattern.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from translator.errors import OptionError
from translator.quotes import neutralize_marks
from translator.schema import GlossaryUse

# German inflection adds these to a noun or adjective (genitive, plural, dative plural).
_SUFFIXES = r"(?:en|es|n|s)?"
_HEADERS = {"source", "target", "source_term", "target_term", "term", "de", "en"}
_LANGUAGE_FLAGS = {"de", "en"}
_IGNORE_CASE_FLAGS = {"ignore-case", "ignorecase", "i"}
_WORD = re.compile(r"\w+")
# Letters that Python's re.IGNORECASE takes as one though their lower cases differ (its
# re._casefix table): each is written as the first of its group in a key, so that a word
# and any form an ignore-case pattern accepts for it have the same key.
_SAME_LETTERS = (
    "iı",
    "sſ",
    "µμ",
    "\u0345ι\u1fbe",
    "\u0390\u1fd3",
    "\u03b0\u1fe3",
    "βϐ",
    "εϵ",
    "θϑ",
    "κϰ",
    "πϖ",
    "ρϱ",
    "ςσ",
    "φϕ",
    "в\u1c80",
    "д\u1c81",
    "о\u1c82",
    "с\u1c83",
    "т\u1c84\u1c85",
    "ъ\u1c86",
    "ѣ\u1c87",
    "\u1c88\ua64b",
    "\u1e61\u1e9b",
    "\ufb05\ufb06",
)
_FIRST_OF_GROUP = str.maketrans({c: group[0] for group in _SAME_LETTERS for c in group[1:]})
_NOT_FIRST_OF_GROUP = re.compile("[" + "".join(group[1:] for group in _SAME_LETTERS) + "]")


def _key(text: str) -> str:
    """``text`` in the form that makes letters re.IGNORECASE takes as one the same letter,
    keeping its length (İ is the one letter whose lower case is two)."""
    if text.isascii():
        return text.lower()
    lowered = text.replace("İ", "i").lower()
    # translate() is slow on text it leaves as it is, which is nearly all text.
    return lowered.translate(_FIRST_OF_GROUP) if _NOT_FIRST_OF_GROUP.search(lowered) else lowered


def _stems(key: str) -> tuple[str, ...]:
    """``key`` and ``key`` without the inflection ending it may have."""
    if key[-1] == "n" or key[-1] == "s":
        return (key, key[:-1], key[:-2]) if key[-2:-1] == "e" else (key, key[:-1])
    return (key,)


# The entries whose matches start with one word: those tried whatever word follows, and
# those tried when the next word has a key.
_FirstWord = tuple[list[int], dict[str, list[int]]]


class GlossaryError(OptionError):
    """A glossary file cannot be read or has a bad line (a usage error: exit 2)."""


@dataclass(frozen=True)
class GlossaryEntry:
    source: str
    target: str
    ignore_case: bool = False

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """The entry and its inflected forms as whole words; compiled on first use (most
        entries of a large glossary are never tried)."""
        words = [re.escape(word) + _SUFFIXES for word in self.source.split()]
        regex = r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"
        return re.compile(regex, re.IGNORECASE if self.ignore_case else 0)


@dataclass(frozen=True)
class TermMatch:
    """One occurrence of an entry: ``text[start:end]`` is the form found."""

    start: int
    end: int
    entry: GlossaryEntry

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Glossary:
    """The entries of a glossary and a hash of what they mean (for batch fingerprints)."""

    entries: tuple[GlossaryEntry, ...]
    digest: str

    @cached_property
    def _index(self) -> tuple[dict[str, _FirstWord], list[int]]:
        """The entries by the key of the word their matches start with (the first word's
        leading letters and digits); and those that start with a mark (``@``, ``(``),
        which are tried on the whole text."""
        table: dict[str, _FirstWord] = {}
        starting_with_a_mark: list[int] = []
        for number, entry in enumerate(self.entries):
            words = entry.source.split(" ")
            leading = _WORD.match(words[0])
            if leading is None:
                starting_with_a_mark.append(number)
                continue
            slot = table.setdefault(_key(leading.group()), ([], {}))
            # The next word tells apart the entries that share a first word ("Deutsche
            # Bank", "Deutsche Bahn"), when the first is all letters and the next starts
            # with one: then the text's next word is the entry's second, maybe inflected.
            second = _WORD.match(words[1]) if len(words) > 1 else None
            if second is None or leading.end() < len(words[0]):
                slot[0].append(number)
            else:
                slot[1].setdefault(_key(second.group()), []).append(number)
        return table, starting_with_a_mark

    def find(self, text: str) -> list[TermMatch]:
        """Non-overlapping matches in ``text``, in order; where matches overlap, the
        longest wins (then the leftmost, then the entry listed first)."""
        found: list[tuple[int, TermMatch]] = []
        for number, matches in self._matches_by_entry(text).items():
            # What finditer gives: an entry's own matches do not overlap, leftmost first.
            entry_end = 0
            for match in sorted(matches, key=lambda m: m.start()):
                if match.start() >= entry_end:
                    found.append((number, TermMatch(*match.span(), self.entries[number])))
                    entry_end = match.end()
        chosen: list[TermMatch] = []
        ranked = sorted(found, key=lambda item: (-item[1].length, item[1].start, item[0]))
        for term in (term for _, term in ranked):
            if all(term.end <= c.start or c.end <= term.start for c in chosen):
                chosen.append(term)
        return sorted(chosen, key=lambda m: m.start)

    def _matches_by_entry(self, text: str) -> dict[int, list[re.Match[str]]]:
        """Every match of every entry in ``text`` (an entry's may overlap), by entry
        number: one pass over the words of ``text``, each looked up in the index."""
        by_entry: dict[int, list[re.Match[str]]] = {}
        (table, starting_with_a_mark), entries = self._index, self.entries
        keyed = _key(text)  # as long as ``text``: its words are at the same places
        words = [word.span() for word in _WORD.finditer(text)]
        for position, (start, end) in enumerate(words):
            # A match starts at a word whose letters are the entry's first word, with an
            # inflection ending or not (or, for "Covid-19", the letters before the mark).
            tried: list[int] = []
            for stem in _stems(keyed[start:end]):
                slot = table.get(stem)
                if slot is None:
                    continue
                tried += slot[0]
                if slot[1] and position + 1 < len(words):
                    after, after_end = words[position + 1]
                    if text[end:after].isspace():
                        for next_stem in _stems(keyed[after:after_end]):
                            tried += slot[1].get(next_stem, ())
            for number in tried:
                match = entries[number].pattern.match(text, start)
                if match is not None:
                    by_entry.setdefault(number, []).append(match)
        for number in starting_with_a_mark:
            by_entry[number] = list(entries[number].pattern.finditer(text))
        return by_entry


def make_glossary(
    entries: Iterable[tuple[str, str] | tuple[str, str, bool]], *, ignore_case: bool = False
) -> Glossary:
    """A glossary from (source, target) or (source, target, ignore_case) tuples;
    ``ignore_case`` makes every entry match in any case."""
    made: list[GlossaryEntry] = []
    for source, target, *flag in entries:
        entry_ignores_case = ignore_case or bool(flag and flag[0])
        made.append(GlossaryEntry(" ".join(source.split()), target.strip(), entry_ignores_case))
    return _glossary_of(made)


def _glossary_of(entries: Iterable[GlossaryEntry]) -> Glossary:
    made = tuple(entries)
    described = "\n".join(f"{e.source}\t{e.target}\t{int(e.ignore_case)}" for e in made)
    return Glossary(made, hashlib.sha256(described.encode("utf-8")).hexdigest()[:16])


def load_glossary(path: str | os.PathLike[str], *, ignore_case: bool = False) -> Glossary:
    """Read a glossary file (TSV or CSV, see the module's docstring).

    Raises:
        GlossaryError: the file cannot be read, is not UTF-8, or has a bad line (named).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise GlossaryError(f"glossary {file} is not UTF-8 text. Save it as UTF-8.") from None
    except OSError as error:
        raise GlossaryError(
            f"cannot read glossary {file} ({error.strerror}). Check the path."
        ) from None
    return parse_glossary(text, name=str(file), ignore_case=ignore_case)


def parse_glossary(text: str, *, name: str = "glossary", ignore_case: bool = False) -> Glossary:
    """Entries from the text of a glossary file; ``name`` is used in error messages.

    Raises:
        GlossaryError: a bad line (its number and what is wrong), or no entries at all.
    """
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    tabbed = any("\t" in line for _, line in lines)
    entries: dict[str, GlossaryEntry] = {}
    for position, (number, line) in enumerate(lines):
        cells = line.split("\t") if tabbed else next(csv.reader([line], skipinitialspace=True), [])
        cells = [cell.strip() for cell in cells]
        if position == 0 and {c.casefold() for c in cells[:2]} <= _HEADERS:
            continue  # a header line
        where = f"{name}, line {number}"
        if len(cells) >= 2 and cells[0] and not cells[1]:
            raise GlossaryError(
                f"{where}: the target for {cells[0]!r} is empty. Give its English "
                "rendering, or remove the line."
            )
        if len(cells) < 2 or not cells[0] or not cells[1]:
            separator = "a tab" if tabbed else "a comma"
            raise GlossaryError(
                f"{where}: expected source and target separated by {separator}, "
                f"got {line.strip()!r}. Fix or remove the line."
            )
        if not _WORD.search(cells[0]):
            raise GlossaryError(f"{where}: the source {cells[0]!r} has no word to match.")
        if neutralize_marks(cells[1]) != cells[1]:
            raise GlossaryError(
                f"{where}: the target {cells[1]!r} has quotation marks, which would make it "
                "read as a quotation in the translation. Remove them."
            )
        entry_ignores_case = ignore_case
        for flag in cells[2:]:
            if flag.casefold() in _IGNORE_CASE_FLAGS:
                entry_ignores_case = True
            elif flag.casefold() not in _LANGUAGE_FLAGS and flag:
                raise GlossaryError(
                    f"{where}: unknown column {flag!r}. After source and target only "
                    "'de', 'en' and 'ignore-case' are allowed."
                )
        entry = GlossaryEntry(" ".join(cells[0].split()), cells[1], entry_ignores_case)
        earlier = entries.get(entry.source)
        if earlier is not None and earlier.target != entry.target:
            raise GlossaryError(
                f"{where}: {entry.source!r} is already rendered as {earlier.target!r}. "
                "Keep one entry per source term."
            )
        entries[entry.source] = entry
    if not entries:
        raise GlossaryError(f"glossary {name} has no entries. Add lines as source<TAB>target.")
    return _glossary_of(entries.values())


def summarize_uses(applied: Iterable[tuple[GlossaryEntry, str]]) -> tuple[GlossaryUse, ...]:
    """Per entry, in order of first use: how often it was applied and the forms matched."""
    forms: dict[GlossaryEntry, list[str]] = {}
    counts: dict[GlossaryEntry, int] = {}
    for entry, form in applied:
        counts[entry] = counts.get(entry, 0) + 1
        if form not in forms.setdefault(entry, []):
            forms[entry].append(form)
    return tuple(
        GlossaryUse(entry.source, entry.target, count, tuple(forms[entry]))
        for entry, count in counts.items()
    )


def merge_uses(uses: Iterable[GlossaryUse]) -> tuple[GlossaryUse, ...]:
    """Uses of the same entries from several results (the sections of a stream) added up,
    in order of first use."""
    merged: dict[tuple[str, str], GlossaryUse] = {}
    for use in uses:
        key = (use.source, use.target)
        seen = merged.get(key)
        if seen is None:
            merged[key] = use
        else:
            forms = seen.forms + tuple(form for form in use.forms if form not in seen.forms)
            merged[key] = GlossaryUse(use.source, use.target, seen.count + use.count, forms)
    return tuple(merged.values())
