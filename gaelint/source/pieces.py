"""Build a large module's libcst tree from pieces of its text.

libcst's native parser needs about 350 bytes of memory per source byte
while it parses: a 260 KB module takes 90 MB, freed when the tree is built.
That transient is a worker's peak, and a run's memory is its processes'
peaks summed. Parsed in pieces of a few dozen KB cut between top-level
statements (CPython's ast, which is already built, says where they begin
and end), the same module needs a tenth of it.

The tree is the one a single parse builds: same nodes, same fields,
same code. Only where a piece ends does libcst see the end of a module
instead of the next statement, and that changes one thing: the comment
and blank lines between two top-level statements, which a single parse
gives to the second statement's ``leading_lines``, become the first
piece's module ``footer``; they are moved back. (Lines an indented block
claims as its ``footer`` are claimed the same way at the end of a module.)
A piece that detects another default indentation than the first piece
with a block, or any piece that fails to parse, makes the caller parse
the module whole (``None``), so nothing but memory depends on this path.
``tests/test_pieces.py`` checks the equality, node for node, on many
shapes of module.
"""
from __future__ import annotations

import ast
import functools
from typing import Callable, List, Optional, Tuple

from gaelint.lazycst import cst

# Modules smaller than this are parsed whole: their peak is small anyway.
PIECES_FROM_BYTES = 96 * 1024
# Aimed size of a piece; a single statement larger than this is one piece.
PIECE_BYTES = 24 * 1024



@functools.lru_cache(maxsize=None)
def _clauses() -> Tuple[type, ...]:
    """The parts of a compound statement that hold blocks of their own."""
    names = ("Else", "ExceptHandler", "ExceptStarHandler", "Finally", "If", "MatchCase")
    return tuple(getattr(cst, n) for n in names if hasattr(cst, n))


def parse_in_pieces(text: str, tree: ast.Module, parse: Callable[[str], "cst.Module"]) -> Optional["cst.Module"]:
    """The libcst module of ``text`` (whose CPython ast is ``tree``) built
    piece by piece with ``parse``; None when it is small enough to parse
    whole, or when the pieces cannot stand for the whole."""
    if len(text) < PIECES_FROM_BYTES:
        return None
    offsets = _split_offsets(text, tree)
    if not offsets:
        return None
    bounds = [0, *offsets, len(text)]
    modules: list = []
    for start, end in zip(bounds, bounds[1:]):
        try:
            modules.append(parse(text[start:end]))
        except (cst.ParserSyntaxError, RecursionError):
            return None     # the whole parse reports it, with the module's own lines
    indents = {m.default_indent for m in modules if any(_has_block(s) for s in m.body)}
    if len(indents) > 1:
        return None
    body: list = list(modules[0].body)
    carried = list(modules[0].footer)
    for module in modules[1:]:
        if not module.body:
            return None
        first = module.body[0]
        leading = carried + list(module.header) + list(first.leading_lines)
        body.append(first.with_changes(leading_lines=leading) if leading != list(first.leading_lines) else first)
        body.extend(module.body[1:])
        carried = list(module.footer)
    first = modules[0]
    return first.with_changes(body=body, footer=carried, has_trailing_newline=modules[-1].has_trailing_newline,
                              default_indent=indents.pop() if indents else first.default_indent)


def _split_offsets(text: str, tree: ast.Module) -> List[int]:
    """Offsets of line starts where a piece may begin: the first line of a
    top-level statement (its decorators included) that no other statement
    shares, at least PIECE_BYTES after the last cut."""
    line_starts = [0]
    find = text.find
    at = find("\n")
    while at != -1:
        line_starts.append(at + 1)
        at = find("\n", at + 1)
    cuts: List[int] = []
    last_cut = 0
    previous_end = 0
    for stmt in tree.body:
        first_line = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
        if first_line > previous_end and first_line - 1 < len(line_starts):
            offset = line_starts[first_line - 1]
            continued = text.endswith("\\\n", 0, offset)     # `x = 1; \` goes on with this line
            if offset - last_cut >= PIECE_BYTES and len(text) - offset >= PIECE_BYTES // 2 and not continued:
                cuts.append(offset)
                last_cut = offset
        previous_end = max(previous_end, stmt.end_lineno or stmt.lineno)
    return cuts


def _has_block(node) -> bool:
    """The statement holds an indented block (so its piece detected the
    module's default indentation from it)."""
    clauses = _clauses()
    for child in node.children:
        if isinstance(child, cst.IndentedBlock) or (isinstance(child, clauses) and _has_block(child)):
            return True
    return False
