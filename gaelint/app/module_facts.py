"""What the app's own modules define, for values that cross files.

``from settings import MAIL_PORT``, ``app.config.from_object('config.Defaults')``
and ``class Popen(subprocess.Popen)`` in utils/subprocess2.py all name
something another module of the app defines. Per module, two facts: its
classes' bases (qualified names as that module resolves them), asked for
whenever a rule follows a class, so read with Python's own ``ast`` (a
Python 2 file rewritten first, without a libcst tree); and its module-level
constants and classes' attributes, asked for only when a rule wants a
value. Each depends on that file's bytes alone, so it is computed once per
run and cached by content (``AppContext.file_fact``).

:class:`AppFacts` answers the questions of one checked file
(:class:`gaelint.analysis.values.Externals`) and records the files it read:
the findings of the checked file depend on them (the result cache keys on
them too). Only the app's own modules are read, never vendored ones (lib/),
and only a file's module-level statements and class bodies count.
"""
from __future__ import annotations

import ast
import os
import posixpath
import re
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from gaelint.lazycst import cst

from gaelint import reading, source
from gaelint.analysis import names, walk
from gaelint.analysis.context import FileContext, resolve_qualname
from gaelint.analysis.values import Externals

from .vendoring import app_modules

CONSTANTS = "module-constants-1"
CLASSES = "module-classes-1"
MAX_BYTES = 1_000_000        # a generated data module is not where settings live
_MAX_DEPTH = 6
_CLASS_NAMES = re.compile(rb"^class[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.M)
_CLASS_BASES = re.compile(rb"^[ \t]*class[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(([^)]*)\)", re.M)
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def encode(value: Any) -> Any:
    """A value as JSON (tuples and dicts tagged, so they come back as such);
    raises TypeError for anything else (bytes, sets)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"t": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"d": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(type(value).__name__)


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return tuple(decode(v) for v in value["t"])
        return {decode(k): decode(v) for k, v in value["d"]}
    return value


def _encoded(values: Optional[List[Any]]) -> Optional[List[Any]]:
    if not values:
        return None
    try:
        return [encode(v) for v in values]
    except TypeError:
        return None


def _read(path: Path) -> Optional[bytes]:
    try:
        return reading.read_bytes(path, MAX_BYTES)      # a regular file, never a FIFO
    except OSError:
        return None


def class_facts(path: Path) -> Dict[str, List[str]]:
    """{Class: [qualified bases]} of the module-level classes of a module."""
    data = _read(path)
    text = source.python3_text(data) if data is not None else None
    if text is None:
        return {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    imports: Dict[str, str] = {}
    classes: Dict[str, ast.ClassDef] = {}
    for node in _module_level(tree.body):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    imports[a.asname] = names.canonical(a.name)
                else:
                    imports[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            module = "." * node.level + (node.module or "")
            for a in node.names:
                full = f"{module}.{a.name}" if not module.endswith(".") else module + a.name
                imports[a.asname or a.name] = full if node.level else names.canonical(full)
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = node
    out: Dict[str, List[str]] = {}
    for name, node in classes.items():
        out[name] = []
        _ast_bases(node, imports, classes, out[name], 0)
    return out


def _module_level(body):
    """Statements that run at module level, inside if/try blocks too."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try)):
            for block in (node.body, node.orelse, getattr(node, "finalbody", []),
                          *[h.body for h in getattr(node, "handlers", [])]):
                yield from _module_level(block)


def _ast_bases(node: ast.ClassDef, imports, classes, out: List[str], depth: int) -> None:
    """The bases of a class as walk's resolution spells them: imported
    names through their import, bases defined in the module flattened."""
    for base in node.bases:
        parts = []
        while isinstance(base, ast.Attribute):
            parts.append(base.attr)
            base = base.value
        if not isinstance(base, ast.Name):
            continue
        if not parts and base.id in classes and depth < _MAX_DEPTH and base.id not in imports:
            _ast_bases(classes[base.id], imports, classes, out, depth + 1)
        elif base.id in imports:
            out.append(names.canonical(".".join([imports[base.id], *reversed(parts)])))


def constant_facts(path: Path) -> Dict[str, Any]:
    """{'constants': {name or Class.attr: [values]}, 'star': [modules]} of
    one module (JSON-able)."""
    out: Dict[str, Any] = {"constants": {}, "star": []}
    data = _read(path)
    if data is None:
        return out
    src = source.load_bytes(path, data)
    if src.module is None:
        return out
    try:
        model = walk.build(src.module, (), resolve_qualname)
    except RecursionError:
        return out
    ctx = FileContext(src, None, model, "")
    scope = model.module_scope
    out["star"] = list(scope.star_modules)
    try:
        for name, bindings in scope.names.items():
            if len(bindings) == 1 and bindings[0].kind == "class":
                node = bindings[0].value
                for attr in _class_attrs(model, node):
                    found = _encoded(ctx.class_attribute(node, attr))
                    if found is not None:
                        out["constants"][f"{name}.{attr}"] = found
            elif all(b.kind in ("assign", "import") for b in bindings):
                found = _encoded(ctx.module_constant(name))
                if found is not None:
                    out["constants"][name] = found
    except RecursionError:      # absurdly nested values: what was found so far stands
        pass
    return out


def _class_attrs(model, node, depth: int = 0) -> Set[str]:
    """Names bound in a class body and in the bodies of its bases defined
    in the same module."""
    class_scope = model.class_scopes.get(node)
    if class_scope is None or depth > _MAX_DEPTH:
        return set()
    names = {n for n, bs in class_scope.names.items() if all(b.kind == "assign" for b in bs)}
    for base in node.bases:
        if isinstance(base.value, cst.Name):
            found, _ = walk.lookup(class_scope.parent, base.value.value)
            if found and len(found) == 1 and found[0].kind == "class":
                names |= _class_attrs(model, found[0].value, depth + 1)
    return names


# A monorepo's services share most files (luci-py: 70 services over one
# components/ tree): each file is read once per run while its stat (with
# ctime, which no user-level call can set back) is unchanged. Across runs the
# engine keeps the settled entries in its cache (reading.settled, as
# engine.filehashes does for hashes): a pre-commit run over one changed file
# then reads no other file of the app for its class words.
_StatKey = Tuple[int, int, int, int, int]
_ClassWords = Tuple[Tuple[bytes, Tuple[bytes, ...]], ...]
_CLASS_WORDS_OF: Dict[_StatKey, _ClassWords] = {}
_SETTLED: Dict[_StatKey, _ClassWords] = {}      # read this run, safe to remember


_REMEMBERED: List[Callable[[], Dict[_StatKey, _ClassWords]]] = []


def remember_class_words_from(load: Callable[[], Dict[_StatKey, _ClassWords]]) -> None:
    """Where the class words a previous run remembered come from, read on
    the first file whose words are not known (a warm run never asks)."""
    _REMEMBERED[:] = [load]


def settled_class_words() -> Dict[_StatKey, _ClassWords]:
    """The class words read this run from files whose ctime was over two
    seconds older than the read (a later write always changes the stat)."""
    return dict(_SETTLED)


def _file_class_words(path: Path) -> _ClassWords:
    """((class name, words of its bases), ...) of one file."""
    try:
        st = os.stat(path)
    except OSError:
        return ()
    key = reading.stat_key(st)      # one entry per file, however linked
    found = _CLASS_WORDS_OF.get(key)
    if found is None and _REMEMBERED:
        _CLASS_WORDS_OF.update(_REMEMBERED.pop()())
        found = _CLASS_WORDS_OF.get(key)
    if found is None:
        read_at = time.time_ns()
        data = _read(path)
        found = () if data is None or b"class" not in data else tuple(
            (name, tuple(_WORD.findall(bases))) for name, bases in _CLASS_BASES.findall(data))
        if len(_CLASS_WORDS_OF) > 200_000:
            _CLASS_WORDS_OF.clear()
            _SETTLED.clear()
        _CLASS_WORDS_OF[key] = found
        if data is not None and reading.settled(path, st, read_at):
            _SETTLED[key] = found
    return found


def class_words(app) -> Dict[bytes, frozenset]:
    """{class name: every word its bases are spelled with, transitively}
    for the classes the app's own modules define (read from their bytes).
    A file that names ``Worker`` may construct a ``multiprocessing.Process``
    through it: the engine's textual prefilter reads the file as if it
    named those words too. Computed once per app."""
    def compute() -> Dict[bytes, frozenset]:
        mods = app_modules(app)
        direct: Dict[bytes, Set[bytes]] = {}
        for rel in mods.files:
            if not rel.endswith(".py") or mods.in_site_dir(rel):
                continue
            for name, words in _file_class_words(app.deploy.root / rel):
                direct.setdefault(name, set()).update(words)
        out: Dict[bytes, frozenset] = {}
        for name in direct:
            seen, todo = set(), [name]
            while todo:
                for word in direct.get(todo.pop(), ()):
                    if word not in seen:
                        seen.add(word)
                        todo.append(word)
            out[name] = frozenset(seen)
        return out
    return app.memo("module_facts.class_words", compute)


_PER_RUN: List[Dict[_StatKey, Any]] = []


def new_run() -> None:
    """A run begins: what :func:`_once_per_file` computed is forgotten."""
    for memo in _PER_RUN:
        memo.clear()


def _once_per_file(compute: Callable[[Path], Any]) -> Callable[[Path], Any]:
    """``compute`` (a fact of a file's bytes alone), computed once per run
    however many apps ask for it: the services of a monorepo share modules
    (luci-py: 70 over one components/ tree), and each app's memo would parse
    them again. Keyed by the file's stat within the run (:func:`new_run`)."""
    memo: Dict[_StatKey, Any] = {}
    _PER_RUN.append(memo)

    def shared(path: Path) -> Any:
        try:
            st = os.stat(path)
        except OSError:
            return compute(path)
        key = reading.stat_key(st)
        if key not in memo:
            if len(memo) > 50_000:
                memo.clear()
            memo[key] = compute(path)
        return memo[key]
    return shared


_SHARED = {CLASSES: _once_per_file(class_facts), CONSTANTS: _once_per_file(constant_facts)}


class AppFacts(Externals):
    """The app's other modules, as one checked file (``relpath``) sees them."""

    def __init__(self, app, relpath: str):
        self.app = app
        self.relpath = relpath
        self.deps: Set[str] = set()          # relative paths of the files read
        self._located: Dict[str, Any] = {}

    def _locate(self, dotted: str, importer: Optional[str] = None):
        key = (dotted, importer)
        if key not in self._located:
            self._located[key] = app_modules(self.app).locate(dotted, importer or self.relpath)
        return self._located[key]

    def _facts(self, rel: str, name: str = CONSTANTS) -> Dict[str, Any]:
        self.deps.add(rel)
        return self.app.file_fact(self.app.deploy.root / rel, name, _SHARED[name])

    def _absolute(self, name: str, module_rel: str) -> str:
        """A name as module ``module_rel`` resolves it ('.base.X', or
        'helpers.X' beside it in its package), as the app root spells it."""
        found = self._locate(name, module_rel)
        if found is None:
            return name
        rel, rest = found
        module = rel[:-len("/__init__.py")] if rel.endswith("/__init__.py") else rel[:-len(".py")]
        return ".".join([*module.split("/"), *rest])

    def constant(self, dotted: str, _depth: int = 0, _importer: Optional[str] = None) -> Optional[List[Any]]:
        found = self._locate(dotted, _importer)
        if found is None or _depth > _MAX_DEPTH:
            return None
        rel, rest = found
        if not rest or len(rest) > 2:
            return None
        facts = self._facts(rel)
        key = ".".join(rest)
        if key in facts["constants"]:
            return [decode(v) for v in facts["constants"][key]]
        if len(rest) == 1:
            for module in facts["star"]:        # from base_settings import *
                inherited = self.constant(f"{module}.{rest[0]}", _depth + 1, rel)
                if inherited is not None:
                    return inherited
        else:                                   # class Production(base.Defaults)
            for base in self._facts(rel, CLASSES).get(rest[0], ()):
                inherited = self.constant(f"{self._absolute(base, rel)}.{rest[1]}", _depth + 1, rel)
                if inherited is not None:
                    return inherited
        return None

    def _module_level_classes(self, rel: str) -> Set[str]:
        """Names of the classes a module defines at module level, read from
        its bytes: most names a file calls through a module are functions,
        and those must not cost a parse of that module."""
        def compute() -> Set[str]:
            try:
                data = reading.read_bytes(self.app.deploy.root / rel, 32_000_000)
            except OSError:
                return set()
            return {m.decode("ascii") for m in _CLASS_NAMES.findall(data)}
        return self.app.memo(f"module_facts.classes:{rel}", compute)

    def class_bases(self, dotted: str) -> Optional[List[str]]:
        found = self._locate(dotted)
        if found is None:
            return None
        rel, rest = found
        if len(rest) != 1 or rest[0] not in self._module_level_classes(rel):
            return None
        bases = self._facts(rel, CLASSES).get(rest[0])
        if bases is None:
            return None
        return [self._absolute(b, rel) for b in bases]

    def file_fact(self, relpath: str, name: str, compute: Callable[[Path], Any]) -> Any:
        relpath = posixpath.normpath(relpath).lstrip("/")
        if not self.app.deploy.is_deployed(relpath):
            return None
        self.deps.add(relpath)
        return self.app.file_fact(self.app.deploy.root / relpath, name, compute)
