"""The CLI as users run it: CliRunner for most cases, one real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.oracle import SAMPLE_QUOTES, quotations_in
from translator.cli import app

runner = CliRunner()
SAMPLE = Path(__file__).parent / "data" / "belousov-dprk.de.txt"


def _translate(*args: str, input_text: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["translate", *args], input=input_text)
    return result.exit_code, result.stdout, result.stderr


def test_translates_a_file_one_paragraph_per_input_paragraph(tiny_marian_dir: Path) -> None:
    code, out, err = _translate(str(SAMPLE), "--translation-model", str(tiny_marian_dir))
    assert code == 0, err
    source = SAMPLE.read_text(encoding="utf-8")
    assert len(out.rstrip("\n").split("\n")) == len(source.rstrip("\n").split("\n"))
    assert quotations_in(out) == list(SAMPLE_QUOTES)


def test_translates_stdin(tiny_marian_dir: Path) -> None:
    source = SAMPLE.read_text(encoding="utf-8")
    code, out, err = _translate("--translation-model", str(tiny_marian_dir), input_text=source)
    assert code == 0, err
    assert quotations_in(out) == list(SAMPLE_QUOTES)


@pytest.mark.parametrize("mode", ["keep", "translate", "both"])
def test_json_output_parses_and_lists_every_quotation(tiny_marian_dir: Path, mode: str) -> None:
    code, out, err = _translate(
        str(SAMPLE), "-m", str(tiny_marian_dir), "--format", "json", "--quotes", mode
    )
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"translation", "paragraphs", "model", "warnings", "timings", "quotes"}
    assert len(data["quotes"]) == 7
    assert all(q["strategy"] in {"verbatim", "placeholder", "fragments"} for q in data["quotes"])
    assert data["model"]["id"] == str(tiny_marian_dir)
    originals = [q["original"] for q in data["quotes"]]
    assert originals == list(SAMPLE_QUOTES)
    if mode == "keep":
        assert quotations_in(data["translation"]) == originals


def test_markdown_output(tiny_marian_dir: Path) -> None:
    code, out, err = _translate(str(SAMPLE), "-m", str(tiny_marian_dir), "--format", "markdown")
    assert code == 0, err
    assert out.startswith("# Translation of belousov-dprk.de.txt")
    assert "## Quotations" in out


def test_output_file_is_written(tiny_marian_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "a.en.txt"
    code, out, err = _translate(str(SAMPLE), "-m", str(tiny_marian_dir), "-o", str(target))
    assert code == 0, err
    assert out == ""
    assert target.read_text(encoding="utf-8").count("\n") >= 10
    assert [p.name for p in target.parent.iterdir()] == ["a.en.txt"]


def test_missing_input_is_a_clear_error(tiny_marian_dir: Path, tmp_path: Path) -> None:
    code, _, err = _translate(str(tmp_path / "nope.txt"), "-m", str(tiny_marian_dir))
    assert code == 1
    assert err.startswith("Error: ") and "does not exist" in err
    assert "Traceback" not in err


def test_unavailable_model_is_a_clear_error() -> None:
    code, _, err = _translate(str(SAMPLE), "-m", "someone/not-a-model")
    assert code == 1
    assert err.startswith("Error: ") and "translator models pull" in err
    assert "Traceback" not in err


def test_usage_error_exits_2() -> None:
    code, _, _ = _translate("--beams", "0")
    assert code == 2


def test_help_imports_neither_torch_nor_transformers(imported_modules: Any) -> None:
    run = imported_modules(
        "import sys\nfrom translator.cli import main\nsys.argv = ['translator', '--help']\nmain()"
    )
    assert run.exit_code == 0 and "translate" in run.stdout
    assert not {"torch", "transformers", "ctranslate2"} & run.modules


@pytest.mark.slow
def test_real_subprocess_translates_stdin(tiny_marian_dir: Path) -> None:
    source = SAMPLE.read_text(encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "translator", "translate", "-", "-m", str(tiny_marian_dir)],
        input=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert quotations_in(done.stdout) == list(SAMPLE_QUOTES)
    assert len(done.stdout.rstrip("\n").split("\n")) == len(source.rstrip("\n").split("\n"))


def test_empty_input_gives_valid_json_without_loading_a_model() -> None:
    code, out, err = _translate("-m", "no/such-model", "--format", "json", input_text="  \n")
    assert code == 0, err
    data = json.loads(out)
    assert data["translation"] == "" and data["paragraphs"] == []
    assert "empty" in err


def test_streamed_text_output_equals_the_rendered_translation(tiny_marian_dir: Path) -> None:
    source = SAMPLE.read_text(encoding="utf-8")
    streamed = _translate("-m", str(tiny_marian_dir), input_text=source)
    code, data, err = _translate("-m", str(tiny_marian_dir), "-f", "json", input_text=source)
    assert code == 0 and streamed[0] == 0, err
    translation = json.loads(data)["translation"]
    assert streamed[1] == translation + ("" if translation.endswith("\n") else "\n")


@pytest.mark.parametrize("mode", ["keep", "translate", "both"])
def test_tiny_model_keeps_the_contract_in_every_mode(tiny_marian_dir: Path, mode: str) -> None:
    """Garbage output from a random-weight model exercises every fallback: the sample's 7
    quotations still come out once each, in order, verbatim (keep) or between marks."""
    from tests.oracle import assert_contract
    from translator import engines
    from translator.options import Options
    from translator.pipeline import translate_document
    from translator.schema import QuoteMode

    source = SAMPLE.read_text(encoding="utf-8")
    translator = engines.load_translator(str(tiny_marian_dir))
    result = translate_document(source, translator, Options(quotes=QuoteMode(mode)))
    assert len(result.quotes) == 7
    assert_contract(SAMPLE_QUOTES, result, QuoteMode(mode))


@pytest.mark.parametrize(
    ("marks", "nested"),
    [("english", ("“", "‘", "’", "”")), ("ascii", ('"', "'", "'", '"')), ("original", "„‚‘“")],
)
def test_json_translate_renders_nested_quotations_with_a_nested_pair(
    tiny_marian_dir: Path, marks: str, nested: tuple[str, ...]
) -> None:
    """Whatever the (random-weight) model emits, a nested quotation keeps a nested pair of
    the chosen style inside the outer one (docs/quotes.md §2)."""
    source = "Der Sprecher sagte: „Er rief: ‚Wir kommen morgen.‘ und ging.“ Dann ging er.\n"
    code, out, err = _translate(
        "-", "-m", str(tiny_marian_dir), "--format", "json", "--quotes", "translate",
        "--quote-marks", marks, input_text=source,
    )  # fmt: skip
    assert code == 0, err
    [quote] = json.loads(out)["quotes"]
    assert quote["original"] == "„Er rief: ‚Wir kommen morgen.‘ und ging.“"
    rendered = quote["rendered"]
    outer_open, inner_open, inner_close, outer_close = nested
    assert rendered[0] == outer_open and rendered[-1] == outer_close
    inner = rendered[1:-1]
    marks_found = [
        mark
        for i, mark in enumerate(inner)
        if mark in (inner_open, inner_close)
        and not (inner[i - 1 : i].isalnum() and inner[i + 1 : i + 2].isalnum())  # apostrophe
    ]
    assert marks_found == [inner_open, inner_close]


def test_shared_options_are_declared_once_and_offered_by_every_document_command() -> None:
    from dataclasses import fields

    import typer.main

    from translator.cli.options import SharedOptions

    shared = {field.name for field in fields(SharedOptions)}
    assert len(shared) >= 14
    group = typer.main.get_command(app)
    for name in ("translate", "summarize", "batch"):
        command = group.commands[name]  # type: ignore[attr-defined]
        offered = {param.name for param in command.params}
        assert shared <= offered, (name, shared - offered)
