"""Rendering a DocumentResult as text, markdown, JSON or an HTML page (render_html)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from enum import StrEnum
from typing import Any

from translator.options import Options
from translator.schema import DocumentResult, ModelInfo, QuoteResult

SUMMARY_SEPARATOR = "\n---- Summary ----\n\n"


class OutputFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    HTML = "html"  # a self-contained review page (render_html)


def shows_scores(output_format: OutputFormat) -> bool:
    """Whether ``output_format`` shows each sentence's score (JSON, the review page): the
    others never ask the model for one."""
    return output_format in (OutputFormat.JSON, OutputFormat.HTML)


def render(
    result: DocumentResult,
    output_format: OutputFormat,
    *,
    source_name: str = "",
    run: Mapping[str, str] | None = None,
) -> str:
    """The result as a string in ``output_format``, ending with a newline.

    ``run`` describes how the result was made beyond what it holds (engine, options):
    the HTML page shows it in its footer; the other formats do not.
    """
    if output_format is OutputFormat.HTML:
        from translator.render_html import render_page  # jinja2 loads only when needed

        return render_page(to_json(result, source_name), run)
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
    title = markdown_title(source_name or result.source)
    body = [p.translation for p in result.paragraphs if p.translation.strip()]
    return "\n\n".join([title, *body, *markdown_appendix(result)]) + "\n"


def markdown_appendix(result: DocumentResult) -> list[str]:
    """The Markdown blocks after the translation: summary, quotations, warnings, model."""
    blocks: list[str] = []
    if result.summary is not None:
        blocks += ["## Summary", result.summary.text]
    if result.quotes:
        blocks.append("## Quotations")
        blocks.append("\n".join(markdown_quote(i, q) for i, q in enumerate(result.quotes, 1)))
    if result.warnings:
        blocks.append("## Warnings")
        blocks.append("\n".join(markdown_warning(w) for w in result.warnings))
    blocks.append(markdown_model(result.model))
    return blocks


def markdown_title(source_name: str) -> str:
    return f"# Translation of {source_name}" if source_name else "# Translation"


def markdown_quote(number: int, quote: QuoteResult) -> str:
    """A line of the Markdown list of quotations."""
    return f"{number}. {quote.original.replace(chr(10), ' / ')} ({quote.strategy.value})"


def markdown_warning(warning: str) -> str:
    return f"- {warning}"


def markdown_model(model: ModelInfo) -> str:
    revision = f" @ {model.revision}" if model.revision else ""
    return f"*Translated by translator with {model.id}{revision}.*"


def to_json(result: DocumentResult, source_name: str = "") -> dict[str, Any]:
    """The JSON document the README's schema describes (``DocumentResult.to_dict``), with
    ``source`` set to ``source_name`` when one is given."""
    return (replace(result, source=source_name) if source_name else result).to_dict()


def run_details(options: Options, engine: str | None) -> dict[str, str]:
    """The footer lines of an HTML page: the engine's class name (None: no model ran, e.g.
    for empty input) and the options that shaped the output (the result holds neither)."""
    details = {
        "Engine": engine if engine is not None else "none (nothing to translate)",
        "Quotations": f"--quotes {options.quotes.value} --quote-marks {options.quote_marks.value}",
    }
    if options.summarize:
        words = options.summary_max_words
        details["Summary"] = f"--summary-length {options.summary_length}" + (
            f" --summary-max-words {words}" if words else ""
        )
    return details
