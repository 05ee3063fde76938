"""``--format junit``: JUnit XML for CI systems that show test reports
(GitLab, Jenkins, Azure). One testcase per checked file, one failure per
finding in it; a file without findings is a passing testcase."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Dict, List

from gaelint.findings import Finding
from .common import display_path, valid_unicode


# XML 1.0 cannot hold most control characters, which source lines may have.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", valid_unicode(text))


def _detail(f: Finding) -> str:
    where = display_path(f.path) + (f":{f.line}:{f.column or 1}" if f.line is not None else "")
    lines = [f"{where}: {f.code} {f.name} ({f.severity})", f.message]
    if f.source_line and f.source_line.strip():
        lines.append(f"    {f.line} | {f.source_line.rstrip()}")
    if f.fix:
        lines.append(f"fix: {f.fix}")
    return "\n".join(lines)


def render(result, options) -> str:
    cases: Dict[str, List[Finding]] = {display_path(p): [] for p in getattr(result, "checked", ())}
    for f in result.active:
        cases.setdefault(display_path(f.path), []).append(f)
    failures = sum(len(v) for v in cases.values())
    failed_cases = sum(1 for v in cases.values() if v)
    attrs = {"name": "gaelint", "tests": str(len(cases)), "failures": str(failed_cases),
             "errors": "0", "skipped": "0", "time": "0"}
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", attrs)
    for name in sorted(cases):
        case = ET.SubElement(suite, "testcase", {"classname": "gaelint", "name": _x(name), "file": _x(name), "time": "0"})
        for f in cases[name]:
            where = f":{f.line}:{f.column or 1}" if f.line is not None else ""
            failure = ET.SubElement(case, "failure", {"type": f.code, "message": _x(f"{name}{where}: {f.code} {f.message}")})
            failure.text = _x(_detail(f))
    if result.notices:
        ET.SubElement(suite, "system-out").text = _x("\n".join(result.notices))
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    note = f"<!-- gaelint: {failures} finding{'s' if failures != 1 else ''} -->\n"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + note + body + "\n"
