"""What `make bench` runs in full and in quick mode, and its translation-memory rows
(without models: the timings themselves live in the benchmark, never in tests)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from benchmarks import memory_bench
from benchmarks import run as bench


def _raw(plain: list[float]) -> dict[str, Any]:
    """A translation-memory child's answer, made up: cold runs of 11 s, 22 CPU-s."""
    return {
        "sentences": 400,
        "plain_s": plain,
        "cold_s": [11.0] * 3,
        "memory_inside_s": [0.011] * 3,
        "plain_cpu_s": [2 * seconds for seconds in plain],
        "cold_cpu_s": [22.0] * 3,
        "rerun_s": 0.5,
        "rerun_hits": 396,
        "rerun_misses": 4,
        "cold_misses": 400,
    }


def test_full_run_keeps_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_QUICK", raising=False)
    monkeypatch.delenv("BENCH_ONLY", raising=False)
    assert bench.rounds() == 3
    assert bench.bare_batch_sizes() == (8, 16, 32)
    assert sorted(bench.stream_jobs()) == [
        (1, "json"),
        (1, "text"),
        (10, "json"),
        (10, "text"),
        (100, "json"),
        (100, "text"),
    ]
    assert set(bench.configurations()) == set(bench.TRANSLATION_CONFIGS)


def test_quick_run_keeps_what_its_ratios_need(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_QUICK", "1")
    monkeypatch.delenv("BENCH_ONLY", raising=False)
    names = bench.configurations()
    # The naive script and both bare rows: every translator row has its yardsticks.
    assert bench.NAIVE in names
    assert set(bench.BARE.values()) <= set(names)
    ct2_rows = [name for name in names if bench.TRANSLATION_CONFIGS[name][0] == "ct2"]
    assert {bench.beams_of(name) for name in ct2_rows} == {1, 4}
    # The same workload as the full run: 96 sentences kept the workers too idle.
    assert bench.workload_size() == 400
    assert set(bench.bare_batch_sizes()) < set(bench.BARE_BATCH_SIZES)
    assert bench.stream_jobs() == [(1, "text"), (10, "text")]


def test_memory_rows_of_a_full_run() -> None:
    rows = memory_bench.run_rows(lambda job: _raw([10.0, 10.0, 10.0]))
    assert rows["cold_overhead_pct"] == 10.0  # 11 s against 10 s
    assert rows["cold_cpu_overhead_pct"] == 10.0  # 22 CPU-s against 20
    assert rows["memory_inside_pct"] == 0.11  # 0.011 s of 10 s
    assert rows["rerun_speedup"] == 22.0  # 11 s cold, 0.5 s again
    assert "vs none" in memory_bench.render_rows(rows)


def test_memory_rows_of_a_quick_run_leave_out_the_overhead() -> None:
    rows = memory_bench.run_rows(lambda job: _raw([]))
    assert "cold_overhead_pct" not in rows
    assert rows["memory_inside_pct"] == 0.1  # of the cold run: no run without a memory
    rendered = memory_bench.render_rows(rows)
    assert "vs none" not in rendered
    assert "re-translation after one paragraph changed: 396 hits, 4 misses" in rendered


def test_peak_rss_of_a_child_is_its_own() -> None:
    """A child's peak RSS does not start at its parent's (Linux's ru_maxrss survives fork
    and exec; the flat-memory rows once all read the parent's 80 MB)."""
    held = bytearray(200 * 2**20)
    held[:: 2**12] = b"\1" * len(held[:: 2**12])  # touch every page: 200 MB resident
    result = subprocess.run(
        [sys.executable, "-c", "from benchmarks.run import _peak_rss_mb; print(_peak_rss_mb())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(result.stdout) < 100, result.stdout
    assert len(held) == 200 * 2**20
