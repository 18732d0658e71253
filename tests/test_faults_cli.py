"""Reproductions of issue 21's CLI faults: outputs replaced without asking (21.6), SIGTERM
leaving temporary files (21.7), an offline first run stuck in hub retries (21.12).

Each test failed on main before the fix. The signal tests run a real ``translator``
process (``cli_with_fake_engine``: a slow fake engine, no model) and wait boundedly.
"""

from __future__ import annotations

import io
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.fakes import FakeTranslator, cli_with_fake_engine
from translator import engines
from translator.batch import MANIFEST_NAME

pytestmark = pytest.mark.faults

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
_WAIT_SECONDS = 90


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> FakeTranslator:
    fake = FakeTranslator()
    monkeypatch.setattr(engines, "load_translator", lambda *args, **kwargs: fake)
    return fake


def _word_file(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("Der Minister sagte, die Gespräche seien wichtig.")
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def _cli(*args: str, text: str = "") -> tuple[int, str, str]:
    from translator.cli import app

    result = runner.invoke(app, list(args), input=text)
    return result.exit_code, result.stdout, result.stderr


# --- 21.6: an output the user did not name is never replaced without --force ----------


def test_existing_implicit_docx_output_is_refused_and_kept(
    tmp_path: Path, fake_engine: FakeTranslator
) -> None:
    source = _word_file(tmp_path / "y.docx")
    existing = tmp_path / "y.en.docx"
    existing.write_bytes(b"the user's own edited translation")
    code, out, err = _cli("translate", str(source), "--no-cache")
    assert code == 2, err
    assert existing.read_bytes() == b"the user's own edited translation"
    assert "y.en.docx exists" in err and "--force" in err and "-o" in err
    assert fake_engine.calls == []  # refused before any work
    assert out == ""


@pytest.mark.parametrize("how", ["--force", "-o"])
def test_force_or_naming_the_output_replaces_it(
    tmp_path: Path, fake_engine: FakeTranslator, how: str
) -> None:
    import docx

    source = _word_file(tmp_path / "y.docx")
    existing = tmp_path / "y.en.docx"
    existing.write_bytes(b"old")
    extra = ["--force"] if how == "--force" else ["-o", str(existing)]
    code, _, err = _cli("translate", str(source), "--no-cache", *extra)
    assert code == 0, err
    written = docx.Document(io.BytesIO(existing.read_bytes()))
    assert "the Minister said" in written.paragraphs[0].text


def test_a_new_implicit_output_needs_no_force(tmp_path: Path, fake_engine: FakeTranslator) -> None:
    source = _word_file(tmp_path / "z.de.docx")
    code, _, err = _cli("translate", str(source), "--no-cache")
    assert code == 0, err
    assert (tmp_path / "z.en.docx").is_file()


# --- 21.7: SIGTERM cleans up like Ctrl-C ------------------------------------------------


def _wait_until(condition: Any, process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + _WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"the process ended before {what}: {process.communicate()}")
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"no {what} in {_WAIT_SECONDS} s")


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the process did not end {_WAIT_SECONDS} s after the signal")
    return process.returncode, out, err


def test_sigterm_during_translate_to_a_file_leaves_no_temporary(tmp_path: Path) -> None:
    # More than textio.STREAM_HEAD_BYTES of plain text: streamed, so the temporary output
    # file exists from the start (the 0-byte `.out.txt.xxxx.tmp` of the report).
    sentence = "Der Minister sagte, die Gespräche seien fruchtbar gewesen. "
    source = tmp_path / "big.txt"
    source.write_text((sentence * 8 + "\n\n") * 800, encoding="utf-8")
    output = tmp_path / "out.txt"
    process = _start(
        cli_with_fake_engine("translate", str(source), "-o", str(output), "--no-cache", delay=0.2)
    )

    def temporaries() -> list[Path]:
        return list(tmp_path.glob(".out.txt.*.tmp"))

    _wait_until(lambda: temporaries(), process, "temporary output file")
    time.sleep(0.5)  # into the translation (the slow fake takes 0.2 s a batch)
    assert process.poll() is None
    process.send_signal(signal.SIGTERM)
    code, _, err = _finish(process)
    assert code == 143, err
    assert err.rstrip().endswith("Terminated.")
    assert temporaries() == []
    assert not output.exists()


def _done_files(output: Path) -> int:
    manifest = output / MANIFEST_NAME
    if not manifest.exists():
        return 0
    try:
        with sqlite3.connect(manifest, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM files WHERE status='done'").fetchone()[0])
    except sqlite3.OperationalError:  # created, tables not yet
        return 0


_FILES = 24


def test_sigterm_stops_a_batch_after_the_current_unit_and_it_resumes(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for number in range(_FILES):
        text = "".join(
            f"Der Minister sagte in Bericht {number}, Absatz {line}, es sei wichtig.\n\n"
            for line in range(40)
        )  # distinct sentences: none is shared, each costs model time
        (inputs / f"doc{number:02d}.txt").write_text(text, encoding="utf-8")
    output = tmp_path / "out"
    args = ["batch", str(inputs), "-o", str(output), "--no-cache"]
    process = _start(cli_with_fake_engine(*args, delay=0.2))
    _wait_until(lambda: _done_files(output) >= 1, process, "finished file")
    process.send_signal(signal.SIGTERM)
    code, _, err = _finish(process)
    assert code == 143, err
    assert "Terminated:" in err and "Resume with the same command" in err
    assert "Traceback" not in err
    finished = _done_files(output)
    assert 1 <= finished < _FILES  # it stopped early, keeping what was done
    assert not [p for p in output.rglob("*.tmp")]
    rerun = _start(cli_with_fake_engine(*args))
    code, _, err = _finish(rerun)
    assert code == 0, err
    assert _done_files(output) == _FILES
    assert f"{finished} skipped" in err


# --- 21.12: no network, no retries: fail at once and say how to use a local model -------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """Online mode on a machine where every connection times out; records each attempt
    (address, timeout). The conftest socket guard stays: any other connection fails."""
    from huggingface_hub import constants

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TRANSLATOR_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    attempts: list[tuple[Any, Any]] = []

    def timeout(address: Any, timeout: Any = None, *args: Any, **kwargs: Any) -> socket.socket:
        attempts.append((address, timeout))
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", timeout)
    return attempts


def test_offline_first_run_fails_at_once_naming_the_local_model_options(
    no_network: list[tuple[Any, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    downloads: list[dict[str, Any]] = []
    real = huggingface_hub.snapshot_download

    def recording(*args: Any, **kwargs: Any) -> Any:
        downloads.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", recording)
    code, out, err = _cli("translate", "--no-cache", "-", text="Der Minister sagte es.")
    assert code == 1
    assert out == ""
    assert err.startswith("Error: Cannot reach the Hugging Face hub")
    for hint in ("-m/--translation-model PATH", "TRANSLATOR_TRANSLATION_MODEL", "models pull"):
        assert hint in err, hint
    assert len(no_network) == 1  # one attempt, not huggingface_hub's retries
    [(_, timeout)] = no_network
    assert timeout is not None and timeout <= 5
    assert downloads and all(call["local_files_only"] for call in downloads)
    assert "Retrying" not in err and err.count("\n") == 1


def test_models_pull_without_network_fails_at_once(
    no_network: list[tuple[Any, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no download may start when the hub cannot be reached")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", never)
    code, _, err = _cli("models", "pull", "opus-mt-de-en")
    assert code == 1
    assert "the Hugging Face hub cannot be reached" in err
    assert len(no_network) == 1


def test_a_reachable_hub_is_not_reported_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe's other side (meta-test): a connection that succeeds means reachable."""
    from huggingface_hub import constants

    from translator import store

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)

    class Connected:
        def close(self) -> None:
            pass

    monkeypatch.setattr(socket, "create_connection", lambda *args, **kwargs: Connected())
    assert store.hub_unreachable() is None
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("probed"))
    assert store.hub_unreachable() is None  # offline: huggingface_hub connects to nothing
