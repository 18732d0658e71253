"""The server on a real socket (uvicorn on 127.0.0.1), driven by clients nobody here wrote:
the ``libretranslatepy`` package, and requests shaped exactly as Mastodon, Discourse and
Weblate send them. Plus concurrency: 32 clients at once get their own translations,
batched together; a client that goes away mid-request disturbs nobody.

Expected translations come from ``Translator.translate`` on the same kind of engine.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fakes import SlowTranslator
from server_helpers import allow_loopback, expected, library, running

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from translator.server import ServerSettings  # noqa: E402
from translator.server.app import create_app  # noqa: E402

pytestmark = pytest.mark.slow

GERMAN = "Der Minister sagte, dass wir nicht gehen. Er ist in der Stadt."


@pytest.fixture
def base_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    allow_loopback(monkeypatch)
    with running(create_app(library())) as url:
        yield url


# --- libretranslatepy: translate, detect, languages -----------------------------------------


def test_libretranslatepy_client(base_url: str) -> None:
    from libretranslatepy import LibreTranslateAPI

    client = LibreTranslateAPI(base_url)
    assert client.translate(GERMAN, "de", "en", timeout=10) == expected(GERMAN)
    detected = client.detect(GERMAN, timeout=10)
    assert detected[0]["language"] == "de"
    codes = {entry["code"]: entry for entry in client.languages(timeout=10)}  # GET with a body
    assert codes["de"]["targets"] == ["en"]


def test_libretranslatepy_sees_errors_as_http_errors(base_url: str) -> None:
    from urllib.error import HTTPError

    from libretranslatepy import LibreTranslateAPI

    with pytest.raises(HTTPError) as raised:
        LibreTranslateAPI(base_url).translate(GERMAN, "fr", "en", timeout=10)
    assert raised.value.code == 400
    assert "error" in json.loads(raised.value.read())


# --- request shapes of real clients -------------------------------------------------------


def test_mastodon_request(base_url: str) -> None:
    # Mastodon's app/lib/translation_service/libre_translate.rb: a JSON body
    # {q: texts (an array), source: language.presence || 'auto', target:, format: 'html',
    # api_key: @api_key} (api_key null when unset), Content-Type application/json; it reads
    # translatedText[i] and detectedLanguage[i].language, and GETs /languages with the same
    # Content-Type, reading code and targets.
    posts = [
        "<p>Der Minister sagte, <b>dass</b> wir nicht gehen.</p>",
        "<p>Er ist in der Stadt.</p>",
    ]
    body = json.dumps(
        {"q": posts, "source": "auto", "target": "en", "format": "html", "api_key": None}
    )
    headers = {"Content-Type": "application/json"}
    answer = httpx.post(f"{base_url}/translate", content=body, headers=headers, timeout=10)
    assert answer.status_code == 200
    data = answer.json()
    assert len(data["translatedText"]) == 2
    assert data["translatedText"][1] == "<p>" + expected("Er ist in der Stadt.") + "</p>"
    assert (
        data["translatedText"][0].startswith("<p>") and "<b>that</b>" in data["translatedText"][0]
    )
    assert [entry["language"] for entry in data["detectedLanguage"]] == ["de", "de"]
    languages = httpx.get(f"{base_url}/languages", headers=headers, timeout=10).json()
    targets = {entry["code"]: entry["targets"] for entry in languages}
    assert "en" in targets["de"]


def test_discourse_request(base_url: str) -> None:
    # discourse-translator's services/discourse_translator/libretranslate.rb: form-urlencoded
    # POSTs (URI.encode_www_form) with api_key; /detect with q (tags stripped), then
    # /translate with q, source (the detected code), target, format=html; GET /languages
    # must list both the source's and the target's code.
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    detected = httpx.post(
        f"{base_url}/detect", data={"q": GERMAN, "api_key": ""}, headers=form, timeout=10
    ).json()
    source = detected[0]["language"]
    assert source == "de"
    codes = [entry["code"] for entry in httpx.get(f"{base_url}/languages", timeout=10).json()]
    assert "de" in codes and "en" in codes
    answer = httpx.post(
        f"{base_url}/translate",
        data={
            "q": f"<p>{GERMAN}</p>",
            "source": source,
            "target": "en",
            "format": "html",
            "api_key": "",
        },
        headers=form,
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["translatedText"] == f"<p>{expected(GERMAN)}</p>"


def test_weblate_request_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # Weblate's weblate/machinery/libretranslate.py: POST /translate with
    # data={"api_key": KEY, "q": text, "source": source, "target": language}
    # (form-urlencoded), reading payload["translatedText"]; GET /languages reads x["code"].
    from translator.server.limits import KeyLimits

    allow_loopback(monkeypatch)
    settings = ServerSettings(api_keys={"weblate-key": KeyLimits()})
    with running(create_app(library(), settings)) as url:
        answer = httpx.post(
            f"{url}/translate",
            data={"api_key": "weblate-key", "q": GERMAN, "source": "de", "target": "en"},
            timeout=10,
        )
        assert answer.status_code == 200
        assert answer.json()["translatedText"] == expected(GERMAN)
        wrong = httpx.post(
            f"{url}/translate",
            data={"api_key": "other", "q": GERMAN, "source": "de", "target": "en"},
            timeout=10,
        )
        assert wrong.status_code == 403 and "error" in wrong.json()
        assert [e["code"] for e in httpx.get(f"{url}/languages", timeout=10).json()][0] == "de"


# --- concurrency ------------------------------------------------------------------------

SUBJECTS = ["Der Minister", "Die Regierung", "Der Präsident", "Die Behörde"]
VERBS = ["sagte", "betonte", "erklärte", "kündigte an"]


def client_texts(count: int) -> list[str]:
    """Distinct texts, one per client, so a mix-up between requests would show."""
    return [
        f"{SUBJECTS[i % 4]} {VERBS[(i // 4) % 4]}, dass wir nicht gehen. Text {i} ist in der Stadt."
        for i in range(count)
    ]


def test_32_concurrent_clients_get_their_own_translations_batched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    allow_loopback(monkeypatch)
    engine = SlowTranslator(delay=0.2)  # requests pile up while the model works
    app = create_app(library(engine), ServerSettings(req_limit=0, batch_wait_s=0.02))
    texts = client_texts(32)
    barrier = threading.Barrier(32)

    def one(text: str, url: str) -> Any:
        with httpx.Client(timeout=30) as client:
            barrier.wait(timeout=10)
            answer = client.post(
                f"{url}/translate", json={"q": text, "source": "de", "target": "en"}
            )
            return answer.status_code, answer.json()

    with running(app) as url, ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(lambda text: one(text, url), texts))
    assert len(answers) == 32
    assert answers == [(200, {"translatedText": expected(text)}) for text in texts]
    calls = app.state.server.batcher.stats.calls
    assert sum(calls) == 32
    assert len(calls) < 32 and max(calls) > 1  # requests shared translate_many calls
    assert max(engine.batch_sizes) > 2  # and the engine's batches hold several requests'


def test_the_batching_check_fails_without_batching_meta(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the queue forced to one request per call, the batching assertion must fail."""
    allow_loopback(monkeypatch)
    app = create_app(library(SlowTranslator(delay=0.05)), ServerSettings(req_limit=0, max_batch=1))
    texts = client_texts(8)
    with running(app) as url, ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda text: httpx.post(
                    f"{url}/translate", json={"q": text, "source": "de", "target": "en"}, timeout=30
                ),
                texts,
            )
        )
    calls = app.state.server.batcher.stats.calls
    assert calls and max(calls) == 1  # so `max(calls) > 1` above is a real check


def test_a_client_killed_mid_request_disturbs_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    allow_loopback(monkeypatch)
    app = create_app(library(SlowTranslator(delay=0.3)), ServerSettings(req_limit=0))
    with running(app) as url:
        port = int(url.rsplit(":", 1)[1])
        # One client sends half a body and dies; another sends a whole request and dies
        # while the model works on it.
        half = socket.create_connection(("127.0.0.1", port), timeout=5)
        half.sendall(
            b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"q": "Der'
        )
        whole = socket.create_connection(("127.0.0.1", port), timeout=5)
        body = json.dumps({"q": "Der Hund ist in der Stadt.", "source": "de", "target": "en"})
        whole.sendall(
            b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n{body}".encode()
        )
        with ThreadPoolExecutor(4) as pool:
            pending = [
                pool.submit(
                    httpx.post,
                    f"{url}/translate",
                    json={"q": text, "source": "de", "target": "en"},
                    timeout=30,
                )
                for text in client_texts(4)
            ]
            half.close()
            whole.close()
            answers = [future.result() for future in pending]
        assert [a.json() for a in answers] == [
            {"translatedText": expected(text)} for text in client_texts(4)
        ]
        assert httpx.get(f"{url}/health", timeout=5).json() == {"status": "ok"}


def test_the_no_mixing_check_sees_mixed_answers_meta(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the queue's results handed out in the wrong order, the comparison with the
    library's translations must fail for some client."""
    allow_loopback(monkeypatch)
    app = create_app(library(SlowTranslator(delay=0.2)), ServerSettings(req_limit=0))
    batcher = app.state.server.batcher
    honest = batcher.translate_many
    batcher.translate_many = lambda jobs: list(reversed(honest(jobs)))
    texts = client_texts(8)
    with running(app) as url, ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda text: httpx.post(
                    f"{url}/translate", json={"q": text, "source": "de", "target": "en"}, timeout=30
                ).json(),
                texts,
            )
        )
    assert max(batcher.stats.calls) > 1  # some call held several requests ...
    assert answers != [{"translatedText": expected(text)} for text in texts]  # ... and mixed
