"""Requests translated together: one model per process, shared by every request.

Each request puts its texts in one queue and waits. A worker hands what has gathered to
``Translator.translate_many`` in one call on the model's one thread, so 16 clients
sending a sentence each cost about one model batch, not 16. Results go back to each
request in its own order: ``translate_many`` yields one result per text, in order.

When to start a call: requests that arrive while the model works are all in the next
call. Once a call is answered, its clients usually send again within milliseconds, one
by one (a client that gets its answer posts its next text); starting the next call with
the first of them would split those clients into a small call and a large one for good
(8 clients settled into calls of 2 and 6, each paying a whole call's fixed cost). So the
worker waits until as many requests have arrived as the last call answered, at most
``max_wait`` after the answers: a lone client (one answered, one arrives) never waits,
and neither does a request arriving when the model is idle and no answer just went out.

Everything is bounded: the queue (``max_queue`` texts; over it ``QueueFull``, which the
app answers with 503 and ``Retry-After``), a call's texts (``max_batch``), and the time a
request waits (``deadline``; past it ``DeadlineExceeded`` and the request's texts are
skipped if they have not started).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from translator.schema import Document, DocumentResult

log = logging.getLogger(__name__)

Job = str | Document
TranslateMany = Callable[[list[Job]], list[DocumentResult]]
T = TypeVar("T")


class QueueFull(Exception):
    """More texts are waiting than the queue holds."""


class DeadlineExceeded(Exception):
    """The request waited longer than its deadline."""


@dataclass
class _Pending:
    jobs: list[Job]
    future: asyncio.Future[list[DocumentResult]]


@dataclass
class BatchStats:
    """What the worker did: the number of texts in each ``translate_many`` call."""

    calls: list[int] = field(default_factory=list)


class Batcher:
    """The queue in front of the model. Create and use it inside one event loop."""

    def __init__(
        self,
        translate_many: TranslateMany,
        *,
        max_wait: float = 0.05,
        max_queue: int = 256,
        max_batch: int = 64,
    ) -> None:
        self.translate_many = translate_many
        self.max_wait = max_wait
        self.max_queue = max_queue
        self.max_batch = max_batch
        self.stats = BatchStats()
        # The model's one thread: every model call, batched or not, runs here in turn.
        self.model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._pending: list[_Pending] = []
        self._queued = 0
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker: asyncio.Task[None] | None = None
        # The clients the last call answered, whose next requests the worker waits for,
        # and the requests that arrived since those answers went out (``_gather``).
        self._answered = 0
        self._arrived = 0
        self._answered_at = 0.0

    @property
    def queued(self) -> int:
        """Texts waiting, not yet handed to the model."""
        return self._queued

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._pending, self._queued = [], 0
        self._answered = self._arrived = 0
        self._worker = self._loop.create_task(self._work())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self.model_thread.shutdown(wait=True, cancel_futures=True)

    async def translate(self, jobs: Sequence[Job], deadline: float) -> list[DocumentResult]:
        """The results of ``jobs``, in order, translated along with other requests'.

        Raises:
            QueueFull: the queue cannot take ``jobs`` now.
            DeadlineExceeded: no answer within ``deadline`` seconds.
        """
        if not jobs:
            return []
        if self._wake is None or self._loop is not asyncio.get_running_loop():
            self.start()  # first use, or a new event loop (a test client's, say)
        if self._queued + len(jobs) > self.max_queue:
            raise QueueFull(f"{self._queued} texts are waiting (at most {self.max_queue})")
        future: asyncio.Future[list[DocumentResult]] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(list(jobs), future))
        self._queued += len(jobs)
        self._arrived += 1
        assert self._wake is not None
        self._wake.set()
        try:
            return await asyncio.wait_for(asyncio.shield(future), deadline)
        except TimeoutError:
            future.cancel()  # skipped by the worker if it has not started on it
            raise DeadlineExceeded(f"no answer within {deadline:g} s") from None

    async def run_alone(self, call: Callable[[], T], deadline: float) -> T:
        """Run ``call`` (any model work that cannot be batched) on the model's thread."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self.model_thread, call), deadline)
        except TimeoutError:
            raise DeadlineExceeded(f"no answer within {deadline:g} s") from None

    def _take(self) -> list[_Pending]:
        """Requests for the next call: at least one, then while they fit ``max_batch``."""
        taken: list[_Pending] = []
        size = 0
        while self._pending:
            pending = self._pending[0]
            if pending.future.cancelled():
                self._pending.pop(0)
                self._queued -= len(pending.jobs)
                continue
            if taken and size + len(pending.jobs) > self.max_batch:
                break
            self._pending.pop(0)
            self._queued -= len(pending.jobs)
            taken.append(pending)
            size += len(pending.jobs)
        return taken

    async def _gather(self) -> None:
        """Wait, at most ``max_wait`` after the last call's answers went out, until as
        many requests have arrived since as that call answered (its clients sending
        again) or a call's worth of texts waits."""
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        until = self._answered_at + self.max_wait
        while self._arrived < self._answered and self._queued < self.max_batch:
            left = until - loop.time()
            if left <= 0:
                return
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), left)
            except TimeoutError:
                return

    async def _work(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            await self._gather()
            taken = self._take()
            if not taken:
                continue
            jobs = [job for pending in taken for job in pending.jobs]
            self.stats.calls.append(len(jobs))
            try:
                results = await loop.run_in_executor(self.model_thread, self.translate_many, jobs)
            except Exception as error:
                if len(taken) == 1:
                    _fail(taken[0], error)
                else:
                    # One request's text must not fail the others: each again, alone.
                    log.warning("a batch of %d requests failed; retrying each", len(taken))
                    for pending in taken:
                        await self._run_one(loop, pending)
            else:
                cursor = 0
                for pending in taken:
                    count = len(pending.jobs)
                    if not pending.future.done():
                        pending.future.set_result(results[cursor : cursor + count])
                    cursor += count
            self._answered, self._arrived = len(taken), 0
            self._answered_at = loop.time()

    async def _run_one(self, loop: asyncio.AbstractEventLoop, pending: _Pending) -> None:
        try:
            results = await loop.run_in_executor(
                self.model_thread, self.translate_many, pending.jobs
            )
        except Exception as error:
            _fail(pending, error)
        else:
            if not pending.future.done():
                pending.future.set_result(results)


def _fail(pending: _Pending, error: BaseException) -> None:
    if not pending.future.done():
        pending.future.set_exception(error)
