"""Tiny random-weight models built in seconds, saved the way real models are shipped.

The models are useless as translators -- their output is garbage -- but they go through
the same files, tokenizers, configs and ``from_pretrained`` calls as the real ones, so
the loading code and every fallback of the quotation contract get exercised.
Seeds are fixed, so a model built twice gives the same outputs. The builder is the
benchmark's (benchmarks/shaped_models.py), at tiny sizes.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from benchmarks.shaped_models import ModelShape, build_bart, build_marian

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


TINY_MARIAN = ModelShape(
    d_model=16,
    encoder_layers=1,
    decoder_layers=1,
    attention_heads=2,
    ffn_dim=32,
    tokenizer_pieces=400,
    # Weights this large make the output depend on the input (with the usual 0.02 every
    # input gets the same garbage), so tests can tell outputs apart.
    init_std=0.5,
    # The opus-mt generation config, with a short max_length so random weights stay fast.
    num_beams=2,
    max_length=64,
    special_characters=tuple(_SPECIAL_CHARACTERS),
    exact_characters=True,
    trainer_threads=1,
)
# distilbart-cnn's generation settings, scaled down so random weights stay fast.
TINY_BART = ModelShape(
    d_model=16,
    encoder_layers=1,
    decoder_layers=1,
    attention_heads=2,
    ffn_dim=32,
    tokenizer_pieces=500,
    seed=1,
    init_std=0.5,
    num_beams=2,
    min_length=4,
    max_length=48,
)


def build_tiny_marian(path: Path) -> Path:
    """Build a tiny random MarianMT model with a real SentencePiece tokenizer in ``path``
    (the files of a Helsinki-NLP opus-mt repository). Returns ``path``."""
    return build_marian(path, TINY_MARIAN, _training_sentences())


def build_tiny_bart(path: Path) -> Path:
    """Build a tiny random BART summarizer with a byte-level BPE tokenizer in ``path``.

    Accepts 1,024 input tokens, like distilbart-cnn. Returns ``path``.
    """
    return build_bart(path, TINY_BART, _training_sentences(seed=1))
