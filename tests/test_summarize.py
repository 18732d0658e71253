"""Summaries: length settings, chunking of long input, degenerate output, and the
quotation contract for summaries (shared/design/quotes.md §3)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.fakes import FakeSummarizer, Reply, TwoWordTranslator
from tests.oracle import SAMPLE_QUOTES, quotations_in
from translator import quotes, summarize
from translator.cli import app
from translator.options import Options
from translator.pipeline import translate_document
from translator.schema import DocumentResult, ModelInfo, QuoteMode, QuoteResult, QuoteStrategy
from translator.summarize import (
    FidelityResult,
    SourceQuote,
    chunk_text,
    enforce_quote_fidelity,
    is_degenerate,
    source_quotes,
    summarize_translation,
    summary_token_range,
)

SAMPLE = Path(__file__).parent / "data" / "belousov-dprk.de.txt"
runner = CliRunner()

# Three quotations of a document: (original, English translation).
SAID = (
    "„Wir wissen das zu schätzen.“",
    "“We appreciate that.”",
)
LONG = (
    "„Heute werden die freundschaftlichen Beziehungen zwischen Russland und der DVRK in "
    "allen Bereichen aktiv ausgebaut.“",
    "“Today the friendly relations between Russia and the DPRK are being actively "
    "developed in all areas.”",
)
OTHER = (
    "„Die Gespräche dienen der strategischen Partnerschaft zwischen Russland und der DVRK.“",
    "“The talks serve the strategic partnership between Russia and the DPRK.”",
)
ENGLISH = (
    f"The minister said: {SAID[1]} He added: {LONG[1]} "
    f"The talks were fruitful. Both hoped: {OTHER[1]}"
)


def _rendered(original: str, translated: str, mode: QuoteMode) -> str:
    if mode is QuoteMode.KEEP:
        return original
    if mode is QuoteMode.TRANSLATE:
        return translated
    return f"{translated} [{original}]"


def _document(mode: QuoteMode, *pairs: tuple[str, str], translated: bool = True) -> DocumentResult:
    return DocumentResult(
        translation="(not used)",
        paragraphs=(),
        quotes=tuple(
            QuoteResult(
                original=original,
                rendered=_rendered(original, english, mode),
                strategy=QuoteStrategy.PLACEHOLDER,
                paragraph=0,
                translated=english if translated else "",
            )
            for original, english in pairs
        ),
        model=ModelInfo(id="fake-translator"),
    )


def _summarize(
    reply: Reply,
    mode: QuoteMode = QuoteMode.TRANSLATE,
    *,
    english: str = ENGLISH,
    pairs: tuple[tuple[str, str], ...] = (SAID, LONG, OTHER),
    **options: object,
) -> tuple[str, list[tuple[str, str, str]], tuple[str, ...]]:
    summarizer = FakeSummarizer(reply)
    result = summarize_translation(
        english,
        _document(mode, *pairs),
        summarizer,
        Options(quotes=mode, summarize=True, **options),  # type: ignore[arg-type]
    )
    changes = [(c.found, c.action, c.replacement) for c in result.quote_changes]
    return result.text, changes, result.warnings


# --------------------------------------------------------------------------- lengths


def test_length_presets_grow_and_max_words_caps_tokens() -> None:
    short, medium, long = (summary_token_range(n) for n in ("short", "medium", "long"))
    assert short[1] < medium[1] < long[1]
    assert all(low <= high for low, high in (short, medium, long))
    assert summary_token_range("long", 10) == (6, 13)  # 10 words ~ 13 tokens
    assert summary_token_range("short", 1000) == short  # a loose cap changes nothing


@pytest.mark.parametrize(("length", "words"), [("huge", None), ("short", 0)])
def test_invalid_length_options_raise(length: str, words: int | None) -> None:
    with pytest.raises(ValueError):
        summary_token_range(length, words)


def test_engine_is_asked_for_the_chosen_length() -> None:
    summarizer = FakeSummarizer("The minister spoke about the talks.")
    text = " ".join(f"Sentence number {i} is about the visit." for i in range(40))
    summarize_translation(
        text, _document(QuoteMode.KEEP), summarizer, Options(summary_length="short")
    )
    (_, min_tokens, max_tokens, _), *_ = summarizer.calls
    assert (min_tokens, max_tokens) == summary_token_range("short")


def test_min_length_never_exceeds_half_a_short_input() -> None:
    summarizer = FakeSummarizer("The minister arrived.")
    summarize_translation(
        "The minister arrived in Pyongyang today.", _document(QuoteMode.KEEP), summarizer, Options()
    )
    assert summarizer.calls[0][1] <= (6 + 2) // 2


def test_max_words_drops_trailing_sentences() -> None:
    reply = "One two three four five. Six seven eight. Nine ten eleven twelve."
    text, _, warnings = _summarize(reply, summary_max_words=8)
    assert text == "One two three four five. Six seven eight."
    assert warnings == ()


def test_max_words_never_cuts_a_sentence_but_warns() -> None:
    reply = "One two three four five six seven eight nine ten. Eleven."
    text, _, warnings = _summarize(reply, summary_max_words=4)
    assert text == "One two three four five six seven eight nine ten."
    assert any("10 words" in warning for warning in warnings)


# --------------------------------------------------------------------------- chunking


def _long_article(words: int) -> tuple[str, list[str]]:
    """An English article of about ``words`` words in paragraphs; and its sentences."""
    sentences = [
        f"Report {i} says that the delegation number {i} met officials in the city of "
        f"Pyongyang for talks on cooperation."
        for i in range(words // 17 + 1)
    ]
    paragraphs = [" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6)]
    return "\n\n".join(paragraphs), sentences


def test_long_input_is_summarized_from_all_its_chunks() -> None:
    article, sentences = _long_article(5000)
    assert len(article.split()) >= 5000
    summarizer = FakeSummarizer(lambda text: " ".join(text.split()[:60]))
    result = summarize_translation(article, _document(QuoteMode.KEEP), summarizer, Options())
    first_round = summarizer.calls[0][0]
    assert result.chunks == len(first_round) > 1
    for sentence in sentences:  # nothing was dropped or truncated
        assert sum(sentence in chunk for chunk in first_round) == 1
    assert all(n <= 1024 for n in summarizer.count_tokens(first_round))
    # the joined chunk summaries fit one chunk: one final pass at the asked length
    final_texts, _, final_max, _ = summarizer.calls[-1]
    assert len(final_texts) == 1 and final_max == summary_token_range("medium")[1]
    assert result.text == " ".join(final_texts[0].split()[:60])


def test_summaries_are_summarized_again_while_they_do_not_fit() -> None:
    article, _ = _long_article(5000)
    summarizer = FakeSummarizer(lambda text: " ".join(text.split()[:30]), limit=200)
    result = summarize_translation(article, _document(QuoteMode.KEEP), summarizer, Options())
    rounds = [len(texts) for texts, *_ in summarizer.calls]
    assert rounds[0] == result.chunks > rounds[1] > 1  # a second round of several chunks
    assert rounds[-1] == 1
    assert summarizer.calls
    for texts, *_ in summarizer.calls:
        assert texts
        assert all(n <= 200 for n in summarizer.count_tokens(texts))


def test_chunks_are_balanced_and_lose_no_word() -> None:
    article, _ = _long_article(3000)
    count = FakeSummarizer().count_tokens
    chunks = chunk_text(article, count, 1024)
    sizes = count(chunks)
    assert len(chunks) > 1 and max(sizes) <= 1024
    assert min(sizes) >= max(sizes) // 2  # no scrap of a last chunk
    assert " ".join(chunks).split() == article.split()


def test_a_sentence_longer_than_the_limit_is_split_not_truncated() -> None:
    monster = "The list names " + ", ".join(f"item {i}" for i in range(400)) + "."
    count = FakeSummarizer().count_tokens
    chunks = chunk_text(f"Short start. {monster} Short end.", count, 100)
    assert max(count(chunks)) <= 100
    assert " ".join(chunks).split() == f"Short start. {monster} Short end.".split()


def test_a_quotation_is_never_split_between_chunks() -> None:
    quote = "“We appreciate that. We want more. We will build roads.”"
    text = " ".join(["Filler sentence here."] * 8 + [f"He said: {quote}"] + ["More filler."] * 8)
    chunks = chunk_text(text, FakeSummarizer().count_tokens, 30)
    assert sum(quote in chunk for chunk in chunks) == 1


def test_a_summarizer_that_does_not_shorten_stops_with_a_warning() -> None:
    article, _ = _long_article(2000)
    summarizer = FakeSummarizer(lambda text: text)  # echoes: the text never shrinks
    result = summarize_translation(article, _document(QuoteMode.KEEP), summarizer, Options())
    assert any("did not shorten" in warning for warning in result.warnings)
    assert result.text.split() == article.split()  # nothing lost


def test_empty_translation_gives_an_empty_summary_without_calling_the_engine() -> None:
    summarizer = FakeSummarizer("anything")
    result = summarize_translation(" \n", _document(QuoteMode.KEEP), summarizer, Options())
    assert (result.text, result.chunks, summarizer.calls) == ("", 0, [])


# --------------------------------------------------------------------------- degenerate


def test_repetitive_output_is_regenerated_strictly() -> None:
    summarizer = FakeSummarizer(
        "The minister arrived. The minister arrived. The minister arrived.",
        strict_reply="The minister arrived in Pyongyang for talks.",
    )
    result = summarize_translation(ENGLISH, _document(QuoteMode.KEEP), summarizer, Options())
    assert [call[3] for call in summarizer.calls] == [False, True]
    assert result.text == "The minister arrived in Pyongyang for talks."
    assert result.warnings == ()


def test_still_repetitive_output_warns_and_keeps_the_best_attempt() -> None:
    summarizer = FakeSummarizer(
        "Talks were held in the city. Talks were held in the city. Talks were held in the city.",
        strict_reply="",
    )
    result = summarize_translation(ENGLISH, _document(QuoteMode.KEEP), summarizer, Options())
    assert result.text == "Talks were held in the city."  # repeats dropped
    assert any("repetitive" in warning for warning in result.warnings)


def test_empty_output_twice_warns() -> None:
    summarizer = FakeSummarizer("  ")
    result = summarize_translation(ENGLISH, _document(QuoteMode.KEEP), summarizer, Options())
    assert result.text == ""
    assert any("empty" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    ("text", "degenerate"),
    [
        ("The minister arrived in Pyongyang. He met his counterpart for talks.", False),
        ("", True),
        ("...", True),
        ("the the the the the", True),
        ("Russia and Korea and Russia and Korea and Russia and Korea and Russia", True),
        ("He met them. They met him. He met them.", True),
    ],
)
def test_is_degenerate(text: str, degenerate: bool) -> None:
    assert is_degenerate(text) is degenerate


# --------------------------------------------------------------------------- quotations


def test_exact_quote_is_kept() -> None:
    reply = f"The minister said {SAID[1]} The talks were fruitful."
    text, changes, _ = _summarize(reply)
    assert text == reply
    assert changes == [(SAID[1], "kept", SAID[1])]


def test_keep_mode_puts_back_the_original_of_a_translated_quote() -> None:
    reply = f"The minister said {SAID[1]} The talks were fruitful."
    text, changes, _ = _summarize(reply, QuoteMode.KEEP)
    assert text == f"The minister said {SAID[0]} The talks were fruitful."
    assert changes == [(SAID[1], "replaced", SAID[0])]


def test_both_mode_quote_gets_its_original_in_brackets() -> None:
    both = f"{SAID[1]} [{SAID[0]}]"
    text, changes, _ = _summarize('He said "We appreciate that." Then he left.', QuoteMode.BOTH)
    assert text == f"He said {both} Then he left."
    assert changes[0][1:] == ("replaced", both)
    text, changes, _ = _summarize(f"He said {both} Then he left.", QuoteMode.BOTH)
    assert text == f"He said {both} Then he left."
    assert changes == [(both, "kept", both)]


def test_quote_with_other_marks_is_given_the_translations_marks() -> None:
    text, changes, _ = _summarize("He said »We appreciate that«. Then he left.")
    assert text == f"He said {SAID[1]}. Then he left."
    assert changes[0][1] == "replaced"


def test_partial_quote_that_clearly_stands_for_one_is_replaced_by_the_whole() -> None:
    reply = 'He said "the friendly relations between Russia and the DPRK are being developed".'
    text, changes, _ = _summarize(reply)
    assert text == f"He said {LONG[1]}."
    assert changes == [(reply[8:-1], "replaced", LONG[1])]


def test_short_partial_quote_loses_its_marks() -> None:
    text, changes, _ = _summarize('The relations are "actively developed", he said.')
    assert text == "The relations are actively developed, he said."
    assert changes == [('"actively developed"', "unquoted", "actively developed")]


def test_partial_quote_shared_by_two_quotations_loses_its_marks() -> None:
    # "between Russia and the DPRK" is in LONG and in OTHER: which one was meant is a guess.
    text, changes, _ = _summarize('Ties "between Russia and the DPRK" grow.')
    assert text == "Ties between Russia and the DPRK grow."
    assert changes[0][1] == "unquoted"


def test_invented_quote_loses_its_marks() -> None:
    text, changes, _ = _summarize("The minister promised “a new era of unbreakable friendship”.")
    assert text == "The minister promised a new era of unbreakable friendship."
    assert changes[0][1] == "unquoted"


def test_marks_around_a_paraphrase_are_removed() -> None:
    reply = "Belousov said “relations are growing fast and Moscow is happy about it”."
    text, changes, _ = _summarize(reply)
    assert quotations_in(text) == []
    assert "relations are growing fast" in text
    assert changes[0][1] == "unquoted"


def test_stray_marks_are_neutralised() -> None:
    text, changes, _ = _summarize("The minister \" arrived» in „Pyongyang. It's a visit.")
    assert quotations_in(text) == []
    assert "It's a visit." in text  # apostrophes stay
    assert changes == []


def test_nested_marks_inside_an_unquoted_paraphrase_go_too() -> None:
    text, _, _ = _summarize("He said “it is ‘historic’ and big”.")
    assert text == "He said it is historic and big."


def test_typewriter_replacement_after_a_word_gets_a_space() -> None:
    pairs = (('"Wir wissen das zu schätzen."', "“We appreciate that.”"),)
    # „ opens a quotation even right after a word; the typewriter mark would not.
    text, _, _ = _summarize("He said„We appreciate that.“", QuoteMode.KEEP, pairs=pairs)
    assert text == 'He said "Wir wissen das zu schätzen."'
    assert quotations_in(text) == [pairs[0][0]]


def test_multi_paragraph_quotation_is_never_inserted_into_the_one_paragraph_summary() -> None:
    pairs = (("„Erster Teil.\n„Zweiter Teil.“", "“First part.\n“Second part.”"),)
    text, changes, _ = _summarize("He said “First part. Second part.”", pairs=pairs)
    assert quotations_in(text) == []
    assert changes[0][1] == "unquoted"


def test_source_quotes_use_the_translated_field_then_the_english_text() -> None:
    with_field = _document(QuoteMode.KEEP, SAID, LONG, OTHER)
    assert [s.translated for s in source_quotes(ENGLISH, with_field.quotes)] == [
        SAID[1],
        LONG[1],
        OTHER[1],
    ]
    without = _document(QuoteMode.KEEP, SAID, LONG, OTHER, translated=False)
    assert [s.translated for s in source_quotes(ENGLISH, without.quotes)] == [
        SAID[1],
        LONG[1],
        OTHER[1],
    ]
    # The English text does not hold one quotation per source quotation: no pairing.
    assert [s.translated for s in source_quotes("No quotes.", without.quotes)] == [
        SAID[0],
        LONG[0],
        OTHER[0],
    ]


# A summary built from segments whose fate is known by construction (quotes.md §3), so the
# oracle is the expected text itself: no quotation finder on either side.
# ("plain", words): text outside quotations, kept as it is.
# ("whole", i): source i's whole rendering, kept as it is ("kept").
# ("invented", words, style): a quotation of words no source said: marks go ("unquoted").
# ("partial", i, form, k): the first k words of a form of source i (fewer than all, fewer
#     than the 4 it takes to stand for a quotation) in marks: marks go ("unquoted").
# ("remarked", i, form, style): all words of a form of source i in other marks: the whole
#     rendering stands there instead ("replaced").
Segment = tuple[Any, ...]
_PAIRS = (SAID, LONG, OTHER)
_PLAIN_WORDS = ("The", "minister", "visited", "Pyongyang", "on", "Tuesday", "talks", "went")
_INVENTED_WORDS = ("rain", "tomorrow", "nobody", "ever", "promised", "peace", "soon")
# Styles with a distinct closing mark or a typewriter pair (an apostrophe-like single mark
# is the finder's business, tested in test_quotes; here it would blur the construction).
_STYLES = (("“", "”"), ("„", "“"), ("»", "«"), ("«", "»"), ('"', '"'), ("‚", "‘"), ("›", "‹"))


def _form_text(index: int, form: int) -> str:
    """Source ``index``'s English (form 0) or German (form 1), without its marks."""
    return _PAIRS[index][1 - form][1:-1]


def _segments() -> st.SearchStrategy[Segment]:
    source = st.integers(0, len(_PAIRS) - 1)
    form = st.integers(0, 1)
    style = st.sampled_from(_STYLES)
    plain = st.lists(st.sampled_from(_PLAIN_WORDS), min_size=1, max_size=5).map(" ".join)
    invented = st.lists(st.sampled_from(_INVENTED_WORDS), min_size=1, max_size=6).map(" ".join)
    return st.one_of(
        st.tuples(st.just("plain"), plain),
        st.tuples(st.just("whole"), source),
        st.tuples(st.just("invented"), invented, style),
        st.tuples(st.just("partial"), source, form, st.integers(1, 3)),
        st.tuples(st.just("remarked"), source, form, style),
    )


def _build(segments: Sequence[Segment], mode: QuoteMode) -> tuple[str, str, list[str]]:
    """The summary the model emits, the text fidelity must make of it, and the actions."""
    emitted: list[str] = []
    expected: list[str] = []
    actions: list[str] = []
    for segment in segments:
        kind = segment[0]
        if kind == "plain":
            emitted.append(segment[1])
            expected.append(segment[1])
        elif kind == "whole":
            rendering = _rendered(*_PAIRS[segment[1]], mode)
            emitted.append(rendering)
            expected.append(rendering)
            actions.append("kept")
        elif kind == "invented":
            words, (opening, closing) = segment[1], segment[2]
            emitted.append(f"{opening}{words}{closing}")
            expected.append(words)
            actions.append("unquoted")
        elif kind == "partial":
            tokens = _form_text(segment[1], segment[2]).split()
            k = min(segment[3], len(tokens) - 1)
            words = " ".join(tokens[:k]).rstrip(".,")
            emitted.append(f"“{words}”")
            expected.append(words)
            actions.append("unquoted")
        else:
            index, form, (opening, closing) = segment[1], segment[2], segment[3]
            quoted = f"{opening}{_form_text(index, form)}{closing}"
            rendering = _rendered(*_PAIRS[index], mode)
            emitted.append(quoted)
            expected.append(rendering)
            actions.append("kept" if quoted == rendering else "replaced")
    return " ".join(emitted), " ".join(expected), actions


def _check_fidelity(segments: Sequence[Segment], mode: QuoteMode) -> None:
    emitted, expected, actions = _build(segments, mode)
    sources = [
        SourceQuote(original=o, rendered=_rendered(o, e, mode), translated=e) for o, e in _PAIRS
    ]
    result = summarize.enforce_quote_fidelity(emitted, sources)
    assert result.text == expected
    assert [change.action for change in result.changes] == actions
    assert result.warnings == ()


ADVERSARIAL: list[Segment] = [
    ("plain", "The minister"),
    ("whole", 0),
    ("partial", 1, 0, 3),
    ("invented", "nobody promised peace", ("»", "«")),
    ("remarked", 2, 1, ('"', '"')),
    ("partial", 0, 1, 2),
]


@settings(max_examples=300, deadline=None)
@given(st.lists(_segments(), min_size=1, max_size=8), st.sampled_from(list(QuoteMode)))
@example(ADVERSARIAL, QuoteMode.TRANSLATE)
@example(ADVERSARIAL, QuoteMode.BOTH)
@example([("whole", 1), ("whole", 1)], QuoteMode.KEEP)
def test_any_summary_quotes_only_whole_source_quotations(
    segments: list[Segment], mode: QuoteMode
) -> None:
    """The oracle of quotes.md §3 on summaries built with a known outcome: whole renderings
    stay, words that are a source quotation's take its whole rendering, any other
    quotation (invented, partial) loses its marks and keeps its words."""
    _check_fidelity(segments, mode)


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(lambda text, sources: FidelityResult(text, (), ()), id="passes-everything"),
        pytest.param(
            lambda text, sources: FidelityResult(quotes.neutralize_marks(text), (), ()),
            id="unquotes-everything",
        ),
        pytest.param(
            lambda text, sources: FidelityResult(text.replace("“", "").replace("”", ""), (), ()),
            id="unquotes-some-styles",
        ),
    ],
)
def test_the_fidelity_oracle_fails_a_broken_enforcer(
    monkeypatch: pytest.MonkeyPatch, broken: Callable[[str, object], FidelityResult]
) -> None:
    _check_fidelity(ADVERSARIAL, QuoteMode.TRANSLATE)  # the real one passes
    monkeypatch.setattr(summarize, "enforce_quote_fidelity", broken)
    with pytest.raises(AssertionError):
        _check_fidelity(ADVERSARIAL, QuoteMode.TRANSLATE)


@pytest.mark.parametrize("mode", list(QuoteMode))
def test_a_summary_quoting_a_whole_rendering_keeps_it(mode: QuoteMode) -> None:
    pairs = (SAID, LONG, OTHER)
    sources = [
        SourceQuote(original=o, rendered=_rendered(o, e, mode), translated=e) for o, e in pairs
    ]
    rendering = sources[0].rendered
    result = enforce_quote_fidelity(f"He said {rendering} and left.", sources)
    assert result.text == f"He said {rendering} and left."
    assert [change.action for change in result.changes] == ["kept"]


# --------------------------------------------------------------------------- pipeline


def test_pipeline_summarizer_reads_translated_quotes_even_in_keep_mode() -> None:
    source = SAMPLE.read_text(encoding="utf-8")
    summarizer = FakeSummarizer("Belousov visited the DPRK.")
    result = translate_document(
        source,
        TwoWordTranslator(),
        Options(quotes=QuoteMode.KEEP, summarize=True),
        summarizer=summarizer,
    )
    seen = " ".join(summarizer.calls[0][0])
    assert "“Today werden" in seen and '"Heute werden' not in seen
    assert result.summary is not None and result.summary.text == "Belousov visited the DPRK."
    assert "Heute werden" in result.translation  # the translation itself kept the original


def test_pipeline_keep_mode_summary_quotes_the_original() -> None:
    source = SAMPLE.read_text(encoding="utf-8")
    original = '"Wir wissen das zu schätzen."'
    # The model quotes the English it read, with its own marks.
    summarizer = FakeSummarizer('No said: "Wir wissen das zu appreciate." Talks went on.')
    result = translate_document(
        source,
        TwoWordTranslator(),
        Options(quotes=QuoteMode.KEEP, summarize=True),
        summarizer=summarizer,
    )
    assert result.summary is not None
    assert result.summary.text == f"No said: {original} Talks went on."
    assert quotations_in(result.summary.text) == [original]


# --------------------------------------------------------------------------- CLI


def _tiny_models(marian: Path, bart: Path) -> list[str]:
    # A short summary keeps random-weight generation quick.
    return [
        "--translation-model",
        str(marian),
        "--summarization-model",
        str(bart),
        "--summary-max-words",
        "20",
    ]


@pytest.mark.parametrize("mode", ["keep", "translate", "both"])
def test_cli_translate_summarize_quotes_only_whole_quotations(
    tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Through the CLI, with a summary whose fate is known: a sample quotation's words in
    other marks become its whole rendering, an invented quotation loses its marks."""
    from translator import engines

    said = SAMPLE_QUOTES[5]  # "Wir wissen das zu schätzen."
    summarizer = FakeSummarizer(f"Er sagte »{said[1:-1]}« und «niemand hat das gesagt».")
    monkeypatch.setattr(engines, "load_summarizer", lambda *args, **kwargs: summarizer)
    result = runner.invoke(
        app,
        ["translate", str(SAMPLE), "-m", str(tiny_marian_dir), "--quotes", mode]
        + ["--summarize", "-f", "json"],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [quote["original"] for quote in data["quotes"]] == list(SAMPLE_QUOTES)
    rendering = data["quotes"][5]["rendered"]
    if mode == "keep":
        assert rendering == said
    assert data["summary"] == f"Er sagte {rendering} und niemand hat das gesagt."
    actions = [change["action"] for change in data["summary_quotes"]]
    assert actions == ["replaced", "unquoted"]


def test_cli_reports_what_was_done_to_each_summary_quotation(
    tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A summarizer that shortens a quotation: the JSON says what became of it."""
    from translator import engines

    shortened = '"Wir wissen das'  # the start of a sample quotation, marks made to pair
    summarizer = FakeSummarizer(reply=f'Er sagte {shortened}". Dann ging er.')
    monkeypatch.setattr(engines, "load_summarizer", lambda *args, **kwargs: summarizer)
    result = runner.invoke(
        app,
        ["translate", str(SAMPLE), "-m", str(tiny_marian_dir), "--summarize", "-f", "json"],
    )
    assert result.exit_code == 0, result.stderr
    changes = json.loads(result.stdout)["summary_quotes"]
    assert changes
    assert [change["action"] for change in changes] == ["unquoted"]


def test_cli_summarize_prints_only_the_summary(
    tiny_marian_dir: Path, tiny_bart_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = _tiny_models(tiny_marian_dir, tiny_bart_dir)
    full = runner.invoke(app, ["translate", str(SAMPLE), *models, "--summarize", "-f", "json"])
    assert full.exit_code == 0, full.stderr
    expected = json.loads(full.stdout)["summary"]
    # The model named by the environment, as users may configure it.
    monkeypatch.setenv("TRANSLATOR_SUMMARIZATION_MODEL", str(tiny_bart_dir))
    without_flag = [
        arg for arg in models if arg not in {"--summarization-model", str(tiny_bart_dir)}
    ]
    result = runner.invoke(app, ["summarize", str(SAMPLE), *without_flag])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (expected + "\n" if expected else "")
    assert [found for found in quotations_in(result.stdout) if found not in SAMPLE_QUOTES] == []


def test_cli_summarize_empty_input_prints_nothing() -> None:
    result = runner.invoke(app, ["summarize", "-"], input="  \n")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_cli_rejects_an_unknown_summary_length() -> None:
    result = runner.invoke(app, ["summarize", str(SAMPLE), "--summary-length", "huge"])
    assert result.exit_code == 2
