"""Python 2.7 front end: rewrite Python 2 source into Python 3 syntax, line for line.

libcst only parses Python 3 syntax, but python27 App Engine apps are Python 2.
:func:`to_python3` reads the text with fissix's Python 2 grammar (fissix is the
maintained fork of lib2to3) and writes it back out with every Python 2-only
construct spelled the Python 3 way (see :mod:`gaelint.python2.fixes`).

Why not fissix's own fixers (the 2to3 ``RefactoringTool``)?  They are slow,
reformat code, and move tokens between lines.  Every finding gaelint reports
carries a line number taken from the rewritten text, so the one hard rule
here is: **each token stays on the line it was on** -- the output has exactly
the same number of lines as the input.  Fixes therefore only edit leaf values
and prefixes in place (never add or remove a newline), and the tree is walked
iteratively so deep nesting cannot blow the Python stack.
"""
from __future__ import annotations

import gc
import io
import re
from typing import List, Optional, Tuple

from fissix import pygram, pytree
from fissix.pgen2 import driver, parse, token, tokenize

from . import fixes
from .tree import Python2SyntaxError, preorder

__all__ = ["Python2SyntaxError", "to_python3"]


def _grammar(base):
    # fissix's grammar is a superset of Python 2 and 3; ``nonlocal`` is a
    # keyword there, but a plain name in Python 2 (``nonlocal = 1`` is valid).
    g = base.copy()
    g.keywords.pop("nonlocal", None)
    return g


# Built once: grammar tables are immutable and a Driver keeps no parse state.
_DRIVERS = {
    True: driver.Driver(_grammar(pygram.python_grammar), convert=pytree.convert),
    False: driver.Driver(_grammar(pygram.python_grammar_no_print_statement),
                         convert=pytree.convert),
}
_SYMS = pygram.python_symbols
_OPEN, _CLOSE = "([{", ")]}"


def to_python3(text: str) -> str:
    """Rewrite Python 2.7 source into Python 3 syntax that libcst parses and that
    means the same thing, keeping every token on its original LINE (same number of
    lines, each statement on the line the user sees).  Raise Python2SyntaxError if
    the text is not valid Python 2.7.

    ``text`` has "\\n" newlines only (the caller normalises them) and may lack a
    trailing newline.
    """
    # pgen2's tokenizer wants a final newline (an indented last line without one
    # never gets its DEDENTs); add it and take it off again at the end.
    added_newline = not text.endswith("\n")
    src = text + "\n" if added_newline else text
    # The parse allocates ~8 objects per source line, which keeps triggering
    # full garbage collections that find nothing (the tree is still alive):
    # pausing the collector makes large files ~2.5x faster.
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        return _convert(src, added_newline)
    except RecursionError:    # the walk is iterative; this is only a safety net
        raise Python2SyntaxError("too deeply nested to rewrite", 1, 1) from None
    finally:
        if gc_enabled:
            gc.enable()


def _convert(src: str, added_newline: bool) -> str:
    tree, print_statement = _parse(src)
    nodes = preorder(tree)
    rebound = frozenset(leaf.value for leaf in nodes
                        if leaf.type == token.NAME and leaf.value in ("True", "False")
                        and fixes.rebinds(leaf))
    taken = frozenset(leaf.value for leaf in nodes if leaf.type == token.NAME)
    fixer = fixes.Fixer(print_statement,
                                "unicode_literals" in _future_features(tree), rebound, taken)
    # Children before parents (reverse pre-order): a fix that copies a subtree's
    # text (the ``>>f`` of a print) sees it already rewritten, and a fix that
    # wraps a subtree wraps the rewritten text.
    for node in reversed(nodes):
        fix = fixer.fixes.get(node.type)
        if fix is not None:
            fix(node)
    tokens = [n for n in nodes if not n.children]
    out = _emit_expanding_tabs(tokens) if "\t" in src else "".join(
        [leaf._prefix + leaf.value for leaf in tokens])
    if added_newline and out.endswith("\n"):
        out = out[:-1]
    return out

# --- parsing and errors ----------------------------------------------------

_FUTURE_PRINT = re.compile(r"\bprint_function\b")


def _parse(src: str):
    """(tree, print_statement): which grammar applies depends on whether the module
    says ``from __future__ import print_function``.  Finding that out exactly needs
    a parse, so the cheap text test only decides which grammar to try first."""
    errors: List[Python2SyntaxError] = []
    maybe_future = "__future__" in src and _FUTURE_PRINT.search(src) is not None
    for print_statement in ((False, True) if maybe_future else (True,)):
        try:
            tree = _DRIVERS[print_statement].parse_string(src)
        except (parse.ParseError, tokenize.TokenError, IndentationError) as exc:
            errors.append(_diagnose(exc, src, print_statement))
            continue
        except (RecursionError, MemoryError):
            raise Python2SyntaxError("too deeply nested for the Python 2 parser", 1, 1) from None
        imports = "print_function" in _future_features(tree)
        if not print_statement and not imports:
            continue    # "print_function" was only in a comment or a string
        if print_statement and imports:
            # Parses only with print statements, yet imports print_function:
            # Python 2.7 rejects it the way the no-print grammar did.
            raise errors[0]
        return tree, print_statement
    # Both grammars failed: the one that got further is the likelier dialect.
    raise max(errors, key=lambda e: (e.line, e.column))


def _future_features(tree) -> set:
    """Names imported from __future__ by top-level statements."""
    features = set()
    for stmt in tree.children:
        if stmt.type != _SYMS.simple_stmt:
            continue
        for small in stmt.children:
            if (small.type == _SYMS.import_from and small.children[1].type == token.NAME
                    and small.children[1].value == "__future__"):
                features.update(n.value for n in small.leaves() if n.type == token.NAME)
    return features


def _diagnose(exc: Exception, src: str, print_statement: bool) -> Python2SyntaxError:
    """Turn a fissix error into a message and a true 1-based position.  Only runs on
    failure, so it may re-tokenize the text to learn what was open or expected."""
    if isinstance(exc, IndentationError):
        _, line, col, _ = exc.args[1]
        return Python2SyntaxError(exc.args[0], line, col + 1)
    if isinstance(exc, tokenize.TokenError):
        msg, (line, col) = exc.args
        if "string" in msg:
            return Python2SyntaxError("unterminated triple-quoted string literal", line, col + 1)
        brackets, _ = _scan(src, None)
        if brackets:
            char, (bline, bcol) = brackets[-1]
            return Python2SyntaxError(f"'{char}' was never closed", bline, bcol + 1)
        return Python2SyntaxError("unexpected end of file after a line continuation",
                                  max(1, line - 1), 1)
    assert isinstance(exc, parse.ParseError)
    line, col = exc.context[1]
    brackets, previous = _scan(src, (line, col))
    if exc.type == token.INDENT:
        msg = "unexpected indent"
    elif previous[-2:] == [":", "\n"] and exc.type != token.INDENT:
        msg = "expected an indented block"
    elif exc.type == token.ENDMARKER:
        msg = "unexpected end of file"
    elif exc.type == token.ERRORTOKEN:
        # pgen2 reports the whitespace before a bad character; point at the character.
        text = src.split("\n")[line - 1]
        while col < len(text) - 1 and text[col] in " \t\f":
            col += 1
        char = text[col:col + 1]
        msg = "unterminated string literal" if char in ("'", '"') else f"invalid character {char!r}"
    elif exc.value and exc.value in _CLOSE:
        if not brackets:
            msg = f"unmatched '{exc.value}'"
        elif _OPEN.index(brackets[-1][0]) != _CLOSE.index(exc.value):
            msg = f"closing bracket '{exc.value}' does not match '{brackets[-1][0]}'"
        else:
            msg = f"invalid syntax at '{exc.value}'"
    elif exc.type in (token.NEWLINE, token.DEDENT):
        msg = "invalid syntax: the statement is incomplete at the end of the line"
    else:
        msg = f"invalid syntax at {exc.value!r}"
    if exc.type == token.NAME and exc.value == "print" and not print_statement:
        msg += " (print is a function here: the module imports print_function)"
    return Python2SyntaxError(msg, line, col + 1)


def _scan(src: str, stop: Optional[Tuple[int, int]]):
    """Tokenize up to ``stop``: (open brackets with their start, last significant
    token values).  An error ends the scan early; what was seen is still useful."""
    brackets: list = []
    previous: List[str] = []
    try:
        for tok_type, value, start, _, _ in tokenize.generate_tokens(io.StringIO(src).readline):
            if stop is not None and start >= stop:
                break
            if tok_type in (tokenize.COMMENT, tokenize.NL):
                continue
            if tok_type == token.OP and value in _OPEN:
                brackets.append((value, start))
            elif tok_type == token.OP and value in _CLOSE and brackets:
                brackets.pop()
            previous = previous[-1:] + [value]
    except (tokenize.TokenError, IndentationError):
        pass
    return brackets, previous


# --- output ----------------------------------------------------------------

_LEADING_WS = re.compile(r"[ \t]*")


def _emit_expanding_tabs(tokens) -> str:
    """Join the leaves, expanding tabs in the indentation of every line.

    Python 2 reads a tab as "advance to the next multiple of 8"; Python 3 (and
    libcst) reject indentation that mixes tabs and spaces inconsistently.  Spaces
    mean the same thing to both.  Only whitespace at the start of a physical line
    outside a string literal is touched: that whitespace always lives in a leaf
    prefix or an INDENT leaf, never in a STRING value.
    """
    parts: List[str] = []
    at_line_start = True
    for leaf in tokens:
        for chunk in (leaf._prefix, leaf.value):
            if not chunk:
                continue
            if "\t" in chunk and not (chunk is leaf.value and leaf.type == token.STRING):
                lines = chunk.split("\n")
                for i, piece in enumerate(lines):
                    if (i or at_line_start) and "\t" in piece:
                        ws = _LEADING_WS.match(piece).group()
                        lines[i] = ws.expandtabs(8) + piece[len(ws):]
                chunk = "\n".join(lines)
            parts.append(chunk)
            at_line_start = chunk.endswith("\n")
    return "".join(parts)
