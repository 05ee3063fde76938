"""Where ``import X`` finds X in the deployed app, as the Python 2.7
runtime looks for it.

The app root is the first ``sys.path`` entry; the app adds more
(``vendor.add('lib')``, ``sys.path.insert``) and extends packages
(``google.__path__.append(...)``); ``sys.modules`` assignments make a
name another module (``sys.modules['infra_libs.ts_mon'] =
sys.modules[__package__]``). Inside a package, Python 2 tries the
package's own directory first (the implicit relative import) unless the
module says ``from __future__ import absolute_import``.

A module is a file of the deploy set (relative path, ``/`` separators):
``pkg/__init__.py`` for a package, ``pkg/mod.py`` for a module; importing
``a.b.c`` loads ``a/__init__.py``, ``a/b/__init__.py`` and ``a/b/c.py``.
Compiled-only modules (``.pyc``) and zips count as present but are not
read. ``google`` is the runtime's namespace package: its subpackages may
sit under any root. In a Bazel-built app the build creates the missing
``__init__.py`` files, so every directory holding code is a package
(``implicit_packages``, :mod:`.buildsteps`).
"""
from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from gaelint import reading

_SOURCE = ".py"
_OTHER_MODULES = (".pyc", ".so", ".pyd")
_INIT = "__init__.py"
_CONTENT = (".py", ".pyc", ".so", ".pyd", ".zip", ".egg", ".pth")   # what makes a sys.path directory hold code
NAMESPACES = frozenset({"google"})


class ModuleIndex:
    def __init__(self, files: Iterable[str], root: Optional[Path] = None, implicit_packages: bool = False):
        self.root = root                             # to read zips and .pth files
        self.files: Set[str] = set(files)
        # Bazel's runfiles: the build creates every missing __init__.py (app.buildsteps)
        self.implicit_packages = implicit_packages
        self.code_dirs: Set[str] = _code_dirs(self.files)   # directories holding code, directly or below
        self.zips: Dict[str, Set[str]] = {}          # a zip on sys.path -> the names inside
        self.dirs: Set[str] = directories(self.files)
        self.roots: List[str] = [""]                 # sys.path, app root first
        self.package_dirs: Dict[str, List[str]] = {}  # dotted package -> extra __path__ entries
        self.aliases: Dict[str, Optional[str]] = {}   # dotted -> module file, None: an empty module
        self.missing_roots: List[str] = []            # sys.path entries that are not in the deploy set
        self.empty_roots: List[str] = []              # sys.path directories deployed without any code
        self._resolved: Dict[Tuple[str, Optional[str]], Tuple[List[str], bool]] = {}   # until the index changes
        self._children: Optional[Dict[str, List[str]]] = None    # directory -> its .py file names

    # -- building ---------------------------------------------------------
    def add_root(self, rel: str, first: bool = False) -> bool:
        """Put a directory (or a zip) on sys.path; False when it is not
        deployed. A directory's ``.pth`` files add their lines too."""
        rel = rel.strip("/")
        if rel in self.roots:
            return True
        if rel.endswith(".zip") and rel in self.files:
            self.zips[rel] = zip_names(self.root / rel) if self.root is not None else set()
            self.roots.append(rel)
            self._resolved.clear()
            return True
        if rel not in self.dirs:
            if rel not in self.missing_roots:
                self.missing_roots.append(rel)
            return False
        self._resolved.clear()
        if rel not in self.code_dirs and rel not in self.empty_roots:
            self.empty_roots.append(rel)      # a placeholder (README, .gitkeep) a build step may fill
        if first:
            self.roots.insert(1, rel)
        else:
            self.roots.append(rel)
        venv = f"{rel}/lib/python2.7/site-packages"     # vendor.add takes a virtualenv too
        if venv in self.dirs and venv not in self.roots:
            self.roots.append(venv)
        for pth in sorted(f for f in self.files if posixpath.dirname(f) == rel and f.endswith(".pth")):
            for line in _lines(self.root / pth) if self.root is not None else ():
                if line and not line.startswith(("#", "import ")):
                    self.add_root(posixpath.normpath(posixpath.join(rel, line)))
        return True

    def extend_package(self, dotted: str, rel: str) -> bool:
        rel = rel.strip("/")
        if rel not in self.dirs:
            return False
        entries = self.package_dirs.setdefault(dotted, [])
        if rel not in entries:
            entries.append(rel)
            self._resolved.clear()
        return True

    def alias(self, dotted: str, module_file: Optional[str]) -> None:
        self.aliases[dotted] = module_file
        self._resolved.clear()

    # -- questions --------------------------------------------------------
    def is_package(self, directory: str) -> bool:
        """A directory Python imports as a package (its ``__init__.py``, or
        one the build creates)."""
        return bool(directory) and (f"{directory}/{_INIT}" in self.files
                                    or (self.implicit_packages and directory in self.code_dirs))

    def _module_in(self, directory: str, name: str) -> Optional[str]:
        """The file for ``name`` inside ``directory``: the package's
        ``__init__``, then ``name.py``; a compiled-only module counts. In a
        zip, a name inside it (``lib.zip:pkg/__init__.py``), never linted."""
        zipped = self.zips.get(directory.split(":", 1)[0]) if directory.endswith(".zip") or ":" in directory \
            else None
        if zipped is not None:
            inner = directory.split(":", 1)[1] + "/" if ":" in directory else ""
            for candidate in (f"{inner}{name}/__init__.py", f"{inner}{name}.py", f"{inner}{name}/__init__.pyc",
                              f"{inner}{name}.pyc"):
                if candidate in zipped:
                    return f"{directory.split(':', 1)[0]}:{candidate}"
            return None
        base = f"{directory}/{name}" if directory else name
        init = f"{base}/{_INIT}"
        if init in self.files:
            return init
        if self.implicit_packages and base in self.code_dirs:
            return base + "/"            # a package whose __init__.py the build creates
        if f"{base}{_SOURCE}" in self.files:
            return f"{base}{_SOURCE}"
        for suffix in _OTHER_MODULES:
            if f"{base}{suffix}" in self.files or f"{base}/__init__{suffix}" in self.files:
                return f"{base}{suffix}"
        if name in NAMESPACES and base in self.dirs:
            return base + "/"            # a namespace portion: a directory, no __init__
        return None

    def package_dirs_of(self, dotted: str, found: str) -> List[str]:
        """The directories a package's submodules are looked for in."""
        out = []
        if found.endswith(_INIT) or found.endswith("/"):
            out.append(posixpath.dirname(found) if found.endswith(_INIT) else found.rstrip("/"))
        elif ":" in found and found.endswith(("/__init__.py", "/__init__.pyc")):
            out.append(found.rsplit("/", 1)[0])       # a package inside a zip
        out.extend(self.package_dirs.get(dotted, ()))
        if dotted in NAMESPACES:
            for root in self.roots:
                candidate = f"{root}/{dotted}" if root else dotted
                if candidate in self.dirs and candidate not in out:
                    out.append(candidate)
        return out

    def find_top(self, name: str, importer: Optional[str] = None, absolute: bool = False) -> Optional[str]:
        if importer is not None and not absolute:
            here = posixpath.dirname(importer)
            if self.is_package(here):
                found = self._module_in(here, name)
                if found is not None:
                    return found
        if name in self.aliases:
            return self.aliases[name] or "<alias>"
        for root in self.roots:
            found = self._module_in(root, name)
            if found is not None:
                return found
        if name in NAMESPACES and self.package_dirs.get(name):
            return self.package_dirs[name][0] + "/"
        return None

    def resolve(self, dotted: str, importer: Optional[str] = None,
                absolute: bool = False) -> Tuple[List[str], bool]:
        """(files loaded for ``import dotted``, complete): each package's
        ``__init__`` and the module; ``complete`` is False when the first
        missing part was not found in the app (the rest is the runtime's
        or an attribute)."""
        # The answer depends on the importer only through its directory.
        key = (dotted, posixpath.dirname(importer) if importer is not None and not absolute else None)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve(dotted, importer, absolute)
        return list(found[0]), found[1]

    def _resolve(self, dotted: str, importer: Optional[str], absolute: bool) -> Tuple[List[str], bool]:
        parts = dotted.split(".")
        found = self.find_top(parts[0], importer, absolute)
        if found is None:
            return [], False
        loaded = [found]
        prefix = parts[0]
        if importer is not None and not absolute and found.startswith(posixpath.dirname(importer) + "/") \
                and posixpath.dirname(importer):
            # found beside the importer: its dotted name is the package's
            prefix = self.dotted_name(found) or prefix
        for part in parts[1:]:
            name = f"{prefix}.{part}"
            if name in self.aliases:
                target = self.aliases[name]
                if target:
                    loaded.append(target)
                found, prefix = target or "<alias>", name
                continue
            nxt = None
            for directory in self.package_dirs_of(prefix, found):
                nxt = self._module_in(directory, part)
                if nxt is not None:
                    break
            if nxt is None:
                return [f for f in loaded if f in self.files and f.endswith(_SOURCE)], False
            loaded.append(nxt)
            found, prefix = nxt, name
        # what is loaded from a zip or compiled only is present, but not read
        return [f for f in loaded if f in self.files and f.endswith(_SOURCE)], True

    def submodules(self, dotted: str) -> List[str]:
        """The dotted names of the source modules and subpackages of the
        package ``dotted`` (none when it is not a package of the app)."""
        files, complete = self.resolve(dotted)
        if not (complete and files and files[-1].endswith(_INIT)):
            return []
        if self._children is None:
            self._children = {}
            for f in self.files:
                if f.endswith(_SOURCE):
                    self._children.setdefault(posixpath.dirname(f), []).append(posixpath.basename(f))
        names = set()
        for directory in self.package_dirs_of(dotted, files[-1]):
            for base in self._children.get(directory, ()):
                if base != _INIT:
                    names.add(base[:-len(_SOURCE)])
            prefix = f"{directory}/"
            names.update(d[len(prefix):] for d in self.dirs if d.startswith(prefix) and "/" not in d[len(prefix):]
                         and f"{d}/{_INIT}" in self.files)
        return [f"{dotted}.{name}" for name in sorted(names)]

    def relative(self, importer: str, level: int, module: str) -> Optional[str]:
        """The absolute dotted name of ``from ..module import x`` in ``importer``."""
        package = self.dotted_name(importer)
        if package is None:
            return None
        parts = package.split(".")
        if not importer.endswith(_INIT):
            parts = parts[:-1]
        if level - 1 > len(parts):
            return None
        base = parts[:len(parts) - (level - 1)]
        return ".".join(base + ([module] if module else [])) or None

    def dotted_name(self, rel: str) -> Optional[str]:
        """The module name of a file, from the deepest root holding it."""
        best = None
        for root in self.roots:
            if root == "" or rel.startswith(root + "/"):
                if best is None or len(root) > len(best):
                    best = root
        for package, dirs in self.package_dirs.items():
            for d in dirs:
                if rel.startswith(d + "/"):
                    inner = rel[len(d) + 1:]
                    return package + "." + _dotted_inner(inner)
        if best is None:
            return None
        inner = rel[len(best) + 1:] if best else rel
        return _dotted_inner(inner)

    def site_of(self, rel: str) -> Optional[str]:
        """The sys.path entry (other than the app root) or extended package
        directory that holds a file."""
        best = None
        for d in [*self.roots[1:], *(x for dirs in self.package_dirs.values() for x in dirs)]:
            if rel.startswith(d + "/") and (best is None or len(d) > len(best)):
                best = d
        return best


def directories(files: Iterable[str]) -> Set[str]:
    """Every directory that holds one of ``files`` (relative, '/'-separated),
    with their parents up to the root ``''``."""
    dirs: Set[str] = {""}
    for f in files:
        d = posixpath.dirname(f)
        while d not in dirs:
            dirs.add(d)
            d = posixpath.dirname(d)
    return dirs


def _code_dirs(files: Iterable[str]) -> Set[str]:
    """Every directory (but the root) that holds code, directly or below."""
    out: Set[str] = set()
    for f in files:
        if f.endswith(_CONTENT):
            d = posixpath.dirname(f)
            while d and d not in out:
                out.add(d)
                d = posixpath.dirname(d)
    return out


def zip_names(path: Path) -> Set[str]:
    """The names inside a zip on sys.path; none when it cannot be read."""
    try:
        with zipfile.ZipFile(str(path)) as archive:
            return set(archive.namelist())
    except (OSError, zipfile.BadZipfile, ValueError):
        return set()


def _lines(path: Path) -> List[str]:
    try:
        return [line.strip() for line in reading.read_text(path, limit=32_000_000).splitlines()]
    except OSError:
        return []


def _dotted_inner(inner: str) -> str:
    inner = inner.rstrip("/")            # a package directory without __init__.py
    if inner.endswith("/" + _INIT):
        inner = inner[:-len(_INIT) - 1]
    elif inner.endswith(_SOURCE):
        inner = inner[:-len(_SOURCE)]
    return inner.replace("/", ".")
