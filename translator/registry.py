"""The model registry: aliases for known models, each pinned to one hub commit.

The registry ships inside the package (``translator/registry.toml``; in a checkout,
``models/registry.toml`` is a link to it, so there is one file to edit) and
``TRANSLATOR_REGISTRY`` names another file. Each ``[models.<alias>]`` table gives the hub
id, the revision, the task, the licence and the approximate download size. Parsing is
strict: an unknown key or a wrong type is an error naming the entry, so a typo never
silently unpins a model.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from translator import config
from translator.errors import ModelNotFoundError, TranslatorError

Task = Literal["translation", "summarization"]
TASKS: tuple[Task, ...] = ("translation", "summarization")

# Aliases become folder names in the store: keep them to one portable path segment.
_ALIAS = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_REQUIRED = ("hub_id", "revision", "task", "licence", "size_mb")
_OPTIONAL = ("note", "default")


@dataclass(frozen=True)
class ModelEntry:
    """One registered model: what to download, at which commit, and what it is for."""

    alias: str
    hub_id: str
    revision: str
    task: Task
    licence: str
    size_mb: int
    note: str = ""
    default: bool = False
    """Pulled by ``translator models pull`` with no alias (one per task at most)."""

    @property
    def pinned_to_commit(self) -> bool:
        """Whether ``revision`` is a full commit hash rather than a branch or tag."""
        return is_commit_hash(self.revision)


@dataclass(frozen=True)
class Registry:
    """The parsed registry, entries in file order."""

    entries: tuple[ModelEntry, ...]
    source: Path | None = None

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(entry.alias for entry in self.entries)

    def find(self, name: str) -> ModelEntry | None:
        """The entry whose alias or hub id is ``name`` (hub ids compare case-insensitively,
        as the hub does); None when there is none."""
        folded = name.casefold()
        for entry in self.entries:
            if name == entry.alias or folded == entry.hub_id.casefold():
                return entry
        return None

    def get(self, name: str) -> ModelEntry:
        """Like ``find``, but an unknown name is an error listing the known aliases.

        Raises:
            ModelNotFoundError: no entry has that alias or hub id.
        """
        entry = self.find(name)
        if entry is None:
            known = ", ".join(self.aliases) or "none"
            raise ModelNotFoundError(
                f"No model called {name!r} in the registry ({self.source or 'empty'}). "
                f"Known aliases: {known}."
            )
        return entry

    def defaults(self) -> tuple[ModelEntry, ...]:
        """The entries marked ``default``: what ``translator models pull`` fetches."""
        return tuple(entry for entry in self.entries if entry.default)


def is_commit_hash(revision: str) -> bool:
    """Whether ``revision`` is a full 40-character git commit hash."""
    return re.fullmatch(r"[0-9a-f]{40}", revision) is not None


def registry_path() -> Path:
    """``TRANSLATOR_REGISTRY`` when set, else the registry shipped in the package."""
    configured = config.registry_override()
    if configured is not None:
        return configured
    return Path(__file__).resolve().parent / "registry.toml"


def load_registry(path: Path | None = None, *, missing_ok: bool = False) -> Registry:
    """Read and check the registry file.

    Args:
        path: the TOML file; ``None`` uses ``registry_path()``.
        missing_ok: a missing file gives an empty registry instead of an error (model
            resolution still works with folders and hub ids without one).

    Raises:
        ModelNotFoundError: the file does not exist (unless ``missing_ok``).
        TranslatorError: it cannot be read, is not TOML, or an entry is malformed.
    """
    source = path if path is not None else registry_path()
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return Registry(entries=(), source=source)
        raise ModelNotFoundError(
            f"The model registry {source} does not exist. Reinstall translator (the "
            "registry ships with it), or point TRANSLATOR_REGISTRY at a registry file."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise TranslatorError(
            f"The model registry {source} cannot be read ({error}). Check the file."
        ) from error
    return parse_registry(text, source=source)


def parse_registry(text: str, *, source: Path | None = None) -> Registry:
    """Parse registry TOML text.

    Raises:
        TranslatorError: not TOML, or an entry lacks a key, has an unknown key or a
            value of the wrong type, or two entries claim the same default or hub id.
    """
    where = str(source) if source is not None else "<registry>"
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TranslatorError(f"The model registry {where} is not valid TOML ({error}).") from None
    unknown_sections = sorted(set(document) - {"models"})
    if unknown_sections:
        raise _invalid(where, f"unknown top-level key(s) {', '.join(unknown_sections)}")
    tables = document.get("models", {})
    if not isinstance(tables, dict):
        raise _invalid(where, "`models` must be a table of [models.<alias>] entries")
    entries = tuple(_parse_entry(where, alias, table) for alias, table in tables.items())
    _check_unique(where, entries)
    return Registry(entries=entries, source=source)


def _parse_entry(where: str, alias: str, table: Any) -> ModelEntry:
    if not _ALIAS.fullmatch(alias):
        raise _invalid(
            where,
            f"alias {alias!r} must be lower-case letters, digits, '.', '-' or '_', "
            "starting with a letter or digit",
        )
    if not isinstance(table, dict):
        raise _invalid(where, f"[models.{alias}] must be a table")
    missing = [key for key in _REQUIRED if key not in table]
    if missing:
        raise _invalid(where, f"[models.{alias}] lacks {', '.join(missing)}")
    unknown = sorted(set(table) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise _invalid(where, f"[models.{alias}] has unknown key(s) {', '.join(unknown)}")
    for key in ("hub_id", "revision", "task", "licence", "note"):
        if key in table and not isinstance(table[key], str):
            raise _invalid(where, f"[models.{alias}] {key} must be a string")
    hub_id: str = table["hub_id"]
    if not _HUB_ID.fullmatch(hub_id):
        raise _invalid(where, f"[models.{alias}] hub_id {hub_id!r} is not owner/name")
    revision: str = table["revision"].strip()
    if not revision:
        raise _invalid(where, f"[models.{alias}] revision is empty")
    task = table["task"]
    if task not in TASKS:
        raise _invalid(where, f"[models.{alias}] task must be one of {', '.join(TASKS)}")
    size_mb = table["size_mb"]
    if isinstance(size_mb, bool) or not isinstance(size_mb, int) or size_mb <= 0:
        raise _invalid(where, f"[models.{alias}] size_mb must be a positive whole number")
    default = table.get("default", False)
    if not isinstance(default, bool):
        raise _invalid(where, f"[models.{alias}] default must be true or false")
    return ModelEntry(
        alias=alias,
        hub_id=hub_id,
        revision=revision,
        task=cast(Task, task),
        licence=table["licence"],
        size_mb=size_mb,
        note=table.get("note", ""),
        default=default,
    )


def _check_unique(where: str, entries: tuple[ModelEntry, ...]) -> None:
    seen_hub_ids: dict[str, str] = {}
    for entry in entries:
        other = seen_hub_ids.setdefault(entry.hub_id.casefold(), entry.alias)
        if other != entry.alias:
            # One hub id under two aliases would make `-m HUB_ID` ambiguous.
            raise _invalid(where, f"{other} and {entry.alias} both name {entry.hub_id}")
    for task in TASKS:
        defaults = [entry.alias for entry in entries if entry.default and entry.task == task]
        if len(defaults) > 1:
            raise _invalid(where, f"{' and '.join(defaults)} are both the {task} default")


def _invalid(where: str, problem: str) -> TranslatorError:
    return TranslatorError(f"The model registry {where} is invalid: {problem}. Fix the file.")
