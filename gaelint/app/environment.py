"""Facts about where an app's code runs, read from its app.yaml: whether
the python27 sandbox applies at all, and which files are served as static
content rather than imported."""
from __future__ import annotations

import re
from typing import Optional

from .deployset import Problem
from .userregex import PatternTimeout, UserPattern, budget_note


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


def static_matcher(config, problems: Optional[list] = None):
    """A predicate for files served as static content (``static_dir``, or
    ``static_files`` with its ``upload`` pattern): the app cannot import them
    unless the handler says ``application_readable: true``. An ``upload``
    pattern that blows its time budget is dropped and noted in ``problems``
    (deployset.Problem entries)."""
    prefixes, patterns = [], []
    for handler in getattr(config, "handlers", None) or ():
        raw = getattr(handler, "raw", None)
        if not isinstance(raw, dict) or raw.get("application_readable") is True:
            continue
        if isinstance(raw.get("static_dir"), str):
            prefixes.append(raw["static_dir"].strip("/") + "/")
        if isinstance(raw.get("static_files"), str) and isinstance(raw.get("upload"), str):
            try:
                patterns.append((UserPattern(raw["upload"] + r"\Z"), handler))
            except (re.error, ValueError):
                continue
    if not prefixes and not patterns:
        return lambda rel: False

    def static(rel: str) -> bool:
        if rel.startswith(tuple(prefixes)):
            return True
        for entry in list(patterns):
            try:
                if entry[0].match(rel):
                    return True
            except PatternTimeout:
                patterns.remove(entry)
                if problems is not None:
                    problems.append(Problem(config.path, f"handler `upload: {entry[1].raw['upload']}` "
                                            f"{budget_note(rel)}; gaelint ignores it", entry[1].line))
        return False

    return static
