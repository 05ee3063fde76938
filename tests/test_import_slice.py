"""When only import rules are left for a file, libcst builds the slice of
the module they read (gaelint.analysis.import_slice): same findings, same
lines, a fraction of the tree."""
import ast
import textwrap

from gaelint.analysis.import_slice import import_slice
from gaelint.config import Config
from gaelint.engine.check import RuleSet
from gaelint.registry import Example
from gaelint.runner import run, select_rules
from gaelint.source import loading
from gaelint.testing import write_app

MODULE = textwrap.dedent('''\
    """A module whose guards the import rules must still read."""
    import os
    IS_DEV = os.environ.get('SERVER_SOFTWARE', '').startswith('Development')
    getenv = os.environ.get
    ON_GAE = getenv('APPENGINE_RUNTIME')
    TABLE = collections.OrderedDict(alpha=1,
                                    beta=2)


    def on_appengine():
        return os.environ.get('SERVER_SOFTWARE', '').startswith('Google')


    class Model(object):
        size = 1

        def grow(self, by):
            return self.size + by


    @staticmethod
    def helper(a, b=TABLE):
        return a + b['alpha']


    first, second = helper(1), helper(2)
    helper(3)
    if IS_DEV:
        import resource
    if not on_appengine():
        import termios
    if ON_GAE:
        pass
    else:
        import pwd
    try:
        import lxml
    except ImportError:
        lxml = None
    import jinja2; count = helper(4)


    def lazy():
        import numpy
        return numpy
    ''') + "DESCRIPTOR = _descriptor.FileDescriptor(\n" + "".join(f"    field_{i}={i},\n" for i in range(60)) + ")\n"


def test_the_slice_keeps_every_line_and_what_guards_read():
    sliced, tree = import_slice(MODULE, ast.parse(MODULE))
    before, after = MODULE.split("\n"), sliced.split("\n")
    assert len(after) == len(before)
    kept = {i + 1: line for i, line in enumerate(after) if line}
    assert kept[3].startswith("IS_DEV = ") and kept[4] == "getenv = os.environ.get"
    assert kept[5] == "ON_GAE = getenv('APPENGINE_RUNTIME')"
    assert kept[6] == "TABLE = 0" and 7 not in kept                  # a value no guard reads
    assert kept[10] == "def on_appengine():"                          # a predicate, whole
    assert kept[14] == "class Model: pass" and 15 not in kept and 18 not in kept
    assert 21 not in kept and kept[22] == "def helper(): pass"      # decorator dropped, name bound
    assert kept[26] == "first = second = 0" and 27 not in kept       # a bare call binds nothing
    assert all(kept[n] == before[n - 1] for n in range(28, 40))       # the guarded imports, as written
    assert kept[40] == "import jinja2; count = helper(4)"            # one line, two statements
    assert [n for n in kept if n > 40] == [43, 44, 45, 46]            # a function holding an import
    assert kept[46] == "DESCRIPTOR = 0" and len(after) == 108          # generated data: one stub line
    assert [type(s).__name__ for s in tree.body][:3] == ["Import", "Assign", "Assign"]


def test_findings_from_the_slice_are_those_of_the_whole_module(tmp_path, monkeypatch):
    built = []
    real = loading._parse_module
    monkeypatch.setattr(loading, "_parse_module", lambda text: built.append(text) or real(text))
    root = tmp_path / "app"
    write_app(root, Example(code="app = None\n", files={"guarded.py": MODULE}))
    ruleset = select_rules(Config())

    def findings(rules):
        return [(f.path.name, f.line, f.column, f.code, int(f.severity), f.message)
                for f in run([root], rules, Config(), jobs=1).findings]
    fast = findings(ruleset)
    assert any(text.count("\n") == MODULE.count("\n") and "DESCRIPTOR = 0" in text for text in built)
    assert fast == findings(RuleSet(ruleset.rules, prefilter=False))
    assert {(name, line, code) for name, line, _, code, _, _ in fast} >= {
        ("guarded.py", 29, "GAE301"), ("guarded.py", 31, "GAE301"), ("guarded.py", 35, "GAE301"),
        ("guarded.py", 40, "GAE302"), ("guarded.py", 44, "GAE302")}


def test_a_module_with_little_to_drop_is_built_whole():
    text = "import ssl\nx = f(\n" + "    1,\n" * 40 + ")\n"
    assert import_slice(text, ast.parse(text)) is None
    assert import_slice(text.replace("* 40", ""), ast.parse(text)) is None


def test_a_python_2_module_is_sliced_after_its_rewrite(tmp_path, monkeypatch):
    built = []
    real = loading._parse_module
    monkeypatch.setattr(loading, "_parse_module", lambda text: built.append(text) or real(text))
    root = tmp_path / "app"
    code = "import termios\n" + "".join(f"def f{i}(a):\n    print a\n\n\n" for i in range(30))
    write_app(root, Example(code="app = None\n", files={"py2.py": code}))
    found = [(f.path.name, f.line, f.code) for f in run([root], select_rules(Config()), Config(), jobs=1).findings]
    assert ("py2.py", 1, "GAE301") in found
    assert any(text.startswith("import termios\ndef f0(): pass\n") for text in built)
    assert (root / "py2.py").read_text() == code, "nothing written into the app"
