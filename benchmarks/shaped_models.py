"""Random-weight models saved the way real ones are shipped: one builder, two sizes.

``build_marian`` and ``build_bart`` train a tokenizer (SentencePiece unigram with Marian's
id layout, or byte-level BPE), save it as a Marian or BART tokenizer, and save a model of
the given ``ModelShape`` with random weights (fixed seeds: built twice, the same files).

- The benchmark's shapes (``OPUS_MT_SHAPED``, ``DISTILBART_SHAPED``) are those of
  Helsinki-NLP/opus-mt-de-en and sshleifer/distilbart-cnn-12-6, with their generation
  configs; the tokenizers are smaller than the real ones, and the vocabulary is padded with
  unused pieces so that the embedding and output matrices have their real size. An
  end-of-sentence logit bias of -10,000 keeps random weights from stopping, so that the
  benchmark fixes every output's length.
- The tests' tiny shapes (tests/tiny_models.py) build in seconds.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import CACHE, ROOT, progress
from benchmarks.workload import SENTENCE_MARK

MARIAN_DIR = CACHE / "opus-mt-de-en-shaped"
BART_DIR = CACHE / "distilbart-cnn-12-6-shaped"
_EOS_BIAS = -10_000.0  # fits float16, which the CTranslate2 copy stores


@dataclass(frozen=True)
class ModelShape:
    """The sizes and settings of a random-weight model and its tokenizer."""

    d_model: int
    encoder_layers: int
    decoder_layers: int
    attention_heads: int
    ffn_dim: int
    tokenizer_pieces: int  # asked of the tokenizer trainer (a small corpus may give fewer)
    vocab_size: int | None = None  # padded to this with unused pieces; None: as trained
    seed: int = 0
    init_std: float = 0.02
    activation: str = "gelu"
    eos_bias: float | None = None  # added to the end-of-sentence logit
    num_beams: int = 4
    min_length: int = 0  # of a summary
    max_length: int = 512
    # SentencePiece: characters that must each be one piece, and no normalisation (so a
    # test of byte-exact quotation handling sees every character as it is).
    special_characters: tuple[str, ...] = ()
    exact_characters: bool = False
    trainer_threads: int | None = None  # None: SentencePiece's default


OPUS_MT_SHAPED = ModelShape(
    d_model=512,
    encoder_layers=6,
    decoder_layers=6,
    attention_heads=8,
    ffn_dim=2048,
    tokenizer_pieces=8000,
    vocab_size=58101,
    activation="swish",
    eos_bias=_EOS_BIAS,
)
DISTILBART_SHAPED = ModelShape(
    d_model=1024,
    encoder_layers=12,
    decoder_layers=6,
    attention_heads=16,
    ffn_dim=4096,
    tokenizer_pieces=8000,
    vocab_size=50264,
    seed=1,
    eos_bias=_EOS_BIAS,
    min_length=56,
    max_length=142,
)
_CORPUS_FILES = [
    ROOT / "tests" / "data" / "segment_gold_de.txt",
    ROOT / "tests" / "data" / "belousov-dprk.de.txt",
    *sorted((ROOT / "tests" / "data" / "real_quotes").glob("*.txt")),
]


def news_corpus() -> list[str]:
    """The German text in tests/data: what the benchmark's tokenizers are trained on."""
    lines: list[str] = []
    for path in _CORPUS_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                lines.append(line.replace(SENTENCE_MARK, ""))
    return lines


def _padded_vocab(vocab: dict[str, int], size: int | None) -> dict[str, int]:
    """``vocab`` grown to ``size`` entries with unused pieces."""
    padded = dict(vocab)
    next_id = max(padded.values()) + 1
    while size is not None and len(padded) < size:
        padded[f"<unused_{next_id}>"] = next_id
        next_id += 1
    return padded


def _sizes(shape: ModelShape) -> dict[str, Any]:
    """The model config's size and initialisation settings, for Marian and BART alike."""
    return {
        "d_model": shape.d_model,
        "encoder_layers": shape.encoder_layers,
        "decoder_layers": shape.decoder_layers,
        "encoder_attention_heads": shape.attention_heads,
        "decoder_attention_heads": shape.attention_heads,
        "encoder_ffn_dim": shape.ffn_dim,
        "decoder_ffn_dim": shape.ffn_dim,
        "activation_function": shape.activation,
        "init_std": shape.init_std,
    }


def build_marian(folder: Path, shape: ModelShape, sentences: Sequence[str]) -> Path:
    """A random MarianMT model with a SentencePiece tokenizer trained on ``sentences``, in
    ``folder``: what a Helsinki-NLP opus-mt repository holds (config.json,
    generation_config.json, model.safetensors, source.spm, target.spm, vocab.json,
    tokenizer_config.json). Returns ``folder``."""
    import sentencepiece
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    work = folder / "_spm"
    work.mkdir(parents=True, exist_ok=True)
    options: dict[str, object] = {}
    if shape.special_characters:
        options["user_defined_symbols"] = list(shape.special_characters)
    if shape.exact_characters:
        # opus-mt models normalize with nmt_nfkc; identity keeps every character exact.
        options["normalization_rule_name"] = "identity"
    if shape.trainer_threads is not None:
        options["num_threads"] = shape.trainer_threads
    # Marian's id layout: </s>=0, <unk>=1, no bos, no pad.
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_prefix=str(work / "spm"),
        vocab_size=shape.tokenizer_pieces,
        model_type="unigram",
        character_coverage=1.0,
        eos_id=0,
        unk_id=1,
        bos_id=-1,
        pad_id=-1,
        # A small corpus may not support the full size; a smaller vocabulary is fine.
        hard_vocab_limit=False,
        minloglevel=2,
        **options,
    )
    spm_file = work / "spm.model"
    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_file))
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    # Like opus-mt, <pad> comes last and doubles as the decoder start token.
    vocab = _padded_vocab(vocab, None if shape.vocab_size is None else shape.vocab_size - 1)
    pad_id = len(vocab)
    vocab["<pad>"] = pad_id
    vocab_file = work / "vocab.json"
    vocab_file.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    with warnings.catch_warnings():
        # It asks for sacremoses, used only by a method nothing here calls.
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        tokenizer = MarianTokenizer(
            source_spm=str(spm_file),
            target_spm=str(spm_file),
            vocab=str(vocab_file),
            source_lang="de",
            target_lang="en",
            model_max_length=512,
        )
    config = MarianConfig(
        vocab_size=pad_id + 1,
        **_sizes(shape),
        max_position_embeddings=512,
        pad_token_id=pad_id,
        eos_token_id=0,
        bos_token_id=0,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=0,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
    )
    torch.manual_seed(shape.seed)
    model = MarianMTModel(config)
    if shape.eos_bias is not None:
        with torch.no_grad():
            model.final_logits_bias[0, 0] = shape.eos_bias
    # opus-mt-de-en's generation config.
    model.generation_config = GenerationConfig(
        bad_words_ids=[[pad_id]],
        bos_token_id=0,
        decoder_start_token_id=pad_id,
        eos_token_id=0,
        forced_eos_token_id=0,
        pad_token_id=pad_id,
        num_beams=shape.num_beams,
        max_length=shape.max_length,
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    for leftover in work.iterdir():
        leftover.unlink()
    work.rmdir()
    return folder


def build_bart(folder: Path, shape: ModelShape, sentences: Sequence[str]) -> Path:
    """A random BART summarizer with a byte-level BPE tokenizer trained on ``sentences``,
    in ``folder``; it accepts 1,024 input tokens, like distilbart-cnn. Returns ``folder``."""
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
        sentences,
        vocab_size=shape.tokenizer_pieces,
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
    vocab = _padded_vocab(bpe.get_vocab(), shape.vocab_size)
    tokenizer = BartTokenizer(vocab=vocab, merges=merges, model_max_length=1024)
    start, pad, end = vocab["<s>"], vocab["<pad>"], vocab["</s>"]
    config = BartConfig(
        vocab_size=len(vocab),
        **_sizes(shape),
        max_position_embeddings=1024,
        bos_token_id=start,
        pad_token_id=pad,
        eos_token_id=end,
        decoder_start_token_id=end,
        forced_eos_token_id=end,
    )
    torch.manual_seed(shape.seed)
    model = BartForConditionalGeneration(config)
    if shape.eos_bias is not None:
        with torch.no_grad():
            model.final_logits_bias[0, end] = shape.eos_bias
    # distilbart-cnn-12-6's generation config.
    model.generation_config = GenerationConfig(
        bos_token_id=start,
        pad_token_id=pad,
        eos_token_id=end,
        decoder_start_token_id=end,
        forced_bos_token_id=start,
        forced_eos_token_id=end,
        num_beams=shape.num_beams,
        min_length=shape.min_length,
        max_length=shape.max_length,
        length_penalty=2.0,
        no_repeat_ngram_size=3,
        early_stopping=True,
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def ensure_models() -> None:
    """Build the real-shaped models and their CTranslate2 copies once, into .cache/."""
    from translator.engines import convert

    for folder, build, shape in (
        (MARIAN_DIR, build_marian, OPUS_MT_SHAPED),
        (BART_DIR, build_bart, DISTILBART_SHAPED),
    ):
        if not (folder / "config.json").is_file():
            started = time.perf_counter()
            build(folder, shape, news_corpus())
            progress(f"built {folder.name} in {time.perf_counter() - started:.0f} s")
        if convert.find_converted(folder) is None:
            started = time.perf_counter()
            convert.convert_model(folder)
            progress(f"converted {folder.name} in {time.perf_counter() - started:.0f} s")
