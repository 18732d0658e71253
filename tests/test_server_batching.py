"""When the server's queue starts a model call, and what goes into it: requests that
arrive while the model works share the next call; after answering n requests the queue
waits for those clients' next n (bounded by ``batch_wait_s``), and a lone client never
waits. Deterministic: the fake model holds each call at a gate the test opens, and the
asyncio tests count the worker's turns, not seconds.

Expected translations come from ``Translator.translate`` on the same kind of engine.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fakes import GatedTranslator
from server_helpers import allow_loopback, expected, library, running

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from translator.server import ServerSettings  # noqa: E402
from translator.server.app import create_app  # noqa: E402
from translator.server.batching import Batcher  # noqa: E402

TEXTS = [f"Der Minister {i} sagte, dass wir nicht gehen. Er ist in der Stadt." for i in range(8)]
# Enough turns of the event loop for the worker to wake, gather and start a call; a
# call it should not start yet waits on an event for seconds, far longer than these.
TURNS = 50


def _wait_until(condition: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
    stop_at = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > stop_at:
            raise AssertionError(f"not within {seconds:g} s: {what}")
        time.sleep(0.005)


def _requests_piled_behind_a_call(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[int]]:
    """One request holds the model (at the gate) while the 7 others arrive and queue;
    then the gate opens. Returns every answer and the queue's calls (texts per call)."""
    allow_loopback(monkeypatch)
    engine = GatedTranslator()
    app = create_app(library(engine), ServerSettings(req_limit=0))
    batcher = app.state.server.batcher

    def ask(url: str, text: str) -> Any:
        answer = httpx.post(
            f"{url}/translate", json={"q": text, "source": "de", "target": "en"}, timeout=30
        )
        return answer.status_code, answer.json()

    with running(app) as url, ThreadPoolExecutor(len(TEXTS)) as pool:
        try:
            first = pool.submit(ask, url, TEXTS[0])
            _wait_until(engine.busy.is_set, "the first request reaches the model")
            others = [pool.submit(ask, url, text) for text in TEXTS[1:]]
            _wait_until(lambda: batcher.queued == len(others), "the others queue up")
        finally:
            engine.gate.set()
        answers = [first.result(), *(future.result() for future in others)]
    return answers, list(batcher.stats.calls)


def test_requests_arriving_while_the_model_works_share_the_next_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers, calls = _requests_piled_behind_a_call(monkeypatch)
    assert answers == [(200, {"translatedText": expected(text)}) for text in TEXTS]
    assert calls == [1, len(TEXTS) - 1]  # 8 requests, 2 model calls


def test_the_coalescing_check_fails_with_one_request_per_call_meta(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the queue taking one request per call, the check above must fail."""
    honest = Batcher._take

    def one_at_a_time(self: Batcher) -> Any:
        taken = honest(self)
        self._pending[:0] = taken[1:]  # put back all but the first
        self._queued += sum(len(pending.jobs) for pending in taken[1:])
        return taken[:1]

    monkeypatch.setattr(Batcher, "_take", one_at_a_time)
    answers, calls = _requests_piled_behind_a_call(monkeypatch)
    assert answers == [(200, {"translatedText": expected(text)}) for text in TEXTS]
    assert calls == [1] * len(TEXTS)


# --- after answering: wait for the clients just answered, never for a lone one -----------


def _translate_many(jobs: list[Any]) -> list[Any]:
    return list(library().translate_many(jobs))


async def _turns() -> None:
    for _ in range(TURNS):
        await asyncio.sleep(0)


def _returning_clients() -> tuple[list[int], list[int]]:
    """Two requests answered in one call; then the first client sends again, and later
    the second. Returns the calls started before the second came back, and all."""

    async def scenario() -> tuple[list[int], list[int]]:
        batcher = Batcher(_translate_many, max_wait=60.0)
        try:
            await asyncio.gather(*(batcher.translate([text], 30) for text in TEXTS[:2]))
            again = asyncio.ensure_future(batcher.translate([TEXTS[2]], 30))
            await _turns()
            before = list(batcher.stats.calls)
            results = [await batcher.translate([TEXTS[3]], 30), await again]
            assert [r[0].translation for r in results] == [expected(TEXTS[3]), expected(TEXTS[2])]
            return before, list(batcher.stats.calls)
        finally:
            await batcher.stop()

    return asyncio.run(scenario())


def test_after_answering_two_requests_the_queue_waits_for_two() -> None:
    before, calls = _returning_clients()
    assert before == [2]  # the first client's next request waited for the second's
    assert calls == [2, 2]


def _lone_client() -> list[int]:
    """One client, one request after another: the calls started a few turns after its
    second request arrived."""

    async def scenario() -> list[int]:
        batcher = Batcher(_translate_many, max_wait=60.0)
        try:
            (first,) = await batcher.translate([TEXTS[0]], 30)
            assert first.translation == expected(TEXTS[0])
            second = asyncio.ensure_future(batcher.translate([TEXTS[1]], 30))
            await _turns()
            started = list(batcher.stats.calls)
            second.cancel()
            return started
        finally:
            await batcher.stop()

    return asyncio.run(scenario())


def test_a_lone_client_never_waits() -> None:
    assert _lone_client() == [1, 1]  # its second request went to the model at once


def test_the_waiting_checks_fail_without_or_with_blind_waiting_meta(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Starting as soon as a request is there (no waiting) must fail the returning-clients
    check; always waiting out ``max_wait`` must fail the lone-client check."""

    async def no_wait(self: Batcher) -> None:
        return None

    monkeypatch.setattr(Batcher, "_gather", no_wait)
    before, calls = _returning_clients()
    assert before == [2, 1] and calls == [2, 1, 1]

    waited = threading.Event()

    async def blind_wait(self: Batcher) -> None:
        if self._answered:  # after any answer, ``max_wait`` whoever arrives
            waited.set()
            await asyncio.sleep(self.max_wait)

    monkeypatch.setattr(Batcher, "_gather", blind_wait)
    assert _lone_client() == [1]  # its second request is still waiting
    assert waited.is_set()
