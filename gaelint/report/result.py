"""What a run produced, as every reporter reads it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from gaelint.findings import Finding


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)   # suppressed ones are marked, not dropped
    files: int = 0
    from_cache: int = 0       # Python files whose findings came from the result cache
    # notes: what the user should know (an app checked with default
    # settings, a service skipped); errors: what kept gaelint from checking
    # something (an unreadable directory, a skip_files regex it ignores)
    notices: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    unused_noqa: List[Tuple[Path, int, str]] = field(default_factory=list)
    checked: List[Path] = field(default_factory=list)       # every file linted (JUnit testcases)
    roots: List[Path] = field(default_factory=list)         # app roots (baseline paths)
    configs: Dict[Path, Optional[Path]] = field(default_factory=dict)   # app root -> app.yaml (--fix)
    baseline: Optional[object] = None                       # baseline.Outcome when one was applied
    fixed: List[Tuple[str, str]] = field(default_factory=list)   # (file, what --fix changed in it)
    fixed_count: int = 0                                    # findings --fix fixed

    @property
    def active(self) -> List[Finding]:
        return [f for f in self.findings if not f.suppressed]
