"""Facts about where an app's code runs, read from its app.yaml: whether
the python27 sandbox applies at all, and which files are served as static
content rather than imported."""
from __future__ import annotations

import re
from typing import Optional


def not_the_python27_sandbox(config) -> Optional[str]:
    """Managed VMs and the flexible environment run Python without the
    sandbox (``vm: true``, ``env: flex``): none of the rules apply."""
    data = getattr(config, "data", None)
    if not isinstance(data, dict):
        return None
    if data.get("vm") is True:
        return "a Managed VM app (`vm: true`)"
    if str(data.get("env", "")).lower() in ("flex", "flexible", "2"):
        return "a flexible environment app (`env: flex`)"
    return None


def static_matcher(config):
    """A predicate for files served as static content (``static_dir``, or
    ``static_files`` with its ``upload`` pattern): the app cannot import them
    unless the handler says ``application_readable: true``."""
    prefixes, patterns = [], []
    for handler in getattr(config, "handlers", None) or ():
        raw = getattr(handler, "raw", None)
        if not isinstance(raw, dict) or raw.get("application_readable") is True:
            continue
        if isinstance(raw.get("static_dir"), str):
            prefixes.append(raw["static_dir"].strip("/") + "/")
        if isinstance(raw.get("static_files"), str) and isinstance(raw.get("upload"), str):
            try:
                patterns.append(re.compile(raw["upload"] + r"\Z"))
            except re.error:
                continue
    if not prefixes and not patterns:
        return lambda rel: False
    return lambda rel: rel.startswith(tuple(prefixes)) or any(p.match(rel) for p in patterns)
