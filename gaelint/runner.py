"""Run a check over paths: apps, deploy sets, files in parallel, app rules,
then suppressions, per-file config and severity overrides.

This is the conductor at the top of the stages (docs/architecture.md): it
calls each of them in turn and is imported by nothing below it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from . import registry
from .app import deployset, discovery
from .app.context import AppContext
from .app.environment import not_the_python27_sandbox, out_of_scope_note, static_matcher
from .app.production import model_of
from .config import Config
from .engine.check import RuleSet, check_app, gae001
from .engine.parallel import FROM_CACHE, check_files
from .findings import Finding
from .report.common import display_path as _display
from .report import suppress
from .report.postprocess import ALWAYS_REPORTED, postprocess
from .report.result import RunResult
from .source import LoadProblem


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


def model_for(apps: List[AppContext], index: int, tasks, checked, models: Dict[int, object],
              result: RunResult):
    """The production model of app ``index`` (built once), from the facts
    the workers returned and, for the other files, from the fact cache."""
    if index not in models:
        ctx = apps[index]
        known: Dict[str, dict] = {}
        for (i, path), (_, file_facts) in zip(tasks, checked):
            if i == index and file_facts is not None:
                known[ctx.relpath(path)] = file_facts
        static = static_matcher(ctx.config)
        python_files = {ctx.relpath(p) for p in ctx.deploy.files
                        if p.suffix == ".py" and not static(ctx.relpath(p))}
        models[index] = model_of(ctx, known, python_files)
        result.notices.extend(f"{_display(ctx.root)}: {n}" for n in models[index].notes)
    return models[index]


def outside_modules(apps: List[AppContext], models: Dict[int, object]) -> List[Tuple[int, Path]]:
    """Reached modules of apps whose handlers import from above the app
    root: the files production runs that the app directory does not hold."""
    out = []
    for index, ctx in enumerate(apps):
        if getattr(ctx.app, "import_root", None) is None:
            continue
        if index not in models:
            continue
        model = models[index]
        for rel in sorted(model.graph.via):
            path = model.root / rel
            if not str(path).startswith(str(ctx.root) + os.sep):
                out.append((index, path))
    return out


def judge_by_production(apps: List[AppContext], tasks, checked, by_path: Dict[Path, List[Finding]],
                        result: RunResult) -> Dict[int, object]:
    """Severity follows what production runs: each app's model from its
    files' facts, then every finding about code judged by it."""
    owner: Dict[Path, int] = {path: index for index, path in tasks}
    models: Dict[int, object] = {}
    for path, found in by_path.items():
        index = owner.get(path)
        if index is None or not found or all(f.code.startswith("GAE0") for f in found):
            continue
        model = model_for(apps, index, tasks, checked, models, result)
        rel = model.relpath(path)
        judged = []
        for f in found:
            if f.code.startswith("GAE0") or f.line is None:
                judged.append(f)
                continue
            verdict = model.judge(f, rel)
            if verdict is not None:
                judged.append(verdict)
        by_path[path] = judged
    return models


def run(paths: Sequence[Path], ruleset: RuleSet, config: Config, *, all_files: bool = False,
        jobs: int = 0, stdin: Optional[Tuple[Path, bytes]] = None, cache=None) -> RunResult:
    if stdin is not None:  # `gaelint check - --stdin-filename F`: one text, in F's app
        from .stdin import run_stdin     # stdin uses the stages, never this module
        return run_stdin(stdin[0], stdin[1], ruleset, config, all_files=all_files)
    result = RunResult()
    targets, problems = discovery.find_apps([Path(p) for p in paths], all_files=all_files,
                                            deploy_roots=config.deploy_roots)
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
            result.findings.append(gae001(problem.path, LoadProblem(problem.message)))
        else:
            result.errors.append(f"{_display(problem.path)}: {problem.message}")

    for problem in problems:
        add_problem(problem)
    for target in targets:
        app = target.app
        environment = not_the_python27_sandbox(app.config)
        if environment:
            result.notices.append(f"{_display(app.config_path or app.root)}: "
                                  f"{out_of_scope_note(app.config, environment)}")
            continue
        if target.files:    # how the app was placed matters only when something of it is checked
            result.notices.extend(f"{_display(app.config_path)}: {note}" for note in app.notes)
        for other in app.service_configs:
            why = not_the_python27_sandbox(other)
            if why:
                result.notices.append(f"{_display(other.path)}: {out_of_scope_note(other, why)}")
        deploy = deployset.deploy_set(app, all_files=all_files)
        ctx = AppContext(app, deploy)
        ctx.cache = cache
        index = len(apps)
        apps.append(ctx)
        files = [f for f in target.files if not config.excludes(f, [ctx.root])]
        if app.implicit and files:
            result.notices.append(f"no app.yaml at or above {_display(app.root)}: checked as a python27 app with default settings")
        for problem in deploy.problems:
            if not target.explicit or problem.path in files:
                add_problem(problem)
        result.checked.extend(files)
        result.roots.append(app.root)
        result.configs[app.root] = app.config_path
        if target.explicit:
            explicit_files[index] = set(files)
        slow_patterns: list = []
        static = static_matcher(app.config, lambda message, line: slow_patterns.append(
            deployset.Problem(app.config_path, message, line)))
        for f in files:
            if f.suffix in (".py",) and not static(ctx.relpath(f)):
                tasks.append((index, f))
        for problem in slow_patterns:
            add_problem(problem)
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

    checked = check_files(ruleset, apps, tasks, workers, cache, meanwhile=app_rules)
    result.from_cache = sum(1 for _, file_facts in checked if file_facts is FROM_CACHE)
    checked = [(found, None if file_facts is FROM_CACHE else file_facts) for found, file_facts in checked]
    by_path: Dict[Path, List[Finding]] = {}
    for (index, path), (found, _) in zip(tasks, checked):
        by_path.setdefault(path, []).extend(found)
    for f in app_findings:
        by_path.setdefault(f.path, []).append(f)
    models = judge_by_production(apps, tasks, checked, by_path, result)
    for index, ctx in enumerate(apps):
        if getattr(ctx.app, "import_root", None) is not None:
            model_for(apps, index, tasks, checked, models, result)
    outside = outside_modules(apps, models)
    if outside:     # modules the handlers import from above the app root (deployroot)
        more = check_files(ruleset, apps, outside, workers, cache)
        for (index, path), (found, _) in zip(outside, more):
            found = [f for f in (models[index].judge(f, models[index].relpath(path)) if f.line and
                                 not f.code.startswith("GAE0") else f for f in found) if f is not None]
            by_path.setdefault(path, []).extend(found)
        result.checked.extend(path for _, path in outside)
        result.files += len(outside)
    for index, ctx in enumerate(apps):
        only = explicit_files.get(index)
        if not any(r.needs_production and (only is None or r.could_report_on(only)) for r in ruleset.app_rules):
            continue
        ctx.production = models.get(index) or model_for(apps, index, tasks, checked, models, result)
        for f in check_app(ruleset, ctx, only, production=True):
            if only is None or f.path in only or f.code in ALWAYS_REPORTED:
                by_path.setdefault(f.path, []).append(f)
    if suppress.UNUSED_CODE in ruleset.codes:  # files without findings may hold stale noqa
        for path in result.checked + [c.app.config_path for c in apps if c.app.config_path]:
            if path.suffix in (".py", ".yaml", ".yml"):
                by_path.setdefault(path, [])
    unused_noqa = suppress.UNUSED_CODE in ruleset.codes
    for path, found in sorted(by_path.items(), key=lambda kv: str(kv[0])):
        if found or unused_noqa:    # a clean file has nothing to suppress: don't read it again
            result.findings.extend(postprocess(path, found, ruleset.codes, config, [c.root for c in apps]))
    result.findings.sort(key=Finding.sort_key)
    return result
