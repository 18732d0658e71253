"""German to English translation and summaries that keep direct quotations intact.

    from translator import Translator
    result = Translator().translate(german_text)

Everything public is in ``__all__``; other names are private by convention.

``Translator`` is imported on first use, so that importing a leaf module (``translator.schema``,
``translator.quotes``) runs nothing else of the package.
"""

import logging
from typing import TYPE_CHECKING, Any

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
from translator.version import __version__

if TYPE_CHECKING:  # api imports no name from this module: no loop
    from translator.api import Translator

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


def __getattr__(name: str) -> Any:
    if name == "Translator":
        from translator.api import Translator

        return Translator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
