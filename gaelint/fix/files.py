"""The files a fix changes: read once, diffed, written back only when
nobody changed them meanwhile.

A file is written in place (same inode, mode and owner), and only if its
bytes are still those the fix was planned on and it was not modified after
the check began (``since``): an editor saving app.yaml during the run wins,
and the fix is skipped with a note.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from gaelint.report.common import display_path


@dataclass
class FileChange:
    path: Path
    before: bytes
    after: bytes
    what: List[str] = field(default_factory=list)   # the edits, in words

    def text(self, data: bytes) -> str:
        return data.decode("utf-8", "surrogateescape")


class Snapshots:
    """Each file's bytes as first read, and the edited text per file."""

    def __init__(self, since_ns: Optional[int] = None):
        self.since_ns = since_ns
        self._bytes: Dict[Path, bytes] = {}
        self.problems: Dict[Path, str] = {}

    def read(self, path: Path) -> bytes:
        key = Path(os.path.abspath(path))
        if key not in self._bytes:
            if os.path.islink(key):
                # its target may be shared with other apps: edit it there, by hand
                raise ValueError(f"{display_path(key)} is a symbolic link: not edited")
            try:
                stat = key.stat()
                data = key.read_bytes()
            except OSError as exc:
                raise ValueError(f"cannot read {display_path(key)}: {exc.strerror or exc}") from None
            if self.since_ns is not None and stat.st_mtime_ns > self.since_ns:
                raise ValueError(f"{display_path(key)} changed on disk since gaelint read it: not touched")
            self._bytes[key] = data
        return self._bytes[key]

    def original(self, path: Path) -> Optional[bytes]:
        return self._bytes.get(Path(os.path.abspath(path)))


def write(change: FileChange, since_ns: Optional[int] = None) -> Optional[str]:
    """Write one change; None, or why the file was left alone."""
    shown = display_path(change.path)
    try:
        with open(change.path, "r+b") as fh:
            stat = os.fstat(fh.fileno())
            current = fh.read()
            if current != change.before or (since_ns is not None and stat.st_mtime_ns > since_ns):
                return f"{shown} changed on disk since gaelint read it: not touched"
            fh.seek(0)
            fh.write(change.after)
            fh.truncate()
    except OSError as exc:
        return f"cannot write {shown}: {exc.strerror or exc}"
    return None


def unified_diff(changes: List[FileChange]) -> str:
    """A patch that ``patch -p0`` (run from the current directory) applies."""
    out: List[str] = []
    for change in changes:
        shown = display_path(change.path)
        before = change.text(change.before).splitlines(keepends=True)
        after = change.text(change.after).splitlines(keepends=True)
        for line in difflib.unified_diff(before, after, fromfile=shown, tofile=shown):
            if line.endswith("\n"):
                out.append(line)
            else:   # the last line of a file without a final newline
                out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def summary_of(changes: List[FileChange]) -> List[Tuple[str, str]]:
    return [(display_path(c.path), what) for c in changes for what in c.what]
