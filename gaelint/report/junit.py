"""``--format junit``: JUnit XML for CI systems that show test reports
(GitLab ``artifacts:reports:junit``, Jenkins, Azure).

One testsuite per checked file (its path), one testcase per finding in it
(``GAE103 smtp-port-25 at 21:17``, classname the path). A finding at or
above ``--fail-on`` is a ``<failure>``; one below it is a passing testcase
with the details in ``<system-out>``, so the test report fails exactly when
the exit code does. A file without findings is one passing testcase, so
the report shows what was checked. Notes and input errors go to the
``gaelint`` suite's system-out and system-err.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Dict, List

from gaelint.findings import Finding, Severity
from .common import display_path, valid_unicode


# XML 1.0 cannot hold most control characters, which source lines may have.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", valid_unicode(text))


def _where(f: Finding) -> str:
    out = ""
    if f.line is not None:
        out = f":{f.line}" + (f":{f.column}" if f.column is not None else "")
    return out


def _detail(f: Finding) -> str:
    lines = [f"{display_path(f.path)}{_where(f)}: {f.code} {f.name} ({f.severity})", f.message]
    if f.source_line and f.source_line.strip():
        lines.append(f"    {f.line} | {f.source_line.rstrip()}")
    if f.fix:
        lines.append(f"fix: {f.fix}")
    return "\n".join(lines)


def _suite(parent: ET.Element, name: str, cases: int, failures: int) -> ET.Element:
    return ET.SubElement(parent, "testsuite", {"name": _x(name), "tests": str(cases), "failures": str(failures),
                                               "errors": "0", "skipped": "0", "time": "0"})


def render(result, options) -> str:
    fail_on = getattr(options, "fail_on", None) or Severity.WARNING
    by_file: Dict[str, List[Finding]] = {display_path(p): [] for p in getattr(result, "checked", ())}
    for f in result.active:
        by_file.setdefault(display_path(f.path), []).append(f)
    failing = [f for f in result.active if f.severity >= fail_on]
    total = sum(max(1, len(v)) for v in by_file.values())
    root = ET.Element("testsuites", {"name": "gaelint", "tests": str(total), "failures": str(len(failing)),
                                     "errors": "0", "skipped": "0", "time": "0"})
    errors, notes = getattr(result, "errors", ()), result.notices
    if errors or notes or not by_file:
        suite = _suite(root, "gaelint", 1, 0)
        ET.SubElement(suite, "testcase", {"classname": "gaelint", "name": "run", "time": "0"})
        if notes or not by_file:
            text = "\n".join(notes) or "nothing to check: no deployed files in the given paths"
            ET.SubElement(suite, "system-out").text = _x(text)
        if errors:
            ET.SubElement(suite, "system-err").text = _x("\n".join(errors))
        root.set("tests", str(total + 1))
    for name in sorted(by_file):
        found = by_file[name]
        suite = _suite(root, name, max(1, len(found)), sum(1 for f in found if f.severity >= fail_on))
        if not found:
            ET.SubElement(suite, "testcase", {"classname": _x(name), "name": "no findings", "file": _x(name),
                                              "time": "0"})
            continue
        for f in found:
            attrs = {"classname": _x(name), "name": _x(f"{f.code} {f.name} at {_where(f)[1:] or 'file'}"),
                     "file": _x(name), "time": "0"}
            if f.line is not None:
                attrs["line"] = str(f.line)
            case = ET.SubElement(suite, "testcase", attrs)
            if f.severity >= fail_on:
                failure = ET.SubElement(case, "failure", {"type": f.code,
                                                          "message": _x(f"{name}{_where(f)}: {f.code} {f.message}")})
                failure.text = _x(_detail(f))
            else:   # reported, below --fail-on: not a failure
                ET.SubElement(case, "system-out").text = _x(_detail(f))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    count = len(result.active)
    note = f"<!-- gaelint: {count} finding{'s' if count != 1 else ''}, {len(failing)} at or above {fail_on} -->\n"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + note + body + "\n"
