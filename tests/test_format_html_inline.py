"""Links, bold and italic inside a paragraph of an HTML page come back around the right
words in Markdown and review output, as they do for Markdown and Word input. The page is
built here: the words each markup holds are known by construction."""

from __future__ import annotations

import pytest

from tests.fakes import FakeTranslator
from translator.api import Translator
from translator.formats import html as html_format
from translator.formats import read_bytes
from translator.output import render_result
from translator.render import OutputFormat

FILLER = "".join(
    f"<p>Absatz {n}: Der Minister sagte, die Lage sei ernst und die Regierung werde "
    "handeln, so ein Sprecher am Montag in der Hauptstadt.</p>"
    for n in range(4)
)
PAGE = f"""<!DOCTYPE html><html lang="de"><head><title>Die Reform</title></head><body>
<article><h1>Die Reform</h1>
<p>Die Sprecherin nannte den Plan <b>völlig</b> falsch und verwies auf den
<a href="https://example.org/bericht">Bericht der Kommission</a>, der <i>nicht</i>
veröffentlicht ist. Sie sagte: „Das ist <em>sehr</em> wichtig.“</p>{FILLER}</article>
</body></html>"""


def _outputs() -> tuple[str, str]:
    source = read_bytes(PAGE.encode(), "seite.html")
    result = Translator.from_engines(FakeTranslator()).translate_input(source, quotes="keep")
    markdown = render_result(source, result, OutputFormat.MARKDOWN)
    review = render_result(source, result, OutputFormat.HTML)
    return markdown, review


def test_links_bold_and_italic_come_back_around_the_right_words() -> None:
    markdown, review = _outputs()
    paragraph = " ".join(next(b for b in markdown.split("\n\n") if "Sprecherin" in b).split())
    assert "the Sprecherin nannte den Plan **völlig** falsch" in paragraph
    assert "[Bericht the Kommission](https://example.org/bericht)" in paragraph
    assert "the *not* veröffentlicht" in paragraph
    assert "„Das ist *sehr* wichtig.“" in paragraph  # the quotation, verbatim with markup
    assert (
        "**völlig**" in review and "[Bericht the Kommission](https://example.org/bericht)" in review
    )


def test_the_markup_is_protected_so_its_words_are_translated_on_their_own() -> None:
    source = read_bytes(PAGE.encode(), "seite.html")
    engine = FakeTranslator()
    Translator.from_engines(engine).translate_input(source)
    assert engine.seen
    assert not any("https://example.org" in text for text in engine.seen)  # the URL is kept
    assert "Bericht der Kommission" in engine.seen


def test_without_the_markup_the_check_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    # Meta: a reader that drops the formatting gives plain words, and the checks above see it.
    monkeypatch.setattr(html_format, "_delimiters", lambda element: None)
    markdown, _ = _outputs()
    assert "**völlig**" not in markdown and "](https://example.org/bericht)" not in markdown
