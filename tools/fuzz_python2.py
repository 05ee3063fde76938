"""Fuzz gaelint's per-file check and compare its Python 2 reader with CPython 2.7.

    python tools/fuzz_python2.py [--mutants N] [--seed S] [--extra DIR ...] [--python2 PATH]

Seeds are the Python files of the test fixtures and examples (and of any
``--extra`` directory). Each seed is mutated N times (lines deleted,
duplicated, swapped, re-indented, joined, truncated; characters replaced;
Python 2 constructs, lone ``\\`` lines and long ``1 + 1 + ...`` chains
inserted) and every mutant, with the seed itself, goes through the whole
per-file check (every rule, positions included). Asserted:

* no exception escapes and no GAE002 (a failure of gaelint itself);
* where a Python 2.7 interpreter is found (``--python2``, ``$PYTHON2``,
  ``~/.pyenv/versions/2.7.18/bin/python`` or ``python2.7`` on PATH): no error
  GAE001 on a file CPython 2.7 compiles, and the names, calls and literals
  of the file, with their lines, are those of CPython 2.7's ``ast``
  (gaelint's side is CPython 3's ``ast`` of the text libcst parsed, which
  the rules read; the synthetic names of the rewrite are left out).

Prints the inputs tried and what was found; exits 1 when a crash, a GAE002
or a wrong GAE001 was found (``--strict``: a differential mismatch too).
Not part of the default test run (tests/test_fuzz_harness.py runs a few
mutants of it to keep it working).
"""
from __future__ import annotations

import argparse
import ast
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gaelint.analysis.astutil import dotted as dotted_name  # noqa: E402
from gaelint.app import deployset, discovery  # noqa: E402
from gaelint.app.context import AppContext  # noqa: E402
from gaelint.config import Config  # noqa: E402
from gaelint.engine.check import check_file  # noqa: E402
from gaelint.runner import select_rules  # noqa: E402
from gaelint.source import load_bytes  # noqa: E402

APP_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n"

SNIPPETS = [
    "print >>sys.stderr, 'x', y", "print 'a', 'b',", "print", "exec code in ns", "exec(code) in ns",
    "x = `y` + `1, 2`", "x = 0777 + 10L + 0xffL", "if a <> b: pass", "s = ur'\\u00e9\\d'",
    "t = ur'\\\\u00e9'", "y = [v for v in z if lambda: v]", "y = [v for v in 1, 2]",
    "def tp(a, (b, c)):\n    '''doc'''; d = b\n    return d", "async = 1", "async_ = async", "True = 0",
    "raise ValueError, 'bad'", "raise E, V, T", "try:\n    pass\nexcept Exception, e:\n    pass",
    "try:\n    pass\nexcept Exception, (errno, msg):\n    pass", "\\", "f = lambda (k, v): k",
    "b = b'\\xe9'", "from os import *", "x = xmlrpclib.False", "def g(x, y=1, *a, **k): return x",
    "import socket\ns = socket.socket()\ns.bind(('', 25))", "fh = open('/tmp/x', 'w')",
    "class Old:\n    def m(self): print self", "while 0:\n    break", "assert isinstance(x, (int, long))",
    "d = {'a': 1}.has_key('a')", "u = unicode('x')", "n = 1" + " + 1" * 50,
]
NOISE = list("()[]{}:,.'\"\\`#=+ \t\n") + ["print ", "lambda ", "yield ", "if ", "else", "None"]


# -- mutation -----------------------------------------------------------------

def _indent_of(line: str) -> str:
    return line[:len(line) - len(line.lstrip(" \t"))]


def mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        if not lines:
            lines = [""]
        i = rng.randrange(len(lines))
        op = rng.randrange(11)
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2 and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op in (3, 4):
            indent = _indent_of(lines[i])
            lines[i:i] = [indent + s for s in rng.choice(SNIPPETS).split("\n")]
        elif op == 5:
            line = lines[i]
            lines[i] = rng.choice(["", " ", "  ", "    ", "\t"]) + line.lstrip(" \t") if rng.random() < .5 \
                else line[rng.randint(0, 2):]
        elif op == 6 and lines[i]:
            j = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:j] + rng.choice(NOISE) + lines[i][j + 1:]
        elif op == 7:
            lines.insert(i, _indent_of(lines[i]) * rng.randint(0, 1) + "\\")
        elif op == 8:
            del lines[rng.randint(1, len(lines)):]
        elif op == 9 and i + 1 < len(lines):
            lines[i:i + 2] = [lines[i] + "; " + lines[i + 1].lstrip(" \t")]
        else:
            lines.insert(i, _indent_of(lines[i]) + "chain = 1" + " + 1" * rng.randint(100, 700))
    return "\n".join(lines)


# -- CPython 2.7: does it compile, and its names, calls and literals ----------

_PY2_ORACLE = r'''
import ast, base64, json, sys, warnings
warnings.simplefilter("ignore")

def dotted(n):
    if isinstance(n, ast.Name):
        return n.id
    if isinstance(n, ast.Attribute):
        b = dotted(n.value)
        return b + "." + n.attr if b else None
    return None

def facts(tree):
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            skip.add(id(node.func))
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            for a in node.args.args:
                if isinstance(a, ast.Tuple):
                    for x in ast.walk(a):
                        skip.add(id(x))
        if isinstance(node, ast.ExceptHandler) and node.name is not None and not isinstance(node.name, ast.Name):
            for x in ast.walk(node.name):
                skip.add(id(x))
        if isinstance(node, ast.Raise) and isinstance(node.inst, ast.Name) and node.inst.id == "None":
            skip.add(id(node.inst))
        if isinstance(node, ast.Raise) and node.inst is not None and dotted(node.type):
            skip.add(id(node.type))     # raise E, V reads as the call E(V): E is its callee
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        line = getattr(node, "lineno", None)
        if isinstance(node, ast.Name):
            out.append(["name", node.id, line])
        elif isinstance(node, ast.Call):
            d = dotted(node.func)
            if d:
                out.append(["call", d, line])
        elif isinstance(node, ast.Print):
            out.append(["call", "print", line])
        elif isinstance(node, ast.Exec):
            out.append(["call", "exec", line])
        elif isinstance(node, ast.Repr):
            out.append(["call", "repr", line])
        elif isinstance(node, ast.Raise) and node.inst is not None and dotted(node.type):
            out.append(["call", dotted(node.type), line])
        elif isinstance(node, ast.Num):
            v = node.n
            out.append(["num", repr(v).rstrip("L") if isinstance(v, (int, long)) else repr(v), line])
        elif isinstance(node, ast.Str):
            s = node.s
            if isinstance(s, unicode):
                kind = "str" if all(ord(c) < 128 for c in s) else "ustr"
            else:
                try:
                    s, kind = s.decode("ascii"), "str"
                except UnicodeDecodeError:
                    continue
            out.append([kind, s, line if node.col_offset >= 0 else -1])
    return out

import re
CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")

def importable(src):
    """compile() of a str skips PEP 263's default: an import does not."""
    if src.startswith("\xef\xbb\xbf") or all(ord(c) < 128 for c in src):
        return True
    lines = re.split(r"\r\n|\r|\n", src, 2)
    blank_or_comment = re.match(r"^[ \t\f]*(?:#|$)", lines[0])
    return bool(CODING.match(lines[0]) or (len(lines) > 1 and blank_or_comment and CODING.match(lines[1])))

for raw in iter(sys.stdin.readline, ""):
    src = base64.b64decode(raw.strip())
    if not importable(src):
        sys.stdout.write(json.dumps({"ok": False, "error": "non-ASCII, no encoding declared"}) + "\n")
        sys.stdout.flush()
        continue
    try:
        tree = compile(src, "<fuzz>", "exec", ast.PyCF_ONLY_AST)
        compile(src, "<fuzz>", "exec")
        answer = {"ok": True, "facts": facts(tree)}
    except (SyntaxError, TypeError, ValueError, MemoryError, RuntimeError) as exc:
        answer = {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
'''


class Python2:
    def __init__(self, executable: str):
        self.proc = subprocess.Popen([executable, "-c", _PY2_ORACLE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def ask(self, data: bytes) -> dict:
        self.proc.stdin.write(base64.b64encode(data).decode() + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def find_python2(explicit: Optional[str]) -> Optional[str]:
    for candidate in (explicit, os.environ.get("PYTHON2"),
                      os.path.expanduser("~/.pyenv/versions/2.7.18/bin/python"), shutil.which("python2.7")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


# -- gaelint's side -------------------------------------------------------------

_RENAMED = {"async", "await", "nonlocal", "True", "False", "None"}


def _mentions_synthetic(node) -> bool:
    return any(isinstance(n, ast.Name) and n.id.startswith("_gaelint_") for n in ast.walk(node))


def gaelint_facts(parsed_text: str, python2_names: set) -> List[Tuple[str, str, int, int]]:
    """(kind, value, line, end line) of what gaelint reads, as the oracle words it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(parsed_text)

    def name(value: str) -> str:
        parts = value.split(".")
        for k, part in enumerate(parts):
            base = part.rstrip("_")
            if part != base and base in _RENAMED and part not in python2_names:
                parts[k] = base
        return ".".join(parts)

    skip = set()
    negative = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
                and type(node.operand.value) in (int, float, complex):
            negative[id(node.operand)] = True     # Python 2's parser folds -1 into one literal
        if isinstance(node, ast.Call):
            skip.add(id(node.func))
            if dotted_name(node.func) == "print":
                skip.update(id(k.value) for k in node.keywords if k.arg == "end")
        value = getattr(node, "value", None)
        if isinstance(value, ast.Attribute):
            value = value.value
        if isinstance(node, (ast.Assign, ast.NamedExpr)) and isinstance(value, (ast.Name, ast.Subscript)) \
                and _mentions_synthetic(value):
            # (b, c) = _gaelint_tp0: the rewrite binds tuple parameters in the body
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                skip.update(id(n) for n in ast.walk(target))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Lambda) and \
                any(_mentions_synthetic(a) for a in node.args):
            skip.update(id(a) for a in node.func.args.args)   # lambda (k, v): k, unpacked
        if isinstance(node, ast.arguments):
            skip.update(id(a) for a in (node.vararg, node.kwarg) if a is not None)
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        line, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if isinstance(node, ast.Name) and not node.id.startswith("_gaelint_"):
            out.append(("name", name(node.id), line, end))
        elif isinstance(node, ast.arg) and not node.arg.startswith("_gaelint_"):
            out.append(("name", name(node.arg), line, end))
        elif isinstance(node, ast.ExceptHandler) and node.name and not node.name.startswith("_gaelint_"):
            # A Name in Python 2's ast, on the line of `, e` / `as e` (after the type)
            at = node.type.end_lineno if node.type is not None else line
            out.append(("name", name(node.name), at, at))
        elif isinstance(node, ast.Call):
            dotted = dotted_name(node.func)
            if dotted:
                out.append(("call", name(dotted), line, end))
        elif isinstance(node, ast.Constant):
            value = node.value
            if value is True or value is False or value is None:
                out.append(("name", repr(value), line, end))
            elif isinstance(value, (int, float, complex)):
                out.append(("num", repr(-value if id(node) in negative else value), line, end))
            elif isinstance(value, (str, bytes)):
                if isinstance(value, bytes):
                    try:
                        value = value.decode("ascii")
                    except UnicodeDecodeError:
                        continue
                out.append(("str" if value.isascii() else "ustr", value, line, end))
    return out


def compare(py2: List[list], mine: List[Tuple[str, str, int, int]]) -> Tuple[list, list]:
    """(facts CPython 2.7 has that gaelint lacks, facts only gaelint has)."""
    keyed = Counter((k, v, l) for k, v, l in py2 if l != -1)
    loose = Counter((k, v) for k, v, l in py2 if l == -1)
    extra = []
    for kind, value, line, end in mine:
        if keyed[(kind, value, line)] > 0:
            keyed[(kind, value, line)] -= 1
        elif kind in ("str", "ustr") and loose[(kind, value)] > 0:
            loose[(kind, value)] -= 1
        elif kind != "ustr":       # a non-ASCII str may be Python 2 bytes, which the oracle leaves out
            extra.append((kind, value, line))
    missing = [k for k, n in keyed.items() for _ in range(n)] + [k for k, n in loose.items() for _ in range(n)]
    return missing, extra


# -- the run --------------------------------------------------------------------

def seeds(extra: List[str]) -> List[Path]:
    found = sorted((ROOT / "tests" / "fixtures").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))
    for directory in extra:
        found += sorted(Path(directory).rglob("*.py"))
    return found


def run(mutants: int, seed: int, extra: List[str], python2_path: Optional[str], limit: Optional[int] = None,
        strict: bool = False, verbose: bool = True, dump: Optional[str] = None) -> Dict[str, int]:
    rng = random.Random(seed)
    files = seeds(extra)
    if limit is not None:
        files = rng.sample(files, min(limit, len(files)))
    oracle = Python2(python2_path) if python2_path else None
    ruleset = select_rules(Config())
    counts = Counter()
    shown = Counter()

    def say(kind: str, text: str, data: bytes = b"") -> None:
        counts[kind] += 1
        if dump and data:
            os.makedirs(dump, exist_ok=True)
            with open(os.path.join(dump, f"{kind}-{counts[kind]}.py"), "wb") as fh:
                fh.write(data)
        if verbose and shown[kind] < 5:
            shown[kind] += 1
            print(f"{kind}: {text}")

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "app.yaml").write_text(APP_YAML)
        targets, _ = discovery.find_apps([Path(tmp)])
        app = targets[0].app
        ctx = AppContext(app, deployset.deploy_set(app))
        path = app.root / "mutant.py"
        started = time.time()
        for seed_file in files:
            original = seed_file.read_bytes()
            variants = [original] + [mutate(original.decode("utf-8", "replace"), rng).encode("utf-8")
                                     for _ in range(mutants)]
            for data in variants:
                counts["inputs"] += 1
                where = f"{seed_file.relative_to(ROOT) if seed_file.is_relative_to(ROOT) else seed_file}"
                try:
                    found = check_file(ruleset, ctx, path, data)
                except BaseException as exc:  # noqa: BLE001 - this is what the fuzzer looks for
                    say("crash", f"{where}: {type(exc).__name__}: {exc}\n{data[:300]!r}", data)
                    continue
                for f in found:
                    if f.code == "GAE002":
                        say("GAE002", f"{where}: {f.message}\n{data[:300]!r}", data)
                if oracle is None:
                    continue
                answer = oracle.ask(data)
                gae001 = [f for f in found if f.code == "GAE001" and int(f.severity) >= 2]
                if not answer["ok"]:
                    counts["python2_rejects"] += 1
                    continue
                counts["python2_accepts"] += 1
                if gae001:
                    say("wrong_GAE001", f"{where}: {gae001[0].message} (line {gae001[0].line})\n{data[:400]!r}", data)
                    continue
                src = load_bytes(path, data)
                if src.module is None:
                    counts["not_analysed"] += 1
                    continue
                names = {v for k, v, _ in answer["facts"] if k == "name"}
                missing, extra_facts = compare(answer["facts"], gaelint_facts(src.parsed_text, names))
                if missing or extra_facts:
                    say("differs", f"{where}: CPython 2.7 only {missing[:4]}, gaelint only {extra_facts[:4]}", data)
        counts["seconds"] = int(time.time() - started)
    if oracle is not None:
        oracle.close()
    counts["seeds"] = len(files)
    return dict(counts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mutants", type=int, default=20, help="mutants per seed file (default 20)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--extra", action="append", default=[], help="another directory of seed files")
    parser.add_argument("--limit", type=int, help="use only this many seed files (chosen at random)")
    parser.add_argument("--python2", help="a Python 2.7 interpreter for the differential check")
    parser.add_argument("--no-python2", action="store_true", help="skip the differential check")
    parser.add_argument("--strict", action="store_true", help="a differential mismatch fails the run too")
    parser.add_argument("--dump", help="write each input that shows a problem into this directory")
    args = parser.parse_args(argv)
    python2 = None if args.no_python2 else find_python2(args.python2)
    counts = run(args.mutants, args.seed, args.extra, python2, args.limit, args.strict, dump=args.dump)
    print(json.dumps({"python2": python2, **counts}, indent=1))
    failed = counts.get("crash", 0) + counts.get("GAE002", 0) + counts.get("wrong_GAE001", 0)
    if args.strict:
        failed += counts.get("differs", 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
