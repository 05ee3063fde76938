"""A large module's libcst tree built from pieces of its text
(gaelint.source.pieces) is the tree one parse builds: same nodes, same
code, same findings; where the pieces cannot stand for the whole, the
module is parsed whole."""
import ast
import textwrap
from collections import OrderedDict

import libcst as cst
import pytest

from gaelint.config import Config
from gaelint.engine import check
from gaelint.runner import run, select_rules
from gaelint.source import loading, pieces

SHAPES = {
    "comments between statements": '''\
        """Module docstring."""
        # a header comment

        import os
        # about CONSTANT
        CONSTANT = 1


        # a comment that goes with f
        def f():
            return CONSTANT
            # the block's own trailing comment

        # and one of the module
        x = f()
        ''',
    "decorators and classes": '''\
        import functools

        @functools.wraps
        @staticmethod
        def g(a,
              b):
            pass
        class C(object):
            """doc"""

            def m(self):
                if self:
                    return 1
                elif not self:
                    return 2
                else:
                    return 3

        y = C()
        ''',
    "statements sharing a line": '''\
        a = 1; b = 2
        c = 3; \\
        d = 4
        e = (5,
             6)
        f = 7
        ''',
    "two-space indentation after a piece without blocks": '''\
        import os
        import sys
        TABLE = {
            'a': 1,
        }
        def f():
          try:
            return os.getcwd()
          except OSError:
            return None
          finally:
            sys.stdout.flush()
        def g():
          while True:
            break
          else:
            pass
        ''',
    "tabs, form feed, no newline at the end": "import os\n\x0c\ndef f():\n\treturn 1\n\n\nclass K:\n\tpass\nz = 1",
    "coding cookie and trailing comment": '''\
        # -*- coding: utf-8 -*-
        s = u"caf\\xe9"
        def f():
            pass
        t = 2
        # the end
        ''',
    "compound statements on one line": '''\
        if True: a = 1
        else:
            a = 2
        for i in range(3): pass
        with open('f') as fh: data = fh.read()
        def h(): return 1
        ''',
}


@pytest.fixture
def every_statement_a_piece(monkeypatch):
    monkeypatch.setattr(pieces, "PIECES_FROM_BYTES", 0)
    monkeypatch.setattr(pieces, "PIECE_BYTES", 1)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_pieces_build_the_tree_one_parse_builds(name, every_statement_a_piece):
    text = textwrap.dedent(SHAPES[name]) if "\t" not in SHAPES[name] else SHAPES[name]
    built = pieces.parse_in_pieces(text, ast.parse(text), cst.parse_module)
    assert built is not None, "the module was cut into pieces"
    assert built.code == text
    assert built.deep_equals(cst.parse_module(text))


def test_a_line_continued_with_a_backslash_is_never_cut(every_statement_a_piece):
    text = "a = 1; \\\nb = 2\n"
    assert pieces._split_offsets(text, ast.parse(text)) == []


def test_pieces_that_disagree_on_the_indentation_give_way_to_one_parse(every_statement_a_piece):
    text = "def f():\n  return 1\ndef g():\n    return 2\n"
    assert pieces.parse_in_pieces(text, ast.parse(text), cst.parse_module) is None
    module, *_ = loading.parse_text(text)
    assert module.code == text and module.deep_equals(cst.parse_module(text))


def test_small_modules_and_single_statements_are_parsed_whole():
    small = "import os\nx = 1\n"
    assert pieces.parse_in_pieces(small, ast.parse(small), cst.parse_module) is None
    one = "TABLE = [\n" + "    1,\n" * 40000 + "]\n"
    assert len(one) > pieces.PIECES_FROM_BYTES
    assert pieces.parse_in_pieces(one, ast.parse(one), cst.parse_module) is None


def _large_app(tmp_path):
    """A 200 KB Python 2 module with two sandbox problems near its end."""
    filler = "".join(textwrap.dedent('''\
        class Handler%d(object):
          """Serves page %d."""

          def get(self, name):
            # a comment between methods
            print "page", name
            return name * %d

        ''' % (i, i, i)) for i in range(1300))
    tail = "import socket\n\ndef serve():\n  s = socket.socket()\n  s.bind(('', 80))\n  return open('/tmp/log', 'w')\n"
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n"
                                   "handlers:\n- url: /.*\n  script: main.app\n")
    (root / "main.py").write_text("import pages\napp = None\n")
    (root / "pages.py").write_text(filler + tail)
    return root, filler.count("\n")


def test_a_large_module_parsed_in_pieces_gives_the_findings_of_one_parse(tmp_path, monkeypatch):
    root, lines = _large_app(tmp_path)
    assert (root / "pages.py").stat().st_size > 2 * pieces.PIECES_FROM_BYTES
    built = []
    real = pieces.parse_in_pieces

    def spy(*args):
        module = real(*args)
        built.append(module is not None)
        return module
    monkeypatch.setattr(pieces, "parse_in_pieces", spy)
    found = run([root], select_rules(Config()), Config(), jobs=1).findings
    assert built == [True]
    monkeypatch.setattr(pieces, "PIECES_FROM_BYTES", 10 ** 9)
    monkeypatch.setattr(check, "_LOADED", OrderedDict())    # parsed again, not taken from the last run
    monkeypatch.setattr(check, "_WALKED", OrderedDict())
    whole = run([root], select_rules(Config()), Config(), jobs=1).findings
    assert built == [True, False]
    key = [(f.path.name, f.code, f.line, f.column, f.message, f.severity) for f in found]
    assert key == [(f.path.name, f.code, f.line, f.column, f.message, f.severity) for f in whole]
    assert [(name, code, line) for name, code, line, *_ in key if name == "pages.py"] == [
        ("pages.py", "GAE102", lines + 5), ("pages.py", "GAE201", lines + 6)]
