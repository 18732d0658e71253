"""Keys, limits and the file and /v1 endpoints, in-process: each status code clients key
on (400, 403, 413, 429, 503), what is exempt, downloads that refuse traversal."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from fakes import SlowTranslator
from server_helpers import expected, library

pytest.importorskip("fastapi")
from starlette.testclient import TestClient  # noqa: E402

from translator.errors import InputError  # noqa: E402
from translator.server import KeyLimits, ServerSettings, load_api_keys  # noqa: E402
from translator.server.app import create_app  # noqa: E402
from translator.server.batching import Batcher, DeadlineExceeded, QueueFull  # noqa: E402

GERMAN = "Der Minister sagte, dass wir nicht gehen."
ASK = {"q": GERMAN, "source": "de", "target": "en"}


def client_for(settings: ServerSettings, engine: Any = None) -> TestClient:
    return TestClient(create_app(library(engine), settings))


def test_keys_file_format(tmp_path: Path) -> None:
    path = tmp_path / "keys.txt"
    path.write_text("# comment\nalpha req_limit=5 char_limit=100\n\nbeta  # no limits\n")
    assert load_api_keys(path) == {"alpha": KeyLimits(5, 100), "beta": KeyLimits()}
    path.write_text("alpha speed=9\n")
    with pytest.raises(InputError, match="req_limit"):
        load_api_keys(path)


def test_key_required_400_unknown_403_listed_200() -> None:
    with client_for(ServerSettings(api_keys={"k1": KeyLimits()})) as client:
        missing = client.post("/translate", json=ASK)
        unknown = client.post("/translate", json={**ASK, "api_key": "nope"})
        listed = client.post("/translate", json={**ASK, "api_key": "k1"})
        by_query = client.post("/translate", params={**ASK, "api_key": "k1"})
        by_form = client.post("/translate", data={**ASK, "api_key": "k1"})
        # exempt: no key needed
        exempt = [client.get(path).status_code for path in ("/languages", "/health")]
        exempt.append(client.get("/frontend/settings").status_code)
        assert client.get("/frontend/settings").json()["keyRequired"] is True
    assert missing.status_code == 400 and "error" in missing.json()
    assert unknown.status_code == 403 and "error" in unknown.json()
    assert [r.status_code for r in (listed, by_query, by_form)] == [200, 200, 200]
    assert listed.json() == {"translatedText": expected(GERMAN)}
    assert exempt == [200, 200, 200]


def test_rate_limit_429_per_client_and_exempt_endpoints() -> None:
    with client_for(ServerSettings(req_limit=2)) as client:
        codes = [client.post("/translate", json=ASK).status_code for _ in range(3)]
        refused = client.post("/translate", json=ASK)
        exempt = [client.get("/languages").status_code for _ in range(5)]
    assert codes == [200, 200, 429]
    assert refused.json()["error"].startswith("Slowdown:")
    assert exempt == [200] * 5


def test_per_key_limits_win_over_the_servers() -> None:
    # The refused long request counts too: two requests a minute for "small".
    keys = {"small": KeyLimits(req_limit=2, char_limit=10), "big": KeyLimits()}
    with client_for(ServerSettings(api_keys=keys, req_limit=5)) as client:
        too_long = client.post("/translate", json={**ASK, "api_key": "small"})
        first = client.post("/translate", json={**ASK, "q": "Der Hund.", "api_key": "small"})
        second = client.post("/translate", json={**ASK, "q": "Der Hund.", "api_key": "small"})
        big = client.post("/translate", json={**ASK, "api_key": "big"})
    assert too_long.status_code == 400 and "text limit" in too_long.json()["error"]
    assert (first.status_code, second.status_code) == (200, 429)
    assert big.status_code == 200


def test_char_and_batch_limits_are_400() -> None:
    with client_for(ServerSettings(char_limit=20, batch_limit=2)) as client:
        long = client.post("/translate", json={**ASK, "q": "x" * 21})
        many = client.post("/translate", json={**ASK, "q": ["a", "b", "c"]})
        fine = client.post("/translate", json={**ASK, "q": ["Der Hund.", "Die Katze."]})
    assert long.status_code == 400 and "error" in long.json()
    assert many.status_code == 400 and "error" in many.json()
    assert fine.status_code == 200


def test_bodies_over_the_limit_are_413() -> None:
    settings = ServerSettings(max_body_mb=0.001, max_upload_mb=0.002, char_limit=0)
    with client_for(settings) as client:
        body = client.post("/translate", json={**ASK, "q": "x" * 5000})
        upload = client.post(
            "/translate_file",
            data={"source": "de", "target": "en"},
            files={"file": ("big.txt", b"Der Hund. " * 500, "text/plain")},
        )
    assert body.status_code == 413 and "error" in body.json()
    assert upload.status_code == 413 and "error" in upload.json()


def test_queue_full_and_deadline_are_503() -> None:
    async def scenario() -> tuple[type[Exception], type[Exception]]:
        def slow(jobs: list[Any]) -> list[Any]:
            import time

            time.sleep(0.5)
            return list(library().translate_many(jobs))

        batcher = Batcher(slow, max_wait=0.001, max_queue=1)
        raised: list[type[Exception]] = []
        first = asyncio.ensure_future(batcher.translate(["Der Hund."], deadline=0.05))
        await asyncio.sleep(0)
        try:
            await batcher.translate(["Die Katze.", "Der Hund."], deadline=5)
        except QueueFull as error:
            raised.append(type(error))
        try:
            await first
        except DeadlineExceeded as error:
            raised.append(type(error))
        await batcher.stop()
        return raised[0], raised[1]

    assert asyncio.run(scenario()) == (QueueFull, DeadlineExceeded)
    settings = ServerSettings(deadline_s=0.05, req_limit=0)
    with client_for(settings, SlowTranslator(delay=0.5)) as client:
        late = client.post("/translate", json=ASK)
    assert late.status_code == 503 and "Retry-After" in late.headers
    assert "error" in late.json()


# --- files --------------------------------------------------------------------------------


def upload(client: TestClient, name: str, data: bytes) -> Any:
    return client.post(
        "/translate_file",
        data={"source": "de", "target": "en"},
        files={"file": (name, data, "application/octet-stream")},
    )


def test_translate_file_and_download(tmp_path: Path) -> None:
    article = "Der Minister sagte, dass wir nicht gehen.\n\nEr ist in der Stadt.\n"
    markdown = "# Der Hund\n\nDer Minister sagte, dass **wir** nicht gehen.\n"
    with client_for(ServerSettings()) as client:
        answer = upload(client, "news.de.txt", article.encode())
        assert answer.status_code == 200
        url = answer.json()["translatedFileUrl"]
        assert url.startswith("/download_file/") and url.endswith("/news.en.txt")
        downloaded = client.get(url)
        md = client.get(upload(client, "n.md", markdown.encode()).json()["translatedFileUrl"])
    assert downloaded.status_code == 200
    assert downloaded.text == library().translate(article).translation
    assert md.status_code == 200 and md.text.startswith("# the Hund")


def test_translate_file_word(tmp_path: Path) -> None:
    import docx

    made = docx.Document()
    made.add_paragraph("Der Minister sagte, dass wir nicht gehen.")
    buffer = io.BytesIO()
    made.save(buffer)
    with client_for(ServerSettings()) as client:
        answer = upload(client, "brief.docx", buffer.getvalue())
        got = client.get(answer.json()["translatedFileUrl"])
    assert got.status_code == 200
    paragraphs = [p.text for p in docx.Document(io.BytesIO(got.content)).paragraphs]
    assert paragraphs == [expected("Der Minister sagte, dass wir nicht gehen.")]


def test_translate_file_subtitles_and_pdf(tmp_path: Path) -> None:
    import docx
    from pdf_fixtures import HEADLINE, news_pdf

    sentence = "Der Minister sagte, dass wir nicht gehen."
    timing = "00:00:01,000 --> 00:00:03,500"
    with client_for(ServerSettings()) as client:
        srt = upload(client, "clip.de.srt", f"1\n{timing}\n{sentence}\n".encode())
        pdf = upload(client, "story.pdf", news_pdf())
        srt_url, pdf_url = srt.json()["translatedFileUrl"], pdf.json()["translatedFileUrl"]
        subtitles, word = client.get(srt_url), client.get(pdf_url)
    assert srt_url.endswith("/clip.en.srt") and pdf_url.endswith("/story.en.docx")
    assert subtitles.text.splitlines() == ["1", timing, expected(sentence)]
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs]
    assert expected(HEADLINE) in paragraphs


@pytest.mark.parametrize(
    "path",
    [
        "/download_file/../../etc/passwd",
        "/download_file/%2e%2e/%2e%2e%2fetc%2fpasswd",
        "/download_file/0123456789abcdef0123456789abcdef/..%2f..%2fetc%2fpasswd",
        "/download_file/0123456789abcdef0123456789abcdef/passwd",
    ],
)
def test_download_refuses_traversal_and_unknown_ids(path: str) -> None:
    with client_for(ServerSettings()) as client:
        upload(client, "a.txt", b"Der Hund.")
        answer = client.get(path)
    assert answer.status_code == 404
    assert "root:" not in answer.text


@pytest.mark.parametrize(
    ("name", "data"),
    [("virus.exe", b"MZ\x90\x00"), ("x.docx", b"PK\x03\x04 not a zip"), ("b.txt", b"\x00" * 64)],
)
def test_hostile_uploads_are_400(name: str, data: bytes) -> None:
    with client_for(ServerSettings()) as client:
        answer = upload(client, name, data)
        assert answer.status_code == 400 and "error" in answer.json()
        assert client.get("/health").json() == {"status": "ok"}


# --- the project's own API ----------------------------------------------------------------


def test_v1_translate_is_the_json_document() -> None:
    text = "Der Minister sagte: „Wir gehen nicht.“ Er ist in der Stadt."
    with client_for(ServerSettings()) as client:
        by_text = client.post("/v1/translate", json={"text": text}).json()
        by_paragraphs = client.post(
            "/v1/translate", json={"paragraphs": ["Der Hund.", "Die Katze."]}
        ).json()
        page = client.post("/v1/translate", json={"text": text, "format": "html"})
        schema = client.get("/openapi.json").json()
        docs = client.get("/docs")
    want = library().translate(text).to_dict()
    for volatile in ("timings",):
        by_text.pop(volatile), want.pop(volatile)
    assert by_text == want
    assert [q["original"] for q in by_text["quotes"]] == ["„Wir gehen nicht.“"]
    assert by_paragraphs["translation"] == expected("Der Hund.\n\nDie Katze.")
    assert page.status_code == 200 and "Content-Security-Policy" in page.text
    assert {"/translate", "/v1/translate", "/v1/summarize", "/detect"} <= set(schema["paths"])
    assert docs.status_code == 200 and "/v1/translate" in docs.text


def test_v1_summarize_without_a_summarizer_is_an_error_not_a_crash() -> None:
    with client_for(ServerSettings()) as client:
        answer = client.post("/v1/summarize", json={"text": GERMAN})
    assert answer.status_code in (400, 500) and "error" in answer.json()


def test_web_page_has_a_strict_policy_and_can_be_turned_off() -> None:
    with client_for(ServerSettings()) as client:
        page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "form-action 'self'" in policy
    assert '<form method="post" action="/v1/translate"' in page.text
    with client_for(ServerSettings(web_ui=False)) as client:
        assert client.get("/").status_code == 404
