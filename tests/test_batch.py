"""`translator batch`: layout, manifest, resume after kill -9 and Ctrl-C, failure isolation."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PurePosixPath

import markupsafe
import pytest
from typer.testing import CliRunner

from tests.batch_helpers import (
    article,
    done_records,
    manifest_runs,
    outputs,
    run_batch,
    wait_for_done_records,
)
from tests.fakes import FakeTranslator, FirstSentenceSummarizer
from translator import batch, engines, manifest
from translator.batch import (
    BatchProgress,
    BatchSettings,
    FileStatus,
    check_folders,
    find_inputs,
    output_names,
    read_manifest,
)
from translator.cli import app
from translator.engines import common as engine_common
from translator.errors import InputError, OutputError
from translator.options import Options
from translator.pipeline import translate_document
from translator.render import OutputFormat, render
from translator.schema import ModelInfo, QuoteMode

runner = CliRunner()
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def one_torch_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tiny models run an op in microseconds; two torch threads on a busy 2-core machine
    spin-wait for each other and make them 20 times slower. One thread, then restored."""
    import torch

    threads = torch.get_num_threads()
    monkeypatch.setattr(engine_common, "usable_cpus", lambda: 1)
    yield
    torch.set_num_threads(threads)


def _make_folder(root: Path, count: int) -> Path:
    source = root / "in"
    for number in range(count):
        target = source / f"part{number % 3}" / f"doc{number:03d}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(article(number), encoding="utf-8")
    return source


def _pin_to_one_cpu() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _start_batch(args: Sequence[str]) -> subprocess.Popen[str]:
    """A real `python -m translator batch` on one CPU (see one_torch_thread)."""
    return subprocess.Popen(
        [sys.executable, "-m", "translator", "batch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
        preexec_fn=_pin_to_one_cpu if hasattr(os, "sched_setaffinity") else None,
    )


@pytest.fixture(scope="module")
def reference_run(
    tmp_path_factory: pytest.TempPathFactory, tiny_marian_dir: Path
) -> tuple[Path, dict[str, bytes]]:
    """200 files translated by one uninterrupted run: the outputs every resumed run must give."""
    import torch

    threads = torch.get_num_threads()
    root = tmp_path_factory.mktemp("reference")
    source = _make_folder(root, 200)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_common, "usable_cpus", lambda: 1)
        translator = engines.load_translator(str(tiny_marian_dir), device="cpu", offline=True)
        report = run_batch(BatchSettings(source, root / "out"), translator)
    torch.set_num_threads(threads)
    assert (report.done, report.failed) == (200, 0)
    return source, outputs(root / "out")


# --- a real process killed, then resumed --------------------------------------------------


@pytest.mark.slow
def test_kill_9_mid_run_then_rerun_finishes_without_redoing_anything(
    tmp_path: Path, tiny_marian_dir: Path, reference_run: tuple[Path, dict[str, bytes]]
) -> None:
    source, expected = reference_run
    output = tmp_path / "out"
    args = [str(source), "-o", str(output), "-m", str(tiny_marian_dir), "--offline"]

    process = _start_batch(args)
    wait_for_done_records(process, output, at_least=30)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = done_records(output)
    assert 30 <= len(finished) < 200, "the kill must land in the middle of the run"
    # Whatever is visible after the kill is complete: no partial output under a real name.
    for name, content in outputs(output).items():
        assert content == expected[name], name
    stamps = {name: (output / name).stat().st_mtime_ns for name in outputs(output)}

    process = _start_batch(args)
    _, stderr = process.communicate(timeout=180)
    assert process.returncode == 0, stderr
    assert outputs(output) == expected
    assert not list(output.rglob("*.tmp"))
    after = done_records(output)
    assert len(after) == 200
    # No finished file redone: same run, same time, and its outputs untouched.
    assert {name: after[name] for name in finished} == finished
    for name in finished:
        written = output / name.replace(".txt", ".en.txt")
        assert written.stat().st_mtime_ns == stamps[written.relative_to(output).as_posix()]
    runs = manifest_runs(output)
    assert [status for _, status, _ in runs] == ["crashed", "complete"]
    assert runs[1][2] == len(finished)  # the rerun skipped exactly those
    assert f"{len(finished)} skipped" in stderr


@pytest.mark.slow
def test_ctrl_c_finishes_the_batch_exits_130_and_says_how_to_resume(
    tmp_path: Path, tiny_marian_dir: Path, reference_run: tuple[Path, dict[str, bytes]]
) -> None:
    source, expected = reference_run
    output = tmp_path / "out"
    process = _start_batch([str(source), "-o", str(output), "-m", str(tiny_marian_dir)])
    wait_for_done_records(process, output, at_least=1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 130, stderr
    assert "Resume with the same command" in stderr and str(source) in stderr
    assert "Traceback" not in stderr
    finished = done_records(output)
    assert 0 < len(finished) < 200
    assert set(outputs(output)) == {name.replace(".txt", ".en.txt") for name in finished}
    assert all(expected[name] == content for name, content in outputs(output).items())
    assert [status for _, status, _ in manifest_runs(output)] == ["interrupted"]

    # Resuming in-process finishes the job with the same outputs.
    translator = engines.load_translator(str(tiny_marian_dir), device="cpu", offline=True)
    report = run_batch(BatchSettings(source, output), translator)
    assert (report.skipped, report.done) == (len(finished), 200 - len(finished))
    assert outputs(output) == expected


# --- failure isolation ----------------------------------------------------------------------


def test_bad_files_are_recorded_and_the_good_ones_translated(
    tmp_path: Path, tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "good.txt").write_text(article(1), encoding="utf-8")
    (source / "also-good.md").write_text(article(2), encoding="utf-8")
    (source / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (source / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (source / "latin.txt").write_bytes("Die Straße ist länger geworden.\n".encode("cp1252"))
    unreadable = source / "locked.txt"
    unreadable.write_text(article(3), encoding="utf-8")
    if os.geteuid() != 0:
        unreadable.chmod(0)
    else:  # root reads anything: make reading that one file fail the way chmod 000 would
        read = batch.run.read_input_bytes

        def refuse(path: Path) -> bytes:
            if path.name == "locked.txt":
                raise PermissionError(13, "Permission denied", str(path))
            return read(path)

        monkeypatch.setattr(batch.run, "read_input_bytes", refuse)
    output = tmp_path / "out"

    result = runner.invoke(
        app, ["batch", str(source), "-o", str(output), "-m", str(tiny_marian_dir)]
    )
    unreadable.chmod(0o644)

    assert result.exit_code == 1, result.stderr
    assert set(outputs(output)) == {"good.en.txt", "also-good.en.md", "latin.en.txt"}
    records = {record.path: record for record in read_manifest(output)}
    assert records["good.txt"].status is FileStatus.DONE
    assert records["latin.txt"].status is FileStatus.DONE
    assert records["empty.txt"].status is FileStatus.EMPTY
    assert records["binary.txt"].status is FileStatus.FAILED
    assert "not a text file" in records["binary.txt"].error
    assert records["locked.txt"].status is FileStatus.FAILED
    assert "permission denied" in records["locked.txt"].error
    # The failure table and the summary line, on stderr.
    assert "Files not translated" in result.stderr
    assert "binary.txt" in result.stderr and "locked.txt" in result.stderr
    assert "3 translated, 0 skipped, 2 failed, 1 empty of 6 file(s)" in result.stderr
    assert result.stdout == ""


class _FailingOn(FakeTranslator):
    """Fails any engine call that contains ``poison``, like a model hitting a bad input."""

    def __init__(self, poison: str) -> None:
        super().__init__()
        self.poison = poison

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        if any(self.poison in text for text in texts):
            raise RuntimeError("the engine broke on this input")
        return super().translate(texts, strict=strict)


def test_an_engine_failure_is_isolated_to_its_file(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    for number in range(12):
        (source / f"d{number:02d}.txt").write_text(f"Der Mann {number} sagte das.\n")
    (source / "d05.txt").write_text("Das ist giftig: Gift.\n")

    report = run_batch(BatchSettings(source, tmp_path / "out"), _FailingOn("Gift"))

    assert (report.done, report.failed) == (11, 1)
    assert [(p.path, p.status) for p in report.problems] == [("d05.txt", FileStatus.FAILED)]
    assert "RuntimeError: the engine broke" in report.problems[0].error
    clean = run_batch(BatchSettings(source, tmp_path / "clean"), FakeTranslator())
    broken_outputs = outputs(tmp_path / "out")
    assert broken_outputs == {
        name: text for name, text in outputs(tmp_path / "clean").items() if name != "d05.en.txt"
    }
    assert clean.done == 12


# --- skip, force, fingerprint ------------------------------------------------------------


def test_a_rerun_skips_done_files_and_force_redoes_them(tmp_path: Path) -> None:
    source = _make_folder(tmp_path, 5)
    output = tmp_path / "out"
    settings = BatchSettings(source, output)
    first = run_batch(settings, FakeTranslator())
    assert (first.done, first.skipped) == (5, 0)
    # A temporary file a killed run left behind is cleaned up; a user's file is not.
    stale = output / "part0" / ".doc000.en.txt.a1b2c3d4.tmp"
    stale.write_text("half")
    mine = output / "part0" / ".notes.tmp"
    mine.write_text("keep")

    engine = FakeTranslator()
    second = run_batch(settings, engine)
    assert (second.done, second.skipped) == (0, 5)
    assert engine.calls == []  # nothing reached the model
    assert not stale.exists() and mine.exists()

    (source / "part1" / "doc001.txt").write_text(article(99), encoding="utf-8")  # changed
    (output / "part2" / "doc002.en.txt").unlink()  # output lost
    third = run_batch(settings, FakeTranslator())
    assert (third.done, third.skipped) == (2, 3)

    forced = run_batch(BatchSettings(source, output, force=True), FakeTranslator())
    assert (forced.done, forced.skipped) == (5, 0)


def test_other_options_or_model_redo_the_files(tmp_path: Path) -> None:
    source = _make_folder(tmp_path, 3)
    settings = BatchSettings(source, tmp_path / "out")
    run_batch(settings, FakeTranslator())
    again = run_batch(settings, FakeTranslator(), Options(quotes=QuoteMode.TRANSLATE))
    assert again.done == 3

    class OtherModel(FakeTranslator):
        @property
        def info(self) -> ModelInfo:
            return ModelInfo(id="other", revision="2")

    assert run_batch(settings, OtherModel(), Options(quotes=QuoteMode.TRANSLATE)).done == 3
    # The summary length does not matter when no summary is made.
    same = run_batch(
        settings, OtherModel(), Options(quotes=QuoteMode.TRANSLATE, summary_length="short")
    )
    assert (same.done, same.skipped) == (0, 3)

    class OtherEngine(OtherModel):  # same model, another engine (int8 vs float32)
        pass

    assert run_batch(settings, OtherEngine(), Options(quotes=QuoteMode.TRANSLATE)).done == 3


def test_cli_skip_and_force(tmp_path: Path, tiny_marian_dir: Path) -> None:
    source = _make_folder(tmp_path, 3)
    args = ["batch", str(source), "-o", str(tmp_path / "out"), "-m", str(tiny_marian_dir)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    assert "3 translated, 0 skipped" in first.stderr
    second = runner.invoke(app, args)
    assert "0 translated, 3 skipped" in second.stderr
    forced = runner.invoke(app, [*args, "--force", "--quiet"])
    assert forced.exit_code == 0 and forced.stderr == ""
    assert {r.run_id for r in read_manifest(tmp_path / "out")} == {3}


# --- layout, formats, summaries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "output_format", "summarize", "expected"),
    [
        ("a/b.txt", OutputFormat.TEXT, False, ["a/b.en.txt"]),
        ("a/b.txt", OutputFormat.TEXT, True, ["a/b.en.txt", "a/b.summary.en.txt"]),
        ("b.md", OutputFormat.TEXT, True, ["b.en.md", "b.summary.en.md"]),
        ("a/b.txt", OutputFormat.MARKDOWN, True, ["a/b.en.md"]),
        ("a/b.txt", OutputFormat.JSON, True, ["a/b.en.json"]),
        ("news/belousov.de.txt", OutputFormat.TEXT, False, ["news/belousov.en.txt"]),
        ("README", OutputFormat.TEXT, False, ["README.en.txt"]),
    ],
)
def test_output_names_mirror_the_input_tree(
    source: str, output_format: OutputFormat, summarize: bool, expected: list[str]
) -> None:
    names = output_names(PurePosixPath(source), output_format, summarize)
    assert [str(name) for name in names] == expected


@pytest.mark.parametrize("output_format", list(OutputFormat))
def test_summaries_and_formats(tmp_path: Path, output_format: OutputFormat) -> None:
    source = tmp_path / "in"
    (source / "a").mkdir(parents=True)
    text = "Der Minister sagte das. Die Regierung schwieg.\n"
    (source / "a" / "b.txt").write_text(text)
    output = tmp_path / "out"
    options = Options(summarize=True)
    report = run_batch(
        BatchSettings(source, output, output_format=output_format),
        FakeTranslator(),
        options,
        summarizer=FirstSentenceSummarizer(),
    )
    assert report.done == 1
    alone = translate_document(
        text, FakeTranslator(), options, summarizer=FirstSentenceSummarizer()
    )
    assert alone.summary is not None and alone.summary.text
    files = outputs(output)
    if output_format is OutputFormat.TEXT:
        assert set(files) == {"a/b.en.txt", "a/b.summary.en.txt"}
        assert files["a/b.en.txt"].decode() == alone.translation
        assert files["a/b.summary.en.txt"].decode() == alone.summary.text + "\n"
    elif output_format is OutputFormat.HTML:  # a page with the summary, and the index
        assert set(files) == {"a/b.en.html", "index.html"}
        page = files["a/b.en.html"].decode()
        assert str(markupsafe.escape(alone.summary.text)) in page and 'id="summary"' in page
        assert 'href="./a/b.en.html"' in files["index.html"].decode()
    else:
        assert set(files) == {f"a/b.en.{'json' if output_format is OutputFormat.JSON else 'md'}"}
        rendered = render(alone, output_format, source_name="b.txt")
        written = next(iter(files.values())).decode()
        if output_format is OutputFormat.JSON:  # timings differ from run to run
            assert json.loads(written)["summary"] == json.loads(rendered)["summary"]
            assert json.loads(written)["translation"] == alone.translation
        else:
            assert written == rendered


# --- safety --------------------------------------------------------------------------------


def test_output_folder_inside_the_input_folder_is_refused(tmp_path: Path) -> None:
    source = _make_folder(tmp_path, 2)
    result = runner.invoke(
        app, ["batch", str(source), "-o", str(source / "translated"), "-m", "/no/such/model"]
    )
    assert result.exit_code == 1
    assert "inside the input folder" in result.stderr  # refused before any model is loaded
    assert not (source / "translated").exists()
    with pytest.raises(OutputError, match="is the input folder"):
        check_folders(BatchSettings(source, source / "." / "part0" / ".."))


def test_output_folder_inside_is_fine_when_outputs_cannot_be_picked_up(tmp_path: Path) -> None:
    source = _make_folder(tmp_path, 2)
    check_folders(BatchSettings(source, source / "out", recursive=False))
    check_folders(BatchSettings(source, source / "out", patterns=("doc*.txt",)))
    report = run_batch(BatchSettings(source, source / "out", recursive=False), FakeTranslator())
    assert report.files_total == 0  # the documents sit in subfolders


def test_missing_input_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        check_folders(BatchSettings(tmp_path / "nope", tmp_path / "out"))


def test_symlinks_out_of_the_input_folder_are_not_followed(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    secret = tmp_path / "elsewhere"
    secret.mkdir()
    (secret / "secret.txt").write_text("Geheim.\n")
    (source / "real.txt").write_text("Der Mann sagte das.\n")
    (source / "link-out.txt").symlink_to(secret / "secret.txt")
    (source / "link-in.txt").symlink_to(source / "real.txt")
    (source / "folder-out").symlink_to(secret, target_is_directory=True)

    found = find_inputs(source, ("*.txt",))
    assert [str(path) for path in found] == ["link-in.txt", "real.txt"]


def test_an_input_is_never_overwritten(tmp_path: Path) -> None:
    # The input folder inside the output folder: docs/a.txt's output would be a.en.txt,
    # which is an input itself.
    output = tmp_path / "out"
    source = output / "docs"
    (source / "docs").mkdir(parents=True)
    (source / "docs" / "a.txt").write_text("Der Mann sagte das.\n")
    (source / "a.en.txt").write_text("Ein Eingang.\n")
    (source / "a.txt").write_text("Er sagte das.\n")
    (source / "a.de.txt").write_text("Sie sagte das.\n")

    report = run_batch(BatchSettings(source, output), FakeTranslator())

    assert (source / "a.en.txt").read_text() == "Ein Eingang.\n"
    problems = {p.path: p.error for p in report.problems}
    assert "would overwrite an input" in problems["docs/a.txt"]
    # a.txt and a.de.txt would share a.en.txt: both keep their names (a.txt.en.txt, ...).
    assert set(problems) == {"docs/a.txt"}
    assert report.done == 3
    assert (output / "a.txt.en.txt").is_file() and (output / "a.de.txt.en.txt").is_file()


# --- stopping, progress, locking, manifest failures ------------------------------------------


def test_a_stop_request_finishes_what_was_fed_and_a_rerun_resumes(tmp_path: Path) -> None:
    # 100-sentence files: a work unit (at least 256 sentences) holds three of them.
    source = tmp_path / "in"
    source.mkdir()
    for number in range(10):
        (source / f"doc{number:02d}.txt").write_text(article(number, 100), encoding="utf-8")
    output = tmp_path / "out"
    snapshots: list[BatchProgress] = []

    def stop_once_a_file_is_done() -> bool:
        return any(snapshot.done for snapshot in snapshots)

    report = run_batch(
        BatchSettings(source, output),
        FakeTranslator(),
        progress=snapshots.append,
        should_stop=stop_once_a_file_is_done,
    )
    # The first unit was fed whole before the stop was asked: all three of its files finish.
    assert report.interrupted and (report.done, report.files_left) == (3, 7)
    finished = [s.files_finished for s in snapshots if s.last is not None]
    assert finished == [1, 2, 3]
    last_file = [s.last for s in snapshots if s.last is not None][-1]
    assert last_file.status is FileStatus.DONE
    # Planning stopped with the run; the inputs not reached are still counted: the last
    # snapshot has the whole folder's total, no longer growing.
    assert (snapshots[-1].files_total, snapshots[-1].planning) == (10, False)
    assert [status for _, status, _ in manifest_runs(output)] == ["interrupted"]
    assert len(outputs(output)) == 3

    resumed = run_batch(BatchSettings(source, output), FakeTranslator())
    assert (resumed.skipped, resumed.done, resumed.interrupted) == (3, 7, False)


def test_progress_totals_grow_while_planning_then_move_per_model_batch(
    tmp_path: Path, tiny_marian_dir: Path
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    for number in range(4):
        (source / f"doc{number}.txt").write_text(article(number, 50), encoding="utf-8")
    (source / "empty.txt").write_text("\n", encoding="utf-8")
    snapshots: list[BatchProgress] = []
    translator = engines.load_translator(
        str(tiny_marian_dir), device="cpu", offline=True, batch_size=16
    )
    report = run_batch(
        BatchSettings(source, tmp_path / "out"), translator, progress=snapshots.append
    )
    assert (report.done, report.empty) == (4, 1)
    assert snapshots and snapshots[0].planning and snapshots[0].files_total == 0
    # The totals only grow while planning, and planning ends once, for good.
    found = [s.files_total for s in snapshots]
    assert found == sorted(found) and found[-1] == 5 == report.files_total
    flags = [s.planning for s in snapshots]
    planned = flags.index(False)
    assert not any(flags[planned:])
    assert all(s.files_total == 5 for s in snapshots[planned:])
    # By construction 4 files of 50 sentences each, all in one work unit (fewer than
    # UNIT_SENTENCES): it is fed only once planning ended, so its totals come first.
    assert snapshots[planned].sentences_translated == 0
    assert all(s.sentences_total == 200 for s in snapshots[planned:])
    before_any_file = [s for s in snapshots[planned:] if s.done == 0]
    moving = [s.sentences_translated for s in before_any_file if s.sentences_translated]
    # 200 model inputs in batches of 16: the count moves many times before any file is done.
    assert len(moving) >= 10 and moving == sorted(moving) and moving[-1] <= 200
    assert snapshots[-1].sentences_translated == 200 == report.sentences


def test_a_second_run_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    source = _make_folder(tmp_path, 1)
    output = tmp_path / "out"
    output.mkdir()
    with open(output / ".translator-batch.lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(OutputError, match="another `translator batch`"):
            run_batch(BatchSettings(source, output), FakeTranslator())


def test_a_manifest_failure_stops_the_run_and_keeps_earlier_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _make_folder(tmp_path, 4)
    output = tmp_path / "out"
    record: Callable[[manifest.Manifest, manifest.ManifestRecord], None] = manifest.Manifest.record
    written: list[str] = []

    def record_two(manifest: manifest.Manifest, entry: manifest.ManifestRecord) -> None:
        if len(written) == 2:
            raise OutputError("the manifest cannot be written (disk full).")
        written.append(entry.path)
        record(manifest, entry)

    monkeypatch.setattr(manifest.Manifest, "record", record_two)
    with pytest.raises(OutputError, match="disk full"):
        run_batch(BatchSettings(source, output), FakeTranslator())
    monkeypatch.undo()
    assert [r.path for r in read_manifest(output)] == sorted(written)
    assert [status for _, status, _ in manifest_runs(output)] == ["interrupted"]


# --- hostile file names, shared outputs, per-file time (issue 21, items 9 and 15) -------------


@pytest.mark.faults
def test_a_file_name_that_is_not_utf8_is_translated_and_odd_names_never_reach_stderr_raw(
    tmp_path: Path, tiny_marian_dir: Path
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    folder = os.fsencode(source)
    (source / "plain.txt").write_text(article(1), encoding="utf-8")
    with open(os.path.join(folder, b"caf\xe9.txt"), "wb") as latin1_name:
        latin1_name.write(article(2).encode("utf-8"))
    # A name that sets the terminal's title and one that turns it red; both fail (binary).
    for name in ("\x1b]0;pwned\x07.txt", "\x1b[31mred.txt"):
        (source / name).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    output = tmp_path / "out"

    result = runner.invoke(
        app, ["batch", str(source), "-o", str(output), "-m", str(tiny_marian_dir)]
    )

    assert result.exit_code == 1, result.stderr  # the two binary files failed
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b]0;pwned\\x07.txt" in result.stderr.replace("\n", "")
    written = os.listdir(os.fsencode(output))
    assert b"caf\xe9.en.txt" in written and b"plain.en.txt" in written
    records = {record.path: record for record in read_manifest(output)}
    assert records["caf\\udce9.txt"].status is FileStatus.DONE
    assert records["plain.txt"].status is FileStatus.DONE
    assert {records[name].status for name in records if "red" in name or "pwned" in name} == {
        FileStatus.FAILED
    }
    # A rerun finds the odd name's record and skips it.
    again = runner.invoke(
        app, ["batch", str(source), "-o", str(output), "-m", str(tiny_marian_dir)]
    )
    assert "2 skipped" in again.stderr


@pytest.mark.faults
def test_an_odd_name_in_the_index_page_links_its_file(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    with open(os.path.join(os.fsencode(source), b"caf\xe9.txt"), "wb") as latin1_name:
        latin1_name.write(article(2).encode("utf-8"))
    output = tmp_path / "out"
    report = run_batch(
        BatchSettings(source, output, output_format=OutputFormat.HTML), FakeTranslator()
    )
    assert report.done == 1
    index = (output / "index.html").read_text(encoding="utf-8")
    assert 'href="./caf%E9.en.html"' in index


@pytest.mark.faults
def test_inputs_that_would_share_an_output_both_keep_their_source_extension(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "story.txt").write_text("Der Minister sagte das.\n", encoding="utf-8")
    (source / "story.html").write_bytes((DATA / "formats" / "news-page.de.html").read_bytes())
    (source / "other.txt").write_text("Die Regierung schwieg.\n", encoding="utf-8")
    output = tmp_path / "out"

    report = run_batch(BatchSettings(source, output), FakeTranslator())

    assert (report.done, report.failed) == (3, 0)
    assert set(outputs(output)) == {"story.txt.en.txt", "story.html.en.txt", "other.en.txt"}
    assert "Minister" in (output / "story.txt.en.txt").read_text(encoding="utf-8")


@pytest.mark.faults
def test_each_file_records_its_own_share_of_its_units_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from translator.batch import run as batch_run

    source = tmp_path / "in"
    source.mkdir()
    (source / "long.txt").write_text(article(1, sentences=30), encoding="utf-8")
    (source / "short.txt").write_text(article(2, sentences=3), encoding="utf-8")
    # A clock that moves 10 s per reading: shares are exact, whatever the machine does.
    ticks = iter(range(0, 10_000, 10))
    clock = types.SimpleNamespace(perf_counter=lambda: float(next(ticks)), time=time.time)
    monkeypatch.setattr(batch_run, "time", clock)

    run_batch(BatchSettings(source, tmp_path / "out"), FakeTranslator())

    records = {record.path: record for record in read_manifest(tmp_path / "out")}
    long, short = records["long.txt"].seconds, records["short.txt"].seconds
    assert long != short  # before: both had the whole unit's time
    sizes = {name: len((source / name).read_text(encoding="utf-8")) for name in records}
    # Each share is the unit's time by characters, plus the file's own writing time (10 s).
    ratio = sizes["long.txt"] / sizes["short.txt"]
    assert (long - 10) / (short - 10) == pytest.approx(ratio, rel=1e-3)
