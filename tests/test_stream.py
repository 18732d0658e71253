"""A long plain text read and translated as a stream, section by section (issue 16): the
sections tile the text, cut no paragraph or quotation, and the streamed translation is the
translation of the whole."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import FakeTranslator
from tests.oracle import SAMPLE_QUOTES
from translator import Translator, engines, segment, textio
from translator.cli import app
from translator.glossary import merge_uses
from translator.schema import GlossaryUse

runner = CliRunner()
ARTICLE = (Path(__file__).parent / "data" / "belousov-dprk.de.txt").read_text(encoding="utf-8")
# A quotation over two paragraphs (quotes.md: the opening mark repeats, one closing mark).
MULTI_FIRST = "„Erster Absatz des Zitats."
MULTI_SECOND = "„Zweiter Absatz des Zitats.“"
MULTI = f"Er sagte:\n\n{MULTI_FIRST}\n\n{MULTI_SECOND}\n\n"
STRAY = "Ein „verirrtes Zeichen ohne Ende.\n\n"  # never closed: a warning, left as text


def long_text(copies: int, newline: str = "\n") -> str:
    parts = []
    for copy in range(copies):
        parts.append(f"Teil {copy}.\n\n{ARTICLE.rstrip()}\n\n{MULTI}")
        if copy % 3 == 0:
            parts.append(STRAY)
    return "".join(parts).replace("\n", newline)


def expected_quotes(copies: int) -> list[str]:
    """The quotations of ``long_text(copies)``, by construction."""
    return [*SAMPLE_QUOTES, f"{MULTI_FIRST}\n{MULTI_SECOND}"] * copies


def chunked(text: str, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    position = 0
    while position < len(text):
        size = rng.randint(1, 5000)
        yield text[position : position + size]
        position += size


# --------------------------------------------------------------------------- sections


def test_sections_start_after_a_blank_line_and_never_with_a_quotation_mark() -> None:
    text = "A.\n\nB „x“.\n\n„C\n\n„D.“\n\nE\nF.\n"
    assert list(segment.split_sections([text], min_chars=1)) == [
        "A.\n\n",
        "B „x“.\n\n„C\n\n„D.“\n\n",
        "E\nF.\n",
    ]


def test_sections_are_at_least_min_chars_long_except_the_last() -> None:
    text = "".join(f"Absatz {n}.\n\n" for n in range(200))
    sections = list(segment.split_sections([text], min_chars=100))
    assert len(sections) > 5
    assert "".join(sections) == text
    assert all(len(section) >= 100 for section in sections[:-1])


def test_a_text_without_blank_lines_is_cut_at_lines_once_sections_grow_long() -> None:
    text = "".join(f"Zeile {n}.\n" for n in range(100)) + "„Zitat“ am Anfang.\nEnde.\n"
    sections = list(segment.split_sections([text], min_chars=50))
    assert len(sections) > 3
    assert "".join(sections) == text
    assert all(len(section) >= 4 * 50 for section in sections[:-1])
    assert all(not section.startswith("„") for section in sections)


def _sparse_blank_lines() -> str:
    """Long runs of lines without a blank one between them, a few blank lines."""
    rng = random.Random(7)
    return "".join(
        f"Zeile {n} „mit Zitat“.\n" + ("\n" if rng.random() < 0.004 else "") for n in range(3000)
    )


@pytest.mark.parametrize(
    "text", [long_text(6, newline="\r\n"), _sparse_blank_lines()], ids=["articles", "sparse"]
)
def test_sections_do_not_depend_on_how_the_text_arrives(text: str) -> None:
    whole = list(segment.split_sections([text], min_chars=3000))
    assert len(whole) > 3
    for seed in range(5):
        assert list(segment.split_sections(chunked(text, seed), min_chars=3000)) == whole


def test_a_file_read_line_by_line_gives_the_same_sections() -> None:
    text = long_text(6)
    lines = io.StringIO(text, newline="")  # iterating a text file gives its lines
    assert list(segment.split_sections(lines, min_chars=3000)) == list(
        segment.split_sections([text], min_chars=3000)
    )


def test_parsed_sections_count_lines_from_the_start_of_the_text() -> None:
    text = "A.\r\n\r\nB.\r\n\r\n\r\nC.\n"
    documents = list(segment.parse_sections([text], min_chars=1))
    lines = [(p.text, p.line) for document in documents for p in document.paragraphs]
    assert lines == [("A.", 1), ("B.", 3), ("C.", 6)]


# --------------------------------------------------------------------------- API


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_streamed_translation_is_the_translation_of_the_whole(newline: str) -> None:
    text = long_text(12, newline)
    whole = Translator.from_engines(FakeTranslator()).translate(text)
    sections = list(
        Translator.from_engines(FakeTranslator()).translate_stream(
            chunked(text, 1), section_chars=2000
        )
    )
    assert len(sections) > 5
    assert "".join(section.translation for section in sections) == whole.translation
    streamed_quotes = [quote for section in sections for quote in section.quotes]
    assert [q.original.replace("\r", "") for q in streamed_quotes] == expected_quotes(12)
    assert streamed_quotes == list(whole.quotes)
    streamed_warnings = [warning for section in sections for warning in section.warnings]
    assert len(streamed_warnings) == 4  # one per STRAY, named by its line in the whole text
    assert sorted(streamed_warnings) == sorted(whole.warnings)
    assert sum(section.sentences for section in sections) == whole.sentences


def test_an_open_text_file_can_be_streamed(tmp_path: Path) -> None:
    text = long_text(12)
    path = tmp_path / "long.de.txt"
    path.write_text(text, encoding="utf-8")
    translator = Translator.from_engines(FakeTranslator())
    with path.open(encoding="utf-8") as file:
        sections = list(translator.translate_stream(file, section_chars=2000))
    assert len(sections) > 5
    assert "".join(s.translation for s in sections) == translator.translate(text).translation


def test_stream_is_consumed_lazily() -> None:
    """The first section's result comes before the input is read to its end (a window of
    sentences is 1,024): nothing holds the whole text."""
    text = long_text(120)
    read = []

    def chunks() -> Iterator[str]:
        for chunk in chunked(text, 2):
            read.append(len(chunk))
            yield chunk

    results = Translator.from_engines(FakeTranslator()).translate_stream(
        chunks(), section_chars=2000
    )
    first = next(results)
    assert first.translation.strip()
    assert sum(read) < len(text) / 2
    rest = "".join(result.translation for result in results)
    assert sum(read) == len(text)
    assert len(first.translation) + len(rest) > len(text) / 2


def test_progress_estimates_the_whole_file_and_ends_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(textio, "STREAM_CHUNK_BYTES", 8192)
    path = tmp_path / "long.de.txt"
    path.write_text(long_text(100), encoding="utf-8")  # several windows of 1,024 sentences
    data = path.read_bytes()
    stream = textio.TextStream(data[:4096], path.open("rb"), path.name, len(data), None)
    calls: list[tuple[int, int]] = []
    translator = Translator.from_engines(FakeTranslator())
    results = list(
        translator.translate_stream(
            stream, section_chars=2000, progress=lambda d, k: calls.append((d, k))
        )
    )
    total = sum(result.sentences for result in results)
    assert len(calls) > 1
    assert all(done <= known for done, known in calls)
    assert calls[-1] == (total, total)
    # An early estimate is already near the whole, not the little parsed so far.
    assert calls[0][1] > total / 2


def test_glossary_uses_of_sections_add_up() -> None:
    uses = [
        GlossaryUse("Bundestag", "Bundestag", 2, ("Bundestag",)),
        GlossaryUse("Kanzler", "Chancellor", 1, ("Kanzler",)),
        GlossaryUse("Bundestag", "Bundestag", 3, ("Bundestages", "Bundestag")),
    ]
    assert merge_uses(uses) == (
        GlossaryUse("Bundestag", "Bundestag", 5, ("Bundestag", "Bundestages")),
        GlossaryUse("Kanzler", "Chancellor", 1, ("Kanzler",)),
    )


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def small_stream_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stream files over 4 KiB, in sections of 2,000 characters, with the fake engine."""
    monkeypatch.setattr(textio, "STREAM_HEAD_BYTES", 4096)
    monkeypatch.setattr(segment, "SECTION_CHARS", 2000)
    fake = FakeTranslator()
    monkeypatch.setattr(engines, "load_translator", lambda *args, **kwargs: fake)


def _whole(text: str) -> str:
    translation = Translator.from_engines(FakeTranslator()).translate(text).translation
    return translation if translation.endswith("\n") else translation + "\n"


@pytest.mark.usefixtures("small_stream_sizes")
@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_cli_streams_a_long_file_to_stdout(tmp_path: Path, encoding: str) -> None:
    text = long_text(10).replace("„", "»").replace("“", "«")  # cp1252 has no „“
    path = tmp_path / "long.de.txt"
    path.write_bytes(text.encode(encoding))
    result = runner.invoke(app, ["translate", str(path), "--no-cache"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == _whole(text)


@pytest.mark.usefixtures("small_stream_sizes")
def test_cli_streams_a_long_file_to_an_output_file(tmp_path: Path) -> None:
    text = long_text(10).rstrip("\n")  # the output still ends with a newline
    path = tmp_path / "long.de.txt"
    path.write_text(text, encoding="utf-8")
    target = tmp_path / "out" / "long.en.txt"
    result = runner.invoke(app, ["translate", str(path), "-o", str(target), "--no-cache"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == _whole(text)
    assert [p.name for p in target.parent.iterdir()] == ["long.en.txt"]


@pytest.mark.usefixtures("small_stream_sizes")
def test_cli_streams_stdin(tmp_path: Path) -> None:
    text = long_text(10)
    result = runner.invoke(app, ["translate", "--no-cache"], input=text.encode("utf-8"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == _whole(text)


@pytest.mark.usefixtures("small_stream_sizes")
def test_cli_stream_with_a_bad_byte_fails_cleanly_and_writes_no_file(tmp_path: Path) -> None:
    good = long_text(10).encode("utf-8")
    folder = tmp_path / "work"
    folder.mkdir()
    path = folder / "long.de.txt"
    path.write_bytes(good + b"Kaputt: \xff\xfe.\n")
    target = folder / "out.txt"
    result = runner.invoke(app, ["translate", str(path), "-o", str(target), "--no-cache"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert f"not valid utf-8 text at byte {len(good) + 8}" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(folder.iterdir()) == [path]


@pytest.mark.usefixtures("small_stream_sizes")
def test_cli_logs_streamed_warnings_once_each_with_whole_text_lines(tmp_path: Path) -> None:
    text = long_text(10)
    path = tmp_path / "long.de.txt"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["translate", str(path), "--no-cache"])
    assert result.exit_code == 0, result.stderr
    stray_lines = [
        number
        for number, line in enumerate(text.split("\n"), start=1)
        if line == STRAY.rstrip("\n")
    ]
    assert len(stray_lines) == 4
    logged = [line for line in result.stderr.splitlines() if "is never closed" in line]
    assert [line.split("line ", 1)[1].split(":")[0] for line in logged] == [
        str(number) for number in stray_lines
    ]


def _json_of(
    path: Path, monkeypatch: pytest.MonkeyPatch, *, streamed: bool, quotes: str = "keep"
) -> dict:
    monkeypatch.setattr(textio, "STREAM_HEAD_BYTES", 4096 if streamed else 1 << 30)
    glossary = path.with_name("glossary.tsv")
    glossary.write_text("DVRK\tDPRK\nVerteidigungsminister\tdefence minister\n", "utf-8")
    result = runner.invoke(
        app,
        [
            "translate",
            str(path),
            "--format",
            "json",
            "--glossary",
            str(glossary),
            "--quotes",
            quotes,
        ],
    )
    assert result.exit_code == 0, result.stderr
    data: dict = json.loads(result.stdout)
    return data


@pytest.mark.usefixtures("small_stream_sizes")
@pytest.mark.parametrize("quotes", ["keep", "translate"])
def test_cli_streamed_json_is_the_json_of_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quotes: str
) -> None:
    text = long_text(10)
    path = tmp_path / "long.de.txt"
    path.write_text(text, encoding="utf-8")
    streamed = _json_of(path, monkeypatch, streamed=True, quotes=quotes)
    whole = _json_of(path, monkeypatch, streamed=False, quotes=quotes)
    assert [q["original"] for q in streamed["quotes"]] == expected_quotes(10)
    assert len(streamed["paragraphs"]) == len(whole["paragraphs"]) > 100
    assert set(streamed["timings"]) == set(whole["timings"])
    assert len(streamed["warnings"]) == 4
    # Added up over the sections: as often as in the whole (compared below), ten articles.
    assert [g["source"] for g in streamed["glossary"]] == ["Verteidigungsminister", "DVRK"]
    assert all(g["count"] >= 10 for g in streamed["glossary"])
    assert streamed["cache"]["hits"] + streamed["cache"]["misses"] > 0
    for data in (streamed, whole):
        data["warnings"].sort()
        del data["timings"], data["cache"]  # the second run finds the first's memory
    assert streamed == whole


@pytest.mark.usefixtures("small_stream_sizes")
def test_cli_streamed_json_is_laid_out_as_json_dumps_does(tmp_path: Path) -> None:
    path = tmp_path / "long.de.txt"
    path.write_text(long_text(10), encoding="utf-8")
    result = runner.invoke(app, ["translate", str(path), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert result.stdout == json.dumps(data, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.usefixtures("small_stream_sizes")
def test_cli_streamed_markdown_is_the_markdown_of_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "long.de.txt"
    path.write_text(long_text(10), encoding="utf-8")
    outputs = []
    for head in (4096, 1 << 30):  # streamed, then read whole
        monkeypatch.setattr(textio, "STREAM_HEAD_BYTES", head)
        result = runner.invoke(app, ["translate", str(path), "--format", "markdown", "--no-cache"])
        assert result.exit_code == 0, result.stderr
        outputs.append(result.stdout)
    streamed, whole = outputs
    assert streamed.startswith("# Translation of long.de.txt\n\n")
    quotations = streamed.split("## Quotations\n\n")[1].split("\n\n")[0].splitlines()
    assert len(quotations) == len(expected_quotes(10))
    assert quotations[-1].startswith(f"{len(quotations)}. ")
    assert streamed.count("is never closed") == 4
    assert streamed == whole
