"""The command-line interface: the only package that imports typer and rich."""

from translator.cli import batch_cmd as _batch_cmd  # noqa: F401  (registers commands)
from translator.cli import cache_cmd as _cache_cmd  # noqa: F401  (registers commands)
from translator.cli import convert_cmd as _convert_cmd  # noqa: F401  (registers commands)
from translator.cli import models_cmd as _models_cmd  # noqa: F401  (registers commands)
from translator.cli import summarize_cmd as _summarize_cmd  # noqa: F401  (registers commands)
from translator.cli import translate_cmd as _translate_cmd  # noqa: F401  (registers commands)
from translator.cli.app import app, main

__all__ = ["app", "main"]
