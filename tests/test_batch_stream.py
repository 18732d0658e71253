"""Batch planning in a stream: the first work unit goes to the executor while later files
are still to be found and read, the totals grow until planning ends, and the outputs and
the manifest are those of a run that plans every file first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from tests.batch_helpers import article, outputs, run_batch
from tests.fakes import FakeTranslator
from translator import executors
from translator.batch import (
    BatchProgress,
    BatchSettings,
    find_inputs,
    layout,
    plan_outputs,
    read_manifest,
)
from translator.batch import run as batch_run
from translator.batch.layout import iter_planned
from translator.cli.batch_cmd import progress_fields
from translator.executors import WorkUnit
from translator.render import OutputFormat

_FOLDERS = 6
_PER_FOLDER = 5
_SENTENCES = 30  # per file: a unit (UNIT_SENTENCES) holds about nine of them


def _folder(root: Path) -> Path:
    """30 files in six subfolders, every sentence unique: several work units."""
    source = root / "in"
    for folder in range(_FOLDERS):
        for number in range(_PER_FOLDER):
            index = folder * _PER_FOLDER + number
            target = source / f"part{folder}" / f"doc{index:03d}.txt"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(article(index, _SENTENCES), encoding="utf-8")
    return source


def _record_events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The order of what a run does: folders listed, files read, units dispatched to the
    (local) executor."""
    events: list[tuple[str, str]] = []
    list_folder = layout._Folder.__init__
    read_bytes = layout.read_input_bytes
    translate_unit = executors.translate_unit

    def listed(
        self: layout._Folder[object], input_dir: Path, relative: PurePosixPath, *rest: object
    ) -> None:
        events.append(("list", str(relative)))
        list_folder(self, input_dir, relative, *rest)  # type: ignore[arg-type]

    def read(path: Path) -> bytes:
        events.append(("read", path.name))
        return read_bytes(path)

    def dispatched(translator: object, unit: WorkUnit, *args: object, **kwargs: object) -> object:
        events.append(("unit", ",".join(unit.paths)))
        return translate_unit(translator, unit, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(layout._Folder, "__init__", listed)
    monkeypatch.setattr("translator.batch.run.read_input_bytes", read)
    monkeypatch.setattr(executors, "translate_unit", dispatched)
    return events


def _assert_streamed(events: list[tuple[str, str]]) -> None:
    """The oracle: the first unit is dispatched before the last file is read and before
    the last folder is listed (the walk is not done up front either)."""
    kinds = [kind for kind, _ in events]
    assert "unit" in kinds and "read" in kinds and "list" in kinds
    first_unit = kinds.index("unit")
    last_read = len(kinds) - 1 - kinds[::-1].index("read")
    last_list = len(kinds) - 1 - kinds[::-1].index("list")
    assert first_unit < last_read, "every file was read before the first unit"
    assert first_unit < last_list, "every folder was listed before the first unit"


def _streamed_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    source = _folder(tmp_path)
    events = _record_events(monkeypatch)
    report = run_batch(BatchSettings(source, tmp_path / "out"), FakeTranslator())
    assert (report.done, report.failed) == (_FOLDERS * _PER_FOLDER, 0)
    return events


def test_the_first_unit_is_dispatched_before_the_last_file_is_planned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _streamed_run(tmp_path, monkeypatch)
    _assert_streamed(events)
    # Each file is read once (planning no longer reads a file twice).
    reads = [name for kind, name in events if kind == "read"]
    assert len(reads) == len(set(reads)) == _FOLDERS * _PER_FOLDER
    # Several units, so the test can see an order.
    assert sum(kind == "unit" for kind, _ in events) >= 3


def _plan_everything_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The streaming broken on purpose: the folder walked and every file read and
    planned before the executor gets the first unit (what main did before)."""
    units = batch_run._Run._units

    def all_first(self: batch_run._Run) -> Iterator[WorkUnit]:
        return iter(list(units(self)))

    monkeypatch.setattr(batch_run._Run, "_units", all_first)


def test_meta_the_ordering_oracle_fails_when_everything_is_planned_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plan_everything_first(monkeypatch)
    events = _streamed_run(tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="before the first unit"):
        _assert_streamed(events)


def test_meta_the_ordering_oracle_fails_when_the_walk_is_done_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    walk = layout.iter_planned
    monkeypatch.setattr("translator.batch.run.iter_planned", lambda *args: iter(list(walk(*args))))
    events = _streamed_run(tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="every folder was listed"):
        _assert_streamed(events)


def _comparable_records(output: Path) -> list[tuple[object, ...]]:
    return [
        (r.path, r.sha256, r.fingerprint, r.status, r.outputs, r.error, r.sentences, r.quotations)
        for r in read_manifest(output)
    ]


def test_streamed_outputs_and_manifest_equal_those_of_planning_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _folder(tmp_path)
    (source / "part2" / "empty.txt").write_text("\n", encoding="utf-8")
    (source / "part4" / "story.txt").write_text(article(99, 3), encoding="utf-8")
    (source / "part4" / "story.md").write_text(article(98, 3), encoding="utf-8")
    streamed = run_batch(BatchSettings(source, tmp_path / "streamed"), FakeTranslator())
    with monkeypatch.context() as patch:
        _plan_everything_first(patch)
        first = run_batch(BatchSettings(source, tmp_path / "first"), FakeTranslator())
    assert (streamed.done, streamed.empty) == (first.done, first.empty) == (32, 1)
    assert streamed.files_total == first.files_total == 33
    expected = outputs(tmp_path / "first")
    assert expected and outputs(tmp_path / "streamed") == expected
    assert _comparable_records(tmp_path / "streamed") == _comparable_records(tmp_path / "first")


def test_the_totals_grow_while_the_first_files_are_translated(tmp_path: Path) -> None:
    source = _folder(tmp_path)
    snapshots: list[BatchProgress] = []
    report = run_batch(
        BatchSettings(source, tmp_path / "out"), FakeTranslator(), progress=snapshots.append
    )
    files = _FOLDERS * _PER_FOLDER
    assert report.files_total == files
    early = [s for s in snapshots if s.planning and s.done]
    assert early, "no file was done while planning went on"
    assert all(s.files_total < files for s in early)
    assert all(0 < s.sentences_total < files * _SENTENCES for s in early)
    final = [s for s in snapshots if not s.planning]
    assert final and all(s.files_total == files for s in final)
    assert all(s.sentences_total == files * _SENTENCES for s in final)


def test_a_rerun_of_done_files_dispatches_no_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _folder(tmp_path)
    run_batch(BatchSettings(source, tmp_path / "out"), FakeTranslator())
    events = _record_events(monkeypatch)
    again = run_batch(BatchSettings(source, tmp_path / "out"), FakeTranslator())
    assert again.skipped == again.files_total == _FOLDERS * _PER_FOLDER
    assert [kind for kind, _ in events].count("unit") == 0


# --- the walk ----------------------------------------------------------------------------


def _tricky_tree(root: Path) -> Path:
    """Names whose sorted order differs between strings and paths (``a.txt`` after
    ``a/``, ``a-b`` between), hidden entries, a clash and symlinks."""
    source = root / "in"
    for relative in [
        "a.txt", "a/x.txt", "a/y.md", "a-b/z.txt", "A.txt", "b.md", "b/c/d.txt",
        "story.txt", "story.html", ".hidden.txt", ".h/e.txt", "a/b.de.txt", "a/b.txt",
    ]:  # fmt: skip
        target = source / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("Ein Satz.\n", encoding="utf-8")
    (source / "link.txt").symlink_to(source / "a.txt")
    (source / "outside.txt").symlink_to(root)
    (source / "folderlink").symlink_to(source / "a")
    return source


@pytest.mark.parametrize("recursive", [True, False])
@pytest.mark.parametrize("output_format", [OutputFormat.TEXT, OutputFormat.MARKDOWN])
def test_iter_planned_is_plan_outputs_of_the_sorted_walk(
    tmp_path: Path, recursive: bool, output_format: OutputFormat
) -> None:
    source = _tricky_tree(tmp_path)
    output = tmp_path / "out"
    settings = BatchSettings(
        source, output, patterns=("*.txt", "*.md", "*.html"), recursive=recursive,
        output_format=output_format,
    )  # fmt: skip
    streamed = list(iter_planned(source, output, settings, summarize=True))
    found = find_inputs(source, settings.patterns, recursive=recursive, exclude=output)
    # The order is the paths' sorted order, built here from the tree's names.
    assert found == sorted(found) and len(found) >= (10 if recursive else 6)
    assert PurePosixPath("a/x.txt") in found or not recursive
    assert streamed == plan_outputs(found, output_format, True, source, output)
    assert not any(p.relative.name.startswith(".") for p in streamed)


# --- the progress line ----------------------------------------------------------------------


def _snapshot(planning: bool) -> BatchProgress:
    return BatchProgress(
        files_total=1234,
        done=10,
        skipped=4,
        failed=0,
        empty=0,
        sentences=50,
        sentences_total=5678,
        sentences_translated=60,
        planning=planning,
    )


def test_the_progress_line_says_the_totals_still_grow_while_planning() -> None:
    growing = progress_fields(_snapshot(planning=True), elapsed=2.0)
    assert growing["files"] == "10/1,230+"
    assert growing["sentences"] == "60/5,678+"
    assert growing["total"] is None  # no bar total, so no ETA, while the total grows
    done = progress_fields(_snapshot(planning=False), elapsed=2.0)
    assert done["files"] == "10/1,230"
    assert done["sentences"] == "60/5,678"
    assert done["total"] == 5678
