"""The HTML review page: source and translation side by side, quotations linked.

The page is built from the dictionary ``--format json`` writes (``render.to_json``), so it
shows nothing the JSON does not hold. One self-contained file: the stylesheet and the
script are inline, allowed by their hashes in a Content-Security-Policy that forbids
everything else (no network, no other script, no plugin, no form). Everything from the
input goes through Jinja2's autoescaping.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as url_quote

from translator import segment
from translator.textio import printable
from translator.version import __version__

if TYPE_CHECKING:
    import jinja2

    from translator.manifest import ManifestRecord


@dataclass(frozen=True)
class Span:
    """``paragraphs[paragraph][start:end]`` is (a piece of) one quotation."""

    paragraph: int
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    """A run of a paragraph's text; ``quote`` is the 1-based quotation number, or 0."""

    text: str
    quote: int = 0
    anchor: str = ""  # the element id of a quotation's first piece in its column


def locate(
    paragraphs: Sequence[str], first: int, text: str, taken: list[list[Span]]
) -> list[Span] | None:
    """Where ``text`` (pieces joined by newlines, as in the JSON) stands in ``paragraphs``,
    starting in paragraph ``first``; None when it is not there whole.

    The first occurrence that overlaps no span in ``taken`` (one list per paragraph)
    wins, so two equal quotations get two places, also when the translation reordered
    them; the spans found are added to ``taken``. A piece may itself hold newlines (a
    list), so each paragraph takes the longest run of the remaining lines it contains.
    """
    lines = text.split("\n")
    spans: list[Span] = []
    done, paragraph = 0, first
    while done < len(lines):
        if paragraph >= len(paragraphs):
            return None
        found = None
        for end in range(len(lines), done, -1):
            piece = "\n".join(lines[done:end])
            start = _free_occurrence(paragraphs[paragraph], piece, taken[paragraph])
            if start is not None:
                found = Span(paragraph, start, start + len(piece))
                done = end
                break
        if found is None:
            return None
        spans.append(found)
        paragraph += 1
    for span in spans:
        taken[span.paragraph].append(span)
    return spans


def _free_occurrence(haystack: str, needle: str, taken: Sequence[Span]) -> int | None:
    if not needle:
        return None
    position = haystack.find(needle)
    while position >= 0:
        end = position + len(needle)
        if not any(position < span.end and span.start < end for span in taken):
            return position
        position = haystack.find(needle, position + 1)
    return None


def split_segments(text: str, spans: Sequence[tuple[Span, int, str]]) -> list[Segment]:
    """``text`` cut at the quotation spans of one paragraph: ``(span, number, anchor)``."""
    out: list[Segment] = []
    cursor = 0
    for span, number, anchor in sorted(spans, key=lambda item: item[0].start):
        if span.start > cursor:
            out.append(Segment(text[cursor : span.start]))
        out.append(Segment(text[span.start : span.end], number, anchor))
        cursor = span.end
    if cursor < len(text):
        out.append(Segment(text[cursor:]))
    return out


# --- the page's model ------------------------------------------------------------------


_Placed = list[list[tuple[Span, int, str]]]  # per paragraph: (span, quotation, anchor)


class _Column:
    """One column's paragraphs and the quotation spans placed in them so far."""

    def __init__(self, texts: list[str], side: str) -> None:
        self.texts = texts
        self.side = side
        self.taken: list[list[Span]] = [[] for _ in texts]
        self.placed: _Placed = [[] for _ in texts]

    def place(self, number: int, first: int, text: str) -> bool:
        """Mark quotation ``number`` (``text``, from paragraph ``first``); False: not there."""
        spans = locate(self.texts, first, text, self.taken)
        for i, span in enumerate(spans or ()):
            anchor = "" if i else f"q{number}-{self.side}"  # the first piece is the link target
            self.placed[span.paragraph].append((span, number, anchor))
        return spans is not None

    def segments(self, paragraph: int) -> list[Segment]:
        return split_segments(self.texts[paragraph], self.placed[paragraph])


def page_model(data: Mapping[str, Any], run: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What the review template shows, from ``render.to_json``'s dictionary.

    ``run`` adds lines to the footer (engine, options) that the result does not hold.
    """
    source = _Column([p["source"] for p in data["paragraphs"]], "de")
    translation = _Column([p["translation"] for p in data["paragraphs"]], "en")
    quotes = [
        {
            "number": number,
            "strategy": quote["strategy"],
            "original": quote["original"],
            "rendered": quote["rendered"],
            "shows_original": quote["rendered"] != quote["original"],
            "in_source": source.place(number, quote["paragraph"], quote["original"]),
            "in_translation": translation.place(number, quote["paragraph"], quote["rendered"]),
        }
        for number, quote in enumerate(data["quotes"], 1)
    ]
    weakest = weakest_sentences(data["paragraphs"])
    paragraphs = [
        {
            "number": i + 1,
            "kind": segment.paragraph_kind(p["source"]),
            "source": source.segments(i),
            "translation": translation.segments(i),
            "warnings": p.get("warnings", []),
            "checks": [
                _sentence_model(k, sentence)
                for k, sentence in enumerate(p.get("sentences", []))
                if (i, k) in weakest
            ],
            "alternatives": [
                _sentence_model(k, sentence)
                for k, sentence in enumerate(p.get("sentences", []))
                if sentence.get("alternatives")
            ],
        }
        for i, p in enumerate(data["paragraphs"])
    ]
    return {
        "source": data["source"],
        "paragraphs": paragraphs,
        "quotes": quotes,
        "strategies": dict(Counter(q["strategy"] for q in quotes)),
        "warnings": data["warnings"],
        "checks": len(weakest),
        "unplaced_warnings": _unplaced(data),
        "summary": _summary_model(data, {q["rendered"]: q["number"] for q in quotes}),
        "footer": _footer(data, run or {}),
    }


# The review page asks a reader to check first the sentences the model was least sure of:
# the weakest tenth of the scored sentences, at least one, at most this many.
WEAKEST_SHARE = 0.1
MOST_CHECKS = 10


def weakest_sentences(paragraphs: Sequence[Mapping[str, Any]]) -> set[tuple[int, int]]:
    """(paragraph, sentence) of the sentences with the lowest scores (the model's average
    log-probability per token): the weakest ``WEAKEST_SHARE``, 1 to ``MOST_CHECKS``.
    Sentences without a score (kept verbatim, passed through, from the memory) are never
    among them."""
    scored = [
        (sentence["score"], i, k)
        for i, paragraph in enumerate(paragraphs)
        for k, sentence in enumerate(paragraph.get("sentences", []))
        if sentence.get("score") is not None
    ]
    if not scored:
        return set()
    count = min(max(round(len(scored) * WEAKEST_SHARE), 1), MOST_CHECKS)
    return {(i, k) for _, i, k in sorted(scored)[:count]}


def _sentence_model(index: int, sentence: Mapping[str, Any]) -> dict[str, Any]:
    score = sentence.get("score")
    return {
        "number": index + 1,
        "source": sentence["source"].strip(),
        "translation": sentence["translation"].strip(),
        "score": "–" if score is None else f"{score:.2f}",
        "alternatives": [
            {"text": a["text"].strip(), "score": "–" if a["score"] is None else f"{a['score']:.2f}"}
            for a in sentence.get("alternatives", [])
        ],
    }


def _unplaced(data: Mapping[str, Any]) -> list[str]:
    """Warnings no paragraph holds (the summary's, or from a JSON without them)."""
    placed = [w for p in data["paragraphs"] for w in p.get("warnings", [])]
    left = list(data["warnings"])
    for warning in placed:
        if warning in left:
            left.remove(warning)
    return left


def _summary_model(data: Mapping[str, Any], numbers: Mapping[str, int]) -> dict[str, Any] | None:
    """The summary with its quotations linked to the article's (by their rendering)."""
    if "summary" not in data:
        return None
    text: str = data["summary"]
    changes = data.get("summary_quotes", [])
    taken: list[list[Span]] = [[]]
    spans: list[tuple[Span, int, str]] = []
    for change in changes:
        number = numbers.get(change["replacement"], 0)
        if change["action"] == "unquoted" or not number:
            continue  # unquoted: its marks are gone, it is no quotation any more
        found = locate([text], 0, change["replacement"], taken)
        spans += [(span, number, "") for span in found or ()]
    return {
        "segments": split_segments(text, spans),
        "changes": [{"number": n, **c} for n, c in enumerate(changes, 1)],
        "chunks": data.get("summary_chunks", 0),
    }


def _footer(data: Mapping[str, Any], run: Mapping[str, str]) -> list[tuple[str, str]]:
    def model(info: Mapping[str, Any]) -> str:
        return str(info["id"]) + (f" @ {info['revision']}" if info.get("revision") else "")

    rows = [("Translation model", model(data["model"]))]
    if "summary_model" in data:
        rows.append(("Summarization model", model(data["summary_model"])))
    rows += list(run.items())
    rows.append(("Sentences", str(data["sentences"])))
    timings = ", ".join(f"{k.removesuffix('_s')} {v:.2f} s" for k, v in data["timings"].items())
    rows.append(("Timings", timings or "none"))
    rows.append(("translator", __version__))
    return rows


# --- templates -------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("translator", "templates"),
        autoescape=True,  # every template, whatever its name: all input is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,  # a page ends with a newline, like every format
    )


@cache
def _asset(name: str) -> tuple[str, str]:
    """An inline asset's text and its CSP source (``'sha256-…'``)."""
    text = resources.files("translator").joinpath("templates", name).read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"'sha256-{digest}'"


def _render(template: str, css: str, js: str, **context: Any) -> str:
    from markupsafe import Markup

    style, style_hash = _asset(css)
    script, script_hash = _asset(js)
    policy = (
        "default-src 'none'; "
        f"style-src {style_hash}; script-src {script_hash}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return (
        _environment()
        .get_template(template)
        .render(csp=policy, style=Markup(style), script=Markup(script), **context)
    )


def render_page(data: Mapping[str, Any], run: Mapping[str, str] | None = None) -> str:
    """The review page for one document, from ``render.to_json``'s dictionary."""
    return _render("review.html.j2", "review.css", "review.js", page=page_model(data, run))


def render_index(records: Sequence[ManifestRecord], title: str = "") -> str:
    """``index.html`` of a batch output folder: every manifest record, linked to its page."""
    rows = [
        {
            "path": printable(record.path),
            "status": record.status.value,
            "error": printable(record.error),
            "quotations": record.quotations,
            "warnings": len(record.warnings),
            "sentences": record.sentences,
            "seconds": record.seconds,
            "pages": [
                # A name's bytes that were not UTF-8 are linked as those bytes.
                {"name": printable(output), "href": "./" + url_quote(os.fsencode(output))}
                for output in record.outputs
                if output.endswith(".html")
            ],
        }
        for record in records
    ]
    return _render(
        "index.html.j2",
        "review.css",
        "index.js",
        title=title,
        rows=rows,
        counts=dict(Counter(row["status"] for row in rows)),
    )
