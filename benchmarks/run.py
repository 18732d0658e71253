"""`make bench`: translator against a naive script and a bare CTranslate2 script.

    python -m benchmarks.run            # 400 sentences, 3 interleaved rounds, medians
    BENCH_QUICK=1 python -m benchmarks.run   # the same workload and ratios, one round;
                                             # no torch, summary or 10/100 MB rows: ~2-2.5 min
    BENCH_THREADS=1 ...                      # one thread per configuration
    BENCH_ONLY=ct2,bare ...                  # only those engines' translation rows

The models have random weights in the exact shapes of Helsinki-NLP/opus-mt-de-en
(d_model 512, 6+6 layers, 8 heads, ffn 2048, vocabulary 58,101) and
sshleifer/distilbart-cnn-12-6 (d_model 1024, 12 encoder and 6 decoder layers, 16 heads,
ffn 4096, vocabulary 50,264), built once into benchmarks/.cache/ and converted to
CTranslate2 there. The tokenizers are smaller than the real ones (SentencePiece and
byte-level BPE with 8,000 pieces, trained on the German text in tests/data); the
vocabulary is padded with unused pieces so that the embedding and output matrices --
where much of the decoding time goes -- have their real size.

Random weights stop at random, so output lengths are fixed: every sentence generates
round(1.1 x its source tokens) tokens (end-of-sentence suppressed by a -10,000 logit bias,
then forced at the bound) in every configuration. The naive baseline is what a short
script does: ``model.generate`` one sentence at a time with the model's own generation
config (beam 4). translator's configurations run the whole pipeline
(``translate_document``: segmentation, quotation handling, batching, detokenisation) on
the same document. Random outputs would trip the pipeline's degenerate-output retry on
nearly every sentence, which a real model does not; the benchmark turns that check off.
The quotation fallbacks that garbage output triggers (re-translating the text around a
quotation in pieces) stay on: that extra work counts against translator.

The yardstick is the bare CTranslate2 script (``run_bare``) that someone who knows the
field writes: sentences given pre-split, sorted by length, ``translate_batch`` on
``inter_threads`` = cores workers, the best of 8, 16, 32 and 64 sentences a batch; one row
for beam 4 and one for greedy, and every row's ratio to the one that decodes the same way.

Each configuration runs in its own process, so its peak RSS is its own, and the rounds
are interleaved (every configuration once, then again), so that other work on a shared
machine disturbs them alike. Throughput is generated tokens (the baseline's count for
the workload, the same for every configuration) per second of wall time, model loading
excluded; tokens per CPU-second, which other work disturbs less, are given beside it.
The table gives medians.

Two more rows: a cold start (``benchmarks/coldstart.py``: `translator translate` on the
sample article in a fresh process, split into interpreter start, imports, model load,
translation and writing), and flat memory (`translator translate` on 1, 10 and 100 MB
files with a fast fake engine, output streamed to /dev/null; and 10 MB as json), then the
translation memory's rows (``benchmarks/memory_bench.py``) and a 100,000-entry glossary's
cost (``benchmarks/glossary_bench.py``), language detection and scoring
(``benchmarks/language_bench.py``), PDF pages and subtitle cues per second
(``benchmarks/formats_bench.py``).

The run is this orchestrator and its parts: ``workload.py`` (the German text),
``shaped_models.py`` (the random-weight models), ``runners.py`` (one configuration,
measured in a child process), ``report.py`` (medians, ratios, tables) and ``common.py``
(settings and measurement helpers every benchmark shares).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

from benchmarks import batch_bench, formats_bench, glossary_bench, language_bench, memory_bench
from benchmarks.common import RESULTS, in_child, progress, quick, rounds, threads
from benchmarks.report import add_ratios, machine, render, summarize_runs, workload_description
from benchmarks.runners import (
    COLD_START_PHASES,
    TRANSLATION_CONFIGS,
    baseline_share,
    configurations,
    only,
    run_bare,
    run_cold_start,
    run_memory,
    run_stream,
    run_summary,
    run_translation,
    slow,
    stream_jobs,
)
from benchmarks.shaped_models import ensure_models
from benchmarks.workload import workload, workload_size


def child(job: str) -> None:
    """Run one job (``common.in_child`` starts this process) and print its result."""
    # Before torch is imported: the engines take their thread count from it.
    os.environ["OMP_NUM_THREADS"] = str(threads())
    size = workload_size()
    sentences, document = workload(size)
    repeats = rounds()
    if job.startswith("translate:"):
        name = job.split(":", 1)[1]
        kind, beams, _ = TRANSLATION_CONFIGS[name]
        if kind == "baseline":
            sentences = sentences[:: baseline_share()]
        if kind == "bare":
            result = run_bare(beams or 4, sentences)
        else:
            # One run per process: main() interleaves the rounds of all configurations,
            # so that other work on the machine disturbs them alike.
            result = run_translation(name, sentences, document, 1)
    elif job.startswith("summary:"):
        result = run_summary(job.split(":", 1)[1], repeats)
    elif job == memory_bench.JOB:
        result = memory_bench.measure(repeats, without_memory=not quick())
    elif job.startswith(glossary_bench.JOB):
        result = glossary_bench.measure(job.split(":", 1)[1], repeats)
    elif job == language_bench.JOB:
        result = language_bench.measure(repeats)
    elif job.startswith("stream:"):
        megabytes, output_format = job.split(":")[1:]
        result = run_stream(int(megabytes), output_format)
    else:
        result = run_memory(job.split(":", 1)[1], workload(12 if quick() else 40)[1])
    print(json.dumps(result))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    started = time.perf_counter()
    ensure_models()
    sentences, _ = workload(workload_size())
    work = workload_description(sentences)
    print(
        f"workload: {work['sentences']} German news sentences, mean {work['mean_source_tokens']} "
        f"source tokens, {work['generated_tokens']} generated tokens per run",
        file=sys.stderr,
    )
    runs: dict[str, list[dict]] = {name: [] for name in configurations()}
    cold_starts: list[dict] = []
    for round_number in range(rounds()):
        for name in configurations():
            if round_number and slow(name):
                continue
            progress(f"running (round {round_number + 1}): {name}")
            runs[name].append(in_child(f"translate:{name}"))
        progress(f"running (round {round_number + 1}): cold start")
        cold_starts.append(run_cold_start())
    configs = [summarize_runs(name, runs[name], work) for name in configurations()]
    add_ratios(configs)
    cold_start = {
        key: round(statistics.median(run[key] for run in cold_starts), 3)
        for key in (*COLD_START_PHASES, "total_s")
    }
    cold_start["unused_modules_loaded"] = sorted(
        {name for run in cold_starts for name in run["unused_modules_loaded"]}
    )
    streams = []
    for megabytes, output_format in stream_jobs():
        progress(f"running: flat memory, {megabytes} MB, {output_format}")
        streams.append(in_child(f"stream:{megabytes}:{output_format}"))
    # Quick mode leaves out the summary and loaded-models memory rows.
    kinds = () if quick() or only() else ("torch", "ct2")
    summaries = []
    for kind in kinds:
        progress(f"running: summary {kind}")
        summaries.append(in_child(f"summary:{kind}"))
    memory = []
    for kind in kinds:
        progress(f"running: memory {kind}")
        memory.append(in_child(f"memory:{kind}"))
    progress("running: translation memory")
    translation_memory = memory_bench.run_rows(in_child)
    progress("running: 100,000-entry glossary")
    glossary = glossary_bench.run_rows(in_child)
    progress("running: language detection and scoring")
    language = language_bench.run_rows(in_child)
    progress("running: PDF pages and subtitle cues per second")
    formats = formats_bench.measure()
    progress("running: batch rerun of done files, and a large file in a batch")
    batch_rows = batch_bench.run_rows(quick())
    report = {
        "batch": batch_rows,
        "translation_memory": translation_memory,
        "glossary": glossary,
        "language": language,
        "formats": formats,
        "machine": machine(),
        "quick": quick(),
        "only": only(),
        "workload": work,
        "configs": configs,
        "summary": summaries,
        "memory": memory,
        "cold_start": cold_start,
        "flat_memory": streams,
        "total_s": round(time.perf_counter() - started),
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    progress(f"done; results in {RESULTS}")
    print(render(report))


if __name__ == "__main__":
    main()
