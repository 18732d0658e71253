"""A small news site on 127.0.0.1 for the URL-list tests (test_batch_urls, test_ray_batch):
a ``ThreadingHTTPServer`` in a thread of the test process, answering from a dict the test
may change between runs, recording every path asked for, shut down when the test ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.server_helpers import allow_loopback

# A quotation placed in the pages by construction; keep mode must write it verbatim.
QUOTATION = "„Wir werden den Haushalt nicht kürzen, solange die Konjunktur schwach ist.“"
HTML = "text/html; charset=utf-8"


def news_page(topic: str, extra: str = "") -> bytes:
    """A German news page about ``topic`` holding ``QUOTATION`` (and ``extra`` at its end)."""
    paragraphs = [
        f"Die Bundesregierung hat am Dienstag über {topic} beraten und keine Einigung erzielt.",
        f"Der Finanzminister sagte nach der Sitzung: {QUOTATION} Die Opposition widersprach.",
        "Die Gespräche sollen in der kommenden Woche fortgesetzt werden, hieß es aus Berlin.",
        "Mehrere Abgeordnete forderten eine rasche Entscheidung über die strittigen Fragen.",
    ]
    if extra:
        paragraphs.append(extra)
    body = "".join(f"<p>{text}</p>\n" for text in paragraphs)
    return (
        f"<!doctype html><html lang='de'><head><meta charset='utf-8'><title>{topic}</title>"
        f"</head><body><article><h1>{topic}</h1>\n{body}</article></body></html>"
    ).encode()


def long_news_page(topic: str, sentences: int) -> bytes:
    """A German news page about ``topic`` (``news_page``) with ``sentences`` more sentences,
    each unique across pages of other topics (the pipeline translates a sentence once)."""
    extra = " ".join(
        f"Zu {topic} meldete das Amt am Tag {day} neue Zahlen." for day in range(sentences)
    )
    return news_page(topic, extra)


@dataclass
class Site:
    """What the server answers: path -> (status, content type, body), 404 for any other
    path; every path asked for, in order; the site's base URL."""

    url: str = ""
    pages: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            site.requests.append(self.path)
            status, content_type, body = site.pages.get(self.path, (404, "text/html", b"-"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A site with two news pages (``/politik/haushalt``, ``/politik/rente``) and an image
    (``/bild.png``); loopback connections let through conftest's guard."""
    allow_loopback(monkeypatch)
    site = Site()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    site.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    site.pages = {
        "/politik/haushalt": (200, HTML, news_page("den Haushalt")),
        "/politik/rente": (200, HTML, news_page("die Rente")),
        "/bild.png": (200, "image/png", b"\x89PNG\r\n\x1a\n"),
    }
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
