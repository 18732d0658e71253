"""Item 24.7: the N best other translations of each sentence (``alternatives=N``).

Quotations kept verbatim stay verbatim in every alternative; an alternative whose
placeholders did not survive is dropped, never repaired. Oracles by construction: the
fake's alternatives are its translation plus a known suffix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import AlternativeDroppingTranslator, FakeTranslator, ScoringTranslator
from translator import Translator
from translator.engines import load_translator
from translator.options import Options
from translator.pipeline import translate_document
from translator.schema import QuoteMode

QUOTE = "„Wir geben nicht nach.“"
ARTICLE = f"Der Minister sagte {QUOTE} und ging.\n\nDie Regierung ist in Berlin."


def sentences(result):  # type: ignore[no-untyped-def]
    return [s for p in result.paragraphs for s in p.sentences]


def test_plain_sentence_gets_n_alternatives_best_first() -> None:
    result = translate_document(ARTICLE, ScoringTranslator(), Options(alternatives=2))
    plain = sentences(result)[-1]
    assert [a.text for a in plain.alternatives] == [
        f"{plain.translation} (v1)",
        f"{plain.translation} (v2)",
    ]
    step = ScoringTranslator.ALTERNATIVE_STEP
    assert [a.score for a in plain.alternatives] == [
        ScoringTranslator.STRONG_SCORE - step,
        ScoringTranslator.STRONG_SCORE - 2 * step,
    ]


def test_kept_quotation_stays_verbatim_in_every_alternative() -> None:
    result = translate_document(ARTICLE, ScoringTranslator(), Options(alternatives=3))
    quoted = sentences(result)[0]
    assert QUOTE in quoted.source
    assert len(quoted.alternatives) == 3
    for alternative in quoted.alternatives:
        assert alternative.text.count(QUOTE) == 1


def test_an_alternative_that_loses_a_placeholder_is_dropped_not_repaired() -> None:
    result = translate_document(ARTICLE, AlternativeDroppingTranslator(), Options(alternatives=3))
    quoted, plain = sentences(result)[0], sentences(result)[-1]
    # The first alternative lost the quotation's placeholder: dropped; the others remain.
    assert [a.text[-4:] for a in quoted.alternatives] == ["(v2)", "(v3)"]
    assert len(quoted.alternatives) == 2
    assert all(QUOTE in a.text for a in quoted.alternatives)
    assert len(plain.alternatives) == 3  # no placeholder to lose: nothing dropped


def test_translated_quotations_appear_translated_in_every_alternative() -> None:
    options = Options(alternatives=2, quotes=QuoteMode.TRANSLATE)
    result = translate_document(ARTICLE, ScoringTranslator(), options)
    quoted = sentences(result)[0]
    rendered = result.quotes[0].rendered
    assert rendered != QUOTE and rendered in quoted.translation
    assert quoted.alternatives and all(rendered in a.text for a in quoted.alternatives)


def test_no_alternatives_unless_asked() -> None:
    engine = ScoringTranslator()
    result = translate_document(ARTICLE, engine)
    assert all(not s.alternatives for s in sentences(result))
    assert engine.scored_calls and all(n == 0 for _, n in engine.scored_calls)


def test_an_engine_without_alternatives_gives_none() -> None:
    result = translate_document(ARTICLE, FakeTranslator(), Options(alternatives=2))
    assert sentences(result) and all(not s.alternatives for s in sentences(result))


def test_api_and_json_carry_alternatives() -> None:
    translator = Translator.from_engines(ScoringTranslator())
    data = translator.translate(ARTICLE, alternatives=1).to_dict()
    found = [s["alternatives"] for p in data["paragraphs"] for s in p["sentences"]]
    assert found and all(len(a) == 1 and a[0]["text"].endswith("(v1)") for a in found)


def test_api_refuses_a_negative_count() -> None:
    from translator.errors import OptionError

    with pytest.raises(OptionError):
        Translator.from_engines(ScoringTranslator()).translate(ARTICLE, alternatives=-1)


def test_meta_dropping_check_fails_without_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    """If alternatives were not verified (unmask always succeeding), the test above fails."""
    from translator import quotes

    real = quotes.unmask

    def lenient(text: str, placeholders, renderings):  # type: ignore[no-untyped-def]
        return real(text, placeholders, renderings) or text

    monkeypatch.setattr(quotes, "unmask", lenient)
    with pytest.raises(AssertionError):
        test_an_alternative_that_loses_a_placeholder_is_dropped_not_repaired()


@pytest.mark.parametrize("engine", ["torch", "ct2"])
def test_tiny_model_gives_distinct_scored_alternatives(
    engine: str, tiny_marian_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tiny_marian_dir
    if engine == "ct2":
        import shutil

        from translator.engines import convert

        folder = tmp_path_factory.mktemp("ct2") / "tiny-marian"
        shutil.copytree(tiny_marian_dir, folder)
        convert.convert_model(folder)
    model = load_translator(str(folder), device="cpu", engine=engine, beams=2)
    texts = ["Der Minister sagte das.", "Die Regierung ist in Berlin."]
    plain = model.translate(texts)
    scored = model.translate_scored(texts, alternatives=2)  # type: ignore[attr-defined]
    assert len(scored) == 2
    for one in scored:
        assert one.score is not None and one.score <= 0
        assert 1 <= len(one.alternatives) <= 2
        texts_seen = [one.text] + [a.text for a in one.alternatives]
        assert len(set(texts_seen)) == len(texts_seen)  # none repeats the best
        assert all(a.score is not None and a.score <= 0 for a in one.alternatives)
    assert [s.text for s in model.translate_scored(texts)] == plain  # type: ignore[attr-defined]
