"""Rendering a DocumentResult as text, markdown or JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from enum import StrEnum
from typing import Any

from translator.schema import DocumentResult

SUMMARY_SEPARATOR = "\n---- Summary ----\n\n"


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
    source_name = source_name or result.source
    title = f"# Translation of {source_name}" if source_name else "# Translation"
    blocks = [title]
    blocks.extend(p.translation for p in result.paragraphs if p.translation.strip())
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
    return "\n\n".join(blocks) + "\n"


def to_json(result: DocumentResult, source_name: str = "") -> dict[str, Any]:
    """The JSON document the README's schema describes (``DocumentResult.to_dict``), with
    ``source`` set to ``source_name`` when one is given."""
    return (replace(result, source=source_name) if source_name else result).to_dict()
