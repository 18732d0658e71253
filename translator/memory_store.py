"""The translation memory: what the model said for each input it was given, in SQLite.

It stores the model's English output for each model input (a sentence, masked where
quotations and terms are protected), under a SHA-256 key of the input and of everything
that changes the model's output for it (see ``engines.memory``); the German input itself
is not stored, only its hash. The file sits in the user's cache folder (``~/.cache/translator``
on Linux) unless another path is given; folder and file are private to the user (0700 and
0600, whatever the umask), since sources can be confidential.

Several processes may share one memory (WAL mode, waits on a busy database). It is bounded:
past ``max_mb`` the least recently used entries go. A memory that cannot be opened, read or
written is never a failure: a warning, then a fresh file, or no memory for this run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from translator import config

log = logging.getLogger(__name__)

DEFAULT_MAX_MB = 512
FILE_NAME = "memory.sqlite3"
_OFF_VALUES = {"off", "0", "false", "no"}
_BUSY_TIMEOUT_MS = 30_000  # another process writing: wait rather than lose the entries
_LOOKUP_CHUNK = 500  # keys per SELECT (SQLite's variable limit is far above)
_EVICT_TO = 0.9  # eviction leaves this share of the bound used, so it does not run every call
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS memory ("
    " key BLOB PRIMARY KEY, output TEXT NOT NULL, used REAL NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS memory_used ON memory (used)",
    "CREATE TABLE IF NOT EXISTS folders (stamp TEXT PRIMARY KEY, digest TEXT NOT NULL)",
)


def disabled_by_environment() -> bool:
    """``TRANSLATOR_CACHE=off`` turns the memory off, whatever the options say."""
    return os.environ.get("TRANSLATOR_CACHE", "").strip().lower() in _OFF_VALUES


def default_path() -> Path:
    """Where the memory lives unless told otherwise: the user's cache folder."""
    return config.user_cache_dir() / FILE_NAME


@dataclass(frozen=True)
class MemoryStats:
    path: Path
    entries: int
    size_bytes: int  # on disk: the database and its write-ahead log
    max_bytes: int


class TranslationMemory:
    """A bounded, shared key -> model output store. Every method is safe to call when the
    memory failed: it then finds nothing and keeps nothing."""

    def __init__(self, path: Path | None = None, *, max_mb: float = DEFAULT_MAX_MB) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.max_bytes = int(max_mb * 1024 * 1024)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._open()

    @property
    def usable(self) -> bool:
        return self._db is not None

    # --- opening ---------------------------------------------------------------------

    def _open(self) -> None:
        try:
            self._db = self._connect()
            return
        except (sqlite3.Error, OSError) as error:
            problem = error
        if isinstance(problem, sqlite3.DatabaseError) and self.path.is_file():
            self._start_fresh(problem)
            return
        self._give_up(problem)

    def _start_fresh(self, problem: BaseException) -> None:
        """Replace a damaged file by an empty memory (or do without one)."""
        log.warning(
            "the translation memory %s is unreadable (%s); starting a fresh one",
            self.path,
            problem,
        )
        try:
            for file in _database_files(self.path):
                file.unlink(missing_ok=True)
            self._db = self._connect()
        except (sqlite3.Error, OSError) as error:
            self._give_up(error)

    def _give_up(self, problem: BaseException) -> None:
        log.warning(
            "the translation memory %s cannot be used (%s); translating without it",
            self.path,
            problem,
        )
        self._db = None

    def _connect(self) -> sqlite3.Connection:
        _private_folder(self.path.parent, always=self.path == default_path())
        # Created 0600 before SQLite sees it; SQLite gives its -wal and -shm files the
        # database file's permissions.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(self.path, 0o600)
        db = sqlite3.connect(
            self.path,
            timeout=_BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # takes effect on a new file only
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # a cache: a lost last entry is fine
            # The write-ahead log counts against the bound too: checkpointed and cut back
            # at a quarter of it (SQLite's default lets it grow to 4 MB and stay there).
            log_bytes = max(self.max_bytes // 4, 64 * 1024)
            db.execute(f"PRAGMA journal_size_limit = {log_bytes}")
            db.execute(f"PRAGMA wal_autocheckpoint = {max(log_bytes // 4096, 16)}")
            for statement in _SCHEMA:
                db.execute(statement)
            db.execute("SELECT count(*) FROM memory WHERE key = x'00'").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        for file in _database_files(self.path):
            if file.exists():
                os.chmod(file, 0o600)
        return db

    @contextmanager
    def _using(self, what: str) -> Iterator[sqlite3.Connection | None]:
        """The connection, or None when the memory is off. A damaged file found in use is
        replaced by a fresh one; any other failure (busy too long, disk full) turns the
        memory off for the rest of the run."""
        with self._lock:
            if self._db is None:
                yield None
                return
            try:
                yield self._db
            except sqlite3.Error as error:
                self._close_locked()
                if type(error) is sqlite3.DatabaseError:  # damaged (not busy, not full)
                    self._start_fresh(error)
                    return
                log.warning(
                    "the translation memory %s failed while %s (%s); "
                    "going on without it for this run",
                    self.path,
                    what,
                    error,
                )

    # --- entries ---------------------------------------------------------------------

    def get_many(self, keys: Iterable[bytes]) -> dict[bytes, str]:
        """The stored outputs of those ``keys`` that are known; marks them recently used."""
        wanted = list(dict.fromkeys(keys))
        found: dict[bytes, str] = {}
        with self._using("reading") as db:
            if db is None or not wanted:
                return found
            for start in range(0, len(wanted), _LOOKUP_CHUNK):
                chunk = wanted[start : start + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(f"SELECT key, output FROM memory WHERE key IN ({marks})", chunk)
                found.update(rows.fetchall())
            if found:
                now = time.time()
                with _transaction(db):
                    db.executemany(
                        "UPDATE memory SET used = ? WHERE key = ?", [(now, k) for k in found]
                    )
        return found

    def put_many(self, entries: Mapping[bytes, str]) -> None:
        """Keep ``entries``; then evict the least recently used past the size bound."""
        with self._using("writing") as db:
            if db is None or not entries:
                return
            now = time.time()
            with _transaction(db):
                db.executemany(
                    "INSERT OR REPLACE INTO memory (key, output, used) VALUES (?, ?, ?)",
                    [(key, output, now) for key, output in entries.items()],
                )
            self._evict(db)

    def _evict(self, db: sqlite3.Connection) -> None:
        used = _used_bytes(db)
        if used <= self.max_bytes:
            return
        rows = db.execute("SELECT count(*) FROM memory").fetchone()[0]
        drop = max(1, int(rows * (1 - _EVICT_TO * self.max_bytes / used)))
        with _transaction(db):
            db.execute(
                "DELETE FROM memory WHERE key IN (SELECT key FROM memory ORDER BY used LIMIT ?)",
                (drop,),
            )
        db.execute("PRAGMA incremental_vacuum")
        log.debug("translation memory over %d bytes: evicted %d entries", self.max_bytes, drop)

    def folder_digest(self, folder: Path) -> str:
        """A content hash of every file in ``folder``, remembered by the files' sizes and
        times so that an unchanged model folder is hashed once."""
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        listing = "\n".join(
            f"{p.relative_to(folder)}\t{p.stat().st_size}\t{p.stat().st_mtime_ns}" for p in files
        )
        stamp = hashlib.sha256(f"{folder.resolve()}\n{listing}".encode()).hexdigest()
        row = None
        with self._using("reading") as db:
            row = (
                None
                if db is None
                else db.execute("SELECT digest FROM folders WHERE stamp = ?", (stamp,)).fetchone()
            )
        if row is not None:
            return str(row[0])
        content = hashlib.sha256()
        for path in files:
            content.update(f"{path.relative_to(folder)}\n".encode())
            with path.open("rb") as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    content.update(block)
        digest = content.hexdigest()
        with self._using("writing") as db:
            if db is not None:
                db.execute("INSERT OR REPLACE INTO folders VALUES (?, ?)", (stamp, digest))
        return digest

    # --- maintenance -----------------------------------------------------------------

    def stats(self) -> MemoryStats:
        entries = 0
        with self._using("counting") as db:
            if db is not None:
                entries = db.execute("SELECT count(*) FROM memory").fetchone()[0]
        size = sum(f.stat().st_size for f in _database_files(self.path) if f.exists())
        return MemoryStats(self.path, entries, size, self.max_bytes)

    def clear(self) -> int:
        """Forget every entry and shrink the file; returns how many entries there were."""
        with self._using("clearing") as db:
            if db is None:
                return 0
            count = int(db.execute("SELECT count(*) FROM memory").fetchone()[0])
            with _transaction(db):
                db.execute("DELETE FROM memory")
                db.execute("DELETE FROM folders")
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return count
        return 0

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")  # take the write lock now: no deadlock on upgrade
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _used_bytes(db: sqlite3.Connection) -> int:
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    return int((pages - free) * size)


def _database_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _private_folder(folder: Path, *, always: bool) -> None:
    """Create ``folder`` (0700, and its missing parents); an existing folder is made 0700
    only when it is translator's own (the default cache folder), never e.g. /tmp."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for created in missing:
        if created == folder or always:
            os.chmod(created, 0o700)
    if always:
        os.chmod(folder, 0o700)
