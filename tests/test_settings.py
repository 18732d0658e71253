"""One place for settings (issue 22.7): every ``TRANSLATOR_*`` variable and the offline
switch are read in ``translator/config.py`` alone, and the CLI and the library take what
they were not given from it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from translator import config

PACKAGE = Path(config.__file__).resolve().parent
_NAME = re.compile(r"\bTRANSLATOR_[A-Z0-9_]+\b")
_ENVIRONMENT_VARIABLES = {*config.OFFLINE_VARIABLES}


def _mentioned_names() -> dict[str, list[str]]:
    """Every TRANSLATOR_* name in the package's files -> the files that mention it."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in {".py", ".toml", ".html", ".j2"} or not path.is_file():
            continue
        for name in set(_NAME.findall(path.read_text(encoding="utf-8"))):
            found.setdefault(name, []).append(path.relative_to(PACKAGE).as_posix())
    return found


def environment_reads(source: str) -> list[str]:
    """The settings variables ``source`` reads from the environment itself: a string
    argument of ``os.environ.get``/``os.getenv``/``environ[...]``, or a typer ``envvar=``;
    in a module that touches the environment at all, any string that is a variable's
    whole name (passed to a reader of its own, as ``api._setting`` once did)."""
    reads: list[str] = []
    tree = ast.parse(source)
    if "environ" in source or "getenv" in source:
        reads += [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (_NAME.fullmatch(node.value) or node.value in _ENVIRONMENT_VARIABLES)
        ]
    for node in ast.walk(tree):
        strings: list[ast.expr] = []
        if isinstance(node, ast.Call):
            function = ast.unparse(node.func)
            if function == "_read" or function.endswith(
                ("environ.get", "getenv", "environ.setdefault")
            ):  # config's own reader is _read
                strings += node.args[:1]
            strings += [k.value for k in node.keywords if k.arg == "envvar"]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
            strings.append(node.slice)
        for value in strings:
            for constant in ast.walk(value):
                if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                    if _NAME.fullmatch(constant.value) or constant.value in (
                        _ENVIRONMENT_VARIABLES
                    ):
                        reads.append(constant.value)
    return reads


def test_every_translator_variable_is_a_documented_setting() -> None:
    mentioned = _mentioned_names()
    assert len(mentioned) >= 8, mentioned  # the scan finds the package's names
    unknown = {name: files for name, files in mentioned.items() if name not in config.SETTINGS}
    assert unknown == {}
    assert all(doc.strip() for doc in config.SETTINGS.values())


def test_the_environment_is_read_only_in_config() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 20
    readers = {
        path.relative_to(PACKAGE).as_posix(): reads
        for path in modules
        if (reads := environment_reads(path.read_text(encoding="utf-8")))
    }
    assert set(readers) == {"config.py"}, readers
    read_in_config = set(readers["config.py"])
    # Each named setting is read by name in config.py, or through OFFLINE_VARIABLES.
    assert set(config.SETTINGS) - {"TRANSLATOR_OFFLINE"} <= read_in_config


@pytest.mark.parametrize(
    "source",
    [
        'import os\nos.environ.get("TRANSLATOR_DEVICE", "")',
        'import os\nos.getenv("HF_HUB_OFFLINE")',
        'import os\nos.environ["TRANSLATOR_CACHE"]',
        'import typer\ntyper.Option("--x", envvar="TRANSLATOR_ENGINE")',
        'import os\ndef _setting(name): return os.environ.get(name)\n_setting("TRANSLATOR_X")',
    ],
)
def test_the_scan_sees_each_way_of_reading_the_environment(source: str) -> None:
    """Meta-test: a read outside config.py in any of these forms would be caught."""
    assert environment_reads(source) != []


def test_cli_and_library_take_their_defaults_from_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from translator.api import Translator
    from translator.cli.shared import SharedOptions

    glossary = tmp_path / "terms.tsv"
    glossary.write_text("Minister\tsecretary\n", encoding="utf-8")
    monkeypatch.setenv("TRANSLATOR_TRANSLATION_MODEL", "some/translation-model")
    monkeypatch.setenv("TRANSLATOR_SUMMARIZATION_MODEL", "some/summary-model")
    monkeypatch.setenv("TRANSLATOR_DEVICE", "cpu")
    monkeypatch.setenv("TRANSLATOR_ENGINE", "torch")
    monkeypatch.setenv("TRANSLATOR_GLOSSARY", str(glossary))
    library, cli = Translator(), SharedOptions().translator()
    for made in (library, cli):
        assert made.translation_model == "some/translation-model"
        assert made.summarization_model == "some/summary-model"
        assert (made.device, made.engine) == ("cpu", "torch")
        assert made.options.glossary is not None
        assert [e.target for e in made.options.glossary.entries] == ["secretary"]
    # Both go through config's functions: changing one changes both.
    monkeypatch.setattr(config, "translation_model", lambda explicit=None: "from/config")
    assert Translator().translation_model == SharedOptions().translator().translation_model
    assert Translator().translation_model == "from/config"


def test_a_flag_wins_over_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from translator.cli.shared import SharedOptions

    monkeypatch.setenv("TRANSLATOR_TRANSLATION_MODEL", "from/environment")
    made = SharedOptions(translation_model="from/flag").translator()
    assert made.translation_model == "from/flag"
    monkeypatch.setenv("TRANSLATOR_CACHE", "OFF")
    assert config.cache_disabled()
    monkeypatch.setenv("TRANSLATOR_OFFLINE", "yes")
    assert config.is_offline() and not config.is_offline(False)
