"""A MarianMT tokenizer on SentencePiece alone, for the CTranslate2 engine.

transformers' ``MarianTokenizer`` does the same work, but importing transformers takes
about a second on a 2-core machine: more than loading the int8 model itself, and most of
a one-article run's start-up. CTranslate2 takes token strings, so all this engine needs
is SentencePiece (``source.spm``) and the model's ``vocab.json``. It reproduces
``MarianTokenizer`` (shared vocabulary, as opus-mt) for what the engine calls
(``tests/test_speed_paths.py`` compares the two on real German text); any other folder
falls back to transformers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_SPACE_MARK = "\u2581"  # SentencePiece's word-start mark


class MarianPieces:
    """The subset of transformers' tokenizer interface that ``CT2Translator`` uses."""

    def __init__(self, folder: Path) -> None:
        import sentencepiece

        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        self.unk_token = str(config.get("unk_token", "<unk>"))
        self.eos_token = str(config.get("eos_token", "</s>"))
        self.pad_token = str(config.get("pad_token", "<pad>"))
        self.model_max_length = int(config.get("model_max_length", 512))
        self._vocab: dict[str, int] = json.loads((folder / "vocab.json").read_text("utf-8"))
        self._tokens = {index: token for token, index in self._vocab.items()}
        self._unk_id = self._vocab[self.unk_token]
        self._eos_id = self._vocab[self.eos_token]
        self._special_ids = {
            self._vocab[token]
            for token in (self.unk_token, self.eos_token, self.pad_token)
            if token in self._vocab
        }
        specials = (self.eos_token, self.unk_token, self.pad_token)
        self._special_split = re.compile("(" + "|".join(re.escape(t) for t in specials) + ")")
        # With one vocabulary for both sides (opus-mt; ``usable`` requires it),
        # MarianTokenizer encodes and decodes with the source model.
        self._spm = sentencepiece.SentencePieceProcessor(model_file=str(folder / "source.spm"))

    @classmethod
    def usable(cls, folder: Path) -> bool:
        """Whether ``folder`` holds a Marian tokenizer this class reproduces."""
        try:
            config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        files = ("source.spm", "vocab.json")
        return (
            isinstance(config, dict)
            and config.get("tokenizer_class") == "MarianTokenizer"
            and not config.get("separate_vocabs", False)
            and all((folder / name).is_file() for name in files)
        )

    def __call__(self, texts: Sequence[str], **_: Any) -> dict[str, list[list[int]]]:
        """Token ids of each text, end token appended (nothing is ever truncated)."""
        vocab, unk, eos = self._vocab, self._unk_id, self._eos_id
        rows = []
        for text in texts:
            tokens: list[str] = []
            # Special tokens written in the text are tokens, as in MarianTokenizer.
            for i, part in enumerate(self._special_split.split(text)):
                if i % 2:
                    tokens.append(part)
                elif part:
                    code, rest = _language_code(part) if i == 0 else ([], part)
                    tokens += code + self._spm.encode(rest, out_type=str)
            rows.append([vocab.get(token, unk) for token in tokens] + [eos])
        return {"input_ids": rows}

    def convert_ids_to_tokens(self, ids: Any) -> Any:
        if isinstance(ids, int):
            return self._tokens.get(ids, self.unk_token)
        return [self._tokens.get(i, self.unk_token) for i in ids]

    def convert_tokens_to_ids(self, tokens: Sequence[str]) -> list[int]:
        return [self._vocab.get(token, self._unk_id) for token in tokens]

    def batch_decode(self, rows: Sequence[Sequence[int]], **_: Any) -> list[str]:
        """Each row as text, special tokens skipped (the engine always skips them)."""
        special, tokens = self._special_ids, self._tokens
        pieces = [[tokens[i] for i in row if i not in special and i in tokens] for row in rows]
        decoded = self._spm.decode_pieces(pieces)
        return [text.replace(_SPACE_MARK, " ").strip() for text in decoded]


def _language_code(text: str) -> tuple[list[str], str]:
    """A leading ``>>xx<<`` is one token, as in MarianTokenizer (multilingual models)."""
    if text.startswith(">>") and (end := text.find("<<")) != -1:
        return [text[: end + 2]], text[end + 2 :]
    return [], text
