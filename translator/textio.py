"""Reading source text and writing results: decoding, stdin, atomic writes.

Decoding order (``decode_bytes``), from most to least certain:

1. ``encoding`` given (``--encoding``): exactly that codec, strictly.
2. A byte-order mark: UTF-8, UTF-32 or UTF-16 (LE/BE), BOM dropped.
3. UTF-8 without BOM: the default, and what any ASCII file is.
4. UTF-16 without BOM, when NUL bytes sit in every other byte as they do for Latin text.
5. cp1252 (a superset of latin-1's printable range), when the result looks like text: its
   non-ASCII characters are letters and typographic punctuation, not symbol soup.
   Tried before charset-normalizer because that guesses short German cp1252 text wrong
   (``"Über die Straße"`` comes back as mac_roman: ``"‹ber die Straﬂe"``).
6. charset-normalizer's best guess (cp850 from DOS tools, other code pages), if it has one.

Anything else, and any decoded text full of control characters, is not a text file.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from translator.errors import InputError, OutputError
from translator.quotes import ALL_MARKS, APOSTROPHE_LIKE

log = logging.getLogger(__name__)

# A file longer than this is read and translated as a stream (``TextStream``) when its
# output can be written as it is made; its encoding is chosen on these first bytes.
STREAM_HEAD_BYTES = 1 << 18
STREAM_CHUNK_BYTES = 1 << 20

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters (Unicode category Cc) other than those real text contains: tab,
# line feed, vertical tab, form feed (PDF exports), carriage return, and the escape of
# ANSI-coloured terminal captures.
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# More control characters than this share of the text means binary data, not text.
_MAX_CONTROL_SHARE = 0.01
# Single-byte code pages German text comes in, most common first: Windows, DOS, old Macs.
# Each is tried strictly; the first whose decoding reads as German wins. cp1252 covers
# latin-1's printable range; charset-normalizer guesses short German text wrong
# ("Über die Straße" as mac_roman: "‹ber die Straﬂe"), so it only comes after these.
_SINGLE_BYTE_CODEPAGES = ("cp1252", "cp850", "mac_roman")
# Non-ASCII characters of German news text: umlauts, ß, common loan-word accents,
# typographic quotation marks and dashes, currency and other symbols, no-break space.
_TYPOGRAPHIC_MARKS = "".join(mark for mark in ALL_MARKS if not mark.isascii())
_GERMAN_NON_ASCII = frozenset(
    "äöüÄÖÜßéèêëàâáçñóôíïúøåÉÈÀÇ–—…€£$°§·•±×²³½¼¾©®™\xa0\xad" + _TYPOGRAPHIC_MARKS
)
# A quotation mark or ellipsis between two letters: "B„ren" is cp850's "Bären" misread.
# Apostrophe-like marks are left out: between letters they are apostrophes (geht‘s).
_MARK_INSIDE_WORD = re.compile(
    r"(?<=[^\W\d_])["
    + re.escape("".join(m for m in _TYPOGRAPHIC_MARKS if m not in APOSTROPHE_LIKE))
    + r"…](?=[^\W\d_])"
)
# At least this share of a decoding's non-ASCII characters must be German ones.
_MIN_GERMAN_SHARE = 0.8
# Otherwise, Latin text in another language: at least this share must be letters or
# German symbols; a decoding of random bytes reaches about half.
_MIN_LATIN_SHARE = 0.9


def read_source(path: Path | None, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``path`` (or of stdin when ``path`` is None) and a name for messages.

    Args:
        path: the file to read; None reads stdin.
        encoding: a codec name that overrides detection (see ``decode_bytes``).

    Raises:
        InputError: the file is missing, unreadable or not text.
    """
    data, name = read_raw(path)
    return decode_bytes(data, name, encoding), name


def read_raw(path: Path | None) -> tuple[bytes, str]:
    """The bytes of ``path`` (or of stdin when ``path`` is None) and a name for messages.

    Raises:
        InputError: the file is missing or unreadable.
    """
    if path is None:
        return sys.stdin.buffer.read(), "<stdin>"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist. Check the path.") from None
    except IsADirectoryError:
        raise InputError(
            f"{path} is a folder. Use `translator batch {path} -o OUTPUT_DIR` for folders."
        ) from None
    except PermissionError:
        raise InputError(
            f"{path} cannot be read (permission denied). Check its permissions."
        ) from None
    except OSError as error:
        raise InputError(f"{path} cannot be read ({error.strerror}). Check the path.") from None
    return data, str(path)


def check_encoding(encoding: str) -> str:
    """The canonical codec name of ``encoding`` (``"latin1"`` -> ``"iso8859-1"``).

    Raises:
        InputError: Python knows no text codec of that name.
    """
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise InputError(
            f"{encoding!r} is not a known text encoding. "
            "Use a name such as utf-8, utf-16, cp1252 or latin-1."
        )
    return info.name


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode source bytes into text; line endings are kept as they are, a BOM is dropped.

    Args:
        data: the raw bytes.
        name: the file's name for messages (``"<stdin>"`` for standard input).
        encoding: a codec name; when given, detection is skipped and the bytes must decode
            strictly with it.

    Raises:
        InputError: the bytes are binary data (NUL or other control bytes), cannot be
            decoded, or ``encoding`` is unknown.
    """
    if encoding is not None:
        codec = _given_codec(encoding, data)
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as error:
            raise InputError(
                f"{name} is not valid {encoding} text (byte {error.start}: {error.reason}). "
                "Pass the file's real encoding with --encoding, or leave it out to detect it."
            ) from None
        return _checked(text.removeprefix("\ufeff"), name)
    text, _ = _detected(_detect(data), name, "")
    return text


def _given_codec(encoding: str, data: bytes) -> str:
    """The codec ``--encoding`` names, for ``data``."""
    codec = check_encoding(encoding)
    if codec == "iso8859-1" and _decodes(data, "cp1252"):
        # Files labelled latin-1 are nearly always cp1252 (which only adds printable
        # characters where latin-1 has C1 controls), as browsers assume too.
        return "cp1252"
    return codec


def _detected(found: tuple[str | None, str, bool], name: str, where: str) -> tuple[str, str]:
    """The text and codec ``_detect`` found, checked, with the guess logged (``where``
    says what was read: "" for the whole file); InputError when it found none."""
    text, codec, guessed = found
    if text is None or not codec:
        raise InputError(
            f"{name} is not a text file (binary data or an unknown encoding). "
            "Pass a text file; if it is text, name its encoding with --encoding."
        )
    text = _checked(text, name)
    if guessed:
        log.warning(
            "%s is not UTF-8; guessed the encoding %s%s. Pass --encoding if the text looks "
            "garbled.",
            name,
            codec,
            where,
        )
    elif codec not in {"utf-8", "utf-8-sig"}:
        log.info("%s decoded as %s", name, codec)
    return text, codec


class TextStream:
    """A text file decoded chunk by chunk while it is read, for input too large to hold.

    The encoding is chosen on the first chunk (``head``) as ``decode_bytes`` would choose
    it for the whole file, and the rest is decoded with it strictly: a byte that does not
    decode stops the stream with an ``InputError`` naming its offset. Iterate once.
    ``bytes_read`` and ``size`` (None for stdin) let a caller estimate progress.
    """

    def __init__(
        self,
        head: bytes,
        rest: BinaryIO,
        name: str,
        size: int | None,
        encoding: str | None,
        *,
        owns_file: bool = True,
    ) -> None:
        self.name = name
        self.size = size
        self.bytes_read = 0
        self._owns_file = owns_file
        self.codec = _stream_codec(head, name, encoding)
        self._head: bytes | None = head
        self._rest = rest

    def __iter__(self) -> Iterator[str]:
        try:
            yield from self._decoded()
        finally:
            if self._owns_file:
                self._rest.close()

    def _decoded(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.codec)("strict")
        first = True
        while True:
            if self._head is not None:
                data, self._head = self._head, None
            else:
                data = self._rest.read(STREAM_CHUNK_BYTES)
            final = not data
            try:
                text = decoder.decode(data, final=final)
            except UnicodeDecodeError as error:
                raise InputError(
                    f"{self.name} is not valid {self.codec} text at byte "
                    f"{self.bytes_read + error.start} ({error.reason}); the output so far is "
                    "incomplete. Pass the file's real encoding with --encoding."
                ) from None
            self.bytes_read += len(data)
            if first:
                text, first = text.removeprefix("\ufeff"), False
            if text:
                yield _checked(text, self.name)
            if final:
                return


def open_stream(
    path: Path | None, encoding: str | None = None
) -> tuple[bytes, BinaryIO, str, int | None]:
    """The first ``STREAM_HEAD_BYTES`` of ``path`` (stdin when None), the open file to read
    the rest from, a name for messages, and the size in bytes (None for stdin).

    Raises:
        InputError: the file is missing or unreadable.
    """
    head_bytes = STREAM_HEAD_BYTES
    if encoding is not None:
        check_encoding(encoding)
    if path is None:
        return sys.stdin.buffer.read(head_bytes), sys.stdin.buffer, "<stdin>", None
    if path.is_dir():
        read_raw(path)  # raises the folder's message
    try:
        file = path.open("rb")
        return file.read(head_bytes), file, str(path), os.fstat(file.fileno()).st_size
    except OSError:
        read_raw(path)  # raises the message for this error
        raise


def _stream_codec(head: bytes, name: str, encoding: str | None) -> str:
    """The codec a stream starting with ``head`` is decoded with (see ``decode_bytes``)."""
    if encoding is not None:
        return _given_codec(encoding, head)
    # The head may end inside a character: detect on its whole lines, or failing that on
    # up to 3 bytes less.
    sample = _whole_lines(head)
    found = _detect(sample)
    for cut in range(1, 4):
        if found[0] is not None and not found[2]:
            break
        found = _detect(sample[:-cut])
    return _detected(found, name, " from its start")[1]


def _whole_lines(data: bytes) -> bytes:
    """``data`` up to its last line feed (with the NULs of a UTF-16 or UTF-32 one)."""
    cut = data.rfind(b"\n") + 1
    if not cut:
        return data
    while cut < len(data) and data[cut] == 0 and cut % 4:
        cut += 1
    return data[:cut]


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _detect(data: bytes) -> tuple[str | None, str, bool]:
    """(text, codec, whether the codec is a statistical guess); text is None for binary."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).removeprefix("\ufeff"), codec, False
            except UnicodeDecodeError:
                return None, "", False
    if b"\x00" in data:
        return _bomless_utf16(data)
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        pass
    decodings: dict[str, str] = {}
    for codec in _SINGLE_BYTE_CODEPAGES:
        try:
            decodings[codec] = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _reads_as_german(decodings[codec]):
            return decodings[codec], codec, False
    if "cp1252" in decodings and _reads_as_latin(decodings["cp1252"]):
        return decodings["cp1252"], "cp1252", False
    return _charset_normalizer_guess(data)


def _bomless_utf16(data: bytes) -> tuple[str | None, str, bool]:
    """UTF-16 text without a BOM, recognised by its NUL bytes all standing on one side.

    Latin text has a zero high byte in almost every code unit: the NULs are at odd offsets
    (little-endian) or even ones (big-endian), never both. Binary data has them anywhere.
    """
    if len(data) % 2:
        return None, "", False
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    units = len(data) // 2
    for nuls, other, codec in (
        (odd_nuls, even_nuls, "utf-16-le"),
        (even_nuls, odd_nuls, "utf-16-be"),
    ):
        if other == 0 and nuls * 2 >= units:
            try:
                return data.decode(codec), codec, False
            except UnicodeDecodeError:
                return None, "", False
    return None, "", False


def _reads_as_german(text: str) -> bool:
    """Whether a single-byte decoding's non-ASCII characters are those of German text."""
    unusual: list[str] = _NON_ASCII.findall(text)
    german = sum(character in _GERMAN_NON_ASCII for character in unusual)
    german -= len(_MARK_INSIDE_WORD.findall(text))
    return german >= _MIN_GERMAN_SHARE * len(unusual)


def _reads_as_latin(text: str) -> bool:
    """Whether a single-byte decoding reads as text in some Latin-script language."""
    unusual: list[str] = _NON_ASCII.findall(text)
    plausible = sum(c.isalpha() or c in _GERMAN_NON_ASCII for c in unusual)
    return plausible >= _MIN_LATIN_SHARE * len(unusual)


def _charset_normalizer_guess(data: bytes) -> tuple[str | None, str, bool]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None, "", True
    return str(best), str(best.encoding), True


def _checked(text: str, name: str) -> str:
    """``text`` unless control characters show it is binary data decoded by accident."""
    controls = sum(1 for _ in _BINARY_CONTROL.finditer(text))
    if "\x00" in text or controls > _MAX_CONTROL_SHARE * len(text):
        raise InputError(
            f"{name} is not a text file (it holds NUL or other control characters). "
            "Pass a text file; if it is text, name its encoding with --encoding."
        )
    return text


def current_umask() -> int:
    """The process's umask. Linux reports it in /proc; elsewhere it can only be read by
    setting it, so it is set back at once."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` through a temporary file and a rename.

    A reader (or a crash) never sees a half-written file.
    """
    with atomic_writer(path) as write:
        write(text)


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[Callable[[str | bytes], None]]:
    """A function that appends text (UTF-8) or bytes to a temporary file beside ``path``,
    renamed to ``path`` when the block ends without an error and removed when it fails:
    output written as it is made, yet never seen half-written.

    Raises:
        OutputError: the file cannot be written.
    """
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _output_error(path, error) from None
    temporary = ""
    try:
        # Made inside the try: a signal (SIGTERM, Ctrl-C) right after it still removes it.
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        # mkstemp makes the file 0600; a result gets what any tool's output gets
        # (0644 under umask 022), readable by a colleague or a web server.
        os.fchmod(handle, 0o666 & ~current_umask())
        with os.fdopen(handle, "wb") as stream:

            def write(text: str | bytes) -> None:
                try:
                    stream.write(text.encode("utf-8") if isinstance(text, str) else text)
                except OSError as error:
                    raise _output_error(path, error) from None

            yield write
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise _output_error(path, error) from None
    except BaseException:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise


def _output_error(path: Path, error: OSError) -> OutputError:
    return OutputError(
        f"cannot write {path} ({error.strerror}). Check the folder and its permissions."
    )


def printable(text: str) -> str:
    """``text`` safe to show on a terminal: control and escape characters (``ESC``, which
    starts terminal commands, carriage returns, C1 controls) and the bytes of a file name
    that were not UTF-8 (surrogate-escaped) are written as ``\\xNN`` escapes; newlines and
    tabs stay. Everything else, accents included, is kept."""
    if text.isprintable():
        return text
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in "\n\t":
            out.append(char)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        elif unicodedata.category(char) == "Cc":
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)
