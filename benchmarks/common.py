"""What every benchmark shares: paths, the run's settings (``BENCH_QUICK``,
``BENCH_THREADS``), the fixed output lengths of random-weight models, and the measurement
helpers (peak RSS, CPU seconds, timed runs, a job in a child process).

Standard library only at the top: ``benchmarks.coldstart`` imports it in a process whose
import time it measures.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
RESULTS = Path(__file__).resolve().parent / "results.json"
OUTPUT_RATIO = 1.1


def quick() -> bool:
    """``BENCH_QUICK=1``: one round and fewer rows (see benchmarks/run.py)."""
    return os.environ.get("BENCH_QUICK", "").strip() not in {"", "0"}


def rounds() -> int:
    """Rounds of every measurement, interleaved (the slow ones run in the first only)."""
    return 1 if quick() else 3


def cores() -> int:
    return len(os.sched_getaffinity(0))


def threads() -> int:
    """Threads per configuration: ``BENCH_THREADS`` when set, else every usable core."""
    configured = os.environ.get("BENCH_THREADS", "").strip()
    return int(configured) if configured.isdigit() and int(configured) > 0 else cores()


_STARTED = time.perf_counter()


def progress(message: str) -> None:
    """A step of the run on stderr, with the seconds since the run started."""
    print(f"[{time.perf_counter() - _STARTED:4.0f} s] {message}", file=sys.stderr)


def target_tokens(source_tokens: int) -> int:
    """The fixed number of tokens generated for a source of ``source_tokens`` tokens:
    random weights never stop by themselves."""
    return max(2, round(OUTPUT_RATIO * source_tokens))


def fix_lengths(engine: Any) -> None:
    """Every row generates exactly target_tokens(source) tokens (see benchmarks/run.py)."""
    engine._output_bounds = lambda counts, strict: [target_tokens(c) for c in counts]
    if hasattr(engine, "_exact_row_limits"):
        # Rows run to their batch's limit and are cut: more work, never less.
        engine._exact_row_limits = False


def without_degenerate_retry() -> None:
    """Random outputs would trip the pipeline's degenerate-output retry on nearly every
    sentence, which a real model does not: turn it off."""
    from translator.pipeline import requests

    if not hasattr(requests, "degenerate"):
        raise SystemExit("benchmarks: pipeline.requests.degenerate is gone; update common.py")
    requests.degenerate = lambda source, output: False  # no strict retries


def peak_rss_mb() -> float:
    """This process's peak RSS. Linux's ``ru_maxrss`` survives fork and exec, so a child
    would report at least the parent's size at spawn (80 MB here: the flat-memory rows
    all read 80); ``VmHWM`` belongs to the process's own memory map."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(run: Callable[[], object], repeats: int, cpu: list[float] | None = None) -> list[float]:
    """Wall seconds of each run; ``cpu`` collects each run's CPU seconds (all threads),
    which other processes on the same cores disturb less than wall time."""
    times = []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), cpu_seconds()
        run()
        times.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(cpu_seconds() - cpu_started)
    return times


def in_child(job: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``job`` run by ``python -m benchmarks.run --child JOB`` in a fresh process (so its
    peak RSS is its own), with ``env`` added to this one's environment; its result, the
    JSON of its last stdout line."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--child", job],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if completed.returncode != 0:
        raise SystemExit(f"benchmark job {job!r} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result
