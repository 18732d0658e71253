"""`--device cuda` on a GPU machine: both engines, the API and the CLI, then a speed row.

Run on a machine with a CUDA GPU (it is not part of CI, which has none):

    python -m benchmarks.gpu_check [OUTPUT.json]

Correctness uses the tiny test models (the sample's 7 quotations must come through verbatim
in keep mode); speed uses the random-weight opus-mt-shaped model of ``benchmarks.run`` on 400
German news sentences (tokens per second; random weights, forced output lengths).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "belousov-dprk.de.txt"
SAMPLE_QUOTES = 7  # tests/data/real_quotes gold for the sample


def _step(report: dict[str, Any], name: str, work: Callable[[], Any]) -> None:
    started = time.perf_counter()
    try:
        report[name] = {"ok": True, "result": work()}
    except Exception as error:  # a GPU check reports every failure and goes on
        report[name] = {
            "ok": False,
            "error": f"{type(error).__name__}: {error}",
            "traceback": traceback.format_exc()[-2000:],
        }
    report[name]["seconds"] = round(time.perf_counter() - started, 2)
    print(name, json.dumps(report[name])[:600], flush=True)


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from tiny_models import build_tiny_bart, build_tiny_marian

    from translator import Translator
    from translator.engines import convert

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    marian = build_tiny_marian(work / "tiny-marian")
    bart = build_tiny_bart(work / "tiny-bart")
    report: dict[str, Any] = {}

    import torch

    report["torch"] = {"version": torch.__version__, "cuda": torch.cuda.is_available()}
    if torch.cuda.is_available():
        report["torch"]["gpu"] = torch.cuda.get_device_name(0)
    engines_to_check = ["torch"]
    if convert.ctranslate2_available():
        import ctranslate2

        report["ctranslate2"] = {
            "version": ctranslate2.__version__,
            "cuda_devices": ctranslate2.get_cuda_device_count(),
        }
        _step(report, "convert", lambda: [str(convert.convert_model(m)) for m in (marian, bart)])
        engines_to_check.append("ct2")

    sample = SAMPLE.read_text(encoding="utf-8")
    for engine in engines_to_check:

        def translate(engine: str = engine) -> dict[str, Any]:
            tr = Translator(str(marian), str(bart), device="cuda", engine=engine)
            result = tr.translate(sample, summarize=True)
            used = tr.translation_engine()
            assert getattr(used, "device", None) == "cuda", getattr(used, "device", None)
            assert len(result.quotes) == SAMPLE_QUOTES, len(result.quotes)
            assert all(q.original in result.text for q in result.quotes)
            assert result.summary is not None
            return {
                "engine": type(used).__name__,
                "quotes": len(result.quotes),
                "strategies": sorted({q.strategy.value for q in result.quotes}),
                "summary_chars": len(result.summary.text),
            }

        _step(report, f"api_cuda_{engine}", translate)

    def cli() -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "translator", "translate", str(SAMPLE), "-m", str(marian)]
            + ["--device", "cuda", "--format", "json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr[-1000:]
        return {"quotes": len(json.loads(done.stdout)["quotes"]), "stderr": done.stderr[-300:]}

    _step(report, "cli_cuda", cli)
    _step(report, "speed", lambda: _speed(engines_to_check))
    text = json.dumps(report, indent=2)
    if out is not None:
        out.write_text(text, encoding="utf-8")


def _speed(engine_names: list[str]) -> dict[str, Any]:
    """Tokens per second on the opus-mt-shaped random-weight model, 400 sentences."""
    from benchmarks.common import fix_lengths, target_tokens
    from benchmarks.shaped_models import MARIAN_DIR, ensure_models
    from benchmarks.workload import workload
    from translator import engines

    ensure_models()
    sentences, _ = workload(400)
    rows: dict[str, Any] = {}
    for engine in engine_names:
        for beams in (4, 1):
            name = f"{engine}_beam{beams}"
            try:
                loaded = engines.load_translator(
                    str(MARIAN_DIR), device="cuda", engine=engine, beams=beams, batch_size=64
                )
                fix_lengths(loaded)
                loaded.translate(sentences[:32])  # warm-up: CUDA context, kernels
                started = time.perf_counter()
                loaded.translate(sentences)
                seconds = time.perf_counter() - started
            except Exception as error:  # one engine failing must not hide the other's row
                rows[name] = {"error": f"{type(error).__name__}: {error}"[:400]}
                continue
            # Output lengths are forced (random weights): the tokens generated are known.
            tokens = sum(target_tokens(c) for c in loaded.count_tokens(sentences))
            rows[name] = {
                "seconds": round(seconds, 2),
                "target_tokens_per_s": round(tokens / seconds),
            }
    return rows


if __name__ == "__main__":
    os.environ.setdefault("TRANSLATOR_DEBUG", "1")
    main()
