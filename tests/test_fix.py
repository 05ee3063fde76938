"""``gaelint check --fix`` and ``--diff`` on copies of the fixture apps:
the fixed app.yaml keeps every comment, a second check finds none of the
fixed findings, the diff is a patch that `patch` applies, and nothing but
the files a fix names is ever written."""
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from bytecode_helpers import py27_pyc, py3_pyc
from integration_util import FIXTURES, cli

ROOT = Path(__file__).resolve().parents[1]
# every fixture app whose findings include fixable ones, and the codes fixed
FIXABLE = {
    "deploy_appyaml": {"GAE406"},
    "deploy_httplib": {"GAE405"},
    "imports_app": {"GAE302", "GAE305"},
    "guestbook": {"GAE302"},
    "production": {"GAE302"},
    "values_app": {"GAE405"},       # vendored_later/: numpy is a C library, never vendored
    "deploy_override": {"GAE401"},
    "deploy_default": {"GAE403"},
}


def _copy(tmp_path, name):
    source = ROOT / "examples" / name if name == "guestbook" else FIXTURES / name
    target = tmp_path / name
    shutil.copytree(source, target)
    if name == "deploy_override":            # bytecode is made at run time, never committed
        (target / "settings.pyc").write_bytes(py27_pyc("settings.py", {"VERSION": "4.2"}))
        py3_pyc(target / "helpers.py", target / "helpers.pyc")
    if name == "deploy_default":
        (target / "legacy_codec.pyc").write_bytes(py27_pyc("legacy_codec.py", {"VERSION": "2.1"}))
        (target / "main.py").write_text((target / "main.py").read_text() + "\nimport legacy_codec\n")
    return target


def _findings(path, *extra):
    code, out, err = cli("check", path, "--format", "json", "-j", "1", *extra)
    assert code in (0, 1), err
    return json.loads(out)["findings"]


def _tree(root):
    """{relative path: bytes} of every file under root."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _comments(text):
    return sorted(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


def test_the_fixable_fixtures_are_all_listed():
    """Every fixture app is here or has nothing to fix, so the test below
    cannot silently skip one."""
    apps = [p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name != "sarif"] + ["guestbook"]
    for name in apps:
        path = ROOT / "examples" / name if name == "guestbook" else FIXTURES / name
        fixable = {f["code"] for f in _findings(path) if f["fixable"]}
        if name not in FIXABLE:
            assert fixable == set(), name
        elif name not in ("deploy_override", "deploy_default"):    # their .pyc files are made by _copy
            assert fixable == FIXABLE[name], name


@pytest.mark.parametrize("name", sorted(FIXABLE))
def test_fix_on_a_copy_of_each_fixture_app(tmp_path, name):
    app = _copy(tmp_path, name)
    before = _findings(app)
    fixable = [f for f in before if f["fixable"]]
    assert {f["code"] for f in fixable} == FIXABLE[name]
    files_before = _tree(app)
    yamls = {rel: data.decode() for rel, data in files_before.items() if rel.endswith((".yaml", ".gcloudignore"))}

    code, out, err = cli("check", app, "--fix", "--unsafe-fixes", "--format", "json", "-j", "1")
    assert code in (0, 1), err
    report = json.loads(out)
    assert report["summary"]["fixed"] == len(fixable)
    assert report["fixed"] and all(entry["what"] for entry in report["fixed"])

    # only yaml files (and .gcloudignore) changed, and each kept its comments
    files_after = _tree(app)
    changed = {rel for rel in files_after if files_after[rel] != files_before.get(rel)}
    assert changed and all(rel.endswith(("app.yaml", ".gcloudignore")) for rel in changed), changed
    assert set(files_after) == set(files_before)
    for rel in changed:
        assert _comments(files_after[rel].decode()) == _comments(yamls[rel]), rel

    # a second check: none of the fixed findings, and nothing left that --fix could fix
    after = _findings(app)
    assert not [f for f in after if f["fixable"]]
    gone = {(f["code"], f["message"]) for f in fixable}
    assert not gone & {(f["code"], f["message"]) for f in after}
    # what is left of those codes was there before, without a fix (messages may name lines that moved)
    def same(f):
        return f["code"], re.sub(r"line \d+", "line N", f["message"])
    unfixable = {same(f) for f in before if f["code"] in FIXABLE[name] and not f["fixable"]}
    assert {same(f) for f in after if f["code"] in FIXABLE[name]} <= unfixable


def test_imports_app_fix_in_detail(tmp_path):
    app = _copy(tmp_path, "imports_app")
    cli("check", app, "--fix", "-j", "1")
    assert (app / "app.yaml").read_text() == (FIXTURES / "imports_app" / "app.yaml").read_text().replace(
        '- name: numpy\n  version: "1.8.0"', '- name: numpy\n  version: "1.6.1"').replace(
        '- name: Pillow', '- name: PIL') + (
        '- name: futures\n  version: "3.0.5"\n- name: lxml\n  version: "3.7.3"\n')


def test_without_unsafe_fixes_only_safe_ones_are_made(tmp_path):
    app = _copy(tmp_path, "deploy_httplib")
    urlfetch = (app / "urlfetch" / "app.yaml").read_text()
    code, out, err = cli("check", app, "--fix", "-j", "1")
    assert (app / "urlfetch" / "app.yaml").read_text() == urlfetch      # the env var is an unsafe fix
    assert "15 more findings can be fixed with --unsafe-fixes" in out
    assert 'sockets_empty/app.yaml: added ssl "2.7.11" under libraries:' in out
    assert code == 1


@pytest.mark.parametrize("name", sorted(FIXABLE))
def test_diff_is_a_patch_that_applies(tmp_path, name):
    app = _copy(tmp_path, name)
    before = _tree(app)
    code, diff, err = cli("check", ".", "--diff", "--unsafe-fixes", "-j", "1", cwd=app)
    assert code == 1 and diff.startswith("--- "), err
    assert "would fix" in err
    assert _tree(app) == before                        # --diff writes nothing
    dry = subprocess.run(["patch", "-p0", "--dry-run"], input=diff, text=True, capture_output=True, cwd=app)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    # applied, the patch gives what --fix writes
    fixed = tmp_path / "fixed"
    shutil.copytree(app, fixed)
    cli("check", fixed, "--fix", "--unsafe-fixes", "-j", "1")
    subprocess.run(["patch", "-p0", "--quiet"], input=diff, text=True, check=True, cwd=app)
    assert _tree(app) == _tree(fixed)


def test_diff_without_anything_to_fix(tmp_path):
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "deploy_threads", app)
    code, diff, err = cli("check", app, "--diff", "-j", "1")
    assert (code, diff) == (0, "") and "nothing to fix" in err


def test_a_file_changed_since_it_was_read_is_not_touched(tmp_path):
    from gaelint.config import Config
    from gaelint.fix import files, plan
    from gaelint.runner import run, select_rules

    app = _copy(tmp_path, "guestbook")
    result = run([app], select_rules(Config()), Config(), jobs=1)
    planned = plan.plan(result.findings, result.configs)
    (change,) = planned.changes
    edited = change.before.decode().replace("# A legacy", "# An edited legacy")
    (app / "app.yaml").write_text(edited)                 # someone saves app.yaml meanwhile
    assert "app.yaml changed on disk since gaelint read it: not touched" in files.write(change)
    assert (app / "app.yaml").read_text() == edited


def test_a_file_modified_after_the_check_began_is_not_touched(tmp_path):
    app = _copy(tmp_path, "guestbook")
    text = (app / "app.yaml").read_text()
    future = time.time() + 3600
    os.utime(app / "app.yaml", (future, future))            # as if saved during the run
    code, out, err = cli("check", app, "--fix", "-j", "1", "--output-format", "concise")
    assert (app / "app.yaml").read_text() == text
    assert "changed on disk since gaelint read it: not touched" in out
    assert "GAE302" in out


def test_an_app_without_app_yaml_is_not_given_one(tmp_path):
    (tmp_path / "main.py").write_text("from lxml import etree\n")
    finding, = _findings(tmp_path)
    assert finding["code"] == "GAE302" and finding["fixable"] is False
    code, diff, err = cli("check", tmp_path, "--diff", "-j", "1")
    assert (code, diff) == (0, "") and not (tmp_path / "app.yaml").exists()


def test_a_symlinked_app_yaml_is_not_edited(tmp_path):
    app = _copy(tmp_path, "guestbook")
    shared = tmp_path / "shared.yaml"
    (app / "app.yaml").rename(shared)
    (app / "app.yaml").symlink_to(shared)
    text = shared.read_text()
    code, out, err = cli("check", app, "--fix", "-j", "1", "--output-format", "concise")
    assert shared.read_text() == text and (app / "app.yaml").is_symlink()
    assert "app.yaml is a symbolic link: not edited" in out
