"""Benchmark `translator batch`: files/s and peak memory over many small files.

Runs the real CLI (`python -m translator batch`) in a child process on generated
folders of small German texts, with the tiny random-weight Marian model of the tests
(its output is garbage; its speed shows the overhead batch adds around the model), or a
real model with --model. Peak RSS comes from the child's own rusage, so runs of several
sizes show whether memory stays flat as the folder grows.

    .venv/bin/python -m benchmarks.batch_bench               # 200 and 2,000 files
    .venv/bin/python -m benchmarks.batch_bench --files 2000 --one-cpu

Not a test: nothing is asserted, numbers are printed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT

_WORDS = ["Ja", "Nein", "Gut", "Danke", "Heute", "Morgen", "Bitte", "Genau"]
_SUMMARY = re.compile(r"(\d+) sentences in ([\d.]+) s")


def make_folder(root: Path, files: int, sentences: int) -> Path:
    """``files`` small texts in 10 subfolders; every sentence unique (no dedup shortcuts)."""
    source = root / f"in-{files}"
    for number in range(files):
        target = source / f"part{number % 10}" / f"doc{number:05d}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = " ".join(
            f"{_WORDS[(number + k) % 8]} {number * sentences + k}." for k in range(sentences)
        )
        target.write_text(text + "\n", encoding="utf-8")
    return source


def tiny_model(cache: Path) -> Path:
    """The tests' tiny Marian model, built once into ``cache``."""
    folder = cache / "tiny-marian"
    if not (folder / "config.json").exists():
        sys.path.insert(0, str(ROOT / "tests"))
        from tiny_models import build_tiny_marian

        build_tiny_marian(folder)
    return folder


def run_cli(args: list[str], one_cpu: bool) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MiB, stderr) of one `translator batch` process."""

    def pin() -> None:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "translator", "batch", *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=pin if one_cpu else None,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        stderr.seek(0)
        text = stderr.read()
    if process.returncode not in (0, 1):
        raise SystemExit(f"batch failed ({process.returncode}):\n{text}")
    return wall, usage.ru_maxrss / 1024, text  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--sentences", type=int, default=3, help="sentences per file")
    parser.add_argument("--model", help="a model folder (default: the tests' tiny model)")
    parser.add_argument("--one-cpu", action="store_true", help="pin the run to one CPU")
    parser.add_argument("--keep", help="work in this folder and keep it")
    options = parser.parse_args()

    work = Path(options.keep or tempfile.mkdtemp(prefix="batch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        model = Path(options.model) if options.model else tiny_model(work)
        print(f"model: {model}; {options.sentences} sentences per file; one CPU: {options.one_cpu}")
        print(
            f"{'files':>6} {'wall s':>7} {'batch s':>8} {'files/s':>8} {'peak RSS MiB':>13}  rerun"
        )
        for files in options.files:
            source = make_folder(work, files, options.sentences)
            output = work / f"out-{files}"
            shutil.rmtree(output, ignore_errors=True)
            args = [str(source), "-o", str(output), "-m", str(model), "--offline"]
            wall, rss, stderr = run_cli(args, options.one_cpu)
            match = _SUMMARY.search(stderr)
            batch_seconds = float(match.group(2)) if match else float("nan")
            again, again_rss, _ = run_cli(args, options.one_cpu)  # everything skipped
            print(
                f"{files:>6} {wall:>7.1f} {batch_seconds:>8.1f} {files / batch_seconds:>8.1f} "
                f"{rss:>13.0f}  {again:.1f} s, {again_rss:.0f} MiB (all skipped)"
            )
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
