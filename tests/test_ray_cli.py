"""`translator batch --ray` without a cluster: Ray missing, a head that does not answer, and
a local batch that never imports Ray. (Apart from test_ray_batch.py, whose module-wide Ray
instance would otherwise be the one these tests meet.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from translator.cli import app

_REAL_CREATE_CONNECTION = __import__("socket").create_connection
_REAL_CONNECT = __import__("socket").socket.connect


def test_without_ray_installed_ray_is_an_error_naming_the_install(
    tmp_path: Path, tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Hallo.\n", encoding="utf-8")
    args = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*args, "-m", str(tiny_marian_dir), "--ray"])
    assert result.exit_code == 2
    assert "pip install 'translator[ray]'" in result.output


@pytest.mark.slow
def test_a_local_batch_never_imports_ray(tmp_path: Path, tiny_marian_dir: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Hallo Welt.\n", encoding="utf-8")
    script = (
        "import sys\n"
        "from translator.cli import main\n"
        f"sys.argv = ['translator', 'batch', {str(tmp_path / 'in')!r}, '-o', "
        f"{str(tmp_path / 'out')!r}, '-m', {str(tiny_marian_dir)!r}, '--offline']\n"
        "try:\n    main()\nexcept SystemExit as end:\n    assert not end.code, end.code\n"
        "print('ray imported:', 'ray' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "ray imported: False" in done.stdout
    assert (tmp_path / "out" / "a.en.txt").is_file()


def test_a_head_that_does_not_answer_is_an_error_at_once(
    tmp_path: Path, tiny_marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    # The tests forbid network connections; this one may try loopback, the head's address.
    monkeypatch.setattr(socket, "create_connection", _REAL_CREATE_CONNECTION)
    monkeypatch.setattr(socket.socket, "connect", _REAL_CONNECT)
    with socket.socket() as closed:  # a loopback port with nothing listening
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Hallo.\n", encoding="utf-8")
    args = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-m", str(tiny_marian_dir)]
    result = CliRunner().invoke(app, [*args, "--ray-address", f"127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert f"no Ray cluster answers at 127.0.0.1:{port}" in result.output
    assert "ray start --head" in result.output
