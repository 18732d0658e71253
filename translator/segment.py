"""Paragraphs, sentences, and pieces that fit the model: pure functions, no model.

* ``parse_document`` / ``render_document``: split a text into paragraphs and put translated
  paragraphs back in the source's layout (hard-wrapped text is detected, joined, re-wrapped).
* ``split_sentences``: German-aware sentence spans that tile a paragraph.
* ``split_to_fit``: split an over-long sentence into pieces within a token limit, losslessly.
* ``has_letters`` / ``is_translatable``: which segments are worth sending to the model.

Why a rule-based sentence splitter of our own: measured on a German gold set and the sample
article (docs/segmentation.md), pysbd, syntok and blingfire each reach only about 0.87 F1 on
boundaries: syntok and blingfire split German ordinals and dates ("am 3. Oktober"), pysbd
puts closing quotation marks into the next sentence. Fixing that needs both merging and
adding boundaries, which is a segmenter in itself; these rules are faster than all three
but blingfire, keep exact offsets, and know the quotation marks of shared/design/quotes.md.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence

from translator.quotes import (
    ALL_MARKS,
    CLOSING_MARKS,
    MAX_UNMARKED_PARAGRAPHS,
    OPENING_MARKS,
    leaves_quotation_open,
    reopens_open_quotation,
)
from translator.schema import Document, Paragraph

# --------------------------------------------------------------------------- paragraphs

_LINE_BREAK = re.compile(r"\r\n|\n|\r")
# Hard-wrapped text is at most this wide; longer lines are paragraphs of their own.
_MAX_WRAP_WIDTH = 100
# Narrower "wrapped" blocks are lists, addresses or verse, not wrapped prose.
_MIN_WRAP_WIDTH = 30
# A ragged right margin: lines break anywhere between this share of the width and it.
_RAGGED_MIN = 0.7
_LIST_ITEM = re.compile(r"(?:[-*•–—+]|\d{1,3}[.)]|[a-zA-Z][.)])\s+")
_HEADING = re.compile(r"#{1,6}\s")
# A line ending in one of these ends a sentence (or introduces a quotation).
_SENTENCE_END_CHARS = frozenset(".!?:;…)" + CLOSING_MARKS)
# "Verteidigungs-\nund Sicherheitsfähigkeiten": the hyphen stands for a left-out word part.
_CONJUNCTIONS = frozenset({"und", "oder", "bzw.", "sowie", "als", "wie", "noch", "bis"})
# "russisch-|koreanische", "deutsch-|französische", "wirtschaftlich-|technische": a lower-case
# word broken after one of these adjective endings is a hyphen compound, so the hyphen stays.
_COMPOUND_ADJECTIVE = re.compile(r"(?:sch|lich)-\Z")


def _split_lines(text: str) -> list[tuple[int, int, int]]:
    """(start, end, end_with_line_break) of every line; the break is "\\r\\n", "\\n" or "\\r"."""
    lines = []
    position = 0
    for match in _LINE_BREAK.finditer(text):
        lines.append((position, match.start(), match.end()))
        position = match.end()
    lines.append((position, len(text), len(text)))
    return lines


def _first_word(line: str) -> str:
    return line.split(maxsplit=1)[0] if line.strip() else ""


def _is_list_item(line: str) -> bool:
    return bool(_LIST_ITEM.match(line.lstrip()))


def _is_heading(line: str) -> bool:
    return bool(_HEADING.match(line.lstrip()))


def paragraph_kind(text: str) -> str:
    """``heading``, ``list`` (every line an item) or ``paragraph``, for renderers."""
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and _is_heading(lines[0]):
        return "heading"
    if lines and all(_is_list_item(line) for line in lines):
        return "list"
    return "paragraph"


def _detect_wrap_width(lines: list[str], followed: list[bool]) -> int | None:
    """The width the text was hard-wrapped at, or None when it was not wrapped.

    ``lines`` are the non-blank lines (right-stripped); ``followed[i]`` says whether line
    ``i`` is followed directly by another non-blank line (so it could be a wrapped one).
    Wrapped text is filled greedily: a line that continues its paragraph is so full that the
    next word would not have fitted, and most such lines end mid-sentence. Text with one
    paragraph per line (the sample article) has long lines that end sentences.
    """
    width = max((len(line) for line in lines), default=0)
    if not _MIN_WRAP_WIDTH <= width <= _MAX_WRAP_WIDTH:
        return None
    # Lines before a list item or heading, and headings, say nothing about wrapping.
    candidates = [
        i
        for i, has_next in enumerate(followed)
        if has_next
        and not (_is_list_item(lines[i + 1]) or _is_heading(lines[i + 1]) or _is_heading(lines[i]))
    ]
    if len(candidates) < 3:
        return None
    # In wrapped text most lines run close to the width (only paragraph ends are short);
    # a few short lines that happen to end mid-sentence are not a wrap.
    prose = [line for line in lines if not (_is_list_item(line) or _is_heading(line))]
    long_lines = sum(1 for line in prose if len(line) >= width * _RAGGED_MIN)
    if long_lines * 10 < len(prose) * 6:
        return None
    if _looks_like_verse([lines[i] for i in candidates]):
        return None
    full = [i for i in candidates if _fills_line(lines[i], lines[i + 1], width)]
    mid_sentence = [i for i in full if lines[i][-1] not in _SENTENCE_END_CHARS]
    if len(full) * 2 < len(candidates) or len(mid_sentence) * 2 < len(full):
        return None
    return width


def _looks_like_verse(lines: list[str]) -> bool:
    """Whether lines that run on to another line are verse: verse lines end with a comma
    or semicolon far more often than wrapped prose lines (at most 38% in any text of
    benchmarks/wrap_eval.py, half or more in the poems of tests/test_wrap_joins.py)."""
    clause_ends = sum(1 for line in lines if line[-1] in ",;")
    return clause_ends * 10 >= len(lines) * 4


def _fills_line(line: str, next_line: str, width: int) -> bool:
    """Whether a wrapper at ``width`` would have broken after ``line``: a greedy one (the
    next word would not have fitted), or, for a line that ends in the middle of a word
    or clause (a letter, digit or hyphen last), one with a ragged right margin
    (newspaper columns, OCR, e-mail quoting), whose lines vary between ``_RAGGED_MIN``
    of the width and the width. A line that ends with punctuation must be full: short
    paragraphs end with a sentence, and verse lines mostly with a comma or semicolon,
    so paragraphs, list items and verse (shorter than the width) stay apart."""
    if _is_list_item(next_line) or _is_heading(next_line) or _is_heading(line):
        return False
    if len(line) < width * 0.6:
        return False
    reach = len(line) + 1 + len(_first_word(next_line))
    if reach > width:
        return True
    if reach <= width * _RAGGED_MIN:
        return False
    if line[-1].isalnum() or line[-1] == "-":
        return True
    # After a comma, only when the clause goes on in lower case ("…, die noch" / "nicht").
    return line[-1] == "," and next_line[:1].islower()


def _join_wrapped(lines: list[str]) -> str:
    """Join hard-wrapped lines into one paragraph, undoing hyphenation where it is safe."""
    text = lines[0].strip()
    for line in lines[1:]:
        part = line.strip()
        word = _first_word(part)
        prefix = text.rsplit(maxsplit=1)[-1] if text else ""
        stem = prefix.lstrip(_OPENING_MARKS)
        if (
            text.endswith("-")
            and len(stem) > 2
            and stem[-2].isalpha()
            and word[:1].islower()
            and word not in _CONJUNCTIONS
            and "-" not in stem[:-1]
            and (stem[:1].isupper() or not _COMPOUND_ADJECTIVE.search(stem))
        ):
            # "Verteidigungs-|minister", "erklär-|te": a word continued in lower case is a
            # syllable break, unless it is a hyphen compound ("Nord-Süd-|achse" keeps its
            # hyphens, and so does a lower-case adjective before another one,
            # "russisch-|koreanische").
            text = text[:-1] + part
        elif text.endswith("-") and len(prefix) > 1 and word not in _CONJUNCTIONS:
            text += part  # "DVRK-|Botschaft", "russisch-|koreanische"
        else:
            text += " " + part
    return text


def parse_document(text: str, first_line: int = 1) -> Document:
    """Split a source text into paragraphs.

    A paragraph is one line, unless the text is hard-wrapped (lines broken at a fixed width
    of at most 100 characters, mostly mid-sentence): then consecutive lines of a paragraph
    are joined and ``wrap_width`` records the width. List items and headings stay on their
    own. Each paragraph's ``separator`` is the exact whitespace that followed it (line
    breaks, blank lines, trailing spaces, the next line's indentation), so that, when no
    hard wrap was detected, ``render_document(doc, [p.text for p in doc.paragraphs])``
    returns ``text`` unchanged. ``first_line`` is the line ``text`` starts on (a section of
    a longer text, see ``split_sections``).
    """
    spans = _split_lines(text)
    content = [
        (number, start, end)
        for number, (start, end, _) in enumerate(spans, start=first_line)
        if text[start:end].strip()
    ]
    if not content:
        return Document(paragraphs=(), leading=text)
    stripped = [text[start:end].strip() for _, start, end in content]
    followed = [
        index + 1 < len(content) and content[index + 1][0] == number + 1
        for index, (number, _, _) in enumerate(content)
    ]
    width = _detect_wrap_width(stripped, followed)

    # Group the non-blank lines into paragraphs: lists of indexes into `content`.
    groups: list[list[int]] = []
    for index in range(len(content)):
        joins_previous = (
            width is not None
            and index > 0
            and followed[index - 1]
            and _fills_line(stripped[index - 1], stripped[index], width)
            # „Er sagte: „…|„…“: a quotation continued in a new paragraph, not a wrap.
            and not reopens_open_quotation(
                " ".join(stripped[i] for i in groups[-1]), stripped[index]
            )
        )
        if joins_previous:
            groups[-1].append(index)
        else:
            groups.append([index])

    paragraphs = []
    first_start = content[0][1] + _leading_space(text[content[0][1] : content[0][2]])
    for group_number, group in enumerate(groups):
        number, start, _ = content[group[0]]
        last_end = content[group[-1]][2]
        text_end = last_end - _trailing_space(text[start:last_end])
        if group_number + 1 < len(groups):
            _, next_start, next_end = content[groups[group_number + 1][0]]
            next_text_start = next_start + _leading_space(text[next_start:next_end])
        else:
            next_text_start = len(text)
        paragraph_lines = [stripped[index] for index in group]
        is_heading = _is_heading(paragraph_lines[0])
        paragraphs.append(
            Paragraph(
                text=_join_wrapped(paragraph_lines) if len(group) > 1 else paragraph_lines[0],
                separator=text[text_end:next_text_start],
                line=number,
                wrap_width=None if width is None or is_heading else width,
            )
        )
    return Document(paragraphs=tuple(paragraphs), leading=text[:first_start])


# A section of a streamed text is at least this long (characters), unless the text ends.
SECTION_CHARS = 1 << 16
# Past this many times SECTION_CHARS without a blank line, a section may end at any line.
_RELAXED_AFTER = 4
_VISIBLE = re.compile(r"\S")


def split_sections(chunks: Iterable[str], min_chars: int = SECTION_CHARS) -> Iterator[str]:
    """Cut a text that arrives in chunks into sections that translate on their own: the
    sections tile the text (joined, they are the text), and each is ``min_chars`` long or
    more, except the last.

    A section starts where a paragraph starts after a blank line, so no paragraph (hard
    wrapped or not) is cut. It never starts with a quotation mark, nor after paragraphs
    that leave a quotation open: the paragraph may continue a quotation of the ones
    before (quotes.md's multi-paragraph quotations, with or without the mark re-opened),
    so ``find_quotes`` finds the same quotations in the sections as in the whole. A text
    without blank lines is cut at the start of any line (not a quotation mark, not inside
    an open quotation) once a section is 4 times ``min_chars``.
    """
    pending: list[str] = []
    size = 0
    # Where to look next: a text arriving in small chunks (a file's lines) is searched
    # again only when an eighth of a section more has come (the cuts are the same).
    look_at = min_chars
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size < look_at:
            continue
        buffer = "".join(pending)
        while (start := _next_section(buffer, min_chars)) is not None:
            yield buffer[:start]
            buffer = buffer[start:]
        pending, size = [buffer], len(buffer)
        look_at = max(min_chars, size + min_chars // 8)
    rest = "".join(pending)
    while (start := _next_section(rest, min_chars)) is not None:
        yield rest[:start]
        rest = rest[start:]
    if rest:
        yield rest


def parse_sections(chunks: Iterable[str], min_chars: int = SECTION_CHARS) -> Iterator[Document]:
    """``split_sections``, each section parsed (``parse_document``) with its paragraphs'
    line numbers counted from the start of the whole text."""
    line = 1
    for section in split_sections(chunks, min_chars):
        yield parse_document(section, first_line=line)
        line += sum(1 for _ in _LINE_BREAK.finditer(section))


def _next_section(text: str, min_chars: int) -> int | None:
    """The first start of a line at or after ``min_chars`` where the next section may
    start (see ``split_sections``), or None when ``text`` does not show one yet. The first
    qualifying position, whatever follows it: the same however the text arrives."""
    relaxed_from = _RELAXED_AFTER * min_chars
    for line_break in _LINE_BREAK.finditer(text, min_chars - 1 if min_chars else 0):
        start = line_break.end()
        visible = _VISIBLE.search(text, start)
        if visible is None:
            return None  # the rest is whitespace: wait for more text
        if _LINE_BREAK.search(text, start, visible.start()) or text[visible.start()] in ALL_MARKS:
            continue  # a blank line, or one that may continue a quotation
        if _quotation_open_before(text, start):
            continue  # the paragraphs before leave a quotation open: it may continue
        if start < relaxed_from:
            end = line_break.start()
            line_start = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
            if text[line_start:end].strip():
                continue  # not after a blank line
        return start
    return None


# How far back a section cut looks for a quotation left open: the last paragraphs a
# quotation may continue over (quotes.MAX_UNMARKED_PARAGRAPHS, and the one opening it),
# as blank-line-separated blocks, within this many characters.
_QUOTE_LOOKBACK_CHARS = 8192
_BLANK_LINE = re.compile(r"(?:\r\n|\n|\r)[ \t]*(?:\r\n|\n|\r)")


def _quotation_open_before(text: str, start: int) -> bool:
    """Whether the last paragraphs before ``start`` (their lines, each read as a paragraph
    of its own: a wrapped paragraph's lines continue a quotation as paragraphs would)
    may leave a quotation open."""
    window = text[max(0, start - _QUOTE_LOOKBACK_CHARS) : start]
    blocks = _BLANK_LINE.split(window)[-(MAX_UNMARKED_PARAGRAPHS + 1) :]
    lines = [line for block in blocks for line in _LINE_BREAK.split(block) if line.strip()]
    return leaves_quotation_open(lines)


def _leading_space(line: str) -> int:
    return len(line) - len(line.lstrip())


def _trailing_space(line: str) -> int:
    return len(line) - len(line.rstrip())


def render_document(document: Document, translations: Sequence[str]) -> str:
    """Put translated paragraphs back in the source's layout.

    Paragraphs with a ``wrap_width`` are wrapped to that width; words and URLs are never
    broken, so a line may be longer than the width when one word is. List items keep their
    hanging indent.

    Raises:
        ValueError: when there is not exactly one translation per paragraph.
    """
    if len(translations) != len(document.paragraphs):
        raise ValueError(
            f"Got {len(translations)} translations for {len(document.paragraphs)} paragraphs."
        )
    if not translations:
        return document.leading  # whitespace-only text has no paragraphs
    return "".join(
        render_paragraph(document, index, translation)
        for index, translation in enumerate(translations)
    )


def render_paragraph(document: Document, index: int, translation: str) -> str:
    """One translated paragraph in the source's layout: wrapped as the source was, followed
    by the source's separator (and preceded by the leading whitespace for the first one).
    The paragraphs of a document rendered in order join to ``render_document``'s result,
    so output can be streamed as paragraphs are done."""
    paragraph = document.paragraphs[index]
    lead = document.leading if index == 0 else ""
    return lead + _wrap(translation, paragraph.wrap_width) + paragraph.separator


def _wrap(text: str, width: int | None) -> str:
    if width is None or len(text) <= width:
        return text
    marker = _LIST_ITEM.match(text)
    return textwrap.fill(
        text,
        width=width,
        subsequent_indent=" " * len(marker.group()) if marker else "",
        break_long_words=False,
        break_on_hyphens=False,
    )


# --------------------------------------------------------------------------- sentences

# Quotation marks come from the one table in quotes.py, so both agree on every style.
_OPENING_MARKS = OPENING_MARKS + "([{"
_CLOSING_MARKS = CLOSING_MARKS + ")]}"
# Terminal punctuation, the closing marks after it, the whitespace after those, and the
# character that would start the next sentence. The boundary is that character's index.
_CANDIDATE = re.compile(
    r"(?P<terminal>\.{2,}|…+|[.!?]+)(?P<closers>[" + re.escape(_CLOSING_MARKS) + r"]*)"
    r"(?P<space>\s+)(?=(?P<next>\S))"
)
# The lookbehinds anchor each match at the start of its word: without them the engine
# retries from every character of a long word, which is quadratic (a 100,000-character
# word took over a minute).
_URL_OR_EMAIL = re.compile(
    r"(?:https?://|ftp://|www\.)\S+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w.-])[\w-]+(?:\.[\w-]+)*\.(?:de|com|org|net|at|ch|eu|info|io|ru|uk|gov|edu)\b"
    r"(?:/\S*)?",
    re.IGNORECASE,
)
# Abbreviations that do not end a sentence even before a capital ("Dr. Müller", "ca. 40").
# Checked case-sensitively, without the final period; dotted forms ("u.a") included.
_ABBREVIATIONS = frozenset(
    """
    Abb Abg Abk Abs Abt Adr Akad allg Anm Art Aufl Ausg Az Bd Bde Bearb Bed begr Beil Bez
    Bhf bspw bzgl Bsp bzw ca Chr Co Corp dgl Dipl Dir Dr Dres dt ebd Ed eig eigtl einschl
    engl entspr erg ev evtl Fa Fam Ffm fr Fr frz gegr geb Gebr gem Ges gesch ggf ggfs gr
    Hbf Hg hg Hr Hrn Hrsg Inc Ing Inh inkl insb Jh Jhd Jg jun Kap kath Kfz kgl Kl Komm Kr
    lat lfd Lfg lt Ltd Mag max med Mil min Mio Mrd Msp Mt mtl mind Mr Mrs Ms Nachf Nr Nrn
    näml No Obb od österr Pf Pfd Ph phil Pkt Pkw Pl Pol pp Prof Prot Proz rd Reg Rel resp
    Rs röm sen Sen Sig sog Sp St Std Str stv Tab Tel Th theol Tsd Tz ua uä ugs urspr
    usf Verf verh Verl vgl Vors vs Wdh Wwe Z zB zit Ziff zw zzgl zT zZ Zt
    a.a.O a.D d.h d.i d.J d.M e.V i.A i.d.R i.e i.H.v i.V i.W m.E m.W n.Chr o.a o.ä o.g
    s.a s.o s.u u.a u.ä u.Ä u.dgl u.E u.U u.v.a u.z v.a v.Chr v.H v.l.n.r z.B z.H z.T z.Z
    """.split()
)
# Abbreviations that often end a sentence: a boundary when a capital follows.
_FINAL_ABBREVIATIONS = frozenset(
    """
    usw etc ff f Jan Feb Febr Mär Apr Jun Jul Aug Sep Sept Okt Nov Dez Sek Min Std
    u.ä o.ä u.s.w
    """.split()
)
_MONTHS = frozenset(
    """
    Januar Jänner Februar März April Mai Juni Juli August September Oktober November Dezember
    Jan Feb Febr Mär Apr Jun Jul Aug Sep Sept Okt Nov Dez
    """.split()
)
# Words before a number that make it an ordinal ("am 3.", "der 2.", "zum 31.").
_ORDINAL_CONTEXT = frozenset(
    """
    der die das dem den des am im vom zum zur beim ab bis seit ins ans aufs ein eine einem
    einen einer eines seinem seinen seiner ihrem ihren ihrer unserem jedem jeden jeder
    diesem diesen dieser und oder bzw sowie vor nach zwischen Der Die Das Am Im Vom Zum Ab
    Seit Bis Beim
    """.split()
)
# Nouns that follow ordinals ("2. Weltkrieg", "1. FC", "3. Liga", "19. Jh.").
_ORDINAL_NOUNS = frozenset(
    """
    Weltkrieg FC Liga Bundesliga Jahrhundert Jh Jhd Klasse Mal Runde Spieltag Lesung Etage
    Stock Platz Rang Quartal Halbjahr Advent Sonntag Buch Kapitel Auflage Ausgabe Division
    Armee Symphonie Sinfonie Satz Akt Parteitag Legislaturperiode Bezirk Jahrestag Geburtstag
    """.split()
)
_DIGITS = re.compile(r"\d{1,4}")


def split_sentences(text: str, protected: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """German-aware sentence spans of one paragraph.

    The spans tile ``text``: the first starts at 0, each starts where the previous ends, the
    last ends at ``len(text)`` (none for empty text). Whitespace between sentences belongs
    to the end of the previous span, so ``text[start:end].rstrip()`` is the sentence and a
    span never starts with whitespace (except the first, which keeps the text's leading
    whitespace). No boundary falls strictly inside a ``protected`` span (a quotation):
    the sentences either side of such a boundary stay one span.
    """
    if not text:
        return []
    boundaries = [
        match.end()
        for match in _CANDIDATE.finditer(text)
        if _is_boundary(text, match) and not _inside_any(match.end(), protected)
    ]
    starts = [0, *boundaries]
    ends = [*boundaries, len(text)]
    return list(zip(starts, ends, strict=True))


def _inside_any(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < position < end for start, end in spans)


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    terminal, closers, next_char = match["terminal"], match["closers"], match["next"]
    next_word = _word_at(text, match.end())
    starts_sentence = next_char.isupper() or next_char.isdigit() or next_char in _OPENING_MARKS
    if next_char in _OPENING_MARKS:
        after_mark = next_word.lstrip(_OPENING_MARKS)[:1]
        starts_sentence = not after_mark or after_mark.isupper() or after_mark.isdigit()
    if not starts_sentence:
        return False  # German sentences start with a capital: "Das war … nun ja"
    if terminal != "." or closers:
        return True  # "?", "!", "...", or a period inside a closed quotation/bracket
    before = text[: match.start()].rsplit(maxsplit=1)
    token = before[-1] if before else ""  # nothing but whitespace before the mark
    if not token or token[-1] in _CLOSING_MARKS:
        return True  # '"unausgegoren". Seine', "(s. Anhang). Verstöße"
    if _URL_OR_EMAIL.fullmatch(token.lstrip(_OPENING_MARKS)):
        return True  # "... unter https://example.de/a. Fragen ..."
    word = token.lstrip(_OPENING_MARKS)
    if word in _FINAL_ABBREVIATIONS:
        return not next_char.isdigit()  # "usw. Insgesamt", but "Nov. 2024"
    if word in _ABBREVIATIONS or word.replace(".", "") in _ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isalpha():
        return False  # initials and spaced abbreviations: "F. Schröder", "z. B.", "u. a."
    if "." in word and len(word) <= 6 and all(part.isalpha() for part in word.split(".")):
        return False  # unlisted dotted abbreviations: "o.B", "i.R"
    if _DIGITS.fullmatch(word):
        return not _is_ordinal(text, match.start() - len(token), int(word), next_word, next_char)
    return True


def _word_at(text: str, position: int) -> str:
    match = re.compile(r"\S+").match(text, position)
    return match.group().rstrip(".,;:!?") if match else ""


def _is_ordinal(text: str, token_start: int, value: int, next_word: str, next_char: str) -> bool:
    """Whether the number before a period is an ordinal ("am 3. Oktober") or ends a sentence.

    Only where a date or an enumeration is plausible: before another number ("3. 10.
    1990", a list), before a noun that takes ordinals ("2. Weltkrieg", "100. Geburtstag"),
    and, for a possible day (1-31), before a month or after an article or preposition
    ("der 3. Platz"). A year or any other number over 31 before a capitalised word ends
    the sentence ("seit 2020. Die Opposition").
    """
    if next_char.isdigit():
        return True  # "3. 10. 1990" or a list: not a sentence end worth guessing
    if next_word in _ORDINAL_NOUNS:
        return value < 1000
    if value > 31:
        return False
    if next_word in _MONTHS:
        return True
    before = text[:token_start].rsplit(maxsplit=1)
    previous = before[-1] if before else ""
    return previous in _ORDINAL_CONTEXT


# --------------------------------------------------------------------------- pieces

# Split points by preference: after clause punctuation, then after a comma, then any space.
_STRONG_CLAUSE = re.compile(r"[;:–—]\s+|\s[-–—]\s+")
_COMMA = re.compile(r",\s+")
_SPACE = re.compile(r"\s+")
_ENDS_STRONG_CLAUSE = re.compile(r"(?:[;:–—]|\s[-–—])\s+\Z")
_ENDS_COMMA = re.compile(r",\s+\Z")
_PROBES_PER_PIECE = 4


def split_to_fit(
    text: str, count_tokens: Callable[[Sequence[str]], list[int]], limit: int
) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` tokens each; nothing is lost.

    ``"".join(pieces) == text`` always. Split points are, by preference, clause punctuation
    (; : – —), commas, whitespace, and, for a "word" too long on its own, character
    positions. The number of pieces is estimated from the token count and the split points
    chosen nearest the even division, then every piece is counted (one batched call per
    round) and any piece still over the limit is split again; neighbours that fit together
    are merged back. ``count_tokens`` is called O(log n) times, each with a batch.

    Raises:
        ValueError: when ``limit`` is below 1.
    """
    if limit < 1:
        raise ValueError(f"The token limit must be at least 1, got {limit}.")
    if not text:
        return [text]
    pieces = [text]
    counts = count_tokens(pieces)
    while any(
        count > limit and len(piece) > 1 for piece, count in zip(pieces, counts, strict=True)
    ):
        new_pieces: list[str] = []
        new_counts: list[int | None] = []  # None: a new piece, counted below in one batch
        for piece, count in zip(pieces, counts, strict=True):
            if count <= limit or len(piece) <= 1:
                new_pieces.append(piece)
                new_counts.append(count)
            else:
                # Probes of about a quarter of the limit, counted in one batch, then packed
                # greedily by _merge_small: close to the fewest pieces even when characters
                # per token vary along the text.
                parts = _split_evenly(piece, math.ceil(count / limit) * _PROBES_PER_PIECE)
                new_pieces.extend(parts)
                new_counts.extend([None] * len(parts))
        fresh = [index for index, count in enumerate(new_counts) if count is None]
        for index, count in zip(fresh, count_tokens([new_pieces[i] for i in fresh]), strict=True):
            new_counts[index] = count
        pieces = new_pieces
        counts = [count if count is not None else 0 for count in new_counts]
    return _merge_small(pieces, counts, count_tokens, limit)


def _split_evenly(text: str, parts: int) -> list[str]:
    """Split ``text`` into about ``parts`` pieces at the best split points near even cuts."""
    parts = max(2, min(parts, len(text)))
    step = len(text) / parts
    window = step / 3
    tiers = [
        [m.end() for m in pattern.finditer(text) if 0 < m.end() < len(text)]
        for pattern in (_STRONG_CLAUSE, _COMMA, _SPACE)
    ]
    cuts: list[int] = []
    for index in range(1, parts):
        target = round(index * step)
        low = max(cuts[-1] + 1 if cuts else 1, round(target - window))
        high = min(len(text) - 1, round(target + window))
        cut = None
        for positions in tiers:
            cut = _nearest(positions, target, low, high)
            if cut is not None:
                break
        if cut is None:
            # Any whitespace at all before falling back to a character cut.
            cut = _nearest(tiers[2], target, low, len(text) - 1)
        if cut is None and low <= high:
            cut = target if low <= target <= high else low
        if cut is not None and (not cuts or cut > cuts[-1]) and 0 < cut < len(text):
            cuts.append(cut)
    if not cuts:
        cuts = [len(text) // 2]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _nearest(positions: list[int], target: int, low: int, high: int) -> int | None:
    """The position in sorted ``positions`` within [low, high] nearest to ``target``."""
    if low > high:
        return None
    index = bisect.bisect_left(positions, target)
    best = None
    for candidate_index in (index - 1, index):
        if 0 <= candidate_index < len(positions):
            position = positions[candidate_index]
            if low <= position <= high and (
                best is None or abs(position - target) < abs(best - target)
            ):
                best = position
    if best is None:
        # The nearest ones lie outside the window; look for the first inside it.
        inside = bisect.bisect_left(positions, low)
        if inside < len(positions) and positions[inside] <= high:
            best = positions[inside]
    return best


def _merge_small(
    pieces: list[str],
    counts: list[int],
    count_tokens: Callable[[Sequence[str]], list[int]],
    limit: int,
) -> list[str]:
    """Pack neighbouring pieces into groups within the limit (verified in one batched call).

    Counts are added up as an estimate; a group ends at the latest clause boundary that
    keeps it at least half full, so clauses stay whole where that costs few extra pieces.
    """
    groups: list[list[int]] = []
    index = 0
    while index < len(pieces):
        group, total = [index], counts[index]
        while index + len(group) < len(pieces) and total + counts[index + len(group)] <= limit:
            total += counts[index + len(group)]
            group.append(index + len(group))
        if index + len(group) < len(pieces):
            group = _end_at_clause(group, pieces, counts, limit)
        groups.append(group)
        index = group[-1] + 1
    merged = [n for n, group in enumerate(groups) if len(group) > 1]
    if not merged:
        return pieces
    texts = ["".join(pieces[i] for i in groups[n]) for n in merged]
    verified = dict(zip(merged, count_tokens(texts), strict=True))
    result: list[str] = []
    for n, group in enumerate(groups):
        if n in verified and verified[n] <= limit:
            result.append("".join(pieces[i] for i in group))
        else:
            result.extend(pieces[i] for i in group)
    return result


def _end_at_clause(group: list[int], pieces: list[str], counts: list[int], limit: int) -> list[int]:
    """Shorten ``group`` to end after clause punctuation, if that keeps it half full."""
    for clause_end in (_ENDS_STRONG_CLAUSE, _ENDS_COMMA):
        total = sum(counts[i] for i in group)
        for length in range(len(group), 0, -1):
            if total * 2 < limit:
                break
            if clause_end.search(pieces[group[length - 1]]):
                return group[:length]
            total -= counts[group[length - 1]]
    return group


# --------------------------------------------------------------------------- translatable

_NUMBER_TABLE = re.compile(r"[\d\s.,:;%/+\-–—|()€$£°'’]*")


def has_letters(text: str) -> bool:
    """Whether ``text`` contains a letter (Unicode category L*)."""
    return any(character.isalpha() for character in text)


# One to four words repeated back to back at least four times ("the the the the"):
# how a degenerate model output looks, in translations and summaries alike.
REPEATED_WORDS = re.compile(r"\b(\w+(?:\W+\w+){0,3}?)(?:\W+\1\b){3,}", re.IGNORECASE)


def find_urls(text: str) -> list[tuple[int, int]]:
    """Spans of the URLs and e-mail addresses in ``text``: the pipeline keeps them exactly."""
    return [match.span() for match in _URL_OR_EMAIL.finditer(text)]


def is_translatable(text: str) -> bool:
    """Whether ``text`` has words for the model: letters outside URLs, e-mails and numbers.

    Blank text, dashes, bullets, numbers, number tables, bare URLs and e-mail addresses
    are passed through unchanged and never sent to the model.
    """
    if _NUMBER_TABLE.fullmatch(text):
        return False
    return has_letters(_URL_OR_EMAIL.sub(" ", text))
