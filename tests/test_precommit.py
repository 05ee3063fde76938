"""The real pre-commit tool with this repository's .pre-commit-hooks.yaml.

pre-commit installs hooks from a git repository at a commit, so the working
tree (not whatever /work/main last committed) is copied into a temporary
repository and committed; a second temporary repository holds a python27 app
whose .pre-commit-config.yaml points at it. Then, through the installed git
hook: a clean commit passes, a staged violation fails the commit, and the
fixed file passes. pre-commit pip-installs gaelint into its own environment
(dependencies from PyPI), so this takes a while: it is marked slow, and it
runs in CI (plain `pytest`).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What pip needs to build gaelint, and the hooks file.
SOURCES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "gaelint", "rules")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("git") is None, reason="needs git")]

MAIN_OK = """\
import webapp2
from google.appengine.api import mail


class ContactHandler(webapp2.RequestHandler):
    def post(self):
        mail.send_mail('noreply@example.com', 'admin@example.com', 'contact',
                       self.request.get('body'))
        self.response.write('sent')


app = webapp2.WSGIApplication([('/contact', ContactHandler)])
"""

MAIN_BAD = MAIN_OK.replace(
    "        self.response.write('sent')\n",
    "        with open('sent.log', 'a') as log:\n"
    "            log.write(self.request.get('body'))\n"
    "        self.response.write('sent')\n")

APP_YAML = """\
runtime: python27
api_version: 1
threadsafe: true

handlers:
- url: /.*
  script: main.app
"""


@pytest.fixture
def env(tmp_path):
    """Git and pre-commit isolated from the user's configuration."""
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = gaelint tests\n\temail = tests@example.com\n"
                         "[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT", "GAELINT"))}
    return {**keep, "GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1",
            "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never",
            "GAELINT_CACHE_DIR": str(tmp_path / "gaelint-cache")}


def _run(args, cwd, env, check=True):
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def _hook_repo(tmp_path, env) -> tuple:
    """A committed copy of this working tree: (path, commit)."""
    repo = tmp_path / "gaelint-src"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=ignore)
        else:
            shutil.copy2(source, repo / name)
    _run(["git", "init", "-q"], repo, env)
    _run(["git", "add", "-A"], repo, env)
    _run(["git", "commit", "-q", "-m", "gaelint under test"], repo, env)
    sha = _run(["git", "rev-parse", "HEAD"], repo, env).stdout.strip()
    return repo, sha


def test_pre_commit_hook_blocks_a_staged_violation(tmp_path, env):
    hooks, sha = _hook_repo(tmp_path, env)
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "app.yaml").write_text(APP_YAML)
    (project / "app" / "main.py").write_text(MAIN_OK)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {sha}\n  hooks:\n  - id: gaelint\n  - id: gaelint-app\n")
    pre_commit = [sys.executable, "-m", "pre_commit"]
    _run(["git", "init", "-q"], project, env)
    _run([*pre_commit, "install"], project, env)
    _run(["git", "add", "-A"], project, env)

    # A clean app commits (the first run also builds the hook environment).
    first = _run(["git", "commit", "-m", "guestbook"], project, env, check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "gaelint (App Engine python27)" in first.stdout + first.stderr

    # A staged violation fails the commit, naming the code, file and line.
    (project / "app" / "main.py").write_text(MAIN_BAD)
    _run(["git", "add", "app/main.py"], project, env)
    bad = _run(["git", "commit", "-m", "log contact messages"], project, env, check=False)
    output = bad.stdout + bad.stderr
    assert bad.returncode != 0, output
    assert "error[GAE201]: `open()` opens a file for writing (mode 'a')\n --> app/main.py:9:14\n" in output
    assert "Failed" in output
    head = _run(["git", "log", "--oneline"], project, env).stdout
    assert "log contact messages" not in head

    # The fixed file passes.
    (project / "app" / "main.py").write_text(MAIN_OK.replace("'sent'", "'thanks'"))
    _run(["git", "add", "app/main.py"], project, env)
    good = _run(["git", "commit", "-m", "say thanks"], project, env, check=False)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "say thanks" in _run(["git", "log", "--oneline"], project, env).stdout

    # The whole-app hook sees what no staged file shows: run it on its own
    # after a compiled extension lands in the app outside pre-commit's file
    # list (a build step's leftover, never added to git).
    (project / "app" / "_speedups.so").write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 9)
    whole = _run([*pre_commit, "run", "gaelint-app"], project, env, check=False)
    assert whole.returncode == 1 and "error[GAE304]: " in whole.stdout, whole.stdout
    assert " --> app/_speedups.so\n" in whole.stdout, whole.stdout
    per_file = _run([*pre_commit, "run", "gaelint"], project, env, check=False)
    assert per_file.returncode == 0, per_file.stdout   # nothing staged for it
