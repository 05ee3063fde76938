"""What a run produced, as every reporter reads it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

from gaelint.findings import Finding


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)   # suppressed ones are marked, not dropped
    files: int = 0
    notices: List[str] = field(default_factory=list)
    unused_noqa: List[Tuple[Path, int, str]] = field(default_factory=list)
    checked: List[Path] = field(default_factory=list)       # every file linted (JUnit testcases)
    roots: List[Path] = field(default_factory=list)         # app roots (baseline paths)
    baseline: Optional[object] = None                       # baseline.Outcome when one was applied

    @property
    def active(self) -> List[Finding]:
        return [f for f in self.findings if not f.suppressed]
