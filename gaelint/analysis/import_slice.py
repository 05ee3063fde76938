"""The part of a module the import rules read, on the module's own lines.

When every rule left for a file reads import statements only (GAE301-303,
``triggers_in_imports``), libcst need not build the whole module: a
generated ``*_pb2.py`` of 350 KB is 140 MB of tree for a dozen imports. What
those rules see of a file is, for each import statement, the statements
around it (``try``/``except ImportError``, ``if`` guards) and what the walk
reads to judge a guard: the module's flags (``IS_DEV = os.environ...``), its
predicate functions (``def on_appengine(): return ...``) and the bindings
of the names a test uses. So, top-level statement by top-level statement:

* one that holds an import, a compound statement (``if``, ``try``, ``for``,
  ``with``, ...), or a function the walk may take for a predicate (no
  positional parameter, one statement) is kept as it is;
* an assignment is kept when its value may be a check or an alias (a name,
  an attribute, ``not``/``and``/``or``, a comparison, a call without
  arguments, of a bare name or of ``startswith``/``find``/``get``/``getenv``,
  a subscript);
  otherwise, like a ``def`` or a ``class``, it becomes a one-line stub that
  binds the same names to nothing the walk resolves (``x = 0``, ``def f():
  pass``, ``class C: pass``), so that a name keeps the binding it had;
* anything else (a call, a docstring, ``del``, ``print``, an assignment to
  an attribute or an item at module level) binds nothing the walk reads and
  is left out.

Every line keeps its number (dropped lines become empty), so positions of
the import statements are those of the whole module. Statements sharing a
line (``x = f(); import y``) are all kept.
"""
from __future__ import annotations

import ast
import warnings
from typing import List, Optional, Set, Tuple

from .astutil import first_line, target_names

_WORTH_IT = 50         # lines left out, at least (and a quarter of the module)
_KEPT_CALLS = frozenset(("startswith", "find", "__contains__", "get", "getenv"))
_COMPOUND = (ast.If, ast.Try, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)
_COMPOUND += tuple(getattr(ast, name) for name in ("TryStar", "Match") if hasattr(ast, name))


def _holds_import(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(node))


def _may_be_a_check(value: ast.AST) -> bool:
    """The value shapes :func:`gaelint.analysis.guards.polarity` can give a
    polarity to, and the aliases name resolution follows."""
    if isinstance(value, (ast.Name, ast.Attribute, ast.BoolOp, ast.Compare, ast.Subscript)):
        return True
    if isinstance(value, ast.UnaryOp):
        return isinstance(value.op, ast.Not)
    if isinstance(value, ast.Call):
        if not value.args and not value.keywords:
            return True
        func = value.func       # a name may alias os.getenv; an attribute ends in what it calls
        return isinstance(func, ast.Name) or isinstance(func, ast.Attribute) and func.attr in _KEPT_CALLS
    return False


def _predicate_shaped(node: ast.AST) -> bool:
    """A function :func:`gaelint.analysis.guards.function_polarity` may read:
    one statement besides string statements (``b'...'`` too), and no
    positional parameter other than positional-only ones (libcst's
    ``params.params``)."""
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                         and isinstance(s.value.value, (str, bytes)))]
    return len(body) == 1 and not node.args.args


def _stub(stmt: ast.stmt) -> Optional[str]:
    """The one-line statement that binds what ``stmt`` binds, to nothing
    resolvable; None when it binds nothing; "" to keep ``stmt`` whole."""
    if isinstance(stmt, _COMPOUND) or _holds_import(stmt):
        return ""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return "" if _predicate_shaped(stmt) else f"def {stmt.name}(): pass"
    if isinstance(stmt, ast.ClassDef):
        return f"class {stmt.name}: pass"
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        if stmt.value is None:
            return None
        if _may_be_a_check(stmt.value):
            return ""
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        names = [n for t in targets for n in target_names(t)]     # `x.attr = ...` binds nothing the walk reads
        return " = ".join(dict.fromkeys(names)) + " = 0" if names else None
    return None


def import_slice(text: str, tree: ast.Module) -> Optional[Tuple[str, ast.Module]]:
    """(the slice's text, its ast), or None when it would not be smaller."""
    lines = text.split("\n")
    spans: List[Tuple[int, int, ast.stmt]] = [(first_line(s), s.end_lineno or s.lineno, s) for s in tree.body]
    shared: Set[int] = set()
    for (_, end, _), (start, _, _) in zip(spans, spans[1:]):
        if start <= end:
            shared.update((end, start))     # `a = 1; import b`: both on one line
    if spans and max(last for _, last, _ in spans) > len(lines):
        return None                 # not this text's tree
    out = list(lines)
    dropped = 0
    for first, last, stmt in spans:
        if any(line in shared for line in (first, last)):
            continue
        stub = _stub(stmt)
        if stub == "":
            continue
        for line in range(first, last + 1):
            out[line - 1] = ""
        if stub is not None:
            out[stmt.lineno - 1] = stub
        dropped += last - first + 1
    if dropped < _WORTH_IT or dropped * 4 < len(lines):
        return None                 # not worth a second ast parse
    sliced = "\n".join(out)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sliced, ast.parse(sliced)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
