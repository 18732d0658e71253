"""Which engine runs a model: the choice between torch and CTranslate2, made from the
model's folder alone, so that a batch can fingerprint its settings before (or without)
loading anything. Importing this module imports no engine module."""

from __future__ import annotations

import logging
from pathlib import Path

from translator.engines import convert
from translator.engines.base import EngineName, parse_engine
from translator.errors import ModelLoadError

logger = logging.getLogger(__name__)

# The class each engine's translator has (``type(engine).__name__``): what a batch's
# fingerprint records. A test checks them against the loaded classes.
TRANSLATOR_CLASSES = {EngineName.CT2: "CT2Translator", EngineName.TORCH: "TorchTranslator"}


def pick_engine(engine: str, model_folder: Path, *, quiet: bool = False) -> EngineName:
    """Resolve ``engine`` for the model in ``model_folder`` to ``torch`` or ``ct2``.

    ``auto`` is ``ct2`` when ctranslate2 is installed and the model has a current
    CTranslate2 copy (``translator models convert``), else ``torch``, with a warning that
    says why (the torch engine is several times slower).

    Raises:
        OptionError: an unknown engine name.
        ModelLoadError: ``ct2`` asked for but not usable.
    """
    asked = parse_engine(engine)
    if asked is EngineName.TORCH:
        return EngineName.TORCH
    problem = _ct2_problem(model_folder)
    if problem is None:
        return EngineName.CT2
    if asked is EngineName.AUTO:
        if not quiet:
            logger.warning("using the torch engine, not CTranslate2: %s", problem)
        return EngineName.TORCH
    raise ModelLoadError(f"The ct2 engine cannot be used: {problem}, or use --engine torch.")


def _ct2_problem(model_folder: Path) -> str | None:
    """Why the CTranslate2 engine cannot run the model in ``model_folder``; None if it can."""
    if not convert.ctranslate2_available():
        return "CTranslate2 is not installed. Install it with `pip install 'translator[fast]'`"
    if convert.find_converted(model_folder) is None:
        return (
            f"the model in {model_folder} has no current CTranslate2 copy. "
            "Make one with `translator models convert MODEL`"
        )
    return None
