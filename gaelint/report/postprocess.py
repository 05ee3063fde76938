"""What the configuration and the source's comments decide about a file's
raw findings: rule selection, per-file ignores, ``# noqa`` suppressions
(marked, not dropped), unused suppressions (GAE003) and severity overrides.
"""
from __future__ import annotations

from pathlib import Path
from typing import Collection, List, Optional, Sequence

from gaelint import reading
from gaelint.config import Config
from gaelint.findings import Finding

from . import suppress
from .suppress import UNSUPPRESSIBLE as ALWAYS_REPORTED   # gaelint's own failures (GAE002)

_MAX_TEXT_BYTES = 32_000_000      # App Engine's limit per file


def postprocess(path: Path, found: List[Finding], codes: Collection[str], config: Config,
                roots: Sequence[Path], text: Optional[str] = None) -> List[Finding]:
    found = [f for f in found if f.code in codes or f.code in ("GAE001", "GAE002")]
    ignored = config.ignored_codes(path, list(roots)) if config.per_file_ignores else []
    if ignored:
        found = [f for f in found if f.code in ALWAYS_REPORTED or not any(f.code.startswith(c) for c in ignored)]
    if text is None and path.suffix in (".py", ".yaml", ".yml"):
        try:
            text = reading.read_text(path, limit=_MAX_TEXT_BYTES).replace("\r\n", "\n").replace("\r", "\n")
        except OSError:
            text = None
    found, directives = suppress.apply(found, text)
    if suppress.UNUSED_CODE in codes and text and not any(suppress.UNUSED_CODE.startswith(c) for c in ignored):
        found += suppress.unused_findings(path, directives, text, codes)
    if config.severity:
        found = [f.with_(severity=config.severity[f.code]) if f.code in config.severity else f for f in found]
    return found
