"""Fast path for the Python 2 front end: a token-level rewrite, or None when unsure.

:func:`gaelint.python2.to_python3` parses with fissix's pure-Python parser
(~19k lines/s).  Most Python 2 files only need a handful of local edits
(``print x``, ``except E, e:``, ``0777``, ``10L``, ``<>``, backticks, ``ur''``,
tuple parameters ...), so :func:`quick_to_python3` finds them with C regex
passes over the text and writes what the slow path writes.

The contract (tests/test_python2_fast.py checks it, also over whole corpora):
when it returns a string ``out`` (not None),

1. ``out`` has the same lines as ``text``, every token on its line;
2. if ``ast.parse(out)`` succeeds, its tree equals the tree of
   ``ast.parse(to_python3(text))`` (columns aside), and
3. ``to_python3(text)`` does not reject ``text``.

The caller still runs ``ast.parse(out)`` and falls back to ``to_python3`` when
it fails, so constructs Python 3 rejects as they stand (``x.None``, mixed
bytes/str literals, a tuple parameter this module did not rewrite) need no
handling here.  What needs care is the reverse: text fissix rejects but that
Python 3 would accept once rewritten (``print *a`` -> ``print(*a)``,
``obj.print``, ``match x:``, non-ASCII names, decorators that are not dotted
names ...).  Anything odd raises :class:`Unsure` and the answer is None.

Speed: the event regex has no capture groups and every alternative starts
with one literal character, so CPython's regex engine skips the rest of the
text (names, spaces, most operators) in its fast prefix loop.  Python code
runs for ~2.5 events a line (newlines, brackets, strings, comments,
numbers); keywords come from a second literal-prefixed pass, and only the
statements that need an edit are tokenized fully.
"""
from __future__ import annotations

import bisect
import re
from typing import List, Optional

from .fast_expr import (backtick, comprehension, lambda_params, number_synthetic, star,
                                tuple_params)
from .fast_stmt import (KEYWORDS, RAW_UNICODE_ESCAPE, RENAMED, Unsure, at_statement_start, except_clause,
                                exec_statement, first_word, print_statement, raise_statement,
                                tokens, word_before)

__all__ = ["quick_to_python3"]

_STRINGS = (r"'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
            r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
            r"|'[^\n'\\]*(?:\\.[^\n'\\]*)*'"
            r'|"[^\n"\\]*(?:\\.[^\n"\\]*)*"')
# A number is an event only where it starts (not the 2 in x2 or 1.2).
_NUMBER = r"{0}(?<![\w.]{0})(?:[\w.]|(?<=[0-9.][eE])[-+](?=[0-9]))*"
_EVENTS = re.compile(
    r"\n|#[^\n]*|" + _STRINGS + r"|\\\n|\(|\)|\[|\]|\{|\}|"
    + "|".join(_NUMBER.format(d) for d in "0123456789")
    + r"|\.(?<![\w.]\.)[0-9](?:[\w.]|(?<=[0-9.][eE])[-+](?=[0-9]))*"
    r"|`|\*\*?=?|<>|@|:=|/(?=[ \t]*[,):])|'|\"|\\", re.S)
# Keywords and constructs that matter, found in a separate pass (each
# alternative starts with a literal, so this is fast too).  Hits inside
# strings or comments are dropped by the main loop; hits inside a longer
# name by the character before them.
_KEYWORDS = re.compile(
    r"print\b|exec\b|raise\b|except\b|async\b|await\b|nonlocal\b|as\b|__future__\b"
    r"|def(?=[ \t]+\w+[ \t]*(?:\[|\([^)]*\())|class(?=[ \t]+\w+[ \t]*\[)"
    r"|lambda\b(?=[^:\n]*\()|for\b(?=[^\n]*\bin\b[^\n\])}]*,)"
    r"|\.[ \t\f]*(?:True|False|None)\b|(?:def|class)[ \t]+(?:True|False|None)\b"
    r"|=[ \t\f]*yield\b|:[ \t\f(\[]*(?:True|False)\b"
    r"|\n[ \t\f]*(?:(?:match|case)\b(?![ \t]*[=.])|type[ \t]+[A-Za-z_])")
_SOFT_FIRST = re.compile(r"[ \t\f]*(?:(?:match|case)\b(?![ \t]*[=.])|type[ \t]+[A-Za-z_])")
_BAD_CHARS = re.compile(r"[^\t\n\f\x20-\x7e]")
_RENAME_TAKEN = re.compile(r"\b(?:async|await|nonlocal|True|False|None)_")

_PREFIX_FIX = {"ur": "r", "uR": "R", "Ur": "r", "UR": "R"}
_PREFIX_OK = frozenset(["u", "U", "b", "B", "r", "R"] + [a + b for a in "bB" for b in "rR"]
                       + [a + b for a in "rR" for b in "bB"])
_UNICODE_ESCAPE = re.compile(r"\\[\\uUN]")
_NUMBER_FULL = re.compile(r"0[xX][0-9a-fA-F]+[lL]?|0[oO][0-7]+[lL]?|0[bB][01]+|[0-9]+[lL]"
                          r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?[jJ]?")
_ASYNC_DEF = re.compile(r"[ \t\f]*(?:\\\n[ \t\f]*)*def\b")
_DECORATOR = re.compile(r"@[ \t]*([A-Za-z_]\w*(?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*)[ \t]*(\(|#|\n|$)")
_LINE_END = re.compile(r"[ \t\f]*(?:#[^\n]*)?(?:\n|$)")
_FUTURE = re.compile(r"from[ \t]+(__future__)[ \t]+import[ \t]+(?:\(([\w\s,]*)\)|([\w \t,]*?))"
                     r"[ \t]*(?:#[^\n]*)?(?:\n|$)")
_FUTURE_SCAN = re.compile(r"^from[ \t]+__future__[ \t]+import[ \t]+(?:\(([\w\s,]*)\)|([\w \t,]*))",
                          re.M)
_LEADING_TABS = re.compile(r"^[ \t]*\t[ \t]*", re.M)
# 7L.real.imag: the event swallowed the attributes, so no keyword may hide there.
_ATTRIBUTES = re.compile(r"(?:\.(?!(?:print|exec|async|await|nonlocal|True|False|None)\b)"
                         r"[A-Za-z_]\w*)+")
_DEF_PAREN = re.compile(r"\bdef[ \t]+\w+[ \t]*\Z")
_CONSTANT = re.compile(r"\.[ \t\f]*\w+")
_OPENERS = {")": "(", "]": "[", "}": "{"}
_NO_POS = 1 << 62


def _double_backslash(match) -> str:
    text = match.group()
    return text if text == "\\\\" else "\\" + text


def _features(names: str) -> set:
    parts = [p for p in re.split(r"[\s,]+", names) if p]
    if not parts or any(not p.isidentifier() or p == "as" for p in parts):
        raise Unsure("odd __future__ import")
    return set(parts)


def quick_to_python3(text: str) -> Optional[str]:
    """A fast, token-level rewrite of the common Python 2 constructs, or None when unsure."""
    if "\r" in text or "\0" in text:
        return None
    try:
        return _rewrite(text)
    except Unsure:
        return None
    except Exception:       # a bug here must never cost more than the slow path
        return None


class _State:
    """What the keyword handlers share with the main loop."""

    def __init__(self, text: str):
        self.text = text
        self.edits: list = []        # (start, end, order, replacement); order sorts insertions
        self.synthetic: list = []    # (offset, callback): constructs needing _gaelint_tpN names
        self.found: set = set()      # __future__ features really imported
        self.print_mode = True
        self.decorator_paren = -1


def _rewrite(text: str) -> str:
    # fissix picks its grammar from the module's __future__ imports: guess
    # them from the text, then check the guess against the real imports.
    assumed: set = set()
    if "__future__" in text:
        for m in _FUTURE_SCAN.finditer(text):
            assumed |= _features(m.group(1) or m.group(2) or "")
    st = _State(text)
    st.print_mode = print_mode = "print_function" not in assumed
    unicode_literals = "unicode_literals" in assumed
    if _SOFT_FIRST.match(text):
        raise Unsure("soft keyword statement")
    if _RENAME_TAKEN.search(text):
        raise Unsure("async_ or True_ already in the module (renames must not merge with it)")

    hits = []
    for m in _KEYWORDS.finditer(text):
        s = m.start()
        if text[s] == "\n":
            hits.append((s + 1, "soft"))
        elif text[s] == ".":
            hits.append((s, "constant"))
        elif text[s] == "=":
            hits.append((s, "= yield"))
        elif text[s] == ":":
            hits.append((s, ": True"))
        elif not s or not (text[s - 1].isalnum() or text[s - 1] == "_"):
            hits.append((s, m.group()))
    bad = [(m.start(), "bad") for m in _BAD_CHARS.finditer(text)]
    if bad:
        hits = sorted(hits + bad)
    hits.append((_NO_POS, ""))
    hit = 0
    next_hit = hits[0][0]

    edits = st.edits
    tabs = "\t" in text
    multiline_strings: List[int] = []      # start, end, start, end ... (sorted)
    stack: List[int] = []                  # offsets of open brackets and backticks
    ticks = 0                              # open backticks among them
    line_start = 0                         # where the current logical line starts
    comment_end = -1                       # where the last comment ended
    prev = None                            # the previous event (its end, when needed)
    for m in _EVENTS.finditer(text):
        s = m.start()
        if next_hit < s:
            prev_end = prev.end() if prev is not None else 0
            while next_hit < s:
                if next_hit >= prev_end:
                    _keyword(st, hits[hit], stack, line_start)
                hit += 1
                next_hit = hits[hit][0]
        c = text[s]
        if c == "\n":
            if not stack:
                line_start = s + 1
            elif ticks and ticks == len(stack):
                raise Unsure("line break inside backticks")
        elif c in "([{":
            stack.append(s)
        elif c in ")]}":
            if not stack:
                raise Unsure("unmatched bracket")
            opened = stack.pop()
            if text[opened] != _OPENERS[c]:
                raise Unsure("mismatched bracket")
            if opened == st.decorator_paren and not _LINE_END.match(text, s + 1):
                raise Unsure("decorator is not a name and a call")
        elif c == "'" or c == '"':
            body = m.group()
            if len(body) == 1:
                raise Unsure("unterminated string")
            p = text[s - 1] if s else ""
            if p.isalnum() or p == "_":
                prefix, _ = word_before(text, s)
                if (prefix in _PREFIX_FIX or (unicode_literals and prefix in ("r", "R"))) \
                        and RAW_UNICODE_ESCAPE.search(body):
                    raise Unsure("raw unicode string with a backslash (\\u is an escape there)")
                if prefix in _PREFIX_FIX:
                    edits.append((s - 2, s, 0, _PREFIX_FIX[prefix]))
                elif prefix not in _PREFIX_OK:
                    raise Unsure("string prefix")
            elif not unicode_literals and "\\" in body and (
                    "\\u" in body or "\\U" in body or "\\N" in body):
                # Python 2 bytes: \u is a backslash and a u (as the fixes does).
                fixed = _UNICODE_ESCAPE.sub(_double_backslash, body)
                if fixed != body:
                    edits.append((s, m.end(), 0, fixed))
            if tabs and "\n" in body:
                multiline_strings += (s, m.end())
        elif c == "#":
            comment_end = m.end()
        elif c == "\\":
            if m.end() == s + 1:
                raise Unsure("backslash outside a string")
            if not stack and not text[line_start:s].strip(" \t\f"):
                # A line holding only "\": fissix measures its indentation (and
                # may reject it), Python 3 skips it.
                raise Unsure("a line that is only a continuation")
        elif c == "*":
            op = m.group()
            if not op.endswith("="):
                star(text, s, op, stack, line_start, comment_end, print_mode)
        elif c == "`":
            word, before = word_before(text, s)
            if before in ")]}'\"`" or (word and word not in KEYWORDS):
                if not ticks or text[stack[-1]] != "`":
                    raise Unsure("stray backtick")
                backtick(text, stack.pop(), s, edits)
                ticks -= 1
            else:
                # not`x` would become the name notrepr (the fixes writes that).
                if (ticks and text[stack[-1]] == "`") or before == "." or (
                        word and s and text[s - 1] == word[-1]):
                    raise Unsure("nested backticks, x.`y` or a keyword glued to `y`")
                stack.append(s)
                ticks += 1
        elif c == "<":
            edits.append((s, s + 2, 0, "!="))
        elif c == "@":
            if at_statement_start(text, s, stack, line_start, colon=False):
                deco = _DECORATOR.match(text, s)
                if deco is None or any(w in KEYWORDS for w in re.findall(r"\w+", deco.group(1))):
                    raise Unsure("decorator is not a dotted name")
                if deco.group(2) == "(":
                    st.decorator_paren = deco.start(2)
        elif c == ":" or c == "/":
            raise Unsure("walrus or positional-only parameters")
        else:                                                   # a number
            _number(text, s, m.group(), edits)
        prev = m
    prev_end = prev.end() if prev is not None else 0
    while next_hit < _NO_POS:
        if next_hit >= prev_end:
            _keyword(st, hits[hit], stack, line_start)
        hit += 1
        next_hit = hits[hit][0]

    if stack or st.found != assumed:
        raise Unsure("unclosed bracket or unexpected __future__ imports")
    if st.synthetic:
        number_synthetic(st.synthetic)
    if tabs:
        _expand_tabs(text, multiline_strings, edits)
    return _apply(text, edits)


def _keyword(st: _State, hit, stack, line_start) -> None:
    start, word = hit
    text = st.text
    end = start + len(word)
    if word == "print":
        if st.print_mode:
            print_statement(text, start, end, stack, line_start, st.edits)
    elif word == "exec":
        exec_statement(text, start, end, stack, line_start, st.edits)
    elif word == "raise":
        raise_statement(text, start, end, stack, line_start, st.edits)
    elif word == "except":
        except_clause(text, start, end, stack, line_start, st.edits)
    elif word in RENAMED:
        if word == "async" and _ASYNC_DEF.match(text, end):
            raise Unsure("async def")
        st.edits.append((end, end, 0, "_"))
    elif word.startswith(("def", "class")) and word.endswith("None"):
        raise Unsure("def None: Python 2.7 rejects it (the fixes says so)")
    elif word == "constant" or word.startswith(("def ", "class ", "def\t", "class\t")):
        # Python 2 allows xmlrpclib.False and def None(): the fixes renames
        # those names (not in import statements or decorators, where it keeps them).
        if word == "constant":
            if first_word(text, line_start) in ("import", "from") or \
                    text[line_start:start].lstrip(" \t\f").startswith("@"):
                raise Unsure("True/False/None in a dotted name")
            end = _CONSTANT.match(text, start).end()
        st.edits.append((end, end, 0, "_"))
    elif word == "= yield":
        # x: int = yield 2 is Python 3 only (fissix wants a test there).
        if any(t[4] == 0 and t[1] == ":"
               for t in tokens(text, line_start, start, inside=True)[0]):
            raise Unsure("annotated assignment of a yield")
    elif word == ": True":
        # def f(x: True): fixes.rebinds() takes an annotation for a
        # binding and renames every True of the module; leave that to it.
        opened = stack[0] if stack else 0
        if stack and text[opened] == "(" and _DEF_PAREN.search(text, max(0, opened - 200), opened):
            raise Unsure("True/False as a parameter annotation")
    elif word == "as":
        if stack and first_word(text, line_start) != "from":
            raise Unsure("'as' inside brackets")
    elif word == "def":
        tuple_params(st, start, end)
    elif word == "lambda":
        lambda_params(st, start, end, stack, line_start)
    elif word == "for":
        if stack:
            comprehension(st, start, end, stack)
    elif word == "__future__":
        future = _FUTURE.match(text, line_start)      # "from" in column 0
        if stack or future is None or future.start(1) != start:
            raise Unsure("__future__ outside a plain top-level import")
        st.found |= _features(future.group(2) or future.group(3) or "")
    else:                     # soft keyword, class C[T], non-ASCII or control character
        raise Unsure(f"not Python 2 for fissix: {word}")


def _number(text: str, start: int, value: str, edits) -> None:
    end = start + len(value)
    if value.isdigit():
        if value[0] == "0" and len(value) > 1:
            if "8" in value or "9" in value:
                raise Unsure("invalid octal")
            edits.append((start, end, 0, "0o" + value[1:]))
        return
    m = _NUMBER_FULL.match(value)
    number = m.group() if m else ""
    rest = value[len(number):]
    if not number or (rest and not (number[-1] in "lL" and _ATTRIBUTES.fullmatch(rest))):
        raise Unsure("number glued to a name or a dot")
    if number[-1] in "lL":
        body = number[:-1]
        if body.isdigit():
            if body[0] == "0" and len(body) > 1:
                if "8" in body or "9" in body or rest:
                    # the fixes writes 0777L.real as "0777 .real", which
                    # Python 3 rejects: leave that to the slow path.
                    raise Unsure("invalid octal, or 0777L.attribute")
                body = "0o" + body[1:]
            elif rest:
                body += " "                   # 7L.real -> "7 .real", not the float 7.
        edits.append((start, start + len(number), 0, body))


def _expand_tabs(text: str, multiline_strings: List[int], edits) -> None:
    """Python 2 reads a tab in indentation as "to the next multiple of 8";
    expand them at the start of every line outside a string, as python2.py does."""
    for m in _LEADING_TABS.finditer(text):
        start = m.start()
        if bisect.bisect_right(multiline_strings, start) % 2:
            continue                        # inside a triple-quoted or continued string
        edits.append((start, m.end(), 0, m.group().expandtabs(8)))


def _apply(text: str, edits) -> str:
    if not edits:
        return text
    edits.sort()
    parts = []
    pos = 0
    for start, end, _, replacement in edits:
        if start < pos:
            raise Unsure("overlapping edits")
        parts.append(text[pos:start])
        parts.append(replacement)
        pos = end
    parts.append(text[pos:])
    out = "".join(parts)
    if out.count("\n") != text.count("\n"):
        raise Unsure("an edit moved a line")
    return out
