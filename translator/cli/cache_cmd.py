"""`translator cache stats|clear`: the translation memory."""

from __future__ import annotations

import typer

from translator.cli.app import app, report_errors, setup_logging
from translator.cli.options import CacheOpt, QuietOpt

cache_app = typer.Typer(
    name="cache",
    help="The translation memory: sentences translated before are not translated again.",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("stats")
def stats(cache: CacheOpt = None, quiet: QuietOpt = False) -> None:
    """Where the memory is, how many translations it holds, and its size."""
    setup_logging(0, quiet)
    with report_errors():
        from translator.memory_store import (
            DEFAULT_MAX_MB,
            TranslationMemory,
            disabled_by_environment,
        )

        memory = TranslationMemory(cache)
        found = memory.stats()
        memory.close()
        mib = 1024 * 1024
        typer.echo(f"path: {found.path}")
        typer.echo(f"entries: {found.entries}")
        typer.echo(
            f"size: {found.size_bytes / mib:.1f} MiB "
            f"(runs keep it under --cache-max-mb, {DEFAULT_MAX_MB} MiB by default)"
        )
        if disabled_by_environment():
            typer.echo("off: TRANSLATOR_CACHE=off (nothing is read or added)")


@cache_app.command("clear")
def clear(cache: CacheOpt = None, quiet: QuietOpt = False) -> None:
    """Forget every translation in the memory."""
    setup_logging(0, quiet)
    with report_errors():
        from translator.memory_store import TranslationMemory

        memory = TranslationMemory(cache)
        removed = memory.clear()
        memory.close()
        if not quiet:
            typer.echo(f"Removed {removed} entries from {memory.path}.", err=True)
