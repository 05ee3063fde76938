"""The Python 2 fixture app: every construct libcst cannot read as is, then
GAE103/GAE201 violations after them, on exactly the lines the user sees."""
from conftest import FIXTURES, by_file, check_json

APP = FIXTURES / "py2_engine"


def test_findings_on_true_lines_after_every_python2_construct():
    code, doc = check_json(APP, "--select", "GAE0,GAE103,GAE201")
    assert code == 1
    assert by_file(doc, APP) == {
        "main.py": [("GAE103", 51), ("GAE103", 52), ("GAE201", 54), ("GAE201", 55)],
        "handlers/reports.py": [("GAE201", 10)],
        "handlers/py3_style.py": [("GAE201", 9)],
    }


def test_messages_name_the_concrete_call_and_port():
    _, doc = check_json(APP, "--select", "GAE103,GAE201")
    messages = {(f["path"].rsplit("/", 1)[-1], f["line"]): f["message"] for f in doc["findings"]}
    assert messages[("main.py", 51)] == (
        "`smtplib.SMTP()` connects to port 25 (SMTP), which is blocked on App Engine (the port defaults to 25)")
    assert messages[("main.py", 52)] == "`smtplib.SMTP()` connects to port 25 (SMTP), which is blocked on App Engine"
    assert messages[("main.py", 54)] == "`open()` opens a file for writing (mode 'w')"
    assert messages[("main.py", 55)] == "`os.remove()` deletes a file on the local filesystem"
    assert messages[("reports.py", 10)] == "`open()` opens a file for writing (mode 'a')"
    assert all(f["fix"] for f in doc["findings"])


def test_json_shape_matches_the_interface():
    _, doc = check_json(APP, "--select", "GAE201")
    assert set(doc) == {"version", "findings", "errors", "notes", "fixed", "summary"}
    f = doc["findings"][0]
    assert set(f) == {"code", "name", "severity", "path", "line", "column", "end_line", "end_column", "message", "fix",
                      "fixable", "fix_applicability", "cause", "reached_from"}
    assert doc["summary"]["by_code"] == {"GAE201": 4}
    assert doc["summary"]["files"] >= 4
