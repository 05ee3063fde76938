"""``--format json``: one object on stdout (INTERFACE.md)."""
from __future__ import annotations

import json
from collections import Counter

from gaelint import __version__
from .common import finding_dict, valid_unicode


def summary(result) -> dict:
    active = result.active
    out = {"files": result.files, "findings": len(active),
           "suppressed": sum(1 for f in result.findings if f.suppressed and f.suppressed != "baseline"),
           "by_code": dict(sorted(Counter(f.code for f in active).items()))}
    outcome = getattr(result, "baseline", None)
    if outcome is not None:
        # hidden: known findings the baseline hid; new: findings it does not
        # know (the ones reported); fixed: entries that matched nothing.
        out["baseline"] = outcome.as_dict()
    return out


def render(result, options) -> str:
    doc = {
        "version": __version__,
        "findings": [finding_dict(f) for f in result.active],
        "errors": [{"message": valid_unicode(n)} for n in result.notices],
        "summary": summary(result),
    }
    return json.dumps(doc, indent=2) + "\n"
