"""translator as users get it: a wheel installed outside the checkout, and the small things
an installed CLI must get right (file modes, usage errors, out of memory, copied stores)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from translator import engines
from translator.cli import app
from translator.engines import convert
from translator.engines.common import out_of_memory_as_error
from translator.errors import OutOfMemoryError
from translator.registry import load_registry

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "data" / "belousov-dprk.de.txt"
runner = CliRunner()


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_output_file_gets_the_usual_mode(
    tiny_marian_dir: Path, tmp_path: Path, umask_022: None
) -> None:
    target = tmp_path / "out.en.txt"
    result = runner.invoke(
        app, ["translate", str(SAMPLE), "-m", str(tiny_marian_dir), "-o", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_unknown_device_is_a_usage_error(tiny_marian_dir: Path) -> None:
    result = runner.invoke(
        app, ["translate", "-", "-m", str(tiny_marian_dir), "--device", "gpu"], input="Hallo."
    )
    assert result.exit_code == 2
    assert "gpu" in result.stderr


def test_out_of_memory_from_torch_or_ct2_is_the_documented_error() -> None:
    import torch

    for raised in (
        torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
        RuntimeError("CUDA failed with error out of memory"),  # CTranslate2's wording
    ):
        with pytest.raises(OutOfMemoryError, match="lower --batch-size"), out_of_memory_as_error():
            raise raised
    with pytest.raises(ValueError, match="unrelated"), out_of_memory_as_error():
        raise ValueError("unrelated")


def test_out_of_memory_in_the_engine_reaches_the_user_as_one_line(
    tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    engine = engines.load_translator(str(tiny_marian_dir), device="cpu", engine="torch")

    def exhausted(*args: object, **kwargs: object) -> None:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(engine._model, "generate", exhausted)  # type: ignore[attr-defined]
    monkeypatch.setattr(engines, "load_translator", lambda *args, **kwargs: engine)
    result = runner.invoke(app, ["translate", "-", "-m", "x"], input="Der Minister kam heute.")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: out of memory (CUDA out of memory.")
    assert "This is a bug" not in result.stderr


def test_a_copied_store_keeps_its_ctranslate2_copy(tiny_marian_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("ctranslate2")
    original = tmp_path / "original"
    shutil.copytree(tiny_marian_dir, original)
    convert.convert_model(original)
    assert convert.find_converted(original) is not None
    # cp -r / scp / unzip give every file a new modification time.
    copied = tmp_path / "copied"
    shutil.copytree(original, copied, copy_function=shutil.copyfile)
    os.utime(copied / "model.safetensors", (1, 1))
    assert convert.find_converted(copied) == copied / "ctranslate2"
    # Different weights make the copy stale.
    weights = copied / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert convert.find_converted(copied) is None


def _build_wheel(destination: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(destination),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    wheels = list(destination.glob("translator-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.mark.slow
def test_a_wheel_installed_elsewhere_works_outside_the_checkout(
    tiny_marian_dir: Path, tmp_path: Path
) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target)]
        + [str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(SAMPLE, work / "article.de.txt")
    home = tmp_path / "home"
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TRANSLATOR_") and key != "PYTHONPATH"
    }
    environment.update(
        PYTHONPATH=str(target),
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=work, env=environment, capture_output=True, text=True
        )

    located = run("-c", "import translator; print(translator.__file__)")
    assert located.returncode == 0, located.stderr
    assert Path(located.stdout.strip()).is_relative_to(target)

    listed = run("-m", "translator", "models", "list")
    assert listed.returncode == 0, listed.stderr
    registry = load_registry(REPO / "models" / "registry.toml")
    assert registry.entries
    for entry in registry.entries:
        assert entry.alias in listed.stdout
        assert entry.revision[:7] in listed.stdout  # pinned, as in the checkout's registry
    store = home / "data" / "translator" / "models"
    assert f"Models folder: {store}" in listed.stderr

    script = (
        "import json, sys; from translator import Translator; "
        f"r = Translator({str(tiny_marian_dir)!r}).translate_file('article.de.txt'); "
        "print(json.dumps(r.to_dict()))"
    )
    translated = run("-c", script)
    assert translated.returncode == 0, translated.stderr
    data = json.loads(translated.stdout)
    assert len(data["paragraphs"]) == 11  # the sample's paragraphs
    assert len(data["quotes"]) == 7  # and its quotations (tests/data/real_quotes gold)

    version = run("-m", "translator", "--version")
    assert version.returncode == 0 and version.stdout.startswith("translator ")


def _make_dry_run(*args: str) -> str:
    """The commands `make ARGS` would run (make -n: nothing is installed)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", "-B", *args], cwd=REPO, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.mark.faults
def test_make_install_takes_the_pinned_cpu_torch_first_and_can_fall_back(tmp_path: Path) -> None:
    commands = _make_dry_run("install", f"VENV={tmp_path / 'venv'}")
    lines = commands.splitlines()
    torch_at = next(i for i, line in enumerate(lines) if "torch==" in line)
    package_at = next(i for i, line in enumerate(lines) if "-e '.[dev]'" in line)
    assert torch_at < package_at  # torch first: the package's unpinned torch is then satisfied
    torch_step = "\n".join(lines[torch_at - 1 : package_at])
    assert "--index-url https://download.pytorch.org/whl/cpu" in torch_step
    assert "torch==2.13.0" in torch_step
    assert "||" in torch_step  # an unreachable CPU index falls back to pip's own indexes
    assert str(tmp_path / "venv") in commands  # VENV= is honoured
    cuda = _make_dry_run("install", "TORCH_INDEX=https://download.pytorch.org/whl/cu128")
    assert "--index-url https://download.pytorch.org/whl/cu128" in cuda


def test_make_translate_takes_a_model() -> None:
    assert "--translation-model '/models/opus'" in _make_dry_run(
        "translate", "MODEL=/models/opus", "FILE=a.txt"
    )
    assert "--translation-model" not in _make_dry_run("translate", "FILE=a.txt")
