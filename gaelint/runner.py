"""Run a check over paths: apps, deploy sets, files in parallel, app rules,
then suppressions, per-file config and severity overrides."""
from __future__ import annotations

import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from . import discovery, registry, suppress
from .app import AppContext
from .config import Config
from .engine import RuleSet, check_app, check_file, _gae001
from .findings import Finding
from .cache import app_fingerprint
from .suppress import UNSUPPRESSIBLE as ALWAYS_REPORTED   # gaelint's own failures (GAE002)
from .source import LoadProblem, read as read_source


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)   # suppressed ones are marked, not dropped
    files: int = 0
    notices: List[str] = field(default_factory=list)
    unused_noqa: List[Tuple[Path, int, str]] = field(default_factory=list)
    checked: List[Path] = field(default_factory=list)       # every file linted (JUnit testcases)
    roots: List[Path] = field(default_factory=list)         # app roots (baseline paths)
    baseline: Optional[object] = None                       # baseline.Outcome when one was applied

    @property
    def active(self) -> List[Finding]:
        return [f for f in self.findings if not f.suppressed]


def select_rules(config: Config, select=None, extend_select=(), ignore=()) -> RuleSet:
    chosen = select if select is not None else config.select
    prefixes = list(chosen) if chosen is not None else [""]   # every rule, plugins included
    prefixes += list(config.extend_select) + list(extend_select)
    ignored = list(config.ignore) + list(ignore)
    rules = []
    for rule in registry.all_rules():
        code = rule.code
        picked = max((len(p) for p in prefixes if code.startswith(p)), default=-1)
        dropped = max((len(p) for p in ignored if code.startswith(p)), default=-1)
        # opt-in rules (GAE003) need their full code, not a prefix
        if getattr(rule, "opt_in", False):
            picked = len(code) if code in prefixes else -1
        # the more specific of select/ignore wins, as in ruff
        if picked >= 0 and picked > dropped:
            rules.append(rule)
    return RuleSet(tuple(rules))


# -- parallel workers ----------------------------------------------------
_WORKER: Dict[str, object] = {}


def _init_worker(ruleset, apps, cache=None, app_keys=()):
    _WORKER.update(ruleset=ruleset, apps=apps, cache=cache, app_keys=app_keys)


def _cached(app_index: int, path: Path):
    """(cache key, findings or None, bytes) for a file; (None, None, None)
    without a cache or when the file cannot be read."""
    cache = _WORKER.get("cache")
    if cache is None:
        return None, None, None
    data, problem = read_source(path)
    if problem is not None:
        return None, None, None
    app = _WORKER["apps"][app_index]
    key = cache.key(data, app.relpath(path), _WORKER["app_keys"][app_index])
    return key, cache.get(key, app.root), data


def _check_one(task):
    app_index, path = task
    ruleset, apps = _WORKER["ruleset"], _WORKER["apps"]
    key, found, data = _cached(app_index, path)
    if found is not None:
        return found
    # the bytes the key was made from are the bytes checked
    found = check_file(ruleset, apps[app_index], path, data)
    if key is not None and not any(f.code == "GAE002" for f in found):
        _WORKER["cache"].put(key, apps[app_index].root, found)
    return found


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _run_files(ruleset: RuleSet, apps: List[AppContext], tasks, jobs: int, cache=None,
               meanwhile=lambda: None) -> List[List[Finding]]:
    """Findings of every task, in task order. ``meanwhile`` (the app rules)
    runs in this process while the workers check files."""
    app_keys = [app_fingerprint(a) for a in apps] if cache is not None else ()
    _init_worker(ruleset, apps, cache, app_keys)
    results: List[Optional[List[Finding]]] = [None] * len(tasks)
    if cache is not None:   # answer hits here: a warm run never starts workers
        for i, (index, path) in enumerate(tasks):
            results[i] = _cached(index, path)[1]
    missing = [i for i, r in enumerate(results) if r is None]
    todo = [tasks[i] for i in missing]
    if jobs <= 1 or len(todo) < 8:
        done = [_check_one(t) for t in todo]
        meanwhile()
    else:
        try:
            mp = multiprocessing.get_context("fork")
        except ValueError:  # pragma: no cover - no fork on this platform
            mp = None
        if mp is None:
            done = [_check_one(t) for t in todo]
            meanwhile()
        else:
            # Largest files first, so no worker is left with a big one at the end.
            order = sorted(range(len(todo)), key=lambda i: -_size(todo[i][1]))
            chunk = 1           # a chunk of the largest files would all go to one worker
            with ProcessPoolExecutor(max_workers=jobs, mp_context=mp, initializer=_init_worker,
                                     initargs=(ruleset, apps, cache, app_keys)) as pool:
                pending = pool.map(_check_one, [todo[i] for i in order], chunksize=chunk)
                meanwhile()     # every task is submitted: the main process is free
                by_size = list(pending)
            done = [None] * len(todo)
            for i, found in zip(order, by_size):
                done[i] = found
    for i, found in zip(missing, done):
        results[i] = found
    return results


from .reporters import display_path as _display


def run(paths: Sequence[Path], ruleset: RuleSet, config: Config, *, all_files: bool = False,
        jobs: int = 0, stdin: Optional[Tuple[Path, bytes]] = None, cache=None) -> RunResult:
    if stdin is not None:  # `gaelint check - --stdin-filename F`: one text, in F's app
        from .stdin import run_stdin
        return run_stdin(stdin[0], stdin[1], ruleset, config, all_files=all_files)
    result = RunResult()
    targets, problems = discovery.find_apps([Path(p) for p in paths], all_files=all_files)
    apps: List[AppContext] = []
    tasks: List[Tuple[int, Path]] = []
    explicit_files: Dict[int, Set[Path]] = {}
    seen_problems = set()

    def add_problem(problem):
        key = (str(problem.path), problem.message)
        if key in seen_problems:
            return
        seen_problems.add(key)
        if str(problem.path).endswith(".py"):
            result.findings.append(_gae001(problem.path, LoadProblem(problem.message)))
        else:
            result.notices.append(f"{_display(problem.path)}: {problem.message}")

    for problem in problems:
        add_problem(problem)
    for target in targets:
        app = target.app
        environment = _not_the_python27_sandbox(app.config)
        if environment:
            result.notices.append(f"{_display(app.config_path or app.root)}: {environment}, not the python27 "
                                  "standard sandbox: skipped")
            continue
        deploy = discovery.deploy_set(app, all_files=all_files)
        ctx = AppContext(app, deploy)
        ctx.cache = cache
        index = len(apps)
        apps.append(ctx)
        if app.implicit:
            result.notices.append(f"no app.yaml at or above {_display(app.root)}: checked as a python27 app with default settings")
        files = [f for f in target.files if not config.excludes(f, [ctx.root])]
        for problem in deploy.problems:
            if not target.explicit or problem.path in files:
                add_problem(problem)
        result.checked.extend(files)
        result.roots.append(app.root)
        if target.explicit:
            explicit_files[index] = set(files)
        static = _static_matcher(app.config)
        for f in files:
            if f.suffix in (".py",) and not static(ctx.relpath(f)):
                tasks.append((index, f))
        result.files += len(files)
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    app_findings: List[Finding] = []

    def app_rules() -> None:
        for index, ctx in enumerate(apps):
            only = explicit_files.get(index)
            for f in check_app(ruleset, ctx, only):
                # Checking single files (pre-commit): report on those files only.
                if only is None or f.path in only or f.code in ALWAYS_REPORTED:
                    app_findings.append(f)

    file_findings = _run_files(ruleset, apps, tasks, workers, cache, meanwhile=app_rules)
    by_path: Dict[Path, List[Finding]] = {}
    for (index, path), found in zip(tasks, file_findings):
        by_path.setdefault(path, []).extend(found)
    for f in app_findings:
        by_path.setdefault(f.path, []).append(f)
    if suppress.UNUSED_CODE in ruleset.codes:  # files without findings may hold stale noqa
        for path in result.checked + [c.app.config_path for c in apps if c.app.config_path]:
            if path.suffix in (".py", ".yaml", ".yml"):
                by_path.setdefault(path, [])
    unused_noqa = suppress.UNUSED_CODE in ruleset.codes
    for path, found in sorted(by_path.items(), key=lambda kv: str(kv[0])):
        if found or unused_noqa:    # a clean file has nothing to suppress: don't read it again
            result.findings.extend(_postprocess(path, found, ruleset, config, apps, result))
    result.findings.sort(key=Finding.sort_key)
    return result


def _not_the_python27_sandbox(config) -> Optional[str]:
    """Managed VMs and the flexible environment run Python without the
    sandbox (``vm: true``, ``env: flex``): none of the rules apply."""
    data = getattr(config, "data", None)
    if not isinstance(data, dict):
        return None
    if data.get("vm") is True:
        return "a Managed VM app (`vm: true`)"
    if str(data.get("env", "")).lower() in ("flex", "flexible", "2"):
        return "a flexible environment app (`env: flex`)"
    return None


def _static_matcher(config):
    """A predicate for files served as static content (``static_dir``, or
    ``static_files`` with its ``upload`` pattern): the app cannot import them
    unless the handler says ``application_readable: true``."""
    prefixes, patterns = [], []
    for handler in getattr(config, "handlers", None) or ():
        raw = getattr(handler, "raw", None)
        if not isinstance(raw, dict) or raw.get("application_readable") is True:
            continue
        if isinstance(raw.get("static_dir"), str):
            prefixes.append(raw["static_dir"].strip("/") + "/")
        if isinstance(raw.get("static_files"), str) and isinstance(raw.get("upload"), str):
            try:
                patterns.append(re.compile(raw["upload"] + r"\Z"))
            except re.error:
                continue
    if not prefixes and not patterns:
        return lambda rel: False
    return lambda rel: rel.startswith(tuple(prefixes)) or any(p.match(rel) for p in patterns)


def _postprocess(path: Path, found: List[Finding], ruleset: RuleSet, config: Config, apps, result,
                 text: Optional[str] = None) -> List[Finding]:
    found = [f for f in found if f.code in ruleset.codes or f.code in ("GAE001", "GAE002")]
    ignored = config.ignored_codes(path, [c.root for c in apps]) if config.per_file_ignores else []
    if ignored:
        found = [f for f in found if f.code in ALWAYS_REPORTED or not any(f.code.startswith(c) for c in ignored)]
    if text is None and path.is_file() and path.suffix in (".py", ".yaml", ".yml"):
        try:
            text = path.read_text("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
        except OSError:
            text = None
    found, directives = suppress.apply(found, text)
    if suppress.UNUSED_CODE in ruleset.codes and text and not any(suppress.UNUSED_CODE.startswith(c) for c in ignored):
        found += suppress.unused_findings(path, directives, text, ruleset.codes)
    if config.severity:
        found = [f.with_(severity=config.severity[f.code]) if f.code in config.severity else f for f in found]
    return found
