"""The language-and-scoring row of `make bench`: what detecting each sentence's language
(``translator.language``) and scoring each translation (the model's average
log-probability per token, issue 24.6) cost against the translation itself, per 1,000
sentences. Goal: under 3% of translation time together.

Three runs of the same 1,000-sentence document through the pipeline on the real-shaped
opus-mt model (CTranslate2 int8, beam 4, fixed output lengths), interleaved:

- base: no language detection, CTranslate2 asked for no scores;
- scores: scores asked for (what every translation does now);
- scores + language: the default (every whole sentence's language checked).

The detector's own time per 1,000 sentences is measured apart (warm, and its one-off load).
The lead wires it into benchmarks/run.py like glossary_bench (``JOB``, ``measure``,
``run_rows``, ``render_rows``); alone:

    python -m benchmarks.language_bench     # BENCH_QUICK=1: one round
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks import common
from benchmarks.shaped_models import MARIAN_DIR, OPUS_MT_SHAPED, build_marian, news_corpus
from benchmarks.workload import workload

JOB = "language"
SENTENCES = 1000
_TARGET_PERCENT = 3.0


def ensure_marian() -> None:
    """The real-shaped opus-mt model and its CTranslate2 copy, built once into .cache/."""
    from translator.engines import convert

    if not (MARIAN_DIR / "config.json").is_file():
        build_marian(MARIAN_DIR, OPUS_MT_SHAPED, news_corpus())
    if convert.find_converted(MARIAN_DIR) is None:
        convert.convert_model(MARIAN_DIR)


def measure(repeats: int) -> dict[str, Any]:
    """The timings (a child process runs this, or ``__main__``)."""
    from translator import engines, language, pipeline
    from translator.options import Options

    ensure_marian()
    sentences, document = workload(SENTENCES)
    common.without_degenerate_retry()
    engine = engines.load_translator(str(MARIAN_DIR), device="cpu", engine="ct2")
    common.fix_lengths(engine)
    started = time.perf_counter()
    language.detect_language("Der Detektor lädt sein Modell.")
    detector_load = time.perf_counter() - started
    detect: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        for sentence in sentences:
            language.foreign_language(sentence)
        detect.append(time.perf_counter() - started)
    unscored = Options(pass_foreign=False, scores=False)  # the engine before issue 24.6
    plain = Options(pass_foreign=False)
    pipeline.translate_document(document.split("\n\n")[0], engine, plain)  # warm-up
    base: list[float] = []
    scored: list[float] = []
    default: list[float] = []
    for _ in range(repeats):
        base += common.timed(lambda: pipeline.translate_document(document, engine, unscored), 1)
        scored += common.timed(lambda: pipeline.translate_document(document, engine, plain), 1)
        default += common.timed(lambda: pipeline.translate_document(document, engine), 1)
    return {
        "sentences": len(sentences),
        "detector_load_s": detector_load,
        "detect_s": detect,
        "base_s": base,
        "scores_s": scored,
        "scores_language_s": default,
    }


def summarize(raw: dict[str, Any]) -> dict[str, Any]:
    base = statistics.median(raw["base_s"])
    scores = statistics.median(raw["scores_s"])
    both = statistics.median(raw["scores_language_s"])
    detect = statistics.median(raw["detect_s"])
    per_thousand = 1000 / raw["sentences"]
    return {
        **raw,
        "detect_ms_per_1000": round(detect * per_thousand * 1000, 1),
        "translate_s_per_1000": round(base * per_thousand, 2),
        "scores_percent": round((scores - base) / base * 100, 2),
        "language_percent": round((both - scores) / base * 100, 2),
        "detect_percent": round(detect / base * 100, 2),
        "total_percent": round((both - base) / base * 100, 2),
    }


def run_rows(in_child: Callable[[str], dict[str, Any]]) -> list[dict[str, Any]]:
    return [summarize(in_child(JOB))]


def render_rows(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| language detection and scoring, per 1,000 sentences (ct2 int8 beam 4) "
        "| translate s | detector ms (load s) | scores % | pipeline with language % "
        "| detector alone % | total % | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['sentences']} sentences | {row['translate_s_per_1000']:.2f} "
            f"| {row['detect_ms_per_1000']:.1f} ({row['detector_load_s']:.2f}) "
            f"| {row['scores_percent']:+.2f} | {row['language_percent']:+.2f} "
            f"| {row['detect_percent']:.2f} | {row['total_percent']:+.2f} "
            f"| total < {_TARGET_PERCENT:.0f}% |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    common.progress("running: language detection and scoring")
    print(render_rows([summarize(measure(common.rounds()))]))
