"""Where a batch reads and writes: the folder checks, the walk, and each input's outputs.

An input ``a/b.txt`` gives ``a/b.en.txt`` in the output folder (``translator.output``
names it); two inputs that would give the same output (``story.txt`` and ``story.html``)
both keep their source extension instead (``story.txt.en.txt``, ``story.html.en.txt``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Generic, TypeVar

from translator.batch.settings import BatchSettings
from translator.errors import InputError, OutputError
from translator.manifest import MANIFEST_NAME
from translator.output import output_names
from translator.render import OutputFormat
from translator.textio import printable

log = logging.getLogger("translator.batch")

INDEX_NAME = "index.html"  # with --format html: every file's status, linked to its page
# What textio.write_atomic leaves behind when killed between mkstemp and the rename:
# ".<output name>.<8 random characters>.tmp". Only names of our outputs (".en." in them)
# are matched, so no file of the user's is ever removed.
_STALE_TEMPORARY = re.compile(r"^\..+\.en\.[^.]+\.[A-Za-z0-9_]{8}\.tmp$")
_Item = TypeVar("_Item")


def matches_patterns(relative: PurePosixPath, patterns: Sequence[str]) -> bool:
    """Whether a path (relative to the input folder) is picked by any glob pattern.

    A pattern without ``/`` matches the file name (``*.txt``); one with ``/`` matches the
    end of the relative path (``news/*.txt``).
    """
    return any(relative.match(pattern) for pattern in patterns)


# --- folder checks and walking ---------------------------------------------------------


def check_folders(settings: BatchSettings) -> tuple[Path, Path]:
    """The resolved input and output folders, once they are known to be safe to use.

    With a URL list (``settings.url_list``) only the output folder is checked.

    Raises:
        InputError: the input folder is missing or not a folder.
        OutputError: the output folder is the input folder, lies inside it where the
            patterns would pick the outputs up again, or is a file.
    """
    input_dir = settings.input_dir.resolve()
    output_dir = settings.output_dir.resolve()
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputError(f"{settings.output_dir} is a file. Pass a folder with -o.")
    if settings.url_list is not None:  # no input folder: only the output folder to check
        return input_dir, output_dir
    if not input_dir.exists():
        raise InputError(f"{settings.input_dir} does not exist. Check the path.")
    if not input_dir.is_dir():
        raise InputError(
            f"{settings.input_dir} is a file, not a folder. "
            "Use `translator translate` for a single file."
        )
    if output_dir == input_dir:
        raise OutputError(
            f"the output folder {settings.output_dir} is the input folder. "
            "Pass another folder with -o, for example a sibling such as ../translated."
        )
    if output_dir.is_relative_to(input_dir) and settings.recursive:
        inside = PurePosixPath(output_dir.relative_to(input_dir).as_posix())
        samples = [
            inside / name
            for output_format in OutputFormat
            for name in output_names(PurePosixPath("x.txt"), output_format, summarize=True)
        ] + [inside / "x.summary.en.md", inside / MANIFEST_NAME, inside / INDEX_NAME]
        caught = [
            str(s.relative_to(inside)) for s in samples if matches_patterns(s, settings.patterns)
        ]
        if caught:
            raise OutputError(
                f"the output folder {settings.output_dir} is inside the input folder, and the "
                f"patterns ({', '.join(settings.patterns)}) would pick its outputs "
                f"(such as {caught[0]}) up as inputs. Pass an output folder outside "
                f"{settings.input_dir}, or use --no-recursive."
            )
    return input_dir, output_dir


def find_inputs(
    input_dir: Path,
    patterns: Sequence[str],
    *,
    recursive: bool = True,
    exclude: Path | None = None,
) -> list[PurePosixPath]:
    """The inputs under ``input_dir`` picked by ``patterns``, sorted, relative to it: the
    walk of ``iter_planned``, as a list."""
    return list(_walk(input_dir, _Walk(patterns, recursive, exclude), lambda found: found))


@dataclass(frozen=True)
class _Walk:
    """What the walk picks: files matching ``patterns``, in subfolders when ``recursive``,
    never in ``exclude`` (the output folder, when it lies inside the input folder)."""

    patterns: Sequence[str]
    recursive: bool
    exclude: Path | None


def _walk(
    input_dir: Path,
    walk: _Walk,
    plan: Callable[[list[PurePosixPath]], Sequence[_Item]],
) -> Iterator[_Item]:
    """The inputs in sorted order (``PurePosixPath`` order: part by part), found folder by
    folder as they are yielded: ``plan`` turns one folder's inputs into what is yielded for
    each, so that memory holds the folders on the way down, never the whole tree.

    Hidden files and folders (a leading dot) are left out, and so is ``walk.exclude``.
    Symlinked folders are not entered; a symlinked file is taken only when it points
    inside ``input_dir`` (a warning names the others). Unreadable folders are passed over,
    as ``os.walk`` does.
    """
    stack = [_Folder(input_dir, PurePosixPath(), walk, plan)]
    while stack:
        entry = next(stack[-1].entries, None)
        if entry is None:
            stack.pop()
        elif entry[1] is not None:
            yield entry[1]
        else:  # a subfolder: its entries come before the next name of this folder
            stack.append(_Folder(input_dir, stack[-1].relative / entry[0], walk, plan))


class _Folder(Generic[_Item]):
    """One folder's entries in name order: (name, its planned item) for an input,
    (name, None) for a subfolder to enter."""

    def __init__(
        self,
        input_dir: Path,
        relative: PurePosixPath,
        walk: _Walk,
        plan: Callable[[list[PurePosixPath]], Sequence[_Item]],
    ) -> None:
        self.relative = relative
        here = input_dir / str(relative)
        files: list[str] = []
        folders: list[str] = []
        try:
            with os.scandir(here) as found:
                for entry in found:
                    if entry.name.startswith("."):
                        continue
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if not is_dir:
                        files.append(entry.name)
                    elif (
                        walk.recursive
                        and not entry.is_symlink()
                        and (walk.exclude is None or Path(entry.path) != walk.exclude)
                    ):
                        folders.append(entry.name)
        except OSError:
            pass  # an unreadable folder is passed over, as os.walk does
        inputs = [
            picked
            for name in sorted(files)
            if (picked := _pick(input_dir, relative / name, walk.patterns)) is not None
        ]
        ordered: list[tuple[str, _Item | None]] = [
            *zip((path.name for path in inputs), plan(inputs), strict=True),
            *((name, None) for name in folders),
        ]
        ordered.sort(key=lambda entry: entry[0])
        self.entries = iter(ordered)


def _pick(
    input_dir: Path, relative: PurePosixPath, patterns: Sequence[str]
) -> PurePosixPath | None:
    """``relative`` when the walk takes this file: matched by a pattern, and no symlink
    out of the input folder or to something that is not a file."""
    if not matches_patterns(relative, patterns):
        return None
    path = input_dir / str(relative)
    if path.is_symlink() and not path.resolve().is_relative_to(input_dir):
        log.warning(
            "%s is a symlink out of the input folder: not followed.", printable(str(relative))
        )
        return None
    if path.is_symlink() and not path.resolve().is_file():
        return None
    return relative


def open_input_file(path: Path) -> BinaryIO:
    """An input, open for reading; a file swapped for a symlink since the walk is not
    followed."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    if path.is_symlink():  # the walk checked that it points inside the input folder
        path, flags = path.resolve(), os.O_RDONLY
    return os.fdopen(os.open(path, flags), "rb")


def read_input_bytes(path: Path) -> bytes:
    """The bytes of an input (see ``open_input_file``)."""
    with open_input_file(path) as stream:
        return stream.read()


def hash_input_file(path: Path, chunk_bytes: int = 1 << 20) -> tuple[str, int]:
    """The SHA-256 (hex) and size of an input, read in chunks: flat memory."""
    digest = hashlib.sha256()
    size = 0
    with open_input_file(path) as stream:
        while chunk := stream.read(chunk_bytes):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_error(relative: str, error: OSError) -> str:
    if isinstance(error, PermissionError):
        return f"{relative} cannot be read (permission denied). Check its permissions."
    if isinstance(error, FileNotFoundError):
        return f"{relative} disappeared during the run."
    return f"{relative} cannot be read ({error.strerror or error}). Check the file."


def remove_stale_temporaries(output_dir: Path) -> int:
    """Delete temporary files an interrupted run left (a kill between write and rename).

    Returns how many were removed. Only names shaped like our outputs' temporaries match.
    """
    removed = 0
    for folder, _, files in os.walk(output_dir, followlinks=False):
        for name in files:
            if _STALE_TEMPORARY.match(name):
                Path(folder, name).unlink(missing_ok=True)
                removed += 1
    return removed


@dataclass(frozen=True)
class PlannedInput:
    """An input and its outputs (both relative to their folders). A page of a URL list
    (``batch.urls``) is a file fetched into a temporary input folder, with its URL and the
    charset its server named."""

    relative: PurePosixPath
    outputs: tuple[PurePosixPath, ...]
    problem: str = ""  # set when an output would clash with an input or another output
    url: str = ""
    encoding: str | None = None

    @property
    def key(self) -> str:
        """The input's name in the manifest and in messages: its URL, else its path."""
        return self.url or str(self.relative)


def plan_outputs(
    inputs: Sequence[PurePosixPath],
    output_format: OutputFormat,
    summarize: bool,
    input_dir: Path,
    output_dir: Path,
    *,
    is_input: Callable[[Path], bool] | None = None,
    claimed: dict[PurePosixPath, PurePosixPath] | None = None,
) -> list[PlannedInput]:
    """Each input with its outputs. Inputs that would share an output (``story.txt`` and
    ``story.html`` both give ``story.en.txt``) keep their whole name in their outputs'
    (``story.txt.en.txt``, ``story.html.en.txt``). An input whose output still clashes
    with another's, or would overwrite an input (possible when the folders overlap), gets
    a problem instead of outputs: it is recorded as failed.

    ``is_input`` says whether a path is an input of the run (default: one of ``inputs``);
    ``iter_planned`` passes one that knows inputs of other folders too. ``claimed`` maps
    the outputs of inputs planned by earlier calls to their input, for inputs planned a
    few at a time (``batch.urls``): a clash with them is a problem too, and this call's
    outputs are added to it."""
    owners: dict[PurePosixPath, int] = {}
    for relative in inputs:
        for output in output_names(relative, output_format, summarize):
            owners[output] = owners.get(output, 0) + 1
    if is_input is None:
        inputs_absolute = {input_dir / str(relative) for relative in inputs}
        is_input = inputs_absolute.__contains__
    claimed = {} if claimed is None else claimed
    planned: list[PlannedInput] = []
    for relative in inputs:
        outputs = output_names(relative, output_format, summarize)
        if any(owners[output] > 1 for output in outputs):
            outputs = output_names(relative, output_format, summarize, keep_source_name=True)
        problem = ""
        for output in outputs:
            if output in claimed:
                problem = (
                    f"its output {output} is also the output of {claimed[output]}. "
                    "Rename one of the two inputs."
                )
            elif is_input(output_dir / str(output)):
                problem = f"its output {output} would overwrite an input. Nothing was written."
            if problem:
                break
        if not problem:
            for output in outputs:
                claimed[output] = relative
        planned.append(PlannedInput(relative, outputs, problem))
    return planned


def iter_planned(
    input_dir: Path,
    output_dir: Path,
    settings: BatchSettings,
    summarize: bool,
) -> Iterator[PlannedInput]:
    """Each input with its outputs (``plan_outputs``), in ``find_inputs``' order, found as
    they are asked for: a folder of a million files starts at once, and memory holds the
    folders on the way down (their names), never a list of the whole tree.

    Outputs only clash within a folder (an output lies in its input's folder), so each
    folder is planned alone; an output that would overwrite an input of another folder
    (the input folder inside the output folder) is found by asking the disk whether the
    walk takes that path (``_walked``)."""
    walk = _Walk(settings.patterns, settings.recursive, output_dir)

    def plan(inputs: list[PurePosixPath]) -> list[PlannedInput]:
        return plan_outputs(
            inputs,
            settings.output_format,
            summarize,
            input_dir,
            output_dir,
            is_input=lambda path: _walked(input_dir, walk, path),
        )

    return _walk(input_dir, walk, plan)


def _walked(input_dir: Path, walk: _Walk, path: Path) -> bool:
    """Whether the walk takes ``path`` (absolute, under the resolved folders) as an input."""
    if not path.is_relative_to(input_dir):
        return False
    excluded = walk.exclude  # a folder the walk leaves out: only one inside the input folder
    if (
        excluded is not None
        and excluded.is_relative_to(input_dir)
        and path.is_relative_to(excluded)
    ):
        return False
    relative = PurePosixPath(path.relative_to(input_dir).as_posix())
    parts = relative.parts
    if any(part.startswith(".") for part in parts) or (not walk.recursive and len(parts) > 1):
        return False
    folder = input_dir
    for part in parts[:-1]:  # symlinked folders are not entered
        folder = folder / part
        if folder.is_symlink() or not folder.is_dir():
            return False
    if not os.path.lexists(path) or path.is_dir():  # the walk's files are not folders
        return False
    return _pick(input_dir, relative, walk.patterns) is not None
