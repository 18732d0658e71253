"""Writing a streamed translation (``Translator.translate_stream``) as its sections are done.

The text, JSON and Markdown outputs are those of the whole document (``render``'s, and
``DocumentResult.to_dict``) with flat memory: the translation is written as it comes, and
the lists that follow it (JSON's paragraphs, quotations and warnings; Markdown's
quotations and warnings) wait in temporary files, not in memory, until it is written.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

from translator import render
from translator.glossary import merge_uses
from translator.schema import CacheStats, DocumentResult, GlossaryUse, ModelInfo

Write = Callable[[str], None]

# JSON keys whose lists are kept on disk while the stream runs.
_SPILLED = ("paragraphs", "quotes", "warnings")


def write_text(sections: Iterable[DocumentResult], write: Write) -> None:
    """The sections' translations in order, ending with a newline as ``render_text`` does."""
    last, written = "", False
    for section in sections:
        write(section.translation)
        last = section.translation[-1:] or last
        written = written or bool(section.translation.strip())
    if written and last != "\n":
        write("\n")


def write_json(sections: Iterable[DocumentResult], write: Write, source: str = "") -> None:
    """The JSON document of the whole text (``to_dict``'s keys, in its order). Its lists
    hold the sections' items in order: ``warnings`` are grouped by section, each
    section's quotation warnings first. ``timings`` has the sections' parse and translate
    times added up, and ``total_s`` from the first section to the last."""
    started = time.perf_counter()
    early = DocumentResult("", (), (), ModelInfo(""), source=source).to_dict()
    keys = list(early)
    before = keys[: keys.index("translation")]
    write("{\n")
    for key in before:
        _write_member(write, key, early[key])
    write('  "translation": "')
    totals = _Totals()
    with contextlib.ExitStack() as stack:
        spills = {key: stack.enter_context(_Spill(",\n    ")) for key in _SPILLED}
        for section in sections:
            write(json.dumps(section.translation, ensure_ascii=False)[1:-1])
            data = section.to_dict()
            for key in _SPILLED:
                for item in data[key]:
                    dumped = json.dumps(item, ensure_ascii=False, indent=2)
                    spills[key].add(dumped.replace("\n", "\n    "))  # at depth 2
            totals.add(section)
        write('",\n')
        final = totals.result(source, time.perf_counter() - started).to_dict()
        after = keys[keys.index("translation") + 1 :]
        for position, key in enumerate(after):
            if key in _SPILLED:
                write(f"  {json.dumps(key)}: ")
                if spills[key].count:
                    write("[\n    ")
                    spills[key].copy(write)
                    write("\n  ]")
                else:
                    write("[]")
                write(",\n" if position + 1 < len(after) else "\n")
            else:
                _write_member(write, key, final[key], last=position + 1 == len(after))
    write("}\n")


def write_markdown(sections: Iterable[DocumentResult], write: Write, source: str = "") -> None:
    """``render_markdown`` of the whole text: the title, every paragraph's translation, then
    the quotations (numbered through the whole text), the warnings and the model."""
    write(render.markdown_title(source))
    totals = _Totals()
    with _Spill("\n") as quotes, _Spill("\n") as warnings:
        for section in sections:
            for paragraph in section.paragraphs:
                if paragraph.translation.strip():
                    write("\n\n" + paragraph.translation)
            for quote in section.quotes:
                quotes.add(render.markdown_quote(quotes.count + 1, quote))
            for warning in section.warnings:
                warnings.add(render.markdown_warning(warning))
            totals.add(section)
        for heading, spill in (("## Quotations", quotes), ("## Warnings", warnings)):
            if spill.count:
                write(f"\n\n{heading}\n\n")
                spill.copy(write)
    write("\n\n" + render.markdown_model(totals.model or ModelInfo("")) + "\n")


def _write_member(write: Write, key: str, value: Any, *, last: bool = False) -> None:
    """One member of the top-level object, laid out as ``json.dumps(indent=2)`` does."""
    dumped = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    write(f"  {json.dumps(key)}: {dumped}" + ("\n" if last else ",\n"))


class _Spill:
    """Items of a list kept in a temporary file (not in memory) until they are written."""

    def __init__(self, separator: str) -> None:
        self.separator = separator
        self.count = 0
        self.file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")

    def __enter__(self) -> _Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def add(self, item: str) -> None:
        self.file.write((self.separator if self.count else "") + item)
        self.count += 1

    def copy(self, write: Write) -> None:
        self.file.seek(0)
        while block := self.file.read(1 << 20):
            write(block)


class _Totals:
    """What the whole text's result says beyond its lists: counts added up over sections."""

    def __init__(self) -> None:
        self.model: ModelInfo | None = None
        self.sentences = 0
        self.parse_s = self.translate_s = 0.0
        self.glossary: list[GlossaryUse] = []
        self.cache: CacheStats | None = None
        self.language: str | None = None

    def add(self, section: DocumentResult) -> None:
        self.model = self.model or section.model
        # The text's language is read from its beginning, as for a whole document.
        self.language = self.language or section.language
        self.sentences += section.sentences
        self.parse_s += section.timings.get("parse_s", 0.0)
        self.translate_s += section.timings.get("translate_s", 0.0)
        self.glossary.extend(section.glossary)
        if section.cache is not None:
            hits, misses = (0, 0) if self.cache is None else (self.cache.hits, self.cache.misses)
            self.cache = CacheStats(hits + section.cache.hits, misses + section.cache.misses)

    def result(self, source: str, total_s: float) -> DocumentResult:
        return DocumentResult(
            translation="",
            paragraphs=(),
            quotes=(),
            model=self.model or ModelInfo(""),
            sentences=self.sentences,
            source=source,
            glossary=merge_uses(self.glossary),
            cache=self.cache,
            language=self.language,
            timings={
                "parse_s": round(self.parse_s, 4),
                "translate_s": round(self.translate_s, 4),
                "total_s": round(total_s, 4),
            },
        )
