"""Zip-based inputs (.docx now; .odt, .pptx, .epub when they come) checked against zip
bombs before any parser opens them.

A zip states each member's size, but a 3 MB file can hold a member that inflates to
3 GB, and a stated size can lie. ``check_zip`` refuses an archive unless

1. its central directory (read without inflating anything) stays within ``LIMITS``: the
   number of members, each member's declared size and compression ratio, their total;
2. every member, inflated through a counting reader that neither keeps the bytes nor
   trusts the declared size, stays within the same limits and is as long as declared.
   The reader stops at the limit: a lying member costs at most a limit's worth of work.

A reader calls ``check_zip`` on the file's bytes, then hands those bytes to its parser
(python-docx opens the zip itself): the parser reads what was counted. The check costs
one inflation of the file, milliseconds for an ordinary document.
"""

from __future__ import annotations

import copy
import io
import zipfile
import zlib
from dataclasses import dataclass

from translator.errors import InputError

_MB = 1_000_000
_CHUNK = 1 << 16


@dataclass(frozen=True)
class ZipLimits:
    """What a zip-based input may hold: room for a long book with pictures (a
    3,000-paragraph document.xml is about 1 MB), none for a part that would take the
    parser minutes and gigabytes. The ratio is the one Apache POI refuses (ZipSecureFile,
    100:1); prose compresses 3-10 times."""

    total_bytes: int = 200 * _MB  # all members inflated, together
    member_bytes: int = 100 * _MB  # one member inflated
    ratio: int = 100  # inflated / compressed, for a member of more than ratio_from_bytes
    ratio_from_bytes: int = 1 * _MB  # small members may compress better (repeated XML)
    members: int = 10_000


# The limits every zip-based input format is read with (README, "What is never lost").
LIMITS = ZipLimits()


def check_zip(data: bytes, name: str, limits: ZipLimits | None = None) -> None:
    """Refuse a zip that holds more than ``limits`` (``LIMITS`` when None).

    Raises:
        InputError: the archive exceeds a limit, or a member inflates to another size
            than it declares ("expands to N MB, more than the limit of M MB; ...").
        zipfile.BadZipFile: ``data`` is not a zip, or a member cannot be inflated
            (damaged data, a checksum that does not match, encryption, an unknown
            compression method): the caller says what the file was expected to be.
    """
    limits = limits or LIMITS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_declared(members, name, limits)
            total = 0
            for info in members:
                total += _check_inflated(archive, info, name, limits, limits.total_bytes - total)
    except (RuntimeError, NotImplementedError, EOFError, zlib.error, ValueError) as error:
        raise zipfile.BadZipFile(str(error)) from None


def _check_declared(members: list[zipfile.ZipInfo], name: str, limits: ZipLimits) -> None:
    if len(members) > limits.members:
        raise _refused(
            name, f"holds {len(members):,} files, more than the limit of {limits.members:,}"
        )
    for info in members:
        _check_member(name, info, info.file_size, limits)
    total = sum(info.file_size for info in members)
    if total > limits.total_bytes:
        raise _refused(
            name, f"expands to {_size(total)}, more than the limit of {_size(limits.total_bytes)}"
        )


def _check_member(name: str, info: zipfile.ZipInfo, size: int, limits: ZipLimits) -> None:
    if size > limits.member_bytes:
        raise _refused(
            name,
            f"expands to {_size(size)} ({info.filename}), more than the limit of "
            f"{_size(limits.member_bytes)} for one part",
        )
    ratio = size / max(info.compress_size, 1)
    if size > limits.ratio_from_bytes and ratio > limits.ratio:
        raise _refused(
            name,
            f"expands {ratio:,.0f} times ({info.filename}: {_size(info.compress_size)} to "
            f"{_size(size)}), more than the limit of {limits.ratio}:1 for parts over "
            f"{_size(limits.ratio_from_bytes)}",
        )


def _check_inflated(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: ZipLimits, budget: int
) -> int:
    """The member's inflated size, counted; refused past a limit or off its declared size."""
    limit = min(limits.member_bytes, budget)
    # zipfile stops a member at its declared size (and checks its checksum there): declare
    # a chunk past the limit instead, so that the count sees a member longer than it says
    # and stops at the limit before zipfile would. An intact member's checksum is checked.
    probe = copy.copy(info)
    probe.file_size = limit + _CHUNK + 1
    count = 0
    with archive.open(probe) as member:
        while chunk := member.read(_CHUNK):
            count += len(chunk)
            if count > limit:
                break
    if count > limit and limit < limits.member_bytes:
        raise _refused(
            name,
            f"expands to more than {_size(limits.total_bytes)}, the limit for all its parts "
            f"(counted while inflating {info.filename}, which declares {_size(info.file_size)})",
        )
    if count > limit:
        raise _refused(
            name,
            f"has a part ({info.filename}) that expands to more than {_size(limit)}, the "
            f"limit for one part (counted while inflating; it declares {_size(info.file_size)})",
        )
    _check_member(name, info, count, limits)
    if count != info.file_size:
        raise _refused(
            name,
            f"has a part ({info.filename}) that declares {_size(info.file_size)} and "
            f"expands to {_size(count)}: damaged, or built to look small",
        )
    return count


def _refused(name: str, reason: str) -> InputError:
    return InputError(
        f"{name} {reason}; it is refused as a possible zip bomb. If it is a real document, "
        "split it or save it as text (.txt) and translate that."
    )


def _size(count: int) -> str:
    for unit, scale in (("GB", 1_000 * _MB), ("MB", _MB)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count / 1_000:.1f}".removesuffix(".0") + " kB"
