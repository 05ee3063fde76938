"""The progress bar on stderr (INTERFACE.md: "a progress bar on stderr for
long runs in a TTY").

It appears only when stderr is a terminal, not in CI (``CI`` set), not with
``TERM=dumb`` or ``--quiet``, and only once a run has taken a second: a
pre-commit run on a few files never flickers. It is transient: the report
that follows is all that stays on the screen.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Optional

_DELAY_S = 1.0


def wanted(quiet: bool, stream=None) -> bool:
    """Whether a bar may be shown on ``stream`` (stderr by default)."""
    stream = stream if stream is not None else sys.stderr
    if quiet or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """Counts checked files; draws a bar once the run is longer than a second."""

    def __init__(self, stream=None, delay: float = _DELAY_S, clock=time.monotonic):
        self._stream = stream if stream is not None else sys.stderr
        self._delay, self._clock = delay, clock
        self._started = clock()
        self._total = 0
        self._done = 0
        self._bar = None
        self._task = None

    def start(self, total: int) -> None:
        """A new batch of ``total`` files to check (counts add up)."""
        self._total += total
        if self._bar is not None:
            self._bar.update(self._task, total=self._total)

    def advance(self, count: int = 1) -> None:
        self._done += count
        if self._bar is None and self._clock() - self._started >= self._delay and self._done < self._total:
            self._show()
        if self._bar is not None:
            self._bar.update(self._task, completed=self._done)

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(file=self._stream, highlight=False, emoji=False)
        self._bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                             console=console, transient=True)
        self._task = self._bar.add_task("checking", total=self._total, completed=self._done)
        self._bar.start()

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def bar_for(quiet: bool, stream=None) -> Optional[ProgressBar]:
    return ProgressBar(stream) if wanted(quiet, stream) else None
