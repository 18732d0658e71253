"""German to English translation and summaries that keep direct quotations intact.

    from translator import Translator
    result = Translator().translate(german_text)

Everything public is in ``__all__``; other names are private by convention.
"""

import logging

from translator.api import Translator
from translator.errors import (
    InputError,
    ModelLoadError,
    ModelNotFoundError,
    OptionError,
    OutOfMemoryError,
    OutputError,
    TranslatorError,
)
from translator.schema import (
    DocumentResult,
    ModelInfo,
    ParagraphResult,
    QuoteMarks,
    QuoteMode,
    QuoteResult,
    QuoteStrategy,
    SummaryQuoteChange,
    SummaryResult,
)

__version__ = "0.2.0"

# A library never configures logging for its host: without a handler of the application's,
# records go nowhere (not to Python's last-resort stderr handler).
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "DocumentResult",
    "InputError",
    "ModelInfo",
    "ModelLoadError",
    "ModelNotFoundError",
    "OptionError",
    "OutOfMemoryError",
    "OutputError",
    "ParagraphResult",
    "QuoteMarks",
    "QuoteMode",
    "QuoteResult",
    "QuoteStrategy",
    "SummaryQuoteChange",
    "SummaryResult",
    "Translator",
    "TranslatorError",
    "__version__",
]
