"""``gaelint check``: options -> config -> run -> report -> exit code."""
from __future__ import annotations

import sys
from pathlib import Path

from . import config as config_mod
from .config import ConfigError, check_codes
from .findings import Severity
from .reporters import formats


class ReportOptions:
    def __init__(self, args, isatty: bool):
        self.color = args.color
        self.quiet = args.quiet
        self.isatty = isatty
        self.summary_extra = ""


def main(args) -> int:
    from .cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
    from .runner import run, select_rules

    paths = [Path(p) for p in (args.paths or ["."])]
    for p in paths:
        if str(p) != "-" and not p.exists() and not p.is_symlink():
            raise ConfigError(f"path {p} does not exist")
    cfg = config_mod.load(args.config, paths[0] if str(paths[0]) != "-" else Path.cwd())
    select = check_codes(args.select, "--select") if args.select else None
    extend = check_codes(args.extend_select, "--extend-select")
    ignore = check_codes(args.ignore, "--ignore")
    if args.jobs < 0:
        raise ConfigError("--jobs must be 0 (all cores) or more")
    ruleset = select_rules(cfg, select, extend, ignore)
    result = run(paths, ruleset, cfg, all_files=args.all_files, jobs=args.jobs)
    fail_on = Severity.parse(args.fail_on) if args.fail_on else cfg.fail_on
    render = formats().get(args.format)
    if render is None:
        raise ConfigError(f"--format {args.format} is not available in this version")
    out = args.output
    options = ReportOptions(args, isatty=out is None and sys.stdout.isatty())
    text = render(result, options)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
    if any(f.code == "GAE002" for f in result.active):
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if any(f.severity >= fail_on for f in result.active) else EXIT_OK
