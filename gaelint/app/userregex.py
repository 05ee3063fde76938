"""Regular expressions the app's authors wrote (``skip_files``, a handler's
``upload:``), matched with a time budget.

Python's ``re`` cannot be interrupted: ``^(a|a)+$`` against a long path
backtracks for hours, and a lint run must not hang on someone's app.yaml.
The ``regex`` package matches with the same syntax (its VERSION0 mode is
``re``-compatible; every pattern is still validated with ``re`` first) and
takes a ``timeout``. A pattern that blows its budget raises
:class:`PatternTimeout`; the caller reports it and goes on without it.
"""
from __future__ import annotations

import functools
import re
from typing import Optional

# Far above what any sane pattern needs on a path (microseconds).
MATCH_BUDGET_SECONDS = 0.25

_FLAG_NAMES = ("ASCII", "IGNORECASE", "LOCALE", "MULTILINE", "DOTALL", "UNICODE", "VERBOSE")


@functools.lru_cache(maxsize=None)
def _regex():
    """The ``regex`` package, imported with the first pattern: most runs
    (a pre-commit hook on one file of an app without ``skip_files``) have
    none, and its import costs 15 ms."""
    import regex
    return regex


class PatternTimeout(Exception):
    def __init__(self, pattern: "UserPattern", text: str):
        super().__init__(f"pattern {pattern.source!r} takes over {MATCH_BUDGET_SECONDS} s to match {text!r}")
        self.pattern, self.text = pattern, text


class UserPattern:
    """A pattern ``re`` accepts, matched like ``re`` with a time budget."""

    def __init__(self, source: str, flags: int = 0):
        re.compile(source, flags)           # re's verdict (re.error) decides validity
        regex = _regex()
        converted = regex.VERSION0
        for name in _FLAG_NAMES:
            if flags & getattr(re, name):
                converted |= getattr(regex, name)
        self.source = source
        self._compiled = regex.compile(source, converted)

    def match(self, text: str) -> Optional[object]:
        """Like ``re.match``; raises PatternTimeout past the budget."""
        try:
            return self._compiled.match(text, timeout=MATCH_BUDGET_SECONDS)
        except TimeoutError:
            raise PatternTimeout(self, text) from None

    def __repr__(self) -> str:
        return f"UserPattern({self.source!r})"


def budget_note(text: str) -> str:
    """How a blown budget is told to the user."""
    return (f"takes over {MATCH_BUDGET_SECONDS} s to match {text!r} (catastrophic backtracking, e.g. "
            "`(a|a)+`): the deploy tools may hang on it too")
