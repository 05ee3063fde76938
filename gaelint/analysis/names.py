"""Canonical dotted names: every spelling of a module resolves to the name
the python27 runtime sees (``socketserver`` -> ``SocketServer``,
``six.moves.urllib.request.urlopen`` -> ``urllib2.urlopen``,
``builtins.open`` -> ``__builtin__.open``).

Rules compare against these canonical Python 2 names only, so one entry in
a rule covers the Python 2, Python 3 and six spellings.
"""
from __future__ import annotations

import functools
from typing import Dict, FrozenSet, Optional

from gaelint.knowledge import table


@functools.lru_cache(maxsize=None)
def aliases() -> Dict[str, str]:
    return table("module_aliases")["aliases"]


@functools.lru_cache(maxsize=None)
def builtin_names() -> FrozenSet[str]:
    return frozenset(table("py27_names")["builtins"])


@functools.lru_cache(maxsize=None)
def star_exports(module: str) -> FrozenSet[str]:
    """Names that ``from <module> import *`` binds (empty when unknown)."""
    return frozenset(table("py27_names")["star_exports"].get(module, ()))


@functools.lru_cache(maxsize=4096)
def canonical(dotted: str) -> str:
    """Rewrite the longest aliased prefix of ``dotted`` to its Python 2 name."""
    table_ = aliases()
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        target = table_.get(prefix)
        if target is not None:
            rest = parts[cut:]
            return ".".join([target, *rest]) if rest else target
    return dotted


def matches(qualname: Optional[str], *candidates: str) -> bool:
    """True when ``qualname`` is one of ``candidates`` or inside one of them
    (``matches('os.path.join', 'os.path')``)."""
    if not qualname:
        return False
    for cand in candidates:
        if qualname == cand or qualname.startswith(cand + "."):
            return True
    return False
