"""Positions of reported nodes from the statement holding each one alone.

:mod:`.positions` positions a whole top-level statement (as a skeleton): a
finding in one method of a 2,000-line class still costs a walk of the class.
Here each node is positioned inside the innermost statement holding it (the
walk's ``site.statement``), which is generated on its own at the
indentation it has in the file, so libcst prints exactly the characters the
file holds there:

* a simple statement line is put in a one-statement block whose indent is
  the whitespace before it (continuation lines inside brackets that re-indent
  get the same tokens as in the file);
* a compound statement holding a node in its header (`with open(...) as f:`,
  a default value, a base class) is generated with its body cut to `pass`:
  the header's characters do not depend on the body.

Lines are shifted by the statement's first line (CPython's ast of the same
text gives it). The starts of the statements around a node that the report
needs (a compound statement's body, the `if` of a guard, an `except`) are
CPython's ast lines, which are libcst's too (a block starts at its first
statement, a decorated def at `def`). Anything else (an `elif`, a `try`
holding a node in its `except` line, unusual indentation) returns None and
the caller positions that top-level statement the old way.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import CodePosition, CodeRange

from .astutil import first_line

_HEADER_HOLDERS = (cst.FunctionDef, cst.ClassDef, cst.With, cst.For, cst.While, cst.If)


def _generated(statement: cst.BaseStatement, indent: str, newline: str,
               resolve) -> Tuple[Optional[Dict[cst.CSTNode, CodeRange]], int]:
    """(positions, the generated line the statement starts on)."""
    if not indent:
        return resolve(cst.Module(body=[statement], default_newline=newline)), 1
    block = cst.If(test=cst.Name("x"), body=cst.IndentedBlock(body=[statement], indent=indent))
    return resolve(cst.Module(body=[block], default_newline=newline)), 2


def _shifted(rng: CodeRange, lines: int) -> CodeRange:
    return CodeRange(CodePosition(rng.start.line + lines, rng.start.column),
                     CodePosition(rng.end.line + lines, rng.end.column))


def _line_range(tree: ast.AST) -> CodeRange:
    """A range whose start line is the node's (all a report reads of the
    statements around a node)."""
    return CodeRange(CodePosition(tree.lineno, tree.col_offset),
                     CodePosition(getattr(tree, "end_lineno", None) or tree.lineno, getattr(tree, "end_col_offset", 0) or 0))


def _in_header(statement: cst.CSTNode, nodes: List[cst.CSTNode]) -> bool:
    """Every node lies in the header of ``statement`` (not in its body or
    an else clause)."""
    wanted = {id(n) for n in nodes if n is not statement and n is not statement.body}
    if not wanted:
        return True
    skip = {id(getattr(statement, "orelse", None))}
    if isinstance(statement.body, cst.IndentedBlock):
        skip.add(id(statement.body))
    stack = [statement]
    while stack and wanted:
        node = stack.pop()
        wanted.discard(id(node))
        stack.extend(child for child in node.children if id(child) not in skip)
    return not wanted


def positions(lines: List[str], spans, newline: str, holders: Dict[int, Tuple[cst.CSTNode, cst.CSTNode]],
              nodes: List[cst.CSTNode], lines_of: List[cst.CSTNode],
              reported: Set[int], resolve) -> Optional[Dict[cst.CSTNode, CodeRange]]:
    """Positions of ``nodes`` (each held by ``holders[id(node)][0]``, a
    statement inside one top-level statement whose statements ``spans``
    maps to their ast: id -> (first, last) ast statement, and id of an
    `except` -> its ast handler) and the start lines of ``lines_of``; None
    when one of them needs the whole top-level statement (also when a
    compound statement is itself reported: its end would be the cut one's).
    ``resolve(module)``: libcst's positions of a module, None when it is too
    deep to generate."""
    by_holder: Dict[int, Tuple[cst.CSTNode, List[cst.CSTNode]]] = {}
    for node in nodes:
        held = holders.get(id(node))
        if held is None:
            return None
        holder = held[0]
        by_holder.setdefault(id(holder), (holder, []))[1].append(node)
    out: Dict[cst.CSTNode, CodeRange] = {}
    for holder, held in by_holder.values():
        span = spans.get(id(holder))
        if span is None:
            return None
        first = first_line(span[0])
        text = lines[first - 1] if first - 1 < len(lines) else ""
        indent = text[:len(text) - len(text.lstrip(" \t"))]
        if text[len(indent):].startswith("\f"):
            return None
        if getattr(span[0], "decorator_list", None) and not text[len(indent):].startswith("@"):
            return None     # `@\` or `@(` then the decorator on a later line: ast's line is not the `@`'s
        cut = None         # a body cut to `pass`: its range is not the file's
        if isinstance(holder, cst.SimpleStatementLine):
            alone = holder.with_changes(leading_lines=())
        elif isinstance(holder, _HEADER_HOLDERS) and not text[len(indent):].startswith("elif") \
                and id(holder) not in reported and _in_header(holder, held):
            changes = {"leading_lines": ()}
            if isinstance(holder.body, cst.IndentedBlock):
                body_tree = span[0].body[0] if getattr(span[0], "body", None) else None
                if body_tree is None:
                    return None
                cut = changes["body"] = holder.body.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])],
                                                                 footer=())
                out[holder.body] = _line_range(body_tree)
            if getattr(holder, "orelse", None) is not None:
                changes["orelse"] = None
            alone = holder.with_changes(**changes)
        else:
            return None
        found, start = _generated(alone, indent, newline, resolve)
        if found is None:
            return None
        shift = first - start
        for node, rng in found.items():
            if node is alone:
                rng = _shifted(rng, shift)
                if not isinstance(holder, cst.SimpleStatementLine):
                    # the end of a compound statement cut to `pass` is not the file's (and not reported):
                    # only its start is read
                    rng = CodeRange(rng.start, CodePosition(span[1].end_lineno, 0))
                out[holder] = rng
            elif node is not cut:
                out[node] = _shifted(rng, shift)
    for node in lines_of:
        if node in out:
            continue
        tree = spans.get(id(node))
        if tree is None:
            return None
        out[node] = _line_range(tree[0])
    return out
