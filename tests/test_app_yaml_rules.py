"""GAE404 (handler scripts the runtime cannot run as written), GAE407
(handler targets that do not exist) and GAE406 (app.yaml validity) on
fixture apps: every finding at the line of the offending key or entry, and
silence on WSGI handlers, SDK scripts, vendored packages and non-service
yamls."""
import json

import pytest

from conftest import FIXTURES, by_file, check_json, run_cli

APPYAML = FIXTURES / "deploy_appyaml"
HANDLERS = FIXTURES / "deploy_handlers"
CGI = FIXTURES / "deploy_handlers_cgi"


def messages(doc, code):
    return {f["line"]: f for f in doc["findings"] if f["code"] == code}


def test_handler_scripts_with_threadsafe():
    code, doc = check_json(HANDLERS, "--select", "GAE404,GAE407")
    assert code == 1
    # silent: static files, the SDK's deferred handler, admin.views.app
    # (a module in a package), markdown_app.app (vendored in lib/),
    # stats.app (a module that star-imports: unknown)
    assert by_file(doc, HANDLERS) == {"app.yaml": [("GAE404", 16), ("GAE404", 18), ("GAE407", 20), ("GAE407", 26)]}
    got = {**messages(doc, "GAE404"), **messages(doc, "GAE407")}
    assert got[16]["message"] == (
        "handler script `legacy/report.py`: a CGI script cannot be used with `threadsafe: true` "
        "(appinfo: 'threadsafe cannot be enabled with CGI handler: legacy/report.py')")
    assert got[18]["message"] == "handler script `feeds.pyc`: a handler names a .pyc file, which the runtime never runs"
    assert got[18]["fix"].startswith("Name the source: `feeds.py`")
    assert got[20]["message"] == (
        "handler script `api.handlers.application`: `api/__init__.py` defines no `handlers` at module level, "
        "and no module `api.handlers` is uploaded: there is no `api/handlers.py` or `api/handlers/__init__.py`")
    assert got[26]["message"] == "handler script `main.application`: `main.py` defines no `application` at module level"
    assert got[26]["fix"] == "Did you mean `main.app`?"
    assert all(f["severity"] == "error" for f in doc["findings"])


def test_handler_scripts_without_threadsafe():
    _, doc = check_json(CGI, "--select", "GAE404,GAE407")
    # `script: main.py` is a fine CGI script with threadsafe: false; the
    # others name targets that do not exist (GAE407)
    assert by_file(doc, CGI) == {"app.yaml": [("GAE407", 7), ("GAE407", 10), ("GAE407", 12)]}
    got = messages(doc, "GAE407")
    assert got[7]["message"] == ("handler script `cron/cleanup.py`: the CGI script is not in the deploy set: "
                                 "there is no `cron/cleanup.py`")
    assert got[10]["message"] == ("handler script `tools.debug.app`: no module `tools` where production imports "
                                  "from: `tools/__init__.py` exists but skip_files excludes it")
    assert got[12]["message"].endswith("there is no `uploader.py` or `uploader/__init__.py`")


def test_app_yaml_validation_findings_on_their_lines():
    code, doc = check_json(APPYAML, "--select", "GAE406")
    assert code == 1
    assert by_file(doc, APPYAML) == {
        "badkeys/app.yaml": [("GAE406", 1), ("GAE406", 2), ("GAE406", 4), ("GAE406", 5), ("GAE406", 7),
                             ("GAE406", 13), ("GAE406", 14), ("GAE406", 18), ("GAE406", 23)],
        "broken/app.yaml": [("GAE406", 10)],
        "gcloudignore/app.yaml": [("GAE406", 9)],
        "legacy25/app.yaml": [("GAE406", 1), ("GAE406", 2)],
        # worker.yaml is a service and is checked; dispatch, cron, queue,
        # index and dos yamls are not app configs and stay silent
        "services/worker.yaml": [("GAE406", 2)],
    }
    by_path = {}
    for f in doc["findings"]:
        by_path.setdefault(f["path"].split("deploy_appyaml/")[1], {})[f["line"]] = f["message"]
    bad = by_path["badkeys/app.yaml"]
    assert bad[1] == "`application:` is rejected by gcloud"
    assert bad[4] == "`api_version: 2` is not supported by python27"
    assert bad[5] == "`threadsafe: 'true'` is not a YAML true or false"
    assert bad[7] == "unknown top-level key `handler`: did you mean `handlers`?"
    assert bad[13].startswith("environment variable name `API-KEY` is invalid")
    assert bad[14].startswith("environment variable name `2FA_ISSUER` is invalid")
    assert bad[18] == "`manual_scaling:` after `automatic_scaling:` (line 16): only one scaling setting is allowed"
    assert bad[23].startswith("skip_files entry `^(.*/)?*\\.bak$` is not a valid regular expression (multiple repeat")
    assert by_path["broken/app.yaml"][10].startswith("`app.yaml` is not valid YAML: mapping values are not allowed here")
    assert "SkipFilesError" in by_path["gcloudignore/app.yaml"][9]
    assert "unsupported Python 2.5 runtime" in by_path["legacy25/app.yaml"][2]
    assert by_path["services/worker.yaml"][2].startswith("`threadsafe:` is missing")


def test_valid_service_directory_is_silent_apart_from_worker_threadsafe():
    _, doc = check_json(APPYAML / "services", "--select", "GAE4")
    assert by_file(doc, APPYAML / "services") == {"worker.yaml": [("GAE406", 2)]}


APP_HEAD = "runtime: python27\napi_version: 1\nthreadsafe: true\n"


@pytest.mark.parametrize("text,line,start", [
    (APP_HEAD + "handlers:\n- url: /.*\n  script: 'main.app\n", 6, "`app.yaml` is not valid YAML"),
    (APP_HEAD + "handlers:\n\t- url: /.*\n", 5, "`app.yaml` is not valid YAML"),
    (APP_HEAD + "handlers:\n- url: /.*\n  script: main.app\n  login: [admin\n", 7, "`app.yaml` is not valid YAML"),
    ("- runtime: python27\n", 1, "`app.yaml` must be a mapping"),
    ("", 1, "`app.yaml` must be a mapping"),
    ("api_version: 1\nthreadsafe: true\n", 1, "`app.yaml` has no `runtime:`"),
    (APP_HEAD + "skip_files:\n  tests: yes\n", 4, "`skip_files:` must be a regular expression or a list"),
    (APP_HEAD + "env_variables:\n- DEBUG\n", 4, "`env_variables:` must be a mapping"),
    (APP_HEAD + "handlers:\n  url: /.*\n", 4, "`handlers:` must be a list"),
])
def test_malformed_app_yaml_is_a_finding_never_a_crash(tmp_path, text, line, start):
    (tmp_path / "app.yaml").write_text(text)
    (tmp_path / "main.py").write_text("app = None\n")
    _, doc = check_json(tmp_path, "--select", "GAE0,GAE4")
    got = [(f["code"], f["line"], f["message"]) for f in doc["findings"]]
    assert [(c, l) for c, l, _ in got] == [("GAE406", line)], got
    assert got[0][2].startswith(start)


def test_a_service_of_another_runtime_is_out_of_scope(tmp_path):
    (tmp_path / "app.yaml").write_text("runtime: python39\nhandlers:\n- url: /.*\n  script: auto\n")
    (tmp_path / "main.py").write_text("import subprocess\nsubprocess.call(['ls'])\n")
    code, out, err = run_cli("check", tmp_path, "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == []
    code, out, err = run_cli("check", tmp_path)
    assert code == 0
    assert "app.yaml: a `runtime: python39` service, not the python27 standard sandbox: out of scope" in out + err


def test_application_in_a_test_app_is_info(tmp_path):
    app = tmp_path / "tests" / "smoke_app"
    app.mkdir(parents=True)
    (app / "app.yaml").write_text("application: smoke\n" + APP_HEAD + "handlers:\n- url: /.*\n  script: main.app\n")
    (app / "main.py").write_text("app = None\n")
    _, doc = check_json(app, "--select", "GAE406")
    [finding] = doc["findings"]
    assert (finding["line"], finding["severity"]) == (1, "info")
    assert finding["message"].endswith("[a test app (under `tests/`): info]")


def test_more_than_100_handlers(tmp_path):
    entries = "".join(f"- url: /page{i}\n  script: main.app\n" for i in range(102))
    (tmp_path / "app.yaml").write_text(APP_HEAD + "handlers:\n" + entries)
    (tmp_path / "main.py").write_text("app = None\n")
    _, doc = check_json(tmp_path, "--select", "GAE4")
    # the 101st entry: 4 header lines, then two lines per handler
    assert [(f["code"], f["line"], f["message"]) for f in doc["findings"]] == [
        ("GAE406", 5 + 2 * 100, "102 handlers: python27 allows at most 100")]
