"""``--format json``: one object on stdout (INTERFACE.md), plus ``notes``
(what the user should know) apart from ``errors`` (what kept gaelint from
checking something) and, after ``--fix``, ``fixed``."""
from __future__ import annotations

import json
from collections import Counter

from gaelint import __version__
from .common import finding_dict, valid_unicode


def summary(result) -> dict:
    active = result.active
    out = {"files": result.files, "findings": len(active),
           "suppressed": sum(1 for f in result.findings if f.suppressed and f.suppressed != "baseline"),
           "by_code": dict(sorted(Counter(f.code for f in active).items())),
           "by_severity": {str(s): n for s, n in sorted(Counter(f.severity for f in active).items(), reverse=True)},
           "files_with_findings": len({str(f.path) for f in active}),
           "from_cache": getattr(result, "from_cache", 0)}
    outcome = getattr(result, "baseline", None)
    if outcome is not None:
        # hidden: known findings the baseline hid; new: findings it does not
        # know (the ones reported); fixed: entries that matched nothing.
        out["baseline"] = outcome.as_dict()
    if getattr(result, "fixed_count", 0):
        out["fixed"] = result.fixed_count
    return out


def render(result, options) -> str:
    doc = {
        "version": __version__,
        "findings": [finding_dict(f) for f in result.active],
        "errors": [{"message": valid_unicode(e)} for e in getattr(result, "errors", ())],
        "notes": [{"message": valid_unicode(n)} for n in result.notices],
        "fixed": [{"path": valid_unicode(path), "what": valid_unicode(what)} for path, what in getattr(result, "fixed", ())],
        "summary": summary(result),
    }
    return json.dumps(doc, indent=2) + "\n"
