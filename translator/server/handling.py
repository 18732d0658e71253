"""Request handling the endpoints share: parameters, keys and limits, errors, answers.

Every error answers ``{"error": "..."}`` with the status codes clients key on: 400 a bad
or missing parameter, a limit passed, a required key absent; 403 an unknown key; 429 over
the rate limit; 413 a body over the limit; 503 the queue full or a request past its
deadline (with ``Retry-After``); 500 only for a bug, logged with the id the body names.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from translator.errors import InputError, OptionError, TranslatorError
from translator.schema import Document
from translator.server import detect, htmltext
from translator.server.batching import Batcher, DeadlineExceeded, Job, QueueFull
from translator.server.files import FileStore
from translator.server.limits import RateLimiter, ServerSettings

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from translator.api import Translator

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "de"
TARGET_LANGUAGE = "en"
# Read by the file endpoints and the settings clients fetch: what the CLI reads.
FILE_EXTENSIONS = (
    *(".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".docx"),
    *(".pptx", ".odt", ".odp", ".epub", ".srt", ".vtt", ".pdf"),
)
MAX_ALTERNATIVES = 10
BODY_SECONDS = 30.0  # a client that has not sent its body by then is cut off (slowloris)


class ApiError(Exception):
    """An answer other than 200: ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class ServerState:
    """What the endpoints share: the translator, its queue, the limits and the files."""

    translator: Translator
    settings: ServerSettings
    batcher: Batcher
    files: FileStore
    limiter: RateLimiter = field(default_factory=RateLimiter)
    ready: bool = True


# --- request handling shared by the endpoints ----------------------------------------------

Endpoint = Callable[..., Awaitable["Response"]]


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status, headers=headers)


def guarded(endpoint: Endpoint) -> Endpoint:
    """Every failure as ``{"error": ...}``: the library's errors are the client's (400),
    a full queue or a passed deadline 503, anything else a bug (500, logged with an id)."""

    @wraps(endpoint)
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ApiError as error:
            return error_response(error.status, error.message, error.headers)
        except QueueFull as error:
            return error_response(503, f"Server busy: {error}. Retry later.", {"Retry-After": "2"})
        except DeadlineExceeded as error:
            return error_response(
                503, f"Request timed out: {error}. Retry later.", {"Retry-After": "5"}
            )
        except (InputError, OptionError) as error:
            return error_response(400, str(error))
        except TranslatorError as error:
            request_id = uuid.uuid4().hex[:12]
            log.error("request %s failed: %s", request_id, error)
            return error_response(500, f"{error} (request id {request_id})")
        except Exception:
            request_id = uuid.uuid4().hex[:12]
            log.exception("request %s: unexpected error", request_id)
            return error_response(
                500, f"Internal error: this is a bug; see the server log for request {request_id}."
            )

    return run


async def read_body(request: Request, limit_bytes: int) -> bytes:
    """The body, at most ``limit_bytes`` (413 past it), arriving within BODY_SECONDS."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit_bytes:
        raise ApiError(413, f"Request too large: over {limit_bytes // 1_000_000 or 1} MB.")

    async def receive() -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit_bytes:
                raise ApiError(413, f"Request too large: over {limit_bytes // 1_000_000 or 1} MB.")
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        body = await asyncio.wait_for(receive(), BODY_SECONDS)
    except TimeoutError:
        raise ApiError(408, f"Request body not received within {BODY_SECONDS:g} s.") from None
    request._body = body  # noqa: SLF001  (Starlette reads a parsed form from it)
    return body


async def parameters(request: Request, limit_bytes: int) -> dict[str, Any]:
    """The request's parameters: the query string, then a JSON, form-urlencoded or
    multipart body (a body's values win)."""
    values: dict[str, Any] = dict(request.query_params)
    body = await read_body(request, limit_bytes)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        try:
            form = await request.form(max_files=1, max_fields=32)
        except Exception as error:
            raise ApiError(400, f"Invalid request: malformed multipart body ({error}).") from None
        values.update({key: value for key, value in form.multi_items()})
        return values
    if not body.strip():
        return values
    if kind.endswith("json") or (not kind and body.lstrip()[:1] in (b"{", b"[")):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise ApiError(400, f"Invalid request: malformed JSON ({error}).") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Invalid request: the JSON body must be an object.")
        values.update(data)
        return values
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise ApiError(400, "Invalid request: the form is not UTF-8.") from None
    values.update(pairs)  # a repeated key: its last value
    return values


def authorize(state: ServerState, request: Request, values: dict[str, Any]) -> int:
    """The key check (400 absent when required, 403 unknown) and the rate limit (429), per
    key when keys are on, else per client address. Returns the request's character limit."""
    settings = state.settings
    key = values.get("api_key")
    key = key if isinstance(key, str) and key else None
    req_limit, char_limit = settings.req_limit, settings.char_limit
    if settings.api_keys is not None:
        if key is None:
            raise ApiError(400, "Invalid request: missing api_key parameter (a key is required).")
        limits = next((v for k, v in settings.api_keys.items() if _same(k, key)), None)
        if limits is None:
            raise ApiError(403, "Invalid API key")
        req_limit = limits.req_limit if limits.req_limit is not None else req_limit
        char_limit = limits.char_limit if limits.char_limit is not None else char_limit
        client = "key:" + key
    else:
        client = "ip:" + (request.client.host if request.client else "unknown")
    if not state.limiter.allow(client, req_limit):
        raise ApiError(
            429, f"Slowdown: {req_limit} requests per minute at most.", {"Retry-After": "60"}
        )
    return char_limit


def check_chars(chars: int, char_limit: int) -> None:
    """400 when the request's text is over the character limit (0: none)."""
    if char_limit and chars > char_limit:
        raise ApiError(400, f"Invalid request: request ({chars}) exceeds text limit ({char_limit})")


# --- translation ---------------------------------------------------------------------------


def check_languages(values: dict[str, Any]) -> str:
    """The source asked for (``de`` or ``auto``); 400 for a missing or unsupported one."""
    source = values.get("source")
    target = values.get("target")
    if not isinstance(source, str) or not source:
        raise ApiError(400, "Invalid request: missing source parameter")
    if not isinstance(target, str) or not target:
        raise ApiError(400, "Invalid request: missing target parameter")
    source, target = source.strip().lower(), target.strip().lower()
    if source not in (SOURCE_LANGUAGE, "auto"):
        raise ApiError(
            400, f"Source language {source} is not supported: this server translates de to en."
        )
    if target != TARGET_LANGUAGE:
        raise ApiError(
            400, f"Target language {target} is not supported: this server translates de to en."
        )
    return source


def alternatives_asked(values: dict[str, Any]) -> int:
    value = values.get("alternatives", 0)
    if isinstance(value, bool) or value is None:
        value = 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "Invalid request: alternatives must be an integer") from None
    if not 0 <= number <= MAX_ALTERNATIVES:
        raise ApiError(400, f"Invalid request: alternatives must be 0 to {MAX_ALTERNATIVES}")
    return number


def texts_of(values: dict[str, Any], batch_limit: int) -> tuple[list[str], bool]:
    """``q`` as a list, and whether it came as one (the answer takes the same shape)."""
    q = values.get("q")
    if q is None or q == "" or q == []:
        raise ApiError(400, "Invalid request: missing q parameter")
    if isinstance(q, str):
        return [q], False
    if not isinstance(q, list) or not all(isinstance(item, str) for item in q):
        raise ApiError(400, "Invalid request: q must be a string or a list of strings")
    if batch_limit and len(q) > batch_limit:
        raise ApiError(
            400, f"Invalid request: request ({len(q)}) exceeds text limit ({batch_limit})"
        )
    return list(q), True


async def translate_texts(
    state: ServerState, texts: list[str], html: bool, auto: bool, alternatives: int = 0
) -> tuple[list[str], list[tuple[str, float]] | None, list[list[str]]]:
    """Each text's translation, with ``auto`` each text's detected language, and each
    text's whole-text alternatives (``alternatives`` asked for, plain text only: HTML gets
    none). Texts detected as English come back as they are."""
    detected: list[tuple[str, float]] | None = None
    todo = list(range(len(texts)))
    if auto:
        detected = [
            detect.rank(htmltext.plain_text(text) if html else text, 1)[0] for text in texts
        ]
        todo = [i for i in todo if detected[i][0] != TARGET_LANGUAGE]
    # Untranslated HTML goes back without what would run, like translated HTML.
    out = [htmltext.sanitized(text) for text in texts] if html else list(texts)
    others: list[list[str]] = [[] for _ in texts]
    deadline = state.settings.deadline_s
    if html:
        translated = await translate_html(state, [texts[i] for i in todo], deadline)
    else:
        blank = {i for i in todo if not texts[i].strip()}
        todo = [i for i in todo if i not in blank]
        if alternatives:
            # A wider beam per call: not batched with other requests (their beams differ).
            todo_texts = [texts[i] for i in todo]
            results = await state.batcher.run_alone(
                lambda: [
                    state.translator.translate(t, alternatives=alternatives) for t in todo_texts
                ],
                deadline,
            )
        else:
            results = await state.batcher.translate([texts[i] for i in todo], deadline)
        translated = [result.translation for result in results]
        for index, result in zip(todo, results, strict=True):
            others[index] = list(result.alternative_texts()[:alternatives])
    for index, text in zip(todo, translated, strict=True):
        out[index] = text
    return out, detected, others


async def translate_html(state: ServerState, fragments: list[str], deadline: float) -> list[str]:
    """HTML fragments with their text translated and their tags kept (``htmltext``)."""
    parsed = [htmltext.parse_fragment(fragment) for fragment in fragments]
    planned = [htmltext.fragment_document(fragment) for fragment in parsed]
    jobs: list[Job] = [document for document, _ in planned if document.paragraphs]
    results = iter(await state.batcher.translate(jobs, deadline))
    rendered: list[dict[int, str]] = []
    fallback: list[tuple[int, htmltext.Run]] = []
    for number, (fragment, (document, plans)) in enumerate(zip(parsed, planned, strict=True)):
        done: dict[int, str] = {}
        translated = next(results).paragraphs if document.paragraphs else ()
        if len(translated) != len(document.paragraphs):
            translated = ()  # not one result per run: every run goes the safe way
            plans = [None] * len(plans)
        paragraphs = iter(translated)
        for run, plan in zip(fragment.runs, plans, strict=True):
            restored = None
            if plan is not None:
                restored = htmltext.restore(plan, next(paragraphs).translation)
            if restored is None:
                fallback.append((number, run))
            else:
                done[id(run)] = restored
        rendered.append(done)
    if fallback:
        # Runs whose tags did not come back intact: each text node translated alone.
        nodes = [htmltext.node_texts(run) for _, run in fallback]
        documents: list[Job] = [
            Document(tuple(_paragraph(text) for text in texts)) for texts in nodes
        ]
        node_results = await state.batcher.translate(documents, deadline)
        for (number, run), result in zip(fallback, node_results, strict=True):
            translations = [p.translation for p in result.paragraphs]
            rendered[number][id(run)] = htmltext.rebuild_by_nodes(run, translations)
    out = []
    for fragment, done in zip(parsed, rendered, strict=True):
        out.append(
            "".join(
                piece if isinstance(piece, str) else done.get(id(piece), piece.markup())
                for piece in fragment.pieces
            )
        )
    return out


def _paragraph(text: str) -> Any:
    from translator.schema import Paragraph

    return Paragraph(" ".join(text.split()))


def libre_answer(
    translations: list[str],
    detected: list[tuple[str, float]] | None,
    alternatives: list[list[str]] | None,
    as_list: bool,
) -> dict[str, Any]:
    """``/translate``'s answer in LibreTranslate's shape (``alternatives``: each text's,
    None when none were asked for)."""
    languages = (
        [{"confidence": confidence, "language": language} for language, confidence in detected]
        if detected is not None
        else None
    )
    answer: dict[str, Any] = {"translatedText": translations if as_list else translations[0]}
    if languages is not None:
        answer["detectedLanguage"] = languages if as_list else languages[0]
    if alternatives is not None:
        answer["alternatives"] = alternatives if as_list else alternatives[0]
    return answer


def _same(known: str, given: str) -> bool:
    """Keys compared in constant time (bytes: any characters)."""
    return secrets.compare_digest(known.encode("utf-8"), given.encode("utf-8"))
