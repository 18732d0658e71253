"""The import graph of `translator/` and `benchmarks/` has no cycles (issue 22).

Every import counts, wherever it stands: at the top, inside a function, or under
`if TYPE_CHECKING:` (a type-only import still makes a reader hold the loop in mind).
`import a.b` is an edge to `a.b`; `from a import b` is an edge to `a.b` when `b` is a
submodule, else to `a` (its `__init__`). The packages a module lives in are not edges of
their own, or every module would reach the package root.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("translator", "benchmarks")


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the checked packages by dotted name (a package by its own name)."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _targets(source: str, module: str, is_package: bool, known: set[str]) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: None if is_package else -1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if submodule in known else base


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """Edges between the checked modules (imports of anything else are left out)."""
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        targets = _targets(source, name, path.name == "__init__.py", known)
        graph[name] = {target for target in targets if target in known and target != name}
    return graph


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle as a path `[a, b, ..., a]`, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if target in path:
                return [*path[path.index(target) :], target]
            if target not in done:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_package_and_the_benchmarks_import_without_cycles() -> None:
    modules = module_files()
    assert "translator.api" in modules and "benchmarks.run" in modules
    assert find_cycle(import_graph(modules)) is None


def test_the_cycle_check_sees_a_cycle_hidden_in_a_function_or_type_checking(
    tmp_path: Path,
) -> None:
    """Meta-test: a loop closed by a function-level or TYPE_CHECKING import is found."""
    package = tmp_path / "translator"
    (package / "sub").mkdir(parents=True)
    (tmp_path / "benchmarks").mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from translator.sub import b\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..c import thing\n"
    )
    (package / "c.py").write_text("def f():\n    from translator import a\n")
    graph = import_graph(module_files(tmp_path))
    assert find_cycle(graph) == ["translator.a", "translator.sub.b", "translator.c", "translator.a"]
    (package / "c.py").write_text("def f():\n    return 1\n")
    assert find_cycle(import_graph(module_files(tmp_path))) is None


def test_the_module_map_names_every_module() -> None:
    """docs/architecture.md stays true: every module of the package is on the map."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    files = sorted(
        path.relative_to(ROOT / "translator").as_posix()
        for path in (ROOT / "translator").rglob("*.py")
        if not path.name.endswith("_cmd.py")  # commands are named by `cli/*_cmd.py`
    )
    assert "api.py" in files
    missing = [name for name in files if f"`{name}`" not in page]
    assert missing == []
