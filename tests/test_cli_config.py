"""Configuration you can see: a broken pyproject.toml names its line,
--show-settings, --show-files, `gaelint rules --format json`, `gaelint
explain` by code or name, rendered for a terminal."""
import io
import json
import sys

from gaelint import cli as cli_module
from gaelint import registry

from integration_util import cli, copy_app


def test_a_broken_pyproject_toml_is_an_error_naming_its_line(tmp_path):
    app = copy_app(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "guestbook"\nversion = 1.0.0\n')
    code, out, err = cli("check", app)
    assert code == 2 and out == ""
    assert err.startswith(f"gaelint: {tmp_path / 'pyproject.toml'}:3: invalid TOML: ")
    code, out, err = cli("check", app, "--config", tmp_path / "pyproject.toml")
    assert code == 2 and "pyproject.toml:3: invalid TOML" in err


def test_show_settings(tmp_path):
    app = copy_app(tmp_path)
    (app / "pyproject.toml").write_text('[tool.gaelint]\nignore = ["GAE109"]\nfail-on = "error"\n'
                                        '[tool.gaelint.severity]\nGAE501 = "info"\n')
    code, out, err = cli("check", ".", "--show-settings", "--format", "sarif", "-o", "x.sarif",
                         "--format", "concise", cwd=app)
    assert code == 0 and not (app / "x.sarif").exists()
    lines = out.splitlines()
    assert "config file:       pyproject.toml [tool.gaelint]" in lines
    assert "ignore:            GAE109" in lines and "fail-on:           error" in lines
    assert "severity:          GAE501 = info" in lines
    assert "reports:           sarif -> x.sarif, concise -> stdout" in lines
    rules = [line.split()[0] for line in lines if line.startswith("  GAE")]
    assert "GAE109" not in rules and "GAE103" in rules and "GAE003" not in rules   # GAE003 is opt-in
    assert f"  GAE501 {registry.get('GAE501').name} (info)" in lines


def test_show_files_lists_what_a_check_lints(tmp_path):
    app = copy_app(tmp_path)
    (app / "gaelint.toml").write_text('exclude = ["legacy"]\n')
    code, out, err = cli("check", ".", "--show-files", cwd=app)
    assert code == 0
    assert out.splitlines() == ["app.yaml", "gaelint.toml", "handlers/__init__.py", "handlers/export.py", "main.py", "settings.py"]


def test_rules_as_json():
    code, out, err = cli("rules", "--format", "json")
    rows = json.loads(out)
    assert [r["code"] for r in rows] == [r.code for r in registry.all_rules()]
    smtp = next(r for r in rows if r["code"] == "GAE103")
    assert smtp == {"code": "GAE103", "name": "smtp-port-25", "severity": "error",
                    "summary": registry.get("GAE103").summary, "family": smtp["family"], "fixable": None,
                    "url": "https://github.com/gaelint/gaelint/blob/main/docs/rules.md#gae103-smtp-port-25"}
    assert next(r for r in rows if r["code"] == "GAE302")["fixable"].startswith("adds the library")


def test_explain_by_name_and_for_a_terminal(monkeypatch):
    page = registry.get("GAE103").documentation()
    assert cli("explain", "smtp-port-25") == (0, page, "")
    assert cli("explain", "GAE103") == (0, page, "")
    code, out, err = cli("explain", "smtp-port")
    assert code == 2 and "did you mean smtp-port-25?" in err

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    assert cli_module.main(["explain", "smtp-port-25"]) == 0
    shown = screen.getvalue()
    assert "GAE103 smtp-port-25" in shown and "## GAE103" not in shown     # rendered, not raw Markdown
    assert "```" not in shown
