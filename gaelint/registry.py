"""The rule API and the one registry of rules.

A rule is a small class: its metadata (code, name, severity, message, fix
hint), its documentation (what, why, fix, sources) and its VALID/INVALID
examples sit next to its logic, as in Fixit. The registry built here is the
only source for ``gaelint rules``, ``gaelint explain``, the docs page and
the SARIF/JSON metadata; the examples run as tests (tests/test_rule_examples.py).

Two kinds of rules:

* :class:`SourceRule` reads one Python file. It defines ``visit_<Node>``
  methods (``visit_Call``, ``visit_Import`` ...) that the engine calls for
  every node of that libcst type, all rules in one pass over one parse.
  ``triggers`` lists the words (identifiers, numbers) without which the rule
  cannot fire, so a file that has none of them as a whole word is never
  walked for it; a trigger ending in ``_`` (``AF_``) or holding other
  characters (``ftp://``) is matched as a plain substring; a tuple of words
  (``("connect", "25")``) needs all of them. Words in comments do not count.
* :class:`AppRule` reads an app as a whole: its app.yaml model and deploy
  set (``check_app``).

A rule whose findings have one mechanical fix says so: ``fixable`` tells in a
few words what ``gaelint check --fix`` does, the rule reports each fixable
finding with the ``fix_data`` its fix needs, and ``fix_app_yaml`` makes the
edit through the app's editors. An INVALID example with ``fixed`` (the text
after the fix) tests it like the examples.

Third-party packages add rules through the ``gaelint.rules`` entry-point
group (a module or a Rule class).
"""
from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
import sys
import textwrap
from dataclasses import dataclass, field
from typing import ClassVar, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Type

from gaelint.lazycst import cst

from .findings import Severity

CODE_RE = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")


@dataclass(frozen=True)
class Example:
    """A tiny app for a rule's docs and tests.

    ``code`` goes to ``path`` (``main.py``); ``app_yaml`` replaces the
    default minimal python27 app.yaml; ``files`` adds more files (str or
    bytes). For INVALID examples, ``lines`` lists the exact lines on which
    the rule must fire (None: at least one finding anywhere) and ``path`` of
    a finding may differ (``finding_path``) for app-level rules.
    """

    code: str = ""
    app_yaml: Optional[str] = None
    files: Mapping[str, object] = field(default_factory=dict)
    path: str = "main.py"
    lines: Optional[Tuple[Optional[int], ...]] = None
    severity: Optional[Severity] = None
    note: str = ""
    # The text of ``fixed_path`` after ``gaelint check --fix --unsafe-fixes``
    # (INVALID examples of fixable rules); the rule must not fire after it.
    fixed: Optional[str] = None
    fixed_path: str = "app.yaml"


def _clean(code: str) -> str:
    """Dedent, and drop the newline right after an opening triple quote so
    line 1 of the example is its first line of code."""
    code = textwrap.dedent(code)
    return code[1:] if code.startswith("\n") else code


def Valid(code: str = "", **kw) -> Example:
    return Example(_clean(code), **kw)


def Invalid(code: str = "", **kw) -> Example:
    if "lines" in kw and kw["lines"] is not None:
        kw["lines"] = tuple(kw["lines"])
    if kw.get("fixed") is not None:
        kw["fixed"] = _clean(kw["fixed"])
    return Example(_clean(code), **kw)


DEFAULT_APP_YAML = """\
runtime: python27
api_version: 1
threadsafe: true

handlers:
- url: /.*
  script: main.app
"""


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.ERROR
    summary: ClassVar[str] = ""        # one line for `gaelint rules`
    message: ClassVar[str] = ""        # format template; ctx.report fills it
    fix: ClassVar[str] = ""            # fix hint template
    what: ClassVar[str] = ""           # docs: what it flags
    why: ClassVar[str] = ""            # docs: why it fails on App Engine
    how_to_fix: ClassVar[str] = ""     # docs: what to do instead
    sources: ClassVar[Tuple[str, ...]] = ()
    fixable: ClassVar[str] = ""        # docs: what `gaelint check --fix` does ("" : no fix)
    VALID: ClassVar[Sequence[Example]] = ()
    INVALID: ClassVar[Sequence[Example]] = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        for attr in ("what", "why", "how_to_fix"):
            value = cls.__dict__.get(attr)
            if isinstance(value, str):
                setattr(cls, attr, textwrap.dedent(value).strip())

    @classmethod
    def fix_app_yaml(cls, finding, app) -> Optional[str]:
        """Fix one finding that carries ``fix_data``, through ``app`` (the
        fix stage's view of the finding's app: ``app.yaml(path=None)`` is a
        :class:`~gaelint.app.yamledit.YamlEditor` of its app.yaml or the
        given service yaml, ``app.lines(path)`` the lines of a text file
        such as ``.gcloudignore``). Returns what it did in a few words, or
        None when there was nothing left to do (an earlier fix did it).
        Raise ``YamlEditError`` (or ValueError) when it cannot be done."""
        raise NotImplementedError(f"{cls.code} declares no fix")

    @classmethod
    def family(cls) -> str:
        return cls.code[:4] + "xx"

    @classmethod
    def documentation(cls) -> str:
        """Markdown page: what, why, fix, examples, sources."""
        parts = [f"## {cls.code} {cls.name}", "",
                 f"Severity: **{cls.severity}**. {cls.summary}", ""]
        parts += ["### What it flags", "", cls.what or cls.summary, ""]
        parts += ["### Why it fails on App Engine", "", cls.why or "-", ""]
        parts += ["### How to fix", "", cls.how_to_fix or cls.fix, ""]
        if cls.fixable:
            parts += [f"`gaelint check --fix` {cls.fixable}.", ""]
        bad = [e for e in cls.INVALID if e.code.strip()]
        good = [e for e in cls.VALID if e.code.strip()]
        def fence(e: Example) -> str:   # app.yaml examples (path="app.yaml") are YAML
            return "```yaml" if e.path.endswith((".yaml", ".yml")) else "```python"
        if bad:
            parts += ["### Example", "", fence(bad[0]), bad[0].code.rstrip(), "```", ""]
        if good:
            parts += ["Instead:", "", fence(good[0]), good[0].code.rstrip(), "```", ""]
        if cls.sources:
            parts += ["### Sources", ""] + [f"- {s}" for s in cls.sources] + [""]
        return "\n".join(parts)


class SourceRule(Rule):
    """Reads one Python file; define ``visit_<LibcstNode>(self, node, ctx)``."""

    triggers: ClassVar[Optional[Tuple[object, ...]]] = None   # str or tuple of str
    # Narrower, for words the rule only resolves as a module's names: a
    # gaelint.analysis.trigger_modules.ModuleTriggers (the word counts in a
    # file that imports one of its modules).
    module_triggers: ClassVar[Optional[object]] = None
    # The rule reads import statements only: its words count as parts of
    # an imported name, not elsewhere in the file.
    triggers_in_imports: ClassVar[bool] = False

    @classmethod
    def node_types(cls) -> Dict[type, str]:
        out = {}
        for attr in dir(cls):
            if attr.startswith("visit_"):
                node_type = getattr(cst, attr[len("visit_"):], None)
                if not (inspect.isclass(node_type) and issubclass(node_type, cst.CSTNode)):
                    raise TypeError(f"{cls.__name__}.{attr}: no libcst node named {attr[6:]}")
                out[node_type] = attr
        return out

    def finish(self, ctx) -> None:
        """Called once per file after every node was visited."""


class AppRule(Rule):
    """Reads a whole app: ``check_app(self, app_ctx)`` reports through it.

    ``reports_on`` names the suffixes of the files its findings are about
    (``"*"``: any file that is not Python source); None means any file. When
    only some files are checked (pre-commit passes the changed ones), a rule
    that cannot report on any of them is not run at all.
    """

    reports_on: ClassVar[Optional[Tuple[str, ...]]] = None
    # Reads ``app.production`` (entry points, import graph): runs once the
    # files are checked and the production model is built.
    needs_production: ClassVar[bool] = False

    @classmethod
    def could_report_on(cls, paths) -> bool:
        if cls.reports_on is None:
            return True
        for path in paths:
            suffix = path.suffix.lower()
            if suffix in cls.reports_on or ("*" in cls.reports_on and suffix != ".py"):
                return True
        return False

    def check_app(self, app) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def _rule_classes(module) -> Iterator[Type[Rule]]:
    for value in vars(module).values():
        if inspect.isclass(value) and issubclass(value, Rule) and value.__dict__.get("code"):
            if value.__module__ == module.__name__:
                yield value


def _entry_point_objects():
    try:
        from importlib.metadata import entry_points
    except ImportError:  # pragma: no cover
        return []
    eps = entry_points()
    group = eps.select(group="gaelint.rules") if hasattr(eps, "select") else eps.get("gaelint.rules", [])
    return list(group)


@functools.lru_cache(maxsize=None)
def all_rules() -> Tuple[Type[Rule], ...]:
    """Every rule, built-in and from entry points, sorted by code."""
    import gaelint.rules as builtin

    found: Dict[str, Type[Rule]] = {}

    def add(rule: Type[Rule], origin: str) -> None:
        if not CODE_RE.match(rule.code):
            raise ValueError(f"{origin}: rule code {rule.code!r} is not like GAE123")
        other = found.get(rule.code)
        if other is not None and other is not rule:
            raise ValueError(f"{origin}: rule code {rule.code} is defined twice "
                             f"({other.__module__}.{other.__name__}, {rule.__module__}.{rule.__name__})")
        found[rule.code] = rule

    # rule families are modules or packages of modules (rules/network/)
    for info in pkgutil.walk_packages(builtin.__path__, builtin.__name__ + "."):
        module = importlib.import_module(info.name)
        for rule in _rule_classes(module):
            add(rule, info.name)
    for ep in _entry_point_objects():
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin must not take gaelint down
            print(f"gaelint: cannot load rule plugin {ep.name!r}: {exc}", file=sys.stderr)
            continue
        rules = [obj] if inspect.isclass(obj) else list(_rule_classes(obj))
        for rule in rules:
            add(rule, f"entry point {ep.name}")
    return tuple(found[c] for c in sorted(found))


def by_code() -> Dict[str, Type[Rule]]:
    return {r.code: r for r in all_rules()}


def get(code: str) -> Optional[Type[Rule]]:
    return by_code().get(code.upper())


def codes_matching(prefix: str) -> List[str]:
    """Codes selected by a code or prefix (``GAE1``, ``GAE10``, ``GAE103``)."""
    p = prefix.strip().upper()
    return [c for c in by_code() if c.startswith(p)]
