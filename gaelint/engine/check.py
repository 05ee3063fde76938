"""The check: every file of every app, all rules in one pass per file.

Per file: read bytes -> decide which rules could fire (:mod:`.prefilter`:
their ``triggers`` in the bytes, then in the file's imports) -> decode and
parse once (libcst only if a rule is left) -> one walk that records the
node types those rules visit -> dispatch -> positions only if something was
reported. A rule that raises becomes GAE002 for that file; everything else
goes on.
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
from collections import OrderedDict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from gaelint import registry, source
from gaelint.analysis import facts, walk
from gaelint.analysis.context import FileContext, resolve_qualname
from gaelint.analysis.import_slice import import_slice
from gaelint.app.context import AppContext
from gaelint.app.module_facts import AppFacts, class_words
from gaelint.app.production import FACTS_NAME, facts_from_file
from gaelint.app.vendoring import app_modules
from gaelint.findings import Finding, Severity

from .prefilter import RuleSet, Selection

__all__ = ["RuleSet", "Selection", "check_app", "check_file", "check_file_and_facts", "describe_exception",
           "engine_failure", "gae001"]


def gae001(path: Path, problem: source.LoadProblem, text: Optional[source.SourceFile] = None) -> Finding:
    rule = registry.get("GAE001")
    severity = Severity.parse(problem.severity) if problem.severity else rule.severity
    return Finding(code=rule.code, name=rule.name, severity=severity, path=path,
                   message=rule.message.format(reason=problem.reason), fix=rule.fix,
                   line=problem.line, column=problem.column if problem.line else None,
                   end_line=problem.line, statement=(problem.line, problem.line) if problem.line else None,
                   source_line=text.line_text(problem.line) if text is not None else None)


_MAX_DETAIL = 300


def describe_exception(exc: BaseException) -> str:
    """``Type: message (file:line)``, bounded, and safe to build whatever
    the exception holds: the repr of an argument such as a libcst node can
    be megabytes long, or recurse until it fails itself."""
    simple = (str, bytes, int, float, bool, type(None))
    if all(isinstance(a, simple) for a in exc.args):
        try:
            text = str(exc)
        except Exception:  # noqa: BLE001 - a broken __str__ must not lose the finding
            text = ""
    else:
        text = ", ".join(repr(a)[:80] if isinstance(a, simple) else f"<{type(a).__name__}>" for a in exc.args)
    if len(text) > _MAX_DETAIL:
        text = text[:_MAX_DETAIL] + "..."
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    last = exc.__traceback__
    while last is not None and last.tb_next is not None:   # the innermost frame, without
        last = last.tb_next                                  # reading the source of every one
    if last is not None:
        detail += f" ({Path(last.tb_frame.f_code.co_filename).name}:{last.tb_lineno})"
    return detail


def _gae002(path: Path, rule_code: str, exc: BaseException) -> Finding:
    rule = registry.get("GAE002")
    return Finding(code=rule.code, name=rule.name, severity=rule.severity, path=path,
                   message=rule.message.format(rule=rule_code, error=describe_exception(exc)), fix=rule.fix)


def engine_failure(path: Path, exc: BaseException) -> Finding:
    """GAE002 for a failure of gaelint itself while checking ``path``."""
    return _gae002(path, "the engine", exc)


def check_file(ruleset: RuleSet, app: AppContext, path: Path, data: Optional[bytes] = None,
               deps: Optional[Set[str]] = None) -> List[Finding]:
    """Every source rule on one Python file (``data``: its bytes, e.g. from
    stdin, instead of reading ``path``). Whatever goes wrong stays with this
    file: a failure of gaelint itself is a GAE002 here, and the run goes on.
    ``deps`` receives the other files of the app (relative paths) whose
    content the findings depend on (a constant imported from settings.py)."""
    return check_file_and_facts(ruleset, app, path, data, deps)[0]


def check_file_and_facts(ruleset: RuleSet, app: AppContext, path: Path, data: Optional[bytes] = None,
                         deps: Optional[Set[str]] = None) -> Tuple[List[Finding], Optional[dict]]:
    """The file's findings and its facts for the production model
    (:mod:`gaelint.analysis.facts`), from one read and one parse."""
    try:
        return _check_file(ruleset, app, path, data, deps)
    except Exception as exc:  # noqa: BLE001 - last resort: one file never stops the run
        return [_gae002(path, "the engine", exc)], None


def _check_file(ruleset: RuleSet, app: AppContext, path: Path, data: Optional[bytes],
                deps: Optional[Set[str]]):
    if data is None:
        data, problem = source.read(path)
        if problem is not None:
            return [gae001(path, problem)], facts.empty()
    selection = ruleset.select(data, class_words(app))
    # Parsing and walking allocate millions of short-lived, acyclic objects;
    # the cyclic collector only burns time on them (about a third of a parse).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _check_source(ruleset, app, path, data, selection, deps)
    finally:
        if gc_was_enabled:
            gc.enable()


# The last loads, by content: one file shared by several apps (a directory
# symlinked into each service of a monorepo) is parsed once per run when its
# copies are checked one after the other (engine.parallel groups them).
_LOADED: "OrderedDict[bytes, Tuple[source.SourceFile, dict, Optional[object], dict]]" = OrderedDict()
_LOADED_KEEP = 4


def _load(path: Path, data: bytes, selection: Selection, externals: AppFacts):
    """(source, facts, CPython's ast of what libcst built or None, the rules
    to run) of these bytes at ``path``, parsed once per content (the ast
    only comes with a fresh parse). libcst builds a tree only when a rule is
    still possible once the file's imports are known (:meth:`Selection.narrow`;
    the app's other modules it reads for that go to ``externals.deps``), and
    only the slice the import rules read when they are all that is left."""
    key = hashlib.sha1(data).digest()
    loaded = _LOADED.get(key)
    if loaded is not None:
        src, file_facts, sliced, read = loaded
        rules = selection.narrow(file_facts, None, externals.class_bases, read) if selection.rules else []
        if not rules or (src.module is not None and (sliced is None or _imports_only(rules))):
            _LOADED.move_to_end(key)
            return dataclasses.replace(src, path=path), file_facts, sliced, rules
    decided: dict = {}
    read: dict = loaded[3] if loaded is not None else {}     # what the tree said, if the bytes came before

    def build_if(tree, text):
        decided["facts"] = extracted = facts.extract(tree)
        decided["rules"] = rules = (selection.narrow(extracted, tree, externals.class_bases, read)
                                    if selection.rules else [])
        if rules and _imports_only(rules):
            cut = import_slice(text, tree)
            if cut is not None:
                decided["sliced"] = cut[1]
                return cut[0]
        return bool(rules)

    src = source.load_bytes(path, data, validate_only=not selection.rules, build_if=build_if)
    file_facts = decided["facts"] if "facts" in decided else facts.extract(src.tree)
    sliced = decided.get("sliced") if src.module is not None else None
    tree, src.tree = (sliced or src.tree), None     # kept by the caller for positions, never by the LRU
    _LOADED[key] = (src, file_facts, sliced, read)
    while len(_LOADED) > _LOADED_KEEP:
        _LOADED.popitem(last=False)
    return src, file_facts, tree, decided.get("rules", [])


def _imports_only(rules) -> bool:
    """Every rule reads import statements only: the module's slice will do."""
    return all(r.triggers_in_imports for r in rules)


def _check_source(ruleset, app, path, data, selection, deps=None) -> List[Finding]:
    relpath = app.relpath(path)
    externals = AppFacts(app, relpath)
    src, file_facts, tree, wanted_rules = _load(path, data, selection, externals)
    findings = [gae001(path, p, src) for p in src.problems]
    if src.module is None or not wanted_rules:
        if deps is not None:
            deps.update(externals.deps)     # what decided that no rule can fire
        return findings, file_facts
    wanted_types = set()
    for rule in wanted_rules:
        wanted_types.update(t for t, _ in ruleset.dispatch(rule))
    try:
        model = _walked(src.module, data, wanted_types, _predicates(app, deps), relpath in app.cgi_scripts)
    except RecursionError:
        return findings + [gae001(path, source.LoadProblem(
            "nested too deeply for gaelint to analyse; it was not checked", severity="info"))], file_facts
    ctx = FileContext(src, app, model, relpath, externals)
    for rule in wanted_rules:
        try:
            for node_type, method in ruleset.dispatch(rule):
                for node, site in model.nodes.get(node_type, ()):
                    ctx.site = site
                    method(node, ctx)
            ctx.site = walk.Site(model.module_scope, src.module)
            rule.finish(ctx)
        except Exception as exc:  # noqa: BLE001 - one rule must not lose the others
            ctx._pending = [p for p in ctx._pending if p.rule is not rule]
            findings.append(_gae002(path, rule.code, exc))
    if deps is not None:
        deps.update(externals.deps)
    try:
        from gaelint.analysis import positions     # libcst's metadata: only once a file is parsed
        findings.extend(ctx.finish(lambda tops, nodes, **how: positions.compute(
            src.module, src.parsed_text, tops, nodes, tree=tree, **how)))
    except Exception as exc:  # noqa: BLE001 - keep the findings, without their columns
        findings.extend(ctx.finish(lambda tops, nodes, **how: {}))
        findings.append(_gae002(path, "positions", exc))
    return findings, file_facts


# The last walks, by content and what shaped them: a module shared by the
# services of a monorepo is walked once while they check it one after the
# other (engine.parallel groups them), not once per service.
_WALKED: "OrderedDict[tuple, Tuple[walk.Model, Dict[str, Optional[str]]]]" = OrderedDict()
_WALKED_KEEP = 1


def _walked(module, data: bytes, wanted_types, predicates, main_is_script: bool) -> walk.Model:
    """walk.build, or the model of the same bytes walked for the same rules
    whose predicates of other modules (``utils.on_appengine()``) gave the
    answers this app gives. The model is never changed after the walk."""
    key = (hashlib.sha1(data).digest(), frozenset(wanted_types), main_is_script)
    walked = _WALKED.get(key)
    if walked is not None:
        model, asked = walked
        if model.module_scope.node is module and all(predicates(q) == a for q, a in asked.items()):
            _WALKED.move_to_end(key)
            return model
    asked: Dict[str, Optional[str]] = {}

    def recording(qualname: str) -> Optional[str]:
        asked[qualname] = answer = predicates(qualname)
        return answer
    model = walk.build(module, wanted_types, resolve_qualname, predicates=recording, main_is_script=main_is_script)
    _WALKED[key] = (model, asked)
    while len(_WALKED) > _WALKED_KEEP:
        _WALKED.popitem(last=False)
    return model


def _predicates(app: AppContext, deps: Optional[Set[str]] = None):
    """Where-it-runs predicates of the app's other modules
    (``from utils import on_appengine``), read from their facts; the
    modules read go to ``deps`` (a cached result depends on them)."""
    def lookup(qualname: str) -> Optional[str]:
        module, _, function = qualname.rpartition(".")
        if not module:
            return None
        mods = app_modules(app)
        root = mods.provides(module)
        if root is None:
            return None
        base = (f"{root}/" if root else "") + module.replace(".", "/")
        for rel in (f"{base}.py", f"{base}/__init__.py"):
            if rel in mods.files:
                if deps is not None:
                    deps.add(rel)
                found = app.file_fact(app.root / rel, FACTS_NAME, facts_from_file)
                return found.get("predicates", {}).get(function)
        return None
    return lookup


def check_app(ruleset: RuleSet, app: AppContext, only: Optional[Iterable[Path]] = None,
              production: bool = False) -> List[Finding]:
    """Every app rule on one app; with ``only`` (the files a pre-commit run
    passed), rules that cannot report on any of them are skipped. Rules that
    read the production model run apart, once it is built (``production``)."""
    out: List[Finding] = []
    only = list(only) if only is not None else None
    for rule in ruleset.app_rules:
        if rule.needs_production != production:
            continue
        if only is not None and not rule.could_report_on(only):
            continue
        before = len(app.findings)
        try:
            rule.check_app(app)
        except Exception as exc:  # noqa: BLE001
            del app.findings[before:]
            path = app.app.config_path or app.root
            out.append(_gae002(path, rule.code, exc))
    out.extend(app.findings)
    app.findings = []
    return out
