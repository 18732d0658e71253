"""Which model is this: one answer for the translation memory's keys, the batch
fingerprint and the CTranslate2 copy's freshness check.

A hub model is named by its id and pinned revision. A model folder is named by its path,
the revision recorded in it (if any) and a fingerprint of its weights, so that replacing
the weights in place changes the identity even when nothing else says so.

The weights' fingerprint is their file name, size and a SHA-256 of their first and last
MiB, not a hash of every byte: it costs two reads of 1 MiB whatever the model's size
(a full hash of a 1.6 GB summarizer takes seconds on every run), and it is content, not
modification times, so a folder copied with ``cp -r``, ``scp`` or ``tar`` keeps its
identity. The ends hold what a change of weights changes: safetensors' header (every
tensor's name, type and offsets) and the last tensors; a ``pytorch_model.bin`` is a zip
whose central directory, at the end, lists a CRC-32 of every tensor. A sharded model's
index is fingerprinted with each shard it names. What this misses is an edit of the
middle of a file that keeps its size and both ends, which no retraining or download does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from translator.schema import ModelInfo

WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
"""The weight files a model folder may hold, in the order they are looked for."""

_ENDS_BYTES = 1 << 20


def weights_fingerprint(model_folder: Path) -> dict[str, int | str]:
    """The first weight file's name, size and the hash of its ends (and of its shards'
    ends, for a sharded model's index); ``{}`` when the folder holds no weights."""
    for name in WEIGHT_FILES:
        path = model_folder / name
        try:
            found = _file_fingerprint(path, path.stat())
        except OSError:
            continue
        fingerprint: dict[str, int | str] = {"weights": name, **found}
        if name.endswith(".index.json"):
            fingerprint["shards"] = _shards_digest(model_folder, path)
        return fingerprint
    return {}


def model_identity(info: ModelInfo) -> list[str | None]:
    """``[id, revision]`` for a hub model; for a model folder the weights' fingerprint
    follows, so new weights in the same folder are a new model."""
    identity: list[str | None] = [info.id, info.revision]
    folder = Path(info.id)
    if info.id and folder.is_dir():
        fingerprint = weights_fingerprint(folder)
        identity.append(json.dumps(fingerprint, sort_keys=True) if fingerprint else None)
    return identity


def _file_fingerprint(path: Path, status: os.stat_result) -> dict[str, int | str]:
    """Size and ends' hash of ``path``, remembered for this process by its size and times
    (a batch asks for the same model's identity once per unit)."""
    return dict(
        _cached_ends(str(path.resolve()), status.st_size, status.st_mtime_ns, status.st_ino)
    )


@functools.lru_cache(maxsize=64)
def _cached_ends(path: str, size: int, mtime_ns: int, inode: int) -> tuple[tuple[str, Any], ...]:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        digest.update(stream.read(_ENDS_BYTES))
        if size > 2 * _ENDS_BYTES:
            stream.seek(size - _ENDS_BYTES)
        digest.update(stream.read(_ENDS_BYTES))
    return (("size", size), ("sha256_ends", digest.hexdigest()))


def _shards_digest(model_folder: Path, index: Path) -> str:
    """One hash over the fingerprints of the shards a sharded model's index names."""
    try:
        weight_map = json.loads(index.read_text(encoding="utf-8")).get("weight_map", {})
        shards = sorted(set(weight_map.values())) if isinstance(weight_map, dict) else []
    except (OSError, ValueError, AttributeError):
        shards = []
    digest = hashlib.sha256()
    for shard in shards:
        path = model_folder / str(shard)
        try:
            found = _file_fingerprint(path, path.stat())
        except OSError:
            found = {}
        digest.update(json.dumps([str(shard), found], sort_keys=True).encode())
    return digest.hexdigest()
