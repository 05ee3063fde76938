"""Packaging: the wheel ships every rule module under gaelint.rules and no
generic top-level `rules` package; third-party rules load through the
`gaelint.rules` entry-point group."""
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

from gaelint import registry

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_has_every_rule_and_no_top_level_rules_package(tmp_path):
    # Built from a copy: setuptools leaves build/ in the source tree.
    source = tmp_path / "src"
    for name in ("gaelint", "rules", "pyproject.toml", "README.md"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                             if (ROOT / name).is_dir() else {}))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(source)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("gaelint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("rules/")]
    shipped = {n[len("gaelint/rules/"):] for n in names if n.startswith("gaelint/rules/") and n.endswith(".py")}
    in_repo = {p.relative_to(ROOT / "rules").as_posix() for p in (ROOT / "rules").rglob("*.py")}
    assert shipped == in_repo
    assert "network/sockets.py" in shipped      # rule families may be packages
    in_engine = {p.relative_to(ROOT / "gaelint").as_posix() for p in (ROOT / "gaelint").rglob("*.py")}
    assert {n[len("gaelint/"):] for n in names if n.startswith("gaelint/") and n.endswith(".py")
            and not n.startswith("gaelint/rules/")} == in_engine
    assert any(n.startswith("gaelint/data/") and n.endswith(".json") for n in names)
    modules = {r.__module__[len("gaelint.rules."):].replace(".", "/") + ".py" for r in registry.all_rules()
               if r.__module__.startswith("gaelint.rules.")}
    assert modules <= shipped


def test_third_party_rules_load_through_the_entry_point_group(tmp_path):
    (tmp_path / "acme_rules.py").write_text(textwrap.dedent('''
        from gaelint.registry import Invalid, SourceRule
        from gaelint.findings import Severity

        class NoPickle(SourceRule):
            code = "ACM001"
            name = "no-pickle-loads"
            severity = Severity.WARNING
            summary = "pickle.loads on request data"
            message = "`{call}()` unpickles data"
            fix = "Use json"
            what = why = how_to_fix = "x"
            triggers = ("pickle", "cPickle")
            INVALID = (Invalid("import pickle\\npickle.loads('x')\\n", lines=(2,)),)

            def visit_Call(self, node, ctx):
                if ctx.call_name(node) in ("pickle.loads", "cPickle.loads"):
                    ctx.report(self, node, call=ctx.call_name(node))
    '''))
    dist = tmp_path / "acme_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[gaelint.rules]\nacme = acme_rules\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n")
    (app / "main.py").write_text("import cPickle\ndata = cPickle.loads(raw)\n")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    listing = subprocess.run([sys.executable, "-m", "gaelint", "rules"], capture_output=True, text=True, env=env)
    assert "ACM001" in listing.stdout and "no-pickle-loads" in listing.stdout
    check = subprocess.run([sys.executable, "-m", "gaelint", "check", str(app), "--no-cache", "-q"],
                           capture_output=True, text=True, env=env)
    assert check.returncode == 1, check.stderr
    assert "main.py:2:8: ACM001 `cPickle.loads()` unpickles data" in check.stdout
