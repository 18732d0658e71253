"""Defaults and settings: the one module that reads the environment.

Every ``TRANSLATOR_*`` variable (and the hub's offline switches) is read here and only
here, typed, by the functions below; ``SETTINGS`` lists them with what each does (the
README's table and ``--help`` say the same). A CLI flag or a ``Translator(...)`` argument
wins over the variable, which wins over the default: both call these functions for
whatever they were not given, so the CLI and the library agree.

Nothing happens at import time: functions read the environment when called.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-de-en"
DEFAULT_SUMMARIZATION_MODEL = "sshleifer/distilbart-cnn-12-6"
DEFAULT_DEVICE = "auto"
DEFAULT_ENGINE = "auto"
# None: automatic (CTranslate2: batches bounded by engines.common.HYPOTHESIS_TOKENS_PER_BATCH
# padded hypothesis tokens and HYPOTHESES_PER_BATCH hypotheses; torch: 32 sentences). A
# number: that many sentences (CTranslate2: hypotheses, sentences x beams) a batch.
DEFAULT_BATCH_SIZE: int | None = None

SETTINGS: dict[str, str] = {
    "TRANSLATOR_TRANSLATION_MODEL": "the translation model (alias, hub id or folder); "
    "-m/--translation-model wins",
    "TRANSLATOR_SUMMARIZATION_MODEL": "the summarization model; --summarization-model wins",
    "TRANSLATOR_DEVICE": "auto, cpu or cuda; --device wins",
    "TRANSLATOR_ENGINE": "auto, torch or ct2; --engine wins",
    "TRANSLATOR_GLOSSARY": "a glossary file used unless --glossary names another",
    "TRANSLATOR_CACHE": "off: no translation memory at all, whatever the options say",
    "TRANSLATOR_OFFLINE": "1: never contact the Hugging Face hub (as --offline)",
    "TRANSLATOR_MODELS_DIR": "the model store's folder (default: models/ of the checkout, "
    "else the user's data folder)",
    "TRANSLATOR_REGISTRY": "another model registry file than the one shipped",
    "TRANSLATOR_DEBUG": "1: the CLI prints tracebacks",
    "TRANSLATOR_TORCH_DTYPE": "the torch engine's dtype: auto (float32 on CPU, bfloat16 or "
    "float16 on CUDA), float32, bfloat16 or float16",
    "TRANSLATOR_PDF_PAGE_SECONDS": "the seconds one PDF page may take to read (default 30); "
    "a page that takes longer fails its PDF",
}
"""Every ``TRANSLATOR_*`` variable, with what it does."""

OFFLINE_VARIABLES = ("TRANSLATOR_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
"""Any of these set to a true value means offline."""

_TRUE = {"1", "true", "yes", "on"}
_OFF = {"off", "0", "false", "no"}


def _read(name: str) -> str:
    """The variable's value, stripped ("" when unset)."""
    return os.environ.get(name, "").strip()


def translation_model(explicit: str | None = None) -> str:
    """The translation model: ``explicit``, else ``TRANSLATOR_TRANSLATION_MODEL``, else
    the default."""
    return (
        explicit
        if explicit is not None
        else (_read("TRANSLATOR_TRANSLATION_MODEL") or DEFAULT_TRANSLATION_MODEL)
    )


def summarization_model(explicit: str | None = None) -> str:
    """The summarization model: ``explicit``, else ``TRANSLATOR_SUMMARIZATION_MODEL``,
    else the default."""
    return (
        explicit
        if explicit is not None
        else (_read("TRANSLATOR_SUMMARIZATION_MODEL") or DEFAULT_SUMMARIZATION_MODEL)
    )


def device(explicit: str | None = None) -> str:
    """The device name asked for (checked by the engines): ``explicit``, else
    ``TRANSLATOR_DEVICE``, else auto."""
    return explicit if explicit is not None else (_read("TRANSLATOR_DEVICE") or DEFAULT_DEVICE)


def engine(explicit: str | None = None) -> str:
    """The engine name asked for: ``explicit``, else ``TRANSLATOR_ENGINE``, else auto."""
    return explicit if explicit is not None else (_read("TRANSLATOR_ENGINE") or DEFAULT_ENGINE)


def torch_dtype() -> str:
    """The torch engine's dtype asked for (checked by the engine): ``TRANSLATOR_TORCH_DTYPE``,
    else auto."""
    return _read("TRANSLATOR_TORCH_DTYPE") or "auto"


DEFAULT_PDF_PAGE_SECONDS = 30.0  # a news page reads in about 0.05 s (README: 19 pages/s)


def pdf_page_seconds() -> float:
    """The time one PDF page may take to read: ``TRANSLATOR_PDF_PAGE_SECONDS`` (a positive
    number of seconds), else the default. A value that is not one is refused."""
    value = _read("TRANSLATOR_PDF_PAGE_SECONDS")
    if not value:
        return DEFAULT_PDF_PAGE_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        from translator.errors import OptionError

        raise OptionError(
            f"TRANSLATOR_PDF_PAGE_SECONDS={value!r} is not a positive number of seconds. "
            "Set it to one (for example 30), or unset it."
        )
    return seconds


def glossary_path() -> Path | None:
    """``TRANSLATOR_GLOSSARY``'s file, or None when unset or blank."""
    value = _read("TRANSLATOR_GLOSSARY")
    return Path(value).expanduser() if value else None


def cache_disabled() -> bool:
    """``TRANSLATOR_CACHE=off`` turns the translation memory off, whatever the options say."""
    return _read("TRANSLATOR_CACHE").lower() in _OFF


def is_offline(flag: bool | None = None) -> bool:
    """Whether the hub must not be contacted: ``flag`` when given, else any of
    ``TRANSLATOR_OFFLINE``, ``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE`` set true."""
    if flag is not None:
        return flag
    return any(_read(name).lower() in _TRUE for name in OFFLINE_VARIABLES)


def models_dir_override() -> Path | None:
    """``TRANSLATOR_MODELS_DIR``, or None when unset."""
    value = _read("TRANSLATOR_MODELS_DIR")
    return Path(value).expanduser() if value else None


def registry_override() -> Path | None:
    """``TRANSLATOR_REGISTRY``, or None when unset."""
    value = _read("TRANSLATOR_REGISTRY")
    return Path(value).expanduser() if value else None


def debug_enabled() -> bool:
    """``TRANSLATOR_DEBUG=1`` makes the CLI show tracebacks."""
    return _read("TRANSLATOR_DEBUG").lower() in _TRUE


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
