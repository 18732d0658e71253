"""The endpoints. LibreTranslate-compatible: ``/translate``, ``/detect``, ``/languages``,
``/translate_file``, ``/download_file``, ``/frontend/settings``; the project's own:
``/v1/translate``, ``/v1/summarize``, ``/health``, ``/docs``, ``/`` (the web page).

Limits (keys, rate, characters) apply to the endpoints that translate or detect; never
to ``/languages``, ``/health``, ``/frontend/settings``, the docs or the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

# Imported by create_app only (the serve path): FastAPI resolves the endpoints' annotations.
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from translator.server import detect
from translator.server.handling import (
    FILE_EXTENSIONS,
    SOURCE_LANGUAGE,
    TARGET_LANGUAGE,
    ApiError,
    ServerState,
    alternatives_asked,
    authorize,
    check_chars,
    check_languages,
    guarded,
    libre_answer,
    parameters,
    texts_of,
    translate_texts,
)

if TYPE_CHECKING:
    from translator.api import Translator
    from translator.formats import Source
    from translator.schema import DocumentResult

MB = 1_000_000
_TRANSLATE_BODY = {
    "requestBody": {
        "content": {
            media: {
                "schema": {
                    "type": "object",
                    "required": ["q", "source", "target"],
                    "properties": {
                        "q": {
                            "oneOf": [
                                {"type": "string"},
                                {"type": "array", "items": {"type": "string"}},
                            ]
                        },
                        "source": {"type": "string", "enum": ["de", "auto"]},
                        "target": {"type": "string", "enum": ["en"]},
                        "format": {"type": "string", "enum": ["text", "html"]},
                        "alternatives": {"type": "integer", "minimum": 0},
                        "api_key": {"type": "string"},
                    },
                }
            }
            for media in ("application/json", "application/x-www-form-urlencoded")
        }
    }
}
_V1_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "paragraphs": {"type": "array", "items": {"type": "string"}},
                        "summarize": {"type": "boolean"},
                        "quotes": {"type": "string", "enum": ["keep", "translate", "both"]},
                        "format": {"type": "string", "enum": ["json", "html"]},
                        "api_key": {"type": "string"},
                    },
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "text": {"type": "string"},
                        "format": {"type": "string", "enum": ["json", "html"]},
                    },
                }
            },
        }
    }
}


def add_routes(app: FastAPI, state: ServerState) -> None:
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse

    settings = state.settings
    body_limit = int(settings.max_body_mb * MB)
    upload_limit = int(max(settings.max_upload_mb, settings.max_body_mb) * MB)

    # --- LibreTranslate-compatible ---------------------------------------------------

    @guarded
    async def translate(request: Request) -> Response:
        values = await parameters(request, body_limit)
        char_limit = authorize(state, request, values)
        texts, as_list = texts_of(values, settings.batch_limit)
        check_chars(sum(len(text) for text in texts), char_limit)
        source = check_languages(values)
        text_format = values.get("format") or "text"
        if text_format not in ("text", "html"):
            raise ApiError(400, "Invalid request: format must be text or html")
        alternatives = alternatives_asked(values)
        translations, detected, others = await translate_texts(
            state, texts, text_format == "html", source == "auto", alternatives
        )
        answer = libre_answer(translations, detected, others if alternatives else None, as_list)
        return JSONResponse(answer)

    @guarded
    async def detect_language(request: Request) -> Response:
        values = await parameters(request, body_limit)
        char_limit = authorize(state, request, values)
        q = values.get("q")
        if not isinstance(q, str) or not q:
            raise ApiError(400, "Invalid request: missing q parameter")
        check_chars(len(q), char_limit)
        ranked = detect.rank(q)
        return JSONResponse([{"confidence": c, "language": lang} for lang, c in ranked])

    async def languages(request: Request) -> Response:
        # English is listed (with no targets) because clients check that the target's
        # code is among the languages (Discourse's translate_supported?).
        return JSONResponse(
            [
                {"code": SOURCE_LANGUAGE, "name": "German", "targets": [TARGET_LANGUAGE]},
                {"code": TARGET_LANGUAGE, "name": "English", "targets": []},
            ]
        )

    async def frontend_settings(request: Request) -> Response:
        return JSONResponse(
            {
                "charLimit": settings.char_limit or -1,
                "frontendTimeout": 500,
                "apiKeys": settings.api_keys is not None,
                "keyRequired": settings.api_keys is not None,
                "suggestions": False,
                "filesTranslation": True,
                "supportedFilesFormat": list(FILE_EXTENSIONS),
                "language": {
                    "source": {"code": SOURCE_LANGUAGE, "name": "German"},
                    "target": {"code": TARGET_LANGUAGE, "name": "English"},
                },
            }
        )

    @guarded
    async def translate_file(request: Request) -> Response:
        values = await parameters(request, upload_limit)
        char_limit = authorize(state, request, values)
        check_languages(values)
        source, name = await _uploaded(values)
        check_chars(_characters(source), char_limit)
        out_name, data = await state.batcher.run_alone(
            lambda: _translated_file(state.translator, source, name), settings.deadline_s
        )
        file_id, served = state.files.put(out_name, data)
        return JSONResponse({"translatedFileUrl": f"/download_file/{file_id}/{served}"})

    async def download_file(request: Request) -> Response:
        file_id = request.path_params["file_id"]
        name = request.path_params["name"]
        stored = state.files.get(file_id, name)
        if stored is None:
            return _error(404, "Not found: no such file (files expire after an hour).")
        return FileResponse(stored.path, filename=stored.name)

    # --- the project's own -------------------------------------------------------------

    async def v1(request: Request, summarize: bool) -> Response:
        values = await parameters(request, upload_limit)
        char_limit = authorize(state, request, values)
        summarize = summarize or _flag(values.get("summarize"))
        overrides = _overrides(values)
        if _has_file(values):
            source, name = await _uploaded(values)
            check_chars(_characters(source), char_limit)
            result = await state.batcher.run_alone(
                lambda: state.translator.translate_input(
                    source, source=name, summarize=summarize, **overrides
                ),
                settings.deadline_s,
            )
        else:
            text = _v1_text(values)
            check_chars(len(text), char_limit)
            if not summarize and not overrides:
                (result,) = await state.batcher.translate([text], settings.deadline_s)
            else:
                result = await state.batcher.run_alone(
                    lambda: state.translator.translate(text, summarize=summarize, **overrides),
                    settings.deadline_s,
                )
        if (values.get("format") or "json") == "html":
            return HTMLResponse(_review_page(state, result, summarize))
        return JSONResponse(result.to_dict())

    @guarded
    async def v1_translate(request: Request) -> Response:
        return await v1(request, False)

    @guarded
    async def v1_summarize(request: Request) -> Response:
        return await v1(request, True)

    async def health(request: Request) -> Response:
        if not state.ready:
            return JSONResponse({"status": "loading"}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def docs(request: Request) -> Response:
        from translator.server.page import docs_page, page_policy

        return HTMLResponse(docs_page(app.openapi()), headers=_page_headers(page_policy()))

    async def index(request: Request) -> Response:
        from translator.server.page import index_page, page_policy

        return HTMLResponse(
            index_page(state.settings.api_keys is not None),
            headers=_page_headers(page_policy()),
        )

    add = app.add_api_route
    add("/translate", translate, methods=["POST"], openapi_extra=_TRANSLATE_BODY)
    add("/detect", detect_language, methods=["POST"])
    add("/languages", languages, methods=["GET"])
    add("/languages", languages, methods=["POST"], include_in_schema=False)
    add("/frontend/settings", frontend_settings, methods=["GET"])
    add("/translate_file", translate_file, methods=["POST"])
    add("/download_file/{file_id}/{name}", download_file, methods=["GET"])
    add("/v1/translate", v1_translate, methods=["POST"], openapi_extra=_V1_BODY)
    add("/v1/summarize", v1_summarize, methods=["POST"], openapi_extra=_V1_BODY)
    add("/health", health, methods=["GET"])
    add("/docs", docs, methods=["GET"], include_in_schema=False)
    if settings.web_ui:
        add("/", index, methods=["GET"], include_in_schema=False)
    _json_errors(app)


def _error(status: int, message: str) -> Response:
    from translator.server.handling import error_response

    return error_response(status, message)


def _json_errors(app: FastAPI) -> None:
    """404, 405 and the like as ``{"error": ...}`` too."""
    from starlette.exceptions import HTTPException

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return _error(error.status_code, str(error.detail))

    app.add_exception_handler(HTTPException, http_error)


def _page_headers(policy: str | None = None) -> dict[str, str]:
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    if policy:
        headers["Content-Security-Policy"] = policy
    return headers


def _has_file(values: dict[str, Any]) -> bool:
    """Whether a file was uploaded: a browser sends an empty, nameless part for a form's
    file field left empty."""
    upload = values.get("file")
    return upload is not None and not isinstance(upload, str) and bool(upload.filename)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _overrides(values: dict[str, Any]) -> dict[str, Any]:
    """The per-request options of /v1 that differ from the server's."""
    out: dict[str, Any] = {}
    for name in ("quotes", "quote_marks", "summary_length"):
        value = values.get(name)
        if value not in (None, ""):
            if not isinstance(value, str):
                raise ApiError(400, f"Invalid request: {name} must be a string")
            out[name] = value
    words = values.get("summary_max_words")
    if words not in (None, ""):
        try:
            out["summary_max_words"] = int(words)
        except (TypeError, ValueError):
            raise ApiError(400, "Invalid request: summary_max_words must be an integer") from None
    return out


def _v1_text(values: dict[str, Any]) -> str:
    text, paragraphs = values.get("text"), values.get("paragraphs")
    if isinstance(text, str) and text.strip():
        return text
    if isinstance(paragraphs, list) and paragraphs:
        if not all(isinstance(p, str) for p in paragraphs):
            raise ApiError(400, "Invalid request: paragraphs must be a list of strings")
        return "\n\n".join(paragraphs)
    if isinstance(paragraphs, str) and paragraphs.strip():
        return paragraphs
    raise ApiError(400, "Invalid request: missing text (or paragraphs, or a file)")


async def _uploaded(values: dict[str, Any]) -> tuple[Source, str]:
    """The uploaded ``file``, read as the CLI reads files (400 when it cannot be)."""
    from translator import formats
    from translator.server.files import safe_name

    if not _has_file(values):
        raise ApiError(400, "Invalid request: missing file parameter (a multipart upload)")
    upload = values["file"]
    name = safe_name(upload.filename or "upload.txt")
    data = await upload.read()
    if Path(name).suffix.lower() not in FILE_EXTENSIONS and Path(name).suffix:
        raise ApiError(
            400,
            f"Invalid request: {Path(name).suffix} files are not supported "
            f"({', '.join(FILE_EXTENSIONS)}).",
        )
    return formats.read_bytes(data, name), name


def _characters(source: Source) -> int:
    from translator.formats import TextSource

    if isinstance(source, TextSource):
        return len(source.text)
    return sum(len(p.text) for p in source.document.paragraphs)


def _translated_file(translator: Translator, source: Source, name: str) -> tuple[str, bytes]:
    """Translate an uploaded file: its translation as ``translator translate`` writes it
    (the same name, in the source's own format; a Word file stays Word)."""
    from pathlib import PurePosixPath

    from translator import formats
    from translator.output import output_names, render_result
    from translator.render import OutputFormat

    (out_name,) = output_names(PurePosixPath(name), OutputFormat.TEXT, False)
    if formats.writes_file(source):  # a zip is read by its content, whatever its name
        _, data = translator.translate_to_file(source, source=name)
        return out_name.name, data
    result = translator.translate_input(source, source=name)
    return out_name.name, render_result(source, result, OutputFormat.TEXT).encode("utf-8")


def _review_page(state: ServerState, result: DocumentResult, summarize: bool) -> str:
    """The review page of a result, as ``--format html`` writes it."""
    from translator.output import footer_details
    from translator.render import OutputFormat, render

    run = footer_details(state.translator, summarize, result)
    return render(result, OutputFormat.HTML, run=run)
