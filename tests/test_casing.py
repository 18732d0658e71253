"""German casing of ALL-CAPS text (translator/casing.py)."""

from __future__ import annotations

import pytest

from translator.casing import restore_case


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DER MINISTER IST IN MOSKAU.", "Der Minister ist in Moskau."),
        # ß comes back; a sentence's first word is capitalised; mid-sentence "sie" is not.
        ("SIE SAGTE, SIE WEISS ES.", "Sie sagte, sie weiß es."),
        ("DIE STRASSE IST GESPERRT.", "Die Straße ist gesperrt."),
        # Unknown compounds take the casing of their last part.
        ("DIE VERTEIDIGUNGSZUSAMMENARBEIT WÄCHST.", "Die Verteidigungszusammenarbeit wächst."),
        # Unknown names are capitalised, vowel-less acronyms and codes kept.
        ("BELOUSSOW BESUCHT DIE DVRK UND DIE G7.", "Beloussow besucht die DVRK und die G7."),
        # After sentence punctuation, and after a colon and an opening mark, a sentence starts.
        ("ER SAGTE: „WIR KOMMEN.“ DANN GING ER.", "Er sagte: „Wir kommen.“ Dann ging er."),
        ("WIR ESSEN HEUTE.", "Wir essen heute."),
    ],
)
def test_restore_case(text: str, expected: str) -> None:
    assert restore_case(text) == expected


def test_restore_case_changes_nothing_but_case() -> None:
    text = "ÜBER 17 PROZENT DER BÜRGER – SO DIE UMFRAGE – SIND DAFÜR!"
    restored = restore_case(text)
    assert restored.upper() == text
    assert restored == "Über 17 Prozent der Bürger – so die Umfrage – sind dafür!"
