"""The app's own importable modules: what ``import X`` finds in the app.

The python27 runtime puts the app root on ``sys.path``; apps add more
directories in ``appengine_config.py`` (or a handler module) with
``google.appengine.ext.vendor.add('lib')``, ``site.addsitedir(...)`` or
``sys.path.insert(0, ...)``. A module found there is the app's own: the
import rules leave it alone, and it is a problem only if it ships compiled
files (GAE304). Only deployed files count: a ``lib/`` that ``skip_files``
leaves out is not there in production.

Path expressions are resolved through their string literals
(``os.path.join(os.path.dirname(__file__), 'lib')`` -> ``lib``), keeping
only directories that exist in the deploy set. When a ``sys.path`` change
cannot be resolved (a path from a loop or the environment), every directory
holding top-level modules counts as a possible root (``uncertain``), so an
import is never reported for a module that may well be vendored.

Computed once per app (``app.memo``).
"""
from __future__ import annotations

import posixpath
from typing import Dict, Iterable, List, Optional, Set, Tuple

from gaelint import reading
from gaelint import source as _source

from .modules import directories, zip_names
from .sys_path_literals import sys_path_entries

_PATH_HINTS = (b"sys.path", b"vendor", b"addsitedir")
_MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd", "module.so")
_INIT = ("__init__.py", "__init__.pyc")
_MAX_SCANNED = 50          # root-level modules read for sys.path changes


class AppModules:
    """Where the app's own modules are (relative paths, '/' separators)."""

    def __init__(self, files: Iterable[str], app_root=None):
        self._app_root = app_root
        self.files: Set[str] = set(files)
        self.dirs: Set[str] = directories(self.files)
        self.roots: List[str] = [""]       # '' is the app root
        self.sites: List[str] = []         # vendored directories added to sys.path
        self.uncertain = False
        # Files whose content decided the roots (for a result cache's key).
        self.inputs: List[str] = []
        self._zips: Dict[str, Set[str]] = {}

    def resolution_key(self) -> str:
        """What import resolution depends on, canonically: the roots, whether
        they are certain, and the names inside zips on sys.path (a result
        cache's key holds this answer, not the files that decided it)."""
        return repr((self.roots, self.uncertain, sorted((k, sorted(v)) for k, v in self._zips.items())))

    # -- building ----------------------------------------------------------
    def add_root(self, rel: str) -> None:
        rel = posixpath.normpath(rel).strip("/") if rel else ""
        if rel in ("", ".") or rel.startswith(".."):
            return
        if rel in self.files and rel.endswith(".zip"):
            self._zips[rel] = zip_names(self._app_root / rel)
            self.inputs.append(rel)
        elif rel not in self.dirs:
            return
        if rel not in self.roots:
            self.roots.append(rel)
            self.sites.append(rel)
            venv = f"{rel}/lib/python2.7/site-packages"   # vendor.add takes a virtualenv too
            if venv in self.dirs:
                self.roots.append(venv)
                self.sites.append(venv)
            for pth in sorted(f for f in self.files if posixpath.dirname(f) == rel and f.endswith(".pth")):
                self.inputs.append(pth)
                for line in _read_lines(self._app_root / pth):
                    if line and not line.startswith(("#", "import ")):
                        self.add_root(posixpath.join(rel, line))

    def fall_back_to_every_root(self) -> None:
        """A sys.path change we cannot resolve: any directory holding
        top-level modules or packages may be on sys.path."""
        self.uncertain = True
        for f in sorted(self.files):    # sorted: the roots' order is part of the cache key
            d = posixpath.dirname(f)
            if f.endswith(_INIT):
                d = posixpath.dirname(d)
            elif not f.endswith(_MODULE_SUFFIXES):
                continue
            if not self._is_package(d) and d not in self.roots:
                self.roots.append(d)

    # -- questions ---------------------------------------------------------
    def _is_package(self, d: str) -> bool:
        return d != "" and any(posixpath.join(d, i) in self.files for i in _INIT)

    def _exists(self, root: str, parts: List[str]) -> bool:
        """``parts`` is importable from ``root``: a package or module at the
        full path, or a module file at a shorter one (the rest are names in it)."""
        names = self._zips.get(root)
        files = names if names is not None else self.files
        prefix = "" if names is not None or not root else root + "/"
        for cut in range(len(parts), 0, -1):
            base = prefix + "/".join(parts[:cut])
            if cut == len(parts) and any(f"{base}/{i}" in files for i in _INIT):
                return True
            if any(base + s in files for s in _MODULE_SUFFIXES):
                return True
        return False

    def provides(self, dotted: str) -> Optional[str]:
        """The root (``''`` for the app root) where ``dotted`` is found."""
        parts = dotted.split(".")
        for root in self.roots:
            if self._exists(root, parts):
                return root
        return None

    def beside(self, dotted: str, importer: str) -> bool:
        """Python 2's implicit relative import: ``import X`` inside a
        package finds the package's own ``X`` first."""
        d = posixpath.dirname(importer)
        return self._is_package(d) and self._exists(d, dotted.split("."))

    def locate(self, dotted: str, importer: str) -> Optional[Tuple[str, List[str]]]:
        """(relative path of the ``.py`` file, names inside it) of the app's
        own module that ``dotted`` starts with, as ``importer`` (a relative
        path) would import it: a leading dot is relative to its package,
        then its own package (Python 2's implicit relative import), then the
        app root. Vendored directories are not searched: their modules are
        third-party code."""
        parts = dotted.split(".")
        package = posixpath.dirname(importer)
        if not parts[0]:                    # from .base import X: '.base.X'
            level = len(parts) - len(dotted.lstrip(".").split("."))
            for _ in range(level - 1):
                package = posixpath.dirname(package)
            parts = parts[level:]
            places = [package] if self._is_package(package) or package == "" else []
        else:
            places = [package] if self._is_package(package) else []
            places.append("")
        for place in places:
            prefix = place + "/" if place else ""
            for cut in range(len(parts), 0, -1):
                base = prefix + "/".join(parts[:cut])
                for rel in (base + "/__init__.py", base + ".py"):
                    if rel in self.files and not self.in_site_dir(rel):
                        return rel, parts[cut:]
        return None

    def in_site_dir(self, rel: str) -> bool:
        """A file of a vendored third-party directory (lib/...)."""
        return any(rel.startswith(r + "/") for r in self.sites)

    def package_of(self, rel: str) -> Optional[Tuple[str, str]]:
        """(root, top-level module or package name) of a file, preferring
        the deepest root (lib/ over the app root)."""
        best = None
        for root in self.roots:
            if root in self._zips:
                continue
            if root == "" or rel.startswith(root + "/"):
                if best is None or len(root) > len(best):
                    best = root
        if best is None:
            return None
        inner = rel[len(best) + 1:] if best else rel
        top = inner.split("/", 1)[0]
        if "/" not in inner:
            top = top.split(".", 1)[0]
        elif not self._is_package(posixpath.join(best, top) if best else top):
            return None
        return best, top


def app_modules(app) -> AppModules:
    """The app's modules (cached on the AppContext)."""
    return app.memo("vendoring.app_modules", lambda: _compute(app))


def _compute(app) -> AppModules:
    rels = []
    for path in app.deploy.files:
        try:
            rels.append(app.deploy.relpath(path))
        except ValueError:
            continue
    mods = AppModules(rels, app.root)
    unresolved = False
    for rel in _path_scripts(mods, app.root):
        try:
            entries = app.file_fact(app.root / rel, "sys-path-entries", sys_path_entries, valid=_entries_shape)
        except RecursionError:          # too deep to read: path unknown
            entries = [None]
        for fragments in entries:
            if fragments is None:
                unresolved = True       # no literal to go by: the path is unknown
                continue
            found = _pick(mods, fragments)
            if found is not None:       # else: a directory that is not deployed
                mods.add_root(found)
    if unresolved:
        mods.fall_back_to_every_root()
    return mods


def _path_scripts(mods: AppModules, root) -> List[str]:
    """appengine_config.py, then root-level modules that mention sys.path."""
    out = []
    top = sorted(f for f in mods.files if "/" not in f and f.endswith(".py"))
    for rel in top[:_MAX_SCANNED]:
        mods.inputs.append(rel)
        if rel == "appengine_config.py":
            out.insert(0, rel)
            continue
        try:
            data = reading.read_bytes(root / rel, _source.MAX_FILE_BYTES)
        except OSError:
            continue
        if any(h in data for h in _PATH_HINTS):
            out.append(rel)
    return out


def _pick(mods: AppModules, fragments: List[str]) -> Optional[str]:
    """The deployed directory a list of path literals names, longest first."""
    clean = [f.strip("/") for f in fragments if f.strip("/") not in ("", ".")]
    if not clean:
        return ""
    for k in range(len(clean), 0, -1):
        rel = posixpath.normpath("/".join(clean[-k:]))
        if rel in mods.dirs or (rel in mods.files and rel.endswith(".zip")):
            return rel
    return None


def _entries_shape(value) -> bool:
    """What sys_path_entries returns: a list of None or lists of str."""
    return isinstance(value, list) and all(
        e is None or (isinstance(e, list) and all(isinstance(f, str) for f in e)) for e in value)


def _read_lines(path) -> List[str]:
    try:
        return [line.strip() for line in reading.read_text(path, limit=_source.MAX_FILE_BYTES).splitlines()]
    except OSError:
        return []

