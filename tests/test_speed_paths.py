"""The fast paths of issue 16: SentencePiece-only tokenizer, cold start without
transformers, balanced CTranslate2 batches, and translation that is streamed, not kept."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.engine_checks import assert_real_outputs
from translator import engines
from translator.engines import common as engine_common
from translator.engines.marian_pieces import MarianPieces

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "tests" / "data"
SAMPLE = DATA / "belousov-dprk.de.txt"


def _german_lines() -> list[str]:
    lines = []
    for path in [SAMPLE, DATA / "segment_gold_de.txt", *sorted((DATA / "real_quotes").glob("*"))]:
        if path.is_file():
            lines += [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    return lines


@pytest.fixture
def ct2_dir(ct2_marian_dir: Path) -> Path:
    return ct2_marian_dir


def test_sentencepiece_tokenizer_matches_marian_tokenizer(tiny_marian_dir: Path) -> None:
    """transformers' MarianTokenizer is the independent reference, on real German text
    and on the special cases it handles (language codes, special tokens in the text)."""
    reference = engine_common.load_tokenizer(tiny_marian_dir, "translation")
    pieces = MarianPieces(tiny_marian_dir)
    texts = [*_german_lines(), ">>en<< Guten Tag", "Ein <unk> und </s> hier", "", "  „Zitat“  "]
    assert len(texts) > 100
    expected = reference(texts, add_special_tokens=True, truncation=False, verbose=False)
    assert pieces(texts)["input_ids"] == expected["input_ids"]
    pad = reference.pad_token_id
    rows = expected["input_ids"] + [[5, 0, 7, pad, 1, 3], [], [0], [pad]]
    decoded = [text.strip() for text in reference.batch_decode(rows, skip_special_tokens=True)]
    assert pieces.batch_decode(rows) == decoded
    first = expected["input_ids"][0]
    assert pieces.convert_ids_to_tokens(first) == reference.convert_ids_to_tokens(first)
    tokens = reference.convert_ids_to_tokens(first)
    assert pieces.convert_tokens_to_ids(tokens) == first
    assert pieces.model_max_length == reference.model_max_length


def test_sentencepiece_tokenizer_only_for_marian_folders(
    tiny_marian_dir: Path, tiny_bart_dir: Path, tmp_path: Path
) -> None:
    assert MarianPieces.usable(tiny_marian_dir)
    assert not MarianPieces.usable(tiny_bart_dir)
    incomplete = tmp_path / "incomplete"
    shutil.copytree(tiny_marian_dir, incomplete)
    (incomplete / "vocab.json").unlink()
    assert not MarianPieces.usable(incomplete)


def test_ct2_translation_imports_neither_torch_nor_transformers(
    ct2_dir: Path, imported_modules: Any
) -> None:
    """The one-article cold start: the CLI on the CTranslate2 path loads no torch, no
    transformers and no summarization model."""
    run = imported_modules(
        "import sys; from translator.cli import main; from translator import engines\n"
        "engines.load_summarizer = lambda *a, **k: sys.exit('summarizer loaded')\n"
        f"sys.argv = ['translator', 'translate', {str(SAMPLE)!r}, '-m', {str(ct2_dir)!r}, '-q']\n"
        "main()"
    )
    assert run.exit_code in (0, None), (run.exit_code, run.stderr)
    assert run.stdout.strip()  # a translation came out
    assert not {"torch", "transformers"} & run.modules


def test_ct2_engine_uses_sentencepiece_tokenizer_and_translates(ct2_dir: Path) -> None:
    translator = engines.load_translator(str(ct2_dir), engine="ct2")
    assert isinstance(translator._tokenizer, MarianPieces)  # type: ignore[attr-defined]
    sentences = ["Der Minister sagte das.", "Ein zweiter Satz."]
    assert_real_outputs(translator.translate(sentences), sentences)


@pytest.mark.parametrize(
    ("rows", "most", "workers", "expected"),
    [
        (45, 32, 2, 23),  # 23 + 22 instead of 32 + 13
        (321, 32, 2, 27),  # 12 batches, 6 per worker, instead of 11
        (64, 32, 2, 32),  # already even
        (5, 32, 2, 3),
        (1, 32, 4, 1),
        (100, 8, 1, 8),
    ],
)
def test_balanced_batch_size(rows: int, most: int, workers: int, expected: int) -> None:
    size = engines.ct2_engine._balanced_batch_size(rows, most, workers)
    assert size == expected
    batches = -(-rows // size)
    assert size <= most and (batches % workers == 0 or batches < workers)
