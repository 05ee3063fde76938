"""Configuration: discovery (nearest pyproject.toml [tool.gaelint] or
gaelint.toml upwards), --config, per-file-ignores, exclude, severity,
fail-on, select/ignore; unknown keys and codes are errors (exit 2)."""
from pathlib import Path

import pytest

from integration_util import SELECT, check, cli, copy_app, found

ALL_FINDINGS = 5     # the integration app's unsuppressed GAE103/GAE201 findings


def _names(doc):
    return sorted((Path(p).name, c, l) for p, c, l in found(doc))


def test_pyproject_is_found_upwards_and_skipped_without_a_gaelint_table(tmp_path):
    app = copy_app(tmp_path / "repo" / "services")
    (tmp_path / "repo" / "pyproject.toml").write_text('[tool.gaelint]\nignore = ["GAE103"]\n')
    (tmp_path / "repo" / "services" / "pyproject.toml").write_text('[tool.black]\nline-length = 100\n')
    _, doc = check(app, *SELECT)
    assert _names(doc) == [("export.py", "GAE201", 26)]
    # Found from a file argument too (pre-commit passes files).
    _, doc = check(app / "legacy" / "mailer.py", *SELECT)
    assert doc["findings"] == []


def test_gaelint_toml_wins_in_the_same_directory_and_nearest_wins(tmp_path):
    app = copy_app(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.gaelint]\nignore = ["GAE103"]\n')
    (tmp_path / "gaelint.toml").write_text('ignore = ["GAE201"]\n')
    _, doc = check(app, *SELECT)
    assert {c for _, c, _ in found(doc)} == {"GAE103"}
    (app / "gaelint.toml").write_text('ignore = []\n')
    _, doc = check(app, *SELECT)
    assert len(doc["findings"]) == ALL_FINDINGS


def test_explicit_config_overrides_discovery(tmp_path):
    app = copy_app(tmp_path)
    (app / "gaelint.toml").write_text('ignore = ["GAE103"]\n')
    other = tmp_path / "ci.toml"
    other.write_text('ignore = ["GAE201"]\n')
    _, doc = check(app, *SELECT, "--config", other)
    assert {c for _, c, _ in found(doc)} == {"GAE103"}
    code, _, err = cli("check", app, "--config", tmp_path / "nope.toml")
    assert code == 2 and "config file" in err and "nope.toml" in err


def test_per_file_ignores(tmp_path):
    app = copy_app(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.gaelint.per-file-ignores]\n'
        '"app/handlers/*.py" = ["GAE201"]\n'   # relative to the config file
        '"mailer.py" = ["GAE1"]\n'             # a file name anywhere, a prefix of codes
    )
    _, doc = check(app, *SELECT)
    assert _names(doc) == [("main.py", "GAE103", 21), ("main.py", "GAE103", 28), ("main.py", "GAE103", 42)]


def test_per_file_ignores_relative_to_the_app_root(tmp_path):
    app = copy_app(tmp_path)
    (app / "gaelint.toml").write_text('[per-file-ignores]\n"main.py" = ["GAE103"]\n"handlers/" = ["GAE201"]\n')
    _, doc = check(app, *SELECT)
    assert _names(doc) == [("mailer.py", "GAE103", 17)]


def test_exclude(tmp_path):
    app = copy_app(tmp_path)
    (app / "gaelint.toml").write_text('exclude = ["legacy", "handlers/export.py"]\n')
    code, doc = check(app, *SELECT)
    assert {n for n, _, _ in _names(doc)} == {"main.py"}
    # app.yaml, gaelint.toml, main.py, settings.py, handlers/__init__.py: the excluded are not read
    assert doc["summary"]["files"] == 5


def test_severity_override_and_fail_on(tmp_path):
    app = copy_app(tmp_path)
    (app / "gaelint.toml").write_text('fail-on = "error"\n[severity]\nGAE103 = "warning"\n')
    code, doc = check(app, *SELECT)
    sev = {(Path(f["path"]).name, f["line"]): f["severity"] for f in doc["findings"]}
    assert sev[("main.py", 21)] == "warning" and sev[("export.py", 26)] == "error"
    assert code == 1                                   # the GAE201 error still fails
    (app / "gaelint.toml").write_text('fail-on = "error"\nselect = ["GAE103"]\n[severity]\nGAE103 = "warning"\n')
    code, doc = check(app)
    assert code == 0 and len(doc["findings"]) == 4     # warnings only, below fail-on
    code, _ = check(app, "--fail-on", "warning")       # the command line wins
    assert code == 1


def test_select_and_ignore_in_config(tmp_path):
    app = copy_app(tmp_path)
    (app / "gaelint.toml").write_text('select = ["GAE2"]\n')
    _, doc = check(app)
    assert {c for _, c, _ in found(doc)} == {"GAE201"}
    _, doc = check(app, "--extend-select", "GAE103")
    assert {c for _, c, _ in found(doc)} == {"GAE103", "GAE201"}


@pytest.mark.parametrize("content, message", [
    ('selct = ["GAE1"]\n', "unknown key 'selct'; did you mean 'select'?"),
    ('[per-file-ignore]\n"a.py" = ["GAE201"]\n', "unknown key 'per-file-ignore'; did you mean 'per-file-ignores'?"),
    ('ignore = ["GAE999"]\n', "unknown rule code or prefix 'GAE999'"),
    ('select = ["GAE1O3"]\n', "unknown rule code or prefix 'GAE1O3'"),
    ('[per-file-ignores]\n"a.py" = ["XYZ1"]\n', "unknown rule code or prefix 'XYZ1'"),
    ('[severity]\nGAE999 = "info"\n', "severity: unknown rule code 'GAE999'"),
    ('[severity]\nGAE201 = "fatal"\n', "unknown severity 'fatal'"),
    ('fail-on = "critical"\n', "fail-on: unknown severity 'critical'"),
    ('exclude = "legacy"\nignore = 3\n', "'ignore' must be a list of strings"),
    ('baseline = 3\n', "'baseline' must be the path of a baseline file"),
    ('select = [\n', "invalid TOML"),
])
def test_bad_config_is_a_clear_error(tmp_path, content, message):
    app = copy_app(tmp_path)
    (app / "gaelint.toml").write_text(content)
    code, out, err = cli("check", app)
    assert code == 2, err
    assert message in err and "gaelint.toml" in err
    assert out == ""


def test_bad_pyproject_table_names_the_file_and_table(tmp_path):
    app = copy_app(tmp_path)
    (app / "pyproject.toml").write_text('[tool.gaelint]\nfail_on = "error"\n')
    code, _, err = cli("check", app)
    assert code == 2
    assert "pyproject.toml [tool.gaelint]: unknown key 'fail_on'; did you mean 'fail-on'?" in err


@pytest.mark.parametrize("args, message", [
    (("--select", "GAE9"), "--select: unknown rule code or prefix 'GAE9'"),
    (("--ignore", "GAE10x"), "--ignore: unknown rule code or prefix 'GAE10x'"),
    (("--jobs", "-1"), "--jobs must be 0"),
    (("--statistics", "--format", "sarif"), "--statistics"),
])
def test_bad_options_exit_2(tmp_path, args, message):
    app = copy_app(tmp_path)
    code, _, err = cli("check", app, *args)
    assert code == 2 and message in err, err


def test_missing_path_exits_2(tmp_path):
    code, _, err = cli("check", tmp_path / "nowhere")
    assert code == 2 and "does not exist" in err
