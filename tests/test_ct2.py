"""The CTranslate2 engines, conversion and engine choice; the shared engine behaviour is
tested on both engines (torch and ct2) with the same tiny models."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.engine_checks import assert_real_outputs, assert_strict_breaks_loops
from translator import engines
from translator.engines import (
    CT2Summarizer,
    CT2Translator,
    SummarizationEngine,
    TorchTranslator,
    TranslationEngine,
    convert,
    load_summarizer,
    load_translator,
    pick_engine,
)
from translator.engines.base import ScoredTranslation
from translator.errors import ModelLoadError, OptionError
from translator.schema import ModelInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
ENGINES = ["torch", "ct2"]

SENTENCES = [
    "Der Minister sagte: „Die Gespräche waren fruchtbar.“",
    "Ja.",
    "Die Zusammenarbeit zwischen Moskau und Pjöngjang wird im militärischen Bereich ausgebaut.",
    "Nach § 5 – so der Bericht – gilt das Abkommen ab 2024.",
    "Beloussow begrüßte die Delegation.",
    "»Öl« und ‚Gas‘ würden teurer, erklärte die Regierung am 12. Mai.",
]


@pytest.fixture
def make_translator(
    tiny_marian_dir: Path, ct2_marian_dir: Path
) -> Callable[..., TranslationEngine]:
    def make(kind: str, **options: Any) -> TranslationEngine:
        folder = ct2_marian_dir if kind == "ct2" else tiny_marian_dir
        return load_translator(str(folder), device="cpu", engine=kind, **options)

    return make


@pytest.fixture
def make_summarizer(tiny_bart_dir: Path, ct2_bart_dir: Path) -> Callable[..., SummarizationEngine]:
    def make(kind: str, **options: Any) -> SummarizationEngine:
        folder = ct2_bart_dir if kind == "ct2" else tiny_bart_dir
        return load_summarizer(str(folder), device="cpu", engine=kind, **options)

    return make


class CallRecorder:
    """Stands in for a ctranslate2.Translator: records each translate_batch call."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.calls: list[dict[str, Any]] = []

    def translate_batch(self, source: list[list[str]], **options: Any) -> Any:
        results = self.model.translate_batch(source, **options)
        resolved = [r.result() if options.get("asynchronous") else r for r in results]
        self.calls.append(
            {
                "source": source,
                "options": options,
                "lengths": [len(r.hypotheses[0]) for r in resolved],
            }
        )
        return results


def _record(engine: TranslationEngine | SummarizationEngine) -> CallRecorder:
    if isinstance(engine, CT2Translator):
        recorder = CallRecorder(engine._translator)
        engine._translator = recorder
    else:
        assert isinstance(engine, CT2Summarizer)
        recorder = CallRecorder(engine._summarizer)
        engine._summarizer = recorder
    return recorder


# --- the same behaviour from both engines -------------------------------------------------


@pytest.mark.parametrize("kind", ENGINES)
@pytest.mark.parametrize("beams", [None, 1])
def test_translate_keeps_count_and_order(
    make_translator: Callable[..., TranslationEngine], kind: str, beams: int | None
) -> None:
    translator = make_translator(kind, beams=beams)
    together = translator.translate(SENTENCES)
    one_by_one = [translator.translate([sentence])[0] for sentence in SENTENCES]
    assert together == one_by_one
    assert len(set(together)) == len(SENTENCES)
    assert all(isinstance(text, str) and text for text in together)


@pytest.mark.parametrize("kind", ENGINES)
def test_batch_size_does_not_change_results(
    make_translator: Callable[..., TranslationEngine], kind: str
) -> None:
    small = make_translator(kind, batch_size=2)
    large = make_translator(kind, batch_size=32)
    assert small.translate(SENTENCES) == large.translate(SENTENCES)


@pytest.mark.parametrize("kind", ENGINES)
def test_nothing_in_nothing_out(
    make_translator: Callable[..., TranslationEngine], kind: str
) -> None:
    translator = make_translator(kind)
    assert translator.translate([]) == []
    assert translator.translate([], strict=True) == []
    assert translator.count_tokens([]) == []


@pytest.mark.parametrize("kind", ENGINES)
def test_token_counts_limits_and_info_agree(
    make_translator: Callable[..., TranslationEngine], kind: str, tiny_marian_dir: Path
) -> None:
    import sentencepiece

    translator = make_translator(kind)
    processor = sentencepiece.SentencePieceProcessor(model_file=str(tiny_marian_dir / "source.spm"))
    assert translator.count_tokens(SENTENCES) == [len(processor.encode(s)) + 1 for s in SENTENCES]
    assert translator.max_input_tokens == 512
    assert translator.info.revision is None
    too_long = "Wort " * 600
    assert translator.count_tokens([too_long])[0] > 512  # refused, not truncated
    with pytest.raises(ValueError, match="more than the model's 512"):
        translator.translate(["Ja.", too_long])


@pytest.mark.parametrize("kind", ENGINES)
def test_strict_retry_gives_other_bounded_output(
    make_translator: Callable[..., TranslationEngine], kind: str
) -> None:
    translator = make_translator(kind)
    relaxed = translator.translate(SENTENCES)
    strict = translator.translate(SENTENCES, strict=True)
    assert_real_outputs(strict, SENTENCES)
    assert_strict_breaks_loops(relaxed, strict)


def test_strict_check_fails_on_an_engine_that_ignores_strict(
    make_translator: Callable[..., TranslationEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Meta-test: an engine whose strict retry is its relaxed decoding fails the check."""
    translator = make_translator("torch")
    relaxed_only = translator.translate
    monkeypatch.setattr(translator, "translate", lambda texts, **_: relaxed_only(texts))
    relaxed = translator.translate(SENTENCES)
    with pytest.raises(AssertionError):
        assert_strict_breaks_loops(relaxed, translator.translate(SENTENCES, strict=True))


@pytest.mark.parametrize("kind", ENGINES)
def test_summarizer_behaviour(
    make_summarizer: Callable[..., SummarizationEngine], kind: str, sample_article: str
) -> None:
    summarizer = make_summarizer(kind)
    assert summarizer.max_input_tokens == 1024
    paragraphs = [p for p in sample_article.splitlines() if p.strip()][:3]
    summaries = summarizer.summarize(paragraphs, min_tokens=5, max_tokens=20)
    assert_real_outputs(summaries, paragraphs)
    one_by_one = [summarizer.summarize([p], min_tokens=5, max_tokens=20)[0] for p in paragraphs]
    assert summaries == one_by_one
    assert summarizer.summarize([], min_tokens=5, max_tokens=20) == []
    with pytest.raises(ValueError, match="min_tokens"):
        summarizer.summarize(paragraphs, min_tokens=10, max_tokens=5)
    with pytest.raises(ValueError, match="more than the model's 1024"):
        summarizer.summarize([sample_article * 2], min_tokens=2, max_tokens=8)


@pytest.mark.parametrize(
    "broken",
    [lambda texts: [""] * len(texts), lambda texts: ["the same summary"] * len(texts)],
    ids=["empty", "constant"],
)
def test_summary_check_fails_on_a_broken_summarizer(
    make_summarizer: Callable[..., SummarizationEngine],
    sample_article: str,
    broken: Callable[[list[str]], list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Meta-test: a summarizer answering "" (or one text) for every input fails the check."""
    summarizer = make_summarizer("torch")
    monkeypatch.setattr(summarizer, "summarize", lambda texts, **_: broken(list(texts)))
    paragraphs = [p for p in sample_article.splitlines() if p.strip()][:3]
    with pytest.raises(AssertionError):
        assert_real_outputs(
            summarizer.summarize(paragraphs, min_tokens=5, max_tokens=20), paragraphs
        )


@pytest.mark.parametrize("kind", ENGINES)
def test_wrong_model_type_is_refused(
    kind: str, tiny_marian_dir: Path, tiny_bart_dir: Path, ct2_marian_dir: Path, ct2_bart_dir: Path
) -> None:
    marian, bart = (
        (ct2_marian_dir, ct2_bart_dir) if kind == "ct2" else (tiny_marian_dir, tiny_bart_dir)
    )
    with pytest.raises(ModelLoadError, match="not a MarianMT translation model"):
        load_translator(str(bart), device="cpu", engine=kind)
    with pytest.raises(ModelLoadError, match="not a summarization model"):
        load_summarizer(str(marian), device="cpu", engine=kind)


# --- CTranslate2 specifics ---------------------------------------------------------------


def test_ct2_each_output_is_bounded_by_its_own_input_length(
    make_translator: Callable[..., TranslationEngine],
) -> None:
    translator = make_translator("ct2")
    recorder = _record(translator)
    translator.translate(SENTENCES)
    # Random weights never stop early, so every text reaches its own bound: 2n + 10 new
    # tokens with the end token (n + 2n + 10 <= 63 here), i.e. 2n + 9 without it. Rows
    # cut short by a longer neighbour's limit were decoded again alone.
    final: dict[tuple[str, ...], tuple[int, int]] = {}
    for call in recorder.calls:
        for source, length in zip(call["source"], call["lengths"], strict=True):
            final[tuple(source)] = (call["options"]["max_decoding_length"], length)
    for source, (limit, length) in final.items():
        expected = min(len(source) * 2 + 10, 63) - 1
        assert (limit, length) == (expected, expected)
    assert all(call["options"]["max_input_length"] == 0 for call in recorder.calls)


def test_ct2_options_follow_the_generation_config(
    make_translator: Callable[..., TranslationEngine],
) -> None:
    default = make_translator("ct2")
    recorder = _record(default)
    default.translate(SENTENCES[:2])
    assert recorder.calls[0]["options"]["beam_size"] == 2  # the tiny model's num_beams
    greedy = make_translator("ct2", beams=1)
    recorder = _record(greedy)
    greedy.translate(SENTENCES[:2])
    greedy.translate(SENTENCES[:2], strict=True)
    assert recorder.calls[0]["options"]["beam_size"] == 1
    strict = recorder.calls[-1]["options"]
    assert strict["no_repeat_ngram_size"] == 3
    assert strict["repetition_penalty"] > 1.0


def test_ct2_batches_are_length_sorted_and_capped(
    make_translator: Callable[..., TranslationEngine],
) -> None:
    translator = make_translator("ct2", batch_size=2, beams=1)
    recorder = _record(translator)
    translator.translate(SENTENCES)
    first_pass = recorder.calls[:3]
    assert [len(call["source"]) for call in first_pass] == [2, 2, 2]
    longest = [max(len(s) for s in call["source"]) for call in first_pass]
    assert longest == sorted(longest, reverse=True)


def test_ct2_batches_hold_batch_size_hypotheses(
    make_translator: Callable[..., TranslationEngine],
) -> None:
    translator = make_translator("ct2", batch_size=8, beams=4)  # 2 sentences x 4 beams
    recorder = _record(translator)
    translator.translate(SENTENCES)
    assert [len(call["source"]) for call in recorder.calls[:3]] == [2, 2, 2]


def test_ct2_engines_never_import_torch(
    ct2_marian_dir: Path, ct2_bart_dir: Path, imported_modules: Any
) -> None:
    run = imported_modules(
        "from translator import engines\n"
        f"engines.load_translator({str(ct2_marian_dir)!r}, engine='ct2')\n"
        f"engines.load_summarizer({str(ct2_bart_dir)!r}, engine='ct2')"
    )
    assert run.exit_code == 0, run.stderr
    assert "ctranslate2" in run.modules
    assert "torch" not in run.modules


@pytest.mark.slow
def test_translate_command_on_ct2_loads_neither_torch_nor_the_summarizer(
    ct2_marian_dir: Path, imported_modules: Any
) -> None:
    """`translator translate` without --summarize, on the CTranslate2 path: what a cold
    start loads is what the run uses (issue 16)."""
    run = imported_modules(
        "import sys\n"
        "from translator.cli import main\n"
        f"sys.argv = ['translator', 'translate', '-', '-m', {str(ct2_marian_dir)!r},\n"
        "            '--engine', 'ct2', '--no-cache', '-q']\n"
        "main()",
        stdin="Der Minister sagte: „Die Gespräche waren fruchtbar.“\n",
    )
    assert run.exit_code in (0, None), run.stderr
    assert run.stdout.strip(), "the command translated nothing"
    assert not {"torch", "transformers", "translator.summarize"} & run.modules


def test_ct2_summary_lengths_and_forced_first_token(
    make_summarizer: Callable[..., SummarizationEngine],
) -> None:
    summarizer = make_summarizer("ct2")
    recorder = _record(summarizer)
    texts = ["The minister said the talks were fruitful.", "The road is 12.5 kilometres long."]
    summarizer.summarize(texts, min_tokens=5, max_tokens=20)
    options = recorder.calls[0]["options"]
    assert options["target_prefix"] == [["<s>"], ["<s>"]]  # BART's forced_bos_token_id
    assert options["beam_size"] == 2
    assert options["no_repeat_ngram_size"] == 3
    assert all(5 <= length <= 19 for length in recorder.calls[0]["lengths"])
    summarizer.summarize(texts, min_tokens=3, max_tokens=12, strict=True)
    assert recorder.calls[-1]["options"]["length_penalty"] > options["length_penalty"]


# --- engine choice and conversion ----------------------------------------------------------


def test_auto_picks_ct2_only_for_a_converted_model(
    tiny_marian_dir: Path, ct2_marian_dir: Path
) -> None:
    assert pick_engine("auto", tiny_marian_dir) == "torch"
    assert pick_engine("auto", ct2_marian_dir) == "ct2"
    assert pick_engine("torch", ct2_marian_dir) == "torch"
    assert isinstance(load_translator(str(ct2_marian_dir), device="cpu"), CT2Translator)
    assert isinstance(load_translator(str(tiny_marian_dir), device="cpu"), TorchTranslator)
    with pytest.raises(ModelLoadError, match="translator models convert"):
        pick_engine("ct2", tiny_marian_dir)
    with pytest.raises(OptionError, match="Unknown engine 'onnx'"):
        pick_engine("onnx", tiny_marian_dir)


def test_auto_says_why_it_falls_back_to_torch(
    tiny_marian_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="translator"):
        assert pick_engine("auto", tiny_marian_dir) == "torch"
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned, "auto fell back to torch without a warning"
    assert "no current CTranslate2 copy" in warned[0]
    assert "translator models convert" in warned[0]


def test_auto_falls_back_to_torch_without_ctranslate2(
    ct2_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(convert, "ctranslate2_available", lambda: False)
    assert pick_engine("auto", ct2_marian_dir) == "torch"
    with pytest.raises(ModelLoadError, match="CTranslate2 is not installed"):
        pick_engine("ct2", ct2_marian_dir)
    with pytest.raises(ModelLoadError, match="not installed"):
        convert.convert_model(ct2_marian_dir, force=True)


def test_conversion_lives_in_the_model_folder_with_a_marker(ct2_marian_dir: Path) -> None:
    converted = ct2_marian_dir / "ctranslate2"
    assert convert.find_converted(ct2_marian_dir) == converted
    assert {"model.bin", "config.json", convert.MARKER_FILE} <= {
        p.name for p in converted.iterdir()
    }
    marker = json.loads((converted / convert.MARKER_FILE).read_text(encoding="utf-8"))
    # README: conversions store int8 weights, so they load as int8 on the CPU as they are.
    assert "int8" in marker["quantization"]
    import ctranslate2

    loaded = ctranslate2.Translator(str(converted), device="cpu")
    assert loaded.compute_type.startswith("int8"), loaded.compute_type
    assert marker["source"]["weights"] == "model.safetensors"
    # No leftovers from the staging folder.
    assert [p.name for p in ct2_marian_dir.iterdir() if p.name.startswith(".ctranslate2")] == []


def test_stale_or_unfinished_conversion_is_not_used(ct2_marian_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(ct2_marian_dir, folder)
    # copytree keeps the weights' mtime (copy2), so the copy is still current.
    assert convert.find_converted(folder) is not None
    (folder / "ctranslate2" / convert.MARKER_FILE).unlink()  # as if interrupted
    assert convert.find_converted(folder) is None
    assert pick_engine("auto", folder) == "torch"
    convert.convert_model(folder)
    assert convert.find_converted(folder) is not None
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes() + b" ")  # new weights: the copy is stale
    assert convert.find_converted(folder) is None


def test_unconvertible_folder_is_a_model_load_error(tiny_marian_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(tiny_marian_dir, folder)
    (folder / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelLoadError, match="could not be converted"):
        convert.convert_model(folder)
    assert not (folder / "ctranslate2").exists()


def test_ct2_cuda_without_cuda_is_a_load_error(
    ct2_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    with pytest.raises(ModelLoadError, match="CUDA was requested"):
        load_translator(str(ct2_marian_dir), device="cuda", engine="ct2")
    assert load_translator(str(ct2_marian_dir), device="auto", engine="ct2").info == ModelInfo(
        id=str(ct2_marian_dir), revision=None
    )


@pytest.mark.parametrize("omp", ["", "1", "3", "0", "junk"])
def test_ct2_threads_fit_the_cores_and_omp_num_threads(
    omp: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One thread per worker, workers * threads within the budget (the cores, capped by a
    positive OMP_NUM_THREADS), all of it used but a remainder smaller than the workers,
    and more cores never mean fewer workers."""
    monkeypatch.setenv("OMP_NUM_THREADS", omp)
    cap = int(omp) if omp.isdigit() and int(omp) > 0 else None
    previous_workers = 0
    for cores in range(1, 33):
        monkeypatch.setattr(engines.common, "usable_cpus", lambda cores=cores: cores)
        workers, threads = engines.ct2_engine._ct2_threads()
        budget = min(cores, cap) if cap else cores
        assert workers >= 1 and threads >= 1
        assert workers * threads <= budget
        assert budget - workers * threads < workers
        assert workers >= previous_workers
        previous_workers = workers
    if cap == 1:
        assert previous_workers == 1  # OMP_NUM_THREADS=1: one thread in all
    if cap is None:
        assert previous_workers > 1  # many cores: more than one worker


def test_convert_module_imports_nothing_heavy(imported_modules: Any) -> None:
    run = imported_modules("import translator.engines.convert, translator.cli.convert_cmd")
    assert "translator.cli.convert_cmd" in run.modules
    assert not {"torch", "transformers", "ctranslate2"} & run.modules


# --- the command line ----------------------------------------------------------------------


def test_models_convert_command(tiny_marian_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from translator.cli import app

    folder = tmp_path / "model"
    shutil.copytree(tiny_marian_dir, folder)
    runner = CliRunner()
    first = runner.invoke(app, ["models", "convert", str(folder)])
    assert first.exit_code == 0, first.output
    assert "converted to" in first.stdout
    assert convert.find_converted(folder) == folder / "ctranslate2"
    again = runner.invoke(app, ["models", "convert", str(folder)])
    assert again.exit_code == 0
    assert "already converted" in again.stdout
    missing = runner.invoke(app, ["models", "convert", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1
    assert "Error:" in missing.stderr


def test_translate_engine_and_fast_options(
    ct2_marian_dir: Path, tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from translator.cli import app

    calls: list[dict[str, Any]] = []
    real_load = engines.load_translator

    def recording_load(model: str, **options: Any) -> TranslationEngine:
        calls.append(options)
        return real_load(model, **options)

    monkeypatch.setattr(engines, "load_translator", recording_load)
    runner = CliRunner()
    text = "Beloussow begrüßte die Delegation.\n"
    fast = runner.invoke(
        app, ["translate", "-m", str(ct2_marian_dir), "--engine", "ct2", "--fast"], input=text
    )
    assert fast.exit_code == 0, fast.output
    assert fast.stdout.strip()
    assert (calls[-1]["engine"], calls[-1]["beams"]) == ("ct2", 1)
    explicit = runner.invoke(
        app, ["translate", "-m", str(ct2_marian_dir), "--fast", "--beams", "3"], input=text
    )
    assert explicit.exit_code == 0, explicit.output
    assert (calls[-1]["engine"], calls[-1]["beams"]) == ("auto", 3)
    unconverted = runner.invoke(
        app, ["translate", "-m", str(tiny_marian_dir), "--engine", "ct2"], input=text
    )
    assert unconverted.exit_code == 1
    assert "translator models convert" in unconverted.stderr
    assert runner.invoke(app, ["translate", "--engine", "onnx"], input=text).exit_code == 2


def test_missing_cuda_libraries_are_a_clear_error_and_auto_falls_back(
    ct2_marian_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from translator.engines import ct2_engine, loading

    class NoCublas:
        def translate_batch(self, *args: object, **kwargs: object) -> None:
            # What CTranslate2 4.8 said on a CUDA 13 machine (benchmarks/gpu_check.py).
            raise RuntimeError("Library libcublas.so.12 is not found or cannot be loaded")

    tokenizer = ct2_engine.load_tokenizer(ct2_marian_dir, "translation")
    with pytest.raises(ct2_engine.CudaLibrariesMissing, match="--engine torch"):
        ct2_engine._probe_cuda_libraries(NoCublas(), tokenizer)

    def load_without_cublas(*args: object, **kwargs: object) -> None:
        ct2_engine._probe_cuda_libraries(NoCublas(), tokenizer)

    monkeypatch.setattr(loading, "load_ct2", load_without_cublas)
    with caplog.at_level(logging.WARNING, logger="translator"):
        engine = load_translator(str(ct2_marian_dir), device="cpu", engine="auto")
    assert isinstance(engine, TorchTranslator)
    assert any("libcublas.so.12" in r.getMessage() for r in caplog.records)
    with pytest.raises(ModelLoadError, match="cannot use the GPU"):
        load_translator(str(ct2_marian_dir), device="cpu", engine="ct2")


@pytest.mark.parametrize(
    ("counts", "beams", "expected"),
    [
        ([20] * 40, 1, [32, 8]),  # 640 hypothesis tokens: 32 greedy sentences of 20 tokens
        ([20] * 40, 4, [8] * 5),  # at beam 4, 8 of them (32 hypotheses)
        ([80] + [10] * 20, 1, [8, 13]),  # the long one shares with 7; the short ones, 13
        ([5] * 100, 1, [64, 36]),  # never more than 64 hypotheses
        ([5] * 40, 4, [16, 16, 8]),  # 64 hypotheses at beam 4: 16 sentences
        ([2000], 4, [1]),  # never empty
        ([], 1, []),
    ],
)
def test_automatic_batches_are_bounded_by_padded_hypothesis_tokens(
    counts: list[int], beams: int, expected: list[int]
) -> None:
    from translator.engines.common import token_bounded_batches

    batches = token_bounded_batches(counts, beams, 640, 64)
    assert [len(batch) for batch in batches] == expected
    assert sorted(index for batch in batches for index in batch) == list(range(len(counts)))


def test_the_automatic_batches_depend_on_the_texts_not_their_order() -> None:
    from translator.engines.common import token_bounded_batches

    counts = [5, 31, 12, 18, 40, 9, 22, 7, 14, 3]
    forward = token_bounded_batches(counts, 4, 400, 64)
    backward = token_bounded_batches(counts[::-1], 4, 400, 64)
    assert forward, "no batches"
    assert [sorted(counts[i] for i in b) for b in forward] == [
        sorted(counts[::-1][i] for i in b) for b in backward
    ]
    # 100 padded source tokens a batch at beam 4: 40 + 31 (2 x 40), then 22 + 18 + 14 + 12
    # (4 x 22; a fifth would make 110), then the four shortest.
    assert [len(batch) for batch in forward] == [2, 4, 4]


def _bound_rows(make_translator: Callable[..., TranslationEngine]) -> tuple[int, int]:
    """A budget of three padded sentences of the longest text, and that text's length."""
    longest = max(make_translator("ct2", beams=1).count_tokens(SENTENCES))
    return 3 * longest, longest


def test_ct2_batches_are_automatic_by_default(
    make_translator: Callable[..., TranslationEngine],
) -> None:
    """No batch size asked for: the engine's budget bounds each batch's padded tokens,
    and two engines on the same model and machine batch the same texts the same way."""
    budget, longest = _bound_rows(make_translator)
    runs = []
    for _ in range(2):
        translator = make_translator("ct2", beams=1)
        assert isinstance(translator, CT2Translator)
        translator._hypothesis_tokens = budget
        recorder = _record(translator)
        translator.translate(SENTENCES)
        runs.append([[len(tokens) for tokens in call["source"]] for call in recorder.calls])
    assert runs[0] == runs[1]
    batches = runs[0]
    assert batches, "no engine call"
    assert sum(len(batch) for batch in batches) >= len(SENTENCES)
    assert max(batches[0]) == longest and len(batches[0]) == 3  # the longest, padded
    assert all(len(batch) * max(batch) <= budget for batch in batches)


def test_an_explicit_batch_size_wins_over_the_automatic_one(
    make_translator: Callable[..., TranslationEngine],
) -> None:
    translator = make_translator("ct2", batch_size=3, beams=1)
    assert isinstance(translator, CT2Translator)
    translator._hypothesis_tokens = 10_000  # automatic would put all six in one batch
    recorder = _record(translator)
    translator.translate(SENTENCES)
    assert [len(call["source"]) for call in recorder.calls[:2]] == [3, 3]


def test_meta_the_automatic_batch_check_sees_unbounded_batches(
    make_translator: Callable[..., TranslationEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the rule broken (every call in one batch), the batches the check above
    bounds hold more padded tokens than the budget."""
    from translator.engines import ct2_engine

    monkeypatch.setattr(
        ct2_engine,
        "token_bounded_batches",
        lambda counts, *args, **kwargs: [list(range(len(counts)))],
    )
    budget, _ = _bound_rows(make_translator)
    translator = make_translator("ct2", beams=1)
    assert isinstance(translator, CT2Translator)
    translator._hypothesis_tokens = budget
    recorder = _record(translator)
    translator.translate(SENTENCES)
    batches = [[len(tokens) for tokens in call["source"]] for call in recorder.calls]
    assert batches
    assert not all(len(batch) * max(batch) <= budget for batch in batches)


@pytest.mark.parametrize("beams", [1, 4])
def test_without_scores_the_engine_skips_them_and_translates_the_same(
    make_translator: Callable[..., TranslationEngine], beams: int
) -> None:
    from translator.engines.base import collect

    translator = make_translator("ct2", beams=beams)
    assert isinstance(translator, CT2Translator)
    recorder = _record(translator)
    scored = collect(translator.submit_scored(SENTENCES), len(SENTENCES))
    plain = collect(translator.submit_scored(SENTENCES, scores=False), len(SENTENCES))
    assert [s.text for s in plain] == [s.text for s in scored]
    assert all(s.score is not None for s in scored) and scored
    assert all(s.score is None for s in plain) and plain
    asked = {call["options"]["return_scores"] for call in recorder.calls}
    assert asked == {True, False}


def test_alternatives_keep_their_scores_when_the_output_needs_none(
    make_translator: Callable[..., TranslationEngine],
) -> None:
    from translator.engines.base import collect

    translator = make_translator("ct2", beams=1)
    assert isinstance(translator, CT2Translator)
    recorder = _record(translator)
    collect(translator.submit_scored(SENTENCES[:2], alternatives=2, scores=False), 2)
    assert recorder.calls and all(call["options"]["return_scores"] for call in recorder.calls)


def _scores_asked(ct2_marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Output format -> the ``scores`` values the CLI's engine calls asked with."""
    from typer.testing import CliRunner

    from translator.cli import app

    asked: list[bool] = []
    original = CT2Translator.submit_scored

    def spy(self: CT2Translator, texts: Any, **options: Any) -> Any:
        asked.append(options.get("scores", True))
        return original(self, texts, **options)

    monkeypatch.setattr(CT2Translator, "submit_scored", spy)
    article = tmp_path / "a.txt"
    article.write_text("Der Minister sagte am Montag, die Regierung handle bald.\n", "utf-8")
    found = {}
    for output_format in ("text", "json", "html"):
        asked.clear()
        result = CliRunner().invoke(
            app,
            [
                *("translate", str(article), "-m", str(ct2_marian_dir), "--engine", "ct2"),
                *("--no-cache", "--format", output_format),
                *("-o", str(tmp_path / f"out.{output_format}")),
            ],
        )
        assert result.exit_code == 0, result.output
        found[output_format] = set(asked)
    return found


def test_text_output_asks_the_model_for_no_scores_and_json_does(
    ct2_marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI asks for scores only for outputs that show them."""
    found = _scores_asked(ct2_marian_dir, tmp_path, monkeypatch)
    assert found == {"text": {False}, "json": {True}, "html": {True}}


def test_meta_the_scores_check_sees_a_cli_that_always_asks(
    ct2_marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from translator.cli import translate_cmd

    monkeypatch.setattr(translate_cmd, "shows_scores", lambda output_format: True)
    found = _scores_asked(ct2_marian_dir, tmp_path, monkeypatch)
    assert found["text"] == {True}


def test_automatic_batches_are_larger_on_a_gpu() -> None:
    from translator.engines.common import (
        GPU_HYPOTHESES_PER_BATCH,
        GPU_HYPOTHESIS_TOKENS_PER_BATCH,
        HYPOTHESES_PER_BATCH,
        HYPOTHESIS_TOKENS_PER_BATCH,
        automatic_batch_bounds,
    )

    assert automatic_batch_bounds("cpu") == (HYPOTHESIS_TOKENS_PER_BATCH, HYPOTHESES_PER_BATCH)
    gpu = automatic_batch_bounds("cuda")
    assert gpu == (GPU_HYPOTHESIS_TOKENS_PER_BATCH, GPU_HYPOTHESES_PER_BATCH)
    assert gpu[0] > HYPOTHESIS_TOKENS_PER_BATCH and gpu[1] > HYPOTHESES_PER_BATCH


def _first_batches_by_device(
    make_translator: Callable[..., TranslationEngine], texts: list[str]
) -> dict[str, list[int]]:
    """Each device's batch sizes for ``texts``: the tiny model's engine, told its device."""
    sizes = {}
    for device in ("cpu", "cuda"):
        cpu_engine = make_translator("ct2", beams=1)
        assert isinstance(cpu_engine, CT2Translator)
        engine = CT2Translator(
            cpu_engine._translator,
            cpu_engine._tokenizer,
            cpu_engine.info,
            cpu_engine._defaults,
            device=device,
            beams=1,
        )
        recorder = _record(engine)
        engine.translate(texts)
        sizes[device] = [len(call["source"]) for call in recorder.calls]
    return sizes


def test_an_engine_on_cuda_batches_by_the_gpu_bounds(
    make_translator: Callable[..., TranslationEngine],
) -> None:
    """The same model's engine, told its device is CUDA (the CPU model decodes): 120
    texts go in one batch, where the CPU bounds (64 hypotheses) need more."""
    texts = SENTENCES * 20
    sizes = _first_batches_by_device(make_translator, texts)
    # The first call is the whole text's first batch (rows that ran past their own
    # length limit are decoded again after it, in calls of their own).
    assert sizes["cuda"][0] == len(texts)
    assert sizes["cpu"][0] < len(texts) and max(sizes["cpu"]) <= 64


def test_meta_the_gpu_batch_check_sees_cpu_bounds_on_cuda(
    make_translator: Callable[..., TranslationEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    from translator.engines import ct2_engine
    from translator.engines.common import HYPOTHESES_PER_BATCH, HYPOTHESIS_TOKENS_PER_BATCH

    cpu_bounds = (HYPOTHESIS_TOKENS_PER_BATCH, HYPOTHESES_PER_BATCH)
    monkeypatch.setattr(ct2_engine, "automatic_batch_bounds", lambda device: cpu_bounds)
    texts = SENTENCES * 20
    assert _first_batches_by_device(make_translator, texts)["cuda"][0] < len(texts)


def _torch_generate_calls(
    make_translator: Callable[..., TranslationEngine], monkeypatch: pytest.MonkeyPatch
) -> tuple[list[ScoredTranslation], list[ScoredTranslation], list[bool]]:
    """The torch engine's scored and unscored translations of SENTENCES, and whether each
    ``generate`` call was asked for every step's scores."""
    from translator.engines.base import collect

    translator = make_translator("torch", beams=2)
    assert isinstance(translator, TorchTranslator)
    model = translator._model
    generate = model.generate
    asked: list[bool] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        asked.append(bool(kwargs.get("output_scores")))
        return generate(*args, **kwargs)

    monkeypatch.setattr(model, "generate", recording)
    scored = collect(translator.submit_scored(SENTENCES), len(SENTENCES))
    plain = collect(translator.submit_scored(SENTENCES, scores=False), len(SENTENCES))
    return scored, plain, asked


def test_torch_without_scores_keeps_no_logits_and_translates_the_same(
    make_translator: Callable[..., TranslationEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every step's logits over the vocabulary (what ``output_scores`` keeps) took the
    benchmark's torch rows from 0.9 to 3.6 GB; an output without scores asks for none."""
    scored, plain, asked = _torch_generate_calls(make_translator, monkeypatch)
    assert [s.text for s in plain] == [s.text for s in scored]
    assert scored and all(s.score is not None for s in scored)
    assert plain and all(s.score is None for s in plain)
    assert asked and asked[0] is True and asked[-1] is False


def test_meta_the_torch_logits_check_sees_scores_always_asked(
    make_translator: Callable[..., TranslationEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    from translator.engines import torch_engine

    original = torch_engine._generate_hypotheses

    def always_scored(*args: Any, **options: Any) -> Any:
        return original(*args, **{**options, "scored": True})

    monkeypatch.setattr(torch_engine, "_generate_hypotheses", always_scored)
    _, plain, asked = _torch_generate_calls(make_translator, monkeypatch)
    assert asked[-1] is True and plain[0].score is not None
