"""`translator batch --urls FILE`: the pages a list names, fetched from a local HTTP server
on 127.0.0.1 (a thread of this process, shut down after each test) as planning reaches
them, translated, written under names made from their URLs, and recorded in the manifest
by URL and content hash."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from tests.batch_helpers import outputs, run_batch
from tests.fakes import CallbackTranslator, FakeTranslator
from tests.pdf_fixtures import HEADLINE, news_pdf
from tests.url_site import HTML, QUOTATION, Site, long_news_page, news_page, serve_site
from translator import engines
from translator.batch import (
    BatchProgress,
    BatchSettings,
    FileStatus,
    PlannedInput,
    read_manifest,
    read_url_list,
    url_name,
    urls,
)
from translator.batch import run as batch_run
from translator.cli import app
from translator.errors import OptionError
from translator.render import OutputFormat

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


# --- streaming: each page fetched when planning reaches it -------------------------------

_PAGES = 4
_UNIT_SENTENCES = 8  # a page holds more (``_long_pages``): each page is a unit of its own
_MODEL_CALL = "(model call)"  # what the engine notes in the server's request log
Planner = Callable[..., Iterator[PlannedInput]]


def _long_pages(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[str]]:
    """``_PAGES`` pages, each a work unit of its own, as a long article is: the unit size
    made small, so that the pages (and the language checks of their sentences) are too."""
    monkeypatch.setattr(batch_run, "UNIT_SENTENCES", _UNIT_SENTENCES)
    listed = []
    for number in range(_PAGES):
        path = f"/lang/{number}"
        site.pages[path] = (200, HTML, long_news_page(f"Thema {number}", _UNIT_SENTENCES))
        listed.append(f"{site.url}{path}")
    return _list(tmp_path, listed), listed


def _fetch_everything_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The streaming broken on purpose: every page fetched and planned before the run
    gets the first (what the first version of --urls did)."""
    lazy = urls.iter_planned_urls
    monkeypatch.setattr(
        "translator.batch.run.iter_planned_urls",
        lambda *args, **kwargs: iter(list(lazy(*args, **kwargs))),
    )


def _assert_streamed(events: list[str]) -> None:
    """The oracle: a model call comes before the last page is asked of the server."""
    fetches = [index for index, event in enumerate(events) if event != _MODEL_CALL]
    assert len(fetches) == _PAGES and _MODEL_CALL in events, events
    assert events.index(_MODEL_CALL) < fetches[-1], "every page was fetched before the first unit"


def _streamed_run(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], list[BatchProgress]]:
    """The server's log of requests and the engine's model calls, in one order (the fetch
    waits for the server, which logs before it answers); the progress snapshots."""
    url_list, _ = _long_pages(site, tmp_path, monkeypatch)
    engine = CallbackTranslator(lambda: site.requests.append(_MODEL_CALL))
    snapshots: list[BatchProgress] = []
    report = run_batch(_settings(tmp_path, url_list), engine, progress=snapshots.append)
    assert (report.done, report.failed, report.files_total) == (_PAGES, 0, _PAGES)
    return site.requests, snapshots


def test_the_first_page_is_translated_before_the_last_is_fetched(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events, snapshots = _streamed_run(site, tmp_path, monkeypatch)
    _assert_streamed(events)
    # The totals grow as for files: pages done while planning went on, then exact.
    early = [snapshot for snapshot in snapshots if snapshot.planning and snapshot.done]
    assert early, "no page was done while planning went on"
    assert early[0].files_total < _PAGES
    final = [snapshot for snapshot in snapshots if not snapshot.planning]
    assert final and all(snapshot.files_total == _PAGES for snapshot in final)


def test_meta_the_order_oracle_fails_when_every_page_is_fetched_first(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fetch_everything_first(monkeypatch)
    events, _ = _streamed_run(site, tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="every page was fetched before the first unit"):
        _assert_streamed(events)


def _assert_lazy(planner: Planner, site: Site, tmp_path: Path) -> None:
    """The oracle: asked for its first page, the planner has fetched that page alone."""
    url_list, listed = _four(site, tmp_path)
    spool = tmp_path / "spool"
    spool.mkdir()
    planned = planner(read_url_list(url_list), spool, OutputFormat.TEXT, False, tmp_path / "out")
    first = next(planned)
    assert first.url == listed[0]
    assert site.requests == ["/politik/haushalt"], "the planner fetched ahead"
    assert [path.name for path in spool.iterdir()] == [first.relative.name]
    rest = list(planned)
    assert [item.url for item in rest] == listed[1:]
    assert len(site.requests) == len(listed)
    assert [bool(item.problem) for item in rest] == [False, True, True]  # the 404, the image


def test_the_planner_fetches_a_page_only_when_asked_for_it(site: Site, tmp_path: Path) -> None:
    _assert_lazy(urls.iter_planned_urls, site, tmp_path)


def test_meta_the_laziness_oracle_fails_for_a_planner_that_fetches_ahead(
    site: Site, tmp_path: Path
) -> None:
    def eager(*args: object, **kwargs: object) -> Iterator[PlannedInput]:
        return iter(list(urls.iter_planned_urls(*args, **kwargs)))  # type: ignore[arg-type]

    with pytest.raises(AssertionError, match="fetched ahead"):
        _assert_lazy(eager, site, tmp_path)


def _spooled_at_model_calls(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[int]:
    """How many fetched pages lie in the run's spool folder at each model call."""
    spools: list[Path] = []
    lazy = urls.iter_planned_urls

    def spied(listed: tuple[str, ...], spool: Path, *args: object, **kwargs: object) -> object:
        spools.append(spool)
        return lazy(listed, spool, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("translator.batch.run.iter_planned_urls", spied)
    spooled: list[int] = []
    engine = CallbackTranslator(lambda: spooled.append(sum(1 for _ in spools[0].iterdir())))
    url_list, _ = _long_pages(site, tmp_path, monkeypatch)
    assert run_batch(_settings(tmp_path, url_list), engine).done == _PAGES
    assert spooled
    return spooled


def test_a_page_is_removed_from_the_spool_once_read(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert max(_spooled_at_model_calls(site, tmp_path, monkeypatch)) == 0


def _keep_spooled_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spool's cleaning broken on purpose: a page's file is never removed."""
    unlink = Path.unlink

    def keep_pages(self: Path, missing_ok: bool = False) -> None:
        if not self.name.startswith("127.0.0.1_"):  # a page's spooled name
            unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", keep_pages)


def test_meta_the_spool_check_fails_when_read_pages_are_kept(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _keep_spooled_pages(monkeypatch)
    assert max(_spooled_at_model_calls(site, tmp_path, monkeypatch)) > 0


def _stopped_after_the_first_unit(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    url_list, _ = _long_pages(site, tmp_path, monkeypatch)
    calls: list[int] = []
    engine = CallbackTranslator(lambda: calls.append(1))
    report = run_batch(_settings(tmp_path, url_list), engine, should_stop=lambda: bool(calls))
    assert report.interrupted and report.files_total == _PAGES and report.done == 1
    assert report.files_left == _PAGES - 1
    return site.requests


def test_a_stopped_run_fetches_no_more_pages_and_counts_the_rest(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _stopped_after_the_first_unit(site, tmp_path, monkeypatch) == ["/lang/0"]


def test_meta_the_stop_check_fails_when_the_planner_ignores_the_stop(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lazy = urls.iter_planned_urls
    monkeypatch.setattr(
        "translator.batch.run.iter_planned_urls",
        lambda *args, should_stop: lazy(*args),
    )
    assert len(_stopped_after_the_first_unit(site, tmp_path, monkeypatch)) == _PAGES


# --- a full disk under the spool: that page's failure, and the run goes on ----------------


def _fill_the_disk_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The spool write of the page at ``url`` writes half its body, then meets a full disk
    (as ``write`` does when the disk fills mid-file); every other write goes through."""
    write_bytes = Path.write_bytes
    spooled = url_name(url)

    def full(self: Path, data: bytes) -> int:
        if self.name in (f"{spooled}.html", f"{spooled}.pdf"):
            write_bytes(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)


def _spool_when_a_page_fails(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """What lies in the run's spool folder each time the planner hands over a failed page
    (filled in as the run goes)."""
    snapshots: list[list[str]] = []
    lazy = urls.iter_planned_urls

    def spied(listed: tuple[str, ...], spool: Path, *args: object, **kwargs: object) -> object:
        for item in lazy(listed, spool, *args, **kwargs):  # type: ignore[arg-type]
            if item.problem:
                snapshots.append(sorted(path.name for path in spool.iterdir()))
            yield item

    monkeypatch.setattr("translator.batch.run.iter_planned_urls", spied)
    return snapshots


def _full_spool_run(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: Path
) -> tuple[Result, list[str], list[list[str]]]:
    """``translator batch --urls`` over three pages (``model`` named, the fake loaded), the
    disk full when the second is spooled: the CLI's result, the pages, the spool at each
    failed page."""
    site.pages["/politik/wetter"] = (200, HTML, news_page("das Wetter"))
    listed = [f"{site.url}/politik/{topic}" for topic in ("haushalt", "rente", "wetter")]
    _fill_the_disk_at(listed[1], monkeypatch)
    snapshots = _spool_when_a_page_fails(monkeypatch)
    monkeypatch.setattr(engines, "load_translator", lambda *args, **kwargs: FakeTranslator())
    args = ["batch", "--urls", str(_list(tmp_path, listed)), "-o", str(tmp_path / "out")]
    # Wide enough that the table of failures folds no URL or message across lines.
    result = runner.invoke(app, [*args, "-m", str(model)], env={"COLUMNS": "400"})
    return result, listed, snapshots


def _assert_recorded_and_went_on(
    result: Result, listed: list[str], snapshots: list[list[str]], out: Path
) -> None:
    """The oracle: no exception escaped; the full page failed, named with its cause; the
    pages around it translated; exit 1; nothing of the page left in the spool."""
    escaped = result.exception
    assert escaped is None or isinstance(escaped, SystemExit), f"escaped: {escaped!r}"
    # The CLI's last resort turns an OSError that escapes the run into an error line and
    # exit 1 too: only a run that went on to the end prints its summary.
    assert "Manifest:" in result.stderr, f"the run was cut short: {result.stderr}"
    assert result.exit_code == 1, result.stderr
    records = {record.path: record for record in read_manifest(out)}
    assert [records[url].status for url in listed] == [
        FileStatus.DONE,
        FileStatus.FAILED,
        FileStatus.DONE,
    ]
    cause = os.strerror(errno.ENOSPC)  # "No space left on device"
    assert records[listed[1]].error.startswith(listed[1]), records[listed[1]].error
    assert cause in records[listed[1]].error
    assert "2 translated, 0 skipped, 1 failed, 0 empty of 3 file(s)" in result.stderr
    assert listed[1] in result.stderr and cause in result.stderr
    assert set(outputs(out)) == {f"{url_name(listed[0])}.en.txt", f"{url_name(listed[2])}.en.txt"}
    assert snapshots == [[]], "a partial page was left in the spool"


def test_a_full_disk_under_the_spool_fails_that_page_and_the_run_goes_on(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_marian_dir: Path
) -> None:
    result, listed, snapshots = _full_spool_run(site, tmp_path, monkeypatch, tiny_marian_dir)
    _assert_recorded_and_went_on(result, listed, snapshots, tmp_path / "out")


def test_meta_the_full_disk_check_sees_the_error_escape_without_the_handling(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_marian_dir: Path
) -> None:
    monkeypatch.setattr(urls, "spool_page", lambda url, path, data: path.write_bytes(data))
    result, listed, snapshots = _full_spool_run(site, tmp_path, monkeypatch, tiny_marian_dir)
    with pytest.raises(AssertionError, match="cut short: .*No space left on device"):
        _assert_recorded_and_went_on(result, listed, snapshots, tmp_path / "out")


def test_meta_the_full_disk_check_sees_a_partial_page_left_in_the_spool(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_marian_dir: Path
) -> None:
    _keep_spooled_pages(monkeypatch)
    result, listed, snapshots = _full_spool_run(site, tmp_path, monkeypatch, tiny_marian_dir)
    with pytest.raises(AssertionError, match="a partial page was left in the spool"):
        _assert_recorded_and_went_on(result, listed, snapshots, tmp_path / "out")


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
