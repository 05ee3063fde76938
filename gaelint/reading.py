"""Reading files from the user's tree (and gaelint's cache): regular files
only, never blocking, bounded in size.

A FIFO named ``app.yaml`` blocks a plain ``open()`` forever, a character
device such as ``/dev/zero`` never ends, and a socket cannot be opened at
all. Every file gaelint reads goes through :func:`read_bytes`: it looks at
the file type before opening, opens without blocking, checks the type again
on the open descriptor (the path may have been swapped in between), and
reads at most ``limit`` bytes.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Optional, Tuple, Union

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISDIR, "a directory"))


class NotRegularFile(OSError):
    """The path is a FIFO, socket, device or directory: never read."""


class TooLarge(OSError):
    """The file is larger than the caller's limit."""

    def __init__(self, size: int, limit: int):
        super().__init__(errno.EFBIG, f"the file is {size} bytes, over the {limit}-byte limit")
        self.size, self.limit = size, limit


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _check(mode: int, path) -> None:
    if not stat.S_ISREG(mode):
        what = kind_of(mode)
        raise NotRegularFile(errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL,
                             f"not a regular file: it is {what}", str(path))


def read_bytes(path: Union[str, Path], limit: Optional[int] = None) -> bytes:
    """The bytes of a regular file (symlinks followed); OSError otherwise
    (NotRegularFile, TooLarge, or the system's error)."""
    _check(os.stat(path).st_mode, path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
        getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        _check(st.st_mode, path)
        if limit is not None and st.st_size > limit:
            raise TooLarge(st.st_size, limit)
        wanted = st.st_size if limit is None else min(st.st_size, limit)
        chunks = []
        total = 0
        while True:     # a file can grow while it is read: stop at the limit
            chunk = os.read(fd, max(wanted - total, 0) + 65536)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if limit is not None and total > limit:
                raise TooLarge(total, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Union[str, Path], encoding: str = "utf-8", errors: str = "replace",
              limit: Optional[int] = None) -> str:
    return read_bytes(path, limit).decode(encoding, errors)


def is_regular_file(path: Union[str, Path]) -> bool:
    """Path.is_file() without following the answer into a FIFO later."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


# What is derived from a file's bytes (its hash, its class words) may be
# remembered across runs under its stat, as git's index does: device, inode,
# size, mtime and ctime in ns. ctime cannot be set by any user-level call,
# so a file written since has another signature. The one race, a write
# within the filesystem's timestamp granularity of the read, is closed by
# remembering only files whose ctime was SETTLED_NS older than the read
# (coarse filesystems, FAT, HFS+, some network mounts, count in seconds).
# On Windows st_ctime is the creation time: nothing is ever settled.
SETTLED_NS = 2_000_000_000


def stat_key(st: os.stat_result) -> Tuple[int, int, int, int, int]:
    """A file's signature: (device, inode, size, mtime ns, ctime ns)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def settled(path: Union[str, Path], st: os.stat_result, read_at: int) -> bool:
    """Whether what was read from ``path`` at ``read_at`` (``time.time_ns()``)
    after its stat ``st`` may be remembered under ``stat_key(st)``: the
    file had settled, and nothing wrote to it between the stat and now."""
    if os.name == "nt" or st.st_ctime_ns >= read_at - SETTLED_NS:
        return False
    try:
        return stat_key(os.stat(path)) == stat_key(st)
    except OSError:
        return False
