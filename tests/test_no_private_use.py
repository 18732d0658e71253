"""No private-use character reaches any output, message or page (issue 21, item 5).

A Word file's bold and italic runs travel through the pipeline as inline markup around
private-use marker characters; the Word writer needs them, nothing else may see them.
Every input format (text, Markdown, HTML, Word, each with bold/italic where it has them)
is translated and written in every output format, through the library's result, the batch
(its output files, manifest and index page) and the CLI (stdout and stderr).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.batch_helpers import run_batch
from tests.fakes import FakeTranslator, WholeTextSummarizer
from translator import formats
from translator.api import Translator
from translator.batch import BatchSettings, read_manifest
from translator.cli import app
from translator.options import Options
from translator.output import footer_details, render_result
from translator.render import OutputFormat

pytestmark = pytest.mark.faults  # issue 21 item 5: no marker character reaches any output

_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")

_TEXT = "Er sagte: „Das ist sehr wichtig“, und ging.\n\nDer Minister sagte das.\n"
_MARKDOWN = "# Titel\n\nEr sagte: „Das ist **sehr** wichtig“, und *ging*.\n"
# A news page (its article in <p> with <b>, <a>, ...), as saved from a site.
_PAGE = Path(__file__).parent / "data" / "formats" / "news-page.de.html"


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Titel", level=1)
    paragraph = document.add_paragraph("Er sagte: „Das ist ")
    paragraph.add_run("sehr").bold = True
    paragraph.add_run(" wichtig“, und ging „weg.")  # an unclosed mark: a warning
    paragraph = document.add_paragraph("Der ")
    paragraph.add_run("Minister").italic = True
    paragraph.add_run(" sagte das.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_INPUTS: dict[str, bytes] = {
    "story.txt": _TEXT.encode(),
    "story.md": _MARKDOWN.encode(),
    "story.html": _PAGE.read_bytes(),
    "story.docx": _docx(),
}


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def leaks(texts: dict[str, str]) -> list[str]:
    """The names of the texts that hold a private-use character (the check under test)."""
    assert texts, "nothing was checked"
    return sorted(name for name, text in texts.items() if _PRIVATE_USE.search(text))


def _word_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read("word/document.xml").decode("utf-8")


def _library_outputs() -> dict[str, str]:
    """Every field and every rendering of every input's result, through the library."""
    translator = Translator.from_engines(FakeTranslator(), WholeTextSummarizer())
    texts: dict[str, str] = {}
    for name, data in _INPUTS.items():
        source = formats.read_bytes(data, name)
        result = translator.translate_input(source, summarize=True, source=name)
        texts[f"{name} .text"] = result.text
        texts[f"{name} .quotes"] = "\n".join(
            q.original + q.rendered + q.translated for q in result.quotes
        )
        texts[f"{name} .warnings"] = "\n".join(result.warnings)
        texts[f"{name} .summary"] = result.summary.text if result.summary else ""
        texts[f"{name} .to_dict()"] = "\n".join(_strings(result.to_dict()))
        run = footer_details(translator, True, result)
        for output_format in OutputFormat:
            rendered = render_result(source, result, output_format, run=run)
            texts[f"{name} as {output_format.value}"] = rendered
        if isinstance(source, formats.DocxSource):
            clean, word_file = translator.translate_docx(source, summarize=True, source=name)
            assert clean.to_dict()["translation"] == result.translation
            texts[f"{name} as docx"] = _word_text(word_file)
    return texts


def test_the_word_input_has_formatting_markers_inside() -> None:
    """The premise: the pipeline carries markers for the Word file's runs."""
    from translator import pipeline

    source = formats.read_bytes(_INPUTS["story.docx"], "story.docx")
    assert isinstance(source, formats.DocxSource)
    raw = pipeline.translate_document(source.document, FakeTranslator())
    assert _PRIVATE_USE.search(raw.translation)
    assert any(_PRIVATE_USE.search(q.original) for q in raw.quotes)


def test_no_library_result_or_rendering_holds_a_private_use_character() -> None:
    texts = _library_outputs()
    assert len(texts) >= 4 * (5 + len(OutputFormat)) + 1
    assert leaks(texts) == []
    word = texts["story.docx as docx"]
    assert "<w:b/>" in word and "<w:i/>" in word  # the Word file kept its formatting


def test_the_check_fails_when_the_markers_are_not_removed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from translator.formats import markers

    monkeypatch.setattr(markers, "plain_result", lambda result: result)
    found = leaks(_library_outputs())
    assert "story.docx .text" in found and "story.docx .quotes" in found
    assert "story.docx as json" in found and "story.docx as html" in found
    assert not [name for name in found if not name.startswith("story.docx")]


@pytest.mark.parametrize("output_format", list(OutputFormat))
def test_no_batch_output_manifest_or_index_holds_a_private_use_character(
    tmp_path: Path, output_format: OutputFormat
) -> None:
    source, output = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for name, data in _INPUTS.items():
        (source / name).write_bytes(data)
    options = Options(summarize=True)
    report = run_batch(
        BatchSettings(source, output, output_format=output_format),
        FakeTranslator(),
        options,
        summarizer=WholeTextSummarizer(),
    )
    assert report.done == len(_INPUTS), report.problems
    texts = {
        str(path.relative_to(output)): (
            _word_text(path.read_bytes())
            if path.suffix == ".docx"
            else path.read_text(encoding="utf-8")
        )
        for path in output.rglob("*")
        if path.is_file() and not path.name.startswith((".", "translator-manifest"))
    }
    records = read_manifest(output)
    texts["manifest"] = "\n".join("\n".join([r.error, *r.warnings, *r.outputs]) for r in records)
    assert leaks(texts) == []
    assert len(records) == len(_INPUTS)


def test_the_cli_shows_no_private_use_character(tmp_path: Path, tiny_marian_dir: Path) -> None:
    path = tmp_path / "story.docx"
    path.write_bytes(_INPUTS["story.docx"])
    runner = CliRunner()
    texts: dict[str, str] = {}
    for output_format in ("json", "html", "markdown", "text"):
        result = runner.invoke(
            app,
            ["translate", str(path), "-m", str(tiny_marian_dir), "-f", output_format, "-v"],
        )
        assert result.exit_code == 0, result.stderr
        texts[f"stdout {output_format}"] = result.stdout
        texts[f"stderr {output_format}"] = result.stderr
    assert leaks(texts) == []
