"""The translation memory's rows of `make bench` (benchmarks.run calls ``run_rows``).

With the default engine (CTranslate2 int8, beam 4) on the real-shaped opus-mt model and the
400-sentence workload of ``benchmarks.workload``:

- cold overhead: the whole pipeline without a memory, and with an empty one (every input a
  miss: looked up, translated, stored), runs interleaved; the overhead is the difference
  of the medians (wall and CPU seconds), and also the time spent inside the memory
  (lookups, keys, writes) as a share of the run without it, which other work on the cores
  disturbs far less than a difference of two noisy totals;
- re-translation: after a cold run fills the memory, one paragraph (four sentences) is
  changed and the document translated again: only the changed sentences reach the model.

    python -m benchmarks.memory_bench          # the rows alone

BENCH_QUICK=1 (one round) leaves out the runs without a memory, and so the cold-overhead
row: a difference of two single runs on a shared machine says nothing (a quick run once
gave -41%), and the run without a memory took 22 s of that 215 s quick run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.shaped_models import MARIAN_DIR, ensure_models
from benchmarks.workload import workload, workload_size

JOB = "translation-memory"


def _changed(sentences: list[str]) -> str:
    """The workload's document with each sentence of its middle paragraph edited (a word
    added before the final mark), laid out as ``benchmarks.workload.workload`` does."""
    edited = list(sentences)
    middle = (len(sentences) // 4 // 2) * 4
    for i in range(middle, middle + 4):
        edited[i] = edited[i][:-1] + " heute" + edited[i][-1:]
    paragraphs = [" ".join(edited[i : i + 4]) for i in range(0, len(edited), 4)]
    return "\n\n".join(paragraphs) + "\n"


class _Stopwatch:
    """An engine that adds the seconds its ``translate`` calls take to ``seconds``."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.info = engine.info
        self.max_input_tokens = engine.max_input_tokens
        self.count_tokens = engine.count_tokens
        self.seconds = 0.0

    def translate(self, texts: Any, *, strict: bool = False) -> list[str]:
        started = time.perf_counter()
        try:
            return list(self.engine.translate(texts, strict=strict))
        finally:
            self.seconds += time.perf_counter() - started


def measure(repeats: int, without_memory: bool = True) -> dict[str, Any]:
    """Runs in a child process (see ``run_rows``): the timings of the rows;
    ``without_memory`` False leaves out the runs without a memory (plain_s empty)."""
    from translator import engines, pipeline
    from translator.engines.remembering import MemoryEngine
    from translator.memory_store import TranslationMemory

    common.without_degenerate_retry()
    sentences, document = workload(workload_size())
    engine = engines.load_translator(str(MARIAN_DIR), device="cpu", engine="ct2")
    common.fix_lengths(engine)
    pipeline.translate_document(document.split("\n\n")[0], engine)  # warm-up

    plain, cold, inside, plain_cpu, cold_cpu = [], [], [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(repeats):
            if without_memory:
                started, cpu = time.perf_counter(), common.cpu_seconds()
                pipeline.translate_document(document, engine)
                plain.append(time.perf_counter() - started)
                plain_cpu.append(common.cpu_seconds() - cpu)

            memory = TranslationMemory(Path(folder) / f"cold{attempt}.sqlite3")
            model = _Stopwatch(engine)
            remembering = MemoryEngine(model, memory, beams=None)  # type: ignore[arg-type]
            outside = _Stopwatch(remembering)
            started, cpu = time.perf_counter(), common.cpu_seconds()
            pipeline.translate_document(document, outside)  # type: ignore[arg-type]
            cold.append(time.perf_counter() - started)
            cold_cpu.append(common.cpu_seconds() - cpu)
            inside.append(outside.seconds - model.seconds)
        changed = _changed(sentences)
        # The same engine class as the cold runs: the class is part of the memory's key.
        again = MemoryEngine(_Stopwatch(engine), memory, beams=None)  # type: ignore[arg-type]
        started = time.perf_counter()
        pipeline.translate_document(changed, again)
        rerun = time.perf_counter() - started
    return {
        "sentences": workload_size(),
        "plain_s": plain,
        "cold_s": cold,
        "memory_inside_s": inside,
        "plain_cpu_s": plain_cpu,
        "cold_cpu_s": cold_cpu,
        "rerun_s": rerun,
        "rerun_hits": again.hits,
        "rerun_misses": again.misses,
        "cold_misses": remembering.misses,
    }


def run_rows(in_child: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """Both rows, measured in a child process through ``in_child`` (``common.in_child``)."""
    raw = in_child(JOB)
    cold = statistics.median(raw["cold_s"])
    # The share of a run without a memory; quick mode has none, so of the cold run.
    plain = statistics.median(raw["plain_s"]) if raw["plain_s"] else None
    rows = {
        **raw,
        "memory_inside_pct": round(
            100 * statistics.median(raw["memory_inside_s"]) / (plain or cold), 3
        ),
        "rerun_speedup": round(cold / raw["rerun_s"], 1),
    }
    if plain is not None:
        cpu_ratio = statistics.median(raw["cold_cpu_s"]) / statistics.median(raw["plain_cpu_s"])
        rows["cold_overhead_pct"] = round(100 * (cold - plain) / plain, 1)
        rows["cold_cpu_overhead_pct"] = round(100 * (cpu_ratio - 1), 1)
    return rows


def render_rows(rows: dict[str, Any]) -> str:
    lines = [
        f"| translation memory, {rows['sentences']} sentences, ct2 int8 beam 4 | result | target |",
        "|---|---:|---:|",
        f"| re-translation after one paragraph changed: {rows['rerun_hits']} hits, "
        f"{rows['rerun_misses']} misses, {rows['rerun_s']:.2f} s vs "
        f"{statistics.median(rows['cold_s']):.1f} s cold "
        f"| {rows['rerun_speedup']:.0f}x faster | >= 20x |",
    ]
    if "cold_overhead_pct" in rows:
        lines.append(
            f"| cold run with an empty memory vs none ({rows['cold_misses']} misses; "
            f"medians {statistics.median(rows['cold_s']):.2f} s vs "
            f"{statistics.median(rows['plain_s']):.2f} s) "
            f"| {rows['cold_overhead_pct']:+.1f}% wall, {rows['cold_cpu_overhead_pct']:+.1f}% CPU "
            "| < 3% |"
        )
    lines.append(
        "| time inside the memory (keys, lookups, writes) on the cold run: "
        f"{1000 * statistics.median(rows['memory_inside_s']):.1f} ms "
        f"| {rows['memory_inside_pct']:.3f}% | < 3% |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    ensure_models()
    common.progress("running: translation memory")
    print(render_rows(run_rows(common.in_child)))
