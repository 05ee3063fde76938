"""Recognise branches that only run off App Engine.

Code behind the usual checks (``SERVER_SOFTWARE`` starts with
``Development``, ``APPENGINE_RUNTIME`` absent, a module flag derived from
those, ``if __name__ == '__main__'``) never runs in production, so findings
there are reported at info severity at most, with the reason. The walker in
:mod:`gaelint.analysis.walk` asks :func:`polarity` about every ``if`` test and every
module-level assignment (flags such as ``IS_DEV = ...``).
"""
from __future__ import annotations

from typing import Callable, Dict, Optional, Tuple

from gaelint.lazycst import cst

from gaelint.knowledge import table

from .platform import WINDOWS_FLAGS

# polarity: "dev" when the expression is true only off App Engine,
# "prod" when it is true only on App Engine.
DEV = "dev"
PROD = "prod"

_DEV_WORDS = ("Development", "Dev", "Devel")
# Functions of well-known libraries whose result says where the code runs.
LIBRARY_PREDICATES: Dict[str, str] = table("guards")["predicates"]
_PROD_WORDS = ("Google App Engine", "Google")

Resolve = Callable[["cst.BaseExpression"], Optional[str]]


def _flip(p: Optional[str]) -> Optional[str]:
    return {DEV: PROD, PROD: DEV}.get(p) if p else None


def _string(node: cst.CSTNode) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        try:
            return node.evaluated_value if isinstance(node.evaluated_value, str) else None
        except Exception:  # pragma: no cover - odd escapes
            return None
    return None


def _env_key(node: cst.BaseExpression, resolve: Resolve) -> Optional[str]:
    """The variable name when ``node`` reads os.environ: ``os.environ.get('K', ...)``,
    ``os.environ['K']``, ``os.getenv('K')``."""
    if isinstance(node, cst.Call):
        name = resolve(node.func)
        if name in ("os.environ.get", "os.getenv") and node.args:
            return _string(node.args[0].value)
    if isinstance(node, cst.Subscript) and resolve(node.value) == "os.environ":
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            return _string(node.slice[0].slice.value)
    return None


def polarity(test: cst.BaseExpression, resolve: Resolve, flags: Dict[str, str],
             predicates: Optional[Callable[[str], Optional[str]]] = None) -> Optional[str]:
    """DEV / PROD / None for a boolean expression. ``flags`` holds the
    module's flags (``IS_DEV``) and predicate functions (``on_appengine()``);
    ``predicates`` answers for functions of other modules by qualified name."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _flip(polarity(test.expression, resolve, flags, predicates))
    if isinstance(test, cst.BooleanOperation):
        left = polarity(test.left, resolve, flags, predicates)
        right = polarity(test.right, resolve, flags, predicates)
        if isinstance(test.operator, cst.And):
            # true only if both are true: one dev operand makes it dev-only
            return DEV if DEV in (left, right) else (PROD if PROD in (left, right) else None)
        # `or`: dev-only when both sides are dev-only
        return left if left == right else None
    if isinstance(test, cst.Name):
        return flags.get(test.value) or _platform_flag(resolve(test) or test.value)
    if isinstance(test, cst.Attribute):
        return _platform_flag(resolve(test))
    if isinstance(test, cst.Call) and not test.args:
        if isinstance(test.func, cst.Name) and f"{test.func.value}()" in flags:
            return flags[f"{test.func.value}()"]
        name = resolve(test.func)
        if name:
            found = LIBRARY_PREDICATES.get(name) or (predicates(name) if predicates else None)
            if found:
                return found
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute):
        method = test.func.attr.value
        if method in ("startswith", "find", "__contains__") and test.args:
            key = _env_key(test.func.value, resolve)
            word = _string(test.args[0].value)
            if key == "SERVER_SOFTWARE" and word and method == "startswith":
                if word.startswith(_DEV_WORDS):
                    return DEV
                if word.startswith(_PROD_WORDS):
                    return PROD
            # dev_appserver prefixes the app id with 'dev~'
            if key == "APPLICATION_ID" and word and method == "startswith" and word.startswith("dev~"):
                return DEV
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        comp = test.comparisons[0]
        op = comp.operator
        left, right = test.left, comp.comparator
        platform = _platform_comparison(op, left, right, resolve)
        if platform:
            return platform
        # 'APPENGINE_RUNTIME' in os.environ / 'Development' in SERVER_SOFTWARE
        if isinstance(op, (cst.In, cst.NotIn)):
            key = _string(left)
            result = None
            if key and resolve(right) == "os.environ":
                if key in ("APPENGINE_RUNTIME", "GAE_ENV", "GAE_RUNTIME", "CURRENT_VERSION_ID", "INSTANCE_ID"):
                    result = PROD
            elif key and _env_key(right, resolve) == "SERVER_SOFTWARE":
                result = DEV if key.startswith(_DEV_WORDS) else (PROD if key.startswith(_PROD_WORDS) else None)
            return _flip(result) if isinstance(op, cst.NotIn) else result
        if isinstance(op, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)):
            for side, other in ((left, right), (right, left)):
                key = _env_key(side, resolve)
                # no APPENGINE_RUNTIME / SERVER_SOFTWARE at all: a plain script, not App Engine
                if key in ("APPENGINE_RUNTIME", "SERVER_SOFTWARE") and isinstance(other, cst.Name) \
                        and other.value == "None":
                    result = DEV
                    return _flip(result) if isinstance(op, (cst.NotEqual, cst.IsNot)) else result
    # os.environ.get('APPENGINE_RUNTIME') -- truthy only on App Engine
    if _env_key(test, resolve) == "APPENGINE_RUNTIME":
        return PROD
    return None


def _platform_flag(name: Optional[str]) -> Optional[str]:
    """``six.PY3`` and a Windows flag imported from another module (``WIN``)
    are true only off App Engine (python27 is Python 2 on Linux)."""
    if name in ("six.PY3", "sys.flags.py3k_warning") or (name or "").rsplit(".", 1)[-1] in WINDOWS_FLAGS:
        return DEV
    if name == "six.PY2":
        return PROD
    return None


def _platform_comparison(op, left, right, resolve: Resolve) -> Optional[str]:
    """``os.name == 'nt'``, ``sys.platform == 'win32'``: not App Engine's Linux."""
    equal = isinstance(op, (cst.Equal, cst.Is))
    if not (equal or isinstance(op, (cst.NotEqual, cst.IsNot))):
        return None
    for side, other in ((left, right), (right, left)):
        text = _string(other)
        if text is None:
            continue
        name = resolve(side)
        if name == "os.name":
            result = PROD if text == "posix" else DEV
        elif name == "sys.platform":
            result = PROD if text.startswith("linux") else DEV
        else:
            continue
        return result if equal else _flip(result)
    return None


def is_main_check(test: cst.BaseExpression) -> bool:
    """``__name__ == '__main__'`` (either order)."""
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return False
    if not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    sides = (test.left, test.comparisons[0].comparator)
    return any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides) and any(
        _string(s) == "__main__" for s in sides
    )


# -- try/except: what a handler catches, and whether the code goes on ---------

def caught_names(handler: cst.ExceptHandler) -> Tuple[str, ...]:
    """What an ``except`` catches, as written (``("IOError", "socket.error")``;
    ``("*",)`` for a bare one)."""
    t = handler.type
    if t is None:
        return ("*",)
    names = [e.value for e in t.elements] if isinstance(t, cst.Tuple) else [t]
    return tuple(dotted_name(n) for n in names if dotted_name(n))


def carries_on(handler: cst.ExceptHandler) -> bool:
    """The handler does not end by raising: the code goes on after it."""
    body = handler.body.body if isinstance(handler.body, cst.IndentedBlock) else handler.body.body
    last = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, cst.Raise) for s in last.body):
        return False
    return True


def imports_the_sdk(body) -> bool:
    for stmt in getattr(body, "body", ()):
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import) and any(
                        dotted_name(a.name).startswith("google.appengine") for a in small.names):
                    return True
                if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative \
                        and dotted_name(small.module).startswith("google.appengine"):
                    return True
    return False


ALWAYS_IMPORTABLE = frozenset(table("guards")["always_importable"]["modules"])


def imports_what_python27_has(body) -> bool:
    """A ``try:`` body of nothing but ``import X`` (``from pkg import mod``)
    of standard modules the python27 runtime always provides (``import json
    as simplejson``): its ``except ImportError`` never runs in production."""
    statements = getattr(body, "body", ())
    if not statements:
        return False
    for stmt in statements:
        if not isinstance(stmt, cst.SimpleStatementLine):
            return False
        for small in stmt.body:
            if isinstance(small, cst.Import):
                names = [dotted_name(a.name) for a in small.names]
            elif isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative \
                    and not isinstance(small.names, cst.ImportStar):
                # `from xml.etree import cElementTree`: only when each name is a module itself
                names = [f"{dotted_name(small.module)}.{dotted_name(a.name)}" for a in small.names]
            else:
                return False
            if not all(name in ALWAYS_IMPORTABLE for name in names):
                return False
    return True


def catches_import_error(handler: cst.ExceptHandler) -> bool:
    """An ``except ImportError`` (or bare/Exception) whose body does more
    than re-raise: the import is optional or has a fallback."""
    body = handler.body.body if isinstance(handler.body, cst.IndentedBlock) else handler.body.body
    if len(body) == 1 and isinstance(body[0], cst.SimpleStatementLine) and \
            all(isinstance(s, cst.Raise) for s in body[0].body):
        return False
    t = handler.type
    if t is None:
        return True
    names = [e.value for e in t.elements] if isinstance(t, cst.Tuple) else [t]
    for n in names:
        text = n.attr.value if isinstance(n, cst.Attribute) else getattr(n, "value", None)
        if text in ("ImportError", "ModuleNotFoundError", "Exception", "BaseException"):
            return True
    return False


def dotted_name(node) -> str:
    """``a.b.c`` for a Name/Attribute chain ('' for anything else)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""


def function_polarity(node: cst.FunctionDef, resolve: Resolve, flags: Dict[str, str],
                      predicates: Optional[Callable[[str], Optional[str]]] = None) -> Optional[str]:
    """The polarity of a parameterless function whose body is one ``return``
    of a check (``def on_appengine(): return os.environ.get(
    'SERVER_SOFTWARE', '').startswith('Google')``): a call to it is that check."""
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body]
    statements = [s for s in body if not (isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1
                                           and isinstance(s.body[0], cst.Expr)
                                           and isinstance(s.body[0].value, (cst.SimpleString,
                                                                            cst.ConcatenatedString)))]
    if len(statements) != 1 or node.params.params:
        return None
    only = statements[0]
    small = only.body[0] if isinstance(only, cst.SimpleStatementLine) and len(only.body) == 1 else only
    if isinstance(small, cst.Return) and small.value is not None:
        return polarity(small.value, resolve, flags, predicates)
    return None
