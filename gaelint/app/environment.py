"""Facts about where an app's code runs, read from its app.yaml: whether
the python27 sandbox applies at all, and which files are served as static
content rather than imported."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Optional

from gaelint.knowledge import table

from .userregex import PatternTimeout, UserPattern, budget_note

_VALIDATION = table("app_yaml")["app_yaml_validation"]
PYTHON27 = _VALIDATION["runtime"]
# Runtimes gcloud rejects outright are python27 apps written wrong (GAE406).
_REJECTED = frozenset(_VALIDATION["rejected_runtimes"])


def not_the_python27_sandbox(config) -> Optional[str]:
    """Why a service is out of scope, or None: Managed VMs and the flexible
    environment run Python without the sandbox (``vm: true``, ``env:
    flex``), and other runtimes (python37, go, java, php...) are other
    sandboxes: none of the rules apply."""
    data = getattr(config, "data", None)
    if not isinstance(data, dict):
        return None
    if data.get("vm") is True:
        return "a Managed VM service (`vm: true`)"
    if str(data.get("env", "")).lower() in ("flex", "flexible", "2"):
        return "a flexible environment service (`env: flex`)"
    runtime = getattr(config, "runtime", None)
    if isinstance(runtime, str) and runtime and runtime != PYTHON27 and runtime not in _REJECTED:
        return f"a `runtime: {runtime}` service"
    return None


def out_of_scope_note(config, why: str) -> str:
    """The note for a service gaelint leaves alone, with what gcloud would
    still refuse in it for a python27 habit (``libraries:``)."""
    note = f"{why}, not the python27 standard sandbox: out of scope"
    if getattr(config, "libraries", None) and getattr(config, "runtime", None) != PYTHON27:
        note += ("; its `libraries:` section is only valid on python27, so gcloud refuses it "
                 "(list the packages in requirements.txt instead)")
    return note


_TEST_DIRS = ("tests", "test", "testing", "testdata", "test_data", "smoke_tests", "e2e")


def test_app(root) -> Optional[str]:
    """Where an app sits among tests (``components/tests/smoke_app``,
    ``test_replica_app``): a test app, not the product. Only the last
    directories of its path count, so a checkout under ~/tests is not one."""
    parts = Path(root).parts[-2:]
    for i, part in enumerate(parts):
        lower = part.lower()
        named_so = lower.startswith(("test_", "tests_")) or lower.endswith(("_test", "_tests"))
        if lower in _TEST_DIRS or (named_so and i == len(parts) - 1):
            return f"under `{'/'.join(parts[:i + 1])}/`"
    return None


def static_matcher(config, on_slow: Optional[Callable[[str, Optional[int]], None]] = None):
    """A predicate for files served as static content (``static_dir``, or
    ``static_files`` with its ``upload`` pattern): the app cannot import them
    unless the handler says ``application_readable: true``. An ``upload``
    pattern that blows its time budget is dropped and told to ``on_slow``
    (message, app.yaml line)."""
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
                if on_slow is not None:
                    on_slow(f"handler `upload: {entry[1].raw['upload']}` {budget_note(rel)}; gaelint ignores it",
                            entry[1].line)
        return False

    return static
