"""Line and column of reported nodes, computed only where needed, without
deep recursion.

libcst's PositionProvider regenerates code recursively: it costs about twice
the parse, and a statement holding a chain of a few hundred ``1 + 1 + ...``
overflows Python's stack. So positions are computed per top-level statement
that holds a finding, on a *skeleton* of it: every simple statement line that
holds no node of interest is replaced by one raw-text token carrying exactly
its source text (taken from CPython's ``ast`` spans over the same text
libcst parsed). The skeleton generates the same text as the original, so the
positions of everything kept are exact, and the only deep recursion left is
inside the statements that hold a finding.

Such a statement can itself be deep (a finding on a line that also holds a
long chain): it is then positioned on a thread with a large stack and a
higher recursion limit, and if even that fails each node gets the span of its
statement from ``ast``, so a finding never loses its line.
"""
from __future__ import annotations

import ast
import dataclasses
import sys
import threading
import warnings
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from .astutil import first_line

# What a deep statement may use when positioned on its own thread: CPython 3
# accepts at most a few thousand chained operators, each a handful of frames.
_DEEP_RECURSION_LIMIT = 60_000
_DEEP_STACK_BYTES = 512 * 1024 * 1024

_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _child_fields(cls: type) -> Tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if "whitespace" not in f.name)
    return names


def _children(node: cst.CSTNode):
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


class _RawText(cst.Name):
    """Source text standing in for a statement nobody asked about: its code
    is the text itself, newlines included (positions count them)."""

    def _validate(self) -> None:
        return None

    def _visit_and_replace_children(self, visitor) -> "_RawText":
        return self


class _RawWhitespace(cst.SimpleWhitespace):
    """The rest of a raw statement's last line (a `;`, a comment)."""

    def _validate(self) -> None:
        return None

    def _visit_and_replace_children(self, visitor) -> "_RawWhitespace":
        return self


def _parse_ast(text: str) -> Optional[ast.Module]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# -- libcst statements <-> ast statements -----------------------------------

_Span = Tuple[ast.stmt, ast.stmt]       # first and last ast statement of a libcst statement

_AST_OF = {"If": (ast.If,), "For": (ast.For, ast.AsyncFor), "While": (ast.While,), "Try": (ast.Try,),
           "TryStar": (getattr(ast, "TryStar", ast.Try),), "With": (ast.With, ast.AsyncWith),
           "FunctionDef": (ast.FunctionDef, ast.AsyncFunctionDef), "ClassDef": (ast.ClassDef,),
           "Match": (getattr(ast, "Match", ast.If),)}


class _Mismatch(Exception):
    pass


def _block(suite) -> Optional[Sequence[cst.CSTNode]]:
    """The statements of an indented block; None for a one-line suite (no
    statement lines inside)."""
    return suite.body if isinstance(suite, cst.IndentedBlock) else None


def _clauses(node: cst.CSTNode, tree: ast.AST):
    """(libcst statements, ast statements) of every indented block of a
    compound statement."""
    out = []
    if type(node).__name__ == "Match":
        out += [(_block(c.body), c_tree.body) for c, c_tree in zip(node.cases, tree.cases)]
    else:
        out.append((_block(node.body), tree.body))
    handlers = getattr(node, "handlers", ())
    if handlers:
        if len(handlers) != len(tree.handlers):
            raise _Mismatch
        out += [(_block(h.body), h_tree.body) for h, h_tree in zip(handlers, tree.handlers)]
    finalbody = getattr(node, "finalbody", None)
    if finalbody is not None:
        out.append((_block(finalbody.body), tree.finalbody))
    orelse = getattr(node, "orelse", None)
    if isinstance(orelse, cst.If):
        out.append(([orelse], tree.orelse))
    elif orelse is not None:
        out.append((_block(orelse.body), tree.orelse))
    return [(stmts, trees) for stmts, trees in out if stmts is not None]


def _pair(top: cst.CSTNode, trees: List[ast.stmt]) -> Dict[int, _Span]:
    """id(statement) -> its ast span, for every statement in ``top`` (whose
    ast statements are ``trees``). Raises _Mismatch when the two disagree."""
    spans: Dict[int, _Span] = {}
    work: List[Tuple[Sequence[cst.CSTNode], List[ast.stmt]]] = [([top], trees)]
    while work:
        stmts, trees = work.pop()
        index = 0
        for stmt in stmts:
            if isinstance(stmt, cst.SimpleStatementLine):
                count = len(stmt.body)
                if index + count > len(trees):
                    raise _Mismatch
                spans[id(stmt)] = (trees[index], trees[index + count - 1])
                index += count
                continue
            if index >= len(trees) or not isinstance(trees[index], _AST_OF.get(type(stmt).__name__, ())):
                raise _Mismatch
            tree = trees[index]
            index += 1
            spans[id(stmt)] = (tree, tree)
            for handler, handler_tree in zip(getattr(stmt, "handlers", ()), getattr(tree, "handlers", ())):
                spans[id(handler)] = (handler_tree, handler_tree)      # an `except` line
            work.extend(_clauses(stmt, tree))
        if index != len(trees):
            raise _Mismatch
    return spans


def _first_lines(module: cst.Module, tree: Optional[ast.Module]) -> Optional[Dict[int, Tuple[int, List[ast.stmt]]]]:
    """id(top statement) -> (1-based line where its code, leading lines
    included, starts; its ast statements); None when ast and libcst
    disagree on the statements."""
    if tree is None:
        return None
    stmts = tree.body
    out: Dict[int, Tuple[int, List[ast.stmt]]] = {}
    index = 0
    for top in module.body:
        if index >= len(stmts):
            return None
        node = stmts[index]
        first = first_line(node)
        count = len(top.body) if isinstance(top, cst.SimpleStatementLine) else 1
        out[id(top)] = (first - len(top.leading_lines), stmts[index:index + count])
        index += count
    return out if index == len(stmts) else None


# -- the skeleton -----------------------------------------------------------

_BLOCKS = tuple(t for t in (cst.BaseSuite, cst.BaseStatement, cst.Else, cst.Finally, cst.ExceptHandler,
                            getattr(cst, "ExceptStarHandler", None), getattr(cst, "MatchCase", None))
                if t is not None)


class _Skeleton:
    def __init__(self, lines: List[str], spans: Dict[int, _Span], keep: set):
        self.lines, self.spans, self.keep = lines, spans, keep
        self.origin: Dict[int, cst.CSTNode] = {}     # id(rebuilt node) -> the original
        self.alive: List[cst.CSTNode] = []           # rebuilt nodes (their ids stay valid)

    def raw(self, line: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        first, last = self.spans[id(line)]
        text = self.lines[first.lineno - 1:last.end_lineno]
        end = _character_column(text[-1], last.end_col_offset)
        rest = text[-1][end:]                       # `;`, spaces, a comment: not the statement's
        text[-1] = text[-1][:end]
        text[0] = text[0][first.col_offset:]        # only indentation before it: bytes = characters
        return cst.SimpleStatementLine(
            body=[cst.Expr(_RawText("\n".join(text)))], leading_lines=line.leading_lines,
            trailing_whitespace=cst.TrailingWhitespace(whitespace=_RawWhitespace(rest),
                                                       newline=line.trailing_whitespace.newline))

    def rebuild(self, node: cst.CSTNode) -> cst.CSTNode:
        """The node with every simple statement line below it that is not
        kept replaced by raw text. Recursion follows statement nesting only
        (Python allows 100 levels of indentation)."""
        if isinstance(node, cst.SimpleStatementLine):
            return node if id(node) in self.keep else self.raw(node)
        if isinstance(node, cst.SimpleStatementSuite):
            return node
        changes = {}
        for name in _child_fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, _BLOCKS):
                new = self.rebuild(value)
                if new is not value:
                    changes[name] = new
            elif isinstance(value, (tuple, list)) and any(isinstance(v, _BLOCKS) for v in value):
                items = [self.rebuild(v) if isinstance(v, _BLOCKS) else v for v in value]
                if any(a is not b for a, b in zip(items, value)):
                    changes[name] = items
        if not changes:
            return node
        new = node.with_changes(**changes)
        self.origin[id(new)] = node
        self.alive.append(new)
        return new


def _resolve(module: cst.Module) -> Dict[cst.CSTNode, CodeRange]:
    return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))


def _resolve_deep(module: cst.Module) -> Optional[Dict[cst.CSTNode, CodeRange]]:
    """_resolve on a thread with a large stack and a high recursion limit
    (for one statement that really is that deep); None if even that fails."""
    result: List[object] = []

    def run() -> None:
        try:
            result.append(_resolve(module))
        except (RecursionError, MemoryError, KeyError) as exc:   # libcst's cleanup may raise KeyError
            result.append(exc)

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    try:
        threading.stack_size(_DEEP_STACK_BYTES)
        sys.setrecursionlimit(max(old_limit, _DEEP_RECURSION_LIMIT))
        worker = threading.Thread(target=run, name="gaelint-positions")
        worker.start()
        worker.join()
    except (RuntimeError, ValueError, MemoryError):      # no thread of that size here
        return None
    finally:
        sys.setrecursionlimit(old_limit)
        threading.stack_size(old_stack)
    found = result[0] if result else None
    return found if isinstance(found, dict) else None


def _positions(module: cst.Module) -> Optional[Dict[cst.CSTNode, CodeRange]]:
    try:
        return _resolve(module)
    except (RecursionError, KeyError):
        return _resolve_deep(module)


def _character_column(line: str, byte_offset: int) -> int:
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


def _ast_range(lines: List[str], first: ast.stmt, last: ast.stmt) -> CodeRange:
    start = _character_column(lines[first.lineno - 1], first.col_offset)
    end = _character_column(lines[last.end_lineno - 1], last.end_col_offset)
    return CodeRange(CodePosition(first.lineno, start), CodePosition(last.end_lineno, end))


# -- the entry point --------------------------------------------------------

def compute(module: cst.Module, text: str, tops: Iterable[cst.CSTNode],
            nodes: Iterable[cst.CSTNode] = (), *,
            holders: Optional[Dict[int, Tuple[cst.CSTNode, cst.CSTNode]]] = None,
            lines_of: Sequence[Tuple[cst.CSTNode, cst.CSTNode]] = (), reported: Iterable[cst.CSTNode] = (),
            tree: Optional[ast.Module] = None) -> Dict[cst.CSTNode, CodeRange]:
    """Positions of ``nodes`` (and of the statements around them), all
    inside the given top-level statements; without ``nodes``, of every
    node of those statements. With ``holders`` (id of each node -> (the
    innermost statement holding it, its top-level statement)), from those
    statements alone where :mod:`.statement_positions` can, and the start
    lines of ``lines_of`` ((an `if` or `except`, its top-level statement)).
    ``reported``: the nodes findings are about. ``tree``: CPython's ast of
    ``text``, when the caller has it."""
    tops = [t for t in dict.fromkeys(tops) if t is not None]
    nodes = [n for n in nodes if isinstance(n, cst.CSTNode)]
    wanted = {id(n): n for n in nodes}
    wanted.update((id(n), n) for n, _ in lines_of if n is not None)
    starts = _first_lines(module, tree if tree is not None else _parse_ast(text))
    if starts is None or any(id(t) not in starts for t in tops):
        return _positions(module) or {}
    lines = text.split("\n")
    out: Dict[cst.CSTNode, CodeRange] = {}
    per_top: Dict[int, Tuple[list, list]] = {}
    if holders is not None:
        for node in nodes:
            held = holders.get(id(node))
            if held is not None:
                per_top.setdefault(id(held[1]), ([], []))[0].append(node)
        for node, top in lines_of:
            if node is not None:
                per_top.setdefault(id(top), ([], []))[1].append(node)
    reported_ids = {id(n) for n in reported}
    for top in tops:
        start, trees = starts[id(top)]
        if holders is not None:
            found = _from_statements(top, trees, lines, module.default_newline, holders,
                                     *per_top.get(id(top), ([], [])), reported_ids)
            if found is not None:
                out.update(found)
                continue
        out.update(_top_positions(module, top, trees, start, lines, wanted))
    return out


def _from_statements(top, trees, lines, newline, holders, nodes, lines_of, reported):
    """statement_positions for one top-level statement, or None."""
    from . import statement_positions
    try:
        spans = _pair(top, trees)
    except _Mismatch:
        return None
    return statement_positions.positions(lines, spans, newline, holders, nodes, lines_of, reported, _positions)


def _holders(top: cst.CSTNode, wanted: Dict[int, cst.CSTNode]) -> Dict[int, cst.CSTNode]:
    """id(wanted node in top) -> the innermost statement holding it (a
    simple statement line, or a compound statement for a node in its
    header); one iterative walk."""
    holder: Dict[int, cst.CSTNode] = {}
    stack: List[Tuple[cst.CSTNode, cst.CSTNode]] = [(top, top)]
    while stack:
        node, statement = stack.pop()
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            statement = node
        if id(node) in wanted:
            holder[id(node)] = statement
        stack.extend((child, statement) for child in _children(node))
    return holder


def _top_positions(module, top, trees, start, lines, wanted) -> Dict[cst.CSTNode, CodeRange]:
    holder = _holders(top, wanted) if wanted else {}
    try:
        spans = _pair(top, trees)
    except _Mismatch:
        spans = None
    built = top
    skeleton = _Skeleton(lines, spans or {}, {id(s) for s in holder.values()})
    if spans is not None and wanted:
        built = skeleton.rebuild(top)
    sub = cst.Module(body=[built], header=[], footer=[], default_indent=module.default_indent,
                     default_newline=module.default_newline)
    found = _positions(sub)
    out: Dict[cst.CSTNode, CodeRange] = {}
    if found is None:
        # Too deep even on a large stack: the span of each node's statement.
        for key, statement in holder.items():
            span = spans.get(id(statement)) if spans is not None else None
            if span is not None:
                out[wanted[key]] = _ast_range(lines, *span)
        return out
    shift = start - 1
    for node, rng in found.items():
        if isinstance(node, _RawText):
            continue
        node = skeleton.origin.get(id(node), node)
        if shift:
            rng = CodeRange(CodePosition(rng.start.line + shift, rng.start.column),
                            CodePosition(rng.end.line + shift, rng.end.column))
        out[node] = rng
    return out
