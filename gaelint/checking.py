"""``gaelint check``: options -> config -> run -> fixes -> baseline ->
reports -> exit code.

Several reports can come out of one run: each ``--format`` may be followed
by the ``--output FILE`` it goes to; at most one goes to stdout.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import List, Optional, Tuple

from . import config as config_mod
from .config import ConfigError, check_codes
from .exitcodes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from .findings import Severity
from .report import baseline as baseline_mod
from .report import formats, statistics

# what --statistics replaces, by format
_STATISTICS = {"text": statistics.render_text, "full": statistics.render_text, "concise": statistics.render_text,
               "json": statistics.render_json}


class ReportOptions:
    def __init__(self, args, isatty: bool, fail_on: Severity):
        self.color = args.color
        self.quiet = args.quiet
        self.isatty = isatty
        self.fail_on = fail_on
        self.width = shutil.get_terminal_size((120, 24)).columns if isatty else int(os.environ.get("COLUMNS") or 120)


def report_targets(events: List[Tuple[str, object]]) -> List[Tuple[str, Optional[Path]]]:
    """(format, output file or None for stdout) for each report, from the
    --format/--output options in the order given: an --output belongs to
    the --format before it (with one format, to that format wherever it is)."""
    formats_given = [v for k, v in events if k == "format"]
    outputs = [v for k, v in events if k == "output"]
    if len(formats_given) <= 1:
        if len(outputs) > 1:
            raise ConfigError("one --output per --format: give each report its own --format FORMAT --output FILE")
        return [(formats_given[0] if formats_given else "text", outputs[0] if outputs else None)]
    pairs: List[List[object]] = []
    for kind, value in events:
        if kind == "format":
            pairs.append([value, None])
        elif not pairs:
            raise ConfigError("with several --format options, each --output goes after the --format it is for")
        elif pairs[-1][1] is not None:
            raise ConfigError(f"--format {pairs[-1][0]} has two --output files")
        else:
            pairs[-1][1] = value
    to_stdout = [f for f, out in pairs if out is None]
    if len(to_stdout) > 1:
        raise ConfigError(f"only one report can go to stdout ({', '.join(to_stdout)}): give the others --output FILE")
    files = [os.path.abspath(out) for _, out in pairs if out is not None]
    if len(set(files)) != len(files):
        raise ConfigError("two reports cannot be written to the same --output file")
    return [(f, out) for f, out in pairs]


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
    if args.fix or args.diff or args.add_noqa:
        raise ConfigError("--fix, --diff and --add-noqa change files: they cannot be used with stdin")
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


def _say(text: str) -> None:
    print(f"gaelint: {text}", file=sys.stderr)


def _renderers(args, targets):
    available = formats()
    out = []
    for fmt, path in targets:
        render = available.get(fmt)
        if render is None:
            raise ConfigError(f"--format {fmt} is not available in this version")
        if args.statistics:
            if fmt not in _STATISTICS:
                raise ConfigError(f"--statistics prints counts as text or json, not with --format {fmt}")
            render = _STATISTICS[fmt]
        out.append((fmt, path, render))
    return out


def main(args) -> int:
    from .runner import run, select_rules

    if args.add_noqa and (args.fix or args.diff):
        raise ConfigError("--add-noqa cannot be combined with --fix or --diff")
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
    targets = report_targets(getattr(args, "report_events", None) or [])
    renderers = _renderers(args, targets)
    known = args.baseline or cfg.baseline
    if known is not None and not args.write_baseline and not Path(known).is_file():
        raise ConfigError(f"baseline file {known} does not exist (create it with --write-baseline {known})")

    ruleset = select_rules(cfg, select, extend, ignore)
    if args.show_settings:
        from .settings import show_settings
        _write(show_settings(cfg, ruleset, fail_on, targets, known, args), None)
        return EXIT_OK
    if args.show_files:
        from .settings import show_files
        _write(show_files(paths, cfg, all_files=args.all_files), None)
        return EXIT_OK
    cache = None
    if not args.no_cache and stdin is None:
        from .engine.cache import ResultCache, default_dir, engine_fingerprint
        cache = ResultCache(default_dir(), engine_fingerprint(ruleset.codes))
        if cache.problem is not None:       # e.g. others may write into it: entries could be planted
            print(f"gaelint: note: {cache.problem}", file=sys.stderr)
            cache = None

    def check():
        from .report.progress import bar_for
        progress = bar_for(args.quiet)
        try:
            return run(paths, ruleset, cfg, all_files=args.all_files, jobs=args.jobs, stdin=stdin, cache=cache,
                       progress=progress)
        finally:
            if progress is not None:
                progress.close()

    started = time.time_ns()
    result = check()
    if args.diff:
        return _diff(result, args, started)
    if args.add_noqa:
        return _add_noqa(result, started)
    if args.fix:
        result = _fix(result, args, started, check)

    if args.write_baseline:
        count = baseline_mod.write(args.write_baseline, result.findings, result.roots)
        _say(f"recorded {count} finding{'s' if count != 1 else ''} in the baseline {args.write_baseline}")
        known = args.write_baseline
    if known is not None:
        result.findings, result.baseline = baseline_mod.apply(Path(known), result.findings, result.roots,
                                                                result.checked)

    for fmt, out, render in renderers:
        options = ReportOptions(args, isatty=out is None and sys.stdout.isatty(), fail_on=fail_on)
        _write(render(result, options), out)
    if any(f.code == "GAE002" for f in result.findings):
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if any(f.severity >= fail_on for f in result.active) else EXIT_OK


# -- changing files ------------------------------------------------------------------
def _fix_notes(planned, unsafe: bool) -> Tuple[List[str], List[str]]:
    """(errors: fixes that could not be made, notes: what --unsafe-fixes would add)."""
    from .report.common import display_path
    errors = [f"not fixed: {display_path(f.path)}{':' + str(f.line) if f.line else ''} {f.code}: {why}"
              for f, why in planned.failed]
    notes = []
    if planned.unsafe and not unsafe:
        notes.append(f"{len(planned.unsafe)} more finding{'s' if len(planned.unsafe) != 1 else ''} can be fixed "
                     "with --unsafe-fixes (the fix changes what the app runs or uploads)")
    return errors, notes


def _diff(result, args, started: int) -> int:
    from .fix import files, plan
    planned = plan.plan(result.findings, result.configs, unsafe=args.unsafe_fixes, since_ns=started)
    sys.stdout.write(files.unified_diff(planned.changes))
    sys.stdout.flush()
    errors, notes = _fix_notes(planned, args.unsafe_fixes)
    for note in errors + notes:
        _say(note)
    count = len(planned.fixed)
    if count:
        _say(f"would fix {count} finding{'s' if count != 1 else ''} in "
             f"{len(planned.changes)} file{'s' if len(planned.changes) != 1 else ''} (run with --fix to write)")
    else:
        _say("nothing to fix")
    return EXIT_FINDINGS if planned.changes else EXIT_OK


def _fix(result, args, started: int, check):
    from .fix import files, plan
    planned = plan.plan(result.findings, result.configs, unsafe=args.unsafe_fixes, since_ns=started)
    written = []
    errors, notes = _fix_notes(planned, args.unsafe_fixes)
    for change in planned.changes:
        problem = files.write(change, since_ns=started)
        if problem:
            errors.append(f"not fixed: {problem}")
        else:
            written.append(change)
    if written:
        result = check()            # what is left, checked again
    result.errors.extend(errors)
    result.notices.extend(notes)
    result.fixed = files.summary_of(written)
    done = {c.path for c in written}
    result.fixed_count = sum(1 for _, _, paths in planned.fixed if paths and done.issuperset(paths))
    return result


def _add_noqa(result, started: int) -> int:
    from .fix import files, noqa
    from .report.common import display_path
    planned = noqa.plan(result.findings, since_ns=started)
    failed = 0
    for change in planned.changes:
        problem = files.write(change, since_ns=started)
        if problem:
            _say(problem)
            failed += 1
    for f, why in planned.skipped:
        _say(f"no noqa for {display_path(f.path)}{':' + str(f.line) if f.line else ''} {f.code}: {why}")
    changed = len(planned.changes) - failed
    _say(f"added noqa comments for {planned.added} finding{'s' if planned.added != 1 else ''} in "
         f"{changed} file{'s' if changed != 1 else ''}")
    return EXIT_ERROR if failed else EXIT_OK
