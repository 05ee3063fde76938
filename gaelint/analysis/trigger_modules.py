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

* a builtin (root ``__builtin__``) counts when the word is used as a bare
  name outside strings and comments (``open(...)``, ``f = open``);
* a word reached through an app class (the engine's class words: a file
  naming ``Worker`` names what ``Worker``'s bases are spelled with) keeps
  the rule whenever one of those words belongs to the rule's names
  (``related``): the module of a base in another file is not imported here.

Rules that fire on import statements only (GAE301-303) say so with
``triggers_in_imports``: their words count only as parts of an imported
name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, Mapping, Set, Tuple

from .names import aliases

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


def module_triggers(names: Iterable[str], methods: Mapping[str, Iterable[str]] = ()) -> ModuleTriggers:
    """From the dotted names a rule resolves (``os.remove``,
    ``__builtin__.open``; the word is the last part, the module the first)
    and from ``methods``: method word -> the dotted names of the objects it
    counts on (``{'extractall': ['zipfile.ZipFile', 'tarfile.open']}``)."""
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
    return ModuleTriggers({w: frozenset(r) for w, r in roots.items()}, frozenset(related))


def _alias_roots() -> Dict[str, Set[str]]:
    """Root of an import -> roots of what its aliased names stand for
    (``six`` -> ``urllib2``, ``__builtin__``, ...)."""
    out: Dict[str, Set[str]] = {}
    for key, target in aliases().items():
        out.setdefault(key.split(".")[0], set()).add(target.split(".")[0])
    return out


_ALIAS_ROOTS: Dict[str, Set[str]] = {}


def imported(file_facts: Mapping) -> Tuple[FrozenSet[str], FrozenSet[str]]:
    """(module roots the file's names can resolve to, every part of every
    imported name) from the file's facts (:mod:`.facts`: ``imports`` holds
    every import statement at any depth and ``__import__('x')``)."""
    if not _ALIAS_ROOTS:
        _ALIAS_ROOTS.update(_alias_roots())
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
        roots.update(_ALIAS_ROOTS.get(root, ()))
    return frozenset(roots), frozenset(parts)


_STRING_OR_COMMENT = re.compile(
    rb"'''(?:\\.|[^\\])*?'''"
    rb'|"""(?:\\.|[^\\])*?"""'
    rb"|'(?:\\.|[^'\\\n])*'"
    rb'|"(?:\\.|[^"\\\n])*"'
    rb"|#[^\n]*", re.S)
_BARE_WORD = re.compile(rb"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*")


def bare_words(data: bytes) -> FrozenSet[bytes]:
    """Identifiers not written after a ``.``, outside strings and comments:
    the names a builtin can be called or passed by (``open(p, 'w')``,
    ``f = open``). ``x . open`` (spaces) is an attribute and is left out
    rightly; a string prefix (``b'..'``) stays in, harmlessly."""
    if b"\r" in data:
        data = data.replace(b"\r", b"\n")
    return frozenset(_BARE_WORD.findall(_STRING_OR_COMMENT.sub(b" ", data)))
