"""What keeps one failure with its file (issue 15): positions without deep
recursion, bounded GAE002 messages, worker processes that die, and the
bounded readers (files, YAML, regexes, the cache)."""
import json
import os
import sys
import time
from pathlib import Path

import libcst as cst
import pytest

from gaelint import reading, source
from gaelint.analysis import positions
from gaelint.app import deployset, discovery
from gaelint.app.appyaml import parse_app_config
from gaelint.app.context import AppContext
from gaelint.app.userregex import PatternTimeout, UserPattern
from gaelint.config import Config
from gaelint.engine import cache as cache_mod
from gaelint.engine.check import RuleSet, check_file, describe_exception
from gaelint.engine.parallel import check_files
from gaelint.findings import Severity
from gaelint.registry import SourceRule
from gaelint.report.common import printable, valid_unicode
from gaelint.runner import select_rules

APP_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\n"


@pytest.fixture
def app(tmp_path):
    (tmp_path / "app.yaml").write_text(APP_YAML)
    targets, _ = discovery.find_apps([tmp_path])
    found = targets[0].app
    return AppContext(found, deployset.deploy_set(found))


def check(app, text, rules=None):
    ruleset = rules or select_rules(Config(), select=["GAE0", "GAE201"])
    found = check_file(ruleset, app, app.root / "mod.py", text.encode())
    return [(f.code, f.line, f.column) for f in found]


def test_a_finding_beside_a_long_chain_in_a_class_keeps_its_place(app):
    chain = " + ".join(["1"] * 600)
    text = f"import os\nclass Job(object):\n    weight = {chain}\n    def run(self):\n        os.remove('b')\n"
    assert check(app, text) == [("GAE201", 5, 9)]


def test_a_finding_on_the_line_of_a_long_chain_keeps_its_place(app):
    chain = " + ".join(["'x'"] * 900)
    text = f"import os\nclass Job(object):\n    def run(self):\n        os.remove({chain})\n        os.remove(2)\n"
    assert check(app, text) == [("GAE201", 4, 9), ("GAE201", 5, 9)]


def test_positions_too_deep_even_on_a_large_stack_fall_back_to_the_statement(app, monkeypatch):
    monkeypatch.setattr(positions, "_resolve_deep", lambda module: None)
    chain = " + ".join(["'x'"] * 900)
    text = f"import os\ndef run():\n    os.remove({chain})\n    os.remove('y')\n"
    assert check(app, text) == [("GAE201", 3, 5), ("GAE201", 4, 5)]


def test_positions_that_fail_keep_the_findings_and_say_so(app, monkeypatch):
    def broken(*args):
        raise KeyError(cst.parse_module("x = 1\n"))
    monkeypatch.setattr(positions, "compute", broken)
    found = check(app, "import os\nos.remove('a')\n")
    assert found == [("GAE201", None, None), ("GAE002", None, None)]


class _Deep(Exception):
    def __str__(self):
        return str(self)        # recurses until RecursionError


def test_an_exception_that_cannot_be_printed_is_a_bounded_gae002(app):
    class Breaks(SourceRule):
        code, name = "GAE201", "filesystem-write"

        def visit_Call(self, node, ctx):
            raise KeyError(node)        # its repr is the whole (large) node

    class Recurses(Breaks):
        def visit_Call(self, node, ctx):
            raise _Deep("x")

    for rule in (Breaks, Recurses):
        found = check_file(RuleSet((rule,)), app, app.root / "mod.py", b"import os\nos.remove('a' + 'b')\n")
        assert [f.code for f in found] == ["GAE002"]
        assert len(found[0].message) < 500
    assert describe_exception(KeyError(cst.parse_module("x = 1\n"))).startswith("KeyError: <Module>")


class _KillsItsWorker(SourceRule):
    code, name = "GAE201", "filesystem-write"

    def visit_Call(self, node, ctx):
        if ctx.path.name == "killer.py":
            os._exit(3)


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_a_worker_that_dies_costs_only_its_file(app):
    files = []
    for i in range(10):
        path = app.root / ("killer.py" if i == 4 else f"m{i}.py")
        path.write_text("import os\nos.remove('x')\n")
        files.append(path)
    ruleset = RuleSet((_KillsItsWorker,))
    results = check_files(ruleset, [app], [(0, f) for f in files], jobs=2)
    killed, facts = results[4]
    assert [f.code for f in killed] == ["GAE002"] and "worker process" in killed[0].message and facts is None
    assert all(r[0] == [] for i, r in enumerate(results) if i != 4)


def test_reading_a_fifo_does_not_block(tmp_path):
    fifo = tmp_path / "app.yaml"
    os.mkfifo(fifo)
    started = time.time()
    with pytest.raises(reading.NotRegularFile, match="it is a FIFO"):
        reading.read_bytes(fifo)
    assert time.time() - started < 1
    big = tmp_path / "big.py"
    big.write_bytes(b"x" * 100)
    with pytest.raises(reading.TooLarge):
        reading.read_bytes(big, limit=10)
    assert source.read(fifo)[1].reason == "not a regular file: it is a FIFO (named pipe); gaelint does not read it"


def test_a_file_whose_tree_would_not_fit_the_budget_is_an_info_gae001(monkeypatch):
    from gaelint.source import loading
    monkeypatch.setattr(loading, "MAX_PARSE_BYTES", 100)
    src = source.load_bytes(Path("big.py"), b"x = 1\n" * 30)
    [problem] = src.problems
    assert problem.severity == "info" and src.module is None
    assert problem.reason.startswith("the file is 180 bytes: its syntax tree would need about 0 MB of memory")


def test_yaml_aliases_are_not_expanded_past_the_cap():
    bomb = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9 if i else ['lol'] * 9)}]\n" for i in range(9))
    started = time.time()
    config = parse_app_config(APP_YAML + bomb + "env_variables:\n  X: *l8\n", Path("app.yaml"))
    assert time.time() - started < 2
    assert config.error is not None and "a 'billion laughs' file" in config.error.message
    small = parse_app_config(APP_YAML + "base: &b {a: 1}\nenv_variables:\n  X: '1'\nother: *b\n", Path("app.yaml"))
    assert small.error is None and small.data["other"] == {"a": 1}


def test_a_catastrophic_user_regex_blows_its_budget_not_the_run():
    pattern = UserPattern(r"^(a|a)+$")
    assert pattern.match("aaaa")
    started = time.time()
    with pytest.raises(PatternTimeout):
        pattern.match("a" * 40 + "!")
    assert time.time() - started < 3


def test_printable_and_valid_unicode():
    hostile = "caf\udce9 \x1b[2J\nx\r\x9b\u202e\tok \u00e9"
    assert printable(hostile) == "caf\\xe9 \\x1b[2J\\nx\\r\\x9b\\u202e\tok \u00e9"
    assert valid_unicode(hostile) == "caf\\xe9 \x1b[2J\nx\r\x9b\u202e\tok \u00e9"


def test_cache_entries_are_bound_to_content_and_schema(tmp_path, monkeypatch):
    cache = cache_mod.ResultCache(tmp_path / "cache", "engine")
    key, root = cache.key(b"data", "mod.py", "app"), tmp_path
    from gaelint.findings import Finding
    finding = Finding(code="GAE201", name="filesystem-write", severity=Severity.ERROR, path=root / "mod.py",
                      message="m", fix="f", line=2, column=1, end_line=2, end_column=5, statement=(2, 2))
    cache.put(key, root, [finding], {"settings.py": "-"}, data=b"data", path=root / "mod.py")
    assert cache.get(key, root, data=b"data", path=root / "mod.py") == [finding]
    assert cache.get(key, root, data=b"other", path=root / "mod.py") is None      # other bytes
    assert cache.get(key, root, data=b"data", path=root / "other.py") is None     # another file's findings
    assert cache.get(key, root) is None                                            # bytes unknown
    (root / "settings.py").write_text("X = 1\n")                                 # a dependency changed
    assert cache.get(key, root, data=b"data", path=root / "mod.py") is None
    cache.put(key, root, [finding], {"../../etc/passwd": "-"}, data=b"data", path=root / "mod.py")
    assert cache.get(key, root, data=b"data", path=root / "mod.py") is None       # a dependency outside the app
    fact = cache.fact_key("names", b"data")
    cache.put_value(fact, ["a", "b"], b"data", "fact:names")
    assert cache.get_value(fact, b"data", "fact:names", lambda v: all(isinstance(x, str) for x in v)) == ["a", "b"]
    assert cache.get_value(fact, b"data", "fact:names", lambda v: isinstance(v, dict)) is cache.MISSING
    assert cache.get_value(fact, b"data", "findings") is cache.MISSING             # another kind

    def fails(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(json, "dump", fails)
    cache.put_value(cache.fact_key("x", b"y"), [1], b"y", "fact:x")
    assert not list((tmp_path / "cache").rglob(".tmp-*"))


def test_the_fuzz_harness_runs(capsys):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import fuzz_python2
    counts = fuzz_python2.run(mutants=3, seed=1, extra=[], python2_path=None, limit=4, verbose=False)
    assert counts["inputs"] == 16 and counts["seeds"] == 4
    assert not counts.get("crash") and not counts.get("GAE002")
