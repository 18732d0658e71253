"""Subtitles in and out: SRT and WebVTT.

A sentence often runs over several cues, and a model translates a sentence cut in half
badly, so the reader joins cues into sentences: one paragraph per run of cue parts up to
the end of a sentence or the next speaker. The writer splits each paragraph's translation
back over the same cues, in proportion to the source's text per cue, preferring breaks
after punctuation and never inside a kept quotation when another break will do; each
cue's text is wrapped at 42 characters (or its longest source line, up to 50), in at most
two lines per voice, and no cue is left empty.

Everything but the text is kept as it is: cue numbers and identifiers, timing lines with
their settings, the WebVTT header, NOTE, STYLE and REGION blocks, the label before a voice
(``{\\an8}``, ``- ``, ``SPRECHER: ``, ``<v Name>``) and the tags wrapping a line
(``<i>…</i>``). Tags inside a line (``ein <i>sehr</i> gutes``) are inline markup: the
pipeline keeps them and translates their inner text.

Decisions on bad input (warnings go into the source's ``warnings``, and so into the
result's): a timing line that cannot be read is an error naming the cue and
its line (the timing of every cue is written back as it was, so a cue without one has
nowhere to go); overlapping cues and cues that end before they start are a warning and
kept as they are (overlaps are legitimate for two speakers, and the file's timing is the
editor's, not ours). A text block without a timing line after a cue (a blank line inside
a cue's text) is read as part of that cue, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from translator.errors import InputError
from translator.formats.types import (
    PARAGRAPH,
    Cue,
    CuePart,
    InputFormat,
    Placement,
    SubtitleSource,
)
from translator.schema import Document, Markup, Paragraph

LINE_WIDTH = 42  # the usual subtitle line (Netflix, BBC: 37 to 42 characters)
WIDEST_LINE = 50  # a source with longer lines than 42 is followed up to this width
MAX_LINES = 2  # per voice in a cue
MAX_GROUP_PARTS = 8  # a "sentence" never runs over more cue parts than this

_SRT_TIME = r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{3})"
_VTT_TIME = r"(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_SRT_TIMING = re.compile(rf"^\s*{_SRT_TIME}\s*-->\s*{_SRT_TIME}(?:\s.*)?$")
_VTT_TIMING = re.compile(rf"^\s*{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t].*)?$")
_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")

# What stands before a voice's text: positioning tags, then a dash, a capitalised name and
# a colon, or a WebVTT voice tag.
_LABEL = re.compile(
    r"^(?P<label>(?:\{\\[^}]*\}\s*)*"
    r"(?:-\s*|[A-ZÄÖÜ][A-ZÄÖÜß0-9 .'-]{1,30}:\s+|<v(?:\.[^\s>]+)*(?:\s+[^>]*)?>\s*)?)"
)
_SPEAKER = re.compile(r"(?:-|[A-ZÄÖÜ][A-ZÄÖÜß0-9 .'-]{1,30}:|<v[\s.>])")
_OPEN_TAGS = re.compile(r"^((?:<(?:i|b|u|font|c(?:\.[\w.-]+)?)(?:\s[^>]*)?>)+)")
_CLOSE_TAGS = re.compile(r"((?:</(?:i|b|u|font|c|v)>)+)$")
_TAG_NAME = re.compile(r"</?([a-z]+)")
# A tag pair inside a line (its inner text translated on its own), or a lone tag (kept).
_INLINE_PAIR = re.compile(r"<(i|b|u|font|c)(?:[.\s][^>]*)?>(.*?)</\1>", re.S)
_LONE_TAG = re.compile(r"</?[a-z][^>]*>|\{\\[^}]*\}")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'»«“”‘’›‹)\]]*$")
# A word as the writer splits a translation: tags and spaces inside them stay together.
_TOKEN = re.compile(r"(?:<[^>]*>|\{[^}]*\}|\S)+")


def read_subtitles(text: str, name: str = "<subtitles>", *, vtt: bool) -> SubtitleSource:
    """The cues of an SRT (``vtt`` False) or WebVTT file, joined into sentences.

    Raises:
        InputError: a timing line cannot be read (the message names the cue and its line),
            or the file is not SRT/WebVTT at all.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = tuple(text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n"))
    warnings: list[str] = []
    cues = _vtt_cues(lines, name, warnings) if vtt else _srt_cues(lines, name, warnings)
    warnings += _timing_warnings(cues, name, vtt)
    parts = [part for index, cue in enumerate(cues) for part in _parts(index, cue, lines)]
    groups = _groups(parts)
    paragraphs: list[Paragraph] = []
    for number, (first, last) in enumerate(groups):
        joined, markup = _joined(parts[first:last])
        separator = "\n\n" if number < len(groups) - 1 else ""
        line = cues[parts[first].cue].line
        paragraphs.append(Paragraph(joined, separator, line, kind=PARAGRAPH, markup=markup))
    return SubtitleSource(
        lines=lines,
        newline=newline,
        cues=tuple(cues),
        parts=tuple(parts),
        groups=tuple(groups),
        document=Document(tuple(paragraphs)),
        placements=tuple(Placement() for _ in paragraphs),
        format=InputFormat.VTT if vtt else InputFormat.SRT,
        warnings=tuple(warnings),
    )


def write_subtitles(
    source: SubtitleSource, translations: Sequence[str], keep_whole: Sequence[str] = ()
) -> str:
    """The file with each cue's text replaced by its share of its sentence's translation.

    ``keep_whole`` are texts (the quotations as rendered) that a split avoids cutting.
    """
    if len(translations) != len(source.groups):
        raise ValueError(f"{len(translations)} translations for {len(source.groups)} sentences")
    texts: dict[int, list[str]] = {}
    for (first, last), translation, paragraph in zip(
        source.groups, translations, source.document.paragraphs, strict=True
    ):
        parts = source.parts[first:last]
        if translation == paragraph.text:
            shares = [part.text for part in parts]
        else:
            shares = split_over(translation, [len(part.text) for part in parts], keep_whole)
        for part, share in zip(parts, shares, strict=True):
            texts.setdefault(part.cue, []).extend(_cue_lines(part, share, keep_whole))
    lines = list(source.lines)
    for index in sorted(texts, reverse=True):
        cue = source.cues[index]
        lines[cue.text_start : cue.text_end] = texts[index]
    return source.newline.join(lines)


def split_over(text: str, weights: Sequence[int], keep_whole: Sequence[str] = ()) -> list[str]:
    """``text`` cut at spaces into ``len(weights)`` non-empty pieces whose lengths follow
    ``weights``, preferring cuts after punctuation and avoiding cuts inside ``keep_whole``.

    With fewer words than pieces, the last pieces get ``…`` (never an empty cue).
    """
    count = len(weights)
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    if count == 1 or not tokens:
        whole = " ".join(text.split()) or "…"
        return [whole] + ["…"] * (count - 1)
    if len(tokens) < count:
        words = [text[start:end] for start, end in tokens]
        return words + ["…"] * (count - len(words))
    inside = _inside_kept(text, keep_whole)
    total_weight = sum(weights) or count
    length = len(text)
    cuts: list[int] = []  # token index each piece after the first starts at
    previous = 0
    cumulative = 0
    for piece in range(1, count):
        cumulative += weights[piece - 1] or 1
        target = length * cumulative / total_weight
        lowest, highest = previous + 1, len(tokens) - (count - piece)
        best = min(
            range(lowest, highest + 1),
            key=lambda at: _cut_cost(text, tokens, at, target, inside),
        )
        cuts.append(best)
        previous = best
    bounds = [0, *cuts, len(tokens)]
    return [
        text[tokens[bounds[i]][0] : tokens[bounds[i + 1] - 1][1]].replace("\n", " ")
        for i in range(count)
    ]


def _cut_cost(
    text: str, tokens: Sequence[tuple[int, int]], at: int, target: float, inside: set[int]
) -> float:
    """How bad a cut before token ``at`` is: its distance from the target, less a bonus
    after punctuation, plus a penalty inside a kept text."""
    position = tokens[at][0]
    cost = abs(position - target)
    before = text[tokens[at - 1][1] - 1]
    if before in ".!?…":
        cost -= 12
    elif before in ",;:":
        cost -= 6
    if position in inside:
        cost += 1000
    return cost


def _inside_kept(text: str, keep_whole: Sequence[str]) -> set[int]:
    """The positions of ``text`` strictly inside an occurrence of a kept text."""
    inside: set[int] = set()
    for kept in keep_whole:
        if not kept:
            continue
        start = text.find(kept)
        while start >= 0:
            inside.update(range(start + 1, start + len(kept)))
            start = text.find(kept, start + len(kept))
    return inside


def _cue_lines(part: CuePart, text: str, keep_whole: Sequence[str]) -> list[str]:
    """A voice's text in a cue as lines: its label first, each line in its wrapping tags,
    wrapped near the source's width, at most ``MAX_LINES`` lines."""
    width = max(LINE_WIDTH, min(part.width, WIDEST_LINE))
    wrap = len(text) > width and len(_TOKEN.findall(text)) >= MAX_LINES
    pieces = split_over(text, [1] * MAX_LINES, keep_whole) if wrap else [text]
    lines = [part.opening + piece + part.closing for piece in pieces]
    lines[0] = part.label + lines[0]
    return lines


# --- reading --------------------------------------------------------------------------


def _blocks(lines: Sequence[str]) -> list[tuple[int, int]]:
    """The (start, end) line ranges of blocks separated by blank lines."""
    blocks: list[tuple[int, int]] = []
    start: int | None = None
    for index, line in enumerate(lines):
        if line.strip():
            if start is None:
                start = index
        elif start is not None:
            blocks.append((start, index))
            start = None
    if start is not None:
        blocks.append((start, len(lines)))
    return blocks


def _srt_cues(lines: Sequence[str], name: str, warnings: list[str]) -> list[Cue]:
    cues: list[Cue] = []
    for start, end in _blocks(lines):
        number = len(cues) + 1
        first = lines[start].strip()
        if _SRT_TIMING.match(first):
            timing_at = start  # a cue without its number: read all the same
        elif first.isdigit() and start + 1 < end and _SRT_TIMING.match(lines[start + 1]):
            timing_at = start + 1
        elif first.isdigit() or "-->" in first or "-->" in lines[min(start + 1, end - 1)]:
            at = start + 1 if first.isdigit() and start + 1 < end else start
            raise InputError(
                f"{name}, cue {number} (line {at + 1}): the timing line {lines[at].strip()!r} "
                "cannot be read; SRT wants HH:MM:SS,mmm --> HH:MM:SS,mmm. Fix that cue."
            )
        elif cues:
            warnings.append(_continue(cues, start, end, name))
            continue
        else:
            raise InputError(
                f"{name} is not an SRT file: its first block (line {start + 1}) has no "
                "timing line. Pass --input-format text to translate it as text."
            )
        cues.append(Cue(number, start + 1, lines[timing_at].strip(), timing_at + 1, end))
    return cues


def _vtt_cues(lines: Sequence[str], name: str, warnings: list[str]) -> list[Cue]:
    blocks = _blocks(lines)
    if not blocks:
        return []  # an empty file: nothing to translate, written back as it is
    if not lines[blocks[0][0]].removeprefix("\ufeff").startswith("WEBVTT"):
        raise InputError(
            f"{name} is not a WebVTT file: it does not start with WEBVTT. Pass "
            "--input-format srt for SRT, or text."
        )
    cues: list[Cue] = []
    for start, end in blocks[1:]:
        first = lines[start]
        if first.split(" ", 1)[0].split("\t", 1)[0] in _VTT_BLOCKS and "-->" not in first:
            continue  # kept as it is
        timing_at = next((i for i in range(start, min(start + 2, end)) if "-->" in lines[i]), None)
        number = len(cues) + 1
        if timing_at is None:
            if cues:
                warnings.append(_continue(cues, start, end, name))
                continue
            warnings.append(f"{name}, line {start + 1}: a block that is no cue is kept as it is.")
            continue
        if not _VTT_TIMING.match(lines[timing_at]):
            raise InputError(
                f"{name}, cue {number} (line {timing_at + 1}): the timing line "
                f"{lines[timing_at].strip()!r} cannot be read; WebVTT wants "
                "[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm. Fix that cue."
            )
        cues.append(Cue(number, start + 1, lines[timing_at].strip(), timing_at + 1, end))
    return cues


def _continue(cues: list[Cue], start: int, end: int, name: str) -> str:
    """A block without a timing line after a cue: that cue's text went on after a blank
    line. Read as part of it (the blank line is kept); the warning that says so."""
    last = cues[-1]
    cues[-1] = Cue(last.number, last.line, last.timing, last.text_start, end)
    return (
        f"{name}, line {start + 1}: text without a timing line after cue {last.number} "
        "is read as part of that cue."
    )


def _milliseconds(timing: str, vtt: bool) -> tuple[int, int]:
    match = (_VTT_TIMING if vtt else _SRT_TIMING).match(timing)
    assert match is not None  # the readers checked every timing line
    values = [int(value or 0) for value in match.groups()[:8]]
    start = ((values[0] * 60 + values[1]) * 60 + values[2]) * 1000 + values[3]
    end = ((values[4] * 60 + values[5]) * 60 + values[6]) * 1000 + values[7]
    return start, end


def _timing_warnings(cues: Sequence[Cue], name: str, vtt: bool) -> list[str]:
    """Cues that end before they start or overlap an earlier one (kept as they are)."""
    warnings: list[str] = []
    previous_end = -1
    previous = 0
    for cue in cues:
        start, end = _milliseconds(cue.timing, vtt)
        where = f"{name}, cue {cue.number} (line {cue.line})"
        if end < start:
            warnings.append(f"{where} ends before it starts; kept as it is.")
        if start < previous_end:
            warnings.append(f"{where} overlaps cue {previous}; kept as it is.")
        if end > previous_end:
            previous_end, previous = end, cue.number
    return warnings


def _parts(index: int, cue: Cue, lines: Sequence[str]) -> list[CuePart]:
    """A cue's voices: a new one starts at each line with a speaker label."""
    parts: list[CuePart] = []
    for raw in lines[cue.text_start : cue.text_end]:
        line = raw.strip()
        if not line:
            continue
        label_match = _LABEL.match(line)
        label = label_match.group("label") if label_match else ""
        rest = line[len(label) :]
        opening, body, closing = _wrapping(rest, label)
        if parts and not _SPEAKER.search(label):
            last = parts[-1]
            width = max(last.width, len(line))
            if (opening, closing) == (last.opening, last.closing):
                text = f"{last.text} {body.strip()}"
                parts[-1] = CuePart(index, last.label, opening, closing, text, width)
            else:  # lines wrapped differently: their tags become inline markup
                text = f"{last.opening}{last.text}{last.closing} {rest.strip()}"
                parts[-1] = CuePart(index, last.label, "", "", text, width)
            continue
        parts.append(CuePart(index, label, opening, closing, body.strip(), len(line)))
    # A cue of labels or tags alone has nothing to translate: it is kept as it is.
    return [part for part in parts if part.text]


def _wrapping(text: str, label: str) -> tuple[str, str, str]:
    """(opening tags, text, closing tags) of a line wrapped whole in tags (``<i>…</i>``);
    after a WebVTT voice label, its ``</v>`` at the end is a closing tag too. Tags that do
    not wrap the whole line are left in the text, as inline markup."""
    opening_match = _OPEN_TAGS.match(text)
    closing_match = _CLOSE_TAGS.search(text)
    opening = opening_match.group(1) if opening_match else ""
    closing = closing_match.group(1) if closing_match else ""
    voice = ["v"] if "<v" in label else []
    closed = _TAG_NAME.findall(closing)
    if closed != list(reversed(_TAG_NAME.findall(opening))) + voice:
        opening = ""
        closing = "</v>" if voice and closed[-1:] == voice else ""
    body = text[len(opening) : len(text) - len(closing)]
    if not body.strip():
        return "", text, ""
    return opening, body, closing


def _groups(parts: Sequence[CuePart]) -> list[tuple[int, int]]:
    """Runs of parts that make one sentence: a new run at a speaker label, after a
    sentence's end, or after ``MAX_GROUP_PARTS`` parts."""
    groups: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(parts) + 1):
        if index < len(parts):
            ends_sentence = _SENTENCE_END.search(parts[index - 1].text) is not None
            new_voice = _SPEAKER.search(parts[index].label) is not None
            if not (ends_sentence or new_voice or index - start >= MAX_GROUP_PARTS):
                continue
        groups.append((start, index))
        start = index
    return [group for group in groups if group[1] > group[0]]


def _joined(parts: Sequence[CuePart]) -> tuple[str, tuple[Markup, ...]]:
    """The parts' texts as one paragraph, with its inline tags as markup."""
    text = " ".join(part.text for part in parts)
    markup: list[Markup] = []
    taken: list[tuple[int, int]] = []
    for match in _INLINE_PAIR.finditer(text):
        markup.append(Markup(match.start(), match.end(), match.span(2)))
        taken.append(match.span())
    for match in _LONE_TAG.finditer(text):
        if not any(start <= match.start() < end for start, end in taken):
            markup.append(Markup(match.start(), match.end()))
    return text, tuple(sorted(markup, key=lambda span: span.start))
