"""Item 24.5: text that is not German passes through unchanged; a whole input that is not
German is reported. Oracles by construction: sentences written in a known language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.language_eval import german_sentences
from tests.fakes import FakeTranslator
from translator import language
from translator.options import Options
from translator.pipeline import translate_document
from translator.schema import QuoteMode

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = "We will not back down, whatever the government in Berlin decides."
GERMAN_ARTICLE = (
    "Der Präsident sprach am Montag vor dem Parlament in Berlin.\n\n"
    f"{ENGLISH}\n\n"
    "Die Regierung kündigte an, die Gespräche fortzusetzen."
)
# Written in these languages (by construction), each 10-30 words.
FOREIGN = {
    "en": "The minister said on Monday that the government would not change its plans.",
    "fr": "Le ministre a déclaré lundi que le gouvernement ne changerait pas ses plans.",
    "nl": "De minister zei maandag dat de regering haar plannen niet zou veranderen.",
    "it": "Il ministro ha detto lunedì che il governo non cambierà i suoi piani.",
    "pl": "Minister powiedział w poniedziałek, że rząd nie zmieni swoich planów.",
}


@pytest.mark.parametrize("code", sorted(FOREIGN))
def test_detects_each_neighbour_language(code: str) -> None:
    assert language.detect_language(FOREIGN[code])[0] == code
    assert language.foreign_language(FOREIGN[code]) == code
    assert not language.is_german(FOREIGN[code])


def test_an_english_sentence_passes_through_untranslated() -> None:
    engine = FakeTranslator()
    result = translate_document(GERMAN_ARTICLE, engine)
    assert ENGLISH not in engine.seen
    assert result.paragraphs[1].translation == ENGLISH
    assert [s.language for s in result.paragraphs[1].sentences] == ["en"]
    assert result.paragraphs[0].sentences[0].language is None
    assert result.language == "de"
    assert not result.warnings


def test_pass_through_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="translator"):
        translate_document(GERMAN_ARTICLE, FakeTranslator())
    assert any("language en" in record.getMessage() for record in caplog.records)


def test_an_english_quotation_is_kept_when_quotations_are_translated() -> None:
    quote = "We will not back down."
    text = f"Der Präsident sagte: „{quote}“ Danach ging er."
    engine = FakeTranslator()
    result = translate_document(text, engine, Options(quotes=QuoteMode.TRANSLATE))
    assert all(quote not in seen for seen in engine.seen)
    assert result.quotes[0].rendered == f"“{quote}”"


def test_keep_mode_is_unchanged() -> None:
    text = "Der Präsident sagte: „We will not back down.“ Danach ging er."
    result = translate_document(text, FakeTranslator())
    assert result.quotes[0].rendered == "„We will not back down.“"


@pytest.mark.parametrize("short", ["Fake News", "Homeoffice", "Lockdown", "Public Viewing"])
def test_a_one_or_two_word_quotation_is_never_declared_foreign(short: str) -> None:
    assert language.foreign_language(short) is None
    engine = FakeTranslator()
    translate_document(f"Er nannte es „{short}“.", engine, Options(quotes=QuoteMode.TRANSLATE))
    assert short in engine.seen


@pytest.mark.parametrize(
    "sentence",
    [
        "Das Homeoffice bleibt für viele Beschäftigte auch nach der Pandemie die Regel.",
        "Der Minister sprach von Fake News und kündigte ein Update der Software an.",
        "Beim Public Viewing feierten Tausende Fans das Team von Jürgen Klopp.",
    ],
)
def test_german_with_english_loanwords_stays_german(sentence: str) -> None:
    assert language.foreign_language(sentence) is None


def test_false_positives_on_german_sentences_stay_under_half_a_percent() -> None:
    sentences = german_sentences()
    assert len(sentences) > 500
    wrong = [s for s in sentences if language.foreign_language(s) is not None]
    assert len(wrong) / len(sentences) < 0.005, wrong[:5]


def test_a_whole_english_input_is_reported() -> None:
    text = "\n\n".join(FOREIGN["en"] for _ in range(3))
    result = translate_document(text, FakeTranslator())
    assert result.language == "en"
    assert any("not German" in warning for warning in result.warnings)
    assert result.to_dict()["language"] == "en"


def test_detection_can_be_switched_off() -> None:
    engine = FakeTranslator()
    result = translate_document(GERMAN_ARTICLE, engine, Options(pass_foreign=False))
    assert ENGLISH in engine.seen
    assert result.language is None


def test_meta_the_pass_through_check_fails_without_detection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(language, "foreign_language", lambda text: None)
    with pytest.raises(AssertionError):
        test_an_english_sentence_passes_through_untranslated()


def test_meta_the_false_positive_floor_fails_for_a_detector_that_calls_all_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(language, "detect_language", lambda text: ("en", 1.0))
    with pytest.raises(AssertionError):
        test_false_positives_on_german_sentences_stay_under_half_a_percent()


def test_the_detector_is_imported_lazily() -> None:
    code = (
        "import sys, translator, translator.pipeline, translator.cli;"
        "assert 'py3langid' not in sys.modules and 'numpy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def _language_folder(tmp_path: Path) -> Path:
    source = tmp_path / "in"
    source.mkdir()
    (source / "de.txt").write_text(GERMAN_ARTICLE + "\n", encoding="utf-8")
    (source / "en.txt").write_text("\n\n".join([FOREIGN["en"]] * 3) + "\n", encoding="utf-8")
    (source / "fr.txt").write_text("\n\n".join([FOREIGN["fr"]] * 3) + "\n", encoding="utf-8")
    return source


def test_batch_skips_inputs_that_are_not_german(tmp_path: Path) -> None:
    from tests.batch_helpers import run_batch
    from translator.batch import BatchSettings
    from translator.manifest import FileStatus
    from translator.render import OutputFormat

    source = _language_folder(tmp_path)
    output = tmp_path / "out"
    engine = FakeTranslator()
    settings = BatchSettings(source, output, output_format=OutputFormat.HTML)
    report = run_batch(settings, engine)
    assert (report.done, report.not_german) == (1, 2)
    assert [(p.path, p.status) for p in report.problems] == [
        ("en.txt", FileStatus.NOT_GERMAN),
        ("fr.txt", FileStatus.NOT_GERMAN),
    ]
    assert "detected language: en" in report.problems[0].error
    assert FOREIGN["fr"] not in engine.seen
    index = (output / "index.html").read_text(encoding="utf-8")
    assert "2 not_german" in index


def test_batch_force_language_translates_them(tmp_path: Path) -> None:
    from tests.batch_helpers import run_batch
    from translator.batch import BatchSettings

    source = _language_folder(tmp_path)
    report = run_batch(
        BatchSettings(source, tmp_path / "out", force_language=True), FakeTranslator()
    )
    assert (report.done, report.not_german) == (3, 0)


def test_batch_cli_counts_not_german_in_the_summary(tmp_path: Path, tiny_marian_dir: Path) -> None:
    from typer.testing import CliRunner

    from translator.cli import app

    source = _language_folder(tmp_path)
    result = CliRunner().invoke(
        app,
        ["batch", str(source), "-o", str(tmp_path / "out"), "-m", str(tiny_marian_dir)]
        + ["--no-cache", "--offline"],
    )
    assert result.exit_code == 0, result.output
    assert "2 not German" in result.output
    assert "not_german" in result.output
