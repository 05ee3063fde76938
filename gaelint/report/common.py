"""What every output format shows the same way: paths, the repository
root, a finding's fields, and strings from the user's tree made safe to
print.

File names, source lines and messages (which quote the user's code and
app.yaml) are not gaelint's: a name can hold a newline that forges a report
line, a source line an escape sequence that erases the finding above it, and
a file name bytes that are not UTF-8 (Python holds them as lone surrogates,
which no UTF-8 output can encode). :func:`printable` writes every control
character (C0, DEL, C1), bidirectional override and such byte as a visible
escape (``\x1b``, ``\n``, ``\u202e``, ``\xe9``) for the text and github
formats; :func:`valid_unicode` only turns the bytes into the same escapes,
for formats that escape controls themselves (json, sarif, junit). Paths go
through :func:`display_path`, so a file has one name in every format.
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Dict, Optional, Sequence

from gaelint.findings import Finding

# what marks the top of a checkout (a git worktree or submodule has a .git file)
_VCS_MARKERS = (".git", ".hg", ".svn")
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                          "\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:        # os.fsdecode's stand-in for a byte that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return _NAMED.get(char) or f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: Optional[str]) -> Optional[str]:
    """``text`` with every control, bidi override and undecodable byte
    written as a visible escape: safe on a terminal and in a CI log."""
    if text is None:
        return None
    return _UNPRINTABLE.sub(_escape, text)


def valid_unicode(text: Optional[str]) -> Optional[str]:
    """``text`` that any UTF-8 writer can encode: undecodable bytes of a
    file name become the same ``\\xNN`` escapes as in :func:`printable`."""
    if text is None:
        return None
    return _SURROGATE.sub(_escape, text)


def display_path(path: Path) -> str:
    """Relative to the current directory when under it, else absolute;
    printable (see the module docstring)."""
    return _display_path(os.fspath(path), os.getcwd())


@functools.lru_cache(maxsize=4096)
def _display_path(path: str, cwd: str) -> str:
    # A report names a few hundred files thousands of times (every finding,
    # every step of every chain). abspath, not resolve(): a symlinked file
    # keeps the name the user knows.
    absolute = Path(os.path.abspath(path))
    try:
        shown = absolute.relative_to(Path(os.path.abspath(cwd))).as_posix()
    except ValueError:
        shown = str(absolute)
    return printable(shown)


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
            "message": valid_unicode(f.message), "fix": valid_unicode(f.fix), "fixable": f.fixable,
            "fix_applicability": ("unsafe" if f.unsafe_fix else "safe") if f.fixable else None, "cause": f.cause,
            "reached_from": [{"path": display_path(s.path), "line": s.line, "what": valid_unicode(s.what)}
                             for s in f.reached_from]}
