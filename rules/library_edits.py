"""Editing ``libraries:`` through a YamlEditor, for the fixes of GAE302,
GAE305 and GAE405 (``gaelint check --fix``); no rules here.

Entries are added at the end of the list, with the quote style the file's
other versions use, at the versions gaelint/app/catalogue.py recommends.
"""
from __future__ import annotations

import difflib
from typing import List, Optional

from gaelint.app import catalogue
from gaelint.app.catalogue import LIBRARIES


def entries(doc) -> list:
    libs = doc.get("libraries")
    if libs is None:
        return []
    if not isinstance(libs, list):
        raise ValueError("`libraries:` is not a list of entries")
    return libs


def listed(doc) -> set:
    return {str(e.get("name")) for e in entries(doc) if hasattr(e, "get")}


def acceptable(name: str, version) -> bool:
    """A version appinfo accepts as written: a supported one, quoted (or
    read back as the same text), or latest."""
    return isinstance(version, str) and (version == "latest" or version in LIBRARIES[name]["versions"]) \
        and not catalogue.decommissioned(name, version)


def version_quote(doc) -> str:
    """The quote the file's other versions use (double by default)."""
    for entry in entries(doc):
        kind = type(entry.get("version")).__name__ if hasattr(entry, "get") else ""
        if kind == "SingleQuotedScalarString":
            return "'"
        if kind == "DoubleQuotedScalarString":
            return '"'
    return '"'


def add_library(doc, name: str, version: str) -> Optional[str]:
    """Append ``- name: NAME`` / ``version: "VERSION"`` unless NAME is listed."""
    if name in listed(doc):
        return None
    doc.append(("libraries",), {"name": name, "version": version}, quote={"version": version_quote(doc)})
    return f'{name} "{version}"'


def add_companions(doc, name: str, version: str) -> List[str]:
    """List the libraries appinfo would add for NAME at VERSION: each at the
    version it adds, unless deprecated (then the recommended one), and in
    turn the ones a listed companion needs (jinja2 for flask needs
    markupsafe), so the result leaves nothing to add."""
    added: List[str] = []
    todo = [(name, version)]
    while todo:
        library, at = todo.pop(0)
        for companion, implicit in catalogue.companions(library, at):
            chosen = catalogue.companion_version(companion, implicit)[0]
            entry = add_library(doc, companion, chosen)
            if entry:
                added.append(entry)
                todo.append((companion, chosen))
    return added


PIP_NAMES = catalogue.DATA["pip_names"]["names"]


def rename(doc, name: str, to: str, found) -> Optional[str]:
    """``name: Pillow`` -> ``name: PIL``, and a version PIL supports."""
    if not found or to in listed(doc):
        return None
    index, entry = found[0]
    doc.set(("libraries", index), "name", to)
    done = f"renamed the {name} entry of libraries: to {to}"
    if not acceptable(to, entry.get("version")):
        best = catalogue.recommended(to)
        doc.set(("libraries", index), "version", best, quote=version_quote(doc))
        done += f' (version "{best}")'
    return done


def guess_name(name: str) -> Optional[str]:
    """The catalogue name closest to an unknown one (pip name, case, spelling)."""
    lower = {n.lower(): n for n in LIBRARIES}
    key = name.lower()
    guess = PIP_NAMES.get(key) or lower.get(key)
    if guess is None:
        close = difflib.get_close_matches(key, list(lower), n=1, cutoff=0.6)
        guess = lower[close[0]] if close else None
    return guess
