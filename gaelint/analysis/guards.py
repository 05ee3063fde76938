"""Recognise branches that only run off App Engine.

Code behind the usual checks (``SERVER_SOFTWARE`` starts with
``Development``, ``APPENGINE_RUNTIME`` absent, a module flag derived from
those, ``if __name__ == '__main__'``) never runs in production, so findings
there are reported at info severity at most, with the reason. The walker in
:mod:`gaelint.analysis.walk` asks :func:`polarity` about every ``if`` test and every
module-level assignment (flags such as ``IS_DEV = ...``).
"""
from __future__ import annotations

from typing import Callable, Dict, Optional

import libcst as cst

# polarity: "dev" when the expression is true only off App Engine,
# "prod" when it is true only on App Engine.
DEV = "dev"
PROD = "prod"

_DEV_WORDS = ("Development", "Dev", "Devel")
_PROD_WORDS = ("Google App Engine", "Google")

Resolve = Callable[[cst.BaseExpression], Optional[str]]


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


def polarity(test: cst.BaseExpression, resolve: Resolve, flags: Dict[str, str]) -> Optional[str]:
    """DEV / PROD / None for a boolean expression."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _flip(polarity(test.expression, resolve, flags))
    if isinstance(test, cst.BooleanOperation):
        left = polarity(test.left, resolve, flags)
        right = polarity(test.right, resolve, flags)
        if isinstance(test.operator, cst.And):
            # true only if both are true: one dev operand makes it dev-only
            return DEV if DEV in (left, right) else (PROD if PROD in (left, right) else None)
        # `or`: dev-only when both sides are dev-only
        return left if left == right else None
    if isinstance(test, cst.Name):
        return flags.get(test.value)
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
