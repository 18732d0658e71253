"""Speed, third pass (issue 26): no model loaded for nothing, batch files that stream,
the default batch rule, and the GPU path's dtype choice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
ENGINE_MODULES = (
    "torch",
    "transformers",
    "ctranslate2",
    "translator.engines.torch_engine",
    "translator.engines.ct2_engine",
)

# Runs the CLI in this interpreter, then says which engine modules it imported.
_CLI_THEN_MODULES = (
    "import json, sys\n"
    "from translator.cli import main\n"
    "sys.argv = ['translator', *json.loads(sys.argv[1])]\n"
    "code = 0\n"
    "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
    f"engine = [m for m in {ENGINE_MODULES!r} if m in sys.modules]\n"
    "print('ENGINE', json.dumps(engine, separators=(',', ':')), 'EXIT', code, file=sys.stderr)\n"
)


def _cli_modules(*args: str) -> tuple[list[str], int, str]:
    """(engine modules imported, exit code, stderr) of a CLI run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _CLI_THEN_MODULES, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("ENGINE ")]
    assert line, done.stderr
    _, modules, _, code = line[-1].split(" ", 3)
    return json.loads(modules), int(code), done.stderr


def _german_folder(folder: Path, files: int) -> Path:
    folder.mkdir()
    for number in range(files):
        (folder / f"n{number}.txt").write_text(
            f"Der Minister sagte am Montag {number}: „Wir bleiben.“\n", encoding="utf-8"
        )
    return folder


@pytest.mark.slow
def test_rerun_of_a_done_folder_imports_no_engine_module(
    tiny_marian_dir: Path, tmp_path: Path
) -> None:
    inputs = _german_folder(tmp_path / "in", 3)
    out = tmp_path / "out"
    args = ["batch", str(inputs), "-o", str(out), "-m", str(tiny_marian_dir), "--no-cache"]
    first, code, stderr = _cli_modules(*args)
    assert code == 0, stderr
    # The oracle: a run with files to translate does import the engine (else the check
    # below could never fail).
    assert "translator.engines.torch_engine" in first and "torch" in first
    assert sorted(p.name for p in out.glob("*.en.txt")) == ["n0.en.txt", "n1.en.txt", "n2.en.txt"]
    again, code, stderr = _cli_modules(*args)
    assert code == 0, stderr
    assert again == []
    assert "3 skipped" in stderr or "skipped 3" in stderr or "3 already done" in stderr, stderr


def test_a_locked_output_folder_is_refused_before_any_engine_import(tmp_path: Path) -> None:
    import fcntl

    from translator.manifest import LOCK_NAME

    inputs = _german_folder(tmp_path / "in", 1)
    out = tmp_path / "out"
    out.mkdir()
    with open(out / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        # A model name that cannot resolve: reaching the model at all would fail otherwise.
        modules, code, stderr = _cli_modules(
            "batch", str(inputs), "-o", str(out), "-m", str(tmp_path / "no-model"), "--offline"
        )
    assert code == 1
    assert "another `translator batch` is writing" in stderr
    assert modules == []


def test_translating_empty_input_imports_no_engine_module(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    modules, code, stderr = _cli_modules("translate", str(empty), "--no-cache")
    assert code == 0, stderr
    assert modules == []


_ENGLISH = (
    "The minister said on Monday that the government would act soon.\n\n"
    "Critics replied that the plan had come far too late for the region.\n"
)


def test_translating_a_whole_english_input_loads_no_model(
    tmp_path: Path, tiny_marian_dir: Path
) -> None:
    english = tmp_path / "english.txt"
    english.write_text(_ENGLISH, encoding="utf-8")
    output = tmp_path / "out.txt"
    modules, code, stderr = _cli_modules(
        "translate", str(english), "-m", str(tiny_marian_dir), "--no-cache", "-o", str(output)
    )
    assert code == 0, stderr
    assert modules == []
    assert "not German" in stderr
    assert output.read_text(encoding="utf-8").split() == _ENGLISH.split()  # passed through


def test_meta_a_german_input_does_load_the_model(tmp_path: Path, tiny_marian_dir: Path) -> None:
    """The check above can see a load: the same command on German text imports torch."""
    german = tmp_path / "german.txt"
    german.write_text("Der Minister sagte am Montag, die Regierung handle bald.\n", "utf-8")
    modules, code, stderr = _cli_modules(
        "translate", str(german), "-m", str(tiny_marian_dir), "--no-cache", "--engine", "torch"
    )
    assert code == 0, stderr
    assert "torch" in modules


def test_the_memory_counts_survive_the_deferred_load(tiny_marian_dir: Path, tmp_path: Path) -> None:
    from translator import Translator

    translator = Translator(str(tiny_marian_dir), engine="torch", cache=str(tmp_path / "m.db"))
    text = "Der Minister sagte am Montag, die Regierung handle bald."
    first = translator.translate(text)
    again = Translator(str(tiny_marian_dir), engine="torch", cache=str(tmp_path / "m.db"))
    second = again.translate(text)
    # The tiny model's garbage may be retried strictly: a second miss, then a second hit.
    assert first.cache is not None and first.cache.hits == 0 and first.cache.misses >= 1
    assert second.cache is not None and (second.cache.hits, second.cache.misses) == (
        first.cache.misses,
        0,
    )


def test_models_list_imports_no_engine_module() -> None:
    modules, code, stderr = _cli_modules("models", "list")
    assert code == 0, stderr
    assert modules == []


def test_the_planned_engine_is_the_one_that_loads(tiny_marian_dir: Path) -> None:
    from translator import Translator
    from translator.engines.base import engine_name

    translator = Translator(str(tiny_marian_dir), engine="torch")
    planned = translator.translation_plan()
    loaded = translator.translation_engine()
    assert planned == (loaded.info, engine_name(loaded))
    # and once loaded, the engine answers for itself
    assert translator.translation_plan() == planned


def test_every_lazy_engine_name_resolves() -> None:
    import translator.engines as engines

    assert engines.__all__
    for name in engines.__all__:
        assert getattr(engines, name).__name__ == name
    with pytest.raises(AttributeError):
        _ = engines.no_such_name


# -- large plain-text files stream in batch


def _large_german_text(paragraphs: int) -> str:
    lines = []
    for number in range(paragraphs):
        lines.append(
            f"Der Minister sagte am Montag in Berlin {number}: „Wir bleiben bei unserem Kurs.“ "
            f"Die Regierung erklärte, die Gespräche seien fruchtbar gewesen {number}."
        )
    return "\n\n".join(lines) + "\n"


def _streams_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files ``Translator.translate_stream`` is called for, from now on."""
    from translator.api import Translator

    called: list[str] = []
    original = Translator.translate_stream

    def spy(self: Translator, chunks: object, **kwargs: object) -> object:
        called.append(str(kwargs.get("source", "")))
        return original(self, chunks, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Translator, "translate_stream", spy)
    return called


@pytest.fixture
def big_text_folder(tmp_path: Path) -> Path:
    from translator import textio

    folder = tmp_path / "in"
    folder.mkdir()
    text = _large_german_text(3000)
    assert len(text.encode("utf-8")) > textio.STREAM_HEAD_BYTES  # read in two pieces at least
    (folder / "big.txt").write_text(text, encoding="utf-8")
    (folder / "small.txt").write_text(_large_german_text(3), encoding="utf-8")
    return folder


def test_a_streamed_batch_file_equals_the_whole_file_translation(
    big_text_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    from tests.batch_helpers import run_batch
    from tests.fakes import FakeTranslator
    from translator import textio
    from translator.batch import BatchSettings
    from translator.manifest import read_manifest

    streamed = _streams_counted(monkeypatch)
    whole = run_batch(BatchSettings(big_text_folder, tmp_path / "whole"), FakeTranslator())
    assert streamed == []  # below the default threshold: read whole
    settings = BatchSettings(
        big_text_folder, tmp_path / "streamed", stream_bytes=textio.STREAM_HEAD_BYTES
    )
    report = run_batch(settings, FakeTranslator())
    assert streamed == ["big.txt"]  # only the large file streams
    assert (whole.done, report.done, report.failed) == (2, 2, 0)
    for name in ("big.en.txt", "small.en.txt"):
        expected = (tmp_path / "whole" / name).read_bytes()
        assert expected.strip()
        assert (tmp_path / "streamed" / name).read_bytes() == expected
    assert not list((tmp_path / "streamed").glob(".*.tmp"))
    records = {record.path: record for record in read_manifest(tmp_path / "streamed")}
    big = (big_text_folder / "big.txt").read_bytes()
    # the chunked hash is the whole file's: changing the threshold redoes nothing
    assert records["big.txt"].sha256 == hashlib.sha256(big).hexdigest()
    assert records["big.txt"].quotations == 3000
    again = run_batch(settings, FakeTranslator())
    assert (again.skipped, again.done) == (2, 0)


def test_the_stream_check_sees_a_lost_section(
    big_text_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Meta: a streamed output that drops a section differs from the whole-file one."""
    from tests.batch_helpers import run_batch
    from tests.fakes import FakeTranslator
    from translator import textio
    from translator.batch import BatchSettings
    from translator.batch import run as batch_run

    run_batch(BatchSettings(big_text_folder, tmp_path / "whole"), FakeTranslator())
    original = batch_run._SectionCounts.each

    def dropping_second(self: object, sections: object, on_sentences: object) -> object:
        for number, section in enumerate(original(self, sections, on_sentences)):  # type: ignore[arg-type]
            if number != 1:
                yield section

    monkeypatch.setattr(batch_run._SectionCounts, "each", dropping_second)
    settings = BatchSettings(
        big_text_folder, tmp_path / "streamed", stream_bytes=textio.STREAM_HEAD_BYTES
    )
    run_batch(settings, FakeTranslator())
    whole = (tmp_path / "whole" / "big.en.txt").read_bytes()
    assert (tmp_path / "streamed" / "big.en.txt").read_bytes() != whole


class _DyingTranslator:
    """Fails after ``calls`` engine calls, as a crash in the middle of a file would."""

    def __init__(self, calls: int) -> None:
        from tests.fakes import FakeTranslator

        self.inner = FakeTranslator()
        self.left = calls

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def translate(self, texts: list[str], *, strict: bool = False) -> list[str]:
        self.left -= 1
        if self.left < 0:
            raise RuntimeError("the engine died")
        return self.inner.translate(texts, strict=strict)


def test_a_stream_that_dies_leaves_no_output_and_the_rerun_restarts_the_file(
    big_text_folder: Path, tmp_path: Path
) -> None:
    from tests.batch_helpers import run_batch
    from tests.fakes import FakeTranslator
    from translator import textio
    from translator.batch import BatchSettings

    (big_text_folder / "small.txt").unlink()
    out = tmp_path / "out"
    settings = BatchSettings(big_text_folder, out, stream_bytes=textio.STREAM_HEAD_BYTES)
    died = run_batch(settings, _DyingTranslator(3))  # type: ignore[arg-type]
    assert (died.done, died.failed) == (0, 1)
    assert "the engine died" in died.problems[0].error
    assert not (out / "big.en.txt").exists()
    assert not list(out.glob(".*.tmp"))  # the partial output went with the failure
    # a kill -9 leaves the partial output: the next run removes it and starts over
    (out / ".big.en.txt.abcd1234.tmp").write_text("half a translation", encoding="utf-8")
    again = run_batch(settings, FakeTranslator())
    assert again.done == 1
    assert not list(out.glob(".*.tmp"))
    run_batch(BatchSettings(big_text_folder, tmp_path / "whole"), FakeTranslator())
    assert (out / "big.en.txt").read_bytes() == (tmp_path / "whole" / "big.en.txt").read_bytes()


# -- the torch engine's dtype on CUDA (checked on the CPU: the GPU's answers are mocked)


@pytest.mark.parametrize(
    ("device", "requested", "bf16", "expected"),
    [
        ("cpu", "", True, "float32"),  # the CPU keeps float32: int8/fp32 paths are tuned
        ("cuda", "", True, "bfloat16"),
        ("cuda", "", False, "float16"),  # an older GPU without bfloat16
        ("cuda", "auto", True, "bfloat16"),
        ("cuda", "float32", True, "float32"),  # the variable wins
        ("cpu", "bfloat16", False, "bfloat16"),
    ],
)
def test_the_torch_dtype_choice(device: str, requested: str, bf16: bool, expected: str) -> None:
    from translator.engines.torch_engine import pick_dtype

    assert pick_dtype(device, requested, bf16_supported=bf16) == expected


def test_an_unknown_torch_dtype_is_refused() -> None:
    from translator.engines.torch_engine import pick_dtype
    from translator.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="TRANSLATOR_TORCH_DTYPE"):
        pick_dtype("cuda", "float8", bf16_supported=True)


def test_a_cuda_load_moves_the_model_to_half_precision(
    tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CUDA path with torch's CUDA answers mocked: the model is moved with the dtype
    ``pick_dtype`` chose (on a CPU machine the move itself is recorded, not made)."""
    import torch

    from translator.engines import torch_engine

    moves: list[dict[str, object]] = []

    def record(self: torch.nn.Module, *args: object, **kwargs: object) -> torch.nn.Module:
        moves.append(kwargs)
        return self

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.nn.Module, "to", record)
    torch_engine.load_seq2seq(tiny_marian_dir, task="translation", device="cuda")
    assert moves == [{"device": "cuda", "dtype": torch.float16}]
    moves.clear()
    torch_engine.load_seq2seq(tiny_marian_dir, task="translation", device="cpu")
    assert moves == [{"device": "cpu", "dtype": torch.float32}]


def test_a_locked_output_folder_is_refused_before_ray_starts(tmp_path: Path) -> None:
    import fcntl

    from translator.manifest import LOCK_NAME

    inputs = _german_folder(tmp_path / "in", 1)
    out = tmp_path / "out"
    out.mkdir()
    script = _CLI_THEN_MODULES.replace(
        "engine = [", "engine = ['ray'] if 'ray' in sys.modules else []\nengine += ["
    )
    with open(out / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                script,
                json.dumps(["batch", str(inputs), "-o", str(out), "--ray"]),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert "another `translator batch` is writing" in done.stderr
    assert "ENGINE [] EXIT 1" in done.stderr  # neither ray nor an engine was imported


def test_input_without_letters_needs_no_model_even_a_missing_one(tmp_path: Path) -> None:
    """No sentence needs the model, so a model that is not there is no error: the text
    passes through and the run succeeds, without importing an engine."""
    marks = tmp_path / "marks.txt"
    marks.write_text("‘ – 2024\n", encoding="utf-8")
    modules, code, stderr = _cli_modules(
        "translate", str(marks), "-m", str(tmp_path / "no-such-model"), "--no-cache"
    )
    assert code == 0, stderr
    assert modules == []
