"""`translator translate ARTICLE` from a cold start, timed in phases (a child of run.py).

    python -m benchmarks.coldstart ARTICLE MODEL_FOLDER   # the translation on stdout

It runs the real CLI (``translator.cli.main``) in this fresh process, with the
benchmark's fixed output lengths (random weights never stop by themselves), and prints
one JSON line on stderr: seconds spent starting the interpreter (from
``BENCH_SPAWNED_AT``, the parent's clock at spawn), importing what the default
CTranslate2 path uses, loading the model, translating, and writing; and which heavy
modules the run loaded.
"""

from __future__ import annotations

import time

_STARTED = time.time()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

# Modules a CTranslate2 run without --summarize must not load.
UNUSED_HEAVY = ("torch", "transformers", "translator.summarize")


def main() -> None:
    article, model = sys.argv[1], sys.argv[2]
    phases: dict[str, float] = {"interpreter_s": _STARTED - float(os.environ["BENCH_SPAWNED_AT"])}
    clock = time.perf_counter()
    import ctranslate2  # noqa: F401  what the default engine imports lazily, timed here

    import translator.cli.translate_cmd as command
    from translator import engines, pipeline  # noqa: F401
    from translator.engines import marian_pieces  # noqa: F401

    phases["imports_s"] = time.perf_counter() - clock
    from benchmarks.common import target_tokens  # stdlib only at its top

    # The benchmark's fixed output lengths, as in common.fix_lengths, at class level.
    engines.CT2Translator._output_bounds = (  # type: ignore[method-assign]
        lambda self, counts, strict: [target_tokens(c) for c in counts]
    )
    engines.CT2Translator._exact_row_limits = False
    pipeline.requests.degenerate = lambda source, output: False  # no strict retries

    spent = {"load_s": 0.0, "translate_s": 0.0, "write_s": 0.0}

    def timed(key: str, function: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            clock = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - clock

        return run

    engines.load_translator = timed("load_s", engines.load_translator)
    command.emit = timed("write_s", command.emit)
    pipeline.translate_document = timed("translate_s", pipeline.translate_document)
    # --no-cache: repeated rounds must not be served by the translation memory.
    sys.argv = ["translator", "translate", article, "--translation-model", model, "-q"]
    sys.argv.append("--no-cache")
    from translator.cli import main as cli_main

    try:
        cli_main()
    except SystemExit as done:
        if done.code not in (0, None):
            raise
    sys.stdout.flush()
    # Streamed output is written from inside translate_document: count it as writing.
    spent["translate_s"] -= spent["write_s"]
    loaded = [name for name in UNUSED_HEAVY if name in sys.modules]
    print(json.dumps({**phases, **spent, "unused_modules_loaded": loaded}), file=sys.stderr)


if __name__ == "__main__":
    main()
