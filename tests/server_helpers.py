"""Running the server for real on loopback in tests: a uvicorn in a thread with a bounded
life, a free port, and loopback let through conftest's no-network guard (only loopback:
any other address still fails)."""

from __future__ import annotations

import _socket
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

_REAL_CREATE_CONNECTION = socket.create_connection  # captured before conftest patches it
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let connections to this machine through; everything else stays refused."""

    def check(address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise RuntimeError(f"test tried to connect to {address!r}; only loopback is allowed")

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address)
        _socket.socket.connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address)
        return _socket.socket.connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        check(address)
        return _REAL_CREATE_CONNECTION(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(app: Any, seconds: float = 60.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 in a thread; yields its base URL. The
    server stops when the block ends (or is told to after ``seconds``)."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    stop_at = time.monotonic() + seconds
    timer = threading.Timer(seconds, lambda: setattr(server, "should_exit", True))
    timer.daemon = True
    timer.start()
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > stop_at:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        timer.cancel()
        server.should_exit = True
        thread.join(timeout=15)
        assert not thread.is_alive(), "the server did not stop"


def library(engine: Any = None) -> Any:
    """A Translator around ``engine`` (a fresh ``FakeTranslator`` by default), no memory."""
    from fakes import FakeTranslator

    from translator import Translator

    return Translator.from_engines(engine or FakeTranslator(), cache=False)


def expected(text: str) -> str:
    """What the library gives for ``text`` on a fresh fake engine: the tests' oracle."""
    return str(library().translate(text).translation)
