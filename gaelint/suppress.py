"""``# noqa`` comments, in Python files and app.yaml alike.

* ``# noqa: GAE201, GAE103`` on any line of the statement holding a finding
  suppresses those codes (so the last line of a multi-line call works);
* a bare ``# noqa`` suppresses every code there;
* ``# gaelint: noqa-file`` (or ``# gaelint: noqa-file: GAE201``) anywhere
  in the file, conventionally near the top, covers the whole file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from .findings import Finding

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.I)
_FILE = re.compile(r"#\s*gaelint:\s*noqa-file(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.I)
ALL = None


def _codes(text: Optional[str]) -> Optional[FrozenSet[str]]:
    if not text:
        return ALL
    return frozenset(c.upper() for c in re.split(r"[\s,]+", text.strip()) if c)


@dataclass
class Directives:
    lines: Dict[int, Optional[FrozenSet[str]]] = field(default_factory=dict)   # line -> codes (None: all)
    file: List[Tuple[int, Optional[FrozenSet[str]]]] = field(default_factory=list)
    used: Set[Tuple[int, str]] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str) -> "Directives":
        d = cls()
        if "noqa" not in text and "NOQA" not in text:
            return d
        for number, line in enumerate(text.split("\n"), 1):
            if "#" not in line:
                continue
            m = _FILE.search(line)
            if m:
                d.file.append((number, _codes(m.group("codes"))))
                continue
            m = _NOQA.search(line)
            if m:
                d.lines[number] = _codes(m.group("codes"))
        return d

    def suppresses(self, finding: Finding) -> Optional[str]:
        """The kind of suppression that applies ('noqa', 'noqa-file') or None."""
        for number, codes in self.file:
            if codes is ALL or finding.code in codes:
                self.used.add((number, finding.code))
                return "noqa-file"
        if finding.line is None:
            return None
        first, last = finding.statement or (finding.line, finding.end_line or finding.line)
        for number in range(first, last + 1):
            if number in self.lines:
                codes = self.lines[number]
                if codes is ALL or finding.code in codes:
                    self.used.add((number, finding.code))
                    return "noqa"
        return None

    def unused(self) -> List[Tuple[int, Optional[FrozenSet[str]], Set[str]]]:
        """(line, codes, codes that matched nothing) for directives that did
        not suppress everything they name."""
        out = []
        for number, codes in list(self.lines.items()) + list(self.file):
            used = {c for n, c in self.used if n == number}
            if codes is ALL:
                if not used:
                    out.append((number, codes, set()))
            else:
                missing = set(codes) - used
                if missing:
                    out.append((number, codes, missing))
        return sorted(out, key=lambda t: t[0])


def apply(findings: Sequence[Finding], text: Optional[str]) -> Tuple[List[Finding], Directives]:
    directives = Directives.parse(text or "")
    out = []
    for f in findings:
        kind = directives.suppresses(f) if text else None
        out.append(f.with_(suppressed=kind) if kind else f)
    return out, directives
