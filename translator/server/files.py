"""Translated files waiting to be downloaded (``/translate_file`` → ``/download_file``).

Each file lives in a private temporary folder under a random id (128 bits, so ids cannot
be guessed) for ``ttl`` seconds (``translator serve``: one hour), then it is deleted; all
of them go when the server stops. A download names the id and the file's name; anything
else (another name, ``..``, a slash) is not found: names are looked up, never joined to
a path from the request.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class StoredFile:
    path: Path
    name: str
    expires: float


def safe_name(name: str) -> str:
    """A file name made of letters, digits, dots, dashes and underscores, never starting
    with a dot."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).lstrip(".") or "translation"
    return cleaned[:120]


class FileStore:
    def __init__(self, ttl: float = 3600.0, clock: Callable[[], float] | None = None) -> None:
        self.ttl = ttl
        self._clock = clock or time.monotonic
        self._folder: Path | None = None
        self._files: dict[str, StoredFile] = {}
        self._lock = threading.Lock()

    def _root(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="translator-serve-"))
        return self._folder

    def put(self, name: str, data: bytes) -> tuple[str, str]:
        """Keep ``data`` as ``name``; returns its id and the name it is served under."""
        self.expire()
        file_id = secrets.token_hex(16)
        name = safe_name(name)
        folder = self._root() / file_id
        folder.mkdir()
        path = folder / name
        path.write_bytes(data)
        with self._lock:
            self._files[file_id] = StoredFile(path, name, self._clock() + self.ttl)
        return file_id, name

    def get(self, file_id: str, name: str) -> StoredFile | None:
        """The file stored under ``file_id`` as ``name``, or None (unknown, expired)."""
        self.expire()
        with self._lock:
            stored = self._files.get(file_id)
        if stored is None or stored.name != name:
            return None
        return stored

    def expire(self) -> None:
        now = self._clock()
        with self._lock:
            gone = [key for key, stored in self._files.items() if stored.expires <= now]
            for key in gone:
                shutil.rmtree(self._files.pop(key).path.parent, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._files.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
