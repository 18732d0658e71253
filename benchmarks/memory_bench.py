"""The translation memory's rows of `make bench` (benchmarks.run calls ``run_rows``).

With the default engine (CTranslate2 int8, beam 4) on the real-shaped opus-mt model and the
400-sentence workload of ``benchmarks.run``:

- cold overhead: the whole pipeline without a memory, and with an empty one (every input a
  miss: looked up, translated, stored); the overhead is the difference of the medians, and
  also the time spent inside the memory (lookups, keys, writes) as a share of the run
  without it, which other work on the cores disturbs less;
- re-translation: after a cold run fills the memory, one paragraph (four sentences) is
  changed and the document translated again: only the changed sentences reach the model.

    python -m benchmarks.memory_bench          # the rows alone (BENCH_QUICK=1: 96 sentences)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import run as bench

JOB = "translation-memory"


def _changed(document: str) -> str:
    """``document`` with the words of one paragraph (the middle one) changed."""
    paragraphs = document.split("\n\n")
    middle = len(paragraphs) // 2
    paragraphs[middle] = paragraphs[middle].replace(" der ", " die ").replace(" und ", " oder ")
    if paragraphs[middle] == document.split("\n\n")[middle]:
        paragraphs[middle] = "Neu: " + paragraphs[middle]
    return "\n\n".join(paragraphs)


def measure(repeats: int) -> dict[str, Any]:
    """Runs in a child process (see ``run_rows``): the timings of both rows."""
    from translator import engines, pipeline
    from translator.engines.memory import MemoryEngine
    from translator.memory import TranslationMemory

    bench._without_degenerate_retry()
    _, document = bench.workload(bench.workload_size())
    engine = engines.load_translator(str(bench.MARIAN_DIR), device="cpu", engine="ct2")
    bench._fix_lengths(engine)
    pipeline.translate_document(document.split("\n\n")[0], engine)  # warm-up

    spent = {"memory_s": 0.0}

    def timed_memory(memory: TranslationMemory) -> TranslationMemory:
        """Adds the time spent in the memory's own work to ``spent``."""
        for name in ("get_many", "put_many"):
            original: Callable[..., Any] = getattr(memory, name)

            def wrapper(*args: Any, _original: Callable[..., Any] = original) -> Any:
                started = time.perf_counter()
                try:
                    return _original(*args)
                finally:
                    spent["memory_s"] += time.perf_counter() - started

            setattr(memory, name, wrapper)
        return memory

    plain, cold, inside = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(repeats):
            started = time.perf_counter()
            pipeline.translate_document(document, engine)
            plain.append(time.perf_counter() - started)

            memory = timed_memory(TranslationMemory(Path(folder) / f"cold{attempt}.sqlite3"))
            remembering = MemoryEngine(engine, memory, beams=None)
            spent["memory_s"] = 0.0
            started = time.perf_counter()
            pipeline.translate_document(document, remembering)
            cold.append(time.perf_counter() - started)
            inside.append(spent["memory_s"])
        changed = _changed(document)
        again = MemoryEngine(engine, memory, beams=None)
        started = time.perf_counter()
        pipeline.translate_document(changed, again)
        rerun = time.perf_counter() - started
    return {
        "sentences": bench.workload_size(),
        "plain_s": plain,
        "cold_s": cold,
        "memory_inside_s": inside,
        "rerun_s": rerun,
        "rerun_hits": again.hits,
        "rerun_misses": again.misses,
        "cold_misses": remembering.misses,
    }


def run_rows(in_child: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """Both rows, measured in a child process through ``in_child`` (benchmarks.run's)."""
    print("running: translation memory", file=sys.stderr)
    raw = in_child(JOB)
    plain, cold = statistics.median(raw["plain_s"]), statistics.median(raw["cold_s"])
    return {
        **raw,
        "cold_overhead_pct": round(100 * (cold - plain) / plain, 1),
        "memory_inside_pct": round(100 * statistics.median(raw["memory_inside_s"]) / plain, 2),
        "rerun_speedup": round(cold / raw["rerun_s"], 1),
    }


def render_rows(rows: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"| translation memory, {rows['sentences']} sentences, ct2 int8 beam 4 "
            "| result | target |",
            "|---|---:|---:|",
            f"| re-translation after one paragraph changed: {rows['rerun_hits']} hits, "
            f"{rows['rerun_misses']} misses, {rows['rerun_s']:.2f} s vs "
            f"{statistics.median(rows['cold_s']):.1f} s cold "
            f"| {rows['rerun_speedup']:.0f}x faster | >= 20x |",
            f"| cold run with an empty memory vs none ({rows['cold_misses']} misses; "
            f"medians {statistics.median(rows['cold_s']):.2f} s vs "
            f"{statistics.median(rows['plain_s']):.2f} s) "
            f"| {rows['cold_overhead_pct']:+.1f}% | < 3% |",
            f"| time inside the memory (lookups, keys, writes) on the cold run "
            f"| {rows['memory_inside_pct']:.2f}% | < 3% |",
        ]
    )


if __name__ == "__main__":
    bench.ensure_models()
    print(render_rows(run_rows(bench._in_child)))
