"""``--format json``: one object on stdout (INTERFACE.md)."""
from __future__ import annotations

import json
from collections import Counter

from .. import __version__
from . import display_path, finding_dict


def summary(result) -> dict:
    active = result.active
    return {"files": result.files, "findings": len(active),
            "suppressed": len(result.findings) - len(active),
            "by_code": dict(sorted(Counter(f.code for f in active).items()))}


def render(result, options) -> str:
    doc = {
        "version": __version__,
        "findings": [finding_dict(f) for f in result.active],
        "errors": [{"message": n} for n in result.notices],
        "summary": summary(result),
    }
    return json.dumps(doc, indent=2) + "\n"
