"""``# noqa`` comments, in Python files and app.yaml alike.

* ``# noqa: GAE201, GAE103`` on any line of the statement holding a finding
  suppresses those codes (so the last line of a multi-line call works);
* a bare ``# noqa`` suppresses every code there;
* ``# gaelint: noqa-file`` (or ``# gaelint: noqa-file: GAE201``) anywhere
  in the file, conventionally near the top, covers the whole file.

Comments are found with a line regex, as flake8 does, so they work the same
in Python 2 sources, Python 3 sources and YAML, and in files that do not
parse. Unused suppressions (``--report-unused-noqa``) become GAE003 findings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from gaelint.findings import Finding

_CODE = r"[A-Za-z]+[0-9]+"
_CODES = rf"(?P<codes>{_CODE}(?:[\s,]+{_CODE})*)"
# flake8 accepts "# noqa:E501" and "# NOQA : E501"; text after the codes is a free comment.
_NOQA = re.compile(rf"#\s*noqa(?!-)(?:\s*:\s*{_CODES})?", re.I)
_FILE = re.compile(rf"#\s*gaelint\s*:\s*noqa-file(?:\s*:\s*{_CODES})?", re.I)
ALL = None
OWN_PREFIX = "GAE"
UNUSED_CODE = "GAE003"
# A failure of gaelint itself must stay visible (and exit 2).
UNSUPPRESSIBLE = frozenset({"GAE002"})


def noqa_comment(line: str) -> Optional["re.Match"]:
    """The line's ``# noqa`` comment (group ``codes``), if it has one."""
    return _NOQA.search(line) if "#" in line else None


def _codes(text: Optional[str]) -> Optional[FrozenSet[str]]:
    if not text:
        return ALL
    return frozenset(c.upper() for c in re.split(r"[\s,]+", text.strip()) if c)


@dataclass
class Directive:
    line: int
    column: int               # 1-based column of the '#'
    codes: Optional[FrozenSet[str]]
    file_level: bool
    text: str                 # the comment as written, for messages

    def covers(self, code: str) -> bool:
        # Prefixes work as in flake8: `# noqa: GAE1` covers GAE101, GAE103 ...
        return self.codes is ALL or any(code.startswith(c) for c in self.codes)


@dataclass
class Directives:
    lines: Dict[int, Directive] = field(default_factory=dict)
    file: List[Directive] = field(default_factory=list)
    used: Set[Tuple[int, str]] = field(default_factory=set)   # (directive line, code)

    @classmethod
    def parse(cls, text: str) -> "Directives":
        d = cls()
        if "noqa" not in text.lower():
            return d
        for number, line in enumerate(text.split("\n"), 1):
            if "#" not in line:
                continue
            m = _FILE.search(line)
            if m:
                d.file.append(Directive(number, m.start() + 1, _codes(m.group("codes")), True, m.group(0)))
                continue
            m = _NOQA.search(line)
            if m:
                d.lines[number] = Directive(number, m.start() + 1, _codes(m.group("codes")), False, m.group(0))
        return d

    def suppresses(self, finding: Finding) -> Optional[str]:
        """The kind of suppression that applies ('noqa', 'noqa-file') or None."""
        if finding.code in UNSUPPRESSIBLE:
            return None
        for directive in self.file:
            if directive.covers(finding.code):
                self.used.add((directive.line, finding.code))
                return "noqa-file"
        if finding.line is None:
            return None
        first, last = finding.statement or (finding.line, finding.end_line or finding.line)
        first, last = min(first, finding.line), max(last, finding.line)
        for number in range(first, last + 1):
            directive = self.lines.get(number)
            if directive is not None and directive.covers(finding.code):
                self.used.add((number, finding.code))
                return "noqa"
        return None

    def unused(self, ran: Collection[str], known: Collection[str]) -> List[Tuple[Directive, str]]:
        """(directive, why) for each suppression that matched nothing.

        ``ran``: codes of the rules that ran on this file; ``known``: every
        registered code. Only gaelint's own business is reported: codes of
        other tools and bare ``# noqa`` (it may be for flake8) are skipped,
        and so are codes of rules that did not run (we cannot tell).
        """
        out = []
        for directive in sorted(list(self.lines.values()) + self.file, key=lambda d: d.line):
            used = {c for n, c in self.used if n == directive.line}
            if directive.codes is ALL:
                if directive.file_level and not used:
                    out.append((directive, "nothing in this file is suppressed by it"))
                continue
            if directive.covers(UNUSED_CODE):
                continue  # `# noqa: GAE003` keeps a deliberate one
            unknown, idle = [], []
            for c in sorted(directive.codes):
                if not c.startswith(OWN_PREFIX):
                    continue  # another tool's code
                matching = [k for k in known if k.startswith(c)]
                if not matching:
                    unknown.append(c)
                elif all(k in ran for k in matching) and not any(u.startswith(c) for u in used):
                    idle.append(c)  # every rule it names ran, and none fired here
            reasons = []
            if idle:
                where = "in this file" if directive.file_level else "on this statement"
                reasons.append(f"no {', '.join(idle)} finding {where}")
            if unknown:
                reasons.append(f"unknown gaelint code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
            if reasons:
                out.append((directive, "; ".join(reasons)))
        return out


def apply(findings: Sequence[Finding], text: Optional[str]) -> Tuple[List[Finding], Directives]:
    directives = Directives.parse(text or "")
    out = []
    for f in findings:
        kind = directives.suppresses(f) if text else None
        out.append(f.with_(suppressed=kind) if kind else f)
    return out, directives


def unused_findings(path: Path, directives: Directives, text: str, ran: Collection[str]) -> List[Finding]:
    """GAE003 findings for the suppressions in one file that matched nothing."""
    from gaelint import registry

    rule = registry.get(UNUSED_CODE)
    if rule is None or not (directives.lines or directives.file):
        return []
    known = set(registry.by_code())
    lines = text.split("\n")
    out = []
    for directive, why in directives.unused(ran, known):
        source = lines[directive.line - 1] if directive.line <= len(lines) else None
        out.append(Finding(
            code=rule.code, name=rule.name, severity=rule.severity, path=path,
            message=rule.message.format(directive=f"`{directive.text.strip()}`", why=why), fix=rule.fix,
            line=directive.line, column=directive.column, end_line=directive.line,
            end_column=directive.column + len(directive.text), statement=(directive.line, directive.line),
            source_line=source))
    return out
