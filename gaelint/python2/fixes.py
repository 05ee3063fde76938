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

Longer than 400 lines: one :class:`Fixer` method per Python 2 construct, and
the fast path (:mod:`.fast`) must spell each rewrite exactly as they do; kept
in one module so the two can be compared side by side.
"""
from __future__ import annotations

import re
from typing import Callable, Dict, List, Optional

from fissix import pygram
from fissix.pgen2 import token

from .fast_stmt import RAW_UNICODE_ESCAPE
from .tree import (Python2SyntaxError, append, code, collapse, drop, first_leaf, flat,
                      leaves, pattern_names, prepend, strip_space)

syms = pygram.python_symbols

# Python 3 keywords that are ordinary names in Python 2 (``async=True`` is a
# real urlfetch-era keyword argument).  Renamed the same way everywhere.
RENAMED = frozenset({"async", "await", "nonlocal"})
# Python 3 keywords that Python 2 lets you use as attribute and definition names.
_CONSTANTS = frozenset({"True", "False", "None"})

_STRING_PREFIX = re.compile(r"[A-Za-z]*")
_UNICODE_ESCAPE = re.compile(r"\\[\\uUN]")


def _is_parens(node) -> bool:
    """``( ... )`` that is not a yield: already reads as a call's argument list."""
    kids = node.children
    if node.type != syms.atom or kids[0].type != token.LPAR:
        return False
    inner = kids[1]     # a bare ``yield`` is a NAME leaf (one-child nodes collapse)
    return not (inner.type == syms.yield_expr or (inner.type == token.NAME and inner.value == "yield"))


def _is_tuple(node) -> bool:
    return (node.type == syms.atom and len(node.children) == 3
            and node.children[1].type == syms.testlist_gexp
            and any(c.type == token.COMMA for c in node.children[1].children))


_BACKSLASHES = re.compile(r"(\\+)(.?)", re.S)


def _raw_unicode_as_plain(body: str) -> str:
    """The body (quotes included) of ``ur'...'`` as a plain Python 3 string:
    a ``u``/``U`` after an odd run of backslashes starts an escape, every
    other backslash is itself."""
    quote = body[:3] if body[:3] in ("'''", '"""') else body[0]
    inner = body[len(quote):-len(quote)]

    def plain(match) -> str:
        run, after = len(match.group(1)), match.group(2)
        if after in ("u", "U") and run % 2:
            return "\\" * (2 * run - 1) + after
        if after == quote[0]:                 # ur'a\'b': the quote stays inside
            return "\\" * (2 * run) + "\\" + after
        return "\\" * (2 * run) + after

    return quote + _BACKSLASHES.sub(plain, inner) + quote


def _double_backslash(match) -> str:
    text = match.group()
    return text if text == "\\\\" else "\\" + text


def _names_something(leaf) -> bool:
    """Is this True/False/None leaf a name being defined or an attribute, not the
    constant?  Python 2 allows ``xmlrpclib.False``, ``def None(self)``, ``f(True=1)``."""
    parent = leaf.parent
    kids = parent.children
    if parent.type == syms.trailer:
        return kids[0].type == token.DOT
    if parent.type in (syms.funcdef, syms.classdef):
        return kids[1] is leaf
    return parent.type == syms.argument and kids[0] is leaf and kids[1].type == token.EQUAL


def _defines(leaf) -> bool:
    """Is this leaf the name a def or class defines, or a keyword argument's name?"""
    kids = leaf.parent.children
    if leaf.parent.type in (syms.funcdef, syms.classdef):
        return kids[1] is leaf
    return leaf.parent.type == syms.argument and kids[0] is leaf and len(kids) > 1 \
        and kids[1].type == token.EQUAL


# Where a leaf sits when it is the target of a binding statement.
_TARGET_WRAPPERS = frozenset({syms.atom, syms.testlist_gexp, syms.exprlist, syms.testlist_star_expr,
                              syms.testlist, syms.listmaker})
_FOR_NODES = frozenset(getattr(syms, n) for n in ("for_stmt", "comp_for", "old_comp_for", "list_for")
                       if hasattr(syms, n))


def rebinds(leaf) -> bool:
    """Is this ``True``/``False`` leaf bound as a variable?  Python 2 allows
    ``True = 1``, ``(True, False) = (1, 0)``, ``for True in ...``, ``del True``,
    ``global True`` and ``def f(True=1)`` (pycrypto's py21compat does)."""
    node = leaf
    while node.parent is not None and node.parent.type in _TARGET_WRAPPERS:
        node = node.parent
    parent = node.parent
    if parent is None:
        return False
    kids = parent.children
    if parent.type == syms.expr_stmt:
        return kids[0] is node and len(kids) > 1 and kids[1].type != token.COLON
    if parent.type in _FOR_NODES:
        return len(kids) > 1 and kids[1] is node
    if parent.type in (syms.del_stmt, syms.global_stmt):
        return True
    if parent.type in (syms.typedargslist, syms.varargslist, syms.parameters, syms.tname, syms.vfpdef):
        # a parameter's name, not its default value (`def f(x=False)`)
        previous = node.prev_sibling
        return previous is None or previous.type != token.EQUAL
    return False


def _previous_leaf(leaf):
    """The leaf just before this one in the file, or None."""
    node = leaf
    while node is not None and node.prev_sibling is None:
        node = node.parent
    if node is None:
        return None
    node = node.prev_sibling
    while node.children:
        node = node.children[-1]
    return node


def _is_docstring(stmt) -> bool:
    first = stmt.children[0]
    return first.type == token.STRING or (
        first.type == syms.atom and all(c.type == token.STRING for c in first.children))


class Fixer:
    """Per-file state (which grammar, synthetic-name counter) plus the fix table."""

    def __init__(self, print_statement: bool, unicode_literals: bool = False,
                 rebound: frozenset = frozenset(), taken: frozenset = frozenset()):
        self.print_statement = print_statement
        # Every name of the module: a renamed `async` must not become the
        # module's own `async_` (two variables would read as one).
        self.taken = taken
        self._renames: Dict[str, str] = {}
        # True/False that this module binds as variables: renamed everywhere
        # in it (they are names here, and libcst only takes them as constants).
        self.rebound = rebound
        self.unicode_literals = unicode_literals
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
            drop(args[0])
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
        if dest is not None and items and "\n" in code(node):
            # Moving f to the end would move its tokens to another line; a
            # keyword may precede *args, so keep it in front: print(file=f, *(x, y)).
            strip_space(dest)
            prepend(dest, "file=")
            prepend(items[0], "*(")
            if len(items) == 1 and not soft:
                append(items[0], ",")
            append(node, ")" + "".join(", " + k for k in keywords) + ")")
            return
        if dest is not None:
            keywords.append("file=" + code(dest))
            collapse(dest, "", in_brackets=False)
            first_leaf(dest)._prefix = ""
            if dest_comma is not None:
                drop(dest_comma)
        if items:
            strip_space(items[0])
        if soft:
            drop(args[-1])
        tail = "".join(", " + k for k in keywords) if items else ", ".join(keywords)
        append(node, tail + ")")

    def fix_exec(self, node) -> None:
        """``exec code in g, l`` -> ``exec(code, g, l)``."""
        kids = node.children
        if len(kids) == 2 and _is_parens(kids[1]) and len(kids[1].children) == 3:
            return    # exec (code) and exec (code, ns) mean the same as calls
        kids[0].value = "exec("
        strip_space(kids[1])
        for kid in kids[2:]:
            if kid.type == token.NAME and kid.value == "in":
                drop(kid, ",")
        append(node, ")")

    def fix_raise(self, node) -> None:
        """``raise E, V`` -> ``raise E(V)``; ``raise E, V, T`` adds ``.with_traceback(T)``."""
        kids = node.children
        if len(kids) < 4 or kids[2].type != token.COMMA:
            return
        exc, comma, value = kids[1], kids[2], kids[3]
        if not (not exc.children or exc.type == syms.atom or (
                exc.type == syms.power and all(c.type != token.DOUBLESTAR for c in exc.children))):
            prepend(exc, "(")
            append(exc, ")")
        if value.type == token.NAME and value.value == "None":
            drop(comma)
            # Python 2: a None value means no arguments; `raise E(x), None, tb`
            # raises the instance E(x) as it is.
            last = exc.children[-1] if exc.children else None
            instance = exc.type == syms.power and last is not None and last.type == syms.trailer \
                and last.children[0].type == token.LPAR
            drop(value, "" if instance else "()")
        elif _is_parens(value):
            drop(comma)                 # raise E, (a, b) is E(a, b) in Python 2
            leaf = first_leaf(value)
            if "\n" not in leaf.prefix:
                leaf._prefix = ""
        else:
            drop(comma, "(")
            strip_space(value)
            append(value, ")")
        if len(kids) == 6:
            drop(kids[4], ".with_traceback(")
            strip_space(kids[5])
            append(kids[5], ")")

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
            comma._prefix = " "
        if not first_leaf(target).prefix:
            first_leaf(target)._prefix = " "
        if target.type == token.NAME:
            return
        name = self.new_name("exc")
        names = pattern_names(target)
        # Unpacking an exception unpacks its args in Python 2.
        source = name + ".args" if names is not None else name
        assign = f"{flat(target)} = {source}"
        walrus = [f"({n} := {source}{path})" for n, path in names] if names else None
        collapse(target, name, in_brackets=False)
        siblings = node.parent.children
        self._bind(siblings[siblings.index(node) + 2], assign, walrus, name)

    def fix_funcdef(self, node) -> None:
        """``def f(a, (b, c)):`` -> ``def f(a, _gaelint_tp0):`` binding ``(b, c)``
        at the start of the body, on the body's first line."""
        params = node.children[2]
        if len(params.children) != 3:
            return
        args = params.children[1]
        assigns: List[str] = []
        walrus: List[str] = []
        flag = None
        for param in (args.children if args.type == syms.typedargslist else [args]):
            if param.type != syms.tfpdef:
                continue
            names = pattern_names(param)
            if names is not None and len(names) == 1 and names[0][1] == "":
                self._unwrap(param)
                continue
            name = flag = self.new_name("tp")
            assigns.append(f"{flat(param)} = {name}")
            walrus.extend(f"({n} := {name}{path})" for n, path in names or ())
            collapse(param, name, in_brackets=True)
        if assigns:
            self._bind(node.children[-1], "; ".join(assigns), walrus, flag)

    @staticmethod
    def _unwrap(param) -> None:
        """``(x)`` as a parameter is just ``x``: drop the parentheses."""
        for leaf in leaves(param):
            if leaf.type != token.NAME:
                leaf.value = ""

    def _bind(self, suite, assign: str, walrus: Optional[List[str]], flag: str) -> bool:
        """Run ``assign`` first thing in ``suite`` without adding a line.

        A simple first statement gets ``assign; `` in front (after a docstring,
        so it stays the docstring).  A compound one cannot share its line, so
        the names are bound with walrus expressions inside its header, which
        runs first: ``if ((a := t[0]), (cond))[-1]:``.  A ``while`` header runs
        again on every pass, so there the synthetic name ``flag`` is set to None
        once the names are bound.  A ``try`` binds in its own body.  Returns
        False (names left unbound) for a def or class first statement.
        """
        while True:
            if suite.type == syms.simple_stmt:        # body on the header's line
                prepend(suite, assign + "; ")
                return True
            stmt = suite.children[2]                  # NEWLINE INDENT stmt ...
            if stmt.type == syms.simple_stmt:
                if _is_docstring(stmt) and len(stmt.children) > 3:
                    # A docstring, then `; x = b` on its line: bind before that runs.
                    append(stmt.children[0], "; " + assign)
                elif _is_docstring(stmt):
                    last = stmt.children[-2]
                    append(last, (" " if last.type == token.SEMI else "; ") + assign)
                else:
                    prepend(stmt, assign + "; ")
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
            if stmt.type == syms.while_stmt:
                prepend(header, f"({flag} is None or [{', '.join(walrus)}, ({flag} := None)]) and (")
                append(header, ")")
            else:
                prepend(header, "(" + ", ".join(walrus) + ", (")
                append(header, "))[-1]")
            return True

    # --- expressions --------------------------------------------------------

    def fix_lambda(self, node) -> None:
        """``lambda (k, v): k`` -> ``lambda _gaelint_tp0: (lambda k, v: k)(*_gaelint_tp0)``."""
        kids = node.children
        if node.type == syms.old_lambdef:
            # [x for x in y if lambda: z]: Python 3.9+ wants that lambda in parentheses.
            prepend(node, "(")
            append(node, ")")
        if len(kids) != 4:
            return
        args = kids[1]
        inner: List[str] = []
        call: List[str] = []
        for param in (args.children if args.type == syms.varargslist else [args]):
            if param.type != syms.vfpdef:
                continue
            names = pattern_names(param) or []
            if len(names) == 1 and names[0][1] == "":
                self._unwrap(param)
                continue
            name = self.new_name("tp")
            inner.extend(n for n, _ in names)
            if all(path.count("[") == 1 for _, path in names):
                call.append("*" + name)
            else:
                call.extend(name + path for _, path in names)
            collapse(param, name, in_brackets=False)
        if inner:
            prepend(kids[-1], f"(lambda {', '.join(inner)}: ")
            append(kids[-1], f")({', '.join(call)})")
        first = kids[1] if not kids[1].children else next(kids[1].leaves())
        if not first.prefix and not kids[0].value.endswith(" "):
            first.prefix = " "        # `lambda(x): x` lost its parenthesis: keep `lambda x`

    def fix_atom(self, node) -> None:
        kids = node.children
        if kids[0].type == token.BACKQUOTE:           # `x` -> repr(x)
            tuple_ = kids[1].type == syms.testlist1
            # `not`x`` is valid Python 2: keep the keyword apart from repr
            before = _previous_leaf(kids[0])
            glued = not kids[0].prefix and before is not None and before.type == token.NAME
            kids[0].value = (" " if glued else "") + ("repr((" if tuple_ else "repr(")
            kids[-1].value = "))" if tuple_ else ")"
        elif kids[0].type == token.STRING:
            # 'a' b'b' is one str in Python 2; Python 3 rejects mixing bytes
            # and str literals.  Without the b both are str again.
            bytes_ = ["b" in _STRING_PREFIX.match(k.value).group().lower() for k in kids]
            if any(bytes_) and not all(bytes_):
                for kid, was_bytes in zip(kids, bytes_):
                    if was_bytes:
                        prefix = _STRING_PREFIX.match(kid.value).group()
                        body = kid.value[len(prefix):]
                        if "r" not in prefix.lower():     # bytes escapes, now in a str
                            body = _UNICODE_ESCAPE.sub(_double_backslash, body)
                        kid.value = prefix.replace("b", "").replace("B", "") + body

    def fix_testlist_safe(self, node) -> None:
        """``[x for x in a, b]`` -> ``[x for x in (a, b)]``."""
        prepend(node, "(")
        append(node, ")")

    def renamed(self, value: str) -> str:
        """``async`` -> ``async_`` (``async__`` if the module has an ``async_``)."""
        new = self._renames.get(value)
        if new is None:
            new = value + "_"
            while new in self.taken:
                new += "_"
            self._renames[value] = new
        return new

    def fix_name(self, leaf) -> None:
        value = leaf.value
        if value in RENAMED:
            leaf.value = self.renamed(value)
        elif value == "None" and (_defines(leaf) or rebinds(leaf)):
            raise Python2SyntaxError("cannot assign to None", leaf.lineno, leaf.column + 1)
        elif value in _CONSTANTS and (value in self.rebound or _names_something(leaf)):
            leaf.value = self.renamed(value)          # xmlrpclib.False, True = 1
        elif value == "print" and self.print_statement \
                and leaf.parent.type != syms.print_stmt:
            leaf.value = "print()"                    # a bare print statement

    @staticmethod
    def fix_number(leaf) -> None:
        """``10L`` -> ``10``; ``0777`` -> ``0o777``."""
        value = leaf.value
        space = ""
        if value[-1] in "lL":
            value = value[:-1]
            after = leaf.next_sibling
            if value.isdigit() and after is not None and first_leaf(after).type == token.DOT:
                space = " "                           # 7L.real -> "7 .real", not the float 7.
        if len(value) > 1 and value[0] == "0" and value.isdigit():
            if "8" in value or "9" in value:
                raise Python2SyntaxError(f"invalid octal literal {leaf.value!r}",
                                         leaf.lineno, leaf.column + 1)
            value = "0o" + value[1:]                  # before the space: 0777L.real
        leaf.value = value + space

    def fix_string(self, leaf) -> None:
        """``ur'x'`` -> ``r'x'``: Python 3 has no ur prefix, and its str is unicode.

        A plain ``'...'`` is bytes in Python 2, where ``\\u``, ``\\U`` and ``\\N``
        are a backslash and a letter; in a Python 3 str they start escapes (and
        ``'\\u'`` alone is a SyntaxError), so their backslash is doubled.
        """
        value = leaf.value
        prefix = _STRING_PREFIX.match(value).group()
        lower = prefix.lower()
        raw_unicode = ("u" in lower or self.unicode_literals) and "r" in lower and "b" not in lower
        if raw_unicode and RAW_UNICODE_ESCAPE.search(value):
            # Python 2 still reads \uXXXX in a raw unicode string: a plain
            # Python 3 string with every other backslash doubled means the same.
            leaf.value = _raw_unicode_as_plain(value[len(prefix):])
        elif raw_unicode and "u" in lower:
            leaf.value = prefix[lower.index("r")] + value[len(prefix):]
        elif not lower and not self.unicode_literals and "\\" in value:
            leaf.value = _UNICODE_ESCAPE.sub(_double_backslash, value)
        elif "b" in lower and any(ord(c) > 127 for c in value):
            # b'é' (a coding line allows the character itself in Python 2);
            # Python 3 takes only ASCII in bytes: read it as a str.
            body = value[len(prefix):]
            if "r" not in lower:
                body = _UNICODE_ESCAPE.sub(_double_backslash, body)
            leaf.value = prefix.replace("b", "").replace("B", "") + body

    @staticmethod
    def fix_notequal(leaf) -> None:
        if leaf.value == "<>":
            leaf.value = "!="
