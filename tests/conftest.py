"""Shared fixtures: isolation from the network and the user's caches, tiny real models."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tiny_models import build_tiny_bart, build_tiny_marian

DATA = Path(__file__).parent / "data"
REPO_ROOT = Path(__file__).resolve().parent.parent

# One torch thread per test process. With the tiny models, a second thread only adds
# synchronisation: on 2 busy cores the engine tests took 57 s of CPU with 2 threads and
# 10 s with 1. Set before torch is first imported (tests import it lazily), and the
# engines leave torch's thread count alone when OMP_NUM_THREADS is set.
os.environ.setdefault("OMP_NUM_THREADS", "1")


class NetworkAccessError(RuntimeError):
    """A test tried to open a network connection."""


def _refuse_connection(self: socket.socket, address: Any, *args: Any, **kwargs: Any) -> None:
    raise NetworkAccessError(f"test tried to connect to {address!r}; tests must stay offline")


pytest_plugins = ["pytester"]  # test_isolation.py runs inner test files


@pytest.fixture(autouse=True)
def isolated_environment(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point every cache and models folder into tmp_path, go offline, and forbid sockets.

    Returns the folder holding the isolated homes. Tests marked ``network`` (``pytest -m
    network``, the real models from the hub) are left alone: real network, the user's own
    hub cache and environment; they get an empty folder that nothing points to.
    """
    if request.node.get_closest_marker("network") is not None:
        yield tmp_path / "not-isolated"
        return
    home = tmp_path / "isolated-home"
    hf_home = home / "huggingface"
    hub_cache = hf_home / "hub"
    models = home / "models"
    for folder in (hub_cache, models):
        folder.mkdir(parents=True)
    environment = {
        "HF_HOME": hf_home,
        "HF_HUB_CACHE": hub_cache,
        "HUGGINGFACE_HUB_CACHE": hub_cache,
        "TRANSFORMERS_CACHE": hub_cache,
        "TRANSLATOR_HOME": home,
        "TRANSLATOR_MODELS_DIR": models,
        "XDG_CACHE_HOME": home / "cache",  # the translation memory's default folder
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, str(value))
    # huggingface_hub reads these variables once, at import; patch the module constants
    # too, or a module imported earlier in the session would keep the real cache.
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HOME", str(hf_home))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hub_cache))
    monkeypatch.setattr(constants, "HUGGINGFACE_HUB_CACHE", str(hub_cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    # The last line of defence: any TCP/UDP connection fails loudly (Unix sockets, used
    # by multiprocessing, stay allowed).
    original_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any, *args: Any, **kwargs: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _refuse_connection(self, address)
        return original_connect(self, address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", _refuse_create_connection)
    yield home


def _refuse_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    raise NetworkAccessError(f"test tried to connect to {address!r}; tests must stay offline")


# --- a model registry of tiny models (test_store, test_models_cli) ---------------------------

PINNED = "fedcba9876543210fedcba9876543210fedcba98"
OLDER = "1111111111111111111111111111111111111111"
MARIAN_ID = "tiny-org/registered-marian"
BART_ID = "tiny-org/registered-bart"
TEST_REGISTRY = f"""
[models.tiny-marian]
hub_id = "{MARIAN_ID}"
revision = "{PINNED}"
task = "translation"
licence = "MIT"
size_mb = 1
default = true

[models.tiny-bart]
hub_id = "{BART_ID}"
revision = "{PINNED}"
task = "summarization"
licence = "Apache-2.0"
size_mb = 1
default = true

[models.tiny-extra]
hub_id = "tiny-org/extra"
revision = "{PINNED}"
task = "summarization"
licence = "MIT"
size_mb = 1234

[models.tiny-branch]
hub_id = "tiny-org/on-a-branch"
revision = "main"  # unpinned, for the test of branch pins
task = "summarization"
licence = "MIT"
size_mb = 2
"""


@pytest.fixture
def registry_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TEST_REGISTRY written out and named by TRANSLATOR_REGISTRY; nothing installed yet."""
    path = tmp_path / "registry.toml"
    path.write_text(TEST_REGISTRY, encoding="utf-8")
    monkeypatch.setenv("TRANSLATOR_REGISTRY", str(path))
    return path


def install(source: Path, alias: str, revision: str | None = PINNED) -> Path:
    """Copy a model folder into the store as `models pull` leaves it (``revision`` None:
    without its revision file)."""
    from translator.store import REVISION_FILE, entry_dir

    folder = entry_dir(alias)
    shutil.copytree(source, folder)
    if revision is not None:
        (folder / REVISION_FILE).write_text(f"{revision}\n", encoding="utf-8")
    return folder


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    """The translator's online mode (no offline variable set), still behind the socket guard:
    for tests that replace the hub's download with a fake."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TRANSLATOR_OFFLINE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def tiny_marian_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random MarianMT model folder, built once per session. Do not modify it."""
    return build_tiny_marian(tmp_path_factory.mktemp("models") / "tiny-marian")


@pytest.fixture(scope="session")
def tiny_bart_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BART summarizer folder, built once per session. Do not modify it."""
    return build_tiny_bart(tmp_path_factory.mktemp("models") / "tiny-bart")


def _converted_copy(model: Path, factory: pytest.TempPathFactory) -> Path:
    from translator.engines import convert

    folder = factory.mktemp("ct2") / model.name
    shutil.copytree(model, folder)
    convert.convert_model(folder)
    return folder


@pytest.fixture(scope="session")
def ct2_marian_dir(tiny_marian_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tiny Marian model with its CTranslate2 conversion inside."""
    return _converted_copy(tiny_marian_dir, tmp_path_factory)


@pytest.fixture(scope="session")
def ct2_bart_dir(tiny_bart_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tiny BART model with its CTranslate2 conversion inside."""
    return _converted_copy(tiny_bart_dir, tmp_path_factory)


@dataclass(frozen=True)
class ScriptRun:
    """A script run in a fresh interpreter: the modules imported by its end, its exit code
    (``SystemExit``'s, 0 when it ran through) and its output."""

    modules: frozenset[str]
    exit_code: int | str | None
    stdout: str
    stderr: str


_SCRIPT_WRAPPER = """
import json, sys
code = 0
try:
    exec(compile({script!r}, "<script>", "exec"), {{"__name__": "__main__"}})
except SystemExit as stop:
    code = stop.code if isinstance(stop.code, (int, type(None))) else str(stop.code)
with open({report!r}, "w", encoding="utf-8") as report:
    json.dump({{"modules": sorted(sys.modules), "code": code}}, report)
"""


@pytest.fixture
def imported_modules(tmp_path: Path) -> Callable[..., ScriptRun]:
    """Run a script in a fresh Python from the repository root and see what it imported:
    the one helper for every "nothing heavy was imported" check (cold start, --help)."""

    def run(script: str, *, stdin: str | None = None, timeout: float = 120) -> ScriptRun:
        report = tmp_path / f"imported-{len(list(tmp_path.glob('imported-*')))}.json"
        wrapper = _SCRIPT_WRAPPER.format(script=script, report=str(report))
        done = subprocess.run(
            [sys.executable, "-c", wrapper],
            input=stdin,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        assert done.returncode == 0 and report.exists(), done.stderr
        data = json.loads(report.read_text(encoding="utf-8"))
        return ScriptRun(frozenset(data["modules"]), data["code"], done.stdout, done.stderr)

    return run


@pytest.fixture
def sample_article() -> str:
    """The real German news article from shared/samples (a copy kept in tests/data)."""
    return (DATA / "belousov-dprk.de.txt").read_text(encoding="utf-8")
