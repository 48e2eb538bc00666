"""The house: generic code names no platform, and nothing imports in a circle."""
from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from bootdiag import platforms as registry

PACKAGE = Path(__file__).resolve().parents[1] / "bootdiag"
PLATFORM_DIR = PACKAGE / "platforms"


def platform_words() -> re.Pattern[str]:
    """What would betray platform knowledge: each platform's name, grammar names, tools, chips and facts."""
    words: set[str] = set()
    for p in registry.platforms():
        words.add(p.name)
        words.update(p.grammars)
        words.update(t.replace("\\", "") for t in p.tools)
        words.update(p.chips)
        words.update(p.facts)
    words = {w for w in words if len(w) >= 3}
    return re.compile(r"(?i)(?<![a-z0-9])(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")(?![a-z0-9])")


def generic_files() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if PLATFORM_DIR not in p.parents]


def code_tokens(path: Path) -> list[tuple[int, str]]:
    """Names and string literals, without docstrings and comments: what the code does, not what it says."""
    source = path.read_text(encoding="utf-8")
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                docstrings.add(first.lineno)
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME or (token.type == tokenize.STRING and token.start[0] not in docstrings):
            found.append((token.start[0], token.string))
    return found


def test_no_platform_name_outside_its_package_and_the_registry() -> None:
    words = platform_words()
    hits = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {text[:80]}"
        for path in generic_files()
        for line, text in code_tokens(path)
        if words.search(text)
    ]
    assert not hits, "platform knowledge in generic code:\n" + "\n".join(hits)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bootdiag"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bootdiag"))
    return found


def test_no_import_cycle() -> None:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    graph = {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}
    # A package's own __init__ re-exporting its modules is not a cycle of design.
    graph = {n: {m for m in deps if not n.startswith(m + ".")} for n, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            raise AssertionError("import cycle: " + " -> ".join(cycle))
