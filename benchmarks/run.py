"""`make bench`: translator's engines against a naive script, on real-shaped models.

    python -m benchmarks.run            # 400 sentences, medians of 3 (slow ones: 1 run)
    BENCH_QUICK=1 python -m benchmarks.run   # 96 sentences, single runs, under 3 minutes
    BENCH_THREADS=1 ...                      # one thread per configuration

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

Each configuration runs in its own process, so its peak RSS is its own. Throughput is
generated tokens (the baseline's count for the workload, the same for every
configuration) per second of wall time, model loading excluded. Timings are noisy when
other work shares the cores: the table gives medians.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
MARIAN_DIR = CACHE / "opus-mt-de-en-shaped"
BART_DIR = CACHE / "distilbart-cnn-12-6-shaped"
RESULTS = Path(__file__).resolve().parent / "results.json"
_GOLD = ROOT / "tests" / "data" / "segment_gold_de.txt"
_CORPUS_FILES = [
    _GOLD,
    ROOT / "tests" / "data" / "belousov-dprk.de.txt",
    *sorted((ROOT / "tests" / "data" / "real_quotes").glob("*.txt")),
]
_SENTENCE_MARK = "\u241e"
_NEWS_SECTIONS = {"ud-pud", "ud-gsd", "sample", "constructed"}
_TOKENIZER_PIECES = 8000
_EOS_BIAS = -10_000.0  # fits float16, which the CTranslate2 copy stores
_OUTPUT_RATIO = 1.1
_SUMMARY_INPUT_TOKENS = 700
_SUMMARY_TOKENS = 100


def quick() -> bool:
    return os.environ.get("BENCH_QUICK", "").strip() not in {"", "0"}


# --- workload ---------------------------------------------------------------------------


def news_sentences() -> list[str]:
    """German news sentences (UD PUD/GSD, the sample article, constructed news) from the
    segmentation gold file, in file order."""
    sentences: list[str] = []
    section = ""
    for line in _GOLD.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if not line.strip() or line.startswith("#") or section not in _NEWS_SECTIONS:
            continue
        sentences.extend(part.strip() for part in line.split(_SENTENCE_MARK) if part.strip())
    return sentences


def workload(count: int) -> tuple[list[str], str]:
    """``count`` sentences (the news sentences, repeated as needed) and the document made
    of them: paragraphs of four sentences separated by blank lines."""
    pool = news_sentences()
    # A repeated sentence gets a number, so the pipeline's deduplication of identical
    # inputs cannot make a long workload look faster than it is.
    sentences = [
        pool[i % len(pool)] + (f" ({i // len(pool)})" if i >= len(pool) else "")
        for i in range(count)
    ]
    paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, count, 4)]
    return sentences, "\n\n".join(paragraphs) + "\n"


def target_tokens(source_tokens: int) -> int:
    """The fixed number of tokens generated for a source of ``source_tokens`` tokens."""
    return max(2, round(_OUTPUT_RATIO * source_tokens))


# --- models -----------------------------------------------------------------------------


def _corpus() -> list[str]:
    lines: list[str] = []
    for path in _CORPUS_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                lines.append(line.replace(_SENTENCE_MARK, ""))
    return lines


def _padded_vocab(vocab: dict[str, int], size: int) -> dict[str, int]:
    """``vocab`` grown to ``size`` entries with unused pieces."""
    padded = dict(vocab)
    next_id = max(padded.values()) + 1
    while len(padded) < size:
        padded[f"<unused_{next_id}>"] = next_id
        next_id += 1
    return padded


def build_marian(folder: Path) -> None:
    import sentencepiece
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    work = folder / "_spm"
    work.mkdir(parents=True, exist_ok=True)
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(_corpus()),
        model_prefix=str(work / "spm"),
        vocab_size=_TOKENIZER_PIECES,
        model_type="unigram",
        character_coverage=1.0,
        eos_id=0,
        unk_id=1,
        bos_id=-1,
        pad_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    processor = sentencepiece.SentencePieceProcessor(model_file=str(work / "spm.model"))
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    vocab = _padded_vocab(vocab, 58100)
    pad_id = 58100
    vocab["<pad>"] = pad_id
    (work / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        tokenizer = MarianTokenizer(
            source_spm=str(work / "spm.model"),
            target_spm=str(work / "spm.model"),
            vocab=str(work / "vocab.json"),
            source_lang="de",
            target_lang="en",
            model_max_length=512,
        )
    config = MarianConfig(
        vocab_size=58101,
        d_model=512,
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=8,
        decoder_attention_heads=8,
        encoder_ffn_dim=2048,
        decoder_ffn_dim=2048,
        max_position_embeddings=512,
        activation_function="swish",
        pad_token_id=pad_id,
        eos_token_id=0,
        bos_token_id=0,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=0,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
    )
    torch.manual_seed(0)
    model = MarianMTModel(config)
    with torch.no_grad():
        model.final_logits_bias[0, 0] = _EOS_BIAS
    # opus-mt-de-en's generation config.
    model.generation_config = GenerationConfig(
        bad_words_ids=[[pad_id]],
        bos_token_id=0,
        decoder_start_token_id=pad_id,
        eos_token_id=0,
        forced_eos_token_id=0,
        pad_token_id=pad_id,
        num_beams=4,
        max_length=512,
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    for leftover in work.iterdir():
        leftover.unlink()
    work.rmdir()


def build_bart(folder: Path) -> None:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import (
        BartConfig,
        BartForConditionalGeneration,
        BartTokenizer,
        GenerationConfig,
    )

    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        _corpus(),
        vocab_size=_TOKENIZER_PIECES,
        min_frequency=2,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        show_progress=False,
    )
    merges_file = bpe.save_model(str(folder))[1]
    merges = [
        tuple(line.split(" ", 1))
        for line in Path(merges_file).read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    vocab = _padded_vocab(bpe.get_vocab(), 50264)
    tokenizer = BartTokenizer(vocab=vocab, merges=merges, model_max_length=1024)
    config = BartConfig(
        vocab_size=50264,
        d_model=1024,
        encoder_layers=12,
        decoder_layers=6,
        encoder_attention_heads=16,
        decoder_attention_heads=16,
        encoder_ffn_dim=4096,
        decoder_ffn_dim=4096,
        max_position_embeddings=1024,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_eos_token_id=2,
    )
    torch.manual_seed(1)
    model = BartForConditionalGeneration(config)
    with torch.no_grad():
        model.final_logits_bias[0, 2] = _EOS_BIAS
    # distilbart-cnn-12-6's generation config.
    model.generation_config = GenerationConfig(
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=0,
        forced_eos_token_id=2,
        num_beams=4,
        min_length=56,
        max_length=142,
        length_penalty=2.0,
        no_repeat_ngram_size=3,
        early_stopping=True,
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def ensure_models() -> None:
    """Build the real-shaped models and their CTranslate2 copies once, into .cache/."""
    from translator.engines import convert

    for folder, build in ((MARIAN_DIR, build_marian), (BART_DIR, build_bart)):
        if not (folder / "config.json").is_file():
            started = time.perf_counter()
            build(folder)
            print(f"built {folder.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        if convert.find_converted(folder) is None:
            started = time.perf_counter()
            convert.convert_model(folder)
            elapsed = time.perf_counter() - started
            print(f"converted {folder.name} in {elapsed:.0f} s", file=sys.stderr)


# --- configurations (each run in a child process) --------------------------------------

# name -> (engine, beams, shown by default)
TRANSLATION_CONFIGS: dict[str, tuple[str, int | None, bool]] = {
    "naive HF generate, one sentence at a time, beam 4": ("baseline", None, False),
    "translator torch, sorted batches, beam 4": ("torch", None, False),
    "translator torch --fast (greedy)": ("torch", 1, False),
    "translator ct2 int8, beam 4 (default)": ("ct2", None, True),
    "translator ct2 int8 --fast (greedy)": ("ct2", 1, False),
}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fix_lengths(engine: Any) -> None:
    """Every row generates exactly target_tokens(source) tokens (see the module doc)."""
    engine._output_bounds = lambda counts, strict: [target_tokens(c) for c in counts]
    if hasattr(engine, "_exact_row_limits"):
        # Rows run to their batch's limit and are cut: more work, never less.
        engine._exact_row_limits = False


def _without_degenerate_retry() -> None:
    from translator import pipeline

    if not hasattr(pipeline, "_degenerate"):
        raise SystemExit("benchmarks: translator.pipeline._degenerate is gone; update run.py")
    pipeline._degenerate = lambda source, output: False  # type: ignore[attr-defined]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(run: Callable[[], object], repeats: int, cpu: list[float] | None = None) -> list[float]:
    """Wall seconds of each run; ``cpu`` collects each run's CPU seconds (all threads),
    which other processes on the same cores disturb less than wall time."""
    times = []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        run()
        times.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(_cpu_seconds() - cpu_started)
    return times


def run_translation(name: str, sentences: Sequence[str], document: str, repeats: int) -> dict:
    from translator import engines, pipeline

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
        _without_degenerate_retry()
        batch = int(os.environ.get("BENCH_BATCH_SIZE", "32"))
        engine = engines.load_translator(
            str(MARIAN_DIR), device="cpu", engine=kind, beams=beams, batch_size=batch
        )
        _fix_lengths(engine)
        original = engine.translate

        def counting(texts: Sequence[str], *, strict: bool = False) -> list[str]:
            generated["tokens"] += sum(target_tokens(n) for n in engine.count_tokens(texts))
            return original(texts, strict=strict)

        engine.translate = counting  # type: ignore[method-assign]
        pipeline.translate_document(document.split("\n\n")[0], engine)  # warm-up

        def run() -> None:
            pipeline.translate_document(document, engine)

    generated["tokens"] = 0
    cpu: list[float] = []
    times = _timed(run, repeats, cpu)
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
        "peak_rss_mb": round(_peak_rss_mb()),
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
    times = _timed(
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
        "peak_rss_mb": round(_peak_rss_mb()),
    }


def run_memory(kind: str, document: str) -> dict:
    """Peak RSS with the translation and the summary model loaded and used once each."""
    from translator import engines, pipeline
    from translator.schema import Options

    _without_degenerate_retry()
    translator = engines.load_translator(str(MARIAN_DIR), device="cpu", engine=kind)
    _fix_lengths(translator)
    summarizer = engines.load_summarizer(str(BART_DIR), device="cpu", engine=kind)
    pipeline.translate_document(
        document, translator, Options(summarize=True), summarizer=summarizer
    )
    return {
        "name": f"translation + summary models, {kind}",
        "peak_rss_mb": round(_peak_rss_mb()),
    }


def threads() -> int:
    """Threads per configuration: ``BENCH_THREADS`` when set, else every usable core."""
    configured = os.environ.get("BENCH_THREADS", "").strip()
    return int(configured) if configured.isdigit() and int(configured) > 0 else _cores()


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def workload_size() -> int:
    return 96 if quick() else 400


def baseline_share() -> int:
    """The baseline translates every 4th sentence: one sentence at a time, its speed does
    not depend on how many there are, and it is by far the slowest (the full workload
    would take it over 20 minutes)."""
    return 8 if quick() else 4


def child(job: str) -> None:
    # Before torch is imported: the engines take their thread count from it.
    os.environ["OMP_NUM_THREADS"] = str(threads())
    size = workload_size()
    sentences, document = workload(size)
    repeats = 1 if quick() else 3  # quick mode stays under 3 minutes: single runs
    if job.startswith("translate:"):
        name = job.split(":", 1)[1]
        kind, beams, _ = TRANSLATION_CONFIGS[name]
        if kind == "baseline":
            sentences = sentences[:: baseline_share()]
        # One run of the slow configurations in quick mode keeps it to a few minutes.
        slow = kind == "baseline" or (kind == "torch" and beams is None)
        result = run_translation(name, sentences, document, 1 if slow else repeats)
    elif job.startswith("summary:"):
        result = run_summary(job.split(":", 1)[1], repeats)
    elif job == "translation-memory":
        from benchmarks import memory_bench

        result = memory_bench.measure(repeats)
    else:
        result = run_memory(job.split(":", 1)[1], workload(12 if quick() else 40)[1])
    print(json.dumps(result))


def _in_child(job: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--child", job],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"benchmark job {job!r} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- report -----------------------------------------------------------------------------


def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gb = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    import ctranslate2
    import torch
    import transformers

    return {
        "cpu": model,
        "usable_cores": _cores(),
        "threads_per_config": threads(),
        "load_average_at_end": os.getloadavg(),
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "ctranslate2": ctranslate2.__version__,
    }


def workload_description(sentences: Sequence[str]) -> dict:
    from translator import engines

    tokenizer = engines.base._load_tokenizer(MARIAN_DIR, "translation")
    counts = [len(ids) for ids in tokenizer(list(sentences))["input_ids"]]
    return {
        "sentences": len(sentences),
        "mean_source_tokens": round(statistics.mean(counts), 1),
        "generated_tokens": sum(target_tokens(n) for n in counts),
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    started = time.perf_counter()
    ensure_models()
    size = workload_size()
    sentences, _ = workload(size)
    work = workload_description(sentences)
    print(
        f"workload: {work['sentences']} German news sentences, mean {work['mean_source_tokens']} "
        f"source tokens, {work['generated_tokens']} generated tokens per run",
        file=sys.stderr,
    )
    configs = []
    for name in TRANSLATION_CONFIGS:
        print(f"running: {name}", file=sys.stderr)
        result = _in_child(f"translate:{name}")
        median = statistics.median(result["seconds"])
        # The baseline may have translated a share of the sentences (see baseline_share).
        done = result.get("workload", work)
        configs.append(
            {
                "name": name,
                "default": result["default"],
                "tokens_per_s": round(done["generated_tokens"] / median, 1),
                "sentences_per_s": round(done["sentences"] / median, 2),
                "peak_rss_mb": result["peak_rss_mb"],
                "median_s": round(median, 2),
                "tokens_per_cpu_s": round(
                    done["generated_tokens"] / statistics.median(result["cpu_seconds"]), 1
                ),
                "runs_s": [round(t, 2) for t in result["seconds"]],
                "engine_tokens_per_workload_token": round(
                    result["generated_tokens_per_run"] / done["generated_tokens"], 2
                ),
            }
        )
    baseline = configs[0]["tokens_per_s"]
    baseline_cpu = configs[0]["tokens_per_cpu_s"]
    for config in configs:
        config["ratio_to_baseline"] = round(config["tokens_per_s"] / baseline, 1)
        config["cpu_ratio_to_baseline"] = round(config["tokens_per_cpu_s"] / baseline_cpu, 1)
    # Quick mode measures the default (CTranslate2) summary and memory only.
    kinds = ("ct2",) if quick() else ("torch", "ct2")
    summaries = []
    for kind in kinds:
        print(f"running: summary {kind}", file=sys.stderr)
        summaries.append(_in_child(f"summary:{kind}"))
    memory = []
    for kind in kinds:
        print(f"running: memory {kind}", file=sys.stderr)
        memory.append(_in_child(f"memory:{kind}"))
    from benchmarks import memory_bench

    translation_memory = memory_bench.run_rows(_in_child)
    report = {
        "translation_memory": translation_memory,
        "machine": machine(),
        "quick": quick(),
        "workload": work,
        "configs": configs,
        "summary": summaries,
        "memory": memory,
        "total_s": round(time.perf_counter() - started),
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(render(report))


def render(report: dict) -> str:
    lines = [
        f"machine: {report['machine']['cpu']}, {report['machine']['usable_cores']} cores, "
        f"{report['machine']['memory_gb']} GB, {report['machine']['threads_per_config']} "
        f"thread(s) per configuration, load average {report['machine']['load_average_at_end']}",
        f"workload: {report['workload']['sentences']} sentences, "
        f"{report['workload']['generated_tokens']} generated tokens per run"
        + (" (BENCH_QUICK)" if report["quick"] else ""),
        "",
        "| configuration | tokens/s | sentences/s | x baseline | tokens/CPU-s (x baseline) "
        "| peak RSS MB | runs (s) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for config in report["configs"]:
        runs = ", ".join(f"{t:.1f}" for t in config["runs_s"])
        lines.append(
            f"| {config['name']} | {config['tokens_per_s']:,.0f} | "
            f"{config['sentences_per_s']:.2f} | {config['ratio_to_baseline']:.1f} | "
            f"{config['tokens_per_cpu_s']:,.0f} ({config['cpu_ratio_to_baseline']:.1f}) | "
            f"{config['peak_rss_mb']:,} | {runs} |"
        )
    lines += ["", "| summary, 700 -> 100 tokens | median s | peak RSS MB |", "|---|---:|---:|"]
    for summary in report["summary"]:
        lines.append(
            f"| {summary['name']} | {summary['median_s']:.2f} | {summary['peak_rss_mb']:,} |"
        )
    lines += ["", "| both models loaded and used | peak RSS MB |", "|---|---:|"]
    for entry in report["memory"]:
        lines.append(f"| {entry['name']} | {entry['peak_rss_mb']:,} |")
    if "translation_memory" in report:
        from benchmarks import memory_bench

        lines += ["", memory_bench.render_rows(report["translation_memory"])]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
