"""What a check produces: severities and findings."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Tuple


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= fail_on`` decides the exit code."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r} (expected error, warning or info)"
            ) from None

    def __str__(self) -> str:
        return self.name.lower()


def fix_pairs(data) -> Tuple[Tuple[str, str], ...]:
    """``fix_data`` from a mapping (or pairs) of strings."""
    items = data.items() if hasattr(data, "items") else (data or ())
    return tuple((str(k), str(v)) for k, v in items)


def format_template(template: str, fields) -> str:
    """A rule's message/fix template with its fields; a template that does
    not match the fields is shown as written rather than failing."""
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        return template


@dataclass(frozen=True)
class Step:
    """One link of the chain by which production reaches a finding: at
    ``path``:``line`` the runtime loads ``what`` (a handler line of a service
    yaml loading ``main.app``, an import statement loading ``views``)."""

    path: Path
    line: Optional[int]
    what: str


@dataclass(frozen=True)
class Finding:
    """One problem at one place.

    ``line``/``column`` are 1-based; both are None for findings about a whole
    file (a ``.pyc``, a ``.so``). ``statement`` is the (first, last) line span
    of the statement holding the finding, so a ``# noqa`` on any of its lines
    applies (multi-line calls).

    ``reached_from`` is how production reaches the finding's code, from the
    entry point (empty when gaelint does not know, or for app-level
    findings). Findings with the same ``cause`` in one app are one problem
    told at each site (GAE302: one missing library); reports group them.
    """

    code: str
    name: str
    severity: Severity
    path: Path
    message: str
    fix: str
    line: Optional[int] = None
    column: Optional[int] = None
    end_line: Optional[int] = None
    end_column: Optional[int] = None
    statement: Optional[Tuple[int, int]] = None
    source_line: Optional[str] = None
    suppressed: Optional[str] = field(default=None, compare=False)
    reached_from: Tuple[Step, ...] = field(default=(), compare=False)
    cause: Optional[str] = None
    fix_data: Tuple[Tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def fixable(self) -> bool:
        return bool(self.fix_data)

    @property
    def unsafe_fix(self) -> bool:
        return self.fix_value("unsafe") == "yes"

    def fix_value(self, key: str) -> Optional[str]:
        for k, v in self.fix_data:
            if k == key:
                return v
        return None

    def sort_key(self):
        return (str(self.path), self.line or 0, self.column or 0, self.code, self.message)

    def with_(self, **changes) -> "Finding":
        return replace(self, **changes)
