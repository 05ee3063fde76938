"""The text report (full and concise) and what JSON, SARIF and --statistics
say about the same findings, from hand-made findings: severities, carets,
trimmed lines, fix hints once per rule, notes first, the footer, colour,
the production chain (reached_from) and findings grouped by cause."""
import json
from pathlib import Path

import jsonschema
import pytest

from gaelint.findings import Finding, Severity, Step
from gaelint.report import json_report, sarif, statistics, text
from gaelint.report.result import RunResult

from integration_util import FIXTURES

SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())


class Options:
    def __init__(self, color="never", isatty=False, width=100, quiet=False):
        self.color, self.isatty, self.width, self.quiet = color, isatty, width, quiet


def F(code, path, line, column, message, *, severity=Severity.ERROR, end_column=None, source=None, fix="",
      name="some-rule", **kw):
    return Finding(code=code, name=name, severity=severity, path=Path(path), message=message, fix=fix,
                   line=line, column=column, end_line=line, end_column=end_column,
                   statement=(line, line) if line else None, source_line=source, **kw)


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def _result(root, findings, files=5, **kw):
    return RunResult(findings=findings, files=files, roots=[root], **kw)


SMTP = "            relay = smtplib.SMTP(MAIL_RELAY)"


def test_full_report(root):
    findings = [
        F("GAE103", root / "main.py", 45, 21, "`smtplib.SMTP()` connects to port 25", end_column=45, source=SMTP,
          fix="Send mail with the Mail API", name="smtp-port-25"),
        F("GAE103", root / "main.py", 50, 21, "`smtplib.SMTP()` connects to port 25", end_column=45, source=SMTP,
          fix="Send mail with the Mail API", name="smtp-port-25"),
        F("GAE202", root / "tools.py", 3, 1, "`os.system()` runs a shell command", severity=Severity.INFO,
          end_column=18, source="os.system('make')", fix="No processes in the sandbox", name="process-spawn"),
    ]
    result = _result(root, findings, notices=["no app.yaml at or above tools: checked with default settings"],
                     errors=["lib: cannot read the directory"])
    out = text.render(result, Options())
    assert out == (
        "error: lib: cannot read the directory\n"
        "note: no app.yaml at or above tools: checked with default settings\n"
        "\n"
        "error[GAE103]: `smtplib.SMTP()` connects to port 25\n"
        "  --> main.py:45:21\n"
        "   |\n"
        "45 |             relay = smtplib.SMTP(MAIL_RELAY)\n"
        "   |                     ^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "\n"
        "error[GAE103]: `smtplib.SMTP()` connects to port 25\n"
        "  --> main.py:50:21\n"
        "   |\n"
        "50 |             relay = smtplib.SMTP(MAIL_RELAY)\n"
        "   |                     ^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "\n"
        "info[GAE202]: `os.system()` runs a shell command\n"
        " --> tools.py:3:1\n"
        "  |\n"
        "3 | os.system('make')\n"
        "  | ^^^^^^^^^^^^^^^^^\n"
        "\n"
        "How to fix:\n"
        "  GAE103 smtp-port-25 (2): Send mail with the Mail API\n"
        "  GAE202 process-spawn: No processes in the sandbox\n"
        "\n"
        "Found 3 findings in 2 of 5 files: 2 errors, 1 info.\n")


def test_concise_report(root):
    findings = [F("GAE103", root / "main.py", 45, 21, "port 25", source=SMTP),
                F("GAE001", root / "bad.py", 3, None, "cannot analyse", severity=Severity.WARNING),
                F("GAE402", root / "old.pyc", None, None, "wrong Python")]
    out = text.render_concise(_result(root, findings, files=3), Options())
    assert out.splitlines() == [
        "main.py:45:21: GAE103 port 25",
        "bad.py:3: GAE001 cannot analyse (warning)",     # no column: none shown, as JSON says null
        "old.pyc: GAE402 wrong Python",
        "Found 3 findings in 3 of 3 files: 2 errors, 1 warning."]
    doc = json.loads(json_report.render(_result(root, findings), Options()))
    assert [(f["line"], f["column"]) for f in doc["findings"]] == [(45, 21), (3, None), (None, None)]


def test_a_long_line_is_trimmed_around_the_range(root):
    source = "x = [" + ", ".join(f"'item{i}'" for i in range(40)) + ", open('/tmp/out', 'w')]"
    start = source.index("open(") + 1
    end = start + len("open('/tmp/out', 'w')")
    f = F("GAE201", root / "main.py", 7, start, "opens a file for writing", end_column=end, source=source)
    out = text.render(_result(root, [f], files=1), Options(width=80))
    line, caret = [l for l in out.splitlines() if l.startswith(("7 |", "  |")) and l.strip() != "|"]
    assert line.startswith("7 | ...") and line.endswith("'w')]")
    assert len(line) <= 80
    assert line[caret.index("^"):caret.rindex("^") + 1] == "open('/tmp/out', 'w')"


def test_tabs_and_a_finding_about_a_whole_line(root):
    tabbed = F("GAE201", root / "main.py", 2, 2, "opens", end_column=8, source="\topen(x)")
    yaml_key = F("GAE406", root / "app.yaml", 4, 1, "rejected", source="  application: guestbook  ")
    out = text.render(_result(root, [tabbed, yaml_key], files=2), Options())
    assert "2 |         open(x)\n  |         ^^^^^^\n" in out            # the tab is 8 columns
    assert "4 |   application: guestbook\n  |   ^^^^^^^^^^^^^^^^^^^^^^\n" in out   # its text, not its indent


def test_fix_hints_once_per_rule_each_distinct_one(root):
    findings = [F("GAE305", root / "app.yaml", n, 1, "bad entry", fix=hint, source="- name: x")
                for n, hint in ((3, "Quote it"), (5, "Use one of: 2.6"), (7, "Quote it"))]
    out = text.render(_result(root, findings, files=1), Options())
    assert "How to fix:\n  GAE305 some-rule (3):\n    - Quote it\n    - Use one of: 2.6\n" in out
    assert out.count("Quote it") == 1


def test_the_production_chain_is_shown_under_the_finding(root):
    chain = (Step(root / "app.yaml", 12, "main.app"), Step(root / "main.py", 4, "views"),
             Step(root / "views.py", 3, "storage"))
    f = F("GAE201", root / "storage.py", 9, 5, "writes a file", source="    open(p, 'w')", end_column=17,
          reached_from=chain)
    out = text.render(_result(root, [f], files=4), Options())
    assert "9 |     open(p, 'w')\n  |     ^^^^^^^^^^^^\n  = reached: app.yaml:12 main.app -> main.py:4 -> views.py:3\n" \
        in out
    doc = json.loads(json_report.render(_result(root, [f]), Options()))
    assert doc["findings"][0]["reached_from"] == [
        {"path": "app.yaml", "line": 12, "what": "main.app"}, {"path": "main.py", "line": 4, "what": "views"},
        {"path": "views.py", "line": 3, "what": "storage"}]
    # SARIF: the chain as a codeFlow, valid SARIF
    doc = sarif.document(_result(root, [f]))
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft4Validator)
    flow = doc["runs"][0]["results"][0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [(s["location"]["physicalLocation"]["artifactLocation"]["uri"],
             s["location"]["physicalLocation"]["region"]["startLine"]) for s in flow] == [
        ("app.yaml", 12), ("main.py", 4), ("views.py", 3), ("storage.py", 9)]
    assert flow[0]["location"]["message"]["text"] == "loads main.app"


def test_findings_with_one_cause_in_one_app_are_one_entry(root):
    other_app = root / "worker"
    sites = [F("GAE302", root / f"m{i}.py", i, 1, f"`import lxml` needs the `lxml` library (site {i})",
               source="import lxml", fix="Add lxml under libraries:", cause="library:lxml", name="library-not-declared")
             for i in range(1, 8)]
    elsewhere = F("GAE302", other_app / "w.py", 1, 1, "`import lxml` needs the `lxml` library (worker)",
                  source="import lxml", fix="Add lxml under libraries:", cause="library:lxml",
                  name="library-not-declared")
    result = RunResult(findings=sites + [elsewhere], files=9, roots=[root, other_app])
    out = text.render(result, Options())
    assert out.count("error[GAE302]") == 2                        # one per app
    assert "error[GAE302]: `import lxml` needs the `lxml` library (site 1)\n  = one cause, 7 sites\n" in out
    assert out.count("-->") == 3 + 1                              # the first three sites, and the worker's
    assert "  = also at: m4.py:4:1, m5.py:5:1, m6.py:6:1, m7.py:7:1\n" in out
    assert out.count("Add lxml under libraries:") == 1            # the fix once
    assert "Found 8 findings in 8 of 9 files: 8 errors." in out
    doc = json.loads(json_report.render(result, Options()))
    assert {f["cause"] for f in doc["findings"]} == {"library:lxml"}      # JSON keeps every finding
    sarif_doc = sarif.document(result)
    jsonschema.validate(sarif_doc, SCHEMA, cls=jsonschema.Draft4Validator)
    assert {r["properties"]["cause"] for r in sarif_doc["runs"][0]["results"]} == {"library:lxml"}


def test_no_color_is_honoured(root, monkeypatch):
    f = F("GAE103", root / "main.py", 1, 1, "port 25", source="smtplib.SMTP(h)", end_column=16)
    result = _result(root, [f], files=1)
    assert "\x1b[" in text.render(result, Options(color="auto", isatty=True))
    assert "\x1b[" not in text.render(result, Options(color="auto", isatty=False))
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in text.render(result, Options(color="auto", isatty=True))
    assert "\x1b[" not in text.render_concise(result, Options(color="auto", isatty=True))
    assert "\x1b[" in text.render(result, Options(color="always", isatty=False))   # asked for explicitly


def test_footer_and_fixable_marks(root):
    safe = F("GAE302", root / "main.py", 1, 1, "needs lxml", fix_data=(("library", "lxml"),))
    unsafe = F("GAE405", root / "main.py", 2, 1, "needs sockets", fix_data=(("env", "yes"), ("unsafe", "yes")))
    plain = F("GAE103", root / "main.py", 3, 1, "port 25", severity=Severity.WARNING)
    result = _result(root, [safe, unsafe, plain], files=2)
    out = text.render(result, Options())
    assert "error[GAE302][*]: needs lxml" in out and "error[GAE405]: needs sockets" in out
    assert out.endswith("Found 3 findings in 1 of 2 files: 2 errors, 1 warning.\n"
                        "[*] 1 fixable with `gaelint check --fix` (1 more with --unsafe-fixes).\n")
    assert text.render_concise(result, Options()).splitlines()[0] == "main.py:1:1: GAE302 [*] needs lxml"


def test_nothing_to_check_is_said_as_such(root):
    assert text.render(RunResult(), Options()) == "Nothing to check: no deployed files in the given paths.\n"
    assert text.render(_result(root, [], files=3), Options()) == "All clear: no findings in 3 files.\n"


def test_statistics_one_severity_a_row(root):
    findings = [F("GAE202", root / "a.py", 1, 1, "spawn"), F("GAE202", root / "a.py", 2, 1, "spawn"),
                F("GAE202", root / "a.py", 3, 1, "spawn", severity=Severity.INFO)]
    assert statistics.counts(_result(root, findings)) == [
        {"code": "GAE202", "name": "process-spawn", "count": 2, "severity": "error"},
        {"code": "GAE202", "name": "process-spawn", "count": 1, "severity": "info"}]
