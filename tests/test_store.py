"""Resolving model folders and hub ids, offline, without touching the network."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import pytest

from translator.errors import ModelLoadError, ModelNotFoundError
from translator.schema import ModelInfo
from translator.store import REVISION_FILE, is_offline, missing_model_files, resolve_model

COMMIT = "0123456789abcdef0123456789abcdef01234567"
REPO_ID = "tiny-org/tiny-marian"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every socket connection attempted during the test (each still fails)."""
    attempts: list[Any] = []
    guarded = socket.socket.connect

    def record(self: socket.socket, address: Any, *args: Any) -> Any:
        attempts.append(address)
        return guarded(self, address, *args)

    monkeypatch.setattr(socket.socket, "connect", record)
    yield attempts


def cache_hub_model(models_dir: Path, source: Path, repo_id: str = REPO_ID) -> Path:
    """Lay out ``source`` as huggingface_hub's cache does after a download of ``main``."""
    storage = models_dir / f"models--{repo_id.replace('/', '--')}"
    (storage / "refs").mkdir(parents=True)
    (storage / "refs" / "main").write_text(COMMIT)
    snapshot = storage / "snapshots" / COMMIT
    shutil.copytree(source, snapshot)
    return snapshot


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


def test_hub_id_offline_with_empty_cache_says_how_to_pull(connections: list[Any]) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model("Helsinki-NLP/opus-mt-de-en")
    message = str(caught.value)
    assert "not available offline" in message
    assert "`translator models pull Helsinki-NLP/opus-mt-de-en`" in message
    assert connections == []


def test_cached_hub_model_resolves_offline_with_its_commit(
    tiny_marian_dir: Path, isolated_environment: Path, connections: list[Any]
) -> None:
    snapshot = cache_hub_model(isolated_environment / "models", tiny_marian_dir)
    resolved = resolve_model(REPO_ID)
    assert resolved.path == snapshot
    assert resolved.info == ModelInfo(id=REPO_ID, revision=COMMIT)
    assert connections == []


def test_cached_hub_model_loads_through_the_engine(
    tiny_marian_dir: Path, isolated_environment: Path, connections: list[Any]
) -> None:
    from translator.engines import load_translator

    cache_hub_model(isolated_environment / "models", tiny_marian_dir)
    engine = load_translator(REPO_ID, device="cpu")
    assert engine.info == ModelInfo(id=REPO_ID, revision=COMMIT)
    assert len(engine.translate(["Der Minister sagte es."])) == 1
    assert connections == []


def test_incomplete_cached_snapshot_is_a_load_error(
    tiny_marian_dir: Path, isolated_environment: Path
) -> None:
    snapshot = cache_hub_model(isolated_environment / "models", tiny_marian_dir)
    (snapshot / "source.spm").unlink()
    with pytest.raises(ModelLoadError, match="missing source.spm"):
        resolve_model(REPO_ID)


def test_offline_follows_argument_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
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
    assert "translator models pull" in str(caught.value)


def test_unknown_hub_repository_is_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub
    from huggingface_hub.errors import RepositoryNotFoundError

    failure = RepositoryNotFoundError("404 Client Error", response=Mock(headers={}))
    monkeypatch.setattr(huggingface_hub, "snapshot_download", FakeDownload(failure))
    with pytest.raises(ModelNotFoundError, match="was not found on the Hugging Face hub"):
        resolve_model("nobody/nothing", offline=False)


def test_store_does_not_touch_the_network_even_online(connections: list[Any]) -> None:
    # Online mode against the guarded sockets: huggingface_hub is told it is offline by
    # the fixture, so it must fail without a single connection attempt.
    with pytest.raises(ModelNotFoundError):
        resolve_model(REPO_ID, offline=False)
    assert connections == []
