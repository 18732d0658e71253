"""The quotation contract's pure functions: find, neutralise, mask and restore quotations.

See ``shared/design/quotes.md``. Everything here is plain text work (no model, no torch):
``find_quotes`` reads a document's paragraphs and returns every direct quotation as spans;
``mask_quotes``/``unmask`` protect quotations while a model translates the text around
them and verify what the model gave back; ``neutralize_marks`` makes sure that the model's
own quotation marks never put words into anyone's mouth.

Pairing works on one paragraph at a time with a stack of open marks, so it is linear in the
length of the text: each mark is looked at once, and a closing mark finds the open mark it
closes through a per-mark index instead of a search down the stack.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from translator.schema import QuoteMarks  # the one package import: schema is a leaf

__all__ = [
    "ALL_MARKS",
    "APOSTROPHE_LIKE",
    "CLOSING_MARKS",
    "OPENING_CONTEXT",
    "OPENING_MARKS",
    "PLACEHOLDER",
    "PLACEHOLDER_PATTERN",
    "MAX_UNMARKED_PARAGRAPHS",
    "QUOTE_MARKS",
    "QuotePiece",
    "QuoteScan",
    "QuoteWarning",
    "Quotation",
    "find_quotes",
    "is_opening_context",
    "leaves_quotation_open",
    "join_rendering",
    "mask_quotes",
    "neutralize_marks",
    "placeholders_intact",
    "split_marks",
    "target_marks",
    "unmask",
]


@dataclass(frozen=True)
class QuotePiece:
    """The part of one quotation that lies in one paragraph.

    ``paragraph_text[start:end]`` is the piece, marks included. ``opening`` is the mark
    that opens it; ``closing`` is the mark that closes it, or ``""`` when the quotation
    continues in the next paragraph.
    """

    paragraph: int
    start: int
    end: int
    opening: str
    closing: str


@dataclass(frozen=True)
class Quotation:
    """One direct quotation: one piece, or several when it spans paragraphs."""

    index: int
    pieces: tuple[QuotePiece, ...]
    text: str  # the pieces' text joined with "\n", marks included


@dataclass(frozen=True)
class QuoteWarning:
    """An unbalanced quotation mark, treated as ordinary text."""

    line: int
    message: str


@dataclass(frozen=True)
class QuoteScan:
    """What ``quotes.find_quotes`` found in a document's paragraphs."""

    quotations: tuple[Quotation, ...]
    warnings: tuple[QuoteWarning, ...] = ()


# THE table of quotation marks (quotes.md §1): each opening mark and the marks that close
# it. Everything else that knows about marks (the sets below, sentence splitting, encoding
# detection, summaries) is derived from it, so adding a style is a one-line change here.
# ‘…’ (English single) is not in the contract's table, but English-style text nests it
# inside “…”, and a model may emit it; ’ is accepted after ‚ as the sloppy twin of ” after
# „, and " after „ because web text and Wikisource transcriptions type the closing mark on
# the keyboard („Ja," sagte er).
QUOTE_MARKS: dict[str, str] = {
    "„": '“”"',
    "“": "”",
    '"': '"',
    "»": "«",
    "«": "»",
    "‚": "‘’",
    "›": "‹",
    "‹": "›",
    "‘": "’",
    "'": "'",
}
OPENING_MARKS = "".join(QUOTE_MARKS)
CLOSING_MARKS = "".join(dict.fromkeys("".join(QUOTE_MARKS.values())))
ALL_MARKS = "".join(dict.fromkeys(OPENING_MARKS + CLOSING_MARKS))
# Marks that double as apostrophes: never warned about, never continued across paragraphs.
APOSTROPHE_LIKE = "'‘’"
_CLOSERS = QUOTE_MARKS
_MARK_RE = re.compile("[" + re.escape(ALL_MARKS) + "]")
# Marks that only ever open: context is not needed to tell what they do.
_UNAMBIGUOUS_OPENERS = "".join(m for m in OPENING_MARKS if m not in CLOSING_MARKS)
# A quotation left open at the end of a paragraph continues in the next one when that
# paragraph opens with the same mark (typographic convention); not for apostrophe-like marks.
_CONTINUABLE = "".join(m for m in OPENING_MARKS if m not in APOSTROPHE_LIKE)
# THE opening context: what may stand right before an opening mark besides whitespace and
# start of text: the contract's brackets, dashes and colon, other marks (nesting), and
# sentence punctuation, since real text glues marks to it (sagte sie,"und ...). A closing
# mark is tried first, so ``"Hallo,"`` still closes.
OPENING_CONTEXT = frozenset("([{<-‐‑–—/:,;.!?" + ALL_MARKS)
# Marks that are their own closing mark, so only context tells which they are: right after
# sentence punctuation they close (verwandt zu sein?"—"O"), even with nothing open for them
# to close. A comma stays ambiguous: real text glues either to it (sagte sie,"und ...).
_SELF_CLOSING = "".join(m for m in OPENING_MARKS if m in QUOTE_MARKS[m])
_SENTENCE_END = frozenset(".!?…")
# Marks that never close when they stand alone between spaces: typewriter marks and
# apostrophes, whose role there is anyone's guess (Namenstage ' etc.).
_AMBIGUOUS_ALONE = "".join(dict.fromkeys(_SELF_CLOSING + APOSTROPHE_LIKE))
# Before these, such a mark that could open does open, even if it could also close
# something: a quotation hardly ends on a colon, bracket or dash followed by a word, so
# „Er sagte:"Ja."“ nests "Ja." instead of ending the outer quotation at the colon.
_STRONG_OPENING_CONTEXT = frozenset("([{<‐‑–—:")
# Elided words written with a leading apostrophe: 's, 'nen, 'raus, 'n' (Rock 'n' Roll), 'em.
_ELISION_RE = re.compile(
    r"(?:s|n|ne|nen|nem|ner|nes|raus|rein|rum|runter|rüber|ran|rauf|mal|em|til|cause|tis|twas)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)


def is_opening_context(prev: str) -> bool:
    """Whether an opening mark may follow the character ``prev`` ("" at start of text)."""
    return prev == "" or prev.isspace() or prev in OPENING_CONTEXT


def join_rendering(before: str, rendering: str) -> str:
    """The separator to put between ``before`` and a quotation ``rendering`` so that the
    rendering's first mark still reads as an opening mark: a space where a typewriter mark
    would otherwise be glued to a word or to punctuation after which it could close."""
    if rendering[:1] not in _SELF_CLOSING or not before:
        return ""
    last = before[-1]
    return "" if last.isspace() or last in _STRONG_OPENING_CONTEXT or last in "-/" else " "


def _can_open(text: str, i: int) -> bool:
    mark = text[i]
    if mark not in _CLOSERS:
        return False
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if nxt == "" or nxt.isspace():
        return False
    if mark in _UNAMBIGUOUS_OPENERS:
        return True
    prev = text[i - 1] if i > 0 else ""
    if not is_opening_context(prev) or (mark in _SELF_CLOSING and prev in _SENTENCE_END):
        return False
    if mark == "'":
        # Strict: a letter must follow ('90er is a year, 's and 'nen are elisions).
        return nxt.isalpha() and _ELISION_RE.match(text, i + 1) is None
    if mark == "‘":
        return not nxt.isdigit()
    return True


def _can_open_spaced(text: str, i: int) -> bool:
    """Whether a mark that can never close („, ‚) may open although a space follows it
    („ Wenn der Kaiser es befiehlt …“: typesetting and OCR leave that space). It opens
    only tentatively: it is a quotation when a closing mark pairs with it in the paragraph.
    Not a ditto mark, which stands under a word of the row above with more than one space
    or a number after it („  5 kg, „ 5 kg)."""
    if text[i] not in _UNAMBIGUOUS_OPENERS or text[i + 1 : i + 2] != " ":
        return False
    after = text[i + 2 : i + 3]
    prev = text[i - 1] if i > 0 else ""
    return (
        after != ""
        and not after.isspace()
        and not after.isdigit()
        and after not in ALL_MARKS
        and is_opening_context(prev)
    )


def _prefers_opening(text: str, i: int) -> bool:
    return (
        text[i] in _SELF_CLOSING
        and i > 0
        and text[i - 1] in _STRONG_OPENING_CONTEXT
        and _can_open(text, i)
    )


def _can_close(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if prev == "" or prev.isspace():
        # A mark standing alone between spaces cannot open; one that is not also an
        # apostrophe or a typewriter mark closes what is open (Kafka: »Aber so - «), also
        # before a closing bracket (``both`` mode writes the original as [»… - «]).
        return (
            prev != ""
            and text[i] not in _AMBIGUOUS_ALONE
            and (nxt == "" or nxt.isspace() or nxt in ")]}")
        )
    if text[i] in APOSTROPHE_LIKE:
        # geht's, gibt’s, geht‘s, don't, Russia’s: a letter right after it (and, since it
        # does not stand after a space, one before it) makes it an apostrophe.
        return not nxt.isalnum()
    return True


# Typographic single closing marks, which German web text also types as apostrophes,
# and the opening marks they close.
_SINGLE_CLOSERS = "‘’"
_SINGLE_OPENERS = "".join(m for m in OPENING_MARKS if set(QUOTE_MARKS[m]) & set(_SINGLE_CLOSERS))


def _after_final_s(text: str, i: int) -> bool:
    """Whether the single mark at ``i`` ends a word in s (Hans‘ Auto, Marx’ Thesen),
    where it may be a possessive apostrophe rather than a closing mark."""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return (
        text[i] in _SINGLE_CLOSERS
        and i >= 2
        and text[i - 1] in "sSßxXzZ"
        and text[i - 2].isalpha()
        and (nxt == "" or nxt.isspace() or (not nxt.isalnum() and nxt not in ALL_MARKS))
    )


class _LaterSingles:
    """What follows in a paragraph, for the possessive-s rule: a single mark after a
    word-final s is an apostrophe when the single closing marks after it, less those that
    later single opening marks will need, can still close every quotation it could close
    (‚Das ist Hans‘ Auto‘), and a closing mark otherwise (‚Frag Hans‘, sagte sie). Built on
    first use, so paragraphs without such a mark pay nothing."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.closing: list[int] | None = None  # marks that can close and are no apostrophe
        self.opening: list[int] = []  # single opening marks that can open

    def can_close_all(self, after: int, needed: int) -> bool:
        if self.closing is None:
            self.closing = []
            for match in re.finditer("[" + _SINGLE_OPENERS + _SINGLE_CLOSERS + "]", self.text):
                j = match.start()
                if _can_open(self.text, j):
                    self.opening.append(j)
                elif (
                    self.text[j] in _SINGLE_CLOSERS
                    and _can_close(self.text, j)
                    and not _after_final_s(self.text, j)
                ):
                    self.closing.append(j)
        closers = len(self.closing) - bisect.bisect_right(self.closing, after)
        openers = len(self.opening) - bisect.bisect_right(self.opening, after)
        return closers - openers >= needed


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    opening: str
    closing: str


@dataclass(slots=True)
class _Open:
    """An opening mark waiting for its closing mark, and the quotations closed inside it."""

    mark: str
    pos: int
    children: list[_Span] | None = None  # created on the first one: most marks have none
    # A mark followed by a space (_can_open_spaced): a quotation only if closed in its
    # paragraph, never continued into the next one.
    spaced: bool = False
    # A quotation continued from the paragraph before without re-opening its mark: the
    # paragraph's text, from ``pos`` on, is inside it (no mark of its own at ``pos``).
    marked: bool = True


@dataclass
class _ParagraphScan:
    quotes: list[_Span]  # closed top-level quotations (not the continued one)
    continued_end: _Span | None  # where the quotation continued from before closes
    unclosed: _Open | None  # the outermost mark still open at the paragraph's end
    promotable: list[_Span]  # quotations nested in open marks: real ones if those fail
    problems: list[tuple[int, str]]  # (offset, message)
    # Whether the continued quotation's own mark opens again before it closes: the
    # paragraph opens a quotation of its own (or nests one in the same marks, ambiguous).
    reopens: bool = False


def _scan_paragraph(text: str, continued: _Open | None) -> _ParagraphScan:
    stack: list[_Open] = []
    # closing mark -> stack indices of the open marks it would close, innermost last
    waiting: dict[str, list[int]] = {}
    quotes: list[_Span] = []
    problems: list[tuple[int, str]] = []
    continued_end: _Span | None = None

    def push(entry: _Open) -> None:
        for closer in _CLOSERS[entry.mark]:
            waiting.setdefault(closer, []).append(len(stack))
        stack.append(entry)

    def pop() -> _Open:
        entry = stack.pop()
        for closer in _CLOSERS[entry.mark]:
            waiting[closer].pop()
        return entry

    later = _LaterSingles(text)
    start = 0
    reopens = False
    if continued is not None:
        push(continued)
        start = continued.pos + continued.marked
    for match in _MARK_RE.finditer(text, start):
        i = match.start()
        mark = text[i]
        candidates = waiting.get(mark)
        if candidates and _after_final_s(text, i) and later.can_close_all(i, len(candidates)):
            continue  # Hans‘ Auto: a later mark closes the quotation, this is an apostrophe
        if candidates and _can_close(text, i) and not _prefers_opening(text, i):
            depth = candidates[-1]
            while len(stack) - 1 > depth:
                inner = pop()
                if inner.mark not in APOSTROPHE_LIKE:
                    message = f"quotation mark {inner.mark} inside a quotation is never closed"
                    problems.append((inner.pos, message))
            entry = pop()
            span = _Span(entry.pos, i + 1, entry.mark, mark)
            if stack:
                parent = stack[-1]
                if parent.children is None:
                    parent.children = []
                parent.children.append(span)
            elif entry is continued:
                continued_end = span
            else:
                quotes.append(span)
        elif _can_open(text, i) or _can_open_spaced(text, i):
            if continued is not None and continued_end is None and mark == continued.mark:
                reopens = True
            push(_Open(mark, i, spaced=text[i + 1].isspace()))
        elif not stack and mark in _UNAMBIGUOUS_OPENERS:
            problems.append(
                (
                    i,
                    f"opening quotation mark {mark} is followed by a space, "
                    "a number or nothing (a ditto mark?) and opens no quotation",
                )
            )
        elif not stack and mark not in APOSTROPHE_LIKE:
            problems.append((i, f"closing quotation mark {mark} has no opening mark"))
    # A spaced mark left open was a ditto or stray mark: the quotations it held belong to
    # the open mark below it, or are quotations of their own.
    still_open: list[_Open] = []
    for entry in stack:
        if not entry.spaced:
            still_open.append(entry)
            continue
        message = f"opening quotation mark {entry.mark} is followed by a space and nothing "
        problems.append((entry.pos, message + "closes it (a ditto mark?)"))
        if still_open:
            still_open[-1].children = (still_open[-1].children or []) + (entry.children or [])
        else:
            quotes.extend(entry.children or ())
    promotable = [span for entry in still_open for span in entry.children or ()]
    unclosed = still_open[0] if still_open else None
    return _ParagraphScan(
        quotes=quotes,
        continued_end=continued_end,
        unclosed=unclosed,
        promotable=promotable,
        problems=problems,
        reopens=reopens,
    )


# A quotation open at a paragraph's end may continue, without its mark re-opened, over at
# most this many paragraphs: the last of them closes it (quotes.md §1).
MAX_UNMARKED_PARAGRAPHS = 3


def _continues_unmarked(paragraphs: Sequence[str], index: int, mark: str) -> bool:
    """Whether the quotation opened by ``mark`` and left open before paragraph ``index``
    continues into it although the paragraph does not re-open the mark: a closing mark
    for it follows within ``MAX_UNMARKED_PARAGRAPHS`` paragraphs, and none of them
    opens a quotation of its own (the same mark opened again, or a paragraph that starts
    with it) before that. Anything else is ambiguous and stays a warning."""
    for k in range(index, min(index + MAX_UNMARKED_PARAGRAPHS, len(paragraphs))):
        text = paragraphs[k]
        lead = len(text) - len(text.lstrip())
        if lead == len(text) or (k > index and text.startswith(mark, lead)):
            return False
        scan = _scan_paragraph(text, _Open(mark, lead, marked=False))
        if scan.reopens:
            return False
        if scan.continued_end is not None:
            return True
    return False


def reopens_open_quotation(text: str, line: str) -> bool:
    """Whether ``line`` starts by opening again the mark of a quotation that ``text``
    leaves open: how a quotation goes on in a new paragraph (quotes.md §1). Within one
    paragraph a quotation never opens inside another of the same mark, so a line break
    before such a line ends a paragraph; it is never a hard wrap."""
    lead = len(line) - len(line.lstrip())
    if lead == len(line) or line[lead] not in _CONTINUABLE or not _can_open(line, lead):
        return False  # the cheap test first: few lines start with a quotation mark
    unclosed = _scan_paragraph(text, None).unclosed
    return unclosed is not None and unclosed.mark == line[lead]


def leaves_quotation_open(paragraphs: Sequence[str]) -> bool:
    """Whether a quotation may still be open after ``paragraphs``, so that the next
    paragraph could continue it: where a text may be cut without cutting a quotation.

    Errs towards "open": a quotation left open is assumed to continue over any number of
    paragraphs that do not open one of their own, as if a closing mark were to follow.
    """
    mark: str | None = None
    for text in paragraphs:
        continued: _Open | None = None
        if mark is not None:
            lead = len(text) - len(text.lstrip())
            if text.startswith(mark, lead) and _can_open(text, lead):
                continued = _Open(mark, lead)
            elif not _scan_paragraph(text, _Open(mark, lead, marked=False)).reopens:
                continued = _Open(mark, lead, marked=False)
        scan = _scan_paragraph(text, continued)
        if continued is not None and scan.continued_end is None:
            continue  # still inside the quotation
        unclosed = scan.unclosed
        mark = unclosed.mark if unclosed is not None and unclosed.mark in _CONTINUABLE else None
    return mark is not None


@dataclass
class _Chain:
    """A quotation left open at a paragraph's end, possibly continued by the next ones."""

    mark: str
    pieces: list[QuotePiece]
    promotable: list[tuple[int, _Span]]  # (paragraph, span)


def find_quotes(paragraphs: Sequence[str], lines: Sequence[int] | None = None) -> QuoteScan:
    """Find every direct quotation in a document, in document order.

    Args:
        paragraphs: the document's paragraphs' texts.
        lines: the 1-based source line each paragraph starts on (default: ``i + 1``); used
            to name the line in warnings about unbalanced marks.

    Returns:
        The quotations (nested ones belong to the outer one; one that spans paragraphs has
        a piece per paragraph) and a warning per unbalanced mark, which is left as text.
    """
    if lines is None:
        lines = range(1, len(paragraphs) + 1)
    elif len(lines) != len(paragraphs):
        raise ValueError("lines must give one line number per paragraph")
    found: list[tuple[QuotePiece, ...]] = []
    warnings: list[QuoteWarning] = []

    def warn(paragraph: int, offset: int, message: str) -> None:
        line = lines[paragraph] + paragraphs[paragraph].count("\n", 0, offset)
        warnings.append(QuoteWarning(line, f"{message}; treated as ordinary text"))

    def single(paragraph: int, span: _Span) -> tuple[QuotePiece, ...]:
        return (QuotePiece(paragraph, span.start, span.end, span.opening, span.closing),)

    def fail(chain: _Chain) -> None:
        for piece in chain.pieces:
            if piece.opening:  # an unmarked piece is only taken when a closing mark follows
                warn(
                    piece.paragraph, piece.start, f"quotation mark {piece.opening} is never closed"
                )
        found.extend(single(paragraph, span) for paragraph, span in chain.promotable)

    chain: _Chain | None = None
    for index, text in enumerate(paragraphs):
        continued: _Open | None = None
        if chain is not None:
            lead = len(text) - len(text.lstrip())
            if text.startswith(chain.mark, lead) and _can_open(text, lead):
                continued = _Open(chain.mark, lead)
            elif _continues_unmarked(paragraphs, index, chain.mark):
                continued = _Open(chain.mark, lead, marked=False)
            else:
                fail(chain)
                chain = None
        scan = _scan_paragraph(text, continued)
        for offset, message in scan.problems:
            warn(index, offset, message)
        found.extend(single(index, span) for span in scan.quotes)
        if chain is not None and continued is not None:
            if scan.continued_end is not None:
                end = scan.continued_end
                opening = end.opening if continued.marked else ""
                last = QuotePiece(index, end.start, end.end, opening, end.closing)
                found.append((*chain.pieces, last))
                chain = None
            else:
                end_of_text = len(text.rstrip())
                opening = chain.mark if continued.marked else ""
                chain.pieces.append(QuotePiece(index, continued.pos, end_of_text, opening, ""))
                chain.promotable.extend((index, span) for span in scan.promotable)
                continue
        unclosed = scan.unclosed
        if unclosed is None:
            continue
        if unclosed.mark in _CONTINUABLE:
            piece = QuotePiece(index, unclosed.pos, len(text.rstrip()), unclosed.mark, "")
            chain = _Chain(unclosed.mark, [piece], [(index, span) for span in scan.promotable])
        else:  # an apostrophe-like mark: it was an apostrophe after all
            found.extend(single(index, span) for span in scan.promotable)
    if chain is not None:
        fail(chain)

    found.sort(key=lambda pieces: (pieces[0].paragraph, pieces[0].start))
    quotations = tuple(
        Quotation(
            index=number,
            pieces=pieces,
            text="\n".join(paragraphs[p.paragraph][p.start : p.end] for p in pieces),
        )
        for number, pieces in enumerate(found)
    )
    warnings.sort(key=lambda warning: warning.line)
    return QuoteScan(quotations=quotations, warnings=tuple(warnings))


# --- Model output -------------------------------------------------------------------------

_ALWAYS_REMOVED = '"“”„»«›‹‚'
_CLOSING_PUNCTUATION = frozenset(".,;:!?)]}…")
_OPENING_BRACKETS = frozenset("([{")


def neutralize_marks(text: str) -> str:
    """Remove the quotation marks from model output, so that it quotes nobody.

    Every double quotation mark and guillemet goes, and so do single quotation marks;
    apostrophes stay (don't, Russia's, geht's, '90er, ministers'). The whitespace the
    removal leaves behind is tidied. ``find_quotes([result])`` finds no quotation.
    """
    removed: list[int] = []
    open_singles = 0  # single quotation marks removed whose closing mark is still ahead
    previous = 0
    for match in _MARK_RE.finditer(text):
        i = match.start()
        if open_singles and "\n" in text[previous:i]:
            open_singles = 0  # quotations end with their paragraph
        previous = i
        mark = text[i]
        prev = text[i - 1] if i > 0 else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if mark in _ALWAYS_REMOVED:
            removed.append(i)
            open_singles += mark == "‚"
        elif open_singles and mark in "'’‘" and _can_close(text, i):
            removed.append(i)
            open_singles -= 1
        elif mark == "‘":
            if not (prev.isalnum() and nxt.isalnum()):  # geht‘s: a sloppy apostrophe
                removed.append(i)
                open_singles += _can_open(text, i)
        elif mark == "'" and _can_open(text, i):
            removed.append(i)
            open_singles += 1
        elif not (prev.isalnum() or nxt.isalnum()):
            # ' or ’ with no word on either side: not an apostrophe
            removed.append(i)
    return _remove_tidily(text, removed)


def _remove_tidily(text: str, positions: Sequence[int]) -> str:
    """Delete the characters at ``positions`` without leaving doubled or stray spaces."""
    out: list[str] = []
    pending = ""  # whitespace decided on, written once the next text is known
    last = ""  # the last character written, not counting ``pending``
    cursor = 0
    index = 0
    while index < len(positions):
        run_start = positions[index]
        run_end = run_start + 1
        index += 1
        while index < len(positions) and positions[index] == run_end:
            run_end += 1
            index += 1
        segment = text[cursor:run_start]
        kept = segment.rstrip(" \t")
        if kept:
            out += (pending, kept)
            last = kept[-1]
            leading = segment[len(kept) :]
        else:
            leading = pending + segment
        resume = run_end
        while resume < len(text) and text[resume] in " \t":
            resume += 1
        trailing = text[run_end:resume]
        nxt = text[resume] if resume < len(text) else ""
        if last in ("", "\n"):
            pending = leading
        elif nxt in ("", "\n") or nxt in _CLOSING_PUNCTUATION or last in _OPENING_BRACKETS:
            pending = ""
        elif leading or trailing:
            pending = " "
        elif last.isalnum() and nxt.isalnum():
            pending = " "  # the mark was all that separated two words
        else:
            pending = ""
        cursor = resume
    out += (pending, text[cursor:])
    return "".join(out)


def split_marks(piece: str) -> tuple[str, str, str]:
    """Split a quotation piece into (opening mark, inner text, closing mark).

    The closing mark is ``""`` for a piece that continues in the next paragraph.
    """
    scan = _scan_paragraph(piece, None)
    if len(scan.quotes) == 1 and (scan.quotes[0].start, scan.quotes[0].end) == (0, len(piece)):
        return piece[0], piece[1:-1], piece[-1]
    if piece and piece[0] in _CLOSERS:
        return piece[0], piece[1:], ""
    return "", piece, ""


# (outer, nested) pairs of each target style; deeper levels alternate (quotes.md §2).
_TARGET_MARKS: dict[QuoteMarks, tuple[tuple[str, str], tuple[str, str]]] = {
    QuoteMarks.ENGLISH: (("“", "”"), ("‘", "’")),
    QuoteMarks.ASCII: (('"', '"'), ("'", "'")),
}


def target_marks(opening: str, closing: str, style: QuoteMarks, depth: int = 0) -> tuple[str, str]:
    """The marks a translated quotation gets in ``style``; ``depth`` 1 is a quotation nested
    in another, which gets the style's nested pair (english ‘…’, ascii '…').

    ``closing == ""`` (the quotation continues in the next paragraph) stays ``""``, and so
    does ``opening == ""`` (a piece that continues a quotation without re-opening it).
    """
    if style is QuoteMarks.ORIGINAL:
        return opening, closing
    target_opening, target_closing = _TARGET_MARKS[style][depth % 2]
    return target_opening if opening else "", target_closing if closing else ""


# --- Placeholders -------------------------------------------------------------------------

# A capitalised nonsense "name" plus a number: only ASCII letters and digits, which
# opus-mt's SentencePiece vocabulary always covers, and no word or acronym the model could
# translate. Evidence and alternatives: docs/placeholders.md. Change it here only: the
# patterns below are derived from it.
PLACEHOLDER = "QZX{n}"
_PREFIX, _SUFFIX = PLACEHOLDER.split("{n}")
PLACEHOLDER_PATTERN = re.compile(
    r"(?<!\w)" + re.escape(_PREFIX) + r"([1-9][0-9]*)" + re.escape(_SUFFIX) + r"(?!\w)"
)
# What a model might make of the placeholder: case changed, letters spaced or hyphenated,
# digits dropped or changed, letters glued on. Any such thing that is not an exact
# placeholder fails verification.
_LOOKALIKE_PATTERN = re.compile(
    r"[\s\-_.]{0,2}".join(re.escape(letter) for letter in (_PREFIX + _SUFFIX) if letter.isalnum()),
    re.IGNORECASE,
)
_SLOT = "\ue000"  # private-use character standing for a placeholder while marks are removed


def mask_quotes(text: str, spans: Sequence[tuple[int, int]]) -> tuple[str, tuple[str, ...]]:
    """Replace each span of ``text`` (a quotation piece) by a numbered placeholder.

    Spans must be in order and must not overlap. A placeholder that would touch a word is
    set off by a space, so that the model sees it as a word of its own.

    Returns:
        The masked text and the placeholders, in order.
    """
    parts: list[str] = []
    placeholders: list[str] = []
    cursor = 0
    for start, end in spans:
        if not cursor <= start < end <= len(text):
            raise ValueError(f"span {(start, end)} is out of order, empty or out of range")
        placeholder = PLACEHOLDER.format(n=len(placeholders) + 1)
        placeholders.append(placeholder)
        before = text[cursor:start]
        parts.append(before)
        if start > 0 and text[start - 1].isalnum():
            parts.append(" ")
        parts.append(placeholder)
        if end < len(text) and text[end].isalnum():
            parts.append(" ")
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts), tuple(placeholders)


def placeholders_intact(translated: str, placeholders: Sequence[str]) -> bool:
    """Whether each placeholder appears exactly once, in order, in the model's output, and
    nothing that looks like a mangled or invented one does: ``unmask``'s first check, which
    needs no rendering, so a sentence that fails it can fall back before its quotations
    are rendered."""
    if _SLOT in translated:
        return False
    exact = list(PLACEHOLDER_PATTERN.finditer(translated))
    if [match.group(0) for match in exact] != list(placeholders):
        return False
    exact_starts = {match.start() for match in exact}
    return all(match.start() in exact_starts for match in _LOOKALIKE_PATTERN.finditer(translated))


def unmask(translated: str, placeholders: Sequence[str], renderings: Sequence[str]) -> str | None:
    """Put the renderings of quotations back where the model left their placeholders.

    Verifies that each placeholder appears exactly once, in order, and that nothing that
    looks like a mangled or invented placeholder remains; removes the model's own quotation
    marks everywhere else (marks it put around a placeholder too); then replaces each
    placeholder by its rendering, adding a space where a rendering would otherwise be glued
    to a word (a typewriter mark needs it to open).

    Returns:
        The restored text, in which ``find_quotes`` finds exactly the quotations of the
        renderings, in order; or ``None`` when the model's output fails verification.
    """
    if len(placeholders) != len(renderings) or not placeholders_intact(translated, placeholders):
        return None
    slotted = PLACEHOLDER_PATTERN.sub(_SLOT, translated)
    outside = neutralize_marks(slotted).split(_SLOT)

    parts: list[str] = [outside[0]]
    length = len(outside[0])
    expected: list[tuple[int, int]] = []
    for rendering, after in zip(renderings, outside[1:], strict=True):
        tail = next((part[-1] for part in reversed(parts) if part), "")
        if tail and not is_opening_context(tail):
            parts.append(" ")
            length += 1
        rendering_scan = _scan_paragraph(rendering, None)
        expected += [
            (length + span.start, length + span.end)
            for span in (*rendering_scan.quotes, *rendering_scan.promotable)
        ]
        parts.append(rendering)
        length += len(rendering)
        if after[:1].isalnum():
            parts.append(" ")
            length += 1
        parts.append(after)
        length += len(after)
    restored = "".join(parts)

    # The renderings' marks must pair with each other exactly as they do on their own.
    scan = _scan_paragraph(restored, None)
    found = [(span.start, span.end) for span in (*scan.quotes, *scan.promotable)]
    return restored if sorted(found) == sorted(expected) else None
