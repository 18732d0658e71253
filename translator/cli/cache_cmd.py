"""`translator cache stats|clear`: the translation memory."""

from __future__ import annotations

import typer

from translator.cli.options import CacheOpt, QuietOpt
from translator.cli.verbosity import is_quiet

cache_app = typer.Typer(
    name="cache",
    help="The translation memory: sentences translated before are not translated again.",
    no_args_is_help=True,
)


@cache_app.command("stats")
def stats(cache: CacheOpt = None, quiet: QuietOpt = False) -> None:
    """Where the memory is, how many translations it holds, and its size."""
    from translator import config
    from translator.memory_store import DEFAULT_MAX_MB, TranslationMemory

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
    if config.cache_disabled():
        typer.echo("off: TRANSLATOR_CACHE=off (nothing is read or added)")


@cache_app.command("clear")
def clear(cache: CacheOpt = None, quiet: QuietOpt = False) -> None:
    """Forget every translation in the memory."""
    from translator.memory_store import TranslationMemory

    memory = TranslationMemory(cache)
    removed = memory.clear()
    memory.close()
    if not is_quiet():
        typer.echo(f"Removed {removed} entries from {memory.path}.", err=True)
