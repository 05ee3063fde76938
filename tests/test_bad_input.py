"""Bad input becomes GAE001 with a reason and a line; the run goes on, the
exit code follows INTERFACE.md, and nothing is written into the app."""
import hashlib
import os

import pytest

from conftest import check_json, run_cli

APP_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n"
VIOLATION = "import webapp2\nfh = open('/tmp/out.txt', 'w')\napp = webapp2.WSGIApplication([])\n"


def snapshot(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            digest = None
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as fh:
                    digest = hashlib.sha1(fh.read()).hexdigest()
            out[os.path.relpath(p, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.yaml").write_text(APP_YAML)
    (root / "main.py").write_text(VIOLATION)
    return root


def findings(doc, name):
    return [(f["code"], f["line"], f["message"]) for f in doc["findings"] if f["path"].endswith(name)]


def gae001(doc, name):
    return [(line, msg) for code, line, msg in findings(doc, name) if code == "GAE001"]


def test_each_bad_file_is_gae001_and_the_good_finding_survives(app):
    (app / "binary.py").write_bytes(bytes(range(256)) * 4)
    (app / "latin.py").write_bytes(b"# nothing declared\nname = 'caf\xe9'\n")
    (app / "nul.py").write_bytes(b"x = 1\ny = 2\0\n")
    (app / "deep.py").write_text("x = " + "(" * 1000 + "1" + ")" * 1000 + "\n")
    (app / "syntax.py").write_text("import os\n\ndef handler(:\n    pass\n")
    (app / "badcodec.py").write_bytes(b"# -*- coding: no-such-codec -*-\nx = 1\n")
    (app / "wrongcodec.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = 1\ns = '\xff\xfe'\n")
    before = snapshot(app)
    code, doc = check_json(app)
    assert code == 1
    assert snapshot(app) == before, "gaelint must never write into the app"
    assert findings(doc, "main.py") == [("GAE201", 2, "`open()` opens a file for writing (mode 'w')")]
    assert gae001(doc, "binary.py") == [(1, "cannot analyse this file: the file contains NUL bytes (binary data, not Python source)")]
    assert gae001(doc, "nul.py") == [(2, "cannot analyse this file: the file contains NUL bytes (binary data, not Python source)")]
    assert gae001(doc, "latin.py") == [(2, "cannot analyse this file: byte 0xe9 is not valid UTF-8 and no encoding is declared (PEP 263)")]
    [(line, msg)] = gae001(doc, "deep.py")
    assert line == 1 and "nested" in msg
    [(line, msg)] = gae001(doc, "syntax.py")
    assert line == 3 and msg.startswith("cannot analyse this file: invalid")
    assert gae001(doc, "badcodec.py") == [(1, "cannot analyse this file: unknown encoding 'no-such-codec' declared")]
    assert gae001(doc, "wrongcodec.py") == [(3, "cannot analyse this file: byte 0xff is not valid in the declared encoding 'utf-8'")]


def test_undeclared_utf8_is_reported_but_still_analysed(app):
    (app / "accents.py").write_bytes("# r\u00e9sum\u00e9\nfh = open('x.log', 'a')\n".encode("utf-8"))
    _, doc = check_json(app)
    got = findings(doc, "accents.py")
    assert [(c, l) for c, l, _ in got] == [("GAE001", 1), ("GAE201", 2)]
    assert "Python 2.7 refuses to import this file" in got[0][2]


def test_cr_only_and_crlf_newlines_keep_lines(app):
    (app / "mac.py").write_bytes(b"import os\r\rprint 'x'\rfh = open('a', 'w')\r")
    (app / "dos.py").write_bytes(b"import os\r\n\r\nprint 'x'\r\nos.remove('a')\r\n")
    _, doc = check_json(app)
    assert [(c, l) for c, l, _ in findings(doc, "mac.py")] == [("GAE201", 4)]
    assert [(c, l) for c, l, _ in findings(doc, "dos.py")] == [("GAE201", 4)]


def test_fifty_thousand_line_python2_file(app):
    block = "def f{i}(x):\n    print 'value', x\n    return x <> 0\n\n"
    text = "".join(block.format(i=i) for i in range(12500))
    text += "fh = open('/tmp/big.log', 'w')\n"
    (app / "big.py").write_text(text)
    _, doc = check_json(app)
    assert [(c, l) for c, l, _ in findings(doc, "big.py")] == [("GAE201", 50001)]


def test_symlink_loop_and_dangling_link_do_not_stop_the_run(app):
    (app / "pkg").mkdir()
    (app / "pkg" / "__init__.py").write_text("")
    os.symlink("..", app / "pkg" / "loop")
    os.symlink("missing.py", app / "dangling.py")
    before = snapshot(app)
    code, doc = check_json(app)
    assert code == 1
    assert snapshot(app) == before
    assert findings(doc, "main.py")[0][:2] == ("GAE201", 2)
    assert [c for c, _, _ in findings(doc, "dangling.py")] == ["GAE001"]


def test_unreadable_file(app):
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    p = app / "secret.py"
    p.write_text("x = 1\n")
    p.chmod(0)
    _, doc = check_json(app)
    assert [c for c, _, _ in findings(doc, "secret.py")] == ["GAE001"]


def test_exit_codes(app, tmp_path):
    code, _, _ = run_cli("check", app)
    assert code == 1
    code, _, _ = run_cli("check", app, "--exit-zero")
    assert code == 0
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "app.yaml").write_text(APP_YAML)
    (clean / "main.py").write_text("import webapp2\napp = webapp2.WSGIApplication([])\n")
    code, out, _ = run_cli("check", clean)
    assert code == 0, out
    code, _, err = run_cli("check", app, "--select", "GAE999")
    assert code == 2 and "GAE999" in err
    code, _, err = run_cli("check", tmp_path / "does-not-exist")
    assert code == 2 and "does not exist" in err
    code, _, err = run_cli("check", app, "--fail-on", "loud")
    assert code == 2


def test_python2_that_python3_chokes_on_is_still_analysed(app):
    # `lambda(x):` without a space, and True/False bound as names (pycrypto's
    # py21compat does it): valid Python 2.7, so every rule still runs.
    (app / "compat.py").write_text(
        "import os\n"
        "try:\n    True, False\nexcept NameError:\n    (True, False) = (1, 0)\n"
        "key = lambda(k, v): k\n"
        "os.remove('stale.lock')\n")
    _, doc = check_json(app)
    assert [(c, l) for c, l, _ in findings(doc, "compat.py")] == [("GAE201", 7)]


def test_a_flat_chain_python27_accepts_is_info_not_an_error(app):
    # CPython 3's parser recurses on a 3,000-term chain; Python 2.7 imports it.
    (app / "table.py").write_text("BLOB = " + " + ".join(["'ab'"] * 3000) + "\nfh = open('x', 'w')\n")
    _, doc = check_json(app)
    got = [(c, l, m) for c, l, m in findings(doc, "table.py")]
    assert [c for c, _, _ in got] == ["GAE001"]
    severity = [f["severity"] for f in doc["findings"] if f["path"].endswith("table.py")]
    assert severity == ["info"] and "Python 2.7 accepts this file" in got[0][2]
