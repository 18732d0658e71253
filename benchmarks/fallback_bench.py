"""Quotation fallbacks decoded beside the main call or after it (issue 26.1, third bullet).

The ct2 rows of `make bench` (random-weight opus-mt-shaped model, 400 news sentences, every
row forced to the same length), with the pipeline sending each window's fallback
fragments while the main call still decodes ("concurrent", the default), and with the
engine seen as a synchronous one, so that the fallback call starts only once the main
call is done ("after", the pipeline before this change). The two alternate in one
process (ABBA...). Each run reports wall and CPU seconds, generated tokens, how long the
window ran on after the main call's last batch was in (the latency the fallbacks add),
and whether both modes gave the same translation. The random model loses the
placeholders of most masked sentences: far more fallbacks than a real model needs.

    python -m benchmarks.fallback_bench [--rounds 3] [--beams 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    cpu_seconds,
    fix_lengths,
    target_tokens,
    threads,
    without_degenerate_retry,
)
from benchmarks.shaped_models import MARIAN_DIR, ensure_models
from benchmarks.workload import workload, workload_size

MODES = ("concurrent", "after")


def _all_at_once(engine: Any, texts: Sequence[str], **options: Any) -> Iterator[Any]:
    """How the pipeline sees an engine that is not concurrent: one call, all rows at once."""
    from translator.engines.base import FinishedBatch

    return iter([FinishedBatch(list(enumerate(engine.translate_scored(texts, **options))))])


def measure(rounds: int, beams: int) -> dict[str, Any]:
    from translator import engines, pipeline
    from translator.pipeline import requests
    from translator.schema import QuoteStrategy

    without_degenerate_retry()
    ensure_models()
    engine = engines.load_translator(str(MARIAN_DIR), device="cpu", engine="ct2", beams=beams)
    fix_lengths(engine)
    submitted = {"tokens": 0, "calls": 0}
    main_call_done: list[float] = []
    submit = engine.submit_scored

    def counting(texts: Sequence[str], **options: Any) -> Any:
        submitted["calls"] += 1
        submitted["tokens"] += sum(target_tokens(n) for n in engine.count_tokens(texts))
        return watched(submit(texts, **options), main=submitted["calls"] == 1)

    def watched(batches: Iterator[Any], *, main: bool) -> Iterator[Any]:
        yield from batches
        if main:  # the main call's last batch is in
            main_call_done.append(time.perf_counter())

    engine.submit_scored = counting
    concurrent_submit = requests.submit_scored
    _, document = workload(workload_size())
    pipeline.translate_document(document.split("\n\n")[0], engine)  # warm-up
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    translations: dict[str, set[str]] = {mode: set() for mode in MODES}
    order = [MODES[(i // 2 + i) % 2] for i in range(2 * rounds)]  # A B B A A B ...
    for mode in order:
        requests.submit_scored = concurrent_submit if mode == "concurrent" else _all_at_once
        submitted.update(tokens=0, calls=0)
        main_call_done.clear()
        load = os.getloadavg()[0]
        started, cpu_started = time.perf_counter(), cpu_seconds()
        result = pipeline.translate_document(document, engine)
        ended = time.perf_counter()
        wall, cpu = ended - started, cpu_seconds() - cpu_started
        translations[mode].add(result.translation)
        fragments = sum(q.strategy is QuoteStrategy.FRAGMENTS for q in result.quotes)
        runs[mode].append(
            {
                "seconds": round(wall, 3),
                "cpu_seconds": round(cpu, 3),
                "generated_tokens": submitted["tokens"],
                "engine_calls": submitted["calls"],
                # What the fallbacks (and the rest of the window) add after the main call.
                "after_main_call_seconds": round(ended - main_call_done[0], 3),
                "quotes": len(result.quotes),
                "quotes_by_fragments": fragments,
                "load_average_1min": load,
            }
        )
        print(mode, json.dumps(runs[mode][-1]), flush=True)
    requests.submit_scored = concurrent_submit
    summary: dict[str, Any] = {
        "machine": _cpu_model(),
        "beams": beams,
        "rounds": rounds,
        "threads": threads(),
    }
    for mode in MODES:
        wall = statistics.median(run["seconds"] for run in runs[mode])
        cpu = statistics.median(run["cpu_seconds"] for run in runs[mode])
        tokens = runs[mode][0]["generated_tokens"]
        summary[mode] = {
            "median_seconds": wall,
            "median_cpu_seconds": cpu,
            "median_after_main_call_seconds": statistics.median(
                run["after_main_call_seconds"] for run in runs[mode]
            ),
            "tokens_per_second": round(tokens / wall),
            "tokens_per_cpu_second": round(tokens / cpu),
            "runs": runs[mode],
        }
    summary["speedup"] = round(
        summary["after"]["median_seconds"] / summary["concurrent"]["median_seconds"], 3
    )
    summary["same_translation"] = len(translations["concurrent"] | translations["after"]) == 1
    summary["load_average"] = os.getloadavg()
    return summary


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--beams", type=int, default=1)
    arguments = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(threads())
    print(json.dumps(measure(arguments.rounds, arguments.beams), indent=1))


if __name__ == "__main__":
    main()
