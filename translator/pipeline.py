"""The document pipeline: parse, find quotations, segment, protect, translate, restore.

Engines are passed in, so tests hand it fakes or tiny real models. The flow per window of
paragraphs is: plan every sentence (which text the model sees, where quotations stand),
send all model inputs in one deduplicated call (the engine batches and sorts them), then
assemble, verify placeholders and fall back to fragments where verification fails.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from translator import quotes, segment
from translator.engines import SummarizationEngine, TranslationEngine
from translator.schema import (
    Document,
    DocumentResult,
    Options,
    ParagraphResult,
    QuoteMode,
    QuotePiece,
    QuoteResult,
    QuoteScan,
    QuoteStrategy,
)

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called with (sentences done, sentences in the document) after each window."""
TextCallback = Callable[[int, str], None]
"""Called with (document number, output text) as paragraphs are done, in order: the
texts of one document join to its ``DocumentResult.translation`` (streamed output)."""

# Windows bound the memory a huge document needs: model inputs exist for one window of
# sentences at a time, and results can be streamed out window by window. Each window is
# one engine call (plus one for fallbacks), and the engine's workers idle at the end of
# each call: 1,024 sentences instead of 256 made the 400-sentence benchmark 1.2x faster.
WINDOW_SENTENCES = 1024

# A translation this many times longer (in characters) than its source, or shorter than
# the inverse, is out of range for German -> English and is regenerated strictly.
_MAX_LENGTH_RATIO = 3.0
_MIN_LENGTH_RATIO = 0.2

# Punctuation at the edges of a fragment next to a quotation stays as in the source: it
# is what tells a reader (and the quotation finder) where the quotation starts and ends.
_EDGE_CHARS = " \t\r\n,.;:!?()[]–—/…-"


@dataclass(frozen=True)
class _TextPart:
    text: str


@dataclass(frozen=True)
class _QuotePart:
    piece: QuotePiece
    quote_index: int

    @property
    def length(self) -> int:
        return self.piece.end - self.piece.start


@dataclass(frozen=True)
class _KeptPart:
    """A URL or e-mail address: protected like a quotation, it is never translated."""

    text: str


_Part = _TextPart | _QuotePart | _KeptPart


@dataclass(frozen=True)
class _SentencePlan:
    text: str  # the sentence's source text, whitespace included
    parts: tuple[_Part, ...]  # tile ``text``: its text and quotation pieces in order

    @property
    def quote_parts(self) -> list[_QuotePart]:
        return [part for part in self.parts if isinstance(part, _QuotePart)]

    @property
    def text_parts(self) -> list[_TextPart]:
        return [part for part in self.parts if isinstance(part, _TextPart)]

    @property
    def protected_parts(self) -> list[_QuotePart | _KeptPart]:
        """Quotations, URLs and e-mail addresses: what the model must not touch."""
        return [part for part in self.parts if not isinstance(part, _TextPart)]

    def protected_spans(self) -> list[tuple[int, int]]:
        """Where the protected parts stand in ``text``."""
        spans, offset = [], 0
        for part in self.parts:
            length = part.length if isinstance(part, _QuotePart) else len(part.text)
            if not isinstance(part, _TextPart):
                spans.append((offset, offset + length))
            offset += length
        return spans


@dataclass
class _Renderings:
    """How each quotation piece is written: in the output, and for the summarizer."""

    output: dict[QuotePiece, str]
    translated: dict[QuotePiece, str]


class _Requests:
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
        self.current_job = 0  # the paragraph asking, so warnings reach its document
        self.owner: dict[str, int] = {}
        self.warnings: dict[int, list[str]] = {}

    def add(self, text: str) -> None:
        if text not in self.owner:
            self.owner[text] = self.current_job
            self.texts.append(text)

    def warn(self, text: str, message: str) -> None:
        self.warnings.setdefault(self.owner[text], []).append(message)

    def add_translatable(self, text: str) -> None:
        """Queue the core of ``text`` if it has anything to translate, split to fit."""
        core = text.strip()
        if not segment.is_translatable(core) or core in self.fitted:
            return
        self.fitted[core] = _fit(core, self.translator)
        for piece in self.fitted[core]:
            self.add(piece)

    def translation_of(self, text: str) -> str:
        """``text`` with its core translated (its whitespace kept), or as it is."""
        lead, core, trail = _split_space(text)
        if core not in self.fitted:
            return text
        return lead + " ".join(self.results[piece] for piece in self.fitted[core]) + trail


@dataclass(frozen=True)
class _ParagraphJob:
    """One paragraph to translate, and where its result belongs."""

    document: int  # position of its document in the run
    index: int  # its position in the document
    text: str
    plans: tuple[_SentencePlan, ...]


@dataclass(frozen=True)
class _ParagraphOutcome:
    result: ParagraphResult
    summary_input: str  # the paragraph with quotations translated, for the summarizer
    quotes: tuple[tuple[int, QuoteResult], ...]  # (quotation index, piece)
    warnings: tuple[str, ...]


@dataclass
class _DocumentState:
    """A document in flight: its parse, and the outcomes of its paragraphs so far.

    Sentence plans are made per window (``_plan_job``), not for the whole document up
    front: a huge document holds plans for one window at a time.
    """

    number: int
    document: Document
    scan: QuoteScan
    pieces: dict[int, list[tuple[QuotePiece, int]]]  # quotation pieces by paragraph
    started: float
    parsed: float
    outcomes: list[_ParagraphOutcome] = field(default_factory=list)
    streamed: int = 0  # paragraphs already handed to the text callback
    sentences: int = 0  # sentences planned so far
    # keep_text=False: outcomes streamed and forgotten, and what is kept of them.
    dropped: int = 0
    kept: list[_ParagraphOutcome] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.dropped + len(self.outcomes) == len(self.document.paragraphs)


def translate_document(
    text: str,
    translator: TranslationEngine,
    options: Options | None = None,
    *,
    summarizer: SummarizationEngine | None = None,
    progress: ProgressCallback | None = None,
    on_text: Callable[[str], None] | None = None,
    keep_text: bool = True,
) -> DocumentResult:
    """Translate a German document into English, keeping quotations as ``options`` says.

    Args:
        text: the whole source text.
        translator: the engine that translates sentences.
        options: quotation mode, marks and summary settings.
        summarizer: when given and ``options.summarize`` is set, a summary is added.
        progress: called after each window with (sentences done, sentences known).
        on_text: called with the translation's text as paragraphs are done, in order, so
            a huge document's output can be written while the rest is translated.
        keep_text: with ``on_text``, False leaves the text out of the result (see
            ``translate_documents``): memory stays flat however long the document.

    Returns:
        The translation in the source's layout, per-paragraph results, every quotation
        with the strategy that placed it, warnings and timings.
    """
    results = translate_documents(
        [text],
        translator,
        options,
        summarizer=summarizer,
        progress=progress,
        on_text=None if on_text is None else lambda _, chunk: on_text(chunk),
        keep_text=keep_text,
    )
    return next(iter(results))


def translate_documents(
    texts: Iterable[str],
    translator: TranslationEngine,
    options: Options | None = None,
    *,
    summarizer: SummarizationEngine | None = None,
    progress: ProgressCallback | None = None,
    on_text: TextCallback | None = None,
    window_sentences: int = WINDOW_SENTENCES,
    keep_text: bool = True,
) -> Iterator[DocumentResult]:
    """Translate many documents, yielding one result per text, in order.

    Sentences of several small documents share each model batch (cross-document
    batching), while a huge document is cut into windows of paragraphs. Only the
    documents of the current window are held, so memory stays flat however many texts
    there are; ``texts`` is consumed lazily. Smaller windows give back control (results,
    a chance to stop) sooner, at some cost in speed.

    With ``keep_text=False`` (for a caller that takes the text from ``on_text``), the
    results carry no text: ``translation`` is empty and ``paragraphs`` too, so a huge
    document's translation is never held in memory; quotations, warnings and (with a
    summary) the summarizer's input are still kept.
    """
    options = options or Options()
    keep_text = keep_text or on_text is None
    want_translated_quotes = options.summarize and summarizer is not None
    in_flight: list[_DocumentState] = []
    pending: list[_ParagraphJob] = []
    done_sentences = known_sentences = pending_sentences = 0

    def run_pending() -> None:
        nonlocal pending, pending_sentences, done_sentences
        outcomes = _translate_window(pending, translator, options, want_translated_quotes)
        states = {state.number: state for state in in_flight}
        for job, outcome in zip(pending, outcomes, strict=True):
            states[job.document].outcomes.append(outcome)
        if on_text is not None:
            for state in in_flight:
                _stream(state, on_text)
                if not keep_text:
                    _drop_text(state, want_translated_quotes)
        done_sentences += pending_sentences
        pending, pending_sentences = [], 0
        if progress is not None:
            progress(done_sentences, known_sentences)

    for number, text in enumerate(texts):
        state = _parse(number, text)
        in_flight.append(state)
        paragraphs = range(len(state.document.paragraphs))
        if progress is not None:  # planned twice, so that the total is known from the start
            known_sentences += sum(len(_plan_job(state, i).plans) for i in paragraphs)
        for index in paragraphs:
            job = _plan_job(state, index)
            state.sentences += len(job.plans)
            pending.append(job)
            pending_sentences += len(job.plans)
            if pending_sentences >= window_sentences:
                run_pending()
        while in_flight and in_flight[0].finished:
            yield _finish(in_flight.pop(0), translator, options, summarizer, keep_text)
    if pending or progress is not None:
        run_pending()
    for state in in_flight:
        yield _finish(state, translator, options, summarizer, keep_text)


def _stream(state: _DocumentState, on_text: TextCallback) -> None:
    """Hand the paragraphs finished since the last call to ``on_text``."""
    done = state.dropped + len(state.outcomes)
    chunk = "".join(
        segment.render_paragraph(
            state.document, i, state.outcomes[i - state.dropped].result.translation
        )
        for i in range(state.streamed, done)
    )
    state.streamed = done
    if chunk:
        on_text(state.number, chunk)


def _drop_text(state: _DocumentState, keep_summary_input: bool) -> None:
    """Forget the paragraphs already streamed (``keep_text=False``), keeping only their
    quotations, warnings and, for a summary, the summarizer's input."""
    streamed = state.outcomes[: state.streamed - state.dropped]
    del state.outcomes[: len(streamed)]
    state.dropped += len(streamed)
    for outcome in streamed:
        summary_input = outcome.summary_input if keep_summary_input else ""
        if keep_summary_input or outcome.quotes or outcome.warnings:
            state.kept.append(replace(outcome, result=_STREAMED, summary_input=summary_input))


_STREAMED = ParagraphResult("", "")
"""Stands for a paragraph whose text went to ``on_text`` and was not kept."""


def _plan_job(state: _DocumentState, index: int) -> _ParagraphJob:
    text = state.document.paragraphs[index].text
    plans = _plan_paragraph(text, state.pieces.get(index, []))
    return _ParagraphJob(state.number, index, text, tuple(plans))


def _parse(number: int, text: str) -> _DocumentState:
    """Paragraphs and quotations of one document."""
    started = time.perf_counter()
    document = segment.parse_document(text)
    scan = quotes.find_quotes(
        [p.text for p in document.paragraphs], [p.line for p in document.paragraphs]
    )
    pieces_by_paragraph: dict[int, list[tuple[QuotePiece, int]]] = {}
    for quotation in scan.quotations:
        for piece in quotation.pieces:
            pieces_by_paragraph.setdefault(piece.paragraph, []).append((piece, quotation.index))
    return _DocumentState(number, document, scan, pieces_by_paragraph, started, time.perf_counter())


def _finish(
    state: _DocumentState,
    translator: TranslationEngine,
    options: Options,
    summarizer: SummarizationEngine | None,
    keep_text: bool = True,
) -> DocumentResult:
    """Put a document's paragraphs together, and summarize it when asked."""
    translated = time.perf_counter()
    outcomes = state.kept + state.outcomes
    warnings = [f"line {w.line}: {w.message}" for w in state.scan.warnings]
    warnings += [w for outcome in outcomes for w in outcome.warnings]
    result = DocumentResult(
        translation=(
            segment.render_document(state.document, [o.result.translation for o in outcomes])
            if keep_text
            else ""
        ),
        paragraphs=tuple(o.result for o in outcomes) if keep_text else (),
        quotes=merge_quote_pieces([q for o in outcomes for q in o.quotes]),
        model=translator.info,
        warnings=tuple(warnings),
        sentences=state.sentences,
        timings={
            "parse_s": round(state.parsed - state.started, 4),
            "translate_s": round(translated - state.parsed, 4),
        },
    )
    if options.summarize and summarizer is not None:
        from translator.summarize import summarize_translation

        english = segment.render_document(state.document, [o.summary_input for o in outcomes])
        summary = summarize_translation(english, result, summarizer, options)
        result = replace(
            result,
            summary=summary,
            timings={**result.timings, "summarize_s": round(time.perf_counter() - translated, 4)},
        )
    total = time.perf_counter() - state.started
    return replace(result, timings={**result.timings, "total_s": round(total, 4)})


def _plan_paragraph(text: str, pieces: list[tuple[QuotePiece, int]]) -> list[_SentencePlan]:
    """Split a paragraph into sentences, each a sequence of text and protected parts."""
    protected: list[tuple[int, int, _QuotePart | _KeptPart]] = [
        (piece.start, piece.end, _QuotePart(piece, index)) for piece, index in pieces
    ]
    for start, end in segment.find_urls(text):
        if not any(start < b and a < end for a, b, _ in protected):
            protected.append((start, end, _KeptPart(text[start:end])))
    protected.sort(key=lambda item: item[0])
    spans = segment.split_sentences(text, [(a, b) for a, b, _ in protected])
    plans: list[_SentencePlan] = []
    for start, end in spans:
        parts: list[_Part] = []
        cursor = start
        for part_start, part_end, part in protected:
            if part_start >= start and part_end <= end:
                if part_start > cursor:
                    parts.append(_TextPart(text[cursor:part_start]))
                parts.append(part)
                cursor = part_end
        if cursor < end:
            parts.append(_TextPart(text[cursor:end]))
        plans.append(_SentencePlan(text[start:end], tuple(parts)))
    return plans


def _split_space(text: str) -> tuple[str, str, str]:
    """(leading whitespace, core, trailing whitespace): the model only sees the core."""
    core = text.strip()
    if not core:
        return text, "", ""
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return lead, core, trail


def _split_edges(text: str) -> tuple[str, str, str]:
    """(leading punctuation, core, trailing punctuation) of a fragment beside a quotation."""
    core = text.strip(_EDGE_CHARS)
    if not core:
        return text, "", ""
    lead_end = len(text) - len(text.lstrip(_EDGE_CHARS))
    trail_start = len(text.rstrip(_EDGE_CHARS))
    return text[:lead_end], core, text[trail_start:]


def _fit(core: str, translator: TranslationEngine) -> list[str]:
    """Model inputs for ``core``: itself, or pieces that each fit the model's limit."""
    limit = translator.max_input_tokens
    # A SentencePiece token covers at least one character, plus one EOS token: short text
    # cannot exceed the limit, so most sentences skip the tokenizer entirely.
    if len(core) + 1 <= limit:
        return [core]
    pieces = segment.split_to_fit(core, translator.count_tokens, limit - 1)
    return [piece.strip() for piece in pieces if piece.strip()]


def _translate_window(
    jobs: Sequence[_ParagraphJob],
    translator: TranslationEngine,
    options: Options,
    want_translated_quotes: bool,
) -> list[_ParagraphOutcome]:
    """Translate a window of paragraphs with as few engine calls as possible (usually one)."""
    requests = _Requests(translator)
    translate_quotes = options.quotes is not QuoteMode.KEEP or want_translated_quotes

    # Phase 1: every plain sentence, every masked sentence, every quotation's inner text.
    masked: dict[tuple[int, int], tuple[str, tuple[str, ...]]] = {}
    for j, job in enumerate(jobs):
        requests.current_job = j
        for s, plan in enumerate(job.plans):
            if translate_quotes:
                for part in plan.quote_parts:
                    for sentence in _quote_sentences(job.text, part.piece):
                        requests.add_translatable(sentence)
            if not plan.protected_parts:
                requests.add_translatable(plan.text)
            elif any(segment.is_translatable(t.text) for t in plan.text_parts):
                lead, core, _ = _split_space(plan.text)
                spans = [(a - len(lead), b - len(lead)) for a, b in plan.protected_spans()]
                masked_text, placeholders = quotes.mask_quotes(core, spans)
                if len(_fit(masked_text, translator)) == 1:
                    masked[(j, s)] = (masked_text, placeholders)
                    requests.add(masked_text)
                    requests.masked.add(masked_text)
                else:  # too long to translate whole: straight to fragments
                    for text_part in plan.text_parts:
                        requests.add_translatable(_split_edges(text_part.text)[1])
    _run(translator, requests)

    renderings = _Renderings(output={}, translated={})
    for job in jobs:
        for plan in job.plans:
            for part in plan.quote_parts:
                _render_quote(job.text, part.piece, options, translate_quotes, requests, renderings)

    # Phase 2: unmask; a sentence whose placeholders did not survive goes to fragments.
    done: dict[tuple[int, int], tuple[str, str, QuoteStrategy]] = {}
    for (j, s), (masked_text, placeholders) in masked.items():
        requests.current_job = j
        plan = jobs[j].plans[s]
        translated = requests.results[masked_text]
        restored = quotes.unmask(translated, placeholders, _rendered(plan, renderings.output))
        if restored is None:
            log.debug("placeholders lost: %r -> %r; translating fragments", masked_text, translated)
            for text_part in plan.text_parts:
                requests.add_translatable(_split_edges(text_part.text)[1])
            continue
        for_summary = restored
        if translate_quotes:
            with_translations = _rendered(plan, renderings.translated)
            for_summary = quotes.unmask(translated, placeholders, with_translations) or restored
        lead, _, trail = _split_space(plan.text)
        done[(j, s)] = (
            lead + restored + trail,
            lead + for_summary + trail,
            QuoteStrategy.PLACEHOLDER,
        )
    _run(translator, requests)

    outcomes: list[_ParagraphOutcome] = []
    for j, job in enumerate(jobs):
        out: list[str] = []
        summary: list[str] = []
        quote_results: list[tuple[int, QuoteResult]] = []
        for s, plan in enumerate(job.plans):
            if (j, s) in done:
                text_out, text_summary, strategy = done[(j, s)]
            else:
                text_out = _assemble(plan, requests, renderings.output)
                text_summary = (
                    _assemble(plan, requests, renderings.translated)
                    if translate_quotes
                    else text_out
                )
                has_text = any(segment.is_translatable(t.text) for t in plan.text_parts)
                strategy = QuoteStrategy.FRAGMENTS if has_text else QuoteStrategy.VERBATIM
            out.append(text_out)
            summary.append(text_summary)
            for part in plan.quote_parts:
                original = job.text[part.piece.start : part.piece.end]
                rendered = renderings.output[part.piece]
                translated = renderings.translated[part.piece] if translate_quotes else ""
                quote_results.append(
                    (
                        part.quote_index,
                        QuoteResult(original, rendered, strategy, job.index, translated),
                    )
                )
                log.info("quotation %d: %s", part.quote_index + 1, strategy.value)
        outcomes.append(
            _ParagraphOutcome(
                result=ParagraphResult(job.text, "".join(out)),
                summary_input="".join(summary),
                quotes=tuple(quote_results),
                warnings=tuple(requests.warnings.get(j, ())),
            )
        )
    return outcomes


def merge_quote_pieces(pieces: Sequence[tuple[int, QuoteResult]]) -> tuple[QuoteResult, ...]:
    """One result per quotation: the pieces of a multi-paragraph one are joined by newlines,
    and it reports the least trusted strategy any of its pieces took."""
    order = [QuoteStrategy.VERBATIM, QuoteStrategy.PLACEHOLDER, QuoteStrategy.FRAGMENTS]
    merged: dict[int, QuoteResult] = {}
    for index, piece in pieces:
        first = merged.get(index)
        if first is None:
            merged[index] = piece
            continue
        merged[index] = QuoteResult(
            original=first.original + "\n" + piece.original,
            rendered=first.rendered + "\n" + piece.rendered,
            translated=first.translated + "\n" + piece.translated,
            strategy=max(first.strategy, piece.strategy, key=order.index),
            paragraph=first.paragraph,
        )
    return tuple(merged.values())


def _quote_sentences(paragraph_text: str, piece: QuotePiece) -> list[str]:
    """The sentences of a quotation piece's inner text (what is translated on its own)."""
    inner = paragraph_text[piece.start + len(piece.opening) : piece.end - len(piece.closing)]
    return [inner[a:b] for a, b in segment.split_sentences(inner)]


def _render_quote(
    paragraph_text: str,
    piece: QuotePiece,
    options: Options,
    translate_quotes: bool,
    requests: _Requests,
    renderings: _Renderings,
) -> None:
    """Decide how a quotation piece is written in the output and for the summarizer."""
    original = paragraph_text[piece.start : piece.end]
    translated = original
    if translate_quotes:
        inner = "".join(requests.translation_of(s) for s in _quote_sentences(paragraph_text, piece))
        open_mark, close_mark = quotes.target_marks(
            piece.opening, piece.closing, options.quote_marks
        )
        translated = open_mark + quotes.neutralize_marks(inner).strip() + close_mark
    renderings.translated[piece] = translated
    if options.quotes is QuoteMode.KEEP:
        renderings.output[piece] = original
    elif options.quotes is QuoteMode.TRANSLATE:
        renderings.output[piece] = translated
    else:
        renderings.output[piece] = f"{translated} [{original}]"


def _assemble(plan: _SentencePlan, requests: _Requests, renderings: dict[QuotePiece, str]) -> str:
    """A sentence put together from separately translated text parts and quotations."""
    out = ""
    for part in plan.parts:
        if isinstance(part, _QuotePart):
            out = _join_quote(out, renderings[part.piece])
            continue
        if isinstance(part, _KeptPart):
            out += part.text
            continue
        split = _split_edges if plan.protected_parts else _split_space
        lead, core, trail = split(part.text)
        if core not in requests.fitted:
            out += part.text
            continue
        translated = quotes.neutralize_marks(requests.translation_of(core))
        if plan.protected_parts:
            # A fragment is not a sentence: punctuation the model added at its edges would
            # stand beside the source's own, which is kept.
            translated = translated.strip(" \t\n,.;:!?…")
        out += lead + translated + trail
    return out


def _rendered(plan: _SentencePlan, renderings: dict[QuotePiece, str]) -> list[str]:
    """What each protected part of the sentence becomes in the output, in order."""
    return [
        renderings[part.piece] if isinstance(part, _QuotePart) else part.text
        for part in plan.protected_parts
    ]


def _join_quote(before: str, rendering: str) -> str:
    """Append a quotation, keeping the context a typewriter quote needs to be read as one."""
    glued = before and not before[-1].isspace() and before[-1] not in "([{:–—-/"
    if rendering[:1] in "\"'" and glued:
        before += " "
    return before + rendering


def _run(translator: TranslationEngine, requests: _Requests) -> None:
    """Translate the requests not yet translated, regenerating outputs that look degenerate."""
    pending = requests.texts[requests.translated :]
    requests.translated = len(requests.texts)
    if not pending:
        return
    model_inputs = [text if text in requests.masked else _normalise_case(text) for text in pending]
    outputs = translator.translate(model_inputs)
    suspicious = [i for i, out in enumerate(outputs) if _degenerate(model_inputs[i], out)]
    if suspicious:
        retried = translator.translate([model_inputs[i] for i in suspicious], strict=True)
        for i, out in zip(suspicious, retried, strict=True):
            if _degenerate(model_inputs[i], out):
                requests.warn(
                    pending[i],
                    "a translation still looks degenerate after a strict retry "
                    f"(length or repetition out of range): {pending[i][:60]!r}",
                )
            outputs[i] = out
    for text, model_input, out in zip(pending, model_inputs, outputs, strict=True):
        requests.results[text] = out.upper() if model_input != text else out


def _normalise_case(text: str) -> str:
    """ALL-CAPS text confuses the model: it gets sentence case; the output is upper-cased."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 8 or any(c.islower() for c in letters):
        return text
    return text[:1] + text[1:].lower()


def _degenerate(source: str, output: str) -> bool:
    """Whether a translation is empty, far too long or short, or repeats itself."""
    if not output.strip():
        return True
    ratio = len(output) / max(len(source), 1)
    if len(source) >= 20 and not _MIN_LENGTH_RATIO <= ratio <= _MAX_LENGTH_RATIO:
        return True
    repeats = segment.REPEATED_WORDS
    return repeats.search(output) is not None and repeats.search(source) is None
