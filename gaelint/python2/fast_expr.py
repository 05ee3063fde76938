"""Expression-level rewrites for :mod:`gaelint.python2.fast`: tuple parameters
(``def f(self, (a, b)):``, ``lambda (k, v): v``) and comprehensions over a
bare tuple (``[x for x in a, b]``), spelled exactly as the fixes does.

Tuple parameters need synthetic names ``_gaelint_tpN``.  the fixes numbers
them as it fixes the tree, children before parents in reverse pre-order, that
is from the end of the file backwards; so each construct registers a callback
with its offset, and :func:`number_synthetic` runs them in that order once
the whole file is known.
"""
from __future__ import annotations

import re
from typing import List, Tuple

from .fast_stmt import (KEYWORDS, RENAMED, Token, Unsure, check_args, first_word, is_,
                                statement_tokens, tokens, word_before)

_BODY_START = re.compile(r"[ \t\f]*(?:#[^\n]*)?\n(?:[ \t\f]*(?:#[^\n]*)?\n)*[ \t\f]*")
_TRY = re.compile(r"try[ \t\f]*:")
_COMPOUND = frozenset("if elif else while for try except finally with def class async".split())
_CONSTANTS = frozenset({"True", "False", "None"})


def number_synthetic(synthetic: list) -> None:
    counter = 0
    for _, callback in sorted(synthetic, key=lambda item: -item[0]):
        counter = callback(counter)


def _split(toks: List[Token], depth: int) -> List[List[Token]]:
    """Split at commas of the given depth."""
    parts: List[List[Token]] = [[]]
    for tok in toks:
        if tok[4] == depth and is_(tok, "o", ","):
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


def _pattern(text: str, toks: List[Token]) -> Tuple[List[Tuple[str, str]], str]:
    """(names with their subscript paths, the target as text) of a tuple
    parameter ``(a, (b, c))``, as python2.pattern_names and flat() give them:
    [("a", "[0]"), ("b", "[1][0]"), ("c", "[1][1]")].  Parentheses without a
    comma only group: ``(x)`` is x."""
    if "\n" in text[toks[0][2]:toks[-1][3]]:
        raise Unsure("tuple parameter over lines")
    has_comma = {}
    opens: List[int] = []
    words = []
    previous = ","
    for i, (kind, value, _, _, _) in enumerate(toks):
        # (a, (b, c),): an item follows "(" or ","; "," or ")" follows an item.
        item = kind == "n" or value == "("
        if (item and previous not in ("(", ",")) or (not item and previous in ("(", ",")
                                                      and not (value == ")" and previous == ",")):
            raise Unsure("not a tuple of names")
        previous = value if kind != "n" else "n"
        if kind == "(" and value == "(":
            opens.append(i)
            has_comma[i] = False
        elif kind == ")" and value == ")":
            opens.pop()
        elif kind == "o" and value == ",":
            has_comma[opens[-1]] = True
        elif kind == "n" and value not in KEYWORDS and value not in _CONSTANTS:
            value += "_" if value in RENAMED else ""
        else:
            raise Unsure("tuple parameter with more than names")
        words.append(value)
    names: List[Tuple[str, str]] = []
    stack: List[List] = []              # [index, indexes?] per open parenthesis
    for i, tok in enumerate(toks):
        if tok[0] == "(":
            stack.append([0, has_comma[i]])
        elif tok[0] == ")":
            stack.pop()
        elif tok[0] == "o":
            stack[-1][0] += 1
        else:
            names.append((words[i], "".join(f"[{n}]" for n, comma in stack if comma)))
    if not names:
        raise Unsure("empty tuple parameter")
    return names, " ".join(words)


def _params(text: str, toks: List[Token]):
    """Tuple parameters of a parameter list (depth-0 tokens are separators):
    [(tokens of the tuple, names with paths, flat text)] and parentheses to drop."""
    tuples, drops = [], []
    for part in _split(toks, 0):
        if not part or part[0][0] != "(" or part[0][1] != "(":
            continue
        close = next(i for i, t in enumerate(part) if t[0] == ")" and t[4] == 0)
        tup, default = part[:close + 1], part[close + 1:]
        if default and (len(default) < 2 or not is_(default[0], "o", "=")):
            raise Unsure("tuple parameter followed by more than a default")
        names, flat = _pattern(text, tup)
        if len(names) == 1 and names[0][1] == "":
            drops.extend(t for t in tup if t[0] in "()")      # (x) is just x
        else:
            tuples.append((tup, names, flat))
    return tuples, drops


def tuple_params(st, start: int, end: int) -> None:
    """``def f(a, (b, c)):`` -> ``def f(a, _gaelint_tp0):`` with ``(b, c) =
    _gaelint_tp0; `` in front of the body's first statement (after a docstring)."""
    text = st.text
    toks, colon = tokens(text, end, stop_colon=True)
    if colon is None or len(toks) < 3 or toks[0][0] != "n" or not is_(toks[1], "(", "("):
        raise Unsure("def header")
    close = next(i for i, t in enumerate(toks) if t[0] == ")" and t[4] == 0)
    if close != len(toks) - 1:
        raise Unsure("return annotation")
    params = [(k, v, s, e, d - 1) for k, v, s, e, d in toks[2:close]]
    tuples, drops = _params(text, params)
    st.edits.extend((t[2], t[3], 0, "") for t in drops)
    if not tuples:
        return
    where, after_docstring = _body_start(text, colon)

    def callback(counter: int) -> int:
        assigns = []
        for tup, _, flat in tuples:
            name = f"_gaelint_tp{counter}"
            counter += 1
            st.edits.append((tup[0][2], tup[-1][3], 0, name))
            assigns.append(f"{flat} = {name}")
        assign = "; ".join(assigns)
        if after_docstring is None:
            st.edits.append((where, where, 0, assign + "; "))
        else:
            st.edits.append((where, where, 1, (" " if after_docstring else "; ") + assign))
        return counter

    st.synthetic.append((start, callback))


def _body_start(text: str, colon: int):
    """Where the fixes binds the names: (offset, None) to insert before the
    first statement, or (offset, ends_with_semicolon) to append after a docstring."""
    while True:
        block = _BODY_START.match(text, colon + 1)
        if block is None:                       # the body is on the header's line
            pos = colon + 1
            while pos < len(text) and text[pos] in " \t\f":
                pos += 1
            if pos == len(text) or text[pos] in "#\n\\":
                raise Unsure("no body")
            return pos, None
        pos = block.end()
        if pos == len(text):
            raise Unsure("no body")
        word = first_word(text, pos)
        if word == "try" and _TRY.match(text, pos):
            colon = _TRY.match(text, pos).end() - 1
            continue
        if word in _COMPOUND or text.startswith("@", pos):
            raise Unsure("compound first statement")
        if text[pos] not in "'\"" and not re.match(r"[A-Za-z]{1,2}['\"]", text[pos:pos + 3]):
            return pos, None
        line: List[Token] = []
        at = pos
        while True:                             # the whole logical line
            part = statement_tokens(text, at)
            line.extend(part)
            nxt = re.compile(r"[ \t\f]*;").match(text, part[-1][3] if part else at)
            if nxt is None:
                break
            line.append(("o", ";", nxt.end() - 1, nxt.end(), 0))
            at = nxt.end()
        first = next((i for i, t in enumerate(line) if is_(t, "o", ";")), len(line))
        if not all(t[0] == "s" for t in line[:first]):
            return pos, None                    # not a docstring
        if first < len(line) - 1:               # a docstring; x = b: bind before x = b runs
            return line[first - 1][3], False
        return line[-1][3], is_(line[-1], "o", ";")


def lambda_params(st, start: int, end: int, stack: list, line_start: int) -> None:
    """``lambda (k, v): v`` -> ``lambda _gaelint_tp0: (lambda k, v: v)(*_gaelint_tp0)``."""
    text = st.text
    if stack and text[stack[-1]] == "`":
        raise Unsure("lambda in backticks")
    params, colon = tokens(text, end, stop_colon=True)
    if colon is None:
        raise Unsure("lambda without a colon")
    tuples, drops = _params(text, params)
    # lambda(x): x -> "lambda x: x", not "lambdax: x" (the fixes adds the space too).
    glued = params[0][2] if params and text[params[0][2] - 1] not in " \t\f\n\\" else -1
    st.edits.extend((t[2], t[3], 0, " " if t[2] == glued else "") for t in drops)
    if not tuples:
        return
    # In a comprehension's condition or iterable fissix reads an old-style
    # lambda, whose body ends differently: leave those alone.
    before = tokens(text, stack[-1] + 1, start, inside=True)[0] if stack else \
        tokens(text, line_start, start)[0]
    if any(t[4] == 0 and t[0] == "n" and t[1] in ("for", "lambda") for t in before):
        raise Unsure("lambda in a comprehension")
    body = _lambda_body(text, colon + 1, bool(stack))
    if "\n" in text[params[0][2]:colon]:
        raise Unsure("lambda parameters over lines")

    def callback(counter: int) -> int:
        inner, call = [], []
        for tup, names, _ in tuples:
            name = f"_gaelint_tp{counter}"
            counter += 1
            inner.extend(n for n, _ in names)
            if all(path.count("[") == 1 for _, path in names):
                call.append("*" + name)
            else:
                call.extend(name + path for _, path in names)
            st.edits.append((tup[0][2], tup[-1][3], 0, (" " if tup[0][2] == glued else "") + name))
        st.edits.append((body[0][2], body[0][2], 0, f"(lambda {', '.join(inner)}: "))
        st.edits.append((body[-1][3], body[-1][3], 1, f")({', '.join(call)})"))
        return counter

    st.synthetic.append((start, callback))


def _lambda_body(text: str, pos: int, inside: bool) -> List[Token]:
    toks = tokens(text, pos, inside=inside)[0]
    body: List[Token] = []
    for tok in toks:
        if tok[4] == 0 and (tok[0] == "o" and tok[1] in (",", ":", "=", ";")
                            or tok[0] == "n" and tok[1] in ("for", "async")):
            break
        if tok[0] == "n" and tok[1] in ("lambda", "yield"):
            raise Unsure("lambda in a lambda")
        body.append(tok)
    if not body:
        raise Unsure("empty lambda body")
    return body


def comprehension(st, start: int, end: int, stack: list) -> None:
    """``[x for x in a, b]`` -> ``[x for x in (a, b)]`` (fissix reads a bare
    tuple after ``in`` in every comprehension)."""
    if st.text[stack[-1]] == "`":
        raise Unsure("comprehension in backticks")
    toks = tokens(st.text, end, inside=True)[0]
    ins = next((i for i, t in enumerate(toks) if t[4] == 0 and is_(t, "n", "in")), None)
    if ins is None:
        raise Unsure("comprehension without in")
    stop = next((i for i, t in enumerate(toks) if i > ins and t[4] == 0 and t[0] == "n"
                 and t[1] in ("for", "if", "async", "lambda")), len(toks))
    if stop < len(toks) and toks[stop][1] in ("async", "lambda"):
        raise Unsure("async or lambda in a comprehension")
    items = _split(toks[ins + 1:stop], 0)
    if len(items) == 1:
        return
    if not items[-1]:
        items.pop()                 # a trailing comma needs two items before it
        if len(items) < 2:
            raise Unsure("one-item tuple after in")
    if any(not item for item in items):
        raise Unsure("empty item")
    for item in items:
        # Python 3 allows (a, *b) and (yield a, b) there; fissix wants old tests.
        if item[0][0] == "o" and item[0][1] in ("*", "**") or any(
                t[4] == 0 and is_(t, "n", "yield") for t in item):
            raise Unsure("unpacking or yield after in")
    last = toks[stop - 1]                   # the trailing comma, if any, stays inside
    st.edits.append((items[0][0][2], items[0][0][2], 0, "("))
    st.edits.append((last[3], last[3], 1, ")"))


def backtick(text, opened, closed, edits) -> None:
    """```x``` -> ``repr(x)``; ```a, b``` -> ``repr((a, b))``."""
    toks, _ = tokens(text, opened + 1, closed, inside=True)   # may hold comments
    if not toks or is_(toks[-1], "o", ","):
        raise Unsure("empty backticks or trailing comma")
    check_args(toks, 0)
    pair = any(t[4] == 0 and is_(t, "o", ",") for t in toks)
    edits.append((opened, opened + 1, 0, "repr((" if pair else "repr("))
    edits.append((closed, closed + 1, 0, "))" if pair else ")"))


def star(text, pos, op, stack, line_start, comment_end, print_mode) -> None:
    """A ``*``/``**`` right after ``(`` or ``,`` unpacks; Python 3 allows that in
    more places than fissix's grammar (``[*a]``, ``print(*a)``, ``for x in *a``).
    Allow only calls, parameters, tuples in parentheses and assignment targets."""
    j = pos - 1
    while j >= 0 and text[j] in " \t\f\n\\":
        j -= 1
    if j < 0:
        raise Unsure("star at start")
    newline = text.find("\n", j, pos)
    if newline != -1 and comment_end == newline:
        raise Unsure("star after a comment")
    c = text[j]
    if c in ")]}'\"":
        return
    if c == "`":
        if stack and stack[-1] == j:
            raise Unsure("star after a backtick")
        return
    if c.isalnum() or c == "_":
        word, _ = word_before(text, j + 1)
        if word[0].isdigit() or word not in KEYWORDS or (word == "print" and not print_mode):
            return                                  # multiplication or power
        if word == "lambda" or (word == "import" and op == "*"):
            return
        raise Unsure(f"unpacking after {word}")
    if c not in "(,":
        raise Unsure("unpacking after an operator")
    if not stack:
        if c != "," or first_word(text, line_start) in KEYWORDS:
            raise Unsure("unpacking in a statement's operands")
        return
    top = stack[-1]
    if text[top] != "(":
        raise Unsure("unpacking in a list, dict, set or backticks")
    if op == "**":
        word, before = word_before(text, top)
        if not (before in ")]" or (word and not word[0].isdigit() and (
                word not in KEYWORDS or (word == "print" and not print_mode)))):
            raise Unsure("** outside a call")
