"""The torch engines, loaded from tiny random models the same way users load real ones."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.engine_checks import assert_real_outputs, assert_strict_breaks_loops
from translator.engines import (
    TorchSummarizer,
    TorchTranslator,
    TranslationEngine,
    load_summarizer,
    load_translator,
    pick_device,
)
from translator.errors import ModelLoadError, ModelNotFoundError, OptionError
from translator.schema import ModelInfo

REPO_ROOT = Path(__file__).resolve().parent.parent

SENTENCES = [
    "Der Minister sagte: „Die Gespräche waren fruchtbar.“",
    "Ja.",
    "Die Zusammenarbeit zwischen Moskau und Pjöngjang wird im militärischen Bereich ausgebaut.",
    "Nach § 5 – so der Bericht – gilt das Abkommen ab 2024.",
    "Beloussow begrüßte die Delegation.",
    "»Öl« und ‚Gas‘ würden teurer, erklärte die Regierung am 12. Mai.",
]


@pytest.fixture(scope="module")
def translator(tiny_marian_dir: Path) -> TranslationEngine:
    return load_translator(str(tiny_marian_dir), device="cpu")


class GenerateSpy:
    """Wraps a model's ``generate`` to record its keyword arguments and output lengths."""

    def __init__(self, model: Any) -> None:
        self.original = model.generate
        self.calls: list[dict[str, Any]] = []
        self.new_tokens: list[int] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        output = self.original(*args, **kwargs)
        # Tokens after the decoder start token, up to and including the first end-of-text.
        # Translations ask for a dict with scores (``sequences``); summaries for tensors.
        for row in getattr(output, "sequences", output).tolist():
            ids = row[1:]
            eos = self.original.__self__.generation_config.eos_token_id
            self.new_tokens.append(ids.index(eos) + 1 if eos in ids else len(ids))
        return output


@pytest.fixture
def spy(translator: TranslationEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[GenerateSpy]:
    assert isinstance(translator, TorchTranslator)
    model = translator._model
    recorder = GenerateSpy(model)
    monkeypatch.setattr(model, "generate", recorder)
    yield recorder


def test_import_does_not_import_torch(imported_modules: Any) -> None:
    run = imported_modules("import translator.engines, translator.store")
    assert "translator.store" in run.modules
    assert not {"torch", "transformers", "huggingface_hub"} & run.modules


def test_batches_are_length_sorted_and_capped(
    tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = load_translator(str(tiny_marian_dir), device="cpu", batch_size=2)
    assert isinstance(engine, TorchTranslator)
    recorder = GenerateSpy(engine._model)
    monkeypatch.setattr(engine._model, "generate", recorder)
    engine.translate(SENTENCES)
    widths = [call["input_ids"].shape for call in recorder.calls]
    assert [rows for rows, _ in widths] == [2, 2, 2]
    assert [columns for _, columns in widths] == sorted((c for _, c in widths), reverse=True)


@pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")
def test_quotation_marks_and_umlauts_are_known_tokens(tiny_marian_dir: Path) -> None:
    from transformers import MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(tiny_marian_dir)
    text = '„a“ »b« ‚c‘ “d” "e" – — § … ÄÖÜäöüß 0123456789'
    ids = tokenizer(text)["input_ids"]
    assert tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == text


def test_each_output_is_bounded_by_its_own_input_length(
    translator: TranslationEngine, spy: GenerateSpy
) -> None:
    # One batch: rows come longest first; each row's bound is its own text's, 2n + 10,
    # not the longest text's -- random weights never stop early, so they reach it.
    longest_first = sorted(translator.count_tokens(SENTENCES), reverse=True)
    translator.translate(SENTENCES)
    assert spy.calls[-1]["max_length"] <= 64  # never beyond the model's own limit
    assert spy.new_tokens == [min(n * 2 + 10, 63) for n in longest_first]


def test_strict_mode_blocks_repetition_and_bounds_length_tighter(
    translator: TranslationEngine, spy: GenerateSpy
) -> None:
    relaxed = translator.translate(SENTENCES)
    strict = translator.translate(SENTENCES, strict=True)
    assert_strict_breaks_loops(relaxed, strict)
    options = spy.calls[-1]
    assert options["no_repeat_ngram_size"] == 3
    assert options["repetition_penalty"] > 1.0
    longest_first = sorted(translator.count_tokens(SENTENCES), reverse=True)
    strict_lengths = spy.new_tokens[len(SENTENCES) :]
    assert all(
        length <= int(n * 1.5) + 5 for length, n in zip(strict_lengths, longest_first, strict=True)
    )


def test_beams_override_the_models_own(
    tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = load_translator(str(tiny_marian_dir), device="cpu", beams=1)
    assert isinstance(engine, TorchTranslator)
    recorder = GenerateSpy(engine._model)
    monkeypatch.setattr(engine._model, "generate", recorder)
    engine.translate(SENTENCES[:2])
    assert recorder.calls[0]["num_beams"] == 1


def test_info_names_the_folder(translator: TranslationEngine, tiny_marian_dir: Path) -> None:
    assert translator.info == ModelInfo(id=str(tiny_marian_dir), revision=None)


def test_model_with_pickled_weights_only_loads(tiny_marian_dir: Path, tmp_path: Path) -> None:
    import torch
    from transformers import MarianMTModel

    folder = tmp_path / "bin-model"
    shutil.copytree(tiny_marian_dir, folder)
    model = MarianMTModel.from_pretrained(folder)
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    reference = load_translator(str(tiny_marian_dir), device="cpu")
    engine = load_translator(str(folder), device="cpu")
    assert engine.translate(SENTENCES[:3]) == reference.translate(SENTENCES[:3])


def test_summarizer_summarizes_each_text(tiny_bart_dir: Path, sample_article: str) -> None:
    summarizer = load_summarizer(str(tiny_bart_dir), device="cpu")
    assert isinstance(summarizer, TorchSummarizer)
    assert summarizer.max_input_tokens == 1024
    assert summarizer.info == ModelInfo(id=str(tiny_bart_dir), revision=None)
    recorder = GenerateSpy(summarizer._model)
    summarizer._model.generate = recorder
    paragraphs = [p for p in sample_article.splitlines() if p.strip()][:3]
    summaries = summarizer.summarize(paragraphs, min_tokens=5, max_tokens=20)
    assert_real_outputs(summaries, paragraphs)
    assert all(6 <= length <= 20 + 1 for length in recorder.new_tokens)
    assert summarizer.summarize([], min_tokens=5, max_tokens=20) == []


def test_summarizer_accepts_a_full_length_input(tiny_bart_dir: Path, sample_article: str) -> None:
    summarizer = load_summarizer(str(tiny_bart_dir), device="cpu", beams=1)
    words = sample_article.split()
    text = " ".join(words[: len(words) * 3 // 4])
    count = summarizer.count_tokens([text])[0]
    assert 800 < count <= 1024
    assert_real_outputs(summarizer.summarize([text], min_tokens=2, max_tokens=8), [text])
    with pytest.raises(ValueError, match="more than the model's 1024"):
        summarizer.summarize([sample_article * 2], min_tokens=2, max_tokens=8)


def test_summarizer_strict_mode_and_length_checks(tiny_bart_dir: Path) -> None:
    summarizer = load_summarizer(str(tiny_bart_dir), device="cpu")
    assert isinstance(summarizer, TorchSummarizer)
    recorder = GenerateSpy(summarizer._model)
    summarizer._model.generate = recorder
    texts = ["The minister said the talks were fruitful.", "The road is 12.5 kilometres long."]
    assert_real_outputs(
        summarizer.summarize(texts, min_tokens=3, max_tokens=12, strict=True), texts
    )
    options = recorder.calls[-1]
    assert options["no_repeat_ngram_size"] == 3
    assert options["length_penalty"] > summarizer._model.generation_config.length_penalty
    with pytest.raises(ValueError, match="min_tokens"):
        summarizer.summarize(texts, min_tokens=10, max_tokens=5)


def test_summarization_model_is_not_a_translation_model(tiny_bart_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="not a MarianMT translation model"):
        load_translator(str(tiny_bart_dir), device="cpu")


def test_translation_model_is_not_a_summarization_model(tiny_marian_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="not a summarization model"):
        load_summarizer(str(tiny_marian_dir), device="cpu")


def test_incomplete_folder_names_missing_files(tiny_marian_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "partial"
    shutil.copytree(tiny_marian_dir, folder)
    (folder / "model.safetensors").unlink()
    (folder / "target.spm").unlink()
    with pytest.raises(ModelLoadError, match=r"missing model\.safetensors .*target\.spm"):
        load_translator(str(folder), device="cpu")


def test_corrupt_weights_become_a_model_load_error(tiny_marian_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "corrupt"
    shutil.copytree(tiny_marian_dir, folder)
    (folder / "model.safetensors").write_bytes(b"this is not a safetensors file")
    with pytest.raises(ModelLoadError, match="could not be loaded") as caught:
        load_translator(str(folder), device="cpu")
    assert "translator models pull" in str(caught.value)


def test_hub_model_missing_offline_is_not_found() -> None:
    with pytest.raises(ModelNotFoundError, match="translator models pull"):
        load_translator("Helsinki-NLP/opus-mt-de-en", device="cpu")


def test_cuda_without_cuda_is_a_load_error(
    tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device("auto") == "cpu"
    assert pick_device("cpu") == "cpu"
    with pytest.raises(ModelLoadError, match="CUDA was requested"):
        pick_device("cuda")
    with pytest.raises(ModelLoadError, match="CUDA was requested"):
        load_translator(str(tiny_marian_dir), device="cuda")


def test_unknown_device_is_an_option_error() -> None:
    with pytest.raises(OptionError, match="Unknown device 'tpu'"):
        pick_device("tpu")
