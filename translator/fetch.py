"""An article's page fetched by its URL (``translator translate https://…``), bounded in
every way a server could make it cost: only ``http``/``https`` (at the start and after
every redirect), at most ``MAX_REDIRECTS`` redirects, ``TIMEOUT_SECONDS`` for the whole
fetch, at most ``MAX_BYTES`` of body (streamed, stopped at the limit), and only a web
page's content type (HTML; PDF where a PDF reader is installed).

urllib3 (a dependency of trafilatura already) does the HTTP; redirects are followed here,
one by one, so that each target is checked. Nothing is fetched but the page itself.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from translator.errors import InputError

MAX_BYTES = 20_000_000  # a news page with inline scripts is 1-5 MB
TIMEOUT_SECONDS = 30.0
MAX_REDIRECTS = 5
CHUNK_BYTES = 1 << 16
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PDF_TYPE = "application/pdf"
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Fetched:
    """A fetched page: the URL it came from (after redirects), its body, its content type
    (``text/html``) and the charset its header names (None when it names none)."""

    url: str
    data: bytes
    content_type: str
    charset: str | None

    @property
    def is_pdf(self) -> bool:
        return self.content_type == PDF_TYPE

    @property
    def encoding(self) -> str | None:
        """The charset the server named, when the body decodes with it; None otherwise
        (a header that does not fit the body: the reader detects the encoding instead)."""
        if not self.charset:
            return None
        try:
            self.data.decode(self.charset)
        except (LookupError, UnicodeDecodeError):
            return None
        return self.charset


def is_url(text: str) -> bool:
    """Whether an input names a URL (``scheme://...``) rather than a file."""
    return _URL.match(text) is not None


def fetch(
    url: str,
    *,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    accept_pdf: bool = False,
) -> Fetched:
    """GET ``url``, following at most ``max_redirects`` redirects, within ``timeout``
    seconds in all and ``max_bytes`` of body.

    Raises:
        InputError: a scheme other than http/https (also as a redirect's target), the
            server cannot be reached or is too slow, an HTTP error status, too many
            redirects, a body over the limit, or a content type that is not a web page
            (nor a PDF, with ``accept_pdf``).
    """
    import urllib3

    from translator.version import __version__

    _check_scheme(url)
    deadline = time.monotonic() + timeout
    pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(timeout))
    headers = {
        "User-Agent": f"translator/{__version__}",
        "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.1",
        "Accept-Encoding": "identity",
    }
    for _ in range(max_redirects + 1):
        try:
            response = pool.request(
                "GET", url, headers=headers, redirect=False, preload_content=False
            )
        except urllib3.exceptions.HTTPError as error:
            raise _unreachable(url, error, timeout) from None
        if response.status not in _REDIRECTS:
            break
        location = response.headers.get("Location", "")
        response.release_conn()
        if not location:
            raise InputError(f"{url} answered {response.status} without a Location to go to.")
        url = urljoin(url, location)
        _check_scheme(url)
    else:
        raise InputError(
            f"{url} redirects more than {max_redirects} times. Open it in a browser, save "
            "the page and translate the file."
        )
    try:
        return _body(response, url, deadline, timeout, max_bytes, accept_pdf)
    finally:
        response.release_conn()


def _body(
    response: object, url: str, deadline: float, timeout: float, max_bytes: int, accept_pdf: bool
) -> Fetched:
    import urllib3

    assert isinstance(response, urllib3.BaseHTTPResponse)
    if response.status >= 400:
        raise InputError(
            f"{url} answered {response.status} {response.reason or ''}".rstrip()
            + ". Check the address."
        )
    header = response.headers.get("Content-Type", "")
    content_type, _, parameters = header.partition(";")
    content_type = content_type.strip().lower()
    if content_type not in PAGE_TYPES and not (accept_pdf and content_type == PDF_TYPE):
        wanted = "a web page (HTML) or a PDF" if accept_pdf else "a web page (HTML)"
        what = (
            "a PDF, which this installation cannot read"
            if content_type == PDF_TYPE
            else (f"{content_type or 'of no stated type'}")
        )
        raise InputError(f"{url} is {what}, not {wanted}. Pass the address of an article's page.")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(url, max_bytes)
    body = bytearray()
    try:
        for chunk in response.stream(CHUNK_BYTES):
            body += chunk
            if len(body) > max_bytes:
                raise _too_large(url, max_bytes)
            if time.monotonic() > deadline:
                raise _unreachable(url, TimeoutError(), timeout)
    except urllib3.exceptions.HTTPError as error:
        raise _unreachable(url, error, timeout) from None
    charset = re.search(r"charset\s*=\s*\"?([\w.:-]+)", parameters, re.I)
    return Fetched(url, bytes(body), content_type, charset.group(1) if charset else None)


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(
            f"{url} is not an http or https address: only web pages are fetched ({scheme}:// "
            "is refused). Pass a file's path to translate a file."
        )


def _unreachable(url: str, error: BaseException, timeout: float) -> InputError:
    import urllib3

    host = urlsplit(url).netloc
    # A refused connection or an unknown name is a NewConnectionError, which urllib3
    # derives from its timeout error for backwards compatibility: not a timeout here.
    timed_out = isinstance(error, TimeoutError | urllib3.exceptions.TimeoutError)
    if timed_out and not isinstance(error, urllib3.exceptions.NewConnectionError):
        return InputError(
            f"{host} did not send {url} within {timeout:g} seconds. Try again later, or save "
            "the page and translate the file."
        )
    reason = getattr(error, "reason", None) or error
    return InputError(
        f"cannot reach {host} ({reason}). Check the address and the network connection, or "
        "save the page and translate the file."
    )


def _too_large(url: str, max_bytes: int) -> InputError:
    return InputError(
        f"{url} is larger than {max_bytes / 1e6:g} MB, the limit for a page. Save the page and "
        "translate the file."
    )
