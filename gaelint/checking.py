"""``gaelint check``: options -> config -> run -> baseline -> report -> exit code."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional, Tuple

from .report import baseline as baseline_mod
from . import config as config_mod
from .config import ConfigError, check_codes
from .exitcodes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from .findings import Severity
from .report import formats, statistics


class ReportOptions:
    def __init__(self, args, isatty: bool):
        self.color = args.color
        self.quiet = args.quiet
        self.isatty = isatty


def _stdin(args) -> Optional[Tuple[Path, bytes]]:
    """(filename, bytes) when the text comes from stdin, else None."""
    paths = [str(p) for p in (args.paths or [])]
    if "-" not in paths and not (args.stdin_filename and not paths):
        if args.stdin_filename:
            raise ConfigError("--stdin-filename goes with PATH '-' (gaelint check - --stdin-filename FILE)")
        return None
    if paths not in ([], ["-"]):
        raise ConfigError("PATH '-' (stdin) cannot be combined with other paths")
    if args.stdin_filename is None:
        raise ConfigError("reading stdin needs --stdin-filename FILE: where the text lives, so gaelint "
                          "knows its app (app.yaml, skip_files)")
    if args.write_baseline:
        raise ConfigError("--write-baseline cannot be used with stdin")
    return args.stdin_filename, sys.stdin.buffer.read()


def _write(text: str, out: Optional[Path]) -> None:
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        out.write_text(text, encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise ConfigError(f"cannot write --output {out}: {exc.strerror or exc}") from None


def main(args) -> int:
    from .runner import run, select_rules

    stdin = _stdin(args)
    paths = [] if stdin else [Path(p) for p in (args.paths or ["."])]
    for p in paths:
        if not p.exists() and not p.is_symlink():
            raise ConfigError(f"path {p} does not exist")
    start = Path(os.path.abspath(stdin[0])).parent if stdin else paths[0]
    cfg = config_mod.load(args.config, start)
    select = check_codes(args.select, "--select") if args.select else None
    extend = check_codes(args.extend_select, "--extend-select")
    if args.report_unused_noqa:
        extend.append("GAE003")
    ignore = check_codes(args.ignore, "--ignore")
    if args.jobs < 0:
        raise ConfigError("--jobs must be 0 (all cores) or more")
    fail_on = Severity.parse(args.fail_on) if args.fail_on else cfg.fail_on
    render = formats().get(args.format)
    if render is None:
        raise ConfigError(f"--format {args.format} is not available in this version")
    if args.statistics:
        if args.format not in ("text", "json"):
            raise ConfigError("--statistics prints counts as text or json, not with --format " + args.format)
        render = statistics.render_json if args.format == "json" else statistics.render_text
    known = args.baseline or cfg.baseline
    if known is not None and not args.write_baseline and not Path(known).is_file():
        raise ConfigError(f"baseline file {known} does not exist (create it with --write-baseline {known})")

    ruleset = select_rules(cfg, select, extend, ignore)
    cache = None
    if not args.no_cache and stdin is None:
        from .engine.cache import ResultCache, default_dir, engine_fingerprint
        cache = ResultCache(default_dir(), engine_fingerprint(ruleset.codes))
        if cache.problem is not None:       # e.g. others may write into it: entries could be planted
            print(f"gaelint: note: {cache.problem}", file=sys.stderr)
            cache = None
    result = run(paths, ruleset, cfg, all_files=args.all_files, jobs=args.jobs, stdin=stdin, cache=cache)

    if args.write_baseline:
        count = baseline_mod.write(args.write_baseline, result.findings, result.roots)
        print(f"gaelint: recorded {count} finding{'s' if count != 1 else ''} in the baseline {args.write_baseline}",
              file=sys.stderr)
        known = args.write_baseline
    if known is not None:
        result.findings, result.baseline = baseline_mod.apply(Path(known), result.findings, result.roots,
                                                                result.checked)

    out = args.output
    _write(render(result, ReportOptions(args, isatty=out is None and sys.stdout.isatty())), out)
    if any(f.code == "GAE002" for f in result.findings):
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if any(f.severity >= fail_on for f in result.active) else EXIT_OK
