"""Precision and recall of line joins on hard-wrapped text (segment.parse_document).

Real articles (one paragraph per line) are wrapped by construction, so the true joins are
known: at fixed widths 40, 60 and 72, and with ragged right margins (each line's width
drawn between three quarters of the width and the width, seeded), long words broken with
a hyphen as newspapers do. Paragraphs are separated by a blank line or, as in newspaper
columns and OCR, by a bare line break. A join is a pair of consecutive non-blank lines
that ``parse_document`` puts in one paragraph.

Usage: python benchmarks/wrap_eval.py
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translator.segment import parse_document  # noqa: E402

SOURCES = [
    ROOT / "tests" / "data" / "belousov-dprk.de.txt",
    *sorted((ROOT / "tests" / "data" / "real_quotes").glob("*.txt")),
]
WIDTHS = (40, 60, 72)
PARAGRAPHS_PER_DOCUMENT = 6


def _paragraphs(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _wrap(paragraph: str, width: int, ragged: bool, rng: random.Random) -> list[str]:
    """Greedy fill; a word that does not fit and is long is broken with a hyphen."""
    lines: list[str] = []
    line = ""

    def limit() -> int:
        return rng.randint(width * 3 // 4, width) if ragged else width

    current = limit()
    for word in paragraph.split():
        while True:
            candidate = f"{line} {word}" if line else word
            if len(candidate) <= current:
                line = candidate
                break
            room = current - len(line) - (1 if line else 0) - 1
            if len(word) >= 10 and room >= 4 and word.isalpha():
                cut = rng.randint(4, min(room, len(word) - 4))
                lines.append(f"{line} {word[:cut]}-" if line else f"{word[:cut]}-")
                word = word[cut:]
            elif line:
                lines.append(line)
            else:  # a word longer than the line: on a line of its own
                lines.append(word)
                word = ""
            line = ""
            current = limit()
            if not word:
                break
    if line:
        lines.append(line)
    return lines


def documents() -> Iterator[tuple[str, str, list[bool]]]:
    """(name, text, joins): joins[i] says whether non-blank line i continues in line i+1."""
    rng = random.Random(24)
    for path in SOURCES:
        paragraphs = _paragraphs(path)
        for start in range(0, len(paragraphs), PARAGRAPHS_PER_DOCUMENT):
            group = paragraphs[start : start + PARAGRAPHS_PER_DOCUMENT]
            for width in WIDTHS:
                for ragged in (False, True):
                    for separator in ("\n\n", "\n"):
                        lines: list[str] = []
                        joins: list[bool] = []
                        blocks = []
                        for paragraph in group:
                            wrapped = _wrap(paragraph, width, ragged, rng)
                            lines += wrapped
                            joins += [True] * (len(wrapped) - 1) + [False]
                            blocks.append("\n".join(wrapped))
                        name = f"{path.name}:{start} w{width}{'r' if ragged else ''}"
                        yield name, separator.join(blocks) + "\n", joins[:-1]


def predicted_joins(text: str) -> list[bool]:
    document = parse_document(text)
    numbers = [n for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    starts = {paragraph.line for paragraph in document.paragraphs}
    return [numbers[i + 1] not in starts for i in range(len(numbers) - 1)]


def measure() -> dict[str, tuple[float, float, int]]:
    """Per kind (fixed/ragged, blank line/none): precision, recall, true joins."""
    counts: dict[str, list[int]] = {}
    for name, text, truth in documents():
        got = predicted_joins(text)
        kind = ("ragged" if name.endswith("r") else "fixed") + (
            " blank" if "\n\n" in text else " bare"
        )
        for key in (kind, "all"):
            tally = counts.setdefault(key, [0, 0, 0])
            tally[0] += sum(1 for t, g in zip(truth, got, strict=True) if t and g)
            tally[1] += sum(1 for t, g in zip(truth, got, strict=True) if g and not t)
            tally[2] += sum(1 for t, g in zip(truth, got, strict=True) if t and not g)
    return {
        key: (tp / max(1, tp + fp), tp / max(1, tp + fn), tp + fn)
        for key, (tp, fp, fn) in counts.items()
    }


def main() -> None:
    for key, (precision, recall, total) in sorted(measure().items()):
        print(f"{key:13s} precision={precision:.3f} recall={recall:.3f} true joins={total}")


if __name__ == "__main__":
    main()
