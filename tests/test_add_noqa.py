"""``gaelint check --add-noqa``: a comment that suppresses each finding,
on a line that can take one, without changing anything else in the file."""
import json

from bytecode_helpers import py27_pyc
from integration_util import APP, SELECT, cli, copy_app

APP_YAML = """\
application: guestbook
runtime: python27
api_version: 1
threadsafe: true

handlers:
- url: /.*
  script: main.app

libraries:
- name: lxml
  version: "2.4"   # old
"""

MAIN = '''\
# -*- coding: utf-8 -*-
import smtplib
import webapp2

REPORT = """Weekly report
%s""" % open('/tmp/report.txt', 'w')
relay = smtplib.SMTP('mail.example.com')  # noqa: E501 - long host list
backup = smtplib.SMTP(
    'backup.example.com')  # the backup relay
print "started"
log = open('/tmp/a.log',
           'a') if True else None
x = (open("""
multi""", 'w'))
app = webapp2.WSGIApplication([])
'''

MAIN_AFTER = '''\
# -*- coding: utf-8 -*-
import smtplib
import webapp2

REPORT = """Weekly report
%s""" % open('/tmp/report.txt', 'w')  # noqa: GAE201
relay = smtplib.SMTP('mail.example.com')  # noqa: E501, GAE103 - long host list
backup = smtplib.SMTP(  # noqa: GAE103
    'backup.example.com')  # the backup relay
print "started"
log = open('/tmp/a.log',  # noqa: GAE201
           'a') if True else None
x = (open("""
multi""", 'w'))  # noqa: GAE201
app = webapp2.WSGIApplication([])
'''

# latin-1, CRLF line endings: both stay
LEGACY = b'# -*- coding: latin-1 -*-\r\nimport os\r\nNAME = "caf\xe9"\r\nos.remove("/tmp/x")\r\n'


def _app(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text(APP_YAML)
    (app / "main.py").write_text(MAIN)
    (app / "legacy.py").write_bytes(LEGACY)
    (app / "stray.pyc").write_bytes(py27_pyc("stray.py", {"A": "b"}))     # a finding about a whole file
    return app


def _active(app, *extra):
    code, out, err = cli("check", app, "--format", "json", "-j", "1", *extra)
    return json.loads(out)


def test_add_noqa_comments_every_finding_where_it_works(tmp_path):
    app = _app(tmp_path)
    before = _active(app)
    assert len(before["findings"]) == 9
    code, out, err = cli("check", app, "--add-noqa", "-j", "1")
    assert code == 0 and out == ""
    assert "added noqa comments for 8 findings in 3 files" in err
    assert "stray.pyc GAE403: it is about a whole file, which has no line for a comment" in err
    assert (app / "main.py").read_text() == MAIN_AFTER
    assert (app / "legacy.py").read_bytes() == LEGACY.replace(b'("/tmp/x")\r\n', b'("/tmp/x")  # noqa: GAE201\r\n')
    assert (app / "app.yaml").read_text() == APP_YAML.replace(
        "application: guestbook\n", "application: guestbook  # noqa: GAE406\n").replace(
        '"2.4"   # old\n', '"2.4"   # old  # noqa: GAE305\n')
    after = _active(app, "--report-unused-noqa")
    assert [(f["code"], f["path"].rsplit("/", 1)[-1]) for f in after["findings"]] == [("GAE403", "stray.pyc")]
    assert after["summary"]["suppressed"] == 8
    # nothing more to add the second time
    code, out, err = cli("check", app, "--add-noqa", "-j", "1")
    assert code == 0 and "added noqa comments for 0 findings in 0 files" in err
    assert (app / "main.py").read_text() == MAIN_AFTER


def test_add_noqa_on_the_integration_app_then_gae003_finds_nothing_new(tmp_path):
    app = copy_app(tmp_path)
    stale = [(f["code"], f["line"]) for f in _active(app, *SELECT, "--report-unused-noqa")["findings"]
             if f["code"] == "GAE003"]
    assert stale == [("GAE003", 42)]          # the fixture's deliberately stale `# noqa: GAE201`
    assert len(_active(app, *SELECT)["findings"]) == 5
    cli("check", app, "--add-noqa", *SELECT, "-j", "1")
    after = _active(app, *SELECT, "--report-unused-noqa")
    assert [(f["code"], f["line"]) for f in after["findings"]] == stale
    assert "# noqa: GAE201, GAE103" in (app / "main.py").read_text().splitlines()[41]


def test_add_noqa_is_not_combined_with_fix(tmp_path):
    code, out, err = cli("check", APP, "--add-noqa", "--fix")
    assert code == 2 and "--add-noqa cannot be combined with --fix or --diff" in err
