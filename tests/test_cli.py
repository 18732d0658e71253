"""The CLI as users run it: CliRunner for most cases, one real subprocess."""

from __future__ import annotations

import json
import re
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


def test_markdown_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """The heading, the translation's paragraphs in order (the same as the text format's),
    then every quotation (gold) numbered in order, then the model line."""
    from tests.fakes import FakeTranslator
    from translator import engines

    monkeypatch.setattr(engines, "load_translator", lambda *a, **k: FakeTranslator())
    code, text, err = _translate(str(SAMPLE), "--no-cache")
    assert code == 0, err
    code, out, err = _translate(str(SAMPLE), "--format", "markdown", "--no-cache")
    assert code == 0, err
    head, rest = out.split("\n\n", 1)
    assert head == "# Translation of belousov-dprk.de.txt"
    body, quotations = rest.split("\n\n## Quotations\n\n", 1)
    paragraphs = text.rstrip("\n").split("\n")
    assert len(paragraphs) == len(SAMPLE.read_text(encoding="utf-8").rstrip("\n").split("\n"))
    assert body.split("\n\n") == paragraphs
    assert paragraphs[0].startswith("Russlands Verteidigungsminister Andrei Beloussow is zu")
    items, footer = quotations.rstrip("\n").split("\n\n")
    listed = [re.fullmatch(r"(\d+)\. (.*) \((\w+)\)", line) for line in items.split("\n")]
    assert all(listed), items
    assert [int(m.group(1)) for m in listed if m] == list(range(1, len(SAMPLE_QUOTES) + 1))
    assert [m.group(2) for m in listed if m] == list(SAMPLE_QUOTES)
    assert footer == "*Translated by translator with FakeTranslator @ fake.*"


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


def test_usage_error_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    from translator import engines

    loaded: list[object] = []
    monkeypatch.setattr(engines, "load_translator", lambda *a, **k: loaded.append(a))
    code, out, err = _translate("--beams", "0", input_text="Ein Satz.\n")
    assert code == 2
    assert out == ""  # nothing translated, nothing on stdout
    assert "Invalid value for '--beams'" in err and "greater than or equal to 1" in err
    assert "Traceback" not in err
    assert loaded == []  # refused before any model is loaded


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

    from translator.cli.shared import SharedOptions

    shared = {field.name for field in fields(SharedOptions)}
    assert len(shared) >= 14
    group = typer.main.get_command(app)
    for name in ("translate", "summarize", "batch"):
        command = group.commands[name]  # type: ignore[attr-defined]
        offered = {param.name for param in command.params}
        assert shared <= offered, (name, shared - offered)


def _every_command() -> list[tuple[list[str], Any]]:
    """(path, click command) for the root and every command and sub-command."""
    import typer.main

    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def _help_at_80_columns(path: list[str]) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.faults
def test_help_at_80_columns_shows_every_option_and_variable_name_whole() -> None:
    from translator import config

    commands = _every_command()
    assert len(commands) >= 12  # root, translate, summarize, batch, models x4, cache x2 ...
    variables_seen: set[str] = set()
    checked = 0
    for path, command in commands:
        text = _help_at_80_columns(path)
        names = [o for p in command.params for o in (*p.opts, *p.secondary_opts)]
        checked += len(names)
        for name in names:
            if name.startswith("-"):
                assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text), (path, name)
        shown = re.findall(r"TRANSLATOR_\w*", text)
        assert set(shown) <= set(config.SETTINGS), (path, shown)  # none cut short
        variables_seen.update(shown)
        assert max(len(line) for line in text.splitlines()) <= 80, path
    assert checked > 50
    # The variables the options default from are named in the help, whole.
    assert {"TRANSLATOR_TRANSLATION_MODEL", "TRANSLATOR_DEVICE", "TRANSLATOR_CACHE"} <= (
        variables_seen
    )


@pytest.mark.faults
def test_help_says_what_each_choice_does() -> None:
    batch = " ".join(_help_at_80_columns(["batch"]).split())
    assert "pip install 'translator[ray]'" in batch
    translate = " ".join(_help_at_80_columns(["translate"]).split())
    assert "Word (.docx)" in translate and "HTML" in translate and "Markdown" in translate
    assert "German text file" not in translate
    for mode in ("keep:", "translate:", "both:"):
        assert mode in translate, mode


def test_no_message_names_an_option_that_does_not_exist() -> None:
    """Every --option a message or help text in translator/ names is a real option."""
    import translator

    real = {
        name
        for _, command in _every_command()
        for param in command.params
        for name in (*param.opts, *param.secondary_opts)
    } | {"--help", "--head"}  # click's own; `ray start --head`, in a Ray message
    package = Path(translator.__file__).parent
    named: dict[str, str] = {}
    for path in package.rglob("*.py"):
        for name in re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", path.read_text("utf-8")):
            named.setdefault(name, path.name)
    assert "--translation-model" in named
    unknown = {name: where for name, where in named.items() if name not in real}
    assert unknown == {}


@pytest.mark.faults
def test_a_terminal_on_stdin_gets_a_prompt_not_a_progress_bar(tmp_path: Path) -> None:
    """Typing the text in: stdin and stderr are a terminal (a pty); the user is told what
    is awaited and how to end it, and no "0/?" bar is drawn while they type."""
    import os
    import pty
    import select
    import time

    from tests.fakes import cli_with_fake_engine

    master, slave = pty.openpty()
    process = subprocess.Popen(
        cli_with_fake_engine("translate", "--no-cache"),
        stdin=slave,
        stderr=slave,
        stdout=subprocess.PIPE,
        cwd=Path(__file__).parent.parent,
    )
    os.close(slave)
    seen = b""

    def read_for(seconds: float, until: bytes | None = None) -> None:
        nonlocal seen
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and (until is None or until not in seen):
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(master, 4096)
                except OSError:  # the process closed the terminal
                    return

    try:
        read_for(60, until=b"Ctrl-D")
        assert b"Reading German text from stdin (Ctrl-D to end)" in seen, seen
        read_for(0.5)  # a bar would be drawn by now
        os.write(master, b"Der Minister sagte es.\n" + b"\x04")
        out, _ = process.communicate(timeout=60)
        read_for(0.2)
    finally:
        process.kill()
        os.close(master)
    assert process.returncode == 0, seen
    assert out.decode() == "the Minister said es.\n"
    assert b"0/?" not in seen and b"Translating sentences" not in seen


def test_warnings_count_paragraphs_in_a_word_file_and_lines_in_text() -> None:
    import io

    import docx

    from tests.fakes import FakeTranslator
    from translator import pipeline
    from translator.formats import read_bytes

    texts = ["Der Minister sagte es.", "Er kam spät.", "Er sagte: „Das ist gut, und ging."]
    document = docx.Document()
    for text in texts:
        document.add_paragraph(text)
    data = io.BytesIO()
    document.save(data)
    word = read_bytes(data.getvalue(), "x.docx")
    warnings = pipeline.translate_document(word.document, FakeTranslator()).warnings
    assert warnings and all(w.startswith("paragraph 3: ") for w in warnings), warnings
    # The same text as a plain file: the unclosed mark is on line 5 (blank lines between).
    warnings = pipeline.translate_document("\n\n".join(texts), FakeTranslator()).warnings
    assert warnings and all(w.startswith("line 5: ") for w in warnings), warnings


@pytest.mark.parametrize(
    ("args", "warned"),
    [
        (["translate"], True),
        (["-q", "translate"], False),  # before the command
        (["translate", "-q"], False),  # after it: the same one setting
    ],
)
def test_quiet_before_or_after_the_command_silences_warnings(
    monkeypatch: pytest.MonkeyPatch, args: list[str], warned: bool
) -> None:
    from tests.fakes import FakeTranslator
    from translator import engines

    monkeypatch.setattr(engines, "load_translator", lambda *a, **k: FakeTranslator())
    result = runner.invoke(app, [*args, "--no-cache"], input="Er sagte: „Das ist gut.\n")
    assert result.exit_code == 0, result.output
    assert ("is never closed" in result.stderr) is warned, result.stderr


def test_verbose_after_the_command_adds_info_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes import FakeTranslator
    from translator import engines

    monkeypatch.setattr(engines, "load_translator", lambda *a, **k: FakeTranslator())
    text = "Er sagte: „Das ist gut.“\n"
    quiet = runner.invoke(app, ["translate", "--no-cache"], input=text)
    verbose = runner.invoke(app, ["translate", "--no-cache", "-v"], input=text)
    assert "INFO" not in quiet.stderr
    assert "INFO translator.cli: quotation" in verbose.stderr, verbose.stderr
