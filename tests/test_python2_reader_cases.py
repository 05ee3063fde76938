"""Python 2 reader cases found by fuzzing and by a differential check against
CPython 2.7 (tools/fuzz_python2.py): each file here is what Python 2.7 does
(or does not) accept, checked by hand with python2.7 -m py_compile."""
import ast
import textwrap
from pathlib import Path

import pytest

from gaelint.source import load_bytes
from integration_util import check


def load(src):
    if isinstance(src, str):
        src = textwrap.dedent(src).encode("utf-8")
    return load_bytes(Path("mod.py"), src)


def reasons(source_file):
    return [(p.line, p.reason) for p in source_file.problems]


def literals(source_file):
    tree = ast.parse(source_file.parsed_text)
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_bytes_literal_with_a_non_ascii_character_and_a_coding_line():
    src = load("# -*- coding: utf-8 -*-\nACCENT = b'\u00e9'\nprint ACCENT\n")
    assert reasons(src) == [] and src.python2
    assert (2, "\u00e9") in literals(src)


def test_lambda_without_parameters_in_a_comprehension_condition():
    src = load("""\
        handlers = [h for h in HANDLERS if lambda: h.enabled]
        names = [n for n in NAMES if lambda n=n: n]
        print len(handlers)
        """)
    assert reasons(src) == [] and src.python2


@pytest.mark.parametrize("text, line", [
    # valid Python 3 too, but libcst wants an INDENT after the `\` line
    (b"class Work(object):\n    def post(self):\n        \\\n        os.remove('x')\n", 4),
    # Python 2 code ending with a `\` line (with and without a final newline)
    (b"import os\nprint 'x'\nos.remove('y')\n\\\n", 3),
    (b"import os\nprint 'x'\nos.remove('y')\n\\", 3),
    # at column 0 between two methods (Python 2.7 measures its indentation, 3 skips it)
    (b"import os\nclass Job(object):\n    def a(self):\n        pass\n\\\n    def b(self):\n"
     b"        os.remove('x')\n", 7),
    # at column 0 before an indented line: Python 2.7 takes the backslash line's indentation
    (b"import os\n\\\n\tos.remove('x')\n", 3),
    # a continuation that ends the file
    (b"import os\nprint 'x'\nos.remove('y') \\", 3),
])
def test_a_line_holding_only_a_backslash(text, line):
    src = load(text)
    assert reasons(src) == []
    calls = [n.lineno for n in ast.walk(ast.parse(src.parsed_text))
             if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "remove"]
    assert calls == [line]


def test_raw_unicode_strings_keep_their_unicode_escapes():
    src = load(r"""
        # -*- coding: utf-8 -*-
        ACCENT = ur'\u00e9'
        LITERAL = ur'\\u00e9'
        PATTERN = ur'\d+\.\w'
        QUOTE = ur'it\'s \u00e9'
        print ACCENT
        """)
    assert reasons(src) == []
    assert [v for _, v in literals(src)] == ["\u00e9", "\\\\u00e9", "\\d+\\.\\w", "it\\'s \u00e9"]


def test_tuple_parameters_are_bound_before_the_rest_of_a_docstring_line():
    src = load('''\
        def scale(factor, (x, y)):
            """Scale a point."""; x = x * factor
            return x, y
        print scale(2, (1, 2))
        ''')
    assert reasons(src) == []
    body = ast.parse(src.parsed_text).body[0].body
    assert [type(s).__name__ for s in body] == ["Expr", "Assign", "Assign", "Return"]
    assert ast.unparse(body[1]) == "x, y = _gaelint_tp0" and ast.unparse(body[2]) == "x = x * factor"
    assert {s.lineno for s in body[:3]} == {2}


def test_renamed_keywords_never_merge_with_an_existing_name():
    src = load("async = 1\nasync_ = 2\nTrue = 0\nTrue_ = 5\nprint async, async_, True, True_\n")
    assert reasons(src) == []
    call = ast.parse(src.parsed_text).body[-1].value
    names = [a.id for a in call.args]
    assert len(set(names)) == 4, names
    assert names[1] == "async_" and names[3] == "True_"


def test_print_chevron_and_exec_in_keep_python2_meaning_in_a_file_python3_accepts():
    src = load("import sys\nns = {}\nprint >>sys.stderr, 'starting'\nexec('x = 1') in ns\nprint\n")
    assert src.python2 and reasons(src) == []
    calls = [(n.lineno, ast.unparse(n)) for n in ast.walk(ast.parse(src.parsed_text)) if isinstance(n, ast.Call)]
    assert sorted(calls) == [(3, "print('starting', file=sys.stderr)"), (4, "exec('x = 1', ns)"), (5, "print()")]


def test_a_python3_only_construct_keeps_python3_meaning():
    src = load("import sys\nname = 'x'\nprint >>sys.stderr, f'{name}'\n")
    assert not src.python2 and reasons(src) == []


def test_cr_only_file_with_encoding_keyword_on_a_later_line():
    src = load(b"# settings\rDEFAULTS = dict(encoding=True)\rprint DEFAULTS\r")
    assert reasons(src) == [] and src.python2


@pytest.mark.parametrize("text, line, message", [
    ("import os\nresult = os.getcwd()\nreturn result\n", 3, "'return' outside function"),
    ("def handler(request, request):\n    pass\n", 1, "duplicate argument 'request' in function definition"),
    ("import os\nfrom __future__ import division\n", 2,
     "from __future__ imports must occur at the beginning of the file"),
    ("for item in []:\n    pass\nbreak\n", 3, "'break' outside loop"),
])
def test_compile_time_errors_of_python27_are_reported_and_the_file_still_analysed(text, line, message):
    src = load(text)
    assert reasons(src) == [(line, f"Python 2.7 refuses to compile it: {message}")]
    assert src.module is not None


@pytest.mark.parametrize("text, line, message", [
    ("class Config(object):\n    def None(self):\n        pass\n", 2, "invalid Python 2.7 syntax: cannot assign to None"),
    ("def f():\n    pass\nf() = 1\n", 3, "invalid Python 2.7 syntax: cannot assign to function call"),
    ("print 'x'\nlen(x) = 2\n", 2, "invalid Python 2.7 syntax: cannot assign to function call"),
])
def test_plain_syntax_errors_are_not_a_gaelint_bug(text, line, message):
    src = load(text)
    assert reasons(src) == [(line, message)]
    assert "report" not in message


def test_compile_error_is_gae001_beside_the_other_findings(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n")
    (app / "tool.py").write_text("import os\nos.remove('lock')\nreturn 0\n")
    _, doc = check(app, "--select", "GAE0,GAE201")
    assert [(f["code"], f["line"], f["message"]) for f in doc["findings"]] == [
        ("GAE201", 2, "`os.remove()` deletes a file on the local filesystem"),
        ("GAE001", 3, "cannot analyse this file: Python 2.7 refuses to compile it: 'return' outside function")]


def test_raise_an_instance_with_none_and_a_traceback():
    src = load("import sys\ntry:\n    pass\nexcept KeyError as ex:\n    raise Failed(ex.message), None, sys.exc_info()[2]\n")
    raised = ast.parse(src.parsed_text).body[1].handlers[0].body[0].exc
    assert ast.unparse(raised) == "Failed(ex.message).with_traceback(sys.exc_info()[2])"


def test_a_backslash_u_in_a_plain_string_keeps_python2_meaning():
    src = load("PATTERN = '\\u00e9 is not an escape in Python 2'\n")
    assert reasons(src) == [] and src.python2
    assert literals(src) == [(1, "\\u00e9 is not an escape in Python 2")]
    src = load("from __future__ import unicode_literals\nPATTERN = '\\u00e9'\n")
    assert not src.python2 and literals(src) == [(2, "\u00e9")]


def test_a_string_between_future_imports_is_python27s_docstring_rule():
    # Python 2.7 allows one string statement anywhere among the future
    # imports (Python/future.c); Python 3 only first.
    src = load('from __future__ import print_function\n"""Doc."""\nfrom __future__ import division\n')
    assert reasons(src) == []
