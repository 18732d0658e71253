"""Resolve a model name or folder to a complete model folder on this machine.

A name is either a folder (used as it is, after checking that it holds a whole model)
or a Hugging Face hub id (fetched with ``huggingface_hub.snapshot_download``, or found
in its cache when offline). No torch here: resolving must stay cheap.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from translator.config import offline_requested
from translator.errors import ModelLoadError, ModelNotFoundError
from translator.schema import ModelInfo

logger = logging.getLogger(__name__)

REVISION_FILE = ".translator-revision"
"""A file in a model folder whose first line names the revision the folder holds."""

_CONFIG_FILES = ["config.json", "generation_config.json"]
_TOKENIZER_FILES = [
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "*.spm",
    "*.model",
]
_SAFETENSORS_FILES = ["model.safetensors", "model-*.safetensors", "model.safetensors.index.json"]
_PICKLE_FILES = ["pytorch_model.bin", "pytorch_model-*.bin", "pytorch_model.bin.index.json"]

_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
# Tokenizer files that are enough on their own (or as the pair listed) for a non-Marian
# model; Marian needs its own three, checked separately.
_TOKENIZER_ALTERNATIVES = (
    ("tokenizer.json",),
    ("vocab.json", "merges.txt"),
    ("spiece.model",),
    ("sentencepiece.bpe.model",),
    ("tokenizer.model",),
)
_MARIAN_TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json")

# owner/name (or a bare name), as the hub spells them.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ResolvedModel:
    """A complete model folder and which model it is."""

    path: Path
    info: ModelInfo


def is_offline(offline: bool | None = None) -> bool:
    """Whether the hub must not be contacted: the argument when given, else the environment
    (``TRANSLATOR_OFFLINE``, ``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE``)."""
    if offline is not None:
        return offline
    transformers_offline = os.environ.get("TRANSFORMERS_OFFLINE", "").strip().lower() in _TRUE
    return offline_requested() or transformers_offline


def resolve_model(
    name_or_path: str,
    *,
    offline: bool | None = None,
    revision: str | None = None,
    cache_dir: Path | None = None,
) -> ResolvedModel:
    """Find the folder holding a model, downloading a hub model if needed and allowed.

    Args:
        name_or_path: a model folder, or a hub id such as ``Helsinki-NLP/opus-mt-de-en``.
        offline: never contact the hub; ``None`` reads the environment (``is_offline``).
        revision: the hub revision (branch, tag or commit) to fetch; ignored for folders.
        cache_dir: where hub downloads live; ``None`` uses ``TRANSLATOR_MODELS_DIR`` if
            set, else the Hugging Face cache.

    Returns:
        The folder and a ``ModelInfo`` naming the model and its revision (the commit
        hash for hub models; for folders the one recorded in ``.translator-revision``).

    Raises:
        ModelLoadError: the folder exists but lacks files a model needs.
        ModelNotFoundError: no such folder, or the hub model is not available.
    """
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir():
        return resolve_folder(candidate)
    if candidate.exists():
        raise ModelLoadError(
            f"{name_or_path} is a file, not a model folder. "
            "Pass the folder that holds config.json and the weights."
        )
    if not _HUB_ID.fullmatch(name_or_path) or name_or_path.startswith((".", "~")):
        raise ModelNotFoundError(
            f"No model folder at {name_or_path}. Check the path, or pass a hub id such as "
            "Helsinki-NLP/opus-mt-de-en."
        )
    return _resolve_hub_model(
        name_or_path, offline=is_offline(offline), revision=revision, cache_dir=cache_dir
    )


def resolve_folder(folder: Path) -> ResolvedModel:
    """Check that ``folder`` holds a whole model and describe it.

    Raises:
        ModelLoadError: naming every file the folder lacks.
    """
    missing = missing_model_files(folder)
    if missing:
        raise ModelLoadError(
            f"The model folder {folder} is incomplete: missing {', '.join(missing)}. "
            "Download the model again (`translator models pull NAME`) or copy the missing files."
        )
    return ResolvedModel(
        path=folder, info=ModelInfo(id=str(folder), revision=_recorded_revision(folder))
    )


def missing_model_files(folder: Path) -> list[str]:
    """The files (or alternatives, joined by " or ") a model folder lacks; [] when complete."""
    missing: list[str] = []
    config_file = folder / "config.json"
    if not config_file.is_file():
        missing.append("config.json")
    if not any((folder / name).is_file() for name in _WEIGHT_FILES):
        missing.append("model.safetensors (or pytorch_model.bin)")
    if _model_type(config_file) == "marian":
        missing.extend(name for name in _MARIAN_TOKENIZER_FILES if not (folder / name).is_file())
    elif not any(
        all((folder / name).is_file() for name in names) for names in _TOKENIZER_ALTERNATIVES
    ):
        alternatives = " or ".join(" + ".join(names) for names in _TOKENIZER_ALTERNATIVES)
        missing.append(f"tokenizer files ({alternatives})")
    return missing


def _model_type(config_file: Path) -> str | None:
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    return model_type if isinstance(model_type, str) else None


def _recorded_revision(folder: Path) -> str | None:
    try:
        lines = (folder / REVISION_FILE).read_text(encoding="utf-8").split()
    except OSError:
        return None
    return lines[0] if lines else None


def _default_cache_dir() -> Path | None:
    models_dir = os.environ.get("TRANSLATOR_MODELS_DIR")
    return Path(models_dir).expanduser() if models_dir else None


def _resolve_hub_model(
    repo_id: str, *, offline: bool, revision: str | None, cache_dir: Path | None
) -> ResolvedModel:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    cache = cache_dir if cache_dir is not None else _default_cache_dir()
    base_patterns = _CONFIG_FILES + _TOKENIZER_FILES

    def download(weight_patterns: list[str]) -> Path:
        return Path(
            snapshot_download(
                repo_id,
                revision=revision,
                cache_dir=cache,
                allow_patterns=base_patterns + weight_patterns,
                local_files_only=offline,
            )
        )

    try:
        snapshot = download(_SAFETENSORS_FILES)
        if not any((snapshot / name).is_file() for name in _WEIGHT_FILES):
            # Older repositories ship only pickled weights; fetch them only then, so a repo
            # with both never costs a second copy. They are loaded with weights_only.
            snapshot = download(_SAFETENSORS_FILES + _PICKLE_FILES)
    except LocalEntryNotFoundError as error:
        if offline:
            raise ModelNotFoundError(
                f"Model {repo_id} is not available offline. Run `translator models pull "
                f"{repo_id}` on a connected machine, or pass a model folder."
            ) from error
        raise ModelNotFoundError(
            f"Model {repo_id} could not be downloaded ({_first_line(error)}). Check the network "
            f"connection and try again, run `translator models pull {repo_id}` on a connected "
            "machine, or pass a model folder."
        ) from error
    except RevisionNotFoundError as error:
        raise ModelNotFoundError(
            f"Model {repo_id} has no revision {revision!r} on the Hugging Face hub. "
            "Check the revision, or pass a model folder."
        ) from error
    except RepositoryNotFoundError as error:
        raise ModelNotFoundError(
            f"Model {repo_id} was not found on the Hugging Face hub (or it is private). "
            "Check the name, or pass a model folder."
        ) from error
    except HFValidationError as error:
        raise ModelNotFoundError(
            f"{repo_id} is neither a model folder nor a valid hub id ({_first_line(error)}). "
            "Check the name or path."
        ) from error
    except (HfHubHTTPError, OSError) as error:
        raise ModelNotFoundError(
            f"Model {repo_id} could not be downloaded ({_first_line(error)}). Check the network "
            "connection and free disk space and try again, or pass a model folder."
        ) from error

    resolved = resolve_folder(snapshot)
    # The cache lays snapshots out as .../snapshots/<commit hash>/: the folder name is
    # the exact revision, whatever branch or tag was asked for.
    commit = snapshot.name if snapshot.parent.name == "snapshots" else revision
    logger.debug("resolved %s to %s (revision %s)", repo_id, snapshot, commit)
    return ResolvedModel(path=resolved.path, info=ModelInfo(id=repo_id, revision=commit))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
