"""GAE401-GAE403 (and GAE001 for broken .pyc files) on fixture apps whose
bytecode is made at run time: Python 3 by the running interpreter, Python 2.7
from the documented format (see bytecode_helpers)."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bytecode_helpers import magic_of, py27_pyc, py3_cache, py3_pyc, running_label, running_magic, running_python
from conftest import FIXTURES, by_file, check_json, run_cli

PY27 = Path("/root/.pyenv/versions/2.7.18/bin/python2.7")
CODES = ("--select", "GAE001,GAE401,GAE402,GAE403")


def copy(name, tmp_path):
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    return root


def findings(doc, root):
    out = {}
    for f in doc["findings"]:
        rel = Path(f["path"]).resolve().relative_to(root.resolve()).as_posix()
        out[(rel, f["code"])] = f
    return out


@pytest.fixture
def default_app(tmp_path):
    root = copy("deploy_default", tmp_path)
    # a module shipped only as 2.7 bytecode, imported by main.py
    (root / "legacy_codec.pyc").write_bytes(py27_pyc("legacy_codec.py", {"VERSION": "2.1"}))
    # a leftover of a deleted module: nothing mentions it
    (root / "oldreport.pyc").write_bytes(py27_pyc("oldreport.py", {"TITLE": "old"}))
    # bytecode beside its source, and Python 3's own cache: both fine
    py3_pyc(root / "models.py", root / "models.pyc")
    py3_cache(root / "models.py")
    return root


@pytest.fixture
def override_app(tmp_path):
    root = copy("deploy_override", tmp_path)
    src = root / "bytecode_src"
    py3_pyc(root / "helpers.py", root / "helpers.pyc")                 # beside its .py
    py3_pyc(src / "fastjson.py", root / "fastjson.pyc")                # Python 3 only
    (root / "settings.pyc").write_bytes(py27_pyc("settings.py", {"VERSION": "4.2"}))
    (root / "old25.pyc").write_bytes(py27_pyc("old25.py", {"X": "1"}, magic=magic_of(62131)))
    good = py27_pyc("broken.py", {"A": "a", "B": "b"})
    (root / "broken.pyc").write_bytes(good[:len(good) - 9])          # cut inside the code object
    (root / "notes.pyc").write_bytes(b"TODO: regenerate the bytecode\n")
    py3_cache(root / "pkg" / "__init__.py")                           # uploaded, never imported
    speedups = py3_pyc(src / "speedups.py", src / "build" / "speedups.pyc").read_bytes()
    with zipfile.ZipFile(root / "lib.zip", "w") as archive:
        archive.writestr("vendorlib/__init__.py", (src / "vendorlib_init.py").read_text())
        archive.writestr("vendorlib/__init__.pyc", py27_pyc("vendorlib/__init__.py", {"VERSION": "0.3"}))
        archive.writestr("vendorlib/speedups.pyc", speedups)
    return root


def test_default_skip_files_leaves_pyc_only_modules_out(default_app):
    code, doc = check_json(default_app, *CODES)
    assert code == 1
    assert by_file(doc, default_app) == {
        "legacy_codec.pyc": [("GAE403", None)],
        "oldreport.pyc": [("GAE403", None)],
    }
    got = findings(doc, default_app)
    codec = got[("legacy_codec.pyc", "GAE403")]
    assert codec["severity"] == "error" and codec["column"] is None
    assert codec["message"] == ("`legacy_codec.pyc` has no `legacy_codec.py` beside it and is not uploaded "
                                "(the default skip_files excludes every .pyc): `legacy_codec` will be missing "
                                "in production")
    stale = got[("oldreport.pyc", "GAE403")]
    assert stale["severity"] == "info" and "probably left over from a deleted module" in stale["message"]


def test_override_uploads_pyc_files_which_are_then_read(override_app):
    code, doc = check_json(override_app, *CODES)
    assert code == 1
    assert by_file(doc, override_app) == {
        "broken.pyc": [("GAE001", None)],
        "fastjson.pyc": [("GAE402", None)],
        "helpers.pyc": [("GAE401", None), ("GAE402", None)],
        "lib.zip": [("GAE402", None)],
        "notes.pyc": [("GAE001", None)],
        "old25.pyc": [("GAE402", None)],
    }
    got = findings(doc, override_app)
    version, magic = running_label(), running_magic()
    if sys.version_info[:2] <= (3, 13):  # the releases gaelint's magic table knows
        assert version == f"Python {running_python()}"
    fast = got[("fastjson.pyc", "GAE402")]
    assert fast["severity"] == "error"
    assert fast["message"] == (f"`fastjson.pyc` was compiled by {version} (magic number {magic}), not "
                               "Python 2.7 (62211), and no `fastjson.py` is uploaded: the import fails with "
                               "'Bad magic number'")
    helper = got[("helpers.pyc", "GAE402")]
    assert helper["severity"] == "warning"
    assert helper["message"].endswith("Python 2.7 ignores it and compiles `helpers.py` instead")
    pair = got[("helpers.pyc", "GAE401")]
    assert pair["severity"] == "warning"
    assert pair["message"] == "`helpers.pyc` is uploaded together with `helpers.py` (skip_files does not exclude .pyc files)"
    assert "Python 2.5 (magic number 62131)" in got[("old25.pyc", "GAE402")]["message"]
    archive = got[("lib.zip", "GAE402")]
    assert archive["message"].startswith(f"`vendorlib/speedups.pyc` in `lib.zip` was compiled by {version}")
    assert archive["severity"] == "error"
    broken = got[("broken.pyc", "GAE001")]["message"]
    assert broken.startswith("`broken.pyc` is not loadable bytecode: the file is truncated: it ends at byte")
    notes = got[("notes.pyc", "GAE001")]["message"]
    assert "does not start with a Python magic number" in notes and "54 4f 44 4f" in notes


def test_all_files_still_judges_the_real_deploy_set(default_app):
    _, doc = check_json(default_app, *CODES, "--all-files")
    assert set(by_file(doc, default_app)) == {"legacy_codec.pyc", "oldreport.pyc"}


def test_pre_commit_style_file_argument(override_app):
    _, doc = check_json(override_app / "fastjson.pyc", *CODES)
    assert by_file(doc, override_app) == {"fastjson.pyc": [("GAE402", None)]}


@pytest.mark.skipif(not PY27.exists(), reason="no Python 2.7 interpreter")
def test_handmade_27_bytecode_is_what_python27_writes_and_loads(tmp_path):
    (tmp_path / "settings.pyc").write_bytes(py27_pyc("settings.py", {"VERSION": "4.2"}))
    out = subprocess.run([str(PY27), "-c", "import settings; print settings.VERSION"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.stdout.strip() == "4.2", out.stderr
    # and a .pyc compiled by a real Python 2.7 passes every check
    root = copy("deploy_override", tmp_path)
    (root / "extra.py").write_text("VALUE = 1\n")
    subprocess.run([str(PY27), "-m", "py_compile", "extra.py"], cwd=root, check=True)
    (root / "extra.py").unlink()
    _, doc = check_json(root, *CODES)
    assert "extra.pyc" not in by_file(doc, root)


@pytest.mark.parametrize("code", ["GAE401", "GAE402", "GAE403", "GAE404", "GAE405", "GAE406", "GAE501", "GAE502"])
def test_explain(code):
    status, out, _ = run_cli("explain", code)
    assert status == 0
    assert code in out and "What it flags" in out and "Why it fails on App Engine" in out and "How to fix" in out


def test_every_truncation_and_garbage_is_a_reason_never_a_crash():
    from gaelint.rules.bytecode import inspect_pyc
    good = py27_pyc("mod.py", {"A": "x", "B": "y"})
    assert inspect_pyc(good).problem is None and inspect_pyc(good).version == "2.7"
    for cut in range(len(good)):
        assert inspect_pyc(good[:cut]).problem, cut
    for junk in (b"", b"\x03", b"\x03\xf3\r\n", b"\x03\xf3\r\n\0\0\0\0N", b"\x03\xf3\r\n\0\0\0\0c" + b"\xff" * 40,
                 b"\x03\xf3\r\n\0\0\0\0c" + b"\0" * 16 + b"(\xff\xff\xff\x7f", bytes(range(256))):
        info = inspect_pyc(junk)
        assert info.problem, junk


def test_magic_numbers_name_their_python():
    from gaelint.rules.bytecode import inspect_pyc, version_of
    assert version_of(62211) == "2.7" and version_of(62161) == "2.6" and version_of(62131) == "2.5"
    assert version_of(3413) == "3.8" and version_of(3351) == "3.5" and version_of(3571) == "3.13"
    assert version_of(3401) == "a Python 3.8 pre-release"
    assert version_of(3620) == "a Python newer than 3.13"
    assert version_of(15000) is None
    assert running_label().endswith(inspect_pyc(magic_of(running_magic()) + b"\0" * 12).version)


def test_a_nested_app_reports_its_own_bytecode_once(default_app):
    inner = default_app / "worker"
    inner.mkdir()
    (inner / "app.yaml").write_text("service: worker\nruntime: python27\napi_version: 1\nthreadsafe: true\n"
                                    "handlers:\n- url: /.*\n  script: jobs.app\n")
    (inner / "jobs.pyc").write_bytes(py27_pyc("jobs.py", {"app": "x"}))
    _, doc = check_json(default_app, *CODES)
    assert by_file(doc, default_app) == {
        "legacy_codec.pyc": [("GAE403", None)],
        "oldreport.pyc": [("GAE403", None)],
        "worker/jobs.pyc": [("GAE403", None)],
    }
