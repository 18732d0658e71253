"""Benchmark `translator batch`: files/s and peak memory over many small files.

Runs the real CLI (`python -m translator batch`) in a child process on generated
folders of small German texts, with the tiny random-weight Marian model of the tests
(its output is garbage; its speed shows the overhead batch adds around the model), or a
real model with --model. Peak RSS comes from the child's own rusage, so runs of several
sizes show whether memory stays flat as the folder grows.

    .venv/bin/python -m benchmarks.batch_bench               # 200 and 2,000 files
    .venv/bin/python -m benchmarks.batch_bench --files 2000 --one-cpu

Not a test: nothing is asserted, numbers are printed.

`make bench` runs these rows of it (``run_rows``): a rerun of a folder of done files
(its time, and whether an engine module -- and so a model -- was loaded: it must not be),
the peak RSS of one large plain-text file in a batch folder, streamed section by
section, with the fast fake engine in place of the model (its ratio to the file size),
and planning in a stream (``planning_row``): a folder of 100,000 small German files
(10,000 in quick mode), with the fast fake engine, in this process and on Ray with two
workers: the time to the first translated file, the total time and the driver's peak RSS.

    .venv/bin/python -m benchmarks.batch_bench --planning 10000 [--code /a/checkout]
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


# Runs `translator batch` in this interpreter (with the fast fake engine when the first
# argument says so), then says on stderr whether an engine module was imported.
_PROBED_CLI = """
import sys
if sys.argv[1] == "fake":
    from benchmarks.runners import FastFakeEngine
    from translator import engines
    engines.load_translator = lambda *args, **kwargs: FastFakeEngine()
from translator.cli import main
sys.argv = ["translator", "batch", *sys.argv[2:]]
try:
    main()
except SystemExit as done:
    code = done.code
loaded = [m for m in ("translator.engines.torch_engine", "translator.engines.ct2_engine",
                      "torch", "ctranslate2") if m in sys.modules]
print("ENGINE_MODULES", ",".join(loaded) or "none", file=sys.stderr)
# VmHWM is this process's own peak: rusage would count the parent's before the exec.
with open("/proc/self/status") as status:
    peak = [line.split()[1] for line in status if line.startswith("VmHWM:")]
print("PEAK_KIB", peak[0] if peak else 0, file=sys.stderr)
sys.exit(code)
"""


def run_cli(args: list[str], one_cpu: bool, probe: str = "") -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MiB, stderr) of one `translator batch` process; with
    ``probe`` ("real" or "fake": the fast fake engine) it says which engine modules it
    imported (``_PROBED_CLI``)."""
    command = [sys.executable, "-m", "translator", "batch", *args]
    if probe:
        command = [sys.executable, "-c", _PROBED_CLI, probe, *args]

    def pin() -> None:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=pin if one_cpu else None,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        stderr.seek(0)
        text = stderr.read()
    if process.returncode not in (0, 1):
        raise SystemExit(f"batch failed ({process.returncode}):\n{text}")
    return wall, usage.ru_maxrss / 1024, text  # ru_maxrss is in KiB on Linux


def _own_peak_mb(stderr: str) -> float:
    """The probed child's own peak RSS (``_PROBED_CLI``), in MiB."""
    return int(stderr.rsplit("PEAK_KIB ", 1)[-1].split()[0]) / 1024


def rerun_row(work: Path, files: int) -> dict:
    """A folder of ``files`` done files run again: its time, and whether a model loaded."""
    model = tiny_model(work)
    source = make_folder(work, files, 3)
    output = work / f"out-{files}"
    args = [str(source), "-o", str(output), "-m", str(model), "--offline", "-q"]
    run_cli(args, one_cpu=False)
    wall, _, stderr = run_cli(args, one_cpu=False, probe="real")
    loaded = stderr.rsplit("ENGINE_MODULES ", 1)[-1].split()[0]
    rss = _own_peak_mb(stderr)
    return {
        "name": f"rerun of {files:,} done files",
        "seconds": round(wall, 2),
        "peak_rss_mb": round(rss),
        "model_loaded": loaded != "none",
        "engine_modules": loaded,
    }


def stream_row(work: Path, megabytes: int) -> dict:
    """Peak RSS of a batch folder holding one ``megabytes`` MB plain text, streamed, with
    the fast fake engine (the benchmark's ``FastFakeEngine``) in place of the model."""
    from benchmarks.workload import stream_input

    source = work / f"big-{megabytes}"
    source.mkdir(exist_ok=True)
    target = source / "big.txt"
    if not target.exists():
        shutil.copyfile(stream_input(megabytes), target)
    output = work / f"big-out-{megabytes}"
    shutil.rmtree(output, ignore_errors=True)
    model = tiny_model(work)  # resolved for the fingerprint; the fake engine translates
    args = [str(source), "-o", str(output), "-m", str(model), "--offline", "-q", "--no-cache"]
    wall, _, stderr = run_cli(args, one_cpu=False, probe="fake")
    rss = _own_peak_mb(stderr)
    size_mb = target.stat().st_size / (1 << 20)
    return {
        "name": f"{megabytes} MB plain text in a batch folder (streamed)",
        "seconds": round(wall, 1),
        "peak_rss_mb": round(rss),
        "rss_per_input_mb": round(rss / size_mb, 2),
    }


def planning_folder(files: int) -> Path:
    """``files`` small German texts (three news sentences each, numbered so that no two
    files are alike) in folders of 1,000, made once into the benchmark cache."""
    from benchmarks.common import CACHE
    from benchmarks.workload import news_sentences

    source = CACHE / f"planning-{files}"
    complete = CACHE / f"planning-{files}.complete"
    if complete.is_file():
        return source
    shutil.rmtree(source, ignore_errors=True)
    pool = news_sentences()
    for number in range(files):
        folder = source / f"part{number // 1000:04d}"
        if number % 1000 == 0:
            folder.mkdir(parents=True)
        text = " ".join(f"{pool[(number * 3 + k) % len(pool)]} ({number})" for k in range(3))
        (folder / f"doc{number:06d}.txt").write_text(text + "\n", encoding="utf-8")
    complete.touch()
    return source


# Runs `translator batch` with the fast fake engine (on Ray's workers too, through a setup
# hook), and says on stderr when the first output was written (seconds since the parent's
# BENCH_STARTED) and the process's own peak RSS.
_PLANNING_CLI = """
import os, sys, time
started = float(os.environ["BENCH_STARTED"])
from benchmarks.runners import FastFakeEngine
from translator import engines, textio
engines.load_translator = lambda *args, **kwargs: FastFakeEngine()
if "--ray" in sys.argv:
    import ray
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING",
             runtime_env={"worker_process_setup_hook": "benchmarks.runners.use_fast_fake_engine"})
write = textio.write_atomic
def first_write(*args, **kwargs):
    write(*args, **kwargs)
    textio.write_atomic = write
    print("FIRST_OUTPUT_S", time.time() - started, file=sys.stderr, flush=True)
textio.write_atomic = first_write
from translator.cli import main
sys.argv = ["translator", "batch", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    code = done.code
if "--ray" in sys.argv:
    ray.shutdown()  # this script started it, so the CLI leaves it running
with open("/proc/self/status") as status:
    peak = [line.split()[1] for line in status if line.startswith("VmHWM:")]
print("PEAK_KIB", peak[0] if peak else 0, file=sys.stderr)
sys.exit(code)
"""


def planning_row(work: Path, files: int, ray: bool, code: Path = ROOT) -> dict:
    """A new batch over ``planning_folder(files)`` with the fast fake engine, in this
    process or on Ray with two workers; ``code``: the checkout whose translator runs
    (another one measures an older version)."""
    source = planning_folder(files)
    output = work / f"planning-out-{files}-{'ray' if ray else 'local'}"
    shutil.rmtree(output, ignore_errors=True)
    model = tiny_model(work)  # resolved for the fingerprint; the fake engine translates
    args = [str(source), "-o", str(output), "-m", str(model), "--offline", "-q", "--no-cache"]
    if ray:
        args += ["--ray", "--ray-workers", "2"]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(code)}
    environment["BENCH_STARTED"] = repr(time.time())
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", _PLANNING_CLI, *args],
            cwd=code,
            env=environment | {"PYTHONDONTWRITEBYTECODE": "1"},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        stderr.seek(0)
        text = stderr.read()
    if os.waitstatus_to_exitcode(status) != 0 or "FIRST_OUTPUT_S" not in text:
        raise SystemExit(f"batch failed ({status}):\n{text[-3000:]}")
    first = float(text.split("FIRST_OUTPUT_S ", 1)[1].split()[0])
    where = "Ray, 2 workers" if ray else "local"
    return {
        "name": f"new batch of {files:,} small files, {where}, fast fake engine",
        "files": files,
        "seconds": round(wall, 1),
        "first_file_s": round(first, 2),
        "driver_cpu_s": round(usage.ru_utime + usage.ru_stime, 1),  # the machine is shared
        "peak_rss_mb": round(_own_peak_mb(text)),
    }


def run_rows(quick: bool) -> list[dict]:
    """`make bench`'s batch rows: a rerun of done files, a large file's memory, and
    planning in a stream over many small files, local and on Ray."""
    work = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    files = 10_000 if quick else 100_000
    try:
        return [
            rerun_row(work, 200 if quick else 2000),
            stream_row(work, 10 if quick else 100),
            planning_row(work, files, ray=False),
            planning_row(work, files, ray=True),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render_rows(rows: list[dict]) -> str:
    lines = [
        "| batch | seconds | peak RSS MiB | |",
        "|---|---:|---:|---|",
    ]
    for row in rows:
        if "model_loaded" in row:
            note = f"model loaded: {'yes' if row['model_loaded'] else 'no'}"
        elif "first_file_s" in row:
            note = (
                f"first file written after {row['first_file_s']} s; "
                f"driver CPU {row['driver_cpu_s']} s"
            )
        else:
            note = f"{row['rss_per_input_mb']}x the input's size"
        lines.append(f"| {row['name']} | {row['seconds']} | {row['peak_rss_mb']:,} | {note} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--sentences", type=int, default=3, help="sentences per file")
    parser.add_argument("--model", help="a model folder (default: the tests' tiny model)")
    parser.add_argument("--one-cpu", action="store_true", help="pin the run to one CPU")
    parser.add_argument("--keep", help="work in this folder and keep it")
    parser.add_argument("--planning", type=int, help="only the planning rows, over this many files")
    parser.add_argument("--code", help="the checkout to run the planning rows with")
    parser.add_argument("--no-ray", action="store_true", help="planning rows: local only")
    options = parser.parse_args()
    if options.planning:
        work = Path(tempfile.mkdtemp(prefix="batch-bench-"))
        code = Path(options.code).resolve() if options.code else ROOT
        try:
            rows = [planning_row(work, options.planning, ray=False, code=code)]
            if not options.no_ray:
                rows.append(planning_row(work, options.planning, ray=True, code=code))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(render_rows(rows))
        return

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
