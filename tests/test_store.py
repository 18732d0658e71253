"""Resolving model folders and hub ids, offline, without touching the network."""

from __future__ import annotations

import fnmatch
import logging
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import pytest
from conftest import BART_ID, MARIAN_ID, OLDER, PINNED, install

from translator.config import checkout_root
from translator.errors import ModelLoadError, ModelNotFoundError
from translator.registry import Registry, Task, load_registry
from translator.schema import ModelInfo
from translator.store import (
    REVISION_FILE,
    InstallState,
    PullResult,
    entry_dir,
    folder_size,
    missing_model_files,
    models_dir,
    pull_model,
    recorded_revision,
    resolve_model,
    store_status,
)

COMMIT = "0123456789abcdef0123456789abcdef01234567"
REPO_ID = "tiny-org/tiny-marian"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every socket connection attempted during the test (each still fails)."""
    attempts: list[Any] = []
    guarded = socket.socket.connect
    guarded_create = socket.create_connection

    def record(self: socket.socket, address: Any, *args: Any) -> Any:
        attempts.append(address)
        return guarded(self, address, *args)

    def record_create(address: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(address)
        return guarded_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", record)
    monkeypatch.setattr(socket, "create_connection", record_create)
    yield attempts


def cache_hub_model(
    hub_cache: Path, source: Path, repo_id: str = REPO_ID, commit: str = COMMIT
) -> Path:
    """Lay out ``source`` as huggingface_hub's cache does after a download of ``main``."""
    storage = hub_cache / f"models--{repo_id.replace('/', '--')}"
    (storage / "refs").mkdir(parents=True, exist_ok=True)
    (storage / "refs" / "main").write_text(commit)
    snapshot = storage / "snapshots" / commit
    shutil.copytree(source, snapshot)
    return snapshot


def hub_cache(isolated_environment: Path) -> Path:
    """The Hugging Face cache the autouse fixture set up (HF_HUB_CACHE)."""
    return isolated_environment / "huggingface" / "hub"


def test_folder_resolves_to_itself(tiny_marian_dir: Path) -> None:
    resolved = resolve_model(str(tiny_marian_dir))
    assert resolved.path == tiny_marian_dir
    assert resolved.info == ModelInfo(id=str(tiny_marian_dir), revision=None)


def test_folder_revision_comes_from_its_revision_file(tiny_bart_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bart"
    shutil.copytree(tiny_bart_dir, folder)
    (folder / REVISION_FILE).write_text(f"{COMMIT}\n")
    assert resolve_model(str(folder)).info.revision == COMMIT


def test_complete_folders_miss_nothing(tiny_marian_dir: Path, tiny_bart_dir: Path) -> None:
    assert missing_model_files(tiny_marian_dir) == []
    assert missing_model_files(tiny_bart_dir) == []


def test_incomplete_folder_names_every_missing_file(tiny_marian_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "partial"
    shutil.copytree(tiny_marian_dir, folder)
    (folder / "model.safetensors").unlink()
    (folder / "vocab.json").unlink()
    with pytest.raises(ModelLoadError) as caught:
        resolve_model(str(folder))
    message = str(caught.value)
    assert "model.safetensors" in message
    assert "vocab.json" in message
    assert "source.spm" not in message
    assert str(folder) in message


def test_empty_folder_lacks_config_weights_and_tokenizer(tmp_path: Path) -> None:
    missing = missing_model_files(tmp_path)
    assert missing[0] == "config.json"
    assert missing[1].startswith("model.safetensors")
    assert missing[2].startswith("tokenizer files")
    with pytest.raises(ModelLoadError, match="config.json"):
        resolve_model(str(tmp_path))


def test_bart_folder_without_merges_is_incomplete(tiny_bart_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bart"
    shutil.copytree(tiny_bart_dir, folder)
    (folder / "tokenizer.json").unlink()
    (folder / "merges.txt").unlink()
    assert missing_model_files(folder) == [
        "tokenizer files (tokenizer.json or vocab.json + merges.txt or spiece.model or "
        "sentencepiece.bpe.model or tokenizer.model)"
    ]


def test_a_file_is_not_a_model_folder(tmp_path: Path) -> None:
    file = tmp_path / "model.safetensors"
    file.write_bytes(b"")
    with pytest.raises(ModelLoadError, match="is a file, not a model folder"):
        resolve_model(str(file))


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="No model folder at"):
        resolve_model(str(tmp_path / "no" / "such" / "model"))
    with pytest.raises(ModelNotFoundError, match="No model folder at"):
        resolve_model("./opus-mt")


def test_registered_hub_id_offline_with_empty_cache_says_how_to_pull(
    connections: list[Any],
) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model("Helsinki-NLP/opus-mt-de-en")
    message = str(caught.value)
    assert "not available offline" in message
    assert "`translator models pull opus-mt-de-en`" in message  # the alias, not the hub id
    assert connections == []


def test_unregistered_hub_id_offline_says_how_to_cache_it(connections: list[Any]) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model("Helsinki-NLP/opus-mt-fr-en")
    message = str(caught.value)
    assert "not available offline" in message
    assert "run the same command once on a connected machine" in message
    assert connections == []


def test_cached_hub_model_resolves_offline_with_its_commit(
    tiny_marian_dir: Path, isolated_environment: Path, connections: list[Any]
) -> None:
    snapshot = cache_hub_model(hub_cache(isolated_environment), tiny_marian_dir)
    resolved = resolve_model(REPO_ID)
    assert resolved.path == snapshot
    assert resolved.info == ModelInfo(id=REPO_ID, revision=COMMIT)
    assert connections == []


def test_cached_hub_model_loads_through_the_engine(
    tiny_marian_dir: Path, isolated_environment: Path, connections: list[Any]
) -> None:
    from translator.engines import load_translator

    cache_hub_model(hub_cache(isolated_environment), tiny_marian_dir)
    engine = load_translator(REPO_ID, device="cpu")
    assert engine.info == ModelInfo(id=REPO_ID, revision=COMMIT)
    assert len(engine.translate(["Der Minister sagte es."])) == 1
    assert connections == []


def test_incomplete_cached_snapshot_is_a_load_error(
    tiny_marian_dir: Path, isolated_environment: Path
) -> None:
    snapshot = cache_hub_model(hub_cache(isolated_environment), tiny_marian_dir)
    (snapshot / "source.spm").unlink()
    with pytest.raises(ModelLoadError, match="missing source.spm"):
        resolve_model(REPO_ID)


def test_offline_follows_argument_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from translator.config import is_offline

    assert is_offline() is True  # the autouse fixture sets HF_HUB_OFFLINE=1
    assert is_offline(False) is False
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TRANSLATOR_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    assert is_offline() is False
    assert is_offline(True) is True
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    assert is_offline() is True


class FakeDownload:
    """Stands in for snapshot_download: records calls, returns a folder or raises."""

    def __init__(self, result: Path | BaseException) -> None:
        self.result = result
        self.calls: list[dict[str, Any]] = []

    def __call__(self, repo_id: str, **kwargs: Any) -> str:
        self.calls.append({"repo_id": repo_id, **kwargs})
        if isinstance(self.result, BaseException):
            raise self.result
        return str(self.result)


def test_online_download_asks_for_safetensors_not_pickles(
    tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    fake = FakeDownload(tiny_marian_dir)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake)
    resolved = resolve_model(REPO_ID, offline=False, revision="v1")
    assert resolved.info == ModelInfo(id=REPO_ID, revision="v1")  # not a cache snapshot path
    [call] = fake.calls
    assert call["local_files_only"] is False
    assert call["revision"] == "v1"
    patterns = call["allow_patterns"]
    assert {"config.json", "*.spm", "vocab.json", "model.safetensors"} <= set(patterns)
    assert not any(pattern.endswith(".bin") for pattern in patterns)
    assert not any(pattern.endswith((".h5", ".ot", ".msgpack")) for pattern in patterns)


def test_pickled_weights_are_fetched_only_when_no_safetensors(
    tiny_marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    folder = tmp_path / "old-style"
    shutil.copytree(tiny_marian_dir, folder)
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    calls: list[list[str]] = []

    def download(repo_id: str, **kwargs: Any) -> str:
        calls.append(kwargs["allow_patterns"])
        return str(folder) if len(calls) > 1 else str(tiny_marian_dir / "nonexistent")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", download)
    assert resolve_model(REPO_ID, offline=False).path == folder
    assert "pytorch_model.bin" not in calls[0]
    assert "pytorch_model.bin" in calls[1]


def test_unreachable_hub_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    failure = LocalEntryNotFoundError("An error happened while trying to locate the files")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", FakeDownload(failure))
    with pytest.raises(ModelNotFoundError, match="could not be downloaded") as caught:
        resolve_model(REPO_ID, offline=False)
    assert "Check the network connection" in str(caught.value)
    assert "translator models pull" not in str(caught.value)  # not a registered model


def test_unknown_hub_repository_is_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub
    from huggingface_hub.errors import RepositoryNotFoundError

    failure = RepositoryNotFoundError("404 Client Error", response=Mock(headers={}))
    monkeypatch.setattr(huggingface_hub, "snapshot_download", FakeDownload(failure))
    with pytest.raises(ModelNotFoundError, match="was not found on the Hugging Face hub"):
        resolve_model("nobody/nothing", offline=False)


def test_offline_store_makes_no_connection_while_the_hub_library_is_online(
    connections: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # huggingface_hub believes it is online (the isolation's patch undone here), so only
    # the store's own offline switch stands between the call and the network.
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(ModelNotFoundError, match="not available offline"):
        resolve_model(REPO_ID, offline=True)
    assert connections == []


def test_the_connection_recorder_sees_an_online_lookup(
    connections: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test above can fail: online, with the hub library online, the same lookup tries
    to connect (and the socket guard refuses it)."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(Exception, match="tests must stay offline"):
        resolve_model(REPO_ID, offline=False)
    assert connections != []


# --- the store and the registry --------------------------------------------------------------


@pytest.fixture
def registry(registry_file: Path) -> Registry:
    """The registry of tiny models (conftest.TEST_REGISTRY); nothing installed yet."""
    return load_registry()


def test_models_dir_follows_the_environment(
    isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert models_dir() == isolated_environment / "models"
    assert entry_dir("opus-mt-de-en") == isolated_environment / "models" / "opus-mt-de-en"
    monkeypatch.delenv("TRANSLATOR_MODELS_DIR")
    checkout = checkout_root()
    assert checkout is not None  # the tests run from the source checkout
    assert models_dir() == checkout / "models"


def test_installed_store_is_in_the_user_data_folder(
    isolated_environment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from translator import config

    monkeypatch.delenv("TRANSLATOR_MODELS_DIR")
    monkeypatch.setattr(config, "checkout_root", lambda: None)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert models_dir() == tmp_path / "data" / "translator" / "models"


@pytest.mark.parametrize("alias", ["", ".", "..", "../etc", "a/b", "a\\b"])
def test_entry_dir_refuses_path_like_aliases(alias: str) -> None:
    with pytest.raises(ModelNotFoundError, match="is not a valid model alias"):
        entry_dir(alias)


def test_alias_resolves_to_its_store_folder(
    registry: Registry, tiny_marian_dir: Path, connections: list[Any]
) -> None:
    folder = install(tiny_marian_dir, "tiny-marian")
    resolved = resolve_model("tiny-marian")
    assert resolved.path == folder
    assert resolved.info == ModelInfo(id=MARIAN_ID, revision=PINNED)
    assert resolved.entry == registry.get("tiny-marian")
    assert connections == []


def test_registered_hub_id_resolves_to_the_store_folder(
    registry: Registry, tiny_marian_dir: Path
) -> None:
    folder = install(tiny_marian_dir, "tiny-marian")
    assert resolve_model(MARIAN_ID).path == folder
    assert resolve_model(MARIAN_ID.upper()).path == folder  # hub ids ignore case


def test_an_existing_folder_wins_over_an_alias(
    registry: Registry,
    tiny_marian_dir: Path,
    tiny_bart_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install(tiny_marian_dir, "tiny-marian")
    workdir = tmp_path / "work"
    shutil.copytree(tiny_bart_dir, workdir / "tiny-marian")
    monkeypatch.chdir(workdir)
    resolved = resolve_model("tiny-marian")
    assert resolved.path == Path("tiny-marian")
    assert resolved.info.id == "tiny-marian"
    assert resolved.entry is None


def test_the_store_wins_over_the_hub_cache(
    registry: Registry, tiny_marian_dir: Path, isolated_environment: Path
) -> None:
    cache_hub_model(hub_cache(isolated_environment), tiny_marian_dir, MARIAN_ID, PINNED)
    folder = install(tiny_marian_dir, "tiny-marian")
    assert resolve_model("tiny-marian").path == folder


def test_registered_model_not_in_the_store_comes_from_the_cache_at_its_pin(
    registry: Registry,
    tiny_marian_dir: Path,
    isolated_environment: Path,
    connections: list[Any],
) -> None:
    snapshot = cache_hub_model(hub_cache(isolated_environment), tiny_marian_dir, MARIAN_ID, PINNED)
    resolved = resolve_model("tiny-marian")
    assert resolved.path == snapshot
    assert resolved.info == ModelInfo(id=MARIAN_ID, revision=PINNED)
    assert connections == []


def test_offline_a_cached_other_revision_is_used_with_a_warning(
    registry: Registry,
    tiny_marian_dir: Path,
    isolated_environment: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    snapshot = cache_hub_model(hub_cache(isolated_environment), tiny_marian_dir, MARIAN_ID, OLDER)
    with caplog.at_level(logging.WARNING, logger="translator"):
        resolved = resolve_model("tiny-marian")
    assert resolved.path == snapshot
    assert resolved.info.revision == OLDER
    assert "the pinned revision fedcba987654 is not cached" in caplog.text
    assert "`translator models pull tiny-marian`" in caplog.text


def test_registered_model_nowhere_offline_names_the_alias_to_pull(
    registry: Registry, connections: list[Any]
) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model(MARIAN_ID)
    message = str(caught.value)
    assert f"Model {MARIAN_ID} is not available offline" in message
    assert "`translator models pull tiny-marian`" in message
    assert connections == []


def test_registered_model_nowhere_online_downloads_its_pin_into_the_cache(
    registry: Registry, tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    fake = FakeDownload(tiny_marian_dir)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake)
    resolved = resolve_model("tiny-marian", offline=False)
    assert resolved.path == tiny_marian_dir
    [call] = fake.calls
    assert call["repo_id"] == MARIAN_ID
    assert call["revision"] == PINNED
    assert call["cache_dir"] is None  # huggingface_hub's own cache, not the store
    assert call["local_files_only"] is False


def test_failed_download_of_a_registered_model_names_the_alias(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    failure = LocalEntryNotFoundError("Connection error")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", FakeDownload(failure))
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model("tiny-marian", offline=False)
    message = str(caught.value)
    assert "could not be downloaded (Connection error)" in message
    assert "`translator models pull tiny-marian`" in message


def test_incomplete_store_folder_names_missing_files_and_the_alias(
    registry: Registry, tiny_marian_dir: Path
) -> None:
    folder = install(tiny_marian_dir, "tiny-marian")
    (folder / "target.spm").unlink()
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError) as caught:
        resolve_model("tiny-marian")
    message = str(caught.value)
    assert f"The model folder {folder} is incomplete: missing model.safetensors" in message
    assert "target.spm" in message
    assert "`translator models pull tiny-marian`" in message


def test_store_folder_at_another_revision_is_used_with_a_warning(
    registry: Registry, tiny_marian_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    install(tiny_marian_dir, "tiny-marian", revision=OLDER)
    with caplog.at_level(logging.WARNING, logger="translator"):
        resolved = resolve_model("tiny-marian")
    assert resolved.info.revision == OLDER
    assert "the registry pins fedcba987654" in caplog.text


@pytest.mark.parametrize(
    ("name", "task", "problem"),
    [
        ("tiny-marian", "summarization", "is a translation model, not a summarization model"),
        (BART_ID, "translation", "is a summarization model, not a translation model"),
    ],
)
def test_registered_model_for_the_other_task_is_refused_before_download(
    registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    task: Task,
    problem: str,
) -> None:
    import huggingface_hub

    fake = FakeDownload(RuntimeError("must not download"))
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake)
    with pytest.raises(ModelLoadError, match=problem):
        resolve_model(name, offline=False, task=task)
    assert fake.calls == []


def test_engines_refuse_a_registered_model_of_the_other_task(
    registry: Registry, tiny_marian_dir: Path
) -> None:
    from translator.engines import load_summarizer

    install(tiny_marian_dir, "tiny-marian")
    # The registry's task (resolution) or the config's model type (engines) refuses it.
    with pytest.raises(ModelLoadError, match="translation model, not a summarization model"):
        load_summarizer("tiny-marian", device="cpu")


def test_alias_loads_through_the_engine_offline(
    registry: Registry, tiny_marian_dir: Path, connections: list[Any]
) -> None:
    from translator.engines import load_translator

    install(tiny_marian_dir, "tiny-marian")
    engine = load_translator("tiny-marian", device="cpu")
    assert engine.info == ModelInfo(id=MARIAN_ID, revision=PINNED)
    assert len(engine.translate(["Der Minister sagte es."])) == 1
    assert connections == []


def test_unknown_bare_name_lists_the_aliases(registry: Registry, connections: list[Any]) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model("opus-mt")
    message = str(caught.value)
    assert "No model folder or alias called 'opus-mt'" in message
    assert "tiny-marian, tiny-bart, tiny-extra, tiny-branch" in message
    assert connections == []


def test_missing_registry_still_resolves_folders_and_hub_ids(
    tiny_marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRANSLATOR_REGISTRY", str(tmp_path / "none.toml"))
    assert resolve_model(str(tiny_marian_dir)).path == tiny_marian_dir
    with pytest.raises(ModelNotFoundError, match="not available offline"):
        resolve_model("Helsinki-NLP/opus-mt-de-en")


# --- store status -------------------------------------------------------------------------


def test_store_status_of_each_state(registry: Registry, tiny_marian_dir: Path) -> None:
    marian = registry.get("tiny-marian")
    assert store_status(marian).state is InstallState.NOT_INSTALLED
    assert store_status(marian).size_bytes == 0

    folder = install(tiny_marian_dir, "tiny-marian")
    status = store_status(marian)
    assert status.state is InstallState.INSTALLED
    assert status.revision == PINNED
    assert status.size_bytes == folder_size(folder)
    assert status.size_bytes == sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    (folder / REVISION_FILE).write_text(OLDER)
    assert store_status(marian).state is InstallState.OTHER_REVISION

    (folder / "vocab.json").unlink()
    status = store_status(marian)
    assert status.state is InstallState.INCOMPLETE
    assert status.missing_files == ("vocab.json",)


def test_branch_pins_match_any_recorded_commit(registry: Registry, tiny_bart_dir: Path) -> None:
    install(tiny_bart_dir, "tiny-branch", revision=OLDER)
    assert store_status(registry.get("tiny-branch")).state is InstallState.INSTALLED


# --- pull ---------------------------------------------------------------------------------


class FakeLocalDirDownload:
    """Stands in for snapshot_download(local_dir=...): copies the allowed files of a source
    folder into local_dir, as the hub would."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.calls: list[dict[str, Any]] = []

    def __call__(self, repo_id: str, **kwargs: Any) -> str:
        self.calls.append({"repo_id": repo_id, **kwargs})
        target = Path(kwargs["local_dir"])
        for file in self.source.iterdir():
            if any(fnmatch.fnmatch(file.name, p) for p in kwargs["allow_patterns"]):
                shutil.copy2(file, target / file.name)
        return str(target)


@pytest.fixture
def fake_hub(
    monkeypatch: pytest.MonkeyPatch, tiny_marian_dir: Path
) -> Iterator[FakeLocalDirDownload]:
    """Online, with snapshot_download copying the tiny Marian model (no network)."""
    import huggingface_hub

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TRANSLATOR_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    fake = FakeLocalDirDownload(tiny_marian_dir)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake)
    yield fake


def test_pull_downloads_the_needed_files_at_the_pin_into_the_store(
    registry: Registry, fake_hub: FakeLocalDirDownload
) -> None:
    result = pull_model(registry.get("tiny-marian"))
    folder = entry_dir("tiny-marian")
    assert result == PullResult(registry.get("tiny-marian"), folder, PINNED, downloaded=True)
    [call] = fake_hub.calls
    assert call["repo_id"] == MARIAN_ID
    assert call["revision"] == PINNED
    assert Path(call["local_dir"]) == folder
    patterns = call["allow_patterns"]
    assert {"config.json", "generation_config.json", "tokenizer_config.json"} <= set(patterns)
    assert {"*.spm", "vocab.json", "merges.txt", "tokenizer.json", "model.safetensors"} <= set(
        patterns
    )
    assert not any(p.endswith((".bin", ".h5", ".msgpack", ".ot", ".onnx")) for p in patterns)
    assert (folder / REVISION_FILE).read_text().split() == [PINNED, MARIAN_ID]
    assert missing_model_files(folder) == []
    assert resolve_model("tiny-marian").info == ModelInfo(id=MARIAN_ID, revision=PINNED)


def test_pull_fetches_pickled_weights_only_when_there_are_no_safetensors(
    registry: Registry, fake_hub: FakeLocalDirDownload, tiny_marian_dir: Path, tmp_path: Path
) -> None:
    old_style = tmp_path / "old-style"
    shutil.copytree(tiny_marian_dir, old_style)
    (old_style / "model.safetensors").rename(old_style / "pytorch_model.bin")
    (old_style / "tf_model.h5").write_bytes(b"tensorflow weights")
    fake_hub.source = old_style
    pull_model(registry.get("tiny-marian"))
    first, second = fake_hub.calls
    assert "pytorch_model.bin" not in first["allow_patterns"]
    assert "pytorch_model.bin" in second["allow_patterns"]
    folder = entry_dir("tiny-marian")
    assert (folder / "pytorch_model.bin").is_file()
    assert not (folder / "tf_model.h5").exists()


def test_pull_of_an_up_to_date_model_downloads_nothing_unless_forced(
    registry: Registry, fake_hub: FakeLocalDirDownload, tiny_marian_dir: Path
) -> None:
    install(tiny_marian_dir, "tiny-marian")
    result = pull_model(registry.get("tiny-marian"))
    assert result.downloaded is False
    assert result.revision == PINNED
    assert fake_hub.calls == []
    assert pull_model(registry.get("tiny-marian"), force=True).downloaded is True
    assert len(fake_hub.calls) == 1


def test_pull_replaces_another_revision(
    registry: Registry, fake_hub: FakeLocalDirDownload, tiny_marian_dir: Path
) -> None:
    install(tiny_marian_dir, "tiny-marian", revision=OLDER)
    assert pull_model(registry.get("tiny-marian")).downloaded is True
    assert recorded_revision(entry_dir("tiny-marian")) == PINNED


def test_pull_offline_is_refused_unless_already_up_to_date(
    registry: Registry, tiny_marian_dir: Path, connections: list[Any]
) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        pull_model(registry.get("tiny-marian"))
    assert "Cannot download tiny-marian" in str(caught.value)
    assert "offline mode is on" in str(caught.value)
    install(tiny_marian_dir, "tiny-marian")
    assert pull_model(registry.get("tiny-marian")).downloaded is False
    assert connections == []


def test_pull_that_leaves_files_missing_is_an_error_without_a_revision_file(
    registry: Registry, fake_hub: FakeLocalDirDownload, tiny_marian_dir: Path, tmp_path: Path
) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(tiny_marian_dir, partial)
    (partial / "source.spm").unlink()
    fake_hub.source = partial
    with pytest.raises(ModelLoadError) as caught:
        pull_model(registry.get("tiny-marian"))
    assert "lacks source.spm" in str(caught.value)
    assert not (entry_dir("tiny-marian") / REVISION_FILE).exists()


def test_pull_of_a_branch_pin_records_the_exact_commit(
    registry: Registry,
    fake_hub: FakeLocalDirDownload,
    tiny_bart_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import huggingface_hub

    asked: list[tuple[str, str]] = []

    class FakeApi:
        def model_info(self, repo_id: str, *, revision: str) -> Any:
            asked.append((repo_id, revision))
            return Mock(sha=OLDER)

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    fake_hub.source = tiny_bart_dir
    result = pull_model(registry.get("tiny-branch"))
    assert asked == [("tiny-org/on-a-branch", "main")]
    assert fake_hub.calls[0]["revision"] == OLDER
    assert result.revision == OLDER
    assert recorded_revision(entry_dir("tiny-branch")) == OLDER


def test_pull_of_an_unknown_revision_says_so(
    registry: Registry, fake_hub: FakeLocalDirDownload, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub
    from huggingface_hub.errors import RevisionNotFoundError

    failure = RevisionNotFoundError("404 Client Error", response=Mock(headers={}))
    monkeypatch.setattr(huggingface_hub, "snapshot_download", FakeDownload(failure))
    with pytest.raises(ModelNotFoundError) as caught:
        pull_model(registry.get("tiny-marian"))
    assert f"has no revision '{PINNED}'" in str(caught.value)
    assert "the registry's" in str(caught.value)


# --- safety -------------------------------------------------------------------------------


class _RunsCodeWhenUnpickled:
    """A pickle payload that creates a file when loaded without weights_only."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_pickled_weights_are_loaded_with_weights_only(
    tiny_marian_dir: Path, tmp_path: Path
) -> None:
    import torch

    from translator.engines import load_translator

    folder = tmp_path / "malicious"
    shutil.copytree(tiny_marian_dir, folder)
    (folder / "model.safetensors").unlink()
    marker = tmp_path / "code-ran"
    torch.save({"payload": _RunsCodeWhenUnpickled(marker)}, folder / "pytorch_model.bin")
    with pytest.raises(ModelLoadError, match="could not be loaded"):
        load_translator(str(folder), device="cpu")
    assert not marker.exists()
