"""``--format gitlab``: a Code Climate report, which GitLab shows in merge
requests (``artifacts:reports:codequality``).

One issue per finding, as the Code Climate spec and GitLab's code quality
docs ask: ``type: issue``, ``check_name`` (the code), ``description`` (the
message), ``categories`` (``Compatibility``: code the runtime rejects;
``Bug Risk`` for GAE0xx), ``severity`` (info, minor, major, critical,
blocker), ``fingerprint`` (the baseline fingerprint, stable across moves)
and ``location`` with ``path`` relative to the repository root and
``lines.begin`` (line 1 for findings about a whole file), or ``positions``
when there is a column.
"""
from __future__ import annotations

import json
import os
from typing import Dict, List

from gaelint.findings import Finding, Severity

from . import baseline
from .common import relative_to, repository_root, valid_unicode

SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def _location(f: Finding, root) -> Dict[str, object]:
    path = valid_unicode(relative_to(f.path, root) or os.path.abspath(f.path))
    line = f.line or 1
    if f.column is not None:
        end_line = max(f.end_line or line, line)
        end = {"line": end_line, "column": f.end_column if f.end_column else f.column}
        return {"path": path, "positions": {"begin": {"line": line, "column": f.column}, "end": end}}
    return {"path": path, "lines": {"begin": line, "end": max(f.end_line or line, line)}}


def issues(result) -> List[Dict[str, object]]:
    root = repository_root(getattr(result, "roots", ()))
    active = result.active
    prints = baseline.fingerprints(active, root, getattr(result, "roots", ()))
    out = []
    for f, fingerprint in zip(active, prints):
        body = valid_unicode(f.message + (f"\n\nFix: {f.fix}" if f.fix else ""))
        out.append({
            "type": "issue",
            "check_name": f.code,
            "description": valid_unicode(f"{f.code} {f.message}"),
            "content": {"body": body},
            "categories": ["Bug Risk"] if f.code.startswith("GAE0") else ["Compatibility"],
            "severity": SEVERITY[f.severity],
            "fingerprint": fingerprint,
            "location": _location(f, root),
        })
    return out


def render(result, options) -> str:
    return json.dumps(issues(result), indent=2) + "\n"
