"""The translation memory: keys, sharing between processes, damage, bounds, privacy, the CLI."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import FakeTranslator, FolderModelTranslator
from translator import Translator
from translator.cli import app
from translator.engines.base import engine_name
from translator.engines.remembering import MemoryEngine
from translator.errors import OptionError
from translator.glossary import parse_glossary
from translator.memory_store import TranslationMemory, default_path
from translator.options import Options
from translator.pipeline import translate_document
from translator.schema import ModelInfo, QuoteMode

SAMPLE = Path(__file__).parent / "data" / "belousov-dprk.de.txt"
SOURCE = SAMPLE.read_text(encoding="utf-8")
runner = CliRunner()


class OtherModel(FakeTranslator):
    @property
    def info(self) -> ModelInfo:
        return ModelInfo(id="OtherModel", revision="fake")


class OtherRevision(FakeTranslator):
    @property
    def info(self) -> ModelInfo:
        return ModelInfo(id="FakeTranslator", revision="other")


class FakeOnGpu(FakeTranslator):
    device = "cuda"


def _memory(tmp_path: Path, **kwargs: float) -> TranslationMemory:
    return TranslationMemory(tmp_path / "memory.sqlite3", **kwargs)


# --- hits and keys ------------------------------------------------------------------------


def test_a_second_run_is_answered_from_memory_with_identical_output(tmp_path: Path) -> None:
    memory = _memory(tmp_path)
    first_engine = FakeTranslator()
    first = MemoryEngine(first_engine, memory, beams=None)
    cold = translate_document(SOURCE, first, Options())
    sent = len(first_engine.seen)
    assert sent > 0 and first.stats.hits == 0 and first.stats.misses == sent

    second_engine = FakeTranslator()
    second = MemoryEngine(second_engine, memory, beams=None)
    warm = translate_document(SOURCE, second, Options())
    assert second_engine.seen == []
    assert (second.stats.hits, second.stats.misses) == (sent, 0)
    assert warm.translation == cold.translation
    assert warm.quotes == cold.quotes


@pytest.mark.parametrize(
    ("engine_class", "beams", "strict"),
    [
        (OtherModel, None, False),
        (OtherRevision, None, False),
        (FakeOnGpu, None, False),
        (FakeTranslator, 1, False),
        (FakeTranslator, None, True),
    ],
    ids=["model", "revision", "device", "beams", "strict"],
)
def test_changing_any_one_setting_misses(
    tmp_path: Path, engine_class: type[FakeTranslator], beams: int | None, strict: bool
) -> None:
    engine = engine_class()  # a fresh fake per run: what it saw is this run's alone
    memory = _memory(tmp_path)
    MemoryEngine(FakeTranslator(), memory, beams=None).translate(["Der Hund schläft."])
    changed = MemoryEngine(engine, memory, beams=beams)
    changed.translate(["Der Hund schläft."], strict=strict)
    assert engine.seen == ["Der Hund schläft."]
    assert (changed.stats.hits, changed.stats.misses) == (0, 1)


def test_the_engine_class_is_part_of_the_key(tmp_path: Path) -> None:
    class AnotherEngine(FakeTranslator):
        @property
        def info(self) -> ModelInfo:
            return ModelInfo(id="FakeTranslator", revision="fake")  # same model

    memory = _memory(tmp_path)
    same = MemoryEngine(FakeTranslator(), memory, beams=None)
    other = MemoryEngine(AnotherEngine(), memory, beams=None)
    assert same.key("x", strict=False) != other.key("x", strict=False)
    assert same.key("x", strict=False) == MemoryEngine(FakeTranslator(), memory, beams=None).key(
        "x", strict=False
    )
    assert same.key("x", strict=False) != same.key("y", strict=False)


def test_a_model_folder_without_revision_is_keyed_by_its_content(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"a" * 100)

    memory = _memory(tmp_path)
    before = MemoryEngine(FolderModelTranslator(folder), memory, beams=None).key("x", strict=False)
    assert (
        MemoryEngine(FolderModelTranslator(folder), memory, beams=None).key("x", strict=False)
        == before
    )
    (folder / "model.safetensors").write_bytes(b"b" * 100)  # same size, new content
    assert (
        MemoryEngine(FolderModelTranslator(folder), memory, beams=None).key("x", strict=False)
        != before
    )


@pytest.mark.parametrize("mode", [QuoteMode.TRANSLATE, QuoteMode.BOTH])
def test_settings_around_the_model_reuse_the_memory_and_match_an_uncached_run(
    tmp_path: Path, mode: QuoteMode
) -> None:
    """Quotation mode, marks and glossary change which inputs the model gets, not what it
    makes of an input: a warm memory gives exactly what a run without it gives."""
    memory = _memory(tmp_path)
    glossary = parse_glossary("DVRK\tDPRK\n")
    translate_document(SOURCE, MemoryEngine(FakeTranslator(), memory, beams=None), Options())
    options = Options(quotes=mode, glossary=glossary)
    warm_engine = MemoryEngine(FakeTranslator(), memory, beams=None)
    warm = translate_document(SOURCE, warm_engine, options)
    uncached = translate_document(SOURCE, FakeTranslator(), options)
    assert warm.translation == uncached.translation
    assert warm_engine.stats.hits > 0 and warm_engine.stats.misses > 0


# --- sharing, damage, bounds, privacy -----------------------------------------------------

# The writer's warnings reach its stderr (the package's own handler is a NullHandler): a
# memory turned off for the run, its entries lost, would otherwise pass unseen.
_WRITER = """
import logging, sys
logging.basicConfig(level=logging.WARNING)
from translator.memory_store import TranslationMemory
memory = TranslationMemory(sys.argv[1])
name = sys.argv[2]
for start in range(0, 300, 10):
    memory.put_many({f"{name}{i}".encode(): f"out {name}{i}" for i in range(start, start + 10)})
    memory.get_many([f"{name}{start}".encode()])
memory.close()
"""


def test_two_processes_write_one_memory_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), name],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    errors = [writer.communicate(timeout=120)[1] for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], errors
    assert errors == ["", ""]  # no "failed" warning: nothing was lost
    memory = TranslationMemory(path)
    keys = [f"{name}{i}".encode() for name in "ab" for i in range(300)]
    found = memory.get_many(keys)
    assert len(found) == 600
    assert found[b"b299"] == "out b299"


def test_garbage_at_the_default_path_is_moved_aside_for_a_fresh_memory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """translator's own file in its own folder: whatever is there was a memory."""
    path = default_path()
    path.parent.mkdir(parents=True)
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with caplog.at_level(logging.WARNING, logger="translator"):
        memory = TranslationMemory()
    assert "moved to" in caplog.text and "fresh" in caplog.text
    [aside] = path.parent.glob("memory.sqlite3.corrupt-*")
    assert aside.read_bytes() == garbage
    memory.put_many({b"k": "v"})
    assert memory.get_many([b"k"]) == {b"k": "v"}


def test_damage_found_in_use_is_a_warning_and_a_fresh_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "memory.sqlite3"
    memory = TranslationMemory(path)
    keys = [f"key {i}".encode() for i in range(3000)]
    memory.put_many({key: "output " * 20 for key in keys})
    memory.close()
    size = path.stat().st_size
    with path.open("r+b") as file:  # the header stays intact: the damage is in the pages
        file.seek(size // 2)
        file.write(b"\xff" * 16384)
    with caplog.at_level(logging.WARNING, logger="translator"):
        damaged = TranslationMemory(path)
        damaged.get_many(keys)
        damaged.put_many({b"k": "v"})
    assert "fresh" in caplog.text
    assert damaged.get_many([b"k"]) == {b"k": "v"}
    assert list(tmp_path.glob("memory.sqlite3.corrupt-*"))  # moved aside, not deleted


def test_a_folder_as_the_memory_path_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(OptionError, match="not a translation memory"):
        Translator.from_engines(FakeTranslator(), cache=folder)
    assert list(folder.iterdir()) == []


def test_past_its_bound_the_least_recently_used_entries_go(tmp_path: Path) -> None:
    memory = _memory(tmp_path, max_mb=0.25)
    value = "x" * 400
    memory.put_many({b"first": value})
    for batch in range(40):
        memory.put_many({f"{batch}-{i}".encode(): value for i in range(50)})
        memory.get_many([b"first"])  # kept in use: never the least recently used
    stats = memory.stats()
    assert stats.entries < 2001  # some went
    # Eviction runs after each write, so the file may hold one batch more until the next
    # checkpoint; the write-ahead log is cut back at a quarter of the bound.
    assert memory.path.stat().st_size <= 1.25 * memory.max_bytes
    assert stats.size_bytes <= 1.5 * memory.max_bytes
    assert memory.get_many([b"first", b"39-49"]) == {b"first": value, b"39-49": value}
    assert memory.get_many([b"0-0"]) == {}  # the oldest unused entry went first


def test_folder_and_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    existing_mode = stat.S_IMODE(tmp_path.stat().st_mode)
    old = os.umask(0)
    try:
        memory = TranslationMemory()  # the default place, in the isolated cache folder
        memory.put_many({b"k": "v"})
        files = list(default_path().parent.iterdir())
        assert default_path() in files
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
        assert stat.S_IMODE(default_path().parent.stat().st_mode) == 0o700
        elsewhere = TranslationMemory(tmp_path / "new" / "m.sqlite3")
        assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / "new" / "m.sqlite3").stat().st_mode) == 0o600
        assert stat.S_IMODE(tmp_path.stat().st_mode) == existing_mode  # not ours: untouched
        memory.close()
        elsewhere.close()
    finally:
        os.umask(old)


def test_clear_forgets_everything(tmp_path: Path) -> None:
    memory = _memory(tmp_path)
    memory.put_many({b"a": "1", b"b": "2"})
    assert memory.clear() == 2
    assert memory.get_many([b"a", b"b"]) == {}
    assert memory.stats().entries == 0


# --- the API and the CLI ------------------------------------------------------------------


def test_the_api_has_no_memory_unless_asked(tmp_path: Path) -> None:
    assert Translator.from_engines(FakeTranslator()).memory is None
    asked = Translator.from_engines(FakeTranslator(), cache=tmp_path / "m.sqlite3")
    assert asked.memory is not None
    assert Translator.from_engines(FakeTranslator(), cache=True).memory is not None
    first = asked.translate(SOURCE)
    again = asked.translate(SOURCE)
    assert first.cache is not None and again.cache is not None
    assert (again.cache.hits, again.cache.misses) == (first.cache.misses, 0)


def test_translator_cache_off_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSLATOR_CACHE", "off")
    assert Translator.from_engines(FakeTranslator(), cache=tmp_path / "m.sqlite3").memory is None
    assert not (tmp_path / "m.sqlite3").exists()


def _json_run(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["translate", str(SAMPLE), "-f", "json", *args])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_cli_done_when_second_run_hits_everything_the_model_saw(
    tiny_marian_dir: Path, tmp_path: Path
) -> None:
    cache = str(tmp_path / "m.sqlite3")
    first = _json_run("-m", str(tiny_marian_dir), "--cache", cache)
    second = _json_run("-m", str(tiny_marian_dir), "--cache", cache)
    assert first["cache"] == {"hits": 0, "misses": first["cache"]["misses"]}  # type: ignore[index]
    assert first["cache"]["misses"] > 0  # type: ignore[index]
    assert second["cache"] == {"hits": first["cache"]["misses"], "misses": 0}  # type: ignore[index]
    assert second["translation"] == first["translation"]

    # The API with the same settings shares the CLI's memory.
    api = Translator(str(tiny_marian_dir), cache=cache).translate(SOURCE)
    assert api.cache is not None and (api.cache.hits, api.cache.misses) == (
        first["cache"]["misses"],  # type: ignore[index]
        0,
    )
    assert api.translation == first["translation"]


def test_cli_memory_is_on_by_default_and_off_when_asked(
    tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not default_path().exists()
    on = _json_run("-m", str(tiny_marian_dir))
    assert default_path().is_file() and on["cache"] is not None
    assert _json_run("-m", str(tiny_marian_dir), "--no-cache")["cache"] is None
    monkeypatch.setenv("TRANSLATOR_CACHE", "off")
    assert _json_run("-m", str(tiny_marian_dir))["cache"] is None


def test_cli_damaged_memory_warns_and_translates(tiny_marian_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "m.sqlite3"
    memory = TranslationMemory(cache)
    memory.put_many({f"key {i}".encode(): "output " * 20 for i in range(3000)})
    memory.close()
    with cache.open("r+b") as file:  # the first page stays: a memory whose tables are damaged
        file.seek(4096)
        file.write(b"\xff" * (cache.stat().st_size - 4096))
    damaged = cache.read_bytes()
    result = runner.invoke(
        app, ["translate", str(SAMPLE), "-m", str(tiny_marian_dir), "--cache", str(cache)]
    )
    assert result.exit_code == 0
    assert "fresh one" in result.stderr
    assert result.stdout.strip()
    [aside] = tmp_path.glob("m.sqlite3.corrupt-*")
    assert aside.read_bytes() == damaged


def test_cli_verbose_says_how_much_came_from_memory(tiny_marian_dir: Path, tmp_path: Path) -> None:
    cache = str(tmp_path / "m.sqlite3")
    args = ["translate", str(SAMPLE), "-m", str(tiny_marian_dir), "--cache", cache, "-v"]
    runner.invoke(app, args)
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "came from the translation memory" in result.stderr
    assert " 0 of " not in result.stderr


def test_cache_stats_and_clear_commands(tmp_path: Path) -> None:
    cache = tmp_path / "m.sqlite3"
    TranslationMemory(cache).put_many({b"a": "1", b"b": "2"})
    stats = runner.invoke(app, ["cache", "stats", "--cache", str(cache)])
    assert stats.exit_code == 0
    assert "entries: 2" in stats.stdout and str(cache) in stats.stdout
    cleared = runner.invoke(app, ["cache", "clear", "--cache", str(cache)])
    assert cleared.exit_code == 0 and "Removed 2 entries" in cleared.stderr
    assert "entries: 0" in runner.invoke(app, ["cache", "stats", "--cache", str(cache)]).stdout


def test_batch_fingerprint_ignores_the_memory(tiny_marian_dir: Path, tmp_path: Path) -> None:
    """A rerun without the memory skips the files a run with it translated."""
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text("Der Hund schläft.\n", encoding="utf-8")
    out = str(tmp_path / "out")
    base = ["batch", str(source), "-o", out, "-m", str(tiny_marian_dir)]
    assert runner.invoke(app, [*base, "--cache", str(tmp_path / "m.db")]).exit_code == 0
    again = runner.invoke(app, [*base, "--no-cache"])
    assert again.exit_code == 0
    assert "1 skipped" in again.stderr


def test_the_memory_names_the_engine_that_runs_the_model(tmp_path: Path) -> None:
    """Fingerprints and the page's footer name the engine inside the memory."""
    fake = FakeTranslator()
    remembering = MemoryEngine(fake, _memory(tmp_path), beams=None)
    assert engine_name(remembering) == "FakeTranslator" == engine_name(fake)
    assert remembering.engine_name == "FakeTranslator"
