"""Benchmark `translator serve`: throughput and latency on loopback with 1, 8 and 32
concurrent clients, each sending one news paragraph per request, against the same
paragraphs through `Translator.translate_many` in one process (the server's overhead,
and what batching across requests gains).

The server is the app `translator serve` runs (`create_app`, uvicorn) on 127.0.0.1, in a
thread of this process; the clients are threads with one httpx connection each. The
model is the tests' tiny random-weight Marian unless --model names another folder. A
random model never ends a sentence, so every output would run to the length bound: as
in `make bench`, each output is fixed at 1.1x its source's tokens (--free-lengths: not).

    .venv/bin/python -m benchmarks.server_bench                 # rows to stdout and JSON
    .venv/bin/python -m benchmarks.server_bench --requests 64 --model models/opus-mt-de-en

Not a test: nothing is asserted; the rows go to benchmarks/server_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.batch_bench import tiny_model

_ROOT = Path(__file__).resolve().parent.parent
_SAMPLE = _ROOT / "tests" / "data" / "belousov-dprk.de.txt"
RESULTS = Path(__file__).resolve().parent / "server_results.json"


def paragraphs(count: int) -> list[str]:
    """``count`` news paragraphs of one to three sentences (about a post's length, at most
    500 characters) from the sample article. Every sentence carries its paragraph's number,
    so that no two paragraphs share a sentence: ``translate_many`` translates a sentence
    that repeats within its call once, which would make one call of all the paragraphs
    cheaper than the same paragraphs sent one request each (the article has 8 paragraphs;
    numbering only the last sentence left 56 model inputs for 32 paragraphs in one call
    against 128 in four calls of 8)."""
    import re

    from translator.segment import split_sentences

    text = _SAMPLE.read_text(encoding="utf-8")
    sentences = [s for s in re.split(r"(?<=[.!?:])\s+", text) if s.strip()]
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > 400:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    pieces.append(current)

    def numbered(piece: str, number: int) -> str:
        # Before each sentence's final mark (and closing quote): it stays one sentence.
        return "".join(
            re.sub(r"([.!?:]?[\"“”»«]?)(\s*)$", rf" ({number})\1\2", piece[start:end], count=1)
            for start, end in split_sentences(piece)
        )

    return [numbered(pieces[i % len(pieces)], i)[:500] for i in range(count)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_translator(model: Path, fixed_lengths: bool) -> Any:
    """A Translator on ``model`` with its model loaded (outputs at 1.1x the source's
    tokens when ``fixed_lengths``)."""
    from translator import Translator

    translator = Translator(str(model), cache=False, offline=True)
    engine = translator.translation_engine()
    if fixed_lengths:
        engine._output_bounds = lambda counts, strict: [max(2, round(1.1 * c)) for c in counts]
        if hasattr(engine, "_exact_row_limits"):
            engine._exact_row_limits = False
    return translator


def in_process(translator: Any, texts: list[str]) -> dict[str, Any]:
    """The paragraphs through translate_many, in this process."""
    list(translator.translate_many(texts[:2]))  # warm up
    started = time.perf_counter()
    list(translator.translate_many(texts))
    seconds = time.perf_counter() - started
    return {
        "clients": "in-process translate_many",
        "seconds": round(seconds, 3),
        "per_s": round(len(texts) / seconds, 2),
        "p50_ms": None,
        "p95_ms": None,
    }


def against_server(url: str, texts: list[str], clients: int) -> dict[str, Any]:
    """``clients`` threads share ``texts``, each sending one paragraph per request."""
    import httpx

    latencies: list[float] = []
    lock = threading.Lock()
    queue = list(texts)
    errors = 0

    def client() -> None:
        nonlocal errors
        with httpx.Client(timeout=120) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    text = queue.pop()
                started = time.perf_counter()
                answer = http.post(
                    f"{url}/translate", json={"q": text, "source": "de", "target": "en"}
                )
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors += answer.status_code != 200

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "seconds": round(seconds, 3),
        "per_s": round(len(texts) / seconds, 2),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
        "errors": errors,
    }


@contextmanager
def serving(translator: Any) -> Iterator[str]:
    """The server's app on 127.0.0.1 in a thread; yields its URL."""
    import uvicorn

    from translator.server import ServerSettings
    from translator.server.app import create_app

    settings = ServerSettings(req_limit=0, char_limit=0, deadline_s=600)
    port = free_port()
    config = uvicorn.Config(
        create_app(translator, settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=32, help="paragraphs per row")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--model", help="a model folder (default: the tests' tiny model)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--free-lengths", action="store_true", help="let outputs run as the model decides"
    )
    options = parser.parse_args()

    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    work = Path(tempfile.mkdtemp(prefix="server-bench-"))
    model = Path(options.model) if options.model else tiny_model(work)
    texts = paragraphs(options.requests)
    report: dict[str, Any] = {
        "model": model.name,
        "fixed_lengths": not options.free_lengths,
        "requests": options.requests,
        "machine": machine,
        "rows": [],
    }
    print(f"model {model.name}; {options.requests} paragraphs per row; {machine}")
    print(f"{'clients':>28} {'seconds':>8} {'para/s':>7} {'p50 ms':>7} {'p95 ms':>7}")

    def record(row: dict[str, Any]) -> None:
        """Print the row and rewrite the results file: a cut-short run keeps its rows."""
        report["rows"].append(row)
        options.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        p50 = "" if row["p50_ms"] is None else f"{row['p50_ms']:.0f}"
        p95 = "" if row["p95_ms"] is None else f"{row['p95_ms']:.0f}"
        print(
            f"{row['clients']!s:>28} {row['seconds']:>8.2f} {row['per_s']:>7.1f} {p50:>7} {p95:>7}",
            flush=True,
        )

    # SIGTERM (a timeout) ends the run through the finally blocks: no server left behind.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    try:
        alone = make_translator(model, not options.free_lengths)
        record(in_process(alone, texts))
        with serving(make_translator(model, not options.free_lengths)) as url:
            against_server(url, texts[:2], 1)  # warm up
            for clients in options.clients:
                record(against_server(url, texts, clients))
        record(in_process(alone, texts))  # again: the machine's load drifts
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
