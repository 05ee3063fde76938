"""``--statistics``: how many findings each rule has at each severity,
instead of the findings (like ``ruff --statistics``); text, or JSON with
``--format json``. A rule whose findings have two severities (a process
spawn in production code, another behind a development check) has a row
for each."""
from __future__ import annotations

import json
from collections import Counter
from typing import Dict, List

from gaelint import registry


def counts(result) -> List[Dict[str, object]]:
    by_row = Counter((f.code, f.severity) for f in result.active)
    out = []
    for (code, severity), n in sorted(by_row.items(), key=lambda kv: (-kv[1], kv[0][0], -kv[0][1])):
        rule = registry.get(code)
        out.append({"code": code, "name": rule.name if rule else "?", "count": n, "severity": str(severity)})
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
