"""Bad input never crashes: encodings, binary data, empty, huge and pathological text, and the
error table (messages and exit codes), all through the CLI (issue 7)."""

from __future__ import annotations

import codecs
import io
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import FakeTranslator
from tests.oracle import quotations_in
from translator import engines, textio
from translator.cli import app, translate_cmd
from translator.cli.app import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    progress_on_stderr,
)
from translator.errors import (
    InputError,
    ModelLoadError,
    OptionError,
    TranslatorError,
)

runner = CliRunner()

QUOTE = "„Wir müssen über die Größe der Übung reden“"
GERMAN = f"Der Minister sagte: {QUOTE}. Die Straße ist schön.\n"
# Latin-1 lacks „“: the same sentence with guillemets, which it has.
LATIN1_QUOTE = "»Wir müssen über die Größe der Übung reden«"
GERMAN_LATIN1 = f"Der Minister sagte: {LATIN1_QUOTE}. Schön.\n"


def _run(*args: str, data: bytes | str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["translate", *args], input=data)
    return result.exit_code, result.stdout, result.stderr


def _assert_clean_failure(code: int, err: str, expected_code: int = EXIT_FAILURE) -> None:
    assert code == expected_code, err
    assert err.startswith("Error: ")
    assert "Traceback" not in err


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> FakeTranslator:
    """load_translator returns a FakeTranslator (whatever model is asked for)."""
    fake = FakeTranslator()
    monkeypatch.setattr(engines, "load_translator", lambda *args, **kwargs: fake)
    return fake


def _forbid_model_load(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model must not be loaded")

    monkeypatch.setattr(engines, "load_translator", refuse)


# --------------------------------------------------------------------------- encodings


def _encode(text: str, encoding: str) -> bytes:
    if encoding.endswith("-bom"):
        codec = encoding.removesuffix("-bom")
        bom = codecs.BOM_UTF16_BE if codec == "utf-16-be" else codecs.BOM_UTF16_LE
        return bom + text.encode(codec)
    return text.encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", GERMAN),
        ("utf-8-sig", GERMAN),  # UTF-8 with a BOM
        ("utf-16", GERMAN),  # with a BOM, the machine's byte order
        ("utf-16-be-bom", GERMAN),
        ("utf-16-le-bom", GERMAN),
        ("utf-16-le", GERMAN),  # no BOM: recognised by its NUL bytes
        ("utf-16-be", GERMAN),
        ("utf-32", GERMAN),
        ("cp1252", GERMAN),
        ("latin-1", GERMAN_LATIN1),
        ("cp850", GERMAN_LATIN1),  # DOS tools
        ("mac_roman", GERMAN),
    ],
)
def test_encodings_are_detected(
    fake_engine: FakeTranslator, tmp_path: Path, encoding: str, text: str
) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(_encode(text, encoding))
    code, out, err = _run(str(source))
    assert code == 0, err
    assert "schön." in fake_engine.seen[-1].lower()
    assert quotations_in(out) == [QUOTE if text is GERMAN else LATIN1_QUOTE]
    _, from_utf8, _ = _run(data=text.encode())
    assert out == from_utf8  # decoded exactly as the UTF-8 original
    assert not out.startswith("\ufeff")


def test_cp1252_file_through_the_tiny_model(tiny_marian_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(GERMAN.encode("cp1252"))
    code, out, err = _run(str(source), "-m", str(tiny_marian_dir))
    assert code == 0, err
    # The quotation is copied byte for byte (quotes=keep): decoding got every umlaut right.
    assert quotations_in(out) == [QUOTE]


def test_short_cp1252_text_is_not_mistaken_for_another_code_page() -> None:
    # charset-normalizer alone reads this as mac_roman: "‹ber die Straﬂe".
    data = "Über die Straße gehen Müller und Söhne.".encode("cp1252")
    assert textio.decode_bytes(data, "x") == "Über die Straße gehen Müller und Söhne."


def test_encoding_option_overrides_detection(fake_engine: FakeTranslator, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes("Größe".encode())
    code, out, err = _run(str(source), "--encoding", "latin-1")
    assert code == 0, err
    assert out == "GrÃ¶ÃŸe\n"  # read as asked, however wrong (latin-1 read as cp1252)


def test_latin1_label_reads_cp1252_quotation_marks() -> None:
    data = "„Größe“".encode("cp1252")
    assert textio.decode_bytes(data, "x", "latin-1") == "„Größe“"
    # 0x81 is not cp1252: such a file is read as real latin-1.
    assert textio.decode_bytes(b"x" * 200 + b"\x81", "x", "latin-1").endswith("x\x81")


def test_encoding_option_that_does_not_fit_is_a_clear_error(
    fake_engine: FakeTranslator, tmp_path: Path
) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes("Größe".encode("cp1252"))
    code, _, err = _run(str(source), "--encoding", "utf-8")
    _assert_clean_failure(code, err)
    assert "is not valid utf-8 text" in err and "--encoding" in err


def test_unknown_encoding_is_a_usage_error(fake_engine: FakeTranslator) -> None:
    code, _, err = _run("--encoding", "klingon-8", data="Hallo Welt.")
    assert code == EXIT_USAGE
    assert "klingon-8" in err and "not a known text encoding" in err
    assert fake_engine.calls == []


def test_binary_codec_names_are_refused() -> None:
    with pytest.raises(InputError, match="not a known text encoding"):
        textio.check_encoding("rot13")


# --------------------------------------------------------------------------- binary data


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"Hallo\x00Welt",  # one NUL byte in UTF-8 text
        b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4,
        bytes(range(1, 32)) * 20,  # control characters, valid UTF-8 but no text
        random.Random(178).randbytes(4096).replace(b"\x00", b"\x01"),  # without NULs
    ],
    ids=["png", "nul-in-utf8", "elf", "controls", "random"],
)
def test_binary_input_is_not_a_text_file(
    fake_engine: FakeTranslator, tmp_path: Path, data: bytes
) -> None:
    source = tmp_path / "image.bin"
    source.write_bytes(data)
    code, out, err = _run(str(source))
    _assert_clean_failure(code, err)
    assert err.startswith(f"Error: {source} is not a text file")
    assert out == ""
    assert fake_engine.calls == []


def test_binary_stdin_is_not_a_text_file(fake_engine: FakeTranslator) -> None:
    code, _, err = _run(data=b"\x00\x01\x02\x03\xff")
    _assert_clean_failure(code, err)
    assert err.startswith("Error: <stdin> is not a text file")


# --------------------------------------------------------------------------- empty input


@pytest.mark.parametrize("data", [b"", b"   \n\t\n\r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_empty_input_gives_empty_output_without_loading_a_model(
    monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    _forbid_model_load(monkeypatch)
    code, out, err = _run("-m", "no-such/model", data=data)
    assert code == 0, err
    assert out == ""
    assert "empty: nothing to translate" in err


# --------------------------------------------------------------------------- large input


def test_large_input_is_translated_whole_with_progress(
    fake_engine: FakeTranslator, monkeypatch: pytest.MonkeyPatch
) -> None:
    paragraphs = [
        f"Absatz {i}: der Minister sagte {QUOTE}. Die Straße ist schön." for i in range(3000)
    ]
    text = "\n".join(paragraphs) + "\nLetzter Absatz und Ende.\n"
    reports: list[tuple[int, int]] = []

    @contextmanager
    def recording_progress(enabled: bool = True) -> Iterator[object]:
        assert enabled
        yield lambda done, known: reports.append((done, known))

    monkeypatch.setattr(translate_cmd, "progress_on_stderr", recording_progress)
    code, out, err = _run(data=text)
    assert code == 0, err
    lines = out.split("\n")
    assert len(lines) == len(text.split("\n"))  # nothing truncated, layout kept
    assert lines[0].startswith("Absatz 0: the Minister said „Wir müssen")
    assert lines[-2] == "Letzter Absatz and Ende."
    assert out.count(QUOTE) == 3000
    # Progress comes window by window, and ends with every sentence done.
    assert len(reports) > 3
    assert reports[-1][0] == reports[-1][1] == 6001
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_on_stderr(enabled=False) as disabled:
        assert disabled is None
    with progress_on_stderr() as update:
        assert update is not None
        update(5, 10)
    assert "Translating sentences" in terminal.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress_on_stderr() as not_a_terminal:
        assert not_a_terminal is None


# --------------------------------------------------------------------------- pathological


@pytest.fixture
def tiny_model_inputs(tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the tiny model is asked to translate, in order (the model still runs)."""
    seen: list[str] = []
    load = engines.load_translator

    def recording_load(*args: object, **kwargs: object) -> object:
        engine = load(*args, **kwargs)  # type: ignore[arg-type]
        translate = engine.translate

        def recording_translate(texts: list[str], *, strict: bool = False) -> list[str]:
            if not strict:
                seen.extend(texts)
            return translate(texts, strict=strict)

        monkeypatch.setattr(engine, "translate", recording_translate)
        # The pipeline asks a scoring engine for scored translations (issue 24 item 6).
        translate_scored = engine.translate_scored

        def recording_translate_scored(
            texts: list[str], *, strict: bool = False, alternatives: int = 0
        ) -> object:
            if not strict:
                seen.extend(texts)
            return translate_scored(texts, strict=strict, alternatives=alternatives)

        monkeypatch.setattr(engine, "translate_scored", recording_translate_scored)
        # ... and an engine that takes calls as they come (CTranslate2, torch) through this.
        submit_scored = getattr(engine, "submit_scored", None)
        if submit_scored is not None:

            def recording_submit_scored(
                texts: list[str],
                *,
                strict: bool = False,
                alternatives: int = 0,
                scores: bool = True,
            ) -> object:
                if not strict:
                    seen.extend(texts)
                return submit_scored(texts, strict=strict, alternatives=alternatives, scores=scores)

            monkeypatch.setattr(engine, "submit_scored", recording_submit_scored)
        return engine

    monkeypatch.setattr(engines, "load_translator", recording_load)
    return seen


def test_five_thousand_word_sentence_without_punctuation(
    tiny_marian_dir: Path, tiny_model_inputs: list[str]
) -> None:
    pool = "Minister sagte heute dass die Zusammenarbeit weiter ausgebaut werde Moskau".split()
    words = [random.Random(i).choice(pool) for i in range(5000)]
    code, out, err = _run("-m", str(tiny_marian_dir), data=" ".join(words) + "\n")
    assert code == 0, err
    assert out.endswith("\n") and out.count("\n") == 1
    # Split into pieces that fit the model, every word sent once, in order: no truncation.
    assert len(tiny_model_inputs) > 5
    assert " ".join(tiny_model_inputs).split() == words


def test_hundred_thousand_character_line(tiny_marian_dir: Path) -> None:
    sentence = f"Der Minister sagte {QUOTE}. "
    line = (sentence * (100_000 // len(sentence) + 1))[:100_000]
    code, out, err = _run("-m", str(tiny_marian_dir), data=line + "\n")
    assert code == 0, err
    assert out.count("\n") == 1
    assert out.count(QUOTE) == line.count(QUOTE)


def test_hundred_thousand_character_word(fake_engine: FakeTranslator) -> None:
    word = "Donaudampf-schifffahrt." * 4348
    code, out, err = _run(data=f"Das {word} ist lang.\n")
    assert code == 0, err
    assert word in out.replace(" ", "")


def test_passthrough_paragraphs_are_kept_exactly(tiny_marian_dir: Path) -> None:
    # Punctuation, number tables, bare URLs and e-mail addresses: nothing for the model.
    kept = (
        "...\n"
        "---\n"
        "!!! ??? *** ///\n"
        "\n"
        "2023 | 1.234,5 | 12,5 %\n"
        "2024 | 2.345,6 | -3,0 %\n"
        "\n"
        "https://www.example.de/politik/artikel-123.html?seite=2#kommentare\n"
        "redaktion@example.de\n"
        "www.bundesregierung.de, presse@bundesregierung.de\n"
    )
    text = "Der Minister sagte heute etwas.\n" + kept
    code, out, err = _run("-m", str(tiny_marian_dir), data=text)
    assert code == 0, err
    assert out.endswith(kept)


def test_all_caps_paragraphs_stay_all_caps(tiny_marian_dir: Path) -> None:
    text = (
        "EILMELDUNG: MINISTER BELOUSSOW IN PJÖNGJANG EINGETROFFEN\n"
        "Der Minister sagte heute, die Zusammenarbeit werde ausgebaut.\n"
        f"DER MINISTER SAGTE: {QUOTE.upper()}.\n"
    )
    code, out, err = _run("-m", str(tiny_marian_dir), data=text)
    assert code == 0, err
    first, _, third = out.rstrip("\n").split("\n")
    assert first and not any(c.islower() for c in first)
    assert not any(c.islower() for c in third.replace(QUOTE.upper(), ""))
    assert QUOTE.upper() in third  # the quotation itself untouched


def test_all_caps_text_reaches_the_model_in_german_casing(fake_engine: FakeTranslator) -> None:
    code, out, err = _run(data="DER MINISTER IST IN MOSKAU. SIE WERDEN DIE STRASSE SPERREN.\n")
    assert code == 0, err
    assert fake_engine.seen == [
        "Der Minister ist in Moskau.",
        "Sie werden die Straße sperren.",
    ]
    assert out == "THE MINISTER IS IN MOSKAU. SHE WERDEN THE STRASSE SPERREN.\n"


def test_repetitive_output_is_retried_and_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    class Looping(FakeTranslator):
        def tamper(self, text: str, placeholders: list[str]) -> str:
            return "the the the the the the the the"

    engine = Looping()
    monkeypatch.setattr(engines, "load_translator", lambda *args, **kwargs: engine)
    code, _, err = _run(data="Der Minister sagte heute etwas Wichtiges.\n")
    assert code == 0, err
    assert len(engine.calls) == 2  # the strict retry
    assert "degenerate" in err


# --------------------------------------------------------------------------- errors


def _library_error_classes() -> list[type[TranslatorError]]:
    """Every error class translator/errors.py defines (a new one is covered unasked)."""
    from translator import errors

    return [
        value
        for value in vars(errors).values()
        if isinstance(value, type)
        and issubclass(value, TranslatorError)
        and value.__module__ == errors.__name__
    ]


@pytest.mark.parametrize("cls", _library_error_classes(), ids=lambda cls: cls.__name__)
def test_every_library_error_is_a_clean_failure_with_its_own_message(
    monkeypatch: pytest.MonkeyPatch, cls: type[TranslatorError]
) -> None:
    """Raised where the CLI calls the library: an option the library refuses is a usage
    error (2), every other library error a failure (1), its message printed as it is."""
    error = cls("what happened. What to do.")

    def raise_it(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(engines, "load_translator", raise_it)
    code, out, err = _run(data="Hallo Welt.")
    assert code == (EXIT_USAGE if issubclass(cls, OptionError) else EXIT_FAILURE)
    assert err == "Error: what happened. What to do.\n"
    assert out == ""


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (MemoryError(), "Error: out of memory. Split the input"),
        (UnicodeEncodeError("ascii", "ü", 0, 1, "x"), "Error: the output has characters"),
        (OSError(28, "No space left on device"), "Error: reading or writing failed ([Errno 28]"),
        (RuntimeError("boom"), "Error: unexpected RuntimeError: boom. This is a bug"),
    ],
)
def test_other_errors_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, error: Exception, expected: str
) -> None:
    def raise_it(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(engines, "load_translator", raise_it)
    code, _, err = _run(data="Hallo Welt.")
    _assert_clean_failure(code, err)
    assert err.startswith(expected)
    assert err.count("\n") == 1


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def raise_it(*args: object, **kwargs: object) -> None:
        raise ModelLoadError("model x is broken. Pull it again.")

    monkeypatch.setattr(engines, "load_translator", raise_it)
    monkeypatch.setenv("TRANSLATOR_DEBUG", "1")
    code, _, err = _run(data="Hallo Welt.")
    assert code == EXIT_FAILURE
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().endswith("Error: model x is broken. Pull it again.")


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(engines, "load_translator", interrupt)
    code, out, err = _run(data="Hallo Welt.")
    assert code == EXIT_INTERRUPTED
    assert err == "Interrupted.\n"
    assert out == ""


def test_unwritable_output_is_a_clear_error(fake_engine: FakeTranslator, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _run("-o", str(blocker / "out.txt"), data="Hallo Welt.")
    _assert_clean_failure(code, err)
    assert "cannot write" in err


def test_a_closed_pipe_exits_1_quietly(
    fake_engine: FakeTranslator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def closed(text: str, output: Path | None) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(translate_cmd, "emit", closed)
    code, _, err = _run(data="Hallo Welt.")
    assert code == EXIT_FAILURE
    assert "bug" not in err and "Traceback" not in err


def test_progress_bar_never_captures_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a terminal on stderr the bar shows; text written to stdout meanwhile (the
    streamed translation) must still reach stdout, not the bar's console on stderr."""
    import sys

    from translator.cli.app import progress_on_stderr

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    with progress_on_stderr(True) as update:
        assert update is not None
        update(1, 2)
        sys.stdout.write("the translation\n")
    captured = capsys.readouterr()
    assert captured.out == "the translation\n"
    assert "the translation" not in captured.err
