"""Build translator/data/casing_de.txt.gz, the German casing table (docs/quotes.md does not
cover it; see translator/casing.py and translator/data/README.md).

Source: the word list of Debian's ``wngerman`` package (/usr/share/dict/ngerman, igerman98
by Björn Jacke, GPL-2+): every word form of a German spell-checking dictionary, in its
correct casing. The table keeps one form per case-folded word: the lower-case form where
the word is ever written in lower case (essen, sie), else its capitalised form (nouns,
names; acronyms as they are), so that ALL-CAPS text can be given its casing back, ß
included (STRASSE -> Straße).

Usage: apt-get install wngerman && python benchmarks/build_casing_table.py
"""

from __future__ import annotations

import collections
import gzip
import sys
from pathlib import Path

SOURCE = Path("/usr/share/dict/ngerman")
TARGET = Path(__file__).resolve().parent.parent / "translator" / "data" / "casing_de.txt.gz"


def build(words: list[str]) -> list[str]:
    forms: dict[str, set[str]] = collections.defaultdict(set)
    for word in words:
        if word.isalpha():
            forms[word.casefold()].add(word)
    table = []
    for found in forms.values():
        lower = sorted(form for form in found if form.islower())
        # Masse/Maße: both nouns; the capital is what matters, the choice is stable.
        table.append(lower[0] if lower else min(found, key=lambda f: (f != f.capitalize(), f)))
    return sorted(table)


def main() -> None:
    if not SOURCE.exists():
        sys.exit(f"{SOURCE} is missing: apt-get install wngerman")
    table = build(SOURCE.read_text(encoding="utf-8").split())
    data = ("\n".join(table) + "\n").encode("utf-8")
    # mtime=0: the same word list gives the same bytes.
    TARGET.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{len(table)} words, {TARGET.stat().st_size} bytes -> {TARGET}")


if __name__ == "__main__":
    main()
