"""libcst, imported when a file is first parsed, not when gaelint starts.

Importing libcst costs about 0.2 s, most of a pre-commit run on files the
cache already answers (and `gaelint rules`, `explain`, `--version` never
parse anything). Modules write ``from gaelint.lazycst import cst`` and use
``cst.Call`` as they would use the module; the first attribute read imports
libcst and every name read is kept on the proxy, so later reads cost what a
module attribute costs. Module-level code must not read ``cst.X`` (a type
alias, a table of node types): build those on first use.
"""
from __future__ import annotations

import importlib


class _Module:
    def __init__(self, name: str) -> None:
        self.__dict__["_name"] = name

    def __getattr__(self, attr: str):
        module = importlib.import_module(self.__dict__["_name"])
        value = getattr(module, attr)
        self.__dict__[attr] = value
        return value

    def __repr__(self) -> str:
        return f"<lazily imported module {self.__dict__['_name']!r}>"


cst = _Module("libcst")
