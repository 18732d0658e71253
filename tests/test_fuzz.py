"""Fuzzing `translator translate` with arbitrary bytes and Unicode (issue 7).

Whatever arrives: never a traceback, exit code 0 or 1, an ``Error: ...`` line on failure
that is not the "this is a bug" one, and on success the quotation contract holds.
Most examples run on FakeTranslator (fast); a handful go through the tiny real model.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.fakes import FakeTranslator
from tests.oracle import assert_contract, quotations_in
from tests.strategies import STYLES, documents
from translator import engines, pipeline, textio
from translator.cli import app
from translator.schema import DocumentResult, QuoteMode

runner = CliRunner()
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

MARKS = "".join(sorted({mark for style in STYLES for mark in style}))
# Unicode heavy on what the pipeline reacts to: quotation marks, sentence ends, line
# breaks, placeholders' look-alikes, digits, German letters; and anything else.
_INTERESTING = st.sampled_from(
    [*MARKS, ".", "!", "?", "…", ":", "\n", "\r", " ", "\t", "ä", "ß", "Ü", "Z", "Q", "1"]
)
unicode_texts = st.one_of(
    st.text(max_size=400),
    st.text(st.one_of(_INTERESTING, st.characters()), max_size=400),
    documents().map(lambda document: "\n".join(document.paragraphs)),
)


class Recorder:
    """Spies on the pipeline: every DocumentResult the CLI produced."""

    def __init__(self) -> None:
        self.results: list[DocumentResult] = []


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    real = pipeline.translate_document

    def recording(*args: object, **kwargs: object) -> DocumentResult:
        # The CLI streams plain text and the result then carries none: the spy keeps
        # what was streamed, as the translation the result stands for.
        streamed: list[str] = []
        on_text = kwargs.get("on_text")
        if callable(on_text):
            kwargs["on_text"] = lambda chunk: (streamed.append(chunk), on_text(chunk))
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        recorded = result
        if streamed and not kwargs.get("keep_text", True):
            recorded = replace(result, translation="".join(streamed))
        recorder.results.append(recorded)
        return result

    monkeypatch.setattr(pipeline, "translate_document", recording)
    return recorder


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch, recorder: Recorder) -> Recorder:
    monkeypatch.setattr(engines, "load_translator", lambda *args, **kwargs: FakeTranslator())
    return recorder


def _check(data: bytes, recorder: Recorder, *args: str) -> None:
    recorder.results.clear()
    result = runner.invoke(app, ["translate", *args], input=data)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code == 1:
        assert result.stderr.startswith("Error: "), result.stderr
        assert "This is a bug" not in result.stderr, result.stderr
        assert result.stdout == ""
        return
    source = textio.decode_bytes(data, "<stdin>")
    if not source.strip():
        assert result.stdout == ""
        return
    [document] = recorder.results
    assert_contract(source, document, QuoteMode.KEEP)
    assert quotations_in(result.stdout) == quotations_in(source)


@FUZZ
@given(data=st.binary(max_size=3000))
@example(data=b"\xff\xfe" + "„Hallo“, sagte er.".encode("utf-16-le"))
@example(data=b"\x00" * 10)
@example(data=b"\xef\xbb\xbf")
def test_arbitrary_bytes(fake_engine: Recorder, data: bytes) -> None:
    _check(data, fake_engine)


@FUZZ
@given(text=unicode_texts, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_arbitrary_unicode(fake_engine: Recorder, text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", errors="surrogatepass")
    _check(data, fake_engine)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=unicode_texts)
@example(text="„Er sagte: »Nein.«“\n\n12 | 13\nHALLO WELT, WIE GEHT ES DIR HEUTE?")
def test_arbitrary_unicode_through_the_tiny_model(
    tiny_marian_dir: Path, recorder: Recorder, text: str
) -> None:
    _check(text.encode("utf-8", errors="surrogatepass"), recorder, "-m", str(tiny_marian_dir))


def test_the_oracle_catches_a_lost_quotation(fake_engine: Recorder) -> None:
    """_check is not vacuous: a result without its quotation fails the contract."""
    text = "Er sagte: „Wir kommen.“ Dann ging er.\n"
    _check(text.encode(), fake_engine)  # the real pipeline passes
    [document] = fake_engine.results
    lost = replace(document, translation="He said. Then he left.\n", quotes=())
    with pytest.raises(AssertionError):
        assert_contract(text, lost, QuoteMode.KEEP)


def test_encoded_surrogates_never_reach_the_pipeline() -> None:
    decoded = textio.decode_bytes("Zitat \ud800 Ende".encode("utf-8", "surrogatepass"), "x")
    assert not any("\ud800" <= character <= "\udfff" for character in decoded)
