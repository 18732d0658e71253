"""Deterministic fake engines: a faithful one, and adversaries for the quotation contract.

A fake "translates" word by word with a tiny dictionary, so output differs from input
while placeholders (whatever their form) pass through untouched unless an adversary
interferes with them.
"""

from __future__ import annotations

import re
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from translator import quotes
from translator.engines.base import (
    FinishedBatch,
    Hypothesis,
    ScoredTranslation,
    TranslationEngine,
    translate_scored,
)
from translator.schema import ModelInfo

# Text written to break a page that embeds it: a closing </title>, a script, event handlers
# inside a quotation, a stray </style>, javascript: links in HTML and Markdown, markup that
# looks like the page's own quotation marks, and an unbalanced mark.
HOSTILE = (
    "Der Titel </title><script>document.title='pwned';window.pwned=1</script> bleibt.\n\n"
    "Er sagte: \"<img src=x onerror='window.pwned=2'>\" und ging.\n\n"
    "Ein Stil </style><style>body{display:none}</style> und "
    '<a href="javascript:window.pwned=3">klick</a> [klick](javascript:window.pwned=4).\n\n'
    '"Das ist </mark><b data-q="1">nicht</b> fett", sagte sie. Ein loses „Zeichen.'
)

_WORDS = {
    "der": "the",
    "die": "the",
    "das": "the",
    "und": "and",
    "ist": "is",
    "sagte": "said",
    "dass": "that",
    "nicht": "not",
    "wir": "we",
    "er": "he",
    "sie": "she",
    "mit": "with",
    "in": "in",
}
_WORD = re.compile(r"\w+")


def _translate_word(match: re.Match[str]) -> str:
    word = match.group(0)
    return _WORDS.get(word.lower(), word)


class FakeTranslator:
    """A faithful engine: word-by-word, placeholders kept; records every input it saw."""

    max_input_tokens = 512

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(id=type(self).__name__, revision="fake")

    @property
    def seen(self) -> list[str]:
        return [text for call in self.calls for text in call]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) + 1 for text in texts]

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        self.calls.append(list(texts))
        return [self.translate_one(text) for text in texts]

    def translate_one(self, text: str) -> str:
        out, cursor, found = "", 0, []
        for match in quotes.PLACEHOLDER_PATTERN.finditer(text):
            out += _WORD.sub(_translate_word, text[cursor : match.start()]) + match.group(0)
            found.append(match.group(0))
            cursor = match.end()
        out += _WORD.sub(_translate_word, text[cursor:])
        return self.tamper(out, found)

    def tamper(self, text: str, placeholders: list[str]) -> str:
        """Adversaries override this to damage the output."""
        return text


class FolderModelTranslator(FakeTranslator):
    """A faithful engine whose model is a local folder without a revision, as a model
    given by path is: its identity comes from the folder's weights."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(id=str(self.folder), revision=None)


class DroppingTranslator(FakeTranslator):
    def tamper(self, text: str, placeholders: list[str]) -> str:
        return text.replace(placeholders[0], "", 1) if placeholders else text


class DuplicatingTranslator(FakeTranslator):
    def tamper(self, text: str, placeholders: list[str]) -> str:
        return text + " " + placeholders[-1] if placeholders else text


class ReorderingTranslator(FakeTranslator):
    def tamper(self, text: str, placeholders: list[str]) -> str:
        if len(placeholders) < 2:
            return text
        first, second = placeholders[0], placeholders[1]
        return text.replace(first, "\x01").replace(second, first).replace("\x01", second)


class ManglingTranslator(FakeTranslator):
    """Lower-cases placeholders and splits them with spaces, as tokenizers may."""

    def tamper(self, text: str, placeholders: list[str]) -> str:
        for placeholder in placeholders:
            text = text.replace(placeholder, " ".join(placeholder.lower()))
        return text


class MarkEmittingTranslator(FakeTranslator):
    """Invents quotation marks: around the sentence, around a placeholder, and stray ones."""

    def tamper(self, text: str, placeholders: list[str]) -> str:
        for placeholder in placeholders:
            text = text.replace(placeholder, f"„{placeholder}“")
        words = text.split(" ")
        if len(words) > 2:
            words[1] = f'"{words[1]}"'
        return "»" + " ".join(words) + "« ' \""


class GarbageTranslator(FakeTranslator):
    """Ignores its input, like a random-weight model."""

    def tamper(self, text: str, placeholders: list[str]) -> str:
        return "the the „Zitat“ »x« ' said"


class ScoringTranslator(FakeTranslator):
    """A faithful engine that scores and proposes alternatives, all by construction.

    Score of an input: ``WEAK_SCORE`` when it holds the word ``WEAK_WORD``, else
    ``STRONG_SCORE``. Alternative ``i`` (1-based) is the translation followed by `` (vi)``,
    scored ``i * ALTERNATIVE_STEP`` below it; ``damage`` may alter an alternative.
    """

    WEAK_WORD = "Unsicher"
    WEAK_SCORE = -3.0
    STRONG_SCORE = -0.25
    ALTERNATIVE_STEP = 0.5

    def __init__(self) -> None:
        super().__init__()
        self.scored_calls: list[tuple[list[str], int]] = []

    def score(self, text: str) -> float:
        return self.WEAK_SCORE if self.WEAK_WORD in text else self.STRONG_SCORE

    def translate_scored(
        self, texts: Sequence[str], *, strict: bool = False, alternatives: int = 0
    ) -> list[ScoredTranslation]:
        self.scored_calls.append((list(texts), alternatives))
        outputs = self.translate(texts, strict=strict)
        return [
            ScoredTranslation(
                output,
                self.score(text),
                tuple(
                    Hypothesis(
                        self.damage(f"{output} (v{i})", i),
                        self.score(text) - i * self.ALTERNATIVE_STEP,
                    )
                    for i in range(1, alternatives + 1)
                ),
            )
            for text, output in zip(texts, outputs, strict=True)
        ]

    def damage(self, alternative: str, number: int) -> str:
        """Adversaries override this to damage alternative ``number``."""
        return alternative


class AlternativeDroppingTranslator(ScoringTranslator):
    """Its first alternative loses every placeholder; the others are faithful."""

    def damage(self, alternative: str, number: int) -> str:
        return quotes.PLACEHOLDER_PATTERN.sub("", alternative) if number == 1 else alternative


ADVERSARIES: tuple[type[FakeTranslator], ...] = (
    DroppingTranslator,
    DuplicatingTranslator,
    ReorderingTranslator,
    ManglingTranslator,
    MarkEmittingTranslator,
    GarbageTranslator,
)


class IdentityTranslator(FakeTranslator):
    """Gives every input back unchanged: only the pipeline's own handling (masking,
    splitting, restoring) shapes the output, and a round trip must give the source back."""

    def translate_one(self, text: str) -> str:
        return text


class TwoWordTranslator(FakeTranslator):
    """Translates only "Heute" and "schätzen", so a quotation's translated and original
    forms can be told apart."""

    def translate_one(self, text: str) -> str:
        return text.replace("Heute", "Today").replace("schätzen", "appreciate")


Reply = str | Callable[[str], str]


class FakeSummarizer:
    """Counts a token per word plus two special tokens; records every call.

    ``reply`` is the summary of every text (or a function of the text); ``strict_reply``
    replaces it on strict retries.
    """

    def __init__(
        self,
        reply: Reply = "",
        strict_reply: Reply | None = None,
        limit: int = 1024,
        model_id: str = "fake-summarizer",
        revision: str | None = None,
    ) -> None:
        self.reply = reply
        self.strict_reply = strict_reply
        self.max_input_tokens = limit
        self.model_id, self.revision = model_id, revision
        self.calls: list[tuple[list[str], int, int, bool]] = []

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(id=self.model_id, revision=self.revision)

    @property
    def seen(self) -> list[str]:
        """Every text the summarizer was given, in order."""
        return [text for call in self.calls for text in call[0]]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) + 2 for text in texts]

    def summarize(
        self, texts: Sequence[str], *, min_tokens: int, max_tokens: int, strict: bool = False
    ) -> list[str]:
        assert 0 <= min_tokens <= max_tokens
        assert all(n <= self.max_input_tokens for n in self.count_tokens(texts))
        self.calls.append((list(texts), min_tokens, max_tokens, strict))
        reply = self.strict_reply if strict and self.strict_reply is not None else self.reply
        return [reply(text) if callable(reply) else reply for text in texts]


class WholeTextSummarizer(FakeSummarizer):
    """Summarizes by giving the text back whole: every character of what the summarizer
    read reaches the summary (so whatever leaked into its input shows in its output)."""

    def __init__(self) -> None:
        super().__init__(reply=lambda text: text, model_id="whole-text", revision="1")


class FirstSentenceSummarizer(FakeSummarizer):
    """Summarizes by returning the text's first sentence."""

    def __init__(self) -> None:
        super().__init__(reply=lambda text: text.split(".")[0] + ".", model_id="first-sentence")


class RetryScriptedTranslator(FakeTranslator):
    """Answers with ``loose(faithful output)`` on a first try and ``strict(faithful output)``
    on the strict retry the pipeline asks for when an output looks degenerate."""

    def __init__(self, loose: Callable[[str], str], strict: Callable[[str], str]) -> None:
        super().__init__()
        self.loose, self.strict = loose, strict
        self.strict_calls: list[list[str]] = []

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        self.calls.append(list(texts))
        if strict:
            self.strict_calls.append(list(texts))
        shape = self.strict if strict else self.loose
        return [shape(self.translate_one(text)) for text in texts]


class SlowTranslator(FakeTranslator):
    """A faithful fake that takes ``delay`` seconds per model call: a run slow enough to
    be interrupted while it works, or requests that pile up in a server's queue. Records
    the number of texts of each call (a server's batching shows in ``batch_sizes``)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.batch_sizes: list[int] = []

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        self.batch_sizes.append(len(texts))
        time.sleep(self.delay)
        return super().translate(texts, strict=strict)


class CallbackTranslator(FakeTranslator):
    """A faithful fake that calls ``before_call`` before each model call: a test notes
    there what else has happened by then (pages fetched, files left on disk), in order
    with the model's work, without timing."""

    def __init__(self, before_call: Callable[[], None]) -> None:
        super().__init__()
        self.before_call = before_call

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        self.before_call()
        return super().translate(texts, strict=strict)


class GatedTranslator(FakeTranslator):
    """A faithful fake whose model calls wait at a gate until the test opens it (at most
    ``timeout`` seconds, then it fails): requests pile up in a server's queue for exactly
    as long as the test decides, with no timing in the test. ``busy`` is set once a call
    waits at the gate; ``batch_sizes`` records each call's number of texts."""

    def __init__(self, timeout: float = 30.0) -> None:
        super().__init__()
        self.timeout = timeout
        self.gate = threading.Event()
        self.busy = threading.Event()
        self.batch_sizes: list[int] = []

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        self.batch_sizes.append(len(texts))
        self.busy.set()
        if not self.gate.wait(self.timeout):
            raise RuntimeError(f"the test never opened the gate within {self.timeout:g} s")
        return super().translate(texts, strict=strict)


def plan_of(engine: FakeTranslator) -> tuple[ModelInfo, str]:
    """What ``Translator.translation_plan`` says of ``engine`` without loading a model: a
    test that hands the CLI a fake engine in place of ``engines.load_translator`` patches
    the plan too, or a batch resolves the (absent) real model before it loads anything."""
    return engine.info, type(engine).__name__


def use_fake_engine(monkeypatch: Any, engine: FakeTranslator) -> FakeTranslator:
    """Every ``Translator`` without engines of its own plans and loads ``engine``."""
    from translator import api, engines

    monkeypatch.setattr(engines, "load_translator", lambda *args, **kwargs: engine)
    monkeypatch.setattr(api.Translator, "translation_plan", lambda self: plan_of(engine))
    return engine


def cli_with_fake_engine(*args: str, delay: float = 0.0) -> list[str]:
    """The argv of a real ``translator`` process (its own signals, exit code and files)
    whose translation engine is a ``SlowTranslator(delay)``: no model, no torch."""
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n"
        "from tests.fakes import SlowTranslator, plan_of\n"
        "from translator import api, engines\n"
        f"engine = SlowTranslator({delay!r})\n"
        "engines.load_translator = lambda *args, **kwargs: engine\n"
        "api.Translator.translation_plan = lambda self: plan_of(engine)\n"
        "from translator.cli import main\n"
        "main()\n"
    )
    return [sys.executable, "-c", script, *args]


class MarkupEmittingTranslator(FakeTranslator):
    """Writes HTML of its own into every output, as a hostile or confused model might."""

    def tamper(self, text: str, placeholders: list[str]) -> str:
        return text + ' <img src=x onerror="alert(1)"><script>alert(2)</script>'


class FailingTranslator(FakeTranslator):
    """Raises what no caller expects (a bug, as far as a server can tell)."""

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        raise RuntimeError("engine exploded")


class PlaceholderLosingTranslator(FakeTranslator):
    """Loses every placeholder of an input holding ``LOSE_WORD``, and only there: which
    sentences fall back to fragments is known by construction."""

    LOSE_WORD = "Verlust"

    def tamper(self, text: str, placeholders: list[str]) -> str:
        if self.LOSE_WORD not in text:
            return text
        return quotes.PLACEHOLDER_PATTERN.sub("", text)


@dataclass(frozen=True)
class EngineEvent:
    """What a ``ConcurrentTranslator`` was asked to do, in order: a call submitted (its
    texts), or one of its batches finished (``last``: the call's last)."""

    kind: str  # "submit" or "finish"
    call: int  # the call's number, from 0
    texts: tuple[str, ...] = ()
    last: bool = False


class SynchronousEngine:
    """``inner`` seen as an engine without ``submit_scored`` (a CTranslate2 engine as the
    pipeline sees the torch one): each call returns only when all of it is done."""

    def __init__(self, inner: TranslationEngine) -> None:
        self.inner = inner
        self.max_input_tokens = inner.max_input_tokens

    @property
    def info(self) -> ModelInfo:
        return self.inner.info

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        return self.inner.translate(texts, strict=strict)

    def translate_scored(
        self, texts: Sequence[str], *, strict: bool = False, alternatives: int = 0
    ) -> list[ScoredTranslation]:
        return translate_scored(self.inner, texts, strict=strict, alternatives=alternatives)


class ConcurrentTranslator(SynchronousEngine):
    """``inner`` run the way CTranslate2 runs a model (a ``ConcurrentEngine``):
    ``submit_scored`` queues a call in batches of ``batch_size`` texts and returns at once,
    and a batch finishes when the caller waits for it; with ``workers`` batches left, none
    waits (``draining``). ``events`` records each submission and each finished batch, in
    the order they happen."""

    def __init__(self, inner: FakeTranslator, batch_size: int = 2, workers: int = 2) -> None:
        super().__init__(inner)
        self.batch_size = batch_size
        self.workers = workers
        self.events: list[EngineEvent] = []

    def submit_scored(
        self,
        texts: Sequence[str],
        *,
        strict: bool = False,
        alternatives: int = 0,
        scores: bool = True,
    ) -> Iterator[FinishedBatch]:
        call = sum(event.kind == "submit" for event in self.events)
        self.events.append(EngineEvent("submit", call, tuple(texts)))
        done = self.translate_scored(texts, strict=strict, alternatives=alternatives)
        return self._finish(call, done)

    def _finish(self, call: int, done: list[ScoredTranslation]) -> Iterator[FinishedBatch]:
        for start in range(0, len(done), self.batch_size):
            end = min(start + self.batch_size, len(done))
            self.events.append(EngineEvent("finish", call, last=end == len(done)))
            left = -(-(len(done) - end) // self.batch_size)
            yield FinishedBatch(
                [(i, done[i]) for i in range(start, end)], draining=left <= self.workers
            )


def tiny_png() -> bytes:
    """A 1x1 PNG picture, for documents built in tests."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks
