"""Helpers for the integration tests (reporters, suppressions, baselines,
config, stdin, pre-commit): the CLI run in-process, which is much faster
than a subprocess per call, and a copy of the integration fixture app."""
import io
import json
import os
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from gaelint.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
APP = FIXTURES / "integration_app"
# Only the rules the fixture is about, so rules added later cannot change it.
SELECT = ("--select", "GAE0,GAE103,GAE201")


def cli(*args, cwd=None):
    """Run ``gaelint ARGS`` in this process, without the result cache;
    (exit code, stdout, stderr)."""
    args = [str(a) for a in args]
    if args[:1] == ["check"] and "--no-cache" not in args:
        args.insert(1, "--no-cache")       # never touch the user's result cache
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            code = main(args)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


def check(*args, cwd=None, fmt="json"):
    """``gaelint check --format json -j1 ARGS`` -> (exit code, parsed report)."""
    code, out, err = cli("check", "--format", fmt, "-j", "1", *args, cwd=cwd)
    assert code in (0, 1), f"exit {code}: {err}"
    return code, (json.loads(out) if fmt in ("json", "sarif") else out)


def copy_app(tmp_path, name="app"):
    target = tmp_path / name
    shutil.copytree(APP, target)
    return target


def found(doc):
    """[(path, code, line)] of a JSON report, paths relative to the cwd."""
    return sorted((f["path"], f["code"], f["line"]) for f in doc["findings"])
