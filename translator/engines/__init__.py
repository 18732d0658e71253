"""Translation and summarization engines.

The pipeline depends only on the protocols in ``base``; what engines share is in ``common``;
an engine is one module (``torch_engine``, ``ct2_engine``) and one branch in ``loading``. This
package is the only place that imports torch, transformers or ctranslate2, and it does so
inside functions, so that ``translator --help`` never pays for them.
"""

from translator.engines.base import (
    Device,
    EngineName,
    SummarizationEngine,
    TranslationEngine,
    parse_device,
    parse_engine,
)
from translator.engines.common import output_bounds, usable_cpus
from translator.engines.ct2_engine import CT2Summarizer, CT2Translator
from translator.engines.loading import load_summarizer, load_translator, pick_engine
from translator.engines.torch_engine import TorchSummarizer, TorchTranslator, pick_device

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
