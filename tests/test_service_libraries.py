"""`libraries:` per service: a module the worker service imports at start-up
needs the library in worker.yaml too, not only in app.yaml (each service
yaml is its own runtime configuration). Hand-written app: the site and a
worker share feeds.py."""
import json
import os
import subprocess
import sys

from conftest import FIXTURES

from gaelint.config import Config
from gaelint.runner import run, select_rules

APP = FIXTURES / "production" / "two_services"


def test_a_library_only_app_yaml_enables_fails_where_the_worker_imports_it_at_start_up():
    result = run([APP], select_rules(Config()), Config(), jobs=1)
    got = {(os.path.relpath(f.path, APP), f.line, f.code): f for f in result.findings}
    assert {key: (str(f.severity), f.message) for key, f in got.items()} == {
        ("feeds.py", 2, "GAE302"): (
            "error", "`from lxml import etree` needs the `lxml` library, which worker.yaml does not enable under "
                     "`libraries:` (app.yaml does)"),
        # imported inside a handler method: whether it runs, the call graph would have to say
        ("exports.py", 2, "GAE302"): (
            "info", "`from lxml import html` needs the `lxml` library, which worker.yaml does not enable under "
                    "`libraries:` (app.yaml does) [worker.yaml's handlers import this module only when a "
                    "function runs]"),
        # sitemap.py: only the default service (app.yaml lists lxml) imports it
    }
    feeds = got[("feeds.py", 2, "GAE302")]
    assert [(s.path.name, s.line, s.what) for s in feeds.reached_from] == [
        ("worker.yaml", 11, "worker.app"), ("worker.py", 5, "feeds")]
    assert feeds.fix == 'Add `- name: lxml` / `version: "3.7.3"` under `libraries:` in worker.yaml'
    assert not feeds.fixable


def test_every_service_that_lacks_the_library_is_judged_and_the_one_that_imports_it_is_named(tmp_path):
    """a.yaml and b.yaml both lack jinja2; only b.yaml's handlers import it."""
    app = tmp_path / "app"
    app.mkdir()
    yaml = "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: {}\n"
    (app / "app.yaml").write_text(yaml.format("main.app") + 'libraries:\n- name: jinja2\n  version: "2.6"\n')
    (app / "a.yaml").write_text("service: a\n" + yaml.format("other.app"))
    (app / "b.yaml").write_text("service: b\n" + yaml.format("main.app"))
    (app / "main.py").write_text("import jinja2\nimport webapp2\napp = webapp2.WSGIApplication([])\n")
    (app / "other.py").write_text("import webapp2\napp = webapp2.WSGIApplication([])\n")
    result = run([app], select_rules(Config()), Config(), jobs=1)
    assert [(f.code, f.line, str(f.severity), f.message) for f in result.findings] == [
        ("GAE302", 1, "error", "`import jinja2` needs the `jinja2` library, which b.yaml does not enable under "
                               "`libraries:` (app.yaml does)")]
    assert result.findings[0].fix == 'Add `- name: jinja2` / `version: "2.6"` under `libraries:` in b.yaml'
    # one text on stdin has no import graph to judge it by: nothing rather than a guess
    (app / "b.yaml").unlink()      # a.yaml alone lacks it, and never imports main.py
    proc = subprocess.run([sys.executable, "-m", "gaelint", "check", "-", "--stdin-filename", str(app / "main.py"),
                           "--format", "json", "--no-cache"], input=(app / "main.py").read_text(),
                          capture_output=True, text=True)
    assert proc.returncode == 0 and json.loads(proc.stdout)["findings"] == []
