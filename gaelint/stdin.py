"""``gaelint check - --stdin-filename path/in/app/main.py``: for editors.

The text comes from stdin; the app it belongs to (app.yaml, skip_files, the
deploy set, handlers) comes from where the stdin filename says it lives,
whether or not that file exists yet. Nothing is written anywhere. The
findings are those of that one file: source rules for a ``.py``; for the
app's own app.yaml, the app rules run on the text read from stdin.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from .app import deployset, discovery
from .app.context import AppContext
from .app.appyaml import parse_app_config
from .app.environment import not_the_python27_sandbox, out_of_scope_note, static_matcher
from .config import Config
from .engine.check import RuleSet, check_app, check_file
from .findings import Finding
from .report.common import display_path
from .report.postprocess import postprocess
from .report.result import RunResult


def _locate(filename: Path, all_files: bool):
    """(app, the file's path inside it) the way a file argument is placed."""
    finder = discovery.Finder(all_files)  # same upward search as `gaelint check FILE`
    parent = os.path.dirname(os.path.abspath(filename))
    app, found_in = finder.upward(parent)
    if app is None:
        app, found_in = finder.implicit(parent), parent
    rel = Path(os.path.relpath(os.path.abspath(filename), found_in)).as_posix()
    return app, app.root / rel, rel


def run_stdin(filename: Path, data: bytes, ruleset: RuleSet, config: Config, *, all_files: bool = False):
    result = RunResult()
    app, path, rel = _locate(filename, all_files)
    text = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    shown = display_path(path)
    if app.implicit:
        result.notices.append(f"no app.yaml at or above {display_path(app.root)}: "
                              "checked as a python27 app with default settings")
    configs = [c.path for c in [app.config, *app.service_configs] if c is not None]
    is_config = any(os.path.abspath(c) == os.path.abspath(path) for c in configs)
    if is_config:
        # The app as it would be with this app.yaml text.
        parsed = parse_app_config(text, path)
        if app.config is not None and os.path.abspath(app.config.path) == os.path.abspath(path):
            app = dataclasses.replace(app, config=parsed, deploy_sets={}, upload_rules={})
        else:
            others = [parsed if os.path.abspath(c.path) == os.path.abspath(path) else c for c in app.service_configs]
            app = dataclasses.replace(app, service_configs=others, deploy_sets={}, upload_rules={})
    if config.excludes(path, [app.root]):
        result.notices.append(f"{shown}: excluded by the configuration, not checked")
        return result
    # the same decisions as a run over files on disk
    environment = not_the_python27_sandbox(app.config)
    if environment:
        result.notices.append(f"{shown}: {out_of_scope_note(app.config, environment)}")
        return result
    if path.suffix == ".py" and static_matcher(app.config)(rel):
        result.notices.append(f"{shown}: served as a static file, not imported by the app: not checked")
        return result
    deploy = deployset.deploy_set(app, all_files=all_files)
    if not is_config and not (all_files or deploy.would_upload(rel)):
        result.notices.append(f"{shown}: not in the deploy set (skip_files/.gcloudignore), not checked")
        return result
    ctx = AppContext(app, deploy)
    found = []
    if path.suffix == ".py":
        # a library another service lacks is judged by that service's import
        # graph (app.production), which a one-text run does not build
        found = [f for f in check_file(ruleset, ctx, path, data=data) if not (f.cause and "@" in f.cause)]
    elif not is_config:
        result.notices.append(f"{shown}: only Python files and the app's yaml are read from stdin")
        return result
    same = os.path.abspath(path)
    found += [f for f in check_app(ruleset, ctx, [path]) if os.path.abspath(f.path) == same]
    lines = text.split("\n")  # app rules read source lines from disk; show the stdin text
    found = [f.with_(source_line=lines[f.line - 1]) if f.line and f.line <= len(lines) else f for f in found]
    result.files = 1
    result.checked.append(path)
    result.roots.append(app.root)
    result.configs[app.root] = app.config_path
    result.findings = sorted(postprocess(path, found, ruleset.codes, config, [ctx.root], text=text),
                             key=Finding.sort_key)
    return result
