"""Subtitles (SRT, WebVTT) in and out: cues joined into sentences, split back over the same
cues with every timing line, number, label and styling tag kept.

The fixtures are built here, cue by cue; what the output must hold (timing lines, labels,
quotations) comes from that construction, and the output is read back by a parser of this
file's own (``_cues``), never by the reader under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import ADVERSARIES, FakeTranslator, WholeTextSummarizer
from translator import Translator
from translator.cli import app
from translator.errors import InputError
from translator.formats import InputFormat, SubtitleSource, detect_format, read_bytes
from translator.formats import subtitles as subtitles_module
from translator.formats.subtitles import split_over
from translator.output import output_names, render_result
from translator.render import OutputFormat

runner = CliRunner()

# One quotation per German mark style (docs/quotes.md), each placed in a cue below.
QUOTES = (
    "„Wir werden das gemeinsam schaffen“",
    '"Das ist nicht verhandelbar"',
    "»Die Lage bleibt angespannt«",
    "«Wir bleiben neutral»",
    "‚Kein Kommentar‘",
    "“Das war ein Fehler”",
)
# (lines of a cue's text): sentences run over cues, quotations too, voices change.
CUE_TEXTS: tuple[tuple[str, ...], ...] = (
    ("{\\an8}Die Bundeskanzlerin sagte am Montag", "in Berlin vor Journalisten,"),
    (f"{QUOTES[0]},", "und verließ den Saal."),
    ("SPRECHER: Der Minister erklärte,", f"{QUOTES[1]}."),
    ("- Wie ist die Lage im Norden?", f"- {QUOTES[2]}."),
    (f"<i>Die Schweizer Delegation sagte: {QUOTES[3]}.</i>",),
    ("Ein Sprecher des Ministeriums wollte", "sich nicht äußern und sagte nur"),
    (f"{QUOTES[4]}, bevor er ging.",),
    (f"Später räumte er ein: {QUOTES[5]}.",),
    ("Die Opposition forderte am Abend", "den sofortigen Rücktritt des Ministers"),
    ("und eine <i>unabhängige</i> Untersuchung.",),
)
TIMINGS = tuple(
    f"00:00:{2 * n:02d},000 --> 00:00:{2 * n + 1:02d},900" for n in range(len(CUE_TEXTS))
)


def _srt(texts: tuple[tuple[str, ...], ...] = CUE_TEXTS) -> str:
    blocks = [
        f"{n}\n{timing}\n" + "\n".join(lines)
        for n, (timing, lines) in enumerate(zip(TIMINGS, texts, strict=True), start=1)
    ]
    return "\n\n".join(blocks) + "\n"


def _vtt() -> str:
    vtt_timings = [t.replace(",", ".") + " align:start" for t in TIMINGS]
    blocks = ["WEBVTT - Nachrichten", "NOTE Redaktion: Fassung 2", "STYLE\n::cue { color: yellow }"]
    for n, (timing, lines) in enumerate(zip(vtt_timings, CUE_TEXTS, strict=True), start=1):
        first, *rest = lines
        if first.startswith("SPRECHER: "):
            first = "<v Sprecher>" + first.removeprefix("SPRECHER: ")
        blocks.append(f"cue-{n}\n{timing}\n" + "\n".join([first, *rest]))
    return "\n\n".join(blocks) + "\n"


def _cues(text: str) -> list[tuple[list[str], list[str]]]:
    """The cues of an SRT or WebVTT text, read independently: (head lines up to the timing
    line, text lines) per block holding ``-->``."""
    found = []
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        lines = block.split("\n")
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is not None:
            found.append((lines[: timing + 1], lines[timing + 1 :]))
    return found


def _words(text: str) -> str:
    return " ".join(text.split())


def _problems(source: str, output: str, quotes: tuple[str, ...]) -> list[str]:
    """What the output breaks of the contract: cue count, heads (numbers, identifiers,
    timing lines), an empty cue, a quotation not verbatim (line and cue breaks aside)."""
    problems = []
    before, after = _cues(source), _cues(output)
    if len(before) != len(after):
        problems.append(f"{len(before)} cues became {len(after)}")
    pairs = zip(before, after, strict=False)  # a count that differs is reported above
    for number, ((head, _), (new_head, new_lines)) in enumerate(pairs, start=1):
        if head != new_head:
            problems.append(f"cue {number}: head {head} became {new_head}")
        if not new_lines or not all(line.strip() for line in new_lines):
            problems.append(f"cue {number}: an empty line in {new_lines}")
    joined = _words(" ".join(" ".join(lines) for _, lines in after))
    problems += [f"quotation missing: {q}" for q in quotes if q not in joined]
    return problems


def _translated(text: str, name: str, engine: FakeTranslator | None = None) -> str:
    source = read_bytes(text.encode("utf-8"), name)
    assert isinstance(source, SubtitleSource)
    translator = Translator.from_engines(engine or FakeTranslator())
    result = translator.translate_input(source, quotes="keep")
    return render_result(source, result, OutputFormat.TEXT)


@pytest.mark.parametrize("engine_type", [FakeTranslator, *ADVERSARIES])
def test_srt_round_trip_keeps_cues_timings_and_quotations(
    engine_type: type[FakeTranslator],
) -> None:
    source = _srt()
    output = _translated(source, "news.de.srt", engine_type())
    assert _problems(source, output, QUOTES) == []
    if engine_type is FakeTranslator:
        assert "the Bundeskanzlerin" in output  # it did translate ("die" -> "the")


def test_vtt_round_trip_keeps_header_notes_styles_ids_and_settings() -> None:
    source = _vtt()
    output = _translated(source, "news.de.vtt")
    assert _problems(source, output, QUOTES) == []
    for verbatim in ("WEBVTT - Nachrichten\n", "NOTE Redaktion: Fassung 2\n", "::cue { color"):
        assert verbatim in output
    assert "<v Sprecher>the Minister" in output
    assert all(f"cue-{n}\n" in output for n in range(1, len(CUE_TEXTS) + 1))


def test_labels_and_styling_tags_are_kept() -> None:
    output = _translated(_srt(), "news.de.srt")
    cues = _cues(output)
    assert cues[0][1][0].startswith("{\\an8}the Bundeskanzlerin")
    assert cues[2][1][0].startswith("SPRECHER: the Minister")
    assert [line[:2] for line in cues[3][1]] == ["- ", "- "]
    assert all(line.startswith("<i>") and line.endswith("</i>") for line in cues[4][1])
    assert "<i>unabhängige</i>" in _words(" ".join(cues[9][1]))


def test_a_sentence_over_cues_reaches_the_model_whole() -> None:
    engine = FakeTranslator()
    _translated(_srt(), "news.de.srt", engine)
    assert engine.seen  # the model was asked
    whole = "Die Opposition forderte am Abend den sofortigen Rücktritt des Ministers und eine"
    assert any(whole in text for text in engine.seen)


def test_long_cue_wraps_in_two_lines_near_42_characters() -> None:
    long_line = "Die Regierung will das Gesetz noch vor der Sommerpause im Bundestag beschließen."
    source = _srt(((long_line,),) + CUE_TEXTS[1:])
    cues = _cues(_translated(source, "long.de.srt"))
    lines = cues[0][1]
    assert len(lines) == 2
    assert all(len(line) <= 46 for line in lines), lines


def test_fewer_words_than_cues_leaves_no_cue_empty() -> None:
    pieces = split_over("Ja.", [10, 10, 10])
    assert len(pieces) == 3
    assert all(piece.strip() for piece in pieces)


def test_split_avoids_cutting_a_kept_quotation() -> None:
    text = "He said „Wir werden das gemeinsam schaffen“ and left the room at once."
    pieces = split_over(text, [20, 60], keep_whole=["„Wir werden das gemeinsam schaffen“"])
    assert any("„Wir werden das gemeinsam schaffen“" in piece for piece in pieces)


def test_oracle_sees_a_dropped_cue_and_an_empty_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Meta-test: the round-trip check fails when the writer empties a cue or cuts one."""
    source = _srt()
    real = subtitles_module.split_over

    def emptying(text: str, weights: list[int], keep_whole: object = ()) -> list[str]:
        return [*real(text, weights)[:-1], ""]

    monkeypatch.setattr(subtitles_module, "split_over", emptying)
    assert any("empty line" in p for p in _problems(source, _translated(source, "a.srt"), QUOTES))
    monkeypatch.undo()
    output = _translated(source, "a.srt")
    cut = output.split("\n\n", 1)[1]  # the first cue removed
    assert any("cues became" in p for p in _problems(source, cut, QUOTES))
    mangled = output.replace("Wir werden", "We will")
    assert any("quotation missing" in p for p in _problems(source, mangled, QUOTES))


def test_broken_timestamp_is_an_error_naming_the_cue() -> None:
    broken = _srt().replace(TIMINGS[2], "00:00:04.0 -> 00:00:05")
    # Cues 1 and 2 take 4 lines and a blank line each: cue 3's timing is line 12.
    with pytest.raises(InputError, match=r"cue 3 \(line 12\)"):
        read_bytes(broken.encode(), "broken.srt")
    vtt = _vtt().replace(TIMINGS[1].replace(",", "."), "00:00:02 --> 00:00:03,9")
    with pytest.raises(InputError, match="cue 2"):
        read_bytes(vtt.encode(), "broken.vtt")


def test_overlapping_cues_warn_and_are_kept() -> None:
    overlapping = _srt().replace(TIMINGS[4], "00:00:07,000 --> 00:00:09,900")
    source = read_bytes(overlapping.encode(), "overlap.srt")
    result = Translator.from_engines(FakeTranslator()).translate_input(source)
    assert any("cue 5" in w and "overlaps cue 4" in w for w in result.warnings)
    output = render_result(source, result, OutputFormat.TEXT)
    assert "00:00:07,000 --> 00:00:09,900" in output
    assert _problems(overlapping, output, QUOTES) == []
    backwards = _srt().replace(TIMINGS[1], "00:00:03,900 --> 00:00:02,000")
    warned = read_bytes(backwards.encode(), "backwards.srt")
    assert isinstance(warned, SubtitleSource)
    assert any("cue 2" in w and "ends before it starts" in w for w in warned.warnings)


def test_blank_line_inside_a_cue_is_read_as_that_cue() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nErste Zeile\n\nzweite Zeile\n\n"
    text += "2\n00:00:03,000 --> 00:00:04,000\nNoch ein Satz.\n"
    source = read_bytes(text.encode(), "gap.srt")
    assert isinstance(source, SubtitleSource)
    assert len(source.cues) == 2
    assert any("after cue 1" in warning for warning in source.warnings)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("clip", b"1\n00:00:01,000 --> 00:00:02,000\nHallo\n", InputFormat.SRT),
        ("clip", b"\xef\xbb\xbf1\r\n00:00:01,000 --> 00:00:02,000\r\nHallo\r\n", InputFormat.SRT),
        ("clip", b"WEBVTT\n\n00:01.000 --> 00:02.000\nHallo\n", InputFormat.VTT),
        ("clip.SRT", b"x", InputFormat.SRT),
        ("clip.vtt", b"x", InputFormat.VTT),
    ],
)
def test_detection(name: str, data: bytes, expected: InputFormat) -> None:
    assert detect_format(name, data) is expected


def test_crlf_srt_keeps_its_newlines() -> None:
    source = _srt().replace("\n", "\r\n")
    output = _translated(source, "crlf.srt")
    assert "\r\n" in output and "\n" not in output.replace("\r\n", "")
    assert _problems(source.replace("\r\n", "\n"), output.replace("\r\n", "\n"), QUOTES) == []


@pytest.mark.parametrize(("name", "text"), [("empty.srt", ""), ("empty.vtt", "WEBVTT\n")])
def test_empty_file_gives_empty_output_and_a_warning(
    tmp_path: Path, name: str, text: str, tiny_marian_dir: Path
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["translate", str(path), "-m", str(tiny_marian_dir)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() in ("", "WEBVTT")
    assert "empty" in result.stderr


def test_output_names_keep_the_subtitle_format() -> None:
    from pathlib import PurePosixPath

    names = output_names(PurePosixPath("a/x.de.srt"), OutputFormat.TEXT, summarize=True)
    assert names == (PurePosixPath("a/x.en.srt"), PurePosixPath("a/x.summary.en.txt"))
    vtt = output_names(PurePosixPath("x.vtt"), OutputFormat.TEXT, summarize=False)
    assert vtt == (PurePosixPath("x.en.vtt"),)


@pytest.mark.slow
def test_cli_with_the_tiny_model_keeps_the_contract(tmp_path: Path, tiny_marian_dir: Path) -> None:
    """The tiny random model emits garbage: every quotation and cue survives its fallbacks."""
    path = tmp_path / "news.de.srt"
    path.write_text(_srt(), encoding="utf-8")
    written = tmp_path / "news.en.srt"
    result = runner.invoke(
        app, ["translate", str(path), "-m", str(tiny_marian_dir), "-o", str(written)]
    )
    assert result.exit_code == 0, result.stderr
    assert _problems(_srt(), written.read_text(encoding="utf-8"), QUOTES) == []
    # Stdout is SRT too, and --format json shows the sentences.
    shown = runner.invoke(app, ["translate", str(path), "-m", str(tiny_marian_dir)])
    assert _problems(_srt(), shown.stdout, QUOTES) == []
    as_json = runner.invoke(app, ["translate", str(path), "-m", str(tiny_marian_dir), "-f", "json"])
    assert '"input_format": "srt"' in as_json.stdout


@pytest.mark.slow
def test_batch_picks_up_subtitles_and_takes_input_format(
    tmp_path: Path, tiny_marian_dir: Path
) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    (inputs / "a.de.srt").write_text(_srt(), encoding="utf-8")
    (inputs / "b.vtt").write_text(_vtt(), encoding="utf-8")
    result = runner.invoke(app, ["batch", str(inputs), "-o", str(out), "-m", str(tiny_marian_dir)])
    assert result.exit_code == 0, result.stderr
    assert _problems(_srt(), (out / "a.en.srt").read_text(encoding="utf-8"), QUOTES) == []
    assert _problems(_vtt(), (out / "b.en.vtt").read_text(encoding="utf-8"), QUOTES) == []
    # --input-format: a subtitle file under a name that says nothing.
    other_in, other_out = tmp_path / "in2", tmp_path / "out2"
    other_in.mkdir()
    (other_in / "clip.txt").write_text(_srt(), encoding="utf-8")
    args = ["batch", str(other_in), "-o", str(other_out), "-m", str(tiny_marian_dir)]
    result = runner.invoke(app, [*args, "--input-format", "srt"])
    assert result.exit_code == 0, result.stderr
    assert _problems(_srt(), (other_out / "clip.en.txt").read_text(encoding="utf-8"), QUOTES) == []


@pytest.mark.parametrize(("name", "text"), [("news.vtt", _vtt()), ("news.srt", _srt())])
def test_summary_follows_the_cues_without_breaking_them(name: str, text: str) -> None:
    source = read_bytes(text.encode("utf-8"), name)
    translator = Translator.from_engines(FakeTranslator(), WholeTextSummarizer())
    result = translator.translate_input(source, summarize=True)
    assert result.summary is not None and result.summary.text.strip()
    output = render_result(source, result, OutputFormat.TEXT)
    cues_end = output.index(_cues(output)[-1][1][-1]) + len(_cues(output)[-1][1][-1])
    subtitles, after = output[:cues_end], output[cues_end:]
    assert _problems(text, subtitles, QUOTES) == []
    if name.endswith(".vtt"):
        assert after.startswith("\n\nNOTE Summary\n")  # a block players skip
        assert "-->" not in after
    else:
        assert after.startswith("\n\n---- Summary ----")
