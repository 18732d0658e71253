"""The Python API (``translator.Translator``): one door, lazy models, the CLI's JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import translator
from tests.fakes import FakeTranslator
from translator import Translator, engines
from translator.cli import app
from translator.errors import OptionError, TranslatorError

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "data" / "belousov-dprk.de.txt"
# Constructed: one standalone-free inline quotation whose text is known.
QUOTED = "„Wir werden nicht nachgeben.“"
TEXT = f"Der Minister sagte: {QUOTED} Die Opposition widersprach."


def _without_timings(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "timings"}


@pytest.mark.parametrize("mode", ["keep", "translate"])
def test_to_dict_is_what_the_cli_writes(tiny_marian_dir: Path, mode: str) -> None:
    result = Translator(str(tiny_marian_dir), quotes=mode).translate_file(SAMPLE)
    cli = CliRunner().invoke(
        app,
        # The CLI's translation memory is on by default, the API's off: the same options.
        ["translate", str(SAMPLE), "-m", str(tiny_marian_dir), "--quotes", mode, "-f", "json"]
        + ["--no-cache"],
    )
    assert cli.exit_code == 0, cli.stderr
    assert _without_timings(result.to_dict()) == _without_timings(json.loads(cli.stdout))
    assert result.to_dict()["source"] == SAMPLE.name


def test_models_load_once_per_translator(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []

    def load(model: str, **kwargs: object) -> FakeTranslator:
        loads.append(model)
        return FakeTranslator()

    monkeypatch.setattr(engines, "load_translator", load)
    tr = Translator("some-model")
    assert loads == []  # nothing loads until there is something to translate
    first = tr.translate(TEXT)
    second = tr.translate(TEXT, quotes="translate")  # options that do not change the model
    assert loads == ["some-model"]
    assert QUOTED in first.text
    assert [q.original for q in first.quotes] == [QUOTED]
    assert [q.original for q in second.quotes] == [QUOTED]
    tr.translate(TEXT, beams=1)  # another beam size is another engine
    assert loads == ["some-model", "some-model"]


def test_empty_text_loads_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model was loaded for empty input")

    monkeypatch.setattr(engines, "load_translator", refuse)
    result = Translator().translate("  \n")
    assert result.text == ""
    assert result.to_dict()["paragraphs"] == []


def test_defaults_follow_the_cli_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSLATOR_TRANSLATION_MODEL", "from-env")
    monkeypatch.setenv("TRANSLATOR_ENGINE", "torch")
    tr = Translator()
    assert (tr.translation_model, tr.engine, tr.device) == ("from-env", "torch", "auto")
    assert Translator("explicit").translation_model == "explicit"


@pytest.mark.parametrize(
    "arguments",
    [
        {"device": "gpu"},
        {"engine": "onnx"},
        {"quotes": "paraphrase"},
        {"quote_marks": "curly"},
        {"summary_length": "tiny"},
        {"beams": 0},
        {"batch_size": 0},
    ],
)
def test_bad_arguments_are_option_errors(arguments: dict[str, Any]) -> None:
    with pytest.raises(OptionError) as caught:
        Translator(**arguments)
    assert isinstance(caught.value, TranslatorError)
    assert "Use one of" in str(caught.value) or "must be" in str(caught.value)


def test_errors_are_typed_never_system_exit(tiny_marian_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(translator.InputError, match="does not exist"):
        Translator(str(tiny_marian_dir)).translate_file(tmp_path / "missing.txt")
    with pytest.raises(translator.ModelNotFoundError):
        Translator(str(tmp_path / "no-such-model"), offline=True).translate(TEXT)


def test_from_engines_uses_the_given_engine() -> None:
    fake = FakeTranslator()
    result = Translator.from_engines(fake).translate(TEXT)
    assert fake.seen  # the fake translated the text around the quotation
    assert QUOTED in result.text


def _public(name: str) -> Any:
    """``from translator import <name>``, the way the package docstring says to import it."""
    namespace: dict[str, Any] = {}
    exec(f"from translator import {name}", namespace)
    return namespace[name]


def test_public_surface() -> None:
    """Each name in ``__all__`` imports as the documented object: the one door (api's
    Translator), the errors the library raises (translator/errors.py, all TranslatorError),
    the results (frozen dataclasses) and their enums (translator/schema.py)."""
    import dataclasses
    import enum

    from translator import api, errors, schema

    names = set(translator.__all__)
    assert len(names) == len(translator.__all__)
    assert _public("Translator") is api.Translator
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", _public("__version__"))
    # Every error a caller may catch is exported (ClusterError belongs to the cluster module).
    raised = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.TranslatorError)
    }
    assert raised - {"ClusterError"} <= names
    for name in sorted(names - {"Translator", "__version__"}):
        value = _public(name)
        assert isinstance(value, type), name
        if issubclass(value, Exception):
            assert value is getattr(errors, name)
            assert issubclass(value, errors.TranslatorError), name
        else:
            assert value is getattr(schema, name), name
            frozen = dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen  # type: ignore[attr-defined]
            assert frozen or issubclass(value, enum.Enum), name
    assert (Path(translator.__file__).parent / "py.typed").is_file()
    # In a fresh interpreter: the CLI tests in this process install their own handler.
    code = (
        "import logging, translator; "
        "print([type(h).__name__ for h in logging.getLogger('translator').handlers])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['NullHandler']"


def _readme_python_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use from Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "README has no python example under 'Use from Python'"
    return match.group(1)


def test_readme_python_example_runs(
    tiny_marian_dir: Path,
    tiny_bart_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The example uses the defaults; here they point at the tiny models.
    monkeypatch.setenv("TRANSLATOR_TRANSLATION_MODEL", str(tiny_marian_dir))
    monkeypatch.setenv("TRANSLATOR_SUMMARIZATION_MODEL", str(tiny_bart_dir))
    monkeypatch.chdir(REPO)
    namespace: dict[str, Any] = {}
    exec(compile(_readme_python_example(), "README.md", "exec"), namespace)
    result = namespace["result"]
    assert [q.original for q in result.quotes] == [QUOTED]
    assert QUOTED in result.text  # keep mode: the quotation verbatim
    assert namespace["data"] == result.to_dict()
    assert namespace["summary"].summary is not None
    assert namespace["from_file"].source == SAMPLE.name
    assert len(namespace["from_file"].quotes) == 7  # the sample's gold count
    assert QUOTED in capsys.readouterr().out
