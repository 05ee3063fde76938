"""``--format text`` (``full``) and ``concise``: what a person reads, in a
terminal or a CI log, in the manner of ruff and rustc.

full::

    note: ...                                   notes and input errors first
    error[GAE103]: `smtplib.SMTP()` connects to port 25 ...
      --> main.py:45:21
       |
    45 |             relay = smtplib.SMTP(MAIL_RELAY)
       |                     ^^^^^^^^^^^^^^^^^^^^^^^^
       = reached: app.yaml:12 main.app -> main.py:4 -> views.py:3

    How to fix:                                 each rule's hint once
      GAE103 smtp-port-25: Send mail with the Mail API ...

    Found 3 findings in 2 of 6 files: 2 errors, 1 info.

Findings with the same cause in one app (one missing library imported in
five places) are one entry: the first sites and how many more. A ``[*]``
marks a finding ``gaelint check --fix`` can fix.

concise: one ``path:line:col: CODE [*] message`` line per finding, then the
summary line.

Colour only on a terminal, and never with NO_COLOR set, unless
``--color always``. Every string that comes from the user's files (paths,
source lines, messages quoting code, notes) goes through :func:`_user`, the
one place to sanitise them.
"""
from __future__ import annotations

import os
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from rich.cells import cell_len

from gaelint import registry
from gaelint.findings import Finding, Severity
from .common import display_path, printable

GROUP_SITES = 3         # sites shown in full for a group; the rest as a list
MORE_SITES = 5          # sites listed by name after those
_ANSI = {"error": "1;31", "warning": "1;33", "info": "1;36", "bold": "1", "dim": "2", "green": "32",
         "blue": "1;34"}
_SEVERITY_STYLE = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


def _user(text: object) -> str:
    """Text that came from the user's files, on its way to the terminal:
    every control character and escape shown, never interpreted."""
    return printable(str(text))


def wants_color(options) -> bool:
    color = getattr(options, "color", "auto")
    if color == "always":
        return True
    if color == "never" or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(options, "isatty", False)) and os.environ.get("TERM") != "dumb"


class _Paint:
    def __init__(self, on: bool):
        self.on = on

    def __call__(self, text: str, style: str) -> str:
        return f"\x1b[{_ANSI[style]}m{text}\x1b[0m" if self.on and text else text


# -- locations --------------------------------------------------------------------
def where(f: Finding) -> str:
    """``path:line:col`` (``path:line`` without a column, ``path`` for a whole file)."""
    out = display_path(f.path)
    if f.line is not None:
        out += f":{f.line}"
        if f.column is not None:
            out += f":{f.column}"
    return out


def app_root(path: Path, roots: Sequence[Path]) -> Optional[Path]:
    absolute = os.path.abspath(path)
    best: Optional[Path] = None
    for root in roots:
        base = os.path.abspath(root)
        if absolute == base or absolute.startswith(base.rstrip(os.sep) + os.sep):
            if best is None or len(base) > len(str(best)):
                best = Path(base)
    return best


def chain(f: Finding, roots: Sequence[Path]) -> str:
    """``app.yaml:12 main.app -> main.py:4 -> views.py:3``: paths relative to
    the app, what the entry point loads, then each import on the way."""
    root = app_root(f.path, roots)
    parts = []
    for i, step in enumerate(f.reached_from):
        try:
            shown = Path(os.path.abspath(step.path)).relative_to(root).as_posix() if root else display_path(step.path)
        except ValueError:
            shown = display_path(step.path)
        text = shown + (f":{step.line}" if step.line is not None else "")
        if i == 0 and step.what:
            text += f" {step.what}"
        parts.append(_user(text))
    return " -> ".join(parts)


# -- the source snippet -------------------------------------------------------------
def _span(f: Finding, line: str) -> Tuple[int, int]:
    """(start, end) 0-based character offsets of the range on its first line."""
    text = line.rstrip()
    start = (f.column or 1) - 1
    if f.end_column is None and f.end_line in (None, f.line):
        # a finding about the whole line (app.yaml keys): its text, not its indentation
        start = max(start, len(text) - len(text.lstrip()))
        end = len(text)
    elif f.end_line is not None and f.end_line > f.line:
        end = len(text)
    else:
        end = (f.end_column or (start + 2)) - 1
    start = min(start, len(text))
    return start, max(end, start + 1)


def snippet(f: Finding, width: int, gutter: int, paint: _Paint) -> List[str]:
    """The source line with a caret under the range, trimmed around it when
    longer than the terminal."""
    raw = f.source_line
    if raw is None or not raw.strip() or f.line is None:
        return []
    start, end = _span(f, raw)
    text = raw.rstrip().expandtabs(8)
    # offsets in the tab-expanded line
    start = len(raw[:start].expandtabs(8))
    end = max(len(raw[:end].expandtabs(8)), start + 1)
    room = max(width - gutter - 3, 40)
    if cell_len(text) > room:
        keep = room - 6                                  # the two "..." markers
        left = max(0, min(start - max((keep - (end - start)) // 2, 4), len(text) - keep))
        right = left + keep
        head, tail = ("..." if left > 0 else ""), ("..." if right < len(text) else "")
        text = head + text[left:right] + tail
        start, end = start - left + len(head), min(end, right) - left + len(head)
    lead = " " * cell_len(text[:start])
    marks = "^" * max(1, cell_len(text[start:end]))
    bar = paint(" " * gutter + " |", "blue")
    return [bar,
            paint(f"{f.line:>{gutter}} |", "blue") + " " + _user(text),
            bar + " " + lead + paint(marks, _SEVERITY_STYLE[f.severity])]


# -- grouping ---------------------------------------------------------------------
def groups(findings: Sequence[Finding], roots: Sequence[Path]) -> List[List[Finding]]:
    """Findings in report order; those sharing (app, cause) as one group,
    placed where its first finding is."""
    out: "OrderedDict[object, List[Finding]]" = OrderedDict()
    for i, f in enumerate(findings):
        key = ("cause", str(app_root(f.path, roots)), f.code, f.cause) if f.cause else ("one", i)
        out.setdefault(key, []).append(f)
    return list(out.values())


def _header(f: Finding, paint: _Paint) -> str:
    style = _SEVERITY_STYLE[f.severity]
    marker = "[*]" if safely_fixable(f) else ""
    return paint(f"{f.severity}[{f.code}]{marker}", style) + paint(":", "bold") + " " + _user(f.message)


def _entry(group: List[Finding], roots, width: int, paint: _Paint) -> List[str]:
    first = group[0]
    shown = group[:GROUP_SITES]
    gutter = max(len(str(f.line or 0)) for f in shown)
    lines = [_header(first, paint)]
    if len(group) > 1:
        lines.append(paint(" " * gutter + " =", "blue") + f" one cause, {len(group)} sites")
    for f in shown:
        lines.append(" " * gutter + paint("--> ", "blue") + _user(where(f)))
        lines += snippet(f, width, gutter, paint)
        if f.reached_from:
            lines.append(paint(" " * gutter + " =", "blue") + " reached: " + chain(f, roots))
    rest = group[GROUP_SITES:]
    if rest:
        named = ", ".join(_user(where(f)) for f in rest[:MORE_SITES])
        more = f" and {len(rest) - MORE_SITES} more" if len(rest) > MORE_SITES else ""
        lines.append(paint(" " * gutter + " =", "blue") + f" also at: {named}{more}")
    return lines


def _fix_hints(active: Sequence[Finding], paint: _Paint) -> List[str]:
    """Each rule's fix hint once (each distinct one, when its fields differ)."""
    by_code: Dict[str, List[Finding]] = {}
    for f in active:
        by_code.setdefault(f.code, []).append(f)
    lines = [paint("How to fix:", "bold")]
    for code in sorted(by_code):
        found = by_code[code]
        hints = list(dict.fromkeys(f.fix for f in found if f.fix))
        if not hints:
            continue
        name = found[0].name
        count = f" ({len(found)})" if len(found) > 1 else ""
        marker = " [*]" if any(safely_fixable(f) for f in found) else ""
        title = paint(f"{code} {name}", "bold") + count + marker
        if len(hints) == 1:
            lines.append(f"  {title}: {_user(hints[0])}")
        else:
            lines.append(f"  {title}:")
            lines += [f"    - {_user(h)}" for h in hints]
    return lines if len(lines) > 1 else []


# -- summary ---------------------------------------------------------------------------
def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"


def summary_line(result) -> str:
    """'Found 3 findings in 2 of 12 files: 2 errors, 1 info (1 suppressed by noqa; baseline: ...).'"""
    active = result.active
    outcome = getattr(result, "baseline", None)
    noqa = sum(1 for f in result.findings if f.suppressed and f.suppressed != "baseline")
    notes = [f"{noqa} suppressed by noqa"] if noqa else []
    if outcome is not None:
        known = _plural(outcome.hidden, "known finding")
        note = f"baseline: {known} hidden, {outcome.new} new"
        if outcome.fixed:
            note += (f", {outcome.fixed} fixed since (rewrite it with --write-baseline "
                     f"to drop {'them' if outcome.fixed != 1 else 'it'})")
        notes.append(note)
    fixed = getattr(result, "fixed_count", 0)
    if fixed:
        notes.insert(0, f"{fixed} fixed")
    tail = f" ({'; '.join(notes)})" if notes else ""
    new = "new " if outcome is not None else ""
    if result.files == 0 and not active:
        return "Nothing to check: no deployed files in the given paths" + tail + "."
    files = _plural(result.files, "file")
    if not active:
        return f"All clear: no {new}findings in {files}{tail}."
    with_findings = len({str(f.path) for f in active})
    counts = Counter(f.severity for f in active)
    by_severity = ", ".join(_plural(counts[s], str(s)) for s in sorted(counts, reverse=True))
    return (f"Found {_plural(len(active), new + 'finding')} in {with_findings} of {files}: "
            f"{by_severity}{tail}.")


def safely_fixable(f: Finding) -> bool:
    """What ``[*]`` marks: ``gaelint check --fix`` fixes it (unsafe fixes
    need --unsafe-fixes and are only counted in the footer)."""
    return f.fixable and not f.unsafe_fix and _has_fix(f)


def fixable_line(result) -> Optional[str]:
    active = result.active
    safe = sum(1 for f in active if safely_fixable(f))
    unsafe = sum(1 for f in active if f.fixable and f.unsafe_fix and _has_fix(f))
    if not safe and not unsafe:
        return None
    if not safe:
        return f"[*] {unsafe} fixable with `gaelint check --fix --unsafe-fixes`."
    more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
    return f"[*] {safe} fixable with `gaelint check --fix`{more}."


def _has_fix(f: Finding) -> bool:
    rule = registry.get(f.code)
    return rule is not None and bool(rule.fixable)


def _preamble(result, paint: _Paint) -> List[str]:
    lines = [paint("error:", "error") + " " + _user(e) for e in getattr(result, "errors", ())]
    lines += [paint("note:", "bold") + " " + _user(n) for n in result.notices]
    lines += [paint("fixed:", "green") + " " + _user(f"{path}: {what}") for path, what in getattr(result, "fixed", ())]
    return lines


def _footer(result, paint: _Paint) -> List[str]:
    lines = [paint(summary_line(result), "bold")]
    fixable = fixable_line(result)
    if fixable:
        lines.append(fixable)
    return lines


def _width(options) -> int:
    return max(int(getattr(options, "width", 0) or 120), 60)


def render(result, options) -> str:
    if getattr(options, "quiet", False):
        return render_concise(result, options)
    paint = _Paint(wants_color(options))
    roots = getattr(result, "roots", ())
    out = _preamble(result, paint)
    if out:
        out.append("")
    active = result.active
    for group in groups(active, roots):
        out += _entry(group, roots, _width(options), paint)
        out.append("")
    hints = _fix_hints(active, paint)
    if hints:
        out += hints + [""]
    out += _footer(result, paint)
    return "\n".join(out) + "\n"


def concise_line(f: Finding, paint: Optional[_Paint] = None) -> str:
    paint = paint or _Paint(False)
    marker = " [*]" if safely_fixable(f) else ""
    tail = "" if f.severity == Severity.ERROR else " " + paint(f"({f.severity})", "dim")
    return (paint(_user(where(f)) + ":", "bold") + " " + paint(f.code, _SEVERITY_STYLE[f.severity]) + marker
            + " " + _user(f.message) + tail)


def render_concise(result, options) -> str:
    paint = _Paint(wants_color(options))
    quiet = getattr(options, "quiet", False)
    out = [] if quiet else _preamble(result, paint)
    out += [concise_line(f, paint) for f in result.active]
    if not quiet:
        out += _footer(result, paint)
    return "".join(line + "\n" for line in out)
