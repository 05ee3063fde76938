"""Pre-commit that behaves: a file argument is placed as `gaelint check .`
places it, an empty target says there was nothing to check, a python27
file Python 2.7 itself rejects is the user's syntax error, and Ctrl-C exits
130 without a traceback."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from integration_util import FIXTURES, cli

APP_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\n\nhandlers:\n- url: /.*\n  script: main.app\n"
TOOL = "import smtplib\n\n\ndef notify(text):\n    smtplib.SMTP('mail.example.com').sendmail('a@b', ['c@d'], text)\n"


def _found(*args, cwd):
    code, out, err = cli("check", "--format", "json", "-j", "1", *args, cwd=cwd)
    assert code in (0, 1), err
    doc = json.loads(out)
    return sorted((f["path"], f["code"], f["line"], f["message"]) for f in doc["findings"]), doc


def test_a_file_outside_every_app_is_judged_as_check_dot_judges_it(tmp_path):
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "app.yaml").write_text(APP_YAML)
    (repo / "app" / "main.py").write_text("import webapp2\napp = webapp2.WSGIApplication([])\n")
    (repo / "tools").mkdir()
    (repo / "tools" / "notify.py").write_text(TOOL)
    # beside an app, in none: not deployed, so neither the hook nor `check .` lints it
    whole, _ = _found(".", cwd=repo)
    hook, doc = _found("tools/notify.py", "app/main.py", cwd=repo)
    assert whole == hook == []
    assert doc["summary"]["files"] == 1
    # no app anywhere: both check it as one app with default settings, rooted where they run
    (repo / "app" / "app.yaml").unlink()
    (repo / "app" / "main.py").unlink()
    whole, whole_doc = _found(".", cwd=repo)
    hook, hook_doc = _found("tools/notify.py", cwd=repo)
    assert whole == hook == [("tools/notify.py", "GAE103", 5,
                              "`smtplib.SMTP()` connects to port 25 (SMTP), which is blocked on App Engine "
                              "(the port defaults to 25)")]
    assert whole_doc["notes"] == hook_doc["notes"] == [
        {"message": "no app.yaml at or above .: checked as a python27 app with default settings"}]


def test_an_empty_target_says_there_was_nothing_to_check(tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = cli("check", tmp_path / "empty")
    assert (code, out) == (0, "Nothing to check: no deployed files in the given paths.\n")
    app = tmp_path / "app"
    (app / "static").mkdir(parents=True)
    (app / "app.yaml").write_text(APP_YAML + "skip_files:\n- ^static/.*$\n")
    (app / "static" / "old.py").write_text("import os\nos.remove('x')\n")
    code, out, err = cli("check", app / "static" / "old.py", "--output-format", "concise")
    assert (code, out) == (0, "Nothing to check: no deployed files in the given paths.\n")


@pytest.mark.parametrize("source,why", [
    ("def cleanup(path):\n    del open(path)\n", "cannot delete function call"),
    ("def log(level=1, message):\n    print message\n", "non-default argument follows default argument"),
    ("print 'sending'\nsend(to='ops', 'report')\n", "positional argument follows keyword argument"),
    ("print 'counting'\ncount() += 1\n", "is an illegal expression for augmented assignment"),
    ("print 'x'\nresult = sorted(x for x in items, reverse=True)\n", "invalid syntax at '='"),
    ("name = u'\\N{NO SUCH NAME}'\nprint name\n", "(unicode error)"),
])
def test_a_file_python27_rejects_is_the_users_syntax_error(tmp_path, source, why):
    (tmp_path / "app.yaml").write_text(APP_YAML)
    (tmp_path / "main.py").write_text(source)
    found, _ = _found(tmp_path, "--select", "GAE0", cwd=tmp_path)
    ((path, code, line, message),) = found
    assert code == "GAE001" and message.startswith("cannot analyse this file: invalid Python 2.7 syntax: ")
    assert why in message and "please report" not in message


def test_what_python27_accepts_but_gaelint_cannot_read_is_still_gaelints_limit(tmp_path):
    (tmp_path / "app.yaml").write_text(APP_YAML)
    (tmp_path / "main.py").write_text("x = True = 1\n")     # Python 2: True is a name
    ((_, code, line, message),), _ = _found(tmp_path, "--select", "GAE0", cwd=tmp_path)
    assert code == "GAE001" and "please report it" in message


def test_ctrl_c_anywhere_in_the_run_is_130_without_a_traceback(monkeypatch, capsys):
    from gaelint import cli as cli_module, runner

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(runner, "run", interrupted)
    assert cli_module.main(["check", str(FIXTURES / "integration_app"), "--no-cache"]) == 130
    # an import cut short surfaces as another error caused by the interrupt
    def half_imported(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__") from exc
    monkeypatch.setattr(runner, "run", half_imported)
    assert cli_module.main(["check", str(FIXTURES / "integration_app"), "--no-cache"]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("gaelint: interrupted") == 2
    signal.signal(signal.SIGINT, signal.default_int_handler)       # main() ignores a second Ctrl-C


def _children(pid):
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("after", [0.0, 0.3, 0.8])
def test_ctrl_c_while_workers_check_files(tmp_path, after):
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text(APP_YAML)
    body = (FIXTURES / "integration_app" / "main.py").read_text()
    for i in range(600):
        (app / f"module_{i}.py").write_text(body)
    env = {**os.environ, "GAELINT_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "gaelint", "check", str(app), "-j", "2", "--no-cache"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.fail("the check ended before its workers started")
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGINT)          # what a terminal does: the whole process group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err and err.decode().strip() == "gaelint: interrupted"
