"""Batch work units on a Ray cluster: one model-holding actor per worker.

Only ``translator batch --ray`` imports this module, and only it imports ``ray`` (an
optional extra: ``pip install 'translator[ray]'``).

The driver (``translator.batch``) reads the inputs and writes the outputs and the manifest;
work units travel to the workers and results back through Ray's object store, so the input
and output folders need to exist on the driver's machine only. Each worker is an actor
that loads the models once, through the ``Translator`` facade, and translates units with
the same function as the local executor, so a unit gives the same outputs on either.

Progress: once a second the driver asks each busy worker how far its unit is (a second
concurrency group of the actor answers while the first translates), so the bar moves per
model batch as it does locally.

Fault tolerance is the driver's: a unit whose worker dies (node lost, OOM, ``kill -9``)
goes back to the queue and its worker is replaced; the unit that was running when a worker
died counts an attempt (the units queued behind it do not), and a unit that used up its
attempts is split into single files, so that a file that kills every worker it meets ends
up recorded as failed while the files beside it are translated.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from translator.errors import ClusterError, OptionError, TranslatorError
from translator.executors import (
    DocumentOutcome,
    EngineDescription,
    SentencesCallback,
    WorkUnit,
    describe_translator,
    translate_unit,
)
from translator.schema import DocumentResult

if TYPE_CHECKING:
    from translator.api import Translator

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'translator[ray]'"
# Units each worker holds: one running, one waiting, so a worker never idles while the
# driver writes the last unit's outputs.
_UNITS_PER_WORKER = 2
_WAIT_S = 1.0
_POLL_S = 1.0  # how often busy workers are asked how far their unit is
_PROGRESS_GROUP = "progress"
_PLACEMENT_S = 60.0  # warn when no worker has started (models loaded) after this long


def import_ray() -> Any:
    """The ``ray`` module, or an error naming the install that brings it."""
    try:
        import ray
    except ImportError:
        raise OptionError(
            f"--ray needs Ray, which is not installed. Install it with: {INSTALL_HINT}"
        ) from None
    return ray


@dataclass(frozen=True)
class RaySettings:
    """Where and how wide to run. ``address`` None: the cluster ``RAY_ADDRESS`` names,
    else a new local instance. ``workers`` None: as many as the cluster's CPUs (GPUs,
    when each worker asks for some) allow."""

    address: str | None = None
    workers: int | None = None
    cpus_per_worker: float = 1.0
    gpus_per_worker: float = 0.0
    max_attempts: int = 3  # per unit, counted when its worker dies while running it


class _Worker:
    """The actor: holds the models for its whole life and translates units."""

    def __init__(self, translator: Translator, summarize: bool, window_sentences: int) -> None:
        self.translator = translator
        self.summarize = summarize
        self.window_sentences = window_sentences
        self.description: EngineDescription | TranslatorError
        try:
            self.description = describe_translator(translator, summarize)  # loads the models
        except TranslatorError as error:  # the driver raises it: the message a local run gives
            self.description = error

    def describe(self) -> tuple[EngineDescription | TranslatorError, int]:
        return self.description, os.getpid()

    def run(self, unit: WorkUnit) -> tuple[DocumentOutcome, ...]:
        self.unit, self.sentences = unit.number, 0

        def count(sentences: int) -> None:
            self.sentences += sentences

        return translate_unit(
            self.translator, unit, self.summarize, self.window_sentences, on_sentences=count
        )

    def progress(self) -> tuple[int, int]:
        """(unit, sentences of it done so far): answered while ``run`` works, from the
        actor's second concurrency group, so the driver's bar moves per model batch."""
        return getattr(self, "unit", 0), getattr(self, "sentences", 0)


@dataclass
class _Slot:
    """One worker: its actor, and the units sent to it, oldest (the running one) first."""

    actor: Any
    started: Any  # the describe() call that says the models are loaded
    ready: bool = False
    pid: int = 0
    sent: list[Any] = field(default_factory=list)


class RayExecutor:
    """Runs work units on Ray actors (see the module's docstring).

    ``translator`` travels to every worker, which loads its models there: pass one whose
    models are not loaded yet (as ``Translator(...)`` is), or they travel too.
    """

    def __init__(
        self,
        translator: Translator,
        summarize: bool,
        window_sentences: int,
        settings: RaySettings | None = None,
    ) -> None:
        ray = import_ray()
        self._ray = ray
        self.settings = settings or RaySettings()
        self._started_ray = False
        if not ray.is_initialized():
            self._connect()
        options: dict[str, Any] = {
            "num_cpus": self.settings.cpus_per_worker,
            "max_restarts": 0,  # the driver replaces dead workers and resends their units
            "max_task_retries": 0,
            # run() in the default group, one at a time; progress() beside it.
            "concurrency_groups": {_PROGRESS_GROUP: 1},
        }
        if self.settings.gpus_per_worker:
            options["num_gpus"] = self.settings.gpus_per_worker
        self._actor_class = ray.remote(**options)(_Worker)
        self._arguments = (translator, summarize, window_sentences)
        self._slots: dict[int, _Slot] = {}
        self._next_slot = 0
        self._replaced = 0
        self._description: EngineDescription | None = None
        self.workers = self.settings.workers or self._fitting_workers()
        for _ in range(self.workers):
            self._start_worker()

    # -- the cluster and its workers

    def _connect(self) -> None:
        address = self.settings.address
        if address is None and not os.environ.get("RAY_ADDRESS"):
            log.info("no RAY_ADDRESS: starting a local Ray instance")
        _check_reachable(address or os.environ.get("RAY_ADDRESS", ""))
        try:
            self._ray.init(
                address=address,
                include_dashboard=False,
                logging_level=logging.WARNING,
            )
        except (ConnectionError, RuntimeError, ValueError) as error:
            where = address or os.environ.get("RAY_ADDRESS") or "a local instance"
            raise ClusterError(
                f"cannot connect to the Ray cluster at {where} ({error}). Start it with "
                "`ray start --head`, or check the address."
            ) from None
        self._started_ray = True

    def _fitting_workers(self) -> int:
        resources = self._ray.cluster_resources()
        if self.settings.gpus_per_worker:
            fit = resources.get("GPU", 0) / self.settings.gpus_per_worker
        else:
            fit = resources.get("CPU", 1) / max(self.settings.cpus_per_worker, 1e-9)
        return max(int(fit), 1)

    def _start_worker(self) -> None:
        actor = self._actor_class.remote(*self._arguments)
        self._slots[self._next_slot] = _Slot(actor, actor.describe.remote())
        self._next_slot += 1

    def _replace_worker(self, slot_id: int, error: Exception) -> None:
        slot = self._slots.pop(slot_id)
        self._ray.kill(slot.actor, no_restart=True)
        self._replaced += 1
        if self._replaced > 3 * self.workers + 10:
            raise ClusterError(
                f"Ray workers died {self._replaced} times ({error}); stopping. Every finished "
                "file is recorded: check the workers' logs (/tmp/ray/session_latest/logs), "
                "then rerun to resume."
            )
        log.warning("a worker died (%s); starting another", _first_line(error))
        self._start_worker()

    def _worker_started(self, slot_id: int) -> None:
        slot = self._slots[slot_id]
        try:
            description, pid = self._ray.get(slot.started)
        except self._ray.exceptions.RayError as error:
            if getattr(error, "actor_init_failed", False):  # every worker would fail so
                raise ClusterError(f"a Ray worker cannot start: {error}") from None
            self._replace_worker(slot_id, error)
            return
        if isinstance(description, TranslatorError):
            raise description
        if self._description is None:
            self._description = description
        elif description != self._description:
            self._ray.kill(slot.actor, no_restart=True)
            del self._slots[slot_id]
            raise ClusterError(
                f"the Ray workers load different models ({description} and "
                f"{self._description}). Install the same models on every node."
            )
        slot.ready, slot.pid = True, pid

    def describe(self) -> EngineDescription:
        """The engines, once the first worker has loaded them."""
        waited = 0.0
        while self._description is None:
            starting = {slot.started: i for i, slot in self._slots.items() if not slot.ready}
            ready, _ = self._ray.wait(list(starting), num_returns=1, timeout=_PLACEMENT_S)
            if ready:
                self._worker_started(starting[ready[0]])
                continue
            waited += _PLACEMENT_S
            log.warning(
                "no Ray worker has started after %.0f s: each needs %s CPU(s) and %s GPU(s); "
                "the cluster has %s. Waiting (Ctrl-C to stop; see --ray-cpus-per-worker).",
                waited,
                self.settings.cpus_per_worker,
                self.settings.gpus_per_worker,
                self._ray.cluster_resources(),
            )
        return self._description

    def wait_for_workers(self) -> None:
        """Block until every worker has loaded its models (benchmarks time work, not
        start-up); a run does not need this: it uses workers as they come up."""
        self.describe()
        while not all(slot.ready for slot in self._slots.values()):
            starting = {slot.started: i for i, slot in self._slots.items() if not slot.ready}
            ready, _ = self._ray.wait(list(starting), num_returns=1)
            self._worker_started(starting[ready[0]])

    def workers_alive(self) -> int:
        return sum(slot.ready for slot in self._slots.values())

    @property
    def streams(self) -> bool:
        """No: a large file goes to a worker whole (streaming sections to workers is not
        built yet), so the driver reads it whole."""
        return False

    def translate_stream(self, chunks: Iterable[str], source: str) -> Iterator[DocumentResult]:
        raise ClusterError("a Ray executor does not stream files; check `streams` first.")

    @property
    def workers_replaced(self) -> int:
        """Workers that died and were replaced so far."""
        return self._replaced

    def worker_pids(self) -> list[int]:
        """The process ids of the workers alive (tests kill them)."""
        return [slot.pid for slot in self._slots.values() if slot.ready]

    def busy_worker_pids(self) -> list[int]:
        """The process ids of the workers with a unit in flight (a test kills one: killing
        an idle worker is only noticed when it is next sent work, maybe never)."""
        return [slot.pid for slot in self._slots.values() if slot.ready and slot.sent]

    def close(self) -> None:
        """Stop the workers, and the local Ray instance when this executor started it."""
        for slot in self._slots.values():
            self._ray.kill(slot.actor, no_restart=True)
        self._slots.clear()
        if self._started_ray:
            self._ray.shutdown()

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the work

    def run(
        self, units: Iterable[WorkUnit], on_sentences: SentencesCallback | None = None
    ) -> Iterator[tuple[WorkUnit, tuple[DocumentOutcome, ...]]]:
        ray = self._ray
        queue = _Queue(iter(units))
        running: dict[Any, tuple[WorkUnit, int]] = {}
        progress = _Progress(on_sentences)
        polls: dict[Any, int] = {}
        polled = time.monotonic()
        while True:
            self._hand_out(queue, running)
            if not running and queue.empty():
                return
            if time.monotonic() - polled >= _POLL_S:
                polled = time.monotonic()
                for slot in self._slots.values():
                    if slot.sent:
                        method = slot.actor.progress.options(concurrency_group=_PROGRESS_GROUP)
                        polls[method.remote()] = 0
            starting = {slot.started: i for i, slot in self._slots.items() if not slot.ready}
            ready, _ = ray.wait([*running, *starting, *polls], num_returns=1, timeout=_WAIT_S)
            for ref in ready:
                if ref in starting:
                    self._worker_started(starting[ref])
                    continue
                if polls.pop(ref, None) is not None:
                    with contextlib.suppress(ray.exceptions.RayError):  # a worker died
                        unit_number, sentences = ray.get(ref)
                        progress.partial(unit_number, sentences, queue.unfinished(running))
                    continue
                unit, slot_id = running.pop(ref)
                try:
                    outcomes = ray.get(ref)
                except ray.exceptions.RayError as error:
                    lost = self._lost(queue, unit, slot_id, ref, error)
                    if lost is None:
                        continue
                    outcomes = lost
                else:
                    self._slots[slot_id].sent.remove(ref)
                for delivered in queue.splits.finished(unit, outcomes):
                    progress.finished(delivered[0])
                    yield delivered

    def _hand_out(self, queue: _Queue, running: dict[Any, tuple[WorkUnit, int]]) -> None:
        """Top up every ready worker to its share of units, least loaded first."""
        for slot_id, slot in sorted(self._slots.items(), key=lambda item: len(item[1].sent)):
            while slot.ready and len(slot.sent) < _UNITS_PER_WORKER:
                unit = queue.next()
                if unit is None:
                    return
                ref = slot.actor.run.remote(unit)
                running[ref] = (unit, slot_id)
                slot.sent.append(ref)

    def _lost(
        self, queue: _Queue, unit: WorkUnit, slot_id: int, ref: Any, error: Exception
    ) -> tuple[DocumentOutcome, ...] | None:
        """A unit came back without a result: send it again, split it, or (a single file
        out of attempts) give its failed outcome."""
        died = isinstance(error, self._ray.exceptions.RayActorError)
        slot = self._slots.get(slot_id)
        if died and slot is not None:
            queue.blamed.add(slot.sent[0])  # the oldest unit sent is the one that was running
            self._replace_worker(slot_id, error)
        elif slot is not None:
            slot.sent.remove(ref)
        if died and ref not in queue.blamed:
            queue.retry.appendleft(unit)  # it only waited behind the unit that was running
            return None
        queue.blamed.discard(ref)
        queue.attempts[unit.number] += 1
        attempts = queue.attempts[unit.number]
        if attempts < self.settings.max_attempts:
            log.warning("%d file(s) go to another worker (%s)", len(unit.paths), _first_line(error))
            queue.retry.append(unit)
            return None
        if len(unit.paths) > 1:
            queue.retry.extend(queue.splits.split(unit))
            return None
        reason = f"its worker died {attempts} times" if died else f"it failed {attempts} times"
        return (
            DocumentOutcome(
                None, f"{unit.paths[0]}: {reason} while translating it ({_first_line(error)})."
            ),
        )


class _Progress:
    """Sentences reported per unit: as workers say while they run it, then the rest when
    it is done; never twice, also when a unit is sent again after its worker died. Only
    units in flight are remembered: memory stays bounded however many units a run has."""

    def __init__(self, listener: SentencesCallback | None) -> None:
        self.listener = listener
        self.reported: dict[int, int] = {}

    def partial(self, unit: int, sentences: int, in_flight: Iterable[int]) -> None:
        if unit in in_flight:  # a late answer about a finished unit adds nothing
            self._report(unit, sentences)

    def finished(self, unit: WorkUnit) -> None:
        self._report(unit.number, unit.sentences)
        self.reported.pop(unit.number, None)

    def _report(self, unit: int, sentences: int) -> None:
        more = sentences - self.reported.get(unit, 0)
        if more > 0:
            self.reported[unit] = sentences
            if self.listener is not None:
                self.listener(more)


class _Queue:
    """Units to send: those sent before and lost first, then fresh ones from the driver."""

    def __init__(self, fresh: Iterator[WorkUnit]) -> None:
        self.fresh: Iterator[WorkUnit] | None = fresh
        self.retry: deque[WorkUnit] = deque()
        self.attempts: Counter[int] = Counter()
        self.blamed: set[Any] = set()  # results of units running when their worker died
        self.splits = _Splits()

    def next(self) -> WorkUnit | None:
        if self.retry:
            return self.retry.popleft()
        if self.fresh is not None:
            unit = next(self.fresh, None)
            if unit is not None:
                return unit
            self.fresh = None
        return None

    def empty(self) -> bool:
        return self.fresh is None and not self.retry

    def unfinished(self, running: dict[Any, tuple[WorkUnit, int]]) -> set[int]:
        """The numbers of the units sent or waiting to be sent again."""
        return {unit.number for unit, _ in running.values()} | {unit.number for unit in self.retry}


class _Splits:
    """Units cut into single files after repeated worker deaths, put together again: the
    driver gets one result per unit it made."""

    def __init__(self) -> None:
        self._parent: dict[int, tuple[WorkUnit, int]] = {}
        self._parts: dict[int, dict[int, DocumentOutcome]] = {}
        self._next = -1  # the driver numbers units from 1: parts count down

    def split(self, unit: WorkUnit) -> list[WorkUnit]:
        parts = []
        for index, (path, text) in enumerate(zip(unit.paths, unit.texts, strict=True)):
            part = WorkUnit(self._next, (path,), (text,), 0)
            self._next -= 1
            self._parent[part.number] = (unit, index)
            parts.append(part)
        self._parts[unit.number] = {}
        log.warning("splitting %d files whose worker kept dying, to find the culprit", len(parts))
        return parts

    def finished(
        self, unit: WorkUnit, outcomes: tuple[DocumentOutcome, ...]
    ) -> Iterator[tuple[WorkUnit, tuple[DocumentOutcome, ...]]]:
        if unit.number not in self._parent:
            yield unit, outcomes
            return
        parent, index = self._parent.pop(unit.number)
        parts = self._parts[parent.number]
        parts[index] = outcomes[0]
        if len(parts) == len(parent.paths):
            del self._parts[parent.number]
            yield parent, tuple(parts[i] for i in range(len(parent.paths)))


def _check_reachable(address: str) -> None:
    """Fail at once on a head that does not answer (Ray itself retries for minutes)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or "://" in address:
        return  # "auto", "local", "ray://...": Ray resolves those itself
    import socket

    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as error:
        raise ClusterError(
            f"no Ray cluster answers at {address} ({error.strerror or error}). Start its head "
            "with `ray start --head`, or check the address (host:port, port 6379 by default)."
        ) from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"
