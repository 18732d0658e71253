"""The report of `make bench`: the machine, each configuration's runs summarized (medians,
ratios to the naive and the bare script), and the Markdown tables."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import batch_bench, formats_bench, glossary_bench, language_bench, memory_bench
from benchmarks.common import cores, target_tokens, threads
from benchmarks.runners import (
    BARE,
    COLD_START_PHASES,
    NAIVE,
    TRANSLATION_CONFIGS,
    bare_batch_sizes,
    beams_of,
)
from benchmarks.shaped_models import MARIAN_DIR
from benchmarks.workload import ARTICLE


def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gb = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    import ctranslate2
    import torch
    import transformers

    return {
        "cpu": model,
        "usable_cores": cores(),
        "threads_per_config": threads(),
        "load_average_at_end": os.getloadavg(),
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "ctranslate2": ctranslate2.__version__,
    }


def workload_description(sentences: Sequence[str]) -> dict:
    from translator import engines

    tokenizer = engines.common.load_tokenizer(MARIAN_DIR, "translation")
    counts = [len(ids) for ids in tokenizer(list(sentences))["input_ids"]]
    return {
        "sentences": len(sentences),
        "mean_source_tokens": round(statistics.mean(counts), 1),
        "generated_tokens": sum(target_tokens(n) for n in counts),
    }


def summarize_runs(name: str, runs: Sequence[dict], work: dict) -> dict:
    """One table row from a configuration's runs: medians over the rounds; for the bare
    script, the median of each batch size and then the best batch size."""
    kind, _, default = TRANSLATION_CONFIGS[name]
    extra: dict[str, Any] = {}
    if kind == "bare":
        by_size = {
            size: statistics.median(run["seconds_by_batch"][str(size)] for run in runs)
            for size in bare_batch_sizes()
        }
        best = min(by_size, key=lambda size: by_size[size])
        seconds = [run["seconds_by_batch"][str(best)] for run in runs]
        cpu = [run["cpu_seconds_by_batch"][str(best)] for run in runs]
        extra = {
            "best_batch_sentences": best,
            "median_s_by_batch": {str(k): round(v, 2) for k, v in by_size.items()},
        }
    else:
        seconds = [t for run in runs for t in run["seconds"]]
        cpu = [t for run in runs for t in run["cpu_seconds"]]
    # The naive baseline may have translated a share of the sentences (baseline_share).
    done = runs[0].get("workload", work)
    median = statistics.median(seconds)
    engine_tokens = statistics.mean(run.get("generated_tokens_per_run", 0) for run in runs)
    return {
        "name": name,
        "default": default,
        "beams": beams_of(name),
        "tokens_per_s": round(done["generated_tokens"] / median, 1),
        "sentences_per_s": round(done["sentences"] / median, 2),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "median_s": round(median, 2),
        "tokens_per_cpu_s": round(done["generated_tokens"] / statistics.median(cpu), 1),
        "runs_s": [round(t, 2) for t in seconds],
        **extra,
        **(
            {}
            if kind == "bare"
            else {
                "engine_tokens_per_workload_token": round(
                    engine_tokens / done["generated_tokens"], 2
                )
            }
        ),
    }


def add_ratios(configs: list[dict]) -> None:
    """Each row's speed against the naive script, and against the bare CTranslate2 script
    that decodes the same way (beam 4 or greedy)."""
    by_name = {config["name"]: config for config in configs}

    def ratio(config: dict, to: str, key: str, digits: int) -> float | None:
        other = by_name.get(to)
        return None if other is None else round(config[key] / other[key], digits)

    for config in configs:
        bare = BARE[config["beams"]]
        config["ratio_to_baseline"] = ratio(config, NAIVE, "tokens_per_s", 1)
        config["cpu_ratio_to_baseline"] = ratio(config, NAIVE, "tokens_per_cpu_s", 1)
        config["ratio_to_bare"] = ratio(config, bare, "tokens_per_s", 2)
        config["cpu_ratio_to_bare"] = ratio(config, bare, "tokens_per_cpu_s", 2)


def render(report: dict) -> str:
    lines = [
        f"machine: {report['machine']['cpu']}, {report['machine']['usable_cores']} cores, "
        f"{report['machine']['memory_gb']} GB, {report['machine']['threads_per_config']} "
        f"thread(s) per configuration, load average {report['machine']['load_average_at_end']}",
        f"workload: {report['workload']['sentences']} sentences, "
        f"{report['workload']['generated_tokens']} generated tokens per run"
        + (" (BENCH_QUICK)" if report["quick"] else "")
        + (f" (BENCH_ONLY={','.join(report['only'])})" if report.get("only") else ""),
        "",
        "| configuration | tokens/s | sentences/s | x naive | x bare CT2 (same decoding) "
        "| tokens/CPU-s (x bare) | peak RSS MB | runs (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for config in report["configs"]:
        runs = ", ".join(f"{t:.1f}" for t in config["runs_s"])
        name = config["name"]
        if "best_batch_sentences" in config:
            name += f" (best: {config['best_batch_sentences']} a batch)"
        lines.append(
            f"| {name} | {config['tokens_per_s']:,.0f} | "
            f"{config['sentences_per_s']:.2f} | {_number(config['ratio_to_baseline'], 1)} | "
            f"{_number(config['ratio_to_bare'], 2)} | "
            f"{config['tokens_per_cpu_s']:,.0f} ({_number(config['cpu_ratio_to_bare'], 2)}) | "
            f"{config['peak_rss_mb']:,} | {runs} |"
        )
    lines += ["", "| summary, 700 -> 100 tokens | median s | peak RSS MB |", "|---|---:|---:|"]
    for summary in report["summary"]:
        lines.append(
            f"| {summary['name']} | {summary['median_s']:.2f} | {summary['peak_rss_mb']:,} |"
        )
    lines += ["", "| both models loaded and used | peak RSS MB |", "|---|---:|"]
    for entry in report["memory"]:
        lines.append(f"| {entry['name']} | {entry['peak_rss_mb']:,} |")
    cold = report["cold_start"]
    lines += [
        "",
        "| cold start: `translator translate` sample article, ct2 beam 4 (medians, s) "
        "| interpreter | imports | model load | translation | write | total |",
        "|---|---:|---:|---:|---:|---:|---:|",
        "| "
        + f"{ARTICLE.name}; loaded but unused: {', '.join(cold['unused_modules_loaded']) or '-'}"
        + "".join(f" | {cold[key]:.2f}" for key in (*COLD_START_PHASES, "total_s"))
        + " |",
        "",
        "| flat memory, fast fake engine, output to /dev/null | seconds | peak RSS MB |",
        "|---|---:|---:|",
    ]
    for entry in report["flat_memory"]:
        lines.append(f"| {entry['name']} | {entry['seconds']:.1f} | {entry['peak_rss_mb']:,} |")
    if "translation_memory" in report:
        lines += ["", memory_bench.render_rows(report["translation_memory"])]
    if "batch" in report:
        lines += ["", batch_bench.render_rows(report["batch"])]
    if "glossary" in report:
        lines += ["", glossary_bench.render_rows(report["glossary"])]
    if "language" in report:
        lines += ["", language_bench.render_rows(report["language"])]
    if "formats" in report:
        lines += ["", formats_bench.render_rows(report["formats"])]
    return "\n".join(lines)


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
