"""Leaf modules stay leaves: importing one runs no other module of the package.

The data types (``schema``), the quotation finder (``quotes``), the errors and the version
are what everything else builds on; a package import creeping into one of them is how the
import circles of the review (schema -> glossary -> quotes -> schema) begin.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
LEAVES = {"translator.errors", "translator.schema", "translator.version"}
# What the package root itself imports: the leaves its ``__all__`` re-exports.
ROOT = {"translator", *LEAVES}


def _loaded_after_import(module: str) -> set[str]:
    code = (
        f"import sys, {module}; "
        "print('\\n'.join(m for m in sys.modules if m.split('.')[0] == 'translator'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_a_leaf_imports_nothing_of_the_package(leaf: str) -> None:
    assert _loaded_after_import(leaf) == ROOT


def test_quotes_imports_only_the_schema() -> None:
    assert _loaded_after_import("translator.quotes") == ROOT | {"translator.quotes"}


def test_the_package_root_loads_the_api_on_first_use() -> None:
    # ``from translator import Translator`` still works (the README's first example),
    # while ``import translator`` alone stays a leaf import.
    assert _loaded_after_import("translator") == ROOT
    code = "from translator import Translator; print(Translator.__module__)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "translator.api"


def test_the_manifest_imports_only_the_errors() -> None:
    # The review page's index reads manifest records: a manifest importing the batch run
    # closed the circle api -> formats -> ... -> render_html -> batch -> api.
    assert _loaded_after_import("translator.manifest") == ROOT | {"translator.manifest"}
