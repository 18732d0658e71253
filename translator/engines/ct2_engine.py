"""The CTranslate2 engines: the same models converted (``translator models convert``), int8
on CPU and float16 on CUDA, several batches decoding at once."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from translator.engines import common
from translator.engines.base import (
    Device,
    FinishedBatch,
    Hypothesis,
    ScoredTranslation,
    best_and_alternatives,
    collect,
    parse_device,
)
from translator.engines.common import (
    MAX_BATCH_TOKENS,
    SUMMARY_BATCH_SIZE,
    EngineBase,
    automatic_batch_bounds,
    batch_finished,
    check_lengths,
    check_model_type,
    check_summary_lengths,
    input_limit,
    length_sorted_batches,
    load_tokenizer,
    max_output_tokens,
    out_of_memory_as_error,
    output_bounds,
    read_json,
    token_bounded_batches,
)
from translator.errors import ModelLoadError, TranslatorError
from translator.schema import ModelInfo

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


class CT2Translator(EngineBase):
    """A MarianMT model converted to CTranslate2, with the model's own tokenizer.

    Batches are length-sorted and capped by a token budget, as in ``TorchTranslator``, and
    several batches decode at once on CTranslate2's workers (``inter_threads``).
    """

    # CTranslate2 takes one length limit per batch. With this on, a row that ran past its
    # own limit (possible only when a longer neighbour raised the batch's) is decoded again
    # with its own, so no output depends on its batch neighbours. Benchmarks that force
    # every row to its limit turn it off and cut rows instead.
    _exact_row_limits = True
    _beams: int  # the model's own beam count when none is given

    def __init__(
        self,
        translator: Any,
        tokenizer: Any,
        info: ModelInfo,
        defaults: _DecodingDefaults,
        *,
        device: str,
        beams: int | None = None,
        batch_size: int | None = None,
        max_batch_tokens: int = MAX_BATCH_TOKENS,
        hypothesis_tokens: int | None = None,
    ) -> None:
        super().__init__(
            tokenizer,
            info,
            device=device,
            beams=beams if beams is not None else defaults.beams,
            batch_size=batch_size or 1,
            max_input_tokens=input_limit(tokenizer, defaults.positions),
        )
        # None: automatic, bounded by tokens (token_bounded_batches); a number: hypotheses.
        self._hypotheses_per_batch = batch_size
        tokens, self._most_hypotheses = automatic_batch_bounds(device)
        self._hypothesis_tokens = hypothesis_tokens or tokens
        self._translator = translator
        self._defaults = defaults
        self._max_batch_tokens = max_batch_tokens

    def translate(self, texts: Sequence[str], *, strict: bool = False) -> list[str]:
        """Translate each text; the result is in input order.

        Raises:
            ValueError: a text is longer than ``max_input_tokens`` (it is never truncated).
        """
        return [scored.text for scored in self.translate_scored(texts, strict=strict)]

    def translate_scored(
        self, texts: Sequence[str], *, strict: bool = False, alternatives: int = 0
    ) -> list[ScoredTranslation]:
        """Each text's translation with its average log-probability per token, and up to
        ``alternatives`` other hypotheses (the beam widens to hold them)."""
        return collect(
            self.submit_scored(texts, strict=strict, alternatives=alternatives), len(texts)
        )

    def submit_scored(
        self,
        texts: Sequence[str],
        *,
        strict: bool = False,
        alternatives: int = 0,
        scores: bool = True,
    ) -> Iterator[FinishedBatch]:
        """``translate_scored``'s translations, every batch queued now and each batch's
        rows yielded as it finishes: what the caller submits meanwhile decodes beside the
        rest on the same workers (``ConcurrentEngine``)."""
        if not texts:
            return iter(())
        sources = _source_tokens(self._tokenizer, texts)
        counts = [len(tokens) for tokens in sources]
        check_lengths(counts, self._max_input_tokens)
        # CTranslate2 counts generated tokens without the end token; the bounds include it.
        limits = [max(bound - 1, 1) for bound in self._output_bounds(counts, strict)]
        # One more hypothesis than asked for: the best is the translation itself, and a
        # duplicate (same text, other tokens) is dropped.
        hypotheses = alternatives + 2 if alternatives > 0 else 1
        options: dict[str, Any] = {
            "beam_size": max(self._beams, hypotheses),
            "num_hypotheses": hypotheses,
            # Greedy decoding skips a log-softmax over the vocabulary a step without them
            # (6% of a greedy run); alternatives are ranked by score, so they need them.
            "return_scores": scores or alternatives > 0,
            "length_penalty": self._defaults.length_penalty,
            "no_repeat_ngram_size": self._defaults.no_repeat_ngram_size,
            "repetition_penalty": self._defaults.repetition_penalty,
        }
        if strict:
            options.update(no_repeat_ngram_size=3, repetition_penalty=1.3)
        batches = self._batches(counts, options["beam_size"])
        queued = _queue_batches(self._translator, sources, batches, limits, options)
        call = _Call(sources, counts, limits, options, alternatives)
        return self._finished_rows(call, queued)

    def _finished_rows(self, call: _Call, queued: list[_Queued]) -> Iterator[FinishedBatch]:
        """Each queued batch's rows as it finishes, scored. A row that ran past its own
        limit (``_exact_row_limits``) comes last, decoded again once every batch is in,
        with the others that did: the same batches as when nothing is yielded early."""
        over: list[int] = []
        workers = getattr(self._translator, "num_translators", 1)
        for position, (batch, limit, results) in enumerate(queued):
            ready = []
            for index, ranked in _collect(batch, results):
                if (
                    self._exact_row_limits
                    and len(ranked[0][0]) >= call.limits[index]
                    and limit > call.limits[index]
                ):
                    over.append(index)
                else:
                    ready.append((index, self._scored(ranked, call, index)))
            # Workers take batches in the order queued: with no more batches left than
            # workers, none waits.
            yield FinishedBatch(ready, draining=len(queued) - position - 1 <= workers)
        by_limit: dict[int, list[int]] = {}
        for index in over:
            by_limit.setdefault(call.limits[index], []).append(index)
        redo: list[list[int]] = []
        for rows in by_limit.values():
            for batch in self._batches([call.counts[i] for i in rows], call.options["beam_size"]):
                redo.append([rows[i] for i in batch])
        for batch, _, results in _queue_batches(
            self._translator, call.sources, redo, call.limits, call.options
        ):
            redone = _collect(batch, results)
            yield FinishedBatch(
                [(index, self._scored(ranked, call, index)) for index, ranked in redone]
            )

    def _scored(self, ranked: _Ranked, call: _Call, index: int) -> ScoredTranslation:
        """A row's hypotheses as its translation and alternatives, cut to its own limit."""
        limit = call.limits[index]
        return best_and_alternatives(
            [
                Hypothesis(text, _mean_log_probability(score, len(tokens), self._defaults))
                for (tokens, score), text in zip(
                    ranked,
                    _detokenize(self._tokenizer, [tokens[:limit] for tokens, _ in ranked]),
                    strict=True,
                )
            ],
            call.alternatives,
        )

    def _batches(self, counts: Sequence[int], beams: int) -> list[list[int]]:
        """CTranslate2 decodes sentences x beams hypotheses a step, so batches are sized
        in hypotheses: ``batch_size`` of them when one was asked for (balanced over the
        workers), else bounded by padded hypothesis tokens (``token_bounded_batches``)."""
        if self._hypotheses_per_batch is None:
            return token_bounded_batches(
                counts,
                beams,
                self._hypothesis_tokens,
                self._most_hypotheses,
                self._max_batch_tokens,
            )
        per_batch = _balanced_batch_size(
            len(counts),
            max(1, self._hypotheses_per_batch // max(beams, 1)),
            getattr(self._translator, "num_translators", 1),
        )
        return length_sorted_batches(counts, per_batch, self._max_batch_tokens)

    def _output_bounds(self, counts: Sequence[int], strict: bool) -> list[int]:
        """Each text's most new tokens, end-of-sentence included (benchmarks override it)."""
        ceiling = max_output_tokens(self._defaults.max_length, self._defaults.positions)
        return output_bounds(counts, strict=strict, ceiling=ceiling)


class CT2Summarizer(EngineBase):
    """A BART-like summarization model converted to CTranslate2, with its own tokenizer."""

    _beams: int  # the model's own beam count when none is given

    def __init__(
        self,
        summarizer: Any,
        tokenizer: Any,
        info: ModelInfo,
        defaults: _DecodingDefaults,
        *,
        device: str,
        beams: int | None = None,
        batch_size: int = SUMMARY_BATCH_SIZE,
    ) -> None:
        super().__init__(
            tokenizer,
            info,
            device=device,
            beams=beams if beams is not None else defaults.beams,
            batch_size=batch_size,
            max_input_tokens=input_limit(tokenizer, defaults.positions),
        )
        self._summarizer = summarizer
        self._defaults = defaults

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
        check_summary_lengths(min_tokens, max_tokens)
        if not texts:
            return []
        sources = _source_tokens(self._tokenizer, texts)
        counts = [len(tokens) for tokens in sources]
        check_lengths(counts, self._max_input_tokens)
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
        batches = length_sorted_batches(counts, self._batch_size, MAX_BATCH_TOKENS)
        queued = _queue_batches(
            self._summarizer, sources, batches, [limit] * len(texts), options, prefix=prefix
        )
        best = {
            index: ranked[0][0]
            for batch, _, results in queued
            for index, ranked in _collect(batch, results)
        }
        return _detokenize(self._tokenizer, [best[i] for i in range(len(texts))])


def _balanced_batch_size(rows: int, most: int, workers: int) -> int:
    """The batch size, at most ``most``, that gives each of ``workers`` the same number of
    batches: 45 rows at 32 a batch would keep one worker busy with 32 while the other is
    done with 13 and idles; 23 and 22 finish together."""
    batches = -(-rows // most)
    batches = -(-batches // workers) * workers
    return max(1, -(-rows // batches))


def _source_tokens(tokenizer: Any, texts: Sequence[str]) -> list[list[str]]:
    """Each text as the token strings CTranslate2 takes, special tokens included."""
    encoded = tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
    return [tokenizer.convert_ids_to_tokens(ids) for ids in encoded["input_ids"]]


def _detokenize(tokenizer: Any, outputs: Sequence[Sequence[str]]) -> list[str]:
    ids = [tokenizer.convert_tokens_to_ids(list(tokens)) for tokens in outputs]
    decoded: list[str] = tokenizer.batch_decode(ids, skip_special_tokens=True)
    return [text.strip() for text in decoded]


_Ranked = list[tuple[list[str], float | None]]  # a row's hypotheses: tokens and score
_Queued = tuple[list[int], int, Any]  # a batch's rows, its length limit, its futures


@dataclass(frozen=True)
class _Call:
    """What the rows of one ``submit_scored`` call were decoded with."""

    sources: list[list[str]]
    counts: list[int]
    limits: list[int]
    options: dict[str, Any]
    alternatives: int


def _queue_batches(
    model: Any,
    sources: Sequence[list[str]],
    batches: Sequence[Sequence[int]],
    limits: Sequence[int],
    options: dict[str, Any],
    *,
    prefix: list[str] | None = None,
) -> list[_Queued]:
    """Queue every batch on CTranslate2's workers and return at once: each batch's rows,
    the limit it runs with (the largest of its rows' ``limits``) and its futures.
    ``prefix``, when given, starts every row's output."""
    queued: list[_Queued] = []
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
        queued.append((list(batch), limit, results))
    return queued


def _collect(batch: Sequence[int], results: Any) -> list[tuple[int, _Ranked]]:
    """Wait for a queued batch: each row's hypotheses (tokens, end token excluded, and
    score: None when the options asked for no scores), best first."""
    rows: list[tuple[int, _Ranked]] = []
    with out_of_memory_as_error():  # CTranslate2 reports a failed batch when it is collected
        for index, result in zip(batch, results, strict=True):
            try:
                found = result.result()
            except RuntimeError as error:
                if _is_missing_library(error):
                    raise _missing_libraries(error) from error
                raise
            hypotheses = found.hypotheses
            scores = list(found.scores) or [None] * len(hypotheses)
            rows.append(
                (
                    index,
                    [
                        (list(tokens), score)
                        for tokens, score in zip(hypotheses, scores, strict=True)
                    ],
                )
            )
    batch_finished(len(batch))
    return rows


def _mean_log_probability(
    score: float | None, tokens: int, defaults: _DecodingDefaults
) -> float | None:
    """CTranslate2's score (summed log-probability over length ** length_penalty, the end
    token counted in the length) as the average log-probability per token."""
    if score is None:
        return None
    length = tokens + 1
    return float(score) * float(length ** (defaults.length_penalty - 1))


def _read_decoding_defaults(folder: Path, tokenizer: Any) -> _DecodingDefaults:
    """The generation settings ``generate`` would use, from generation_config.json (else
    config.json, where older models keep them)."""
    config = read_json(folder / "config.json")
    generation = read_json(folder / "generation_config.json") or config

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


def _ct2_device(device: str) -> str:
    if parse_device(device) is Device.CPU:
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
    budget = common.usable_cpus()
    configured = os.environ.get("OMP_NUM_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        budget = min(budget, int(configured))
    workers = min(budget, _MAX_CT2_WORKERS)
    return workers, max(budget // workers, 1)


class CudaLibrariesMissing(ModelLoadError):
    """CTranslate2 sees the GPU but cannot load the CUDA libraries it was built against."""


def _probe_cuda_libraries(model: Any, tokenizer: Any) -> None:
    """Decode a small batch now: CTranslate2 loads cuBLAS lazily, at the first product,
    so a missing library would otherwise surface mid-run as a bare RuntimeError (seen on a
    CUDA 13 machine: "Library libcublas.so.12 is not found or cannot be loaded")."""
    sources = _source_tokens(tokenizer, ["Das ist ein kurzer Satz, der die Bibliotheken prüft."])
    try:
        # Shaped like the real calls (a batch, beams, asynchronous): a one-token probe
        # passed on that machine while the first real batch failed.
        results = model.translate_batch(
            sources * 2, beam_size=2, max_decoding_length=4, asynchronous=True
        )
        for result in results:
            result.result()
    except RuntimeError as error:
        if _is_missing_library(error):
            raise _missing_libraries(error) from error
        raise


def _is_missing_library(error: BaseException) -> bool:
    return isinstance(error, RuntimeError) and "cannot be loaded" in str(error)


def _missing_libraries(error: BaseException) -> CudaLibrariesMissing:
    import ctranslate2

    return CudaLibrariesMissing(
        f"CTranslate2 {ctranslate2.__version__} cannot use the GPU ({error}). Its CUDA "
        "build needs the CUDA libraries it was built for (CTranslate2 4.x: CUDA 12, e.g. "
        "`pip install nvidia-cublas-cu12` with its folder on LD_LIBRARY_PATH); or use "
        "--engine torch"
    )


def load_ct2(model_folder: Path, *, task: str, device: str) -> tuple[Any, Any, _DecodingDefaults]:
    """Load a converted model, its tokenizer and decoding defaults; failures are
    ModelLoadErrors."""
    from translator.engines import convert

    converted = convert.find_converted(model_folder)
    if converted is None:  # pick_engine checked; the folder changed since
        raise ModelLoadError(
            f"The CTranslate2 copy of {model_folder} disappeared. "
            "Make it again with `translator models convert MODEL`."
        )
    config = SimpleNamespace(**read_json(model_folder / "config.json"))
    check_model_type(model_folder, config, task)
    target = _ct2_device(device)
    try:
        import ctranslate2

        from translator.engines.marian_pieces import MarianPieces

        # SentencePiece alone for Marian: transformers' tokenizer costs a second of imports.
        tokenizer = (
            MarianPieces(model_folder)
            if task == "translation" and MarianPieces.usable(model_folder)
            else load_tokenizer(model_folder, task)
        )
        defaults = _read_decoding_defaults(model_folder, tokenizer)
        if target == "cuda":
            model = ctranslate2.Translator(str(converted), device="cuda", compute_type="float16")
            _probe_cuda_libraries(model, tokenizer)
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
