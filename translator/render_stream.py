"""Writing a streamed translation (``Translator.translate_stream``) as its sections are done.

The text and JSON outputs are those of the whole document (``render.render_text`` and
``DocumentResult.to_dict``) with flat memory: the translation is written as it comes, and
JSON's per-paragraph, per-quotation and warning lists wait in temporary files (not in
memory) until the translation, which comes before them, is written.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

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
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as paragraphs,
        tempfile.TemporaryFile("w+", encoding="utf-8") as quotes,
        tempfile.TemporaryFile("w+", encoding="utf-8") as warnings,
    ):
        spills = _Spills({"paragraphs": paragraphs, "quotes": quotes, "warnings": warnings})
        for section in sections:
            write(json.dumps(section.translation, ensure_ascii=False)[1:-1])
            data = section.to_dict()
            for key in _SPILLED:
                spills.add(key, data[key])
            totals.add(section)
        write('",\n')
        final = totals.result(source, time.perf_counter() - started).to_dict()
        after = keys[keys.index("translation") + 1 :]
        for position, key in enumerate(after):
            if key in _SPILLED:
                write(f"  {json.dumps(key)}: ")
                spills.copy(key, write)
                write(",\n" if position + 1 < len(after) else "\n")
            else:
                _write_member(write, key, final[key], last=position + 1 == len(after))
    write("}\n")


def _write_member(write: Write, key: str, value: Any, *, last: bool = False) -> None:
    """One member of the top-level object, laid out as ``json.dumps(indent=2)`` does."""
    dumped = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    write(f"  {json.dumps(key)}: {dumped}" + ("\n" if last else ",\n"))


class _Spills:
    """Lists of JSON items written to temporary files, each item laid out at depth 2."""

    def __init__(self, files: dict[str, IO[str]]) -> None:
        self.files = files
        self.counts = dict.fromkeys(files, 0)

    def add(self, key: str, items: list[Any]) -> None:
        file = self.files[key]
        for item in items:
            dumped = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            file.write((",\n    " if self.counts[key] else "\n    ") + dumped)
            self.counts[key] += 1

    def copy(self, key: str, write: Write) -> None:
        if not self.counts[key]:
            write("[]")
            return
        file = self.files[key]
        file.seek(0)
        write("[")
        while block := file.read(1 << 20):
            write(block)
        write("\n  ]")


class _Totals:
    """What the whole text's result says beyond its lists: counts added up over sections."""

    def __init__(self) -> None:
        self.model: ModelInfo | None = None
        self.sentences = 0
        self.parse_s = self.translate_s = 0.0
        self.glossary: list[GlossaryUse] = []
        self.cache: CacheStats | None = None

    def add(self, section: DocumentResult) -> None:
        self.model = self.model or section.model
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
            timings={
                "parse_s": round(self.parse_s, 4),
                "translate_s": round(self.translate_s, 4),
                "total_s": round(total_s, 4),
            },
        )
