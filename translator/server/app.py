"""The ASGI app: the translation API that LibreTranslate clients speak, the project's own
``/v1`` API and the web page, all on one ``Translator``.

``create_app(translator, settings)`` builds it; ``translator serve`` runs it with uvicorn.
The endpoints are in ``routes``, what they share in ``handling``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from translator.schema import DocumentResult
from translator.server import routes
from translator.server.batching import Batcher, Job
from translator.server.files import FileStore
from translator.server.handling import ServerState
from translator.server.limits import ServerSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from translator.api import Translator


def create_app(translator: Translator, settings: ServerSettings | None = None) -> FastAPI:
    """The server's ASGI app around ``translator`` (its models load on first use unless the
    caller loaded them)."""
    from fastapi import FastAPI
    from starlette.middleware.cors import CORSMiddleware

    settings = settings or ServerSettings()

    def translate_many(jobs: list[Job]) -> list[DocumentResult]:
        return list(translator.translate_many(jobs))

    state = ServerState(
        translator,
        settings,
        Batcher(
            translate_many,
            max_wait=settings.batch_wait_s,
            max_queue=settings.max_queue,
            max_batch=settings.max_batch,
        ),
        FileStore(ttl=settings.file_ttl_s),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        yield
        await state.batcher.stop()
        state.files.close()

    app = FastAPI(
        title="translator",
        summary="German to English translation that keeps direct quotations verbatim.",
        description=(
            "Compatible with the LibreTranslate API (`/translate`, `/detect`, `/languages`, "
            "`/translate_file`, `/frontend/settings`), plus the project's own `/v1` API "
            "whose answers are the `--format json` document."
        ),
        docs_url=None,  # /docs is ours: Swagger UI would load its assets from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.server = state
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
        )
    routes.add_routes(app, state)
    return app
