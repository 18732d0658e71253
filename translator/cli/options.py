"""Option declarations shared by the commands, so each flag reads the same everywhere.

Options whose default is a ``TRANSLATOR_*`` variable default to None here, meaning "not
given": the library then takes the value from ``translator.config``, the one module that
reads the environment (so no variable is read twice, and ``Translator()`` agrees).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from translator.cli import verbosity
from translator.engines.base import Device, EngineName
from translator.formats import InputFormat
from translator.render import OutputFormat
from translator.schema import QuoteMarks, QuoteMode, SummaryLength

InputArg = Annotated[
    str,
    typer.Argument(
        metavar="INPUT",
        help="The German article: a text, Markdown, HTML, Word (.docx), PowerPoint (.pptx), "
        "OpenDocument (.odt, .odp) or EPUB file, an http(s):// address, or - (the default) "
        "to read stdin.",
        show_default=False,
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
        help="auto: by extension (.md, .html/.htm, .docx, .pptx, .odt, .odp, .epub, .srt, "
        ".vtt, .pdf, else text), else by content. "
        "html: the article alone (trafilatura); with - for a piped page.",
    ),
]
TranslationModelOpt = Annotated[
    str | None,
    typer.Option(
        "--translation-model",
        "-m",
        help="Model alias, Hugging Face id, or model folder. Default: the variable "
        "TRANSLATOR_TRANSLATION_MODEL, else Helsinki-NLP/opus-mt-de-en.",
        show_default=False,
    ),
]
DeviceOpt = Annotated[
    Device | None,
    typer.Option(
        "--device",
        help="auto: CUDA when a GPU is usable, else CPU. Default: the variable "
        "TRANSLATOR_DEVICE, else auto.",
        show_default=False,
    ),
]
BeamsOpt = Annotated[
    int | None,
    typer.Option(
        "--beams", min=1, max=16, help="Beam size (default: the model's own generation config)."
    ),
]

AlternativesOpt = Annotated[
    int,
    typer.Option(
        "--alternatives",
        min=0,
        max=8,
        help="Also give the N best other translations of each sentence (in --format json "
        "and html); the beam widens to N+2, so the main translation may change.",
    ),
]


EngineOpt = Annotated[
    EngineName | None,
    typer.Option(
        "--engine",
        help="auto: CTranslate2 (int8 on CPU) when the model has a converted copy "
        "(`translator models convert`), else torch. Default: the variable "
        "TRANSLATOR_ENGINE, else auto.",
        show_default=False,
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


BatchSizeOpt = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        min=1,
        max=512,
        help="Sentences per model batch (CTranslate2: hypotheses, i.e. sentences x beams). "
        "Default: automatic (CTranslate2: batches sized by tokens; torch: 32 sentences).",
    ),
]
QuotesOpt = Annotated[
    QuoteMode,
    typer.Option(
        "--quotes",
        help="keep: quotations stay in German, untouched; translate: each is translated "
        "on its own, between English marks (--quote-marks); both: the translation, then "
        "the German original in brackets.",
    ),
]
QuoteMarksOpt = Annotated[
    QuoteMarks, typer.Option("--quote-marks", help="Marks around translated quotations.")
]
OfflineOpt = Annotated[
    bool | None,
    typer.Option(
        "--offline/--online",
        help="Never download models. Default: on when the variable TRANSLATOR_OFFLINE or "
        "HF_HUB_OFFLINE is 1.",
        show_default=False,
    ),
]
# -v/-q also work before the command (`translator -q translate ...`); either way they set
# the one logging setup (translator.cli.verbosity), so commands never configure logging.
VerboseOpt = Annotated[int, verbosity.verbose_option()]
QuietOpt = Annotated[bool, verbosity.quiet_option()]


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
    str | None,
    typer.Option(
        "--summarization-model",
        help="Summarization model: alias, Hugging Face id, or model folder. Default: the "
        "variable TRANSLATOR_SUMMARIZATION_MODEL, else sshleifer/distilbart-cnn-12-6.",
        show_default=False,
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
        help="Fixed renderings for terms: a DeepL-style glossary file, source<TAB>target "
        "(or CSV) a line. Each term outside quotations is written as its target. Default: "
        "the variable TRANSLATOR_GLOSSARY, else none.",
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
        "--no-cache",
        help="No translation memory for this run (the variable TRANSLATOR_CACHE=off: never).",
    ),
]
CacheMaxMbOpt = Annotated[
    int,
    typer.Option("--cache-max-mb", min=1, help="The memory's size bound; oldest entries go."),
]
