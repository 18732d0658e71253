"""Tiny random-weight models built in seconds, saved the way real models are shipped.

The models are useless as translators -- their output is garbage -- but they go through
the same files, tokenizers, configs and ``from_pretrained`` calls as the real ones, so
the loading code and every fallback of the quotation contract get exercised.
Seeds are fixed, so a model built twice gives the same outputs.
"""

from __future__ import annotations

import itertools
import json
import random
import warnings
from pathlib import Path

# Characters the pipeline cares about; each must be a real token, never <unk>, or the
# tiny models would hide bugs in quotation handling behind unknown-token noise.
_SPECIAL_CHARACTERS = ["„", "“", '"', "»", "«", "‚", "‘", "’", "–", "—", "§", "…", "”"]

_GERMAN_SUBJECTS = [
    "Der Minister",
    "Die Regierung",
    "Beloussow",
    "Das Militärressort",
    "Die Delegation",
    "Ein Sprecher",
    "Die Zeitung",
    "Der Präsident",
    "Die Behörde",
    "Das Gericht",
]
_GERMAN_VERBS = [
    "erklärte",
    "betonte",
    "sagte",
    "unterstrich",
    "kündigte an",
    "teilte mit",
    "begrüßte",
    "äußerte sich",
]
_GERMAN_OBJECTS = [
    "die Zusammenarbeit wird ausgebaut",
    "die Gespräche waren fruchtbar",
    "das Abkommen gilt ab 2024",
    "die Straße ist 12,5 Kilometer lang",
    "man müsse größere Schritte gehen",
    "Öl und Gas würden teurer",
    "die Übung dauert 3 Tage",
    "der Fluss heißt Tumen",
]
_ENGLISH_SUBJECTS = [
    "The minister",
    "The government",
    "Belousov",
    "The ministry",
    "The delegation",
    "A spokesman",
    "The newspaper",
    "The president",
]
_ENGLISH_VERBS = ["said", "stressed", "announced", "explained", "welcomed", "noted"]
_ENGLISH_OBJECTS = [
    "cooperation will be expanded",
    "the talks were fruitful",
    "the agreement applies from 2024",
    "the road is 12.5 kilometres long",
    "prices of oil and gas would rise",
    "the exercise lasts 3 days",
]
_DATA = Path(__file__).parent / "data"
_QUOTE_PAIRS = [("„", "“"), ('"', '"'), ("»", "«"), ("‚", "‘"), ("“", "”")]


def _training_sentences(seed: int = 0) -> list[str]:
    """A few hundred German and English sentences with quotes, digits, dashes and umlauts."""
    rng = random.Random(seed)
    sentences: list[str] = []
    german = itertools.product(_GERMAN_SUBJECTS, _GERMAN_VERBS, _GERMAN_OBJECTS)
    for subject, verb, obj in german:
        opening, closing = rng.choice(_QUOTE_PAIRS)
        form = rng.randrange(4)
        if form == 0:
            sentences.append(f"{subject} {verb}: {opening}{obj.capitalize()}.{closing}")
        elif form == 1:
            sentences.append(f"{subject} {verb}, {obj} – so der Bericht.")
        elif form == 2:
            sentences.append(f"Nach § {rng.randint(1, 99)} {verb} {subject.lower()} — {obj}.")
        else:
            sentences.append(f"{subject} {verb}, dass {obj}…")
    english = itertools.product(_ENGLISH_SUBJECTS, _ENGLISH_VERBS, _ENGLISH_OBJECTS)
    for subject, verb, obj in english:
        opening, closing = rng.choice(_QUOTE_PAIRS)
        sentences.append(f"{subject} {verb}: {opening}{obj.capitalize()}.{closing}")
        sentences.append(f"{subject} {verb} that {obj} – on {rng.randint(1, 31)} May.")
    sentences.append("ÄÖÜ äöü ß 0123456789 ’s „a“ »b« ‚c‘ “d” – — § …")
    # Real news prose widens the vocabulary beyond the templates above.
    sample = _DATA / "belousov-dprk.de.txt"
    sentences.extend(line for line in sample.read_text(encoding="utf-8").splitlines() if line)
    rng.shuffle(sentences)
    return sentences


def _train_sentencepiece(folder: Path, vocab_size: int) -> Path:
    """Train a unigram model with Marian's id layout: </s>=0, <unk>=1, no bos, no pad."""
    import sentencepiece

    prefix = folder / "spm"
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(_training_sentences()),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        eos_id=0,
        unk_id=1,
        bos_id=-1,
        pad_id=-1,
        user_defined_symbols=_SPECIAL_CHARACTERS,
        # opus-mt models normalize with nmt_nfkc; identity keeps every character exact,
        # which is what a test of byte-exact quotation handling needs.
        normalization_rule_name="identity",
        # The tiny corpus may not support the full size; a smaller vocabulary is fine.
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


def build_tiny_marian(path: Path) -> Path:
    """Build a tiny random MarianMT model with a real SentencePiece tokenizer in ``path``.

    The folder holds what a Helsinki-NLP opus-mt repository holds: config.json,
    generation_config.json, model.safetensors, source.spm, target.spm, vocab.json and
    tokenizer_config.json. Returns ``path``.
    """
    import sentencepiece
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    path.mkdir(parents=True, exist_ok=True)
    work = path / "_spm"
    work.mkdir(exist_ok=True)
    spm_file = _train_sentencepiece(work, vocab_size=400)
    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_file))
    # Marian's vocab.json maps pieces to ids; like opus-mt, <pad> comes last and doubles
    # as the decoder start token.
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
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
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=512,
        pad_token_id=pad_id,
        eos_token_id=0,
        bos_token_id=0,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=0,
        scale_embedding=True,
        # Weights this large make the output depend on the input (with the usual 0.02 every
        # input gets the same garbage), so tests can tell outputs apart.
        init_std=0.5,
    )
    torch.manual_seed(0)
    model = MarianMTModel(config)
    # The opus-mt generation config, with a short max_length so random weights stay fast.
    model.generation_config = GenerationConfig(
        bad_words_ids=[[pad_id]],
        bos_token_id=0,
        decoder_start_token_id=pad_id,
        eos_token_id=0,
        forced_eos_token_id=0,
        pad_token_id=pad_id,
        num_beams=2,
        max_length=64,
    )
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    for leftover in work.iterdir():
        leftover.unlink()
    work.rmdir()
    return path


def build_tiny_bart(path: Path) -> Path:
    """Build a tiny random BART summarizer with a byte-level BPE tokenizer in ``path``.

    Accepts 1,024 input tokens, like distilbart-cnn. Returns ``path``.
    """
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import (
        BartConfig,
        BartForConditionalGeneration,
        BartTokenizer,
        GenerationConfig,
    )

    path.mkdir(parents=True, exist_ok=True)
    special_tokens = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        _training_sentences(seed=1),
        vocab_size=500,
        min_frequency=2,
        special_tokens=special_tokens,
        show_progress=False,
    )
    vocab: dict[str, int] = bpe.get_vocab()
    merges_file = bpe.save_model(str(path))[1]
    merges = [
        tuple(line.split(" ", 1))
        for line in Path(merges_file).read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    tokenizer = BartTokenizer(vocab=vocab, merges=merges, model_max_length=1024)
    config = BartConfig(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=1024,
        bos_token_id=vocab["<s>"],
        pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["</s>"],
        forced_eos_token_id=vocab["</s>"],
        init_std=0.5,
    )
    torch.manual_seed(1)
    model = BartForConditionalGeneration(config)
    # distilbart-cnn's generation settings, scaled down so random weights stay fast.
    model.generation_config = GenerationConfig(
        bos_token_id=vocab["<s>"],
        pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["</s>"],
        forced_bos_token_id=vocab["<s>"],
        forced_eos_token_id=vocab["</s>"],
        num_beams=2,
        min_length=4,
        max_length=48,
        length_penalty=2.0,
        no_repeat_ngram_size=3,
        early_stopping=True,
    )
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
