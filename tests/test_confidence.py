"""Item 24.6: every translated sentence carries the model's score, through the API and JSON.

Oracles by construction: ScoringTranslator scores an input holding its weak word low and
every other input high, so which sentences are weakest is known before translating.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeTranslator, ScoringTranslator
from translator import Translator
from translator.engines import load_translator
from translator.engines.remembering import MemoryEngine
from translator.memory_store import TranslationMemory
from translator.pipeline import translate_document
from translator.schema import DocumentResult, QuoteMode

WEAK = ScoringTranslator.WEAK_WORD
ARTICLE = (
    "Der Minister sagte, dass die Regierung handeln werde.\n\n"
    f"Die Lage ist {WEAK} und die Zeitung berichtet nicht darüber. Er kam spät.\n\n"
    "Sie sagte: „Wir geben nicht nach.“ Das ist klar."
)


def sentence_scores(result: DocumentResult) -> dict[str, float | None]:
    return {s.source.strip(): s.score for p in result.paragraphs for s in p.sentences}


def test_each_sentence_carries_the_score_of_its_model_input() -> None:
    result = translate_document(ARTICLE, ScoringTranslator())
    scores = sentence_scores(result)
    weak = [source for source in scores if WEAK in source]
    assert len(weak) == 1 and len(scores) >= 5
    assert scores[weak[0]] == ScoringTranslator.WEAK_SCORE
    others = [score for source, score in scores.items() if source not in weak]
    assert others and all(score == ScoringTranslator.STRONG_SCORE for score in others)


def test_paragraph_score_is_its_weakest_sentence() -> None:
    result = translate_document(ARTICLE, ScoringTranslator())
    assert [p.score for p in result.paragraphs] == [
        ScoringTranslator.STRONG_SCORE,
        ScoringTranslator.WEAK_SCORE,
        ScoringTranslator.STRONG_SCORE,
    ]


def test_sentences_join_to_the_paragraph() -> None:
    result = translate_document(ARTICLE, ScoringTranslator(), quotes_options())
    assert result.paragraphs
    for paragraph in result.paragraphs:
        assert "".join(s.source for s in paragraph.sentences) == paragraph.source
        assert "".join(s.translation for s in paragraph.sentences) == paragraph.translation


def quotes_options() -> Any:
    from translator.options import Options

    return Options(quotes=QuoteMode.TRANSLATE)


def test_a_sentence_that_is_only_a_kept_quotation_has_no_score() -> None:
    result = translate_document(
        "„Wir geben nicht nach.“\n\nDie Regierung handelt.", ScoringTranslator()
    )
    assert [p.sentences[0].score for p in result.paragraphs] == [
        None,
        ScoringTranslator.STRONG_SCORE,
    ]


def test_an_engine_without_scores_still_works_and_reports_none() -> None:
    result = translate_document(ARTICLE, FakeTranslator())
    sentences = [s for p in result.paragraphs for s in p.sentences]
    assert sentences and all(s.score is None for s in sentences)
    assert all(p.score is None for p in result.paragraphs)


def test_json_keeps_old_keys_and_adds_scores() -> None:
    data = translate_document(ARTICLE, ScoringTranslator()).to_dict()
    paragraph = data["paragraphs"][1]
    assert {"source", "translation", "kind", "warnings"} <= paragraph.keys()
    assert paragraph["score"] == ScoringTranslator.WEAK_SCORE
    assert [s["score"] for s in paragraph["sentences"]] == [
        ScoringTranslator.WEAK_SCORE,
        ScoringTranslator.STRONG_SCORE,
    ]


def test_api_results_carry_scores() -> None:
    result = Translator.from_engines(ScoringTranslator()).translate(ARTICLE)
    assert min(s for s in sentence_scores(result).values() if s is not None) == (
        ScoringTranslator.WEAK_SCORE
    )


def test_memory_hits_have_no_score_and_misses_keep_theirs(tmp_path: Path) -> None:
    engine = MemoryEngine(
        ScoringTranslator(), TranslationMemory(tmp_path / "m.sqlite3"), beams=None
    )
    first = translate_document(ARTICLE, engine)
    second = translate_document(ARTICLE, engine)
    assert second.translation == first.translation
    assert any(score is not None for score in sentence_scores(first).values())
    assert all(score is None for score in sentence_scores(second).values())


def test_meta_the_weak_sentence_check_fails_when_scores_are_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The score oracle notices when the pipeline drops the engine's scores."""
    from translator.pipeline import requests

    monkeypatch.setattr(requests.Requests, "score_of", lambda self, text: None)
    with pytest.raises(AssertionError):
        test_each_sentence_carries_the_score_of_its_model_input()


@pytest.mark.parametrize("beams", [1, 3])
def test_torch_score_is_the_mean_log_probability_of_its_tokens(
    tiny_marian_dir: Path, beams: int
) -> None:
    """Oracle: the model re-reads its own output (teacher forcing) and the mean of the
    log-probabilities it gives those tokens is the score."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    engine = load_translator(str(tiny_marian_dir), device="cpu", engine="torch", beams=beams)
    text = "Der Minister sagte das."
    scored = engine.translate_scored([text])[0]  # type: ignore[attr-defined]
    tokenizer = MarianTokenizer.from_pretrained(tiny_marian_dir)
    model = MarianMTModel.from_pretrained(tiny_marian_dir).eval()
    with torch.inference_mode():
        inputs = tokenizer([text], return_tensors="pt")
        generated = model.generate(**inputs, num_beams=beams, max_length=1 + 200)
        target = generated[:, 1:]
        logits = model(**inputs, decoder_input_ids=generated[:, :-1]).logits
        chosen = logits.log_softmax(-1).gather(-1, target.unsqueeze(-1)).squeeze(-1)[0]
    bound = len(tokenizer(text)["input_ids"]) * 2 + 10
    real = chosen[target[0] != model.config.pad_token_id]
    if len(real) >= bound:  # the engine forced the end at its bound: that step is certain
        real = torch.cat([real[: bound - 1], torch.zeros(1)])
    else:  # the same decoding: the same text
        assert tokenizer.decode(target[0], skip_special_tokens=True).strip() == scored.text
    assert scored.score is not None and scored.score <= 0
    assert math.isclose(scored.score, float(real.mean()), abs_tol=2e-3)


# --- the review page -----------------------------------------------------------------


def _review(text: str, **options: Any) -> str:
    from translator.options import Options
    from translator.render_html import render_page

    result = translate_document(text, ScoringTranslator(), Options(**options))
    return render_page(result.to_dict())


def _weak_article(weak: int, strong: int) -> str:
    """``weak`` sentences holding the weak word and ``strong`` without, alternating."""
    lines = [f"Satz {n} ist {WEAK} geworden." for n in range(weak)]
    lines += [f"Die Regierung handelt im Fall {n}." for n in range(strong)]
    return "\n\n".join(lines)


def test_review_page_marks_the_weakest_sentences_and_counts_them() -> None:
    page = _review(_weak_article(weak=2, strong=18))  # 20 sentences: the weakest tenth is 2
    assert '<span id="check-count">2</span>' in page
    checks = re.findall(r'<li class="check" id="c\d+"[^>]*>(.*?)</li>', page)
    assert len(checks) == 2 and all(WEAK in check for check in checks)
    first, second = (page.split(f'id="p{n}"')[1].split("</section>")[0] for n in (1, 2))
    assert 'id="c1"' in first and 'id="c2"' in second


def test_review_page_without_scores_has_nothing_to_check() -> None:
    from translator.options import Options
    from translator.render_html import render_page

    result = translate_document(ARTICLE, FakeTranslator(), Options())
    page = render_page(result.to_dict())
    assert '<span id="check-count">0</span>' in page and 'class="check"' not in page
    assert 'id="next-check" disabled' in page


def test_review_page_shows_alternatives_on_demand() -> None:
    page = _review("Die Regierung handelt.", alternatives=2)
    details = page.split('<details class="alternatives">')[1].split("</details>")[0]
    assert "(v1)" in details and "(v2)" in details
    assert "<details open" not in page  # closed until asked


def test_meta_the_weakest_check_fails_if_the_strongest_were_marked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from translator import render_html

    def strongest(paragraphs: Any) -> set[tuple[int, int]]:
        return {(i, 0) for i in range(len(paragraphs) - 2, len(paragraphs))}

    monkeypatch.setattr(render_html, "weakest_sentences", strongest)
    with pytest.raises(AssertionError):
        test_review_page_marks_the_weakest_sentences_and_counts_them()
