"""What `make bench` runs in full and in quick mode, and how it reports it: the orchestrator
(benchmarks.run.main) driven with made-up child results, no models (the timings themselves
live in the benchmark, never in tests)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import glossary_bench, language_bench, memory_bench
from benchmarks import run as bench
from benchmarks.runners import COLD_START_PHASES


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


class _Children:
    """Made-up answers of the child jobs, recorded in order. A translation row's runs take
    10, 11, then 30 s (median 11, mean 17); a bare script's batch of 8 sentences takes 4 s,
    of 16 3 s, of 32 5 s."""

    def __init__(self) -> None:
        self.jobs: list[str] = []

    def __call__(self, job: str) -> dict[str, Any]:
        self.jobs.append(job)
        kind, _, detail = job.partition(":")
        if kind == "translate" and "bare" in detail:
            by_batch = {"8": 4.0, "16": 3.0, "32": 5.0, "64": 6.0}
            return {
                "seconds_by_batch": by_batch,
                "cpu_seconds_by_batch": by_batch,
                "peak_rss_mb": 1,
            }
        if kind == "translate":
            seconds = [10.0, 11.0, 30.0][self.jobs.count(job) - 1]
            return {
                "seconds": [seconds],
                "cpu_seconds": [seconds],
                "generated_tokens_per_run": 1000,
                "peak_rss_mb": 2,
            }
        if kind == memory_bench.JOB:
            return _raw([10.0, 10.0, 10.0])
        if kind == glossary_bench.JOB:
            return {
                "engine": detail,
                "entries": 100_000,
                "terms_applied": 7,
                "load_s": 1.0,
                "plain_s": [2.0],
                "terms_alone_s": [2.5],
                "glossary_s": [3.0],
            }
        if kind == language_bench.JOB:
            return {
                "sentences": 500,
                "detector_load_s": 0.1,
                "detect_s": [0.04],
                "base_s": [4.0],
                "scores_s": [4.1],
                "scores_language_s": [4.2],
            }
        if kind == "summary":
            return {"name": job, "median_s": 1.0, "peak_rss_mb": 3}
        if kind == "stream":
            return {"name": job, "seconds": 1.0, "peak_rss_mb": 4}
        return {"name": job, "peak_rss_mb": 5}

    def translations(self) -> list[str]:
        return [job.split(":", 1)[1] for job in self.jobs if job.startswith("translate:")]


def _run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, quick: bool) -> tuple[_Children, dict]:
    """benchmarks.run.main with made-up children; its results.json."""
    if quick:
        monkeypatch.setenv("BENCH_QUICK", "1")
    else:
        monkeypatch.delenv("BENCH_QUICK", raising=False)
    monkeypatch.delenv("BENCH_ONLY", raising=False)
    children = _Children()
    cold = {phase: 0.1 for phase in COLD_START_PHASES}
    monkeypatch.setattr(bench, "in_child", children)
    monkeypatch.setattr(bench, "ensure_models", lambda: None)
    monkeypatch.setattr(
        bench, "run_cold_start", lambda: {**cold, "total_s": 0.5, "unused_modules_loaded": []}
    )
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "results.json")
    monkeypatch.setattr(
        bench,
        "workload_description",
        lambda sentences: {"sentences": 400, "mean_source_tokens": 30, "generated_tokens": 13200},
    )
    monkeypatch.setattr(
        bench,
        "machine",
        lambda: {
            "cpu": "made up",
            "usable_cores": 2,
            "memory_gb": 4,
            "threads_per_config": 2,
            "load_average_at_end": (0, 0, 0),
        },
    )
    monkeypatch.setattr(
        bench.batch_bench,
        "run_rows",
        lambda quick: [
            {"name": f"batch rows, quick {quick}", "seconds": 1.0, "peak_rss_mb": 1}
            | {"model_loaded": False}
        ],
    )
    monkeypatch.setattr(
        bench.formats_bench,
        "measure",
        lambda: [
            {"format": "pdf", "step": "read", "unit": "pages", "per_second": 9.0}
            | {"per_cpu_second": 9.0, "kb_per_second": 1.0, "seconds": 1.0}
        ],
    )
    monkeypatch.setattr(sys, "argv", ["benchmarks.run"])
    bench.main()
    return children, json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))


def _rows(report: dict) -> dict[str, dict]:
    return {row["name"]: row for row in report["configs"]}


def test_a_full_run_interleaves_three_rounds_and_reports_medians(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _check_full_run(*_run(monkeypatch, tmp_path, quick=False))
    assert "| translator ct2 int8, beam 4 (default) |" in capsys.readouterr().out


def _check_full_run(children: _Children, report: dict) -> None:
    rows = _rows(report)
    ct2 = rows["translator ct2 int8, beam 4 (default)"]
    assert ct2["runs_s"] == [10.0, 11.0, 30.0]  # three rounds, as the module's doc says
    assert ct2["median_s"] == 11.0  # the median, not the mean (17) or the best (10)
    # The minutes-long rows (naive script, torch beam 4) run in the first round only.
    assert len(rows["naive HF generate, one sentence at a time, beam 4"]["runs_s"]) == 1
    assert len(rows["translator torch, sorted batches, beam 4"]["runs_s"]) == 1
    # Interleaved: every row runs once before any row runs again.
    translations = children.translations()
    first_round = len(set(translations))
    assert len(translations[:first_round]) == len(set(translations[:first_round]))
    # The bare script tries 8, 16, 32 and 64 sentences a batch; its row is the best size:
    # 16 sentences (3 s).
    bare = rows["bare CTranslate2 script, beam 4"]
    assert set(bare["median_s_by_batch"]) == {"8", "16", "32", "64"}
    # The batch rows (rerun of done files, a large file's memory) reach results.json.
    assert [row["name"] for row in report["batch"]] == ["batch rows, quick False"]
    assert bare["best_batch_sentences"] == 16
    assert bare["median_s"] == 3.0
    # A full run keeps the torch, summary, loaded-models and 100 MB rows.
    assert "translator torch --fast (greedy)" in rows
    assert [s["name"] for s in report["summary"]] == ["summary:torch", "summary:ct2"]
    assert {entry["name"] for entry in report["flat_memory"]} >= {
        "stream:100:json",
        "stream:100:text",
    }


@pytest.mark.parametrize("broken", ["one round", "mean"])
def test_meta_the_full_run_check_fails_on_a_broken_orchestrator(
    broken: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if broken == "one round":
        monkeypatch.setattr(bench, "rounds", lambda: 1)
    else:
        monkeypatch.setattr(statistics, "median", statistics.mean)
    with pytest.raises(AssertionError):
        _check_full_run(*_run(monkeypatch, tmp_path, quick=False))


def test_a_quick_run_keeps_what_its_ratios_need(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    children, report = _run(monkeypatch, tmp_path, quick=True)
    rows = _rows(report)
    translations = children.translations()
    assert translations  # something ran
    assert len(translations) == len(set(translations))  # one round
    # No torch rows (minutes each, and not the default), no summary or loaded-models rows.
    assert not [name for name in rows if "torch" in name]
    assert report["summary"] == [] and report["memory"] == []
    # Every translator row has its yardsticks: the naive script and the bare script that
    # decodes the same way, so both ratios are there.
    translator_rows = [row for name, row in rows.items() if name.startswith("translator")]
    assert {row["beams"] for row in translator_rows} == {1, 4}
    for row in translator_rows:
        assert row["ratio_to_baseline"] is not None and row["ratio_to_bare"] is not None
    # The bare script tries fewer batch sizes, but the same workload as a full run.
    bare = rows["bare CTranslate2 script, beam 4"]
    assert set(bare["median_s_by_batch"]) < {"8", "16", "32", "64"}
    assert report["workload"]["sentences"] == 400
    # Two sizes of text show whether memory grows; no 100 MB row.
    assert [entry["name"] for entry in report["flat_memory"]] == ["stream:1:text", "stream:10:text"]


def test_the_glossary_row_reaches_results_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = _run(monkeypatch, tmp_path, quick=True)
    rows = {row["engine"]: row for row in report["glossary"]}
    assert set(rows) == {"ct2", "fake"}
    for row in rows.values():
        assert row["ratio_per_run"] == 1.5  # 3 s with the glossary, 2 s without
        assert row["ratio_one_call"] == 2.0  # and 1 s to load it
        assert row["ratio_to_terms_alone"] == 1.2  # 2.5 s with only the entries that match
    assert "100,000-entry glossary vs none" in capsys.readouterr().out


def test_the_language_and_format_rows_reach_results_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = _run(monkeypatch, tmp_path, quick=True)
    (language,) = report["language"]
    assert language["detect_ms_per_1000"] == 80.0  # 40 ms for 500 sentences
    assert language["translate_s_per_1000"] == 8.0
    assert language["detect_percent"] == 1.0  # 0.04 s of 4 s
    assert language["total_percent"] == 5.0  # 4.2 s against 4 s
    assert report["formats"][0]["per_second"] == 9.0
    out = capsys.readouterr().out
    assert "language detection and scoring" in out and "| pdf | read | 9.0 pages" in out


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
        [sys.executable, "-c", "from benchmarks.common import peak_rss_mb; print(peak_rss_mb())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(result.stdout) < 100, result.stdout
    assert len(held) == 200 * 2**20


def _fake_kind_runs(monkeypatch: pytest.MonkeyPatch, flags: set[str]) -> list[tuple[str, dict]]:
    """cpu_kinds with its children faked: the bare script takes 10/8/6/7 s at 8/16/32/64
    sentences a batch (CPU: twice that), the pipeline 5 s (CPU 12 s)."""
    from benchmarks import cpu_kinds

    started: list[tuple[str, dict]] = []

    def child(job: str, env: dict | None = None) -> dict:
        started.append((job, dict(env or {})))
        if "bare" in job:
            seconds = {"8": 10.0, "16": 8.0, "32": 6.0, "64": 7.0}
            return {
                "seconds_by_batch": seconds,
                "cpu_seconds_by_batch": {s: 2 * v for s, v in seconds.items()},
            }
        return {"seconds": [5.0], "cpu_seconds": [12.0]}

    monkeypatch.setattr(cpu_kinds, "in_child", child)
    monkeypatch.setattr(cpu_kinds, "ensure_models", lambda: None)
    monkeypatch.setattr(cpu_kinds, "cpu_flags", lambda: flags)
    return started


def test_cpu_kinds_ratios_are_to_the_best_bare_batch_of_the_same_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from benchmarks import cpu_kinds

    started = _fake_kind_runs(monkeypatch, {"avx2", "avx512f", "avx512bw"})
    report = cpu_kinds.measure(1)
    assert report["skipped"] == []
    rows = report["rows"]
    assert len(rows) == len(cpu_kinds.KINDS) * 2
    assert {row["bare_best_batch"] for row in rows} == {32}
    assert {row["ratio_to_best_bare"] for row in rows} == {1.2}  # 6 s against 5 s
    assert {row["cpu_ratio_to_best_bare"] for row in rows} == {1.0}  # 12 CPU-s each
    # The bare rows try every batch size; the AVX2 kind's children get its settings.
    assert started and all(env["BENCH_QUICK"] == "" for job, env in started if "bare" in job)
    avx2 = [env for _, env in started if env.get("ONEDNN_MAX_CPU_ISA") == "AVX2"]
    assert len(avx2) == 4 and all(env["CT2_FORCE_CPU_ISA"] == "AVX2" for env in avx2)
    assert "| 10.0 / 8.0 / **6.0** / 7.0 |" in cpu_kinds.render(report)


def test_cpu_kinds_skips_what_this_cpu_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import cpu_kinds

    started = _fake_kind_runs(monkeypatch, {"avx2"})
    report = cpu_kinds.measure(1)
    assert report["skipped"] == ["AVX-512 without VNNI"]
    assert started
    assert not any(env.get("CT2_FORCE_CPU_ISA") == "AVX512" for _, env in started)
