"""The check: every file of every app, all rules in one pass per file.

Per file: read bytes -> decide which rules could fire (their ``triggers``
against the raw bytes) -> decode and parse once -> one walk that records the
node types those rules visit -> dispatch -> positions only if something was
reported. A rule that raises becomes GAE002 for that file; everything else
goes on.
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple, Type


from gaelint import registry, source
from gaelint.analysis import facts, trigger_modules, walk
from gaelint.analysis.context import FileContext, resolve_qualname
from gaelint.app.context import AppContext
from gaelint.app.module_facts import AppFacts, class_words
from gaelint.app.production import FACTS_NAME, facts_from_file
from gaelint.app.vendoring import app_modules
from gaelint.findings import Finding, Severity
from gaelint.registry import AppRule, Rule, SourceRule

_WORD = re.compile(rb"[A-Za-z0-9_]+")
# A string literal (kept whole: a `#` inside it is not a comment) or a comment.
_COMMENT_OR_STRING = re.compile(
    rb"'''(?:\\.|[^\\])*?'''"
    rb'|"""(?:\\.|[^\\])*?"""'
    rb"|'(?:\\.|[^'\\\n])*'"
    rb'|"(?:\\.|[^"\\\n])*"'
    rb"|#[^\n]*", re.S)


def _drop_comment(match) -> bytes:
    text = match.group()
    return b"" if text.startswith(b"#") else text


@dataclass
class RuleSet:
    """The selected rules, instantiated once, with a dispatch table."""

    rules: Tuple[Type[Rule], ...]
    prefilter: bool = True      # False: run every rule on every file (tests prove it changes nothing)

    def __post_init__(self):
        self.source_rules = [r() for r in self.rules if issubclass(r, SourceRule)]
        self.app_rules = [r() for r in self.rules if issubclass(r, AppRule)]
        self.codes = {r.code for r in self.rules}
        self._dispatch_table = None
        # Triggers are words (identifiers, numbers): a rule can only fire on a
        # name it resolves, and every spelling of a name (`from os import
        # remove`, `os.remove`, `from os import *` then `remove(...)`) holds
        # its last part as a whole word. A trigger ending in `_` (`AF_`) or
        # holding other characters (`ftp://`) is matched as a substring.
        # A tuple trigger needs all its words (`("connect", "25")`). Words
        # are looked for outside comments: a licence header's "this file"
        # cannot name anything.
        self._always = [r for r in self.source_rules if r.triggers is None]
        self._by_word: Dict[bytes, List[SourceRule]] = {}
        self._by_substring: List[Tuple[bytes, SourceRule]] = []
        self._by_all_words: List[Tuple[FrozenSet[bytes], SourceRule]] = []
        for rule in self.source_rules:
            for trigger in rule.triggers or ():
                if isinstance(trigger, tuple):
                    self._by_all_words.append((frozenset(t.encode() for t in trigger), rule))
                    continue
                raw = trigger.encode()
                if _WORD.fullmatch(raw) and not raw.endswith(b"_"):
                    self._by_word.setdefault(raw, []).append(rule)
                else:
                    self._by_substring.append((raw, rule))
        self._words = frozenset(self._by_word)

    def dispatch(self, rule: SourceRule) -> List[Tuple[type, object]]:
        """(libcst node type, bound visit method) of a rule; built on the
        first file parsed, since naming node types imports libcst."""
        if self._dispatch_table is None:
            self._dispatch_table = {id(r): [(t, getattr(r, m)) for t, m in type(r).node_types().items()]
                                    for r in self.source_rules}
        return self._dispatch_table[id(rule)]

    def rules_for(self, data: bytes, class_words: Optional[Dict[bytes, FrozenSet[bytes]]] = None) -> List[SourceRule]:
        """Rules that could fire on a file with these bytes, in rule order.
        ``class_words``: for classes of the app, the words their bases are
        spelled with (a file naming ``Worker`` names ``Process`` too)."""
        return self.select(data, class_words).rules

    def select(self, data: bytes, class_words: Optional[Dict[bytes, FrozenSet[bytes]]] = None) -> "Selection":
        """:meth:`rules_for`, with the words that chose them (for
        :meth:`Selection.narrow`)."""
        if not self.prefilter:
            return Selection(list(self.source_rules), data, frozenset(), frozenset(), narrows=False)
        chosen = set(map(id, self._always))
        if b"#" in data:
            if b"\r" in data:          # CR-only files: a comment ends at \r too
                data = data.replace(b"\r", b"\n")
            code = _COMMENT_OR_STRING.sub(_drop_comment, data)
        else:
            code = data
        words = set(_WORD.findall(code))
        gained: Set[bytes] = set()
        if class_words:
            for name in words.intersection(class_words):
                gained |= class_words[name]
            words |= gained
        for word in self._words.intersection(words):
            chosen.update(map(id, self._by_word[word]))
        for needed, rule in self._by_all_words:
            if id(rule) not in chosen and needed <= words:
                chosen.add(id(rule))
        for raw, rule in self._by_substring:
            if id(rule) not in chosen and raw in data:
                chosen.add(id(rule))
        return Selection([r for r in self.source_rules if id(r) in chosen], data, frozenset(words),
                         frozenset(gained))


@dataclass
class Selection:
    """The rules a file's words choose, and what :meth:`narrow` needs to
    keep only those whose words mean what they look for in this file
    (:mod:`gaelint.analysis.trigger_modules`)."""

    rules: List[SourceRule]
    data: bytes
    words: FrozenSet[bytes]          # the file's words outside comments, with its class words
    gained: FrozenSet[bytes]         # the words its app classes brought
    narrows: bool = True

    def needs_facts(self) -> bool:
        return self.narrows and any(r.module_triggers is not None or r.triggers_in_imports for r in self.rules)

    def narrow(self, file_facts: dict, tree=None) -> List[SourceRule]:
        """The rules still possible once the file's imports (and, with its
        CPython ``tree``, its uses of builtins) are known."""
        if not self.needs_facts():
            return self.rules
        roots, parts = trigger_modules.imported(file_facts)
        bare: List[FrozenSet[bytes]] = []           # computed once, if a builtin needs it

        def is_bare(word: bytes) -> bool:
            if not bare:
                bare.append(trigger_modules.bare_words(self.data))
            return word in bare[0]

        def uses_builtin(word: str, spec) -> bool:
            if not is_bare(word.encode()):
                return False
            return tree is None or trigger_modules.may_use_builtin(tree, word, spec.builtin_modes.get(word))

        gained = {w.decode("ascii", "replace") for w in self.gained}
        return [r for r in self.rules if _still_possible(r, self, roots, parts, gained, uses_builtin)]


def _still_possible(rule: SourceRule, selection: Selection, roots, parts, gained, uses_builtin) -> bool:
    spec = rule.module_triggers
    if spec is None and not rule.triggers_in_imports:
        return True
    if spec is not None and not gained.isdisjoint(spec.related):
        return True             # an app class of this file derives from what the rule looks for
    for trigger in rule.triggers or ():
        if isinstance(trigger, tuple):
            if all(t.encode() in selection.words for t in trigger):
                return True
            continue
        raw = trigger.encode()
        if not (_WORD.fullmatch(raw) and not raw.endswith(b"_")):
            if raw in selection.data:
                return True
            continue
        if raw not in selection.words:
            continue
        if rule.triggers_in_imports:
            if trigger in parts:
                return True
            continue
        needed = spec.roots.get(trigger)
        if needed is None or not needed.isdisjoint(roots):
            return True
        if trigger_modules.BUILTIN in needed and uses_builtin(trigger, spec):
            return True
    return False


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
_LOADED: "OrderedDict[bytes, Tuple[source.SourceFile, dict]]" = OrderedDict()
_LOADED_KEEP = 4


def _load(path: Path, data: bytes, selection: Selection):
    """(source, facts, CPython's ast or None, the rules to run) of these
    bytes at ``path``, parsed once per content (the ast only comes with a
    fresh parse). libcst builds a tree only when a rule is still possible
    once the file's imports are known (:meth:`Selection.narrow`)."""
    key = hashlib.sha1(data).digest()
    found = _LOADED.get(key)
    if found is not None:
        src, file_facts = found
        rules = selection.narrow(file_facts) if selection.rules else []
        if src.module is not None or not rules:
            _LOADED.move_to_end(key)
            return dataclasses.replace(src, path=path), file_facts, None, rules
    decided: dict = {}

    def build_if(tree) -> bool:
        decided["facts"] = extracted = facts.extract(tree)
        decided["rules"] = selection.narrow(extracted, tree) if selection.rules else []
        return bool(decided["rules"])

    src = source.load_bytes(path, data, validate_only=not selection.rules, build_if=build_if)
    file_facts = decided["facts"] if "facts" in decided else facts.extract(src.tree)
    tree, src.tree = src.tree, None     # kept by the caller for positions, never by the LRU
    _LOADED[key] = (src, file_facts)
    while len(_LOADED) > _LOADED_KEEP:
        _LOADED.popitem(last=False)
    return src, file_facts, tree, decided.get("rules", [])


def _check_source(ruleset, app, path, data, selection, deps=None) -> List[Finding]:
    src, file_facts, tree, wanted_rules = _load(path, data, selection)
    findings = [gae001(path, p, src) for p in src.problems]
    if src.module is None or not wanted_rules:
        return findings, file_facts
    wanted_types = set()
    for rule in wanted_rules:
        wanted_types.update(t for t, _ in ruleset.dispatch(rule))
    relpath = app.relpath(path)
    try:
        model = walk.build(src.module, wanted_types, resolve_qualname, predicates=_predicates(app, deps),
                           main_is_script=relpath in app.cgi_scripts)
    except RecursionError:
        return findings + [gae001(path, source.LoadProblem(
            "nested too deeply for gaelint to analyse; it was not checked", severity="info"))], file_facts
    externals = AppFacts(app, relpath)
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
