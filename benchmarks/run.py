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
``inter_threads`` = cores workers, the best of 8, 16 and 32 sentences a batch; one row
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
files with a fast fake engine, output streamed to /dev/null; and 10 MB as json).
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


_STARTED = time.perf_counter()


def progress(message: str) -> None:
    """A step of the run on stderr, with the seconds since the run started."""
    print(f"[{time.perf_counter() - _STARTED:4.0f} s] {message}", file=sys.stderr)


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
BARE_BATCH_SIZES = (8, 16, 32)


def bare_batch_sizes() -> tuple[int, ...]:
    """The bare script's batch sizes. Quick mode leaves out 16 (each size is a whole pass
    over the workload): it was never the best (two full runs, 2026-11-28, 8/16/32 a
    batch: beam 4 13.89/14.06/13.88 and 13.74/14.55/13.76 s, 8 and 32 tied; greedy
    6.88/5.67/4.85 and 7.12/5.81/4.89 s)."""
    return (8, 32) if quick() else BARE_BATCH_SIZES


def beams_of(name: str) -> int:
    return TRANSLATION_CONFIGS[name][1] or 4


def slow(name: str) -> bool:
    """The configurations that run in the first round only (minutes each)."""
    kind, beams, _ = TRANSLATION_CONFIGS[name]
    return kind == "baseline" or (kind == "torch" and beams is None)


def _peak_rss_mb() -> float:
    """This process's peak RSS. Linux's ``ru_maxrss`` survives fork and exec, so a child
    would report at least the parent's size at spawn (80 MB here: the flat-memory rows
    all read 80); ``VmHWM`` belongs to the process's own memory map."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fix_lengths(engine: Any) -> None:
    """Every row generates exactly target_tokens(source) tokens (see the module doc)."""
    engine._output_bounds = lambda counts, strict: [target_tokens(c) for c in counts]
    if hasattr(engine, "_exact_row_limits"):
        # Rows run to their batch's limit and are cut: more work, never less.
        engine._exact_row_limits = False


def _without_degenerate_retry() -> None:
    from translator.pipeline import requests

    if not hasattr(requests, "degenerate"):
        raise SystemExit("benchmarks: pipeline.requests.degenerate is gone; update run.py")
    requests.degenerate = lambda source, output: False  # no strict retries


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
        [seconds[str(size)]] = _timed(lambda size=size: translate_all(size), 1, used)
        cpu[str(size)] = used[0]
    return {
        "seconds_by_batch": seconds,
        "cpu_seconds_by_batch": cpu,
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
    from translator.options import Options

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


ARTICLE = ROOT / "tests" / "data" / "belousov-dprk.de.txt"
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


def stream_input(megabytes: int) -> Path:
    """A German text file of about ``megabytes`` MB: the sample article over and over, each
    copy numbered (so no window is all duplicates)."""
    path = CACHE / f"input-{megabytes}mb.de.txt"
    if path.is_file():
        return path
    article = ARTICLE.read_text(encoding="utf-8")
    CACHE.mkdir(parents=True, exist_ok=True)
    written, copy = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while written < megabytes * 1_000_000:
            text = article.replace("\n\n", f" ({copy})\n\n", 1)
            out.write(text if text.endswith("\n\n") else text.rstrip("\n") + "\n\n")
            written += len(text.encode("utf-8"))
            copy += 1
    return path


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
        "peak_rss_mb": round(_peak_rss_mb()),
    }


def stream_jobs() -> list[tuple[int, str]]:
    """(MB, format) of the flat-memory rows: text and json at 1, 10 and 100 MB; quick mode
    keeps 1 and 10 MB of text (two sizes show whether memory grows; 6 s)."""
    if quick():
        return [(1, "text"), (10, "text")]
    return [(size, output) for output in ("text", "json") for size in (1, 10, 100)]


def threads() -> int:
    """Threads per configuration: ``BENCH_THREADS`` when set, else every usable core."""
    configured = os.environ.get("BENCH_THREADS", "").strip()
    return int(configured) if configured.isdigit() and int(configured) > 0 else _cores()


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def workload_size() -> int:
    """400 sentences in both modes: 96 kept too few batches in flight to keep both
    workers busy, and its ratios (14x) did not match the full run's (18-29x)."""
    return 400


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


def child(job: str) -> None:
    # Before torch is imported: the engines take their thread count from it.
    os.environ["OMP_NUM_THREADS"] = str(threads())
    size = workload_size()
    sentences, document = workload(size)
    repeats = 1 if quick() else 3
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
    elif job == "translation-memory":
        from benchmarks import memory_bench

        result = memory_bench.measure(repeats, without_memory=not quick())
    elif job.startswith("stream:"):
        megabytes, output_format = job.split(":")[1:]
        result = run_stream(int(megabytes), output_format)
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

    tokenizer = engines.common.load_tokenizer(MARIAN_DIR, "translation")
    counts = [len(ids) for ids in tokenizer(list(sentences))["input_ids"]]
    return {
        "sentences": len(sentences),
        "mean_source_tokens": round(statistics.mean(counts), 1),
        "generated_tokens": sum(target_tokens(n) for n in counts),
    }


def rounds() -> int:
    """Rounds of every configuration, interleaved (the slow ones run in the first only)."""
    return 1 if quick() else 3


def summarize_runs(name: str, runs: Sequence[dict], work: dict) -> dict:
    """One table row from a configuration's runs: medians over the rounds; for the bare
    script, the median of each batch size and then the best batch size."""
    kind, _, default = TRANSLATION_CONFIGS[name]
    extra: dict[str, Any] = {}
    if kind == "bare":
        by_size = {
            size: statistics.median(run["seconds_by_batch"][str(size)] for run in runs)
            for size in bare_batch_sizes()
        }
        best = min(by_size, key=lambda size: by_size[size])
        seconds = [run["seconds_by_batch"][str(best)] for run in runs]
        cpu = [run["cpu_seconds_by_batch"][str(best)] for run in runs]
        extra = {
            "best_batch_sentences": best,
            "median_s_by_batch": {str(k): round(v, 2) for k, v in by_size.items()},
        }
    else:
        seconds = [t for run in runs for t in run["seconds"]]
        cpu = [t for run in runs for t in run["cpu_seconds"]]
    # The naive baseline may have translated a share of the sentences (baseline_share).
    done = runs[0].get("workload", work)
    median = statistics.median(seconds)
    engine_tokens = statistics.mean(run.get("generated_tokens_per_run", 0) for run in runs)
    return {
        "name": name,
        "default": default,
        "beams": beams_of(name),
        "tokens_per_s": round(done["generated_tokens"] / median, 1),
        "sentences_per_s": round(done["sentences"] / median, 2),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "median_s": round(median, 2),
        "tokens_per_cpu_s": round(done["generated_tokens"] / statistics.median(cpu), 1),
        "runs_s": [round(t, 2) for t in seconds],
        **extra,
        **(
            {}
            if kind == "bare"
            else {
                "engine_tokens_per_workload_token": round(
                    engine_tokens / done["generated_tokens"], 2
                )
            }
        ),
    }


def add_ratios(configs: list[dict]) -> None:
    """Each row's speed against the naive script, and against the bare CTranslate2 script
    that decodes the same way (beam 4 or greedy)."""
    by_name = {config["name"]: config for config in configs}

    def ratio(config: dict, to: str, key: str, digits: int) -> float | None:
        other = by_name.get(to)
        return None if other is None else round(config[key] / other[key], digits)

    for config in configs:
        bare = BARE[config["beams"]]
        config["ratio_to_baseline"] = ratio(config, NAIVE, "tokens_per_s", 1)
        config["cpu_ratio_to_baseline"] = ratio(config, NAIVE, "tokens_per_cpu_s", 1)
        config["ratio_to_bare"] = ratio(config, bare, "tokens_per_s", 2)
        config["cpu_ratio_to_bare"] = ratio(config, bare, "tokens_per_cpu_s", 2)


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
    runs: dict[str, list[dict]] = {name: [] for name in configurations()}
    cold_starts: list[dict] = []
    for round_number in range(rounds()):
        for name in configurations():
            if round_number and slow(name):
                continue
            progress(f"running (round {round_number + 1}): {name}")
            runs[name].append(_in_child(f"translate:{name}"))
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
        streams.append(_in_child(f"stream:{megabytes}:{output_format}"))
    # Quick mode leaves out the summary and loaded-models memory rows.
    kinds = () if quick() or only() else ("torch", "ct2")
    summaries = []
    for kind in kinds:
        progress(f"running: summary {kind}")
        summaries.append(_in_child(f"summary:{kind}"))
    memory = []
    for kind in kinds:
        progress(f"running: memory {kind}")
        memory.append(_in_child(f"memory:{kind}"))
    from benchmarks import memory_bench

    progress("running: translation memory")
    translation_memory = memory_bench.run_rows(_in_child)
    report = {
        "translation_memory": translation_memory,
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


def render(report: dict) -> str:
    lines = [
        f"machine: {report['machine']['cpu']}, {report['machine']['usable_cores']} cores, "
        f"{report['machine']['memory_gb']} GB, {report['machine']['threads_per_config']} "
        f"thread(s) per configuration, load average {report['machine']['load_average_at_end']}",
        f"workload: {report['workload']['sentences']} sentences, "
        f"{report['workload']['generated_tokens']} generated tokens per run"
        + (" (BENCH_QUICK)" if report["quick"] else "")
        + (f" (BENCH_ONLY={','.join(report['only'])})" if report.get("only") else ""),
        "",
        "| configuration | tokens/s | sentences/s | x naive | x bare CT2 (same decoding) "
        "| tokens/CPU-s (x bare) | peak RSS MB | runs (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for config in report["configs"]:
        runs = ", ".join(f"{t:.1f}" for t in config["runs_s"])
        name = config["name"]
        if "best_batch_sentences" in config:
            name += f" (best: {config['best_batch_sentences']} a batch)"
        lines.append(
            f"| {name} | {config['tokens_per_s']:,.0f} | "
            f"{config['sentences_per_s']:.2f} | {_number(config['ratio_to_baseline'], 1)} | "
            f"{_number(config['ratio_to_bare'], 2)} | "
            f"{config['tokens_per_cpu_s']:,.0f} ({_number(config['cpu_ratio_to_bare'], 2)}) | "
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
    cold = report["cold_start"]
    lines += [
        "",
        "| cold start: `translator translate` sample article, ct2 beam 4 (medians, s) "
        "| interpreter | imports | model load | translation | write | total |",
        "|---|---:|---:|---:|---:|---:|---:|",
        "| "
        + f"{ARTICLE.name}; loaded but unused: {', '.join(cold['unused_modules_loaded']) or '-'}"
        + "".join(f" | {cold[key]:.2f}" for key in (*COLD_START_PHASES, "total_s"))
        + " |",
        "",
        "| flat memory, fast fake engine, output to /dev/null | seconds | peak RSS MB |",
        "|---|---:|---:|",
    ]
    for entry in report["flat_memory"]:
        lines.append(f"| {entry['name']} | {entry['seconds']:.1f} | {entry['peak_rss_mb']:,} |")
    if "translation_memory" in report:
        from benchmarks import memory_bench

        lines += ["", memory_bench.render_rows(report["translation_memory"])]
    return "\n".join(lines)


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    main()
