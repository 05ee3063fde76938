"""Which files of an app are someone else's code.

A finding in third-party code that production reaches is info unless the
app's own code calls what holds it (:mod:`.production`). A file is
third-party when it sits

* under a directory named ``third_party``, ``site-packages``, ...;
* behind a symlink whose target is outside the app (``oauth2client ->
  ../../client/third_party/oauth2client``);
* in a package that carries its own licence or packaging metadata
  (``LICENSE``, ``PKG-INFO``, ``setup.py``, a sibling ``*.dist-info``);
* in a ``sys.path`` directory named the way apps name vendored code (``lib``,
  ``vendor``, ...) or filled by pip, unless a handler's own module lives
  there (``vendor.add('src')`` with ``script: main.app``);
* or when only third-party code imports it (``pkg_resources.py`` copied to
  the app root, imported lazily by flask's CLI).
"""
from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Dict, List, Optional, Set

_THIRD_PARTY_DIRS = frozenset({"third_party", "third-party", "thirdparty", "site-packages", "dist-packages"})
_VENDOR_DIR_NAMES = frozenset({"lib", "libs", "vendor", "vendored", "external", "externals", "packages",
                               "deps", "dependencies", "site-packages", "third_party", "thirdparty",
                               "third-party", "pylib", "python_modules", "extlib"})
_LICENCES = ("LICENSE", "LICENCE", "COPYING", "PKG-INFO", "setup.py")


class ThirdParty:
    """Answers :meth:`why` for the files of one production model."""

    def __init__(self, root: Path, index, graph):
        self.root, self.index, self.graph = root, index, graph
        self._why: Dict[str, Optional[str]] = {}
        self._location: Dict[str, Optional[str]] = {}
        self._own: Optional[Set[str]] = None

    def why(self, rel: str) -> Optional[str]:
        """Why a file is third-party code, or None for the app's own."""
        if rel not in self._why:
            self._why[rel] = self._why_third_party(rel)
        return self._why[rel]

    def located(self, rel: str) -> Optional[str]:
        """Third-party by where the file is (not by who imports it)."""
        return self._located_third_party(rel)

    def _why_third_party(self, rel: str) -> Optional[str]:
        located = self._located_third_party(rel)
        if located is not None:
            return located
        if self.graph.reached(rel) and rel not in self._own_used():
            importers = self.graph.edges.get(rel, ())
            first = f" ({importers[0].source})" if importers else ""
            return f"only third-party code imports it{first}"
        return None

    def _located_third_party(self, rel: str) -> Optional[str]:
        """Third-party by where the file is."""
        if rel in self._location:
            return self._location[rel]
        self._location[rel] = found = self._where_third_party(rel)
        return found

    def _where_third_party(self, rel: str) -> Optional[str]:
        parts = rel.split("/")
        for i, part in enumerate(parts[:-1]):
            if part in _THIRD_PARTY_DIRS:
                return f"in `{'/'.join(parts[:i + 1])}/`"
        link = _outside_link(self.root, parts)
        if link is not None:
            return f"`{link}` is a symlink from outside the app"
        site = self.index.site_of(rel)
        root = site or ""
        inner = rel[len(root) + 1:] if root else rel
        top = inner.split("/", 1)[0]
        if "/" in inner and self._distributed(root, top):
            return f"the package `{top}` carries its own licence or metadata"
        if site is not None and self._vendoring_dir(site) and not self._holds_own_entry(site):
            return f"vendored in `{site}/`"
        return None

    def _vendoring_dir(self, site: str) -> bool:
        """A sys.path directory named the way apps name vendored packages
        (``lib``, ``vendor``, ...) or filled by pip (``*.dist-info``); one the
        app names otherwise (``src``, ``application``) holds its own code."""
        if site.rsplit("/", 1)[-1].lower() in _VENDOR_DIR_NAMES:
            return True
        return any(posixpath.dirname(d) == site and d.endswith((".dist-info", ".egg-info"))
                   for d in self.index.dirs)

    def _distributed(self, root: str, top: str, readme: bool = False) -> bool:
        """A package shipped with a licence or packaging metadata (a README
        too, when ``readme``): somebody else's distribution."""
        base = f"{root}/{top}" if root else top
        names = _LICENCES + (("README", "README.md", "README.rst", "README.txt") if readme else ())
        if any(f"{base}/{name}" in self.index.files for name in names):
            return True
        prefix = f"{root}/{top}" if root else top
        return any(d.startswith(prefix) and d.endswith((".dist-info", ".egg-info"))
                   and posixpath.dirname(d) == root for d in self.index.dirs)

    def _holds_own_entry(self, site: str) -> bool:
        """A sys.path directory that a handler's module lives in holds the
        app's own code (``vendor.add('src')`` with ``script: main.app``),
        unless that module belongs to a distributed package."""
        for _, files in self.graph.entries:
            for f in files:
                if f.startswith(site + "/") and f != f"{site}/__init__.py":
                    top = f[len(site) + 1:].split("/", 1)[0]
                    if not (f[len(site) + 1:].count("/") and self._distributed(site, top, readme=True)):
                        return True
        return False

    def _own_used(self) -> Set[str]:
        """Reached files that the app's own code imports (or an entry point
        names), through own files only."""
        if self._own is None:
            forward: Dict[str, List[str]] = {}
            for target, edges in self.graph.edges.items():
                for edge in edges:
                    forward.setdefault(edge.source, []).append(target)
            entry_files = [f for _, files in self.graph.entries for f in files]
            own = {f for f in entry_files if self._located_third_party(f) is None}
            stack = list(own)
            while stack:
                source = stack.pop()
                for target in forward.get(source, ()):
                    if target not in own and self._located_third_party(target) is None:
                        own.add(target)
                        stack.append(target)
            self._own = own
        return self._own


def _outside_link(root: Path, parts: List[str]) -> Optional[str]:
    """The first directory of the path that is a symlink leaving the app."""
    real_root = os.path.realpath(root)
    current = root
    for i, part in enumerate(parts[:-1]):
        current = current / part
        if os.path.islink(current):
            target = os.path.realpath(current)
            if not (target == real_root or target.startswith(real_root + os.sep)):
                return "/".join(parts[:i + 1])
    return None
