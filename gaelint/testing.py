"""Helpers to run a rule's VALID/INVALID examples (used by gaelint's own
tests, and usable by third-party rule packages)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import List, Optional, Type

from .config import Config
from .findings import Finding
from .registry import DEFAULT_APP_YAML, Example, Rule


def write_app(root: Path, example: Example) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.yaml").write_text(example.app_yaml if example.app_yaml is not None else DEFAULT_APP_YAML)
    if example.code or example.path not in example.files:
        target = root / example.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(example.code)
    for rel, content in example.files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)


def _run(rule: Type[Rule], root: Path):
    from .runner import run, select_rules
    return run([root], select_rules(Config(), [rule.code]), Config(), jobs=1)


def run_example(rule: Type[Rule], example: Example, root: Optional[Path] = None) -> List[Finding]:
    """Findings of ``rule`` (only) on the example app."""
    if root is None:
        with tempfile.TemporaryDirectory() as tmp:
            return run_example(rule, example, Path(tmp) / "app")
    write_app(root, example)
    return [f for f in _run(rule, root).active if f.code == rule.code]


def check_fix(rule: Type[Rule], example: Example) -> Optional[str]:
    """None when ``gaelint check --fix --unsafe-fixes`` turns the example's
    ``fixed_path`` into ``fixed`` and leaves none of the findings it fixed."""
    from .fix.files import write
    from .fix.plan import plan

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "app"
        write_app(root, example)
        result = _run(rule, root)
        before = [f for f in result.active if f.code == rule.code]
        planned = plan(result.findings, result.configs, unsafe=True)
        if planned.failed:
            return f"{rule.code} fix failed: " + "; ".join(f"line {f.line}: {why}" for f, why in planned.failed)
        for change in planned.changes:
            problem = write(change)
            if problem:
                return problem
        text = (root / example.fixed_path).read_text()
        if text != example.fixed:
            return (f"{rule.code} fix of {example.fixed_path}: expected\n{example.fixed}\ngot\n{text}")
        after = sorted(f.message for f in _run(rule, root).active if f.code == rule.code)
        unfixable = sorted(f.message for f in before if not f.fixable)
        if after != unfixable:
            return f"{rule.code} still fires after the fix: {after} (only {unfixable} have no fix)"
    return None


def check_example(rule: Type[Rule], example: Example, valid: bool) -> Optional[str]:
    """None when the example behaves, else what went wrong."""
    found = run_example(rule, example)
    if valid:
        if found:
            return f"{rule.code} fired on a VALID example: " + "; ".join(
                f"line {f.line}: {f.message}" for f in found)
        return None
    if not found:
        return f"{rule.code} did not fire on an INVALID example:\n{example.code}"
    if example.lines is not None:
        got = tuple(sorted((f.line for f in found), key=lambda x: (x is None, x or 0)))
        want = tuple(sorted(example.lines, key=lambda x: (x is None, x or 0)))
        if got != want:
            return (f"{rule.code} INVALID example: expected findings on lines {want}, got {got}: "
                    + "; ".join(f"line {f.line}: {f.message}" for f in found))
    if example.severity is not None and any(f.severity != example.severity for f in found):
        return f"{rule.code} INVALID example: expected severity {example.severity}, got {[str(f.severity) for f in found]}"
    if example.fixed is not None:
        return check_fix(rule, example)
    if rule.fixable and any(f.fixable for f in found):
        return f"{rule.code} INVALID example has a fix: give the example `fixed=` (the text after --fix)"
    if not rule.fixable and any(f.fixable for f in found):
        return f"{rule.code} reports fix_data but declares no fix (`fixable` and `fix_app_yaml`)"
    return None
