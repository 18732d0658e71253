"""The glossary row of `make bench` (benchmarks.run calls ``run_rows``): what a
100,000-entry glossary costs against no glossary on the benchmark's 400-sentence document.

The glossary (built once into benchmarks/.cache/) holds every 10th distinct capitalised
word of the workload (so terms are found and protected, as in real use), 2,000 two-word
entries that start with a workload word but never match (each is tried wherever its first
word occurs), and made-up one- and two-word terms up to 100,000 entries.

Two engines: the default (CTranslate2 int8, beam 4, on the real-shaped opus-mt model,
fixed output lengths), and a fast fake engine that upper-cases its input, so that the row
shows the glossary's cost against the pipeline alone, with no model time to hide it.
Runs with and without the glossary are interleaved, in one child process per engine.
The ratio per run leaves out loading the glossary (reading the file and building its
index, once per process); the one-call ratio adds it, as `translator translate
--glossary` pays it.

    python -m benchmarks.glossary_bench      # the rows alone (BENCH_QUICK=1: one round)
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.runners import FastFakeEngine
from benchmarks.shaped_models import MARIAN_DIR, ensure_models
from benchmarks.workload import news_sentences, workload, workload_size

JOB = "glossary"
ENTRIES = 100_000
ENGINES = ("ct2", "fake")
_FILE = common.CACHE / f"glossary-{ENTRIES}.tsv"
_TARGET = 2.0


def _workload_words() -> list[str]:
    """The distinct capitalised words of the workload, sorted."""
    found = {w for sentence in news_sentences() for w in re.findall(r"\b[A-ZÄÖÜ]\w{3,}", sentence)}
    return sorted(found)


def glossary_file() -> Path:
    """The benchmark's glossary, written once (the same file for the same workload)."""
    if _FILE.is_file():
        return _FILE
    words = _workload_words()
    rng = random.Random(0)
    letters = "abcdefghiklmnoprstuvwzäöü"

    def made_up() -> str:
        return "".join(rng.choice(letters) for _ in range(rng.randint(6, 14))).capitalize()

    sources: dict[str, str] = {word: word.upper() for word in words[::10]}
    for number in range(2000):
        sources[f"{words[number % len(words)]} {made_up()}{number}"] = made_up()
    number = 0
    while len(sources) < ENTRIES:
        two_words = rng.random() < 0.3
        sources[f"{made_up()}{number}" + (f" {made_up()}" if two_words else "")] = made_up()
        number += 1
    common.CACHE.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{source}\t{target}\n" for source, target in sources.items())
    _FILE.write_text(text, encoding="utf-8")
    return _FILE


def measure(engine_kind: str, repeats: int) -> dict[str, Any]:
    """Runs in a child process (see ``run_rows``): the timings of one engine's row."""
    from translator import engines, pipeline
    from translator.glossary import load_glossary, make_glossary
    from translator.options import Options

    path = glossary_file()
    _, document = workload(workload_size())
    engine: Any
    if engine_kind == "fake":
        engine = FastFakeEngine()
    else:
        common.without_degenerate_retry()
        engine = engines.load_translator(str(MARIAN_DIR), device="cpu", engine=engine_kind)
        common.fix_lengths(engine)
    started = time.perf_counter()
    glossary = load_glossary(path)
    glossary.find("")  # builds the index, as the first paragraph would
    load = time.perf_counter() - started
    with_glossary = Options(glossary=glossary)
    # The entries that match, alone: the cost of applying the terms (placeholders, and the
    # fallbacks random weights trip), apart from the cost of the glossary's size.
    matching = set(_workload_words()[::10])
    small = make_glossary((e.source, e.target) for e in glossary.entries if e.source in matching)
    alone = Options(glossary=small)
    pipeline.translate_document(document.split("\n\n")[0], engine, with_glossary)  # warm-up
    plain: list[float] = []
    terms_alone: list[float] = []
    used: list[float] = []
    terms = 0
    for _ in range(repeats):
        plain += common.timed(lambda: pipeline.translate_document(document, engine), 1)
        terms_alone += common.timed(lambda: pipeline.translate_document(document, engine, alone), 1)
        started = time.perf_counter()
        result = pipeline.translate_document(document, engine, with_glossary)
        used.append(time.perf_counter() - started)
        terms = sum(use.count for use in result.glossary)
    return {
        "engine": engine_kind,
        "entries": len(glossary.entries),
        "terms_applied": terms,
        "load_s": load,
        "plain_s": plain,
        "terms_alone_s": terms_alone,
        "glossary_s": used,
    }


def run_rows(in_child: Callable[[str], dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per engine, measured in a child process each through ``in_child``."""
    rows = []
    for engine_kind in ENGINES:
        raw = in_child(f"{JOB}:{engine_kind}")
        plain = statistics.median(raw["plain_s"])
        alone = statistics.median(raw["terms_alone_s"])
        used = statistics.median(raw["glossary_s"])
        rows.append(
            {
                **raw,
                "ratio_per_run": round(used / plain, 2),
                "ratio_one_call": round((raw["load_s"] + used) / plain, 2),
                "ratio_to_terms_alone": round(used / alone, 2),
            }
        )
    return rows


def render_rows(rows: list[dict[str, Any]]) -> str:
    names = {"ct2": "ct2 int8 beam 4 (default)", "fake": "fast fake engine (pipeline only)"}
    lines = [
        f"| {ENTRIES:,}-entry glossary vs none, {workload_size()} sentences "
        "| medians s: none, the matching entries alone, the glossary | load s "
        "| x none, per run | x none, one call | x matching entries alone | target |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        seconds = ", ".join(
            f"{statistics.median(row[key]):.2f}"
            for key in ("plain_s", "terms_alone_s", "glossary_s")
        )
        lines.append(
            f"| {names.get(row['engine'], row['engine'])}: {row['terms_applied']} terms applied "
            f"| {seconds} | {row['load_s']:.2f} | {row['ratio_per_run']:.2f} "
            f"| {row['ratio_one_call']:.2f} | {row['ratio_to_terms_alone']:.2f} "
            f"| x none, per run < {_TARGET:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    ensure_models()
    common.progress("running: 100,000-entry glossary")
    print(render_rows(run_rows(common.in_child)))
