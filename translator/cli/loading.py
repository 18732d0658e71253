"""Loading the engines a command needs, the same way in every command."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from translator.engines import SummarizationEngine, TranslationEngine

log = logging.getLogger("translator.cli")


def load_engines(
    translation_model: str,
    summarization_model: str | None,
    *,
    device: str,
    beams: int | None,
    batch_size: int,
    offline: bool | None,
    engine: str,
) -> tuple[TranslationEngine, SummarizationEngine | None]:
    """The translator, and the summarizer when ``summarization_model`` is given; each loads
    once per process (torch/transformers are imported here, not at start-up)."""
    from translator import engines

    started = time.perf_counter()
    translator = engines.load_translator(
        translation_model,
        device=device,
        beams=beams,
        batch_size=batch_size,
        offline=offline,
        engine=engine,
    )
    summarizer = (
        engines.load_summarizer(summarization_model, device=device, offline=offline, engine=engine)
        if summarization_model is not None
        else None
    )
    log.info("loaded the models in %.1f s", time.perf_counter() - started)
    return translator, summarizer
