"""The command-line interface: the only package that imports typer and rich.

Every command is registered here, one line each; ``translator.cli.app`` holds the app,
its root options (-v/-q, --version) and the one place errors become exit codes.
"""

from translator.cli import (
    batch_cmd,
    cache_cmd,
    convert_cmd,
    models_cmd,
    serve_cmd,
    summarize_cmd,
    translate_cmd,
)
from translator.cli.app import app, main

app.command()(translate_cmd.translate)
app.command()(summarize_cmd.summarize)
app.command()(batch_cmd.batch)
app.add_typer(models_cmd.models_app, name="models")
models_cmd.models_app.command("convert")(convert_cmd.convert)
app.add_typer(cache_cmd.cache_app, name="cache")
app.command()(serve_cmd.serve)

__all__ = ["app", "main"]
