"""`gaelint check - --stdin-filename F`: the text comes from stdin, the app
context (app.yaml, skip_files, config) from where F lives; nothing is written."""
import io
import json
import os
import subprocess
import sys

from integration_util import APP, cli, copy_app

from gaelint.config import Config
from gaelint.engine.check import RuleSet
from gaelint.registry import AppRule
from gaelint.runner import run


def _stdin(text, *args, cwd):
    """In-process, with stdin replaced (one test below runs the real CLI)."""
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(text.encode("utf-8")))
    try:
        return cli("check", "--format", "json", "-j1", *args, cwd=cwd)
    finally:
        sys.stdin = old


def _snapshot(root):
    return sorted((path, name) for path, _, names in os.walk(root) for name in names)


def test_stdin_uses_the_app_of_the_stdin_filename(tmp_path):
    app = copy_app(tmp_path)
    (app / "gaelint.toml").write_text('[per-file-ignores]\n"legacy/*" = ["GAE201"]\n')
    before = _snapshot(tmp_path)
    edited = (app / "main.py").read_text().replace("relay = smtplib.SMTP(settings.MAIL_HOST)",
                                                   "relay = smtplib.SMTP(settings.MAIL_HOST, 587)")
    code, out, err = _stdin(edited, "-", "--stdin-filename", "main.py", "--select", "GAE103,GAE201", cwd=app)
    assert code == 1, err
    doc = json.loads(out)
    assert [(f["path"], f["code"], f["line"]) for f in doc["findings"]] == [("main.py", "GAE103", 42)]
    assert doc["summary"]["files"] == 1 and doc["summary"]["suppressed"] == 3
    # A new file that does not exist yet, in a subdirectory; config comes from its place.
    code, out, err = _stdin("import os\nos.remove('x')\nopen('y', 'w')\n", "-", "--stdin-filename",
                            app / "legacy" / "new.py", "--select", "GAE201", cwd=tmp_path)
    assert code == 0 and json.loads(out)["findings"] == [], (out, err)
    code, out, _ = _stdin("import os\nos.remove('x')\n", "-", "--stdin-filename", "app/handlers/new.py",
                          "--select", "GAE201", cwd=tmp_path)
    assert code == 1 and [f["path"] for f in json.loads(out)["findings"]] == ["app/handlers/new.py"]
    assert _snapshot(tmp_path) == before          # nothing written, not even a cache


def test_stdin_respects_skip_files(tmp_path):
    app = copy_app(tmp_path)
    code, out, _ = _stdin("import os\nos.remove('x')\n", "-", "--stdin-filename", "notes.py~", cwd=app)
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == []
    assert "not in the deploy set" in doc["notes"][0]["message"]


def test_stdin_python2_and_unparsable(tmp_path):
    app = copy_app(tmp_path)
    code, out, _ = _stdin("print 'hi'\nimport smtplib\ns = smtplib.SMTP('mx')\n", "-",
                          "--stdin-filename", "main.py", "--select", "GAE0,GAE103", cwd=app)
    assert code == 1 and [(f["code"], f["line"]) for f in json.loads(out)["findings"]] == [("GAE103", 3)]
    code, out, _ = _stdin("def broken(:\n", "-", "--stdin-filename", "main.py", cwd=app)
    assert code == 1 and [(f["code"], f["line"]) for f in json.loads(out)["findings"]] == [("GAE001", 1)]


class _ThreadsafeRule(AppRule):
    """Stand-in app rule (independent of the real GAE4xx rules): flags the
    line of app.yaml's `threadsafe` key, read from the app model."""
    code = "GAE498"
    name = "test-threadsafe"
    message = "threadsafe is set"
    fix = "none"

    def check_app(self, app):
        line = app.config.line_of("threadsafe")
        if line is not None:
            app.report(self, app.config.path, line)


def test_stdin_app_yaml_is_the_piped_text(tmp_path):
    """Piping app.yaml runs the app rules on the piped text (not the file
    on disk): findings are on the buffer's lines, and its noqa applies."""
    app = copy_app(tmp_path)
    ruleset = RuleSet((_ThreadsafeRule,))
    buffer = "# edited\n\n" + (app / "app.yaml").read_text()
    result = run([], ruleset, Config(), stdin=(app / "app.yaml", buffer.encode()))
    assert [(f.line, f.source_line, f.suppressed) for f in result.findings] == [(5, "threadsafe: true", None)]
    buffer = buffer.replace("threadsafe: true", "threadsafe: true  # noqa: GAE498")
    result = run([], ruleset, Config(), stdin=(app / "app.yaml", buffer.encode()))
    assert [(f.line, f.suppressed) for f in result.findings] == [(5, "noqa")]
    assert "# edited" not in (app / "app.yaml").read_text()


def test_stdin_through_a_real_pipe(tmp_path):
    app = copy_app(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "gaelint", "check", "--format", "json", "--select", "GAE201",
                           "--no-cache",
                           "-", "--stdin-filename", "handlers/export.py"],
                          input=b"import os\nos.remove('x')  # noqa\nos.rename('a', 'b')\n",
                          capture_output=True, cwd=app)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(f["path"], f["line"]) for f in doc["findings"]] == [("handlers/export.py", 3)]


def test_stdin_usage_errors():
    code, _, err = cli("check", "-")
    assert code == 2 and "needs --stdin-filename" in err
    code, _, err = cli("check", "-", APP, "--stdin-filename", "main.py")
    assert code == 2 and "cannot be combined" in err
    code, _, err = cli("check", APP, "--stdin-filename", "main.py")
    assert code == 2 and "--stdin-filename goes with PATH '-'" in err
    code, _, err = cli("check", "-", "--stdin-filename", "main.py", "--write-baseline", "b.json")
    assert code == 2 and "--write-baseline cannot be used with stdin" in err
