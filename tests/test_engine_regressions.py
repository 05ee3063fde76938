"""Engine regressions found in review: each is a minimal reproduction."""
from conftest import check_json, run_cli
from gaelint.config import Config
from gaelint.engine.check import RuleSet
from gaelint.runner import run, select_rules

APP_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\n"


def _app(tmp_path, main, extra=None):
    root = tmp_path / "app"
    root.mkdir(exist_ok=True)
    (root / "app.yaml").write_text(APP_YAML)
    (root / "main.py").write_bytes(main if isinstance(main, bytes) else main.encode())
    for rel, text in (extra or {}).items():
        (root / rel).write_text(text)
    return root


def _codes_lines(root):
    _, doc = check_json(root)
    return [(f["code"], f["line"]) for f in doc["findings"]]


def test_text_that_breaks_the_python2_reader_is_gae001_not_a_crash(tmp_path):
    root = _app(tmp_path, "x = f(days=async 15)\n", {"ok.py": "import os\nos.remove('x')\n"})
    code, out, err = run_cli("check", root, "--no-cache", "-q")
    assert code == 1 and "Traceback" not in err
    assert "main.py:1:12: GAE001" in out and "ok.py:2:1: GAE201" in out


def test_noqa_covers_a_compound_header_and_decorators_but_not_other_statements(tmp_path):
    root = _app(tmp_path, (
        "import os\n"
        "def outer():\n"
        "    x = open('a', 'w')  # noqa: GAE201\n"
        "    def inner(f=open('b', 'w')):\n"
        "        pass\n"
        "if os.remove('a') and \\\n"
        "        True:  # noqa: GAE201\n"
        "    os.remove('g')\n"
        "class K(object):\n"
        "    @staticmethod\n"
        "    def m(a=os.remove('e'),\n"
        "          b=1):  # noqa: GAE201\n"
        "        os.remove('f')\n"))
    assert _codes_lines(root) == [("GAE201", 4), ("GAE201", 8), ("GAE201", 13)]


def test_prefilter_is_exact_for_cr_only_files_and_spelled_out_ports(tmp_path):
    root = _app(tmp_path, b"# util\rimport os\ros.remove('x')\r", {
        "smtp.py": "import socket\ns = socket.socket()\ns.connect(('mx.example.com', 0x19))\n"
                   "s.connect(('mx.example.com', 20 + 5))\n"})
    ruleset = select_rules(Config())
    full = RuleSet(ruleset.rules, prefilter=False)
    key = lambda r: sorted((f.path.name, f.code, f.line) for f in r.findings)  # noqa: E731
    fast, slow = run([root], ruleset, Config(), jobs=1), run([root], full, Config(), jobs=1)
    assert key(fast) == key(slow)
    assert ("main.py", "GAE201", 3) in key(fast)
    assert [(n, c, l) for n, c, l in key(fast) if c == "GAE103"] == [("smtp.py", "GAE103", 3), ("smtp.py", "GAE103", 4)]


def test_a_cgi_script_of_another_service_runs_its_main_block(tmp_path):
    root = _app(tmp_path, "app = None\n", {
        "worker.yaml": APP_YAML + "service: worker\nhandlers:\n- url: /.*\n  script: worker.py\n",
        "worker.py": "import os\nif __name__ == '__main__':\n    os.remove('x')\n"})
    _, doc = check_json(root, "--select", "GAE201")
    assert [(f["line"], f["severity"]) for f in doc["findings"]] == [(3, "error")]
