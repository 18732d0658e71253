"""The default batch rule against the bare CTranslate2 script on several kinds of CPU,
emulated on this machine: ``python -m benchmarks.cpu_kinds [--rounds N]`` (``make
bench-cpus``), results in ``benchmarks/cpu_kinds.json``.

Only one kind of machine was at hand, so the kinds are the code paths other machines take,
chosen on this one: oneDNN's instruction set (``ONEDNN_MAX_CPU_ISA``: its int8 matrix
products with AVX-512 and VNNI, AVX-512 without VNNI, or AVX2 only) with CTranslate2's own
kernels to match (``CT2_FORCE_CPU_ISA``), and one core instead of all. Caches, memory
bandwidth and clock stay this machine's, so it shows that the rule holds across the
instruction sets and core counts, not on every machine. A kind the CPU cannot run is
skipped. Each round runs, per kind, the bare script (8/16/32/64 sentences a batch) and
the pipeline's default, greedy then beam 4; a kind's rows run back to back, so its ratios
compare runs made under the same conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import in_child, progress
from benchmarks.report import machine
from benchmarks.shaped_models import ensure_models

RESULTS = Path(__file__).resolve().parent / "cpu_kinds.json"
# name: (environment, the CPU flags it needs, cores)
KINDS: dict[str, tuple[dict[str, str], tuple[str, ...], int | None]] = {
    "native (this CPU's own paths)": ({}, (), None),
    "AVX-512 with VNNI, one core": ({}, (), 1),
    "AVX-512 without VNNI": (
        {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "CT2_FORCE_CPU_ISA": "AVX512"},
        ("avx512f", "avx512bw"),
        None,
    ),
    "AVX2 only": ({"ONEDNN_MAX_CPU_ISA": "AVX2", "CT2_FORCE_CPU_ISA": "AVX2"}, ("avx2",), None),
}
MODES = {
    "greedy": ("bare CTranslate2 script, greedy", "translator ct2 int8 --fast (greedy)"),
    "beam 4": ("bare CTranslate2 script, beam 4", "translator ct2 int8, beam 4 (default)"),
}


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


@contextmanager
def pinned(cores: int | None) -> Iterator[None]:
    """The children started inside run on ``cores`` of this process's cores."""
    if cores is None:
        yield
        return
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, sorted(allowed)[:cores])
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)


def measure(rounds: int) -> dict:
    ensure_models()
    flags = cpu_flags()
    kinds = {name: kind for name, kind in KINDS.items() if all(f in flags for f in kind[1])}
    skipped = sorted(set(KINDS) - set(kinds))
    runs: dict[str, dict[str, dict[str, list[dict]]]] = {
        name: {mode: {"bare": [], "translator": []} for mode in MODES} for name in kinds
    }
    for round_number in range(rounds):
        for name, (env, _, cores) in kinds.items():
            with pinned(cores):
                for mode, (bare, pipeline) in MODES.items():
                    progress(f"round {round_number + 1}: {name}, {mode}")
                    # The bare rows try every batch size once; the pipeline's run once.
                    every_size = {**env, "BENCH_QUICK": ""}
                    runs[name][mode]["bare"].append(in_child(f"translate:{bare}", every_size))
                    quick = {**env, "BENCH_QUICK": "1"}
                    runs[name][mode]["translator"].append(in_child(f"translate:{pipeline}", quick))
    rows = []
    for name in kinds:
        for mode in MODES:
            bare_runs = runs[name][mode]["bare"]
            ours = runs[name][mode]["translator"]
            sizes = list(bare_runs[0]["seconds_by_batch"])
            bare_s = {
                s: statistics.median(r["seconds_by_batch"][s] for r in bare_runs) for s in sizes
            }
            bare_cpu = {
                s: statistics.median(r["cpu_seconds_by_batch"][s] for r in bare_runs) for s in sizes
            }
            best = min(sizes, key=lambda s: bare_s[s])
            best_cpu = min(bare_cpu.values())
            seconds = statistics.median(r["seconds"][0] for r in ours)
            cpu = statistics.median(r["cpu_seconds"][0] for r in ours)
            rows.append(
                {
                    "kind": name,
                    "mode": mode,
                    "bare_seconds_by_batch": {s: round(v, 2) for s, v in bare_s.items()},
                    "bare_best_batch": int(best),
                    "translator_seconds": round(seconds, 2),
                    "ratio_to_best_bare": round(bare_s[best] / seconds, 2),
                    "cpu_ratio_to_best_bare": round(best_cpu / cpu, 2),
                }
            )
    return {"machine": machine(), "rounds": rounds, "skipped": skipped, "rows": rows}


def render(report: dict) -> str:
    lines = [
        "| kind | mode | bare script, s by batch: 8 / 16 / 32 / 64 | translator (default) s "
        "| x best bare | per CPU-s |",
        "|---|---|---|---:|---:|---:|",
    ]
    for row in report["rows"]:
        by_batch = " / ".join(
            f"**{v}**" if int(s) == row["bare_best_batch"] else str(v)
            for s, v in row["bare_seconds_by_batch"].items()
        )
        lines.append(
            f"| {row['kind']} | {row['mode']} | {by_batch} | {row['translator_seconds']} "
            f"| {row['ratio_to_best_bare']:.2f} | {row['cpu_ratio_to_best_bare']:.2f} |"
        )
    if report["skipped"]:
        lines.append(f"\nskipped (this CPU cannot run them): {', '.join(report['skipped'])}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    report = measure(parser.parse_args().rounds)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(render(report))


if __name__ == "__main__":
    main()
