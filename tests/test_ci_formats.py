"""The CI formats, checked against what reads them: JUnit through
junitparser (as CI servers parse it), SARIF against the 2.1.0 schema and
GitHub code scanning's documented requirements, the GitLab report against
the Code Climate issue spec; several reports from one run; JSON errors
apart from notes."""
import json
import shutil
import subprocess

import jsonschema
import pytest

from integration_util import APP, FIXTURES, SELECT, cli

SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())

# The Code Climate issue format (github.com/codeclimate/platform/blob/master/spec/analyzers/SPEC.md#issues)
# with what GitLab's code quality report requires of it (docs.gitlab.com/ci/testing/code_quality:
# description, check_name, fingerprint, severity, location.path, location.lines.begin or positions.begin.line).
_POSITION = {"type": "object", "required": ["line", "column"],
             "properties": {"line": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1}}}
CODE_CLIMATE_ISSUE = {
    "type": "object",
    "required": ["type", "check_name", "description", "categories", "location", "severity", "fingerprint"],
    "properties": {
        "type": {"const": "issue"},
        "check_name": {"type": "string", "minLength": 1},
        "description": {"type": "string", "minLength": 1},
        "content": {"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}},
        "categories": {"type": "array", "minItems": 1, "items": {"enum": [
            "Bug Risk", "Clarity", "Compatibility", "Complexity", "Duplication", "Performance", "Security",
            "Style"]}},
        "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
        "fingerprint": {"type": "string", "minLength": 1},
        "location": {"type": "object", "required": ["path"], "properties": {
            "path": {"type": "string", "pattern": "^[^/]"},
            "lines": {"type": "object", "required": ["begin"], "properties": {
                "begin": {"type": "integer", "minimum": 1}, "end": {"type": "integer", "minimum": 1}}},
            "positions": {"type": "object", "required": ["begin"], "properties": {"begin": _POSITION, "end": _POSITION}},
        }, "oneOf": [{"required": ["lines"]}, {"required": ["positions"]}]},
    },
}


def _repo(tmp_path):
    """A git checkout with the integration app two levels down."""
    repo = tmp_path / "repo"
    shutil.copytree(APP, repo / "services" / "app")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo, repo / "services" / "app"


def _github_requirements(doc):
    """What GitHub code scanning documents for uploaded SARIF
    (docs.github.com/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning)."""
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] and len({r["id"] for r in driver["rules"]}) == len(driver["rules"])
    assert len(run["results"]) <= 25000 and len(driver["rules"]) <= 25000
    for rule in driver["rules"]:
        assert len(rule["properties"]["tags"]) <= 20
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    for result in run["results"]:
        assert result["ruleId"] and result["message"]["text"]
        assert 1 <= len(result["locations"]) <= 10
        location = result["locations"][0]["physicalLocation"]
        artifact = location["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%" and "://" not in artifact["uri"] and not artifact["uri"].startswith("/")
        if "region" in location:
            assert location["region"]["startLine"] >= 1
        for flow in result.get("codeFlows", ()):
            assert len(flow["threadFlows"][0]["locations"]) <= 1000


def test_sarif_paths_are_relative_to_the_repository_whatever_the_working_directory(tmp_path):
    repo, app = _repo(tmp_path)
    runs = {}
    for cwd, target in ((tmp_path, app), (app, "."), (repo / "services", "app")):
        code, out, err = cli("check", target, *SELECT, "--format", "sarif", "-j", "1", cwd=cwd)
        assert code == 1, err
        doc = json.loads(out)
        jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft4Validator)
        _github_requirements(doc)
        run = doc["runs"][0]
        assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
        runs[str(cwd)] = sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                                 r["partialFingerprints"]["gaelintFingerprint/v1"]) for r in run["results"])
    first, *others = runs.values()
    assert all(o == first for o in others)
    assert ("services/app/main.py" in {uri for uri, _ in first})


def test_junit_findings_below_fail_on_are_not_failures(tmp_path):
    from junitparser import Failure, JUnitXml
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    (app / "gaelint.toml").write_text('[severity]\nGAE201 = "warning"\n')
    for fail_on, failures in (("warning", 5), ("error", 4)):
        code, out, err = cli("check", app, *SELECT, "--format", "junit", "--fail-on", fail_on, "-j", "1")
        assert code == 1
        report = JUnitXml.fromstring(out.encode())
        cases = [c for suite in report for c in suite]
        failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
        assert len(failed) == failures == report.failures
        warning = next(c for c in cases if c.name.startswith("GAE201"))
        assert bool(warning.result) == (fail_on == "warning")
        if fail_on == "error":
            assert warning.is_passed and "GAE201 filesystem-write (warning)" in warning.system_out
    # everything below --fail-on: the report passes, as the exit code does
    code, out, err = cli("check", app, "--select", "GAE201", "--format", "junit", "--fail-on", "error", "-j", "1")
    assert code == 0 and JUnitXml.fromstring(out.encode()).failures == 0


def test_gitlab_code_quality_report(tmp_path):
    repo, app = _repo(tmp_path)
    (app / "broken.py").symlink_to("gone.py")                  # a finding about a whole file
    code, out, err = cli("check", app, *SELECT, "--format", "gitlab", "-j", "1", cwd=tmp_path)
    assert code == 1, err
    issues = json.loads(out)
    assert len(issues) == 6
    for issue in issues:
        jsonschema.validate(issue, CODE_CLIMATE_ISSUE)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    smtp = next(i for i in issues if i["location"]["path"] == "services/app/main.py"
                and i["location"].get("positions", {}).get("begin", {}).get("line") == 21)
    assert smtp["check_name"] == "GAE103" and smtp["severity"] == "critical"
    assert smtp["categories"] == ["Compatibility"]
    assert smtp["location"]["positions"] == {"begin": {"line": 21, "column": 17}, "end": {"line": 21, "column": 49}}
    broken = next(i for i in issues if i["location"]["path"] == "services/app/broken.py")
    assert broken["location"]["lines"] == {"begin": 1, "end": 1} and broken["categories"] == ["Bug Risk"]


def test_several_reports_from_one_run(tmp_path):
    sarif_file, junit_file = tmp_path / "a.sarif", tmp_path / "a.xml"
    code, out, err = cli("check", APP, *SELECT, "--format", "sarif", "--output", sarif_file,
                         "--format", "junit", "-o", junit_file, "--format", "concise", "-j", "1")
    assert code == 1, err
    jsonschema.validate(json.loads(sarif_file.read_text()), SCHEMA, cls=jsonschema.Draft4Validator)
    assert junit_file.read_text().startswith("<?xml")
    assert out.splitlines()[-1] == "Found 5 findings in 3 of 7 files: 5 errors (7 suppressed by noqa)."
    # one format: its --output may come first, as it always could
    code, out, err = cli("check", APP, *SELECT, "--output", tmp_path / "b.json", "--format", "json")
    assert out == "" and json.loads((tmp_path / "b.json").read_text())["summary"]["findings"] == 5


@pytest.mark.parametrize("args,message", [
    (("--format", "json", "--format", "text"), "only one report can go to stdout"),
    (("--output", "x", "--format", "json", "--format", "text"), "each --output goes after the --format"),
    (("--format", "json", "-o", "x", "-o", "y", "--format", "text"), "has two --output files"),
    (("--format", "json", "-o", "x", "--format", "sarif", "-o", "x"), "the same --output file"),
    (("--statistics", "--format", "sarif"), "--statistics prints counts as text or json"),
])
def test_report_options_that_do_not_fit_together(tmp_path, args, message):
    code, out, err = cli("check", APP, *args, cwd=tmp_path)
    assert code == 2 and message in err


def test_json_errors_are_errors_and_notes_are_apart(tmp_path):
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "deploy_appyaml" / "badkeys", app)
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "tool.py").write_text("import os\n")
    code, out, err = cli("check", "app", "loose", "--format", "json", "-j", "1", cwd=tmp_path)
    doc = json.loads(out)
    assert [e["message"] for e in doc["errors"]] == [
        "app/app.yaml: skip_files entry '^(.*/)?*\\\\.bak$' is not a valid regular expression (multiple repeat "
        "at position 7); it is ignored"]
    assert [n["message"] for n in doc["notes"]] == [
        "no app.yaml at or above loose: checked as a python27 app with default settings"]
    _, out, _ = cli("check", "app", "loose", "--format", "github", "-j", "1", cwd=tmp_path)
    assert "::error title=gaelint::" in out and "gaelint: note: no app.yaml at or above" in out
