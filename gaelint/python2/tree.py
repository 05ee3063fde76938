"""fissix tree primitives shared by the full Python 2 reader and its fixes.

Iterative (trees can be thousands of levels deep).  Prefixes are written
through ``Leaf._prefix``: the public ``prefix`` setter calls ``changed()``,
which recurses up to the root -- slow, and a RecursionError on deep code.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from fissix import pygram
from fissix.pgen2 import token

_SYMS = pygram.python_symbols


class Python2SyntaxError(Exception):
    """The text is not valid Python 2.7.  ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.message} (line {self.line}, column {self.column})"


def preorder(root) -> list:
    """All nodes and leaves in source order, without recursion."""
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        if node.children:
            stack.extend(reversed(node.children))
    return out



def leaves(node):
    stack = [node]
    while stack:
        n = stack.pop()
        if n.children:
            stack.extend(reversed(n.children))
        else:
            yield n


def first_leaf(node):
    while node.children:
        node = node.children[0]
    return node


def last_leaf(node):
    while node.children:
        node = node.children[-1]
    return node


def code(node) -> str:
    """The node's current text without its leading prefix."""
    found = list(leaves(node))
    return found[0].value + "".join([l._prefix + l.value for l in found[1:]])


def flat(node) -> str:
    """The node's text on one line (comments and line breaks become a space):
    for copies placed elsewhere, where an extra newline would shift lines."""
    parts = []
    for i, leaf in enumerate(leaves(node)):
        prefix = leaf.prefix
        if i == 0:
            prefix = ""
        elif prefix and (not prefix.isspace() or "\n" in prefix):
            prefix = " "
        parts.append(prefix + leaf.value)
    return "".join(parts)


def prepend(node, text: str) -> None:
    """Insert text before the node's first token (after its whitespace)."""
    leaf = first_leaf(node)
    leaf.value = text + leaf.value


def append(node, text: str) -> None:
    leaf = last_leaf(node)
    leaf.value += text


def strip_space(node) -> None:
    """Drop one space before the node: ``print "x"`` -> ``print("x"`` keeps columns."""
    leaf = first_leaf(node)
    if leaf.prefix.startswith(" "):
        leaf._prefix = leaf.prefix[1:]


def drop(leaf, value: str = "") -> None:
    """Replace a token; its prefix survives only if it holds a line break."""
    leaf.value = value
    if "\n" not in leaf.prefix:
        leaf._prefix = ""


def collapse(node, value: str, in_brackets: bool) -> None:
    """Make the whole node read ``value``, keeping its line breaks.  Outside
    brackets a kept line break needs a backslash to stay a continuation."""
    for i, leaf in enumerate(leaves(node)):
        if i == 0:
            leaf.value = value
            continue
        value_breaks = leaf.value.count("\n")
        leaf.value = ""
        if in_brackets:       # line breaks and comments are fine here
            if "\n" not in leaf.prefix:
                leaf._prefix = ""
            leaf._prefix += "\n" * value_breaks
        else:
            leaf._prefix = " \\\n" * (leaf.prefix.count("\n") + value_breaks)


_TUPLE_LISTS = (_SYMS.tfplist, _SYMS.vfplist, _SYMS.testlist_gexp, _SYMS.listmaker)


def pattern_names(node) -> Optional[List[Tuple[str, str]]]:
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
            if any(c.type == _SYMS.comp_for for c in inner.children):
                return None
            elems = [c for c in inner.children if c.type != token.COMMA]
            stack.extend((e, f"{path}[{i}]") for i, e in reversed(list(enumerate(elems))))
        elif kids[0].type == token.LSQB:
            stack.append((inner, path + "[0]"))    # [x] unpacks one item
        else:
            stack.append((inner, path))            # (x) is just x
    return out
