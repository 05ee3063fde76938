"""GAE301-GAE305 on a realistic app (tests/fixtures/imports_app): a vendored
lib/ with a pure package and one with a compiled file, appengine_config.py,
an app.yaml with a wrong version, an unknown library and a missing
companion; then the import resolution, the catalogue and the data tables."""
from pathlib import Path

import pytest

from conftest import FIXTURES, by_file, check_json, run_cli
from gaelint import cli
from gaelint.analysis import names
from gaelint.app import catalogue
from gaelint.app.deployset import deploy_set
from gaelint.app.discovery import find_apps
from gaelint.app.context import AppContext
from gaelint.knowledge import table
from gaelint.rules import imports as imports_rules
from gaelint.rules.native import ELF_HEADER, kind_of
from gaelint.testing import run_example
from gaelint.config import Config
from gaelint.runner import run, select_rules
from gaelint.registry import Invalid, Valid, get
from gaelint.app.vendoring import app_modules

APP = FIXTURES / "imports_app"

EXPECTED = {
    # jinja2 (line 13) brings markupsafe and setuptools along: not a finding
    "app.yaml": [("GAE305", 16), ("GAE305", 17)],
    "bin/pngquant": [("GAE304", None)],
    "lib/fastjson/_speedups.so": [("GAE304", None)],
    "main.py": [("GAE302", 32), ("GAE302", 33), ("GAE303", 34), ("GAE301", 35)],
    "handlers/tasks.py": [("GAE301", 6), ("GAE301", 40)],
    "handlers/py3_style.py": [("GAE302", 6), ("GAE301", 7)],
}


@pytest.fixture(scope="module")
def report():
    code, doc = check_json(APP, "--select", "GAE301,GAE302,GAE303,GAE304,GAE305")
    assert code == 1
    return doc


def _messages(doc):
    return {(f["path"].split("imports_app/")[-1], f["line"]): f for f in doc["findings"]}


def test_every_finding_code_and_line(report):
    assert by_file(report, APP) == EXPECTED


def test_silent_imports_of_the_fixture(report):
    """json, cPickle, hashlib, zlib (whitelisted C modules), jinja2 and
    pycrypto (listed), numpy (listed, with a bad version: GAE305's business),
    markupsafe (jinja2's companion), webapp2 and yaml (default-enabled),
    google.appengine, the vendored slugify and fastjson, the app's models
    package, the handlers package's own utils (implicit relative import),
    try/except ImportError fallbacks (cStringIO, sqlite3, ssl), and
    lib/fastjson/benchmark.py (vendored code) stay silent."""
    lines = {f["line"] for f in report["findings"] if f["path"].endswith("/main.py")}
    assert lines == {32, 33, 34, 35}
    assert not [f for f in report["findings"] if "lib/fastjson/benchmark.py" in f["path"]]
    assert not [f for f in report["findings"] if f["path"].endswith(("handlers/utils.py", "models/__init__.py"))]


def test_severities_and_messages(report):
    m = _messages(report)
    numpy = m[("app.yaml", 16)]
    assert numpy["severity"] == "error" and numpy["message"] == 'numpy version "1.8.0" is not supported'
    assert numpy["fix"] == 'Use one of: "1.6.1", or latest (1.6.1)'
    pillow = m[("app.yaml", 17)]
    assert pillow["fix"].startswith("Did you mean `PIL`?")
    lxml = m[("main.py", 32)]
    assert lxml["message"] == "`from lxml import html` needs the `lxml` library, which app.yaml does not enable under `libraries:`"
    assert lxml["fix"] == 'Add `- name: lxml` / `version: "3.7.3"` under `libraries:` in app.yaml'
    assert "app.yaml's `Pillow` entry is not a catalogue name" in m[("main.py", 33)]["fix"]
    assert m[("main.py", 34)]["fix"].startswith("Replace gevent: use threads")
    assert "Cloud Logging" not in m[("main.py", 35)]["fix"]
    assert m[("main.py", 35)]["fix"].startswith("Limits are set by the instance class")
    readline = m[("handlers/tasks.py", 40)]
    assert readline["severity"] == "info" and "off-App-Engine check on line 39" in readline["message"]
    assert "(`tkinter` is `Tkinter` on Python 2)" in m[("handlers/py3_style.py", 7)]["message"]
    speedups = m[("lib/fastjson/_speedups.so", None)]
    assert "in package `fastjson` of `lib/`" in speedups["message"]
    assert speedups["column"] is None
    assert "(ELF)" in m[("bin/pngquant", None)]["message"]


def test_explain_prints_docs_and_sources(capsys):
    rc, out, _ = run_cli("explain", "GAE303")      # once through the real CLI
    assert rc == 0 and "How the list was made" in out
    for code in ("GAE202", "GAE301", "GAE302", "GAE303", "GAE304", "GAE305"):
        assert cli.main(["explain", code]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"## {code} {get(code).name}")
        for part in ("### What it flags", "### Why it fails on App Engine", "### How to fix", "### Example", "### Sources"):
            assert part in out, (code, part)
    cli.main(["explain", "GAE305"])
    assert "```yaml" in capsys.readouterr().out


# -- import resolution: vendoring ------------------------------------------------

def _modules(tmp_path, files, app_yaml=None):
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.yaml").write_text(app_yaml or "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n")
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text) if isinstance(text, bytes) else p.write_text(text)
    targets, _ = find_apps([root])
    app = targets[0].app
    return app_modules(AppContext(app, deploy_set(app)))


@pytest.mark.parametrize("config", [
    "from google.appengine.ext import vendor\nvendor.add('third_party')\n",
    "import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), 'third_party'))\n",
    "import os, site\nHERE = os.path.dirname(os.path.abspath(__file__))\nLIB = os.path.join(HERE, 'third_party')\nsite.addsitedir(LIB)\n",
    "import sys\nsys.path[0:0] = ['third_party']\n",
    "import os, sys\nsys.path.append(os.path.dirname(__file__) + '/third_party')\n",
    "import sys\nprint >>sys.stderr, 'vendoring'\nsys.path.insert(0, 'third_party')\n",
])
def test_sys_path_spellings(tmp_path, config):
    mods = _modules(tmp_path, {"appengine_config.py": config, "third_party/requests/__init__.py": "",
                               "third_party/six.py": ""})
    assert mods.sites == ["third_party"] and not mods.uncertain
    assert mods.provides("requests") == "third_party"
    assert mods.provides("requests.adapters") is None      # not a module there
    assert mods.provides("six.moves") == "third_party"     # names inside six.py
    assert mods.in_site_dir("third_party/requests/__init__.py")
    assert mods.package_of("third_party/requests/x.so") == ("third_party", "requests")


def test_pth_files_virtualenvs_and_zips(tmp_path):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("tinyzip/__init__.py", "")
    mods = _modules(tmp_path, {
        "appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\nvendor.add('env')\n"
                               "import sys\nsys.path.insert(0, 'deps.zip')\n",
        "lib/extra.pth": "# comment\nextra_src\nimport os\n",
        "lib/extra_src/pkg_a/__init__.py": "",
        "env/lib/python2.7/site-packages/venvpkg/__init__.py": "",
        "deps.zip": buf.getvalue(),
    })
    assert mods.provides("pkg_a") == "lib/extra_src"
    assert mods.provides("venvpkg") == "env/lib/python2.7/site-packages"
    assert mods.provides("tinyzip") == "deps.zip"


def test_unresolvable_path_counts_every_directory(tmp_path):
    mods = _modules(tmp_path, {
        "appengine_config.py": "import os, sys\nfor d in os.environ['VENDOR_DIRS'].split(':'):\n    sys.path.insert(0, d)\n",
        "vendor_x/pkg_b/__init__.py": "",
    })
    assert mods.uncertain and mods.provides("pkg_b") == "vendor_x"


def test_lib_left_out_by_skip_files_is_not_vendored(tmp_path):
    yaml = ("runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n"
            "skip_files:\n- ^lib/.*$\n")
    example = Invalid("import lxml\n", app_yaml=yaml, files={
        "appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\n",
        "lib/lxml/__init__.py": ""}, lines=(1,))
    assert [f.line for f in run_example(get("GAE302"), example)] == [1]
    example = Valid("import lxml\n", files={
        "appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\n",
        "lib/lxml/__init__.py": ""})
    assert run_example(get("GAE302"), example) == []


def test_implicit_relative_import_but_not_with_absolute_import():
    files = {"pkg/__init__.py": "", "pkg/resource.py": "LIMIT = 1\n"}
    assert run_example(get("GAE301"), Valid("import resource\n", path="pkg/mod.py", files=files)) == []
    found = run_example(get("GAE301"), Valid("from __future__ import absolute_import\nimport resource\n",
                                             path="pkg/mod.py", files=files))
    assert [f.line for f in found] == [2]


def test_google_namespace_in_lib_does_not_vendor_protobuf():
    files = {"appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\n",
             "lib/google/__init__.py": "", "lib/google/cloud/__init__.py": ""}
    code = "from google.cloud import storage\nfrom google.protobuf import message\nfrom google import protobuf\n"
    assert [f.line for f in run_example(get("GAE302"), Valid(code, files=files))] == [2, 3]
    files["lib/google/protobuf/__init__.py"] = ""
    assert run_example(get("GAE302"), Valid(code, files=files)) == []


# -- the catalogue and the data tables ---------------------------------------

def test_catalogue_lookups():
    assert catalogue.for_import("Crypto.Cipher.AES") == ("Crypto", ("pycrypto",))
    assert catalogue.for_import("google.protobuf.message") == ("google.protobuf", ("protobuf",))
    assert catalogue.for_import("concurrent.futures") == ("concurrent.futures", ("futures",))
    assert catalogue.for_import("MySQLdb")[1] == ("MySQLdb", "mysqlclient")
    assert catalogue.for_import("grpc")[1] == ("grpcio",)
    assert catalogue.for_import("google.appengine.api") is None
    assert catalogue.resolve("django", "latest") == "1.4" and catalogue.newest("django") == "1.11"
    assert catalogue.companions("jinja2", "latest") == [("markupsafe", "0.15"), ("setuptools", "0.6c11")]
    defaults = {n for n, lib in catalogue.LIBRARIES.items() if lib["default"]}
    assert defaults == {"webapp2", "webob", "yaml", "six", "pytz", "protorpc", "werkzeug"}


def test_data_tables_are_consistent():
    c = table("c_modules")
    whitelist = set(c["whitelist"]["modules"])
    assert {"cPickle", "cStringIO", "_json", "_hashlib", "zlib", "bz2"} <= whitelist
    assert not imports_rules.BLOCKED & whitelist
    assert {"json", "cPickle", "hashlib", "zlib", "select", "signal", "ssl", "_ssl"}.isdisjoint(imports_rules.BLOCKED)
    assert {"sqlite3", "ctypes", "multiprocessing", "curses", "Tkinter", "readline", "resource", "pwd",
            "termios", "syslog", "mmap", "fcntl"} <= imports_rules.BLOCKED
    assert all(m in imports_rules.GROUP_FIX for m in imports_rules.BLOCKED)
    catalogue_imports = {i for lib in catalogue.LIBRARIES.values() for i in lib["imports"]}
    third = table("third_party_c")["packages"]
    for package, spec in third.items():
        assert not set(spec["imports"]) & catalogue_imports, package
        assert spec["needs"] and spec["instead"], package
    for name in ("psycopg2", "MySQLdb", "lxml", "numpy", "PIL", "ujson"):
        assert catalogue.for_import(name) is not None and name not in imports_rules.THIRD
    # RULES.md: psycopg2 and ujson outside `libraries:` are GAE303 (catalogue libraries and C packages)
    assert set(imports_rules.CATALOGUE_C) == {"psycopg2", "ujson"}
    assert imports_rules.CATALOGUE_C_LIBRARIES == {"psycopg2", "ujson"} <= set(catalogue.LIBRARIES)
    assert all(catalogue.LIBRARIES[lib]["c_extension"] is True for lib in imports_rules.CATALOGUE_C_LIBRARIES)
    for name in ("gevent", "greenlet", "cryptography", "pycurl", "psutil", "bcrypt", "scipy", "pandas"):
        assert name in imports_rules.THIRD
    for name in ("c_modules", "libraries", "third_party_c", "processes"):
        assert table(name)["source"]


def test_triggers_cover_every_spelling():
    """A trigger list that misses a spelling would silently skip files."""
    trig = set(get("GAE301").triggers)
    for alias, target in names.aliases().items():
        if imports_rules.longest(target, imports_rules.BLOCKED):
            assert alias.rsplit(".", 1)[-1] in trig
    assert {"tkinter", "sqlite3", "pwd"} <= trig
    assert {"lxml", "Crypto", "protobuf", "futures", "ssl"} <= set(get("GAE302").triggers)


def test_compiled_file_detection():
    assert kind_of(ELF_HEADER) == "ELF"
    assert kind_of(b"\xcf\xfa\xed\xfe" + b"\x00" * 28) == "Mach-O"
    assert kind_of(b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + b"\x00" * 24) == "Mach-O universal"
    assert kind_of(b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x00" * 24) is None      # a Java class file
    assert kind_of(b"#!/bin/sh\n") is None
    pe = bytearray(b"MZ" + b"\x00" * 126)
    pe[60:64] = (64).to_bytes(4, "little")
    pe[64:68] = b"PE\x00\x00"
    example = Invalid("", files={"tools/convert.exe.bin": bytes(pe), "tools/notes.bin": b"MZ is not enough" * 8,
                                 "lib/x.SO.1": b""}, lines=(None, None))
    found = run_example(get("GAE304"), example)
    assert sorted(Path(f.path).name for f in found) == ["convert.exe.bin", "x.SO.1"]


def test_a_linux_extension_module_is_an_error_a_windows_one_a_warning():
    """Imports on Linux look for `.so` (and `module.so`), never `.pyd`: a
    vendored package's `_speedups.pyd` is dead weight in the upload."""
    example = Invalid("", files={"lib/logbook/__init__.py": "", "lib/logbook/_speedups.pyd": b"MZ",
                                 "lib/simplejson/__init__.py": "", "lib/simplejson/_speedups.so": ELF_HEADER},
                      lines=(None, None))
    found = run_example(get("GAE304"), example)
    assert sorted((Path(f.path).name, str(f.severity)) for f in found) == [
        ("_speedups.pyd", "warning"), ("_speedups.so", "error")]


YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n"


@pytest.mark.parametrize("libraries,expected", [
    # (line, severity) of every GAE305 finding; `libraries:` is on line 7
    ("- name: ssl\n  version: latest\n- name: lxml\n  version: latest\n", []),
    ("- name: django\n  version: latest\n", [(9, "info")]),               # latest is 1.4, not 1.11
    ("- name: markupsafe\n  version: latest\n", [(9, "info")]),
    ("- name: django\n  version: \"1.11\"\n", []),                         # pytz 2017.2 comes along
    ("- name: django\n  version: \"1.11\"\n- name: pytz\n  version: \"2017.3\"\n", []),
    ("- name: matplotlib\n  version: \"1.2.0\"\n", []),                   # numpy comes along
    ("- name: ssl\n  version: \"2.7\"\n", [(9, "error")]),                     # decommissioned: gcloud blocks it
    ("- name: endpoints\n  version: \"1.0\"\n", [(9, "error")]),               # v1 was shut down
    ("- name: markupsafe\n", [(8, "error")]),                                # no version
    ("- version: \"1.0\"\n", [(8, "error")]),                                 # no name
    ("- name: webapp2\n  version: \"2.5.1\"\n", [(9, "warning")]),
    ("- name: jinja2\n  version: \"2.6\"\n- name: jinja2\n  version: \"2.6\"\n- name: markupsafe\n  version: \"0.15\"\n"
     "- name: setuptools\n  version: latest\n", [(10, "error")]),
    ("- name: MySQL-python\n  version: \"1.2.5\"\n", [(8, "error")]),
])
def test_library_entries(libraries, expected):
    found = run_example(get("GAE305"), Valid(YAML + "libraries:\n" + libraries, path="app.yaml"))
    assert [(f.line, str(f.severity)) for f in found] == expected


def test_a_service_of_another_runtime_is_out_of_scope_and_its_libraries_noted(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text("runtime: python37\n\nlibraries:\n- name: lxml\n  version: latest\n")
    (app / "main.py").write_text("import subprocess\nsubprocess.call(['ls'])\n")
    result = run([app], select_rules(Config()), Config(), jobs=1)
    assert result.findings == []
    [note] = result.notices
    assert note.endswith("app.yaml: a `runtime: python37` service, not the python27 standard sandbox: out of scope; "
                         "its `libraries:` section is only valid on python27, so gcloud refuses it "
                         "(list the packages in requirements.txt instead)")


def test_unknown_names_get_the_closest_catalogue_name():
    found = run_example(get("GAE305"), Valid(YAML + "libraries:\n- name: MySQL-python\n  version: \"1.2.5\"\n"
                                             "- name: Jinja2\n  version: \"2.6\"\n- name: numpyy\n  version: \"1.6.1\"\n"
                                             "- name: requests\n  version: \"2.3\"\n", path="app.yaml"))
    hints = [f.fix.split("?")[0] if f.fix.startswith("Did") else None for f in found]
    assert hints == ["Did you mean `MySQLdb`", "Did you mean `jinja2`", "Did you mean `numpy`", None]


def test_vendored_six_or_future_shims_still_load_the_python2_module():
    files = {"appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\n",
             "lib/six.py": "", "lib/tkinter/__init__.py": "from Tkinter import *\n", "lib/queue/__init__.py": ""}
    code = "from six.moves import tkinter\nimport tkinter\nimport queue\nfrom six.moves import urllib\n"
    found = sorted(run_example(get("GAE301"), Valid(code, files=files)), key=lambda f: (f.path.name, f.line))
    assert [(f.path.name, f.line, str(f.severity)) for f in found] == [
        # the vendored shim's own import of Tkinter runs when main.py imports it:
        # third-party code, but it fails at import time, so it keeps its severity
        ("__init__.py", 1, "error"),
        ("main.py", 1, "error"), ("main.py", 2, "error")]
    assert [step.what for step in found[0].reached_from] == ["main.app", "tkinter"]
