"""The benchmark's German text: news sentences from the segmentation gold file, laid out
as a document, and the large files of the flat-memory rows."""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import CACHE, ROOT

GOLD = ROOT / "tests" / "data" / "segment_gold_de.txt"
ARTICLE = ROOT / "tests" / "data" / "belousov-dprk.de.txt"
SENTENCE_MARK = "\u241e"
_NEWS_SECTIONS = {"ud-pud", "ud-gsd", "sample", "constructed"}


def news_sentences() -> list[str]:
    """German news sentences (UD PUD/GSD, the sample article, constructed news) from the
    segmentation gold file, in file order."""
    sentences: list[str] = []
    section = ""
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if not line.strip() or line.startswith("#") or section not in _NEWS_SECTIONS:
            continue
        sentences.extend(part.strip() for part in line.split(SENTENCE_MARK) if part.strip())
    return sentences


def workload(count: int) -> tuple[list[str], str]:
    """``count`` sentences (the news sentences, repeated as needed) and the document made
    of them: paragraphs of four sentences separated by blank lines."""
    pool = news_sentences()
    # A repeated sentence gets a number, so the pipeline's deduplication of identical
    # inputs cannot make a long workload look faster than it is.
    sentences = [
        pool[i % len(pool)] + (f" ({i // len(pool)})" if i >= len(pool) else "")
        for i in range(count)
    ]
    paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, count, 4)]
    return sentences, "\n\n".join(paragraphs) + "\n"


def workload_size() -> int:
    """400 sentences in both modes: 96 kept too few batches in flight to keep both
    workers busy, and its ratios (14x) did not match the full run's (18-29x)."""
    return 400


def stream_input(megabytes: int) -> Path:
    """A German text file of about ``megabytes`` MB: the sample article over and over, each
    copy numbered (so no window is all duplicates)."""
    path = CACHE / f"input-{megabytes}mb.de.txt"
    if path.is_file():
        return path
    article = ARTICLE.read_text(encoding="utf-8")
    CACHE.mkdir(parents=True, exist_ok=True)
    written, copy = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while written < megabytes * 1_000_000:
            text = article.replace("\n\n", f" ({copy})\n\n", 1)
            out.write(text if text.endswith("\n\n") else text.rstrip("\n") + "\n\n")
            written += len(text.encode("utf-8"))
            copy += 1
    return path
