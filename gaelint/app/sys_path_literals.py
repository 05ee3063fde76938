"""The directories a module adds to ``sys.path``, as the string literals
that spell them: ``vendor.add('lib')``, ``sys.path.insert(0, os.path.join(
os.path.dirname(__file__), 'third_party'))``, ``sys.path[0:0] = [...]``.

Read with CPython's ``ast`` (a Python 2 module through its line-for-line
rewrite): app.vendoring asks before any file is checked, in the main
process, so this must not cost a libcst parse (nor libcst's import).
"""
from __future__ import annotations

import ast
import warnings
from typing import Dict, List, Optional

from gaelint import source as _source
from gaelint.analysis.astutil import dotted

# Calls that add a directory to sys.path, and which argument holds it.
_PATH_CALLS = {
    "vendor.add": 0, "google.appengine.ext.vendor.add": 0, "site.addsitedir": 0,
    "sys.path.append": 0, "sys.path.insert": 1, "sys.path.extend": 0,
}
_MAX_DEPTH = 4


def sys_path_entries(path) -> List[Optional[List[str]]]:
    """The string literals of every path added to sys.path in a module, in
    source order; [] for the module's own directory
    (``os.path.dirname(__file__)``, the app root), None when the path has
    no literal at all."""
    data, problem = _source.read(path)
    if problem is not None or data is None:
        return []
    text = _source.python3_text(data)
    if text is None:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    collector = _Collector()
    collector.collect(tree)
    out: List[Optional[List[str]]] = []
    for entry in collector.entries:
        fragments = collector.fragments(entry)
        if not fragments and not _mentions_file(entry):
            out.append(None)
        else:
            out.append(fragments)
    return out


def _mentions_file(expr: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "__file__" for n in ast.walk(expr))


class _Collector:
    def __init__(self):
        self.entries: List[ast.expr] = []
        self.assigned: Dict[str, List[ast.expr]] = {}

    def collect(self, tree: ast.AST) -> None:
        """Every assignment and call, in source order (iteratively: a chain
        of thousands of `+` must not overflow the stack)."""
        stack = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Assign):
                self._assign(node)
            elif isinstance(node, ast.AugAssign):
                if _is_sys_path(node.target):
                    self._list(node.value)
            elif isinstance(node, ast.Call):
                self._call(node)
            stack.extend(reversed(list(ast.iter_child_nodes(node))))

    def _assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assigned.setdefault(target.id, []).append(node.value)
            elif _is_sys_path(target):
                self._list(node.value)

    def _call(self, node: ast.Call) -> None:
        name = dotted(node.func)
        position = _PATH_CALLS.get(name)
        if position is None:
            return
        args = [a for a in node.args if not isinstance(a, ast.Starred)]
        keyword = [k.value for k in node.keywords if k.arg in ("path", "sitedir")]
        value = args[position] if len(args) > position else (keyword[0] if keyword else None)
        if name == "sys.path.extend" and value is not None:
            self._list(value)
        elif value is not None:
            self.entries.append(value)

    def _list(self, value: ast.expr) -> None:
        """Entries of ``[a, b]``, ``[a] + sys.path``, ``sys.path[0:0] = [...]``."""
        todo = [value]
        while todo:
            value = todo.pop()
            if isinstance(value, (ast.List, ast.Tuple)):
                self.entries.extend(el.value if isinstance(el, ast.Starred) else el for el in value.elts)
            elif isinstance(value, ast.BinOp):
                todo += [value.right, value.left]

    def fragments(self, expr: ast.expr, depth: int = 0) -> List[str]:
        """String literals in ``expr``, in order, through local names."""
        if depth > _MAX_DEPTH:
            return []
        if isinstance(expr, ast.Constant):
            return [expr.value] if isinstance(expr.value, str) else []
        if isinstance(expr, ast.Name):
            values = self.assigned.get(expr.id, [])
            return self.fragments(values[-1], depth + 1) if len(values) == 1 else []
        out: List[str] = []
        if isinstance(expr, ast.Call):
            for arg in [*expr.args, *(k.value for k in expr.keywords)]:
                out += self.fragments(arg.value if isinstance(arg, ast.Starred) else arg, depth + 1)
        elif isinstance(expr, ast.BinOp):
            out += self.fragments(expr.left, depth + 1) + self.fragments(expr.right, depth + 1)
        return out


def _is_sys_path(node: ast.AST) -> bool:
    if isinstance(node, ast.Subscript):
        node = node.value
    return dotted(node) == "sys.path"
