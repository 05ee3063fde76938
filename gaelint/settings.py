"""``gaelint check --show-settings`` and ``--show-files``: what a check
would use and read, without checking anything."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from . import __version__
from .app import discovery
from .app.environment import not_the_python27_sandbox
from .config import Config
from .engine.check import RuleSet
from .findings import Severity
from .report.common import display_path


def _codes(codes: Sequence[str]) -> str:
    return ", ".join("ALL" if c == "" else c for c in codes) or "-"


def show_settings(cfg: Config, ruleset: RuleSet, fail_on: Severity, targets: List[Tuple[str, Optional[Path]]],
                  baseline: Optional[Path], args) -> str:
    if cfg.path is None:
        source = "none found (defaults); gaelint looks for pyproject.toml [tool.gaelint] or gaelint.toml upwards"
    elif cfg.path.name == "pyproject.toml":
        source = f"{display_path(cfg.path)} [tool.gaelint]"
    else:
        source = display_path(cfg.path)
    lines = [f"gaelint {__version__}",
             f"config file:       {source}",
             f"select:            {_codes(cfg.select) if cfg.select is not None else 'ALL (default)'}",
             f"extend-select:     {_codes(cfg.extend_select)}",
             f"ignore:            {_codes(cfg.ignore)}",
             "per-file-ignores:  " + ("; ".join(f"{glob} = {_codes(codes)}" for glob, codes in
                                                  cfg.per_file_ignores.items()) or "-"),
             f"exclude:           {', '.join(cfg.exclude) or '-'}",
             "severity:          " + (", ".join(f"{c} = {s}" for c, s in sorted(cfg.severity.items())) or "-"),
             f"fail-on:           {fail_on}",
             f"baseline:          {display_path(baseline) if baseline else '-'}",
             "reports:           " + ", ".join(f"{fmt} -> {display_path(out) if out else 'stdout'}"
                                                 for fmt, out in targets),
             f"deploy set:        {'every file (--all-files)' if args.all_files else 'what the deploy uploads'}",
             f"jobs:              {args.jobs or os.cpu_count() or 1}",
             f"cache:             {'off' if args.no_cache else _cache_dir()}",
             f"rules ({len(ruleset.rules)} selected):"]
    lines += [f"  {rule.code} {rule.name} ({cfg.severity.get(rule.code, rule.severity)})" for rule in ruleset.rules]
    return "\n".join(lines) + "\n"


def _cache_dir() -> str:
    from .engine.cache import default_dir
    return str(default_dir())


def show_files(paths: Sequence[Path], cfg: Config, all_files: bool = False) -> str:
    """Every file a check would lint, one a line (relative to the current
    directory when under it), app by app."""
    targets, _ = discovery.find_apps([Path(p) for p in paths], all_files=all_files)
    out: List[str] = []
    for target in targets:
        app = target.app
        if not_the_python27_sandbox(app.config):
            continue
        out += [display_path(f) for f in target.files if not cfg.excludes(f, [app.root])]
    return "".join(line + "\n" for line in out)
