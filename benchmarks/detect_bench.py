"""Language detectors on short sentences: accuracy and speed, for `source: auto`.

German: the sentences of tests/data/segment_gold_de.txt (real news and prose, split at
the gold boundaries). English: the English sentences the tests' tiny models are trained
on (tests/tiny_models.py), short newswire-like templates. Each detector chooses among the
same candidates (translator.server.detect.LANGUAGES).

    .venv/bin/python -m benchmarks.detect_bench

Not a test: nothing is asserted, numbers are printed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def german() -> list[str]:
    lines = (_ROOT / "tests" / "data" / "segment_gold_de.txt").read_text("utf-8").splitlines()
    out = []
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        out += [s.strip() for s in line.split("\u241e") if len(s.strip()) > 3]
    return out


def english() -> list[str]:
    sys.path.insert(0, str(_ROOT / "tests"))
    import tiny_models

    rows = []
    for subject in tiny_models._ENGLISH_SUBJECTS:
        for verb in tiny_models._ENGLISH_VERBS:
            for obj in tiny_models._ENGLISH_OBJECTS[:2]:
                rows.append(f"{subject} {verb} that {obj}.")
    return rows


def py3langid() -> Callable[[str], str]:
    from translator.server import detect

    detect.load()
    return lambda text: detect.rank(text, 1)[0][0]


def lingua() -> Callable[[str], str]:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    from translator.server.detect import LANGUAGES

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()

    def detect(text: str) -> str:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found is not None else "?"

    detect("Der Minister sagte.")  # lingua loads its models on first use
    return detect


def main() -> None:
    data = {"de": german(), "en": english()}
    print(
        f"{'detector':>10} {'load s':>7} "
        + " ".join(f"{k} ({len(v)})" for k, v in data.items())
        + "  µs/sentence"
    )
    for name, make in (("py3langid", py3langid), ("lingua", lingua)):
        try:
            started = time.perf_counter()
            detect = make()
            load = time.perf_counter() - started
        except ImportError:
            print(f"{name:>10} not installed")
            continue
        scores, count, started = [], 0, time.perf_counter()
        for language, sentences in data.items():
            right = sum(detect(sentence) == language for sentence in sentences)
            count += len(sentences)
            scores.append(f"{right / len(sentences):>7.1%}")
        per = (time.perf_counter() - started) / count * 1e6
        print(f"{name:>10} {load:>7.2f} " + " ".join(scores) + f"  {per:>8.0f}")


if __name__ == "__main__":
    main()
