"""Which modules a trigger word needs: the exact second step of the prefilter.

A rule's ``triggers`` are words: a file that spells none of them cannot
make the rule fire, so it is not parsed by libcst for that rule. On real
code the words are everywhere (``copy``, ``run``, ``save``, ``open``), and
most files that spell them never use the module function they stand for.
A rule that only ever resolves a word as a *module's* name
(``shutil.copy``, ``subprocess.call``, a ``zipfile.ZipFile``'s
``extractall``) can say so; the word then only counts in a file that
imports one of those modules, read from the file's facts (CPython's ast,
built anyway).

Why that is exact: rules resolve names through
:func:`gaelint.analysis.context.resolve_qualname` and ``origin``, and every
name they resolve starts at an import of the file (any spelling: ``import
x as y``, ``from x import *``, ``__import__('x')``, the aliases of
``module_aliases.json`` such as ``six.moves``), at a builtin, or at a class
of another module of the app. Hence:

* a builtin (root ``__builtin__``) counts where the file's ast uses the
  word as a name that nothing the walk binds hides, other than in a call
  that cannot write (``open(path)``, ``open(path, 'rb')``):
  :func:`builtins_used` (without the ast, it always counts);
* a class of another module of the app may derive from what the rule looks
  for, imported there and not here: the rule stays when a word of the
  engine's class words (what the bases of a class the file names are spelled
  with) or of the bases the file's app classes resolve to
  (:func:`imported_names_used`, :func:`lineage_words`, as
  ``FileContext.lineage`` follows them) belongs to
  the rule's names (``related``).

Rules that fire on import statements only (GAE301-303) say so with
``triggers_in_imports``: their words count only as parts of an imported
name.
"""
from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Iterable, Mapping, Optional, Set, Tuple

from .astutil import dotted, target_names
from .names import aliases, canonical

BUILTIN = "__builtin__"
_PARTS = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True)
class ModuleTriggers:
    """``roots``: trigger word -> the module roots one of which the file
    must import for the word to mean what the rule looks for.
    ``related``: every part of every name the rule keys on; a class of the
    app whose bases are spelled with one of them keeps the rule."""

    roots: Mapping[str, FrozenSet[str]]
    related: FrozenSet[str]
    builtin_modes: Mapping[str, "ModeArgument"] = field(default_factory=dict)


def module_triggers(names: Iterable[str], methods: Mapping[str, Iterable[str]] = (),
                    builtin_modes: Optional[Mapping[str, "ModeArgument"]] = None) -> ModuleTriggers:
    """From the dotted names a rule resolves (``os.remove``,
    ``__builtin__.open``; the word is the last part, the module the first)
    and from ``methods``: method word -> the dotted names of the objects it
    counts on (``{'extractall': ['zipfile.ZipFile', 'tarfile.open']}``).
    ``builtin_modes``: for a builtin that only matters when it writes, where
    its mode goes (a call with a literal mode that cannot write is no use)."""
    roots: Dict[str, Set[str]] = {}
    related: Set[str] = set()
    for name in names:
        parts = _PARTS.findall(name)
        roots.setdefault(parts[-1], set()).add(parts[0])
        related.update(parts)
    for word, receivers in dict(methods).items():
        for receiver in receivers:
            parts = _PARTS.findall(receiver)
            roots.setdefault(word, set()).add(parts[0])
            related.update(parts)
        related.add(word)
    return ModuleTriggers({w: frozenset(r) for w, r in roots.items()}, frozenset(related), dict(builtin_modes or {}))


@functools.lru_cache(maxsize=1)
def _alias_roots() -> Dict[str, Set[str]]:
    """Root of an import -> roots of what its aliased names stand for
    (``six`` -> ``urllib2``, ``__builtin__``, ...)."""
    out: Dict[str, Set[str]] = {}
    for key, target in aliases().items():
        out.setdefault(key.split(".")[0], set()).add(target.split(".")[0])
    return out


def imported(file_facts: Mapping) -> Tuple[FrozenSet[str], FrozenSet[str]]:
    """(module roots the file's names can resolve to, every part of every
    imported name) from the file's facts (:mod:`.facts`: ``imports`` holds
    every import statement at any depth and ``__import__('x')``)."""
    alias_roots = _alias_roots()
    roots: Set[str] = set()
    parts: Set[str] = set()
    for _line, module, level, names, *_ in file_facts.get("imports", ()):
        module_parts = module.split(".") if module else []
        parts.update(module_parts)
        for name in names or ():
            parts.update(name.split("."))
        if level or not module_parts:
            continue            # relative: a module of the app, never a library's
        root = module_parts[0]
        roots.add(root)
        roots.update(alias_roots.get(root, ()))
    return frozenset(roots), frozenset(parts)


def imported_names_used(tree: ast.Module) -> FrozenSet[str]:
    """Every dotted name the file may resolve through its imports, as the
    walk does: each use of a name (``utils.Arch``) joined to every import
    that binds its first part anywhere in the file, whatever the order (an
    import at the bottom of a module serves the functions above it), and
    every imported name itself."""
    binds: Dict[str, Set[str]] = {}
    uses: Set[str] = set()
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Import:
            for a in node.names:
                local = a.asname or a.name.split(".")[0]
                binds.setdefault(local, set()).add(a.name if a.asname else local)
        elif kind is ast.ImportFrom:
            module = "." * node.level + (node.module or "")
            for a in node.names:
                if a.name != "*":
                    full = f"{module}.{a.name}" if not module.endswith(".") and module else module + a.name
                    binds.setdefault(a.asname or a.name, set()).add(full)
        elif kind is ast.Attribute or kind is ast.Name:
            name = dotted(node)
            if name is not None:
                uses.add(name)
    out: Set[str] = {q for qs in binds.values() for q in qs}
    for name in uses:
        head, _, rest = name.partition(".")
        for q in binds.get(head, ()):
            out.add(f"{q}.{rest}" if rest else q)
    return frozenset(out)


def lineage_words(names: Iterable[str], class_bases: Callable[[str], Optional[Iterable[str]]],
                  limit: int = 5000) -> Optional[FrozenSet[str]]:
    """Every part of every base, transitively, of the classes of the app
    among ``names``: ``class_bases`` is ``AppFacts.class_bases`` (None for
    a name that is not a class of the app). None when there were more
    names to follow than ``limit``: unknown."""
    todo = list(names)
    words: Set[str] = set()
    seen: Set[str] = set()
    while todo:
        name = todo.pop()
        for spelling in {name, canonical(name)}:
            if spelling in seen:
                continue
            if len(seen) >= limit:
                return None
            seen.add(spelling)
            for base in class_bases(spelling) or ():
                words.update(_PARTS.findall(base))
                todo.append(base)
    return frozenset(words)


# -- a builtin, as the walk resolves it ------------------------------------
@dataclass(frozen=True)
class ModeArgument:
    """Where an opener takes its mode, the mode it defaults to, and the
    characters that make a mode write (``open``: 1 / ``mode``, ``'r'``)."""

    position: int
    keyword: str
    default: str
    write_chars: str

    def cannot_write(self, call: ast.Call) -> bool:
        """True when the call's mode is, by its literal text or default, one
        that does not write; False when it writes or is not spelled out."""
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return False
        given = [k.value for k in call.keywords if k.arg == self.keyword]
        if len(call.args) > self.position:
            given.append(call.args[self.position])
        if not given:
            mode = self.default
        elif len(given) == 1 and isinstance(given[0], ast.Constant) and isinstance(given[0].value, str):
            mode = given[0].value
        else:
            return False
        return not any(c in mode for c in self.write_chars)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def builtins_used(tree: ast.Module, modes: Mapping[str, Optional[ModeArgument]]) -> Set[str]:
    """The words of ``modes`` that may name the builtin somewhere in the
    module, as :mod:`gaelint.analysis.walk` binds names: a use counts unless
    the module, or a function around it, binds the word (assignment, ``for``,
    ``with``, ``except``, import, ``def``, ``class``, parameter; not a lambda
    parameter, a comprehension variable or ``+=``, which the walk does not
    bind), or a class body around it does (for a use in that body itself),
    or it is a call its ``ModeArgument`` says cannot write (``open(path)``,
    ``open(path, 'rb')``). One pass over the tree for all the words."""
    words = set(modes)
    found: Set[str] = set()
    module_bound = frozenset(w for w in words if _binds(tree.body, w))
    empty: FrozenSet[str] = frozenset()
    # (node, bound by the module or a function around it, bound by the class body it is in)
    stack = [(child, module_bound, empty) for child in tree.body]
    while stack:
        node, scope_bound, class_bound = stack.pop()
        kind = type(node)
        if kind is ast.Name:
            word = node.id
            if word in words and type(node.ctx) is ast.Load and word not in scope_bound \
                    and word not in class_bound and word not in found:
                found.add(word)
                if len(found) == len(words):
                    return found
            continue
        if kind in _FUNCTIONS:
            a = node.args
            # decorators, defaults and annotations are evaluated around the def
            params = (*a.posonlyargs, *a.args, *a.kwonlyargs, *(p for p in (a.vararg, a.kwarg) if p is not None))
            around = (*node.decorator_list, *a.defaults, *(d for d in a.kw_defaults if d is not None),
                      *(p.annotation for p in params if p.annotation is not None),
                      *((node.returns,) if node.returns is not None else ()))
            stack.extend((e, scope_bound, class_bound) for e in around)
            inner = scope_bound | {w for w in words if _binds_function(node, w)}
            stack.extend((s, inner, empty) for s in node.body)
            continue
        if kind is ast.ClassDef:
            stack.extend((e, scope_bound, class_bound)
                         for e in (*node.decorator_list, *node.bases, *(k.value for k in node.keywords)))
            own = frozenset(w for w in words if _binds(node.body, w))
            stack.extend((s, scope_bound, own) for s in node.body)
            continue
        if kind is ast.Call and type(node.func) is ast.Name and node.func.id in modes:
            mode = modes[node.func.id]
            if mode is not None and mode.cannot_write(node):
                stack.extend((e, scope_bound, class_bound) for e in (*node.args, *(k.value for k in node.keywords)))
                continue
        stack.extend((child, scope_bound, class_bound) for child in ast.iter_child_nodes(node))
    return found


def _binds_function(node, word: str) -> bool:
    a = node.args
    params = [*a.posonlyargs, *a.args, *a.kwonlyargs, *(p for p in (a.vararg, a.kwarg) if p is not None)]
    return any(p.arg == word for p in params) or _binds(node.body, word)


def _binds(body, word: str) -> bool:
    """Whether statements of one scope bind ``word`` (not inside nested
    functions or classes, whose own names count)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            if node.name == word:
                return True
            continue
        if isinstance(node, ast.Assign):
            if any(word in target_names(t) for t in node.targets):
                return True
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None and word in target_names(node.target):
                return True
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            if word in target_names(node.target):
                return True
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            if any(i.optional_vars is not None and word in target_names(i.optional_vars) for i in node.items):
                return True
        elif isinstance(node, ast.ExceptHandler):
            if node.name == word:
                return True
        elif isinstance(node, ast.Import):
            if any((a.asname or a.name.split(".")[0]) == word for a in node.names):
                return True
        elif isinstance(node, ast.ImportFrom):
            if any((a.asname or a.name) == word for a in node.names):
                return True
        if isinstance(node, ast.stmt) or isinstance(node, ast.ExceptHandler):
            stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, (ast.stmt, ast.ExceptHandler)))
    return False
