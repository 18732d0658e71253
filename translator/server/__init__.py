"""``translator serve``: an HTTP server on one ``Translator``.

It answers the translation API that LibreTranslate clients speak (Mastodon, Discourse,
Weblate, the client libraries), the project's own ``/v1`` API and a web page. FastAPI,
Starlette and uvicorn are the optional extra ``translator[serve]``; they are imported
only by ``create_app`` and the serve command, so the CLI's start stays instant.

    from translator import Translator
    from translator.server import ServerSettings, create_app

    app = create_app(Translator(), ServerSettings(req_limit=60))
"""

from __future__ import annotations

from translator.server.limits import KeyLimits, ServerSettings, load_api_keys


def create_app(*args: object, **kwargs: object) -> object:
    """``translator.server.app.create_app`` (imported here on first use)."""
    from translator.server.app import create_app as create

    return create(*args, **kwargs)  # type: ignore[arg-type]


__all__ = ["KeyLimits", "ServerSettings", "create_app", "load_api_keys"]
