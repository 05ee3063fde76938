#!/usr/bin/env python3
"""Generate a deterministic synthetic App Engine python27 code base.

    bench/generate.py OUT_DIR [--lines N] [--seed S]

Several apps (app.yaml with handlers and libraries, one extra service yaml),
webapp2 handlers, ndb models, utilities, and vendored-looking packages under
each app's lib/ (deep package trees). About 60% of the files are Python 2 only
(print statements, ``except E, e``, ``0777``, backticks, ``<>``, ``ur''``,
``exec`` statements, tuple parameters, ``10L``, mixed tabs ...); the rest read
as both Python 2.7 and 3. Roughly 2% of the files hold a real sandbox
violation, many more hold look-alikes that must stay silent. Every file is
valid Python 2.7. The same seed and size give byte-identical trees.

Runs on Python 3 with the stdlib only (it never needs Python 2). bench/run.py
imports it to reuse a tree and to touch the 1,000-line file. The statement
and module builders, the word lists and the planted violations live in
bench/code_templates.py; this file lays out the apps and writes them.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path

from code_templates import (  # bench/ is sys.path[0] when run.py or this file runs
    ADJ, APP_NAMES, LIB_NAMES, LIBRARIES, LOOKALIKES, NOUNS, SIZE_BUCKETS, SUBPKGS, VERBS, VIOLATIONS,
    Module, _imports, _q,
)

GENERATOR_VERSION = 3
MANIFEST = ".bench-manifest.json"
CHANGED_FILE_LINES = 1000
REVISION_MARK = "BENCH_REVISION = 'r0000000'"


def build_file(r: random.Random, py2: bool, kind: str, target: int, violation: bool, exact=False):
    """Text of one module of about `target` lines (exactly, when `exact`)."""
    mod = Module(r, py2, kind)
    chunks, extra, routes = [], set(), []
    head = []
    coding = r.random() < 0.1 or kind == "lib" and r.random() < 0.3
    if coding:
        head.append("# -*- coding: utf-8 -*-")
    if kind == "lib":
        head += ["#", "# Copyright 20%02d The %s Authors." % (r.randint(8, 16), r.choice(LIB_NAMES)),
                 "# Licensed under the Apache License, Version 2.0 (the \"License\");",
                 "# you may not use this file except in compliance with the License.", "#"]
    head.append('"""%s %s %s."""' % (r.choice(VERBS).title(), r.choice(ADJ), r.choice(NOUNS)))
    if not py2 and r.random() < 0.5:
        head.append("from __future__ import absolute_import, print_function")
    if exact:
        chunks.append([REVISION_MARK, ""])
    if coding:
        chunks.append(["GREETING = u'Caf\u00e9 \u2014 bienvenue'", ""])
    if r.random() < 0.5:
        chunks.append(["%s_%s = %s" % (r.choice(ADJ).upper(), r.choice(NOUNS).upper(), r.choice(("20", "3600", "'%s'" % r.choice(NOUNS), "(%s, %s)" % (_q(r, NOUNS), _q(r, ADJ)))))
                       for _ in range(r.randint(2, 6))] + [""])
    if violation:
        for _ in range(r.randint(1, 2)):
            kindv, imps, body = r.choice(VIOLATIONS)
            mod.counts["violations"][kindv] = mod.counts["violations"].get(kindv, 0) + 1
            extra |= imps
            chunks.append([ln % {"n": r.choice(NOUNS)} for ln in body] + ["", ""])
    for _ in range(r.choice((0, 0, 0, 1, 1, 2))):
        imps, body = r.choice(LOOKALIKES)
        mod.counts["lookalikes"] += 1
        extra |= imps
        n = r.choice(NOUNS)
        chunks.append([ln % {"n": n, "N": n.title()} for ln in body] + ["", ""])
    size = lambda: len(head) + 22 + len(routes) + sum(len(c) for c in chunks)
    while size() < target - 8:
        room = target - size()
        k = r.random()
        if kind == "handler" and k < 0.6:
            name, c = mod.handler(min(room, r.randint(20, 80)))
            routes.append(name)
        elif kind == "model" and k < 0.6:
            c = mod.model(min(room, r.randint(15, 60)))
        elif k < 0.55 and room > 30:
            c = mod.cls(min(room, r.randint(25, 120)))
        else:
            c = mod.function(0, "%s_%s" % (r.choice(VERBS), r.choice(NOUNS)), [r.choice(NOUNS), r.choice(NOUNS)], min(room, r.randint(6, 40)))
        if exact and size() + len(c) + 2 > target - 30:
            break
        chunks.append(c + ["", ""])
    if py2 and not mod.py2_used:
        chunks.append(["DEFAULT_FILE_MODE = 0644", ""])
    if routes:
        chunks.append(["app = webapp2.WSGIApplication(["] +
                       ["    (r'/%s/(\\d+)', %s)," % (rt.lower(), rt) for rt in routes] +
                       ["], debug=os.environ.get('SERVER_SOFTWARE', '').startswith('Development'))"])
        extra.add("webapp2")
    if r.random() < 0.1 and kind == "lib":
        chunks.append(["", "if __name__ == '__main__':", "    import doctest", "    doctest.testmod()"])
    if py2 or any("sys.stderr" in ln for c in chunks for ln in c):
        extra.add("sys")
    imports = _imports(mod, extra)
    lines = head + [""] + imports + ["", ""]
    for c in chunks:
        lines += c
    while lines and not lines[-1]:
        lines.pop()
    if exact:  # pad to the exact size with a docstring-only helper
        pad = target - len(lines)
        assert pad >= 0, (len(lines), target)
        if pad >= 6:
            lines += ["", "", "def _describe():", '    """Route notes.'] + ["    %s %s." % (r.choice(VERBS), r.choice(NOUNS)) for _ in range(pad - 6)] + ['    """', "    return None"]
        else:
            lines += ["# %s" % r.choice(NOUNS)] * pad
        assert len(lines) == target, (len(lines), target)
    text = "\n".join(lines) + "\n"
    return text, mod.counts, routes


def main_py(routes) -> str:
    """The WSGI entry point app.yaml names: every handler module, routed."""
    mods = sorted({m for m, _ in routes})
    alias = {m: "h%d" % i for i, m in enumerate(mods)}
    lines = ['"""URL routes of the app (app.yaml: script: main.app)."""', "import os", "", "import webapp2", ""]
    lines += ["from %s import %s as %s" % (m.rpartition(".")[0], m.rpartition(".")[2], alias[m]) for m in mods]
    lines += ["", "ROUTES = ["]
    lines += ["    webapp2.Route(r'/%s/%s/<key_id:\\d+>', %s.%s)," % (m.rpartition(".")[2], n.lower(), alias[m], n) for m, n in routes]
    lines += ["]", "", "app = webapp2.WSGIApplication(", "    ROUTES, debug=os.environ.get('SERVER_SOFTWARE', '').startswith('Development'))"]
    return "\n".join(lines) + "\n"


def _size(r):
    x = r.random()
    for p, lo, hi in SIZE_BUCKETS:
        if x < p:
            return r.randint(lo, hi)
        x -= p
    return r.randint(50, 150)


APP_YAML = """runtime: python27
api_version: 1
threadsafe: true

handlers:
- url: /static
  static_dir: static
- url: /admin/.*
  script: main.app
  login: admin
- url: /tasks/.*
  script: main.app
  login: admin
- url: /.*
  script: main.app

libraries:
%s
"""
WORKER_YAML = """service: worker
runtime: python27
api_version: 1
threadsafe: true
instance_class: B2
basic_scaling:
  max_instances: 2

handlers:
- url: /.*
  script: main.app
"""


def generate(out: Path, lines: int, seed: int = 7) -> dict:
    r = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    n_apps = max(2, min(len(APP_NAMES), lines // 80000))
    stats = {"files": 0, "py_files": 0, "py2_files": 0, "py3_files": 0, "lines": 0,
             "violations": {}, "violation_files": 0, "lookalikes": 0, "apps": [], "changed_file": None}

    def write(rel: Path, text: str, py2=None, counts=None, encoding="utf-8"):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
        stats["files"] += 1
        if rel.suffix == ".py":
            stats["py_files"] += 1
            stats["lines"] += text.count("\n")
            stats["py2_files" if py2 else "py3_files"] += 1
        if counts:
            for k, c in counts["violations"].items():
                stats["violations"][k] = stats["violations"].get(k, 0) + c
            stats["violation_files"] += bool(counts["violations"])
            stats["lookalikes"] += counts["lookalikes"]

    def emit_py(rel, kind, target, py2=None, exact=False):
        py2 = r.random() < 0.6 if py2 is None else py2
        text, counts, routes = build_file(r, py2, kind, target, violation=r.random() < 0.02, exact=exact)
        write(rel, text, py2, counts)
        return [(".".join(rel.with_suffix("").parts[1:]), name) for name in routes]

    per_app = lines // n_apps
    for ai in range(n_apps):
        app = Path(APP_NAMES[ai])
        stats["apps"].append(str(app))
        libs = r.sample(LIBRARIES[1:], r.randint(1, 3))
        entries = [("webapp2", '"2.5.2"')] + libs
        if ("jinja2", '"2.6"') in libs:  # its companions (appinfo REQUIRED_LIBRARIES)
            entries += [e for e in (("markupsafe", '"0.15"'), ("setuptools", '"36.6.0"')) if e not in libs]
        write(app / "app.yaml", APP_YAML % "\n".join("- name: %s\n  version: %s" % e for e in entries))
        if ai == 0:
            write(app / "worker.yaml", WORKER_YAML)
        write(app / "cron.yaml", "cron:\n- description: nightly export\n  url: /tasks/export\n  schedule: every 24 hours\n")
        write(app / "index.yaml", "indexes:\n- kind: Order\n  properties:\n  - name: owner\n  - name: created\n    direction: desc\n")
        write(app / "appengine_config.py", '"""Load vendored packages from lib/."""\nfrom google.appengine.ext import vendor\n\nvendor.add(\'lib\')\n', py2=False)
        for t in ("base", "index", r.choice(NOUNS)):
            write(app / "templates" / ("%s.html" % t), "<html><body>{{ %s }}</body></html>\n" % r.choice(NOUNS))
        base = stats["lines"]
        budgets = (("handlers", "handler", 0.2), ("models", "model", 0.12), ("utils", "util", 0.1), ("services", "util", 0.08), ("api", "handler", 0.05))
        routes = []
        write(app / "handlers" / "__init__.py", "", py2=False)
        write(app / "handlers" / "base.py", "import webapp2\n\n\nclass BaseHandler(webapp2.RequestHandler):\n    def render(self, name, values):\n        self.response.write(name)\n", py2=False)
        if ai == 0:
            routes += emit_py(app / "handlers" / "reports.py", "handler", CHANGED_FILE_LINES, py2=True, exact=True)
            stats["changed_file"] = str(app / "handlers" / "reports.py")
        for folder, kind, share in budgets:
            if folder != "handlers":
                write(app / folder / "__init__.py", "", py2=False)
            goal = stats["lines"] + per_app * share
            while stats["lines"] < goal:
                rel = app / folder / ("%s_%s.py" % (r.choice(NOUNS), r.choice(VERBS + ADJ)))
                if (out / rel).exists():
                    continue
                routes += emit_py(rel, kind, _size(r))
        write(app / "main.py", main_py(routes), py2=False)
        # vendored packages: deep trees, one style per package
        while stats["lines"] - base < per_app and stats["lines"] < lines:
            pkg = app / "lib" / ("%s%s" % (r.choice(LIB_NAMES), r.choice(("", "2", "_compat", "lib"))))
            if (out / pkg).exists():
                continue
            py2 = r.random() < 0.6
            dirs = [pkg]
            for _ in range(r.randint(1, 5)):
                parent = r.choice(dirs)
                if len(parent.parts) < 8:
                    dirs.append(parent / r.choice(SUBPKGS))
            for d in dirs:
                if not (out / d / "__init__.py").exists():
                    write(d / "__init__.py", '"""%s."""\n__version__ = \'%d.%d\'\n' % (d.name, r.randint(0, 3), r.randint(0, 20)), py2=False)
                for _ in range(r.randint(1, 6)):
                    stem = r.choice(NOUNS + SUBPKGS)
                    rel = d / ("%s%s.py" % (stem, r.choice(("", "s" if stem in NOUNS else "", "_utils", "_base"))))
                    if not (out / rel).exists():
                        emit_py(rel, "lib", _size(r), py2=py2)
    # one latin-1 source with its coding line (PEP 263)
    write(Path(APP_NAMES[0]) / "utils" / "legacy_latin1.py",
          "# -*- coding: latin-1 -*-\n\"\"\"Caf\xe9 menu labels.\"\"\"\nLABELS = {'cafe': 'Caf\xe9', 'creme': 'Cr\xe8me'}\nprint LABELS['cafe']\n",
          py2=True, encoding="latin-1")
    manifest = {"generator": GENERATOR_VERSION, "generator_sha": source_sha(), "seed": seed, "target_lines": lines, **stats}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def source_sha() -> str:
    """Hash of the generator's source (this file and its templates): a tree
    made by other code is regenerated."""
    h = hashlib.sha1()
    for name in ("generate.py", "code_templates.py"):
        h.update((Path(__file__).resolve().parent / name).read_bytes())
    return h.hexdigest()[:12]


def touch_changed_file(tree: Path, manifest: dict, nonce: int) -> Path:
    """Change one line of the 1,000-line file in place (same line count)."""
    path = tree / manifest["changed_file"]
    text = path.read_text()
    new = re.sub(r"^BENCH_REVISION = 'r\d{7}'$", "BENCH_REVISION = 'r%07d'" % (nonce % 10 ** 7), text, count=1, flags=re.M)
    path.write_text(new)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--lines", type=int, default=500000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    m = generate(args.out, args.lines, args.seed)
    print("%d .py files, %d lines (%d Python 2 only, %d 2/3), %d files with violations, %d look-alikes, %.1fs -> %s"
          % (m["py_files"], m["lines"], m["py2_files"], m["py3_files"], m["violation_files"], m["lookalikes"],
             time.perf_counter() - t0, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
