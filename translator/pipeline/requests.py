"""A window's model requests: deduplicated, fitted to the input limit, translated, guarded.

The guards: a degenerate output (empty, length out of range, repeating) is regenerated
strictly, and ALL-CAPS input gets German casing back before the model sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

from translator import segment
from translator.engines.base import TranslationEngine

# A translation this many times longer (in characters) than its source, or shorter than
# the inverse, is out of range for German -> English and is regenerated strictly.
_MAX_LENGTH_RATIO = 3.0
_MIN_LENGTH_RATIO = 0.2
# How much of a sentence a warning quotes.
_QUOTED_SENTENCE_CHARS = 160


@dataclass(frozen=True)
class Origin:
    """Where a model input comes from: for warnings and logs that quote the source."""

    job: int  # the paragraph's position in the window
    where: str  # the paragraph's place in the source: "line 3", "paragraph 3"
    sentence: str  # the source sentence as written, quotations and all


class Requests:
    """Deduplicated model inputs of one window; results are looked up by text.

    A text longer than the model's limit is sent as several pieces (``fitted``) whose
    translations are joined again: nothing is ever truncated.
    """

    def __init__(self, translator: TranslationEngine) -> None:
        self.translator = translator
        self.texts: list[str] = []  # in the order first asked for
        self.masked: set[str] = set()  # texts holding placeholders (never case-normalised)
        self.results: dict[str, str] = {}
        self.fitted: dict[str, list[str]] = {}
        self.translated = 0  # how many of ``texts`` have results
        # Who is asking, so that a warning reaches its document and names the source:
        # the paragraph's job, its line, and the sentence as written (never masked text).
        self.current = Origin(job=0, where="line 1", sentence="")
        self.owner: dict[str, Origin] = {}
        self.warnings: dict[int, list[str]] = {}

    def add(self, text: str) -> None:
        if text not in self.owner:
            self.owner[text] = self.current
            self.texts.append(text)

    def warn(self, text: str, message: str) -> None:
        """Record a warning about the model input ``text``, quoting its source sentence."""
        origin = self.owner[text]
        sentence = origin.sentence.strip()
        if len(sentence) > _QUOTED_SENTENCE_CHARS:
            sentence = sentence[:_QUOTED_SENTENCE_CHARS] + "…"
        self.warnings.setdefault(origin.job, []).append(f"{origin.where}: {message}: {sentence!r}")

    def add_masked(self, text: str) -> None:
        """Queue a text holding placeholders (never split, never case-normalised)."""
        self.add(text)
        self.masked.add(text)

    def add_translatable(self, text: str) -> None:
        """Queue the core of ``text`` if it has anything to translate, split to fit."""
        core = text.strip()
        if not segment.is_translatable(core) or core in self.fitted:
            return
        self.fitted[core] = fit(core, self.translator)
        for piece in self.fitted[core]:
            self.add(piece)

    def translation_of(self, text: str) -> str:
        """``text`` with its core translated (its whitespace kept), or as it is."""
        lead, core, trail = split_space(text)
        if core not in self.fitted:
            return text
        return lead + " ".join(self.results[piece] for piece in self.fitted[core]) + trail


def split_space(text: str) -> tuple[str, str, str]:
    """(leading whitespace, core, trailing whitespace): the model only sees the core."""
    core = text.strip()
    if not core:
        return text, "", ""
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return lead, core, trail


def fit(core: str, translator: TranslationEngine) -> list[str]:
    """Model inputs for ``core``: itself, or pieces that each fit the model's limit."""
    limit = translator.max_input_tokens
    # A SentencePiece token covers at least one character, plus one EOS token: short text
    # cannot exceed the limit, so most sentences skip the tokenizer entirely.
    if len(core) + 1 <= limit:
        return [core]
    pieces = segment.split_to_fit(core, translator.count_tokens, limit - 1)
    return [piece.strip() for piece in pieces if piece.strip()]


def translate_pending(translator: TranslationEngine, requests: Requests) -> None:
    """Translate the requests not yet translated, regenerating outputs that look degenerate."""
    pending = requests.texts[requests.translated :]
    requests.translated = len(requests.texts)
    if not pending:
        return
    model_inputs = [text if text in requests.masked else normalise_case(text) for text in pending]
    outputs = translator.translate(model_inputs)
    suspicious = [i for i, out in enumerate(outputs) if degenerate(model_inputs[i], out)]
    if suspicious:
        retried = translator.translate([model_inputs[i] for i in suspicious], strict=True)
        for i, out in zip(suspicious, retried, strict=True):
            if degenerate(model_inputs[i], out):
                requests.warn(
                    pending[i],
                    "a translation still looks degenerate after a strict retry "
                    "(length or repetition out of range)",
                )
            outputs[i] = out
    for text, model_input, out in zip(pending, model_inputs, outputs, strict=True):
        requests.results[text] = out.upper() if model_input != text else out


def normalise_case(text: str) -> str:
    """ALL-CAPS text confuses the model: it gets German casing back, word by word
    (``casing.restore_case``); the output is upper-cased."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 8 or any(c.islower() for c in letters):
        return text
    from translator.casing import restore_case

    return restore_case(text)


def degenerate(source: str, output: str) -> bool:
    """Whether a translation is empty, far too long or short, or repeats itself."""
    if not output.strip():
        return True
    ratio = len(output) / max(len(source), 1)
    if len(source) >= 20 and not _MIN_LENGTH_RATIO <= ratio <= _MAX_LENGTH_RATIO:
        return True
    repeats = segment.REPEATED_WORDS
    return repeats.search(output) is not None and repeats.search(source) is None
