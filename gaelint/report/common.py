"""What every output format shows the same way: paths, the repository
root, and a finding's fields."""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Dict, Optional, Sequence

from gaelint.findings import Finding

# what marks the top of a checkout (a git worktree or submodule has a .git file)
_VCS_MARKERS = (".git", ".hg", ".svn")


def display_path(path: Path) -> str:
    """Relative to the current directory when under it, else absolute."""
    # abspath, not resolve(): a symlinked file keeps the name the user knows
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath(os.getcwd()))).as_posix()
    except ValueError:
        return str(absolute)


@functools.lru_cache(maxsize=None)
def _checkout_of(directory: str) -> Optional[str]:
    current = directory
    while True:
        if any(os.path.exists(os.path.join(current, m)) for m in _VCS_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def repository_root(roots: Sequence[Path]) -> Path:
    """The directory CI tools want paths relative to: the checkout (git,
    hg, svn) holding the checked apps, whatever the current directory;
    without one, the current directory when the apps are under it, else
    the apps' common parent."""
    found = [_checkout_of(os.path.abspath(r)) for r in roots]
    found = [f for f in found if f]
    if found:
        return Path(min(found, key=len))
    cwd = os.path.abspath(os.getcwd())
    absolute = [os.path.abspath(r) for r in roots]
    if not absolute or all(a == cwd or a.startswith(cwd.rstrip(os.sep) + os.sep) for a in absolute):
        return Path(cwd)
    return Path(os.path.commonpath(absolute))


def relative_to(path: Path, root: Path) -> Optional[str]:
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return None


def finding_dict(f: Finding) -> Dict[str, object]:
    return {"code": f.code, "name": f.name, "severity": str(f.severity), "path": display_path(f.path),
            "line": f.line, "column": f.column, "end_line": f.end_line, "end_column": f.end_column,
            "message": f.message, "fix": f.fix, "fixable": f.fixable,
            "fix_applicability": ("unsafe" if f.unsafe_fix else "safe") if f.fixable else None, "cause": f.cause,
            "reached_from": [{"path": display_path(s.path), "line": s.line, "what": s.what} for s in f.reached_from]}
