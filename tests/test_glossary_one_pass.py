"""Glossary matching in one pass over the text (a table of first words, not one pattern per
entry tried on every paragraph): on texts built from pieces whose terms are known by
construction, it finds exactly the terms placed there, inflected forms and overlapping
entries included, with a small glossary and with tens of thousands of entries that never
match. (The speed itself is a `make bench` row: benchmarks/glossary_bench.py.)"""

from __future__ import annotations

import pickle
import random
import re

import pytest

from translator import glossary as glossary_module
from translator.glossary import Glossary, TermMatch, parse_glossary

GLOSSARY = (
    "Verteidigungsministerium\tMoD\n"
    "Behörde\tagency\n"
    "Staat\tstate\n"
    "DVRK\tDPRK\n"
    "Deutsche Bank\tDB\n"
    "Bank\tbank\n"
    "Banks\tBanks Inc\n"
    "Bank Aktiengesellschaft\tBank plc\n"
    "Covid-19\tCOVID-19\n"
    "@Bundestag\tthe Bundestag account\n"
    "kim jong un\tKim Jong Un\tignore-case\n"
    "Rote Armee Fraktion\tRAF\n"
    "Bündnis 90/Die Grünen\tAlliance 90/The Greens\n"
    "Kommission (EU)\tEuropean Commission\n"
)
# Pieces of text and the terms in them: (form found, entry target), by construction.
CHUNKS: list[tuple[str, list[tuple[str, str]]]] = [
    ("des Verteidigungsministeriums", [("Verteidigungsministeriums", "MoD")]),
    ("den Behörden", [("Behörden", "agency")]),
    ("des Staates", [("Staates", "state")]),
    ("die Staaten", [("Staaten", "state")]),
    ("den Staats", [("Staats", "state")]),
    ("der Staat", [("Staat", "state")]),
    ("die DVRK", [("DVRK", "DPRK")]),
    # Three entries overlap; the longest wins and "Deutsche" stays plain text.
    ("Deutsche Bank Aktiengesellschaft", [("Bank Aktiengesellschaft", "Bank plc")]),
    ("der Deutschen\nBank", [("Deutschen\nBank", "DB")]),
    ("bei der Deutschen  Banken", [("Deutschen  Banken", "DB")]),
    ("die Bank", [("Bank", "bank")]),
    # "Bank" + s and "Banks" cover the same text: the entry listed first wins.
    ("zwei Banks", [("Banks", "bank")]),
    ("die Covid-19-Pandemie", [("Covid-19", "COVID-19")]),
    ("unter @Bundestag", [("@Bundestag", "the Bundestag account")]),
    ("KIM JONG UN", [("KIM JONG UN", "Kim Jong Un")]),
    ("Kim\tJong  Un", [("Kim\tJong  Un", "Kim Jong Un")]),
    ("der Roten Armee Fraktion", [("Roten Armee Fraktion", "RAF")]),
    ("DVRK und Staat", [("DVRK", "DPRK"), ("Staat", "state")]),
    ("von Bündnis 90/Die Grünen", [("Bündnis 90/Die Grünen", "Alliance 90/The Greens")]),
    ("der Kommission (EU)", [("Kommission (EU)", "European Commission")]),
]
# Near misses: no term in them, whatever is around them.
FILLERS = [
    "DVRKX",
    "Verteidigungsstaat",
    "Staatsanwalt",
    "Staatenlos",
    "dvrk",
    "Bankett",
    "Behördenchef",
    "Covid",
    "Bundestag",
    "Kim Jong",
    "Rote Armee",
    "heute",
    "sagte er",
    "Deutsche",
    "Bündnis 90",
    "Kommission EU",
]
SEPARATORS = [" ", ", ", ".\n\n", " – ", "; "]


def _constructed(rng: random.Random) -> tuple[str, list[tuple[int, int, str]]]:
    """A text of random chunks and fillers, and its terms: (start, end, target)."""
    text, expected = "", []
    for _ in range(rng.randint(1, 12)):
        if text:
            text += rng.choice(SEPARATORS)
        if rng.random() < 0.6:
            piece, terms = rng.choice(CHUNKS)
            searched_from = 0
            for form, target in terms:
                offset = piece.index(form, searched_from)
                expected.append((len(text) + offset, len(text) + offset + len(form), target))
                searched_from = offset + len(form)
        else:
            piece = rng.choice(FILLERS)
        text += piece
    return text, expected


def _mismatches(glossary: Glossary, texts: int = 300) -> list[tuple[str, object, object]]:
    """(text, expected, found) wherever ``glossary.find`` differs from the construction."""
    rng = random.Random(7)
    wrong: list[tuple[str, object, object]] = []
    placed = 0
    for _ in range(texts):
        text, expected = _constructed(rng)
        placed += len(expected)
        found = [(m.start, m.end, m.entry.target) for m in glossary.find(text)]
        if found != expected:
            wrong.append((text, expected, found))
    assert placed > texts  # the texts hold terms: a finder that finds nothing fails
    return wrong


def _large(entries: int) -> Glossary:
    """GLOSSARY and ``entries`` more that never match: made-up words, and two-word entries
    whose first word is one the texts hold (tried there, and failing)."""
    rng = random.Random(3)
    lines = [GLOSSARY]
    starts = ["Deutsche", "Bank", "Staat", "DVRK", "Kim", "Rote", "Covid-19", "die", "Bündnis"]
    for number in range(entries):
        made_up = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(8)) + str(number)
        first = rng.choice(starts) if number % 3 == 0 else made_up.capitalize()
        lines.append(f"{first} {made_up}\t{made_up.upper()}\n")
    return parse_glossary("".join(lines))


def test_every_placed_term_is_found_and_nothing_else() -> None:
    assert _mismatches(parse_glossary(GLOSSARY)) == []


def test_thirty_thousand_entries_that_never_match_change_nothing() -> None:
    large = _large(30_000)
    assert len(large.entries) > 30_000
    assert _mismatches(large) == []


def test_a_glossary_sent_to_another_process_matches_the_same() -> None:
    """Ray workers get the glossary pickled, with its index built or not."""
    glossary = parse_glossary(GLOSSARY)
    fresh = pickle.loads(pickle.dumps(glossary))
    glossary.find("die DVRK")  # builds the index and compiles a pattern
    used = pickle.loads(pickle.dumps(glossary))
    assert _mismatches(fresh, texts=50) == _mismatches(used, texts=50) == []


@pytest.mark.parametrize(
    ("entry", "text", "form"),
    [
        ("straße\tstreet\tignore-case", "die STRAẞE", "STRAẞE"),  # re: ẞ is ß in any case
        ("ıl\tx\tignore-case", "das IL", "IL"),  # dotless i: the same letter for re
        ("il\tx\tignore-case", "das İl", "İl"),  # İ's lower case is two characters
        ("Σοφία\tSophia\tignore-case", "ΣΟΦΊΑ", "ΣΟΦΊΑ"),
        ("Kelvin\tK\tignore-case", "\u212aelvin", "\u212aelvin"),  # the Kelvin sign
    ],
)
def test_letters_re_takes_as_one_in_any_case_are_found(entry: str, text: str, form: str) -> None:
    found = parse_glossary(entry + "\n").find(text)
    assert [text[m.start : m.end] for m in found] == [form]


def test_a_case_sensitive_entry_is_not_found_in_another_case() -> None:
    glossary = parse_glossary("Staat\tstate\n")
    assert glossary.find("STAAT staat Staat") == [TermMatch(12, 17, glossary.entries[0])]


# Latin, Greek, Cyrillic and their extensions, letterlike symbols, ligatures: where case
# rules have their exceptions.
_LETTERS = "".join(
    chr(code)
    for low, high in [(0x41, 0x24F), (0x370, 0x52F), (0x1C80, 0x1C8F), (0x1E00, 0x1FFF)]
    + [(0x2100, 0x214F), (0xA640, 0xA69F), (0xFB00, 0xFB06)]
    for code in range(low, high + 1)
    if chr(code).isalnum()
)


def test_letters_re_takes_as_one_have_one_key() -> None:
    """The table's keys may not tell apart two letters that an ignore-case pattern takes
    as one, or a term would be missed: checked against re itself, letter by letter."""
    checked = 0
    for letter in _LETTERS:
        same = set(re.findall(re.escape(letter), _LETTERS, re.IGNORECASE))
        assert letter in same
        assert {glossary_module._key(other) for other in same} == {glossary_module._key(letter)}
        checked += len(same)
    assert checked > len(_LETTERS)  # some letters have other cases


# --- the oracle can fail ------------------------------------------------------------------


def test_meta_a_table_keyed_by_the_exact_word_misses_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys without case folding: the ignore-case entries' other cases are never tried."""
    monkeypatch.setattr(glossary_module, "_key", lambda text: text)
    assert _mismatches(parse_glossary(GLOSSARY))


def test_meta_leftmost_instead_of_longest_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Overlapping entries resolved leftmost-first, as one alternation of all the entries
    would: "Deutsche Bank Aktiengesellschaft" gives DB instead of Bank plc."""

    def leftmost(self: Glossary, text: str) -> list[TermMatch]:
        every = [TermMatch(*m.span(), e) for e in self.entries for m in e.pattern.finditer(text)]
        chosen: list[TermMatch] = []
        for match in sorted(every, key=lambda m: m.start):
            if not chosen or chosen[-1].end <= match.start:
                chosen.append(match)
        return chosen

    monkeypatch.setattr(Glossary, "find", leftmost)
    assert _mismatches(parse_glossary(GLOSSARY))


def test_meta_no_inflection_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries whose pattern has no inflection endings: the inflected forms go missing."""
    monkeypatch.setattr(glossary_module, "_SUFFIXES", "")
    assert _mismatches(parse_glossary(GLOSSARY))
