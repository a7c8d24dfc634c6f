"""The package's shape is its data flow: no import cycles, and no stage imports a later one.

Stages, earliest first. A module may import its own stage and earlier ones only. Imports inside
functions count too (they are cycles all the same); they are allowed only in the command-line
layer and in the one place the loader defers the check types, both for start-up time.
"""

from __future__ import annotations

import ast

from tests.conftest import ROOT

PACKAGE = ROOT / "compliance"
STAGES = [  # (stage, module prefixes), earliest first
    (
        "base",
        [
            "compliance",
            "compliance.model",
            "compliance.registry",
            "compliance.paths",
            "compliance.safe_regex",
            "compliance.config",
        ],
    ),
    ("input", ["compliance.readers", "compliance.fetch"]),
    ("rule data", ["compliance.ruleset.model"]),
    ("analysis", ["compliance.analysis"]),
    ("ruleset", ["compliance.ruleset"]),
    ("media", ["compliance.media"]),  # on-screen text: OCR, then the analysis' own label finder
    ("judging", ["compliance.judging"]),
    ("reporters", ["compliance.reporters"]),
    ("run", ["compliance.run"]),
    ("front doors", ["compliance.cli", "compliance.web", "compliance.__main__"]),
]
LAZY_OK = ("compliance.cli.", "compliance.ruleset.loader", "compliance.media.onscreen")  # start-up; optional extras
# The one way back: a reader hands an image or video to the optional `media` extra, imported only
# when such a file turns up (and only if the extra is installed). Tracked here so it stays the one.
OPTIONAL_EXTRA = {("compliance.readers.media_hook", "compliance.media")}


def _extra(name: str, target: str) -> bool:
    return any(name == src and (target == dst or target.startswith(dst + ".")) for src, dst in OPTIONAL_EXTRA)


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(encoding="utf-8"))
    return out


MODULES = _modules()


def _stage(name: str) -> int:
    best, rank = -1, -1
    for i, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    return rank


def _imports(name: str, tree: ast.Module) -> list[tuple[str, int, bool]]:
    """(imported compliance module, line, inside a function?)"""
    inner = {
        id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in ast.walk(f)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("compliance"):
            targets = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module for a in node.names
            ]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names if a.name.startswith("compliance")]
        else:
            continue
        found += [(t, node.lineno, id(node) in inner) for t in targets if t in MODULES and t != name]
    return found


def test_every_module_belongs_to_a_stage():
    assert [name for name in MODULES if _stage(name) < 0] == []


def test_no_stage_imports_a_later_one():
    backwards = [
        f"{name}:{line} imports {target}"
        for name, tree in MODULES.items()
        for target, line, _ in _imports(name, tree)
        if _stage(target) > _stage(name) and not _extra(name, target)
    ]
    assert backwards == []


def test_no_import_cycle():
    graph = {name: {t for t, _, _ in _imports(name, tree)} for name, tree in MODULES.items()}
    for name in graph:  # a package's __init__ importing its own submodules is how registration works
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt) :] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_imports_are_at_module_level_except_where_start_up_needs_them_late():
    late = [
        f"{name}:{line} imports {target}"
        for name, tree in MODULES.items()
        for target, line, inside in _imports(name, tree)
        if inside and not name.startswith(LAZY_OK) and not _extra(name, target)
    ]
    assert late == []
