"""Glossaries: the file formats, matching, and terms protected and rendered in the pipeline."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.fakes import ADVERSARIES, DroppingTranslator, FakeSummarizer, FakeTranslator
from tests.oracle import SAMPLE_QUOTES, assert_contract, quotations_in
from translator import Translator, summarize
from translator.batch import BatchSettings, settings_fingerprint
from translator.cli import app
from translator.glossary import GlossaryError, load_glossary, make_glossary, parse_glossary
from translator.options import Options
from translator.pipeline import translate_document
from translator.schema import ModelInfo, QuoteMode

SAMPLE = Path(__file__).parent / "data" / "belousov-dprk.de.txt"
runner = CliRunner()


def _outside_straight_quotes(text: str) -> str:
    """The sample quotes with straight double quotes only: what lies outside them (a hand
    oracle by construction, independent of the quotation finder)."""
    return re.sub(r'"[^"\n]*"', "", text)


SOURCE = SAMPLE.read_text(encoding="utf-8")
DVRK_OUTSIDE = len(re.findall(r"\bDVRK\b", _outside_straight_quotes(SOURCE)))
DVRK_ALL = len(re.findall(r"\bDVRK\b", SOURCE))


def test_the_sample_oracle_counts_what_a_reader_counts() -> None:
    # Read off the sample: 7 DVRK, of which 2 stand inside quotations (lines 2 and 4).
    assert (DVRK_ALL, DVRK_OUTSIDE) == (7, 5)


# --- files --------------------------------------------------------------------------------


def test_tsv_with_comments_header_and_blank_lines() -> None:
    glossary = parse_glossary(
        "# house style\nsource\ttarget\n\nDVRK\tDPRK\nBundeswehr\tBundeswehr\n"
        "Verteidigungsministerium\tMinistry of Defence\tignore-case\n"
    )
    assert [(e.source, e.target, e.ignore_case) for e in glossary.entries] == [
        ("DVRK", "DPRK", False),
        ("Bundeswehr", "Bundeswehr", False),
        ("Verteidigungsministerium", "Ministry of Defence", True),
    ]


def test_deepl_csv_with_language_columns_and_quoted_cells() -> None:
    glossary = parse_glossary(
        'DVRK,DPRK,de,en\n"Müller, Hans","Hans Müller",de,en\n', ignore_case=True
    )
    assert [(e.source, e.target, e.ignore_case) for e in glossary.entries] == [
        ("DVRK", "DPRK", True),
        ("Müller, Hans", "Hans Müller", True),
    ]


def test_utf8_bom_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_bytes("\ufeffDVRK\tDPRK\n".encode())
    assert [e.source for e in load_glossary(path).entries] == ["DVRK"]


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("DVRK\tDPRK\nBundeswehr\n", 2, "expected source and target"),
        ("DVRK\tDPRK\n# c\nBundeswehr\t\n", 3, "the target for 'Bundeswehr' is empty"),
        ("DVRK,DPRK\nBund,,\n", 2, "the target for 'Bund' is empty"),
        ("DVRK\tDPRK\n\tDPRK\n", 2, "expected source and target"),
        ("DVRK\tDPRK\tfr\n", 1, "unknown column 'fr'"),
        ("DVRK\tDPRK\nDVRK\tNorth Korea\n", 2, "already rendered as 'DPRK'"),
        ("DVRK\tDPRK\n--\tdash\n", 2, "no word to match"),
        ('Eisenkuppel\t"Iron Dome"\n', 1, "quotation marks"),
    ],
)
def test_a_bad_line_is_an_error_naming_it(text: str, line: int, what: str) -> None:
    with pytest.raises(GlossaryError) as raised:
        parse_glossary(text, name="g.tsv")
    assert f"g.tsv, line {line}" in str(raised.value)
    assert what in str(raised.value)


def test_empty_missing_and_non_utf8_files_are_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.tsv"
    empty.write_text("# nothing\n", encoding="utf-8")
    latin = tmp_path / "latin.tsv"
    latin.write_bytes("Behörde\tauthority\n".encode("latin-1"))
    for path, what in ((empty, "no entries"), (latin, "not UTF-8"), (tmp_path / "no", "cannot")):
        with pytest.raises(GlossaryError, match=what):
            load_glossary(path)


def test_the_digest_changes_with_the_content_only() -> None:
    a = parse_glossary("DVRK\tDPRK\n")
    assert a.digest == parse_glossary("# comment\nDVRK\tDPRK\n").digest
    assert a.digest != parse_glossary("DVRK\tNorth Korea\n").digest
    assert a.digest != parse_glossary("DVRK\tDPRK\n", ignore_case=True).digest


# --- matching -----------------------------------------------------------------------------


def _found(glossary_text: str, text: str, **kwargs: bool) -> list[tuple[str, str]]:
    glossary = parse_glossary(glossary_text, **kwargs)
    return [(text[m.start : m.end], m.entry.target) for m in glossary.find(text)]


def test_inflected_forms_are_found() -> None:
    glossary = "DVRK\tDPRK\nVerteidigungsministerium\tMoD\nBehörde\tagency\nStaat\tstate\n"
    text = (
        "Die DVRK, der DVRK, des Verteidigungsministeriums, den Behörden, "
        "des Staates, die Staaten, den Staats."
    )
    assert _found(glossary, text) == [
        ("DVRK", "DPRK"),
        ("DVRK", "DPRK"),
        ("Verteidigungsministeriums", "MoD"),
        ("Behörden", "agency"),
        ("Staates", "state"),
        ("Staaten", "state"),
        ("Staats", "state"),
    ]


def test_whole_words_only_and_case_sensitive_by_default() -> None:
    glossary = "DVRK\tDPRK\nStaat\tstate\n"
    text = "DVRKX, Verteidigungsstaat, Staatsanwalt, dvrk, staat, DVRK-Führung."
    assert _found(glossary, text) == [("DVRK", "DPRK")]  # a hyphen ends a word
    assert _found(glossary, text, ignore_case=True) == [
        ("dvrk", "DPRK"),
        ("staat", "state"),
        ("DVRK", "DPRK"),
    ]
    assert _found("dvrk\tDPRK\tignore-case\n", "Die DVRK und die Dvrk.") == [
        ("DVRK", "DPRK"),
        ("Dvrk", "DPRK"),
    ]


def test_multiword_entries_allow_any_whitespace_and_inflected_words() -> None:
    assert _found("Deutsche Bank\tDeutsche Bank AG\n", "bei der Deutschen\nBank heute") == [
        ("Deutschen\nBank", "Deutsche Bank AG")
    ]


def test_overlapping_entries_longest_match_first() -> None:
    glossary = "Bank\tbank\nDeutsche Bank\tDB\nBank Aktiengesellschaft\tBank plc\n"
    assert _found(glossary, "Die Deutsche Bank Aktiengesellschaft und die Bank.") == [
        ("Bank Aktiengesellschaft", "Bank plc"),
        ("Bank", "bank"),
    ]
    assert _found(glossary, "Die Deutsche Bank zahlt.") == [("Deutsche Bank", "DB")]


# --- the pipeline -------------------------------------------------------------------------

DVRK = parse_glossary("DVRK\tDPRK\n")


def _sentences_with(word: str, text: str) -> int:
    return len(re.findall(rf"\b{word}\b", text))


def test_every_dvrk_outside_quotations_becomes_dprk_and_quotations_stay_verbatim() -> None:
    fake = FakeTranslator()
    result = translate_document(SOURCE, fake, Options(glossary=DVRK))
    assert_contract(SAMPLE_QUOTES, result, QuoteMode.KEEP)
    outside = _outside_straight_quotes(result.translation)
    assert _sentences_with("DPRK", outside) == DVRK_OUTSIDE
    assert _sentences_with("DVRK", outside) == 0
    assert _sentences_with("DVRK", result.translation) == DVRK_ALL - DVRK_OUTSIDE
    assert [(g.source, g.target, g.count, g.forms) for g in result.glossary] == [
        ("DVRK", "DPRK", DVRK_OUTSIDE, ("DVRK",))
    ]
    assert fake.seen and not any("DVRK" in text for text in fake.seen)  # masked from the model


@pytest.mark.parametrize("mode", [QuoteMode.TRANSLATE, QuoteMode.BOTH])
def test_in_translate_and_both_modes_the_glossary_applies_inside_quotations(
    mode: QuoteMode,
) -> None:
    result = translate_document(SOURCE, FakeTranslator(), Options(quotes=mode, glossary=DVRK))
    assert_contract(SAMPLE_QUOTES, result, mode)
    assert result.glossary[0].count == DVRK_ALL
    rendered = [q.rendered for q in result.quotes if "DVRK" in q.original]
    assert len(rendered) == DVRK_ALL - DVRK_OUTSIDE
    for quote in rendered:
        translated = quote.split(" [")[0]
        assert "DPRK" in translated and "DVRK" not in translated
        if mode is QuoteMode.BOTH:  # the original in brackets stays as written
            assert "DVRK" in quote.split(" [", 1)[1]


def _check_terms_translated_for_the_summarizer_only() -> None:
    """Keep mode with a summary: the summarizer reads DPRK everywhere, quotations included
    (it reads the English); the translation keeps the quotations verbatim, DVRK and all."""
    summarizer = FakeSummarizer("A summary.")
    result = translate_document(
        SOURCE, FakeTranslator(), Options(glossary=DVRK, summarize=True), summarizer=summarizer
    )
    seen = "\n".join(summarizer.seen)
    assert seen
    assert _sentences_with("DVRK", seen) == 0
    assert _sentences_with("DPRK", seen) == DVRK_ALL
    assert_contract(SAMPLE_QUOTES, result, QuoteMode.KEEP)
    assert _sentences_with("DVRK", result.translation) == DVRK_ALL - DVRK_OUTSIDE
    assert result.glossary[0].count == DVRK_OUTSIDE  # what the output shows, not the summarizer
    assert result.summary is not None and result.summary.text == "A summary."


def test_keep_mode_with_a_summary_translates_terms_in_quotations_only_for_the_summarizer() -> None:
    _check_terms_translated_for_the_summarizer_only()


def test_the_summarizer_check_fails_when_the_summarizer_reads_the_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Broken on purpose: the summarizer is given the keep-mode translation, where the
    quotations (and their DVRK) stand untranslated."""
    real = summarize.summarize_translation

    def reads_the_output(english: str, result: Any, *args: Any, **kwargs: Any) -> Any:
        return real(result.translation, result, *args, **kwargs)

    monkeypatch.setattr(summarize, "summarize_translation", reads_the_output)
    with pytest.raises(AssertionError):
        _check_terms_translated_for_the_summarizer_only()


@pytest.mark.parametrize("adversary", ADVERSARIES, ids=lambda cls: cls.__name__)
def test_a_model_that_damages_placeholders_still_gets_the_target(adversary: type) -> None:
    engine = adversary()
    result = translate_document(SOURCE, engine, Options(glossary=DVRK))
    assert_contract(SAMPLE_QUOTES, result, QuoteMode.KEEP)
    outside = _outside_straight_quotes(result.translation)
    assert _sentences_with("DPRK", outside) == DVRK_OUTSIDE
    assert result.glossary[0].count == DVRK_OUTSIDE


def test_a_dropped_term_placeholder_falls_back_to_fragments() -> None:
    engine = DroppingTranslator()
    result = translate_document("Die DVRK hat das gesagt.", engine, Options(glossary=DVRK))
    assert result.translation == "the DPRK hat the gesagt."  # the fake knows few words
    assert "QZX1 hat das gesagt." in engine.seen[0]  # tried masked first
    assert "hat das gesagt" in engine.seen  # then the fragment


def test_a_sentence_of_terms_only_needs_no_model() -> None:
    engine = FakeTranslator()
    result = translate_document("DVRK.", engine, Options(glossary=DVRK))
    assert result.translation == "DPRK."
    assert engine.seen == []


def test_terms_inside_urls_are_left_alone() -> None:
    result = translate_document(
        "Siehe https://example.org/DVRK und die DVRK.", FakeTranslator(), Options(glossary=DVRK)
    )
    assert "https://example.org/DVRK" in result.translation
    assert result.glossary[0].count == 1


def test_no_glossary_changes_nothing() -> None:
    plain = translate_document(SOURCE, FakeTranslator(), Options())
    unused = translate_document(SOURCE, FakeTranslator(), Options(glossary=parse_glossary("X\tY")))
    assert plain.translation == unused.translation
    assert plain.glossary == unused.glossary == ()


def test_batch_fingerprint_includes_the_glossary_content() -> None:
    settings = BatchSettings(input_dir=Path("in"), output_dir=Path("out"))
    info = ModelInfo("m", "r")

    def fingerprint(options: Options) -> str:
        return settings_fingerprint(options, settings, info, None)

    assert fingerprint(Options(glossary=DVRK)) != fingerprint(Options())
    other = parse_glossary("DVRK\tNorth Korea\n")
    assert fingerprint(Options(glossary=DVRK)) != fingerprint(Options(glossary=other))
    assert fingerprint(Options(glossary=DVRK)) == fingerprint(
        Options(glossary=make_glossary([("DVRK", "DPRK")]))
    )


# --- the API and the CLI ------------------------------------------------------------------


def test_api_takes_a_file_or_a_glossary_and_per_call_overrides(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_text("DVRK\tDPRK\n", encoding="utf-8")
    translator = Translator.from_engines(FakeTranslator(), glossary=path)
    assert "DPRK" in translator.translate("Die DVRK.").text
    other = make_glossary([("DVRK", "North Korea")])
    assert "North Korea" in translator.translate("Die DVRK.", glossary=other).text
    assert "DVRK" in Translator.from_engines(FakeTranslator()).translate("Die DVRK.").text


def test_api_reads_translator_glossary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "g.tsv"
    path.write_text("DVRK\tDPRK\n", encoding="utf-8")
    monkeypatch.setenv("TRANSLATOR_GLOSSARY", str(path))
    assert Translator.from_engines(FakeTranslator()).options.glossary == load_glossary(path)


def test_cli_done_when(tiny_marian_dir: Path, tmp_path: Path) -> None:
    """The issue's check, with a real (random-weight) model: DVRK -> DPRK outside the
    quotations, quotations verbatim, json reports the count."""
    glossary = tmp_path / "g.tsv"
    glossary.write_text("DVRK\tDPRK\n", encoding="utf-8")
    args = ["translate", str(SAMPLE), "-m", str(tiny_marian_dir), "--glossary", str(glossary)]
    result = runner.invoke(app, [*args, "--format", "json", "-v"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert quotations_in(data["translation"]) == list(SAMPLE_QUOTES)
    assert [quote["original"] for quote in data["quotes"]] == list(SAMPLE_QUOTES)
    assert _sentences_with("DVRK", _outside_straight_quotes(data["translation"])) == 0
    assert data["glossary"] == [
        {"source": "DVRK", "target": "DPRK", "count": DVRK_OUTSIDE, "forms": ["DVRK"]}
    ]
    assert f"glossary: DVRK -> DPRK, {DVRK_OUTSIDE} time(s)" in result.stderr


@pytest.mark.parametrize("command", ["translate", "summarize", "batch"])
def test_cli_bad_glossary_is_a_usage_error_naming_the_line(command: str, tmp_path: Path) -> None:
    glossary = tmp_path / "g.tsv"
    glossary.write_text("DVRK\tDPRK\nBundeswehr\n", encoding="utf-8")
    args = [command, str(SAMPLE if command != "batch" else tmp_path), "--glossary", str(glossary)]
    if command == "batch":
        args += ["-o", str(tmp_path / "out")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "line 2" in result.stderr


def test_cli_reads_translator_glossary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    glossary = tmp_path / "g.tsv"
    glossary.write_text("DVRK\n", encoding="utf-8")
    monkeypatch.setenv("TRANSLATOR_GLOSSARY", str(glossary))
    result = runner.invoke(app, ["translate", str(SAMPLE)])
    assert result.exit_code == 2
    assert "line 1" in result.stderr
