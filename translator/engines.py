"""Translation and summarization engines: protocols and their implementations.

This is the only module that imports torch, transformers or ctranslate2, and it does
so inside functions, so that ``translator --help`` never pays for them.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from translator.errors import ModelLoadError, TranslatorError
from translator.schema import ModelInfo
from translator.store import resolve_model


class TranslationEngine(Protocol):
    """Translates German sentences to English. Implementations batch and sort by length."""

    @property
    def info(self) -> ModelInfo: ...

    @property
    def max_input_tokens(self) -> int: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Source-side token counts, as the model's tokenizer sees the texts."""
        ...

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        """One translation per text, in order. ``strict`` asks for conservative decoding
        (repetition blocked, output length bounded) for a retry after a bad output."""
        ...


class SummarizationEngine(Protocol):
    """Summarizes English text."""

    @property
    def info(self) -> ModelInfo: ...

    @property
    def max_input_tokens(self) -> int: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def summarize(
        self,
        texts: Sequence[str],
        *,
        min_tokens: int,
        max_tokens: int,
        strict: bool = False,
    ) -> list[str]:
        """One summary per text. ``strict`` asks for stricter anti-repetition settings."""
        ...


# --- transformers implementations -------------------------------------------------------

_DEVICES = ("auto", "cpu", "cuda")
# Padded source tokens per batch: bounds memory on long inputs whatever batch_size says.
_MAX_BATCH_TOKENS = 8192
_SUMMARY_BATCH_SIZE = 4
# No model accepts more than this; tokenizers without a limit report a huge sentinel.
_NO_LIMIT = 1_000_000


def pick_device(device: str) -> str:
    """Resolve ``auto`` to ``cuda`` when a CUDA device is usable, else ``cpu``.

    Raises:
        ModelLoadError: an unknown device name, or ``cuda`` asked for but not available.
    """
    if device not in _DEVICES:
        raise ModelLoadError(f"Unknown device {device!r}. Use one of: {', '.join(_DEVICES)}.")
    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        raise ModelLoadError(
            f"CUDA was requested but no CUDA device is available (torch {torch.__version__}). "
            "Use --device cpu, or install a CUDA build of torch on a machine with a GPU."
        )
    return "cpu"


class TorchTranslator:
    """A MarianMT model and its tokenizer, translating in length-sorted batches."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        info: ModelInfo,
        *,
        device: str,
        beams: int | None = None,
        batch_size: int = 32,
        max_batch_tokens: int = _MAX_BATCH_TOKENS,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self._model = model
        self._tokenizer = tokenizer
        self._info = info
        self.device = device
        self._beams = beams
        self._batch_size = batch_size
        self._max_batch_tokens = max_batch_tokens
        self._max_input_tokens = _max_input_tokens(model, tokenizer)

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def max_input_tokens(self) -> int:
        return self._max_input_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Source-side token counts, end-of-sentence token included, as the model sees them."""
        return _count_tokens(self._tokenizer, texts)

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        """Translate each text; the result is in input order.

        Raises:
            ValueError: a text is longer than ``max_input_tokens`` (it is never truncated).
        """
        counts = self.count_tokens(texts)
        _check_lengths(counts, self._max_input_tokens)
        # Random or confused weights can loop; a bound tied to each text's own length keeps
        # every call finite, and strict mode (a retry after a bad output) bounds it tighter.
        ceiling = self._max_output_tokens()
        bounds = [
            min(int(count * 1.5) + 5 if strict else count * 2 + 10, ceiling) for count in counts
        ]
        options: dict[str, Any] = {}
        if self._beams is not None:
            options["num_beams"] = self._beams
        if strict:
            options.update(no_repeat_ngram_size=3, repetition_penalty=1.3)
        results: list[str] = [""] * len(texts)
        for batch in _length_sorted_batches(counts, self._batch_size, self._max_batch_tokens):
            batch_bounds = [bounds[i] for i in batch]
            outputs = _generate(
                self._model,
                self._tokenizer,
                [texts[i] for i in batch],
                # The per-text limit makes a text's output independent of its batch
                # neighbours; max_length is only the batch-wide backstop.
                {**options, "max_length": 1 + max(batch_bounds)},
                output_limits=batch_bounds,
            )
            for index, output in zip(batch, outputs, strict=True):
                results[index] = output
        return results

    def _max_output_tokens(self) -> int:
        configured = self._model.generation_config.max_length
        positions = getattr(self._model.config, "max_position_embeddings", None) or _NO_LIMIT
        limit = min(configured or _NO_LIMIT, positions)
        return max(limit - 1, 1)


class TorchSummarizer:
    """Any sequence-to-sequence summarization model (BART, PEGASUS, T5) and its tokenizer."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        info: ModelInfo,
        *,
        device: str,
        beams: int | None = None,
        batch_size: int = _SUMMARY_BATCH_SIZE,
    ) -> None:
        self._model = model
        self._tokenizer = tokenizer
        self._info = info
        self.device = device
        self._beams = beams
        self._batch_size = batch_size
        self._max_input_tokens = _max_input_tokens(model, tokenizer)

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def max_input_tokens(self) -> int:
        return self._max_input_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Token counts with the model's special tokens included, as the model sees them."""
        return _count_tokens(self._tokenizer, texts)

    def summarize(
        self,
        texts: Sequence[str],
        *,
        min_tokens: int,
        max_tokens: int,
        strict: bool = False,
    ) -> list[str]:
        """One summary per text, between ``min_tokens`` and ``max_tokens`` long.

        Raises:
            ValueError: impossible lengths, or a text longer than ``max_input_tokens``.
        """
        if not 0 <= min_tokens <= max_tokens or max_tokens < 1:
            raise ValueError(f"need 0 <= min_tokens <= max_tokens, got {min_tokens}, {max_tokens}")
        counts = self.count_tokens(texts)
        _check_lengths(counts, self._max_input_tokens)
        # Lengths count the decoder's start token, hence the + 1; passing them as
        # min_length/max_length overrides the model's own (distilbart-cnn: 56..142).
        options: dict[str, Any] = {"min_length": min_tokens + 1, "max_length": max_tokens + 1}
        if self._beams is not None:
            options["num_beams"] = self._beams
        if strict:
            configured = self._model.generation_config.length_penalty or 1.0
            options.update(
                no_repeat_ngram_size=3,
                repetition_penalty=1.2,
                length_penalty=max(configured, 1.0) + 1.0,
            )
        results: list[str] = [""] * len(texts)
        for batch in _length_sorted_batches(counts, self._batch_size, _MAX_BATCH_TOKENS):
            outputs = _generate(self._model, self._tokenizer, [texts[i] for i in batch], options)
            for index, output in zip(batch, outputs, strict=True):
                results[index] = output
        return results


def load_translator(
    model: str,
    *,
    device: str = "auto",
    beams: int | None = None,
    batch_size: int = 32,
    offline: bool | None = None,
) -> TranslationEngine:
    """Load a MarianMT translation model from a folder or the hub.

    Args:
        model: a model folder or hub id.
        device: ``auto``, ``cpu`` or ``cuda``.
        beams: beam size; ``None`` keeps the model's own (opus-mt: 4).
        batch_size: sentences per batch.
        offline: never contact the hub; ``None`` reads ``HF_HUB_OFFLINE``.

    Raises:
        ModelNotFoundError: the model is not on this machine and cannot be fetched.
        ModelLoadError: it is incomplete, not a translation model, or fails to load.
    """
    resolved = resolve_model(model, offline=offline)
    target = pick_device(device)
    loaded, tokenizer = _load_seq2seq(resolved.path, task="translation", device=target)
    return TorchTranslator(
        loaded, tokenizer, resolved.info, device=target, beams=beams, batch_size=batch_size
    )


def load_summarizer(
    model: str,
    *,
    device: str = "auto",
    beams: int | None = None,
    offline: bool | None = None,
) -> SummarizationEngine:
    """Load a sequence-to-sequence summarization model from a folder or the hub.

    Raises:
        ModelNotFoundError: the model is not on this machine and cannot be fetched.
        ModelLoadError: it is incomplete, not a summarization model, or fails to load.
    """
    resolved = resolve_model(model, offline=offline)
    target = pick_device(device)
    loaded, tokenizer = _load_seq2seq(resolved.path, task="summarization", device=target)
    return TorchSummarizer(loaded, tokenizer, resolved.info, device=target, beams=beams)


def _load_seq2seq(folder: Path, *, task: str, device: str) -> tuple[Any, Any]:
    """Load model and tokenizer from a checked folder; every failure is a ModelLoadError."""
    try:
        import torch
        import transformers

        config = transformers.AutoConfig.from_pretrained(folder, trust_remote_code=False)
        _check_model_type(folder, config, task)
        if task == "translation":
            model_class: Any = transformers.MarianMTModel
            tokenizer_class: Any = transformers.MarianTokenizer
        else:
            model_class = transformers.AutoModelForSeq2SeqLM
            tokenizer_class = transformers.AutoTokenizer
        safetensors = any(folder.glob("model*.safetensors"))
        weights: dict[str, Any] = (
            {"use_safetensors": True}
            if safetensors
            else {"use_safetensors": False, "weights_only": True}
        )
        with warnings.catch_warnings(), _no_progress_bars(transformers):
            # MarianTokenizer asks for sacremoses, which it only uses in a method we never call.
            warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
            tokenizer = tokenizer_class.from_pretrained(folder, trust_remote_code=False)
            model = model_class.from_pretrained(folder, trust_remote_code=False, **weights)
        if device == "cpu" and not os.environ.get("OMP_NUM_THREADS"):
            # Use every core this process may run on (not the machine's count, which can
            # exceed a container's share); an explicit OMP_NUM_THREADS wins.
            torch.set_num_threads(_usable_cpus())
        model.to(device)
        model.eval()
    except TranslatorError:
        raise
    except Exception as error:  # transformers raises many types; the user needs one message
        cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(
            f"The {task} model in {folder} could not be loaded ({type(error).__name__}: {cause}). "
            "Check that the folder holds a complete model, or download it again with "
            "`translator models pull`."
        ) from error
    return model, tokenizer


@contextmanager
def _no_progress_bars(transformers: Any) -> Iterator[None]:
    """Silence transformers' "Loading weights" bars: the library never writes to the terminal."""
    hf_logging = transformers.utils.logging
    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def _check_model_type(folder: Path, config: Any, task: str) -> None:
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
            "Pass a MarianMT model (such as Helsinki-NLP/opus-mt-de-en) with --model; "
            "summarization models go to --summary-model."
        )
    if task == "summarization" and model_type == "marian":
        raise ModelLoadError(
            f"The model in {folder} is a MarianMT translation model, not a summarization model. "
            "Pass a summarization model (such as sshleifer/distilbart-cnn-12-6) instead."
        )


def _usable_cpus() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _max_input_tokens(model: Any, tokenizer: Any) -> int:
    limits = [
        getattr(tokenizer, "model_max_length", None),
        getattr(model.config, "max_position_embeddings", None),
    ]
    usable = [limit for limit in limits if isinstance(limit, int) and 0 < limit < _NO_LIMIT]
    return min(usable) if usable else 512


def _count_tokens(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    if not texts:
        return []
    # verbose=False: counting is how callers find over-long texts, so no length warning.
    encoded = tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
    return [len(ids) for ids in encoded["input_ids"]]


def _check_lengths(counts: Sequence[int], limit: int) -> None:
    for index, count in enumerate(counts):
        if count > limit:
            raise ValueError(
                f"text {index} has {count} tokens, more than the model's {limit}; "
                "split it before calling the engine (nothing is truncated)"
            )


def _length_sorted_batches(
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


def _generate(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    options: dict[str, Any],
    *,
    output_limits: Sequence[int] | None = None,
) -> list[str]:
    """Generate for one batch; ``output_limits`` caps each text's new tokens separately."""
    import torch
    from transformers import LogitsProcessorList

    inputs = tokenizer(texts, padding=True, truncation=False, return_tensors="pt").to(model.device)
    if output_limits is not None:
        config = model.generation_config
        beams = options.get("num_beams") or config.num_beams or 1
        eos = config.eos_token_id
        eos_id = eos[0] if isinstance(eos, list) else eos
        if eos_id is not None:
            options = {
                **options,
                "logits_processor": LogitsProcessorList(
                    [_per_row_length_limit(output_limits, beams, eos_id)]
                ),
            }
    with torch.inference_mode():
        outputs = model.generate(**inputs, **options)
    decoded: list[str] = tokenizer.batch_decode(outputs, skip_special_tokens=True)
    return [text.strip() for text in decoded]


def _per_row_length_limit(limits: Sequence[int], beams: int, eos_id: int) -> Any:
    """A logits processor forcing end-of-sentence once a row has used its own token budget.

    ``generate`` only knows one ``max_length`` per batch; without this, a short sentence
    batched with a long one could ramble up to the long one's limit, and its output would
    depend on which batch it landed in.
    """
    import torch
    from transformers import LogitsProcessor

    class PerRowLengthLimit(LogitsProcessor):
        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
            # Rows are (text, beam) pairs; the first decoder token is the start token.
            generated = input_ids.shape[1] - 1
            row_limits = torch.tensor(limits, device=scores.device).repeat_interleave(beams)
            done = generated >= row_limits - 1
            if bool(done.any()):
                scores = scores.clone()
                scores[done] = -float("inf")
                scores[done, eos_id] = 0.0
            return scores

    return PerRowLengthLimit()
