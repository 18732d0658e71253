"""What a batch run is asked for (``BatchSettings``) and the fingerprint of everything that
changes an output: a file is redone when its fingerprint differs from its record's."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from translator.formats.types import InputFormat
from translator.model_identity import model_identity
from translator.options import Options
from translator.render import OutputFormat
from translator.schema import ModelInfo
from translator.version import __version__

DEFAULT_PATTERNS = (
    *("*.txt", "*.md", "*.html", "*.htm", "*.docx"),
    *("*.pptx", "*.odt", "*.odp", "*.epub"),
    *("*.srt", "*.vtt", "*.pdf"),
)

# A plain-text input of at least this many bytes is streamed (read, translated and written
# section by section) when its output is plain text without a summary: held whole, a text
# takes about 40 times its size in memory, so this bounds a batch's peak near 160 MiB for
# any input size. Smaller files are read whole and share model batches with other files.
STREAM_FILE_BYTES = 4 << 20


@dataclass(frozen=True)
class BatchSettings:
    """Where to read and write, which files, and how outputs are written."""

    input_dir: Path
    output_dir: Path
    patterns: tuple[str, ...] = DEFAULT_PATTERNS
    recursive: bool = True
    output_format: OutputFormat = OutputFormat.TEXT
    force: bool = False  # redo files the manifest says are done
    force_language: bool = False  # translate inputs that are not German too
    # Decoding settings that change outputs but are not visible in the engine's ModelInfo;
    # they are part of the fingerprint, so changing them redoes the files.
    beams: int | None = None
    input_format: InputFormat = InputFormat.AUTO  # every input read in this format
    # Inputs this large are streamed (see STREAM_FILE_BYTES); the outputs are the same, so
    # it is not part of the fingerprint.
    stream_bytes: int = STREAM_FILE_BYTES
    # A file listing URLs (``batch.urls``): its pages are the inputs instead of a folder's
    # files, and ``input_dir``, ``patterns`` and ``recursive`` are not used.
    url_list: Path | None = None


def settings_fingerprint(
    options: Options,
    settings: BatchSettings,
    translator: ModelInfo,
    summarizer: ModelInfo | None,
    engine: str = "",
) -> str:
    """A short hash of everything that changes an output: options, format, models, version.

    Summary settings only count when a summary is made, so ``--summary-length`` alone
    does not redo a folder translated without ``--summarize``.
    """
    summarize = options.summarize and summarizer is not None
    data: dict[str, Any] = {
        "translator_version": __version__,
        "format": settings.output_format.value,
        "quotes": options.quotes.value,
        "quote_marks": options.quote_marks.value,
        "beams": settings.beams,
        "engine": engine,
        # [id, revision] for a hub model, as before; a folder adds its weights' fingerprint
        # so that new weights in the same folder redo the files.
        "translation_model": model_identity(translator),
        "summary": None,
    }
    if settings.input_format is not InputFormat.AUTO:  # only then: fingerprints stay
        data["input_format"] = settings.input_format.value
    if options.alternatives:  # only then, like the glossary
        data["alternatives"] = options.alternatives
    if options.glossary is not None:  # only then: fingerprints without one stay as they were
        data["glossary"] = options.glossary.digest
    if summarize and summarizer is not None:
        data["summary"] = {
            "model": model_identity(summarizer),
            "length": str(options.summary_length),
            "max_words": options.summary_max_words,
        }
    encoded = json.dumps(data, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:16]
