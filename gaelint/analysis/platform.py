"""Tests whose branch only runs off App Engine, read from CPython's ast.

The python27 runtime is Python 2.7 on Linux, on App Engine's servers: a
branch taken only under the development server (``SERVER_SOFTWARE`` starts
with ``Development``), only without ``APPENGINE_RUNTIME``, only on Windows
(``os.name == 'nt'``, ``sys.platform == 'win32'``) or only on Python 3
(``six.PY3``, ``sys.version_info >= (3,)``, ``sys.version_info[0] == 3``)
never runs in production. This is the ast twin of
:func:`gaelint.analysis.guards.polarity` (which reads libcst trees for the
findings of one file), used for the facts of every file of the app.
"""
from __future__ import annotations

import ast
from typing import Dict, Optional

from .astutil import dotted, string

_DEV_WORDS = ("Development", "Dev")
_PROD_KEYS = frozenset({"APPENGINE_RUNTIME", "GAE_ENV", "GAE_RUNTIME", "CURRENT_VERSION_ID", "INSTANCE_ID"})
OFF_PLATFORMS = ("win", "cygwin", "darwin", "java")
PY3_FLAGS = frozenset({"six.PY3", "PY3", "IS_PY3", "PY34", "PY35", "PY36", "PY37", "PY38", "PY3K",
                       "_PY3", "is_py3", "py3", "python3"})
PY2_FLAGS = frozenset({"six.PY2", "PY2", "IS_PY2", "_PY2", "is_py2", "py2"})
# The names libraries give `sys.platform.startswith('win')` (click, werkzeug,
# colorama, ...), imported from the module that computes them.
WINDOWS_FLAGS = frozenset({"WIN", "WIN32", "WINDOWS", "IS_WIN", "IS_WINDOWS", "ON_WINDOWS", "MS_WINDOWS",
                           "_WIN", "_WINDOWS", "is_windows", "iswindows", "on_windows"})




def _env_key(node) -> Optional[str]:
    """``os.environ.get('K')``, ``os.getenv('K')``, ``os.environ['K']``."""
    if isinstance(node, ast.Call) and node.args:
        if _name(node.func).endswith(("environ.get", "getenv")):
            return string(node.args[0])
    if isinstance(node, ast.Subscript) and _name(node.value).endswith("environ"):
        inner = node.slice.value if isinstance(node.slice, getattr(ast, "Index", ())) else node.slice
        return string(inner)
    return None


def _version_major(node) -> bool:
    """``sys.version_info``, ``sys.version_info[0]``, ``sys.version_info.major``."""
    if _name(node) in ("sys.version_info", "sys.version_info.major", "version_info"):
        return True
    if isinstance(node, ast.Subscript) and _name(node.value) in ("sys.version_info", "version_info"):
        inner = node.slice.value if isinstance(node.slice, getattr(ast, "Index", ())) else node.slice
        return isinstance(inner, ast.Constant) and inner.value == 0
    return False


def _number(node) -> Optional[int]:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Tuple) and node.elts and isinstance(node.elts[0], ast.Constant):
        return node.elts[0].value if isinstance(node.elts[0].value, int) else None
    return None


def _python3(op, number: int) -> Optional[bool]:
    """Whether ``version <op> number`` means Python 3 (True) or 2 (False)."""
    if isinstance(op, (ast.GtE,)) and number == 3 or isinstance(op, ast.Gt) and number == 2:
        return True
    if isinstance(op, ast.Eq):
        return True if number == 3 else (False if number == 2 else None)
    if isinstance(op, ast.NotEq):
        return False if number == 3 else (True if number == 2 else None)
    if isinstance(op, ast.Lt) and number == 3 or isinstance(op, ast.LtE) and number == 2:
        return False
    return None


def off_app_engine(test, flags: Dict[str, bool]) -> Optional[bool]:
    """True when ``test`` holds only off App Engine, False when only on it,
    None when it says nothing about where the code runs."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = off_app_engine(test.operand, flags)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        parts = [off_app_engine(v, flags) for v in test.values]
        if isinstance(test.op, ast.And):
            return True if True in parts else (False if parts and all(p is False for p in parts) else None)
        return parts[0] if parts and all(p == parts[0] for p in parts) else None
    name = _name(test)
    if name:
        if name in flags:
            return flags[name]
        if name in PY3_FLAGS or name.rsplit(".", 1)[-1] in WINDOWS_FLAGS:
            return True
        if name in PY2_FLAGS:
            return False
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.args:
        word = string(test.args[0]) or ""
        if test.func.attr == "startswith":
            if _env_key(test.func.value) == "SERVER_SOFTWARE":
                if word.startswith(_DEV_WORDS):
                    return True
                if word.startswith("Google"):
                    return False
            if _name(test.func.value) == "sys.platform" and word.startswith(OFF_PLATFORMS):
                return True
            if _name(test.func.value) == "sys.platform" and word.startswith("linux"):
                return False
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return _compare(test.ops[0], test.left, test.comparators[0])
    if _env_key(test) == "APPENGINE_RUNTIME":
        return False
    return None


def _compare(op, left, right) -> Optional[bool]:
    if isinstance(op, (ast.In, ast.NotIn)):
        key, result = string(left), None
        if key in _PROD_KEYS and _name(right).endswith("environ"):
            result = False
        elif key and _env_key(right) == "SERVER_SOFTWARE":
            result = True if key.startswith(_DEV_WORDS) else (False if key.startswith("Google") else None)
        return None if result is None else (not result if isinstance(op, ast.NotIn) else result)
    negate = isinstance(op, (ast.NotEq, ast.IsNot))
    if isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
        for side, other in ((left, right), (right, left)):
            text = string(other)
            if _name(side) == "os.name" and text:
                result = text != "posix"
                return not result if negate else result
            if _name(side) == "sys.platform" and text:
                result = not text.startswith("linux")
                return not result if negate else result
            key = _env_key(side)
            if key in ("APPENGINE_RUNTIME", "SERVER_SOFTWARE") and isinstance(other, ast.Constant) \
                    and other.value is None:
                return not negate
    for side, other, flip in ((left, right, False), (right, left, True)):
        if _version_major(side):
            number = _number(other)
            if number is not None:
                mirrored = {ast.Gt: ast.Lt, ast.Lt: ast.Gt, ast.GtE: ast.LtE, ast.LtE: ast.GtE}
                real = mirrored.get(type(op), type(op))() if flip else op
                return _python3(real, number)
    return None


def _name(node) -> str:
    return dotted(node) or ""
