"""The package's version: a leaf, so any module (and pyproject's build) can read it without
importing the rest of the package."""

__version__ = "0.2.0"
