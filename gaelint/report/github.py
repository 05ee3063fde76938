"""``--format github``: workflow commands that GitHub Actions turns into
annotations on the pull request's diff.

    ::error file=app/main.py,line=15,col=14,endLine=15,endColumn=40,title=GAE103 smtp-port-25::message

Level by severity (error, warning, notice). Values are escaped as the
Actions runner expects: ``%``, CR and LF everywhere, plus ``:`` and ``,``
in properties.
"""
from __future__ import annotations

from gaelint.findings import Severity
from .common import display_path, printable

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def line(f) -> str:
    props = [("file", display_path(f.path))]
    if f.line is not None:
        props.append(("line", str(f.line)))
        if f.column:
            props.append(("col", str(f.column)))
        if f.end_line:
            props.append(("endLine", str(f.end_line)))
            if f.end_column and f.end_line == f.line:
                props.append(("endColumn", str(f.end_column)))
    props.append(("title", f"{f.code} {f.name}"))
    # printable(): no control character or escape from the user's tree
    # reaches the log (the runner only decodes %0A, %0D and %25).
    body = printable(f.message) if not f.fix else f"{printable(f.message)}\nFix: {printable(f.fix)}"
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{LEVEL[f.severity]} {head}::{escape_data(body)}"


def render(result, options) -> str:
    out = [line(f) for f in result.active]
    # what kept gaelint from checking something: an annotation without a file
    out += [f"::error title=gaelint::{escape_data(e)}" for e in getattr(result, "errors", ())]
    # Notes are plain log lines: an annotation needs a file to point at.
    out += [f"gaelint: note: {printable(n)}" for n in result.notices]
    return "".join(s + "\n" for s in out)
