"""The suite's isolation (conftest.isolated_environment) and its one exception.

Every test runs offline, with its own hub cache and a socket guard; a test marked ``network``
(``pytest -m network``: the real models from the hub) runs with the real network and the
user's own cache, or it could never pass. Shown without the network: an inner pytest run,
in a fresh process with this suite's conftest, connects to a listener on localhost, which
the guard refuses for any TCP address.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).parent

INNER_TESTS = """
import os
import socket

import pytest
from huggingface_hub import constants


def connect_to_localhost() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
        with socket.socket() as client:
            client.connect(server.getsockname())


@pytest.mark.network
def test_network_marked_is_not_isolated() -> None:
    connect_to_localhost()
    assert constants.HF_HUB_OFFLINE is False
    assert os.environ["HF_HOME"] == os.environ["USER_HF_HOME"] == constants.HF_HOME
    assert "HF_HUB_OFFLINE" not in os.environ
    assert "TRANSLATOR_OFFLINE" not in os.environ


def test_unmarked_is_isolated(tmp_path) -> None:
    with pytest.raises(Exception, match="tests must stay offline"):
        connect_to_localhost()
    assert constants.HF_HUB_OFFLINE is True
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["HF_HOME"] != os.environ["USER_HF_HOME"]
    assert constants.HF_HOME == os.environ["HF_HOME"]
    assert constants.HF_HOME.startswith(str(tmp_path))
"""


def test_network_marked_tests_skip_the_isolation_and_the_others_keep_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The inner process starts from a user's environment, not from this test's isolated one.
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TRANSLATOR_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    user_hf_home = str(tmp_path / "users-own-hf-home")
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", user_hf_home)
    monkeypatch.setenv("USER_HF_HOME", user_hf_home)
    paths = [str(TESTS), str(TESTS.parent), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path for path in paths if path))
    pytester.makeconftest((TESTS / "conftest.py").read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\nmarkers =\n    network: the real hub\n")
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=2)


def test_imported_modules_reports_what_a_script_imported(imported_modules: Any) -> None:
    """The helper behind the "nothing heavy was imported" checks can see an import, and a
    script's exit code."""
    run = imported_modules("import sys, colorsys\nprint('out')\nsys.exit(3)")
    assert "colorsys" in run.modules and "tomllib" not in run.modules
    assert run.exit_code == 3 and run.stdout == "out\n"
