"""Give a worker's freed memory back to the system after a big file.

A worker's peak is the file it checked that needed the most memory: the
libcst tree of a 260 KB test module and its metadata take some 100 MB.
Python frees those objects when the file is done, but glibc keeps the freed
heap mapped, so without help the worker holds its largest file's memory for
the rest of the run, and a run's memory is every worker's worst file summed.
``malloc_trim`` hands the free pages back. It costs a walk of the heap, so
it runs only once the process has grown by several MB since the last trim,
which ``/proc/self/statm`` tells cheaply. Elsewhere than glibc on Linux this
does nothing.
"""
from __future__ import annotations

import os
from typing import Callable, Optional

# Growth, in MB, after which the free heap goes back: a trimmed page that is
# needed again costs a page fault, so at 8 MB the trims cost a cold run a
# second of system time; at 24 MB they cost nothing measurable, and a
# worker still stays within 24 MB of what it needs for a normal file.
TRIM_AFTER_MB = 24
_STATM = "/proc/self/statm"


def _load_trim() -> Optional[Callable[[int], int]]:
    if not os.path.exists(_STATM):
        return None
    try:
        import ctypes       # here: a run that starts no worker never needs it
        return ctypes.CDLL(None).malloc_trim    # glibc; musl and others lack it
    except (OSError, AttributeError, ImportError):
        return None


_UNLOADED = object()
_trim = _UNLOADED     # malloc_trim, or None where there is none: loaded by the first Trimmer
_PAGE_MB = (os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096) / (1024 * 1024)


def resident_mb() -> float:
    """This process's resident size in MB (0 where /proc is not there)."""
    try:
        with open(_STATM, "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE_MB
    except (OSError, IndexError, ValueError):
        return 0.0


class Trimmer:
    """Call :meth:`after` when a file is done: once the process has grown by
    ``TRIM_AFTER_MB`` since the last trim (one big file, or several
    medium ones), the free heap goes back and the count starts again."""

    def __init__(self) -> None:
        global _trim
        if _trim is _UNLOADED:
            _trim = _load_trim()
        self.baseline = resident_mb()

    def after(self) -> None:
        if _trim is None:
            return
        now = resident_mb()
        if now - self.baseline >= TRIM_AFTER_MB:
            _trim(0)
            self.baseline = resident_mb()
        elif now < self.baseline:
            self.baseline = now
