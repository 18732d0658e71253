"""`translator models convert`: make the CTranslate2 copy of a model (the fast engine)."""

from __future__ import annotations

import logging
import time
from typing import Annotated

import typer

from translator.cli.options import OfflineOpt, QuietOpt, VerboseOpt

log = logging.getLogger("translator.cli")


def convert(
    models: Annotated[
        list[str],
        typer.Argument(
            help="Model aliases, Hugging Face ids or model folders.", show_default=False
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Convert again even if a current copy exists.")
    ] = False,
    offline: OfflineOpt = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Convert models to CTranslate2 (int8 on CPU, float16 on GPU), used by --engine auto.

    The copy is written to a ctranslate2/ folder inside the model's folder.
    """
    from translator.engines import convert as conversion
    from translator.store import resolve_model

    for name in models:
        resolved = resolve_model(name, offline=offline)
        existing = conversion.find_converted(resolved.path)
        if existing is not None and not force:
            typer.echo(f"{name}: already converted in {existing}")
            continue
        started = time.perf_counter()
        target = conversion.convert_model(resolved.path, force=force)
        log.info("converted %s in %.0f s", name, time.perf_counter() - started)
        typer.echo(f"{name}: converted to {target}")
