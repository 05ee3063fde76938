"""The import graph from the entry points: which files production runs,
and how it gets there.

Starting from the entry points (:mod:`.entrypoints`), a module reaches
what it imports (module level or inside functions, ``__import__('x')``
with a literal) and the app modules it names in strings that frameworks
import by name (webapp2 lazy handlers, Django's settings module, URLconfs,
views and installed apps). What only runs off
App Engine (``if __name__ == '__main__':``, development-server checks)
reaches nothing. The ``sys.path`` and ``__path__`` edits and
``sys.modules`` aliases of reached code (at module level, or in a function
that reached code calls) change where imports resolve, so the walk is
repeated until they stop changing anything.

Everything here reads the per-file facts (:mod:`gaelint.analysis.facts`),
so it is recomputed on every run from cached inputs, cheaply.
"""
from __future__ import annotations

import os
import posixpath
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Set, Tuple

from gaelint.analysis import paths
from gaelint.analysis.facts import OFF, TRY

from .entrypoints import EntryPoint
from .modules import ModuleIndex

_MAX_ROUNDS = 6
Facts = Dict[str, object]


@dataclass(frozen=True)
class Edge:
    source: str             # the importing file
    line: int
    what: str               # the module name as imported
    conditional: bool       # inside a function: runs only when that function does
    guarded: bool = False   # inside `try:` whose `except ImportError` carries on


@dataclass
class Graph:
    index: ModuleIndex
    entries: List[Tuple[EntryPoint, List[str]]] = field(default_factory=list)
    unresolved: List[EntryPoint] = field(default_factory=list)
    via: Dict[str, Optional[Edge]] = field(default_factory=dict)      # reached file -> first edge (None: entry)
    entry_of: Dict[str, EntryPoint] = field(default_factory=dict)
    unconditional: Set[str] = field(default_factory=set)             # reached through module-level imports
    edges: Dict[str, List[Edge]] = field(default_factory=dict)       # target -> edges into it (reached sources)
    dynamic: List[Tuple[str, int, str]] = field(default_factory=list)  # (file, line, literal prefix)
    loadable: Dict[str, Dict[str, int]] = field(default_factory=dict)  # file loading by computed names -> its name strings
    uncertain: List[Tuple[str, int]] = field(default_factory=list)   # sys.path edits with unknown paths
    calls: Dict[Tuple[str, str], List[Tuple[str, int]]] = field(default_factory=dict)  # (file, attr) -> users
    methods: Dict[str, List[str]] = field(default_factory=dict)     # method name -> files calling it
    recorded: Set[str] = field(default_factory=set)

    def reached(self, rel: str) -> bool:
        return rel in self.via

    def chain(self, rel: str) -> List[Tuple[str, Optional[int], str]]:
        """(path, line, what) from the entry point's yaml line to ``rel``."""
        steps = []
        seen = set()
        current = rel
        while current in self.via and current not in seen:
            seen.add(current)
            edge = self.via[current]
            if edge is None:
                entry = self.entry_of[current]
                steps.append((str(entry.config), entry.line, entry.script))
                break
            steps.append((edge.source, edge.line, edge.what))
            current = edge.source
        return list(reversed(steps))


def import_candidates(index: ModuleIndex, rel: str, record: list) -> List[Tuple[str, bool]]:
    """(dotted name, must be a module) for one import fact."""
    _, module, level, names, _, _ = record
    if level:
        base = index.relative(rel, level, module)
        if base is None:
            return []
        return [(base, bool(module))] + [(f"{base}.{n}", True) for n in names or () if n != "*"]
    out = [(module, False)]
    out += [(f"{module}.{n}", True) for n in names or () if n != "*"]
    return out


class _Builder:
    def __init__(self, index: ModuleIndex, entries: List[EntryPoint], facts_of: Callable[[str], Facts],
                 python_files: Set[str], root=None):
        self.root = root
        self.index = index
        self.entries = entries
        self.facts_of = facts_of
        self.python_files = python_files

    def run(self) -> Graph:
        graph = Graph(self.index)
        for _ in range(_MAX_ROUNDS):
            graph = Graph(self.index)
            self._walk(graph)
            if not self._apply_edits(graph):
                break
        return graph

    # -- the walk ----------------------------------------------------------
    def _resolve_entry(self, entry: EntryPoint) -> Optional[List[str]]:
        if entry.script == "appengine_config":
            rel = posixpath.normpath(os.path.relpath(entry.config, self.root).replace(os.sep, "/")) \
                if self.root is not None else "appengine_config.py"
            return [rel] if rel in self.python_files else None
        if entry.cgi:
            rel = entry.script[2:] if entry.script.startswith("./") else entry.script
            if self.root is not None:       # CGI paths are the app root's; the model's root may be above it
                rel = posixpath.normpath(os.path.relpath(os.path.join(os.path.dirname(entry.config), rel),
                                                         self.root).replace(os.sep, "/"))
            return [rel] if rel in self.python_files else None
        parts = entry.script.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            files, complete = self.index.resolve(".".join(parts[:cut]))
            if complete and files:
                return files
        return None

    def _walk(self, graph: Graph) -> None:
        queue = deque()
        for entry in self.entries:
            if entry.sdk:
                continue
            files = self._resolve_entry(entry)
            if files is None:
                graph.unresolved.append(entry)
                continue
            graph.entries.append((entry, files))
            for f in files:
                if f not in graph.via:
                    graph.via[f] = None
                    graph.entry_of[f] = entry
                    graph.unconditional.add(f)
                    queue.append(f)
        # Unconditional edges first, so chains prefer module-level imports.
        self._bfs(graph, queue, conditional=False)
        queue.extend(graph.via)
        self._bfs(graph, queue, conditional=True)

    def _bfs(self, graph: Graph, queue, conditional: bool) -> None:
        done = set()
        while queue:
            rel = queue.popleft()
            if rel in done:
                continue
            done.add(rel)
            for edge, target in self._edges(rel, graph):
                if edge.conditional and not conditional:
                    continue
                if target not in graph.via:
                    graph.via[target] = edge
                    queue.append(target)
                if not edge.conditional and rel in graph.unconditional and target not in graph.unconditional:
                    graph.unconditional.add(target)
                    queue.append(target)
                    done.discard(target)

    def _edges(self, rel: str, graph: Graph):
        facts = self.facts_of(rel)
        absolute = bool(facts.get("absolute_import"))
        out = []
        for record_ in facts.get("imports", ()):
            line, _, _, _, where, scope = record_
            if where == OFF:
                continue
            for name, must_be_module in import_candidates(self.index, rel, record_):
                files, complete = self.index.resolve(name, rel, absolute)
                if must_be_module and not complete:
                    continue
                for target in files:
                    if target != rel:
                        out.append((Edge(rel, line, name, bool(scope), where == TRY), target))
        for line, text, where, scope in facts.get("refs", ()):
            if where == OFF:
                continue
            if text.endswith(".*"):         # every module of a package (Django's templatetags)
                for name in self.index.submodules(text[:-2]):
                    files, complete = self.index.resolve(name)
                    if complete:
                        out += [(Edge(rel, line, name, bool(scope)), t) for t in files if t != rel]
                continue
            parts = text.split(".")
            for cut in range(len(parts), 0, -1):
                files, complete = self.index.resolve(".".join(parts[:cut]))
                if complete and files:
                    out += [(Edge(rel, line, text, bool(scope)), t) for t in files if t != rel]
                    if cut < len(parts):     # 'jobs.find_missing' names a function of jobs.py
                        graph.calls.setdefault((files[-1], parts[cut]), []).append((rel, line))
                    break
        if rel not in graph.recorded:
            graph.recorded.add(rel)
            for target_edge in out:
                graph.edges.setdefault(target_edge[1], []).append(target_edge[0])
            for line, prefix, where, _ in facts.get("dynamic", ()):
                if where != OFF:
                    graph.dynamic.append((rel, line, prefix))
                    graph.loadable[rel] = {text: at for at, text in reversed(facts.get("loadable", ()))}
            self._record_calls(rel, facts, graph, absolute)
        return out

    def _record_calls(self, rel: str, facts: Facts, graph: Graph, absolute: bool) -> None:
        for line, target, where, _ in facts.get("calls", ()):
            if where == OFF:
                continue
            if target.startswith(":"):
                graph.calls.setdefault((rel, target[1:].split(".")[0]), []).append((rel, line))
                continue
            if target.startswith("."):
                level = len(target) - len(target.lstrip("."))
                base = self.index.relative(rel, level, "")
                if base is None:
                    continue
                target = f"{base}.{target.lstrip('.')}"
            parts = target.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                files, complete = self.index.resolve(".".join(parts[:cut]), rel, absolute)
                if complete and files:
                    graph.calls.setdefault((files[-1], parts[cut]), []).append((rel, line))
                    break
        for name in facts.get("methods", ()):
            graph.methods.setdefault(name, []).append(rel)

    # -- sys.path, __path__ and sys.modules edits of reached code ----------
    def _apply_edits(self, graph: Graph) -> bool:
        changed = False
        for rel in list(graph.via):
            facts = self.facts_of(rel)
            module_dir = posixpath.dirname(rel)
            for line, kind, package, value, where, scope in facts.get("edits", ()):
                if where == OFF:
                    continue
                if scope and (rel, scope.split(".")[0]) not in graph.calls:
                    continue            # a function nobody calls
                if kind == "alias":
                    changed |= self._alias(rel, package, value)
                    continue
                if value is None:
                    graph.uncertain.append((rel, line))
                    continue
                target = paths.resolve(value, module_dir)
                if target is None:
                    continue
                if kind == "syspath":
                    before = list(self.index.roots)
                    self.index.add_root(target)
                    changed |= before != self.index.roots
                elif kind == "pkgpath" and package:
                    before = list(self.index.package_dirs.get(package, ()))
                    self.index.extend_package(package, target)
                    changed |= before != self.index.package_dirs.get(package, [])
        return changed

    def _alias(self, rel: str, name: str, value: str) -> bool:
        if name in self.index.aliases or value == "@unknown":
            return False
        if value in ("@__package__", "@__name__"):
            target = rel if value == "@__name__" or rel.endswith("/__init__.py") else \
                posixpath.join(posixpath.dirname(rel), "__init__.py")
            self.index.alias(name, target if target in self.python_files else None)
        elif value == "@empty":
            self.index.alias(name, None)
        else:
            files, complete = self.index.resolve(value, rel)
            if not (complete and files):
                return False
            self.index.alias(name, files[-1])
        return True


def build(index: ModuleIndex, entries: List[EntryPoint], facts_of: Callable[[str], Facts],
          python_files: Set[str], root=None) -> Graph:
    return _Builder(index, entries, facts_of, python_files, root).run()
