"""Baselines: --write-baseline, --baseline / `baseline` in config; findings
survive lines inserted above them and unrelated edits; a fixed finding drops
out; identical lines are told apart by occurrence; summaries say how many
known findings were hidden and how many are new."""
import json
import shutil

from integration_util import SELECT, check, cli, copy_app


def _baseline(tmp_path):
    app = copy_app(tmp_path)
    base = tmp_path / "gaelint-baseline.json"
    code, out, err = cli("check", app, *SELECT, "--write-baseline", base, "-j1")
    assert code == 0, err
    assert "recorded 5 findings in the baseline" in err
    return app, base


def _insert(path, after_line, *lines):
    text = path.read_text().split("\n")
    text[after_line:after_line] = list(lines)
    path.write_text("\n".join(text))


def test_written_baseline_hides_everything_it_records(tmp_path):
    app, base = _baseline(tmp_path)
    doc = json.loads(base.read_text())
    assert doc["gaelint-baseline"] == 1
    assert [(e["path"], e["code"], e["line"]) for e in doc["findings"]] == [
        ("app/handlers/export.py", "GAE201", 26), ("app/legacy/mailer.py", "GAE103", 17),
        ("app/main.py", "GAE103", 21), ("app/main.py", "GAE103", 28), ("app/main.py", "GAE103", 42)]
    assert all(len(e["fingerprint"]) == 32 for e in doc["findings"])
    code, doc = check(app, *SELECT, "--baseline", base)
    assert code == 0 and doc["findings"] == []
    assert doc["summary"]["baseline"] == {"file": str(base), "hidden": 5, "new": 0, "fixed": 0}
    code, text = check(app, *SELECT, "--baseline", base, fmt="text")
    assert "All clear: no new findings in 7 files (7 suppressed by noqa; baseline: 5 known findings hidden, 0 new)." in text


def test_baseline_survives_inserted_lines_and_unrelated_edits(tmp_path):
    app, base = _baseline(tmp_path)
    main = app / "main.py"
    _insert(main, 3, "import os", "import json", "", "DEBUG = os.environ.get('DEBUG')")    # above everything
    _insert(main, 20, "    # contact form: one message per request", "")                   # between findings
    main.write_text(main.read_text().replace("u'<h1>Guestbook</h1>'", "u'<h1>Guest book</h1>'"))
    _insert(app / "handlers" / "export.py", 0, "#!/usr/bin/env python")
    export = app / "handlers" / "export.py"
    # Re-indenting the offending line keeps its fingerprint (whitespace is collapsed).
    export.write_text(export.read_text().replace("        snapshot = codecs.open(", "        snapshot  =  codecs.open("))
    code, doc = check(app, *SELECT, "--baseline", base)
    assert code == 0, doc["findings"]
    assert doc["summary"]["baseline"] == {"file": str(base), "hidden": 5, "new": 0, "fixed": 0}


def test_new_and_fixed_findings(tmp_path):
    app, base = _baseline(tmp_path)
    main = app / "main.py"
    text = main.read_text()
    # A new finding on a line identical to a known one: occurrence numbers tell them apart.
    text = text.replace("        relay.quit()\n", "        relay.quit()\n        relay = smtplib.SMTP(settings.MAIL_HOST)\n", 1)
    # Fix another one.
    text = text.replace("wrong = smtplib.SMTP(settings.MAIL_HOST)", "wrong = smtplib.SMTP(settings.MAIL_HOST, 587)")
    main.write_text(text)
    code, doc = check(app, *SELECT, "--baseline", base)
    assert code == 1
    assert [(f["code"], f["line"]) for f in doc["findings"]] == [("GAE103", 30)]
    assert doc["summary"]["baseline"] == {"file": str(base), "hidden": 4, "new": 1, "fixed": 1}
    _, text = check(app, *SELECT, "--baseline", base, fmt="text")
    assert "Found 1 new finding in 1 of 7 files: 1 error (7 suppressed by noqa; baseline: 4 known findings hidden, 1 new, " \
           "1 fixed since (rewrite it with --write-baseline to drop it))." in text


def test_baseline_paths_are_relative_so_the_tree_can_move(tmp_path):
    app, base = _baseline(tmp_path / "checkout1")
    moved = tmp_path / "checkout2"
    shutil.copytree(tmp_path / "checkout1", moved)
    code, doc = check(moved / "app", *SELECT, "--baseline", moved / "gaelint-baseline.json")
    assert code == 0 and doc["summary"]["baseline"]["hidden"] == 5
    # Run from another directory: paths are relative to the baseline file, not the cwd.
    code, doc = check("app", *SELECT, "--baseline", "gaelint-baseline.json", cwd=moved)
    assert code == 0 and doc["summary"]["baseline"]["hidden"] == 5


def test_baseline_from_config_relative_to_the_config_file(tmp_path):
    app, base = _baseline(tmp_path)
    (tmp_path / "gaelint.toml").write_text('baseline = "gaelint-baseline.json"\nselect = ["GAE0", "GAE103", "GAE201"]\n')
    code, doc = check(app)
    assert code == 0 and doc["summary"]["baseline"]["hidden"] == 5
    code, doc = check(app / "main.py")        # a single file (pre-commit): its known findings stay hidden
    assert code == 0 and doc["summary"]["baseline"] == {"file": str(base), "hidden": 3, "new": 0, "fixed": 0}


def test_baseline_errors_exit_2(tmp_path):
    app = copy_app(tmp_path)
    code, _, err = cli("check", app, "--baseline", tmp_path / "missing.json")
    assert code == 2 and "baseline file" in err and "does not exist" in err and "--write-baseline" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = cli("check", app, "--baseline", bad)
    assert code == 2 and "not valid JSON" in err
    bad.write_text('{"results": []}')
    code, _, err = cli("check", app, "--baseline", bad)
    assert code == 2 and "is not a gaelint baseline" in err


def test_sarif_marks_baselined_results_external(tmp_path):
    app, base = _baseline(tmp_path)
    _insert(app / "main.py", 30, "        extra = smtplib.SMTP('mx.example.com')")
    code, sarif = check(app, *SELECT, "--baseline", base, fmt="sarif")
    results = sarif["runs"][0]["results"]
    states = [(r["baselineState"], r.get("suppressions", [{}])[0].get("kind")) for r in results]
    assert states.count(("unchanged", "external")) == 5
    assert states.count(("new", None)) == 1
    assert states.count(("new", "inSource")) == 7   # noqa-suppressed ones
