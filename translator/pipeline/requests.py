"""A window's model requests: deduplicated, fitted to the input limit, translated, guarded.

The guards: a degenerate output (empty, length out of range, repeating) is regenerated
strictly, and ALL-CAPS input gets German casing back before the model sees it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from translator import segment
from translator.engines.base import (
    FinishedBatch,
    ScoredTranslation,
    TranslationEngine,
    submit_scored,
)
from translator.schema import Alternative

log = logging.getLogger(__name__)

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

    def __init__(
        self,
        translator: TranslationEngine,
        *,
        alternatives: int = 0,
        scores: bool = True,
        foreign_language: Callable[[str], str | None] | None = None,
    ) -> None:
        self.translator = translator
        self.alternatives = alternatives  # other hypotheses asked for per model input
        self.scores = scores  # whether the engine computes each output's score
        # Says which language a whole sentence is in when it is not German (None: German
        # or unsure); such a sentence is passed through unchanged, never sent to the model.
        self.foreign_language = foreign_language
        self.foreign: dict[str, str] = {}  # sentence core -> its detected language
        self.texts: list[str] = []  # in the order first asked for
        self.masked: set[str] = set()  # texts holding placeholders (never case-normalised)
        self.results: dict[str, str] = {}
        self.scored: dict[str, ScoredTranslation] = {}
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

    def add_translatable(self, text: str, *, whole: bool = False) -> None:
        """Queue the core of ``text`` if it has anything to translate, split to fit.

        A ``whole`` sentence (not a fragment around a quotation) that is not German is
        not queued: it passes through unchanged."""
        core = text.strip()
        if not segment.is_translatable(core) or core in self.fitted or core in self.foreign:
            return
        if whole and self.foreign_language is not None:
            language = self.foreign_language(core)
            if language is not None:
                self.foreign[core] = language
                log.info(
                    "%s: passed through untranslated (language %s): %r",
                    self.current.where,
                    language,
                    core[:_QUOTED_SENTENCE_CHARS],
                )
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

    def score_of(self, text: str) -> float | None:
        """The model's score for ``text``'s translation: the mean over its pieces; None when
        it was not translated or a piece has no score."""
        scores = [self.scored[piece].score for piece in self.fitted.get(text.strip(), [])]
        known = [score for score in scores if score is not None]
        return sum(known) / len(known) if known and len(known) == len(scores) else None

    def alternatives_of(self, text: str) -> tuple[Alternative, ...]:
        """Other translations of ``text`` (its whitespace kept); none for a text sent in
        several pieces (their alternatives do not combine into sentences)."""
        lead, core, trail = split_space(text)
        pieces = self.fitted.get(core, [])
        if len(pieces) != 1:
            return ()
        return tuple(
            Alternative(lead + other.text + trail, other.score)
            for other in self.scored[pieces[0]].alternatives
        )


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


def translate_pending(
    translator: TranslationEngine,
    requests: Requests,
    on_final: Callable[[str], None] | None = None,
) -> None:
    """Translate the requests not yet translated, regenerating outputs that look degenerate.

    Each text's result is stored as soon as it is final (its strict retry done, when it
    needed one), and ``on_final`` is then called with the text. The requests it adds are
    sent as soon as the engine's workers have no batch of the running call waiting: on a
    ``ConcurrentEngine`` they decode beside that call's last batches; on another engine
    they run after it, as a separate call would.
    """
    calls: deque[_Call] = deque()
    still_degenerate: set[str] = set()
    retries: list[str] = []

    def send(texts: list[str], *, strict: bool) -> None:
        inputs = [text if text in requests.masked else normalise_case(text) for text in texts]
        rows = submit_scored(
            translator,
            inputs,
            strict=strict,
            alternatives=requests.alternatives,
            scores=requests.scores,
        )
        calls.append(_Call(texts, inputs, strict, rows))

    def send_waiting() -> None:
        if retries:
            send(retries.copy(), strict=True)
            retries.clear()
        pending = requests.texts[requests.translated :]
        requests.translated = len(requests.texts)
        if pending:
            send(pending, strict=False)

    send_waiting()
    while calls:  # in the order sent: the order the engine's workers take them
        call = calls[0]
        finished = next(call.rows, None)
        if finished is None:
            calls.popleft()
            send_waiting()
            continue
        for i, out in finished.rows:
            text = call.texts[i]
            if degenerate(call.inputs[i], out.text):
                if not call.strict:
                    retries.append(text)
                    continue
                still_degenerate.add(text)
            _store(requests, text, call.inputs[i], out)
            if on_final is not None:
                on_final(text)
        if finished.draining:
            send_waiting()
    for text in requests.texts:  # in the order asked for, however the batches finished
        if text in still_degenerate:
            requests.warn(
                text,
                "a translation still looks degenerate after a strict retry "
                "(length or repetition out of range)",
            )


@dataclass(frozen=True)
class _Call:
    """Texts sent to the engine in one call, and its rows still to come."""

    texts: list[str]
    inputs: list[str]  # what the model sees (ALL-CAPS text case-normalised)
    strict: bool
    rows: Iterator[FinishedBatch]


def _store(requests: Requests, text: str, model_input: str, out: ScoredTranslation) -> None:
    """Keep ``text``'s translation; a case-normalised input's is upper-cased like its source."""
    if model_input != text:
        out = replace(
            out,
            text=out.text.upper(),
            alternatives=tuple(replace(a, text=a.text.upper()) for a in out.alternatives),
        )
    requests.results[text] = out.text
    requests.scored[text] = out


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
