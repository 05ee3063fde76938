"""The deploy root: the directory a service's code imports from.

Most apps deploy the directory that holds app.yaml. Some do not:

* the yaml names its handlers from an ancestor (``src/shop/web/app.yaml``
  with ``script: shop.web.urls.app``, a Bazel or bundle layout): the
  ancestor whose path ends with the handler's package path is the import
  root, and the handlers' imports are followed from there
  (:func:`ancestor_root`);
* a deploy script copies the yaml next to the code (``configs/prod/app.yaml``
  with ``script: server.app``, the code in ``src/appengine``): the
  ``deploy-roots`` setting maps the yaml to its root, and without one the
  repository is searched for the one directory where every handler
  resolves (:func:`relocated_root`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from .appyaml import AppConfig

_SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "node_modules", ".venv", "venv", "env", ".tox",
                        "__pycache__", "bazel-out", "build", "dist", ".cache"})
_MAX_SEARCHED_DIRS = 20000
REPOSITORY_MARKERS = (".git", ".hg", ".svn")


def wsgi_scripts(configs: Iterable[AppConfig]) -> List[str]:
    """The app's own WSGI handler scripts (not the SDK's, not CGI paths)."""
    out = []
    for config in configs:
        for handler in config.handlers:
            script = handler.script.strip() if isinstance(handler.script, str) else ""
            if not script or "/" in script or script.endswith((".py", ".pyc")) or \
                    script.startswith(("google.appengine.", "$PYTHON_LIB")):
                continue
            parts = script.split(".")
            if len(parts) >= 2 and all(p.isidentifier() for p in parts):
                out.append(script)
    return out


def _module_exists(root: Path, parts: List[str]) -> bool:
    base = root.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def resolves(root: Path, script: str) -> bool:
    """Whether a WSGI script's module is a file under ``root``."""
    parts = script.split(".")
    return any(_module_exists(root, parts[:cut]) for cut in range(len(parts) - 1, 0, -1))


def ancestor_root(directory: Path, scripts: List[str]) -> Optional[Path]:
    """The ancestor of ``directory`` from which the scripts that do not
    resolve from ``directory`` resolve, when ``directory``'s path ends with
    the script's package path; None when there is nothing to fix, no such
    ancestor, or two. A script that resolves from no ancestor does not
    count against it: a handler whose module is truly missing (GAE407
    reports it there)."""
    missing = [s for s in scripts if not resolves(directory, s)]
    if not missing:
        return None
    tail = directory.parts
    found: Optional[Path] = None
    for script in missing:
        parts = script.split(".")
        candidate = None
        for k in range(min(len(parts) - 1, len(tail) - 1), 0, -1):
            if list(tail[-k:]) == parts[:k]:
                ancestor = directory.parents[k - 1]
                if resolves(ancestor, script):
                    candidate = ancestor
                    break
        if candidate is None:
            continue
        if found is not None and candidate != found:
            return None
        found = candidate
    return found


def repository_root(start: Path) -> Path:
    """The nearest directory upwards that holds a version-control
    directory, else ``start``."""
    for directory in (start, *start.parents):
        if any((directory / marker).exists() for marker in REPOSITORY_MARKERS):
            return directory
    return start


def relocated_root(yaml_dir: Path, scripts: List[str], search_from: Path) -> Tuple[Optional[Path], str]:
    """(the one directory of the repository where every script resolves, a
    sentence for the user), for a yaml none of whose scripts resolves where
    it lies or from an ancestor."""
    if not scripts:
        return None, ""
    first = scripts[0].split(".")
    names = {f"{first[0]}.py", first[0]}
    candidates = []
    searched = 0
    for directory, dirs, files in os.walk(search_from):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        searched += 1
        if searched > _MAX_SEARCHED_DIRS:
            break
        if names & (set(files) | set(dirs)):
            here = Path(directory)
            if here != yaml_dir and all(resolves(here, s) for s in scripts):
                candidates.append(here)
    shown = ", ".join(f"`{s}`" for s in scripts[:3])
    if len(candidates) == 1:
        return candidates[0], (f"its handlers ({shown}) do not resolve beside it; they all resolve in "
                               f"{candidates[0]}, which gaelint takes as the deploy root (set `deploy-roots` "
                               "in [tool.gaelint] to choose another)")
    if candidates:
        listed = ", ".join(str(c) for c in candidates[:3])
        return None, (f"its handlers ({shown}) do not resolve beside it, and resolve in several directories "
                      f"({listed}): set `deploy-roots` in [tool.gaelint] to say which one deploys")
    return None, (f"its handlers ({shown}) resolve nowhere in the checkout (a build step makes the deploy "
                  "directory?): set `deploy-roots` in [tool.gaelint] to say where the code is")


def mapped_root(config_path: Path, mapping: Dict[Path, Path]) -> Optional[Path]:
    """The root the ``deploy-roots`` setting gives this yaml, if any."""
    real = Path(os.path.realpath(config_path))
    for yaml_path, root in mapping.items():
        if Path(os.path.realpath(yaml_path)) == real:
            return root
    return None
