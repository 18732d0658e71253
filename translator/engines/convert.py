"""Convert a Hugging Face model folder to CTranslate2, and find a converted copy.

Where a converted model lives: in a ``ctranslate2/`` folder inside the Hugging Face
model folder it was made from. For a model pulled into the store that is
``<models dir>/<alias>/ctranslate2/``; for a folder the user passed, ``<folder>/ctranslate2/``;
for a hub-cache snapshot, inside that snapshot. One rule for every kind of folder, and the
copy goes wherever its source goes: deleting or re-pulling a model takes its conversion
along, and two revisions never share one.

The weights are stored as int8 (other parameters float16): what the CPU computes with,
so loading is a read instead of a quantization (0.06-0.14 s instead of 0.45-0.9 s for
opus-mt on 2 cores, most of a one-article run's start-up); CUDA computes in float16 from
them. Copies made earlier with float16 weights stay usable (they load slower). A marker
file written last records what the copy was made from, so an interrupted conversion is
never used and a copy whose source weights changed is stale.

ctranslate2 and transformers are imported inside functions: importing this module is cheap.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from translator.engines.common import no_progress_bars
from translator.errors import ModelLoadError
from translator.model_identity import weights_fingerprint

logger = logging.getLogger(__name__)

CONVERTED_FOLDER = "ctranslate2"
"""The folder, inside a Hugging Face model folder, that holds its CTranslate2 copy."""

MARKER_FILE = "translator-conversion.json"
"""Written last into a converted folder: what it was made from, and how."""

STORED_QUANTIZATION = "int8_float16"
_CONVERTED_FILES = ("model.bin", "config.json")


def ctranslate2_available() -> bool:
    """Whether the ctranslate2 package is installed (checked without importing it)."""
    return importlib.util.find_spec("ctranslate2") is not None


def converted_dir(model_folder: Path) -> Path:
    """Where the CTranslate2 copy of the Hugging Face model in ``model_folder`` lives."""
    return model_folder / CONVERTED_FOLDER


def find_converted(model_folder: Path) -> Path | None:
    """The folder of a complete, current CTranslate2 copy of ``model_folder``; else None.

    A copy is current when its marker names the source weights as they are now (size and a
    content hash), so replaced weights are never served from an old conversion.
    """
    target = converted_dir(model_folder)
    if not all((target / name).is_file() for name in _CONVERTED_FILES):
        return None
    try:
        marker = json.loads((target / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("source") != weights_fingerprint(model_folder):
        logger.info("the CTranslate2 copy in %s is stale or incomplete", target)
        return None
    return target


def convert_model(model_folder: Path, target: Path | None = None, *, force: bool = False) -> Path:
    """Convert the Hugging Face model in ``model_folder`` to CTranslate2.

    The conversion is written to a temporary folder beside ``target`` and renamed into
    place, so an interrupted run never leaves a half-written model behind.

    Args:
        model_folder: a complete MarianMT or BART-like model folder.
        target: where to write; ``None`` means ``converted_dir(model_folder)``.
        force: convert again even when a current copy exists.

    Returns:
        The converted folder.

    Raises:
        ModelLoadError: ctranslate2 is not installed, the model cannot be converted, or
            the target cannot be written.
    """
    destination = target if target is not None else converted_dir(model_folder)
    if not force and target is None and find_converted(model_folder) is not None:
        return destination
    if not ctranslate2_available():
        raise ModelLoadError(
            "CTranslate2 is not installed, so the model cannot be converted. "
            "Install it with `pip install 'translator[fast]'` (or `pip install ctranslate2`)."
        )
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".ctranslate2-", dir=destination.parent))
    except OSError as error:
        raise ModelLoadError(
            f"Cannot write the converted model to {destination} ({error.strerror or error}). "
            "Check the folder's permissions, or copy the model to a writable folder first."
        ) from error
    try:
        convert_to_ctranslate2(model_folder, staging / "model", STORED_QUANTIZATION)
        marker = {
            "source": weights_fingerprint(model_folder),
            "quantization": STORED_QUANTIZATION,
            "ctranslate2": _ctranslate2_version(),
        }
        (staging / "model" / MARKER_FILE).write_text(json.dumps(marker), encoding="utf-8")
        if destination.exists():
            shutil.rmtree(destination)
        (staging / "model").rename(destination)
    except ModelLoadError:
        raise
    except OSError as error:
        raise ModelLoadError(
            f"Cannot write the converted model to {destination} ({error.strerror or error}). "
            "Check free disk space and the folder's permissions."
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("converted %s to CTranslate2 in %s", model_folder, destination)
    return destination


def _ctranslate2_version() -> str:
    import ctranslate2

    return str(ctranslate2.__version__)


def convert_to_ctranslate2(model_folder: Path, output: Path, quantization: str) -> None:
    """Run CTranslate2's converter on a Hugging Face folder (``convert_model`` decides where
    the result goes). Raises ModelLoadError when the model cannot be converted."""
    import transformers
    from ctranslate2.converters import TransformersConverter

    class _Converter(TransformersConverter):  # type: ignore[misc]
        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            # Repositories that ship only pickled weights are read with weights_only,
            # exactly as the torch engine reads them.
            if not any(Path(model_name_or_path).glob("model*.safetensors")):
                kwargs.update(use_safetensors=False, weights_only=True)
            model = model_class.from_pretrained(model_name_or_path, **kwargs)
            # The converter reads BART's old `normalize_before` flag, which transformers 5
            # no longer writes into configs. BART and Marian are post-norm models.
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return model

    try:
        with no_progress_bars(transformers), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
            _Converter(str(model_folder)).convert(
                str(output), quantization=quantization, force=True
            )
    except Exception as error:  # the converter raises many types; the user needs one message
        cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(
            f"The model in {model_folder} could not be converted to CTranslate2 "
            f"({type(error).__name__}: {cause}). Check that the folder holds a complete "
            "MarianMT or BART model; the torch engine (--engine torch) still works without it."
        ) from error
