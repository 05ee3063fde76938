import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def run_cli(*args, cwd=None):
    """Run the installed gaelint CLI; returns (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "gaelint", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, "COLUMNS": "200"})
    return proc.returncode, proc.stdout, proc.stderr


def check_json(*args, cwd=None):
    code, out, err = run_cli("check", "--format", "json", "--no-cache", *args, cwd=cwd)
    assert code in (0, 1), f"exit {code}\n{err}"
    return code, json.loads(out)


def by_file(doc, root):
    """{relative path: [(code, line), ...]} from a JSON report."""
    out = {}
    root = Path(root).resolve()
    for f in doc["findings"]:
        path = Path(f["path"])
        path = path if path.is_absolute() else (Path.cwd() / path)
        rel = path.resolve().relative_to(root).as_posix()
        out.setdefault(rel, []).append((f["code"], f["line"]))
    return {k: sorted(v, key=lambda t: (t[1] or 0, t[0])) for k, v in out.items()}


@pytest.fixture
def fixtures():
    return FIXTURES
