"""Translation and summarization engines: protocols and their implementations.

This is the only module that imports torch, transformers or ctranslate2, and it does
so inside functions, so that ``translator --help`` never pays for them.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
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


class _EngineBase:
    """What every engine answers the same way: its model, its input limit, token counts."""

    _info: ModelInfo
    _tokenizer: Any
    _max_input_tokens: int

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def max_input_tokens(self) -> int:
        return self._max_input_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Token counts with the model's special tokens included, as the model sees them."""
        return _count_tokens(self._tokenizer, texts)


class TorchTranslator(_EngineBase):
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

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        """Translate each text; the result is in input order.

        Raises:
            ValueError: a text is longer than ``max_input_tokens`` (it is never truncated).
        """
        counts = self.count_tokens(texts)
        _check_lengths(counts, self._max_input_tokens)
        bounds = self._output_bounds(counts, strict)
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

    def _output_bounds(self, counts: Sequence[int], strict: bool) -> list[int]:
        """Each text's most new tokens, end-of-sentence included (benchmarks override it)."""
        positions = getattr(self._model.config, "max_position_embeddings", None)
        ceiling = _max_output_tokens(self._model.generation_config.max_length, positions)
        return output_bounds(counts, strict=strict, ceiling=ceiling)


class TorchSummarizer(_EngineBase):
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


# --- CTranslate2 implementations ---------------------------------------------------------

ENGINES = ("auto", "torch", "ct2")
"""Engine names for ``load_translator``/``load_summarizer`` (and ``--engine``)."""

# At most this many CTranslate2 workers, each decoding its own batch. Measured on 2 cores:
# inter_threads=2 x intra_threads=1 decodes 1.5x faster than one worker with 2 threads
# (914 against 617 tokens/s, opus-mt int8, beam 4).
_MAX_CT2_WORKERS = 4


@dataclass(frozen=True)
class _DecodingDefaults:
    """The model's own generation settings, read from its folder, as CTranslate2 options."""

    beams: int
    max_length: int | None
    positions: int | None
    length_penalty: float
    no_repeat_ngram_size: int
    repetition_penalty: float
    forced_first_token: str | None
    """BART forces ``<s>`` as the first generated token; CTranslate2 gets it as a prefix."""


class CT2Translator(_EngineBase):
    """A MarianMT model converted to CTranslate2, with the model's own tokenizer.

    Batches are length-sorted and capped by a token budget, as in ``TorchTranslator``, and
    several batches decode at once on CTranslate2's workers (``inter_threads``).
    """

    # CTranslate2 takes one length limit per batch. With this on, a row that ran past its
    # own limit (possible only when a longer neighbour raised the batch's) is decoded again
    # with its own, so no output depends on its batch neighbours. Benchmarks that force
    # every row to its limit turn it off and cut rows instead.
    _exact_row_limits = True

    def __init__(
        self,
        translator: Any,
        tokenizer: Any,
        info: ModelInfo,
        defaults: _DecodingDefaults,
        *,
        device: str,
        beams: int | None = None,
        batch_size: int = 32,
        max_batch_tokens: int = _MAX_BATCH_TOKENS,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self._translator = translator
        self._tokenizer = tokenizer
        self._info = info
        self._defaults = defaults
        self.device = device
        self._beams = beams if beams is not None else defaults.beams
        self._batch_size = batch_size
        self._max_batch_tokens = max_batch_tokens
        self._max_input_tokens = _input_limit(tokenizer, defaults.positions)

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        """Translate each text; the result is in input order.

        Raises:
            ValueError: a text is longer than ``max_input_tokens`` (it is never truncated).
        """
        if not texts:
            return []
        sources = _source_tokens(self._tokenizer, texts)
        counts = [len(tokens) for tokens in sources]
        _check_lengths(counts, self._max_input_tokens)
        # CTranslate2 counts generated tokens without the end token; the bounds include it.
        limits = [max(bound - 1, 1) for bound in self._output_bounds(counts, strict)]
        options: dict[str, Any] = {
            "beam_size": self._beams,
            "length_penalty": self._defaults.length_penalty,
            "no_repeat_ngram_size": self._defaults.no_repeat_ngram_size,
            "repetition_penalty": self._defaults.repetition_penalty,
        }
        if strict:
            options.update(no_repeat_ngram_size=3, repetition_penalty=1.3)
        # CTranslate2 decodes batch_size x beams hypotheses at once; measured on 2 cores
        # (benchmarks/run.py, 400 sentences, beam 4), 8 sentences a batch ran 1.75x faster
        # than 32 and used 40% less memory, while greedy decoding was best at 16-32. So a
        # batch holds batch_size hypotheses, not sentences.
        per_batch = _balanced_batch_size(
            len(texts),
            max(1, self._batch_size // max(self._beams, 1)),
            getattr(self._translator, "num_translators", 1),
        )
        batches = _length_sorted_batches(counts, per_batch, self._max_batch_tokens)
        outputs, batch_limits = _decode_batches(self._translator, sources, batches, limits, options)
        if self._exact_row_limits:
            over = [
                i
                for i, output in enumerate(outputs)
                if len(output) >= limits[i] and batch_limits[i] > limits[i]
            ]
            by_limit: dict[int, list[int]] = {}
            for index in over:
                by_limit.setdefault(limits[index], []).append(index)
            redo: list[list[int]] = []
            for rows in by_limit.values():
                for batch in _length_sorted_batches(
                    [counts[i] for i in rows], per_batch, self._max_batch_tokens
                ):
                    redo.append([rows[i] for i in batch])
            redone, _ = _decode_batches(self._translator, sources, redo, limits, options)
            for batch in redo:
                for index in batch:
                    outputs[index] = redone[index]
        cut = [output[: limits[i]] for i, output in enumerate(outputs)]
        return _detokenize(self._tokenizer, cut)

    def _output_bounds(self, counts: Sequence[int], strict: bool) -> list[int]:
        """Each text's most new tokens, end-of-sentence included (benchmarks override it)."""
        ceiling = _max_output_tokens(self._defaults.max_length, self._defaults.positions)
        return output_bounds(counts, strict=strict, ceiling=ceiling)


class CT2Summarizer(_EngineBase):
    """A BART-like summarization model converted to CTranslate2, with its own tokenizer."""

    def __init__(
        self,
        summarizer: Any,
        tokenizer: Any,
        info: ModelInfo,
        defaults: _DecodingDefaults,
        *,
        device: str,
        beams: int | None = None,
        batch_size: int = _SUMMARY_BATCH_SIZE,
    ) -> None:
        self._summarizer = summarizer
        self._tokenizer = tokenizer
        self._info = info
        self._defaults = defaults
        self.device = device
        self._beams = beams if beams is not None else defaults.beams
        self._batch_size = batch_size
        self._max_input_tokens = _input_limit(tokenizer, defaults.positions)

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
        if not texts:
            return []
        sources = _source_tokens(self._tokenizer, texts)
        counts = [len(tokens) for tokens in sources]
        _check_lengths(counts, self._max_input_tokens)
        defaults = self._defaults
        # The end token is one of max_tokens, as in the torch engine; CTranslate2's limits
        # count the forced first token but not the end token.
        limit = max(max_tokens - 1, min_tokens, 1)
        options: dict[str, Any] = {
            "beam_size": self._beams,
            "min_decoding_length": min_tokens,
            "length_penalty": defaults.length_penalty,
            "no_repeat_ngram_size": defaults.no_repeat_ngram_size,
            "repetition_penalty": defaults.repetition_penalty,
        }
        if strict:
            options.update(
                no_repeat_ngram_size=3,
                repetition_penalty=1.2,
                length_penalty=max(defaults.length_penalty, 1.0) + 1.0,
            )
        prefix = [defaults.forced_first_token] if defaults.forced_first_token is not None else None
        batches = _length_sorted_batches(counts, self._batch_size, _MAX_BATCH_TOKENS)
        outputs, _ = _decode_batches(
            self._summarizer, sources, batches, [limit] * len(texts), options, prefix=prefix
        )
        return _detokenize(self._tokenizer, outputs)


def _source_tokens(tokenizer: Any, texts: Sequence[str]) -> list[list[str]]:
    """Each text as the token strings CTranslate2 takes, special tokens included."""
    encoded = tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
    return [tokenizer.convert_ids_to_tokens(ids) for ids in encoded["input_ids"]]


def _detokenize(tokenizer: Any, outputs: Sequence[Sequence[str]]) -> list[str]:
    ids = [tokenizer.convert_tokens_to_ids(list(tokens)) for tokens in outputs]
    decoded: list[str] = tokenizer.batch_decode(ids, skip_special_tokens=True)
    return [text.strip() for text in decoded]


def _decode_batches(
    model: Any,
    sources: Sequence[list[str]],
    batches: Sequence[Sequence[int]],
    limits: Sequence[int],
    options: dict[str, Any],
    *,
    prefix: list[str] | None = None,
) -> tuple[list[list[str]], list[int]]:
    """Decode every batch, all queued at once so that CTranslate2's workers share them.

    Returns each row's tokens (end token excluded) and the limit its batch ran with: the
    largest of its rows' ``limits``. ``prefix``, when given, starts every row's output.
    """
    queued = []
    for batch in batches:
        limit = max(limits[i] for i in batch)
        results = model.translate_batch(
            [sources[i] for i in batch],
            target_prefix=[prefix] * len(batch) if prefix is not None else None,
            asynchronous=True,
            max_decoding_length=limit,
            # Lengths were checked; never let CTranslate2 truncate (its default is 1,024).
            max_input_length=0,
            **options,
        )
        queued.append((batch, limit, results))
    outputs: list[list[str]] = [[] for _ in sources]
    batch_limits = [0] * len(sources)
    for batch, limit, results in queued:
        for index, result in zip(batch, results, strict=True):
            outputs[index] = list(result.result().hypotheses[0])
            batch_limits[index] = limit
    return outputs, batch_limits


def _read_decoding_defaults(folder: Path, tokenizer: Any) -> _DecodingDefaults:
    """The generation settings ``generate`` would use, from generation_config.json (else
    config.json, where older models keep them)."""
    config = _read_json(folder / "config.json")
    generation = _read_json(folder / "generation_config.json") or config

    def number(key: str, default: float) -> float:
        value = generation.get(key, config.get(key))
        return float(value) if isinstance(value, int | float) and value is not None else default

    forced = generation.get("forced_bos_token_id", config.get("forced_bos_token_id"))
    max_length = generation.get("max_length", config.get("max_length"))
    positions = config.get("max_position_embeddings")
    return _DecodingDefaults(
        beams=max(int(number("num_beams", 1)), 1),
        max_length=max_length if isinstance(max_length, int) else None,
        positions=positions if isinstance(positions, int) else None,
        length_penalty=number("length_penalty", 1.0),
        no_repeat_ngram_size=int(number("no_repeat_ngram_size", 0)),
        repetition_penalty=number("repetition_penalty", 1.0),
        forced_first_token=(
            tokenizer.convert_ids_to_tokens(forced) if isinstance(forced, int) else None
        ),
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pick_engine(engine: str, model_folder: Path) -> str:
    """Resolve ``engine`` for the model in ``model_folder`` to ``torch`` or ``ct2``.

    ``auto`` is ``ct2`` when ctranslate2 is installed and the model has a current
    CTranslate2 copy (``translator models convert``), else ``torch``.

    Raises:
        ModelLoadError: an unknown engine, or ``ct2`` asked for but not usable.
    """
    from translator import convert

    if engine not in ENGINES:
        raise ModelLoadError(f"Unknown engine {engine!r}. Use one of: {', '.join(ENGINES)}.")
    if engine == "torch":
        return "torch"
    usable = convert.ctranslate2_available()
    if engine == "auto":
        return "ct2" if usable and convert.find_converted(model_folder) is not None else "torch"
    if not usable:
        raise ModelLoadError(
            "The ct2 engine needs CTranslate2, which is not installed. Install it with "
            "`pip install 'translator[fast]'`, or use --engine torch."
        )
    if convert.find_converted(model_folder) is None:
        raise ModelLoadError(
            f"The model in {model_folder} has no CTranslate2 copy yet (or it is out of date). "
            "Make one with `translator models convert MODEL`, or use --engine torch."
        )
    return "ct2"


def _ct2_device(device: str) -> str:
    if device not in _DEVICES:
        raise ModelLoadError(f"Unknown device {device!r}. Use one of: {', '.join(_DEVICES)}.")
    if device == "cpu":
        return "cpu"
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        return "cuda"
    if device == "cuda":
        raise ModelLoadError(
            "CUDA was requested but CTranslate2 finds no CUDA device. "
            "Use --device cpu, or run on a machine with a GPU and a CUDA build of CTranslate2."
        )
    return "cpu"


def _ct2_threads() -> tuple[int, int]:
    """(inter_threads, intra_threads) for the CPU: one thread per worker, one worker per
    core up to four, the rest shared out. ``OMP_NUM_THREADS`` caps the total when set."""
    budget = _usable_cpus()
    configured = os.environ.get("OMP_NUM_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        budget = min(budget, int(configured))
    workers = min(budget, _MAX_CT2_WORKERS)
    return workers, max(budget // workers, 1)


def _load_ct2(model_folder: Path, *, task: str, device: str) -> tuple[Any, Any, _DecodingDefaults]:
    """Load a converted model, its tokenizer and decoding defaults; failures are
    ModelLoadErrors."""
    from translator import convert

    converted = convert.find_converted(model_folder)
    if converted is None:  # pick_engine checked; the folder changed since
        raise ModelLoadError(
            f"The CTranslate2 copy of {model_folder} disappeared. "
            "Make it again with `translator models convert MODEL`."
        )
    config = SimpleNamespace(**_read_json(model_folder / "config.json"))
    _check_model_type(model_folder, config, task)
    target = _ct2_device(device)
    try:
        import ctranslate2

        from translator.marian_pieces import MarianPieces

        tokenizer = (
            MarianPieces(model_folder)
            if task == "translation" and MarianPieces.usable(model_folder)
            else _load_tokenizer(model_folder, task)
        )
        defaults = _read_decoding_defaults(model_folder, tokenizer)
        if target == "cuda":
            model = ctranslate2.Translator(str(converted), device="cuda", compute_type="float16")
        else:
            workers, threads = _ct2_threads()
            if task == "summarization":
                # A summary is one long input: one worker using every core beats parallel
                # workers that would sit idle.
                workers, threads = 1, workers * threads
            model = ctranslate2.Translator(
                str(converted),
                device="cpu",
                compute_type="int8",
                inter_threads=workers,
                intra_threads=threads,
            )
    except TranslatorError:
        raise
    except Exception as error:  # ctranslate2 and transformers raise many types
        cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(
            f"The CTranslate2 {task} model in {converted} could not be loaded "
            f"({type(error).__name__}: {cause}). Convert it again with "
            "`translator models convert MODEL --force`, or use --engine torch."
        ) from error
    return model, tokenizer, defaults


def load_translator(
    model: str,
    *,
    device: str = "auto",
    beams: int | None = None,
    batch_size: int = 32,
    offline: bool | None = None,
    engine: str = "auto",
) -> TranslationEngine:
    """Load a MarianMT translation model from a folder or the hub.

    Args:
        model: a model folder or hub id.
        device: ``auto``, ``cpu`` or ``cuda``.
        beams: beam size; ``None`` keeps the model's own (opus-mt: 4).
        batch_size: sentences per batch.
        offline: never contact the hub; ``None`` reads ``HF_HUB_OFFLINE``.
        engine: ``torch``, ``ct2`` (CTranslate2: int8 on CPU, float16 on CUDA), or
            ``auto``: ``ct2`` when the model has a CTranslate2 copy (``pick_engine``).

    Raises:
        ModelNotFoundError: the model is not on this machine and cannot be fetched.
        ModelLoadError: it is incomplete, not a translation model, fails to load, or
            the engine asked for cannot be used.
    """
    resolved = resolve_model(model, offline=offline, task="translation")
    if pick_engine(engine, resolved.path) == "ct2":
        translator, tokenizer, defaults = _load_ct2(
            resolved.path, task="translation", device=device
        )
        return CT2Translator(
            translator,
            tokenizer,
            resolved.info,
            defaults,
            device=translator.device,
            beams=beams,
            batch_size=batch_size,
        )
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
    engine: str = "auto",
) -> SummarizationEngine:
    """Load a sequence-to-sequence summarization model from a folder or the hub.

    ``engine`` is as for ``load_translator``.

    Raises:
        ModelNotFoundError: the model is not on this machine and cannot be fetched.
        ModelLoadError: it is incomplete, not a summarization model, fails to load, or
            the engine asked for cannot be used.
    """
    resolved = resolve_model(model, offline=offline, task="summarization")
    if pick_engine(engine, resolved.path) == "ct2":
        summarizer, tokenizer, defaults = _load_ct2(
            resolved.path, task="summarization", device=device
        )
        return CT2Summarizer(
            summarizer, tokenizer, resolved.info, defaults, device=summarizer.device, beams=beams
        )
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
        model_class: Any = (
            transformers.MarianMTModel
            if task == "translation"
            else transformers.AutoModelForSeq2SeqLM
        )
        safetensors = any(folder.glob("model*.safetensors"))
        weights: dict[str, Any] = (
            {"use_safetensors": True}
            if safetensors
            else {"use_safetensors": False, "weights_only": True}
        )
        tokenizer = _load_tokenizer(folder, task)
        with _no_progress_bars(transformers):
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


def _load_tokenizer(folder: Path, task: str) -> Any:
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

    name = _read_json(folder / "tokenizer_config.json").get("tokenizer_class")
    named = getattr(transformers, name, None) if isinstance(name, str) else None
    if isinstance(named, type) and issubclass(named, transformers.PreTrainedTokenizerBase):
        return named
    return transformers.AutoTokenizer


@contextmanager
def _no_progress_bars(transformers: Any) -> Iterator[None]:
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


def convert_to_ctranslate2(model_folder: Path, output: Path, quantization: str) -> None:
    """Run CTranslate2's converter on a Hugging Face folder (translator.convert owns where
    the result goes). Raises ModelLoadError when the model cannot be converted."""
    import transformers
    from ctranslate2.converters import TransformersConverter

    class _Converter(TransformersConverter):  # type: ignore[misc]
        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            # Repositories that ship only pickled weights are read with weights_only,
            # exactly as the torch engine reads them.
            if not any(Path(model_name_or_path).glob("model*.safetensors")):
                kwargs.update(use_safetensors=False, weights_only=True)
            model = model_class.from_pretrained(model_name_or_path, **kwargs)
            # The converter reads BART's old `normalize_before` flag, which transformers 5
            # no longer writes into configs. BART and Marian are post-norm models.
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return model

    try:
        with _no_progress_bars(transformers), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
            _Converter(str(model_folder)).convert(
                str(output), quantization=quantization, force=True
            )
    except Exception as error:  # the converter raises many types; the user needs one message
        cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(
            f"The model in {model_folder} could not be converted to CTranslate2 "
            f"({type(error).__name__}: {cause}). Check that the folder holds a complete "
            "MarianMT or BART model; the torch engine (--engine torch) still works without it."
        ) from error


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
            "summarization models go to --summarization-model."
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
    return _input_limit(tokenizer, getattr(model.config, "max_position_embeddings", None))


def _input_limit(tokenizer: Any, positions: int | None) -> int:
    limits = [getattr(tokenizer, "model_max_length", None), positions]
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


def output_bounds(counts: Sequence[int], *, strict: bool, ceiling: int) -> list[int]:
    """Each text's most new tokens (end-of-sentence included), from its source length.

    Random or confused weights can loop; a bound tied to each text's own length keeps
    every call finite, and strict mode (a retry after a bad output) bounds it tighter.
    """
    return [min(int(count * 1.5) + 5 if strict else count * 2 + 10, ceiling) for count in counts]


def _max_output_tokens(configured_max_length: int | None, positions: int | None) -> int:
    """The most new tokens a model may generate: its generation ``max_length`` (which counts
    the decoder start token) within its position table."""
    limit = min(configured_max_length or _NO_LIMIT, positions or _NO_LIMIT)
    return max(limit - 1, 1)


def _balanced_batch_size(rows: int, most: int, workers: int) -> int:
    """The batch size, at most ``most``, that gives each of ``workers`` the same number of
    batches: 45 rows at 32 a batch would keep one worker busy with 32 while the other is
    done with 13 and idles; 23 and 22 finish together."""
    batches = -(-rows // most)
    batches = -(-batches // workers) * workers
    return max(1, -(-rows // batches))


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
