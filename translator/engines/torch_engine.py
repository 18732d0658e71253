"""The transformers (PyTorch) engines: MarianMT translation and BART-like summaries."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from translator.config import torch_dtype as requested_torch_dtype
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
    batch_finished,
    check_lengths,
    check_model_type,
    check_summary_lengths,
    input_limit,
    length_sorted_batches,
    load_tokenizer,
    max_output_tokens,
    no_progress_bars,
    out_of_memory_as_error,
    output_bounds,
)
from translator.errors import ModelLoadError, TranslatorError
from translator.schema import ModelInfo


def pick_device(device: str) -> str:
    """Resolve ``auto`` to ``cuda`` when a CUDA device is usable, else ``cpu``.

    Raises:
        OptionError: an unknown device name.
        ModelLoadError: ``cuda`` asked for but not available.
    """
    if parse_device(device) is Device.CPU:
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


class TorchTranslator(EngineBase):
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
        max_batch_tokens: int = MAX_BATCH_TOKENS,
    ) -> None:
        super().__init__(
            tokenizer,
            info,
            device=device,
            beams=beams,
            batch_size=batch_size,
            max_input_tokens=_max_input_tokens(model, tokenizer),
        )
        self._model = model
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
        """``translate_scored``'s translations, all decoded now (torch runs one call at a
        time): the same steps, in order, as for an engine that queues nothing. With
        ``scores=False`` and no alternatives the scores are None: asking ``generate`` for
        them keeps every step's logits over the whole vocabulary (58,101 words for
        opus-mt), which took the 400-sentence benchmark from 0.9 to 3.6 GB greedy."""
        if not texts:
            return iter(())
        scores = scores or alternatives > 0  # alternatives are ranked by their scores
        counts = self.count_tokens(texts)
        check_lengths(counts, self._max_input_tokens)
        bounds = self._output_bounds(counts, strict)
        options: dict[str, Any] = {}
        if self._beams is not None:
            options["num_beams"] = self._beams
        # One more hypothesis than asked for: a duplicate of the best text is dropped.
        hypotheses = alternatives + 2 if alternatives > 0 else 1
        if hypotheses > 1:
            beams = options.get("num_beams") or self._model.generation_config.num_beams or 1
            options.update(num_beams=max(beams, hypotheses), num_return_sequences=hypotheses)
        if strict:
            options.update(no_repeat_ngram_size=3, repetition_penalty=1.3)
        results: list[ScoredTranslation] = [ScoredTranslation("")] * len(texts)
        for batch in length_sorted_batches(counts, self._batch_size, self._max_batch_tokens):
            batch_bounds = [bounds[i] for i in batch]
            outputs = _generate_hypotheses(
                self._model,
                self._tokenizer,
                [texts[i] for i in batch],
                # The per-text limit makes a text's output independent of its batch
                # neighbours; max_length is only the batch-wide backstop.
                {**options, "max_length": 1 + max(batch_bounds)},
                output_limits=batch_bounds,
                scored=scores,
            )
            for index, output in zip(batch, outputs, strict=True):
                results[index] = best_and_alternatives(output, alternatives)
            batch_finished(len(batch))
        return iter([FinishedBatch(list(enumerate(results)))])

    def _output_bounds(self, counts: Sequence[int], strict: bool) -> list[int]:
        """Each text's most new tokens, end-of-sentence included (benchmarks override it)."""
        positions = getattr(self._model.config, "max_position_embeddings", None)
        ceiling = max_output_tokens(self._model.generation_config.max_length, positions)
        return output_bounds(counts, strict=strict, ceiling=ceiling)


class TorchSummarizer(EngineBase):
    """Any sequence-to-sequence summarization model (BART, PEGASUS, T5) and its tokenizer."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        info: ModelInfo,
        *,
        device: str,
        beams: int | None = None,
        batch_size: int = SUMMARY_BATCH_SIZE,
    ) -> None:
        super().__init__(
            tokenizer,
            info,
            device=device,
            beams=beams,
            batch_size=batch_size,
            max_input_tokens=_max_input_tokens(model, tokenizer),
        )
        self._model = model

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
        counts = self.count_tokens(texts)
        check_lengths(counts, self._max_input_tokens)
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
        for batch in length_sorted_batches(counts, self._batch_size, MAX_BATCH_TOKENS):
            outputs = _generate(self._model, self._tokenizer, [texts[i] for i in batch], options)
            for index, output in zip(batch, outputs, strict=True):
                results[index] = output
        return results


_DTYPES = ("float32", "bfloat16", "float16")


def pick_dtype(device: str, requested: str, *, bf16_supported: bool) -> str:
    """The torch dtype a model runs in: ``TRANSLATOR_TORCH_DTYPE`` when set (float32,
    bfloat16 or float16), else float32 on the CPU and half precision on CUDA -- bfloat16
    where the GPU has it (its float32 range: no overflow in attention scores), float16
    elsewhere -- which decodes several times faster on a GPU's tensor cores.

    Raises:
        ModelLoadError: an unknown dtype.
    """
    requested = requested.strip().lower()
    if requested and requested != "auto":
        if requested not in _DTYPES:
            raise ModelLoadError(
                f"TRANSLATOR_TORCH_DTYPE={requested!r} is not one of: auto, {', '.join(_DTYPES)}."
            )
        return requested
    if device != "cuda":
        return "float32"
    return "bfloat16" if bf16_supported else "float16"


def load_seq2seq(folder: Path, *, task: str, device: str) -> tuple[Any, Any]:
    """Load model and tokenizer from a checked folder; every failure is a ModelLoadError."""
    try:
        import torch
        import transformers

        config = transformers.AutoConfig.from_pretrained(folder, trust_remote_code=False)
        check_model_type(folder, config, task)
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
        tokenizer = load_tokenizer(folder, task)
        with no_progress_bars(transformers):
            model = model_class.from_pretrained(folder, trust_remote_code=False, **weights)
        if device == "cpu" and not os.environ.get("OMP_NUM_THREADS"):
            # Use every core this process may run on (not the machine's count, which can
            # exceed a container's share); an explicit OMP_NUM_THREADS wins.
            torch.set_num_threads(common.usable_cpus())
        dtype = pick_dtype(
            device,
            requested_torch_dtype(),
            bf16_supported=device == "cuda" and bool(torch.cuda.is_bf16_supported()),
        )
        model.to(device=device, dtype=getattr(torch, dtype))
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


def _max_input_tokens(model: Any, tokenizer: Any) -> int:
    return input_limit(tokenizer, getattr(model.config, "max_position_embeddings", None))


def _generate(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    options: dict[str, Any],
    *,
    output_limits: Sequence[int] | None = None,
) -> list[str]:
    """Generate for one batch; ``output_limits`` caps each text's new tokens separately.
    No scores (summaries need none, and they cost a pass over the vocabulary per step)."""
    outputs = _generate_hypotheses(
        model, tokenizer, texts, options, output_limits=output_limits, scored=False
    )
    return [hypotheses[0].text for hypotheses in outputs]


def _generate_hypotheses(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    options: dict[str, Any],
    *,
    output_limits: Sequence[int] | None = None,
    scored: bool = True,
) -> list[list[Hypothesis]]:
    """Each text's ``num_return_sequences`` hypotheses, best first, with the average
    log-probability per generated token (the end token included, padding not)."""
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
    with torch.inference_mode(), out_of_memory_as_error():
        if not scored:
            plain = model.generate(**inputs, **options)
            texts_out: list[str] = tokenizer.batch_decode(plain, skip_special_tokens=True)
            return [[Hypothesis(text.strip())] for text in texts_out]
        generated = model.generate(
            **inputs, **options, output_scores=True, return_dict_in_generate=True
        )
        sequences = generated.sequences
        # Log-probabilities of the chosen tokens, renormalised after the logits processors
        # (beam search needs its beam indices to find them).
        steps = model.compute_transition_scores(
            sequences,
            generated.scores,
            getattr(generated, "beam_indices", None),
            normalize_logits=getattr(generated, "beam_indices", None) is None,
        )
        new_tokens = sequences[:, 1:]  # the first is the decoder start token
        real = new_tokens != model.generation_config.pad_token_id
        real = real[:, : steps.shape[1]]
        steps = steps[:, : real.shape[1]]
        finite = torch.isfinite(steps)
        counted = real & finite
        totals = torch.where(counted, steps, torch.zeros_like(steps)).sum(dim=1)
        means = (totals / counted.sum(dim=1).clamp(min=1)).tolist()
    decoded: list[str] = tokenizer.batch_decode(sequences, skip_special_tokens=True)
    per_text = len(decoded) // max(len(texts), 1)
    hypotheses = [
        Hypothesis(text.strip(), float(mean)) for text, mean in zip(decoded, means, strict=True)
    ]
    return [hypotheses[i * per_text : (i + 1) * per_text] for i in range(len(texts))]


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
