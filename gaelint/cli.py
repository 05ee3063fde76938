"""Command line: ``gaelint check | rules | explain`` (INTERFACE.md).

Exit codes: 0 nothing at or above --fail-on; 1 such findings; 2 usage or
configuration error, or gaelint itself failed (GAE002).
"""
from __future__ import annotations

# Only the lightest imports here: Ctrl-C while the others load (argparse,
# libcst) must still exit 130 quietly, so they happen inside main().
import signal
import sys
from typing import TYPE_CHECKING

from . import __version__
from .exitcodes import EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED  # noqa: F401 - re-exported

if TYPE_CHECKING:
    import argparse
    from pathlib import Path
    from typing import List, Optional, Sequence

FORMATS = ["text", "full", "concise", "json", "sarif", "github", "junit", "gitlab"]


def _codes_arg(value: str) -> List[str]:
    return [c for c in (p.strip() for p in value.replace(" ", ",").split(",")) if c]


def _record(namespace, dest: str, value) -> None:
    """--format and --output, recorded in the order given: an --output
    belongs to the --format before it (checking.report_targets)."""
    events = list(getattr(namespace, "report_events", None) or [])
    events.append((dest, value))
    setattr(namespace, "report_events", events)
    setattr(namespace, dest, value)


def build_parser() -> "argparse.ArgumentParser":
    import argparse
    from pathlib import Path

    class _ReportOption(argparse.Action):
        def __call__(self, parser, namespace, value, option_string=None):
            _record(namespace, self.dest, value)

    parser = argparse.ArgumentParser(
        prog="gaelint",
        description="Find what the App Engine python27 sandbox will reject, before you deploy.")
    parser.add_argument("--version", action="version", version=f"gaelint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check apps, directories or files (default: .)")
    check.add_argument("paths", nargs="*", default=None, metavar="PATH")
    check.add_argument("--select", type=_codes_arg, help="only these codes or prefixes (GAE1,GAE201)")
    check.add_argument("--extend-select", type=_codes_arg, default=[], help="add codes to the selection")
    check.add_argument("--ignore", type=_codes_arg, default=[], help="skip these codes or prefixes")
    check.add_argument("--format", "--output-format", dest="format", action=_ReportOption, choices=FORMATS,
                       help="report format (default: text, the full one; concise: one line a finding); "
                            "repeat it for several reports, each followed by its --output")
    check.add_argument("--output", "-o", type=Path, metavar="FILE", action=_ReportOption,
                       help="write the report (of the --format before it) to FILE instead of stdout")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes (app.yaml edits), then report what is left")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff, also the fixes that change what the app runs or uploads")
    check.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them (exit 1 if there are any)")
    check.add_argument("--add-noqa", action="store_true",
                       help="add a `# noqa: GAE...` comment for every finding (adopting gaelint on a legacy app)")
    check.add_argument("--show-settings", action="store_true", help="print the settings a check would use, and exit")
    check.add_argument("--show-files", action="store_true", help="list the files a check would lint, and exit")
    check.add_argument("--fail-on", choices=["error", "warning", "info"], help="lowest severity that fails (default: warning)")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--baseline", type=Path, metavar="FILE", help="report only findings this baseline file does not record")
    check.add_argument("--write-baseline", type=Path, metavar="FILE", help="record the current findings in FILE (they are then hidden: exit 0)")
    check.add_argument("--jobs", "-j", type=int, metavar="N", default=0, help="worker processes (default: all cores)")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    check.add_argument("--config", type=Path, metavar="FILE", help="config file (default: nearest pyproject.toml/gaelint.toml)")
    check.add_argument("--statistics", action="store_true", help="counts per rule instead of the findings (text or json)")
    check.add_argument("--quiet", "-q", action="store_true", help="findings only, no source lines or summary")
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    check.add_argument("--all-files", action="store_true", help="lint everything, not only the deploy set")
    check.add_argument("--report-unused-noqa", action="store_true", help="report gaelint noqa comments that suppress nothing (GAE003)")
    check.add_argument("--stdin-filename", type=Path, metavar="FILE", help="with PATH '-': where the text read from stdin lives (its app and config)")

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=["text", "json"], default="text")
    explain = sub.add_parser("explain", help="show a rule's documentation (the page docs/rules.md holds)")
    explain.add_argument("code", metavar="CODE|NAME", nargs="?", help="a rule code (GAE103) or name (smtp-port-25)")
    explain.add_argument("--all", action="store_true", help="every rule: the whole docs/rules.md")
    return parser


def _out(text: str, path: Optional[Path] = None) -> None:
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        path.write_text(text, encoding="utf-8")


def cmd_rules(args) -> int:
    from . import registry
    if args.format == "json":
        import json
        from . import docs
        rows = [{"code": r.code, "name": r.name, "severity": str(r.severity), "summary": r.summary,
                 "family": docs.family(r.code), "fixable": r.fixable or None, "url": docs.help_uri(r)}
                for r in registry.all_rules()]
        _out(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table
    table = Table(show_edge=False)
    for col in ("code", "name", "severity", "fix", "summary"):
        table.add_column(col)
    for rule in registry.all_rules():
        table.add_row(rule.code, rule.name, str(rule.severity), "[*]" if rule.fixable else "", rule.summary)
    Console(soft_wrap=False, width=160).print(table)
    return EXIT_OK


def _rule_named(text: str):
    """A rule by code (GAE103) or name (smtp-port-25)."""
    from . import registry
    rule = registry.get(text)
    if rule is None:
        key = text.strip().lower().replace("_", "-")
        rule = next((r for r in registry.all_rules() if r.name == key), None)
    return rule


def _show_markdown(text: str) -> None:
    """Rendered for a terminal (rich) when stdout is one, else as written."""
    if not sys.stdout.isatty():
        _out(text)
        return
    from rich.console import Console
    from rich.markdown import Markdown
    Console().print(Markdown(text))


def cmd_explain(args) -> int:
    if args.all or args.code is None:
        if args.code is not None or not args.all:
            print("gaelint: explain takes one CODE, or --all", file=sys.stderr)
            return EXIT_ERROR
        from .docs import render_all
        _show_markdown(render_all())
        return EXIT_OK
    rule = _rule_named(args.code)
    if rule is None:
        import difflib
        from . import registry
        names = [r.name for r in registry.all_rules()] + [r.code for r in registry.all_rules()]
        close = difflib.get_close_matches(args.code, names, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        print(f"gaelint: unknown rule code or name {args.code!r}{hint} (`gaelint rules` lists them)", file=sys.stderr)
        return EXIT_ERROR
    _show_markdown(rule.documentation())
    return EXIT_OK


def cmd_check(args) -> int:
    from . import checking
    return checking.main(args)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Exit code of one command; Ctrl-C at any point is 130 and SIGTERM
    (an IDE, ``Popen.terminate()``, a test timeout) 143, without a traceback."""
    previous = _stop_on_sigterm()
    try:
        return _main(argv)
    except BaseException as exc:
        if _is_interrupt(exc):
            return interrupted(EXIT_TERMINATED if _is_interrupt(exc, Terminated) else EXIT_INTERRUPTED)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop as Ctrl-C does (the worker pool is torn down
    on the way out), then exit 143."""


def _on_sigterm(signum, frame) -> None:
    import os
    # A second SIGTERM while stopping leaves at once.
    signal.signal(signal.SIGTERM, lambda s, f: os._exit(EXIT_TERMINATED))
    raise Terminated()


def _stop_on_sigterm():
    """Install the SIGTERM handler; the previous one, or None when this is
    not the main thread (gaelint called from a thread)."""
    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:
        return None


def entry() -> int:
    """The console script (and ``python -m gaelint``): main(); after Ctrl-C
    or SIGTERM, leave at once with 130 or 143, so nothing that winds down
    the interpreter (worker pools, a second signal) can print a traceback or
    change it."""
    code = main()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        import os
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    return code


def _is_interrupt(exc: BaseException, kind: type = KeyboardInterrupt) -> bool:
    """A KeyboardInterrupt (or ``kind``), or an error it caused (an import
    interrupted half way can surface as a RuntimeError from the machinery)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def interrupted(code: int = EXIT_INTERRUPTED) -> int:
    # a second Ctrl-C while the interpreter winds down must not print a traceback either
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    print("gaelint: terminated" if code == EXIT_TERMINATED else "gaelint: interrupted", file=sys.stderr)
    return code


def _main(argv: Optional[Sequence[str]]) -> int:
    from .config import ConfigError
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        handler = {"check": cmd_check, "rules": cmd_rules, "explain": cmd_explain}[args.command]
        return handler(args)
    except ConfigError as exc:
        print(f"gaelint: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - a failure of gaelint itself: say so, exit 2
        if _is_interrupt(exc):
            raise
        _internal_error(exc)
        return EXIT_ERROR


def _internal_error(exc: BaseException) -> None:
    """The traceback, bounded: formatting an exception that holds a deep
    tree must not fail in turn."""
    import traceback
    try:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=30, chain=False))
    except Exception:  # noqa: BLE001
        text = f"{type(exc).__name__}\n"
    print(text[-20000:], end="", file=sys.stderr)
    print("gaelint: internal error (see the traceback above); please report it", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(entry())
