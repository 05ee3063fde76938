"""``gaelint check --add-noqa``: a ``# noqa: GAE…`` comment for every
finding, on a line where it suppresses that finding, for teams adopting
gaelint on a legacy app (``--report-unused-noqa`` later finds the ones that
outlived their finding).

A comment can only go where the line ends outside a string: never inside a
triple-quoted string or a YAML block scalar, never after a backslash
continuation. Python lines are found with the tokenizer (CPython's, else the
Python 2 one of fissix), YAML lines with PyYAML's scanner. The line of the
finding is used when it can take a comment, else another line of its
statement. An existing ``# noqa: E501`` gets the codes added; another
comment keeps its text, followed by the noqa. The file is then read back:
each finding must be suppressed, or the file is left alone.

Bytes are edited, not text: a latin-1 source stays latin-1, CRLF stays CRLF.
"""
from __future__ import annotations

import io
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from gaelint.findings import Finding
from gaelint.report import suppress
from gaelint.report.common import display_path
from gaelint.source import decode

from .files import FileChange, Snapshots


@dataclass
class NoqaPlan:
    changes: List[FileChange] = field(default_factory=list)
    added: int = 0                                   # findings now covered by a comment
    skipped: List[Tuple[Finding, str]] = field(default_factory=list)


def _python_lines(text: str) -> Optional[Set[int]]:
    """Lines that end outside any string or continuation, else None."""
    try:
        return {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                if tok.type in (tokenize.NEWLINE, tokenize.NL)}
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass    # Python 2 only syntax (0777, backticks) on CPython 3.12+'s tokenizer
    try:
        from fissix.pgen2 import token as fissix_token
        from fissix.pgen2 import tokenize as fissix_tokenize
        return {tok[2][0] for tok in fissix_tokenize.generate_tokens(io.StringIO(text).readline)
                if tok[0] in (fissix_token.NEWLINE, fissix_tokenize.NL)}
    except Exception:  # noqa: BLE001 - fissix raises its own kinds on broken text
        return None


def _yaml_lines(text: str) -> Optional[Set[int]]:
    """Lines whose end is not inside a scalar (a block or multi-line one)."""
    import yaml
    count = text.count("\n") + 1
    safe = set(range(1, count + 1))
    try:
        for tok in yaml.scan(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            start, end = tok.start_mark.line, tok.end_mark.line
            if isinstance(tok, yaml.ScalarToken) and end > start:
                safe -= set(range(start + 1, end + 1))       # 1-based lines start+1 .. end
    except yaml.YAMLError:
        return None
    return safe


def _choose(f: Finding, safe: Set[int]) -> Optional[int]:
    first, last = f.statement or (f.line, f.end_line or f.line)
    first, last = min(first, f.line), max(last, f.line)
    if f.line in safe:
        return f.line
    later = [n for n in range(f.line + 1, last + 1) if n in safe]
    earlier = [n for n in range(f.line - 1, first - 1, -1) if n in safe]
    return (later or earlier or [None])[0]


def _with_codes(line: str, codes: List[str]) -> str:
    """The line (bytes decoded as latin-1) with a noqa for ``codes``."""
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    match = suppress.noqa_comment(body)
    if match is not None and match.group("codes"):
        have = {c.upper() for c in match.group("codes").replace(",", " ").split()}
        extra = [c for c in codes if c not in have]
        if not extra:
            return line
        at = match.end("codes")
        return body[:at] + ", " + ", ".join(extra) + body[at:] + ending
    body = body.rstrip(" \t")
    return body + "  # noqa: " + ", ".join(codes) + ending


def _plan_file(path: Path, found: List[Finding], data: bytes, plan: NoqaPlan) -> Optional[FileChange]:
    python = path.suffix == ".py"
    if python:
        try:
            text, _ = decode(data)
        except Exception:  # noqa: BLE001 - undecodable: GAE001 already says why
            text = None
        safe = _python_lines(text) if text is not None else None
    else:
        safe = _yaml_lines(data.decode("utf-8", "replace"))
    if safe is None:
        plan.skipped += [(f, "the file cannot be tokenized, so no line is known to take a comment") for f in found]
        return None
    lines = data.split(b"\n")
    wanted: Dict[int, List[str]] = defaultdict(list)
    placed: List[Finding] = []
    for f in found:
        target = _choose(f, safe)
        if target is None or target > len(lines):
            plan.skipped.append((f, "every line of its statement ends inside a string"))
            continue
        if f.code not in wanted[target]:
            wanted[target].append(f.code)
        placed.append(f)
    if not wanted:
        return None
    for number, codes in wanted.items():
        raw = lines[number - 1].decode("latin-1")
        ending = "\r" if raw.endswith("\r") else ""
        lines[number - 1] = (_with_codes(raw[:len(raw) - len(ending)], sorted(codes)) + ending).encode("latin-1")
    after = b"\n".join(lines)
    # read back as the report does: each placed finding must now be suppressed
    check = after.decode("utf-8" if not python else "latin-1", "replace").replace("\r\n", "\n").replace("\r", "\n")
    directives = suppress.Directives.parse(check)
    missed = [f for f in placed if directives.suppresses(f) is None]
    if missed:
        plan.skipped += [(f, "the comment would not suppress it") for f in placed]
        return None
    plan.added += len(placed)
    return FileChange(path, data, after, [f"# noqa: {', '.join(codes)} on line {n}" for n, codes in sorted(wanted.items())])


def plan(findings: List[Finding], since_ns: Optional[int] = None) -> NoqaPlan:
    out = NoqaPlan()
    by_path: Dict[Path, List[Finding]] = defaultdict(list)
    for f in findings:
        if f.suppressed or f.code in suppress.UNSUPPRESSIBLE:
            continue
        if f.line is None:
            out.skipped.append((f, "it is about a whole file, which has no line for a comment"))
        elif f.path.suffix not in (".py", ".yaml", ".yml"):
            out.skipped.append((f, f"{display_path(f.path)} cannot hold a comment"))
        else:
            by_path[f.path].append(f)
    snapshots = Snapshots(since_ns)
    for path in sorted(by_path, key=str):
        try:
            data = snapshots.read(path)
        except ValueError as exc:
            out.skipped += [(f, str(exc)) for f in by_path[path]]
            continue
        change = _plan_file(path, by_path[path], data, out)
        if change is not None:
            out.changes.append(change)
    return out
