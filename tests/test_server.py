"""The server's endpoints in-process (Starlette's TestClient): LibreTranslate's request
and answer shapes, HTML text-node translation, errors as ``{"error": ...}``.

Expected translations come from ``Translator.translate`` on the same engine (the library
the server fronts), never from the server's code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fakes import (
    AlternativeDroppingTranslator,
    DroppingTranslator,
    FailingTranslator,
    MarkupEmittingTranslator,
    ScoringTranslator,
)
from server_helpers import expected, library

pytest.importorskip("fastapi")
from starlette.testclient import TestClient  # noqa: E402

from translator.server import ServerSettings  # noqa: E402
from translator.server.app import create_app  # noqa: E402

GERMAN = "Der Minister sagte, dass wir nicht gehen. Er ist in der Stadt."
OTHER = "Die Regierung und der Präsident sagte nicht, dass sie mit uns gehen."


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(library())) as made:
        yield made


def post(client: TestClient, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = client.post(path, **kwargs)
    return response.status_code, response.json()


# --- /translate shapes --------------------------------------------------------------------


def test_translate_json_string(client: TestClient) -> None:
    status, body = post(client, "/translate", json={"q": GERMAN, "source": "de", "target": "en"})
    assert status == 200
    assert body == {"translatedText": expected(GERMAN)}
    assert body["translatedText"] != GERMAN  # the fake did translate


def test_translate_json_array_keeps_shape_and_order(client: TestClient) -> None:
    texts = [GERMAN, OTHER, "Das ist der Hund."]
    status, body = post(client, "/translate", json={"q": texts, "source": "de", "target": "en"})
    assert status == 200
    assert body == {"translatedText": [expected(text) for text in texts]}


def test_translate_form_urlencoded_and_query_string(client: TestClient) -> None:
    status, body = post(client, "/translate", data={"q": GERMAN, "source": "de", "target": "en"})
    assert (status, body) == (200, {"translatedText": expected(GERMAN)})
    status, body = post(client, "/translate", params={"q": OTHER, "source": "de", "target": "en"})
    assert (status, body) == (200, {"translatedText": expected(OTHER)})


def test_translate_auto_reports_the_detected_language(client: TestClient) -> None:
    status, body = post(
        client, "/translate", json={"q": [GERMAN, OTHER], "source": "auto", "target": "en"}
    )
    assert status == 200
    assert body["translatedText"] == [expected(GERMAN), expected(OTHER)]
    languages = body["detectedLanguage"]
    assert [entry["language"] for entry in languages] == ["de", "de"]
    assert all(0 < entry["confidence"] <= 100 for entry in languages)


def test_translate_auto_returns_english_unchanged(client: TestClient) -> None:
    english = "The minister said that the talks were fruitful and would continue next week."
    status, body = post(client, "/translate", json={"q": english, "source": "auto", "target": "en"})
    assert status == 200
    assert body["translatedText"] == english
    assert body["detectedLanguage"]["language"] == "en"


def test_alternatives_answer_an_empty_list_per_text_when_the_engine_has_none(
    client: TestClient,
) -> None:
    # The fake engine gives no n-best lists: the shape is still LibreTranslate's.
    _, body = post(
        client, "/translate", json={"q": GERMAN, "source": "de", "target": "en", "alternatives": 3}
    )
    assert body == {"translatedText": expected(GERMAN), "alternatives": []}
    _, body = post(
        client,
        "/translate",
        json={"q": [GERMAN, OTHER], "source": "de", "target": "en", "alternatives": 2},
    )
    assert body["alternatives"] == [[], []]


def test_alternatives_are_whole_texts_made_of_each_sentences_alternatives() -> None:
    """By construction: the engine's alternative i of a sentence is its translation plus
    " (vi)", so the text's alternative i holds " (vi)" once per sentence (GERMAN has two)
    and is the translation without them."""
    with TestClient(create_app(library(ScoringTranslator()))) as made:
        _, body = post(
            made,
            "/translate",
            json={"q": [GERMAN], "source": "de", "target": "en", "alternatives": 2},
        )
    assert body["translatedText"] == [expected(GERMAN)]
    alternatives = body["alternatives"][0]
    assert len(alternatives) == 2
    for number, text in enumerate(alternatives, start=1):
        assert text.count(f" (v{number})") == 2
        assert text.replace(f" (v{number})", "") == expected(GERMAN)


def test_an_alternative_that_loses_a_placeholder_is_not_offered() -> None:
    """The engine's first alternative of every sentence drops its placeholders: for the
    sentence holding the quotation it is dropped, never offered; the others are."""
    quoted = "Er sagte: „Wir bleiben hier.“ Dann ging er."
    with TestClient(create_app(library(AlternativeDroppingTranslator()))) as made:
        _, body = post(
            made,
            "/translate",
            json={"q": quoted, "source": "de", "target": "en", "alternatives": 2},
        )
    offered = body["alternatives"]
    assert len(offered) == 2  # the second sentence's two survive
    assert all("„Wir bleiben hier.“" in text for text in offered)
    assert not any("hier.“ (v1)" in text for text in offered)  # the damaged one never
    assert any("hier.“ (v2)" in text for text in offered)  # its faithful one is offered


# --- format: html -----------------------------------------------------------------------

TAG = re.compile(r"<[^>]*>")


def translate_html(client: TestClient, markup: str) -> str:
    status, body = post(
        client, "/translate", json={"q": markup, "source": "de", "target": "en", "format": "html"}
    )
    assert status == 200, body
    return str(body["translatedText"])


def test_html_keeps_tags_and_translates_text(client: TestClient) -> None:
    markup = (
        '<p>Der Minister sagte, <b>dass</b> wir <a href="https://x.de/?a=1&amp;b=2">nicht</a>'
        " gehen.</p><p>Das ist der Hund.</p>"
    )
    out = translate_html(client, markup)
    assert TAG.findall(out) == TAG.findall(markup)
    text = TAG.sub(" ", out)
    assert "said" in text and "that" in text and "not" in text  # the fake's words
    assert "Der " not in text and "sagte" not in text


def test_html_translate_no_and_code_stay_verbatim(client: TestClient) -> None:
    markup = (
        '<p>Der Hund <span translate="no">der Hund</span> und <code>die Katze</code>.</p>'
        '<div class="notranslate"><p>Das ist der Hund.</p></div>'
    )
    out = translate_html(client, markup)
    assert '<span translate="no">der Hund</span>' in out
    assert "<code>die Katze</code>" in out
    assert '<div class="notranslate"><p>Das ist der Hund.</p></div>' in out
    assert out.startswith("<p>the Hund")


def test_html_never_runs_or_reflects_scripts(client: TestClient) -> None:
    markup = (
        "<p onclick=\"alert(1)\">Der Hund.</p><script>alert('x')</script>"
        '<a href="javascript:alert(2)">der Link</a><style>p{}</style><img src=x onerror=alert(3)>'
    )
    out = translate_html(client, markup)
    assert "script" not in out.lower() and "alert" not in out and "onclick" not in out
    assert "javascript:" not in out and "<style" not in out
    assert out.startswith("<p>the Hund.</p>")


def test_html_detected_as_english_comes_back_without_scripts(client: TestClient) -> None:
    english = "<p>The minister said that the talks were fruitful and would go on.</p>"
    status, body = post(
        client,
        "/translate",
        json={
            "q": english + "<script>alert(1)</script>",
            "source": "auto",
            "target": "en",
            "format": "html",
        },
    )
    assert status == 200 and body["detectedLanguage"]["language"] == "en"
    assert body["translatedText"] == english


def test_html_escapes_what_the_model_writes() -> None:
    with TestClient(create_app(library(MarkupEmittingTranslator()))) as client:
        out = translate_html(client, "<p>Der Hund ist <b>in</b> der Stadt.</p>")
    assert "<img" not in out and "<script" not in out
    assert "&lt;script&gt;" in out
    assert TAG.findall(out) == ["<p>", "<b>", "</b>", "</p>"]


def test_html_entities_and_text_with_angle_brackets_stay_text(client: TestClient) -> None:
    out = translate_html(client, "<p>Der Wert &lt;b&gt; ist 3 &amp; 4 &lt;x0&gt;.</p>")
    assert TAG.findall(out) == ["<p>", "</p>"]
    assert "&lt;b&gt;" in out and "&amp;" in out


def test_html_tags_survive_an_engine_that_drops_placeholders() -> None:
    markup = '<p>Der Minister sagte, <b>dass</b> wir <a href="/x">nicht</a> gehen.</p>'
    with TestClient(create_app(library(DroppingTranslator()))) as client:
        out = translate_html(client, markup)
    assert TAG.findall(out) == TAG.findall(markup)


def test_html_restore_refuses_a_lost_sentinel_meta() -> None:
    """The check that every tag came back must fail when one did not (meta-test)."""
    from translator.server import htmltext

    fragment = htmltext.parse_fragment("<p>Der <b>Hund</b> und <br> die Katze.</p>")
    document, plans = htmltext.fragment_document(fragment)
    plan = plans[0]
    assert plan is not None and len(plan.sentinels) == 3
    whole = document.paragraphs[0].text
    assert htmltext.restore(plan, whole) is not None
    assert htmltext.restore(plan, whole.replace("<x2>", "")) is None
    assert htmltext.restore(plan, whole + "<x1>") is None


# --- other endpoints ----------------------------------------------------------------------


def test_detect(client: TestClient) -> None:
    status, body = post(client, "/detect", data={"q": GERMAN})
    assert status == 200
    assert body[0]["language"] == "de"
    assert body == sorted(body, key=lambda entry: -entry["confidence"])


def test_languages_with_a_body_on_get(client: TestClient) -> None:
    response = client.request("GET", "/languages", content=b"api_key=x")
    assert response.status_code == 200
    languages = response.json()
    german = next(entry for entry in languages if entry["code"] == "de")
    assert german == {"code": "de", "name": "German", "targets": ["en"]}
    assert "en" in [entry["code"] for entry in languages]


def test_frontend_settings_and_health(client: TestClient) -> None:
    settings = client.get("/frontend/settings").json()
    assert settings["charLimit"] == ServerSettings().char_limit
    assert settings["keyRequired"] is False and settings["filesTranslation"] is True
    assert ".docx" in settings["supportedFilesFormat"]
    assert settings["language"]["source"]["code"] == "de"
    assert settings["language"]["target"]["code"] == "en"
    assert client.get("/health").json() == {"status": "ok"}


def test_health_is_503_until_ready() -> None:
    app = create_app(library())
    app.state.server.ready = False
    with TestClient(app) as client:
        response = client.get("/health")
    assert response.status_code == 503 and response.json() != {"status": "ok"}


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"source": "de", "target": "en"},
        {"q": "", "source": "de", "target": "en"},
        {"q": 5, "source": "de", "target": "en"},
        {"q": ["a", 3], "source": "de", "target": "en"},
        {"q": "Hund", "target": "en"},
        {"q": "Hund", "source": "fr", "target": "en"},
        {"q": "Hund", "source": "de", "target": "fr"},
        {"q": "Hund", "source": "de"},
        {"q": "Hund", "source": "de", "target": "en", "format": "pdf"},
        {"q": "Hund", "source": "de", "target": "en", "alternatives": "x"},
    ],
)
def test_bad_parameters_are_400_with_an_error(client: TestClient, body: dict[str, Any]) -> None:
    status, answer = post(client, "/translate", json=body)
    assert status == 400
    assert list(answer) == ["error"] and answer["error"]


@pytest.mark.parametrize("content", [b"{bad json", b"[1, 2]", b"\xff\xfe\x00"])
def test_malformed_bodies_are_400(client: TestClient, content: bytes) -> None:
    status, answer = post(
        client, "/translate", content=content, headers={"content-type": "application/json"}
    )
    assert status == 400 and "error" in answer
    assert client.get("/health").json() == {"status": "ok"}  # and the server goes on


def test_unknown_path_is_a_json_error(client: TestClient) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404 and "error" in response.json()


def test_a_bug_is_500_with_a_logged_request_id(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="translator.server"):
        with TestClient(create_app(library(FailingTranslator()))) as client:
            status, body = post(
                client, "/translate", json={"q": GERMAN, "source": "de", "target": "en"}
            )
    assert status == 500
    request_id = re.search(r"request ([0-9a-f]{12})", body["error"])
    assert request_id is not None
    assert any(request_id.group(1) in record.getMessage() for record in caplog.records)
    assert "exploded" not in body["error"]  # the bug's details stay in the log


def test_meta_the_alternatives_check_fails_when_none_are_offered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from translator.schema import DocumentResult

    monkeypatch.setattr(DocumentResult, "alternative_texts", lambda self: ())
    with pytest.raises(AssertionError):
        test_alternatives_are_whole_texts_made_of_each_sentences_alternatives()
