"""Statement-level helpers for :mod:`gaelint.python2.fast`.

The fast path's main loop only sees a few kinds of tokens.  When it meets a
statement that needs an edit (``print``, ``exec``, ``raise E, V``,
``except E, e:``) or a construct whose meaning depends on its neighbours
(a ``*`` that might be unary, a backtick), the helpers here tokenize that one
statement fully and decide.  Each edit is the spelling the fixes writes,
and each raises :class:`Unsure` for anything the rewrite could turn from
invalid Python 2 into valid Python 3 (``print a=1`` -> ``print(a=1)``).

A token is ``(kind, value, start, end, depth)``: kind is ``n`` name, ``s``
string, ``d`` number, ``o`` operator, ``(`` / ``)`` a bracket (any of the
three) or ``` ` ``` a backtick; depth is the bracket depth inside the scanned
statement (an opening bracket has the depth outside it).
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

# A \u or \U that starts an escape even in a raw unicode string (an odd run
# of backslashes). Here, not in .fixes, so the fast path never imports fissix.
RAW_UNICODE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\[uU]")

Token = Tuple[str, str, int, int, int]


class Unsure(Exception):
    """Leave this file to the slow path."""


# Python 2 keywords (print and exec included; True, False, None are names there).
KEYWORDS = frozenset(
    "and as assert break class continue def del elif else except exec finally for from "
    "global if import in is lambda not or pass print raise return try while with yield".split())
# Python 3 keywords that are names in Python 2: renamed by the fixes, as here.
RENAMED = frozenset({"async", "await", "nonlocal"})
_COMPOUND = frozenset("if elif else while for try except finally with def class".split())
_ASSIGN = frozenset("= := += -= *= /= //= %= **= >>= <<= &= |= ^= @=".split())
_EXPR_OPS = frozenset("+ - * / // % ** & | ^ ~ << >> @ .".split())
_WORD = re.compile(r"[ \t\f]*([A-Za-z_]\w*)")

_STRING = (r"[A-Za-z]{0,2}(?:'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
           r"|\"\"\"[^\"\\]*(?:(?:\\.|\"(?!\"\"))[^\"\\]*)*\"\"\""
           r"|'[^\n'\\]*(?:\\.[^\n'\\]*)*'|\"[^\n\"\\]*(?:\\.[^\n\"\\]*)*\")")
_TOKEN = re.compile(
    r"[ \t\f]*(?:(\\\n)|(\n)|(#[^\n]*)|(" + _STRING + r")|([A-Za-z_]\w*)"
    r"|([0-9][\w.]*|\.[0-9][\w.]*)"
    r"|(\*\*=?|>>=?|<<=?|<>|!=|//=?|->|:=|[-+*/%&@|^=<>]=?|[~:;.,])"
    r"|([(\[{])|([)\]}])|(`)|([^ \t\f]))", re.S)
_KIND = {4: "s", 5: "n", 6: "d", 7: "o"}


def tokens(text: str, pos: int, stop: Optional[int] = None, stop_colon: bool = False,
           inside: bool = False) -> Tuple[List[Token], Optional[int]]:
    """Significant tokens from ``pos`` to the end of the statement (a newline,
    ``;`` or comment at depth 0, or ``stop``), and the offset of the depth-0
    colon that ended it when ``stop_colon``.  ``inside``: the scan starts in
    brackets and ends where they close."""
    out: List[Token] = []
    depth = 0
    ticks: List[int] = []               # depths at which a backtick is open
    for m in _TOKEN.finditer(text, pos, len(text) if stop is None else stop):
        k = m.lastindex
        if k == 1:
            continue
        if k == 2 or k == 3:
            if depth == 0 and not inside:
                break
            continue
        value = m.group(k)
        start, end = m.span(k)
        if k == 8:
            out.append(("(", value, start, end, depth))
            depth += 1
        elif k == 9:
            depth -= 1
            if depth < 0 and inside:
                return out, None
            if depth < 0 or (ticks and ticks[-1] == depth):
                raise Unsure("bracket")
            out.append((")", value, start, end, depth))
        elif k == 10:
            if ticks and ticks[-1] == depth - 1:
                ticks.pop()
                depth -= 1
                out.append(("`", value, start, end, depth))
            else:
                out.append(("`", value, start, end, depth))
                ticks.append(depth)
                depth += 1
        elif k == 11:
            raise Unsure("odd character")
        else:
            if k == 7 and depth == 0:
                if value == ";" and not inside:
                    break
                if value == ":" and stop_colon:
                    return out, start
            out.append((_KIND[k], value, start, end, depth))
    if depth or (inside and stop is None):
        raise Unsure("statement ends inside brackets")
    return out, None


def statement_tokens(text: str, pos: int) -> List[Token]:
    return tokens(text, pos)[0]


def first_word(text: str, pos: int) -> str:
    m = _WORD.match(text, pos)
    return m.group(1) if m else ""


def word_before(text: str, pos: int) -> Tuple[str, str]:
    """(word, char): the last non-blank character before ``pos`` on its line,
    and the word it ends if it is a word character."""
    j = pos - 1
    while j >= 0 and text[j] in " \t\f":
        j -= 1
    if j < 0:
        return "", ""
    c = text[j]
    if not (c.isalnum() or c == "_"):
        return "", c
    k = j
    while k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_"):
        k -= 1
    return text[k:j + 1], c


def at_statement_start(text: str, pos: int, stack: list, line_start: int,
                       colon: bool = True) -> bool:
    """Does a statement start at ``pos``: first on its logical line, after a
    ``;``, or after the colon of a compound statement's header?"""
    if stack:
        return False
    j = pos - 1
    while j >= 0 and text[j] in " \t\f":
        j -= 1
    if j < 0:
        return line_start == 0
    c = text[j]
    if c == "\n":
        return line_start == j + 1
    if c == ";":
        return True
    if c == ":" and colon:
        toks, _ = tokens(text, line_start, j + 1)
        if not toks or toks[0][0] != "n" or toks[0][1] not in _COMPOUND:
            return False
        lambdas = 0
        for kind, value, start, _, depth in toks:
            if depth == 0 and kind == "n" and value == "lambda":
                lambdas += 1
            elif depth == 0 and kind == "o" and value == ":":
                if start == j:
                    return lambdas == 0
                if not lambdas:
                    return False
                lambdas -= 1
    return False


def is_(tok: Token, kind: str, value: str) -> bool:
    return tok[0] == kind and tok[1] == value


def check_args(toks: List[Token], depth: int) -> None:
    """Tokens that Python 3 accepts in a call's arguments but fissix does not in
    a statement's operands (keywords, ``*a``, a bare generator, yield)."""
    for i, (kind, value, _, _, d) in enumerate(toks):
        if d != depth:
            continue
        if kind == "o":
            if value in _ASSIGN:
                raise Unsure("assignment in operands")
            if value in ("*", "**") and (i == 0 or toks[i - 1][0] in "o(" or (
                    toks[i - 1][0] == "n" and toks[i - 1][1] in KEYWORDS)):
                raise Unsure("star in operands")
        elif kind == "n" and value in ("for", "yield"):
            raise Unsure("generator or yield in operands")


def _group(toks: List[Token]) -> bool:
    """Is the whole token list one ``( ... )``?"""
    return (len(toks) >= 2 and is_(toks[0], "(", "(") and toks[-1][4] == 0
            and not any(t[4] == 0 for t in toks[1:-1]))


def _group_check(toks: List[Token]) -> None:
    """``( ... )`` that becomes a call's parentheses in Python 3: what a call
    accepts and a parenthesised expression does not (``(a=1)``, ``(**k)``,
    and ``(*a < b)``, where a call's star takes a whole comparison)."""
    for i, (kind, value, _, _, depth) in enumerate(toks):
        if depth == 1 and kind == "o" and (value in _ASSIGN or value in ("*", "**") and (
                i == 0 or toks[i - 1][0] in "o(" and toks[i - 1][4] == 1)):
            raise Unsure("keyword or unpacking in a parenthesised operand")


def _after(text: str, end: int) -> int:
    """the fixes drops one space after ``print``/``exec`` when it adds ``(``."""
    return end + 1 if text.startswith(" ", end) else end


def print_statement(text, start, end, stack, line_start, edits) -> None:
    """``print x, y,`` -> ``print(x, y, end=' ')``; ``print >>f, x`` -> ``print(x, file=f)``."""
    if not at_statement_start(text, start, stack, line_start):
        raise Unsure("print keyword outside a statement start")
    toks = statement_tokens(text, end)
    if not toks:
        edits.append((start, end, 0, "print()"))
        return
    check_args(toks, 0)
    last_end = toks[-1][3]
    soft = is_(toks[-1], "o", ",") and toks[-1][4] == 0
    if is_(toks[0], "o", ">>"):
        _print_to(text, start, toks, soft, edits)
        return
    if _group(toks):
        inner = toks[1:-1]
        _group_check(inner)
        wrap = bool(inner) and (is_(inner[0], "n", "yield") or any(
            t[4] == 1 and is_(t, "o", ",") for t in inner))
        if not wrap:
            return              # print ("x") already is a call; print () stays too
        edits.append((start, _after(text, end), 0, "print("))
        edits.append((last_end, last_end, 3, ")"))
        return
    edits.append((start, _after(text, end), 0, "print("))
    if soft:
        edits.append((toks[-1][2], last_end, 0, ", end=' ')"))
    else:
        edits.append((last_end, last_end, 3, ")"))


def _print_to(text, start, toks, soft, edits) -> None:
    """``print >>f, x, y,``: the file goes last, as ``file=f`` -- or, when the
    statement spans lines, first (the fixes keeps every token on its line):
    ``print(file=f, *(x, y))``."""
    commas = [i for i, t in enumerate(toks) if t[4] == 0 and is_(t, "o", ",")]
    dest_end = commas[0] if commas else len(toks)
    if dest_end == 1:
        raise Unsure("print >> without a file")
    dest = text[toks[1][2]:toks[dest_end - 1][3]]
    last_end = toks[-1][3]
    items = toks[dest_end + 1:]
    if commas and (not items or is_(items[0], "o", ",")):
        raise Unsure("print >>f, without items")
    if "\n" in text[start:last_end]:
        if not items:
            raise Unsure("print >>f over lines")
        edits.append((start, toks[1][2], 0, "print(file="))
        edits.append((items[0][2], items[0][2], 0, "*("))
        if len(commas) == 1 and not soft:
            edits.append((last_end, last_end, 2, ","))      # *(x,) is a tuple
        edits.append((last_end, last_end, 3, "), end=' ')" if soft else "))"))
        return
    if "\n" in dest:
        raise Unsure("print >> file over lines")
    # The file's text moves to the end; an edit inside it would overlap the
    # deletion below, which _apply refuses.
    if not items:
        edits.append((start, last_end, 0, f"print(file={dest})"))
        return
    edits.append((start, items[0][2], 0, "print("))
    if soft:
        edits.append((toks[-1][2], last_end, 0, f", end=' ', file={dest})"))
    else:
        edits.append((last_end, last_end, 3, f", file={dest})"))


def exec_statement(text, start, end, stack, line_start, edits) -> None:
    """``exec code in g, l`` -> ``exec(code, g, l)``."""
    if not at_statement_start(text, start, stack, line_start):
        raise Unsure("exec keyword outside a statement start")
    toks = statement_tokens(text, end)
    if not toks:
        raise Unsure("exec without code")
    check_args(toks, 0)
    if _group(toks):
        inner = toks[1:-1]
        if not inner or is_(inner[0], "n", "yield"):
            raise Unsure("exec () or exec (yield)")
        _group_check(inner)
        return                  # exec (code) and exec (code, ns) already are calls
    ins = [i for i, t in enumerate(toks) if t[4] == 0 and is_(t, "n", "in")]
    if len(ins) > 1:
        raise Unsure("exec with several 'in'")
    code = toks[:ins[0]] if ins else toks
    for kind, value, _, _, depth in code:
        if depth == 0 and ((kind == "n" and value in KEYWORDS)
                           or (kind == "o" and value not in _EXPR_OPS)):
            raise Unsure("exec code is not a plain expression")
    if ins:
        rest = toks[ins[0] + 1:]
        commas = [t for t in rest if t[4] == 0 and is_(t, "o", ",")]
        if not rest or len(commas) > 1 or is_(rest[0], "o", ",") or is_(rest[-1], "o", ","):
            raise Unsure("exec namespaces")
        edits.append((toks[ins[0]][2], toks[ins[0]][3], 0, ","))
    edits.append((start, _after(text, end), 0, "exec("))
    edits.append((toks[-1][3], toks[-1][3], 3, ")"))


def raise_statement(text, start, end, stack, line_start, edits) -> None:
    """``raise E, V`` -> ``raise E(V)``; ``raise E, None`` -> ``raise E()``;
    ``raise E, V, T`` -> ``raise E(V).with_traceback(T)``."""
    toks = statement_tokens(text, end)
    commas = [i for i, t in enumerate(toks) if t[4] == 0 and is_(t, "o", ",")]
    if not commas:
        return
    if len(commas) > 2 or not at_statement_start(text, start, stack, line_start):
        raise Unsure("raise operands")
    check_args(toks, 0)
    exc, comma = toks[:commas[0]], toks[commas[0]]
    value = toks[commas[0] + 1:commas[1] if len(commas) == 2 else len(toks)]
    trace = toks[commas[1] + 1:] if len(commas) == 2 else None
    if not exc or not value or trace == [] or not _primary(exc):
        raise Unsure("raise operands")
    if len(value) == 1 and is_(value[0], "n", "None"):
        if exc[-1][0] == ")":
            raise Unsure("raise E(x), None: an instance is raised as it is")
        edits.append((comma[2], comma[3], 0, ""))
        edits.append((value[0][2], value[0][3], 0, "()"))   # None: no arguments
    elif _group(value) and not (len(value) > 2 and is_(value[1], "n", "yield")):
        _group_check(value[1:-1])
        edits.append((comma[2], comma[3], 0, ""))          # raise E, (a, b) is E(a, b)
    else:
        edits.append((comma[2], comma[3], 0, "("))
        edits.append((value[-1][3], value[-1][3], 3, ")"))
    if trace:
        second = toks[commas[1]]
        edits.append((second[2], second[3], 0, ".with_traceback("))
        edits.append((trace[-1][3], trace[-1][3], 3, ")"))


def _primary(toks: List[Token]) -> bool:
    """A name or bracketed atom with trailers: the fixes would not add
    parentheses around it."""
    top = [t for t in toks if t[4] == 0 and t[0] != ")"]
    first = top[0]
    if not ((first[0] == "n" and first[1] not in KEYWORDS) or first[0] == "("):
        return False
    i = 1
    while i < len(top):
        if top[i][0] == "(" and top[i][1] in "([":
            i += 1
        elif is_(top[i], "o", ".") and i + 1 < len(top) and top[i + 1][0] == "n":
            i += 2
        else:
            return False
    return True


def except_clause(text, start, end, stack, line_start, edits) -> None:
    """``except E, e:`` -> ``except E as e:`` (a plain name only)."""
    toks, colon = tokens(text, end, stop_colon=True)
    commas = [i for i, t in enumerate(toks) if t[4] == 0 and is_(t, "o", ",")]
    if not commas:
        return
    if (colon is None or len(commas) != 1
            or not at_statement_start(text, start, stack, line_start, colon=False)):
        raise Unsure("except clause")
    exc, target = toks[:commas[0]], toks[commas[0] + 1:]
    if (not exc or any(t[4] == 0 and is_(t, "n", "lambda") for t in exc) or len(target) != 1
            or target[0][0] != "n" or target[0][1] in KEYWORDS):
        raise Unsure("except target is not a name")
    check_args(exc, 0)
    comma = toks[commas[0]]
    edits.append((comma[2], comma[3], 0, " as "))
