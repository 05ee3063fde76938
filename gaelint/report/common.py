"""What every output format shows the same way: paths and a finding's fields."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict

from gaelint.findings import Finding


def display_path(path: Path) -> str:
    """Relative to the current directory when under it, else absolute."""
    # abspath, not resolve(): a symlinked file keeps the name the user knows
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath(os.getcwd()))).as_posix()
    except ValueError:
        return str(absolute)


def finding_dict(f: Finding) -> Dict[str, object]:
    return {"code": f.code, "name": f.name, "severity": str(f.severity), "path": display_path(f.path),
            "line": f.line, "column": f.column, "end_line": f.end_line, "end_column": f.end_column,
            "message": f.message, "fix": f.fix}
