"""Baselines: record today's findings so CI fails only on new ones.

A finding's fingerprint is a hash of

* its code,
* its path, relative to the baseline file's directory (else to its app root),
* the text of its line with whitespace collapsed (not the line number),
* its occurrence number among findings with the same three values,

so it survives code moving up and down and edits to other lines, and a
finding that was fixed simply drops out. The same fingerprint (relative to
the SARIF root instead) is SARIF's ``partialFingerprints``.

The file is JSON, sorted, one entry per finding with the code, path, line and
message beside the fingerprint so a reviewer can read the diff.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from gaelint import __version__
from gaelint.config import ConfigError
from gaelint.findings import Finding

FORMAT = 1
_SPACE = re.compile(r"\s+")
# Never hidden: a failure of gaelint itself must stay visible.
NOT_BASELINED = frozenset({"GAE002"})


def normalise(text: Optional[str]) -> str:
    return _SPACE.sub(" ", text or "").strip()


def relative(path: Path, base: Path, roots: Sequence[Path] = ()) -> str:
    """``path`` relative to ``base``; else to the app root holding it (a
    baseline kept outside the tree); else absolute."""
    path = Path(os.path.abspath(path))
    for anchor in (base, *roots):
        try:
            return path.relative_to(os.path.abspath(anchor)).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def fingerprints(findings: Sequence[Finding], base: Path, roots: Sequence[Path] = ()) -> List[str]:
    """One fingerprint per finding, in the same order."""
    keys = [(f.code, relative(f.path, base, roots), normalise(f.source_line)) for f in findings]
    # Occurrence numbers count identical keys top to bottom in the file.
    order = sorted(range(len(findings)), key=lambda i: (findings[i].line or 0, findings[i].column or 0, i))
    seen: Counter = Counter()
    out: List[str] = [""] * len(findings)
    for i in order:
        n = seen[keys[i]]
        seen[keys[i]] += 1
        code, rel, text = keys[i]
        digest = hashlib.sha256(f"{code}\0{rel}\0{text}\0{n}".encode("utf-8", "surrogateescape")).hexdigest()
        out[i] = digest[:32]
    return out


@dataclass
class Outcome:
    """What applying a baseline did, for the report summaries."""

    path: Path
    hidden: int = 0     # known findings hidden
    new: int = 0        # findings not in the baseline
    fixed: int = 0      # baseline entries that matched nothing (fixed since)

    def as_dict(self) -> Dict[str, object]:
        return {"file": str(self.path), "hidden": self.hidden, "new": self.new, "fixed": self.fixed}


def _eligible(f: Finding) -> bool:
    return not f.suppressed and f.code not in NOT_BASELINED


def write(path: Path, findings: Sequence[Finding], roots: Sequence[Path] = ()) -> int:
    """Record the active findings; returns how many."""
    base = Path(os.path.abspath(path)).parent
    active = [f for f in findings if _eligible(f)]
    prints = fingerprints(active, base, roots)
    entries = sorted(({"fingerprint": fp, "code": f.code, "path": relative(f.path, base, roots),
                       "line": f.line, "message": f.message} for f, fp in zip(active, prints)),
                     key=lambda e: (e["path"], e["line"] or 0, e["code"], e["fingerprint"]))
    doc = {"gaelint-baseline": FORMAT, "generated-by": f"gaelint {__version__}", "findings": entries}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(doc, indent=1, ensure_ascii=False)
        if any("\ud800" <= c <= "\udfff" for c in text):    # a file name that is not UTF-8
            text = json.dumps(doc, indent=1)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return len(entries)


def read(path: Path) -> List[Tuple[str, str]]:
    """(fingerprint, path) of every finding the baseline records."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"baseline file {path} does not exist (create it with --write-baseline {path})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ConfigError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("gaelint-baseline") != FORMAT or not isinstance(doc.get("findings"), list):
        raise ConfigError(f"{path} is not a gaelint baseline (format {FORMAT}); write one with --write-baseline")
    try:
        return [(str(e["fingerprint"]), str(e.get("path", ""))) for e in doc["findings"]]
    except (TypeError, KeyError, AttributeError):
        raise ConfigError(f"baseline {path}: every entry needs a 'fingerprint'") from None


def apply(path: Path, findings: Sequence[Finding], roots: Sequence[Path] = (),
          checked: Optional[Sequence[Path]] = None) -> Tuple[List[Finding], Outcome]:
    """Mark the findings the baseline knows as suppressed ('baseline').

    ``checked``: the files this run looked at; entries for other files are
    not counted as fixed (pre-commit checks a few files at a time)."""
    entries = read(path)
    known = Counter(fp for fp, _ in entries)
    base = Path(os.path.abspath(path)).parent
    outcome = Outcome(path)
    eligible = [i for i, f in enumerate(findings) if _eligible(f)]
    prints = fingerprints([findings[i] for i in eligible], base, roots)
    out = list(findings)
    for i, fp in zip(eligible, prints):
        if known[fp] > 0:
            known[fp] -= 1
            out[i] = findings[i].with_(suppressed="baseline")
            outcome.hidden += 1
        else:
            outcome.new += 1
    outcome.new += sum(1 for f in findings if not f.suppressed and not _eligible(f))
    looked_at = None if checked is None else {relative(p, base, roots) for p in checked}
    for fp, rel in entries:
        if known[fp] > 0 and (looked_at is None or rel in looked_at):
            known[fp] -= 1
            outcome.fixed += 1
    return out, outcome

