"""``--format text``: readable in a terminal and in a CI log.

Each finding as ``path:line:col: CODE message``, its source line and the fix
hint, then a summary table by rule. Colour only on a TTY unless asked.
"""
from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gaelint import registry
from gaelint.findings import Severity
from .common import display_path, printable

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(result, options) -> str:
    buffer = io.StringIO()
    color = getattr(options, "color", "auto")
    console = Console(file=buffer, force_terminal=color == "always" or (color == "auto" and options.isatty),
                      no_color=color == "never" or (color == "auto" and not options.isatty),
                      width=max(100, getattr(options, "width", 100)), highlight=False, soft_wrap=True,
                      emoji=False)     # `:x:` in a source line stays text
    active = result.active
    quiet = getattr(options, "quiet", False)
    for f in active:
        where = display_path(f.path)
        if f.line is not None:
            where += f":{f.line}:{f.column or 1}"
        # Every string from the user's tree: printable() (no escape sequence
        # reaches the terminal), then escape() (no [markup] is interpreted).
        console.print(f"[bold]{escape(where)}:[/] [{_STYLE[f.severity]}]{f.code}[/] {escape(printable(f.message))}"
                      + ("" if f.severity == Severity.ERROR else f" [dim]({f.severity})[/]"))
        if quiet:
            continue
        if f.source_line is not None and f.source_line.strip():
            console.print(f"    [dim]{f.line:>4} |[/] {escape(printable(f.source_line.rstrip()[:200]))}")
        if f.fix:
            console.print(f"    [green]fix:[/] {escape(printable(f.fix))}")
    for notice in result.notices:
        console.print(f"[dim]note: {escape(printable(notice))}[/]")
    counts = Counter(f.code for f in active)
    if counts and not quiet:
        table = Table(title=None, show_edge=False, pad_edge=False)
        table.add_column("code")
        table.add_column("name")
        table.add_column("severity")
        table.add_column("count", justify="right")
        for code, n in sorted(counts.items()):
            rule = registry.get(code)
            sev = Counter(str(f.severity) for f in active if f.code == code)
            table.add_row(code, rule.name if rule else "?", ", ".join(sorted(sev)), str(n))
        console.print()
        console.print(table)
    if not quiet:
        console.print(("\n" if counts else "") + escape(summary_line(result)))
    return buffer.getvalue()


def summary_line(result) -> str:
    """'Found 3 findings in 12 files (1 suppressed by noqa; baseline: ...).'"""
    active = len(result.active)
    outcome = getattr(result, "baseline", None)
    noqa = sum(1 for f in result.findings if f.suppressed and f.suppressed != "baseline")
    notes = [f"{noqa} suppressed by noqa"] if noqa else []
    if outcome is not None:
        known = f"{outcome.hidden} known finding{'s' if outcome.hidden != 1 else ''}"
        note = f"baseline: {known} hidden, {outcome.new} new"
        if outcome.fixed:
            note += (f", {outcome.fixed} fixed since (rewrite it with --write-baseline "
                     f"to drop {'them' if outcome.fixed != 1 else 'it'})")
        notes.append(note)
    tail = f" ({'; '.join(notes)})" if notes else ""
    files = f"{result.files} file{'s' if result.files != 1 else ''}"
    new = "new " if outcome is not None else ""
    if active:
        return f"Found {active} {new}finding{'s' if active != 1 else ''} in {files}{tail}."
    return f"All clear: no {new}findings in {files}{tail}."
