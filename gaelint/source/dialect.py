"""What Python 2.7 makes of a text beyond its grammar.

* Compile-time errors: CPython raises some errors only when it compiles a
  module it could parse (``return`` at module level, a duplicate argument, a
  late ``from __future__``). Python 2.7 raises the same ones with the same
  words, and refuses to import the file; ``ast.parse`` (and so libcst and
  fissix) accept it. :func:`compile_check` runs CPython's compiler (in C,
  cheaper than ``ast.parse``) and :func:`python27_compile_error` keeps the
  errors Python 2.7 shares.
* A line holding only ``\\``: Python 2.7 (and 3) join it to the next line;
  libcst wants an INDENT after it and fissix an end of file.
  :func:`without_backslash_lines` blanks it where that means the same.
* Two meanings: a few statements are valid Python 3 and Python 2 but mean
  different things (``print >>f, x`` is a print to ``f`` in Python 2, a
  shift and a tuple in Python 3; ``exec(code) in ns`` runs code in ``ns``).
  :func:`python2_reads_differently` says when a text that Python 3 accepts
  holds such a statement and nothing that only Python 3 accepts: such a file
  is Python 2 (an App Engine python27 app) and is read with Python 2 meaning.
"""
from __future__ import annotations

import ast
import re
import warnings
from typing import Optional, Tuple

# Compile-time errors Python 2.7 raises with these very words.
_SHARED_COMPILE_ERRORS = ("'return' outside function", "'yield' outside function", "'break' outside loop",
                          "'continue' not properly in loop", "duplicate argument",
                          "from __future__ imports must occur at the beginning of the file")


def compile_check(text: str) -> Tuple[bool, Optional[SyntaxError]]:
    """(compiled, error): CPython 3's full compile of the text. ``compiled``
    False with no error means the compiler gave up (too deep, a NUL):
    ``ast.parse`` must decide."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<gaelint>", "exec", dont_inherit=True)
        return True, None
    except SyntaxError as exc:
        return False, exc
    except (ValueError, RecursionError, MemoryError, OverflowError):
        return False, None


_LATE_FUTURE = "from __future__ imports must occur at the beginning of the file"


def python27_compile_error(exc: Optional[SyntaxError],
                           tree: Optional[ast.Module] = None) -> Optional[Tuple[str, Optional[int], Optional[int]]]:
    """(message, line, column) when a compile error of text that parses is
    one Python 2.7 raises too."""
    if exc is None or not isinstance(exc.msg, str) or not exc.msg.startswith(_SHARED_COMPILE_ERRORS):
        return None
    if exc.msg.startswith(_LATE_FUTURE):
        line = _late_future_line(tree)
        return (exc.msg, line, 1) if line is not None else None
    return exc.msg, exc.lineno, exc.offset


def _late_future_line(tree: Optional[ast.Module]) -> Optional[int]:
    """Line of a ``from __future__`` import Python 2.7 finds too late
    (Python/future.c: one string statement may come anywhere before the
    last of them, not only first as in Python 3), or None."""
    if tree is None:
        return None
    done = found_docstring = False
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            if done:
                return stmt.lineno
        elif isinstance(stmt, ast.Expr) and not found_docstring and not done:
            if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                found_docstring = True
            else:
                done = True
        else:
            done = True
    return None


# -- two meanings -----------------------------------------------------------

_HINT = re.compile(r"\bprint[ \t]*(?:>>|[;#\n]|$)|\bexec\b|\\[uUN]", re.M)
# A \u, \U or \N that is an escape in a Python 3 str but a backslash and a
# letter in a Python 2 one (an odd run of backslashes before it).
_UNICODE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\[uUN]")
_PYTHON3_ONLY = tuple(getattr(ast, name) for name in (
    "JoinedStr", "Nonlocal", "AsyncFunctionDef", "AsyncFor", "AsyncWith", "Await", "AnnAssign",
    "NamedExpr", "YieldFrom", "MatMult", "Match", "TryStar") if hasattr(ast, name))


def _is_name(node, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _print_chevron(value) -> bool:
    """``print >>f``, ``print >>f, x`` or a bare ``print`` read as Python 3
    (a shift, a tuple, a name)."""
    if _is_name(value, "print"):
        return True
    if isinstance(value, ast.Tuple) and value.elts:
        value = value.elts[0]
    return isinstance(value, ast.BinOp) and isinstance(value.op, ast.RShift) and _is_name(value.left, "print")


def _exec_in(value) -> bool:
    """``exec(code) in ns`` read as Python 3 (a comparison)."""
    return (isinstance(value, ast.Compare) and len(value.ops) == 1 and isinstance(value.ops[0], ast.In)
            and isinstance(value.left, ast.Call) and _is_name(value.left.func, "exec"))


def _python3_only(node, print_function: bool) -> bool:
    if isinstance(node, _PYTHON3_ONLY):
        return True
    if isinstance(node, (ast.FunctionDef, ast.Lambda)):
        args = node.args
        return bool(args.kwonlyargs or getattr(args, "posonlyargs", ()) or getattr(node, "returns", None)
                    or any(a.annotation is not None for a in (*args.args, args.vararg, args.kwarg) if a is not None))
    if isinstance(node, ast.Raise):
        return node.cause is not None
    if isinstance(node, ast.ClassDef):
        return bool(node.keywords)
    if isinstance(node, ast.Dict):
        return any(k is None for k in node.keys)
    if isinstance(node, ast.Call) and _is_name(node.func, "print") and not print_function:
        return bool(node.keywords)          # print(x, file=f) is Python 3 (or print_function)
    if isinstance(node, ast.Name):
        return not node.id.isascii()
    return False


def python2_reads_differently(text: str, tree: Optional[ast.Module]) -> bool:
    """Does this text, which Python 3 accepts (``tree``: its ast), hold a
    statement Python 2 reads differently, and nothing only Python 3 accepts?"""
    if tree is None or not _HINT.search(text):
        return False
    future = {a.name for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"
              for a in n.names}
    print_function = "print_function" in future
    # '\u00e9' is é in Python 3, six characters in Python 2 (without
    # unicode_literals): the rewrite keeps the backslash where it is not a u''.
    differs = "unicode_literals" not in future and _UNICODE_ESCAPE.search(text) is not None
    for node in ast.walk(tree):
        if _python3_only(node, print_function):
            return False
        if isinstance(node, ast.Expr) and ((_print_chevron(node.value) and not print_function)
                                           or _exec_in(node.value)):
            differs = True
    return differs


# -- a line holding only a backslash ------------------------------------------

_BACKSLASH_LINE = re.compile(r"^[ \t\f]*\\(?:\n|\Z)", re.M)


BACKSLASH_READINGS = ("same", "python2", "python3")


def without_backslash_lines(text: str, reading: str = "same") -> str:
    """The text, on the same lines, with each line that holds only a ``\\``
    blanked. ``same``: only where every reading agrees (before a line with
    the same indentation, a blank line, or the end); ``python2``: as Python
    2.7 reads it, the next line taking the backslash line's indentation
    (its own leading blanks are inside a logical line); ``python3``: as
    CPython 3 reads it, the next line keeping its own. libcst wants an
    INDENT after such a line and fissix an end of file."""
    if not _BACKSLASH_LINE.search(text):
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.lstrip(" \t\f") != "\\":
            continue
        after = lines[i + 1] if i + 1 < len(lines) else ""
        indent = line[:len(line) - 1]
        agree = not after.strip(" \t\f") or after.lstrip(" \t\f").startswith("#") or \
            (after.startswith(indent) and after[len(indent):len(indent) + 1] not in (" ", "\t", "\f"))
        if agree or reading == "python3":
            lines[i] = indent
        elif reading == "python2" and lines[i + 1:i + 2]:
            lines[i] = indent
            lines[i + 1] = indent + after.lstrip(" \t\f")
    return "\n".join(lines)


def without_final_continuation(text: str) -> str:
    """A file whose last line ends with a ``\\`` continuation: Python 2.7
    reads on to the end of the file; Python 3 and fissix want a next line."""
    body = text.rstrip("\n")
    if not body.endswith("\\"):
        return text
    return body[:-1] + text[len(body):]
