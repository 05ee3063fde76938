"""`libraries:` per service: a module the worker service imports at start-up
needs the library in worker.yaml too, not only in app.yaml (each service
yaml is its own runtime configuration). Hand-written app: the site and a
worker share feeds.py."""
import os

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
