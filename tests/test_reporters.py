"""Output formats: SARIF (validated against the official 2.1.0 schema), GitHub
annotations, JUnit, --output, --statistics, exit codes."""
import json
import os
import xml.etree.ElementTree as ET

import jsonschema

from integration_util import APP, FIXTURES, SELECT, check, cli, copy_app

from gaelint import registry
from gaelint.docs import render_all
from gaelint.report import github

SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())


def _sarif_app(tmp_path):
    """The fixture app plus a file-level finding (a dangling .py symlink)."""
    app = copy_app(tmp_path)
    os.symlink("gone.py", app / "broken.py")
    return app


def test_sarif_validates_against_the_official_schema(tmp_path):
    app = _sarif_app(tmp_path)
    code, doc = check(".", fmt="sarif", cwd=app)          # every rule, as a CI run would
    assert code == 1
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft4Validator)
    assert doc["version"] == "2.1.0"


def test_sarif_content(tmp_path):
    app = _sarif_app(tmp_path)
    _, doc = check(".", *SELECT, fmt="sarif", cwd=app)
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft4Validator)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in registry.all_rules()]
    # docs/rules.md is this text (tests/test_docs.py keeps it so)
    anchors = set(line[3:].strip().lower().replace(" ", "-") for line in render_all().split("\n")
                  if line.startswith("## "))
    for r in rules:
        rule = registry.get(r["id"])
        assert r["name"] == rule.name and r["shortDescription"]["text"] == rule.summary
        assert r["help"]["markdown"] == rule.documentation() and r["help"]["text"]
        assert r["helpUri"].endswith("docs/rules.md#" + r["id"].lower() + "-" + rule.name)
        assert r["helpUri"].split("#")[1] in anchors        # the anchor exists in docs/rules.md
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert r["properties"]["precision"] == "high" and len(r["properties"]["tags"]) <= 20
    results = run["results"]
    by_place = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                 r["locations"][0]["physicalLocation"].get("region", {}).get("startLine")): r for r in results}
    smtp = by_place[("main.py", 21)]
    assert smtp["ruleId"] == "GAE103" and rules[smtp["ruleIndex"]]["id"] == "GAE103"
    assert smtp["level"] == "error" and "suppressions" not in smtp
    assert smtp["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert smtp["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 21, "startColumn": 17, "endLine": 21, "endColumn": 49}
    assert smtp["message"]["text"].startswith("`smtplib.SMTP()` connects to port 25")
    assert "\nFix: " in smtp["message"]["text"]
    # A whole-file finding has no region.
    broken = by_place[("broken.py", None)]
    assert broken["ruleId"] == "GAE001" and "region" not in broken["locations"][0]["physicalLocation"]
    # Suppressed findings are there, marked.
    assert by_place[("handlers/export.py", 21)]["suppressions"] == [
        {"kind": "inSource", "justification": "a # noqa comment on the statement"}]
    assert by_place[("legacy/mailer.py", 11)]["suppressions"][0]["kind"] == "inSource"
    assert sum(1 for r in results if "suppressions" in r) == 7
    assert len(results) == 7 + 6
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == app.resolve().as_uri() + "/"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_fingerprints_are_stable_and_distinct(tmp_path):
    app = copy_app(tmp_path)
    _, first = check(".", *SELECT, fmt="sarif", cwd=app)
    main = app / "main.py"
    main.write_text("# -*- coding: utf-8 -*-\n# Copyright 2014 Example Ltd.\n\n" + main.read_text().split("\n", 1)[1])
    _, second = check(".", *SELECT, fmt="sarif", cwd=app)

    def prints(doc):
        return sorted(r["partialFingerprints"]["gaelintFingerprint/v1"] for r in doc["runs"][0]["results"])
    assert prints(first) == prints(second)
    assert len(set(prints(first))) == len(prints(first))   # the two identical SMTP lines differ by occurrence


def test_github_annotations():
    code, out = check(".", *SELECT, fmt="github", cwd=APP)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 5
    assert lines[0] == ("::error file=handlers/export.py,line=26,col=20,endLine=29,title=GAE201 filesystem-write::"
                        "`codecs.open()` opens a file for writing (mode 'w')%0AFix: The filesystem is read-only: "
                        "keep data in Datastore/NDB, Cloud Storage (cloudstorage.open) or memcache, and scratch "
                        "data in StringIO/io.BytesIO")
    assert lines[2].startswith("::error file=main.py,line=21,col=17,endLine=21,endColumn=49,"
                               "title=GAE103 smtp-port-25::`smtplib.SMTP()` connects to port 25")


def test_github_levels_and_escaping(tmp_path):
    app = copy_app(tmp_path)
    (app / "gaelint.toml").write_text('[severity]\nGAE103 = "info"\nGAE201 = "warning"\n')
    _, out = check(".", *SELECT, fmt="github", cwd=app)
    assert {line.split(" ", 1)[0] for line in out.splitlines()} == {"::notice", "::warning"}
    assert github.escape_property("a,b:c%d\ne") == "a%2Cb%3Ac%25d%0Ae"
    assert github.escape_data("50% done\r\nok: yes, really") == "50%25 done%0D%0Aok: yes, really"


def test_junit(tmp_path):
    """Read by junitparser, as a CI server reads it: a testcase per finding,
    a passing one per clean file, the counts it declares are the ones it holds."""
    from junitparser import Failure, JUnitXml
    code, out = check(".", *SELECT, fmt="junit", cwd=APP)
    assert code == 1
    report = JUnitXml.fromstring(out.encode("utf-8"))
    suites = {s.name: s for s in report}
    cases = {name: [(c.name, [r.type for r in c.result if isinstance(r, Failure)]) for c in suite]
             for name, suite in suites.items()}
    assert cases == {
        "app.yaml": [("no findings", [])], "settings.py": [("no findings", [])],
        "handlers/__init__.py": [("no findings", [])], "legacy/__init__.py": [("no findings", [])],
        "handlers/export.py": [("GAE201 filesystem-write at 26:20", ["GAE201"])],
        "legacy/mailer.py": [("GAE103 smtp-port-25 at 17:14", ["GAE103"])],
        "main.py": [("GAE103 smtp-port-25 at 21:17", ["GAE103"]), ("GAE103 smtp-port-25 at 28:17", ["GAE103"]),
                    ("GAE103 smtp-port-25 at 42:17", ["GAE103"])],
    }
    assert (report.tests, report.failures) == (9, 5)
    for suite in report:
        declared = (suite.tests, suite.failures)
        suite.update_statistics()
        assert (suite.tests, suite.failures) == declared, suite.name
    main = next(c for c in suites["main.py"] if c.name.endswith("21:17"))
    failure = main.result[0]
    assert main.classname == "main.py"
    assert failure.message.startswith("main.py:21:17: GAE103 `smtplib.SMTP()`")
    assert "    21 |         relay = smtplib.SMTP(settings.MAIL_HOST)" in failure.text
    assert "fix: Send mail with the Mail API" in failure.text


def test_output_file(tmp_path):
    target = tmp_path / "reports" / "gaelint.sarif"
    target.parent.mkdir()
    code, out, err = cli("check", APP, *SELECT, "--format", "sarif", "--output", target)
    assert code == 1 and out == ""
    jsonschema.validate(json.loads(target.read_text()), SCHEMA, cls=jsonschema.Draft4Validator)
    code, _, err = cli("check", APP, "--output", tmp_path / "missing" / "dir" / "x.txt")
    assert code == 2 and "cannot write --output" in err


def test_statistics():
    code, out, _ = cli("check", APP, *SELECT, "--statistics")
    assert code == 1
    assert [line.split() for line in out.splitlines()] == [
        ["4", "GAE103", "smtp-port-25", "error"], ["1", "GAE201", "filesystem-write", "error"]]
    _, out, _ = cli("check", APP, *SELECT, "--statistics", "--format", "json")
    assert json.loads(out) == [
        {"code": "GAE103", "name": "smtp-port-25", "count": 4, "severity": "error"},
        {"code": "GAE201", "name": "filesystem-write", "count": 1, "severity": "error"}]


def test_exit_codes(tmp_path, monkeypatch):
    assert cli("check", APP, *SELECT)[0] == 1
    assert cli("check", APP, *SELECT, "--exit-zero")[0] == 0
    assert cli("check", APP / "settings.py", *SELECT)[0] == 0
    app = copy_app(tmp_path)
    (app / "gaelint.toml").write_text('[severity]\nGAE103 = "info"\nGAE201 = "info"\n')
    assert cli("check", app, *SELECT)[0] == 0                      # default fail-on: warning
    assert cli("check", app, *SELECT, "--fail-on", "info")[0] == 1
    # A rule that crashes is GAE002: reported, and exit 2 even with --exit-zero.
    rule = registry.get("GAE103")

    def boom(self, *args):
        raise RuntimeError("boom")
    for name in [a for a in dir(rule) if a.startswith("visit_")] + ["finish"]:
        monkeypatch.setattr(rule, name, boom)
    code, out, err = cli("check", APP, *SELECT, "--exit-zero", "--format", "json", "-j1")
    assert code == 2
    doc = json.loads(out)
    assert {f["code"] for f in doc["findings"]} >= {"GAE002", "GAE201"}
