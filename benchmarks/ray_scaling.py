"""Scaling of `translator batch --ray` on this machine: the local batch, then Ray with 1
and 2 workers on a local Ray instance (``ray.init(num_cpus=2)``), over the same folder.

Model: random weights in the exact shapes of Helsinki-NLP/opus-mt-de-en, built into
benchmarks/.cache/ as `make bench` does, on its default CPU engine (CTranslate2 int8,
beam 4), with output lengths fixed at 1.1x the source and the degenerate-output retry off
(random weights; see benchmarks/run.py and common.py). Workload: German news sentences (unique), in
files of 8 sentences. Each Ray worker reserves one CPU and runs one thread (Ray sets
OMP_NUM_THREADS to a worker's CPUs); the local batch runs one thread too, so the
1-worker row shows what Ray adds and the 2-worker row how it scales. Times exclude model
loading (workers are started and loaded before the clock starts). The outputs of the
three runs are compared byte for byte.

    .venv/bin/python -m benchmarks.ray_scaling [--files 128]
    .venv/bin/python -m benchmarks.ray_scaling --wait-ms 10 --files 250

``--wait-ms W`` checks the executor rather than the cores: the tests' tiny model with an
engine that also sleeps W ms per sentence, so workers wait instead of compute and two of
them should take half the time even on cores that other work keeps busy.

Not a test: nothing is asserted but identical outputs; numbers are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ["OMP_NUM_THREADS"] = "1"  # before ctranslate2/torch load, in every process

from benchmarks import common  # noqa: E402
from benchmarks.shaped_models import MARIAN_DIR, ensure_models  # noqa: E402
from benchmarks.workload import workload  # noqa: E402
from translator.api import Translator  # noqa: E402
from translator.batch import UNIT_SENTENCES, BatchSettings, execute_batch  # noqa: E402
from translator.executors import Executor, LocalExecutor  # noqa: E402
from translator.options import Options  # noqa: E402

_SENTENCES_PER_FILE = 8


class WaitingTranslator(Translator):
    """The tiny model, waiting ``wait_s`` per sentence besides (see --wait-ms)."""

    wait_s = 0.0

    def translation_engine(self, **choices: Any) -> Any:
        return _WaitingEngine(super().translation_engine(**choices), self.wait_s)


class _WaitingEngine:
    def __init__(self, engine: Any, wait_s: float) -> None:
        self.engine, self.wait_s = engine, wait_s
        self.info, self.max_input_tokens = engine.info, engine.max_input_tokens

    def count_tokens(self, texts: Any) -> list[int]:
        return list(self.engine.count_tokens(texts))

    def translate(self, texts: Any, *, strict: bool = False) -> list[str]:
        time.sleep(self.wait_s * len(texts))
        return list(self.engine.translate(texts, strict=strict))


class FixedLengthTranslator(Translator):
    """Random weights stop at random: fix output lengths, in whichever process loads."""

    def translation_engine(self, **choices: Any) -> Any:
        engine = super().translation_engine(**choices)
        common.fix_lengths(engine)
        common.without_degenerate_retry()
        return engine


def make_folder(root: Path, files: int) -> tuple[Path, int]:
    """The folder, and the source tokens of all its sentences."""
    sentences, _ = workload(files * _SENTENCES_PER_FILE)
    source = root / "in"
    for number in range(files):
        mine = sentences[number * _SENTENCES_PER_FILE : (number + 1) * _SENTENCES_PER_FILE]
        paragraphs = [" ".join(mine[i : i + 4]) for i in range(0, len(mine), 4)]
        target = source / f"part{number % 4}" / f"doc{number:04d}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    engine = translator().translation_engine()
    return source, sum(engine.count_tokens(sentences))


_WAIT_MS = 0.0


def translator() -> Translator:
    if _WAIT_MS:
        from benchmarks.batch_bench import tiny_model

        waiting = WaitingTranslator(
            str(tiny_model(common.CACHE)), device="cpu", engine="torch", offline=True
        )
        waiting.wait_s = _WAIT_MS / 1000
        return waiting
    return FixedLengthTranslator(str(MARIAN_DIR), device="cpu", engine="ct2", offline=True)


def timed(executor: Executor, source: Path, output: Path) -> float:
    started = time.perf_counter()
    report = execute_batch(BatchSettings(source, output), executor, Options())
    seconds = time.perf_counter() - started
    if report.failed or report.skipped:
        raise SystemExit(f"unexpected: {report}")
    return seconds


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*.en.txt"))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=128)
    parser.add_argument("--wait-ms", type=float, default=0.0, help="see the module's doc")
    options = parser.parse_args()
    global _WAIT_MS
    _WAIT_MS = options.wait_ms
    import ray

    from translator.ray_executor import RayExecutor, RaySettings

    ensure_models()
    work = Path(tempfile.mkdtemp(prefix="ray-scaling-"))
    try:
        source, source_tokens = make_folder(work, options.files)
        sentences = options.files * _SENTENCES_PER_FILE
        generated = round(common.OUTPUT_RATIO * source_tokens)
        rows: list[tuple[str, float]] = []
        local = LocalExecutor(translator(), False, UNIT_SENTENCES)
        local.describe()
        rows.append(("local batch (1 process, 1 thread)", timed(local, source, work / "local")))
        ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
        ray.cloudpickle.register_pickle_by_value(common)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            for workers in (1, 2):
                settings = RaySettings(workers=workers)
                with RayExecutor(translator(), False, UNIT_SENTENCES, settings) as executor:
                    executor.wait_for_workers()
                    seconds = timed(executor, source, work / f"ray{workers}")
                rows.append((f"Ray, {workers} worker(s) x 1 CPU", seconds))
        finally:
            ray.shutdown()
        same = outputs(work / "local") == outputs(work / "ray1") == outputs(work / "ray2")
        print(
            f"{options.files} files, {sentences} sentences, {source_tokens} source tokens, "
            f"{generated} generated tokens; {os.cpu_count()} CPUs; outputs identical: {same}"
        )
        print("| run | wall s | sentences/s | tokens/s | speed-up vs Ray 1 worker |")
        print("|---|---:|---:|---:|---:|")
        one_worker = rows[1][1]
        for name, seconds in rows:
            tokens = "-" if _WAIT_MS else f"{generated / seconds:.0f}"  # fixed lengths only
            print(
                f"| {name} | {seconds:.1f} | {sentences / seconds:.1f} | "
                f"{tokens} | {one_worker / seconds:.2f} |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
