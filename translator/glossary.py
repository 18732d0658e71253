"""Glossaries: fixed renderings for names and terms (``--glossary``), in DeepL's file formats.

A glossary file has one entry a line: ``source<TAB>target`` (TSV) or ``source,target`` (CSV,
quoted as usual), UTF-8, ``#`` comments and blank lines ignored, an optional header line.
Columns after the target are flags: ``de`` / ``en`` (DeepL's CSV language columns) and
``ignore-case`` (this entry matches in any case). A bad line is an error naming it.

Matching is pure text work: whole words, longest match first, the German inflected forms
of an entry (``-n``, ``-en``, ``-s``, ``-es`` on each of its words: ``Verteidigungsministeriums``
for ``Verteidigungsministerium``). The pipeline protects each match like a quotation and
writes the entry's target in its place.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from translator.errors import OptionError
from translator.quotes import neutralize_marks
from translator.schema import GlossaryUse

# German inflection adds these to a noun or adjective (genitive, plural, dative plural).
_SUFFIXES = r"(?:en|es|n|s)?"
_HEADERS = {"source", "target", "source_term", "target_term", "term", "de", "en"}
_LANGUAGE_FLAGS = {"de", "en"}
_IGNORE_CASE_FLAGS = {"ignore-case", "ignorecase", "i"}


class GlossaryError(OptionError):
    """A glossary file cannot be read or has a bad line (a usage error: exit 2)."""


@dataclass(frozen=True)
class GlossaryEntry:
    source: str
    target: str
    ignore_case: bool = False
    pattern: re.Pattern[str] = field(compare=False, repr=False, init=False)

    def __post_init__(self) -> None:
        words = [re.escape(word) + _SUFFIXES for word in self.source.split()]
        regex = r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"
        object.__setattr__(
            self, "pattern", re.compile(regex, re.IGNORECASE if self.ignore_case else 0)
        )


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

    def find(self, text: str) -> list[TermMatch]:
        """Non-overlapping matches in ``text``, in order; where matches overlap, the
        longest wins (then the leftmost)."""
        folded = text.casefold()
        found: list[TermMatch] = []
        for entry in self.entries:
            # Inflection only appends, so the first word's stem is in every form.
            if entry.source.split()[0].casefold() not in folded:
                continue
            found += [TermMatch(*m.span(), entry) for m in entry.pattern.finditer(text)]
        chosen: list[TermMatch] = []
        for match in sorted(found, key=lambda m: (-m.length, m.start)):
            if all(match.end <= c.start or c.end <= match.start for c in chosen):
                chosen.append(match)
        return sorted(chosen, key=lambda m: m.start)


def make_glossary(
    entries: Iterable[tuple[str, str] | tuple[str, str, bool]], *, ignore_case: bool = False
) -> Glossary:
    """A glossary from (source, target) or (source, target, ignore_case) tuples;
    ``ignore_case`` makes every entry match in any case."""
    made: list[GlossaryEntry] = []
    for source, target, *flag in entries:
        entry_ignores_case = ignore_case or bool(flag and flag[0])
        made.append(GlossaryEntry(" ".join(source.split()), target.strip(), entry_ignores_case))
    described = "\n".join(f"{e.source}\t{e.target}\t{int(e.ignore_case)}" for e in made)
    return Glossary(tuple(made), hashlib.sha256(described.encode("utf-8")).hexdigest()[:16])


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
        if len(cells) < 2 or not cells[0] or not cells[1]:
            separator = "a tab" if tabbed else "a comma"
            raise GlossaryError(
                f"{where}: expected source and target separated by {separator}, "
                f"got {line.strip()!r}. Fix or remove the line."
            )
        if not re.search(r"\w", cells[0]):
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
    return make_glossary((e.source, e.target, e.ignore_case) for e in entries.values())


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
