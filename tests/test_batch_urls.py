"""`translator batch --urls FILE`: the pages a list names, fetched from a local HTTP server
on 127.0.0.1 (a thread of this process, shut down after each test), translated, written
under names made from their URLs, and recorded in the manifest by URL and content hash."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from tests.batch_helpers import outputs, run_batch
from tests.fakes import FakeTranslator
from tests.pdf_fixtures import HEADLINE, news_pdf
from tests.url_site import HTML, QUOTATION, Site, news_page, serve_site
from translator.batch import (
    BatchSettings,
    FileStatus,
    read_manifest,
    read_url_list,
    url_name,
    urls,
)
from translator.cli import app
from translator.errors import OptionError

runner = CliRunner()


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    with serve_site(monkeypatch) as served:
        yield served


def _list(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "urls.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _four(site: Site, tmp_path: Path) -> tuple[Path, list[str]]:
    """A list of two good pages, a 404 and an image, with a comment and a blank line."""
    listed = [
        f"{site.url}/politik/haushalt",
        f"{site.url}/politik/rente",
        f"{site.url}/fehlt",
        f"{site.url}/bild.png",
    ]
    return _list(tmp_path, ["# Morgenlage", listed[0], "", *listed[1:]]), listed


def _settings(tmp_path: Path, url_list: Path) -> BatchSettings:
    return BatchSettings(Path(), tmp_path / "out", url_list=url_list)


def test_two_pages_a_404_and_a_wrong_type_give_two_outputs_and_four_records(
    site: Site, tmp_path: Path
) -> None:
    url_list, listed = _four(site, tmp_path)
    report = run_batch(_settings(tmp_path, url_list), FakeTranslator())

    assert (report.files_total, report.done, report.failed) == (4, 2, 2)
    expected = {f"{url_name(url)}.en.txt" for url in listed[:2]}
    assert set(outputs(tmp_path / "out")) == expected
    records = {record.path: record for record in read_manifest(tmp_path / "out")}
    assert set(records) == set(listed)  # keyed by URL
    assert [records[url].status for url in listed] == [
        FileStatus.DONE,
        FileStatus.DONE,
        FileStatus.FAILED,
        FileStatus.FAILED,
    ]
    assert records[listed[2]].error.startswith(f"{listed[2]} answered 404")
    assert "is image/png, not a web page" in records[listed[3]].error
    assert all(records[url].sha256 for url in listed[:2])
    assert [problem.path for problem in report.problems] == sorted(listed[2:])


def test_a_quotation_in_a_page_arrives_verbatim(site: Site, tmp_path: Path) -> None:
    url = f"{site.url}/politik/haushalt"
    run_batch(_settings(tmp_path, _list(tmp_path, [url])), FakeTranslator())
    text = (tmp_path / "out" / f"{url_name(url)}.en.txt").read_text(encoding="utf-8")
    assert QUOTATION in text
    assert "said" in text  # and the rest was translated (the fake's "sagte")


def test_a_rerun_fetches_again_skips_unchanged_pages_and_redoes_changed_ones(
    site: Site, tmp_path: Path
) -> None:
    url_list, listed = _four(site, tmp_path)
    settings = _settings(tmp_path, url_list)
    run_batch(settings, FakeTranslator())
    site.requests.clear()

    engine = FakeTranslator()
    again = run_batch(settings, engine)
    assert (again.done, again.skipped, again.failed) == (0, 2, 2)
    assert engine.calls == []  # nothing reached the model
    assert len(site.requests) == 4  # every page fetched again, to know

    changed = news_page("den Haushalt", "Am Abend meldete sich auch der Kanzler zu Wort.")
    site.pages["/politik/haushalt"] = (200, HTML, changed)
    engine = FakeTranslator()
    third = run_batch(settings, engine)
    assert (third.done, third.skipped) == (1, 1)
    output = tmp_path / "out" / f"{url_name(listed[0])}.en.txt"
    assert "Kanzler" in output.read_text(encoding="utf-8")
    assert engine.calls  # the changed page went through the model


def test_a_pdf_page_gives_a_word_file(site: Site, tmp_path: Path) -> None:
    site.pages["/bericht"] = (200, "application/pdf", news_pdf())
    url = f"{site.url}/bericht"
    report = run_batch(_settings(tmp_path, _list(tmp_path, [url])), FakeTranslator())
    assert report.done == 1
    written = tmp_path / "out" / f"{url_name(url)}.en.docx"
    texts = [paragraph.text for paragraph in docx.Document(str(written)).paragraphs]
    assert any(HEADLINE.split()[0] in text for text in texts)  # "Koalition" stays a name
    (record,) = read_manifest(tmp_path / "out")
    assert (record.path, record.input_format) == (url, "pdf")


# --- names -----------------------------------------------------------------------------

_ALIKE = ("https://example.de/a b/c", "https://example.de/a_b/c", "https://example.de/a+b/c")


def test_names_are_safe_bounded_and_stable() -> None:
    hostile = "https://user:secret@Example.DE:8080/../.hidden/" + "ä" * 300 + "?q=/etc/passwd"
    name = url_name(hostile)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{10}", name), name
    assert len(name) <= urls.URL_NAME_CHARACTERS + 1 + urls.URL_HASH_CHARACTERS
    assert "secret" not in name and "user" not in name  # no credentials in file names
    assert name == url_name(hostile)
    assert url_name("https://www.example.de/politik/artikel-1.html").startswith(
        "www.example.de_politik_artikel-1.html-"
    )
    names = [url_name(url) for url in _ALIKE]
    readable = {name.rsplit("-", 1)[0] for name in names}
    assert len(readable) == 1  # they do sanitize alike...
    assert len(set(names)) == len(_ALIKE)  # ...and still get names of their own


def test_two_urls_that_sanitize_alike_get_two_outputs(site: Site, tmp_path: Path) -> None:
    site.pages["/politik/haushalt?seite=2"] = site.pages["/politik/rente"]
    listed = [f"{site.url}/politik/haushalt", f"{site.url}/politik/haushalt?seite=2"]
    report = run_batch(_settings(tmp_path, _list(tmp_path, listed)), FakeTranslator())
    assert (report.done, report.failed) == (2, 0)
    written = outputs(tmp_path / "out")
    assert len(written) == 2 and len(set(written.values())) == 2


def test_the_names_test_fails_without_the_hash(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Meta-test: with no hash in the names, the two pages above clash."""
    monkeypatch.setattr(urls, "URL_HASH_CHARACTERS", 0)
    site.pages["/politik/haushalt?seite=2"] = site.pages["/politik/rente"]
    listed = [f"{site.url}/politik/haushalt", f"{site.url}/politik/haushalt?seite=2"]
    report = run_batch(_settings(tmp_path, _list(tmp_path, listed)), FakeTranslator())
    assert report.failed == 1 and "also the output of" in report.problems[0].error


# --- the list ---------------------------------------------------------------------------


def test_the_list_ignores_blanks_and_comments_and_takes_each_url_once(tmp_path: Path) -> None:
    path = _list(tmp_path, ["# heute", "", "  https://a.de/x  ", "http://b.de/", "https://a.de/x"])
    assert read_url_list(path) == ("https://a.de/x", "http://b.de/")


@pytest.mark.parametrize(
    "bad", ["file:///etc/passwd", "ftp://a.de/x", "a.de/artikel", "https://", "https://a.de/ b"]
)
def test_a_line_that_is_not_http_is_refused_naming_its_number(tmp_path: Path, bad: str) -> None:
    path = _list(tmp_path, ["# heute", "https://a.de/x", bad])
    with pytest.raises(OptionError, match=r"urls.txt, line 3: .* is not an http\(s\):// address"):
        read_url_list(path)


def test_a_bad_list_is_a_usage_error_before_anything_is_fetched_or_loaded(
    site: Site, tmp_path: Path
) -> None:
    url_list = _list(tmp_path, [f"{site.url}/politik/haushalt", "file:///etc/passwd"])
    out = str(tmp_path / "out")
    # "no-such-model": loading any model would fail with exit 1, not 2.
    result = runner.invoke(app, ["batch", "--urls", str(url_list), "-o", out, "-m", "no-such"])
    assert result.exit_code == 2, result.stderr
    assert "line 2" in result.stderr and "file:///etc/passwd" in result.stderr
    assert site.requests == [] and not (tmp_path / "out").exists()
    with pytest.raises(OptionError, match="line 2"):  # the library refuses it alike
        run_batch(_settings(tmp_path, url_list), FakeTranslator())
    assert site.requests == []


def test_a_folder_and_urls_together_or_neither_is_a_usage_error(tmp_path: Path) -> None:
    url_list = _list(tmp_path, ["https://a.de/x"])
    out = ["-o", str(tmp_path / "out"), "-m", "no-such"]
    both = runner.invoke(app, ["batch", str(tmp_path), "--urls", str(url_list), *out])
    neither = runner.invoke(app, ["batch", *out])
    for result in (both, neither):
        assert result.exit_code == 2, result.stderr
        assert "either an input folder or --urls FILE" in result.stderr


def test_the_cli_translates_a_list_and_exits_1_for_the_failed_pages(
    site: Site, tmp_path: Path, tiny_marian_dir: Path
) -> None:
    url_list, listed = _four(site, tmp_path)
    args = ["batch", "--urls", str(url_list), "-o", str(tmp_path / "out")]
    result = runner.invoke(app, [*args, "-m", str(tiny_marian_dir)])
    assert result.exit_code == 1, result.stderr
    assert "2 translated, 0 skipped, 2 failed, 0 empty of 4 file(s)" in result.stderr
    assert "Files not translated" in result.stderr and "answered 404" in result.stderr
    assert result.stdout == ""
    assert set(outputs(tmp_path / "out")) == {f"{url_name(url)}.en.txt" for url in listed[:2]}
