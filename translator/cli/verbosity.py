"""How much the CLI says on stderr: ``-v``/``-q``, set up in one place.

``-v`` and ``-q`` are options of the root command (``translator -v translate ...``) and,
for convenience, of every sub-command (``translator translate -v ...``). Either way their
callbacks feed one state, and logging is configured from it here and nowhere else;
commands ask ``is_quiet()`` before printing a progress note.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any

import typer


@dataclass
class _Verbosity:
    verbose: int = 0
    quiet: bool = False


_state = _Verbosity()


def reset(verbose: int = 0, quiet: bool = False) -> None:
    """Start a command line's verbosity (the root command's options) and apply it."""
    _state.verbose = verbose
    _state.quiet = quiet
    _apply()


def is_quiet() -> bool:
    """Whether -q was given, on the root command or the sub-command."""
    return _state.quiet


def more_verbose(value: int) -> int:
    """The -v option's callback: each -v raises the log level a step."""
    if value:
        _state.verbose += value
        _apply()
    return value


def set_quiet(value: bool) -> bool:
    """The -q option's callback."""
    if value:
        _state.quiet = True
        _apply()
    return value


def _apply() -> None:
    """Logs go to stderr: warnings by default, info with -v, debug with -vv, errors with -q."""
    level = (
        logging.ERROR
        if _state.quiet
        else (logging.WARNING, logging.INFO, logging.DEBUG)[min(_state.verbose, 2)]
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("translator")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def verbose_option() -> Any:  # typer's OptionInfo, for Annotated[...]
    """The -v/--verbose option (root or sub-command)."""
    return typer.Option(
        "-v",
        "--verbose",
        count=True,
        callback=more_verbose,
        help="More logs on stderr (-vv: debug).",
    )


def quiet_option() -> Any:  # typer's OptionInfo, for Annotated[...]
    """The -q/--quiet option (root or sub-command)."""
    return typer.Option("-q", "--quiet", callback=set_quiet, help="Only errors on stderr.")
