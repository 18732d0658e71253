"""`translator batch --ray` on a local Ray instance (two CPUs) with tiny models: the same
outputs and manifest as the local batch, and nothing lost when a worker or the driver dies.

Run alone, not beside another heavy suite: Ray starts worker processes of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.batch_helpers import (
    article,
    done_records,
    manifest_runs,
    outputs,
    run_batch,
    wait_for_done_records,
)
from tests.url_site import serve_site
from translator import engines
from translator.api import Translator
from translator.batch import (
    UNIT_SENTENCES,
    BatchProgress,
    BatchSettings,
    FileStatus,
    execute_batch,
    read_manifest,
)
from translator.errors import ModelNotFoundError
from translator.executors import WorkUnit
from translator.options import Options

pytestmark = pytest.mark.slow

_FILES = 36
_SENTENCES = 25  # per file: a work unit (256 sentences) holds 11 files, the run 4 units


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    import ray

    # Test classes below travel to the workers by value (the workers cannot import tests).
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def folder_and_reference(
    tmp_path_factory: pytest.TempPathFactory, tiny_marian_dir: Path
) -> tuple[Path, dict[str, bytes]]:
    """The input folder, and the outputs of the local batch over it: what Ray must give."""
    root = tmp_path_factory.mktemp("ray")
    source = root / "in"
    for number in range(_FILES):
        target = source / f"part{number % 2}" / f"doc{number:03d}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(article(number, _SENTENCES), encoding="utf-8")
    engine = engines.load_translator(str(tiny_marian_dir), device="cpu", offline=True)
    report = run_batch(BatchSettings(source, root / "local"), engine)
    assert (report.done, report.failed) == (_FILES, 0)
    return source, outputs(root / "local")


def _translator(model: Path, cls: type[Translator] = Translator) -> Translator:
    return cls(str(model), device="cpu", engine="torch", offline=True)


def _ray_executor(translator: Translator, **settings: Any) -> Any:
    from translator.ray_executor import RayExecutor, RaySettings

    return RayExecutor(translator, False, UNIT_SENTENCES, RaySettings(workers=2, **settings))


def _assert_all_done_once(output: Path, snapshots: Sequence[BatchProgress]) -> None:
    records = read_manifest(output)
    assert len(records) == _FILES
    assert {record.status for record in records} == {FileStatus.DONE}
    finished = Counter(s.last.path for s in snapshots if s.last is not None)
    assert len(finished) == _FILES and set(finished.values()) == {1}


def test_ray_outputs_are_the_local_outputs(
    ray_cluster: Any, tmp_path: Path, tiny_marian_dir: Path, folder_and_reference: Any
) -> None:
    source, expected = folder_and_reference
    snapshots: list[BatchProgress] = []
    with _ray_executor(_translator(tiny_marian_dir)) as executor:
        report = execute_batch(
            BatchSettings(source, tmp_path / "out"), executor, Options(), progress=snapshots.append
        )
    assert (report.done, report.failed, report.interrupted) == (_FILES, 0, False)
    assert outputs(tmp_path / "out") == expected
    _assert_all_done_once(tmp_path / "out", snapshots)
    assert max(s.workers for s in snapshots) == 2
    # Planning streams beside the workers: the totals grow from nothing and are exact
    # once it ends.
    assert snapshots[0].planning and snapshots[0].files_total == 0
    final = [s for s in snapshots if not s.planning]
    assert final and all(s.files_total == _FILES for s in final)
    assert all(s.sentences_total == _FILES * _SENTENCES for s in final)
    # The fingerprint is the local batch's: a local rerun over the Ray run skips everything.
    engine = engines.load_translator(str(tiny_marian_dir), device="cpu", offline=True)
    again = run_batch(BatchSettings(source, tmp_path / "out"), engine)
    assert (again.skipped, again.done) == (_FILES, 0)


def test_a_url_list_on_ray_gives_the_local_outputs(
    ray_cluster: Any, tmp_path: Path, tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--urls` with `--ray`: this process fetches and writes, the workers translate."""
    with serve_site(monkeypatch) as site:
        url_list = tmp_path / "urls.txt"
        listed = [f"{site.url}/politik/haushalt", f"{site.url}/politik/rente", f"{site.url}/x"]
        url_list.write_text("\n".join(listed), encoding="utf-8")
        engine = engines.load_translator(str(tiny_marian_dir), device="cpu", offline=True)
        local = run_batch(BatchSettings(Path(), tmp_path / "local", url_list=url_list), engine)
        with _ray_executor(_translator(tiny_marian_dir)) as executor:
            report = execute_batch(
                BatchSettings(Path(), tmp_path / "out", url_list=url_list), executor, Options()
            )
    assert (local.done, local.failed) == (report.done, report.failed) == (2, 1)
    assert outputs(tmp_path / "out") == outputs(tmp_path / "local")
    assert {record.path for record in read_manifest(tmp_path / "out")} == set(listed)


def test_a_worker_killed_mid_run_loses_nothing(
    ray_cluster: Any, tmp_path: Path, tiny_marian_dir: Path, folder_and_reference: Any
) -> None:
    source, expected = folder_and_reference
    snapshots: list[BatchProgress] = []
    killed: list[int] = []
    with _ray_executor(_translator(tiny_marian_dir)) as executor:

        def kill_a_worker_after_the_first_file(snapshot: BatchProgress) -> None:
            snapshots.append(snapshot)
            # A busy one: an idle worker's death is noticed only when it is next sent a
            # unit, and with every unit already sent that may never happen.
            busy = executor.busy_worker_pids()
            if snapshot.done and not killed and busy:
                killed.append(busy[0])
                os.kill(killed[0], signal.SIGKILL)

        report = execute_batch(
            BatchSettings(source, tmp_path / "out"),
            executor,
            Options(),
            progress=kill_a_worker_after_the_first_file,
        )
        assert killed and killed[0] not in executor.worker_pids()
        assert executor.workers_replaced == 1
    assert report.done < _FILES * 2  # a guard against counting files twice
    assert (report.done, report.failed) == (_FILES, 0)
    assert outputs(tmp_path / "out") == expected
    _assert_all_done_once(tmp_path / "out", snapshots)


class _FailingEngine:
    """Wraps an engine; raises on any batch holding ``poison``, or kills its process."""

    def __init__(self, engine: Any, poison: str, kill: bool) -> None:
        self.engine, self.poison, self.kill = engine, poison, kill
        self.info, self.max_input_tokens = engine.info, engine.max_input_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return list(self.engine.count_tokens(texts))

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        if any(self.poison in text for text in texts):
            if self.kill:
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError(f"the engine chokes on {self.poison}")
        return list(self.engine.translate(texts, strict=strict))


class _PoisonedTranslator(Translator):
    """A Translator whose engine fails on "Gift" and dies on "Tod"."""

    def translation_engine(self, **choices: Any) -> Any:
        engine = super().translation_engine(**choices)
        return _FailingEngine(_FailingEngine(engine, "Gift", False), "Tod", True)


def test_poisoned_files_are_recorded_failed_and_the_rest_completes(
    ray_cluster: Any, tmp_path: Path, tiny_marian_dir: Path, folder_and_reference: Any
) -> None:
    source, expected = folder_and_reference
    poisoned = tmp_path / "in"
    os_tree = {path.relative_to(source): path.read_text() for path in source.rglob("*.txt")}
    for relative, text in os_tree.items():
        (poisoned / relative).parent.mkdir(parents=True, exist_ok=True)
        (poisoned / relative).write_text(text, encoding="utf-8")
    (poisoned / "part0" / "doc004.txt").write_text("Das ist Gift.\n", encoding="utf-8")
    (poisoned / "part1" / "doc005.txt").write_text("Das ist der Tod.\n", encoding="utf-8")
    output = tmp_path / "out"
    with _ray_executor(_translator(tiny_marian_dir, _PoisonedTranslator), max_attempts=2) as ex:
        report = execute_batch(BatchSettings(poisoned, output), ex, Options())
    assert (report.done, report.failed) == (_FILES - 2, 2)
    errors = {problem.path: problem.error for problem in report.problems}
    assert "the engine chokes on Gift" in errors["part0/doc004.txt"]
    assert "its worker died 2 times" in errors["part1/doc005.txt"]
    records = {record.path: record for record in read_manifest(output)}
    assert records["part1/doc005.txt"].status is FileStatus.FAILED
    assert records["part1/doc005.txt"].error == errors["part1/doc005.txt"]
    unpoisoned = {
        name: content
        for name, content in expected.items()
        if not name.startswith(("part0/doc004", "part1/doc005"))
    }
    assert outputs(output) == unpoisoned


def test_the_driver_killed_and_rerun_resumes(
    ray_cluster: Any, tmp_path: Path, tiny_marian_dir: Path, folder_and_reference: Any
) -> None:
    source, expected = folder_and_reference
    output = tmp_path / "out"
    args = [str(source), "-o", str(output), "-m", str(tiny_marian_dir), "--offline"]
    args += ["--engine", "torch", "--ray", "--ray-workers", "2"]
    # The CLI joins the test's cluster through RAY_ADDRESS, as it would join a real one.
    environment = {**os.environ, "RAY_ADDRESS": ray_cluster.get_runtime_context().gcs_address}
    process = _start(args, environment)
    wait_for_done_records(process, output, at_least=1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = done_records(output)
    assert 1 <= len(finished) < _FILES, "the kill must land in the middle of the run"

    process = _start(args, environment)
    _, stderr = process.communicate(timeout=240)
    assert process.returncode == 0, stderr
    assert outputs(output) == expected
    after = done_records(output)
    assert len(after) == _FILES
    assert {name: after[name] for name in finished} == finished  # none redone
    assert [status for _, status, _ in manifest_runs(output)] == ["crashed", "complete"]


def _start(args: Sequence[str], environment: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "translator", "batch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=Path(__file__).parent.parent,
    )


def test_models_a_worker_cannot_load_give_the_local_error(ray_cluster: Any, tmp_path: Path) -> None:
    with _ray_executor(_translator(tmp_path / "missing")) as executor:
        with pytest.raises(ModelNotFoundError, match="No model folder at"):
            executor.describe()


class _SlowTranslator(Translator):
    """A Translator whose engine takes a while per model batch, as a real one does."""

    def translation_engine(self, **choices: Any) -> Any:
        return _SlowEngine(super().translation_engine(**choices))


class _SlowEngine(_FailingEngine):
    def __init__(self, engine: Any) -> None:
        super().__init__(engine, poison="\0", kill=False)

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        from translator.engines.common import batch_finished

        outputs = []
        for start in range(0, len(texts), 32):  # batches of 32, reported as engines do
            time.sleep(0.3)
            outputs += super().translate(texts[start : start + 32], strict=strict)
            batch_finished(len(texts[start : start + 32]))
        return outputs


def test_ray_progress_moves_while_workers_translate_a_unit(
    ray_cluster: Any, tmp_path: Path, tiny_marian_dir: Path, folder_and_reference: Any
) -> None:
    source, expected = folder_and_reference
    snapshots: list[BatchProgress] = []
    with _ray_executor(_translator(tiny_marian_dir, _SlowTranslator)) as executor:
        execute_batch(
            BatchSettings(source, tmp_path / "out"), executor, Options(), progress=snapshots.append
        )
    assert outputs(tmp_path / "out") == expected
    # Before any file is done, the workers' model batches already move the count.
    moving = [s.sentences_translated for s in snapshots if s.done == 0 and s.sentences_translated]
    unit = 11 * _SENTENCES  # the files of a unit: just over UNIT_SENTENCES
    assert moving and min(moving) < unit  # a part of a unit: counted per model batch
    counts = [s.sentences_translated for s in snapshots]
    assert counts == sorted(counts) and counts[-1] == _FILES * _SENTENCES


def _most_units_in_flight(executor: Any, units: int) -> int:
    """Run ``units`` one-file units from a generator; the most taken from it and not yet
    given back at any point."""
    taken = given = most = 0

    def fresh() -> Iterator[WorkUnit]:
        nonlocal taken
        for number in range(1, units + 1):
            taken += 1
            yield WorkUnit(number, (f"doc{number}.txt",), (article(number, 2),), 2)

    for _, outcomes in executor.run(fresh()):
        most = max(most, taken - given)
        given += 1
        assert outcomes[0].result is not None
    assert (taken, given) == (units, units)
    return most


def _assert_bounded(most: int, workers: int) -> None:
    """The oracle: never more units out of the driver's iterator than the workers hold
    (one running and one waiting each), however many the iterator has."""
    assert 2 <= most <= 2 * workers, f"{most} units in flight for {workers} workers"


def test_ray_takes_units_from_an_iterator_with_a_bounded_number_in_flight(
    ray_cluster: Any, tiny_marian_dir: Path
) -> None:
    with _ray_executor(_translator(tiny_marian_dir)) as executor:
        most = _most_units_in_flight(executor, 24)
    _assert_bounded(most, workers=2)


def test_meta_the_in_flight_oracle_fails_when_ray_takes_every_unit(
    ray_cluster: Any, tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("translator.ray_executor._UNITS_PER_WORKER", 1000)
    with _ray_executor(_translator(tiny_marian_dir)) as executor:
        most = _most_units_in_flight(executor, 24)
    with pytest.raises(AssertionError, match="units in flight"):
        _assert_bounded(most, workers=2)
