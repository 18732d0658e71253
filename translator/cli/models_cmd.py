"""`translator models pull|list|verify`: the local model store."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import typer

from translator import config
from translator.cli.app import EXIT_FAILURE, PartialFailure, error_message, print_error
from translator.cli.options import DeviceOpt, QuietOpt, VerboseOpt
from translator.cli.verbosity import is_quiet
from translator.errors import TranslatorError
from translator.registry import ModelEntry, Registry, load_registry
from translator.store import (
    InstallState,
    PullResult,
    StoreStatus,
    missing_model_files,
    models_dir,
    pull_model,
    store_status,
)

log = logging.getLogger("translator.cli")

models_app = typer.Typer(
    name="models",
    help="Download, list and check the models in the local model store.",
    no_args_is_help=True,
)

AliasesArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Registry aliases (or their hub ids); see `translator models list`.",
        show_default=False,
    ),
]

# A sentence each model can handle in a fraction of a second, even on a CPU.
_GERMAN_PROBE = "Der Minister sagte, die Gespräche seien fruchtbar gewesen."
_ENGLISH_PROBE = (
    "The minister said on Tuesday that the talks had been fruitful. Both delegations "
    "agreed to meet again next month to discuss closer cooperation."
)

_SHOWN_CHARACTERS = 80  # of the probe's output, in verify's report


@models_app.command("pull")
def pull(
    aliases: AliasesArg = None,
    force: Annotated[
        bool, typer.Option("--force", help="Download again even if already up to date.")
    ] = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Download models at their pinned revisions (no ALIAS: the defaults) into the store."""
    registry = load_registry()
    entries = _pick(registry, aliases) if aliases else registry.defaults()
    if is_quiet():
        from huggingface_hub.utils.tqdm import disable_progress_bars

        disable_progress_bars()
    failed = 0
    for entry in entries:
        try:
            result = pull_model(entry, force=force)
        except TranslatorError as error:
            failed += 1
            print_error(error_message(error)[1])
            continue
        typer.echo(_pulled_line(result))
        failed += not _convert_if_possible(entry.alias, result.path)
    if failed:
        raise PartialFailure(EXIT_FAILURE)


@models_app.command("list")
def list_models(verbose: VerboseOpt = 0, quiet: QuietOpt = False) -> None:
    """Show every registered model: task, whether it is installed, revision and size."""
    registry = load_registry()
    statuses = [store_status(entry) for entry in registry.entries]
    typer.echo(format_table(statuses), nl=False)
    if not is_quiet():
        typer.echo(f"Models folder: {models_dir()}", err=True)
        typer.echo(f"Registry: {registry.source}", err=True)


@models_app.command("verify")
def verify(
    aliases: AliasesArg = None,
    device: DeviceOpt = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Check models offline: files present, the model loads, one tiny generation works.

    No ALIAS: the default models and every installed one. Exits 1 if any check fails.
    """
    registry = load_registry()
    if aliases:
        entries = _pick(registry, aliases)
    else:
        entries = tuple(
            entry
            for entry in registry.entries
            if entry.default or store_status(entry).state is not InstallState.NOT_INSTALLED
        )
    failed = 0
    for entry in entries:
        ok, line = _verify_one(entry, config.device(device.value if device else None))
        typer.echo(f"{entry.alias}: {line}")
        failed += not ok
    if failed:
        raise PartialFailure(EXIT_FAILURE)


def format_table(statuses: list[StoreStatus]) -> str:
    """A plain, aligned table of the store's state, one row per registry entry."""
    header = ("ALIAS", "TASK", "DEFAULT", "STATUS", "REVISION", "SIZE", "LICENCE", "HUB ID")
    rows = [header]
    for status in statuses:
        entry = status.entry
        revision = status.revision if status.revision is not None else entry.revision
        size = (
            _format_size(status.size_bytes)
            if status.state is not InstallState.NOT_INSTALLED
            else f"~{entry.size_mb:,} MB"
        )
        rows.append(
            (
                entry.alias,
                entry.task,
                "yes" if entry.default else "",
                status.state.value,
                revision[:12],
                size,
                entry.licence,
                entry.hub_id,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    return "".join(line.rstrip() + "\n" for line in lines)


def _pick(registry: Registry, names: list[str]) -> tuple[ModelEntry, ...]:
    picked: list[ModelEntry] = []
    for name in names:
        entry = registry.get(name)
        if entry not in picked:
            picked.append(entry)
    return tuple(picked)


def _convert_if_possible(alias: str, folder: Path) -> bool:
    """With ctranslate2 installed, a pulled model gets its int8-ready CTranslate2 copy
    (what ``--engine auto`` uses); without it, pulling is all there is to do."""
    from translator.engines import convert

    if not convert.ctranslate2_available():
        return True
    try:
        target = convert.convert_model(folder)
    except TranslatorError as error:
        print_error(f"{alias}: {error_message(error)[1]}")
        return False
    typer.echo(f"{alias}: CTranslate2 copy in {target}")
    return True


def _pulled_line(result: PullResult) -> str:
    what = "pulled" if result.downloaded else "already up to date:"
    return (
        f"{result.entry.alias}: {what} {result.entry.hub_id}@{result.revision[:12]} "
        f"in {result.path}"
    )


def _verify_one(entry: ModelEntry, device: str) -> tuple[bool, str]:
    """Check one entry; (passed, what to print)."""
    from translator import engines

    status = store_status(entry)
    if status.state is InstallState.NOT_INSTALLED:
        return False, (
            f"FAILED: not installed in {status.path}. Run `translator models pull {entry.alias}`."
        )
    missing = missing_model_files(status.path)
    if missing:
        return False, (
            f"FAILED: {status.path} is incomplete: missing {', '.join(missing)}. "
            f"Run `translator models pull {entry.alias}`."
        )
    notes = ""
    if status.state is InstallState.OTHER_REVISION:
        notes = f" (the registry pins {entry.revision[:12]}; `translator models pull` updates it)"
    started = time.perf_counter()
    try:
        if entry.task == "translation":
            translator = engines.load_translator(str(status.path), device=device, offline=True)
            loaded = time.perf_counter() - started
            [output] = translator.translate([_GERMAN_PROBE])
        else:
            summarizer = engines.load_summarizer(str(status.path), device=device, offline=True)
            loaded = time.perf_counter() - started
            [output] = summarizer.summarize([_ENGLISH_PROBE], min_tokens=1, max_tokens=24)
    except TranslatorError as error:
        return False, f"FAILED: {error_message(error)[1]}"
    except Exception as error:  # a model that loads but cannot generate is a failed check
        return False, f"FAILED: generation raised {type(error).__name__}: {error}"
    if not output.strip():
        return False, "FAILED: the model loaded but generated an empty text."
    revision = (status.revision or "unrecorded")[:12]
    shown = output.strip()
    if len(shown) > _SHOWN_CHARACTERS:
        shown = shown[: _SHOWN_CHARACTERS - 1] + "…"
    return True, f"ok, revision {revision}{notes}, loaded in {loaded:.1f} s; generated {shown!r}"


def _format_size(size_bytes: int) -> str:
    if size_bytes < 1_000_000:
        return f"{size_bytes / 1000:.0f} kB"
    return f"{size_bytes / 1_000_000:,.0f} MB"
