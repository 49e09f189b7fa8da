"""The conversations area imports no other product area but signals (DESIGN.md: arrows run one
way). Other areas build on conversations; what composes areas (the assist panel, the admin
Models page) lives above them, and a reaction to an event goes through a hook the face wires."""

from __future__ import annotations

import ast
from pathlib import Path

import poise.conversations

AREA = Path(poise.conversations.__file__).parent
ABOVE = ("training", "knowledge", "morale", "insights", "connectors")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, with its line: at the top, inside a function, or only for
    type checking alike (each is an arrow all the same)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "poise":  # from poise import training
                found += [(node.lineno, f"poise.{alias.name}") for alias in node.names]
    return found


def sideways(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and parts[0] == "poise" and parts[1] in ABOVE


def test_the_conversations_area_imports_no_area_built_on_it() -> None:
    files = sorted(AREA.rglob("*.py"))
    assert len(files) > 10  # the walk finds the area's modules
    wrong = [
        f"{path.relative_to(AREA.parent)}:{line}: {module}"
        for path in files
        for line, module in imported_modules(path)
        if sideways(module)
    ]
    assert wrong == []


def test_the_rule_sees_every_kind_of_import(tmp_path: Path) -> None:
    """A lazy import inside a function and one only for type checking count too."""
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import poise.signals\n"
        "if TYPE_CHECKING:\n"
        "    from poise.training.feedback import LabelVerdict\n"
        "def f() -> None:\n"
        "    import poise.morale.actions\n"
        "    from poise.knowledge import suggest\n"
        "    from poise import insights\n",
        encoding="utf-8",
    )
    modules = [m for _, m in imported_modules(source) if sideways(m)]
    assert sorted(modules) == [
        "poise.insights",
        "poise.knowledge",
        "poise.morale.actions",
        "poise.training.feedback",
    ]
