"""Possible values: what an expression may hold is a list of values (each
one a runtime path may produce), None when any of them is unknown; a rule
that wants one value gets ``UNKNOWN`` unless there is exactly one."""
from __future__ import annotations

from typing import Any, List, Optional

from gaelint.lazycst import cst

MAX_VALUES = 8          # more possibilities than this: not worth knowing


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()


def dedupe(values: List[Any]) -> Optional[List[Any]]:
    """``values`` without repeats (1 and True stay apart), None when there
    are too many to be worth knowing."""
    out, seen = [], set()
    for v in values:
        key = (type(v).__name__, repr(v))
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out if len(out) <= MAX_VALUES else None


def single(values: Optional[List[Any]]) -> Any:
    """The value when there is exactly one, else UNKNOWN."""
    return values[0] if values is not None and len(values) == 1 else UNKNOWN


def subscript_index(expr) -> Optional[cst.BaseExpression]:
    """The one index of ``x[i]`` (not a slice), else None."""
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        return expr.slice[0].slice.value
    return None
