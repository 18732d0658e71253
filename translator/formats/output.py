"""Writers: a structured source's translation as text, Markdown, JSON or (for Word input)
a Word file.

- Markdown in: the translated Markdown file for ``text`` and ``markdown`` alike (the text
  of a Markdown file is Markdown), a summary appended as a ``## Summary`` section.
- HTML in: ``markdown`` gives the article as Markdown (the title as ``#``, a short
  metadata header, headings, lists, quotes, tables); ``text`` the blocks, one paragraph
  each; ``json`` the usual schema plus ``input_format``, ``metadata`` and each
  paragraph's ``kind``.
- Word in: a Word file (``write_docx_bytes``), or any of the above; PowerPoint,
  OpenDocument and EPUB likewise (``package.write_package``).
- Subtitles in: ``text`` gives the subtitle file (SRT or WebVTT, as it came) with every
  cue's timing kept (``formats.subtitles``); the others show its sentences.
- PDF in: the blocks as for HTML (Markdown with headings and tables); a Word file through
  the Word writer (``formats.pdf.as_docx``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from translator.formats.types import (
    HEADING,
    LIST_ITEM,
    QUOTE,
    TABLE_CELL,
    ArticleSource,
    DocxSource,
    InputFormat,
    MarkdownSource,
    PackageSource,
    Placement,
    StructuredSource,
    SubtitleSource,
)
from translator.render import (
    SUMMARY_SEPARATOR,
    OutputFormat,
    markdown_appendix,
    render_text,
    to_json,
)
from translator.schema import DocumentResult, Paragraph


def render_structured(
    source: StructuredSource,
    result: DocumentResult,
    output_format: OutputFormat,
    source_name: str = "",
) -> str:
    """The result of a structured source in ``output_format`` (text, markdown or json)."""
    if isinstance(source, DocxSource | PackageSource):
        from translator.formats.markers import plain_result

        result = plain_result(result)  # callers may pass the pipeline's marked result
    if output_format is OutputFormat.JSON:
        return (
            json.dumps(structured_json(source, result, source_name), ensure_ascii=False, indent=2)
            + "\n"
        )
    translations = [p.translation for p in result.paragraphs]
    if isinstance(source, MarkdownSource):
        from translator.formats.markdown import write_markdown

        text = write_markdown(source, translations)
        if result.summary is not None:
            text = text.rstrip("\n") + "\n\n## Summary\n\n" + result.summary.text.strip() + "\n"
        return text
    if isinstance(source, SubtitleSource) and output_format is OutputFormat.TEXT:
        from translator.formats.subtitles import write_subtitles

        kept = [quote.rendered for quote in result.quotes]
        text = write_subtitles(source, translations, kept)
        if result.summary is None:
            return text
        return text.rstrip("\r\n") + "\n" + _subtitle_summary(source, result.summary.text)
    if output_format is OutputFormat.MARKDOWN:
        body = blocks_markdown(source.document.paragraphs, source.placements, translations)
        header = _metadata_header(source) if isinstance(source, ArticleSource) else ""
        if header and source.metadata.get("title"):
            title, _, rest = body.partition("\n\n")
            body = title + "\n\n" + header + ("\n\n" + rest if rest else "")
        return "\n\n".join([body, *markdown_appendix(result)]) + "\n"
    return render_text(result)


def structured_json(
    source: StructuredSource, result: DocumentResult, source_name: str = ""
) -> dict[str, Any]:
    """The JSON schema of ``DocumentResult.to_dict`` (``input_format``, ``metadata`` and each
    paragraph's ``kind`` included), for a result made from ``source``."""
    made = replace(result, input_format=source.format.value, metadata=dict(source.metadata))
    return to_json(made, source_name)


def _subtitle_summary(source: SubtitleSource, summary: str) -> str:
    """A summary after a subtitle file: a WebVTT NOTE block (players skip it; a note may
    not hold ``-->``), after SRT the text output's separator."""
    if source.format is InputFormat.VTT:
        return "\nNOTE Summary\n" + summary.strip().replace("-->", "->") + "\n"
    return SUMMARY_SEPARATOR + summary.strip() + "\n"


def _metadata_header(source: ArticleSource) -> str:
    meta = source.metadata
    byline = " · ".join(meta[key] for key in ("author", "date", "sitename") if meta.get(key))
    lines = [f"*{_escape(byline)}*"] if byline else []
    if meta.get("url"):
        lines.append(f"Source: <{meta['url']}>")
    return "  \n".join(lines)


def blocks_markdown(
    paragraphs: Sequence[Paragraph], placements: Sequence[Placement], texts: Sequence[str]
) -> str:
    """Blocks as Markdown: headings at their level, list items, block quotes, and table
    cells gathered into pipe tables (the first row as the header)."""
    out: list[str] = []
    index = 0
    while index < len(paragraphs):
        kind, placement, text = paragraphs[index].kind, placements[index], texts[index]
        if kind == TABLE_CELL:
            rows: dict[int, list[str]] = {}
            while index < len(paragraphs) and placements[index].table == placement.table:
                rows.setdefault(placements[index].row, []).append(_cell(texts[index]))
                index += 1
            out.append(_table(list(rows.values())))
            continue
        index += 1
        if kind == HEADING:
            level = min(max(placement.level or 2, 1), 6)
            out.append("#" * level + " " + " ".join(text.split()))
        elif kind == LIST_ITEM:
            out.append("- " + text.replace("\n", "\n  "))
        elif kind == QUOTE:
            out.append("> " + text.replace("\n", "\n> "))
        else:
            out.append(text)
    # Consecutive list items form one list: no blank line between them.
    merged: list[str] = []
    for block in out:
        if merged and block.startswith("- ") and merged[-1].startswith("- "):
            merged[-1] += "\n" + block
        else:
            merged.append(block)
    return "\n\n".join(merged)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _table(rows: list[list[str]]) -> str:
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * width)
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("*", "\\*").replace("_", "\\_")
