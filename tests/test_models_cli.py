"""`translator models pull|list|verify`, and using pulled models by alias, all offline."""

from __future__ import annotations

import fnmatch
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import OLDER, PINNED, install
from typer.testing import CliRunner

from translator.cli import app
from translator.cli.models_cmd import models_app
from translator.store import REVISION_FILE, entry_dir

runner = CliRunner()


@pytest.fixture(autouse=True)
def registry(registry_file: Path) -> Path:
    """Every test here uses the registry of tiny models (conftest.TEST_REGISTRY)."""
    return registry_file


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["models", *args])
    return result.exit_code, result.stdout, result.stderr


class FakeHub:
    """snapshot_download(local_dir=...) copying tiny model folders per repo id."""

    def __init__(self, sources: dict[str, Path | BaseException]) -> None:
        self.sources = sources
        self.calls: list[dict[str, Any]] = []

    def __call__(self, repo_id: str, **kwargs: Any) -> str:
        self.calls.append({"repo_id": repo_id, **kwargs})
        source = self.sources[repo_id]
        if isinstance(source, BaseException):
            raise source
        target = Path(kwargs["local_dir"])
        for file in source.iterdir():
            if any(fnmatch.fnmatch(file.name, p) for p in kwargs["allow_patterns"]):
                shutil.copy2(file, target / file.name)
        return str(target)


def fake_hub(monkeypatch: pytest.MonkeyPatch, sources: dict[str, Path | BaseException]) -> FakeHub:
    import huggingface_hub

    fake = FakeHub(sources)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake)
    return fake


def test_models_is_a_sub_app_with_three_commands() -> None:
    assert {command.name for command in models_app.registered_commands} >= {
        "pull",
        "list",
        "verify",
    }
    code, out, _ = run("--help")
    assert code == 0
    assert "pull" in out and "list" in out and "verify" in out


# --- list ---------------------------------------------------------------------------------


def test_list_shows_each_model_and_its_state(
    tiny_marian_dir: Path, tiny_bart_dir: Path, isolated_environment: Path
) -> None:
    install(tiny_marian_dir, "tiny-marian")
    bart = install(tiny_bart_dir, "tiny-bart", revision=OLDER)
    (bart / "merges.txt").unlink()
    (bart / "tokenizer.json").unlink(missing_ok=True)
    code, out, err = run("list")
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == [
        "ALIAS",
        "TASK",
        "DEFAULT",
        "STATUS",
        "REVISION",
        "SIZE",
        "LICENCE",
        "HUB",
        "ID",
    ]
    cells = {row.split()[0]: row for row in rows}
    assert set(cells) == {"tiny-marian", "tiny-bart", "tiny-extra", "tiny-branch"}
    marian = cells["tiny-marian"].split()
    assert marian[:5] == ["tiny-marian", "translation", "yes", "installed", PINNED[:12]]
    assert marian[6] == "kB"  # the tiny model's size on disk
    assert marian[-1] == "tiny-org/registered-marian"
    assert "incomplete" in cells["tiny-bart"]
    assert OLDER[:12] in cells["tiny-bart"]  # the revision the folder holds
    extra = cells["tiny-extra"]
    assert "not installed" in extra and "~1,234 MB" in extra and "yes" not in extra
    # Columns line up: every row starts its STATUS cell where the header does.
    status_column = header.index("STATUS")
    assert all(row[status_column - 2 : status_column] == "  " for row in rows)
    assert f"Models folder: {isolated_environment / 'models'}" in err


def test_list_with_a_broken_registry_is_one_clear_error(registry: Path) -> None:
    registry.write_text("[models.x]\nhub_id = 3\n", encoding="utf-8")
    code, _, err = run("list")
    assert code == 1
    assert err.startswith("Error: The model registry")
    assert "lacks revision" in err


# --- pull ---------------------------------------------------------------------------------


def test_pull_without_aliases_pulls_the_defaults(
    online: None, monkeypatch: pytest.MonkeyPatch, tiny_marian_dir: Path, tiny_bart_dir: Path
) -> None:
    fake = fake_hub(
        monkeypatch,
        {"tiny-org/registered-marian": tiny_marian_dir, "tiny-org/registered-bart": tiny_bart_dir},
    )
    code, out, err = run("pull")
    assert code == 0, err
    assert [call["repo_id"] for call in fake.calls] == [
        "tiny-org/registered-marian",
        "tiny-org/registered-bart",
    ]
    assert all(call["revision"] == PINNED for call in fake.calls)
    assert [Path(call["local_dir"]) for call in fake.calls] == [
        entry_dir("tiny-marian"),
        entry_dir("tiny-bart"),
    ]
    # ctranslate2 is installed with the dev extras: each pulled model is converted too.
    assert out.splitlines() == [
        f"tiny-marian: pulled tiny-org/registered-marian@{PINNED[:12]} in "
        f"{entry_dir('tiny-marian')}",
        f"tiny-marian: CTranslate2 copy in {entry_dir('tiny-marian') / 'ctranslate2'}",
        f"tiny-bart: pulled tiny-org/registered-bart@{PINNED[:12]} in {entry_dir('tiny-bart')}",
        f"tiny-bart: CTranslate2 copy in {entry_dir('tiny-bart') / 'ctranslate2'}",
    ]
    assert (entry_dir("tiny-marian") / "ctranslate2" / "model.bin").is_file()
    code, out, _ = run("pull", "tiny-marian")
    assert code == 0
    assert "already up to date" in out
    assert len(fake.calls) == 2


def test_pull_accepts_hub_ids_and_forces(
    online: None, monkeypatch: pytest.MonkeyPatch, tiny_marian_dir: Path
) -> None:
    fake = fake_hub(monkeypatch, {"tiny-org/registered-marian": tiny_marian_dir})
    install(tiny_marian_dir, "tiny-marian")
    code, out, err = run("pull", "--force", "tiny-org/registered-marian", "tiny-marian")
    assert code == 0, err
    assert len(fake.calls) == 1  # the same model named twice is pulled once
    assert "tiny-marian: pulled" in out


def test_pull_unknown_alias_lists_the_known_ones() -> None:
    code, _, err = run("pull", "opus-mt-fr-en")
    assert code == 1
    assert "Error: No model called 'opus-mt-fr-en'" in err
    assert "tiny-marian, tiny-bart, tiny-extra" in err


def test_pull_offline_says_how_to_get_models_there(tiny_marian_dir: Path) -> None:
    code, out, err = run("pull", "tiny-marian")
    assert code == 1
    assert out == ""
    assert "Error: Cannot download tiny-marian" in err
    assert "copy" in err


def test_pull_goes_on_after_a_failure_and_exits_1(
    online: None, monkeypatch: pytest.MonkeyPatch, tiny_bart_dir: Path
) -> None:
    from huggingface_hub.errors import LocalEntryNotFoundError

    fake_hub(
        monkeypatch,
        {
            "tiny-org/registered-marian": LocalEntryNotFoundError("Connection refused"),
            "tiny-org/registered-bart": tiny_bart_dir,
        },
    )
    code, out, err = run("pull")
    assert code == 1
    assert "could not be downloaded (Connection refused)" in err
    assert "tiny-bart: pulled" in out
    assert (entry_dir("tiny-bart") / REVISION_FILE).is_file()


def test_pull_quiet_silences_the_hub_progress_bars(
    online: None, monkeypatch: pytest.MonkeyPatch, tiny_marian_dir: Path
) -> None:
    from huggingface_hub.utils.tqdm import are_progress_bars_disabled, enable_progress_bars

    fake_hub(monkeypatch, {"tiny-org/registered-marian": tiny_marian_dir})
    enable_progress_bars()
    try:
        code, _, err = run("pull", "-q", "tiny-marian")
        assert code == 0, err
        assert are_progress_bars_disabled()
    finally:
        enable_progress_bars()


# --- verify -------------------------------------------------------------------------------


def test_verify_installed_models_loads_and_generates(
    tiny_marian_dir: Path, tiny_bart_dir: Path
) -> None:
    install(tiny_marian_dir, "tiny-marian")
    install(tiny_bart_dir, "tiny-bart", revision=OLDER)
    code, out, err = run("verify", "--device", "cpu")
    assert code == 0, out + err
    marian, bart = out.splitlines()
    assert marian.startswith(f"tiny-marian: ok, revision {PINNED[:12]}, loaded in ")
    generated = marian.split("generated ", 1)[1]
    assert generated.startswith("'") and generated.endswith("'")
    assert len(generated) <= 80 + 2  # long outputs are cut, quotes around them
    assert bart.startswith(f"tiny-bart: ok, revision {OLDER[:12]} (the registry pins ")
    assert "tiny-extra" not in out  # neither a default nor installed


def test_verify_fails_for_a_missing_default(tiny_marian_dir: Path) -> None:
    install(tiny_marian_dir, "tiny-marian")
    code, out, _ = run("verify", "--device", "cpu")
    assert code == 1
    assert "tiny-marian: ok" in out
    assert (
        f"tiny-bart: FAILED: not installed in {entry_dir('tiny-bart')}. "
        "Run `translator models pull tiny-bart`." in out
    )


def test_verify_names_the_missing_files(tiny_marian_dir: Path) -> None:
    folder = install(tiny_marian_dir, "tiny-marian")
    (folder / "source.spm").unlink()
    code, out, _ = run("verify", "tiny-marian")
    assert code == 1
    assert f"tiny-marian: FAILED: {folder} is incomplete: missing source.spm." in out


def test_verify_catches_a_model_of_the_wrong_type(tiny_bart_dir: Path) -> None:
    install(tiny_bart_dir, "tiny-marian")  # a summarizer where the translator should be
    code, out, _ = run("verify", "tiny-marian", "--device", "cpu")
    assert code == 1
    assert "tiny-marian: FAILED:" in out
    assert "not a MarianMT translation model" in out


def test_verify_catches_weights_that_do_not_load(tiny_marian_dir: Path) -> None:
    folder = install(tiny_marian_dir, "tiny-marian")
    (folder / "model.safetensors").write_bytes(b"not safetensors")
    code, out, _ = run("verify", "tiny-marian", "--device", "cpu")
    assert code == 1
    assert "tiny-marian: FAILED: The translation model in" in out
    assert "could not be loaded" in out


# --- using pulled models ------------------------------------------------------------------


def test_translate_by_alias_offline_uses_the_store(
    tiny_marian_dir: Path, tiny_bart_dir: Path
) -> None:
    install(tiny_marian_dir, "tiny-marian")
    install(tiny_bart_dir, "tiny-bart")
    result = runner.invoke(
        app,
        [
            "translate",
            "--offline",
            "--translation-model",
            "tiny-marian",
            "--summarize",
            "--summarization-model",
            "tiny-org/registered-bart",
            "--format",
            "json",
            "--device",
            "cpu",
        ],
        input="Der Minister sagte: „Die Gespräche waren fruchtbar.“\n",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"] == {"id": "tiny-org/registered-marian", "revision": PINNED}


def test_translate_with_an_alias_that_is_not_pulled_says_what_to_run() -> None:
    result = runner.invoke(
        app, ["translate", "--offline", "-m", "tiny-marian"], input="Ein Satz.\n"
    )
    assert result.exit_code == 1
    assert "not available offline" in result.stderr
    assert "`translator models pull tiny-marian`" in result.stderr


def test_translate_with_a_summarizer_alias_as_translator_is_refused(tiny_bart_dir: Path) -> None:
    install(tiny_bart_dir, "tiny-bart")
    result = runner.invoke(app, ["translate", "-m", "tiny-bart"], input="Ein Satz.\n")
    assert result.exit_code == 1
    assert "tiny-bart (tiny-org/registered-bart) is a summarization model" in result.stderr
