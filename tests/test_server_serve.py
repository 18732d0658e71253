"""`translator serve` as users run it: a real process with the tiny model, on loopback.

It says where it listens and which model it loaded, answers /health only once ready, and
on SIGTERM finishes the requests in flight, refuses new ones and exits 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from server_helpers import allow_loopback, free_port

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).parent / "data" / "belousov-dprk.de.txt"


@pytest.fixture
def server(
    tiny_marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    allow_loopback(monkeypatch)
    port = free_port()
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "translator",
                "serve",
                "--port",
                str(port),
                "-m",
                str(tiny_marian_dir),
                "--no-cache",
                "--req-limit",
                "0",
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, stderr.read_text()
            try:
                if httpx.get(f"{url}/health", timeout=2).json() == {"status": "ok"}:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.2)
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        process.stdout and process.stdout.close()
    (tmp_path / "stderr.seen").write_text(stderr.read_text())


def test_serve_says_where_and_what_then_translates(
    server: tuple[subprocess.Popen[str], str], tmp_path: Path
) -> None:
    process, url = server
    answer = httpx.post(
        f"{url}/translate", json={"q": "Der Minister sagte.", "source": "de", "target": "en"}
    )
    assert answer.status_code == 200 and answer.json()["translatedText"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    said = (tmp_path / "stderr.txt").read_text()
    assert f"Ready: {url}/" in said
    assert "tiny-marian" in said  # the model it loaded


def test_sigterm_finishes_requests_in_flight_and_refuses_new_ones(
    server: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = server
    article = SAMPLE.read_text(encoding="utf-8")
    body = {"text": article}
    with ThreadPoolExecutor(2) as pool:
        in_flight = [
            pool.submit(httpx.post, f"{url}/v1/translate", json=body, timeout=120) for _ in range(2)
        ]
        time.sleep(0.5)  # the requests are in the server
        process.send_signal(signal.SIGTERM)
        answers = [future.result() for future in in_flight]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert all(answer.json()["translation"] for answer in answers)
    assert process.wait(timeout=60) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/health", timeout=2)
