"""Values followed the way real code passes them (issue 13): constants of the
stdlib and of the app's own modules, config classes and Flask config, dicts,
conditional expressions, parameters filled by the module's calls, self
attributes, subclasses across modules, library methods that write or
listen, streams, per-service scaling, and the BOM/coding conflict.

The fixture app tests/fixtures/values_app spreads these over modules the way
a python27 app does; the other tests pin the machinery underneath."""
import codecs
import json
import os
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from conftest import FIXTURES, by_file, check_json, run_cli
from gaelint import source
from gaelint.analysis import walk
from gaelint.analysis.context import UNKNOWN, FileContext, resolve_qualname
from gaelint.app.module_facts import class_facts, constant_facts, decode, encode
from gaelint.source.loading import LoadProblem, decode as decode_bytes

APP = FIXTURES / "values_app"

EXPECTED = {
    "admin.py": [
        ("GAE201", 19),     # open(self.name, self.mode): Report('nightly.csv') leaves mode='w'
        ("GAE405", 46),     # set_tunnel on a subclass of HTTPSConnection from net/connections.py
        ("GAE202", 47),     # Popen from utils/subprocess2.py, a subclass of subprocess.Popen
        ("GAE502", 49),     # admin.py is served by app.yaml (automatic), whatever worker.yaml says
    ],
    "mailer.py": [
        ("GAE103", 14),     # MAIL_PORT = smtplib.SMTP_PORT in settings.py
        ("GAE103", 28),     # RELAYS['legacy'] by keyword: port 25
        ("GAE103", 33),     # conn.connect((host, settings.Config.MAIL_PORT)): probably a socket
    ],
    "main.py": [
        ("GAE201", 15),     # fileConfig(settings.LOG_CONFIG): logging.conf installs a RotatingFileHandler
        ("GAE201", 20),     # open(path, mode): write_export(name, 'wb') is its only call
        ("GAE201", 43),     # request.files[...].save(os.path.join(...))
        ("GAE103", 51),     # app.config['MAIL_PORT'] from settings.Production (inherited from Config)
    ],
    "net/connections.py": [("GAE405", 11)],            # self.sock of the base class's connect()
    "utils/subprocess2.py": [("GAE202", 12)],          # the subclass itself, constructed
}


@pytest.fixture(scope="module")
def report():
    _, doc = check_json(APP)
    return doc


def test_every_finding_of_the_values_app_at_its_line(report):
    assert by_file(report, APP) == EXPECTED


def test_what_the_values_app_findings_say(report):
    got = {(os.path.relpath(f["path"], APP), f["line"]): f for f in report["findings"]}
    assert got[("mailer.py", 33)]["severity"] == "warning"
    assert got[("mailer.py", 33)]["message"] == (
        "`conn.connect()` (`conn` is probably a socket: gaelint cannot tell what it is) connects to port 25 "
        "(SMTP), which is blocked on App Engine")
    assert got[("main.py", 20)]["message"] == (
        "`open()` opens a file for writing (mode 'wb', the value this module's calls pass for `mode`)")
    assert got[("main.py", 15)]["message"] == (
        "`logging.config.fileConfig('logging.conf')` installs the handler `audit`, a "
        "logging.handlers.RotatingFileHandler: it opens a log file for writing")
    assert got[("main.py", 43)]["message"] == (
        "`attachment.save()` saves an uploaded file (werkzeug.datastructures.FileStorage)")
    assert got[("admin.py", 47)]["message"].startswith("`Popen()` starts a process")
    assert "(it derives from subprocess.Popen)" in got[("admin.py", 47)]["message"]
    assert got[("admin.py", 49)]["message"].endswith(
        "(app.yaml sets no scaling, so automatic scaling applies): it raises FrontendsNotSupported")
    # a helper nothing in the app calls: production imports it, but never runs it
    helper = got[("utils/subprocess2.py", 12)]
    assert helper["severity"] == "warning" and helper["message"].endswith(
        "[nothing in the app calls or names `check_output()`, though production imports this module]")
    assert all(f["severity"] == "error" for k, f in got.items()
               if k not in {("mailer.py", 33), ("utils/subprocess2.py", 12)})


def _ctx(code: str) -> FileContext:
    """The context of one file (no app around it: no other modules)."""
    src = source.load_bytes(Path("main.py"), textwrap.dedent(code).encode())
    model = walk.build(src.module, (), resolve_qualname)
    return FileContext(src, None, model, "main.py")


def test_values_of_names_dicts_tuples_and_conditionals():
    ctx = _ctx("""
        import smtplib
        from smtplib import SMTP_SSL_PORT
        HOST, PORT = 'mx.example.com', 25
        MODES = {'fresh': 'w', 'append': 'a'}
        mode = 'r'
        mode = 'w'
        f(PORT, smtplib.SMTP_PORT, SMTP_SSL_PORT, MODES['append'], 'w' if x else 'a', mode, HOST, -PORT, y)
        """)
    args = [a.value for a in ctx.model.nodes[cst.Call][-1][0].args]
    assert [ctx.literal(a) for a in args[:4]] == [25, 25, 465, "a"]
    assert ctx.values(args[4]) == ("w", "a") and ctx.literal(args[4]) is UNKNOWN
    assert ctx.values(args[5]) == ("r", "w") and ctx.literal(args[5]) is UNKNOWN
    assert ctx.literal(args[6]) == "mx.example.com" and ctx.literal(args[7]) == -25
    assert ctx.values(args[8]) == () and ctx.literal(args[8]) is UNKNOWN


def test_parameters_take_what_every_call_of_the_module_passes():
    ctx = _ctx("""
        def save(path, mode='wb'):
            return open(path, mode)
        save('a.bin')
        save('b.txt', mode='w')
        """)
    assert ctx.values(_mode_in_first_open(ctx)) == ("wb", "w")


def _mode_in_first_open(ctx):
    call = next(c for c, _ in ctx.model.nodes[cst.Call] if isinstance(c.func, cst.Name) and c.func.value == "open")
    ctx.site = next(s for c, s in ctx.model.nodes[cst.Call] if c is call)
    return call.args[1].value


@pytest.mark.parametrize("code", [
    # passed as a callback: called in ways this module cannot see
    "def save(path, mode):\n    return open(path, mode)\nsave('a', 'w')\nHANDLERS = [save]\n",
    # a call that passes an unknown value
    "def save(path, mode):\n    return open(path, mode)\nsave('a', 'w')\nsave('b', get_mode())\n",
    # decorated: the decorator may call it
    "@task\ndef save(path, mode):\n    return open(path, mode)\nsave('a', 'w')\n",
    # recursion passes the parameter to itself: no value, and no endless loop
    "def save(path, mode):\n    if path:\n        save(path[1:], mode)\n    return open(path, mode)\n",
    # no call at all
    "def save(path, mode):\n    return open(path, mode)\n",
    # *args at a call site
    "def save(path, mode):\n    return open(path, mode)\nsave(*ARGS)\n",
])
def test_parameters_stay_unknown_when_not_every_call_is_known(code):
    ctx = _ctx(code)
    assert ctx.values(_mode_in_first_open(ctx)) == ()


def test_self_attributes_and_class_attributes():
    ctx = _ctx("""
        class Config(object):
            PORT = 25
        class Production(Config):
            DEBUG = False
        class Writer(object):
            MODE = 'ab'
            def __init__(self, path, mode='w'):
                self.path = path
                self.mode = mode
            def save(self):
                return (open(self.path, self.mode), open(self.path, self.MODE))
        Writer('x.txt')
        connect(Production.PORT)
        """)
    calls = {c.func.value: (c, s) for c, s in ctx.model.nodes[cst.Call] if isinstance(c.func, cst.Name)}
    connect, _ = calls["connect"]
    assert ctx.literal(connect.args[0].value) == 25          # inherited class attribute
    opens = [(c, s) for c, s in ctx.model.nodes[cst.Call] if isinstance(c.func, cst.Name) and c.func.value == "open"]
    ctx.site = opens[0][1]
    assert ctx.literal(opens[0][0].args[1].value) == "w"     # self.mode from __init__'s default
    assert ctx.literal(opens[1][0].args[1].value) == "ab"    # self.MODE, a class attribute
    assert ctx.literal(opens[0][0].args[0].value) == "x.txt"


@pytest.mark.parametrize("setup,expected", [
    ("app.config.from_object(Defaults)", 25),
    ("app.config.from_object(Defaults)\napp.config.update(MAIL_PORT=587)", UNKNOWN),   # 25 or 587
    ("app.config['MAIL_PORT'] = 2525", 2525),
    ("app.config.from_object(Defaults)\napp.config.from_pyfile('local.cfg')", UNKNOWN),
    ("app.config.update({'MAIL_PORT': 465})", 465),
    ("", UNKNOWN),
])
def test_flask_config_keys(setup, expected):
    ctx = _ctx("from flask import Flask\nclass Defaults(object):\n    MAIL_PORT = 25\n"
               "app = Flask(__name__)\n" + setup + "\nconnect(app.config['MAIL_PORT'])\n")
    call = [c for c, _ in ctx.model.nodes[cst.Call] if isinstance(c.func, cst.Name) and c.func.value == "connect"][0]
    assert ctx.literal(call.args[0].value) == expected


def test_module_facts_read_python2_modules_and_round_trip(tmp_path):
    path = tmp_path / "settings.py"
    path.write_text("import smtplib\nprint 'loading settings'\nPORT = smtplib.SMTP_PORT\nHOSTS = ('a', 'b')\n"
                    "LIMITS = {'rows': 10}\nNAME = get_name()\n"
                    "class Base(smtplib.SMTP):\n    TIMEOUT = 5\nclass Mail(Base):\n    PORT = 587\n")
    facts = constant_facts(path)
    assert {k: [decode(v) for v in vs] for k, vs in facts["constants"].items()} == {
        "PORT": [25], "HOSTS": [("a", "b")], "LIMITS": [{"rows": 10}],
        "Base.TIMEOUT": [5], "Mail.PORT": [587], "Mail.TIMEOUT": [5]}
    assert class_facts(path) == {"Base": ["smtplib.SMTP"], "Mail": ["smtplib.SMTP"]}
    assert json.loads(json.dumps(encode(({"a": (1, None)}, True)))) == encode(({"a": (1, None)}, True))
    assert decode(json.loads(json.dumps(encode(({"a": (1, None)}, True))))) == ({"a": (1, None)}, True)


def test_a_base_class_in_a_python2_only_module_and_a_relative_import(tmp_path):
    (tmp_path / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n"
                                       "handlers:\n- url: /.*\n  script: main.app\n")
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "__init__.py").write_text("")
    (tmp_path / "jobs" / "base.py").write_text("import multiprocessing\nprint 'old style'\n"
                                              "class Worker(multiprocessing.Process):\n    pass\n")
    (tmp_path / "jobs" / "run.py").write_text("from .base import Worker\nWorker().start()\n")
    _, doc = check_json(tmp_path, "--select", "GAE202")
    assert by_file(doc, tmp_path) == {"jobs/run.py": [("GAE202", 2)]}


def _cached_run(root, cache_dir):
    env_before = os.environ.get("GAELINT_CACHE_DIR")
    os.environ["GAELINT_CACHE_DIR"] = str(cache_dir)
    try:
        code, out, err = run_cli("check", root, "--format", "json", "--select", "GAE103")
    finally:
        if env_before is None:
            del os.environ["GAELINT_CACHE_DIR"]
        else:
            os.environ["GAELINT_CACHE_DIR"] = env_before
    assert code in (0, 1), err
    return sorted((os.path.basename(f["path"]), f["line"]) for f in json.loads(out)["findings"])


def test_the_cache_follows_the_files_a_finding_depends_on(tmp_path):
    root, cache = tmp_path / "app", tmp_path / "cache"
    root.mkdir()
    (root / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n"
                                   "handlers:\n- url: /.*\n  script: main.app\n")
    (root / "main.py").write_text("import smtplib\nfrom settings import MAIL_PORT\n"
                                  "relay = smtplib.SMTP('mail.example.com', MAIL_PORT)\n")
    (root / "settings.py").write_text("MAIL_PORT = 587\n")
    assert _cached_run(root, cache) == []
    assert _cached_run(root, cache) == []                  # warm
    (root / "settings.py").write_text("MAIL_PORT = 25\n")  # main.py untouched
    assert _cached_run(root, cache) == [("main.py", 3)]
    (root / "settings.py").write_text("MAIL_PORT = 465\n")
    assert _cached_run(root, cache) == []


def test_a_byte_order_mark_and_a_conflicting_coding_line():
    with pytest.raises(Exception) as failed:
        decode_bytes(codecs.BOM_UTF8 + b"# -*- coding: latin-1 -*-\nx = 1\n")
    problem = failed.value.problem
    assert isinstance(problem, LoadProblem) and problem.line == 1
    assert problem.reason == "a UTF-8 byte order mark conflicts with the declared encoding 'latin-1'"
    assert decode_bytes(codecs.BOM_UTF8 + b"# -*- coding: utf-8 -*-\nx = '\xc3\xa9'\n")[0] == "# -*- coding: utf-8 -*-\nx = '\xe9'\n"
    assert decode_bytes(codecs.BOM_UTF8 + b"#!/usr/bin/env python\n# vim: set fileencoding=utf8 :\nx = 1\n")[0]


def test_the_cache_follows_the_class_hierarchy_of_the_app(tmp_path):
    root, cache = tmp_path / "app", tmp_path / "cache"
    root.mkdir()
    (root / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n"
                                   "handlers:\n- url: /.*\n  script: main.app\n")
    (root / "main.py").write_text("from jobs import Worker\nWorker().start()\n")
    (root / "jobs.py").write_text("class Worker(object):\n    def start(self):\n        pass\n")

    def run():
        env_before = os.environ.get("GAELINT_CACHE_DIR")
        os.environ["GAELINT_CACHE_DIR"] = str(cache)
        try:
            code, out, err = run_cli("check", root, "--format", "json", "--select", "GAE202")
        finally:
            if env_before is None:
                del os.environ["GAELINT_CACHE_DIR"]
            else:
                os.environ["GAELINT_CACHE_DIR"] = env_before
        return sorted((os.path.basename(f["path"]), f["line"]) for f in json.loads(out)["findings"])

    assert run() == [] and run() == []
    (root / "jobs.py").write_text("import multiprocessing\n\n\nclass Worker(multiprocessing.Process):\n    pass\n")
    assert run() == [("main.py", 2)]


def test_a_name_rebound_from_itself_is_followed_once_per_binding(monkeypatch):
    """`q = q.filter(...)` a dozen times: origin() follows each binding once
    per level, not every binding at every level (that was 6.5 million calls
    and 45 s on one real module)."""
    rebinds = "".join(f"    q = q.filter(Release.milestone != {n})\n" for n in range(14))
    ctx = _ctx("import requests\n\n\ndef releases():\n    q = requests.Session()\n" + rebinds +
               "    return q.get('http://example.com/')\n")
    call, site = next((n, s) for n, s in ctx.model.nodes[cst.Call] if ctx.dotted(n.func) == "q.get")
    calls = []
    real = FileContext._origin
    monkeypatch.setattr(FileContext, "_origin", lambda self, *a: calls.append(a) or real(self, *a))
    origin = ctx.origin(call, site.scope)
    assert origin.startswith("requests.Session#filter#") and origin.endswith("#get")
    assert len(calls) < 1000
