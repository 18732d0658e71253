"""Fuzzing `translator translate` with arbitrary bytes and Unicode (issue 7).

Whatever arrives: never a traceback, exit code 0 or 1, an ``Error: ...`` line on failure
that is not the "this is a bug" one, and on success the output is faithful to what the
pipeline reported (``oracle.assert_self_consistent``: every reported quotation is a verbatim
stretch of the source, and the output holds exactly those). Documents drawn with
quotations known by construction (``strategies.documents``) go through the same CLI and
must meet the contract itself (``oracle.assert_contract``). Each run counts the inputs the
CLI translated: a CLI that rejected everything would fail here, not pass vacuously.
Most examples run on FakeTranslator (fast); a handful go through the tiny real model.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.fakes import FakeTranslator
from tests.oracle import assert_contract, assert_self_consistent
from tests.strategies import STYLES, GeneratedDocument, documents
from translator import engines, pipeline, quotes, textio
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
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])


class Recorder:
    """Spies on the pipeline: every DocumentResult the CLI produced."""

    def __init__(self) -> None:
        self.results: list[DocumentResult] = []


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    real = pipeline.translate_document

    def recording(*args: object, **kwargs: object) -> DocumentResult:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        recorder.results.append(result)
        return result

    monkeypatch.setattr(pipeline, "translate_document", recording)
    return recorder


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch, recorder: Recorder) -> Recorder:
    monkeypatch.setattr(engines, "load_translator", lambda *args, **kwargs: FakeTranslator())
    return recorder


def _check(data: bytes, recorder: Recorder, *args: str) -> str:
    """Run the CLI on ``data``; check what always holds. Returns what happened:
    "translated", "empty" (nothing to translate) or "rejected" (a clean error)."""
    recorder.results.clear()
    result = runner.invoke(app, ["translate", *args], input=data)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code == 1:
        # The error is the last line (a warning about the input's encoding may come first).
        assert result.stderr.splitlines()[-1].startswith("Error: "), result.stderr
        assert "This is a bug" not in result.stderr, result.stderr
        assert result.stdout == ""
        return "rejected"
    source = textio.decode_bytes(data, "<stdin>")
    if not source.strip():
        assert result.stdout == ""
        return "empty"
    [document] = recorder.results
    assert_self_consistent(source, document)
    assert_self_consistent(source, replace(document, translation=result.stdout))
    return "translated"


def _check_generated(document: GeneratedDocument, encoding: str, recorder: Recorder) -> None:
    """A document whose quotations are known by construction: the CLI must translate it,
    and the result must meet the contract with exactly those quotations."""
    source = "\n".join(document.paragraphs)
    assert _check(source.encode(encoding), recorder) in ("translated", "empty")
    if not recorder.results:  # only an all-blank document, which has no quotation
        assert document.quotations == ()
        return
    [result] = recorder.results
    assert_contract(document.quotations, result, QuoteMode.KEEP)


def test_arbitrary_bytes(fake_engine: Recorder) -> None:
    outcomes: Counter[str] = Counter()

    @FUZZ
    @given(data=st.binary(max_size=3000))
    @example(data=b"\xff\xfe" + "„Hallo“, sagte er.".encode("utf-16-le"))
    @example(data=b"\x00" * 10)
    @example(data=b"\xef\xbb\xbf")
    def run(data: bytes) -> None:
        outcomes[_check(data, fake_engine)] += 1

    run()
    # Random bytes are mostly binary, which is refused; the BOM example and a share of
    # the short inputs are text. A CLI refusing everything fails here.
    assert outcomes["translated"] >= 5, outcomes


def test_arbitrary_unicode(fake_engine: Recorder) -> None:
    outcomes: Counter[str] = Counter()

    @FUZZ
    @given(text=unicode_texts, encoding=ENCODINGS)
    def run(text: str, encoding: str) -> None:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            data = text.encode("utf-8", errors="surrogatepass")
        outcomes[_check(data, fake_engine)] += 1

    run()
    assert outcomes["translated"] >= FUZZ.max_examples // 3, outcomes


# Found by this test (2026-12-02): four short lines looked hard-wrapped, and the wrap
# joined a line that opens a continued quotation again to the paragraph before it.
_REOPENED_AFTER_A_WRAP = [
    GeneratedDocument(
        (
            "„Der",
            "„Der“, so der Minister.",
            "Vereinbarungen. „Der Der sagte",
            "„Der“, so der Minister.",
        ),
        ("„Der\n„Der“", "„Der Der sagte\n„Der“"),
    ),
    GeneratedDocument(
        (
            "„Zusammenarbeit Der Der",
            "„Minister“, so der Minister.",
            "„Der",
            "„Der Minister“, so der Minister.",
        ),
        ("„Zusammenarbeit Der Der\n„Minister“", "„Der\n„Der Minister“"),
    ),
]


@FUZZ
@given(document=documents(), encoding=ENCODINGS)
@example(document=_REOPENED_AFTER_A_WRAP[0], encoding="utf-8")
@example(document=_REOPENED_AFTER_A_WRAP[1], encoding="utf-8")
def test_generated_documents_meet_the_contract_through_the_cli(
    fake_engine: Recorder, document: GeneratedDocument, encoding: str
) -> None:
    _check_generated(document, encoding, fake_engine)


@pytest.mark.parametrize("document", _REOPENED_AFTER_A_WRAP)
def test_meta_the_contract_check_fails_when_a_wrap_joins_a_reopened_quotation(
    fake_engine: Recorder, monkeypatch: pytest.MonkeyPatch, document: GeneratedDocument
) -> None:
    from translator import segment

    monkeypatch.setattr(segment, "reopens_open_quotation", lambda text, line: False)
    with pytest.raises(AssertionError):
        _check_generated(document, "utf-8", fake_engine)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=unicode_texts)
@example(text="„Er sagte: »Nein.«“\n\n12 | 13\nHALLO WELT, WIE GEHT ES DIR HEUTE?")
def test_arbitrary_unicode_through_the_tiny_model(
    tiny_marian_dir: Path, recorder: Recorder, text: str
) -> None:
    _check(text.encode("utf-8", errors="surrogatepass"), recorder, "-m", str(tiny_marian_dir))


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=documents())
def test_generated_documents_through_the_tiny_model(
    tiny_marian_dir: Path, recorder: Recorder, document: GeneratedDocument
) -> None:
    source = "\n".join(document.paragraphs)
    assert _check(source.encode(), recorder, "-m", str(tiny_marian_dir)) != "rejected"
    for result in recorder.results:
        assert_contract(document.quotations, result, QuoteMode.KEEP)


def test_the_oracle_catches_a_lost_quotation(fake_engine: Recorder) -> None:
    """_check is not vacuous: a result without its quotation fails the contract."""

    text = "Er sagte: „Wir kommen.“ Dann ging er.\n"
    assert _check(text.encode(), fake_engine) == "translated"  # the real pipeline passes
    [document] = fake_engine.results
    lost = replace(document, translation="He said. Then he left.\n", quotes=())
    with pytest.raises(AssertionError):
        assert_contract(["„Wir kommen.“"], lost, QuoteMode.KEEP)
    with pytest.raises(AssertionError):  # reported, but missing from the output
        assert_self_consistent(text, replace(document, translation="He said. Then he left.\n"))
    invented = replace(document, quotes=(replace(document.quotes[0], original="„Wir gehen.“"),))
    with pytest.raises(AssertionError):
        assert_self_consistent(text, invented)


GENERATED = GeneratedDocument(
    paragraphs=("Er sagte: „Wir kommen.“ Dann ging er.", "Sie sagte »Nein« und ging."),
    quotations=("„Wir kommen.“", "»Nein«"),
)


def test_the_generated_check_passes_on_a_known_document(fake_engine: Recorder) -> None:
    _check_generated(GENERATED, "utf-8", fake_engine)


def test_the_generated_check_catches_a_finder_that_drops_a_quotation(
    fake_engine: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The construction oracle is independent of the finder: a finder that loses the last
    quotation (on both sides of any finder-based comparison) still fails it."""
    real = quotes.find_quotes

    def dropping(*args: object, **kwargs: object) -> object:
        scan = real(*args, **kwargs)  # type: ignore[arg-type]
        return replace(scan, quotations=scan.quotations[:-1])

    monkeypatch.setattr(quotes, "find_quotes", dropping)
    with pytest.raises(AssertionError):
        _check_generated(GENERATED, "utf-8", fake_engine)


def test_the_fuzz_runs_fail_when_the_cli_rejects_everything(
    fake_engine: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CLI that answered every input with a clean error would pass _check each time; the
    count of translated inputs is what fails."""
    from translator.errors import InputError

    def refuse(*args: object, **kwargs: object) -> object:
        raise InputError("refused")

    monkeypatch.setattr(pipeline, "translate_document", refuse)
    assert _check(b"Hallo Welt.", fake_engine) == "rejected"
    with pytest.raises(AssertionError, match="rejected"):
        test_arbitrary_unicode(fake_engine)


def test_encoded_surrogates_never_reach_the_pipeline() -> None:
    decoded = textio.decode_bytes("Zitat \ud800 Ende".encode("utf-8", "surrogatepass"), "x")
    assert not any("\ud800" <= character <= "\udfff" for character in decoded)
