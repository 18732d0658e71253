"""The pipeline with fake engines: layout, segmentation, quotation strategies, guards."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from tests.fakes import (
    ADVERSARIES,
    DroppingTranslator,
    FakeSummarizer,
    FakeTranslator,
    GarbageTranslator,
    RetryScriptedTranslator,
    WholeTextSummarizer,
)
from tests.oracle import SAMPLE_QUOTES, assert_contract, quotations_in
from translator import quotes
from translator.options import Options
from translator.pipeline import translate_document, translate_documents
from translator.schema import QuoteMarks, QuoteMode, QuoteStrategy

ALL_MODES = list(QuoteMode)


def test_sample_article_keeps_all_seven_quotations(sample_article: str) -> None:
    result = translate_document(sample_article, FakeTranslator())
    assert len(result.quotes) == 7
    assert_contract(SAMPLE_QUOTES, result, QuoteMode.KEEP)
    assert len(result.paragraphs) == len(sample_article.strip().splitlines())


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("engine", [FakeTranslator, *ADVERSARIES])
def test_contract_holds_for_every_engine(
    sample_article: str, mode: QuoteMode, engine: type[FakeTranslator]
) -> None:
    result = translate_document(sample_article, engine(), Options(quotes=mode))
    assert_contract(SAMPLE_QUOTES, result, mode)


def test_standalone_quotation_never_reaches_the_model(sample_article: str) -> None:
    engine = FakeTranslator()
    result = translate_document(sample_article, engine)
    short = '"Wir wissen das zu schätzen."'
    assert any(q.original == short and q.strategy is QuoteStrategy.VERBATIM for q in result.quotes)
    assert not any("schätzen" in text for text in engine.seen)


def test_keep_mode_never_sends_quotation_text_to_the_model() -> None:
    source = "Er sagte, dass „die Lage ernst ist“ und ging."
    engine = FakeTranslator()
    result = translate_document(source, engine)
    assert not any("Lage" in text for text in engine.seen)
    assert result.quotes[0].strategy is QuoteStrategy.PLACEHOLDER
    assert "„die Lage ernst ist“" in result.translation
    assert result.translation.startswith("he said, that „die Lage")


def test_lost_placeholder_falls_back_to_fragments() -> None:
    source = "Er sagte, dass „die Lage ernst ist“ und ging."
    result = translate_document(source, GarbageTranslator())
    assert result.quotes[0].strategy is QuoteStrategy.FRAGMENTS
    assert quotations_in(result.translation) == ["„die Lage ernst ist“"]


@pytest.mark.parametrize(
    ("marks", "opening", "closing"),
    [(QuoteMarks.ENGLISH, "“", "”"), (QuoteMarks.ASCII, '"', '"'), (QuoteMarks.ORIGINAL, "»", "«")],
)
def test_translate_mode_uses_the_requested_marks(
    marks: QuoteMarks, opening: str, closing: str
) -> None:
    source = "Sie sagte: »Wir sind nicht müde.« Dann ging sie."
    result = translate_document(source, FakeTranslator(), Options(QuoteMode.TRANSLATE, marks))
    assert result.quotes[0].rendered == f"{opening}we sind not müde.{closing}"
    assert_contract(["»Wir sind nicht müde.«"], result, QuoteMode.TRANSLATE)


def test_both_mode_adds_the_original_in_brackets() -> None:
    source = "Sie sagte: »Wir sind nicht müde.« Dann ging sie."
    result = translate_document(source, FakeTranslator(), Options(QuoteMode.BOTH))
    assert result.quotes[0].rendered == "“we sind not müde.” [»Wir sind nicht müde.«]"


def test_multi_paragraph_quotation_is_one_entry() -> None:
    source = "Er sagte:\n„Erster Teil der Rede.\n„Zweiter Teil der Rede.“\nDanach ging er."
    result = translate_document(source, FakeTranslator())
    assert [q.original for q in result.quotes] == [
        "„Erster Teil der Rede.\n„Zweiter Teil der Rede.“"
    ]
    assert_contract(["„Erster Teil der Rede.\n„Zweiter Teil der Rede.“"], result, QuoteMode.KEEP)


def test_layout_is_preserved() -> None:
    source = "\nErste Zeile.\nZweite Zeile.\n\nDritter Absatz ist hier.\n"
    result = translate_document(source, FakeTranslator())
    assert result.translation.count("\n") == source.count("\n")
    assert result.translation.startswith("\n") and "\n\n" in result.translation


def test_text_without_letters_never_reaches_the_model() -> None:
    source = "Ein Satz.\n---\n42 17 3\nhttps://example.org/a\n• \n"
    engine = FakeTranslator()
    result = translate_document(source, engine)
    assert engine.seen == ["Ein Satz."]
    assert result.translation.splitlines()[1:4] == ["---", "42 17 3", "https://example.org/a"]


def test_a_long_sentence_reaches_the_engine_whole_in_fitting_pieces() -> None:
    words = [f"wort{i}" for i in range(3000)]
    source = " ".join(words)
    engine = FakeTranslator()
    result = translate_document(source, engine)
    sent = engine.seen
    assert all(engine.count_tokens([s])[0] <= engine.max_input_tokens for s in sent)
    assert "".join(s.replace(" ", "") for s in sent) == source.replace(" ", "")
    assert result.translation.split() == words


def test_all_caps_paragraph_gets_german_casing_and_output_upper_cased() -> None:
    engine = FakeTranslator()
    result = translate_document("DIE REGIERUNG UND DER MINISTER SIND ZURÜCKGETRETEN.", engine)
    assert engine.seen == ["Die Regierung und der Minister sind zurückgetreten."]
    assert result.translation == "THE REGIERUNG AND THE MINISTER SIND ZURÜCKGETRETEN."


def _repeating() -> RetryScriptedTranslator:
    """Repeats itself on the first try whatever it is given, answers "ok." strictly."""
    return RetryScriptedTranslator(
        loose=lambda _: "the the the the the the the", strict=lambda _: "ok."
    )


def test_degenerate_output_is_regenerated_strictly() -> None:
    engine = _repeating()
    result = translate_document("Ein ganz normaler Satz ohne Wiederholung.", engine)
    assert result.translation == "ok."
    assert len(engine.calls) == 2


def test_unbalanced_mark_is_a_warning_and_ordinary_text() -> None:
    source = "Er sagte „das ist offen.\nIm nächsten Absatz steht „ein Zitat“ hier."
    result = translate_document(source, FakeTranslator())
    assert any(w.startswith("line 1") for w in result.warnings)
    assert [q.original for q in result.quotes] == ["„ein Zitat“"]


def _assert_progress_complete(seen: list[tuple[int, int]], total: int) -> None:
    """Every report has the right total; done starts above 0, never goes back, and ends
    at the total (the pipeline reports once more at the end, possibly repeating it)."""
    assert seen
    assert all(known == total for _, known in seen), seen
    done = [d for d, _ in seen]
    assert done[0] > 0, seen
    assert all(a <= b for a, b in zip(done, done[1:], strict=False)), seen
    assert done[-1] == total, seen


def _progress_of_sample(
    sample_article: str, report: Callable[[int, int], None]
) -> tuple[FakeTranslator, int]:
    """Translate the sample in windows of 5 sentences (several reports); the engine and
    how many sentences the result says it has."""
    engine = FakeTranslator()
    (result,) = translate_documents([sample_article], engine, progress=report, window_sentences=5)
    return engine, result.sentences


def test_progress_reports_every_sentence(sample_article: str) -> None:
    seen: list[tuple[int, int]] = []
    engine, sentences = _progress_of_sample(sample_article, lambda d, t: seen.append((d, t)))
    # The total, counted outside the pipeline: the sentences the engine was asked to
    # translate, plus the paragraphs that are one whole quotation (gold), kept verbatim.
    translated = sum(len(call) for call in engine.calls)
    whole_quotes = [line for line in sample_article.splitlines() if line in SAMPLE_QUOTES]
    assert translated > 5 and len(whole_quotes) == 4
    assert sentences == translated + len(whole_quotes)
    assert len({done for done, _ in seen}) > 2  # several windows, several steps
    _assert_progress_complete(seen, sentences)


@pytest.mark.parametrize("bug", ["per-window", "final-report-lost", "total-off-by-one"])
def test_progress_check_fails_on_a_broken_report(sample_article: str, bug: str) -> None:
    """Meta-test: progress reported per window instead of in all, a lost final report and
    a wrong total each fail the check."""
    seen: list[tuple[int, int]] = []
    last = [0]

    def report(done: int, total: int) -> None:
        if bug == "per-window":
            seen.append((done - last[0], total))
            last[0] = done
        elif bug == "final-report-lost":
            if done < total:
                seen.append((done, total))
        else:
            seen.append((done, total + 1))

    _, sentences = _progress_of_sample(sample_article, report)
    with pytest.raises(AssertionError):
        _assert_progress_complete(seen, sentences)


def test_quotations_are_also_translated_for_the_summarizer_in_keep_mode() -> None:
    source = "Sie sagte: »Wir sind nicht müde.« Dann ging sie."
    result = translate_document(source, FakeTranslator())
    assert result.quotes[0].translated == ""  # no summary asked: nothing extra translated
    options = Options(summarize=True)
    result = translate_document(source, FakeTranslator(), options, summarizer=WholeTextSummarizer())
    assert result.quotes[0].rendered == "»Wir sind nicht müde.«"
    assert result.quotes[0].translated == "“we sind not müde.”"


def test_output_is_streamed_paragraph_by_paragraph_and_joins_to_the_translation() -> None:
    source = "\n" + "\n".join(f"Satz Nummer {i} steht hier." for i in range(2500)) + "\n"
    chunks: list[str] = []
    result = translate_document(source, FakeTranslator(), on_text=chunks.append)
    assert len(chunks) > 1  # more than one window: written before the end
    assert "".join(chunks) == result.translation


@pytest.mark.parametrize("engine", [FakeTranslator, *ADVERSARIES])
def test_urls_and_emails_inside_sentences_are_kept_exactly(engine: type[FakeTranslator]) -> None:
    url, mail = "https://example.org/Über-uns?x=1&y=2", "presse@example.de"
    source = f"Mehr dazu steht unter {url} und bei {mail} im Netz.\nDer Rest ist Text."
    fake = engine()
    result = translate_document(source, fake)
    assert result.translation.count(url) == 1
    assert result.translation.count(mail) == 1
    assert not any(url in text or mail in text for text in fake.seen)


# --- nested quotations in translate and both modes (quotes.md §2) --------------------------

NESTED = "Der Sprecher sagte: „Er sagte: ‚Wir sind nicht müde.‘ und ging.“ Dann ging er."
NESTED_QUOTE = "„Er sagte: ‚Wir sind nicht müde.‘ und ging.“"


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        (QuoteMarks.ENGLISH, "“he said: ‘we sind not müde.’ and ging.”"),
        (QuoteMarks.ASCII, "\"he said: 'we sind not müde.' and ging.\""),
        (QuoteMarks.ORIGINAL, "„he said: ‚we sind not müde.‘ and ging.“"),
    ],
)
@pytest.mark.parametrize("mode", [QuoteMode.TRANSLATE, QuoteMode.BOTH])
def test_nested_quotation_keeps_nested_marks_of_the_style(
    marks: QuoteMarks, expected: str, mode: QuoteMode
) -> None:
    result = translate_document(NESTED, FakeTranslator(), Options(mode, marks))
    suffix = f" [{NESTED_QUOTE}]" if mode is QuoteMode.BOTH else ""
    assert [q.rendered for q in result.quotes] == [expected + suffix]
    assert result.quotes[0].translated == expected
    assert_contract([NESTED_QUOTE], result, mode)


@pytest.mark.parametrize("engine", [FakeTranslator, *ADVERSARIES])
@pytest.mark.parametrize("marks", list(QuoteMarks))
def test_nested_marks_survive_any_engine(engine: type[FakeTranslator], marks: QuoteMarks) -> None:
    """Whatever the model does to the placeholder of the nested quotation, the outer one
    comes out once, and holds exactly one nested pair of the chosen style."""
    result = translate_document(NESTED, engine(), Options(QuoteMode.TRANSLATE, marks))
    assert_contract([NESTED_QUOTE], result, QuoteMode.TRANSLATE)
    rendered = result.quotes[0].rendered
    opening, closing = {
        QuoteMarks.ENGLISH: ("‘", "’"),
        QuoteMarks.ASCII: ("'", "'"),
        QuoteMarks.ORIGINAL: ("‚", "‘"),
    }[marks]
    assert [mark for mark in rendered[1:-1] if mark in (opening, closing)] == [opening, closing]


def test_nested_quotation_falls_back_to_fragments_when_its_placeholder_is_lost() -> None:
    result = translate_document(NESTED, DroppingTranslator(), Options(QuoteMode.TRANSLATE))
    assert result.quotes[0].rendered == "“he said: ‘we sind not müde.’ and ging.”"


def test_summarizer_reads_nested_quotations_with_their_marks() -> None:
    summarizer = FakeSummarizer(reply="A summary.")
    options = Options(QuoteMode.KEEP, summarize=True)
    translate_document(NESTED, FakeTranslator(), options, summarizer=summarizer)
    read = [text for texts, *_ in summarizer.calls for text in texts]
    assert read
    assert "“he said: ‘we sind not müde.’ and ging.”" in read[0]


# --- messages quote the source as written ---------------------------------------------------


def test_warnings_and_logs_quote_the_source_sentence_not_masked_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = "Erster Absatz.\n\nMinister Nein merkte an, dass „die Lage ernst ist“."
    with caplog.at_level(logging.DEBUG, logger="translator.pipeline"):
        result = translate_document(source, _repeating())
    messages = [*result.warnings, *(record.getMessage() for record in caplog.records)]
    assert [w for w in result.warnings if "degenerate" in w]
    for message in messages:
        assert not quotes.PLACEHOLDER_PATTERN.search(message), message
    degenerate = [w for w in result.warnings if "„die Lage ernst ist“" in w]
    assert degenerate and degenerate[0].startswith("line 3: ")


def test_lost_placeholder_log_names_the_line_and_the_sentence(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = "Er sagte, dass „die Lage ernst ist“ und ging."
    with caplog.at_level(logging.DEBUG, logger="translator.pipeline"):
        translate_document(source, GarbageTranslator())
    lost = [r.getMessage() for r in caplog.records if "placeholders" in r.getMessage()]
    assert lost
    assert lost[0].startswith("line 1: ") and source in lost[0]
    assert not quotes.PLACEHOLDER_PATTERN.search(lost[0])


def test_a_year_ends_a_sentence_and_a_date_does_not() -> None:
    engine = FakeTranslator()
    assert (
        translate_document("Das Gesetz gilt seit 2020. Die Opposition klagt.", engine).sentences
        == 2
    )
    assert translate_document("Er kam am 3. Oktober.", engine).sentences == 1
