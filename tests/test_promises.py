"""README promises that had no test (review 2026-12 §1.5): the output length guard, Ray
workers with different models, batch's --pattern/--no-recursive and --cache-max-mb through
the CLI, underlined runs in .docx, and the .xhtml extension."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.fakes import FakeTranslator, RetryScriptedTranslator, use_fake_engine
from translator import memory_store
from translator.cli import app
from translator.errors import ClusterError
from translator.pipeline import translate_document
from translator.schema import ModelInfo

runner = CliRunner()

SENTENCE = "Der Minister sagte heute, dass die Gespräche fortgesetzt werden."


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> FakeTranslator:
    return use_fake_engine(monkeypatch, FakeTranslator())


# --- the length guard: "an output far longer or shorter than its source ... is regenerated
# with stricter decoding; if it is still off, a warning says so" -----------------------------


def _faithful(text: str) -> str:
    return text


FAR_OFF = [
    pytest.param(lambda out: " ".join([out] * 10), id="ten-times-longer"),
    pytest.param(lambda out: out[:3], id="a-twentieth"),
]


@pytest.mark.parametrize("off", FAR_OFF)
def test_an_output_far_off_in_length_is_regenerated_strictly(off: Any) -> None:
    engine = RetryScriptedTranslator(loose=off, strict=_faithful)
    result = translate_document(SENTENCE, engine)
    assert engine.strict_calls == [[SENTENCE]]
    assert result.translation == FakeTranslator().translate_one(SENTENCE)
    assert result.warnings == ()


@pytest.mark.parametrize("off", FAR_OFF)
def test_an_output_still_off_after_the_retry_is_kept_with_a_warning(off: Any) -> None:
    engine = RetryScriptedTranslator(loose=off, strict=off)
    result = translate_document(SENTENCE, engine)
    assert len(engine.strict_calls) == 1
    assert result.translation == off(FakeTranslator().translate_one(SENTENCE))
    assert any("degenerate" in warning for warning in result.warnings), result.warnings


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda out: out + " " + out, id="twice-as-long"),
        pytest.param(lambda out: out[: len(out) // 2], id="half"),
    ],
)
def test_an_output_of_ordinary_length_is_not_regenerated(shape: Any) -> None:
    engine = RetryScriptedTranslator(loose=shape, strict=_faithful)
    result = translate_document(SENTENCE, engine)
    assert engine.strict_calls == []
    assert result.translation == shape(FakeTranslator().translate_one(SENTENCE))


# --- Ray: "All workers must load the same model revisions (the run stops, naming both)" ------


class _FakeRay:
    """Just enough of the ``ray`` module for RayExecutor's start-up: each actor "loads" the
    next description of ``descriptions``."""

    class exceptions:  # noqa: N801 (mirrors ray.exceptions)
        class RayError(Exception):
            pass

    def __init__(self, descriptions: list[Any]) -> None:
        self.descriptions = iter(descriptions)
        self.killed: list[Any] = []

    def is_initialized(self) -> bool:
        return True

    def cluster_resources(self) -> dict[str, float]:
        return {"CPU": 2.0}

    def remote(self, **options: Any) -> Any:
        fake = self

        class ActorClass:
            def __init__(self, worker_class: type) -> None:
                pass

            def remote(self, *arguments: Any) -> Any:
                description = next(fake.descriptions)

                class Actor:
                    class describe:  # noqa: N801 (an actor method handle)
                        @staticmethod
                        def remote() -> Any:
                            return (description, 1234)

                return Actor()

        return ActorClass

    def get(self, future: Any) -> Any:
        return future

    def wait(self, futures: list[Any], num_returns: int = 1, timeout: float | None = None) -> Any:
        return futures[:num_returns], futures[num_returns:]

    def kill(self, actor: Any, no_restart: bool = True) -> None:
        self.killed.append(actor)


def _description(revision: str) -> Any:
    from translator.executors import EngineDescription

    return EngineDescription(ModelInfo("Helsinki-NLP/opus-mt-de-en", revision), None, "Torch")


def test_ray_workers_with_different_model_revisions_stop_the_run_naming_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("ray")  # the dev extra installs it; the module imports it lazily
    from translator import ray_executor

    fake = _FakeRay([_description("aaaa1111"), _description("bbbb2222")])
    monkeypatch.setattr(ray_executor, "import_ray", lambda: fake)
    executor = ray_executor.RayExecutor(
        translator=Any,  # type: ignore[arg-type]  # travels to the workers only
        summarize=False,
        window_sentences=64,
        settings=ray_executor.RaySettings(workers=2),
    )
    with pytest.raises(ClusterError, match="different models") as caught:
        executor.wait_for_workers()
    assert "aaaa1111" in str(caught.value) and "bbbb2222" in str(caught.value)
    assert len(fake.killed) == 1  # the odd worker out


def test_ray_workers_with_the_same_models_start(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ray")
    from translator import ray_executor

    fake = _FakeRay([_description("aaaa1111"), _description("aaaa1111")])
    monkeypatch.setattr(ray_executor, "import_ray", lambda: fake)
    executor = ray_executor.RayExecutor(
        translator=Any,  # type: ignore[arg-type]
        summarize=False,
        window_sentences=64,
        settings=ray_executor.RaySettings(workers=2),
    )
    executor.wait_for_workers()
    assert executor.workers_alive() == 2
    assert executor.describe() == _description("aaaa1111")


# --- batch: --pattern and --no-recursive through the CLI ------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    source = tmp_path / "in"
    (source / "sub").mkdir(parents=True)
    (source / ".hidden").mkdir()
    for relative in ("top.txt", "top.md", "notes.rst", "sub/deep.txt", "sub/deep.rst"):
        (source / relative).write_text(SENTENCE + "\n", encoding="utf-8")
    (source / ".secret.txt").write_text(SENTENCE + "\n", encoding="utf-8")
    (source / ".hidden" / "inside.txt").write_text(SENTENCE + "\n", encoding="utf-8")
    return source


def _written(output: Path) -> set[str]:
    return {
        path.relative_to(output).as_posix()
        for path in output.rglob("*")
        if path.is_file() and not path.name.startswith(".") and "manifest" not in path.name
    }


def test_batch_cli_default_patterns_recurse_and_skip_hidden_files(
    fake_engine: FakeTranslator, tree: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(tree), "-o", str(output), "--no-cache"])
    assert result.exit_code == 0, result.stderr
    assert _written(output) == {"top.en.txt", "top.en.md", "sub/deep.en.txt"}


def test_batch_cli_pattern_chooses_the_files(
    fake_engine: FakeTranslator, tree: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    args = ["batch", str(tree), "-o", str(output), "--no-cache", "--pattern", "*.rst"]
    result = runner.invoke(app, [*args, "-p", "top.md"])
    assert result.exit_code == 0, result.stderr
    assert _written(output) == {"notes.en.rst", "top.en.md", "sub/deep.en.rst"}


def test_batch_cli_no_recursive_stays_in_the_folder(
    fake_engine: FakeTranslator, tree: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    args = ["batch", str(tree), "-o", str(output), "--no-cache", "--no-recursive"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert _written(output) == {"top.en.txt", "top.en.md"}


# --- --cache-max-mb through the CLI ----------------------------------------------------------


@pytest.fixture
def opened_memories(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every translation memory the run opens."""
    opened: list[Any] = []
    real = memory_store.TranslationMemory

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            opened.append(self)

    monkeypatch.setattr(memory_store, "TranslationMemory", Recording)
    yield opened


@pytest.mark.parametrize("command", ["translate", "batch"])
def test_cache_max_mb_bounds_the_memory_the_cli_opens(
    fake_engine: FakeTranslator,
    opened_memories: list[Any],
    tmp_path: Path,
    command: str,
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text(SENTENCE + "\n", encoding="utf-8")
    cache = tmp_path / "memory.sqlite3"
    target = [str(source / "a.txt")] if command == "translate" else [str(source), "-o"]
    if command == "batch":
        target.append(str(tmp_path / "out"))
    args = [command, *target, "--cache", str(cache), "--cache-max-mb", "3"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert opened_memories, "the run opened no translation memory"
    assert {m.max_bytes for m in opened_memories} == {3 * 1024 * 1024}
    assert cache.exists()


def test_cache_max_mb_must_be_positive(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text(SENTENCE, encoding="utf-8")
    result = runner.invoke(app, ["translate", str(source), "--cache-max-mb", "0"])
    assert result.exit_code == 2


# --- .docx: underlined stretches -------------------------------------------------------------


def _docx_with_underline() -> bytes:
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph("Der Minister sagte, die Gespräche seien ")
    paragraph.add_run("sehr").underline = True
    paragraph.add_run(" wichtig für die Zusammenarbeit.")
    paragraph = document.add_paragraph("Er betonte: „Das ist ")
    paragraph.add_run("sehr").underline = True
    paragraph.add_run(" wichtig“, und ging.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_underlined_runs_stay_underlined_outside_and_inside_quotations() -> None:
    import docx

    from translator.formats import DocxSource, read_bytes
    from translator.formats.docx import write_docx_bytes

    source = read_bytes(_docx_with_underline(), "pm.docx")
    assert isinstance(source, DocxSource)
    result = translate_document(source.document, FakeTranslator())
    after = docx.Document(io.BytesIO(write_docx_bytes(source, result)))
    runs = [(r.text, r.underline) for r in after.paragraphs[0].runs]
    assert runs == [
        ("the Minister said, the Gespräche seien ", None),
        ("sehr", True),
        (" wichtig für the Zusammenarbeit.", None),
    ]
    runs = [(r.text, r.underline) for r in after.paragraphs[1].runs]
    assert runs == [("he betonte: „Das ist ", None), ("sehr", True), (" wichtig“, and ging.", None)]


# --- the .xhtml extension --------------------------------------------------------------------

ARTICLE = "".join(
    f"<p>Der Minister sagte heute in Berlin, dass die Gespräche über die Zusammenarbeit "
    f"fortgesetzt werden, Absatz {i}.</p>"
    for i in range(6)
)
XHTML = (
    '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
    "<head><title>Meldung</title></head><body><nav>Startseite Impressum</nav>"
    f"<article><h1>Meldung</h1>{ARTICLE}</article></body></html>"
)


def test_xhtml_is_read_as_a_page(fake_engine: FakeTranslator, tmp_path: Path) -> None:
    from translator.formats import InputFormat, detect_format

    page = tmp_path / "meldung.xhtml"
    page.write_text(XHTML, encoding="utf-8")
    assert detect_format(page.name, XHTML.encode()) is InputFormat.HTML
    result = runner.invoke(app, ["translate", str(page), "--no-cache"])
    assert result.exit_code == 0, result.stderr
    assert "<p>" not in result.stdout and "xmlns" not in result.stdout
    assert "the Minister said" in result.stdout
    assert "Impressum" not in result.stdout  # navigation is not the article


def test_batch_writes_an_xhtml_page_as_text(fake_engine: FakeTranslator, tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "meldung.de.xhtml").write_text(XHTML, encoding="utf-8")
    output = tmp_path / "out"
    args = ["batch", str(source), "-o", str(output), "--no-cache", "--pattern", "*.xhtml"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert _written(output) == {"meldung.en.txt"}
    assert "the Minister said" in (output / "meldung.en.txt").read_text(encoding="utf-8")
