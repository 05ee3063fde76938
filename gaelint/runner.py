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
from .app import deployset, discovery, module_facts
from .app.context import AppContext
from .app.environment import not_the_python27_sandbox, out_of_scope_note, static_matcher
from .app.production import model_of
from .config import Config
from .engine.check import RuleSet, check_app, gae001
from .engine import snapshot
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


def model_for(apps: List[AppContext], index: int, tasks, checked, models: Dict[int, object]):
    """The production model of app ``index`` (built once), from the facts
    the workers returned and, for the other files, from the fact cache."""
    if index not in models:
        ctx = apps[index]
        known: Dict[str, dict] = {}
        # a file's facts depend on its bytes alone: those a worker returned
        # for another app (a nested app owns its files, which the app around
        # it deploys too) serve this one as well
        deployed = set(ctx.deploy.files)
        for (i, path), (_, file_facts) in zip(tasks, checked):
            if file_facts is not None and (i == index or path in deployed):
                known[ctx.relpath(path)] = file_facts
        static = static_matcher(ctx.config)
        python_files = {ctx.relpath(p) for p in ctx.deploy.files
                        if p.suffix == ".py" and not static(ctx.relpath(p))}
        models[index] = model_of(ctx, known, python_files)
    return models[index]


def model_notes(apps: List[AppContext], models: Dict[int, object]) -> Dict[int, List[str]]:
    """{app index: its production model's notes, as the report prints them}."""
    return {index: [f"{_display(apps[index].root)}: {n}" for n in model.notes]
            for index, model in models.items()}


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


def judge_by_production(apps: List[AppContext], tasks, checked,
                        by_path: Dict[Path, List[Finding]]) -> Dict[int, object]:
    """Severity follows what production runs: each app's model from its
    files' facts, then every finding about code judged by it."""
    owner: Dict[Path, int] = {path: index for index, path in tasks}
    models: Dict[int, object] = {}
    for path, found in by_path.items():
        index = owner.get(path)
        if index is None or not found or all(f.code.startswith("GAE0") for f in found):
            continue
        by_path[path] = judged(model_for(apps, index, tasks, checked, models), path, found)
    return models


def judged(model, path: Path, found: List[Finding]) -> List[Finding]:
    """A file's findings as its app's production model judges them (GAE0xx
    findings and findings without a line are about the file itself: kept)."""
    rel = model.relpath(path)
    out = []
    for f in found:
        verdict = f if f.code.startswith("GAE0") or f.line is None else model.judge(f, rel)
        if verdict is not None:
            out.append(verdict)
    return out


def _restore_snapshots(apps: List[AppContext], tasks, explicit_files, all_files: bool, cache):
    """({app index: (findings, notes)} of the apps no byte of which changed,
    {app index: snapshot key} of the others): see engine.snapshot."""
    restored, keys = {}, {}
    if cache is None:
        return restored, keys
    checked: Dict[int, List[Path]] = {}
    for index, path in tasks:
        checked.setdefault(index, []).append(path)
    for index, ctx in enumerate(apps):
        if index in explicit_files:
            continue    # a pre-commit run checks some files of the app, not all of it
        key = snapshot.key(cache, ctx, all_files, checked.get(index, []))
        if key is None:
            continue
        found = snapshot.load(cache, key, ctx.root)
        if found is not None:
            restored[index] = found
        else:
            keys[index] = key
    return restored, keys


def _store_snapshots(cache, apps: List[AppContext], keys: Dict[int, str], by_path: Dict[Path, List[Finding]],
                     owners: Dict[Path, Set[int]], notes: Dict[int, List[str]]) -> None:
    shared = {index for found in owners.values() if len(found) > 1 for index in found}
    per_app: Dict[int, List[Finding]] = {}
    for path, found in by_path.items():
        for index in owners.get(path, ()):
            per_app.setdefault(index, []).extend(found)
    for index, key in keys.items():
        if index in shared:
            continue    # a path two apps report on: neither app's result stands alone
        snapshot.store(cache, key, apps[index], per_app.get(index, []), notes.get(index, []))


def run(paths: Sequence[Path], ruleset: RuleSet, config: Config, *, all_files: bool = False,
        jobs: int = 0, stdin: Optional[Tuple[Path, bytes]] = None, cache=None, progress=None) -> RunResult:
    if stdin is not None:  # `gaelint check - --stdin-filename F`: one text, in F's app
        from .stdin import run_stdin     # stdin uses the stages, never this module
        return run_stdin(stdin[0], stdin[1], ruleset, config, all_files=all_files)
    result = RunResult()
    module_facts.new_run()
    if cache is not None:
        cache.start_run()
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
    owners: Dict[Path, Set[int]] = {}       # which app each reported path belongs to
    restored, snapshot_keys = _restore_snapshots(apps, tasks, explicit_files, all_files, cache)
    if cache is not None:
        cache.save_file_hashes()
    result.from_cache = sum(1 for index, _ in tasks if index in restored)
    tasks = [t for t in tasks if t[0] not in restored]
    for index, path in tasks:
        owners.setdefault(path, set()).add(index)

    def app_rules() -> None:
        for index, ctx in enumerate(apps):
            if index in restored:
                continue
            only = explicit_files.get(index)
            for f in check_app(ruleset, ctx, only):
                # Checking single files (pre-commit): report on those files only.
                if only is None or f.path in only or f.code in ALWAYS_REPORTED:
                    app_findings.append(f)
                    owners.setdefault(f.path, set()).add(index)

    checked = check_files(ruleset, apps, tasks, workers, cache, meanwhile=app_rules, progress=progress)
    result.from_cache += sum(1 for _, file_facts in checked if file_facts is FROM_CACHE)
    checked = [(found, None if file_facts is FROM_CACHE else file_facts) for found, file_facts in checked]
    by_path: Dict[Path, List[Finding]] = {}
    for (index, path), (found, _) in zip(tasks, checked):
        by_path.setdefault(path, []).extend(found)
    for f in app_findings:
        by_path.setdefault(f.path, []).append(f)
    models = judge_by_production(apps, tasks, checked, by_path)
    for index, ctx in enumerate(apps):
        if getattr(ctx.app, "import_root", None) is not None:
            model_for(apps, index, tasks, checked, models)
    outside = outside_modules(apps, models)
    if outside:     # modules the handlers import from above the app root (deployroot)
        more = check_files(ruleset, apps, outside, workers, cache, progress=progress)
        for (index, path), (found, _) in zip(outside, more):
            by_path.setdefault(path, []).extend(judged(models[index], path, found))
            owners.setdefault(path, set()).add(index)
        result.checked.extend(path for _, path in outside)
        result.files += len(outside)
    for index, ctx in enumerate(apps):
        only = explicit_files.get(index)
        if index in restored or not any(r.needs_production and (only is None or r.could_report_on(only))
                                        for r in ruleset.app_rules):
            continue
        ctx.production = models.get(index) or model_for(apps, index, tasks, checked, models)
        for f in check_app(ruleset, ctx, only, production=True):
            if only is None or f.path in only or f.code in ALWAYS_REPORTED:
                by_path.setdefault(f.path, []).append(f)
                owners.setdefault(f.path, set()).add(index)
    notes = model_notes(apps, models)
    _store_snapshots(cache, apps, snapshot_keys, by_path, owners, notes)
    for index, (found, restored_notes) in restored.items():
        notes[index] = restored_notes
        for f in found:
            by_path.setdefault(f.path, []).append(f)
    for index in sorted(notes):         # in the apps' order, however each model came to be
        result.notices.extend(notes[index])
    if suppress.UNUSED_CODE in ruleset.codes:  # files without findings may hold stale noqa
        for path in result.checked + [c.app.config_path for c in apps if c.app.config_path]:
            if path.suffix in (".py", ".yaml", ".yml"):
                by_path.setdefault(path, [])
    unused_noqa = suppress.UNUSED_CODE in ruleset.codes
    for path, found in sorted(by_path.items(), key=lambda kv: str(kv[0])):
        if found or unused_noqa:    # a clean file has nothing to suppress: don't read it again
            result.findings.extend(postprocess(path, found, ruleset.codes, config, [c.root for c in apps]))
    result.findings.sort(key=Finding.sort_key)
    if cache is not None:
        cache.save_class_words()
    return result
