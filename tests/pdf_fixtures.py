"""PDF fixtures built with reportlab, and what they hold by construction.

``news_pdf`` lays out a German news story over three A4 pages: a running header and a
footer with the page number on every page, a headline across both columns, two columns
of paragraphs (one hyphenated at line ends: ``Regie-``/``rung``, and a real hyphen kept:
``Nord-``/``Süd-Achse``), subheadings, and on the last page a single column with a table.
``NEWS`` records every placed block in reading order, so tests compare against what was
placed, never against the reader's own output.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

# One quotation per German mark style (docs/quotes.md), each placed in a paragraph below.
QUOTES = (
    "„Wir werden den Haushalt fristgerecht vorlegen“",
    '"Das ist mit uns nicht zu machen"',
    "»Die Schuldenbremse gilt auch in diesem Jahr«",
    "«Wir beobachten die Lage in Berlin genau»",
    "‚Kein Kommentar‘",
    "“Es gibt keinen Plan B”",
    "‹Wir sind gesprächsbereit›",
)
HEADER = "Rheinische Post · Politik · 2. Dezember 2026"
FOOTER = "Seite {page} von {pages}"
HEADLINE = "Koalition streitet über den Haushalt"
HYPHENATED_LINES = (
    "Eine Sprecherin der Regie-",
    "rung bestätigte am Abend,",
    "dass die Nord-",
    "Süd-Achse der Koalition hält",
    "und die Gespräche weitergehen.",
)

_PAGE_WIDTH, _PAGE_HEIGHT = 595.0, 842.0
_LEFT, _GUTTER, _RIGHT = 50.0, 25.0, 545.0
_COLUMN = (_RIGHT - _LEFT - _GUTTER) / 2
_BODY, _LEADING, _GAP = 10.0, 13.0, 11.0


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "paragraph" or "table_cell"
    text: str  # the whole text, lines joined (a hyphenated word rejoined)
    size: float = _BODY


def _paragraph(*sentences: str) -> Block:
    return Block("paragraph", " ".join(sentences))


# The story in reading order: page 1 (headline, then the left column, then the right),
# page 2 (two columns), page 3 (one column, then a table).
PAGE_ONE_LEFT = (
    Block("heading", "Streit um die Schuldenbremse", 14.0),
    _paragraph(
        "Der Finanzminister hat am Montag in Berlin den Entwurf für den Haushalt vorgestellt.",
        f"Er sagte vor Journalisten: {QUOTES[0]}.",
        "Die Opposition reagierte mit scharfer Kritik auf die Pläne.",
    ),
    _paragraph(
        "Die Fraktionschefin der Grünen erklärte am Nachmittag,",
        f"{QUOTES[1]}, und verwies auf die Sozialausgaben.",
    ),
)
PAGE_ONE_RIGHT = (
    _paragraph(
        f"Im Kanzleramt hieß es dagegen: {QUOTES[2]}.",
        "Ein Sprecher fügte hinzu, man sei zu Gesprächen bereit.",
    ),
    Block(
        "paragraph",
        " ".join(HYPHENATED_LINES)
        .replace("Regie- rung", "Regierung")
        .replace("Nord- Süd", "Nord-Süd"),
    ),
)
PAGE_TWO_LEFT = (
    Block("heading", "Reaktionen aus den Ländern", 14.0),
    _paragraph(
        "Auch aus den Ländern kam Widerspruch gegen den Entwurf des Ministers.",
        f"Die Schweizer Botschaft ließ mitteilen: {QUOTES[3]}.",
    ),
    _paragraph(
        "Auf die Frage nach den Folgen für die Kommunen antwortete der Minister nur",
        f"{QUOTES[4]} und verließ den Saal.",
    ),
)
PAGE_TWO_RIGHT = (
    _paragraph(
        "Später räumte ein Staatssekretär ein, dass die Zeit knapp werde.",
        f"Er sagte: {QUOTES[5]}.",
    ),
    _paragraph(
        "Die Gewerkschaften kündigten Proteste für die kommende Woche an.",
        f"Ihr Vorsitzender sagte: {QUOTES[6]}.",
    ),
)
PAGE_THREE = (
    Block("heading", "Die Zahlen im Überblick", 14.0),
    _paragraph(
        "Die folgende Tabelle zeigt die wichtigsten Posten des Entwurfs im Vergleich zum Vorjahr."
    ),
)
TABLE = (
    ("Posten", "2026", "2027"),
    ("Verteidigung", "72 Mrd.", "80 Mrd."),
    ("Bildung", "21 Mrd.", "23 Mrd."),
)
NEWS: tuple[Block, ...] = (
    Block("heading", HEADLINE, 20.0),
    *PAGE_ONE_LEFT,
    *PAGE_ONE_RIGHT,
    *PAGE_TWO_LEFT,
    *PAGE_TWO_RIGHT,
    *PAGE_THREE,
    *(Block("table_cell", cell) for row in TABLE for cell in row),
)


def news_pdf(title: str = "Koalition streitet") -> bytes:
    """The three-page story of ``NEWS``, laid out as the module says."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(_PAGE_WIDTH, _PAGE_HEIGHT))
    pdf.setTitle(title)
    pages = 3
    for page in range(1, pages + 1):
        pdf.setFont("Helvetica", 8)
        pdf.drawString(_LEFT, _PAGE_HEIGHT - 30, HEADER)
        pdf.drawRightString(_RIGHT, 25, FOOTER.format(page=page, pages=pages))
        top = _PAGE_HEIGHT - 80
        if page == 1:
            pdf.setFont("Helvetica-Bold", 20)
            pdf.drawString(_LEFT, top, HEADLINE)
            top -= 40
        if page in (1, 2):
            left, right = (
                (PAGE_ONE_LEFT, PAGE_ONE_RIGHT) if page == 1 else (PAGE_TWO_LEFT, PAGE_TWO_RIGHT)
            )
            _column(pdf, left, _LEFT, top, _COLUMN)
            _column(pdf, right, _LEFT + _COLUMN + _GUTTER, top, _COLUMN, hyphenated=page == 1)
        else:
            y = _column(pdf, PAGE_THREE, _LEFT, top, _RIGHT - _LEFT)
            _table(pdf, y - 10)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _column(
    pdf: object,
    blocks: tuple[Block, ...],
    x: float,
    y: float,
    width: float,
    hyphenated: bool = False,
) -> float:
    from reportlab.lib.utils import simpleSplit

    for block in blocks:
        font = "Helvetica-Bold" if block.kind == "heading" else "Helvetica"
        if hyphenated and block.text.startswith("Eine Sprecherin"):
            lines = list(HYPHENATED_LINES)
        else:
            lines = simpleSplit(block.text, font, block.size, width)
        pdf.setFont(font, block.size)  # type: ignore[attr-defined]
        for line in lines:
            pdf.drawString(x, y, line)  # type: ignore[attr-defined]
            y -= block.size * 1.3
        y -= _GAP
    return y


def _table(pdf: object, y: float) -> None:
    pdf.setFont("Helvetica", _BODY)  # type: ignore[attr-defined]
    for row in TABLE:
        for column, cell in enumerate(row):
            pdf.drawString(_LEFT + column * 150, y, cell)  # type: ignore[attr-defined]
        y -= 18


def pages_pdf(pages: int, line: str = "Eine Zeile Text.", declared: int | None = None) -> bytes:
    """A PDF of ``pages`` pages sharing one content stream of one line, written by hand
    (reportlab takes seconds for 10,000 pages); ``declared`` is the page count its page
    tree states (the real one unless given: a lying count)."""
    content = b"BT /F1 10 Tf 50 400 Td (%s) Tj ET" % line.encode("latin-1")
    kids = b" ".join(b"%d 0 R" % (5 + n) for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (kids, pages if declared is None else declared),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 3 0 R >> >> >>"
    )
    return _pdf([*objects, *([page] * pages)])


def heavy_page_pdf(operators: int) -> bytes:
    """Two pages: a line of text, then a page whose content stream draws ``operators``
    one-glyph strings, each a hair to the right of the last (glyphs piled on one spot),
    written by hand: about 65 µs of pdfminer's time each on 2 cores (300,000: some 20 s for
    the one page, where a news page takes a twentieth of a second)."""
    light = b"BT /F1 10 Tf 50 700 Td (Eine Zeile Text.) Tj ET"
    heavy = b"BT /F1 1 Tf 50 400 Td " + b"0.01 0 Td (x) Tj " * operators + b"ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R 6 0 R] /Count 2 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(light), light),
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
        b"/Resources << /Font << /F1 3 0 R >> >> >>"
    )
    return _pdf(
        [
            *objects,
            page % 4,
            page % 7,
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(heavy), heavy),
        ]
    )


def scan_pdf() -> bytes:
    """A page of pixels and no text: what a scanner makes."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    png = _grey_png(64, 64)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(_PAGE_WIDTH, _PAGE_HEIGHT))
    pdf.drawImage(ImageReader(io.BytesIO(png)), 50, 400, 400, 400)
    pdf.rect(40, 390, 420, 420)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def encrypted_pdf() -> bytes:
    """The story under a user password."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, encrypt=StandardEncryption("geheim", ownerPassword="chef"))
    pdf.drawString(50, 700, "Vertraulich: " + QUOTES[0])
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def one_run_pdf(text: str) -> bytes:
    """All of ``text`` drawn as one glyph run on one line (running off the page)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(_PAGE_WIDTH, _PAGE_HEIGHT))
    pdf.setFont("Helvetica", _BODY)
    pdf.drawString(_LEFT, 700, text)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def bomb_pdf(inflated_bytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated_bytes`` of spaces."""
    import zlib

    stream = zlib.compress(b" " * inflated_bytes, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return _pdf(objects)


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file of ``objects`` (numbered from 1; the first is the catalog)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _grey_png(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes((x * 4) % 256 for x in range(width)) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
