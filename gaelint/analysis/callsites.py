"""Every call of a function in one module, for the values its parameters
receive (``def write(path, mode)`` called as ``write('out.bin', 'wb')``).

A function's calls are all known only when nothing else can call it: it is
not decorated, and its name occurs in the module exactly at its definition
and at the calls found (a function passed as a callback, stored, or called
through another object is called in ways this cannot see). A method counts
when only ``self.method(...)`` calls it inside its class, ``__init__`` when
only ``ClassName(...)`` calls construct the class. Calls from other modules
are not seen: the values are the ones this module passes.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Dict, List, Optional, Tuple

from gaelint.lazycst import cst

from .walk import Model, Scope, lookup, method_class

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Site = Tuple["cst.Call", Any, int]     # the call, its walk Site, parameters it does not pass (self)


class CallSites:
    def __init__(self, model: Model, text: str):
        self._model = model
        self._text = text
        self._by_name: Optional[Dict[str, List[Tuple[cst.Call, Any]]]] = None
        self._words: Optional[Counter] = None

    def of(self, fn: cst.FunctionDef, function_scope: Scope) -> Optional[List[Site]]:
        """Every call of ``fn``, or None when they are not all known."""
        if fn.decorators:
            return None
        outer = function_scope.parent
        out: List[Site] = []
        if outer is not None and outer.kind == "class":
            class_node = outer.node
            if fn.name.value == "__init__":
                word = class_node.name.value
                for call, site in self._calls_named(word):
                    found, _ = lookup(site.scope, word)
                    if isinstance(call.func, cst.Name) and found and len(found) == 1 \
                            and found[0].kind == "class" and found[0].value is class_node:
                        out.append((call, site, 1))
            else:
                word = fn.name.value
                for call, site in self._calls_named(word):
                    func = call.func
                    if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                            and method_class(site.scope, func.value.value) is outer):
                        out.append((call, site, 1))
        else:
            word = fn.name.value
            for call, site in self._calls_named(word):
                if isinstance(call.func, cst.Name):
                    found, _ = lookup(site.scope, word)
                    if found and len(found) == 1 and found[0].kind == "def" and found[0].value is fn:
                        out.append((call, site, 0))
        if not out or self._count(word) != len(out) + 1:
            return None
        return out

    def _calls_named(self, name: str) -> List[Tuple[cst.Call, Any]]:
        if self._by_name is None:
            self._by_name = {}
            for call, site in self._model.nodes.get(cst.Call, ()):
                func = call.func
                leaf = func.value if isinstance(func, cst.Name) else (
                    func.attr.value if isinstance(func, cst.Attribute) else None)
                if leaf is not None:
                    self._by_name.setdefault(leaf, []).append((call, site))
        return self._by_name.get(name, [])

    def _count(self, word: str) -> int:
        if self._words is None:
            self._words = Counter(_WORD.findall(self._text))
        return self._words[word]
