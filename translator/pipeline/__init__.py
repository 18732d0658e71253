"""The document driver: documents in, windows of paragraphs through the pipeline, results out.

Engines are passed in, so tests hand it fakes or tiny real models. The flow per window of
paragraphs is: plan every sentence (``plan``: which text the model sees, where quotations
stand), send all model inputs in one deduplicated call (``requests``; the engine batches and
sorts them), render the quotations (``quotations``), then assemble, verify placeholders and
fall back to fragments where verification fails.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from translator import quotes, segment
from translator.engines.base import SummarizationEngine, TranslationEngine
from translator.glossary import Glossary, GlossaryEntry, summarize_uses
from translator.options import Options
from translator.pipeline.plan import (
    Renderings,
    SentencePlan,
    assemble,
    mask,
    plan_paragraph,
    rendered,
    split_edges,
)
from translator.pipeline.quotations import (
    inner_terms,
    inner_text,
    merge_quote_pieces,
    render_quote,
    request_quote,
)
from translator.pipeline.requests import Origin, Requests, split_space, translate_pending
from translator.quotes import Quotation, QuotePiece, QuoteScan
from translator.schema import (
    Alternative,
    Document,
    DocumentResult,
    Markup,
    ParagraphResult,
    QuoteMode,
    QuoteResult,
    QuoteStrategy,
    SentenceResult,
)

GERMAN = "de"

__all__ = [
    "WINDOW_SENTENCES",
    "Options",
    "ProgressCallback",
    "TextCallback",
    "count_sentences",
    "input_language",
    "merge_quote_pieces",
    "translate_document",
    "translate_documents",
]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called with (sentences done, sentences in the document) after each window."""
TextCallback = Callable[[int, str], None]
"""Called with (document number, output text) as paragraphs are done, in order: the
texts of one document join to its ``DocumentResult.translation`` (streamed output)."""

# Windows bound the memory a huge document needs: model inputs exist for one window of
# sentences at a time, and results can be streamed out window by window. Each window is
# one engine call (its fallbacks decode beside its last batches), and the engine's workers
# idle at the end of each call: 1,024 sentences instead of 256 made the 400-sentence
# benchmark 1.2x faster.
WINDOW_SENTENCES = 1024


@dataclass(frozen=True)
class _ParagraphJob:
    """One paragraph to translate, and where its result belongs."""

    document: int  # position of its document in the run
    index: int  # its position in the document
    text: str
    plans: tuple[SentencePlan, ...]
    where: str = "line 1"  # its place in the source, for messages ("paragraph 3", ...)


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
    language: str | None = None  # the input's detected language (None: not checked)

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
        if options.pass_foreign:
            state.language = _document_language(state.document)
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
            tuple(plan_paragraph(p.text, pieces_by_paragraph.get(i, []), p.markup, glossary)),
            f"{document.position} {p.line}",
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
        by_paragraph[i].append(
            f"{state.document.position} {scan_warning.line}: {scan_warning.message}"
        )
    for i, outcome in enumerate(outcomes):
        by_paragraph[i] += outcome.warnings
    position = state.document.position
    warnings = [f"{position} {w.line}: {w.message}" for w in state.scan.warnings]
    if state.language not in (None, GERMAN):
        warnings.insert(
            0,
            f"the input is not German (detected language: {state.language}); "
            "text that is not German passes through untranslated",
        )
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
        language=state.language,
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


# Sentences a window masked, by (paragraph in the window, sentence in the paragraph): the
# masked text and its placeholders.
_Masked = dict[tuple[int, int], tuple[str, tuple[str, ...]]]


@dataclass(frozen=True)
class _RestoredSentence:
    """A masked sentence whose placeholders survived."""

    output: str
    for_summary: str  # the text the summarizer reads
    score: float | None
    alternatives: tuple[Alternative, ...]  # those whose placeholders survived too


_Restored = dict[tuple[int, int], _RestoredSentence]


def input_language(text: str | Document) -> str | None:
    """A document's language, as ``DocumentResult.language`` reports it ("de", another
    ISO 639-1 code, or None for text without words): a batch skips what is not German."""
    document = text if isinstance(text, Document) else segment.parse_document(text)
    return _document_language(document)


def _document_language(document: Document) -> str | None:
    """The language of a document's first paragraphs (enough text to decide)."""
    from translator.language import DOCUMENT_SAMPLE_CHARS, document_language

    sample: list[str] = []
    size = 0
    for paragraph in document.paragraphs:
        if size >= DOCUMENT_SAMPLE_CHARS:
            break
        sample.append(paragraph.text)
        size += len(paragraph.text) + 1
    return document_language("\n".join(sample))


def _foreign_language(text: str) -> str | None:
    from translator.language import foreign_language

    return foreign_language(text)


def _translate_window(
    jobs: Sequence[_ParagraphJob],
    translator: TranslationEngine,
    options: Options,
    want_translated_quotes: bool,
) -> list[_ParagraphOutcome]:
    """Translate a window of paragraphs with as few engine calls as possible (usually one)."""
    requests = Requests(
        translator,
        alternatives=options.alternatives,
        scores=options.scores,
        foreign_language=_foreign_language if options.pass_foreign else None,
    )
    translate_quotes = options.quotes is not QuoteMode.KEEP or want_translated_quotes
    masked = _request_window(jobs, requests, translate_quotes, options.glossary)
    translate_pending(translator, requests, _early_fallback(jobs, masked, requests))
    renderings = _render_protected(jobs, options, translate_quotes, requests)
    restored = _restore_masked(jobs, masked, requests, renderings, translate_quotes)
    # The fragments of sentences that failed only once their quotations were rendered
    # (their marks did not pair); usually none are left.
    translate_pending(translator, requests)
    return [
        _paragraph_outcome(j, job, requests, renderings, restored, options, translate_quotes)
        for j, job in enumerate(jobs)
    ]


def _request_window(
    jobs: Sequence[_ParagraphJob],
    requests: Requests,
    translate_quotes: bool,
    glossary: Glossary | None,
) -> _Masked:
    """Phase 1: queue every plain sentence, every masked sentence, every quotation's inner
    text; a sentence too long to mask goes straight to fragments."""
    masked: _Masked = {}
    for j, job in enumerate(jobs):
        for s, plan in enumerate(job.plans):
            requests.current = Origin(j, job.where, plan.text)
            if translate_quotes:
                for part in plan.quote_parts:
                    request_quote(inner_text(job.text, part.piece), requests, glossary)
            for markup_part in plan.markup_parts:
                for sentence in markup_part.inner_sentences():
                    requests.add_translatable(sentence)
            requests.current = Origin(j, job.where, plan.text)
            if not plan.protected_parts:
                requests.add_translatable(plan.text, whole=True)
            elif any(segment.is_translatable(t.text) for t in plan.text_parts):
                masked_plan = mask(plan, requests.translator)
                if masked_plan is not None:
                    masked[(j, s)] = masked_plan
                    requests.add_masked(masked_plan[0])
                else:  # too long to translate whole: straight to fragments
                    _request_fragments(plan, requests)
    return masked


def _request_fragments(plan: SentencePlan, requests: Requests) -> None:
    """Queue the text around a sentence's quotations, piece by piece: its fallback."""
    for text_part in plan.text_parts:
        requests.add_translatable(split_edges(text_part.text)[1])


def _early_fallback(
    jobs: Sequence[_ParagraphJob], masked: _Masked, requests: Requests
) -> Callable[[str], None]:
    """Called with each translated text as soon as its batch is done: a masked sentence
    whose placeholders did not survive has its fragments queued at once (on an engine
    that decodes concurrently they decode beside the main call's last batches). The same
    sentences fail ``_restore_masked``'s unmask, which finds their fragments queued."""
    sentences: dict[str, list[tuple[int, int]]] = {}
    for key, (masked_text, _) in masked.items():
        sentences.setdefault(masked_text, []).append(key)

    def on_final(text: str) -> None:
        for j, s in sentences.get(text, ()):
            if not quotes.placeholders_intact(requests.results[text], masked[(j, s)][1]):
                plan = jobs[j].plans[s]
                requests.current = Origin(j, jobs[j].where, plan.text)
                _request_fragments(plan, requests)

    return on_final


def _render_protected(
    jobs: Sequence[_ParagraphJob], options: Options, translate_quotes: bool, requests: Requests
) -> Renderings:
    """How each quotation piece and markup span of the window is written, now that the
    model's answers are in."""
    renderings = Renderings(output={}, translated={})
    for job in jobs:
        for plan in job.plans:
            for part in plan.quote_parts:
                render_quote(job.text, part.piece, options, translate_quotes, requests, renderings)
            for markup_part in plan.markup_parts:
                renderings.output[markup_part] = markup_part.render(requests)
                # The summarizer reads the text without markup (``**``, a link's URL).
                renderings.translated[markup_part] = markup_part.translated_inner(requests)
    return renderings


def _restore_masked(
    jobs: Sequence[_ParagraphJob],
    masked: _Masked,
    requests: Requests,
    renderings: Renderings,
    translate_quotes: bool,
) -> _Restored:
    """Phase 2: unmask; a sentence that fails verification has its fragments queued
    instead (``_early_fallback`` queued most of them already)."""
    done: _Restored = {}
    for (j, s), (masked_text, placeholders) in masked.items():
        plan = jobs[j].plans[s]
        requests.current = Origin(j, jobs[j].where, plan.text)
        translated = requests.results[masked_text]
        restored = quotes.unmask(translated, placeholders, rendered(plan, renderings.output))
        if restored is None:
            log.debug(
                "%s: placeholders did not survive translation; translating the text "
                "around the quotations separately: %r",
                jobs[j].where,
                plan.text.strip(),
            )
            _request_fragments(plan, requests)
            continue
        for_summary = restored
        if translate_quotes:
            with_translations = rendered(plan, renderings.translated)
            for_summary = quotes.unmask(translated, placeholders, with_translations) or restored
        lead, _, trail = split_space(plan.text)
        scored = requests.scored[masked_text]
        alternatives = []
        for other in scored.alternatives:
            # Verified like the translation itself; one that lost a placeholder is dropped.
            alternative = quotes.unmask(other.text, placeholders, rendered(plan, renderings.output))
            if alternative is None:
                log.debug("%s: an alternative lost a placeholder: dropped", jobs[j].where)
            else:
                alternatives.append(Alternative(lead + alternative + trail, other.score))
        done[(j, s)] = _RestoredSentence(
            lead + restored + trail, lead + for_summary + trail, scored.score, tuple(alternatives)
        )
    return done


def _paragraph_outcome(
    j: int,
    job: _ParagraphJob,
    requests: Requests,
    renderings: Renderings,
    done: _Restored,
    options: Options,
    translate_quotes: bool,
) -> _ParagraphOutcome:
    """Phase 3: a paragraph put together from its restored sentences and, for the rest,
    its separately translated fragments, with its quotations' results and glossary terms."""
    out: list[str] = []
    summary: list[str] = []
    quote_results: list[tuple[int, QuoteResult]] = []
    terms: list[tuple[GlossaryEntry, str]] = []
    sentences: list[SentenceResult] = []
    for s, plan in enumerate(job.plans):
        score: float | None = None
        alternatives: tuple[Alternative, ...] = ()
        if (j, s) in done:
            restored = done[(j, s)]
            text_out, text_summary = restored.output, restored.for_summary
            strategy = QuoteStrategy.PLACEHOLDER
            score, alternatives = restored.score, restored.alternatives
        else:
            text_out = assemble(plan, requests, renderings.output)
            text_summary = (
                assemble(plan, requests, renderings.translated) if translate_quotes else text_out
            )
            has_text = any(segment.is_translatable(t.text) for t in plan.text_parts)
            strategy = QuoteStrategy.FRAGMENTS if has_text else QuoteStrategy.VERBATIM
            if not plan.protected_parts:
                score = requests.score_of(plan.text)
                alternatives = tuple(
                    replace(other, text=quotes.neutralize_marks(other.text))
                    for other in requests.alternatives_of(plan.text)
                )
            else:  # fragments: the mean of their scores
                scores = [requests.score_of(split_edges(t.text)[1]) for t in plan.text_parts]
                known = [score for score in scores if score is not None]
                score = sum(known) / len(known) if known else None
        sentences.append(
            SentenceResult(
                plan.text,
                text_out,
                score,
                alternatives,
                requests.foreign.get(plan.text.strip()) if not plan.protected_parts else None,
            )
        )
        out.append(text_out)
        summary.append(text_summary)
        terms += [(part.entry, part.text) for part in plan.term_parts]
        for part in plan.quote_parts:
            original = job.text[part.piece.start : part.piece.end]
            rendering = renderings.output[part.piece]
            translated = renderings.translated[part.piece] if translate_quotes else ""
            quote_results.append(
                (
                    part.quote_index,
                    QuoteResult(original, rendering, strategy, job.index, translated),
                )
            )
            log.info("quotation %d: %s", part.quote_index + 1, strategy.value)
            if options.quotes is not QuoteMode.KEEP:  # the translation is in the output
                terms += inner_terms(inner_text(job.text, part.piece), options.glossary)
    return _ParagraphOutcome(
        result=ParagraphResult(job.text, "".join(out), sentences=tuple(sentences)),
        summary_input="".join(summary),
        quotes=tuple(quote_results),
        warnings=tuple(requests.warnings.get(j, ())),
        terms=tuple(terms),
    )
