"""Faults that must never cost the translation memory's entries or the user's files
(issue 21, items 1-3): a lock held past the busy timeout, a full disk, a damaged file,
a path that holds something else, a symbolic link."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import FakeTranslator
from translator import Translator, memory_store
from translator.cli import app
from translator.errors import OptionError
from translator.memory_store import APPLICATION_ID, TranslationMemory

pytestmark = pytest.mark.faults

SAMPLE = Path(__file__).parent / "data" / "belousov-dprk.de.txt"
runner = CliRunner()
ENTRIES = {f"key {i}".encode(): f"output {i}" for i in range(45)}

# Another process takes the write lock (EXCLUSIVE: readers wait too; IMMEDIATE: they do
# not) and keeps it until the test closes its stdin.
_HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute(f"BEGIN {sys.argv[2]}")
print("locked", flush=True)
sys.stdin.read()
"""

# The same memory opened and written by a process whose files may not grow past a
# limit (RLIMIT_FSIZE): the kernel's own "file too large", as a full disk answers.
_LIMITED = """
import logging, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
logging.basicConfig(level=logging.WARNING)
from translator.memory_store import TranslationMemory
memory = TranslationMemory(sys.argv[1])
memory.put_many({f"new {i}".encode(): "x" * 2000 for i in range(200)})
print(len(memory.get_many([b"key 1"])))
memory.close()
"""


def _filled(path: Path) -> Path:
    memory = TranslationMemory(path)
    memory.put_many(ENTRIES)
    memory.close()
    return path


def _entries(path: Path) -> dict[bytes, str]:
    """Every entry in the file, read with plain SQLite (not the code under test)."""
    with closing(sqlite3.connect(path)) as db:
        return dict(db.execute("SELECT key, output FROM memory").fetchall())


@contextmanager
def _locked(path: Path, how: str = "EXCLUSIVE") -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), how],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        yield holder
    finally:
        assert holder.stdin is not None
        if not holder.stdin.closed:
            holder.stdin.close()
        holder.wait(timeout=60)


def _memory_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "translation memory" in r.getMessage()]


# --- 21.1: busy, full, damaged --------------------------------------------------------------


def test_a_lock_held_past_the_busy_timeout_at_open_keeps_every_entry(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _filled(tmp_path / "m.sqlite3")
    with _locked(path), caplog.at_level(logging.WARNING, logger="translator"):
        memory = TranslationMemory(path, busy_timeout_s=0.2)
        memory.put_many({b"new": "entry"})
        assert memory.get_many([b"new"]) == {}  # no memory for this run
        memory.close()
    [warning] = _memory_warnings(caplog)
    assert "locked" in warning and "left as it is" in warning
    assert _entries(path) == ENTRIES
    assert not list(tmp_path.glob("*corrupt*"))


def test_a_lock_taken_while_in_use_turns_the_memory_off_and_keeps_every_entry(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _filled(tmp_path / "m.sqlite3")
    memory = TranslationMemory(path, busy_timeout_s=0.2)
    with _locked(path), caplog.at_level(logging.WARNING, logger="translator"):
        memory.put_many({b"new": "entry"})
        memory.put_many({b"newer": "entry"})
    memory.close()
    [warning] = _memory_warnings(caplog)  # one warning, however many calls followed
    assert "locked" in warning
    assert _entries(path) == ENTRIES


def test_meta_the_entry_check_sees_a_lock_taken_for_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Breaking the classification on purpose (every error is damage, as before the fix):
    the entry check of the lock tests fails."""
    monkeypatch.setattr(memory_store, "_is_corruption", lambda error: True)
    path = _filled(tmp_path / "m.sqlite3")
    memory = TranslationMemory(path, busy_timeout_s=0.2)
    with _locked(path):
        memory.put_many({b"new": "entry"})
    memory.close()
    assert _entries(path) != ENTRIES


@pytest.mark.parametrize("limit", [0, 4096], ids=["at-open", "while-writing"])
def test_a_full_disk_keeps_every_entry(tmp_path: Path, limit: int) -> None:
    path = _filled(tmp_path / "m.sqlite3")
    before = path.read_bytes()
    run = subprocess.run(
        [sys.executable, "-c", _LIMITED, str(path), str(limit)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("translation memory") == 1, run.stderr
    assert "left as it is" in run.stderr and "moved" not in run.stderr
    assert path.read_bytes() == before
    assert _entries(path) == ENTRIES


def test_disk_full_reported_by_sqlite_at_open_keeps_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = _filled(tmp_path / "m.sqlite3")
    before = path.read_bytes()

    def full(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(memory_store.sqlite3, "connect", full)
    with caplog.at_level(logging.WARNING, logger="translator"):
        memory = TranslationMemory(path)
    assert not memory.usable
    assert "disk is full" in caplog.text and "translating without it" in caplog.text
    monkeypatch.undo()
    assert path.read_bytes() == before


def _damage_tables(path: Path) -> bytes:
    """Keep the first page (header, mark, schema), overwrite every other: the tables are
    damaged, the file is still recognisably ours."""
    with path.open("r+b") as file:
        file.seek(4096)
        file.write(b"\xff" * (path.stat().st_size - 4096))
    return path.read_bytes()


def _damage_header(path: Path) -> bytes:
    """An impossible page size in the header: SQLite says "file is not a database"."""
    with path.open("r+b") as file:
        file.seek(16)
        file.write(b"\x00\x03")
    return path.read_bytes()


@pytest.mark.parametrize("damage", [_damage_tables, _damage_header], ids=["malformed", "notadb"])
def test_a_damaged_memory_is_moved_aside_intact_and_a_fresh_one_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: object
) -> None:
    path = tmp_path / "m.sqlite3"
    memory = TranslationMemory(path)
    memory.put_many({f"k{i}".encode(): "v" * 50 for i in range(2000)})
    memory.close()
    assert callable(damage)
    damaged = damage(path)
    with caplog.at_level(logging.WARNING, logger="translator"):
        fresh = TranslationMemory(path)
    [aside] = tmp_path.glob("m.sqlite3.corrupt-*")
    assert aside.read_bytes() == damaged
    assert str(aside) in caplog.text
    fresh.put_many({b"k": "v"})
    assert fresh.get_many([b"k"]) == {b"k": "v"} and fresh.stats().entries == 1


def test_cli_a_locked_memory_translates_without_it_and_keeps_its_entries(
    tiny_marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = str(tmp_path / "m.sqlite3")
    args = ["translate", str(SAMPLE), "-m", str(tiny_marian_dir), "--cache", cache]
    assert runner.invoke(app, args).exit_code == 0
    counted = runner.invoke(app, ["cache", "stats", "--cache", cache])
    entries = [line for line in counted.stdout.splitlines() if line.startswith("entries:")]
    assert entries and entries != ["entries: 0"]
    monkeypatch.setattr(memory_store, "BUSY_TIMEOUT_S", 0.2)
    with _locked(Path(cache)):
        locked = runner.invoke(app, args)
    assert locked.exit_code == 0 and locked.stdout.strip()
    assert locked.stderr.count("translation memory") == 1, locked.stderr
    after = runner.invoke(app, ["cache", "stats", "--cache", cache])
    assert [line for line in after.stdout.splitlines() if line.startswith("entries:")] == entries


# --- several processes opening one memory at once ----------------------------------------------
# Two long runs on a loaded machine lost a writer's entries: it had opened the memory while
# another process was still creating it, got "database is locked" at once from SQLite's
# switch to WAL mode (or saw the mark without its version), and ran without the memory.


def _release_later(holder: subprocess.Popen[str], after_s: float) -> threading.Timer:
    assert holder.stdin is not None
    timer = threading.Timer(after_s, holder.stdin.close)
    timer.start()
    return timer


def test_opening_while_another_process_writes_a_new_memory_waits_and_keeps_every_entry(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The moment of the race made still: the memory as its creator leaves it before the
    switch to WAL mode (rollback journal), the creator holding the write lock. SQLite
    answers that switch with "database is locked" at once, whatever the busy timeout."""
    path = _filled(tmp_path / "new.sqlite3")
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        assert db.execute("PRAGMA journal_mode = DELETE").fetchone() == ("delete",)
    with (
        _locked(path, "IMMEDIATE") as creator,
        caplog.at_level(logging.WARNING, logger="translator"),
    ):
        timer = _release_later(creator, 0.5)
        memory = TranslationMemory(path, busy_timeout_s=30)
        timer.join()
    assert memory.usable and _memory_warnings(caplog) == []
    memory.put_many({b"new": "kept"})
    memory.close()
    assert _entries(path) == {**ENTRIES, b"new": "kept"}


def test_a_mark_without_its_version_is_completed_not_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The earlier release marked a new file in two steps; a process opening it between
    them (or after a kill there) found the mark without the version and ran without it."""
    path = tmp_path / "half-marked.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    with caplog.at_level(logging.WARNING, logger="translator"):
        memory = TranslationMemory(path)
    assert memory.usable and _memory_warnings(caplog) == []
    memory.put_many(ENTRIES)
    memory.close()
    assert _entries(path) == ENTRIES
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (memory_store.SCHEMA_VERSION,)


# Released together by a gate file, each process opens the same new memory and writes.
_RACER = """
import logging, os, sys
logging.basicConfig(level=logging.WARNING)
from translator.memory_store import TranslationMemory
path, gate, name = sys.argv[1:]
print("ready", flush=True)
while not os.path.exists(gate):
    pass
memory = TranslationMemory(path)
for start in (0, 10):
    memory.put_many({f"{name}{i}".encode(): name for i in range(start, start + 10)})
memory.close()
"""


def test_processes_opening_a_new_memory_at_once_keep_every_entry(tmp_path: Path) -> None:
    names = ["a", "b", "c"]
    for round_ in range(4):
        folder = tmp_path / f"round-{round_}"
        folder.mkdir()
        path, gate = folder / "memory.sqlite3", tmp_path / f"gate-{round_}"
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", _RACER, str(path), str(gate), name],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in names
        ]
        for racer in racers:  # all imported and waiting: they open within microseconds
            assert racer.stdout is not None and racer.stdout.readline() == "ready\n"
        gate.touch()
        errors = [racer.communicate(timeout=120)[1] for racer in racers]
        assert [racer.returncode for racer in racers] == [0, 0, 0], errors
        assert errors == ["", "", ""]  # no warning: no process ran without the memory
        expected = {f"{name}{i}".encode(): name for name in names for i in range(20)}
        assert _entries(path) == expected
        assert _siblings(path) == ["memory.sqlite3"]  # nothing moved aside


# --- 21.2: a path that holds something else ---------------------------------------------------


def _other_application_database(path: Path, application_id: int = 0) -> bytes:
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA application_id = {application_id}")
        db.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        db.execute("INSERT INTO contacts VALUES ('Anna', '0301234')")
        db.commit()
    return path.read_bytes()


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of its own (tmp_path also holds the isolated home)."""
    made = tmp_path / "files"
    made.mkdir()
    return made


def test_a_text_file_is_refused_and_left_byte_for_byte(folder: Path) -> None:
    notes = folder / "notes.txt"
    notes.write_bytes(b"notes\n")
    with pytest.raises(OptionError, match="not a translation memory"):
        TranslationMemory(notes)
    assert notes.read_bytes() == b"notes\n"
    assert _siblings(notes) == ["notes.txt"]


@pytest.mark.parametrize("application_id", [0, 0x12345678], ids=["unmarked", "marked"])
def test_another_applications_database_is_refused_and_left_byte_for_byte(
    folder: Path, application_id: int
) -> None:
    path = folder / "contacts.db"
    before = _other_application_database(path, application_id)
    with pytest.raises(OptionError, match="another application's database"):
        TranslationMemory(path)
    assert path.read_bytes() == before
    assert _siblings(path) == ["contacts.db"]  # not even a -wal or -shm beside it


def test_meta_the_byte_check_sees_a_database_that_was_adopted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Breaking the recognition on purpose: the check above would fail."""
    monkeypatch.setattr(memory_store, "_holds_only_memory_tables", lambda db: True)
    path = tmp_path / "contacts.db"
    before = _other_application_database(path)
    TranslationMemory(path).close()
    assert path.read_bytes() != before


def test_a_memory_from_before_the_mark_is_adopted_with_its_entries(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:  # the previous version's
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS memory ("
            " key BLOB PRIMARY KEY, output TEXT NOT NULL, used REAL NOT NULL) WITHOUT ROWID"
        )
        db.execute("CREATE INDEX IF NOT EXISTS memory_used ON memory (used)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS folders (stamp TEXT PRIMARY KEY, digest TEXT NOT NULL)"
        )
        db.executemany("INSERT INTO memory VALUES (?, ?, 0)", list(ENTRIES.items()))
    memory = TranslationMemory(path)
    assert memory.get_many(ENTRIES) == ENTRIES
    memory.close()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    assert path.read_bytes()[68:72] == APPLICATION_ID.to_bytes(4, "big")  # in the file itself


def test_a_schema_that_only_resembles_a_memory_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "almost.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE memory (key BLOB PRIMARY KEY, output TEXT, used REAL)")
        db.execute("CREATE TABLE sales (amount REAL)")
        db.commit()
    before = path.read_bytes()
    with pytest.raises(OptionError):
        TranslationMemory(path)
    assert path.read_bytes() == before


def test_cli_refuses_a_foreign_file_with_exit_2(folder: Path, tiny_marian_dir: Path) -> None:
    notes = folder / "notes.txt"
    notes.write_bytes(b"notes\n")
    contacts = folder / "contacts.db"
    before = _other_application_database(contacts)
    for target in (notes, contacts):
        for args in (
            ["translate", str(SAMPLE), "-m", str(tiny_marian_dir), "--cache", str(target)],
            ["cache", "stats", "--cache", str(target)],
            ["cache", "clear", "--cache", str(target)],
        ):
            result = runner.invoke(app, args)
            assert result.exit_code == 2, (args, result.stderr)
            assert f"{target} is not a translation memory" in result.stderr
    assert notes.read_bytes() == b"notes\n"
    assert contacts.read_bytes() == before
    assert _siblings(notes) == ["contacts.db", "notes.txt"]


def test_the_api_refuses_a_foreign_file(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"notes\n")
    with pytest.raises(OptionError):
        Translator.from_engines(FakeTranslator(), cache=notes)
    assert notes.read_bytes() == b"notes\n"


# --- 21.3: symbolic links ---------------------------------------------------------------------


@pytest.mark.parametrize("linked", ["m.sqlite3", "m.sqlite3-wal"])
def test_a_symlinked_memory_is_refused_and_its_target_keeps_its_mode(
    tmp_path: Path, linked: str
) -> None:
    target = _filled(tmp_path / "target.sqlite3")
    target.chmod(0o644)
    before = target.read_bytes()
    (tmp_path / linked).symlink_to(target)
    with pytest.raises(OptionError, match="symbolic link"):
        TranslationMemory(tmp_path / "m.sqlite3")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_bytes() == before
    result = runner.invoke(app, ["cache", "stats", "--cache", str(tmp_path / "m.sqlite3")])
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
