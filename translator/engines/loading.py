"""Loading: a model name to a ready engine, and the choice between torch and CTranslate2."""

from __future__ import annotations

import logging
from typing import Any

from translator.engines.base import (
    EngineName,
    SummarizationEngine,
    TranslationEngine,
    parse_device,
    parse_engine,
)
from translator.engines.choice import pick_engine
from translator.engines.common import TORCH_BATCH_SENTENCES
from translator.engines.ct2_engine import (
    CT2Summarizer,
    CT2Translator,
    CudaLibrariesMissing,
    load_ct2,
)
from translator.engines.torch_engine import (
    TorchSummarizer,
    TorchTranslator,
    load_seq2seq,
    pick_device,
)
from translator.registry import Task
from translator.store import ResolvedModel, resolve_model

logger = logging.getLogger(__name__)


def _resolve(
    model: str, task: Task, device: str, engine: str, offline: bool | None
) -> tuple[ResolvedModel, tuple[Any, Any, Any] | None]:
    """The model's folder, and its CTranslate2 model when that engine is picked and can run
    here (None: load with torch). Unknown device or engine names fail before anything is
    resolved or loaded; ``auto`` falls back to torch when CTranslate2 cannot use the GPU
    (torch may well be able to)."""
    parse_device(device)
    parse_engine(engine)
    resolved = resolve_model(model, offline=offline, task=task)
    if pick_engine(engine, resolved.path) is not EngineName.CT2:
        return resolved, None
    try:
        return resolved, load_ct2(resolved.path, task=task, device=device)
    except CudaLibrariesMissing as error:
        if parse_engine(engine) is not EngineName.AUTO:
            raise
        logger.warning("using the torch engine, not CTranslate2: %s", error)
        return resolved, None


def load_translator(
    model: str,
    *,
    device: str = "auto",
    beams: int | None = None,
    batch_size: int | None = None,
    offline: bool | None = None,
    engine: str = "auto",
) -> TranslationEngine:
    """Load a MarianMT translation model from a folder or the hub.

    Args:
        model: a model folder or hub id.
        device: ``auto``, ``cpu`` or ``cuda``.
        beams: beam size; ``None`` keeps the model's own (opus-mt: 4).
        batch_size: sentences per batch (CTranslate2: hypotheses); None: automatic
            (CTranslate2: sized by tokens; torch: ``TORCH_BATCH_SENTENCES``).
        offline: never contact the hub; ``None`` reads ``HF_HUB_OFFLINE``.
        engine: ``torch``, ``ct2`` (CTranslate2: int8 on CPU, float16 on CUDA), or
            ``auto``: ``ct2`` when the model has a CTranslate2 copy (``pick_engine``).

    Raises:
        ModelNotFoundError: the model is not on this machine and cannot be fetched.
        ModelLoadError: it is incomplete, not a translation model, fails to load, or
            the engine asked for cannot be used.
        OptionError: an unknown device or engine name.
    """
    resolved, loaded_ct2 = _resolve(model, "translation", device, engine, offline)
    if loaded_ct2 is not None:
        translator, tokenizer, defaults = loaded_ct2
        return CT2Translator(
            translator,
            tokenizer,
            resolved.info,
            defaults,
            device=translator.device,
            beams=beams,
            batch_size=batch_size,
        )
    target = pick_device(device)
    loaded, tokenizer = load_seq2seq(resolved.path, task="translation", device=target)
    return TorchTranslator(
        loaded,
        tokenizer,
        resolved.info,
        device=target,
        beams=beams,
        batch_size=batch_size or TORCH_BATCH_SENTENCES,
    )


def load_summarizer(
    model: str,
    *,
    device: str = "auto",
    beams: int | None = None,
    offline: bool | None = None,
    engine: str = "auto",
) -> SummarizationEngine:
    """Load a sequence-to-sequence summarization model from a folder or the hub.

    ``engine`` is as for ``load_translator``.

    Raises:
        ModelNotFoundError: the model is not on this machine and cannot be fetched.
        ModelLoadError: it is incomplete, not a summarization model, fails to load, or
            the engine asked for cannot be used.
    """
    resolved, loaded_ct2 = _resolve(model, "summarization", device, engine, offline)
    if loaded_ct2 is not None:
        summarizer, tokenizer, defaults = loaded_ct2
        return CT2Summarizer(
            summarizer, tokenizer, resolved.info, defaults, device=summarizer.device, beams=beams
        )
    target = pick_device(device)
    loaded, tokenizer = load_seq2seq(resolved.path, task="summarization", device=target)
    return TorchSummarizer(loaded, tokenizer, resolved.info, device=target, beams=beams)
