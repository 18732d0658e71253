"""The configurations `make bench` measures and the runners that measure one each, in the
child process it runs in: the naive script, the bare CTranslate2 script, translator's
translation and summary, loaded-models memory, cold start and flat memory (see
benchmarks/run.py for what each row means)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

from benchmarks.common import (
    ROOT,
    fix_lengths,
    peak_rss_mb,
    quick,
    target_tokens,
    threads,
    timed,
    without_degenerate_retry,
)
from benchmarks.shaped_models import BART_DIR, MARIAN_DIR
from benchmarks.workload import ARTICLE, news_sentences, stream_input

_SUMMARY_INPUT_TOKENS = 700
_SUMMARY_TOKENS = 100


# name -> (engine, beams, shown by default); beams None: the model's own (4).
TRANSLATION_CONFIGS: dict[str, tuple[str, int | None, bool]] = {
    "naive HF generate, one sentence at a time, beam 4": ("baseline", None, False),
    "bare CTranslate2 script, beam 4": ("bare", 4, False),
    "bare CTranslate2 script, greedy": ("bare", 1, False),
    "translator torch, sorted batches, beam 4": ("torch", None, False),
    "translator torch --fast (greedy)": ("torch", 1, False),
    "translator ct2 int8, beam 4 (default)": ("ct2", None, True),
    "translator ct2 int8 --fast (greedy)": ("ct2", 1, False),
}
NAIVE = "naive HF generate, one sentence at a time, beam 4"
BARE = {4: "bare CTranslate2 script, beam 4", 1: "bare CTranslate2 script, greedy"}
BARE_BATCH_SIZES = (8, 16, 32, 64)


def bare_batch_sizes() -> tuple[int, ...]:
    """The bare script's batch sizes: 8, 16, 32 and 64 sentences a batch, and every
    pipeline row's ratio is to the best of them (the best size differs between machines:
    greedy was fastest at 32 on one 2-core machine, 2026-11-28, and at 16 on another,
    issue 26). Quick mode leaves out 64 (each size is a whole pass over the workload)."""
    return BARE_BATCH_SIZES[:3] if quick() else BARE_BATCH_SIZES


def beams_of(name: str) -> int:
    return TRANSLATION_CONFIGS[name][1] or 4


def slow(name: str) -> bool:
    """The configurations that run in the first round only (minutes each)."""
    kind, beams, _ = TRANSLATION_CONFIGS[name]
    return kind == "baseline" or (kind == "torch" and beams is None)


def baseline_share() -> int:
    """The baseline translates every 4th sentence: one sentence at a time, its speed does
    not depend on how many there are, and it is by far the slowest (the full workload
    would take it over 20 minutes)."""
    return 16 if quick() else 4


def only() -> list[str]:
    """``BENCH_ONLY=ct2,bare``: only the translation rows whose engine is named (no
    summary or loaded-models rows); for a machine too busy for the slow rows."""
    return [word.strip() for word in os.environ.get("BENCH_ONLY", "").split(",") if word.strip()]


def configurations() -> list[str]:
    """What runs: quick mode leaves out the torch rows (minutes, and not the default)."""
    return [
        name
        for name, (kind, _, _) in TRANSLATION_CONFIGS.items()
        if (kind != "torch" or not quick()) and (not only() or kind in only())
    ]


def run_translation(name: str, sentences: Sequence[str], document: str, repeats: int) -> dict:
    from translator import engines, pipeline
    from translator.options import Options

    kind, beams, _ = TRANSLATION_CONFIGS[name]
    generated = {"tokens": 0}
    if kind == "baseline":
        import torch
        from transformers import MarianMTModel, MarianTokenizer

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
            tokenizer = MarianTokenizer.from_pretrained(MARIAN_DIR)
        model = MarianMTModel.from_pretrained(MARIAN_DIR).eval()
        torch.set_num_threads(threads())

        def translate_all() -> None:
            for sentence in sentences:
                inputs = tokenizer([sentence], return_tensors="pt")
                steps = target_tokens(inputs["input_ids"].shape[1])
                with torch.inference_mode():
                    output = model.generate(**inputs, min_new_tokens=steps, max_new_tokens=steps)
                tokenizer.batch_decode(output, skip_special_tokens=True)
                generated["tokens"] += output.shape[1] - 1

        run = translate_all
    else:
        without_degenerate_retry()
        # The default is automatic (None); BENCH_BATCH_SIZE asks for a fixed size and
        # BENCH_HYPOTHESIS_TOKENS for another automatic budget, to compare rules.
        fixed = os.environ.get("BENCH_BATCH_SIZE", "").strip()
        engine = engines.load_translator(
            str(MARIAN_DIR),
            device="cpu",
            engine=kind,
            beams=beams,
            batch_size=int(fixed) if fixed else None,
        )
        budget = os.environ.get("BENCH_HYPOTHESIS_TOKENS", "").strip()
        if budget:
            engine._hypothesis_tokens = int(budget)  # type: ignore[attr-defined]
        fix_lengths(engine)
        # Every engine call of the pipeline goes through one of these two.
        method = "submit_scored" if hasattr(engine, "submit_scored") else "translate_scored"
        original = getattr(engine, method)

        def counting(texts: Sequence[str], **options: Any) -> Any:
            generated["tokens"] += sum(target_tokens(n) for n in engine.count_tokens(texts))
            return original(texts, **options)

        setattr(engine, method, counting)
        # As `translator translate` runs it to text, its default output: no scores asked
        # (only JSON and the review page show them; language_bench measures their cost).
        to_text = Options(scores=False)
        pipeline.translate_document(document.split("\n\n")[0], engine, to_text)  # warm-up

        def run() -> None:
            pipeline.translate_document(document, engine, to_text)

    generated["tokens"] = 0
    cpu: list[float] = []
    times = timed(run, repeats, cpu)
    extra = {}
    if kind == "baseline":
        per_run = generated["tokens"] // repeats
        extra["workload"] = {"sentences": len(sentences), "generated_tokens": per_run}
    return {
        **extra,
        "name": name,
        "default": TRANSLATION_CONFIGS[name][2],
        "seconds": times,
        "cpu_seconds": cpu,
        "generated_tokens_per_run": generated["tokens"] / repeats,
        "peak_rss_mb": round(peak_rss_mb()),
    }


def run_bare(beams: int, sentences: Sequence[str]) -> dict:
    """The yardstick: what a user who knows CTranslate2 writes for pre-split sentences.

    The sentences are tokenized with the model's tokenizer, sorted by length, cut into
    batches of ``size`` sentences and queued with ``translate_batch`` on ``inter_threads`` =
    cores workers; the outputs are detokenized in one ``batch_decode``. It runs once per
    batch size (8, 16, 32 sentences; the report takes the best). Tokenizing and
    detokenizing are timed, as in the pipeline; sentence splitting is not (it is given).
    The only change for the benchmark: each batch decodes to its longest row's forced
    length, and rows are cut to their own, exactly as the pipeline's engine does.
    """
    import ctranslate2

    from translator import engines
    from translator.engines import convert

    tokenizer = engines.common.load_tokenizer(MARIAN_DIR, "translation")
    converted = convert.find_converted(MARIAN_DIR)
    assert converted is not None
    model = ctranslate2.Translator(
        str(converted),
        device="cpu",
        compute_type="int8",
        inter_threads=threads(),
        intra_threads=1,
    )

    def translate_all(size: int, texts: Sequence[str] = sentences) -> list[str]:
        ids = tokenizer(list(texts))["input_ids"]
        sources = [tokenizer.convert_ids_to_tokens(row) for row in ids]
        order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
        # CTranslate2's length limit excludes the end token; the targets include it.
        limits = [target_tokens(len(source)) - 1 for source in sources]
        queued = []
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            results = model.translate_batch(
                [sources[i] for i in batch],
                beam_size=beams,
                max_decoding_length=max(limits[i] for i in batch),
                asynchronous=True,
            )
            queued.append((batch, results))
        outputs: list[list[str]] = [[] for _ in sources]
        for batch, results in queued:
            for i, result in zip(batch, results, strict=True):
                outputs[i] = result.result().hypotheses[0][: limits[i]]
        decoded: list[str] = tokenizer.batch_decode(
            [tokenizer.convert_tokens_to_ids(tokens) for tokens in outputs],
            skip_special_tokens=True,
        )
        return decoded

    # Warm-up: a batch per worker at the largest size, as the pipeline's rows warm up on
    # one paragraph (a whole pass here cost as much as a measured one).
    largest = max(bare_batch_sizes())
    translate_all(largest, sentences[: largest * threads()])
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for size in bare_batch_sizes():
        used: list[float] = []
        [seconds[str(size)]] = timed(lambda size=size: translate_all(size), 1, used)
        cpu[str(size)] = used[0]
    return {
        "seconds_by_batch": seconds,
        "cpu_seconds_by_batch": cpu,
        "peak_rss_mb": round(peak_rss_mb()),
    }


def _summary_input(summarizer: Any) -> str:
    words = " ".join(news_sentences()).split()
    low, high = 1, len(words)
    while low < high:  # the longest prefix of at most 700 tokens
        middle = (low + high + 1) // 2
        if summarizer.count_tokens([" ".join(words[:middle])])[0] <= _SUMMARY_INPUT_TOKENS:
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low])


def run_summary(kind: str, repeats: int) -> dict:
    from translator import engines

    summarizer = engines.load_summarizer(str(BART_DIR), device="cpu", engine=kind)
    text = _summary_input(summarizer)
    tokens = summarizer.count_tokens([text])[0]
    summarizer.summarize([text[:200]], min_tokens=5, max_tokens=5)  # warm-up
    times = timed(
        lambda: summarizer.summarize(
            [text], min_tokens=_SUMMARY_TOKENS, max_tokens=_SUMMARY_TOKENS
        ),
        repeats,
    )
    return {
        "name": f"summary {kind}{' int8' if kind == 'ct2' else ' float32'}, beam 4",
        "input_tokens": tokens,
        "output_tokens": _SUMMARY_TOKENS,
        "seconds": times,
        "median_s": round(statistics.median(times), 2),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def run_memory(kind: str, document: str) -> dict:
    """Peak RSS with the translation and the summary model loaded and used once each."""
    from translator import engines, pipeline
    from translator.options import Options

    without_degenerate_retry()
    translator = engines.load_translator(str(MARIAN_DIR), device="cpu", engine=kind)
    fix_lengths(translator)
    summarizer = engines.load_summarizer(str(BART_DIR), device="cpu", engine=kind)
    pipeline.translate_document(
        document, translator, Options(summarize=True), summarizer=summarizer
    )
    return {
        "name": f"translation + summary models, {kind}",
        "peak_rss_mb": round(peak_rss_mb()),
    }


COLD_START_PHASES = ("interpreter_s", "imports_s", "load_s", "translate_s", "write_s")


def run_cold_start() -> dict:
    """`translator translate ARTICLE` in a fresh process (benchmarks/coldstart.py), timed
    from spawn to exit, with its phases."""
    spawned = time.time()
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.coldstart", str(ARTICLE), str(MARIAN_DIR)],
        cwd=ROOT,
        env={**os.environ, "BENCH_SPAWNED_AT": repr(spawned)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    total = time.time() - spawned
    if completed.returncode != 0:
        raise SystemExit(f"cold start failed:\n{completed.stderr[-3000:]}")
    phases = json.loads(completed.stderr.strip().splitlines()[-1])
    return {**phases, "total_s": total}


class FastFakeEngine:
    """Upper-cases its input: the memory rows measure the pipeline, not a model."""

    max_input_tokens = 512

    @property
    def info(self) -> Any:
        from translator.schema import ModelInfo

        return ModelInfo(id="fast-fake", revision="benchmark")

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) + 1 for text in texts]

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        return [text.upper() for text in texts]


def use_fast_fake_engine() -> None:
    """Every model load gives the ``FastFakeEngine`` (in this process; Ray's workers run it
    as their setup hook)."""
    from translator import engines

    engines.load_translator = lambda *args, **kwargs: FastFakeEngine()  # type: ignore[assignment]


def run_stream(megabytes: int, output_format: str) -> dict:
    """Peak RSS of `translator translate FILE --format FORMAT > /dev/null` on a
    ``megabytes`` MB file, with the fast fake engine in place of the models."""
    from translator import engines
    from translator.cli import main as cli_main

    path = stream_input(megabytes)
    engines.load_translator = lambda *args, **kwargs: FastFakeEngine()  # type: ignore[assignment]
    sys.argv = ["translator", "translate", str(path), "-q", "--no-cache", "--format", output_format]
    saved = os.dup(1)
    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            cli_main()
        except SystemExit as done:
            if done.code not in (0, None):
                raise
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
    return {
        "name": f"{megabytes} MB, --format {output_format}",
        "megabytes": megabytes,
        "format": output_format,
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def stream_jobs() -> list[tuple[int, str]]:
    """(MB, format) of the flat-memory rows: text and json at 1, 10 and 100 MB; quick mode
    keeps 1 and 10 MB of text (two sizes show whether memory grows; 6 s)."""
    if quick():
        return [(1, "text"), (10, "text")]
    return [(size, output) for output in ("text", "json") for size in (1, 10, 100)]
