"""Precision and recall of line joins on hard-wrapped text (segment.parse_document).

Real articles (one paragraph per line) are wrapped by construction, so the true joins are
known: at fixed widths 40, 60 and 72, and with ragged right margins (each line's width
drawn between three quarters of the width and the width, seeded), words hyphenated as
newspapers do (German syllable patterns from pyphen; compounds at their own hyphen).
Paragraphs are separated by a blank line or, as in newspaper columns and OCR, by a bare
line break. A join is a pair of consecutive non-blank lines that ``parse_document`` puts
in one paragraph; a paragraph comes back exactly when its joins and hyphens are right.

Usage: python benchmarks/wrap_eval.py
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyphen  # noqa: E402  (German hyphenation patterns: where newspapers break words)

from translator.segment import parse_document  # noqa: E402

SOURCES = [
    ROOT / "tests" / "data" / "belousov-dprk.de.txt",
    *sorted((ROOT / "tests" / "data" / "real_quotes").glob("*.txt")),
]
WIDTHS = (40, 60, 72)
PARAGRAPHS_PER_DOCUMENT = 6


def _paragraphs(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


_HYPHENATOR = pyphen.Pyphen(lang="de_DE")


def _break(word: str, room: int) -> tuple[str, str] | None:
    """The longest head of ``word`` that fits in ``room`` characters as a typesetter would
    break it: after a hyphen of a compound (Nord-|Süd-Achse, the hyphen kept), or at a
    syllable (Regie-|rung, a hyphen added); None when no head fits."""
    options = [(word[: i + 1], word[i + 1 :]) for i, c in enumerate(word) if c == "-"]
    if any(c.islower() for c in word) and word.strip(".,;:!?()\"'„“”»«").isalpha():
        options += [(head + "-", tail) for head, tail in _HYPHENATOR.iterate(word)]
    fitting = [(h, t) for h, t in options if len(h) <= room and len(h) >= 3 and len(t) >= 2]
    return max(fitting, key=lambda option: len(option[0])) if fitting else None


def _wrap(paragraph: str, width: int, ragged: bool, rng: random.Random) -> list[str]:
    """Greedy fill; a word that does not fit is hyphenated where a head of it fits."""
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
            room = current - len(line) - (1 if line else 0)
            broken = _break(word, room) if len(word) >= 6 else None
            if broken is not None:
                lines.append(f"{line} {broken[0]}" if line else broken[0])
                word = broken[1]
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


def documents() -> Iterator[tuple[str, str, list[bool], list[str]]]:
    """(name, text, joins, paragraphs): joins[i] says whether non-blank line i continues in
    line i+1; paragraphs are the source paragraphs the text was made from."""
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
                        yield name, separator.join(blocks) + "\n", joins[:-1], group


def predicted_joins(text: str) -> list[bool]:
    document = parse_document(text)
    numbers = [n for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    starts = {paragraph.line for paragraph in document.paragraphs}
    return [numbers[i + 1] not in starts for i in range(len(numbers) - 1)]


def measure() -> dict[str, tuple[float, float, int]]:
    """Per kind (fixed/ragged, blank line/none): precision, recall, true joins."""
    counts: dict[str, list[int]] = {}
    for name, text, truth, _ in documents():
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


def exact_paragraphs() -> tuple[int, int]:
    """How many source paragraphs ``parse_document`` gives back exactly (joins and
    hyphenation both right), of how many."""
    exact = total = 0
    for _, text, _, paragraphs in documents():
        found = {paragraph.text for paragraph in parse_document(text).paragraphs}
        exact += sum(1 for paragraph in paragraphs if paragraph in found)
        total += len(paragraphs)
    return exact, total


def main() -> None:
    for key, (precision, recall, total) in sorted(measure().items()):
        print(f"{key:13s} precision={precision:.3f} recall={recall:.3f} true joins={total}")
    exact, total = exact_paragraphs()
    print(f"paragraphs restored exactly: {exact}/{total} ({exact / total:.3f})")


if __name__ == "__main__":
    main()
