"""Handler URL patterns: which handler a URL reaches.

App Engine tries the handlers of app.yaml in order and the first whose
``url`` regex matches the whole path wins (appinfo anchors each pattern).
A handler is never used when an earlier one matches every URL it could
match. That is decided on sample URLs built from the later pattern (its
shortest match and a longer one): a pattern gaelint cannot sample is never
called shadowed.
"""
from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

try:                                    # the regex parser of the re module
    from re import _parser as _sre      # type: ignore[attr-defined]  # Python 3.11+
except ImportError:                     # pragma: no cover - Python < 3.11
    import sre_parse as _sre            # type: ignore[no-redef]

_CATEGORY_SAMPLES = {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " ",
                     "CATEGORY_NOT_DIGIT": "a", "CATEGORY_NOT_WORD": "-", "CATEGORY_NOT_SPACE": "a"}
_MAX_SAMPLE = 200


def _sample(items, longer: bool) -> Optional[str]:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(arg) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            first = arg[0]
            if str(first[0]) == "NEGATE":
                out.append("~")
            elif str(first[0]) == "LITERAL":
                out.append(chr(first[1]))
            elif str(first[0]) == "RANGE":
                out.append(chr(first[1][0]))
            elif str(first[0]) == "CATEGORY":
                out.append(_CATEGORY_SAMPLES.get(str(first[1]), "a"))
            else:
                return None
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, body = arg
            count = low + 1 if longer and (high is None or high > low or str(high) == "MAXREPEAT") else low
            inner = _sample(body, longer)
            if inner is None:
                return None
            out.append(inner * count)
        elif name == "SUBPATTERN":
            inner = _sample(arg[-1], longer)
            if inner is None:
                return None
            out.append(inner)
        elif name == "BRANCH":
            inner = _sample(arg[1][0], longer)
            if inner is None:
                return None
            out.append(inner)
        elif name == "AT":
            continue
        else:
            return None
        if sum(len(x) for x in out) > _MAX_SAMPLE:
            return None
    return "".join(out)


def samples(pattern: str) -> List[str]:
    """URLs the pattern matches: its shortest match and a longer one."""
    try:
        parsed = _sre.parse(pattern)
    except (re.error, ValueError, TypeError, RecursionError):
        return []
    found = []
    for longer in (False, True):
        text = _sample(list(parsed), longer)
        if text is None:
            return []
        found.append(text)
    try:
        compiled = re.compile(pattern)
    except re.error:
        return []
    return [s for s in dict.fromkeys(found) if compiled.fullmatch(s)] if all(
        compiled.fullmatch(s) for s in found) else []


def shadowing_handler(url: Optional[str], earlier: Sequence[Tuple[int, str]]) -> Optional[int]:
    """The line of an earlier handler that matches every sample URL of
    ``url``, or None."""
    if not url:
        return None
    urls = samples(url)
    if not urls:
        return None
    for line, pattern in earlier:
        try:
            compiled = re.compile(pattern)
        except re.error:
            continue
        if all(compiled.fullmatch(u) for u in urls):
            return line
    return None
