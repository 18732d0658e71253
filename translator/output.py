"""Writing one result: its file names, its format, its Word file, its page's footer.

``translate``, ``summarize`` and ``batch`` all write through here, so a result looks the
same whichever command made it: text, Markdown, JSON or the HTML review page rendered from
the result (in the source's structure where it has one: Markdown stays Markdown, an HTML
page's article becomes Markdown), or, for Word, PowerPoint, OpenDocument and EPUB input, a
file of the same format (for PDF input, a Word file).

Names: ``article.txt`` gives ``article.en.txt``; a ``.de`` language tag is replaced
(``article.de.txt`` gives ``article.en.txt``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from translator.render import OutputFormat, render, run_details
from translator.schema import DocumentResult

if TYPE_CHECKING:
    from translator.api import Translator
    from translator.formats.types import Source

_LANGUAGE_TAG = ".de"  # "article.de.txt" becomes "article.en.txt", not "article.de.en.txt"
_PAGE_SUFFIXES = (".html", ".htm", ".xhtml")
# Inputs whose text-format output is a file of their own format, summary beside it as text.
_OWN_FORMAT_SUFFIXES = (".docx", ".pptx", ".odt", ".odp", ".epub", ".srt", ".vtt")


def output_names(
    relative: PurePosixPath,
    output_format: OutputFormat,
    summarize: bool,
    *,
    keep_source_name: bool = False,
) -> tuple[PurePosixPath, ...]:
    """Where an input's outputs go (``relative`` is the input's path; batch mirrors trees).

    ``a/b.txt`` gives ``a/b.en.txt`` (and ``a/b.summary.en.txt`` when summarizing) in text
    format; a text-format output keeps the source's suffix (``b.md`` gives ``b.en.md``),
    since it keeps the source's layout, except for a page (``b.html`` gives the article's
    text, ``b.en.txt``), a file written back (``b.docx`` gives ``b.en.docx``, its summary
    ``b.summary.en.txt``; .pptx, .odt, .odp, .epub and subtitles likewise: ``b.srt`` gives
    ``b.en.srt``) and a PDF (a Word file of its headings and paragraphs: ``b.pdf`` gives
    ``b.en.docx``). Markdown and JSON give one ``b.en.md`` / ``b.en.json`` with the summary
    inside. A ``.de`` language tag is replaced: ``b.de.txt`` gives ``b.en.txt``.

    ``keep_source_name`` keeps the whole input name in front (``b.html`` gives
    ``b.html.en.txt``), for inputs whose outputs would otherwise be the same file.
    """
    stem, suffix = relative.stem, relative.suffix
    if not suffix:  # "README": "README.en.txt"
        stem, suffix = relative.name, ".txt"
    summary_suffix = suffix
    if suffix.lower() in _PAGE_SUFFIXES:
        suffix = summary_suffix = ".txt"
    elif suffix.lower() in _OWN_FORMAT_SUFFIXES:
        summary_suffix = ".txt"
    elif suffix.lower() == ".pdf":
        suffix, summary_suffix = ".docx", ".txt"
    if keep_source_name:
        stem = relative.name
    elif stem.lower().endswith(_LANGUAGE_TAG) and len(stem) > len(_LANGUAGE_TAG):
        stem = stem[: -len(_LANGUAGE_TAG)]
    if output_format is OutputFormat.MARKDOWN:
        return (relative.with_name(f"{stem}.en.md"),)
    if output_format is OutputFormat.JSON:
        return (relative.with_name(f"{stem}.en.json"),)
    if output_format is OutputFormat.HTML:
        return (relative.with_name(f"{stem}.en.html"),)
    names = [relative.with_name(f"{stem}.en{suffix}")]
    if summarize:
        names.append(relative.with_name(f"{stem}.summary.en{summary_suffix}"))
    return tuple(names)


def render_result(
    source: Source,
    result: DocumentResult,
    output_format: OutputFormat,
    *,
    run: dict[str, str] | None = None,
    source_name: str | None = None,
) -> str:
    """The result in ``output_format`` (text, markdown, json or html), in the source's
    structure where it has one. ``run`` is the review page's footer (``footer_details``);
    ``source_name`` defaults to the result's ``source``."""
    from translator import formats

    name = result.source if source_name is None else source_name
    result = formats.plain_result(source, result)
    if output_format is OutputFormat.HTML or isinstance(source, formats.TextSource):
        return render(result, output_format, source_name=name, run=run)
    from translator.formats.output import render_structured

    return render_structured(source, result, output_format, name)


def summary_text(result: DocumentResult) -> str:
    """The summary alone, ending with a newline ("" when there is none)."""
    summary = result.summary.text if result.summary is not None else ""
    return summary + "\n" if summary and not summary.endswith("\n") else summary


def batch_files(
    source: Source,
    marked: DocumentResult,
    output_format: OutputFormat,
    *,
    summary_file: bool,
    run: dict[str, str],
    source_name: str,
) -> list[str | bytes]:
    """A batch input's output files, in ``output_names``'s order: the result in
    ``output_format`` (for text: in the source's own format, a Word file for Word input),
    then, in text format when summarizing, the summary in a file of its own."""
    from translator import formats

    result = formats.plain_result(source, marked)
    if output_format is not OutputFormat.TEXT:
        return [render_result(source, result, output_format, run=run, source_name=source_name)]
    texts: list[str | bytes]
    if formats.writes_file(source):
        texts = [formats.write_file(source, marked)]
    else:
        without_summary = replace(result, summary=None)
        texts = [render_result(source, without_summary, output_format, source_name=source_name)]
    if summary_file:
        texts.append(summary_text(result))
    return texts


def engine_name(translator: Translator) -> str:
    """The translation engine's class name, under any translation memory (the memory
    changes no output); found without loading a model when none is loaded, and "none"
    when the model cannot even be found (then no sentence needed it: nothing was sent)."""
    from translator.errors import TranslatorError

    try:
        return translator.translation_plan()[1]
    except TranslatorError:
        return "none"


def footer_details(
    translator: Translator, summarize: bool, result: DocumentResult
) -> dict[str, str]:
    """How a result was made, for the review page's footer: the engine (none when there
    was nothing to translate) and the options the result does not hold."""
    name = engine_name(translator) if result.paragraphs else None
    return run_details(replace(translator.options, summarize=summarize), name)
