"""Checks on what a real (tiny, random-weight) engine produced, shared by the engine tests.

Random weights give gibberish, so these check what must hold whatever the words: one
non-empty output per input, distinct inputs giving distinct outputs, and strict mode
breaking the repetition loops that random (and degenerate real) models fall into.
"""

from __future__ import annotations

from collections.abc import Sequence

# A word this many times in a row is a loop. Strict mode forbids any repeated token
# trigram, and a word of k >= 1 tokens repeated four times holds the same trigram twice.
LOOP_RUN = 4


def has_repetition_loop(text: str) -> bool:
    """Whether one word comes LOOP_RUN times in a row in ``text``."""
    words = text.split()
    return any(len(set(words[i : i + LOOP_RUN])) == 1 for i in range(len(words) - LOOP_RUN + 1))


def assert_real_outputs(outputs: Sequence[str], inputs: Sequence[str]) -> None:
    """One non-empty output per input, distinct for distinct inputs (an engine answering
    "" or one fixed text for everything fails)."""
    assert inputs
    assert len(outputs) == len(inputs)
    assert all(isinstance(text, str) and text.strip() for text in outputs), outputs
    assert len(set(outputs)) == len(set(inputs)), outputs


def assert_strict_breaks_loops(relaxed: Sequence[str], strict: Sequence[str]) -> None:
    """Some relaxed output loops (else the inputs prove nothing); no strict output does."""
    assert len(strict) == len(relaxed)
    assert any(has_repetition_loop(text) for text in relaxed), relaxed
    assert not any(has_repetition_loop(text) for text in strict), strict
