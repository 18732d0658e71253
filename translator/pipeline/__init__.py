"""The document pipeline: parse, find quotations, segment, protect, translate, restore.

Engines are passed in, so tests hand it fakes or tiny real models. The flow per window of
paragraphs is: plan every sentence (which text the model sees, where quotations stand),
send all model inputs in one deduplicated call (the engine batches and sorts them), then
assemble, verify placeholders and fall back to fragments where verification fails.
"""

from __future__ import annotations

import bisect
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from translator import quotes, segment
from translator.engines import SummarizationEngine, TranslationEngine
from translator.glossary import Glossary, GlossaryEntry, summarize_uses
from translator.options import Options
from translator.quotes import Quotation, QuotePiece, QuoteScan
from translator.schema import (
    Document,
    DocumentResult,
    Markup,
    ParagraphResult,
    QuoteMarks,
    QuoteMode,
    QuoteResult,
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

    @property
    def output(self) -> str:
        return self.text


@dataclass(frozen=True)
class _MarkupPart:
    """Inline markup (``**sehr**``, ``[Text](url)``): protected like a quotation, so the
    model never sees its delimiters or URL; its inner text (emphasis content, link text)
    is translated on its own and put back between the delimiters, which stay as they are."""

    text: str
    inner: tuple[int, int]  # where the translatable text stands in ``text``

    def inner_sentences(self) -> list[str]:
        return _sentences(self.text[self.inner[0] : self.inner[1]])

    def translated_inner(self, requests: _Requests) -> str:
        inner = self.text[self.inner[0] : self.inner[1]]
        translated = "".join(requests.translation_of(s) for s in self.inner_sentences())
        return translated if translated == inner else quotes.neutralize_marks(translated)

    def render(self, requests: _Requests) -> str:
        start, end = self.inner
        return self.text[:start] + self.translated_inner(requests) + self.text[end:]


@dataclass(frozen=True)
class _TermPart:
    """A glossary term (``text`` is the form found): protected like a quotation, the model
    translates the sentence around it, and the entry's target is written in its place."""

    text: str
    entry: GlossaryEntry

    @property
    def output(self) -> str:
        return self.entry.target


_Part = _TextPart | _QuotePart | _KeptPart | _MarkupPart | _TermPart
_Protected = _QuotePart | _KeptPart | _MarkupPart | _TermPart


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
    def markup_parts(self) -> list[_MarkupPart]:
        return [part for part in self.parts if isinstance(part, _MarkupPart)]

    @property
    def protected_parts(self) -> list[_Protected]:
        """Quotations, URLs, e-mail addresses, markup and glossary terms: what the model
        must not touch."""
        return [part for part in self.parts if not isinstance(part, _TextPart)]

    @property
    def term_parts(self) -> list[_TermPart]:
        return [part for part in self.parts if isinstance(part, _TermPart)]

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
    """How each quotation piece and markup span is written: in the output, and for the
    summarizer."""

    output: dict[QuotePiece | _MarkupPart, str]
    translated: dict[QuotePiece | _MarkupPart, str]


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
        # Who is asking, so that a warning reaches its document and names the source:
        # the paragraph's job, its line, and the sentence as written (never masked text).
        self.current = _Origin(job=0, line=1, sentence="")
        self.owner: dict[str, _Origin] = {}
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
        self.warnings.setdefault(origin.job, []).append(
            f"line {origin.line}: {message}: {sentence!r}"
        )

    def add_masked(self, text: str) -> None:
        """Queue a text holding placeholders (never split, never case-normalised)."""
        self.add(text)
        self.masked.add(text)

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
class _Origin:
    """Where a model input comes from: for warnings and logs that quote the source."""

    job: int  # the paragraph's position in the window
    line: int  # the 1-based source line the paragraph starts on
    sentence: str  # the source sentence as written, quotations and all


# How much of a sentence a warning quotes.
_QUOTED_SENTENCE_CHARS = 160


@dataclass(frozen=True)
class _ParagraphJob:
    """One paragraph to translate, and where its result belongs."""

    document: int  # position of its document in the run
    index: int  # its position in the document
    text: str
    plans: tuple[_SentencePlan, ...]
    line: int = 1  # the source line the paragraph starts on, for messages


@dataclass(frozen=True)
class _ParagraphOutcome:
    result: ParagraphResult
    summary_input: str  # the paragraph with quotations translated, for the summarizer
    quotes: tuple[tuple[int, QuoteResult], ...]  # (quotation index, piece)
    warnings: tuple[str, ...]
    terms: tuple[tuple[GlossaryEntry, str], ...] = ()  # glossary entries applied, form found


@dataclass
class _DocumentState:
    """A document in flight: its parse, and the outcomes of its paragraphs so far."""

    number: int
    document: Document
    scan: QuoteScan
    jobs: list[_ParagraphJob]
    started: float
    parsed: float
    outcomes: list[_ParagraphOutcome] = field(default_factory=list)
    streamed: int = 0  # paragraphs already handed to the text callback

    @property
    def finished(self) -> bool:
        return len(self.outcomes) == len(self.jobs)


def translate_document(
    text: str | Document,
    translator: TranslationEngine,
    options: Options | None = None,
    *,
    summarizer: SummarizationEngine | None = None,
    progress: ProgressCallback | None = None,
    on_text: Callable[[str], None] | None = None,
) -> DocumentResult:
    """Translate a German document into English, keeping quotations as ``options`` says.

    Args:
        text: the whole source text, or a document a ``translator.formats`` reader made
            (its paragraphs' kinds and inline markup are kept).
        translator: the engine that translates sentences.
        options: quotation mode, marks and summary settings.
        summarizer: when given and ``options.summarize`` is set, a summary is added.
        progress: called after each window with (sentences done, sentences known).
        on_text: called with the translation's text as paragraphs are done, in order, so
            a huge document's output can be written while the rest is translated.

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
    )
    return next(iter(results))


def translate_documents(
    texts: Iterable[str | Document],
    translator: TranslationEngine,
    options: Options | None = None,
    *,
    summarizer: SummarizationEngine | None = None,
    progress: ProgressCallback | None = None,
    on_text: TextCallback | None = None,
    window_sentences: int = WINDOW_SENTENCES,
) -> Iterator[DocumentResult]:
    """Translate many documents, yielding one result per text, in order.

    Sentences of several small documents share each model batch (cross-document
    batching), while a huge document is cut into windows of paragraphs. Only the
    documents of the current window are held, so memory stays flat however many texts
    there are; ``texts`` is consumed lazily. Smaller windows give back control (results,
    a chance to stop) sooner, at some cost in speed.
    """
    options = options or Options()
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
        done_sentences += pending_sentences
        pending, pending_sentences = [], 0
        if progress is not None:
            progress(done_sentences, known_sentences)

    for number, text in enumerate(texts):
        state = _parse(number, text, options.glossary)
        in_flight.append(state)
        known_sentences += sum(len(job.plans) for job in state.jobs)
        for job in state.jobs:
            pending.append(job)
            pending_sentences += len(job.plans)
            if pending_sentences >= window_sentences:
                run_pending()
        while in_flight and in_flight[0].finished:
            yield _finish(in_flight.pop(0), translator, options, summarizer)
    if pending or progress is not None:
        run_pending()
    for state in in_flight:
        yield _finish(state, translator, options, summarizer)


def count_sentences(text: str | Document, glossary: Glossary | None = None) -> int:
    """How many sentences ``translate_documents`` will report for ``text`` (its
    ``DocumentResult.sentences``): what a batch plans with before translating."""
    return sum(len(job.plans) for job in _parse(0, text, glossary).jobs)


def _stream(state: _DocumentState, on_text: TextCallback) -> None:
    """Hand the paragraphs finished since the last call to ``on_text``."""
    chunk = "".join(
        segment.render_paragraph(state.document, i, state.outcomes[i].result.translation)
        for i in range(state.streamed, len(state.outcomes))
    )
    state.streamed = len(state.outcomes)
    if chunk:
        on_text(state.number, chunk)


def _parse(number: int, text: str | Document, glossary: Glossary | None) -> _DocumentState:
    """Paragraphs, quotations and sentence plans of one document."""
    started = time.perf_counter()
    document = text if isinstance(text, Document) else segment.parse_document(text)
    # Quotation marks in markup (a link's title, inline code, an HTML attribute) quote
    # nobody, and a delimiter between a mark and its words (*„Zitat“*) hides nothing: the
    # finder reads each paragraph with its markup's kept parts removed.
    readable = [_without_markup(p.text, p.markup) for p in document.paragraphs]
    scan = quotes.find_quotes(
        [plain for plain, _ in readable], [p.line for p in document.paragraphs]
    )
    if any(positions is not None for _, positions in readable):
        scan = replace(scan, quotations=tuple(_relocate(q, readable) for q in scan.quotations))
    pieces_by_paragraph: dict[int, list[tuple[QuotePiece, int]]] = {}
    for quotation in scan.quotations:
        for piece in quotation.pieces:
            pieces_by_paragraph.setdefault(piece.paragraph, []).append((piece, quotation.index))
    jobs = [
        _ParagraphJob(
            number,
            i,
            p.text,
            tuple(_plan_paragraph(p.text, pieces_by_paragraph.get(i, []), p.markup, glossary)),
            p.line,
        )
        for i, p in enumerate(document.paragraphs)
    ]
    return _DocumentState(number, document, scan, jobs, started, time.perf_counter())


def _without_markup(text: str, markup: Sequence[Markup]) -> tuple[str, list[int] | None]:
    """``text`` without the kept parts of its markup, and where each character left came
    from (None when there is no markup)."""
    if not markup:
        return text, None
    hidden = bytearray(len(text) + 1)
    for span in markup:
        inner_start, inner_end = span.inner or (span.end, span.end)
        hidden[span.start : inner_start] = b"\1" * (inner_start - span.start)
        hidden[inner_end : span.end] = b"\1" * (span.end - inner_end)
    positions = [i for i in range(len(text)) if not hidden[i]]
    return "".join(text[i] for i in positions), positions


def _relocate(quotation: Quotation, readable: list[tuple[str, list[int] | None]]) -> Quotation:
    """A quotation found in markup-free text, with its pieces' offsets in the source."""
    pieces = []
    for piece in quotation.pieces:
        positions = readable[piece.paragraph][1]
        if positions is not None:
            start, end = positions[piece.start], positions[piece.end - 1] + 1
            piece = replace(piece, start=start, end=end)
        pieces.append(piece)
    return replace(quotation, pieces=tuple(pieces))


def _finish(
    state: _DocumentState,
    translator: TranslationEngine,
    options: Options,
    summarizer: SummarizationEngine | None,
) -> DocumentResult:
    """Put a document's paragraphs together, and summarize it when asked."""
    translated = time.perf_counter()
    outcomes = state.outcomes
    starts = [p.line for p in state.document.paragraphs]
    by_paragraph: list[list[str]] = [[] for _ in outcomes]
    for scan_warning in state.scan.warnings if outcomes else ():  # in the paragraph of its line
        i = max(bisect.bisect_right(starts, scan_warning.line) - 1, 0)
        by_paragraph[i].append(f"line {scan_warning.line}: {scan_warning.message}")
    for i, outcome in enumerate(outcomes):
        by_paragraph[i] += outcome.warnings
    warnings = [f"line {w.line}: {w.message}" for w in state.scan.warnings]
    warnings += [w for outcome in outcomes for w in outcome.warnings]
    result = DocumentResult(
        translation=segment.render_document(
            state.document, [o.result.translation for o in outcomes]
        ),
        paragraphs=tuple(
            replace(o.result, warnings=tuple(found), kind=paragraph.kind)
            for o, found, paragraph in zip(
                outcomes, by_paragraph, state.document.paragraphs, strict=True
            )
        ),
        quotes=merge_quote_pieces([q for o in outcomes for q in o.quotes]),
        model=translator.info,
        warnings=tuple(warnings),
        sentences=sum(len(job.plans) for job in state.jobs),
        glossary=summarize_uses(term for outcome in outcomes for term in outcome.terms),
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


def _plan_paragraph(
    text: str,
    pieces: list[tuple[QuotePiece, int]],
    markup: Sequence[Markup] = (),
    glossary: Glossary | None = None,
) -> list[_SentencePlan]:
    """Split a paragraph into sentences, each a sequence of text and protected parts."""
    protected: list[tuple[int, int, _Protected]] = [
        (piece.start, piece.end, _QuotePart(piece, index)) for piece, index in pieces
    ]

    def free(start: int, end: int) -> bool:
        return not any(start < b and a < end for a, b, _ in protected)

    quoted = [(a, b) for a, b, _ in protected]
    for span in markup:
        if any(a <= span.start and span.end <= b for a, b in quoted):
            continue  # inside a quotation: kept with it, markup and all
        if free(span.start, span.end):
            whole = text[span.start : span.end]
            part: _Protected = (
                _KeptPart(whole)
                if span.inner is None
                else _MarkupPart(whole, (span.inner[0] - span.start, span.inner[1] - span.start))
            )
            protected.append((span.start, span.end, part))
        elif span.inner is not None:
            # A quotation inside the markup (or across its edge) stays one quotation; the
            # delimiters outside it are kept as they are.
            for a, b in ((span.start, span.inner[0]), (span.inner[1], span.end)):
                if a < b and free(a, b):
                    protected.append((a, b, _KeptPart(text[a:b])))
    for start, end in segment.find_urls(text):
        if free(start, end):
            protected.append((start, end, _KeptPart(text[start:end])))
    _add_terms(text, glossary, protected)
    protected.sort(key=lambda item: item[0])
    spans = segment.split_sentences(text, [(a, b) for a, b, _ in protected])
    return [_plan_sentence(text, start, end, protected) for start, end in spans]


def _add_terms(
    text: str, glossary: Glossary | None, protected: list[tuple[int, int, _Protected]]
) -> None:
    """Add the glossary terms of ``text`` that lie outside the parts already protected."""
    if glossary is None:
        return
    for match in glossary.find(text):
        if not any(match.start < b and a < match.end for a, b, _ in protected):
            part = _TermPart(text[match.start : match.end], match.entry)
            protected.append((match.start, match.end, part))


def _plan_sentence(
    text: str, start: int, end: int, protected: list[tuple[int, int, _Protected]]
) -> _SentencePlan:
    """The sentence ``text[start:end]`` as text parts and the protected parts inside it."""
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
    return _SentencePlan(text[start:end], tuple(parts))


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
    glossary = options.glossary

    # Phase 1: every plain sentence, every masked sentence, every quotation's inner text.
    masked: dict[tuple[int, int], tuple[str, tuple[str, ...]]] = {}
    for j, job in enumerate(jobs):
        for s, plan in enumerate(job.plans):
            requests.current = _Origin(j, job.line, plan.text)
            if translate_quotes:
                for part in plan.quote_parts:
                    _request_quote(_inner_text(job.text, part.piece), requests, glossary)
            for markup_part in plan.markup_parts:
                for sentence in markup_part.inner_sentences():
                    requests.add_translatable(sentence)
            requests.current = _Origin(j, job.line, plan.text)
            if not plan.protected_parts:
                requests.add_translatable(plan.text)
            elif any(segment.is_translatable(t.text) for t in plan.text_parts):
                masked_plan = _mask(plan, translator)
                if masked_plan is not None:
                    masked[(j, s)] = masked_plan
                    requests.add_masked(masked_plan[0])
                else:  # too long to translate whole: straight to fragments
                    for text_part in plan.text_parts:
                        requests.add_translatable(_split_edges(text_part.text)[1])
    _run(translator, requests)

    renderings = _Renderings(output={}, translated={})
    for job in jobs:
        for plan in job.plans:
            for part in plan.quote_parts:
                _render_quote(job.text, part.piece, options, translate_quotes, requests, renderings)
            for markup_part in plan.markup_parts:
                renderings.output[markup_part] = markup_part.render(requests)
                # The summarizer reads the text without markup (``**``, a link's URL).
                renderings.translated[markup_part] = markup_part.translated_inner(requests)

    # Phase 2: unmask; a sentence whose placeholders did not survive goes to fragments.
    done: dict[tuple[int, int], tuple[str, str, QuoteStrategy]] = {}
    for (j, s), (masked_text, placeholders) in masked.items():
        plan = jobs[j].plans[s]
        requests.current = _Origin(j, jobs[j].line, plan.text)
        translated = requests.results[masked_text]
        restored = quotes.unmask(translated, placeholders, _rendered(plan, renderings.output))
        if restored is None:
            log.debug(
                "line %d: placeholders did not survive translation; translating the text "
                "around the quotations separately: %r",
                jobs[j].line,
                plan.text.strip(),
            )
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
        terms: list[tuple[GlossaryEntry, str]] = []
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
            terms += [(part.entry, part.text) for part in plan.term_parts]
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
                if options.quotes is not QuoteMode.KEEP:  # the translation is in the output
                    terms += _inner_terms(_inner_text(job.text, part.piece), glossary)
        outcomes.append(
            _ParagraphOutcome(
                result=ParagraphResult(job.text, "".join(out)),
                summary_input="".join(summary),
                quotes=tuple(quote_results),
                warnings=tuple(requests.warnings.get(j, ())),
                terms=tuple(terms),
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


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in segment.split_sentences(text)]


def _inner_text(text: str, piece: QuotePiece) -> str:
    """A quotation piece's text without its own marks."""
    return text[piece.start + len(piece.opening) : piece.end - len(piece.closing)]


@functools.lru_cache(maxsize=4096)
def _inner_plans(inner: str, glossary: Glossary | None) -> tuple[_SentencePlan, ...]:
    """The sentences of a quotation's inner text, its nested quotations (and URLs and
    glossary terms) protected: a quotation is translated like a paragraph of its own."""
    nested = [(q.pieces[0], q.index) for q in quotes.find_quotes([inner]).quotations]
    return tuple(_plan_paragraph(inner, nested, glossary=glossary))


def _inner_terms(inner: str, glossary: Glossary | None) -> list[tuple[GlossaryEntry, str]]:
    """The glossary terms a translated quotation's text holds, nested quotations included."""
    terms: list[tuple[GlossaryEntry, str]] = []
    for plan in _inner_plans(inner, glossary) if glossary is not None else ():
        terms += [(part.entry, part.text) for part in plan.term_parts]
        for part in plan.quote_parts:
            terms += _inner_terms(_inner_text(inner, part.piece), glossary)
    return terms


def _mask(plan: _SentencePlan, translator: TranslationEngine) -> tuple[str, tuple[str, ...]] | None:
    """The sentence with its protected parts masked, or None when that is too long to
    translate whole (then only fragments are translated)."""
    lead, core, _ = _split_space(plan.text)
    spans = [(a - len(lead), b - len(lead)) for a, b in plan.protected_spans()]
    masked_text, placeholders = quotes.mask_quotes(core, spans)
    return (masked_text, placeholders) if len(_fit(masked_text, translator)) == 1 else None


def _request_quote(inner: str, requests: _Requests, glossary: Glossary | None) -> None:
    """Queue what translating a quotation's inner text needs. A sentence holding a nested
    quotation is queued masked and, since such sentences are rare, its fragments too, so
    that the fallback needs no second engine call."""
    for plan in _inner_plans(inner, glossary):
        requests.current = replace(requests.current, sentence=plan.text)
        if not plan.protected_parts:
            requests.add_translatable(plan.text)
            continue
        for part in plan.quote_parts:
            _request_quote(_inner_text(inner, part.piece), requests, glossary)
        if any(segment.is_translatable(t.text) for t in plan.text_parts):
            masked_plan = _mask(plan, requests.translator)
            if masked_plan is not None:
                requests.add_masked(masked_plan[0])
            for text_part in plan.text_parts:
                requests.add_translatable(_split_edges(text_part.text)[1])


def _translate_inner(
    inner: str,
    requests: _Requests,
    style: QuoteMarks,
    depth: int,
    glossary: Glossary | None = None,
) -> str:
    """The translation of a quotation's inner text at nesting ``depth`` (0: outermost).

    Nested quotations keep marks of ``style``'s nested pair, around their own translation;
    the sentence around them is restored from placeholders and verified like any other,
    and falls back to fragments. The model's own marks are neutralised everywhere else.
    """
    out: list[str] = []
    for plan in _inner_plans(inner, glossary):
        if not plan.protected_parts:
            out.append(quotes.neutralize_marks(requests.translation_of(plan.text)))
            continue
        renderings: dict[QuotePiece | _MarkupPart, str] = {}
        for part in plan.quote_parts:
            piece = part.piece
            opening, closing = quotes.target_marks(piece.opening, piece.closing, style, depth + 1)
            nested = _translate_inner(
                _inner_text(inner, piece), requests, style, depth + 1, glossary
            )
            renderings[piece] = opening + nested.strip() + closing
        restored = None
        masked_plan = _mask(plan, requests.translator)
        if masked_plan is not None and masked_plan[0] in requests.results:
            restored = quotes.unmask(
                requests.results[masked_plan[0]], masked_plan[1], _rendered(plan, renderings)
            )
        if restored is None:
            out.append(_assemble(plan, requests, renderings))
        else:
            lead, _, trail = _split_space(plan.text)
            out.append(lead + restored + trail)
    return "".join(out)


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
        inner = _translate_inner(
            _inner_text(paragraph_text, piece),
            requests,
            options.quote_marks,
            depth=0,
            glossary=options.glossary,
        )
        open_mark, close_mark = quotes.target_marks(
            piece.opening, piece.closing, options.quote_marks
        )
        translated = open_mark + inner.strip() + close_mark
    renderings.translated[piece] = translated
    if options.quotes is QuoteMode.KEEP:
        renderings.output[piece] = original
    elif options.quotes is QuoteMode.TRANSLATE:
        renderings.output[piece] = translated
    else:
        renderings.output[piece] = f"{translated} [{original}]"


def _assemble(
    plan: _SentencePlan, requests: _Requests, renderings: dict[QuotePiece | _MarkupPart, str]
) -> str:
    """A sentence put together from separately translated text parts and quotations."""
    out = ""
    for part in plan.parts:
        if isinstance(part, _QuotePart):
            out = _join_quote(out, renderings[part.piece])
            continue
        if isinstance(part, _MarkupPart):
            out += renderings[part]
            continue
        if not isinstance(part, _TextPart):  # URLs, e-mail addresses, glossary terms
            out += part.output
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


def _rendered(plan: _SentencePlan, renderings: dict[QuotePiece | _MarkupPart, str]) -> list[str]:
    """What each protected part of the sentence becomes in the output, in order."""
    return [
        renderings[part.piece]
        if isinstance(part, _QuotePart)
        else renderings[part]
        if isinstance(part, _MarkupPart)
        else part.output
        for part in plan.protected_parts
    ]


def _join_quote(before: str, rendering: str) -> str:
    """Append a quotation, keeping the context a typewriter quote needs to be read as one."""
    return before + quotes.join_rendering(before, rendering) + rendering


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
                    "(length or repetition out of range)",
                )
            outputs[i] = out
    for text, model_input, out in zip(pending, model_inputs, outputs, strict=True):
        requests.results[text] = out.upper() if model_input != text else out


def _normalise_case(text: str) -> str:
    """ALL-CAPS text confuses the model: it gets German casing back, word by word
    (``casing.restore_case``); the output is upper-cased."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 8 or any(c.islower() for c in letters):
        return text
    from translator.casing import restore_case

    return restore_case(text)


def _degenerate(source: str, output: str) -> bool:
    """Whether a translation is empty, far too long or short, or repeats itself."""
    if not output.strip():
        return True
    ratio = len(output) / max(len(source), 1)
    if len(source) >= 20 and not _MIN_LENGTH_RATIO <= ratio <= _MAX_LENGTH_RATIO:
        return True
    repeats = segment.REPEATED_WORDS
    return repeats.search(output) is not None and repeats.search(source) is None
