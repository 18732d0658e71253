"""The contract's oracle (docs/quotes.md §4) on generated documents, through the whole
pipeline, with a faithful engine and with every adversary."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes import ADVERSARIES, FakeTranslator
from tests.oracle import assert_contract
from tests.strategies import GeneratedDocument, documents
from translator.options import Options
from translator.pipeline import translate_document
from translator.schema import QuoteMarks, QuoteMode

_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(
    document=documents(),
    engine=st.sampled_from([FakeTranslator, *ADVERSARIES]),
    mode=st.sampled_from(list(QuoteMode)),
    marks=st.sampled_from(list(QuoteMarks)),
    separator=st.sampled_from(["\n", "\n\n"]),
)
def test_oracle_holds_for_any_engine(
    document: GeneratedDocument,
    engine: type[FakeTranslator],
    mode: QuoteMode,
    marks: QuoteMarks,
    separator: str,
) -> None:
    source = separator.join(document.paragraphs)
    result = translate_document(source, engine(), Options(quotes=mode, quote_marks=marks))
    assert [q.original for q in result.quotes] == list(document.quotations)
    assert_contract(document.quotations, result, mode)


@_SETTINGS
@given(document=documents())
def test_keep_mode_never_shows_quotations_to_the_model(document: GeneratedDocument) -> None:
    engine = FakeTranslator()
    source = "\n".join(document.paragraphs)
    translate_document(source, engine)
    seen = "\n".join(engine.seen)
    for quotation in document.quotations:
        for piece in quotation.split("\n"):
            assert piece not in seen
