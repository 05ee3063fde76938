"""Reading an app's directories: listings, broken links, symlinked
directories and where a walk may follow them. The deploy walk
(:mod:`.deployset`) and discovery's search for nested apps both read
directories through here, so both see a tree the same way and, while
discovery runs, list each directory once.
"""
from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple


@dataclass(frozen=True)
class Problem:
    """Something gaelint could not look at or that breaks the deploy itself."""

    path: Path
    message: str
    line: Optional[int] = None


# Listings kept while discovery runs (None otherwise): its search for nested
# apps and each app's deploy walk read the same directories, and a monorepo's
# services deploy the same shared ones.
_SCANS: Optional[dict] = None


@contextlib.contextmanager
def shared_scans():
    """Within this block, each directory is listed once."""
    global _SCANS
    outer = _SCANS
    if outer is None:
        _SCANS = {}
    try:
        yield
    finally:
        _SCANS = outer


def scan_dir(path: str, problems: List[Problem]) -> List[os.DirEntry]:
    """The directory's entries by name (a list the caller must not change);
    a directory that cannot be read is a problem and has none."""
    scans = _SCANS
    known = scans.get(path) if scans is not None else None
    if known is None:
        try:
            with os.scandir(path) as entries:
                known = sorted(entries, key=lambda e: e.name), None
        except OSError as exc:
            known = [], f"cannot read directory: {exc.strerror or exc}"
        if scans is not None:
            scans[path] = known
    if known[1] is not None:
        problems.append(Problem(Path(path), known[1]))
    return known[0]


def classify(entry: os.DirEntry, problems: List[Problem], skips_file) -> str:
    """'dir', 'file' or 'other'; broken links become problems."""
    try:
        if entry.is_dir():
            return "dir"
        if entry.is_file():
            return "file"
    except OSError as exc:  # ELOOP: a link that resolves to itself
        problems.append(Problem(Path(entry.path), f"symlink loop ({exc.strerror}); not followed"))
        return "other"
    if entry.is_symlink() and not skips_file():
        problems.append(Problem(Path(entry.path), "dangling symlink (its target does not exist); not uploaded"))
    return "other"


_CHECKOUT_MARKERS = (".git", ".hg", ".svn")


@functools.lru_cache(maxsize=256)
def link_boundary(root: str, checked: Optional[str] = None) -> str:
    """Where a symlinked directory may lead for the walk of ``root`` to
    follow it: the checkout (git, hg, svn) holding the app, else the path
    given on the command line that holds it (``checked``), else the app
    itself. Apps in one repository share code through links to sibling
    directories (``components -> ../components``), which the deploy
    uploads; a link to ``/usr`` or ``/etc`` is never walked."""
    current = root
    while True:
        if any(os.path.lexists(os.path.join(current, m)) for m in _CHECKOUT_MARKERS):
            if os.path.dirname(current) != current:
                return current
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    if checked is not None and _inside(root, checked) and os.path.dirname(checked) != checked:
        return checked
    return root


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def real_dir(entry: os.DirEntry, chain: Tuple[str, ...], problems: List[Problem],
             boundary: Optional[str] = None) -> Optional[str]:
    """Real path of a directory to descend into (``chain``: the real paths
    from the walk's root down), None when it loops back to an ancestor or
    leads out of ``boundary`` (default: :func:`link_boundary` of the root)."""
    if not entry.is_symlink():
        return os.path.join(chain[-1], entry.name)
    real = os.path.realpath(entry.path)
    if real in chain:
        problems.append(Problem(Path(entry.path), f"symlink loop: points back to {real}; not followed"))
        return None
    boundary = boundary or link_boundary(chain[0])
    if not _inside(real, boundary):
        where = "the app" if boundary == chain[0] else f"{boundary}"
        problems.append(Problem(Path(entry.path), f"symlink to {real}, outside {where}: the deploy would upload "
                                f"everything under it; gaelint does not follow links out of {where}, so none of it "
                                "is linted"))
        return None
    return real
