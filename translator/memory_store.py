"""The translation memory: what the model said for each input it was given, in SQLite.

It stores the model's English output for each model input (a sentence, masked where
quotations and terms are protected), under a SHA-256 key of the input and of everything
that changes the model's output for it (see ``engines.remembering``); the German input itself
is not stored, only its hash. The file sits in the user's cache folder (``~/.cache/translator``
on Linux) unless another path is given; folder and file are private to the user (0700 and
0600, whatever the umask), since sources can be confidential.

Several processes may share one memory (WAL mode, waits on a busy database). It is bounded:
past ``max_mb`` the least recently used entries go.

Nothing at the path is ever lost (README, "What is never lost"):
- The file is marked as a memory (SQLite's ``application_id`` and ``user_version``). A path
  that holds anything else -- a text file, a folder, another application's database -- is
  refused with OptionError and left as it is. An unmarked SQLite file is adopted (marked)
  only when it holds exactly this tool's tables (a memory from before the mark) or nothing.
- A symbolic link is refused: the file's permissions are set on the file itself, never on
  a link's target.
- Busy past the timeout, disk full, an I/O error: one warning, no memory for this run, the
  file untouched. Only a damaged file ("file is not a database", "database disk image is
  malformed") starts a fresh memory, and the old one is moved aside, to
  ``<name>.corrupt-<time>``, never deleted.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from translator import config
from translator.errors import OptionError

log = logging.getLogger(__name__)

DEFAULT_MAX_MB = 512
FILE_NAME = "memory.sqlite3"
BUSY_TIMEOUT_S = 30.0  # another process writing: wait rather than lose the entries
_LOOKUP_CHUNK = 500  # keys per SELECT (SQLite's variable limit is far above)
_EVICT_TO = 0.9  # eviction leaves this share of the bound used, so it does not run every call
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS memory ("
    " key BLOB PRIMARY KEY, output TEXT NOT NULL, used REAL NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS memory_used ON memory (used)",
)
# Memories made before the file was marked also cached model folders' digests.
_UNMARKED_SCHEMA = (
    *_SCHEMA,
    "CREATE TABLE IF NOT EXISTS folders (stamp TEXT PRIMARY KEY, digest TEXT NOT NULL)",
)
APPLICATION_ID = 0x54726D4D  # "TrmM" in SQLite's header: this file is a translation memory
SCHEMA_VERSION = 1  # SQLite's user_version in a marked memory
_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_BYTES = 100
# SQLite's primary result codes: busy (waited for), and those for a damaged file; busy,
# locked, full, I/O and read-only errors are not damage and never replace the file.
_SQLITE_BUSY = 5
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class _Kind(Enum):
    """What a memory path holds, as far as can be told without changing it."""

    NEW = "new"  # nothing, or an empty file
    OURS = "ours"  # an SQLite file with translator's application id
    UNMARKED = "unmarked"  # an SQLite file without an application id: checked further
    DAMAGED = "damaged"  # not a database, at translator's own default path


def disabled_by_environment() -> bool:
    """``TRANSLATOR_CACHE=off`` turns the memory off, whatever the options say."""
    return config.cache_disabled()


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
    memory failed: it then finds nothing and keeps nothing.

    Raises:
        OptionError: ``path`` is a symbolic link, or holds something that is not a
            translation memory (a text file, a folder, another application's database);
            nothing there is changed.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        max_mb: float = DEFAULT_MAX_MB,
        busy_timeout_s: float | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.busy_timeout_s = BUSY_TIMEOUT_S if busy_timeout_s is None else busy_timeout_s
        # The default file sits in translator's own folder: whatever is there is a memory.
        self._own_place = self.path == default_path()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._open()

    @property
    def usable(self) -> bool:
        return self._db is not None

    # --- opening ---------------------------------------------------------------------

    def _open(self) -> None:
        try:
            kind = self._identify()
        except OSError as error:  # e.g. no permission to read it: not ours to judge
            self._give_up(error)
            return
        if kind is _Kind.DAMAGED:
            self._start_fresh("it is not a database")
            return
        try:
            self._db = self._connect(kind)
            return
        except sqlite3.Error as error:
            problem: BaseException = error
        except OSError as error:
            problem = error
        if _is_corruption(problem) and (kind is _Kind.OURS or self._own_place):
            self._start_fresh(problem)
            return
        if _is_corruption(problem):
            raise self._not_a_memory("it cannot be read as a database")
        self._give_up(problem)

    def _identify(self) -> _Kind:
        """What is at the path, judged without changing anything there."""
        for file in _database_files(self.path):
            if file.is_symlink():
                raise OptionError(
                    f"The translation memory {file} is a symbolic link. Give the path of "
                    "the file itself (--cache), so that its permissions are set there."
                )
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return _Kind.NEW
        if not stat.S_ISREG(status.st_mode):
            raise self._not_a_memory("it is not a file")
        with self.path.open("rb") as stream:
            header = stream.read(_HEADER_BYTES)
        if not header:
            return _Kind.NEW  # created by a run killed before SQLite wrote: holds nothing
        if not header.startswith(_SQLITE_MAGIC):
            if self._own_place:
                return _Kind.DAMAGED
            raise self._not_a_memory("it is not a database")
        application_id = int.from_bytes(header[68:72], "big") if len(header) >= 72 else 0
        if application_id == APPLICATION_ID:
            return _Kind.OURS
        if application_id != 0:
            raise self._not_a_memory("it is another application's database")
        return _Kind.UNMARKED

    def _not_a_memory(self, why: str) -> OptionError:
        return OptionError(
            f"{self.path} is not a translation memory ({why}); it was left as it is. "
            "Give another path to --cache, or move the file away."
        )

    def _start_fresh(self, problem: object) -> None:
        """Move the damaged memory aside and open a new one (or do without one)."""
        try:
            self._set_aside(problem)
            self._db = self._connect(_Kind.NEW)
        except (sqlite3.Error, OSError) as error:
            self._give_up(error)

    def _set_aside(self, problem: object) -> None:
        """Move a damaged memory (and its log) aside, never delete it: ``<name>.corrupt-<time>``."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        number = 1
        while any(f.exists() for f in _database_files(aside)):
            number += 1
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{number}")
        for file, moved in zip(_database_files(self.path), _database_files(aside), strict=True):
            if file.exists():
                os.replace(file, moved)
        log.warning(
            "the translation memory %s is damaged (%s); it was moved to %s and a fresh one started",
            self.path,
            problem,
            aside,
        )

    def _give_up(self, problem: BaseException) -> None:
        log.warning(
            "the translation memory %s cannot be used (%s); translating without it for this "
            "run (the file is left as it is)",
            self.path,
            problem,
        )
        self._db = None

    def _connect(self, kind: _Kind) -> sqlite3.Connection:
        if kind is _Kind.UNMARKED and not _unmarked_is_ours(self.path):
            raise self._not_a_memory("it is another application's database")
        _private_folder(self.path.parent, always=self._own_place)
        # Created 0600 before SQLite sees it; SQLite gives the -wal and -shm files it
        # creates the database file's permissions, and ones left by an earlier run are made
        # 0600 here. Before connecting: closing a descriptor of a file drops every POSIX
        # lock this process holds on it, SQLite's included. O_NOFOLLOW: a link planted
        # after the check is refused, never followed.
        _make_private(self.path, create=True)
        for side_file in _database_files(self.path)[1:]:
            _make_private(side_file, create=False)
        db = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout_s,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            if kind is _Kind.NEW:
                # Before any table exists, and outside a transaction (inside one SQLite
                # ignores it); a no-op when another process made the tables meanwhile.
                db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            with _transaction(db):
                adopted = self._mark(db)
            self._use_write_ahead_log(db)
            db.execute("PRAGMA synchronous = NORMAL")  # a cache: a lost last entry is fine
            # The write-ahead log counts against the bound too: checkpointed and cut back
            # at a quarter of it (SQLite's default lets it grow to 4 MB and stay there).
            log_bytes = max(self.max_bytes // 4, 64 * 1024)
            db.execute(f"PRAGMA journal_size_limit = {log_bytes}")
            db.execute(f"PRAGMA wal_autocheckpoint = {max(log_bytes // 4096, 16)}")
            if adopted:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the mark into the file now
                log.info("marked %s as a translation memory", self.path)
            db.execute("SELECT count(*) FROM memory WHERE key = x'00'").fetchone()
        except BaseException:  # OptionError too: nothing left open on a refused file
            db.close()
            raise
        return db

    def _mark(self, db: sqlite3.Connection) -> bool:
        """Mark the file and create the tables, inside the write transaction: what another
        process starting at the same moment did is seen here, never half done (its mark
        and tables arrive together). Judged again under the lock, not from the header
        read before it. Returns whether an unmarked memory was adopted."""
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        adopted = False
        if application_id == APPLICATION_ID:
            # Version 0: marked by an earlier release in two steps and stopped between them.
            if version not in (0, SCHEMA_VERSION):
                raise sqlite3.OperationalError(
                    f"it was made by another version of translator (schema {version})"
                )
        elif application_id != 0 or not _holds_only_memory_tables(db):
            raise self._not_a_memory("it is another application's database")
        else:
            adopted = bool(_schema_rows(db))  # empty: a fresh file, nothing to adopt
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute("DROP TABLE IF EXISTS folders")  # the old model-digest cache
        if version != SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        for statement in _SCHEMA:
            db.execute(statement)
        return adopted

    def _use_write_ahead_log(self, db: sqlite3.Connection) -> None:
        """Switch to WAL mode (a no-op once the file is in it). SQLite answers "database is
        locked" at once, without waiting out the busy timeout, when another connection
        holds the write lock while this one switches -- as when several processes open
        a new memory together: retried until the timeout, never taken as a reason to run
        without the memory."""
        deadline = time.monotonic() + self.busy_timeout_s
        while True:
            try:
                db.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as error:
                busy = getattr(error, "sqlite_errorcode", 0) & 0xFF == _SQLITE_BUSY
                if not busy or time.monotonic() >= deadline:
                    raise
            time.sleep(0.01)

    @contextmanager
    def _using(self, what: str) -> Iterator[sqlite3.Connection | None]:
        """The connection, or None when the memory is off. A damaged file found in use is
        moved aside for a fresh one; any other failure (busy too long, disk full, an I/O
        error) turns the memory off for the rest of the run and leaves the file alone."""
        with self._lock:
            if self._db is None:
                yield None
                return
            try:
                yield self._db
            except sqlite3.Error as error:
                self._close_locked()
                if _is_corruption(error):  # damaged, not busy, full or failing
                    self._start_fresh(error)
                    return
                log.warning(
                    "the translation memory %s failed while %s (%s); going on without it "
                    "for this run (the file is left as it is)",
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


def _is_corruption(error: BaseException) -> bool:
    """Whether SQLite says the file is damaged ("file is not a database", "database disk
    image is malformed"), as opposed to busy, locked, full or failing to read or write."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _unmarked_is_ours(path: Path) -> bool:
    """Whether an SQLite file without translator's mark is still a memory: one made before
    files were marked (exactly this tool's tables), or an empty database (nothing in it to
    lose). Read only, and with SQLite's locks, so that a process writing the file at this
    moment (creating or marking it) is waited for, never read half way; only a file in WAL
    mode without its log is opened immutable, so SQLite creates no -wal or -shm file
    beside another application's database (and none is writing it: it would have a log)."""
    with path.open("rb") as stream:
        header = stream.read(_HEADER_BYTES)
    in_wal_mode = header[18:20] == b"\x02\x02"  # SQLite's file format versions
    has_log = _database_files(path)[1].exists()
    mode = "immutable=1" if in_wal_mode and not has_log else "mode=ro"
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)) as db:
        if db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
            return True  # marked in the log, not yet in the file
        return _holds_only_memory_tables(db)


def _holds_only_memory_tables(db: sqlite3.Connection) -> bool:
    """Whether the database holds nothing, or exactly this tool's tables (with or without
    the unmarked memories' extra one)."""
    found = _schema_rows(db)
    return not found or found in (_schema_objects(_SCHEMA), _schema_objects(_UNMARKED_SCHEMA))


def _schema_rows(db: sqlite3.Connection) -> set[tuple[str, str, str | None]]:
    return set(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall())


def _schema_objects(schema: Iterable[str]) -> set[tuple[str, str, str | None]]:
    """The rows ``schema`` leaves in sqlite_master, as SQLite itself writes them."""
    with closing(sqlite3.connect(":memory:")) as db:
        for statement in schema:
            db.execute(statement)
        return _schema_rows(db)


def _make_private(path: Path, *, create: bool) -> None:
    """Make ``path`` 0600 (creating it when ``create``) through a descriptor opened without
    following links, so that a link's target never has its permissions changed. A file
    already 0600 is not opened at all: closing a descriptor drops every POSIX lock this
    process holds on the file, those of another SQLite connection to it included."""
    try:
        if stat.S_IMODE(path.lstat().st_mode) == 0o600:
            return
    except FileNotFoundError:
        if not create:
            return
    # Windows has no O_NOFOLLOW (nor POSIX modes to keep private); links were refused before.
    no_follow = getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, os.O_RDWR | no_follow | (os.O_CREAT if create else 0), 0o600)
    except FileNotFoundError:
        if create:
            raise
        return  # removed meanwhile by the last connection to close
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o600)
        else:  # pragma: no cover - Windows
            os.chmod(path, 0o600)
    finally:
        os.close(descriptor)
