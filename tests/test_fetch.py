"""An article's URL: fetched from a local HTTP server on 127.0.0.1 (a thread of this
process), bounded in time, size and redirects, only http(s), only web pages."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.fakes import FakeTranslator
from tests.pdf_fixtures import HEADLINE, news_pdf
from translator import fetch
from translator.api import Translator
from translator.cli import app
from translator.errors import InputError
from translator.formats import (
    ArticleSource,
    InputFormat,
    PdfSource,
    TextSource,
    read_input,
    read_url,
)

PAGE = (Path(__file__).parent / "data" / "formats" / "news-page.de.html").read_bytes()
# A sentence of the page fixture's article, by construction of the fixture.
ARTICLE_WORDS = "Beloussow"
SLOW_SECONDS = 2.0
# The real connect, taken before any test's conftest fixture replaces it.
_ORIGINAL_CONNECT = socket.socket.connect


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, content_type: str, body: bytes, **headers: str) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", headers.pop("length", str(len(body))))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/artikel":
            self._send(200, "text/html; charset=utf-8", PAGE)
        elif path == "/weiter":
            self._send(302, "", b"", Location="/artikel")
        elif path.startswith("/kette/"):
            self._send(302, "", b"", Location=f"/kette/{int(path.rsplit('/', 1)[1]) + 1}")
        elif path == "/zur-datei":
            self._send(302, "", b"", Location="file:///etc/passwd")
        elif path == "/fehlt":
            self._send(404, "text/html", b"<html><body>Nicht gefunden</body></html>")
        elif path == "/langsam":
            time.sleep(SLOW_SECONDS)
            self._send(200, "text/html", PAGE)
        elif path == "/riesig":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(100):  # 6.5 MB without a length, until the client stops
                    self.wfile.write(b"<p>" + b"x" * 65_536 + b"</p>")
            except OSError:
                pass
        elif path == "/riesig-angesagt":
            self._send(200, "text/html", b"<html></html>", length="5000000000")
        elif path == "/bild":
            self._send(200, "image/png", b"\x89PNG\r\n\x1a\n")
        elif path == "/pdf":
            self._send(200, "application/pdf", news_pdf())
        else:
            self._send(500, "text/plain", b"?")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections to 127.0.0.1 (the test server) pass; conftest refuses every other."""
    guarded = socket.socket.connect
    original = _ORIGINAL_CONNECT

    def connect(self: socket.socket, address: Any, *args: Any) -> Any:
        if isinstance(address, tuple) and address[0] == "127.0.0.1":
            return original(self, address, *args)
        return guarded(self, address, *args)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_a_page_is_fetched_and_its_article_read(server: str) -> None:
    source = read_url(f"{server}/artikel")
    assert isinstance(source, ArticleSource)
    assert ARTICLE_WORDS in "\n".join(p.text for p in source.document.paragraphs)
    text, _ = read_input(f"{server}/artikel", InputFormat.TEXT)
    assert isinstance(text, TextSource) and ARTICLE_WORDS in text.text


def test_a_redirect_is_followed(server: str) -> None:
    page = fetch.fetch(f"{server}/weiter")
    assert page.url == f"{server}/artikel" and page.data == PAGE
    assert (page.content_type, page.charset) == ("text/html", "utf-8")


def test_redirects_are_limited(server: str) -> None:
    with pytest.raises(InputError, match="redirects more than 3 times"):
        fetch.fetch(f"{server}/kette/0", max_redirects=3)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"], ids=str
)
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(InputError, match="not an http or https address"):
        read_input(url)


def test_a_redirect_to_a_file_is_refused(server: str) -> None:
    with pytest.raises(InputError, match=r"file:///etc/passwd is not an http or https"):
        fetch.fetch(f"{server}/zur-datei")


def test_an_error_status_is_a_clear_error(server: str) -> None:
    with pytest.raises(InputError, match="answered 404 Not Found. Check the address"):
        read_url(f"{server}/fehlt")


def test_a_slow_server_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match=r"did not send .* within 0.3 seconds"):
        fetch.fetch(f"{server}/langsam", timeout=0.3)
    assert time.monotonic() - started < SLOW_SECONDS  # it did not wait for the server


def test_a_huge_body_is_cut_at_the_limit(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[int] = []
    original = fetch._body

    def counting(response: object, *args: object) -> fetch.Fetched:
        try:
            return original(response, *args)  # type: ignore[arg-type]
        finally:
            read.append(int(getattr(response, "_fp_bytes_read", 0)))

    monkeypatch.setattr(fetch, "_body", counting)
    with pytest.raises(InputError, match="larger than 0.2 MB"):
        fetch.fetch(f"{server}/riesig", max_bytes=200_000)
    assert read and 200_000 < read[0] < 200_000 + 2 * fetch.CHUNK_BYTES  # stopped at the limit


def test_a_declared_huge_body_is_refused_unread(server: str) -> None:
    with pytest.raises(InputError, match="larger than 20 MB"):
        fetch.fetch(f"{server}/riesig-angesagt")


def test_a_wrong_content_type_is_a_clear_error(server: str) -> None:
    with pytest.raises(InputError, match="is image/png, not a web page"):
        read_url(f"{server}/bild")


def test_a_pdf_url_is_read_as_a_pdf_file(server: str) -> None:
    source = read_url(f"{server}/pdf")
    assert isinstance(source, PdfSource)
    assert HEADLINE in [paragraph.text for paragraph in source.document.paragraphs]


def test_a_pdf_is_refused_where_the_caller_reads_no_pdf(server: str) -> None:
    with pytest.raises(InputError, match="is a PDF, which this installation cannot read"):
        fetch.fetch(f"{server}/pdf")


def test_an_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(InputError, match=f"cannot reach 127.0.0.1:{port}"):
        read_url(f"http://127.0.0.1:{port}/artikel")


def test_the_api_translates_a_url(server: str) -> None:
    result = Translator.from_engines(FakeTranslator()).translate_url(f"{server}/weiter")
    assert result.source == f"{server}/weiter" and result.input_format == "html"
    assert result.paragraphs and ARTICLE_WORDS in result.translation


def test_the_cli_translates_a_url(server: str, tiny_marian_dir: Path) -> None:
    runner = CliRunner()
    url = f"{server}/artikel"
    result = runner.invoke(app, ["translate", url, "-m", str(tiny_marian_dir), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["input_format"] == "html"
    result = runner.invoke(app, ["translate", f"{server}/fehlt", "-m", "no-such-model"])
    assert result.exit_code == 1 and "answered 404" in result.stderr
    result = runner.invoke(app, ["summarize", "file:///etc/passwd", "-m", "no-such-model"])
    assert result.exit_code == 1 and "not an http or https address" in result.stderr
