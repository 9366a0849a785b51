"""The curate modules import one another one way: no cycle between export, card and baselines."""

from __future__ import annotations

import ast
from pathlib import Path

CURATE = Path(__file__).resolve().parents[3] / "assets" / "curate"


def _curate_imports(module: str) -> set[str]:
    tree = ast.parse((CURATE / f"{module}.py").read_text())
    return {node.module.rsplit(".", 1)[-1] for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
            and node.module.startswith("assets.curate.")}


def test_when_curate_imports_followed_then_no_module_reaches_itself():
    graph = {path.stem: _curate_imports(path.stem) for path in CURATE.glob("*.py")}
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            assert module != start, f"import cycle through assets/curate/{start}.py"
            if module not in seen:
                seen.add(module)
                todo += graph.get(module, ())


def test_when_card_or_baselines_read_a_dataset_then_through_dataset_not_export():
    assert "export" not in _curate_imports("card")
    assert "export" not in _curate_imports("baselines")
