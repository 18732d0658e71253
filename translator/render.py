"""Rendering a DocumentResult as text, markdown or JSON."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from translator.schema import DocumentResult

SUMMARY_SEPARATOR = "\n---- Summary ----\n\n"
JSON_SCHEMA_VERSION = 1


class OutputFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


def render(result: DocumentResult, output_format: OutputFormat, *, source_name: str = "") -> str:
    """The result as a string in ``output_format``, ending with a newline."""
    if output_format is OutputFormat.JSON:
        return json.dumps(to_json(result, source_name), ensure_ascii=False, indent=2) + "\n"
    if output_format is OutputFormat.MARKDOWN:
        return render_markdown(result, source_name)
    return render_text(result)


def render_text(result: DocumentResult) -> str:
    """The translation as it is (so it can be streamed first), then the summary."""
    text = result.translation
    if text.strip() and not text.endswith("\n"):
        text += "\n"
    if result.summary is not None:
        text += SUMMARY_SEPARATOR + result.summary.text.rstrip("\n") + "\n"
    return text


def render_markdown(result: DocumentResult, source_name: str = "") -> str:
    title = f"# Translation of {source_name}" if source_name else "# Translation"
    body = [p.translation for p in result.paragraphs if p.translation.strip()]
    return "\n\n".join([title, *body, *markdown_appendix(result)]) + "\n"


def markdown_appendix(result: DocumentResult) -> list[str]:
    """The Markdown blocks after the translation: summary, quotations, warnings, model."""
    blocks: list[str] = []
    if result.summary is not None:
        blocks += ["## Summary", result.summary.text]
    if result.quotes:
        blocks.append("## Quotations")
        blocks.append(
            "\n".join(
                f"{i}. {q.original.replace(chr(10), ' / ')} ({q.strategy.value})"
                for i, q in enumerate(result.quotes, 1)
            )
        )
    if result.warnings:
        blocks.append("## Warnings")
        blocks.append("\n".join(f"- {w}" for w in result.warnings))
    model = result.model.id + (f" @ {result.model.revision}" if result.model.revision else "")
    blocks.append(f"*Translated by translator with {model}.*")
    return blocks


def to_json(result: DocumentResult, source_name: str = "") -> dict[str, Any]:
    """The JSON document the README's schema describes."""
    data: dict[str, Any] = {
        "schema_version": JSON_SCHEMA_VERSION,
        "source": source_name,
        "translation": result.translation,
        "paragraphs": [
            {"source": p.source, "translation": p.translation} for p in result.paragraphs
        ],
        "quotes": [
            {
                "original": q.original,
                "rendered": q.rendered,
                "strategy": q.strategy.value,
                "paragraph": q.paragraph,
            }
            for q in result.quotes
        ],
        "model": {"id": result.model.id, "revision": result.model.revision},
        "sentences": result.sentences,
        "warnings": list(result.warnings),
        "timings": result.timings,
    }
    if result.summary is not None:
        summary = result.summary
        data["summary"] = summary.text
        data["summary_model"] = {"id": summary.model.id, "revision": summary.model.revision}
        data["summary_chunks"] = summary.chunks
        data["summary_quotes"] = [
            {"found": c.found, "action": c.action, "replacement": c.replacement}
            for c in summary.quote_changes
        ]
        data["warnings"] += list(summary.warnings)
    return data
