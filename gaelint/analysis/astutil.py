"""Small questions about CPython ast nodes, shared by the readers of
every file's facts (:mod:`.facts`, :mod:`.paths`, :mod:`.platform`)."""
from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional, Tuple


def string(node) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def dotted(node) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def target_names(target: ast.AST) -> List[str]:
    """The names an assignment, ``for`` or ``with`` target binds
    (``a, (b, *c) = ...``: a, b, c); an attribute or an item binds none."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in target_names(e)]
    return []


def first_line(stmt: ast.stmt) -> int:
    """The line a statement starts on, its decorators included (ast gives a
    decorated def the line of `def`)."""
    return min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])


def is_main_check(test) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and \
        any(string(s) == "__main__" for s in sides)


_FIELDS: Dict[type, Tuple[str, ...]] = {}
_NO_CHILDREN = frozenset({"ctx", "op"})


def child_fields(kind: type) -> Tuple[str, ...]:
    found = _FIELDS.get(kind)
    if found is None:
        found = _FIELDS[kind] = tuple(f for f in kind._fields if f not in _NO_CHILDREN)
    return found


def catches_import_error(handler: ast.ExceptHandler) -> bool:
    """``except ImportError`` (or bare, Exception) that does more than re-raise."""
    if len(handler.body) == 1 and isinstance(handler.body[0], ast.Raise):
        return False
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((dotted(n) or "").rsplit(".", 1)[-1] in ("ImportError", "ModuleNotFoundError", "Exception",
                                                           "BaseException") for n in names)


def imported_names(node) -> List[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return [node.module or ""] if not node.level else []


def list_elements(value) -> list:
    """Entries of ``[a, b]``, ``[a] + sys.path``, ``(a, b)``."""
    if isinstance(value, (ast.List, ast.Tuple)):
        return list(value.elts)
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return [e for e in list_elements(value.left) + list_elements(value.right)]
    return []


_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def module_name_strings(tree: ast.AST, limit: int = 500) -> List[list]:
    """``[line, text]`` of the string literals that could name a module
    (``'home'``, ``'handlers.export'``), the first ``limit`` of them."""
    out: List[list] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _MODULE_NAME.match(node.value):
            out.append([node.lineno, node.value])
            if len(out) >= limit:
                break
    return out
