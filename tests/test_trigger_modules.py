"""The prefilter's second step (gaelint.analysis.trigger_modules): a trigger
word wakes a rule only where it can mean what the rule looks for, and the
shortcut never changes a finding."""
import textwrap
from pathlib import Path

import pytest

from gaelint import registry, source
from gaelint.analysis import facts
from gaelint.config import Config
from gaelint.engine.check import RuleSet
from gaelint.runner import run, select_rules
from gaelint.source import loading
from gaelint.testing import write_app

RULESET = select_rules(Config())


def _possible(code, class_words=None):
    """Codes of the rules a file still needs once its imports are known."""
    data = textwrap.dedent(code).encode()
    selection = RULESET.select(data, class_words)
    tree = source.load_bytes(Path("m.py"), data, validate_only=True).tree
    return sorted(r.code for r in selection.narrow(facts.extract(tree), tree, class_bases=lambda name: None))


@pytest.mark.parametrize("code,expected", [
    # everyday words of app code: not the module functions the rules mean
    ("import logging\nitems.copy()\ncourse.save()\njob.run()\nproc.kill()\n", []),
    ("from shutil import copy as cp\ncp('a', 'b')\n", ["GAE201"]),
    ("import os\nos.kill(1, 9)\n", ["GAE202"]),
    # `six` spells urllib's functions too (module_aliases.json)
    ("import six\nsix.moves.urllib.request.urlretrieve(u, 'f')\n", ["GAE201", "GAE405"]),
    # a builtin counts as a bare name only, never inside a string or after a dot
    ("title = 'open the file'\nlink.open()\n", []),
    ("writer = open\n", ["GAE201"]),
    ("with open(path, 'w') as fh:\n    fh.write('x')\n", ["GAE201"]),
    # ... and only if it may write: a read with a literal or default mode cannot
    ("page = open('index.html').read()\nwith open(path, 'rb') as fh:\n    pass\n", []),
    ("fh = open(path, mode)\n", ["GAE201"]),
    ("fh = open(*args)\n", ["GAE201"]),
    # a name the walk binds is not the builtin: a parameter, a module-level for
    ("def read(file):\n    return file.read()\n", []),
    ("for file in files:\n    file.close()\n", []),
    # what the walk does not bind leaves the builtin: a lambda's parameter, a
    # class attribute seen from a method
    ("dump = lambda file: file('out.txt', 'w')\n", ["GAE201"]),
    ("class Log(object):\n    file = None\n    def out(self):\n        return file('log.txt', 'a')\n", ["GAE201"]),
    # import rules read import statements only
    ("name = 'ssl'\n", []),
    ("import ssl\n", ["GAE302"]),
    ("from six.moves import tkinter\n", ["GAE301"]),
    # socket methods on sockets only; the variable in os.environ only
    ("bus.listen('topic')\n", []),
    ("import socket\nserver = socket.socket()\nserver.listen(5)\n", ["GAE101"]),
    ("settings['GAE_USE_SOCKETS_HTTPLIB'] = '1'\n", []),
    ("import os\nos.environ['GAE_USE_SOCKETS_HTTPLIB'] = '1'\n", ["GAE405"]),
])
def test_a_trigger_word_needs_its_module(code, expected):
    assert _possible(code) == expected


def test_a_class_of_the_app_keeps_the_rules_its_bases_belong_to():
    """`Worker` is a multiprocessing.Process in another module of the app:
    the file imports nothing of multiprocessing, and may still start one."""
    code = "from workers import Worker\nWorker().start()\nitems.copy()\n"
    assert _possible(code) == []
    assert _possible(code, {b"Worker": frozenset({b"multiprocessing", b"Process"})}) == ["GAE202"]


def test_every_rule_example_gives_the_same_findings_with_and_without_the_prefilter(tmp_path):
    """Both prefilter steps against every rule on every file, on every
    VALID/INVALID example of every rule, side by side in one run."""
    examples = [e for rule in registry.all_rules() for e in (*rule.VALID, *rule.INVALID)]
    for i, example in enumerate(examples):
        write_app(tmp_path / f"example{i:03d}", example)
    full = RuleSet(RULESET.rules, prefilter=False)

    def findings(ruleset):
        return [(str(f.path), f.line, f.column, f.code, f.message, int(f.severity))
                for f in run([tmp_path], ruleset, Config(), jobs=1).findings]
    fast = findings(RULESET)
    assert {code for _, _, _, code, _, _ in fast} >= {"GAE101", "GAE201", "GAE202", "GAE301", "GAE302", "GAE405"}
    assert fast == findings(full)


def test_a_file_no_rule_can_fire_on_is_not_given_to_libcst(tmp_path, monkeypatch):
    parsed = []
    real = loading._parse_module
    monkeypatch.setattr(loading, "_parse_module", lambda text: parsed.append(text) or real(text))
    root = tmp_path / "app"
    write_app(root, registry.Example(code="import logging\nitems.copy()\ncourse.save()\napp = None\n",
                                     path="main.py"))
    assert [f.code for f in run([root], RULESET, Config(), jobs=1).findings] == []
    assert parsed == []
    (root / "main.py").write_text("import logging\nlog = open('app.log', 'a')\napp = None\n")
    found = run([root], RULESET, Config(), jobs=1).findings
    assert [(f.code, f.line) for f in found] == [("GAE201", 2)]
    assert len(parsed) == 1


def test_the_builtin_shapes_the_prefilter_reads_give_what_a_full_run_gives(tmp_path):
    files = {
        "lambdas.py": "dump = lambda file: file('out.txt', 'w')\n",
        "methods.py": "class Log(object):\n    file = None\n\n    def out(self):\n        return file('log.txt', 'a')\n",
        "params.py": "def read(file):\n    return file('x', 'w')\n",
        "reads.py": "page = open('index.html').read()\nwith open('a.bin', 'rb') as fh:\n    data = fh.read()\n",
        "aliases.py": "writer = open\nwriter('out.txt', 'w')\n",
    }
    root = tmp_path / "app"
    write_app(root, registry.Example(code="app = None\n", files=files))
    fast = [(f.path.name, f.line, f.code) for f in run([root], RULESET, Config(), jobs=1).findings]
    full = RuleSet(RULESET.rules, prefilter=False)
    assert fast == [(f.path.name, f.line, f.code) for f in run([root], full, Config(), jobs=1).findings]
    assert [f for f in fast if f[2] == "GAE201"] == [
        ("aliases.py", 2, "GAE201"), ("lambdas.py", 1, "GAE201"), ("methods.py", 5, "GAE201")]


def _same_as_full_run(root):
    """The findings of a default run, checked equal to every rule on every file."""
    fast = [(f.path.name, f.line, f.code) for f in run([root], RULESET, Config(), jobs=1).findings]
    full = RuleSet(RULESET.rules, prefilter=False)
    assert fast == [(f.path.name, f.line, f.code) for f in run([root], full, Config(), jobs=1).findings]
    return fast


def test_a_class_of_another_module_keeps_the_rule_however_its_base_is_spelled(tmp_path):
    """The base comes under an alias or in a header the class-words regex
    cuts short: what `class_bases` resolves (as the rules do) decides."""
    files = {
        "archives.py": "from zipfile import ZipFile as Z\n\n\nclass MyZip(Z):\n    pass\n",
        "meta.py": "import six\nimport zipfile\n\n\nclass Meta(type):\n    pass\n\n\n"
                   "class Bundle(six.with_metaclass(Meta), zipfile.ZipFile):  # a (comment)\n    pass\n",
        "procs.py": "from subprocess import Popen as _P\n\n\nclass Popen(_P):\n    pass\n",
        "unpack.py": "from archives import MyZip\nfrom meta import Bundle\n\n"
                     "MyZip('a.zip').extractall('data')\nBundle('b.zip').extractall('data')\n",
        "spawn.py": "from procs import Popen\n\nPopen(['convert', 'a.png', 'b.jpg'])\n",
        # imported at the bottom, as a module does around a circular import
        "late.py": "def unpack(path):\n    return archives.MyZip(path).extractall('data')\n\n\nimport archives\n",
    }
    root = tmp_path / "app"
    write_app(root, registry.Example(code="app = None\n", files=files))
    found = _same_as_full_run(root)
    assert [f for f in found if f[0] in ("unpack.py", "spawn.py", "late.py")] == [
        ("late.py", 2, "GAE201"), ("spawn.py", 3, "GAE202"), ("unpack.py", 4, "GAE201"), ("unpack.py", 5, "GAE201")]


def test_a_lineage_too_long_to_follow_is_unknown():
    from gaelint.analysis.trigger_modules import lineage_words
    bases = {"a.A": ["a.B"], "a.B": ["zipfile.ZipFile"]}
    assert lineage_words(["a.A"], bases.get) == {"a", "B", "zipfile", "ZipFile"}
    assert lineage_words(["a.A", "x.X", "y.Y"], bases.get, limit=2) is None


def test_what_the_byte_level_steps_cannot_read_keeps_the_rules(tmp_path):
    """An f-string holds code; an annotation is evaluated around its def; in
    Shift_JIS a character's second byte can be a backslash; facts read from
    a module nested too deeply are partial."""
    root = tmp_path / "app"
    write_app(root, registry.Example(code="app = None\n", files={
        "fstrings.py": "msg = f\"{open('out.txt', 'w').write('x')}\"\n",
        "annotations.py": "def log(line: open('log.txt', 'a') = None):\n    pass\n",
        "deep.py": "x = a" + ".b" * 1500 + "\nimport shutil\nshutil.copy('a', 'b')\n",
    }))
    (root / "sjis_open.py").write_bytes(
        "# -*- coding: shift_jis -*-\nlabel = 'ソ'; t = '#'; f = open('o.txt', 'w')\n".encode("shift_jis"))
    (root / "sjis_copy.py").write_bytes(
        "# -*- coding: shift_jis -*-\nimport shutil\nlabel = 'ソ'; t = '#'; shutil.copy('a', 'b')\n".encode("shift_jis"))
    found = _same_as_full_run(root)
    assert [f for f in found if f[2] == "GAE201"] == [
        ("annotations.py", 1, "GAE201"), ("deep.py", 3, "GAE201"), ("fstrings.py", 1, "GAE201"),
        ("sjis_copy.py", 3, "GAE201"), ("sjis_open.py", 2, "GAE201")]
