"""What the speed features must never change: results with the textual
prefilter equal a full run; parallel equals serial, in a stable order; the
cache returns what a fresh check would, follows app.yaml, and never trusts a
corrupt entry."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from gaelint import reading
from gaelint.engine.cache import ResultCache, engine_fingerprint
from gaelint.config import Config
from gaelint.engine.check import RuleSet
from gaelint.runner import run, select_rules

APPS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


def _key(f):
    return (str(f.path), f.line, f.column, f.code, f.message, int(f.severity))


def _findings(paths, ruleset, **kw):
    return [_key(f) for f in run(paths, ruleset, Config(), **kw).findings]


def test_prefilter_gives_exactly_the_full_results():
    ruleset = select_rules(Config())
    full = RuleSet(ruleset.rules, prefilter=False)
    assert _findings(APPS, ruleset, jobs=1) == _findings(APPS, full, jobs=1)


def test_parallel_equals_serial_in_the_same_order():
    ruleset = select_rules(Config())
    serial = _findings(APPS, ruleset, jobs=1)
    assert serial, "the fixtures must produce findings"
    assert _findings(APPS, ruleset, jobs=2) == serial


def _app(tmp_path, libraries=""):
    root = tmp_path / "app"
    root.mkdir(exist_ok=True)
    (root / "app.yaml").write_text(
        "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n" + libraries)
    (root / "main.py").write_text(
        "import webapp2\nfrom lxml import etree\nfh = open('x.log', 'a')\napp = webapp2.WSGIApplication([])\n")
    return root


def _cli(root, cache_dir, *extra):
    env_before = os.environ.get("GAELINT_CACHE_DIR")
    os.environ["GAELINT_CACHE_DIR"] = str(cache_dir)
    try:
        code, out, err = run_cli("check", root, "--format", "json", *extra)
    finally:
        if env_before is None:
            del os.environ["GAELINT_CACHE_DIR"]
        else:
            os.environ["GAELINT_CACHE_DIR"] = env_before
    assert code in (0, 1), err
    return sorted((f["code"], f["line"]) for f in json.loads(out)["findings"])


def test_cache_is_warm_and_identical(tmp_path):
    root, cache = _app(tmp_path), tmp_path / "cache"
    cold = _cli(root, cache)
    entries = list(cache.rglob("*.json"))
    assert entries, "the first run fills the cache"
    assert _cli(root, cache) == cold == _cli(root, cache, "--no-cache")
    assert ("GAE302", 2) in cold and ("GAE201", 3) in cold
    assert not any(p.name.startswith(".gaelint") for p in root.rglob("*")), "nothing written into the app"


def test_changing_app_yaml_changes_findings_of_untouched_files(tmp_path):
    root, cache = _app(tmp_path), tmp_path / "cache"
    assert ("GAE302", 2) in _cli(root, cache)
    _app(tmp_path, libraries='libraries:\n- name: lxml\n  version: "3.7.3"\n')
    assert ("GAE302", 2) not in _cli(root, cache)


def test_corrupt_or_foreign_entries_are_ignored(tmp_path):
    root, cache = _app(tmp_path), tmp_path / "cache"
    cold = _cli(root, cache)
    for entry in cache.rglob("*.json"):
        entry.write_text('{"format": 1, "key": "someone-else", "findings": [{"code": "GAE999"}]}')
    assert _cli(root, cache) == cold
    for entry in cache.rglob("*.json"):
        entry.write_bytes(b"\x00garbage")
    assert _cli(root, cache) == cold


def test_cache_key_covers_content_rules_and_app(tmp_path):
    cache = ResultCache(tmp_path, engine_fingerprint({"GAE201"}))
    base = cache.key(b"x = 1\n", "main.py", "app-a")
    assert base != cache.key(b"x = 2\n", "main.py", "app-a")
    assert base != cache.key(b"x = 1\n", "other.py", "app-a")
    assert base != cache.key(b"x = 1\n", "main.py", "app-b")
    assert base != ResultCache(tmp_path, engine_fingerprint({"GAE201", "GAE103"})).key(b"x = 1\n", "main.py", "app-a")


def test_a_second_process_with_another_hash_seed_rechecks_nothing(tmp_path):
    """The cache key is built from sorted, canonical data: an app whose
    sys.path gaelint cannot resolve (every directory may be a root) and that
    vendors two roots warms up for any PYTHONHASHSEED."""
    app = tmp_path / "app"
    files = {
        "app.yaml": "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n",
        "appengine_config.py": "import os\nimport sys\nfrom google.appengine.ext import vendor\n"
                               "vendor.add('lib')\nvendor.add('third_party')\n"
                               "sys.path.insert(0, os.environ['EXTRA_PATH'])\n",
        "main.py": "import os\nimport markdown\nimport simplejson\nos.remove('x')\napp = None\n",
    }
    for package in ("alpha", "beta", "gamma", "delta", "epsilon"):
        files[f"lib/{package}/__init__.py"] = "VALUE = 1\n"
        files[f"third_party/{package}_extra.py"] = "VALUE = 2\n"
        files[f"tools/{package}/__init__.py"] = ""
        files[f"scripts/{package}/run_{package}.py"] = ""      # more candidate roots, more orders
    files["lib/markdown/__init__.py"] = ""
    files["third_party/simplejson.py"] = ""
    for rel, text in files.items():
        (app / rel).parent.mkdir(parents=True, exist_ok=True)
        (app / rel).write_text(text)
    env = {**os.environ, "GAELINT_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "200"}
    python_files = sum(1 for rel in files if rel.endswith(".py"))
    runs = []
    for seed in map(str, range(1, 9)):
        proc = subprocess.run([sys.executable, "-m", "gaelint", "check", str(app), "--format", "json"],
                              env={**env, "PYTHONHASHSEED": seed}, capture_output=True, text=True)
        assert proc.returncode == 1, proc.stderr
        runs.append(json.loads(proc.stdout))
    assert runs[0]["summary"]["from_cache"] == 0
    assert [r["summary"]["from_cache"] for r in runs[1:]] == [python_files] * 7
    assert all(r["findings"] == runs[0]["findings"] for r in runs)


def test_a_file_whose_only_problem_is_import_ftplib_gets_gae104(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n"
                                  "handlers:\n- url: /.*\n  script: main.app\n")
    (app / "main.py").write_text("import ftplib\napp = None\n")
    result = run([app], select_rules(Config()), Config(), jobs=1)
    assert [(f.code, f.line) for f in result.findings] == [("GAE104", 1)]


def _report(app, cache_dir, *extra):
    proc = subprocess.run([sys.executable, "-m", "gaelint", "check", str(app), "--format", "json", *extra],
                          env={**os.environ, "GAELINT_CACHE_DIR": str(cache_dir), "COLUMNS": "200"},
                          capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def _warm_equals_fresh(app, cache_dir, code, *fields):
    """``fields`` of the ``code`` findings of a run with the cache, which
    must be those of a run without it."""
    def picked(report):
        return [tuple(f[k] for k in fields) for f in report["findings"] if f["code"] == code]
    warm = picked(_report(app, cache_dir))
    assert warm == picked(_report(app, cache_dir, "--no-cache"))
    return warm


def test_an_unchanged_app_is_taken_whole_and_follows_every_change(tmp_path):
    """engine.snapshot: an app no byte of which changed comes back whole,
    chains and notes included; a changed file, a new exclude or a changed
    app.yaml each give what a fresh run gives."""
    app = tmp_path / "app"
    files = {
        "app.yaml": "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n",
        "main.py": "import webapp2\nimport mailer\napp = webapp2.WSGIApplication([('/', mailer.Send)])\n",
        "mailer.py": "import smtplib\nimport webapp2\n\n\nclass Send(webapp2.RequestHandler):\n"
                     "    def get(self):\n        smtplib.SMTP('localhost', 25)\n",
        "tools/dump.py": "import subprocess\nsubprocess.call(['ls'])\n",
    }
    for rel, text in files.items():
        (app / rel).parent.mkdir(parents=True, exist_ok=True)
        (app / rel).write_text(text)
    cache = tmp_path / "cache"
    cold = _report(app, cache)
    warm = _report(app, cache)
    assert warm["summary"]["from_cache"] == 3
    assert warm["findings"] == cold["findings"] == _report(app, cache, "--no-cache")["findings"]
    smtp = [f for f in warm["findings"] if f["code"] == "GAE103"]
    assert [(f["line"], f["severity"]) for f in smtp] == [(7, "error")]
    assert [(Path(s["path"]).name, s["line"]) for s in smtp[0]["reached_from"]] == [("app.yaml", 6), ("main.py", 2)], \
        "the chain comes back with the finding"

    (app / "mailer.py").write_text(files["mailer.py"].replace("25", "587"))
    changed = _report(app, cache)
    assert changed["summary"]["from_cache"] == 2, "the unchanged files still come from the per-file cache"
    assert not [f for f in changed["findings"] if f["code"] == "GAE103"]
    assert changed["findings"] == _report(app, cache, "--no-cache")["findings"]

    config = tmp_path / "gaelint.toml"      # outside the app: no deployed byte changes
    config.write_text("")
    assert _report(app, cache, "--config", config)["findings"] == changed["findings"]
    assert [f for f in changed["findings"] if "tools" in f["path"]], "tools/dump.py has findings"
    config.write_text('exclude = ["tools/"]\n')
    excluded = _report(app, cache, "--config", config)
    assert not [f for f in excluded["findings"] if "tools" in f["path"]]
    assert excluded["findings"] == _report(app, cache, "--no-cache", "--config", config)["findings"]


_LOADED_MODULES = """
import sys
from gaelint.cli import main
code = main(sys.argv[1:])
print('libcst imported:', 'libcst' in sys.modules, code, file=sys.stderr)
"""


def test_a_pre_commit_run_the_cache_answers_never_imports_libcst(tmp_path):
    """gaelint.lazycst: libcst (about 0.2 s to import) only once a file is parsed."""
    app = _app(tmp_path)
    (app / "appengine_config.py").write_text("from google.appengine.ext import vendor\nvendor.add('lib')\n")
    (app / "lib").mkdir()
    env = {**os.environ, "GAELINT_CACHE_DIR": str(tmp_path / "cache")}

    def loaded(*args):
        proc = subprocess.run([sys.executable, "-c", _LOADED_MODULES, *map(str, args)],
                              env=env, capture_output=True, text=True)
        return proc.stderr.split("libcst imported:")[-1].split(), proc.stdout

    main = app / "main.py"
    assert loaded("check", main)[0] == ["True", "1"], "the first run parses main.py"
    (warm, out) = loaded("check", main)
    assert warm == ["False", "1"] and "GAE201" in out, "the cache answers: findings, and no libcst"
    assert loaded("rules")[0] == ["False", "0"]


_STARTUP_MODULES = """
import sys
from gaelint.cli import main
code = main(sys.argv[1:-1])
print('imported:', sorted(m for m in sys.argv[-1].split(',') if m in sys.modules), file=sys.stderr)
"""


def test_a_pre_commit_run_on_one_python2_file_imports_only_what_it_uses(tmp_path):
    """Start-up is most of a pre-commit run: worker pools, fissix's grammar
    (the fast path reads ordinary Python 2), malloc_trim, pathspec (no
    .gcloudignore), the regex package (no skip_files) and the other report
    formats are imported only by the runs that use them."""
    app = _app(tmp_path)
    (app / "main.py").write_text("import webapp2\nprint 'starting'\nfh = open('x.log', 'a')\n"
                                 "app = webapp2.WSGIApplication([])\n")
    env = {**os.environ, "GAELINT_CACHE_DIR": str(tmp_path / "cache")}
    heavy = ["multiprocessing", "concurrent.futures", "fissix", "ctypes", "pathspec", "regex",
             "xml.etree.ElementTree"]
    proc = subprocess.run([sys.executable, "-c", _STARTUP_MODULES, "check", str(app / "main.py"),
                           "--format", "json", "--exit-zero", ",".join(heavy)],
                          env=env, capture_output=True, text=True, cwd=tmp_path)
    assert [f["code"] for f in json.loads(proc.stdout)["findings"]] == ["GAE201"]
    imported = proc.stderr.split("imported:")[-1].strip()
    assert imported == "[]", proc.stderr


def test_every_fixture_app_from_the_cache_and_from_snapshots_equals_a_fresh_run(tmp_path):
    """Every shortcut at once on every fixture: the first run fills the
    per-file cache and the apps' snapshots, the second is answered by them."""
    ruleset = select_rules(Config())

    def seen(result):
        return ([_key(f) + (tuple((str(s.path), s.line, s.what) for s in f.reached_from),) for f in result.findings],
                result.notices)

    fresh = run(APPS, ruleset, Config(), jobs=1)
    cache = ResultCache(tmp_path / "cache", engine_fingerprint(ruleset.codes))
    first, second = (run(APPS, ruleset, Config(), jobs=1, cache=cache) for _ in range(2))
    assert first.from_cache == 0 and second.from_cache > 0
    assert seen(first) == seen(second) == seen(fresh)


def test_snapshots_follow_what_a_missing_handler_and_an_outside_include_depend_on(tmp_path):
    repo = tmp_path / "repo"
    app = repo / "app"
    (repo / "common").mkdir(parents=True)
    app.mkdir()
    (repo / ".git").mkdir()
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\nincludes:\n"
                                  "- ../common/tasks.yaml\nhandlers:\n- url: /.*\n  script: main.app\n")
    (app / "main.py").write_text("import webapp2\napp = webapp2.WSGIApplication([])\n")
    include = repo / "common" / "tasks.yaml"
    include.write_text("handlers:\n- url: /tasks/.*\n  script: main.app\n")
    cache = tmp_path / "cache"

    def gae407():
        return _warm_equals_fresh(app, cache, "GAE407", "code", "severity")

    assert gae407() == [] and gae407() == []                    # the second run is a snapshot
    include.write_text("handlers:\n- url: /tasks/.*\n  script: taskqueue_lib.main.APP\n")
    assert gae407() == [("GAE407", "error")]                    # the include outside the app changed
    (repo / ".gitignore").write_text("/app/taskqueue_lib/\n")
    assert gae407() == [("GAE407", "warning")]                  # the repository keeps it untracked
    (repo / ".gitignore").unlink()
    assert gae407() == [("GAE407", "error")]
    (app / "taskqueue_lib").mkdir()             # no file in it: the deploy set is unchanged
    assert gae407() == [("GAE407", "warning")]                  # a submodule not checked out
    (app / "taskqueue_lib").rmdir()
    assert gae407() == [("GAE407", "error")]


def test_an_app_with_a_missing_handler_is_answered_by_its_snapshot(tmp_path, monkeypatch):
    """GAE407 reads the checkout beyond the deploy set; the snapshot keeps
    those answers and is used while the checkout gives the same ones."""
    from gaelint.engine import snapshot
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n"
                                  "- url: /x\n  script: missing.app\n- url: /.*\n  script: main.app\n")
    (app / "main.py").write_text("import webapp2\napp = webapp2.WSGIApplication([])\n")
    ruleset = select_rules(Config())
    cache = ResultCache(tmp_path / "cache", engine_fingerprint(ruleset.codes))
    loads = []
    real_load = snapshot.load
    monkeypatch.setattr(snapshot, "load", lambda *a: loads.append(real_load(*a)) or loads[-1])

    def codes():
        return [(f.code, str(f.severity)) for f in run([app], ruleset, Config(), jobs=1, cache=cache).findings
                if f.code == "GAE407"]

    assert codes() == codes() == [("GAE407", "error")]
    assert loads[0] is None and loads[1] is not None, "the second run is the snapshot"
    (tmp_path / ".gitignore").write_text("/app/missing.py\n")
    (tmp_path / ".git").mkdir()
    assert codes() == [("GAE407", "warning")] and loads[2] is None


def test_a_snapshot_follows_the_files_the_deploy_skips(tmp_path):
    """GAE407 says whether a handler's module exists but is skipped, and
    GAE3xx reads skipped .pyc files: files the deploy does not upload still
    decide the result, so a snapshot must follow them."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\nskip_files:\n"
                                  "- ^main\\.py$\nhandlers:\n- url: /x\n  script: main.app\n"
                                  "- url: /.*\n  script: other.app\n")
    (app / "main.py").write_text("import webapp2\napp = webapp2.WSGIApplication([])\n")
    (app / "other.py").write_text("import webapp2\napp = webapp2.WSGIApplication([])\n")
    cache = tmp_path / "cache"

    def gae407():
        return _warm_equals_fresh(app, cache, "GAE407", "severity", "message")

    first = gae407()
    assert len(first) == 1 and "exists but skip_files excludes it" in first[0][1]
    assert gae407() == first                    # the snapshot
    (app / "main.py").rename(tmp_path / "main.py")
    assert "there is no `main.py`" in gae407()[0][1]


def test_file_hashes_are_remembered_by_stat_and_follow_every_write(tmp_path, monkeypatch):
    """engine.filehashes: a settled file's hash comes from the table while
    its stat is unchanged; a write (or a file too young to trust) is read."""
    import hashlib

    from gaelint.engine import filehashes
    cache = tmp_path / "cache"
    module = tmp_path / "a.py"
    module.write_bytes(b"x = 1\n")

    def hashes():
        table = filehashes.FileHashes(cache)
        digest = table.sha256(module, 1000)
        table.save()
        return digest, table.read

    assert hashes() == (hashlib.sha256(b"x = 1\n").digest(), 1)
    assert hashes()[1] == 1, "written a moment ago: not trusted yet, read again"
    monkeypatch.setattr(reading, "SETTLED_NS", -10 ** 12)          # every file counts as settled
    assert hashes()[1] == 1
    assert hashes() == (hashlib.sha256(b"x = 1\n").digest(), 0), "from the table"
    module.write_bytes(b"x = 2\n")                                   # same size: ctime and mtime move
    assert hashes() == (hashlib.sha256(b"x = 2\n").digest(), 1)
    module.unlink()
    with pytest.raises(FileNotFoundError):
        hashes()
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError):
        filehashes.FileHashes(cache).sha256(tmp_path / "fifo", 1000)


def test_class_words_are_remembered_by_stat_and_follow_a_write(tmp_path, monkeypatch):
    """engine.classwords: a later run takes a settled file's class words
    from the cache instead of reading the file; a write is read again."""
    from gaelint.app import module_facts
    from gaelint.registry import Example
    from gaelint.testing import write_app
    monkeypatch.setattr(reading, "SETTLED_NS", -10 ** 12)          # every file counts as settled
    ruleset = select_rules(Config())
    root = tmp_path / "app"
    write_app(root, Example(
        code="from workers import Worker\nWorker().start()\napp = None\n", path="main.py",
        files={"workers.py": "import multiprocessing\n\n\nclass Worker(multiprocessing.Process):\n    pass\n"}))
    read = []
    real = module_facts._CLASS_BASES

    class Counting:
        def findall(self, data):
            read.append(data)
            return real.findall(data)
    monkeypatch.setattr(module_facts, "_CLASS_BASES", Counting())

    def check():
        module_facts._CLASS_WORDS_OF.clear()         # as a new process starts
        module_facts._SETTLED.clear()
        del read[:]
        cache = ResultCache(tmp_path / "cache", engine_fingerprint(ruleset.codes))
        return [(f.path.name, f.code, f.line) for f in run([root], ruleset, Config(), jobs=1, cache=cache).findings
                if f.code == "GAE202"]

    assert check() == [("main.py", "GAE202", 2)]
    assert read, "the first run reads the class words"
    table = json.loads((tmp_path / "cache" / "class-words.json").read_text())
    assert any(row[5] == [["Worker", ["multiprocessing", "Process"]]] for row in table["files"])
    assert check() == [("main.py", "GAE202", 2)]
    assert read == [], "the second run reads no file for its class words"
    (root / "workers.py").write_text("import threading\n\n\nclass Worker(threading.Thread):\n    pass\n")
    assert check() == []
    assert len(read) == 1, "the changed file is read again"
