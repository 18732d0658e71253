"""Which model is this: one identity for the memory's keys, the batch fingerprint and the
CTranslate2 copy's freshness (issue 22, item 9)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.batch_helpers import run_batch
from tests.fakes import FolderModelTranslator
from translator.batch import BatchSettings
from translator.cli import app
from translator.engines import convert
from translator.model_identity import model_identity, weights_fingerprint
from translator.schema import ModelInfo

runner = CliRunner()


def _replace_weights(folder: Path) -> None:
    """New weights of the same shapes, as a fine-tuned copy of the model would have."""
    from safetensors.torch import load_file, save_file

    weights = folder / "model.safetensors"
    tensors = load_file(weights)
    save_file({name: tensor * 0.5 for name, tensor in tensors.items()}, weights)


def test_new_weights_in_a_model_folder_redo_the_batch(
    tmp_path: Path, tiny_marian_dir: Path
) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_marian_dir, model)
    source = tmp_path / "in"
    source.mkdir()
    for name in ("a", "b"):
        (source / f"{name}.txt").write_text("Der Minister sagte, die Gespräche waren fruchtbar.\n")
    args = ["batch", str(source), "-o", str(tmp_path / "out"), "-m", str(model)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    assert "2 translated, 0 skipped" in first.stderr
    assert "0 translated, 2 skipped" in runner.invoke(app, args).stderr  # same weights: nothing
    _replace_weights(model)
    redone = runner.invoke(app, args)
    assert redone.exit_code == 0, redone.stderr
    assert "2 translated, 0 skipped" in redone.stderr


def test_run_batch_redoes_files_when_a_folder_models_weights_change(tmp_path: Path) -> None:
    """The same with a fake engine whose model is a folder: only the weights change."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"a" * 4096)

    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text("Der Hund schläft.\n", encoding="utf-8")
    settings = BatchSettings(source, tmp_path / "out")
    assert run_batch(settings, FolderModelTranslator(model)).done == 1
    assert run_batch(settings, FolderModelTranslator(model)).done == 0
    (model / "model.safetensors").write_bytes(b"b" * 4096)  # same size, new content
    assert run_batch(settings, FolderModelTranslator(model)).done == 1


def test_a_hub_model_is_its_id_and_revision() -> None:
    """As batch fingerprints and memory keys named it before: a hub model's earlier
    outputs and memory entries stay valid."""
    assert model_identity(ModelInfo("Helsinki-NLP/opus-mt-de-en", "abc123")) == [
        "Helsinki-NLP/opus-mt-de-en",
        "abc123",
    ]


def test_a_folders_identity_follows_its_weights_not_their_times(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(bytes(range(256)) * 40_000)  # more than both ends together
    info = ModelInfo(str(tmp_path))
    before = model_identity(info)
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(weights, copy / "model.safetensors")  # new times, same content
    assert weights_fingerprint(copy) == weights_fingerprint(tmp_path)
    with weights.open("r+b") as stream:  # the last tensor changed
        stream.seek(-10, 2)
        stream.write(b"x" * 10)
    assert model_identity(info) != before


def test_a_sharded_models_identity_follows_its_shards(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors.index.json").write_text(
        '{"weight_map": {"a": "model-1.safetensors", "b": "model-2.safetensors"}}'
    )
    (tmp_path / "model-1.safetensors").write_bytes(b"1" * 100)
    (tmp_path / "model-2.safetensors").write_bytes(b"2" * 100)
    before = weights_fingerprint(tmp_path)
    (tmp_path / "model-2.safetensors").write_bytes(b"3" * 100)
    assert weights_fingerprint(tmp_path) != before


def test_the_ctranslate2_freshness_check_uses_the_same_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A marker written from the weights' fingerprint is current exactly while that
    fingerprint is; breaking the fingerprint on purpose makes the copy stale."""
    (tmp_path / "model.safetensors").write_bytes(b"w" * 100)
    target = convert.converted_dir(tmp_path)
    target.mkdir()
    for name in ("model.bin", "config.json"):
        (target / name).write_text("{}")
    marker = {"source": weights_fingerprint(tmp_path)}
    (target / convert.MARKER_FILE).write_text(json.dumps(marker))
    assert convert.find_converted(tmp_path) == target
    monkeypatch.setattr(convert, "weights_fingerprint", lambda folder: {"weights": "other"})
    assert convert.find_converted(tmp_path) is None
    monkeypatch.undo()
    (tmp_path / "model.safetensors").write_bytes(b"v" * 100)  # replaced weights
    assert convert.find_converted(tmp_path) is None
