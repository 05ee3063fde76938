"""The engine's packages follow its stages (docs/architecture.md): a module
imports only its own stage or lower ones, no module imports itself back
through others, no module reaches into another's ``_private`` names, and
modules stay under ~400 lines unless their docstring says why."""
import ast
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. A module may import modules of its own rank or lower.
STAGES: List[Tuple[str, Tuple[str, ...]]] = [
    ("foundation", ("gaelint", "gaelint.findings", "gaelint.knowledge", "gaelint.registry",
                    "gaelint.docs", "gaelint.config", "gaelint.exitcodes", "gaelint.reading",
                    "gaelint.lazycst")),
    ("python2", ("gaelint.python2",)),
    ("source", ("gaelint.source",)),
    ("analysis", ("gaelint.analysis",)),
    ("app", ("gaelint.app",)),
    ("rules", ("gaelint.rules",)),
    ("engine", ("gaelint.engine",)),
    ("report", ("gaelint.report",)),
    ("fix", ("gaelint.fix",)),
    ("top", ("gaelint.runner", "gaelint.stdin", "gaelint.checking", "gaelint.cli",
             "gaelint.testing", "gaelint.settings", "gaelint.__main__")),
]
# The one link that goes up, by design: the registry loads the rule plugins.
ALLOWED_UP = {("gaelint.registry", "gaelint.rules")}
MAX_LINES = 400
LONG_REASON = "Longer than 400 lines"


def _module_files() -> Dict[str, Path]:
    out = {}
    for base, prefix in ((ROOT / "gaelint", "gaelint"), (ROOT / "rules", "gaelint.rules")):
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([prefix, *parts])] = path
    return out


MODULES = _module_files()


def stage_of(module: str) -> Optional[int]:
    best, rank = -1, None
    for index, (_, prefixes) in enumerate(STAGES):
        for p in prefixes:
            exact = p in STAGES[0][1]
            if module == p or (not exact and module.startswith(p + ".")):
                if len(p) > best:
                    best, rank = len(p), index
    return rank


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue        # annotations only: never executed
            stack.append(child)


def imports_of(module: str, path: Path) -> List[Tuple[str, Optional[str], int]]:
    """(imported module, imported name or None, line) of every gaelint import."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in _nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names if a.name.startswith("gaelint")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if not base.startswith("gaelint"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.append((sub, None, node.lineno) if sub in MODULES else (base, alias.name, node.lineno))
    return out


GRAPH = {m: imports_of(m, p) for m, p in MODULES.items()}


def test_every_module_has_a_stage():
    assert [m for m in MODULES if stage_of(m) is None] == []


def test_no_import_goes_up_a_stage():
    wrong = []
    for module, imports in GRAPH.items():
        mine = stage_of(module)
        for target, _, line in imports:
            theirs = stage_of(target)
            if theirs is not None and theirs > mine and (module, target) not in ALLOWED_UP:
                wrong.append(f"{MODULES[module].relative_to(ROOT)}:{line} ({STAGES[mine][0]}) imports "
                             f"{target} ({STAGES[theirs][0]})")
    assert wrong == []


def test_no_import_cycles():
    edges: Dict[str, Set[str]] = {m: {t for t, _, _ in imps if t in MODULES and t != m}
                                  for m, imps in GRAPH.items()}
    # A submodule's import of its package runs the package's __init__ first:
    # that is a real edge, but the package importing its own submodules is
    # only a cycle if a submodule imports the package back, which this finds.
    cycles, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module)
    assert cycles == []


def _module_aliases(module: str, tree: ast.AST) -> Dict[str, str]:
    """Local name -> gaelint module, for names an import binds to a module."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    out = {}
    for node in _nodes(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in MODULES and a.asname:
                    out[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                base = ".".join(anchor[:len(anchor) - node.level + 1] + ([base] if base else []))
            for a in node.names:
                if f"{base}.{a.name}" in MODULES:
                    out[a.asname or a.name] = f"{base}.{a.name}"
    return out


def test_no_module_reaches_into_another_modules_private_names():
    wrong = []
    for module, imports in GRAPH.items():
        where = MODULES[module].relative_to(ROOT)
        for target, name, line in imports:
            if name and name.startswith("_") and not name.startswith("__") and target != module:
                wrong.append(f"{where}:{line} imports {target}.{name}")
        tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
        aliases = _module_aliases(module, tree)
        for node in _nodes(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in aliases and node.attr.startswith("_") \
                    and not node.attr.startswith("__") and aliases[node.value.id] != module:
                wrong.append(f"{where}:{node.lineno} reads {aliases[node.value.id]}.{node.attr}")
    assert wrong == []


@pytest.mark.parametrize("path", sorted([*MODULES.values(), *(ROOT / "bench").glob("*.py")]),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_modules_stay_small_or_say_why(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines > MAX_LINES:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert LONG_REASON in doc, f"{lines} lines and no '{LONG_REASON}: ...' reason in its docstring"


def test_every_package_says_what_it_owns_and_may_import():
    for module, path in MODULES.items():
        if path.name == "__init__.py" and module.count(".") == 1 and module != "gaelint.rules":
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            assert "Owns:" in doc and "May import:" in doc, module
