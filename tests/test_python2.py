"""gaelint.python2: Python 2.7 source -> Python 3 syntax, every token on its line.

Every input here is valid Python 2.7 (or, in the error tests, invalid).  Set
GAELINT_PYTHON27=/path/to/python2.7 to have each snippet checked against a
real interpreter as well; without it those checks are skipped.
"""
import ast
import os
import re
import subprocess
import textwrap

import libcst
import pytest

from gaelint.python2.reader import Python2SyntaxError, to_python3

PY27 = os.environ.get("GAELINT_PYTHON27")


def _py2_compiles(src):
    if not PY27:
        return None
    proc = subprocess.run([PY27, "-c", "import sys; compile(sys.stdin.read(), 'snippet', 'exec')"],
                          input=src.encode("utf-8"), capture_output=True)
    return proc.returncode == 0


def convert(src):
    """to_python3 + the invariants every conversion must keep."""
    src = textwrap.dedent(src)
    assert _py2_compiles(src) in (None, True), "test input is not valid Python 2.7"
    out = to_python3(src)
    assert out.count("\n") == src.count("\n"), out
    libcst.parse_module(out)
    return out, ast.parse(out)


def line_of(src, needle):
    """1-based line of the first occurrence of needle in (dedented) src."""
    src = textwrap.dedent(src)
    return src[:src.index(needle)].count("\n") + 1


def nodes(tree, kind):
    """Nodes of a kind in source order (ast.walk is breadth-first)."""
    found = [n for n in ast.walk(tree) if isinstance(n, kind)]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def calls(tree, func):
    return [n for n in nodes(tree, ast.Call) if ast.unparse(n.func) == func]


def run(out, **env):
    """Execute converted code (plain Python, no I/O) and return its namespace."""
    namespace = dict(env)
    exec(compile(out, "converted", "exec"), namespace)
    return namespace


# --- print ---------------------------------------------------------------

PRINT_SRC = """\
import sys
def report(f, name, count):
    print "handled", name
    print >>f, "count:", count
    print >>sys.stderr, name,
    print
    print >>f
    print "%s=%d" % (name, count), \\
        "done"
    print >>f, name, \\
        count
    print ("one")
    print ("a", "b")
"""


def test_print_statements_become_calls_on_their_lines():
    out, tree = convert(PRINT_SRC)
    prints = sorted(calls(tree, "print"), key=lambda c: c.lineno)
    assert [c.lineno for c in prints] == [3, 4, 5, 6, 7, 8, 10, 12, 13]
    simple, to_f, soft, bare, only_f, multi, star, one, pair = prints
    assert [ast.unparse(a) for a in simple.args] == ["'handled'", "name"]
    assert not bare.args and not bare.keywords
    assert {k.arg: ast.unparse(k.value) for k in soft.keywords} == {"end": "' '", "file": "sys.stderr"}
    assert {k.arg: ast.unparse(k.value) for k in only_f.keywords} == {"file": "f"} and not only_f.args
    assert multi.args[1].lineno == 9     # "done" stays on the continuation line
    assert ast.unparse(one.args[0]) == "'one'"
    assert isinstance(pair.args[0], ast.Tuple)       # Python 2 prints the tuple
    # a multi-line print >>f keeps f in front: print(file=f, *(name, count))
    assert star.keywords[0].arg == "file" and isinstance(star.args[0], ast.Starred)
    assert [n.lineno for n in nodes(star, ast.Name) if n.id == "count"] == [11]
    assert "print(" in out.splitlines()[2] and out.splitlines()[2].index("print") == 4


def test_print_to_file_is_a_file_keyword_not_a_shift():
    out, tree = convert("log = open('app.log', 'a')\nprint >>log, 'started', 42\n")
    (call,) = calls(tree, "print")
    assert call.lineno == 2
    assert [k.arg for k in call.keywords] == ["file"]
    assert isinstance(call.keywords[0].value, ast.Name) and call.keywords[0].value.id == "log"
    assert [ast.unparse(a) for a in call.args] == ["'started'", "42"]
    assert not nodes(tree, ast.BinOp)


def test_print_inside_brackets_spanning_lines():
    src = "print ('a',\n       'b'), [1,\n              2]\n"
    out, tree = convert(src)
    (call,) = calls(tree, "print")
    assert call.args[1].elts[1].lineno == 3


def test_print_function_future_import():
    src = """\
    from __future__ import print_function
    import socket, sys
    try:
        sock = socket.socket()
    except socket.error, e:
        print("no socket:", e, file=sys.stderr)
    """
    out, tree = convert(src)
    (call,) = calls(tree, "print")
    assert call.lineno == 6 and call.keywords[0].arg == "file"
    assert calls(tree, "socket.socket")[0].lineno == line_of(src, "socket.socket()")


def test_print_function_mentioned_only_in_a_comment():
    out, tree = convert("# no print_function from __future__ here\nprint 'x'\n")
    assert calls(tree, "print")[0].lineno == 2


# --- exec, raise, except -----------------------------------------------------

def test_exec_forms():
    src = "code = 'x = 1'\nns = {}\nexec code\nexec code in ns\nexec code in ns, {}\nexec (code, ns)\n"
    out, tree = convert(src)
    execs = calls(tree, "exec")
    assert [(c.lineno, len(c.args)) for c in execs] == [(3, 1), (4, 2), (5, 3), (6, 2)]
    assert run(out)["ns"]["x"] == 1


def test_raise_forms():
    src = """\
    import sys
    def fail(kind):
        if kind == 1:
            raise ValueError, "bad value"
        if kind == 2:
            raise IOError, (2, "missing"), sys.exc_info()[2]
        if kind == 3:
            raise KeyError, None
        raise TypeError, \\
            "continued"
    """
    out, tree = convert(src)
    raises = nodes(tree, ast.Raise)
    assert [r.lineno for r in raises] == [4, 6, 8, 9]
    assert ast.unparse(raises[0].exc) == "ValueError('bad value')"
    assert ast.unparse(raises[1].exc) == "IOError(2, 'missing').with_traceback(sys.exc_info()[2])"
    assert ast.unparse(raises[2].exc) == "KeyError()"
    assert raises[3].exc.args[0].lineno == 10
    fail = run(out)["fail"]
    with pytest.raises(IOError) as info:
        fail(2)
    assert info.value.args == (2, "missing")


def test_except_comma_binds_the_name():
    src = """\
    import socket
    def connect(host):
        try:
            return socket.create_connection((host, 80))
        except socket.error, e:
            return e
        except (IOError, OSError), err:
            return err
    """
    out, tree = convert(src)
    first, second = nodes(tree, ast.ExceptHandler)
    assert first.name == "e" and ast.unparse(first.type) == "socket.error"
    assert isinstance(first.type, ast.Attribute)          # not the tuple (socket.error, e)
    assert second.name == "err" and isinstance(second.type, ast.Tuple)
    assert (first.lineno, second.lineno) == (5, 7)
    assert calls(tree, "socket.create_connection")[0].lineno == 4


def test_except_with_unpacking_and_attribute_targets():
    src = """\
    class Fetcher(object):
        def fetch(self, path):
            try:
                return open(path).read()
            except IOError, (errno, strerror):
                return errno, strerror
            except OSError, self.error:
                if self.error:
                    return None
    """
    out, tree = convert(src)
    assert calls(tree, "open")[0].lineno == 4
    ns = run(out)
    assert ns["Fetcher"]().fetch("/nonexistent/gaelint") == (2, "No such file or directory")
    names = {n.id: n.lineno for n in nodes(tree, ast.Name) if n.id in ("errno", "strerror")}
    assert names == {"errno": 6, "strerror": 6}


# --- expressions and literals -------------------------------------------------

def test_backticks_and_not_equal():
    src = "a = 1\nb = 'x'\ns = `a` + `a, b`\nif a <> 2: t = 1\n"
    out, tree = convert(src)
    assert run(out)["s"] == "1(1, 'x')"
    assert isinstance(nodes(tree, ast.Compare)[0].ops[0], ast.NotEq)


def test_numbers():
    src = "a = 0777\nb = 10L + 10l\nc = 0xFFL\nd = 0777L\ne = 7L.real\nf = 00\ng = 0.5 + 0j + 07.5\n"
    out, tree = convert(src)
    ns = run(out)
    assert (ns["a"], ns["b"], ns["c"], ns["d"], ns["e"], ns["f"]) == (511, 20, 255, 511, 7, 0)
    assert ns["g"] == 8.0


def test_string_prefixes():
    src = "import re\na = ur'\\d+'\nb = UR\"\\w\"\nc = u'x', b'y', r'\\z', br'\\q'\nd = b'ab' 'cd'\n"
    out, tree = convert(src)
    assert "a = r'\\d+'" in out and 'b = R"\\w"' in out
    assert "c = u'x', b'y', r'\\z', br'\\q'" in out
    ns = run(out)
    assert (ns["a"], ns["b"], ns["d"]) == ("\\d+", "\\w", "abcd")


def test_byte_strings_keep_backslash_u_literal():
    # In Python 2 '\u00e9' is six bytes; in a Python 3 str it would be one
    # character, and '\N' alone a SyntaxError.
    out, tree = convert("s = '\\u00e9 \\\\u \\N'\nprint s\n")
    assert run(out.replace("print(s)", ""))["s"] == "\\u00e9 \\u \\N"


def test_unicode_literals_keep_escapes():
    out, tree = convert("from __future__ import unicode_literals\ns = '\\u00e9'\nprint s\n")
    assert run(out.replace("print(s)", ""))["s"] == "\u00e9"


def test_comprehension_over_bare_tuple():
    src = "a = [x for x in 1, 2]\nb = [x + y for x in 1, 2 for y in 10, 20 if y]\n"
    out, tree = convert(src)
    ns = run(out)
    assert ns["a"] == [1, 2] and ns["b"] == [11, 21, 12, 22]


def test_python3_keywords_used_as_names():
    src = """\
    class Rpc(object):
        def async(self, await=None):
            return await
    rpc = Rpc()
    nonlocal = rpc.async(await=3)
    fetched = dict(async=True)
    import xmlrpclib
    flag = xmlrpclib.False
    """
    out, tree = convert(src)
    assert "def async_(self, await_=None)" in out and "rpc.async_(await_=3)" in out
    assert "nonlocal_ =" in out and "xmlrpclib.False_" in out
    ns = run(out.replace("import xmlrpclib", "xmlrpclib = None").replace("xmlrpclib.False_", "None"))
    assert ns["nonlocal_"] == 3 and ns["fetched"] == {"async_": True}


# --- tuple parameters ---------------------------------------------------------

def test_tuple_parameters_bound_on_the_first_line():
    src = """\
    def area(name, (w, h)):
        return name, w * h
    def origin((x, y)=(0, 0), (dx, (dy,))=(1, (2,))):
        \"\"\"Docstring stays first.\"\"\"
        return x + dx, y + dy
    def scale((a, b), k): return a * k, b * k
    def check((low, high)):
        if low > high:
            return False
        return True
    def paren((x)):
        return x
    """
    out, tree = convert(src)
    ns = run(out)
    assert ns["area"]("r", (2, 3)) == ("r", 6)
    assert ns["origin"]() == (1, 2) and ns["origin"]((5, 5)) == (6, 7)
    assert ns["scale"]((1, 2), 3) == (3, 6)
    assert ns["check"]((1, 2)) is True and ns["check"]((3, 2)) is False
    assert ns["paren"](4) == 4
    funcs = {f.name: f for f in nodes(tree, ast.FunctionDef)}
    assert ast.get_docstring(funcs["origin"]) == "Docstring stays first."
    assert funcs["area"].body[0].lineno == 2 and funcs["area"].body[1].lineno == 2
    assert [a.arg for a in funcs["paren"].args.args] == ["x"]


def test_tuple_parameters_in_lambdas():
    src = """\
    pairs = {'b': 2, 'a': 1}
    ordered = sorted(pairs.items(), key=lambda (k, v): v)
    total = map(lambda (a, (b, c)), d=1: a + b + c + d, [(1, (2, 3))])
    ident = lambda (x): x
    """
    out, tree = convert(src)
    ns = run(out)
    assert ns["ordered"] == [("a", 1), ("b", 2)]
    assert list(ns["total"]) == [7]
    assert [a.arg for a in nodes(tree, ast.Lambda)[-1].args.args] == ["x"]


# --- indentation -------------------------------------------------------------

def test_tabs_in_indentation_are_expanded():
    src = ("def f(x):\n\tif x:\n\t    s = '\tkeep'\n\t    return s + str([1,\n\t\t2])\n"
           "        return '''\n\ttab\n'''\n")
    out, tree = convert(src)
    assert out.splitlines()[1:5] == ["        if x:", "            s = '\tkeep'",
                                     "            return s + str([1,", "                2])"]
    assert "s = '\tkeep'" in out and "\n\ttab\n" in out    # strings untouched
    assert run(out)["f"](1) == "\tkeep[1, 2]"


def test_no_trailing_newline():
    out, tree = convert("if True:\n    print 'x'")
    assert out == "if True:\n    print('x')"


# --- errors ----------------------------------------------------------------

@pytest.mark.parametrize("src, line, column, message", [
    ("def f(:\n    pass\n", 1, 7, "invalid syntax"),
    ("x = 1\nitems = (1, 2]\n", 2, 14, "does not match"),
    ("handle(1, 2))\n", 1, 13, "unmatched ')'"),
    ("import sys\nx = 1\nprint(\n", 3, 6, "'(' was never closed"),
    ("data = [1,\n  2\n", 1, 8, "'[' was never closed"),
    ("if x:\n    a = 1\n  b = 2\n", 3, 3, "unindent does not match"),
    ("x = 1\n    y = 2\n", 2, 1, "unexpected indent"),
    ("def f():\nreturn 1\n", 2, 1, "expected an indented block"),
    ("s = '''never\nclosed\n", 1, 5, "unterminated triple-quoted"),
    ("s = 'open\n", 1, 5, "unterminated string"),
    ("x = 1 $ 2\n", 1, 7, "invalid character '$'"),
    ("from __future__ import print_function\nprint 'x'\n", 2, 7, "invalid syntax"),
    ("x = 1 +\n", 1, 8, "incomplete"),
])
def test_invalid_python2_raises_with_position(src, line, column, message):
    assert _py2_compiles(src) in (None, False)
    with pytest.raises(Python2SyntaxError) as info:
        to_python3(src)
    assert (info.value.line, info.value.column) == (line, column)
    assert message in info.value.message
    assert f"line {line}" in str(info.value)


def test_deep_nesting_does_not_hit_the_recursion_limit():
    parens = "x = " + "(" * 90 + "1" + ")" * 90 + "\nprint x\n"
    ifs = "".join("    " * i + f"if x{i}:\n" for i in range(50)) + "    " * 50 + "print 'deep'\n"
    for src in (parens, ifs):
        convert(src)
    # Far past CPython's own limits: must convert or fail cleanly, never crash.
    huge = "".join(" " * i + "if x:\n" for i in range(3000)) + " " * 3000 + "print 1\n"
    huge_parens = "print " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    for src in (huge, huge_parens, parens.replace("(" * 90, "(" * 100).replace(")" * 90, ")" * 100)):
        try:
            out = to_python3(src)
        except Python2SyntaxError:
            continue
        assert out.count("\n") == src.count("\n")


# --- a whole module ----------------------------------------------------------

WEBAPP = '''\
# -*- coding: utf-8 -*-
"""A webapp2 handler in the Python 2 style of its day."""
import socket, sys, os
import webapp2

CACHE_MODE = 0644
MAX_BYTES = 1024L * 1024L

def pair_key((kind, ident)):
    return "%s:%s" % (kind, ident)

class FetchHandler(webapp2.RequestHandler):
    def get(self):
        host = self.request.get("host")
        if host <> "":
            print >>sys.stderr, "fetching", host,
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.connect((host, 80))
        except socket.error, e:
            print >>sys.stderr, "socket failed:", `e`
            raise webapp2.exc.HTTPBadGateway, str(e)
        with open(os.path.join("/tmp", host), "w") as f:
\t    print >>f, \\
\t        host
        ports = [p for p in 80, 443]
        rows = sorted({"a": 1}.items(), key=lambda (k, v): v)
        code = "result = %d" % len(rows)
        exec code in {}
        label = ur"\\d+ port"
        self.async = dict(async=True, await=False)
        print
        self.response.write(pair_key(("port", ports[0])))
'''


def _words(line):
    return set(re.findall(r"\b[A-Za-z_]\w*", line))


def test_realistic_webapp2_module_keeps_every_line():
    out, tree = convert(WEBAPP)
    src_lines, out_lines = WEBAPP.split("\n"), out.split("\n")
    assert len(src_lines) == len(out_lines)
    moved = {"kind", "ident", "ur", "async", "await", "k", "v", "in"}
    for number, (before, after) in enumerate(zip(src_lines, out_lines), 1):
        assert _words(before) - moved <= _words(after), (number, before, after)
    for needle, func in [("socket.socket(", "socket.socket"), ("open(", "open"),
                         ("sock.connect(", "sock.connect"), ("pair_key((\"port\"", "pair_key"),
                         ("str(e)", "str"), ("sorted(", "sorted")]:
        assert [c.lineno for c in calls(tree, func)] == [line_of(WEBAPP, needle)], func
    (handler,) = nodes(tree, ast.ExceptHandler)
    assert handler.name == "e" and ast.unparse(handler.type) == "socket.error"
    prints = {c.lineno: c for c in calls(tree, "print")}
    to_f = line_of(WEBAPP, "print >>f")
    assert sorted(prints) == [line_of(WEBAPP, n) for n in (
        'print >>sys.stderr, "fetching"', 'print >>sys.stderr, "socket', "print >>f", "print\n")]
    assert prints[to_f].keywords[0].arg == "file" and ast.unparse(prints[to_f].keywords[0].value) == "f"
    assert [n.lineno for n in nodes(prints[to_f], ast.Name) if n.id == "host"] == [to_f + 1]
    assert calls(tree, "repr")[0].lineno == line_of(WEBAPP, "`e`")
    assert ast.unparse(nodes(tree, ast.Raise)[0].exc) == "webapp2.exc.HTTPBadGateway(str(e))"
    assert ast.unparse(calls(tree, "exec")[0]) == "exec(code, {})"
    assert "CACHE_MODE = 0o644" in out and "MAX_BYTES = 1024 * 1024" in out
    assert "ports = [p for p in (80, 443)]" in out and "label = r\"\\d+ port\"" in out
    assert "self.async_ = dict(async_=True, await_=False)" in out


@pytest.mark.parametrize("src,expected", [
    ("x = not`y`\n", "x = not repr(y)\n"),            # a keyword glued to a backtick
    ("if`x`: pass\n", "if repr(x): pass\n"),
    ("x = 0777L.real\n", "x = 0o777 .real\n"),        # octal long with an attribute
    ("f = lambda(k, v): k\n", "f = lambda _gaelint_tp0: (lambda k, v: k)(*_gaelint_tp0)\n"),
    ("def f(x=False):\n    return x is False\n", "def f(x=False):\n    return x is False\n"),
    ("True = 1\nx = True\n", "True_ = 1\nx = True_\n"),  # True bound as a name (py21compat)
])
def test_rewrites_found_on_real_code(src, expected):
    assert to_python3(src) == expected
    ast.parse(expected)
