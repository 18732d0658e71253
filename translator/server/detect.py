"""Language detection for ``source: auto`` and ``/detect``: the library's detector
(``translator.language``, py3langid; the README's "Text that is not German" has the
measurement behind the choice) over German, English and their neighbours.

The model loads once, on first use (``translator serve`` loads it at start).
"""

from __future__ import annotations

from typing import Any

# Candidates: German, English and the languages a German newsroom's text is most often
# confused with. A small set makes short texts far more reliable than all 97.
LANGUAGES = ("de", "en", "nl", "da", "sv", "fr", "it", "es", "pl", "cs")
NAMES = {"de": "German", "en": "English"}


def _identifier() -> Any:
    from translator.language import identifier

    return identifier(LANGUAGES)


def load() -> None:
    """Load the model now rather than on the first request."""
    _identifier()


def rank(text: str, top: int = 3) -> list[tuple[str, float]]:
    """The likeliest languages of ``text`` with a confidence of 0 to 100, best first;
    German with confidence 0 for text with no letters."""
    if not any(character.isalpha() for character in text):
        return [("de", 0.0)]
    ranked = _identifier().rank(text)[:top]
    return [(str(language), round(float(p) * 100, 1)) for language, p in ranked]
