"""Regressions found by running gaelint on real python27 apps: each test is
a minimal reproduction of a false positive or a missed failure."""
import json
import subprocess
import sys

import pytest

from conftest import check_json

APP_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n"


def _run(tmp_path, files, app_yaml=APP_YAML):
    root = tmp_path / "app"
    files = dict(files)
    if "main.py" in files:      # the WSGI app app.yaml routes to (GAE404 otherwise)
        files["main.py"] += "app = None\n"
    for rel, text in {"app.yaml": app_yaml, **files}.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    _, doc = check_json(root)
    return [(f["path"].split("app/", 1)[-1], f["code"], f["line"], f["severity"]) for f in doc["findings"]]


def test_vendored_third_party_code_is_info(tmp_path):
    found = _run(tmp_path, {
        "appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\n",
        "lib/devtool/__init__.py": "",
        "lib/devtool/reloader.py": "import subprocess\nsubprocess.call(['python', 'x'])\n",
        "main.py": "import subprocess\nsubprocess.call(['ls'])\n",
    })
    assert ("lib/devtool/reloader.py", "GAE202", 2, "info") in found
    assert ("main.py", "GAE202", 2, "error") in found


def test_imports_in_the_else_of_an_import_fallback_are_silent(tmp_path):
    found = _run(tmp_path, {"main.py": (
        "try:\n    import lxml\nexcept ImportError:\n    lxml = None\nelse:\n    from lxml import etree\n")})
    assert found == []


def test_private_addresses_are_fine_with_a_vpc_connector(tmp_path):
    code = {"main.py": "import socket\nconn = socket.create_connection(('10.128.0.3', 6379))\n"}
    assert [c for _, c, _, _ in _run(tmp_path, code)] == ["GAE106"]
    vpc = APP_YAML + "vpc_access_connector:\n  name: projects/p/locations/r/connectors/c\n"
    assert [c for _, c, _, _ in _run(tmp_path / "vpc", code, vpc)] == []


@pytest.mark.parametrize("host", ["::1", "::ffff:0.0.0.0", "::ffff:0.0.0.1"])
def test_bind_to_what_the_sockets_api_accepts_with_port_0(tmp_path, host):
    code = {"main.py": f"import socket\ns = socket.socket(socket.AF_INET6)\ns.bind(('{host}', 0))\n"}
    assert _run(tmp_path, code) == []


def test_urlretrieve_writes_a_file(tmp_path):
    found = _run(tmp_path, {"main.py": "import urllib\nurllib.urlretrieve('http://x/a.zip', '/tmp/a.zip')\n"})
    assert ("main.py", "GAE201", 2, "error") in found


def test_dev_app_id_and_missing_server_software_are_off_app_engine_guards(tmp_path):
    found = _run(tmp_path, {"main.py": (
        "import os, subprocess\n"
        "IS_DEV = os.environ.get('APPLICATION_ID', '').startswith('dev~')\n"
        "LOCAL = os.environ.get('SERVER_SOFTWARE') is None\n"
        "if IS_DEV:\n    subprocess.call(['a'])\n"
        "if LOCAL:\n    subprocess.call(['b'])\n")})
    assert [(c, l, s) for _, c, l, s in found] == [("GAE202", 5, "info"), ("GAE202", 7, "info")]


def test_tab_indented_python2_keeps_true_columns(tmp_path):
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.yaml").write_text(APP_YAML)
    (root / "main.py").write_text('import os\ndef f():\n\tprint "x"\n\tos.system("ls")\napp = None\n')
    _, doc = check_json(root)
    [f] = doc["findings"]
    assert (f["line"], f["column"], f["end_column"]) == (4, 2, 17)


def test_static_files_are_not_linted_as_code(tmp_path):
    app_yaml = APP_YAML.replace("handlers:\n", "handlers:\n- url: /static\n  static_dir: static\n"
                                "- url: /(.*\\.py)\n  static_files: tools/\\1\n  upload: tools/.*\\.py\n")
    found = _run(tmp_path, {
        "static/upload.py": "import subprocess\nsubprocess.Popen(['x'])\n",
        "tools/helper.py": "import os\nos.remove('x')\n",
        "main.py": "import os\nos.remove('y')\n",
    }, app_yaml)
    assert [(p, c) for p, c, _, _ in found] == [("main.py", "GAE201")]


@pytest.mark.parametrize("marker", ["vm: true\n", "env: flex\n"])
def test_managed_vm_and_flexible_apps_are_skipped_with_a_note(tmp_path, marker):
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.yaml").write_text(APP_YAML + marker)
    (root / "main.py").write_text("import sqlite3\napp = None\n")
    _, doc = check_json(root)
    assert doc["findings"] == []
    assert any("not the python27 standard sandbox" in e["message"] for e in doc["notes"])


def test_stdin_follows_the_same_decisions_as_files_on_disk(tmp_path):
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.yaml").write_text(APP_YAML.replace("handlers:\n", "handlers:\n- url: /s\n  static_dir: static\n"))
    (root / "static").mkdir()
    code = "import os\nos.remove('x')\n"

    def stdin_check(name):
        proc = subprocess.run([sys.executable, "-m", "gaelint", "check", "-", "--stdin-filename",
                               str(root / name), "--format", "json"], input=code, capture_output=True, text=True)
        return json.loads(proc.stdout)

    assert [f["code"] for f in stdin_check("main.py")["findings"]] == ["GAE201"]
    assert stdin_check("static/tool.py")["findings"] == []
    (root / "app.yaml").write_text(APP_YAML + "env: flex\n")
    assert stdin_check("main.py")["findings"] == []


def test_columns_after_in_line_python2_rewrites(tmp_path):
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.yaml").write_text(APP_YAML)
    (root / "main.py").write_text(
        "import os\n"
        "x = 0777; os.remove('a')\n"
        "y = 10L; os.remove('b')\n"
        "z = `x`; os.remove('c')\n"
        "print >>open('log', 'w'), 'hi'\n"
        "app = None\n")
    _, doc = check_json(root)
    assert [(f["line"], f["column"]) for f in doc["findings"]] == [(2, 11), (3, 10), (4, 10), (5, 9)]


def test_compiled_files_python_never_loads_are_warnings(tmp_path):
    root = tmp_path / "app"
    (root / "lib" / "fast").mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "app.yaml").write_text(APP_YAML)
    (root / "main.py").write_text("app = None\n")
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 57
    (root / "lib" / "fast" / "__init__.py").write_text("")
    (root / "lib" / "fast" / "_speedups.so").write_bytes(elf)
    (root / "bin" / "pngquant").write_bytes(elf)
    (root / "bin" / "launcher.exe").write_bytes(b"MZ" + b"\x00" * 58 + b"\x40\x00\x00\x00" + b"PE\x00\x00")
    _, doc = check_json(root, "--select", "GAE304")
    got = sorted((f["path"].split("app/", 1)[-1], f["severity"]) for f in doc["findings"])
    assert got == [("bin/launcher.exe", "warning"), ("bin/pngquant", "warning"),
                   ("lib/fast/_speedups.so", "error")]
