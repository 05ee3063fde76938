"""One bad file, link, yaml or signal must not take the run down (issue 15).

The junk apps below hold every case at once: FIFOs named like the files
gaelint reads, a YAML alias bomb, symlinks out of the app, catastrophic
regexes in skip_files and upload:, long operator chains beside real
findings, hostile file names and source lines, planted cache entries, and a
SIGTERM in the middle of a parallel run. Every real finding must be kept,
the exit code must follow INTERFACE.md, each run must stay under 10 s and
500 MB, nothing may be written into the app, and the text report must hold
no raw escape byte. Each gaelint run is a subprocess, measured by a small
wrapper process (its children's peak RSS)."""
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and POSIX signals")

APP_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n"
MAIN = "import webapp2\nfh = open('/tmp/out.txt', 'w')\napp = webapp2.WSGIApplication([])\n"
BOMB = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9 if i else ['lol'] * 9)}]\n" for i in range(9))
HOSTILE_NAME = "evil\x1b[2J\nx.py"
NOT_UTF8_NAME = b"caf\xe9.py"
HOSTILE_LINE = "os.remove('x')  # \x1b[1A\x1b[2K\x1b]0;title\x07 All clear :x: [bold]no[/] \u009b31m \u202egnp.exe\n"
ESCAPES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

MEASURE = """
import resource, subprocess, sys, time
start = time.time()
proc = subprocess.run(sys.argv[2:], capture_output=True, cwd=sys.argv[1])
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.buffer.write(repr((proc.returncode, time.time() - start, rss // 1024)).encode() + b"\\n")
sys.stdout.buffer.write(proc.stdout + b"\\0" + proc.stderr)
"""


def gaelint(cwd, *args, env=None):
    """(exit code, stdout, stderr, seconds, peak MB) of one gaelint run."""
    argv = [sys.executable, "-c", MEASURE, str(cwd), sys.executable, "-m", "gaelint", *map(os.fsdecode, args)]
    proc = subprocess.run(argv, capture_output=True, timeout=60,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})
    head, _, rest = proc.stdout.partition(b"\n")
    code, seconds, peak_mb = eval(head)     # noqa: S307 - our own wrapper's repr
    out, _, err = rest.partition(b"\0")
    return code, out, err.decode("utf-8", "replace"), seconds, peak_mb


def bounded(seconds, peak_mb):
    assert seconds < 10, f"took {seconds:.1f} s"
    assert peak_mb < 500, f"peak {peak_mb} MB"


def snapshot(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(os.fsencode(root), followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            digest = None
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as fh:
                    digest = hashlib.sha1(fh.read()).hexdigest()
            out[p] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


@pytest.fixture
def junk(tmp_path):
    """Three apps under junk/: one with an alias bomb in app.yaml, one whose
    app.yaml is a FIFO, and one with everything else."""
    root = tmp_path / "junk"
    bomb = root / "bomb"
    bomb.mkdir(parents=True)
    (bomb / "app.yaml").write_text(APP_YAML + BOMB + "env_variables:\n  BIG: *l8\nenv: *l8\n")
    (bomb / "main.py").write_text(MAIN)
    fifo = root / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "app.yaml")
    (fifo / "main.py").write_text(MAIN)
    app = root / "app"
    app.mkdir()
    (app / "app.yaml").write_text(
        "runtime: python27\napi_version: 1\nthreadsafe: true\n"
        "handlers:\n- url: /static\n  static_files: static/x\n  upload: ^(a|a)+$\n"
        "- url: /.*\n  script: main.app\n"
        "skip_files:\n- ^(.*/)?.*\\.bak$\n- ^(a|a)+$\n")
    (app / "main.py").write_text(MAIN)
    for name in ("appengine_config.py", ".gcloudignore", "pipe.py"):
        os.mkfifo(app / name)
    os.symlink("/usr", app / "usr")
    os.symlink("/etc", app / "etc")
    slow = app / ("a" * 30 + "!")
    slow.mkdir()
    (slow / "tasks.py").write_text("import os\nos.remove('lock')\n")
    chain = " + ".join(["1"] * 500)
    (app / "chains.py").write_text(
        "import os\n"
        f"TOTAL = {' + '.join(['1'] * 330)}\n"
        "os.remove('a')\n"
        "class Job(object):\n"
        f"    weight = {chain}\n"
        "    def run(self):\n"
        "        os.remove('b')\n"
        "        return open('c', 'w')\n")
    (app / os.fsdecode(HOSTILE_NAME)).write_text("# -*- coding: utf-8 -*-\nimport os\n" + HOSTILE_LINE)
    (app / os.fsdecode(NOT_UTF8_NAME)).write_text("import os\nos.remove('y')\n")
    for i in range(8):      # enough files for the worker processes
        (app / f"mod{i}.py").write_text(f"import os\nos.unlink('f{i}')\n")
    return root


def findings(doc):
    return sorted((f["path"].split("/", 1)[1], f["code"], f["line"]) for f in doc["findings"])


EXPECTED = [
    ("app/a" + "a" * 29 + "!/tasks.py", "GAE201", 2),     # linted: the regex that would skip it blew up
    ("app/caf\\xe9.py", "GAE201", 2),
    ("app/chains.py", "GAE201", 3), ("app/chains.py", "GAE201", 7), ("app/chains.py", "GAE201", 8),
    ("app/evil\\x1b[2J\\nx.py", "GAE201", 3),
    ("app/main.py", "GAE201", 2),
    *[(f"app/mod{i}.py", "GAE201", 2) for i in range(8)],
    ("bomb/app.yaml", "GAE406", 11),
    ("bomb/main.py", "GAE201", 2),
    ("fifo/app.yaml", "GAE406", 1),
    ("fifo/main.py", "GAE201", 2),
]


def test_junk_apps_every_real_finding_kept(junk):
    before = snapshot(junk)
    code, out, err, seconds, peak = gaelint(junk.parent, "check", "--no-cache", "--format", "json",
                                            "--select", "GAE0,GAE201,GAE406", "junk")
    bounded(seconds, peak)
    assert code == 1, err
    doc = json.loads(out)
    assert findings(doc) == EXPECTED
    assert "Traceback" not in err
    by_path = {(f["path"], f["code"]): f["message"] for f in doc["findings"]}
    assert "a 'billion laughs' file" in by_path[("junk/bomb/app.yaml", "GAE406")]
    assert "not a regular file: it is a FIFO" in by_path[("junk/fifo/app.yaml", "GAE406")]
    notes = "\n".join(e["message"] for e in doc["errors"])
    assert "skip_files entry '^(a|a)+$' takes over 0.25 s" in notes
    assert "handler `upload: ^(a|a)+$` takes over 0.25 s" in notes
    assert f"symlink to /usr, outside {junk.resolve()}: the deploy would upload everything under it" in notes
    assert f"symlink to {os.path.realpath('/etc')}, outside {junk.resolve()}" in notes
    assert snapshot(junk) == before, "gaelint must never write into the app"


def test_junk_apps_text_report_holds_no_escape(junk):
    code, out, err, seconds, peak = gaelint(junk.parent, "check", "--no-cache", "-j", "1",
                                            "--select", "GAE0,GAE201,GAE406", "junk")
    bounded(seconds, peak)
    assert code == 1 and "Traceback" not in err
    text = out.decode("utf-8")
    assert not ESCAPES.findall(text)
    assert "--> junk/app/evil\\x1b[2J\\nx.py:3:1\n" in text
    assert "--> junk/app/caf\\xe9.py:2:1\n" in text
    assert "# \\x1b[1A\\x1b[2K\\x1b]0;title\\x07 All clear :x: [bold]no[/] \\x9b31m \\u202egnp.exe" in text
    assert "All clear: no findings" not in text and "Found " in text


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit", "json"])
def test_a_name_that_is_not_utf8_in_every_format_and_in_output(junk, fmt):
    target = junk.parent / f"report.{fmt}"
    code, out, err, seconds, peak = gaelint(junk.parent, "check", "--no-cache", "--format", fmt, "--output",
                                            target, "--select", "GAE201", "junk/app")
    bounded(seconds, peak)
    assert code == 1 and "Traceback" not in err, err
    text = target.read_text("utf-8")      # strict: the report is valid UTF-8
    if fmt == "sarif":
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in json.loads(text)["runs"][0]["results"]]
        assert "junk/app/caf%E9.py" in uris and "junk/app/evil%1B%5B2J%0Ax.py" in uris
    else:
        assert ("caf\\\\xe9.py" if fmt == "json" else "caf\\xe9.py") in text
    if fmt == "github":
        assert not ESCAPES.findall(text)
        lines = text.splitlines()       # no name or line forges a report line
        assert len([line for line in lines if line.startswith(("::error file=", "::notice file="))]) == 15
        assert all(line.startswith(("::error ", "::notice ", "gaelint: note: ")) for line in lines), lines


def test_planted_and_foreign_cache_entries_are_misses(junk, tmp_path):
    cache = tmp_path / "cache"
    env = {"GAELINT_CACHE_DIR": str(cache)}
    args = ("check", "--format", "json", "--select", "GAE0,GAE201,GAE406", "junk")
    code, out, err, seconds, peak = gaelint(junk.parent, *args, env=env)
    bounded(seconds, peak)
    cold = findings(json.loads(out))
    assert cold == EXPECTED
    entries = [p for p in cache.rglob("*.json") if json.loads(p.read_text()).get("kind") == "findings"]
    assert entries
    for i, entry in enumerate(entries):
        doc = json.loads(entry.read_text())
        if i % 3 == 0:      # what an attacker plants: the right key, no findings
            entry.write_text(json.dumps({"format": doc["format"], "key": doc["key"], "value": []}))
        elif i % 3 == 1:    # bound to other bytes
            entry.write_text(json.dumps({**doc, "content": hashlib.sha256(b"other").hexdigest(), "value": []}))
        else:               # the right bytes, a value outside the schema
            entry.write_text(json.dumps({**doc, "value": [{"code": "GAE999", "path": "x.py"}]}))
    (cache / "ab").mkdir(exist_ok=True)
    os.mkfifo(cache / "ab" / ("ab" + "0" * 62 + ".json"))      # a FIFO where an entry could be
    code, out, err, seconds, peak = gaelint(junk.parent, *args, env=env)
    bounded(seconds, peak)
    assert findings(json.loads(out)) == cold
    assert not list(cache.rglob(".tmp-*")), "no temporary file left behind"
    os.chmod(cache, 0o777)      # others could plant entries: not used at all
    try:
        code, out, err, seconds, peak = gaelint(junk.parent, *args, env=env)
    finally:
        os.chmod(cache, 0o700)
    assert findings(json.loads(out)) == cold
    assert f"the cache directory {cache} is writable by other users: the cache is not used" in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for the worker processes")
def test_sigterm_mid_run_stops_the_workers_and_exits_143(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text(APP_YAML)
    body = "import os\n" + "".join(f"def f{i}(x):\n    return [y * {i} for y in x if y]\n" for i in range(3000))
    for i in range(24):
        (app / f"m{i}.py").write_text(body + "os.remove('x')\n")
    proc = subprocess.Popen([sys.executable, "-m", "gaelint", "check", "--no-cache", "-j", "2", str(app)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers = []
    deadline = time.time() + 20
    while not workers and time.time() < deadline and proc.poll() is None:
        workers = [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == proc.pid]
        time.sleep(0.05)
    assert workers, "the run must be in its worker phase"
    time.sleep(0.3)
    started = time.time()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)     # EOF: no worker holds stdout open
    assert time.time() - started < 10
    assert proc.returncode == 143
    assert b"Traceback" not in err
    time.sleep(0.2)
    assert not [w for w in workers if os.path.exists(f"/proc/{w}") and _parent(w) == proc.pid]


def _parent(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return int(fh.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
