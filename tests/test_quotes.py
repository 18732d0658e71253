"""The quotation contract's pure functions (shared/design/quotes.md §1, and §2's protection)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import STYLES, GeneratedDocument, documents, paragraph, quotation

from tests.oracle import contract_marks, contract_styles
from translator import quotes
from translator.quotes import (
    PLACEHOLDER,
    PLACEHOLDER_PATTERN,
    QUOTE_MARKS,
    QuotePiece,
    find_quotes,
    mask_quotes,
    neutralize_marks,
    split_marks,
    target_marks,
    unmask,
)
from translator.schema import QuoteMarks
from translator.segment import split_sentences

SAMPLE = Path(__file__).parent / "data" / "belousov-dprk.de.txt"


def texts(paragraphs: list[str]) -> list[str]:
    return [quotation.text for quotation in find_quotes(paragraphs).quotations]


# --- Styles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "quote"),
    [
        ("Er sagte „Wir kommen morgen“ und ging.", "„Wir kommen morgen“"),
        ("Er sagte „Wir kommen morgen” und ging.", "„Wir kommen morgen”"),
        ('Er sagte „Wir kommen morgen" und ging.', '„Wir kommen morgen"'),
        ("Er sagte “Wir kommen morgen” und ging.", "“Wir kommen morgen”"),
        ('Er sagte "Wir kommen morgen" und ging.', '"Wir kommen morgen"'),
        ("Er sagte »Wir kommen morgen« und ging.", "»Wir kommen morgen«"),
        ("Er sagte «Wir kommen morgen» und ging.", "«Wir kommen morgen»"),
        ("Er sagte ‚Wir kommen morgen‘ und ging.", "‚Wir kommen morgen‘"),
        ("Er sagte ›Wir kommen morgen‹ und ging.", "›Wir kommen morgen‹"),
        ("Er sagte ‹Wir kommen morgen› und ging.", "‹Wir kommen morgen›"),
        ("Er sagte 'Wir kommen morgen' und ging.", "'Wir kommen morgen'"),
    ],
)
def test_each_style_is_one_quotation_with_its_marks(sentence: str, quote: str) -> None:
    scan = find_quotes([sentence])
    assert [q.text for q in scan.quotations] == [quote]
    piece = scan.quotations[0].pieces[0]
    assert piece == QuotePiece(0, sentence.index(quote), sentence.index(quote) + len(quote),
                               quote[0], quote[-1])  # fmt: skip
    assert scan.warnings == ()


def test_typewriter_quotes_pair_by_context() -> None:
    text = 'Er nannte es "gut", sie "schlecht" und (",,"-Zeichen sind selten) "ja".'
    assert texts([text]) == ['"gut"', '"schlecht"', '",,"', '"ja"']


def test_typewriter_quote_after_colon_dash_and_bracket_opens() -> None:
    text = 'Er sagte:"Ja." Sie rief –"Nein!" (und "vielleicht")'
    assert texts([text]) == ['"Ja."', '"Nein!"', '"vielleicht"']


def test_typewriter_mark_after_sentence_punctuation_closes_and_never_opens() -> None:
    # Goethe, Werther: the opening mark of the second quotation is malformed (a space after
    # it), so the " after "?" closes nothing; it must not open and pair with the " after the
    # dash, which would invent the quotation "—" and lose "O".
    text = (
        '"Vetter?" sagte ich, indem ich ihr die Hand reichte," glauben Sie, daß ich des Glücks '
        'wert sei, mit Ihnen verwandt zu sein?"—"O", sagte sie, "unsere Vetterschaft ist weit".'
    )
    scan = find_quotes([text])
    assert [q.text for q in scan.quotations] == [
        '"Vetter?"',
        '"O"',
        '"unsere Vetterschaft ist weit"',
    ]
    assert len(scan.warnings) == 2  # the two stray marks, each named
    assert texts(['Sie rief "Halt!"—"Nein!"']) == ['"Halt!"', '"Nein!"']
    assert texts(['Er fragte, ob es wahr sei?"—"Ja"']) == ['"Ja"']
    assert texts(["Er fragte, ob es wahr sei?'—'Ja'"]) == ["'Ja'"]


def test_typewriter_mark_after_a_comma_opens_or_closes_by_what_is_open() -> None:
    # Real text glues either kind to a comma (Werther: vergeben,"antwortete jene,"an ...).
    text = '"Sie ist schon vergeben,"antwortete jene,"an einen sehr braven Mann".'
    assert texts([text]) == ['"Sie ist schon vergeben,"', '"an einen sehr braven Mann"']


def test_typewriter_mark_after_colon_dash_or_bracket_opens_even_inside_a_quotation() -> None:
    assert texts(['„Er sagte:"Ja." und ging“']) == ['„Er sagte:"Ja." und ging“']
    assert texts(['"Er sagte:"nein" und ging"']) == ['"Er sagte:"nein" und ging"']
    assert texts(['„Er rief —"Halt!" und lief“']) == ['„Er rief —"Halt!" und lief“']
    # At the end of a quotation, with nothing after it, such a mark still closes.
    assert texts(['„Ich meine —" sagte er.']) == ['„Ich meine —"']


def test_german_opening_mark_closed_by_typewriter_mark() -> None:
    # Grimm, Kinder- und Hausmärchen, as transcribed on de.wikisource.
    text = (
        '„Weißt du was, Mann," antwortete die Frau, „wir wollen Morgen in aller Frühe die '
        'Kinder hinaus in den Wald führen." „Sei still und weine nicht", antwortete der '
        'Frosch, „was gibst du mir, wenn ich dein Spielwerk wieder heraufhole"?'
    )
    scan = find_quotes([text])
    assert [q.text for q in scan.quotations] == [
        '„Weißt du was, Mann,"',
        '„wir wollen Morgen in aller Frühe die Kinder hinaus in den Wald führen."',
        '„Sei still und weine nicht"',
        '„was gibst du mir, wenn ich dein Spielwerk wieder heraufhole"',
    ]
    assert {q.pieces[0].closing for q in scan.quotations} == {'"'}
    assert scan.warnings == ()


def test_typewriter_quotation_nested_in_german_marks_stays_nested() -> None:
    for quote in [
        '„Er sagte "nein" und ging"',
        '„Er sagte "nein" und ging“',
        '"Er sagte „nein" und ging"',
    ]:
        assert texts([f"Dann: {quote}, schrieb sie."]) == [quote]


def test_quotation_in_german_marks_closed_by_typewriter_mark_continues_over_paragraphs() -> None:
    paragraphs = ["Er sagte: „Wir sind bereit.", '„Wir bleiben," schloss er.']
    assert texts(paragraphs) == ['„Wir sind bereit.\n„Wir bleiben,"']


def test_lone_closing_guillemet_after_a_space_closes() -> None:
    # Kafka, Die Verwandlung: »dann wäre vielleicht ein Übereinkommen mit ihm möglich. Aber so - «
    scan = find_quotes(["»Wenn er uns verstünde,« wiederholte der Vater, »Aber so - «"])
    assert [q.text for q in scan.quotations] == ["»Wenn er uns verstünde,«", "»Aber so - «"]
    assert scan.warnings == ()
    assert texts(["«Aber so - » sagte er."]) == ["«Aber so - »"]
    # A lone typewriter mark or apostrophe stays ambiguous: it closes nothing.
    assert texts(['"Aber so - " sagte er.']) == []
    assert texts(["'feiner Herr! Euer Namenstag ' etc."]) == []


def test_nested_quotations_belong_to_the_outer_one() -> None:
    cases = [
        "„Er sagte ‚nein‘ und ging“",
        "»Er sagte ›nein‹ und ging«",
        '"Er sagte "nein" und ging"',
        "„Er sagte „nein“ und ging“",
        "“He said ‘no’ and left”",
        "„Sie rief »Halt!« und 'weg'“",
    ]
    for quote in cases:
        assert texts([f"Dann: {quote}, schrieb sie."]) == [quote]


def test_quotation_spanning_sentences_is_one() -> None:
    quote = "„Wir kommen. Wir bleiben! Wer will uns aufhalten?“"
    assert texts([f"Er sagte: {quote} Dann ging er."]) == [quote]


def test_quotation_continues_into_paragraph_opening_with_the_same_mark() -> None:
    paragraphs = [
        "Der Minister sagte: „Wir sind bereit.",
        "„Wir bleiben.",
        "„Das ist alles“, schloss er.",
        "Danach „kein Zitat mehr“.",
    ]
    scan = find_quotes(paragraphs, lines=[3, 5, 7, 9])
    first, second = scan.quotations
    assert first.text == "„Wir sind bereit.\n„Wir bleiben.\n„Das ist alles“"
    assert first.pieces == (
        QuotePiece(0, 20, 37, "„", ""),
        QuotePiece(1, 0, 13, "„", ""),
        QuotePiece(2, 0, 15, "„", "“"),
    )
    assert second.text == "„kein Zitat mehr“"
    assert [q.index for q in scan.quotations] == [0, 1]
    assert scan.warnings == ()


def test_open_quotation_not_continued_is_unbalanced_and_later_ones_are_found() -> None:
    paragraphs = [
        "Einleitung ohne Zitat.",
        "Er sagte „Wir kommen morgen und ging.",
        "Sie sagte »Gut« und „schön“.",
    ]
    scan = find_quotes(paragraphs, lines=[1, 3, 5])
    assert [q.text for q in scan.quotations] == ["»Gut«", "„schön“"]
    assert [q.pieces[0].paragraph for q in scan.quotations] == [2, 2]
    assert [w.line for w in scan.warnings] == [3]
    assert "„" in scan.warnings[0].message


def test_unclosed_mark_keeps_quotations_inside_its_paragraph() -> None:
    scan = find_quotes(['Er sagte „Hallo und dann "Tschüss" zu ihr.'])
    assert [q.text for q in scan.quotations] == ['"Tschüss"']
    assert len(scan.warnings) == 1


def test_stray_closing_mark_warns_and_is_text() -> None:
    scan = find_quotes(["Ein Satz.", "Er ging“ weg. Dann „ja“."], lines=[10, 12])
    assert [q.text for q in scan.quotations] == ["„ja“"]
    assert [w.line for w in scan.warnings] == [12]


def test_warning_names_the_line_inside_a_hard_wrapped_paragraph() -> None:
    scan = find_quotes(["Erste Zeile\nzweite „offen\ndritte"], lines=[4])
    assert [w.line for w in scan.warnings] == [5]


def test_unclosed_quotation_at_document_end_warns() -> None:
    scan = find_quotes(["Er sagte: „Wir sind bereit."])
    assert scan.quotations == ()
    assert [w.line for w in scan.warnings] == [1]


def test_mixed_styles_in_one_paragraph() -> None:
    text = '„Eins“, “zwei”, "drei", »vier«, «fünf», ‚sechs‘, ›sieben‹, \'acht\', „neun” und „zehn".'
    assert texts([text]) == [
        "„Eins“",
        "“zwei”",
        '"drei"',
        "»vier«",
        "«fünf»",
        "‚sechs‘",
        "›sieben‹",
        "'acht'",
        "„neun”",
        '„zehn"',
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Wie geht's? Hans' Auto ist alt, die '90er sind vorbei, hätt' ich das gewusst.",
        "Er hat 'nen Hund und 's Wirtshaus ist zu, Rock 'n' Roll.",
        "I don't know why Russia's ministers' meeting failed, Andreas’ Rad, don’t.",
        "Wie geht’s? Das war’s. Gibt‘s das?",
    ],
)
def test_apostrophes_are_never_quotation_marks(text: str) -> None:
    scan = find_quotes([text])
    assert scan.quotations == ()
    assert scan.warnings == ()


def test_apostrophes_inside_quotations_do_not_end_them() -> None:
    quote = "'Das geht's nicht, don't, die '90er'"
    assert texts([f"Er sagte {quote}, Hans' Auto."]) == [quote]
    quote = "‚Das geht’s nicht‘"
    assert texts([f"Er sagte {quote}."]) == [quote]


def test_sample_article_has_exactly_seven_quotations() -> None:
    paragraphs = SAMPLE.read_text(encoding="utf-8").splitlines()
    scan = find_quotes(paragraphs)
    assert [(q.pieces[0].paragraph, q.text[:30]) for q in scan.quotations] == [
        (1, '"Im Rahmen des offiziellen Bes'),
        (3, '"Heute werden die freundschaft'),
        (4, '"die heutigen Gespräche dazu d'),
        (6, '"Diese kontinuierlich zu stärk'),
        (7, '"der Austausch und die Zusamme'),
        (8, '"Wir wissen das zu schätzen."'),
        (9, '"ein Schlüsselmoment für den A'),
    ]
    assert all(q.text.endswith('"') for q in scan.quotations)
    assert scan.warnings == ()


def test_lines_must_match_paragraphs() -> None:
    with pytest.raises(ValueError):
        find_quotes(["a", "b"], lines=[1])


@pytest.mark.timeout(10)  # linear: well under a second; quadratic: billions of steps
def test_many_unclosed_marks_do_not_take_quadratic_time() -> None:
    # 50 000 open marks that nothing closes, then closing marks of another style: a scan
    # that searched the stack for each closing mark would take billions of steps.
    text = "»a " * 50_000 + "b“ " * 50_000 + "„ja“"
    scan = find_quotes([text])
    assert [q.text for q in scan.quotations] == ["„ja“"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_property_finds_exactly_the_generated_quotations(document: GeneratedDocument) -> None:
    scan = find_quotes(list(document.paragraphs))
    assert tuple(q.text for q in scan.quotations) == document.quotations
    assert scan.warnings == ()
    for quotation_ in scan.quotations:
        for piece in quotation_.pieces:
            piece_text = document.paragraphs[piece.paragraph][piece.start : piece.end]
            assert piece_text.startswith(piece.opening)
            assert piece_text.endswith(piece.closing)


# --- neutralize_marks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_output", "neutral"),
    [
        ('He said "we are ready" and left.', "He said we are ready and left."),
        ("“We are ready”, he said.", "We are ready, he said."),
        ('He said: " we are ready " .', "He said: we are ready."),
        ("It was „good“, ‚fine‘, »great«, «nice».", "It was good, fine, great, nice."),
        ("He said 'no' to Russia's plan, don't.", "He said no to Russia's plan, don't."),
        ("The ministers' meeting, ‘no’ and don’t.", "The ministers' meeting, no and don’t."),
        ('the"war"is over', "the war is over"),
        ("in the '90s 'n' stuff", "in the '90s 'n' stuff"),
        ('"\nLine two"', "\nLine two"),
    ],
)  # fmt: skip
def test_neutralize_marks_removes_marks_and_keeps_apostrophes(
    model_output: str, neutral: str
) -> None:
    assert neutralize_marks(model_output) == neutral


_MARKY_TEXT = st.text(
    alphabet=st.sampled_from(list("\"“”„»«›‹‚‘’'") + list("ab Zü1.,:;(-–\n")), max_size=60
)
# Marks that are never apostrophes (docs/quotes.md §1): none may survive neutralizing.
_NEVER_APOSTROPHES = contract_marks() - {"'", "‘", "’"}


def _check_neutral(text: str, neutral: str) -> None:
    """What neutralize_marks promises, checked against the contract's table (read from
    docs/quotes.md, not from the code's tables): no mark that could open or close a
    quotation is left, only apostrophes, each with a letter or digit beside it."""
    assert _NEVER_APOSTROPHES  # the table was read
    assert not _NEVER_APOSTROPHES & set(neutral), neutral
    for at, character in enumerate(neutral):
        if character in "'‘’":
            before = neutral[at - 1] if at else ""
            after = neutral[at + 1] if at + 1 < len(neutral) else ""
            assert before.isalnum() or after.isalnum(), (neutral, at)
    if "  " not in text:
        assert "  " not in neutral  # the removal leaves no double space behind


@settings(max_examples=500, deadline=None)
@given(_MARKY_TEXT)
def test_property_neutralized_text_contains_no_quotation(text: str) -> None:
    neutral = quotes.neutralize_marks(text)
    _check_neutral(text, neutral)
    assert find_quotes(neutral.split("\n")).quotations == ()  # and the finder agrees


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_property_neutralize_any_text(text: str) -> None:
    _check_neutral(text, quotes.neutralize_marks(text))


@pytest.mark.parametrize("forgotten", ["»«", "‹›", "„"])
def test_the_neutral_oracle_fails_a_neutralizer_that_forgets_marks(forgotten: str) -> None:
    """A table that lost a style would blind both the finder and neutralize_marks; the
    oracle reads the document instead, so it still sees the marks left behind."""
    text = "Er sagte »ja« und ‹nein› und „vielleicht“."

    def forgetful(value: str) -> str:
        kept = {mark: f"\ue000{ord(mark)}\ue001" for mark in forgotten}
        for mark, stand_in in kept.items():
            value = value.replace(mark, stand_in)
        value = neutralize_marks(value)
        for mark, stand_in in kept.items():
            value = value.replace(stand_in, mark)
        return value

    _check_neutral(text, neutralize_marks(text))
    with pytest.raises(AssertionError):
        _check_neutral(text, forgetful(text))


# --- split_marks / target_marks ------------------------------------------------------------


def test_split_marks() -> None:
    assert split_marks("„Wir kommen“") == ("„", "Wir kommen", "“")
    assert split_marks("„Wir kommen") == ("„", "Wir kommen", "")
    assert split_marks('„Wir kommen"') == ("„", "Wir kommen", '"')
    assert split_marks('"Er sagte "nein""') == ('"', 'Er sagte "nein"', '"')
    assert split_marks("„Er sagte „nein“") == ("„", "Er sagte „nein“", "")


def test_target_marks() -> None:
    assert target_marks("„", "“", QuoteMarks.ORIGINAL) == ("„", "“")
    assert target_marks("»", "«", QuoteMarks.ENGLISH) == ("“", "”")
    assert target_marks("'", "'", QuoteMarks.ASCII) == ('"', '"')
    assert target_marks("„", "", QuoteMarks.ENGLISH) == ("“", "")
    assert target_marks("„", "", QuoteMarks.ORIGINAL) == ("„", "")


# --- mask_quotes / unmask ------------------------------------------------------------------

SENTENCE = 'Er sagte „Wir kommen“ und dann "Tschüss".'
SPANS = [(9, 21), (31, 40)]


def test_mask_quotes_replaces_spans_with_numbered_placeholders() -> None:
    masked, placeholders = mask_quotes(SENTENCE, SPANS)
    assert placeholders == (PLACEHOLDER.format(n=1), PLACEHOLDER.format(n=2))
    assert masked == f"Er sagte {placeholders[0]} und dann {placeholders[1]}."
    assert [m.group(0) for m in PLACEHOLDER_PATTERN.finditer(masked)] == list(placeholders)


def test_mask_quotes_sets_glued_placeholder_apart() -> None:
    masked, (placeholder,) = mask_quotes("dass„ja“kommt", [(4, 8)])
    assert masked == f"dass {placeholder} kommt"


def test_mask_quotes_rejects_overlapping_spans() -> None:
    with pytest.raises(ValueError):
        mask_quotes(SENTENCE, [(9, 21), (20, 25)])


def test_unmask_round_trip_is_faithful() -> None:
    masked, placeholders = mask_quotes(SENTENCE, SPANS)
    originals = [SENTENCE[start:end] for start, end in SPANS]
    assert unmask(masked, placeholders, originals) == SENTENCE
    translated = f'He said "{placeholders[0]}" and then {placeholders[1]}.'
    assert unmask(translated, placeholders, originals) == 'He said „Wir kommen“ and then "Tschüss".'


def test_unmask_removes_the_models_own_marks() -> None:
    translated = "He said “QZX1” and „called“ it 'good'."
    assert (
        unmask(translated, ["QZX1"], ["„Wir kommen“"]) == "He said „Wir kommen“ and called it good."
    )


def test_unmask_gives_a_glued_typewriter_quote_its_space() -> None:
    restored = unmask(
        "He saidQZX1, then left.".replace("saidQZX1", 'said"QZX1"'), ["QZX1"], ['"ja"']
    )
    assert restored == 'He said "ja", then left.'
    assert texts([restored or ""]) == ['"ja"']


@pytest.mark.parametrize(
    "translated",
    [
        "He said and then QZX2.",  # dropped
        "He said QZX1 and then QZX1 QZX2.",  # duplicated
        "He said QZX2 and then QZX1.",  # reordered
        "He said qzx1 and then QZX2.",  # re-cased
        "He said QZX 1 and then QZX2.",  # split
        "He said QZX1s and then QZX2.",  # glued to a letter
        "He said QZX1 and then QZX2 and QZX3.",  # invented
        "He said QZX1 and then QZX-2.",  # hyphenated
        "He said QZX1 and then QZX.",  # number dropped
    ],
)
def test_unmask_rejects_broken_placeholders(translated: str) -> None:
    assert unmask(translated, ["QZX1", "QZX2"], ["„Wir kommen“", '"Tschüss"']) is None


def test_unmask_rejects_renderings_that_would_pair_with_model_text() -> None:
    # A piece that continues in the next paragraph must not be closed by the model's text.
    assert unmask("He said QZX1 and ministers’ plan.", ["QZX1"], ["‚Wir kommen"]) is None


# Built once: hypothesis validates each strategy object it is given, which costs far more
# than the draw itself when a fresh one is built for every draw.
_ACTIONS = st.integers(0, 3)
_ACTION = st.sampled_from(["marks", "drop", "duplicate", "swap", "mangle", "glue", "words"])
_STRAY_MARK = st.sampled_from(list("\"“”„»«›‹‚‘’'") + [' "', '" ', " '"])


@cache
def _index(size: int) -> st.SearchStrategy[int]:
    return st.integers(0, size - 1)


def _adversary(masked: str, placeholders: tuple[str, ...], data: st.DataObject) -> str:
    """What a translation model might make of the masked text."""
    out = masked
    for _ in range(data.draw(_ACTIONS)):
        action = data.draw(_ACTION)
        if action == "marks" or not placeholders:
            at = data.draw(_index(len(out) + 1))
            out = out[:at] + data.draw(_STRAY_MARK) + out[at:]
            continue
        chosen = placeholders[data.draw(_index(len(placeholders)))]
        if action == "drop":
            out = out.replace(chosen, "", 1)
        elif action == "duplicate":
            out = out.replace(chosen, f"{chosen} {chosen}", 1)
        elif action == "swap" and len(placeholders) > 1:
            first, second = placeholders[0], placeholders[-1]
            out = out.replace(first, "\0").replace(second, first).replace("\0", second)
        elif action == "mangle":
            mangled = (chosen.lower(), chosen + "s", chosen[:-1])
            out = out.replace(chosen, mangled[data.draw(_index(len(mangled)))])
        elif action == "glue":
            out = out.replace(chosen, f'said"{chosen}"')
        else:  # "words", and "swap" with a single placeholder
            out = " ".join(
                "word" if not PLACEHOLDER_PATTERN.fullmatch(w) else w for w in out.split()
            )
    return out


def _known_spans(text: str, known: Sequence[str]) -> list[tuple[int, int]]:
    """Where the quotations known by construction stand in ``text``, in order."""
    spans, cursor = [], 0
    for quote in known:
        start = text.index(quote, cursor)
        spans.append((start, start + len(quote)))
        cursor = start + len(quote)
    return spans


_BENIGN = st.sampled_from(["word", "word", "word", "stray", "wrap"])
_STRAY_TOKEN = st.sampled_from(list("\"“”„»«›‹‚‘’'"))
_WRAP = st.sampled_from([("“", "”"), ("„", "“"), ('"', '"'), ("»", "«"), ("‚", "‘")])


def _benign_output(placeholders: Sequence[str], data: st.DataObject) -> tuple[str, list[str]]:
    """A model output that keeps every placeholder once, in order, around words of its own,
    stray quotation marks and marks around a placeholder: unmask must accept it. Returns
    the output and the tokens the restored text must hold (None stands for a rendering)."""
    tokens: list[str] = []
    expected: list[str] = []
    for placeholder in [*placeholders, None]:
        for _ in range(data.draw(_ACTIONS)):
            kind = data.draw(_BENIGN)
            if kind == "stray":
                tokens.append(data.draw(_STRAY_TOKEN))
            else:
                tokens.append("word")
                expected.append("word")
        if placeholder is None:
            break
        if data.draw(_BENIGN) == "wrap":
            opening, closing = data.draw(_WRAP)
            tokens.append(f"{opening}{placeholder}{closing}")
        else:
            tokens.append(placeholder)
        expected.append(placeholder)
    return " ".join(tokens), expected


def _check_unmask_accepts(
    text: str, known: Sequence[str], renderings: Sequence[str], data: st.DataObject
) -> None:
    masked, placeholders = mask_quotes(text, _known_spans(text, known))
    assert len(placeholders) == len(known)
    output, expected = _benign_output(placeholders, data)
    restored = quotes.unmask(output, placeholders, renderings)
    assert restored is not None, (output, renderings)
    by_placeholder = dict(zip(placeholders, renderings, strict=True))
    want = " ".join(by_placeholder.get(token, token) for token in expected)
    assert " ".join(restored.split()) == " ".join(want.split())


def _check_unmask_refuses(
    text: str, known: Sequence[str], renderings: Sequence[str], damage: str
) -> None:
    masked, placeholders = mask_quotes(text, _known_spans(text, known))
    first = placeholders[0]
    damaged = {
        "drop": masked.replace(first, "", 1),
        "duplicate": masked.replace(first, f"{first} {first}", 1),
        "mangle": masked.replace(first, first.lower(), 1),
        "split": masked.replace(first, " ".join(first), 1),
        "invent": f"{masked} {PLACEHOLDER.format(n=len(placeholders) + 1)}",
        "swap": masked.replace(first, "\0")
        .replace(placeholders[-1], first)
        .replace("\0", placeholders[-1]),
    }[damage]
    assert quotes.unmask(damaged, placeholders, renderings) is None, (damage, damaged)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraph(), st.data())
def test_property_unmask_restores_exactly_the_renderings(
    drawn: tuple[str, list[str]], data: st.DataObject
) -> None:
    """Every placeholder kept once, in order: the restored text is the model's words with
    the renderings (drawn by construction) where the placeholders stood, and no other mark."""
    text, known = drawn
    renderings = [data.draw(quotation()) for _ in known]
    _check_unmask_accepts(text, known, renderings, data)


_DAMAGE = st.sampled_from(["drop", "duplicate", "mangle", "split", "invent", "swap"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraph(), _DAMAGE, st.data())
def test_property_unmask_refuses_a_damaged_placeholder(
    drawn: tuple[str, list[str]], damage: str, data: st.DataObject
) -> None:
    text, known = drawn
    if not known or (damage == "swap" and len(known) < 2):
        return  # nothing to damage: the other examples carry the property
    renderings = [data.draw(quotation()) for _ in known]
    _check_unmask_refuses(text, known, renderings, damage)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraph(), st.data())
def test_property_unmask_survives_any_damage_or_refuses(
    drawn: tuple[str, list[str]], data: st.DataObject
) -> None:
    """Robustness on arbitrary damage: a result, when there is one, is the renderings."""
    text, known = drawn
    masked, placeholders = mask_quotes(text, _known_spans(text, known))
    renderings = [data.draw(quotation()) for _ in placeholders]
    restored = unmask(_adversary(masked, placeholders, data), placeholders, renderings)
    if restored is not None:
        assert texts([restored]) == renderings


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraph())
def test_property_unmask_of_untouched_mask_gives_the_source_back(
    drawn: tuple[str, list[str]],
) -> None:
    text, known = drawn
    masked, placeholders = mask_quotes(text, _known_spans(text, known))
    assert unmask(masked, placeholders, known) == text


_SOURCE = "Er sagte „Wir kommen“ und dann »Nein« und ging."
_KNOWN = ["„Wir kommen“", "»Nein«"]
_RENDERINGS = ["“We are coming”", "“No”"]


class _Draws:
    """A stand-in for hypothesis' data object: the first choice of every strategy."""

    def draw(self, strategy: st.SearchStrategy[object]) -> object:
        if strategy is _ACTIONS:
            return 1
        if strategy is _BENIGN:
            return "word"
        raise AssertionError(strategy)


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(lambda translated, placeholders, renderings: None, id="always-refuses"),
        pytest.param(lambda translated, placeholders, renderings: translated, id="no-restore"),
        pytest.param(
            lambda translated, placeholders, renderings: translated.replace(
                placeholders[0], renderings[0]
            ),
            id="restores-only-the-first",
        ),
    ],
)
def test_the_unmask_oracles_fail_a_broken_unmask(
    monkeypatch: pytest.MonkeyPatch, broken: Callable[..., str | None]
) -> None:
    data: Any = _Draws()
    _check_unmask_accepts(_SOURCE, _KNOWN, _RENDERINGS, data)  # the real unmask passes
    for damage in ("drop", "swap"):
        _check_unmask_refuses(_SOURCE, _KNOWN, _RENDERINGS, damage)
    monkeypatch.setattr(quotes, "unmask", broken)
    with pytest.raises(AssertionError):
        _check_unmask_accepts(_SOURCE, _KNOWN, _RENDERINGS, data)
        for damage in ("drop", "swap"):
            _check_unmask_refuses(_SOURCE, _KNOWN, _RENDERINGS, damage)


CONTRACT_STYLES = sorted(contract_styles())


def _check_style(opening: str, closing: str) -> None:
    assert texts([f"Er sagte {opening}ja{closing}."]) == [f"{opening}ja{closing}"]


@pytest.mark.parametrize(("opening", "closing"), CONTRACT_STYLES)
def test_every_style_of_the_contract_is_found(opening: str, closing: str) -> None:
    _check_style(opening, closing)


def test_the_style_check_fails_a_finder_that_forgets_a_style(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = find_quotes

    def forgetful(paragraphs: Sequence[str], lines: Any = None) -> Any:
        scan = real(paragraphs, lines)
        kept = tuple(q for q in scan.quotations if not q.text.startswith("»"))
        return type(scan)(kept, scan.warnings)

    monkeypatch.setitem(globals(), "find_quotes", forgetful)
    with pytest.raises(AssertionError):
        for opening, closing in CONTRACT_STYLES:
            _check_style(opening, closing)


def test_the_code_the_generator_and_the_document_share_one_table() -> None:
    """docs/quotes.md §1 is the contract; the code's table (``QUOTE_MARKS``) and the test
    generator's (``strategies.STYLES``, typed by hand) must both be exactly it."""
    code = {(opening, closing) for opening, closers in QUOTE_MARKS.items() for closing in closers}
    assert len(CONTRACT_STYLES) >= 10  # the document's table was read
    assert code == set(CONTRACT_STYLES)
    assert set(STYLES) == set(CONTRACT_STYLES)


@pytest.mark.parametrize(("opening", "closing"), CONTRACT_STYLES)
def test_segmentation_and_finder_agree_on_every_style(opening: str, closing: str) -> None:
    """Sentence splitting knows every mark of the contract: a quotation that ends a
    sentence ends it with its closing mark, and one that starts a sentence starts it."""
    first = f"Er sagte: {opening}Wir gehen jetzt.{closing}"
    second = f"{opening}Ja.{closing}"
    text = f"{first} {second} Dann ging er."
    assert texts([text]) == [f"{opening}Wir gehen jetzt.{closing}", second]
    assert [text[a:b].strip() for a, b in split_sentences(text)] == [
        first,
        second,
        "Dann ging er.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Er fragte ‚Wie geht‘s?‘ und ging.", ["‚Wie geht‘s?‘"]),
        ("Er fragte ‚Wie geht’s?‘ und ging.", ["‚Wie geht’s?‘"]),
        ("Sie rief ‚Hier gibt’s nichts‘, dann ging sie.", ["‚Hier gibt’s nichts‘"]),
        ("Sie rief ‚Hier gibt‘s nichts‘, dann ging sie.", ["‚Hier gibt‘s nichts‘"]),
        ("‚Das ist Hans‘ Auto‘, sagte er.", ["‚Das ist Hans‘ Auto‘"]),
        ("‚Das sind Marx’ Thesen‘, sagte sie.", ["‚Das sind Marx’ Thesen‘"]),
        ("Das ist Hans‘ Auto, sagte er.", []),
        ("‚Frag Hans‘, sagte sie.", ["‚Frag Hans‘"]),  # nothing later closes: it closes
        ("Er sagte ‚Wir kommen in die '90er‘ und lachte.", ["‚Wir kommen in die '90er‘"]),
        ("„Er rief: ‚Gibt‘s das?‘ und lachte.“", ["„Er rief: ‚Gibt‘s das?‘ und lachte.“"]),
    ],
)
def test_apostrophes_never_close_a_single_quotation(text: str, expected: list[str]) -> None:
    scan = find_quotes([text])
    assert [quotation.text for quotation in scan.quotations] == expected
    assert scan.warnings == ()


def test_nested_target_marks_follow_the_style() -> None:
    assert target_marks("‚", "‘", QuoteMarks.ENGLISH, depth=1) == ("‘", "’")
    assert target_marks("‚", "‘", QuoteMarks.ASCII, depth=1) == ("'", "'")
    assert target_marks("‚", "‘", QuoteMarks.ORIGINAL, depth=1) == ("‚", "‘")
    assert target_marks("„", "“", QuoteMarks.ENGLISH, depth=2) == ("“", "”")
