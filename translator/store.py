"""The model store: resolve a model name or folder to a complete model folder, and pull
registered models into the store's ``<alias>/`` folders (``models_dir``).

A name resolves, in order, to:

1. an existing folder (used as it is, after checking that it holds a whole model);
2. a registry alias or registered hub id (``translator.registry``) whose folder is in
   the store (``models/<alias>/``, or ``$TRANSLATOR_MODELS_DIR/<alias>/``);
3. a hub id in the Hugging Face cache (at the registry's pinned revision when it has one);
4. a download from the hub into that cache, unless offline.

No torch here: resolving must stay cheap.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from translator import config
from translator.errors import ModelLoadError, ModelNotFoundError
from translator.registry import ModelEntry, Task, is_commit_hash, load_registry, registry_path
from translator.schema import ModelInfo

logger = logging.getLogger(__name__)

REVISION_FILE = ".translator-revision"
"""A file in a model folder whose first line names the revision (commit) the folder holds;
``translator models pull`` writes it last, so a folder without it was never finished."""

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

# owner/name, as the hub spells them.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class ResolvedModel:
    """A complete model folder and which model it is."""

    path: Path
    info: ModelInfo
    entry: ModelEntry | None = None
    """The registry entry the name matched, if any."""


class InstallState(Enum):
    """Where a registered model stands in the store."""

    INSTALLED = "installed"
    NOT_INSTALLED = "not installed"
    INCOMPLETE = "incomplete"
    OTHER_REVISION = "other revision"


@dataclass(frozen=True)
class StoreStatus:
    """What the store holds for one registry entry."""

    entry: ModelEntry
    path: Path
    state: InstallState
    revision: str | None
    """The revision recorded in the folder (None: not installed, or not recorded)."""
    size_bytes: int
    missing_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class PullResult:
    """A registered model present in the store at a known revision."""

    entry: ModelEntry
    path: Path
    revision: str
    downloaded: bool
    """False when the folder already held this revision and nothing was fetched."""


def models_dir() -> Path:
    """The model store: ``TRANSLATOR_MODELS_DIR`` when set; else ``models/`` of the checkout
    this package runs from; else (installed) ``models/`` in the user's data folder."""
    configured = config.models_dir_override()
    if configured is not None:
        return configured
    checkout = config.checkout_root()
    return checkout / "models" if checkout is not None else config.user_data_dir() / "models"


def entry_dir(alias: str) -> Path:
    """The folder in the store that holds the model pulled under ``alias``."""
    if not alias or alias in {".", ".."} or "/" in alias or "\\" in alias:
        raise ModelNotFoundError(
            f"{alias!r} is not a valid model alias. Use a name from `translator models list`."
        )
    return models_dir() / alias


_HUB_PROBE_SECONDS = 3.0
"""How long the one connection attempt to the hub may take before it counts as unreachable
(huggingface_hub would otherwise retry for about 23 s, printing each retry)."""


def hub_unreachable() -> str | None:
    """Why the Hugging Face hub cannot be reached (one TCP connection, short timeout, to
    the hub or to the configured HTTPS proxy), or None when it can or when
    huggingface_hub is offline anyway (then it connects to nothing)."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return None
    endpoint = urllib.parse.urlsplit(constants.ENDPOINT)
    proxy = urllib.request.getproxies().get("https")
    target = urllib.parse.urlsplit(proxy) if proxy else endpoint
    host = target.hostname or "huggingface.co"
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=_HUB_PROBE_SECONDS).close()
    except OSError as error:
        return f"{host}:{port}: {error.strerror or error or type(error).__name__}"
    return None


def _unreachable_error(repo_id: str, why: str) -> ModelNotFoundError:
    return ModelNotFoundError(
        f"Cannot reach the Hugging Face hub ({why}) to download {repo_id}, and it is not "
        "on this machine. Use a local model: pass its folder with -m/--translation-model "
        "PATH (--summarization-model PATH for summaries) or set "
        "TRANSLATOR_TRANSLATION_MODEL=PATH; or run `translator models pull` on a connected "
        f"machine and copy its models folder ({models_dir()}) here."
    )


def resolve_model(
    name_or_path: str,
    *,
    offline: bool | None = None,
    revision: str | None = None,
    cache_dir: Path | None = None,
    task: Task | None = None,
) -> ResolvedModel:
    """Find the folder holding a model: a folder, the store, the HF cache, or a download.

    Args:
        name_or_path: a model folder, a registry alias such as ``opus-mt-de-en``, or a
            hub id such as ``Helsinki-NLP/opus-mt-de-en``.
        offline: never contact the hub; ``None`` reads the environment (``config.is_offline``).
        revision: the hub revision (branch, tag or commit) to use; ``None`` uses the
            registry's pin for registered models, else the hub's default branch.
            Ignored for folders.
        cache_dir: the Hugging Face cache; ``None`` uses huggingface_hub's own.
        task: the task the caller will use the model for; a registered model made for
            the other task is refused before anything is downloaded.

    Returns:
        The folder, a ``ModelInfo`` naming the model (the hub id for registered and hub
        models, the path for folders) and its revision, and the registry entry if any.

    Raises:
        ModelLoadError: the folder lacks files a model needs, or the registry says the
            model is for another task.
        ModelNotFoundError: no such folder or alias, or the model is not on this machine
            and cannot (or may not) be downloaded.
    """
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir():
        return resolve_folder(candidate)
    if candidate.exists():
        raise ModelLoadError(
            f"{name_or_path} is a file, not a model folder. "
            "Pass the folder that holds config.json and the weights."
        )
    registry = load_registry(missing_ok=True)
    entry = registry.find(name_or_path)
    if entry is not None:
        return _resolve_entry(
            entry,
            task=task,
            offline=config.is_offline(offline),
            revision=revision,
            cache_dir=cache_dir,
        )
    if "/" not in name_or_path and not name_or_path.startswith((".", "~")):
        known = ", ".join(registry.aliases) or "none"
        raise ModelNotFoundError(
            f"No model folder or alias called {name_or_path!r}. Pass a model folder, a hub "
            f"id (owner/name), or an alias from `translator models list` ({known})."
        )
    if not _HUB_ID.fullmatch(name_or_path) or name_or_path.startswith((".", "~")):
        raise ModelNotFoundError(
            f"No model folder at {name_or_path}. Check the path, or pass a hub id such as "
            "Helsinki-NLP/opus-mt-de-en."
        )
    return _resolve_hub_model(
        name_or_path,
        offline=config.is_offline(offline),
        revision=revision,
        cache_dir=cache_dir,
        entry=None,
    )


def resolve_folder(folder: Path, *, alias: str | None = None) -> ResolvedModel:
    """Check that ``folder`` holds a whole model and describe it.

    Args:
        folder: the model folder.
        alias: the registry alias the folder was pulled under, for the hint.

    Raises:
        ModelLoadError: naming every file the folder lacks.
    """
    missing = missing_model_files(folder)
    if missing:
        raise ModelLoadError(
            f"The model folder {folder} is incomplete: missing {', '.join(missing)}. "
            f"Download the model again (`translator models pull {alias or 'ALIAS'}`) "
            "or copy the missing files."
        )
    return ResolvedModel(
        path=folder, info=ModelInfo(id=str(folder), revision=recorded_revision(folder))
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


def recorded_revision(folder: Path) -> str | None:
    """The revision written into ``folder``'s ``REVISION_FILE``; None when there is none."""
    try:
        lines = (folder / REVISION_FILE).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return None
    return lines[0] if lines else None


def store_status(entry: ModelEntry) -> StoreStatus:
    """What the store holds for ``entry``: installed, missing, incomplete or another revision."""
    folder = entry_dir(entry.alias)
    if not folder.is_dir():
        return StoreStatus(entry, folder, InstallState.NOT_INSTALLED, None, 0)
    revision = recorded_revision(folder)
    size = folder_size(folder)
    missing = tuple(missing_model_files(folder))
    if missing:
        state = InstallState.INCOMPLETE
    elif revision is not None and not _same_revision(revision, entry.revision):
        state = InstallState.OTHER_REVISION
    else:
        state = InstallState.INSTALLED
    return StoreStatus(entry, folder, state, revision, size, missing)


def folder_size(folder: Path) -> int:
    """Bytes of the regular files under ``folder`` (links not followed)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
    return total


def pull_model(
    entry: ModelEntry, *, force: bool = False, offline: bool | None = None
) -> PullResult:
    """Download ``entry`` at its pinned revision into ``entry_dir(entry.alias)``.

    Only what loading needs is fetched: configs, tokenizer files, and the safetensors
    weights, or ``pytorch_model.bin`` when the revision has no safetensors; never
    TensorFlow, Flax, Rust or ONNX weights. huggingface_hub shows its progress bars on
    stderr (``huggingface_hub.utils.tqdm.disable_progress_bars()`` silences them). The
    revision file is written last, once the folder is complete.

    Args:
        entry: the registry entry.
        force: download even if the folder already holds the pinned revision.
        offline: ``None`` reads the environment; offline, only an up-to-date folder passes.

    Raises:
        ModelNotFoundError: offline, or the download failed (network, unknown revision).
        ModelLoadError: the download finished but the folder still lacks needed files.
    """
    folder = entry_dir(entry.alias)
    status = store_status(entry)
    if status.state is InstallState.INSTALLED and status.revision is not None and not force:
        return PullResult(entry, folder, status.revision, downloaded=False)
    if config.is_offline(offline):
        raise ModelNotFoundError(
            f"Cannot download {entry.alias} ({entry.hub_id}): offline mode is on "
            "(HF_HUB_OFFLINE, TRANSLATOR_OFFLINE or --offline). Pull on a connected "
            f"machine and copy {models_dir()} here, or unset offline mode."
        )
    why = hub_unreachable()
    if why is not None:
        raise ModelNotFoundError(
            f"Cannot download {entry.alias} ({entry.hub_id}): the Hugging Face hub cannot "
            f"be reached ({why}). Check the network connection (or HTTPS_PROXY), or pull on "
            f"a connected machine and copy {models_dir()} here."
        )
    from huggingface_hub import snapshot_download

    with _hub_errors(entry.hub_id, entry.revision, offline=False, alias=entry.alias):
        commit = entry.revision if is_commit_hash(entry.revision) else _commit_of(entry)
        folder.mkdir(parents=True, exist_ok=True)
        # A folder whose revision file is gone is visibly unfinished if this is interrupted.
        (folder / REVISION_FILE).unlink(missing_ok=True)
        base_patterns = _CONFIG_FILES + _TOKENIZER_FILES

        def download(weight_patterns: list[str]) -> None:
            snapshot_download(
                entry.hub_id,
                revision=commit,
                local_dir=folder,
                allow_patterns=base_patterns + weight_patterns,
            )

        download(_SAFETENSORS_FILES)
        if not any((folder / name).is_file() for name in _WEIGHT_FILES):
            # Only pickled weights at this revision: fetch them now (loaded with
            # weights_only), never alongside safetensors, which would cost a second copy.
            download(_SAFETENSORS_FILES + _PICKLE_FILES)
    missing = missing_model_files(folder)
    if missing:
        raise ModelLoadError(
            f"{entry.hub_id} at revision {commit} downloaded to {folder}, but it lacks "
            f"{', '.join(missing)}. Check the revision in the registry "
            f"({registry_path()}) and pull again."
        )
    (folder / REVISION_FILE).write_text(f"{commit}\n{entry.hub_id}\n", encoding="utf-8")
    logger.info("pulled %s (%s) at %s into %s", entry.alias, entry.hub_id, commit, folder)
    return PullResult(entry, folder, commit, downloaded=True)


def _commit_of(entry: ModelEntry) -> str:
    """The commit a branch or tag points to now, so the store records an exact revision."""
    from huggingface_hub import HfApi

    sha = HfApi().model_info(entry.hub_id, revision=entry.revision).sha
    if not sha:
        raise ModelNotFoundError(
            f"The hub did not say which commit {entry.hub_id}@{entry.revision} is. "
            f"Pin a commit hash in the registry ({registry_path()}) and pull again."
        )
    return str(sha)


def _same_revision(recorded: str, pinned: str) -> bool:
    # A branch pin (`main`) cannot be compared with the commit recorded at pull time.
    return recorded == pinned or not is_commit_hash(pinned)


def _model_type(config_file: Path) -> str | None:
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    return model_type if isinstance(model_type, str) else None


def _resolve_entry(
    entry: ModelEntry,
    *,
    task: Task | None,
    offline: bool,
    revision: str | None,
    cache_dir: Path | None,
) -> ResolvedModel:
    if task is not None and entry.task != task:
        raise ModelLoadError(
            f"{entry.alias} ({entry.hub_id}) is a {entry.task} model, not a {task} model. "
            f"Pass a {task} model instead (see `translator models list`)."
        )
    folder = entry_dir(entry.alias)
    wanted = revision or entry.revision
    if folder.is_dir():
        resolved = resolve_folder(folder, alias=entry.alias)
        recorded = resolved.info.revision
        if recorded is None or _same_revision(recorded, wanted):
            return ResolvedModel(
                path=folder, info=ModelInfo(id=entry.hub_id, revision=recorded), entry=entry
            )
        if revision is None:
            # The registry moved on since the pull; the old model still works, so use it.
            logger.warning(
                "%s holds revision %s, but the registry pins %s. Run `translator models "
                "pull %s` to update it.",
                folder,
                recorded[:12],
                entry.revision[:12],
                entry.alias,
            )
            return ResolvedModel(
                path=folder, info=ModelInfo(id=entry.hub_id, revision=recorded), entry=entry
            )
    return _resolve_hub_model(
        entry.hub_id, offline=offline, revision=wanted, cache_dir=cache_dir, entry=entry
    )


def _resolve_hub_model(
    repo_id: str,
    *,
    offline: bool,
    revision: str | None,
    cache_dir: Path | None,
    entry: ModelEntry | None,
) -> ResolvedModel:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    base_patterns = _CONFIG_FILES + _TOKENIZER_FILES

    def download(weight_patterns: list[str], wanted: str | None) -> Path:
        return Path(
            snapshot_download(
                repo_id,
                revision=wanted,
                cache_dir=cache_dir,
                allow_patterns=base_patterns + weight_patterns,
                local_files_only=offline,
            )
        )

    def fetch(wanted: str | None) -> Path:
        snapshot = download(_SAFETENSORS_FILES, wanted)
        if not any((snapshot / name).is_file() for name in _WEIGHT_FILES):
            # Older repositories ship only pickled weights; fetch them only then, so a repo
            # with both never costs a second copy. They are loaded with weights_only.
            snapshot = download(_SAFETENSORS_FILES + _PICKLE_FILES, wanted)
        return snapshot

    alias = entry.alias if entry is not None else None
    # One quick connection attempt first: with no network, use the cache alone and say so
    # at once, instead of huggingface_hub's retries.
    unreachable = None if offline else hub_unreachable()
    if unreachable is not None:
        offline = True
        logger.info("the Hugging Face hub cannot be reached (%s): cache only", unreachable)
    with _hub_errors(repo_id, revision, offline=offline, alias=alias, unreachable=unreachable):
        try:
            snapshot = fetch(revision)
        except LocalEntryNotFoundError:
            if not (offline and entry is not None and revision is not None):
                raise
            # Offline, a registered model cached at another revision (say, by an earlier
            # run that used `main`) is better than no translation at all; say so.
            snapshot = fetch(None)
            logger.warning(
                "%s: the pinned revision %s is not cached; using the cached %s instead. "
                "Run `translator models pull %s` on a connected machine to pin it.",
                repo_id,
                revision[:12],
                snapshot.name[:12],
                entry.alias,
            )

    resolved = resolve_folder(snapshot, alias=alias)
    # The cache lays snapshots out as .../snapshots/<commit hash>/: the folder name is
    # the exact revision, whatever branch or tag was asked for.
    commit = snapshot.name if snapshot.parent.name == "snapshots" else revision
    logger.debug("resolved %s to %s (revision %s)", repo_id, snapshot, commit)
    return ResolvedModel(
        path=resolved.path, info=ModelInfo(id=repo_id, revision=commit), entry=entry
    )


@contextmanager
def _hub_errors(
    repo_id: str,
    revision: str | None,
    *,
    offline: bool,
    alias: str | None,
    unreachable: str | None = None,
) -> Iterator[None]:
    """Turn huggingface_hub's exceptions into one clear ModelNotFoundError each
    (``unreachable``: why the hub could not be reached, when it could not)."""
    from huggingface_hub.errors import (
        HfHubHTTPError,
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    pull_hint = f"run `translator models pull {alias}` on a connected machine" if alias else ""
    try:
        yield
    except LocalEntryNotFoundError as error:
        if unreachable is not None:
            raise _unreachable_error(repo_id, unreachable) from error
        if offline:
            how = pull_hint or (
                "run the same command once on a connected machine to cache it, or add it to "
                "a registry file (TRANSLATOR_REGISTRY) and run `translator models pull ALIAS` "
                "there"
            )
            raise ModelNotFoundError(
                f"Model {repo_id} is not available offline (it is neither in the model store "
                f"nor in the Hugging Face cache). To fix it, {how}, or pass a model folder."
            ) from error
        raise ModelNotFoundError(
            f"Model {repo_id} could not be downloaded ({_first_line(error)}). Check the network "
            f"connection and try again{', or ' + pull_hint if pull_hint else ''}, or pass a "
            "model folder."
        ) from error
    except RevisionNotFoundError as error:
        raise ModelNotFoundError(
            f"Model {repo_id} has no revision {revision!r} on the Hugging Face hub. "
            "Check the revision (the registry's, for registered models), or pass a "
            "model folder."
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


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
