"""Option types shared by the commands, so each flag reads the same everywhere."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from translator import config
from translator.engines.base import Device, EngineName
from translator.formats import InputFormat
from translator.memory_store import DEFAULT_MAX_MB
from translator.render import OutputFormat
from translator.schema import QuoteMarks, QuoteMode, SummaryLength

if TYPE_CHECKING:
    from translator.api import Translator

InputArg = Annotated[
    str,
    typer.Argument(
        help="A German text file, or - (the default) to read stdin.", show_default=False
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "-o", "--output", help="Write here (atomically) instead of stdout.", dir_okay=False
    ),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
InputFormatOpt = Annotated[
    InputFormat,
    typer.Option(
        "--input-format",
        help="auto: by extension (.md, .html/.htm, .docx, else text), else by content. "
        "html: the article alone (trafilatura); with - for a piped page.",
    ),
]
TranslationModelOpt = Annotated[
    str,
    typer.Option(
        "--translation-model",
        "-m",
        envvar="TRANSLATOR_TRANSLATION_MODEL",
        help="Model alias, Hugging Face id, or model folder.",
    ),
]
DeviceOpt = Annotated[
    Device,
    typer.Option(
        "--device", envvar="TRANSLATOR_DEVICE", help="auto: CUDA when a GPU is usable, else CPU."
    ),
]
BeamsOpt = Annotated[
    int | None,
    typer.Option(
        "--beams", min=1, max=16, help="Beam size (default: the model's own generation config)."
    ),
]


EngineOpt = Annotated[
    EngineName,
    typer.Option(
        "--engine",
        envvar="TRANSLATOR_ENGINE",
        help="auto: CTranslate2 (int8 on CPU) when the model has a converted copy "
        "(`translator models convert`), else torch.",
    ),
]
FastOpt = Annotated[
    bool,
    typer.Option(
        "--fast",
        help="Greedy decoding (beam 1) for the translation: about 2.5x faster, slightly "
        "rougher. An explicit --beams wins.",
    ),
]


def beams_for(beams: int | None, fast: bool) -> int | None:
    """The beam size asked for: --beams wins, --fast means greedy, else the model's own."""
    return beams if beams is not None or not fast else 1


BatchSizeOpt = Annotated[
    int,
    typer.Option(
        "--batch-size",
        min=1,
        max=512,
        help="Sentences per model batch (CTranslate2: hypotheses, i.e. sentences x beams).",
    ),
]
QuotesOpt = Annotated[
    QuoteMode,
    typer.Option("--quotes", help="keep: quotations stay in German, untouched; translate; both."),
]
QuoteMarksOpt = Annotated[
    QuoteMarks, typer.Option("--quote-marks", help="Marks around translated quotations.")
]
OfflineOpt = Annotated[
    bool | None,
    typer.Option(
        "--offline/--online", help="Never download models (default: on when HF_HUB_OFFLINE=1)."
    ),
]
VerboseOpt = Annotated[
    int, typer.Option("-v", "--verbose", count=True, help="More logs on stderr (-vv: debug).")
]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="Only errors on stderr.")]


def _known_encoding(value: str | None) -> str | None:
    """An unknown --encoding is a usage error (exit 2), found before any work starts."""
    from translator.errors import InputError
    from translator.textio import check_encoding

    if value is None:
        return None
    try:
        check_encoding(value)
    except InputError as error:
        raise typer.BadParameter(str(error)) from None
    return value


EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        callback=_known_encoding,
        help="The input's encoding, e.g. cp1252. Detected when left out: UTF-8, UTF-16 "
        "with a BOM, cp1252, ...",
        show_default=False,
    ),
]

# --- summaries -----------------------------------------------------------------------------
SummarizeOpt = Annotated[
    bool, typer.Option("--summarize", help="Add an English summary after the translation.")
]
SummarizationModelOpt = Annotated[
    str,
    typer.Option(
        "--summarization-model",
        envvar="TRANSLATOR_SUMMARIZATION_MODEL",
        help="Summarization model: alias, Hugging Face id, or model folder.",
    ),
]
SummaryLengthOpt = Annotated[
    SummaryLength, typer.Option("--summary-length", help="How long the summary is.")
]
SummaryMaxWordsOpt = Annotated[
    int | None,
    typer.Option(
        "--summary-max-words",
        min=1,
        help="At most this many words in the summary (trailing sentences are dropped).",
    ),
]


GlossaryOpt = Annotated[
    Path | None,
    typer.Option(
        "--glossary",
        envvar="TRANSLATOR_GLOSSARY",
        help="Fixed renderings for terms: a DeepL-style glossary file, source<TAB>target "
        "(or CSV) a line. Each term outside quotations is written as its target.",
        dir_okay=False,
        show_default=False,
    ),
]
GlossaryIgnoreCaseOpt = Annotated[
    bool,
    typer.Option("--glossary-ignore-case", help="Glossary terms match in any case."),
]

CacheOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache",
        help="The translation memory's file (default: memory.sqlite3 in the user's cache "
        "folder). Sentences translated before are not translated again.",
        dir_okay=False,
        show_default=False,
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache", help="No translation memory for this run (TRANSLATOR_CACHE=off: never)."
    ),
]
CacheMaxMbOpt = Annotated[
    int,
    typer.Option("--cache-max-mb", min=1, help="The memory's size bound; oldest entries go."),
]

# --- the options translate, summarize and batch share, declared once ----------------------


@dataclass(frozen=True)
class SharedOptions:
    """The options every document command takes. A field here is an option of each command
    decorated with ``shared_options``: adding one is one change."""

    translation_model: TranslationModelOpt = config.DEFAULT_TRANSLATION_MODEL
    summarization_model: SummarizationModelOpt = config.DEFAULT_SUMMARIZATION_MODEL
    summary_length: SummaryLengthOpt = SummaryLength.MEDIUM
    summary_max_words: SummaryMaxWordsOpt = None
    quotes: QuotesOpt = QuoteMode.KEEP
    quote_marks: QuoteMarksOpt = QuoteMarks.ENGLISH
    device: DeviceOpt = Device.AUTO
    engine: EngineOpt = EngineName.AUTO
    beams: BeamsOpt = None
    fast: FastOpt = False
    batch_size: BatchSizeOpt = config.DEFAULT_BATCH_SIZE
    offline: OfflineOpt = None
    glossary: GlossaryOpt = None
    glossary_ignore_case: GlossaryIgnoreCaseOpt = False
    cache: CacheOpt = None
    no_cache: NoCacheOpt = False
    cache_max_mb: CacheMaxMbOpt = DEFAULT_MAX_MB
    verbose: VerboseOpt = 0
    quiet: QuietOpt = False

    def translator(self) -> Translator:
        """The library's facade with these settings (models load when first used)."""
        from translator.api import Translator

        return Translator(
            self.translation_model,
            self.summarization_model,
            device=self.device.value,
            engine=self.engine.value,
            beams=beams_for(self.beams, self.fast),
            batch_size=self.batch_size,
            offline=self.offline,
            quotes=self.quotes,
            quote_marks=self.quote_marks,
            summary_length=self.summary_length.value,
            summary_max_words=self.summary_max_words,
            glossary=self.glossary or "",  # "": none, even when TRANSLATOR_GLOSSARY is set
            glossary_ignore_case=self.glossary_ignore_case,
            cache=False if self.no_cache else (self.cache or True),  # on unless asked not
            cache_max_mb=self.cache_max_mb,
        )


def shared_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` every ``SharedOptions`` field as an option of its own.

    The command declares its own parameters and a keyword-only ``shared: SharedOptions``;
    typer sees one flat signature (the command's, then the shared options) and the wrapper
    packs the shared values into ``shared``.
    """
    hints = typing.get_type_hints(SharedOptions, include_extras=True)
    shared_parameters = [
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=field.default,
            annotation=hints[field.name],
        )
        for field in fields(SharedOptions)
    ]
    own = inspect.signature(command, eval_str=True)
    own_parameters = [p for name, p in own.parameters.items() if name != "shared"]
    names = {field.name for field in fields(SharedOptions)}

    @functools.wraps(command)
    def wrapper(**values: Any) -> None:
        shared = SharedOptions(**{name: values.pop(name) for name in names})
        command(**values, shared=shared)

    parameters = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own_parameters
    ] + shared_parameters
    wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper
