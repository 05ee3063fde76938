"""``--format sarif``: SARIF 2.1.0 as GitHub code scanning accepts it.

* ``tool.driver.rules``: every registered rule, with the metadata GitHub
  shows (short/full description, help as text and markdown = the
  ``gaelint explain`` page, helpUri = its anchor in docs/rules.md, tags,
  precision, default level);
* one result per finding, suppressed ones included and marked
  (``inSource`` for ``# noqa``, ``external`` for the baseline), so code
  scanning closes their alerts instead of reopening them;
* paths relative to ``%SRCROOT%``, the root of the checkout holding the
  apps (git, hg, svn; else the current directory), whatever the current
  directory is, so code scanning finds the files; regions with 1-based
  columns, no region for whole-file findings;
* the chain by which production reaches a finding (app.yaml handler, then
  each import) as a ``codeFlow``;
* ``partialFingerprints``: the baseline fingerprint (code, path, normalised
  line text, occurrence), stable across unrelated edits.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List
from urllib.parse import quote

from gaelint import __version__, docs, registry
from gaelint.findings import Finding, Severity

from . import baseline
from .common import repository_root, valid_unicode

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "gaelintFingerprint/v1"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub's own severity scale for non-security alerts.
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
SUPPRESSION = {"noqa": ("inSource", "a # noqa comment on the statement"),
               "noqa-file": ("inSource", "a # gaelint: noqa-file comment in the file"),
               "baseline": ("external", "recorded in the gaelint baseline")}


def _rule_descriptor(rule) -> Dict[str, object]:
    page = rule.documentation()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join((rule.what or rule.summary).split())},
        "help": {"text": page, "markdown": page},
        "helpUri": docs.help_uri(rule),
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": ["gaelint", "app-engine", "python27", docs.family(rule.code)],
            "precision": "high",
            "problem.severity": PROBLEM_SEVERITY[rule.severity],
        },
    }


def _artifact(path: Path, root: Path) -> Dict[str, str]:
    absolute = Path(os.path.abspath(path))
    try:
        rel = absolute.relative_to(root).as_posix()
    except ValueError:
        return {"uri": absolute.as_uri()}
    # A URI names the file's bytes: a name that is not UTF-8 is percent-encoded as it is.
    return {"uri": quote(os.fsencode(rel)), "uriBaseId": "%SRCROOT%"}


def _code_flow(f: Finding, root: Path, location: Dict[str, object]) -> Dict[str, object]:
    steps = []
    for step in f.reached_from:
        physical: Dict[str, object] = {"artifactLocation": _artifact(step.path, root)}
        if step.line is not None:
            physical["region"] = {"startLine": step.line}
        steps.append({"location": {"physicalLocation": physical,
                                   "message": {"text": f"loads {step.what}" if step.what else "on the way"}}})
    steps.append({"location": {"physicalLocation": location, "message": {"text": f.code}}})
    return {"message": {"text": "how production reaches it"}, "threadFlows": [{"locations": steps}]}


def _region(f: Finding) -> Dict[str, int]:
    region = {"startLine": f.line}
    if f.column:
        region["startColumn"] = f.column
    if f.end_line:
        region["endLine"] = max(f.end_line, f.line)
        if f.end_column and (f.end_line > f.line or f.end_column > (f.column or 1)):
            region["endColumn"] = f.end_column
    return region


def _result(f: Finding, index: Dict[str, int], fingerprint: str, root: Path, with_baseline: bool):
    text = valid_unicode(f.message if not f.fix else f"{f.message}\nFix: {f.fix}")
    location: Dict[str, object] = {"artifactLocation": _artifact(f.path, root)}
    if f.line is not None:
        location["region"] = _region(f)
    out: Dict[str, object] = {
        "ruleId": f.code,
        "level": LEVEL[f.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {FINGERPRINT: fingerprint},
    }
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    if f.reached_from:
        out["codeFlows"] = [_code_flow(f, root, location)]
    if f.cause:
        out["properties"] = {"cause": f.cause}
    if f.suppressed:
        kind, why = SUPPRESSION.get(f.suppressed, ("inSource", f.suppressed))
        out["suppressions"] = [{"kind": kind, "justification": why}]
    if with_baseline:
        out["baselineState"] = "unchanged" if f.suppressed == "baseline" else "new"
    return out


def document(result) -> Dict[str, object]:
    root = repository_root(getattr(result, "roots", ()))
    rules = list(registry.all_rules())
    index = {rule.code: i for i, rule in enumerate(rules)}
    findings: List[Finding] = list(result.findings)
    prints = baseline.fingerprints(findings, root, getattr(result, "roots", ()))
    with_baseline = getattr(result, "baseline", None) is not None
    failed = any(f.code == "GAE002" for f in findings)
    invocation: Dict[str, object] = {"executionSuccessful": not failed}
    notifications = [{"level": "error", "message": {"text": valid_unicode(e)}} for e in getattr(result, "errors", ())]
    notifications += [{"level": "note", "message": {"text": valid_unicode(n)}} for n in result.notices]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run = {
        "tool": {"driver": {
            "name": "gaelint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": docs.docs_url(),
            "rules": [_rule_descriptor(rule) for rule in rules],
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": [_result(f, index, fp, root, with_baseline) for f, fp in zip(findings, prints)],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result, options) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
