"""Batch inputs from a list of URLs (``translator batch --urls FILE``).

The list holds one ``http(s)://`` address a line; blank lines and lines starting with
``#`` are ignored, and an address given twice is taken once. The list is read and checked
whole first (it is small); then each page is fetched when the run's planning reaches it,
with the bounded fetch of ``translator.fetch`` (timeout, size, redirects, content type),
into a temporary folder, and goes through the run as a file of that folder would: the
same streamed planning, hashing, skipping, translating, writing and recording.
Only the names differ: the manifest keys a page by its URL (its ``sha256`` is the fetched
body's, so a rerun must fetch again to know whether a page changed), and its outputs are
named after the URL (``url_name``). A page that cannot be fetched, or fetched but not
written to the temporary folder (a full disk), is recorded as failed with the error, and
the run goes on.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from translator import fetch
from translator.batch.layout import PlannedInput, plan_outputs
from translator.errors import InputError, OptionError
from translator.render import OutputFormat
from translator.textio import printable

log = logging.getLogger("translator.batch")

URL_NAME_CHARACTERS = 80  # of host and path in an output's name, before the hash
URL_HASH_CHARACTERS = 10  # hex digits of the URL's SHA-256 that keep names unique
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")
_LISTED = re.compile(r"https?://\S+", re.IGNORECASE)


def read_url_list(path: Path) -> tuple[str, ...]:
    """The URLs of a list file, in order, each once.

    Raises:
        InputError: the file cannot be read, or is not UTF-8 text.
        OptionError: a line is not an ``http(s)://`` address (the message names the line),
            so a list is refused whole before anything is fetched.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise InputError(
            f"the URL list {path} cannot be read ({error.strerror or error}). Check the path."
        ) from None
    except UnicodeDecodeError:
        raise InputError(
            f"the URL list {path} is not UTF-8 text. Save it as UTF-8, one address a line."
        ) from None
    urls: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if _LISTED.fullmatch(line) is None or not urlsplit(line).hostname:
            raise OptionError(
                f"{path}, line {number}: {printable(line[:200])!r} is not an http(s):// "
                "address. Put one address a line (blank lines and lines starting with # "
                "are ignored)."
            )
        urls.setdefault(line, None)
    return tuple(urls)


def url_name(url: str) -> str:
    """A stable, file-system-safe name for a page's outputs: its host (and port) and path
    with every run of characters other than ASCII letters, digits, ``.`` and ``-`` made one
    ``_``, cut to ``URL_NAME_CHARACTERS``, then ``-`` and the first ``URL_HASH_CHARACTERS``
    hex digits of the whole URL's SHA-256 (so two URLs that read alike, or differ only in
    their query, keep apart). ``https://www.example.de/politik/artikel-1.html`` gives
    ``www.example.de_politik_artikel-1.html-<hash>``; its text output is that plus
    ``.en.txt``."""
    parts = urlsplit(url)
    host = (parts.hostname or "") + (f"_{parts.port}" if parts.port else "")
    readable = _UNSAFE.sub("_", f"{host}{parts.path}")[:URL_NAME_CHARACTERS].strip("._-")
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:URL_HASH_CHARACTERS]
    return f"{readable or 'page'}-{digest}"


def iter_planned_urls(
    urls: Sequence[str],
    spool_dir: Path,
    output_format: OutputFormat,
    summarize: bool,
    output_dir: Path,
    *,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[PlannedInput]:
    """Each page planned as an input of ``spool_dir``, keyed by its URL, fetched only when
    it is asked for: into ``<url_name>.html`` or ``.pdf`` (after its content type), which
    the run reads once and removes. So the first page is translated while the others are
    still to be fetched, and the spool holds only a page fetched but not yet read.
    A page that cannot be fetched or spooled is planned with its error as its problem
    (recorded as failed); once ``should_stop`` says so, the pages left are planned
    unfetched (the run counts them and stops before reading them). Output names never
    clash in practice (the URL's hash is in them), but are checked against all pages
    planned before all the same.
    """
    claimed: dict[PurePosixPath, PurePosixPath] = {}  # output -> page: names, not bodies
    stopped = False
    for number, url in enumerate(urls, start=1):
        stopped = stopped or should_stop()
        problem, suffix, encoding = "", ".html", None
        if not stopped:
            try:
                page = fetch.fetch(url, accept_pdf=True)
                suffix = ".pdf" if page.is_pdf else ".html"
                spool_page(url, spool_dir / f"{url_name(url)}{suffix}", page.data)
            except InputError as error:
                problem = str(error)
            else:
                encoding = page.encoding
                log.info("fetched %d of %d: %s", number, len(urls), printable(url))
        name = PurePosixPath(f"{url_name(url)}{suffix}")
        (item,) = plan_outputs(
            [name], output_format, summarize, spool_dir, output_dir, claimed=claimed
        )
        yield replace(item, url=url, encoding=encoding, problem=problem or item.problem)


def spool_page(url: str, path: Path, data: bytes) -> None:
    """Write a fetched page's body to ``path`` in the spool folder.

    Raises:
        InputError: the body cannot be written (a full disk, most often: the spool lies in
            the system's temporary folder, not the output folder); no partial file is left.
            The message names the page and the cause, so the run records it as that page's
            failure and goes on, as for a page that cannot be fetched.
    """
    try:
        path.write_bytes(data)
    except OSError as error:
        path.unlink(missing_ok=True)
        raise InputError(
            f"{url} was fetched but cannot be stored in the temporary folder {path.parent} "
            f"({error.strerror or error}). Free space there, or point TMPDIR at a larger "
            "disk, and run again."
        ) from None
