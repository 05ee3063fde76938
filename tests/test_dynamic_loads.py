"""Modules an app imports by a computed name (RULES.md: "in a module that may
be loaded dynamically, warning at most, saying where"), on a hand-written app
whose router imports pages by the names it lists."""
import os

from conftest import FIXTURES

from gaelint.config import Config
from gaelint.runner import run, select_rules

APP = FIXTURES / "production" / "pages_by_name"


def test_a_page_named_beside_a_computed_import_is_a_warning_that_says_where():
    result = run([APP], select_rules(Config()), Config(), jobs=1)
    got = {(os.path.relpath(f.path, APP), f.line, f.code): (str(f.severity), f.message) for f in result.findings}
    spawn = ("`subprocess.check_output()` starts a process (on App Engine `subprocess` is an empty module: "
             "AttributeError), which the python27 sandbox does not allow")
    assert got == {
        ("report.py", 9, "GAE202"): (
            "warning", spawn + " [no handler imports it, but main.py:19 loads modules by a computed name, "
                               "and main.py:9 names `report`]"),
        # no string of the router names it: uploaded, never loaded
        ("legacy_report.py", 6, "GAE202"): (
            "info", "`subprocess.call()` starts a process (on App Engine `subprocess` is an empty module: "
                    "AttributeError), which the python27 sandbox does not allow "
                    "[not reached in production: uploaded, but no handler imports it]"),
    }
