"""German to English translation and summaries that keep direct quotations intact."""

__version__ = "0.1.0"
