"""Defaults and settings. CLI flags win over ``TRANSLATOR_*`` variables, which win over these.

Nothing happens at import time: functions read the environment when called.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-de-en"
DEFAULT_SUMMARIZATION_MODEL = "sshleifer/distilbart-cnn-12-6"
DEFAULT_BATCH_SIZE = 32  # measured best on 2 cores (16 and 64 were slower)


def debug_enabled() -> bool:
    """``TRANSLATOR_DEBUG=1`` makes the CLI show tracebacks."""
    return os.environ.get("TRANSLATOR_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


def offline_requested(flag: bool | None = None) -> bool:
    """Offline when asked by flag, or by ``HF_HUB_OFFLINE`` / ``TRANSLATOR_OFFLINE``."""
    if flag is not None:
        return flag
    for name in ("TRANSLATOR_OFFLINE", "HF_HUB_OFFLINE"):
        if os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}:
            return True
    return False


def checkout_root() -> Path | None:
    """The source checkout this package runs from, or None when it is installed.

    A checkout is the package's parent folder holding this project's ``pyproject.toml``
    and ``models/`` (``pip install -e .`` keeps running from it); a wheel install has
    ``site-packages`` there instead.
    """
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "models").is_dir():
        return root
    return None


def user_data_dir() -> Path:
    """The platform's per-user data folder for translator (``~/.local/share/translator``
    on Linux, honouring ``XDG_DATA_HOME``; ``~/Library/Application Support/translator`` on
    macOS; ``%LOCALAPPDATA%\\translator`` on Windows)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("translator", appauthor=False))


def user_cache_dir() -> Path:
    """The platform's per-user cache folder for translator (``~/.cache/translator``, ...)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("translator", appauthor=False))
