"""``--statistics``: how many findings each rule has, instead of the findings
(like ``ruff --statistics``); text, or JSON with ``--format json``."""
from __future__ import annotations

import json
from collections import Counter
from typing import Dict, List

from gaelint import registry


def counts(result) -> List[Dict[str, object]]:
    active = result.active
    by_code = Counter(f.code for f in active)
    out = []
    for code, n in sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = registry.get(code)
        severities = sorted({str(f.severity) for f in active if f.code == code})
        out.append({"code": code, "name": rule.name if rule else "?", "count": n, "severity": ", ".join(severities)})
    return out


def render_text(result, options) -> str:
    rows = counts(result)
    if not rows:
        return "No findings.\n"
    width = max(len(str(r["count"])) for r in rows)
    name_width = max(len(str(r["name"])) for r in rows)
    lines = [f"{r['count']:>{width}}\t{r['code']}\t{str(r['name']):<{name_width}}\t{r['severity']}" for r in rows]
    return "\n".join(lines) + "\n"


def render_json(result, options) -> str:
    return json.dumps(counts(result), indent=2) + "\n"
