"""Line and column of reported nodes, computed only where needed.

libcst's PositionProvider regenerates the code of the whole module and
costs about twice the parse. Findings are rare, so positions are computed
only for the module-level statements that hold a finding: each is wrapped
in a one-statement module, positioned there, and shifted by the line where
it starts. Those start lines come from CPython's ``ast`` (C speed) over the
same text libcst parsed: every small statement of a libcst line is one ast
statement, and a libcst statement's code begins with its ``leading_lines``.
"""
from __future__ import annotations

import ast
import warnings
from typing import Dict, Iterable, Optional

import libcst as cst
from libcst.metadata import CodeRange, CodePosition, MetadataWrapper, PositionProvider


def _first_lines(module: cst.Module, text: str) -> Optional[Dict[int, int]]:
    """id(top statement) -> 1-based line where its code (leading lines
    included) starts; None when ast and libcst disagree on the statements."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    stmts = tree.body
    out: Dict[int, int] = {}
    index = 0
    for top in module.body:
        if index >= len(stmts):
            return None
        node = stmts[index]
        first = node.lineno
        for deco in getattr(node, "decorator_list", ()):
            first = min(first, deco.lineno)
        out[id(top)] = first - len(top.leading_lines)
        index += len(top.body) if isinstance(top, cst.SimpleStatementLine) else 1
    return out if index == len(stmts) else None


def compute(module: cst.Module, text: str, tops: Iterable[cst.CSTNode]) -> Dict[cst.CSTNode, CodeRange]:
    """Positions of every node inside the given top-level statements."""
    tops = [t for t in dict.fromkeys(tops) if t is not None]
    starts = _first_lines(module, text)
    if starts is None or any(id(t) not in starts for t in tops):
        return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
    out: Dict[cst.CSTNode, CodeRange] = {}
    for top in tops:
        sub = cst.Module(body=[top], header=[], footer=[], default_indent=module.default_indent,
                         default_newline=module.default_newline)
        shift = starts[id(top)] - 1
        for node, rng in MetadataWrapper(sub, unsafe_skip_copy=True).resolve(PositionProvider).items():
            if shift:
                rng = CodeRange(CodePosition(rng.start.line + shift, rng.start.column),
                                CodePosition(rng.end.line + shift, rng.end.column))
            out[node] = rng
    return out
