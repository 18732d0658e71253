"""Summaries of a translated document, held to the quotation contract (quotes.md §3).

* ``summarize_translation``: the whole flow. The English translation (quotations
  translated, so the model knows what was said) is split on sentence boundaries into
  chunks that fit the model; each chunk is summarized (one batched call), the summaries
  are joined and summarized again while they do not fit in one chunk. Nothing is
  truncated.
* ``enforce_quote_fidelity``: after generation, every quotation in the summary must be a
  whole source quotation as the translation renders it (the German original in ``keep``
  mode). A shortened or paraphrased quotation loses its marks, or is replaced by the
  whole quotation where it clearly stands for one; stray marks are neutralised.
* ``is_degenerate``: empty or repetitive output, regenerated once with strict settings.

Pure text work plus calls to a ``SummarizationEngine``; no torch here.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from translator import quotes, segment
from translator.options import Options
from translator.schema import DocumentResult, QuoteResult, SummaryQuoteChange, SummaryResult
from translator.schema import SummaryLength as SummaryLength  # re-exported: its old home

if TYPE_CHECKING:
    from translator.engines import SummarizationEngine

log = logging.getLogger(__name__)


# (min, max) summary tokens. Medium is distilbart-cnn's own setting (56..142 tokens, about
# 40..110 words); short is two or three sentences, long about twice medium.
_LENGTH_TOKENS: dict[SummaryLength, tuple[int, int]] = {
    SummaryLength.SHORT: (20, 64),
    SummaryLength.MEDIUM: (56, 142),
    SummaryLength.LONG: (120, 280),
}
# English BPE averages about 1.3 tokens per word (distilbart-cnn on news text).
TOKENS_PER_WORD = 1.3
# A chunk's summary is an intermediate step: it keeps at least medium detail, whatever the
# final length, so that the final pass chooses what matters from the whole document.
_CHUNK_SUMMARY_TOKENS = _LENGTH_TOKENS[SummaryLength.MEDIUM]
# An intermediate summary is at most this share of the model's input, so every round of
# the hierarchy shrinks the text at least that much.
_MAX_CHUNK_SUMMARY_SHARE = 4

# Degenerate output: a word 4-gram this often, or one word group repeated back to back.
_NGRAM = 4
_NGRAM_MAX_COUNT = 2
_WORD = re.compile(r"\w+")

# A partial quotation "clearly stands for" a source quotation when it has at least this
# many words and either is a contiguous part of at least half of it, or mostly consists
# of its words (precision) and covers most of it (recall).
_MIN_STANDS_FOR_WORDS = 4
_MIN_CONTIGUOUS_SHARE = 0.5
_MIN_OVERLAP_PRECISION = 0.8
_MIN_OVERLAP_RECALL = 0.6


@dataclass(frozen=True)
class SourceQuote:
    """One quotation of the source, in the forms the summary may show it in.

    ``rendered`` is how it stands in the output translation, and so how it may stand in
    the summary; ``translated`` is the English the summarizer read; ``original`` the source.
    """

    original: str
    rendered: str
    translated: str

    @property
    def single_paragraph(self) -> bool:
        return "\n" not in self.rendered


@dataclass(frozen=True)
class FidelityResult:
    """A summary after the quotation checks, and what was done to its quotations."""

    text: str
    changes: tuple[SummaryQuoteChange, ...]
    warnings: tuple[str, ...]


def summary_token_range(length: str, max_words: int | None = None) -> tuple[int, int]:
    """(min_tokens, max_tokens) of a summary of ``length``, capped by ``max_words``.

    Raises:
        ValueError: an unknown length, or ``max_words`` below 1.
    """
    try:
        preset = SummaryLength(length)
    except ValueError:
        choices = ", ".join(item.value for item in SummaryLength)
        raise ValueError(f"Unknown summary length {length!r}. Use one of: {choices}.") from None
    min_tokens, max_tokens = _LENGTH_TOKENS[preset]
    if max_words is not None:
        if max_words < 1:
            raise ValueError(f"The summary's word limit must be at least 1, got {max_words}.")
        max_tokens = min(max_tokens, max(1, math.floor(max_words * TOKENS_PER_WORD)))
        min_tokens = min(min_tokens, max_tokens // 2)
    return min_tokens, max_tokens


def summarize_translation(
    english: str,
    result: DocumentResult,
    summarizer: SummarizationEngine,
    options: Options,
) -> SummaryResult:
    """Summarize a document's English translation and hold the summary to quotes.md §3.

    Args:
        english: the translation with every quotation translated (also in ``keep`` mode).
        result: the translated document; its quotations say what the summary may quote.
        summarizer: the engine; it never sees more than ``max_input_tokens`` at once.
        options: ``summary_length`` and ``summary_max_words``.

    Returns:
        The summary, the number of chunks the translation was split into, every change
        made to its quotations, and warnings (degenerate output, over-long summary).

    Raises:
        ValueError: invalid length options.
    """
    min_tokens, max_tokens = summary_token_range(options.summary_length, options.summary_max_words)
    warnings: list[str] = []
    chunks = chunk_text(english, summarizer.count_tokens, summarizer.max_input_tokens)
    if not chunks:
        return SummaryResult(text="", model=summarizer.info, chunks=0)
    log.info(
        "summarizing %d chunk(s) of at most %d tokens", len(chunks), summarizer.max_input_tokens
    )
    raw = _summarize_hierarchically(chunks, summarizer, (min_tokens, max_tokens), warnings)
    fidelity = enforce_quote_fidelity(raw, source_quotes(english, result.quotes))
    warnings.extend(fidelity.warnings)
    text = fidelity.text
    if options.summary_max_words is not None:
        text, warning = cap_words(text, options.summary_max_words)
        if warning:
            warnings.append(warning)
    for change in fidelity.changes:
        log.info("summary quotation %s: %r -> %r", change.action, change.found, change.replacement)
    return SummaryResult(
        text=text,
        model=summarizer.info,
        chunks=len(chunks),
        quote_changes=fidelity.changes,
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- chunks


def chunk_text(
    text: str, count_tokens: Callable[[Sequence[str]], list[int]], limit: int
) -> list[str]:
    """Whole sentences of ``text`` packed into chunks of at most ``limit`` tokens each.

    Sentence boundaries never fall inside a quotation; a sentence longer than the limit on
    its own is split at clause, comma or word boundaries (``segment.split_to_fit``).
    Chunks are balanced (about equal size) rather than filled greedily, so the last one is
    not a scrap. Every sentence is in exactly one chunk, in order: nothing is dropped.

    Raises:
        ValueError: ``limit`` leaves no room for text.
    """
    sentences = _sentences(text)
    if not sentences:
        return []
    overhead = count_tokens([""])[0]  # special tokens (BART: <s> and </s>)
    room = limit - overhead
    if room < 1:
        raise ValueError(f"A token limit of {limit} leaves no room for text.")
    units: list[str] = []
    for sentence, count in zip(sentences, count_tokens(sentences), strict=True):
        if count <= limit:
            units.append(sentence)
        else:
            pieces = segment.split_to_fit(sentence, count_tokens, room)
            units.extend(piece.strip() for piece in pieces if piece.strip())
    sizes = [max(count - overhead, 1) for count in count_tokens(units)]
    groups = _pack_evenly(sizes, room)
    chunks = [" ".join(units[i] for i in group) for group in groups]
    return _refit(chunks, count_tokens, limit)


def _sentences(text: str) -> list[str]:
    """The sentences of ``text``, paragraph by paragraph, quotations never split."""
    document = segment.parse_document(text)
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    protected: dict[int, list[tuple[int, int]]] = {}
    for quotation in quotes.find_quotes(paragraphs).quotations:
        for piece in quotation.pieces:
            protected.setdefault(piece.paragraph, []).append((piece.start, piece.end))
    sentences: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        for start, end in segment.split_sentences(paragraph, protected.get(index, [])):
            sentence = paragraph[start:end].strip()
            if sentence:
                sentences.append(sentence)
    return sentences


def _pack_evenly(sizes: Sequence[int], budget: int) -> list[list[int]]:
    """As few groups as greedy packing within ``budget`` makes, as even as possible: the
    smallest budget that needs no more groups (binary search; packing is linear)."""
    groups = _pack(sizes, budget)
    low, high = max(math.ceil(sum(sizes) / len(groups)), max(sizes)), budget
    while low < high:
        middle = (low + high) // 2
        if len(_pack(sizes, middle)) <= len(groups):
            high = middle
        else:
            low = middle + 1
    return _pack(sizes, high)


def _pack(sizes: Sequence[int], budget: int) -> list[list[int]]:
    """Consecutive indexes grouped so that each group's sizes add up to at most ``budget``
    (a single larger item gets a group of its own)."""
    groups: list[list[int]] = []
    total = 0
    for index, size in enumerate(sizes):
        if groups and total + size <= budget:
            groups[-1].append(index)
            total += size
        else:
            groups.append([index])
            total = size
    return groups


def _refit(
    chunks: list[str], count_tokens: Callable[[Sequence[str]], list[int]], limit: int
) -> list[str]:
    """Check the chunks with the real tokenizer (joining text can change how it tokenizes)
    and split any that came out over the limit."""
    counts = count_tokens(chunks)
    while any(count > limit for count in counts):
        fitted: list[str] = []
        for chunk, count in zip(chunks, counts, strict=True):
            if count <= limit:
                fitted.append(chunk)
            else:
                fitted.extend(segment.split_to_fit(chunk, count_tokens, limit))
        chunks = [chunk.strip() for chunk in fitted if chunk.strip()]
        counts = count_tokens(chunks)
    return chunks


# --------------------------------------------------------------------------- generation


def _summarize_hierarchically(
    chunks: list[str],
    summarizer: SummarizationEngine,
    final_range: tuple[int, int],
    warnings: list[str],
) -> str:
    """Summarize each chunk, join, and repeat while the joined summaries do not fit one
    chunk; then one final pass at the asked length."""
    limit = summarizer.max_input_tokens
    chunk_max = min(_CHUNK_SUMMARY_TOKENS[1], max(limit // _MAX_CHUNK_SUMMARY_SHARE, 1))
    chunk_range = (min(_CHUNK_SUMMARY_TOKENS[0], chunk_max // 2), chunk_max)
    level = chunks
    level_tokens = sum(summarizer.count_tokens(level))
    round_number = 0
    while len(level) > 1:
        round_number += 1
        summaries = _generate(
            summarizer, level, chunk_range, warnings, f"in summary round {round_number}"
        )
        joined = " ".join(summary for summary in summaries if summary)
        next_level = chunk_text(joined, summarizer.count_tokens, limit)
        next_tokens = sum(summarizer.count_tokens(next_level))
        log.info(
            "summary round %d: %d chunk(s), %d tokens -> %d chunk(s), %d tokens",
            round_number,
            len(level),
            level_tokens,
            len(next_level),
            next_tokens,
        )
        if next_tokens >= level_tokens:
            # The model does not shorten its input: another round would never end. The
            # joined summaries are the best there is; cutting them would lose content.
            warnings.append(
                "the summarizer did not shorten the text; the summary is the joined "
                f"summaries of {len(level)} chunks"
            )
            return joined
        level, level_tokens = next_level, next_tokens
    if not level:
        return ""
    return _generate(summarizer, level, final_range, warnings, "")[0]


def _generate(
    summarizer: SummarizationEngine,
    texts: list[str],
    token_range: tuple[int, int],
    warnings: list[str],
    what: str,
) -> list[str]:
    """Summaries of ``texts`` (one batched call); degenerate ones are regenerated strictly.

    An output that is still degenerate keeps the better of its two attempts, with repeated
    sentences removed, and a warning.
    """
    counts = summarizer.count_tokens(texts)
    # Asking for a summary longer than half its input makes the model pad with repetition.
    lowest = min(counts)
    min_tokens = min(token_range[0], lowest // 2)
    max_tokens = token_range[1]
    outputs = summarizer.summarize(texts, min_tokens=min_tokens, max_tokens=max_tokens)
    outputs = [" ".join(output.split()) for output in outputs]
    bad = [index for index, output in enumerate(outputs) if is_degenerate(output)]
    if not bad:
        return outputs
    retried = summarizer.summarize(
        [texts[i] for i in bad], min_tokens=min_tokens, max_tokens=max_tokens, strict=True
    )
    for index, output in zip(bad, retried, strict=True):
        output = " ".join(output.split())
        if not is_degenerate(output):
            outputs[index] = output
            continue
        best = min(output, outputs[index], key=_degeneracy)
        outputs[index] = drop_repeated_sentences(best)
        where = f" of chunk {index + 1} of {len(texts)} {what}" if what else ""
        problem = "empty" if not _WORD.search(best) else "repetitive"
        warnings.append(
            f"the summary{where} is still {problem} after a strict retry; keeping the best attempt"
        )
    return outputs


def is_degenerate(text: str) -> bool:
    """Whether a summary is empty or repeats itself (a sentence, a 4-gram, a stutter)."""
    return _degeneracy(text) > 0


def _degeneracy(text: str) -> float:
    """0 for a usable summary; higher is worse."""
    words = [word.lower() for word in _WORD.findall(text)]
    if not words:
        return math.inf
    score = 0.0
    ngrams = Counter(tuple(words[i : i + _NGRAM]) for i in range(len(words) - _NGRAM + 1))
    score += sum(count - _NGRAM_MAX_COUNT for count in ngrams.values() if count > _NGRAM_MAX_COUNT)
    seen: Counter[tuple[str, ...]] = Counter(
        tuple(_WORD.findall(sentence.lower())) for sentence in _summary_sentences(text)
    )
    score += sum(count - 1 for key, count in seen.items() if count > 1 and len(key) >= 3)
    score += len(segment.REPEATED_WORDS.findall(text))
    return score


def drop_repeated_sentences(text: str) -> str:
    """``text`` without sentences that repeat an earlier one (same words, any case)."""
    kept: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for sentence in _summary_sentences(text):
        key = tuple(_WORD.findall(sentence.lower()))
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(sentence)
    return " ".join(kept)


def _summary_sentences(text: str) -> list[str]:
    """Sentences of a one-paragraph summary, quotations kept whole."""
    spans = [(p.start, p.end) for q in quotes.find_quotes([text]).quotations for p in q.pieces]
    return [
        text[start:end].strip()
        for start, end in segment.split_sentences(text, spans)
        if text[start:end].strip()
    ]


def cap_words(text: str, max_words: int) -> tuple[str, str]:
    """``text`` with trailing whole sentences dropped while it has more than ``max_words``
    words; (text, warning) where the warning is empty unless it is still too long (its
    first sentence alone is, and a sentence is never cut)."""
    sentences = _summary_sentences(text)
    while len(sentences) > 1 and _word_count(" ".join(sentences)) > max_words:
        sentences.pop()
    capped = " ".join(sentences)
    words = _word_count(capped)
    if words > max_words:
        return capped, (
            f"the summary has {words} words, more than the {max_words} asked for: its first "
            "sentence alone is that long"
        )
    return capped, ""


def _word_count(text: str) -> int:
    return len(text.split())


# --------------------------------------------------------------------------- quotations


def source_quotes(english: str, results: Sequence[QuoteResult]) -> list[SourceQuote]:
    """The document's quotations with their English renderings.

    ``QuoteResult.translated`` gives the English when the pipeline filled it in; otherwise
    the quotations are read off ``english`` (the text the summarizer saw), paired in order
    when there is one per source quotation, and else the rendering stands in (a summary
    quotation then matches only the output's form; the rest lose their marks).
    """
    translated = [result.translated for result in results]
    if not all(translated):
        paragraphs = [paragraph.text for paragraph in segment.parse_document(english).paragraphs]
        found = [quotation.text for quotation in quotes.find_quotes(paragraphs).quotations]
        translated = found if len(found) == len(results) else [r.rendered for r in results]
    return [
        SourceQuote(original=result.original, rendered=result.rendered, translated=english_form)
        for result, english_form in zip(results, translated, strict=True)
    ]


def enforce_quote_fidelity(summary: str, sources: Sequence[SourceQuote]) -> FidelityResult:
    """Hold a summary to quotes.md §3: between quotation marks only whole source quotations,
    each exactly as the translation renders it.

    Each quotation found in ``summary`` is kept (it is a whole rendering), replaced by the
    whole rendering (its words are a source quotation's, or clearly stand for exactly one),
    or unquoted (marks removed, words kept). Marks outside quotations are neutralised.
    The result is verified with ``quotes.find_quotes``; should any quotation still not be
    a source quotation, every mark is neutralised and a warning says so.
    """
    text = _collapse(summary)
    allowed = _allowed_quotations(sources)
    # Longest first: in ``both`` mode "“…” [„…“]" must win over a bare "“…”".
    # A quotation spanning paragraphs cannot stand whole in a one-paragraph summary.
    renderings = sorted({s.rendered for s in sources if s.single_paragraph}, key=len, reverse=True)
    changes: list[SummaryQuoteChange] = []
    out: list[str] = []
    cursor = 0
    for quotation in quotes.find_quotes([text]).quotations:
        piece = quotation.pieces[0]
        if piece.start < cursor:
            continue  # inside a rendering kept whole (``both`` mode: "… [„…“]")
        out.append(quotes.neutralize_marks(text[cursor : piece.start]))
        found = text[piece.start : piece.end]
        kept = next((r for r in renderings if text.startswith(r, piece.start)), None)
        if kept is not None:
            out.append(kept)
            cursor = piece.start + len(kept)
            changes.append(SummaryQuoteChange(kept, "kept", kept))
            continue
        cursor = piece.end
        replacement = _stands_for(found, sources)
        if replacement is not None:
            out.append(_glue("".join(out), replacement))
            changes.append(SummaryQuoteChange(found, "replaced", replacement))
        else:
            inner = found[len(piece.opening) : len(found) - len(piece.closing)]
            unquoted = quotes.neutralize_marks(inner)
            out.append(unquoted)
            changes.append(SummaryQuoteChange(found, "unquoted", unquoted))
    out.append(quotes.neutralize_marks(text[cursor:]))
    result = _collapse("".join(out))
    found_now = quotes.find_quotes([result]).quotations
    stray = [q.text for q in found_now if _collapse(q.text) not in allowed]
    if stray:
        # Defence in depth: should the pieces have paired up across their seams, no
        # quotation at all is better than one nobody said.
        result = _collapse(quotes.neutralize_marks(result))
        return FidelityResult(
            result,
            tuple(changes),
            (f"quotation marks removed from the summary: {stray[0]!r} is no source quotation",),
        )
    return FidelityResult(result, tuple(changes), ())


def _allowed_quotations(sources: Sequence[SourceQuote]) -> set[str]:
    """Every quotation unit a rendering holds (``both`` mode: the translation and the
    bracketed original)."""
    allowed: set[str] = set()
    for source in sources:
        if not source.single_paragraph:
            continue
        allowed.add(_collapse(source.rendered))
        for quotation in quotes.find_quotes([source.rendered]).quotations:
            allowed.add(_collapse(quotation.text))
    return allowed


def _collapse(text: str) -> str:
    """One paragraph, single spaces: how a summary is written."""
    return " ".join(text.split())


def _stands_for(found: str, sources: Sequence[SourceQuote]) -> str | None:
    """The rendering of the one source quotation that ``found`` is, or clearly stands for."""
    words = _words(found)
    if not words:
        return None
    exact = {s.rendered for s in sources if any(words == _words(form) for form in _forms(s))}
    if exact:
        return _unique_single_paragraph(exact)
    partial = {
        s.rendered
        for s in sources
        if any(_clearly_part_of(words, _words(form)) for form in _forms(s))
    }
    return _unique_single_paragraph(partial) if partial else None


def _unique_single_paragraph(renderings: set[str]) -> str | None:
    # Two different quotations share these words: which one was meant is a guess.
    if len(renderings) != 1:
        return None
    rendering = next(iter(renderings))
    # A quotation spanning paragraphs cannot stand whole inside a one-paragraph summary.
    return rendering if "\n" not in rendering else None


def _forms(source: SourceQuote) -> tuple[str, ...]:
    return (source.translated, source.original)


def _clearly_part_of(words: list[str], source_words: list[str]) -> bool:
    if len(words) < _MIN_STANDS_FOR_WORDS or not source_words:
        return False
    if len(words) >= _MIN_CONTIGUOUS_SHARE * len(source_words) and _contains(source_words, words):
        return True
    common = sum((Counter(words) & Counter(source_words)).values())
    return (
        common / len(words) >= _MIN_OVERLAP_PRECISION
        and common / len(source_words) >= _MIN_OVERLAP_RECALL
    )


def _contains(haystack: list[str], needle: list[str]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def _glue(before: str, rendering: str) -> str:
    """A typewriter-quoted rendering needs a space or an opening context before it."""
    return quotes.join_rendering(before, rendering) + rendering
