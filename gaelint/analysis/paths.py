"""Evaluate the path expressions real code hands to ``sys.path``.

``os.path.join(os.path.dirname(os.path.abspath(__file__)), 'third_party')``,
``THIS_DIR + '/lib'``, ``os.path.join(APP_DIR, name)`` in a loop over
``('lib', 'vendor')``: the value is a path relative to the module's own
directory (``@dir/third_party``) or to the working directory, which is the
app root on App Engine (``@cwd/lib``). Anything else (the environment, a
function's result, an absolute path) is unknown: no value.

Names are looked up in an :class:`Env`: the module's assignments (one
value each, or the alternatives of a loop variable), and a function's own
assignments over them.
"""
from __future__ import annotations

import ast
import posixpath
from typing import Dict, List, Optional, Set, Tuple

from .astutil import dotted

_MAX_DEPTH = 8
_DIRNAME = ("os.path.dirname", "path.dirname", "dirname")
_SAME = ("os.path.abspath", "os.path.realpath", "os.path.normpath", "path.abspath", "path.realpath",
         "path.normpath", "abspath", "realpath", "normpath", "unicode", "str")
_JOIN = ("os.path.join", "path.join", "join", "posixpath.join")
_CWD = ("os.getcwd", "os.getcwdu", "getcwd")

Value = Tuple[str, str]     # (anchor: "@file" | "@dir" | "@cwd" | "" for a plain string, text)


class Env:
    """Names to the expressions assigned to them, scope by scope."""

    def __init__(self, parent: Optional["Env"] = None):
        self.parent = parent
        self.exprs: Dict[str, List[ast.AST]] = {}
        self.strings: Dict[str, List[str]] = {}
        self.sys_path_names: Set[str] = set()      # parameters bound to sys.path by the only caller

    def learn(self, body) -> None:
        stack = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.exprs.setdefault(target.id, []).append(node.value)
            for field in ("body", "orelse", "finalbody", "handlers"):
                stack.extend(getattr(node, field, None) or ())

    def alternatives(self, name: str, values: List[str]) -> None:
        self.strings[name] = values

    def lookup(self, name: str):
        env: Optional[Env] = self
        while env is not None:
            if name in env.strings:
                return env.strings[name]
            if name in env.exprs:
                return env.exprs[name]
            env = env.parent
        return None



def _values(expr, env: Env, depth: int) -> List[Value]:
    if depth > _MAX_DEPTH:
        return []
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [("", expr.value)]
    if isinstance(expr, ast.Name):
        if expr.id == "__file__":
            return [("@file", "")]
        found = env.lookup(expr.id)
        if found is None:
            return []
        if found and isinstance(found[0], str):
            return [("", s) for s in found]
        if len(found) != 1:
            return []
        return _values(found[0], env, depth + 1)
    if isinstance(expr, ast.Attribute) and _name(expr) in ("os.sep", "os.path.sep"):
        return [("", "/")]
    if isinstance(expr, ast.Call):
        name = _name(expr.func)
        args = [a for a in expr.args if not isinstance(a, ast.Starred)]
        if name in _CWD:
            return [("@cwd", "")]
        if name in _DIRNAME and len(args) == 1:
            return [_dirname(v) for v in _values(args[0], env, depth + 1)]
        if name in _SAME and len(args) == 1:
            return _values(args[0], env, depth + 1)
        if name in _JOIN and args:
            out = _values(args[0], env, depth + 1)
            for arg in args[1:]:
                nxt = _values(arg, env, depth + 1)
                out = [_join(a, b) for a in out for b in nxt]
                out = [v for v in out if v is not None]
            return out
        return []
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return [v for a in _values(expr.left, env, depth + 1) for b in _values(expr.right, env, depth + 1)
                for v in [_concat(a, b)] if v is not None]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod) and isinstance(expr.left, ast.Constant) \
            and isinstance(expr.left.value, str) and expr.left.value.startswith("%s"):
        rest = expr.left.value[2:]
        if "%" in rest:
            return []
        return [v for a in _values(expr.right, env, depth + 1) for v in [_concat(a, ("", rest))] if v is not None]
    return []


def _dirname(value: Value) -> Value:
    anchor, text = value
    if anchor == "@file":
        return ("@dir", "")
    if not text or text in (".", "./"):
        return (anchor or "@cwd", "..")
    parent = posixpath.dirname(text.rstrip("/"))
    return (anchor or "@cwd", parent or ".")


def _join(a: Value, b: Value) -> Optional[Value]:
    if b[0]:
        return b if b[0] != "@file" else None
    if b[1].startswith("/"):
        return None             # an absolute path: outside the app
    if a[0] == "@file":
        return None
    return (a[0], posixpath.join(a[1], b[1]) if a[1] else b[1])


def _concat(a: Value, b: Value) -> Optional[Value]:
    if b[0] or a[0] == "@file":
        return None
    return (a[0], a[1] + b[1])


def evaluate(expr, env: Env) -> List[str]:
    """The values of a path expression: ``@dir/<rel>`` (from the module's
    directory) or ``@cwd/<rel>`` (from the app root), [] when unknown."""
    out = []
    for anchor, text in _values(expr, env, 0):
        if anchor == "@file":
            continue
        if not anchor:
            if text.startswith("/") or "://" in text:
                continue
            anchor = "@cwd"
        rel = posixpath.normpath(text.lstrip("/")) if text.strip("/") else "."
        out.append(f"{anchor}/{rel}" if rel != "." else anchor)
    return sorted(set(out))


def literal_strings(expr, env: Env) -> Optional[List[str]]:
    """The strings of a literal tuple or list (or a name bound to one)."""
    if isinstance(expr, ast.Name):
        found = env.lookup(expr.id)
        if found and len(found) == 1 and not isinstance(found[0], str):
            expr = found[0]
    if isinstance(expr, (ast.Tuple, ast.List)):
        values = [e.value for e in expr.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return values if len(values) == len(expr.elts) else None
    return None


def resolve(value: str, module_dir: str) -> Optional[str]:
    """An evaluated path as a path relative to the app root ('' is the root),
    None when it leaves the app."""
    anchor, _, rest = value.partition("/")
    base = module_dir if anchor == "@dir" else ""
    joined = posixpath.normpath(posixpath.join(base, rest)) if rest else (base or ".")
    if joined == ".":
        return ""
    if joined.startswith(".."):
        return None
    return joined


def _name(node) -> str:
    return dotted(node) or ""


def module_level_calls(tree: ast.Module, functions) -> Dict[str, List[ast.Call]]:
    """{function: its calls} for the module's own ``functions`` called at module level."""
    out: Dict[str, List[ast.Call]] = {}
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in functions:
            out.setdefault(value.func.id, []).append(value)
    return out


def bind_arguments(function: ast.FunctionDef, calls: List[ast.Call], env: Env) -> None:
    """A helper the module calls once at import time with known arguments
    (``_add_lib(sys.path, _HERE)``): its parameters take them, so the
    sys.path edits it makes are read like the module's own."""
    if len(calls) != 1:
        return
    for param, arg in zip([a.arg for a in function.args.args], calls[0].args):
        if isinstance(arg, ast.Starred):
            break
        if _name(arg) == "sys.path":
            env.sys_path_names.add(param)
        else:
            env.exprs[param] = [arg]
