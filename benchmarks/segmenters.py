"""Measure sentence segmenters on the gold set (docs/segmentation.md).

Usage: python benchmarks/segmenters.py [pysbd syntok blingfire ours]
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
GOLD = Path(__file__).resolve().parent.parent / "tests" / "data" / "segment_gold_de.txt"
MARK = "\u241e"


def load():
    items = []
    section = ""
    for line in open(GOLD, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("## "):
            section = line[3:]
            continue
        if not line or line.startswith("#"):
            continue
        text, gold, pos = [], set(), 0
        for ch in line:
            if ch == MARK:
                gold.add(pos)
            else:
                text.append(ch)
                pos += 1
        items.append((section, "".join(text), gold))
    return items


def starts_from_strings(text, sents):
    starts, pos = set(), 0
    for s in sents:
        s2 = s.strip()
        if not s2:
            continue
        i = text.find(s2, pos)
        if i < 0:
            i = text.find(s2[:20], pos)
        if i < 0:
            continue
        if i > 0:
            starts.add(i)
        pos = i + len(s2)
    return starts


def seg_pysbd():
    import pysbd

    seg = pysbd.Segmenter(language="de", clean=False)
    return lambda t: starts_from_strings(t, seg.segment(t))


def seg_syntok():
    from syntok import segmenter

    def f(t):
        st = set()
        for para in segmenter.analyze(t):
            for sent in para:
                if sent[0].offset > 0:
                    st.add(sent[0].offset)
        return st

    return f


def seg_blingfire():
    import blingfire

    def f(t):
        _, offs = blingfire.text_to_sentences_and_offsets(t)
        return {a for a, b in offs if a > 0}

    return f


def seg_ours():
    from translator.segment import split_sentences

    def f(t):
        return {
            a
            for a, b in split_sentences(t)
            if a > 0
            for a in [a + (len(t[a:b]) - len(t[a:b].lstrip()))]
        }

    return f


def main():
    items = load()
    names = sys.argv[1:] or ["pysbd", "syntok", "blingfire", "ours"]
    sample = (Path(__file__).resolve().parent.parent / "tests/data/belousov-dprk.de.txt").read_text(
        encoding="utf-8"
    )
    corpus = [t for _, t, _ in items] * 20 + sample.split("\n") * 50
    nchars = sum(map(len, corpus))
    for name in names:
        try:
            f = globals()["seg_" + name]()
        except Exception as e:
            print(name, "unavailable", e)
            continue
        tp = fp = fn = 0
        exact = 0
        errs = []
        per = {}
        for sec, t, gold in items:
            got = f(t)
            a, b, c = len(got & gold), len(got - gold), len(gold - got)
            tp += a
            fp += b
            fn += c
            d = per.setdefault(sec, [0, 0])
            d[1] += 1
            if got == gold:
                exact += 1
                d[0] += 1
            else:
                errs.append((t, sorted(got - gold), sorted(gold - got)))
        t0 = time.perf_counter()
        for t in corpus:
            f(t)
        dt = time.perf_counter() - t0
        p = tp / max(1, tp + fp)
        r = tp / max(1, tp + fn)
        print(
            f"{name:10s} P={p:.3f} R={r:.3f} F1={2 * p * r / max(1e-9, p + r):.3f} "
            f"exact={exact}/{len(items)} "
            + " ".join(f"{k}={v[0]}/{v[1]}" for k, v in per.items())
            + f"  speed={nchars / dt / 1e3:.0f}k chars/s"
        )
        for t, extra, missed in errs:
            false_pos = [t[max(0, i - 25) : i] + "|" + t[i : i + 15] for i in extra]
            false_neg = [t[max(0, i - 25) : i] + "|" + t[i : i + 15] for i in missed]
            print("    ", "FP:", false_pos, "FN:", false_neg)


main()
