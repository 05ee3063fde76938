"""The directories a module adds to ``sys.path``, as the string literals
that spell them: ``vendor.add('lib')``, ``sys.path.insert(0, os.path.join(
os.path.dirname(__file__), 'third_party'))``, ``sys.path[0:0] = [...]``.

Read with libcst, so imported only when a file's answer is not in the fact
cache (app.vendoring asks; see gaelint.lazycst).
"""
from __future__ import annotations

from typing import Dict, List, Optional

import libcst as cst

from gaelint import source as _source
from gaelint.analysis.walk import dotted_name

# Calls that add a directory to sys.path, and which argument holds it.
_PATH_CALLS = {
    "vendor.add": 0, "google.appengine.ext.vendor.add": 0, "site.addsitedir": 0,
    "sys.path.append": 0, "sys.path.insert": 1, "sys.path.extend": 0,
}


def sys_path_entries(path) -> List[Optional[List[str]]]:
    """The string literals of every path added to sys.path in a module;
    [] for the module's own directory (``os.path.dirname(__file__)``, the
    app root), None when the path has no literal at all."""
    data, problem = _source.read(path)
    if problem is not None:
        return []
    src = _source.load_bytes(path, data)
    if src.module is None:
        return []
    collector = _Collector()
    try:
        src.module.visit(collector)
    except RecursionError:      # libcst's visitor recurses: a chain of thousands of `+`
        return []
    out: List[Optional[List[str]]] = []
    for entry in collector.entries:
        fragments = collector.fragments(entry)
        if not fragments and not _mentions_file(entry):
            out.append(None)
        else:
            out.append(fragments)
    return out


def _mentions_file(expr) -> bool:
    found = []

    class _Find(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if node.value == "__file__":
                found.append(node)
    expr.visit(_Find())
    return bool(found)


class _Collector(cst.CSTVisitor):
    def __init__(self):
        self.entries: List[cst.BaseExpression] = []
        self.assigned: Dict[str, List[cst.BaseExpression]] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            target = t.target
            if isinstance(target, cst.Name):
                self.assigned.setdefault(target.value, []).append(node.value)
            elif _is_sys_path(target):
                self._list(node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if _is_sys_path(node.target):
            self._list(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        position = _PATH_CALLS.get(dotted_name(node.func))
        if position is None:
            return
        args = [a.value for a in node.args if a.keyword is None and not a.star]
        keyword = [a.value for a in node.args if a.keyword is not None and a.keyword.value in ("path", "sitedir")]
        value = args[position] if len(args) > position else (keyword[0] if keyword else None)
        if dotted_name(node.func) == "sys.path.extend" and value is not None:
            self._list(value)
        elif value is not None:
            self.entries.append(value)

    def _list(self, value: cst.BaseExpression) -> None:
        """Entries of ``[a, b]``, ``[a] + sys.path``, ``sys.path[0:0] = [...]``."""
        if isinstance(value, (cst.List, cst.Tuple)):
            self.entries.extend(el.value for el in value.elements)
        elif isinstance(value, cst.BinaryOperation):
            self._list(value.left)
            self._list(value.right)

    def fragments(self, expr, depth: int = 0) -> List[str]:
        """String literals in ``expr``, in order, through local names."""
        if depth > 4:
            return []
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            try:
                value = expr.evaluated_value
            except Exception:  # noqa: BLE001 - odd escapes
                return []
            return [value] if isinstance(value, str) else []
        if isinstance(expr, cst.Name):
            values = self.assigned.get(expr.value, [])
            return self.fragments(values[-1], depth + 1) if len(values) == 1 else []
        out: List[str] = []
        if isinstance(expr, cst.Call):
            for a in expr.args:
                out += self.fragments(a.value, depth + 1)
        elif isinstance(expr, cst.BinaryOperation):
            out += self.fragments(expr.left, depth + 1) + self.fragments(expr.right, depth + 1)
        return out


def _is_sys_path(node) -> bool:
    if isinstance(node, cst.Subscript):
        node = node.value
    return dotted_name(node) == "sys.path"
