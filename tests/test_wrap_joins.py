"""Hard-wrapped text with ragged right margins (issue 24.4): which printed lines are one
paragraph. Expected paragraphs are written by hand, or known by construction
(benchmarks/wrap_eval.py wraps real articles itself)."""

from __future__ import annotations

import pytest

from benchmarks import wrap_eval
from translator import segment
from translator.segment import parse_document

# A newspaper column with a ragged right margin (lines of 50 to 66 characters), with a
# syllable break, a real hyphen compound broken at its hyphen, quoted verse, a list and
# short paragraphs, none separated by a blank line.
COLUMN = """\
Die Bundesregierung hat am Dienstag beschlossen, dass die Nord-
Süd-Achse bis zum Jahr 2030 ausgebaut werden soll. Die
Finanzierung sei gesichert, sagte ein Sprecher der Regie-
rung nach der Sitzung des Kabinetts in der Hauptstadt, und
auch die Länder hätten bereits zugestimmt.
Der Minister zitierte dazu eine alte Bauernregel:
»Wenn der Hahn kräht auf dem Mist,
ändert sich das Wetter
oder es bleibt, wie es ist.«
Danach sprach er über die Kosten des Projekts, die noch
nicht abschließend berechnet sind, und über die Frage, wer
die Mehrkosten am Ende tragen soll, wenn es teurer wird.
Die Opposition kritisierte den Beschluss als übereilt und
kündigte an, im Bundestag eine Anhörung zu beantragen, bei der
auch die Verbände der Bauwirtschaft gehört werden sollen.
- Erstens die Planung
- Zweitens der Bau
Das war alles.
Fragen gab es keine.
"""

COLUMN_PARAGRAPHS = [
    "Die Bundesregierung hat am Dienstag beschlossen, dass die Nord-Süd-Achse bis zum Jahr "
    "2030 ausgebaut werden soll. Die Finanzierung sei gesichert, sagte ein Sprecher der "
    "Regierung nach der Sitzung des Kabinetts in der Hauptstadt, und auch die Länder hätten "
    "bereits zugestimmt.",
    "Der Minister zitierte dazu eine alte Bauernregel:",
    "»Wenn der Hahn kräht auf dem Mist,",
    "ändert sich das Wetter",
    "oder es bleibt, wie es ist.«",
    "Danach sprach er über die Kosten des Projekts, die noch nicht abschließend berechnet "
    "sind, und über die Frage, wer die Mehrkosten am Ende tragen soll, wenn es teurer wird.",
    "Die Opposition kritisierte den Beschluss als übereilt und kündigte an, im Bundestag eine "
    "Anhörung zu beantragen, bei der auch die Verbände der Bauwirtschaft gehört werden sollen.",
    "- Erstens die Planung",
    "- Zweitens der Bau",
    "Das war alles.",
    "Fragen gab es keine.",
]


def test_a_ragged_column_is_joined_into_its_paragraphs() -> None:
    document = parse_document(COLUMN)
    assert [p.text for p in document.paragraphs] == COLUMN_PARAGRAPHS


def test_verse_list_items_and_short_paragraphs_are_never_joined() -> None:
    text = (
        "Wenn der Hahn kräht auf dem Mist,\nändert sich das Wetter\noder es bleibt, wie es ist.\n"
    )
    assert [p.text for p in parse_document(text).paragraphs] == text.splitlines()
    short = "Kurzer Absatz.\nNoch ein kurzer Absatz.\nUnd ein dritter.\nEnde.\n"
    assert [p.text for p in parse_document(short).paragraphs] == short.splitlines()


# Floors a bit below what benchmarks/wrap_eval.py measured (README, text handling):
# precision 0.992, recall 0.956 over all kinds; 0.989 / 0.935 ragged without blank lines.
FLOORS = {"all": (0.98, 0.93), "ragged bare": (0.97, 0.90), "fixed bare": (0.96, 0.95)}


@pytest.fixture(scope="module")
def measured() -> dict[str, tuple[float, float, int]]:
    return wrap_eval.measure()


@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_line_joins_on_constructed_wrapped_articles_stay_above_the_floors(
    measured: dict[str, tuple[float, float, int]], kind: str
) -> None:
    precision, recall, true_joins = measured[kind]
    assert true_joins > 1000
    assert precision >= FLOORS[kind][0]
    assert recall >= FLOORS[kind][1]


def test_meta_the_floors_catch_a_greedy_only_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    greedy = segment._fills_line

    def greedy_only(line: str, next_line: str, width: int) -> bool:
        return (
            greedy(line, next_line, width)
            and len(line) + 1 + len(segment._first_word(next_line)) > width
        )

    monkeypatch.setattr(segment, "_fills_line", greedy_only)
    _, recall, _ = wrap_eval.measure()["ragged bare"]
    assert recall < FLOORS["ragged bare"][1]


def test_meta_the_column_oracle_catches_joining_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segment, "_fills_line", lambda line, next_line, width: True)
    assert [p.text for p in parse_document(COLUMN).paragraphs] != COLUMN_PARAGRAPHS
