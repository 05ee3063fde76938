"""The rewrites behind :func:`gaelint.python2.to_python3`, one per Python 2 construct.

Each fix edits leaf ``value``/``prefix`` strings of the fissix tree in place and
never restructures the tree, so the output is simply the leaves joined in order.
Two rules keep every token on its line:

* text is only added inside a line (``print`` -> ``print(``, a ``)`` appended
  to the statement's last token), never as new lines;
* a token that disappears keeps the newlines of its prefix (a backslash
  continuation before a dropped ``,`` stays where it was).

Fixes run children-first (see ``to_python3``), so a fix that copies or wraps a
subtree works on text that is already Python 3.
"""
from __future__ import annotations

import re
from typing import Callable, Dict, List, Optional, Tuple

from fissix import pygram
from fissix.pgen2 import token

syms = pygram.python_symbols

# Python 3 keywords that are ordinary names in Python 2 (``async=True`` is a
# real urlfetch-era keyword argument).  Renamed the same way everywhere.
RENAMED = frozenset({"async", "await", "nonlocal"})
# Python 3 keywords that Python 2 lets you use as attribute and definition names.
_CONSTANTS = frozenset({"True", "False", "None"})

_STRING_PREFIX = re.compile(r"[A-Za-z]*")
_TUPLE_LISTS = (syms.tfplist, syms.vfplist, syms.testlist_gexp, syms.listmaker)


# --- leaf helpers (iterative: trees can be thousands of levels deep) --------

def _leaves(node):
    stack = [node]
    while stack:
        n = stack.pop()
        if n.children:
            stack.extend(reversed(n.children))
        else:
            yield n


def _first_leaf(node):
    while node.children:
        node = node.children[0]
    return node


def _last_leaf(node):
    while node.children:
        node = node.children[-1]
    return node


def _code(node) -> str:
    """The node's current text without its leading prefix."""
    leaves = list(_leaves(node))
    return leaves[0].value + "".join([l.prefix + l.value for l in leaves[1:]])


def _flat(node) -> str:
    """The node's text on one line (comments and line breaks become a space):
    for copies placed elsewhere, where an extra newline would shift lines."""
    parts = []
    for i, leaf in enumerate(_leaves(node)):
        prefix = leaf.prefix
        if i == 0:
            prefix = ""
        elif prefix and (not prefix.isspace() or "\n" in prefix):
            prefix = " "
        parts.append(prefix + leaf.value)
    return "".join(parts)


def _prepend(node, text: str) -> None:
    """Insert text before the node's first token (after its whitespace)."""
    leaf = _first_leaf(node)
    leaf.value = text + leaf.value


def _append(node, text: str) -> None:
    leaf = _last_leaf(node)
    leaf.value += text


def _strip_space(node) -> None:
    """Drop one space before the node: ``print "x"`` -> ``print("x"`` keeps columns."""
    leaf = _first_leaf(node)
    if leaf.prefix.startswith(" "):
        leaf.prefix = leaf.prefix[1:]


def _drop(leaf, value: str = "") -> None:
    """Replace a token; its prefix survives only if it holds a line break."""
    leaf.value = value
    if "\n" not in leaf.prefix:
        leaf.prefix = ""


def _collapse(node, value: str, in_brackets: bool) -> None:
    """Make the whole node read ``value``, keeping its line breaks.  Outside
    brackets a kept line break needs a backslash to stay a continuation."""
    for i, leaf in enumerate(_leaves(node)):
        if i == 0:
            leaf.value = value
            continue
        value_breaks = leaf.value.count("\n")
        leaf.value = ""
        if in_brackets:       # line breaks and comments are fine here
            if "\n" not in leaf.prefix:
                leaf.prefix = ""
            leaf.prefix += "\n" * value_breaks
        else:
            leaf.prefix = " \\\n" * (leaf.prefix.count("\n") + value_breaks)


def _is_parens(node) -> bool:
    """``( ... )`` that is not a yield: already reads as a call's argument list."""
    kids = node.children
    return (node.type == syms.atom and kids[0].type == token.LPAR
            and not (len(kids) == 3 and kids[1].type == syms.yield_expr))


def _is_tuple(node) -> bool:
    return (node.type == syms.atom and len(node.children) == 3
            and node.children[1].type == syms.testlist_gexp
            and any(c.type == token.COMMA for c in node.children[1].children))


def _pattern_names(node) -> Optional[List[Tuple[str, str]]]:
    """Names bound by a tuple target, with the subscript path to each value:
    ``(a, (b, c))`` -> [("a", "[0]"), ("b", "[1][0]"), ("c", "[1][1]")].
    None if the target binds something other than names (``self.x``)."""
    out: List[Tuple[str, str]] = []
    stack = [(node, "")]
    while stack:
        n, path = stack.pop()
        if n.type == token.NAME:
            out.append((n.value, path))
            continue
        kids = n.children
        if len(kids) != 3 or kids[0].type not in (token.LPAR, token.LSQB):
            return None
        inner = kids[1]
        if inner.type in _TUPLE_LISTS:
            if any(c.type == syms.comp_for for c in inner.children):
                return None
            elems = [c for c in inner.children if c.type != token.COMMA]
            stack.extend((e, f"{path}[{i}]") for i, e in reversed(list(enumerate(elems))))
        elif kids[0].type == token.LSQB:
            stack.append((inner, path + "[0]"))    # [x] unpacks one item
        else:
            stack.append((inner, path))            # (x) is just x
    return out


def _names_something(leaf) -> bool:
    """Is this True/False/None leaf a name being defined or an attribute, not the
    constant?  Python 2 allows ``xmlrpclib.False``, ``def None(self)``, ``f(True=1)``."""
    parent = leaf.parent
    if parent.type == syms.trailer or (parent.type in (syms.funcdef, syms.classdef)
                                       and parent.children[1] is leaf):
        return True
    return (parent.type == syms.argument and parent.children[0] is leaf
            and parent.children[1].type == token.EQUAL)


def _is_docstring(stmt) -> bool:
    first = stmt.children[0]
    return first.type == token.STRING or (
        first.type == syms.atom and all(c.type == token.STRING for c in first.children))


class Fixer:
    """Per-file state (which grammar, synthetic-name counter) plus the fix table."""

    def __init__(self, print_statement: bool):
        self.print_statement = print_statement
        self.counter = 0
        self.fixes: Dict[int, Callable] = {
            syms.print_stmt: self.fix_print,
            syms.exec_stmt: self.fix_exec,
            syms.raise_stmt: self.fix_raise,
            syms.except_clause: self.fix_except,
            syms.funcdef: self.fix_funcdef,
            syms.lambdef: self.fix_lambda,
            syms.old_lambdef: self.fix_lambda,
            syms.atom: self.fix_atom,
            syms.testlist_safe: self.fix_testlist_safe,
            token.NAME: self.fix_name,
            token.NUMBER: self.fix_number,
            token.STRING: self.fix_string,
            token.NOTEQUAL: self.fix_notequal,
        }

    def new_name(self, kind: str) -> str:
        name = f"_gaelint_{kind}{self.counter}"
        self.counter += 1
        return name

    # --- statements -------------------------------------------------------

    def fix_print(self, node) -> None:
        """``print >>f, x, y,`` -> ``print(x, y, end=' ', file=f)``."""
        head, args = node.children[0], node.children[1:]
        dest = dest_comma = None
        if args[0].type == token.RIGHTSHIFT:
            _drop(args[0])
            dest, args = args[1], args[2:]
            if args:
                dest_comma, args = args[0], args[1:]
        soft = bool(args) and args[-1].type == token.COMMA
        items = [a for a in args if a.type != token.COMMA]
        if dest is None and not soft and len(items) == 1 and _is_parens(items[0]) \
                and not _is_tuple(items[0]):
            return    # print ("x") already is a call; ("a", "b") is a tuple: wrap it
        head.value = "print("
        keywords = ["end=' '"] if soft else []
        if dest is not None and items and "\n" in _code(node):
            # Moving f to the end would move its tokens to another line; a
            # keyword may precede *args, so keep it in front: print(file=f, *(x, y)).
            _strip_space(dest)
            _prepend(dest, "file=")
            _prepend(items[0], "*(")
            if len(items) == 1 and not soft:
                _append(items[0], ",")
            _append(node, ")" + "".join(", " + k for k in keywords) + ")")
            return
        if dest is not None:
            keywords.append("file=" + _code(dest))
            _collapse(dest, "", in_brackets=False)
            _first_leaf(dest).prefix = ""
            if dest_comma is not None:
                _drop(dest_comma)
        if items:
            _strip_space(items[0])
        if soft:
            _drop(args[-1])
        tail = "".join(", " + k for k in keywords) if items else ", ".join(keywords)
        _append(node, tail + ")")

    def fix_exec(self, node) -> None:
        """``exec code in g, l`` -> ``exec(code, g, l)``."""
        kids = node.children
        if len(kids) == 2 and _is_parens(kids[1]) and len(kids[1].children) == 3:
            return    # exec (code) and exec (code, ns) mean the same as calls
        kids[0].value = "exec("
        _strip_space(kids[1])
        for kid in kids[2:]:
            if kid.type == token.NAME and kid.value == "in":
                _drop(kid, ",")
        _append(node, ")")

    def fix_raise(self, node) -> None:
        """``raise E, V`` -> ``raise E(V)``; ``raise E, V, T`` adds ``.with_traceback(T)``."""
        kids = node.children
        if len(kids) < 4 or kids[2].type != token.COMMA:
            return
        exc, comma, value = kids[1], kids[2], kids[3]
        if not (exc.children == [] or exc.type == syms.atom or (
                exc.type == syms.power and all(c.type != token.DOUBLESTAR for c in exc.children))):
            _prepend(exc, "(")
            _append(exc, ")")
        if value.type == token.NAME and value.value == "None":
            _drop(comma)
            _drop(value, "()")           # Python 2: a None value means no arguments
        elif _is_parens(value):
            _drop(comma)                 # raise E, (a, b) is E(a, b) in Python 2
            leaf = _first_leaf(value)
            if "\n" not in leaf.prefix:
                leaf.prefix = ""
        else:
            _drop(comma, "(")
            _strip_space(value)
            _append(value, ")")
        if len(kids) == 6:
            _drop(kids[4], ".with_traceback(")
            _strip_space(kids[5])
            _append(kids[5], ")")

    def fix_except(self, node) -> None:
        """``except E, e:`` -> ``except E as e:``.  Python 2 allows any target
        (``except E, (errno, msg):``, ``except E, self.err:``); Python 3 only a
        name, so those get a synthetic name, assigned to the target in the body."""
        kids = node.children
        if len(kids) != 4 or kids[2].type != token.COMMA:
            return
        comma, target = kids[2], kids[3]
        comma.value = "as"
        if not comma.prefix:
            comma.prefix = " "
        if not _first_leaf(target).prefix:
            _first_leaf(target).prefix = " "
        if target.type == token.NAME:
            return
        name = self.new_name("exc")
        names = _pattern_names(target)
        # Unpacking an exception unpacks its args in Python 2.
        source = name + ".args" if names is not None else name
        assign = f"{_flat(target)} = {source}"
        walrus = [f"({n} := {source}{path})" for n, path in names] if names else None
        _collapse(target, name, in_brackets=False)
        siblings = node.parent.children
        self._bind(siblings[siblings.index(node) + 2], assign, walrus)

    def fix_funcdef(self, node) -> None:
        """``def f(a, (b, c)):`` -> ``def f(a, _gaelint_tp0):`` binding ``(b, c)``
        at the start of the body, on the body's first line."""
        params = node.children[2]
        if len(params.children) != 3:
            return
        args = params.children[1]
        assigns: List[str] = []
        walrus: List[str] = []
        for param in (args.children if args.type == syms.typedargslist else [args]):
            if param.type != syms.tfpdef:
                continue
            names = _pattern_names(param)
            if names is not None and len(names) == 1 and names[0][1] == "":
                self._unwrap(param)
                continue
            name = self.new_name("tp")
            assigns.append(f"{_flat(param)} = {name}")
            walrus.extend(f"({n} := {name}{path})" for n, path in names or ())
            _collapse(param, name, in_brackets=True)
        if assigns:
            self._bind(node.children[-1], "; ".join(assigns), walrus)

    @staticmethod
    def _unwrap(param) -> None:
        """``(x)`` as a parameter is just ``x``: drop the parentheses."""
        for leaf in _leaves(param):
            if leaf.type != token.NAME:
                leaf.value = ""

    def _bind(self, suite, assign: str, walrus: Optional[List[str]]) -> bool:
        """Run ``assign`` first thing in ``suite`` without adding a line.

        A simple first statement gets ``assign; `` in front (after a docstring,
        so it stays the docstring).  A compound one cannot share its line, so
        the names are bound with walrus expressions inside its header:
        ``if ((a := t[0]), (cond))[-1]:``; a ``try`` binds in its own body.
        Returns False (names left unbound) for a def or class first statement.
        """
        while True:
            if suite.type == syms.simple_stmt:        # body on the header's line
                _prepend(suite, assign + "; ")
                return True
            stmt = suite.children[2]                  # NEWLINE INDENT stmt ...
            if stmt.type == syms.simple_stmt:
                if _is_docstring(stmt):
                    last = stmt.children[-2]
                    _append(last, (" " if last.type == token.SEMI else "; ") + assign)
                else:
                    _prepend(stmt, assign + "; ")
                return True
            if stmt.type == syms.try_stmt:
                suite = stmt.children[2]
                continue
            header = None
            if stmt.type in (syms.if_stmt, syms.while_stmt):
                header = stmt.children[1]
            elif stmt.type == syms.for_stmt:
                header = stmt.children[3]
            elif stmt.type == syms.with_stmt:
                header = stmt.children[1]
                if header.type == syms.with_item:
                    header = header.children[0]
            if header is None or not walrus:
                return False
            _prepend(header, "(" + ", ".join(walrus) + ", (")
            _append(header, "))[-1]")
            return True

    # --- expressions --------------------------------------------------------

    def fix_lambda(self, node) -> None:
        """``lambda (k, v): k`` -> ``lambda _gaelint_tp0: (lambda k, v: k)(*_gaelint_tp0)``."""
        kids = node.children
        if len(kids) != 4:
            return
        args = kids[1]
        inner: List[str] = []
        call: List[str] = []
        for param in (args.children if args.type == syms.varargslist else [args]):
            if param.type != syms.vfpdef:
                continue
            names = _pattern_names(param) or []
            if len(names) == 1 and names[0][1] == "":
                self._unwrap(param)
                continue
            name = self.new_name("tp")
            inner.extend(n for n, _ in names)
            if all(path.count("[") == 1 for _, path in names):
                call.append("*" + name)
            else:
                call.extend(name + path for _, path in names)
            _collapse(param, name, in_brackets=False)
        if inner:
            _prepend(kids[-1], f"(lambda {', '.join(inner)}: ")
            _append(kids[-1], f")({', '.join(call)})")

    def fix_atom(self, node) -> None:
        kids = node.children
        if kids[0].type == token.BACKQUOTE:           # `x` -> repr(x)
            tuple_ = kids[1].type == syms.testlist1
            kids[0].value = "repr((" if tuple_ else "repr("
            kids[-1].value = "))" if tuple_ else ")"
        elif kids[0].type == token.STRING:
            # 'a' b'b' is one str in Python 2; Python 3 rejects mixing bytes
            # and str literals.  Without the b both are str again.
            bytes_ = ["b" in _STRING_PREFIX.match(k.value).group().lower() for k in kids]
            if any(bytes_) and not all(bytes_):
                for kid in kids:
                    prefix = _STRING_PREFIX.match(kid.value).group()
                    kid.value = prefix.replace("b", "").replace("B", "") + kid.value[len(prefix):]

    def fix_testlist_safe(self, node) -> None:
        """``[x for x in a, b]`` -> ``[x for x in (a, b)]``."""
        _prepend(node, "(")
        _append(node, ")")

    def fix_name(self, leaf) -> None:
        value = leaf.value
        if value in RENAMED:
            leaf.value += "_"
        elif value in _CONSTANTS and _names_something(leaf):
            leaf.value += "_"                         # xmlrpclib.False
        elif leaf.value == "print" and self.print_statement \
                and leaf.parent.type != syms.print_stmt:
            leaf.value = "print()"                    # a bare print statement

    @staticmethod
    def fix_number(leaf) -> None:
        """``10L`` -> ``10``; ``0777`` -> ``0o777``."""
        value = leaf.value
        if value[-1] in "lL":
            value = value[:-1]
            after = leaf.next_sibling
            if value.isdigit() and after is not None and _first_leaf(after).type == token.DOT:
                value += " "                          # 7L.real -> "7 .real", not the float 7.
        if len(value) > 1 and value[0] == "0" and value.isdigit():
            if "8" in value or "9" in value:
                from .python2 import Python2SyntaxError
                raise Python2SyntaxError(f"invalid octal literal {leaf.value!r}",
                                         leaf.lineno, leaf.column + 1)
            value = "0o" + value[1:]
        leaf.value = value

    @staticmethod
    def fix_string(leaf) -> None:
        """``ur'x'`` -> ``r'x'``: Python 3 has no ur prefix, and its str is unicode."""
        prefix = _STRING_PREFIX.match(leaf.value).group()
        lower = prefix.lower()
        if "u" in lower and "r" in lower:
            leaf.value = prefix[lower.index("r")] + leaf.value[len(prefix):]

    @staticmethod
    def fix_notequal(leaf) -> None:
        if leaf.value == "<>":
            leaf.value = "!="
