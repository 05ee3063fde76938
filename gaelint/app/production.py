"""The production model of one app, and what it makes of a finding.

Severity follows what production runs (RULES.md):

* a file no entry point reaches (tests, dev tools, a client the app serves
  as a file, vendored modules nothing imports) is information: info,
  saying why; where reached code loads modules by a name with a literal
  prefix that matches the file, warning at most, saying where;
* third-party code the app reaches (vendored in a ``sys.path`` directory,
  a symlink from outside the app, a package with its own licence or
  metadata, or a module only third-party code imports) is info unless the
  app's own code calls the function or method that holds the finding (the
  message names that call), or the finding runs when the module is
  imported;
* the app's own reached code keeps the rule's severity; a finding in a
  top-level function nothing in the app calls or names is a warning;
* every finding in reached code shows how production reaches it: the
  chain from the handler's line in the service yaml.

Import findings (GAE301/302/303) whose module the app provides after all
(a package's ``__path__`` extended, a helper that puts a directory on
``sys.path``, ``sys.modules`` aliases) are dropped; when a build step
fills a ``sys.path`` directory (missing from the checkout, or a placeholder
with no Python that a requirements file or ``pip install -t`` fills), or a
Bazel build supplies the third-party code (:mod:`.buildsteps`), an
undeclared pure-Python library is assumed to be vendored: info.
"""
from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Set, Tuple

from gaelint.findings import Finding, Severity, Step

from gaelint.knowledge import table

from . import buildsteps, catalogue
from . import graph as graph_mod
from .catalogue import LIBRARIES
from .entrypoints import EntryPoint, entry_points, other_runtime_entry_points
from .modules import ModuleIndex
from .thirdparty import ThirdParty

IMPORT_CODES = frozenset({"GAE301", "GAE302", "GAE303"})
THIRD_PARTY_C: Dict[str, dict] = table("third_party_c")["packages"]
_TEST_FILE = re.compile(r"(^|/)(tests?|testing)/|(^|/)(test_[^/]*|[^/]*_tests?|conftest|tests)\.py$")


@dataclass
class Production:
    root: Path
    index: ModuleIndex
    graph: graph_mod.Graph
    entries: List[EntryPoint]
    notes: List[str] = field(default_factory=list)
    facts_of: Callable[[str], dict] = None
    python_files: Set[str] = field(default_factory=set)
    _importers: Optional[Dict[str, List[Tuple[str, int]]]] = None
    _third: Optional[ThirdParty] = None
    # modules only services of another runtime run (their code is out of scope)
    other_runtime: Set[str] = field(default_factory=set)
    # sys.path directories a build step fills (missing, or placeholders)
    build_filled: List[buildsteps.FilledDir] = field(default_factory=list)
    bazel: Optional[str] = None     # the workspace marker of a Bazel-built app, relative to the app root
    _service_graphs: Dict[str, graph_mod.Graph] = field(default_factory=dict)   # one service yaml's entries

    # -- what a file is ---------------------------------------------------
    def third_party(self, rel: str) -> Optional[str]:
        """Why a file is third-party code, or None for the app's own."""
        if self._third is None:
            self._third = ThirdParty(self.root, self.index, self.graph)
        return self._third.why(rel)

    def importers(self, rel: str) -> List[Tuple[str, int]]:
        """Every file of the app that imports ``rel`` (reached or not)."""
        if self._importers is None:
            self._importers = {}
            for source in sorted(self.python_files):
                facts = self.facts_of(source)
                absolute = bool(facts.get("absolute_import"))
                for record in facts.get("imports", ()):
                    for name, must in graph_mod.import_candidates(self.index, source, record):
                        files, complete = self.index.resolve(name, source, absolute)
                        if must and not complete:
                            continue
                        for target in files:
                            if target != source:
                                self._importers.setdefault(target, []).append((source, record[0]))
        return self._importers.get(rel, [])

    def enclosing_def(self, rel: str, line: Optional[int]) -> Optional[list]:
        if line is None:
            return None
        best = None
        for d in self.facts_of(rel).get("defs", ()):
            if d[0] <= line <= d[1] and (best is None or d[0] >= best[0]):
                best = d
        return best

    def relpath(self, path) -> str:
        """A file's path relative to the model's root."""
        return Path(os.path.relpath(os.path.abspath(path), self.root)).as_posix()

    def chain(self, rel: str, graph: Optional[graph_mod.Graph] = None) -> Tuple[Step, ...]:
        steps = []
        for path, line, what in (graph or self.graph).chain(rel):
            steps.append(Step(Path(path) if os.path.isabs(path) else self.root / path, line, what))
        return tuple(steps)

    # -- a finding --------------------------------------------------------
    def judge(self, finding: Finding, rel: str) -> Optional[Finding]:
        """The finding as production sees it; None when it is not one."""
        if rel not in self.python_files:
            return finding
        if finding.code in IMPORT_CODES:
            verdict = self._import_verdict(finding, rel)
            if verdict is not True:
                return verdict or None
            if finding.cause and "@" in finding.cause:
                return self._service_verdict(finding, rel, finding.cause.rsplit("@", 1)[1])
        if not self.graph.entries:
            return finding      # no handler resolves: what production runs is unknown
        if not self.graph.reached(rel) and rel in self.other_runtime:
            return None         # code of a python3x (or other) service: out of scope, said in a note
        if not self.graph.reached(rel):
            return self._unreached(finding, rel)
        chain = self.chain(rel)
        finding = finding.with_(reached_from=chain)
        if finding.severity <= Severity.INFO:
            return finding
        why = self.third_party(rel)
        enclosing = self.enclosing_def(rel, finding.line)
        if finding.code in IMPORT_CODES and enclosing is None:
            edges = self.graph.edges.get(rel, ())
            entry_files = {f for _, files in self.graph.entries for f in files}
            if edges and rel not in entry_files and all(e.guarded for e in edges):
                return _lower(finding, Severity.INFO, f"handled: {edges[0].source}:"
                                                      f"{edges[0].line} imports this module inside "
                                                      "try/except ImportError")
        if why is not None:
            return self._third_party_finding(finding, rel, why, enclosing)
        if enclosing is not None and "." not in enclosing[2] and not enclosing[3]:
            users = self.graph.calls.get((rel, enclosing[2]))
            if not users and finding.severity > Severity.WARNING:
                return finding.with_(severity=Severity.WARNING, message=(
                    f"{finding.message} [nothing in the app calls or names `{enclosing[2]}()`, "
                    "though production imports this module]"))
        return finding

    def _service_verdict(self, finding: Finding, rel: str, yaml_names: str) -> Optional[Finding]:
        """A library other service yamls lack (``a.yaml|b.yaml``): an error
        where one's handlers import the module at start-up, info where only a
        function it may never run imports it, nothing where none goes."""
        lowered = None
        for yaml_name in yaml_names.split("|"):
            graph = self._service_graph(yaml_name)
            edges = graph.edges.get(rel, ())
            if not graph.reached(rel) or (edges and all(e.guarded for e in edges)):
                continue    # that service never loads it, or its import is inside try/except ImportError
            named = finding.with_(message=finding.message.replace(yaml_names, yaml_name),
                                  fix=finding.fix.replace(yaml_names, yaml_name), reached_from=self.chain(rel, graph))
            if rel in graph.unconditional and self.enclosing_def(rel, finding.line) is None:
                return named
            lowered = lowered or _lower(named, Severity.INFO,
                                        f"{yaml_name}'s handlers import this module only when a function runs")
        return lowered

    def _service_graph(self, yaml_name: str) -> graph_mod.Graph:
        graph = self._service_graphs.get(yaml_name)
        if graph is None:
            entries = [e for e in self.entries if e.service in (yaml_name, "")]    # "": appengine_config.py
            graph = self._service_graphs[yaml_name] = graph_mod.build(
                self.index, entries, self.facts_of, self.python_files, self.root)
        return graph

    def _unreached(self, finding: Finding, rel: str) -> Finding:
        dotted = self.index.dotted_name(rel) or ""
        for source, line, prefix in self.graph.dynamic:
            if self.third_party(rel) is not None:
                break
            if prefix and dotted.startswith(prefix):
                return _lower(finding, Severity.WARNING,
                              f"no handler imports it, but {source}:{line} loads modules named `{prefix}...`")
            if not prefix:          # __import__(name): the names the module spells are the candidates
                named = self.graph.loadable.get(source, {})
                beside = posixpath.dirname(source) == posixpath.dirname(rel)    # an implicit relative import
                text = dotted if dotted in named else (dotted.rsplit(".", 1)[-1] if beside else None)
                if text in named:
                    return _lower(finding, Severity.WARNING,
                                  f"no handler imports it, but {source}:{line} loads modules by a computed "
                                  f"name, and {source}:{named[text]} names `{text}`")
        if _TEST_FILE.search(rel):
            why = "a test module, which no handler imports"
        else:
            importers = [s for s, _ in self.importers(rel)]
            if importers:
                shown = ", ".join(f"`{s}`" for s in sorted(set(importers))[:2])
                more = " and others" if len(set(importers)) > 2 else ""
                why = f"only imported by {shown}{more}, which no handler reaches"
            else:
                why = "uploaded, but no handler imports it"
        return _lower(finding, Severity.INFO, f"not reached in production: {why}")

    def _third_party_finding(self, finding: Finding, rel: str, why: str, enclosing) -> Finding:
        if enclosing is None:
            if rel in self.graph.unconditional:
                return finding          # runs when the module is imported
            edge = self.graph.via.get(rel)
            where = f" (imported inside a function at {edge.source}:{edge.line})" if edge else ""
            return _lower(finding, Severity.INFO, f"third-party code ({why}) loaded only when a function "
                                                  f"that imports it runs{where}")
        qualname = enclosing[2]
        head, _, rest = qualname.partition(".")
        users = [u for u in self.graph.calls.get((rel, head), ()) if not self.third_party(u[0])]
        if users and rest:
            method = rest.split(".")[0]
            callers = [f for f in self.graph.methods.get(method, ()) if not self.third_party(f)]
            if not (method.startswith("__") or callers):
                users = []
        if users:
            source, line = users[0]
            return finding.with_(message=f"{finding.message} [third-party code ({why}); the app uses "
                                         f"`{head}` at {source}:{line}]")
        return _lower(finding, Severity.INFO, f"third-party code ({why}) that production imports, "
                                              f"but the app's own code never calls `{qualname}`")

    def _import_verdict(self, finding: Finding, rel: str):
        """True: judge it like any finding; a Finding: this instead; False: drop it."""
        facts = self.facts_of(rel)
        absolute = bool(facts.get("absolute_import"))
        modules = _cause_modules(finding.cause)
        for record in facts.get("imports", ()):
            if record[0] != finding.line:
                continue
            for name, _ in graph_mod.import_candidates(self.index, rel, record):
                for module in modules:
                    if name == module or name.startswith(module + "."):
                        # the app ships the package where production finds it
                        files, complete = self.index.resolve(module, rel, absolute)
                        if complete and files:
                            return False
        library = (finding.cause or "").partition(":")[2] if (finding.cause or "").startswith("library:") else ""
        if finding.code != "GAE302" or LIBRARIES.get(library, {}).get("c_extension"):
            return True         # compiled code: vendoring cannot provide it
        if self.build_filled:
            first = self.build_filled[0]
            shown = ", ".join(f"`{d.path}/`" for d in self.build_filled[:2])
            names = (library, *catalogue.pip_names_of(library))
            return _lower(finding, Severity.INFO, f"assumed vendored in {shown}, which {first.state}: "
                                                  f"{first.filled_by(names)}")
        if self.bazel is not None:
            return _lower(finding, Severity.INFO, f"assumed supplied by the Bazel build (`{self.bazel}`): its "
                                                  "third-party packages come from the workspace, not the checkout")
        return True


def _cause_modules(cause: Optional[str]) -> Tuple[str, ...]:
    """The modules an import finding is about, from its cause
    (``library:lxml``, ``module:sqlite3``, ``package:psycopg2``)."""
    kind, _, key = (cause or "").partition(":")
    if kind == "library":
        return tuple(LIBRARIES.get(key, {}).get("imports", ()))
    if kind == "package":
        return tuple(THIRD_PARTY_C.get(key, {}).get("imports", ()))
    return (key,) if key else ()


def _lower(finding: Finding, ceiling: Severity, why: str) -> Finding:
    """At most ``ceiling``, with the reason in the message."""
    return finding.with_(severity=min(finding.severity, ceiling), message=f"{finding.message} [{why}]")


def build(app, files: List[str], python_files: Set[str], facts_of: Callable[[str], dict],
          root: Optional[Path] = None) -> Production:
    """The production model of an app (an AppContext) from its files
    (relative to ``root``, the app root unless its handlers import from an
    ancestor) and the facts of its Python files."""
    root = root or app.root
    workspace = buildsteps.bazel_workspace(app.root, files)
    index = ModuleIndex(files, root, implicit_packages=workspace is not None)
    entries, notes = entry_points(app.app, app.root)
    graph = graph_mod.build(index, entries, facts_of, python_files, root)
    production = Production(root, index, graph, entries, notes, facts_of, python_files)
    others = other_runtime_entry_points(app.app)
    if others:
        other_graph = graph_mod.build(index, others, facts_of, python_files, root)
        production.other_runtime = set(other_graph.via)
    if entries and not graph.entries and any(not e.sdk for e in entries):
        production.notes.append("no handler script resolves in the checkout, so gaelint cannot tell which code "
                                "production runs: every finding keeps its rule's severity")
    if workspace is not None:
        production.bazel = Path(os.path.relpath(workspace, app.root)).as_posix()
    production.build_filled = buildsteps.filled_dirs(app.root, root, index.missing_roots, index.empty_roots)
    if index.missing_roots:
        production.notes.append(
            f"{', '.join(m + '/' for m in index.missing_roots)} is put on sys.path but is not in the checkout "
            "(a build step fills it): imports of libraries it may hold are assumed vendored")
    for filled in production.build_filled:
        if filled.in_checkout:
            production.notes.append(f"{filled.path}/ is put on sys.path and {filled.state} ({filled.filled_by()}):"
                                    " imports of libraries it may hold are assumed vendored")
    if workspace is not None:
        production.notes.append(
            f"built with Bazel (`{production.bazel}`): the build creates the "
            "missing `__init__.py` files, so directories holding Python are packages, and imports of libraries "
            "the checkout lacks are assumed to come from the workspace")
    return production


FACTS_NAME = "module-facts"     # the fact cache's name (shared with the engine's workers)


def facts_from_file(path: Path) -> dict:
    from gaelint import source
    from gaelint.analysis import facts

    data, problem = source.read(path)
    if problem is not None or data is None:
        return facts.empty()
    return facts.extract(source.load_bytes(path, data, validate_only=True).tree)


def model_of(app, known: Dict[str, dict], python_files: Set[str]) -> Production:
    """The production model of an AppContext; ``known`` holds facts the
    workers already computed (paths relative to the app root), the rest are
    read (and cached by content). When the app's handlers import from an
    ancestor of its root (``import_root``), the model's paths are relative
    to that ancestor and hold its other modules too."""
    def compute() -> Production:
        root = getattr(app.app, "import_root", None) or app.root
        prefix = "" if root == app.root else Path(os.path.relpath(app.root, root)).as_posix() + "/"
        files = []
        for path in app.deploy.files:
            try:
                files.append(prefix + app.deploy.relpath(path))
            except ValueError:
                continue
        pythons = {prefix + rel for rel in python_files}
        facts = {prefix + rel: value for rel, value in known.items()}
        if prefix:
            outside = _files_under(root, skip=app.root)
            files += outside
            pythons |= {f for f in outside if f.endswith(".py")}

        def facts_of(rel: str) -> dict:
            found = facts.get(rel)
            if found is None:
                found = app.file_fact(root / rel, FACTS_NAME, facts_from_file)
                facts[rel] = found
            return found

        return build(app, files, pythons, facts_of, root)
    return app.memo("production", compute)


_SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "node_modules", "__pycache__", ".venv", "venv",
                        "bazel-out", "bazel-bin", "bazel-testlogs"})
_MAX_FILES = 200000


def _files_under(root: Path, skip: Path) -> List[str]:
    """Every file below ``root`` but those under ``skip`` (relative paths)."""
    out: List[str] = []
    skip_text = str(skip)
    for directory, dirs, names in os.walk(root):
        if directory == skip_text:
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and os.path.join(directory, d) != skip_text)
        rel = os.path.relpath(directory, root)
        base = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        out.extend(base + n for n in sorted(names))
        if len(out) > _MAX_FILES:
            break
    return out
