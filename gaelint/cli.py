"""Command line: ``gaelint check | rules | explain`` (INTERFACE.md).

Exit codes: 0 nothing at or above --fail-on; 1 such findings; 2 usage or
configuration error, or gaelint itself failed (GAE002).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from . import __version__, registry
from .config import ConfigError
from .exitcodes import EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED  # noqa: F401



def _codes_arg(value: str) -> List[str]:
    return [c for c in (p.strip() for p in value.replace(" ", ",").split(",")) if c]


def build_parser() -> argparse.ArgumentParser:
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
    check.add_argument("--format", default="text", choices=["text", "json", "sarif", "github", "junit"])
    check.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
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

    sub.add_parser("rules", help="list every rule")
    explain = sub.add_parser("explain", help="show a rule's documentation (the page docs/rules.md holds)")
    explain.add_argument("code", metavar="CODE", nargs="?")
    explain.add_argument("--all", action="store_true", help="every rule: the whole docs/rules.md")
    return parser


def _out(text: str, path: Optional[Path] = None) -> None:
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        path.write_text(text, encoding="utf-8")


def cmd_rules(args) -> int:
    from rich.console import Console
    from rich.table import Table
    table = Table(show_edge=False)
    for col in ("code", "name", "severity", "summary"):
        table.add_column(col)
    for rule in registry.all_rules():
        table.add_row(rule.code, rule.name, str(rule.severity), rule.summary)
    Console(soft_wrap=False, width=160).print(table)
    return EXIT_OK


def cmd_explain(args) -> int:
    if args.all or args.code is None:
        if args.code is not None or not args.all:
            print("gaelint: explain takes one CODE, or --all", file=sys.stderr)
            return EXIT_ERROR
        from .docs import render_all
        _out(render_all())
        return EXIT_OK
    rule = registry.get(args.code)
    if rule is None:
        print(f"gaelint: unknown rule code {args.code!r}; `gaelint rules` lists them", file=sys.stderr)
        return EXIT_ERROR
    _out(rule.documentation())
    return EXIT_OK


def cmd_check(args) -> int:
    from . import checking
    return checking.main(args)


class Terminated(BaseException):
    """SIGTERM arrived: stop as Ctrl-C does (workers killed, no traceback)."""


def _stop_on_signals():
    """Ctrl-C and SIGTERM (an IDE, ``Popen.terminate()``, a test timeout)
    stop the run at any moment: the first raises where the main process is,
    so the worker pool is torn down on the way out; a second one while
    stopping exits at once. Returns the previous handlers (or None)."""
    def stop(signum, frame):
        code = EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda s, f: os._exit(EXIT_TERMINATED if s == signal.SIGTERM else EXIT_INTERRUPTED))
        if code == EXIT_TERMINATED:
            raise Terminated()
        raise KeyboardInterrupt()

    try:
        return {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:          # not the main thread (gaelint called from a thread)
        return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    previous = _stop_on_signals()
    try:
        handler = {"check": cmd_check, "rules": cmd_rules, "explain": cmd_explain}[args.command]
        return handler(args)
    except ConfigError as exc:
        print(f"gaelint: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Terminated:
        return EXIT_TERMINATED
    except Exception as exc:  # noqa: BLE001 - a failure of gaelint itself: say so, exit 2
        _internal_error(exc)
        return EXIT_ERROR
    finally:
        if previous is not None:
            for sig, old in previous.items():
                signal.signal(sig, old)


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
    sys.exit(main())
