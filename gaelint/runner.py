"""Run a check over paths: apps, deploy sets, files in parallel, app rules,
then suppressions, per-file config and severity overrides."""
from __future__ import annotations

import fnmatch
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from . import discovery, registry, suppress
from .app import AppContext
from .config import Config
from .engine import RuleSet, check_app, check_file, _gae001
from .findings import Finding, Severity
from .source import LoadProblem


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)   # suppressed ones are marked, not dropped
    files: int = 0
    notices: List[str] = field(default_factory=list)
    unused_noqa: List[Tuple[Path, int, str]] = field(default_factory=list)

    @property
    def active(self) -> List[Finding]:
        return [f for f in self.findings if not f.suppressed]


def select_rules(config: Config, select=None, extend_select=(), ignore=()) -> RuleSet:
    chosen = select if select is not None else config.select
    prefixes = list(chosen) if chosen is not None else ["GAE"]
    prefixes += list(config.extend_select) + list(extend_select)
    ignored = list(config.ignore) + list(ignore)
    rules = []
    for rule in registry.all_rules():
        code = rule.code
        picked = max((len(p) for p in prefixes if code.startswith(p)), default=-1)
        dropped = max((len(p) for p in ignored if code.startswith(p)), default=-1)
        # the more specific of select/ignore wins, as in ruff
        if picked >= 0 and picked > dropped:
            rules.append(rule)
    return RuleSet(tuple(rules))


# -- parallel workers ----------------------------------------------------
_WORKER: Dict[str, object] = {}


def _init_worker(ruleset, apps):
    _WORKER["ruleset"] = ruleset
    _WORKER["apps"] = apps


def _check_one(task):
    app_index, path = task
    ruleset, apps = _WORKER["ruleset"], _WORKER["apps"]
    return check_file(ruleset, apps[app_index], path)


def _run_files(ruleset: RuleSet, apps: List[AppContext], tasks, jobs: int) -> List[List[Finding]]:
    if jobs <= 1 or len(tasks) < 8:
        _init_worker(ruleset, apps)
        return [_check_one(t) for t in tasks]
    try:
        mp = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - no fork on this platform
        _init_worker(ruleset, apps)
        return [_check_one(t) for t in tasks]
    chunk = max(1, min(32, len(tasks) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp, initializer=_init_worker,
                             initargs=(ruleset, apps)) as pool:
        return list(pool.map(_check_one, tasks, chunksize=chunk))


def _excluded(relpath: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(relpath, p) or fnmatch.fnmatch(relpath.split("/")[-1], p)
               or relpath.startswith(p.rstrip("/") + "/") for p in patterns)


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def run(paths: Sequence[Path], ruleset: RuleSet, config: Config, *, all_files: bool = False,
        jobs: int = 0) -> RunResult:
    result = RunResult()
    targets, problems = discovery.find_apps([Path(p) for p in paths], all_files=all_files)
    apps: List[AppContext] = []
    tasks: List[Tuple[int, Path]] = []
    explicit_files: Dict[int, Set[Path]] = {}
    for problem in problems:
        if str(problem.path).endswith(".py"):
            result.findings.append(_gae001(problem.path, LoadProblem(problem.message)))
        else:
            result.notices.append(f"{_display(problem.path)}: {problem.message}")
    for target in targets:
        app = target.app
        deploy = discovery.deploy_set(app, all_files=all_files)
        ctx = AppContext(app, deploy)
        index = len(apps)
        apps.append(ctx)
        if app.implicit:
            result.notices.append(f"no app.yaml at or above {_display(app.root)}: checked as a python27 app with default settings")
        for problem in deploy.problems:
            if str(problem.path).endswith(".py"):
                result.findings.append(_gae001(problem.path, LoadProblem(problem.message)))
            else:
                result.notices.append(f"{_display(problem.path)}: {problem.message}")
        files = [f for f in target.files if not _excluded(ctx.relpath(f), config.exclude)]
        if target.explicit:
            explicit_files[index] = set(files)
        for f in files:
            if f.suffix in (".py",):
                tasks.append((index, f))
        result.files += len(files)
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    file_findings = _run_files(ruleset, apps, tasks, workers)
    by_path: Dict[Path, List[Finding]] = {}
    for (index, path), found in zip(tasks, file_findings):
        by_path.setdefault(path, []).extend(found)
    for index, ctx in enumerate(apps):
        for f in check_app(ruleset, ctx):
            if index in explicit_files and f.path not in explicit_files[index] and f.path != ctx.app.config_path:
                continue
            by_path.setdefault(f.path, []).append(f)
    for path, found in sorted(by_path.items(), key=lambda kv: str(kv[0])):
        result.findings.extend(_postprocess(path, found, ruleset, config, apps, result))
    result.findings.sort(key=Finding.sort_key)
    return result


def _postprocess(path: Path, found: List[Finding], ruleset: RuleSet, config: Config, apps, result) -> List[Finding]:
    found = [f for f in found if f.code in ruleset.codes or f.code in ("GAE001", "GAE002")]
    if config.per_file_ignores:
        rel = _display(path)
        ignored = [codes for glob, codes in config.per_file_ignores.items()
                   if fnmatch.fnmatch(rel, glob) or fnmatch.fnmatch(path.name, glob)]
        found = [f for f in found if not any(f.code.startswith(c) for codes in ignored for c in codes)]
    if config.severity:
        found = [f.with_(severity=config.severity[f.code]) if f.code in config.severity else f for f in found]
    text = None
    if path.is_file() and path.suffix in (".py", ".yaml", ".yml"):
        try:
            text = path.read_text("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
        except OSError:
            text = None
    found, directives = suppress.apply(found, text)
    for line, codes, missing in directives.unused():
        label = "noqa" if codes is None else ", ".join(sorted(missing))
        result.unused_noqa.append((path, line, label))
    return found
