"""Helpers the batch tests share (test_batch, test_ray_batch): ``run_batch``, a batch run in
this process around loose engines (fakes, tiny models; the CLI builds its ``Translator`` and
executor itself), folders of unique articles, and readers of a run's outputs and manifest
while it runs."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from translator.api import Translator
from translator.batch import (
    MANIFEST_NAME,
    UNIT_SENTENCES,
    BatchProgressCallback,
    BatchReport,
    BatchSettings,
    execute_batch,
)
from translator.engines import SummarizationEngine, TranslationEngine
from translator.executors import LocalExecutor
from translator.options import Options


def run_batch(
    settings: BatchSettings,
    translator: TranslationEngine,
    options: Options | None = None,
    *,
    summarizer: SummarizationEngine | None = None,
    progress: BatchProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BatchReport:
    """``execute_batch`` with a ``LocalExecutor`` around ``translator`` (and ``summarizer``
    when ``options.summarize``), the options passed to both."""
    options = options or Options()
    summarize = options.summarize and summarizer is not None
    facade = Translator.from_engines(
        translator,
        summarizer if summarize else None,
        quotes=options.quotes,
        quote_marks=options.quote_marks,
        summary_length=str(options.summary_length),
        summary_max_words=options.summary_max_words,
        glossary=options.glossary,
    )
    return execute_batch(
        settings,
        LocalExecutor(facade, summarize, UNIT_SENTENCES),
        replace(options, summarize=summarize),
        progress=progress,
        should_stop=should_stop,
    )


_WORDS = ["Ja", "Nein", "Gut", "Danke", "Heute", "Morgen", "Bitte", "Genau"]


def article(number: int, sentences: int = 3) -> str:
    """A short German-looking text whose sentences are unique across the folder (the
    pipeline deduplicates sentences, and the tests need real model work)."""
    return (
        " ".join(f"{_WORDS[(number + k) % 8]} {number * sentences + k}." for k in range(sentences))
        + "\n"
    )


def outputs(folder: Path) -> dict[str, bytes]:
    """Every output file (not the manifest, lock or temporaries), by relative path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(("translator-manifest", "."))
    }


def done_records(output: Path) -> dict[str, tuple[int, float]]:
    """path -> (run id, finished at) of the done records, read while a run may write."""
    path = output / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        with sqlite3.connect(path, timeout=5) as db:
            rows = db.execute(
                "SELECT path, run_id, finished_at FROM files WHERE status='done'"
            ).fetchall()
    except sqlite3.OperationalError:  # created but its tables not yet
        return {}
    return {row[0]: (row[1], row[2]) for row in rows}


def manifest_runs(output: Path) -> list[tuple[int, str, int | None]]:
    with sqlite3.connect(output / MANIFEST_NAME) as db:
        return db.execute("SELECT id, status, skipped FROM runs ORDER BY id").fetchall()


def wait_for_done_records(
    process: subprocess.Popen[str], output: Path, at_least: int
) -> dict[str, tuple[int, float]]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = done_records(output)
        if len(done) >= at_least:
            return done
        if process.poll() is not None:
            pytest.fail(f"the batch ended before it could be interrupted: {process.stderr}")
        time.sleep(0.005)
    process.kill()
    pytest.fail("the batch recorded no file in 120 s")
