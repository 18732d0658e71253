"""`translator serve`: the HTTP server (translator/server) on one Translator, with uvicorn.

FastAPI and uvicorn are imported here only when the command runs, so `translator --help`
stays instant; without the `serve` extra the command says how to install it.
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from translator.cli import verbosity
from translator.cli.shared import SharedOptions, shared_options
from translator.errors import TranslatorError

HostOpt = Annotated[
    str,
    typer.Option(
        "--host", help="Address to listen on. 127.0.0.1 (the default) is this machine only."
    ),
]
PortOpt = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]
ApiKeysOpt = Annotated[
    Path | None,
    typer.Option(
        "--api-keys",
        help="Require an API key: a file of keys, one a line, each optionally with "
        "req_limit=N char_limit=N (see the README's Server section).",
        dir_okay=False,
        show_default=False,
    ),
]
ReqLimitOpt = Annotated[
    int,
    typer.Option("--req-limit", min=0, help="Requests per minute per key or address (0: none)."),
]
CharLimitOpt = Annotated[
    int, typer.Option("--char-limit", min=0, help="Characters per request (0: none).")
]
BatchLimitOpt = Annotated[
    int, typer.Option("--batch-limit", min=0, help="Texts in one q array (0: none).")
]
MaxUploadOpt = Annotated[
    float, typer.Option("--max-upload-mb", min=0.001, help="Largest uploaded file, in MB.")
]
CorsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--cors-origin",
        help="Let web pages from this origin call the API (repeat for more; * for any).",
        show_default=False,
    ),
]
NoWebUiOpt = Annotated[bool, typer.Option("--no-web-ui", help="No web page at /.")]


class _Stop(BaseException):  # not an error: the root command must let it through
    """SIGTERM or Ctrl-C after uvicorn's graceful shutdown: a server's normal end, exit 0
    (not 143 or 130 as for the other commands: systemd stops a service with SIGTERM)."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


@shared_options
def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 5000,
    api_keys: ApiKeysOpt = None,
    req_limit: ReqLimitOpt = 120,
    char_limit: CharLimitOpt = 20_000,
    batch_limit: BatchLimitOpt = 64,
    max_upload_mb: MaxUploadOpt = 10.0,
    cors_origin: CorsOpt = None,
    no_web_ui: NoWebUiOpt = False,
    *,
    shared: SharedOptions,
) -> None:
    """Serve translations over HTTP: an API compatible with LibreTranslate clients
    (Mastodon, Discourse, Weblate, ...), the project's own /v1 API and a web page.

    The translation model loads once, before the server listens; SIGTERM or Ctrl-C stop
    taking requests, finish those in flight and exit 0.
    """
    try:
        import uvicorn

        from translator.server.app import create_app
    except ImportError as error:
        raise TranslatorError(
            f"translator serve needs the serve extra ({error.name} is missing). "
            "Install it: pip install 'translator[serve]'."
        ) from None
    from translator.server import detect
    from translator.server.limits import ServerSettings, load_api_keys

    quiet = verbosity.is_quiet()
    settings = ServerSettings(
        req_limit=req_limit,
        char_limit=char_limit,
        batch_limit=batch_limit,
        max_upload_mb=max_upload_mb,
        web_ui=not no_web_ui,
        cors_origins=tuple(cors_origin or ()),
        api_keys=load_api_keys(api_keys) if api_keys is not None else None,
    )
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        translator = shared.translator()
        _say(quiet, f"Loading the translation model {translator.translation_model} ...")
        engine = translator.translation_engine()
        detect.load()
        application = create_app(translator, settings)
        info = engine.info
        revision = f" @ {info.revision}" if info.revision else ""
        keys = f", {len(settings.api_keys)} API keys" if settings.api_keys else ""
        _say(
            quiet,
            f"Ready: http://{_url_host(host)}:{port}/ (model {info.id}{revision}, "
            f"device {translator.device}, engine {translator.engine}{keys}; "
            f"summaries load {translator.summarization_model} on first use).",
        )
        verbose = logging.getLogger("translator").getEffectiveLevel() <= logging.INFO
        config = uvicorn.Config(
            application,
            host=host,
            port=port,
            log_level="info" if verbose else "warning",
            access_log=verbose,
            timeout_keep_alive=5,
            timeout_graceful_shutdown=int(settings.deadline_s),
            limit_concurrency=settings.max_queue * 2,
            server_header=False,
        )
        uvicorn.Server(config).run()
    except _Stop:
        pass
    _say(quiet, "Stopped.")


def _say(quiet: bool, message: str) -> None:
    """What the server is doing, on stderr (not with --quiet)."""
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
