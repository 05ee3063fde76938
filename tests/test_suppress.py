"""Suppressions: `# noqa: CODE`, bare `# noqa`, on any line of the
statement (multi-line calls), `# gaelint: noqa-file[: CODES]`, app.yaml
lines, and `--report-unused-noqa` (GAE003)."""
from pathlib import Path

from integration_util import APP, SELECT, check, cli, copy_app, found

from gaelint.report import suppress
from gaelint.config import Config
from gaelint.engine.check import RuleSet
from gaelint.findings import Finding, Severity
from gaelint.registry import AppRule
from gaelint.runner import run, select_rules


def _all(app=APP, codes=("GAE103", "GAE201"), config=None):
    """{(relative path, code, line): suppression kind or None} for every finding."""
    config = config or Config()
    result = run([app], select_rules(config, list(codes)), config, jobs=1)
    return {(f.path.relative_to(app.resolve()).as_posix(), f.code, f.line): f.suppressed for f in result.findings}


def test_every_suppression_form_on_the_fixture_app():
    assert _all() == {
        # finding on the first line of a 4-line call, `# noqa: GAE201` on its last line
        ("handlers/export.py", "GAE201", 21): "noqa",
        ("handlers/export.py", "GAE201", 26): None,           # the same call without the comment
        # finding in the middle of a multi-line call, comment on its last line
        ("handlers/export.py", "GAE201", 32): "noqa",
        ("legacy/mailer.py", "GAE201", 11): "noqa-file",      # `# gaelint: noqa-file: GAE201`
        ("legacy/mailer.py", "GAE103", 17): None,             # ... covers GAE201 only
        ("legacy/mailer.py", "GAE201", 20): "noqa-file",
        ("main.py", "GAE103", 21): None,
        ("main.py", "GAE103", 28): None,
        ("main.py", "GAE201", 35): "noqa",                    # `# noqa: GAE201 - reason` on a with-statement
        ("main.py", "GAE103", 37): "noqa",                    # bare `# noqa`
        ("main.py", "GAE103", 39): "noqa",                    # first line of a 2-line call
        ("main.py", "GAE103", 42): None,                      # `# noqa: GAE201` does not cover GAE103
    }


def test_suppressed_findings_are_not_reported_and_are_counted():
    code, doc = check(APP, *SELECT)
    assert code == 1
    rel = {(Path(p).name, c, l) for p, c, l in found(doc)}
    assert rel == {("export.py", "GAE201", 26), ("mailer.py", "GAE103", 17),
                   ("main.py", "GAE103", 21), ("main.py", "GAE103", 28), ("main.py", "GAE103", 42)}
    assert doc["summary"]["suppressed"] == 7
    _, text = check(APP, *SELECT, fmt="text")
    assert "Found 5 findings in 3 of 7 files: 5 errors (7 suppressed by noqa)." in text


def test_bare_noqa_file_covers_every_code(tmp_path):
    app = copy_app(tmp_path)
    mailer = app / "legacy" / "mailer.py"
    mailer.write_text(mailer.read_text().replace("# gaelint: noqa-file: GAE201", "# gaelint: noqa-file"))
    kinds = _all(app)
    assert {k: v for k, v in kinds.items() if k[0] == "legacy/mailer.py"} == {
        ("legacy/mailer.py", "GAE201", 11): "noqa-file",
        ("legacy/mailer.py", "GAE103", 17): "noqa-file",
        ("legacy/mailer.py", "GAE201", 20): "noqa-file",
    }


def test_directive_spellings():
    text = "\n".join([
        "a = 1  #noqa:GAE201,GAE103",
        "b = 2  # NOQA",
        "c = 3  # noqa : gae201 because the dev server needs it",
        "d = 4  # noqa:E501",
        "e = '# not a directive'",
        "# gaelint: noqa-file: GAE1",
        "f = 5  # noqa-file",
    ])
    d = suppress.Directives.parse(text)
    assert {n: (None if x.codes is None else sorted(x.codes)) for n, x in d.lines.items()} == {
        1: ["GAE103", "GAE201"], 2: None, 3: ["GAE201"], 4: ["E501"]}
    assert [(x.line, sorted(x.codes)) for x in d.file] == [(6, ["GAE1"])]


def _finding(code, line, statement=None, path=Path("main.py")):
    return Finding(code=code, name="x", severity=Severity.ERROR, path=path, message="m", fix="f",
                   line=line, column=1, end_line=line, statement=statement)


def test_noqa_only_applies_inside_the_statement_span():
    text = "x = call(\n    arg,\n)  # noqa: GAE201\ny = 1  # noqa\n"
    out, _ = suppress.apply([_finding("GAE201", 1, (1, 3)), _finding("GAE201", 5, (5, 5))], text)
    assert [f.suppressed for f in out] == ["noqa", None]


def test_codes_may_be_prefixes_as_in_flake8():
    text = "import smtplib  # gaelint: noqa-file: GAE2\nx = smtplib.SMTP('h')  # noqa: GAE1\n"
    out, _ = suppress.apply([_finding("GAE103", 2), _finding("GAE201", 1), _finding("GAE301", 1)], text)
    assert [f.suppressed for f in out] == ["noqa", "noqa-file", None]


def test_internal_errors_cannot_be_suppressed():
    out, _ = suppress.apply([_finding("GAE002", None)], "# gaelint: noqa-file\n")
    assert out[0].suppressed is None


class _YamlRule(AppRule):
    """A stand-in app rule: reports the `threadsafe` and `handlers` lines of
    app.yaml (so this test does not depend on the real GAE4xx rules)."""
    code = "GAE499"
    name = "test-yaml-rule"
    message = "flagged {key}"
    fix = "none"

    def check_app(self, app):
        for number, line in enumerate(app.config.path.read_text().split("\n"), 1):
            for key in ("threadsafe", "handlers"):
                if line.startswith(key + ":"):
                    app.report(self, app.config.path, number, key=key)


def test_noqa_in_app_yaml(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("import webapp2\napp = webapp2.WSGIApplication([])\n")
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true  # noqa: GAE499\n\n"
                                  "handlers:\n- url: /.*\n  script: main.app\n")
    ruleset = RuleSet((_YamlRule,))
    kinds = {f.line: f.suppressed for f in run([app], ruleset, Config(), jobs=1).findings}
    assert kinds == {3: "noqa", 5: None}
    (app / "app.yaml").write_text("# gaelint: noqa-file: GAE499\n" + (app / "app.yaml").read_text())
    kinds = {f.line: f.suppressed for f in run([app], ruleset, Config(), jobs=1).findings}
    assert kinds == {4: "noqa-file", 6: "noqa-file"}


# -- --report-unused-noqa -------------------------------------------------

def test_unused_noqa_is_reported_only_on_request():
    _, doc = check(APP, *SELECT)
    assert "GAE003" not in doc["summary"]["by_code"]
    code, doc = check(APP, *SELECT, "--report-unused-noqa")
    unused = [f for f in doc["findings"] if f["code"] == "GAE003"]
    # `# noqa: GAE201` on an SMTP line; not `# noqa: E501` (flake8's), not bare `# noqa`.
    assert [(Path(f["path"]).name, f["line"], f["column"]) for f in unused] == [("main.py", 42, 51)]
    assert unused[0]["message"] == "unused suppression `# noqa: GAE201`: no GAE201 finding on this statement"
    assert unused[0]["severity"] == "warning"


def test_unused_noqa_kinds(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n")
    (app / "main.py").write_text("\n".join([
        "# gaelint: noqa-file: GAE201",                          # 1 suppresses nothing
        "import smtplib",
        "a = smtplib.SMTP('mx.example.com')  # noqa: GAE103",    # 3 used
        "b = 1  # noqa: GAE103, GAE201",                         # 4 both unused
        "c = 2  # noqa: GAE999",                                 # 5 not a gaelint code
        "d = 3  # noqa: GAE201, GAE003",                         # 6 kept on purpose
        "e = 4  # noqa: E501",                                   # 7 another tool's
        "",
    ]))
    _, doc = check(app, "--select", "GAE103,GAE201", "--report-unused-noqa")
    got = {f["line"]: f["message"] for f in doc["findings"] if f["code"] == "GAE003"}
    assert got == {
        1: "unused suppression `# gaelint: noqa-file: GAE201`: no GAE201 finding in this file",
        4: "unused suppression `# noqa: GAE103, GAE201`: no GAE103, GAE201 finding on this statement",
        5: "unused suppression `# noqa: GAE999`: unknown gaelint code GAE999",
    }
    # Codes of rules that did not run are not reported: they may well match.
    _, doc = check(app, "--select", "GAE103", "--report-unused-noqa")
    got = {f["line"]: f["message"] for f in doc["findings"] if f["code"] == "GAE003"}
    assert set(got) == {4, 5}
    assert got[4].endswith(": no GAE103 finding on this statement")


def test_unused_bare_noqa_file(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n")
    (app / "main.py").write_text("# gaelint: noqa-file\nimport webapp2\n")
    _, doc = check(app, "--report-unused-noqa")
    assert [(f["code"], f["line"], f["message"]) for f in doc["findings"]] == [
        ("GAE003", 1, "unused suppression `# gaelint: noqa-file`: nothing in this file is suppressed by it")]


def test_unused_noqa_by_selecting_its_code_and_not_by_prefix():
    code, out, _ = cli("check", APP, "--select", "GAE0,GAE103,GAE201", "--format", "json", "-j1")
    assert '"GAE003"' not in out
    _, doc = check(APP, "--select", "GAE103,GAE201", "--extend-select", "GAE003")
    assert [f["line"] for f in doc["findings"] if f["code"] == "GAE003"] == [42]
    _, doc = check(APP, *SELECT, "--report-unused-noqa", "--ignore", "GAE003")
    assert "GAE003" not in doc["summary"]["by_code"]
