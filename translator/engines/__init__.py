"""Translation and summarization engines.

The pipeline depends only on the protocols in ``base``; what engines share is in ``common``;
an engine is one module (``torch_engine``, ``ct2_engine``) and one branch in ``loading``. This
package is the only place that imports torch, transformers or ctranslate2, and it does so
inside functions, so that ``translator --help`` never pays for them.

The names below are imported on first use (PEP 562): importing ``translator.engines.base``
for the device and engine names must not import the engine modules, so that a batch rerun
with nothing to translate, or a refused one, never touches an engine module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from translator.engines.base import (
        Device,
        EngineName,
        SummarizationEngine,
        TranslationEngine,
        parse_device,
        parse_engine,
    )
    from translator.engines.choice import pick_engine
    from translator.engines.common import output_bounds, usable_cpus
    from translator.engines.ct2_engine import CT2Summarizer, CT2Translator
    from translator.engines.loading import load_summarizer, load_translator
    from translator.engines.torch_engine import TorchSummarizer, TorchTranslator, pick_device

_HOMES = {
    "Device": "base",
    "EngineName": "base",
    "SummarizationEngine": "base",
    "TranslationEngine": "base",
    "parse_device": "base",
    "parse_engine": "base",
    "output_bounds": "common",
    "usable_cpus": "common",
    "CT2Summarizer": "ct2_engine",
    "CT2Translator": "ct2_engine",
    "load_summarizer": "loading",
    "load_translator": "loading",
    "pick_engine": "choice",
    "TorchSummarizer": "torch_engine",
    "TorchTranslator": "torch_engine",
    "pick_device": "torch_engine",
}

__all__ = [
    "CT2Summarizer",
    "CT2Translator",
    "Device",
    "EngineName",
    "SummarizationEngine",
    "TorchSummarizer",
    "TorchTranslator",
    "TranslationEngine",
    "load_summarizer",
    "load_translator",
    "output_bounds",
    "parse_device",
    "parse_engine",
    "pick_device",
    "pick_engine",
    "usable_cpus",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"translator.engines.{home}"), name)
