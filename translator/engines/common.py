"""What the engines share: a base class, tokenizer loading and model checks, token counting
and length limits, batching by length, batch progress and out-of-memory errors.

Nothing here imports torch, transformers or ctranslate2 at module level.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from translator.errors import ModelLoadError, OutOfMemoryError
from translator.schema import ModelInfo

# Padded source tokens per batch: bounds memory on long inputs whatever batch_size says.
MAX_BATCH_TOKENS = 8192
# The torch engine's sentences per batch when none is asked for.
TORCH_BATCH_SENTENCES = 32
# CTranslate2's automatic batches: at most this many padded hypothesis tokens each
# (sentences x beams x the batch's longest source) and this many hypotheses. A step costs
# a fixed part (the weights are read once per step, whatever the rows) and a part per
# hypothesis; every row of a batch decodes as long as its longest, so long sentences share
# a batch with few others and short ones with many. Measured by `make bench` and, on four
# CPU configurations, `make bench-cpus` (benchmarks/cpu_kinds.py; the README's speed section).
HYPOTHESIS_TOKENS_PER_BATCH = 960
HYPOTHESES_PER_BATCH = 64
# On a GPU a step's fixed part is a kernel launch per layer, and rows run in parallel:
# larger batches, as CTranslate2's GPU guidance has them. Not measured here (no GPU was
# lent); the padded-source cap (MAX_BATCH_TOKENS) still bounds memory.
GPU_HYPOTHESIS_TOKENS_PER_BATCH = 16_384
GPU_HYPOTHESES_PER_BATCH = 512


def automatic_batch_bounds(device: str) -> tuple[int, int]:
    """The automatic batches' bounds on ``device`` ("cpu" or "cuda"): padded hypothesis
    tokens and hypotheses a batch."""
    if device.startswith("cuda"):
        return GPU_HYPOTHESIS_TOKENS_PER_BATCH, GPU_HYPOTHESES_PER_BATCH
    return HYPOTHESIS_TOKENS_PER_BATCH, HYPOTHESES_PER_BATCH


SUMMARY_BATCH_SIZE = 4
# No model accepts more than this; tokenizers without a limit report a huge sentinel.
_NO_LIMIT = 1_000_000


class EngineBase:
    """What every engine holds and answers the same way: its model, tokenizer, device,
    decoding settings, input limit and token counts."""

    def __init__(
        self,
        tokenizer: Any,
        info: ModelInfo,
        *,
        device: str,
        beams: int | None,
        batch_size: int,
        max_input_tokens: int,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self._tokenizer = tokenizer
        self._info = info
        self.device = device
        self._beams = beams
        self._batch_size = batch_size
        self._max_input_tokens = max_input_tokens

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def max_input_tokens(self) -> int:
        return self._max_input_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Token counts with the model's special tokens included, as the model sees them."""
        return _count_tokens(self._tokenizer, texts)


def read_json(path: Path) -> dict[str, Any]:
    """A model folder's JSON file as a dict; {} when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_tokenizer(folder: Path, task: str) -> Any:
    """The model's own tokenizer (both engines use it). Failures propagate to the caller."""
    import transformers

    tokenizer_class: Any = (
        transformers.MarianTokenizer if task == "translation" else _tokenizer_class(folder)
    )
    with warnings.catch_warnings():
        # MarianTokenizer asks for sacremoses, which it only uses in a method we never call.
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        return tokenizer_class.from_pretrained(folder, trust_remote_code=False)


def _tokenizer_class(folder: Path) -> Any:
    """The tokenizer class the folder names, else AutoTokenizer.

    AutoTokenizer reads the model config through code that imports torch (some 400 MB):
    the CTranslate2 engine would pay for it without using it.
    """
    import transformers

    name = read_json(folder / "tokenizer_config.json").get("tokenizer_class")
    named = getattr(transformers, name, None) if isinstance(name, str) else None
    if isinstance(named, type) and issubclass(named, transformers.PreTrainedTokenizerBase):
        return named
    return transformers.AutoTokenizer


@contextmanager
def no_progress_bars(transformers: Any) -> Iterator[None]:
    """Silence transformers' "Loading weights" bars: the library never writes to the terminal."""
    from huggingface_hub.utils.tqdm import are_progress_bars_disabled

    hf_logging = transformers.utils.logging
    # transformers' switch also drives huggingface_hub's: turning it back on must not undo
    # a caller's (e.g. `models pull -q`) choice to silence the hub.
    enabled = hf_logging.is_progress_bar_enabled() and not are_progress_bars_disabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def check_model_type(folder: Path, config: Any, task: str) -> None:
    """Refuse a model that cannot do ``task``, with a message that says which model to pass."""
    model_type = getattr(config, "model_type", "unknown")
    if not getattr(config, "is_encoder_decoder", False):
        raise ModelLoadError(
            f"The model in {folder} ({model_type}) is not a sequence-to-sequence model and "
            f"cannot do {task}. Pass a MarianMT model for translation or a BART-like model "
            "for summaries."
        )
    if task == "translation" and model_type != "marian":
        raise ModelLoadError(
            f"The model in {folder} is a {model_type} model, not a MarianMT translation model. "
            "Pass a MarianMT model (such as Helsinki-NLP/opus-mt-de-en) with "
            "-m/--translation-model; "
            "summarization models go to --summarization-model."
        )
    if task == "summarization" and model_type == "marian":
        raise ModelLoadError(
            f"The model in {folder} is a MarianMT translation model, not a summarization model. "
            "Pass a summarization model (such as sshleifer/distilbart-cnn-12-6) instead."
        )


def usable_cpus() -> int:
    """The cores this process may run on (a container's share, not the machine's count)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def input_limit(tokenizer: Any, positions: int | None) -> int:
    """The most source tokens the model takes: its tokenizer's limit within its position table."""
    limits = [getattr(tokenizer, "model_max_length", None), positions]
    usable = [limit for limit in limits if isinstance(limit, int) and 0 < limit < _NO_LIMIT]
    return min(usable) if usable else 512


def _count_tokens(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    if not texts:
        return []
    # verbose=False: counting is how callers find over-long texts, so no length warning.
    encoded = tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
    return [len(ids) for ids in encoded["input_ids"]]


def check_lengths(counts: Sequence[int], limit: int) -> None:
    """Refuse a text longer than the model's input ``limit``: engines never truncate."""
    for index, count in enumerate(counts):
        if count > limit:
            raise ValueError(
                f"text {index} has {count} tokens, more than the model's {limit}; "
                "split it before calling the engine (nothing is truncated)"
            )


def check_summary_lengths(min_tokens: int, max_tokens: int) -> None:
    """Refuse summary lengths no model can meet (both engines' ``summarize`` check this)."""
    if not 0 <= min_tokens <= max_tokens or max_tokens < 1:
        raise ValueError(f"need 0 <= min_tokens <= max_tokens, got {min_tokens}, {max_tokens}")


def output_bounds(counts: Sequence[int], *, strict: bool, ceiling: int) -> list[int]:
    """Each text's most new tokens (end-of-sentence included), from its source length.

    Random or confused weights can loop; a bound tied to each text's own length keeps
    every call finite, and strict mode (a retry after a bad output) bounds it tighter.
    """
    return [min(int(count * 1.5) + 5 if strict else count * 2 + 10, ceiling) for count in counts]


def max_output_tokens(configured_max_length: int | None, positions: int | None) -> int:
    """The most new tokens a model may generate: its generation ``max_length`` (which counts
    the decoder start token) within its position table."""
    limit = min(configured_max_length or _NO_LIMIT, positions or _NO_LIMIT)
    return max(limit - 1, 1)


# Who hears of each finished engine batch (progress displays); a ContextVar, so an engine
# needs no new argument and concurrent runs (threads) each hear only their own batches.
_batch_listener: ContextVar[Callable[[int], None] | None] = ContextVar(
    "batch_listener", default=None
)


@contextmanager
def listen_to_batches(listener: Callable[[int], None]) -> Iterator[None]:
    """Call ``listener(texts)`` after each model batch an engine finishes in this context."""
    token = _batch_listener.set(listener)
    try:
        yield
    finally:
        _batch_listener.reset(token)


def batch_finished(texts: int) -> None:
    """Engines call this after each model batch (``texts``: how many it held)."""
    listener = _batch_listener.get()
    if listener is not None:
        listener(texts)


def token_bounded_batches(
    counts: Sequence[int],
    beams: int,
    hypothesis_tokens: int,
    most_hypotheses: int,
    max_batch_tokens: int = MAX_BATCH_TOKENS,
) -> list[list[int]]:
    """Indexes in length-sorted batches, longest first, each holding at most
    ``hypothesis_tokens`` padded hypothesis tokens (sentences x ``beams`` x its longest
    source), ``most_hypotheses`` hypotheses and ``max_batch_tokens`` padded source tokens.
    A pure function of its arguments: the same texts always batch the same way, and a
    batch is never empty."""
    beams = max(beams, 1)
    return length_sorted_batches(
        counts,
        max(1, most_hypotheses // beams),
        min(max_batch_tokens, max(1, hypothesis_tokens // beams)),
    )


def length_sorted_batches(
    counts: Sequence[int], batch_size: int, max_batch_tokens: int
) -> list[list[int]]:
    """Indexes grouped into batches of similar length, longest first.

    Sorting keeps padding low; the token cap (padded tokens: size x longest) keeps
    memory bounded when the sentences are long. A batch always holds at least one text.
    """
    order = sorted(range(len(counts)), key=lambda index: counts[index], reverse=True)
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        if current and (
            len(current) >= batch_size or (len(current) + 1) * counts[current[0]] > max_batch_tokens
        ):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


_OUT_OF_MEMORY_MESSAGE = (
    "out of memory ({cause}). Split the input into smaller files, lower --batch-size, "
    "or use --device cpu when the GPU's memory is too small."
)


def is_out_of_memory(error: BaseException) -> bool:
    """torch's OutOfMemoryError, CTranslate2's "out of memory" RuntimeError, a MemoryError."""
    if isinstance(error, MemoryError):
        return True
    if type(error).__name__ == "OutOfMemoryError":  # torch.OutOfMemoryError, without torch
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()


@contextmanager
def out_of_memory_as_error() -> Iterator[None]:
    """Turn the engines' many out-of-memory exceptions into one OutOfMemoryError."""
    try:
        yield
    except Exception as error:
        if not is_out_of_memory(error):
            raise
        cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise OutOfMemoryError(_OUT_OF_MEMORY_MESSAGE.format(cause=cause[:200])) from error
