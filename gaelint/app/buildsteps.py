"""What a build step adds to an app's checkout before the deploy.

Two layouts deploy more than the checkout holds:

* **A vendored directory a build step fills.** ``vendor.add('lib')`` names a
  directory that ``pip install -t lib -r requirements.txt`` fills before each
  deploy. The checkout may lack it (``.gitignore``) or keep a placeholder
  (only a README, ``.gitkeep``): either way its packages are not there yet.
  A placeholder counts as filled by the build when a requirements file lies
  beside app.yaml or a build script (``pavement.py``, a Makefile, a shell
  script, ...) runs ``pip install ... -t <it>``; the requirements file then
  says which packages it will hold.
* **A Bazel build.** Under a Bazel workspace (``WORKSPACE``,
  ``WORKSPACE.bazel`` or ``MODULE.bazel`` at the repository root, ``BUILD``
  files below) the deployed tree is Bazel's runfiles: ``py_binary`` creates
  the missing ``__init__.py`` files, so every directory holding Python is a
  package, and third-party code comes from the workspace's external
  repositories, not from the checkout.

The file names, markers and script names are in ``data/build_steps.json``.
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from gaelint import reading
from gaelint.knowledge import table

from .deployroot import REPOSITORY_MARKERS as _REPOSITORY_MARKERS, repository_root

FACTS = table("build_steps")
_REQUIREMENTS = FACTS["requirement_files"]
_SCRIPTS = FACTS["build_scripts"]
_BAZEL = FACTS["bazel"]
_MAX_ANCESTORS = 6          # directories scanned upwards for build scripts and workspace markers
_PIP_INSTALL = re.compile(r"\bpip[0-9.]*\s+install\b([^\n;&|)\"']*(?:[\"'][^\n;&|)]*)?)")
_TARGET = re.compile(r"(?:^|\s)(?:-t|--target)(?:\s+|=)[\"']?([\w./-]+)")
_REQUIREMENT = re.compile(r"(?:^|\s)(?:-r|--requirement)(?:\s+|=)[\"']?([\w./-]+)")
_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalized(name: str) -> str:
    """A distribution name as pip compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Installer:
    script: str                 # the build script, relative to the app root (``pavement.py``)
    target: Path                # the directory it installs into (absolute, normalised)
    requirements: Optional[str]  # the ``-r`` file it installs, as written


@dataclass(frozen=True)
class FilledDir:
    """A ``sys.path`` directory whose packages a build step puts there."""
    path: str                           # as on sys.path, relative to the model's root
    in_checkout: bool                   # a placeholder (no Python) rather than absent
    installer: Optional[Installer]
    listings: Tuple[Tuple[str, Tuple[str, ...]], ...]   # (requirements file, names it lists)

    @property
    def state(self) -> str:
        return "holds no Python in the checkout" if self.in_checkout else "is not in the checkout"

    def listing(self, names: Iterable[str]) -> Optional[Tuple[str, str]]:
        """(requirements file, name as wanted) of the first file that lists one of ``names``."""
        wanted = {normalized(n) for n in names}
        files = sorted(self.listings, key=lambda item: item[0] != (self.installer and self.installer.requirements))
        for path, listed in files:
            for name in listed:
                if normalized(name) in wanted:
                    return path, name
        return None

    def filled_by(self, names: Iterable[str] = ()) -> str:
        """How the directory gets its packages, in words."""
        if self.installer is not None:
            text = f"{self.installer.script} fills it"
            if self.installer.requirements:
                text += f" from {self.installer.requirements}"
        else:
            text = "a build step fills it"
        found = self.listing(names)
        if found is not None:
            path, name = found
            if self.installer is not None and path == self.installer.requirements:
                text += f", which lists `{name}`"
            else:
                text += f"; {path} lists `{name}`"
        return text


def requirement_files(app_root: Path) -> List[str]:
    """The requirements files beside app.yaml that a deploy installs (not
    the development or test ones), relative to the app root."""
    out = []
    for pattern in _REQUIREMENTS["patterns"]:
        directory, _, name_pattern = pattern.rpartition("/")
        try:
            names = sorted(os.listdir(app_root / directory)) if directory else _listing(app_root)
        except OSError:
            continue
        for name in names:
            rel = f"{directory}/{name}" if directory else name
            if fnmatch.fnmatchcase(name, name_pattern) and rel not in out and _for_deploy(rel) and \
                    (app_root / rel).is_file():
                out.append(rel)
    return out


def _for_deploy(rel: str) -> bool:
    words = set(re.split(r"[-_./]+", rel.lower()))
    return not words & set(_REQUIREMENTS["not_for_deploy"])


def listed_names(path: Path) -> Tuple[str, ...]:
    """The distributions a requirements file names, as written."""
    try:
        text = reading.read_text(path, limit=_SCRIPTS["max_bytes"])
    except OSError:
        return ()
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = _REQUIREMENT_NAME.match(line)
        if match:
            out.append(match.group(1))
    return tuple(out)


def scanned_dirs(app_root: Path) -> List[Path]:
    """The app root and its ancestors up to the repository root (a few at
    most; without a version-control directory, a few anyway)."""
    top = repository_root(app_root)
    out = [app_root]
    for parent in app_root.parents if top != app_root or not _in_repository(app_root) else ():
        if len(out) >= _MAX_ANCESTORS:
            break
        out.append(parent)
        if parent == top:
            break
    return out


def _in_repository(directory: Path) -> bool:
    return any((directory / marker).exists() for marker in _REPOSITORY_MARKERS)


def build_scripts(app_root: Path, dirs: Optional[List[Path]] = None) -> List[Path]:
    """The build scripts in the app root and its ancestors (``dirs``: its
    :func:`scanned_dirs`, when the caller has them)."""
    return [directory / name for directory in (dirs or scanned_dirs(app_root)) for name in _scripts_in(directory)]


# Many apps of one repository share ancestors: a directory's scripts are
# looked for once while it is unchanged (its mtime moves when an entry is
# added, removed or renamed).
_SCRIPTS_IN: Dict[Tuple[str, int, int, int], Tuple[str, ...]] = {}


def _scripts_in(directory: Path) -> Tuple[str, ...]:
    try:
        st = os.stat(directory)
    except OSError:
        return ()
    key = (str(directory), st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    found = _SCRIPTS_IN.get(key)
    if found is None:
        found = tuple(name for name in _listing(directory)
                      if any(fnmatch.fnmatchcase(name, p) for p in _SCRIPTS["names"]) and (directory / name).is_file())
        if len(_SCRIPTS_IN) > 10_000:
            _SCRIPTS_IN.clear()
        _SCRIPTS_IN[key] = found
    return found


def installers(app_root: Path) -> List[Installer]:
    """Every ``pip install ... -t DIR`` a build script runs."""
    out = []
    for script in build_scripts(app_root):
        try:
            text = reading.read_text(script, limit=_SCRIPTS["max_bytes"])
        except OSError:
            continue
        for match in _PIP_INSTALL.finditer(text):
            args = match.group(1)
            target = _TARGET.search(args)
            if target is None:
                continue
            requirement = _REQUIREMENT.search(args)
            where = Path(os.path.normpath(script.parent / target.group(1)))
            out.append(Installer(os.path.relpath(script, app_root).replace(os.sep, "/"), where,
                                 requirement.group(1) if requirement else None))
    return out


def filled_dirs(app_root: Path, model_root: Path, missing: List[str], empty: List[str]) -> List[FilledDir]:
    """The ``sys.path`` directories a build step fills: those the checkout
    lacks, and placeholders (no Python) that a requirements file beside
    app.yaml or a build script's ``pip install -t`` fills."""
    if not missing and not empty:
        return []
    requirements = requirement_files(app_root)
    found = installers(app_root)
    listings: Dict[str, Tuple[str, ...]] = {rel: listed_names(app_root / rel) for rel in requirements}
    out = []
    for rel, in_checkout in [*((m, False) for m in missing), *((e, True) for e in empty)]:
        where = Path(os.path.normpath(model_root / rel))
        installer = next((i for i in found if i.target == where), None)
        files = dict(listings)
        if installer is not None and installer.requirements and installer.requirements not in files:
            path = Path(os.path.normpath(app_root / installer.requirements))
            files[installer.requirements] = listed_names(path)
        if in_checkout and installer is None and not requirements:
            continue        # an empty directory nothing is known to fill: take it as it is
        out.append(FilledDir(rel, in_checkout, installer, tuple(sorted(files.items()))))
    return out


def bazel_workspace(app_root: Path, files: Iterable[str] = ()) -> Optional[Path]:
    """The workspace marker (``WORKSPACE``, ...) of a Bazel-built app: one
    in the app root or an ancestor up to the repository root, with a
    ``BUILD`` file in the app or on the way up to the marker."""
    build_names = set(_BAZEL["build_files"])
    has_build = any(f.rsplit("/", 1)[-1] in build_names for f in files)
    for directory in scanned_dirs(app_root):
        has_build = has_build or any((directory / name).is_file() for name in build_names)
        for marker in _BAZEL["workspace_markers"]:
            if (directory / marker).is_file():
                return directory / marker if has_build else None
    return None


def inputs(app_root: Path) -> List[Path]:
    """The files outside what an app deploys that these answers read (for
    a whole-app cache key): requirements files, build scripts, and the
    places a workspace marker may be."""
    dirs = scanned_dirs(app_root)
    out = [app_root / rel for rel in requirement_files(app_root)] + build_scripts(app_root, dirs)
    for directory in dirs:
        # absent ones too (a marker added later changes the answer); never a
        # directory (`build/` on a case-insensitive file system)
        out += [p for p in (directory / n for n in (*_BAZEL["workspace_markers"], *_BAZEL["build_files"]))
                if not p.is_dir()]
    return out


def _listing(directory: Path) -> List[str]:
    try:
        return sorted(os.listdir(directory))
    except OSError:
        return []

