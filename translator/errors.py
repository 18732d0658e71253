"""Errors the library raises. Only the CLI turns them into messages and exit codes.

Every message reads ``<what happened>. <what to do>``; the CLI prefixes ``Error: ``.
"""


class TranslatorError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(TranslatorError):
    """The input cannot be read, decoded or used (missing file, binary data, ...)."""


class ModelNotFoundError(TranslatorError):
    """A model name or path does not resolve to a model on this machine."""


class ModelLoadError(TranslatorError):
    """A model was found but cannot be loaded (incomplete folder, wrong type, ...)."""


class OutputError(TranslatorError):
    """The result cannot be written where it was asked to go."""


class OptionError(TranslatorError, ValueError):
    """An argument or option has a value the library does not accept (an unknown device,
    engine, format, ...). The CLI reports it as a usage error (exit 2)."""


class OutOfMemoryError(TranslatorError, MemoryError):
    """The engine ran out of memory (CPU or GPU) while translating or summarizing."""


class ClusterError(TranslatorError):
    """A Ray cluster cannot be reached, or no worker can start or stay alive on it."""
