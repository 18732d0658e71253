"""Input formats' own cost: PDF pages per second, subtitle cues per second, next to text.

    python -m benchmarks.formats_bench          # about 10 s on 2 cores
    python -m benchmarks.formats_bench --json   # the rows as JSON

Two rows per format: reading alone (PDF: pdfminer.six's layout analysis and ours; subtitles:
parsing and joining cues into sentences; text: decoding), and the whole path with the fake
engine of tests/fakes.py (read, the pipeline with a word-by-word "model", render the output
file: Word for PDF, SRT for subtitles), so the numbers are the format's overhead, not a
model's. Inputs are built here: the three-page news story of tests/pdf_fixtures.py (two
columns, running headers, a table), an SRT of that story's sentences in 2-line cues, and
the sample article as plain text. Each row is the median of 5 runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable

from benchmarks.common import ROOT, timed

ROUNDS = 5


def _median_seconds(work: Callable[[], object]) -> tuple[float, float]:
    """The median wall and CPU seconds of ``work`` (CPU time: what other work on a shared
    machine disturbs less)."""
    cpu: list[float] = []
    walls = timed(work, ROUNDS, cpu)
    return statistics.median(walls), statistics.median(cpu)


def _srt(sentences: list[str], copies: int) -> tuple[bytes, int]:
    """An SRT of ``sentences`` (repeated ``copies`` times), cut into cues of about 80
    characters in two lines; its bytes and cue count."""
    cues: list[str] = []
    for sentence in sentences * copies:
        words, line = sentence.split(), ""
        for word in words:
            if len(line) + len(word) > 80:
                cues.append(line)
                line = ""
            line = f"{line} {word}".strip()
        if line:
            cues.append(line)
    blocks = []
    for number, text in enumerate(cues, start=1):
        seconds = number * 3
        timing = f"00:{seconds // 60 % 60:02d}:{seconds % 60:02d},000 --> "
        timing += f"00:{seconds // 60 % 60:02d}:{seconds % 60:02d},900"
        middle = len(text) // 2
        cut = text.find(" ", middle)
        lines = text if cut < 0 else text[:cut] + "\n" + text[cut + 1 :]
        blocks.append(f"{number}\n{timing}\n{lines}")
    return ("\n\n".join(blocks) + "\n").encode("utf-8"), len(cues)


def measure() -> list[dict[str, object]]:
    sys.path.insert(0, str(ROOT))
    from tests.fakes import FakeTranslator
    from tests.pdf_fixtures import NEWS, news_pdf
    from translator import Translator, formats
    from translator.output import render_result
    from translator.render import OutputFormat

    translator = Translator.from_engines(FakeTranslator())
    pdf = news_pdf()
    pdf_pages = 3
    sentences = [block.text for block in NEWS if block.kind == "paragraph"]
    srt, cues = _srt(sentences, 10)
    text = (ROOT / "tests" / "data" / "belousov-dprk.de.txt").read_bytes()

    def pdf_whole() -> None:
        source = formats.read_bytes(pdf, "news.pdf")
        assert isinstance(source, formats.PdfSource)
        marked = translator.translate(source.document)
        formats.write_file(source, marked)

    def srt_whole() -> None:
        source = formats.read_bytes(srt, "news.srt")
        render_result(source, translator.translate_input(source), OutputFormat.TEXT)

    def text_whole() -> None:
        source = formats.read_bytes(text, "article.txt")
        render_result(source, translator.translate_input(source), OutputFormat.TEXT)

    rows: list[dict[str, object]] = []
    for name, unit, count, size, read, whole in (
        ("pdf", "pages", pdf_pages, len(pdf), lambda: formats.read_bytes(pdf, "n.pdf"), pdf_whole),
        ("srt", "cues", cues, len(srt), lambda: formats.read_bytes(srt, "n.srt"), srt_whole),
        (
            "text",
            "KB",
            len(text) / 1024,
            len(text),
            lambda: formats.read_bytes(text, "a.txt"),
            text_whole,
        ),
    ):
        for step, work in (("read", read), ("read+fake engine+write", whole)):
            seconds, cpu = _median_seconds(work)
            rows.append(
                {
                    "format": name,
                    "step": step,
                    "unit": unit,
                    "per_second": round(count / seconds, 1),
                    "per_cpu_second": round(count / max(cpu, 1e-9), 1),
                    "kb_per_second": round(size / 1024 / seconds, 1),
                    "seconds": round(seconds, 4),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    arguments = parser.parse_args()
    rows = measure()
    if arguments.json:
        print(json.dumps(rows, indent=2))
        return
    print(render_rows(rows))


def render_rows(rows: list[dict[str, object]]) -> str:
    """The rows as a Markdown table (``make bench``'s report)."""
    lines = [
        "| format | step | per second | per CPU second | KB/s |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['format']} | {row['step']} | {row['per_second']} {row['unit']} "
            f"| {row['per_cpu_second']} {row['unit']} | {row['kb_per_second']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
