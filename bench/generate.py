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
imports it to reuse a tree and to touch the 1,000-line file.
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

GENERATOR_VERSION = 3
MANIFEST = ".bench-manifest.json"
CHANGED_FILE_LINES = 1000
REVISION_MARK = "BENCH_REVISION = 'r0000000'"

NOUNS = ("user account order invoice report comment photo album message task project "
         "ticket customer product payment shipment session profile feed entry tag note "
         "event booking coupon review vendor region quota export job batch").split()
VERBS = ("get fetch load build parse render update sync compute validate normalize "
         "collect resolve format merge filter apply refresh prune encode decode").split()
ADJ = "active pending cached stale recent default public private archived raw".split()
EXC = ("ValueError KeyError TypeError IOError AttributeError IndexError RuntimeError "
       "LookupError").split()
APP_NAMES = ("guestbook storefront billing helpdesk photos inventory newsletter scheduler "
             "analytics crm wiki forms").split()
LIB_NAMES = ("oauthlite httpkit dateparse markdownx formencodex simplecache pyrss "
             "tinytemplate geohashx csvkitlite xmlbuilder retrylib slugify2 feedtools "
             "validatorz cronexpr pagingkit").split()
SUBPKGS = "core util compat parsers backends ext contrib formats internal handlers".split()
LIBRARIES = (("webapp2", '"2.5.2"'), ("jinja2", '"2.6"'), ("markupsafe", '"0.15"'),
             ("ssl", '"2.7.11"'), ("lxml", '"3.7.3"'), ("pycrypto", '"2.6"'), ("yaml", '"3.10"'))
SIZE_BUCKETS = ((0.35, 50, 150), (0.35, 150, 400), (0.20, 400, 800), (0.10, 800, 1500))


def _q(r, words):  # a short quoted phrase
    return "'" + " ".join(r.choice(words) for _ in range(r.randint(1, 3))) + "'"


class Module:
    """One source file, built from statements whose syntax is safe by construction."""

    def __init__(self, r: random.Random, py2: bool, kind: str):
        self.r, self.py2, self.kind = r, py2, kind
        self.py2_used = False
        self.imports = {"logging", "os"}
        self.counts = {"violations": {}, "lookalikes": 0}

    # -- expressions and statements --------------------------------------
    def name(self):
        return self.r.choice(NOUNS) + self.r.choice(("", "s", "_id", "_key", "_list", "_map"))

    def expr(self, v):
        r, a, n = self.r, self.r.choice(v), self.r.choice(NOUNS)
        k = r.randrange(16)
        if k == 0:
            return "len(%s)" % a
        if k == 1:
            return "'%%s-%%s' %% (%s, %s)" % (a, r.choice(v))
        if k == 2:
            return "[x.key.id() for x in %s if x]" % a
        if k == 3:
            return "memcache.get('%s:%%s' %% %s)" % (n, a)
        if k == 4:
            return "%s.query(%s.owner == %s).fetch(%d)" % (n.title(), n.title(), a, r.choice((10, 20, 50, 100)))
        if k == 5:
            return "datetime.datetime.utcnow() - datetime.timedelta(days=%d)" % r.randint(1, 30)
        if k == 6:
            return "json.dumps(%s, sort_keys=True)" % a
        if k == 7:
            return "dict((k, v) for k, v in %s.items() if v is not None)" % a
        if k == 8:
            return "int(%s or 0) + %d" % (a, r.randint(1, 9))
        if k == 9:
            return "%s.strip().lower()" % a
        if k == 10:
            return "os.path.join(os.path.dirname(__file__), 'templates', '%s.html')" % n
        if k == 11:
            return "%s_%s(%s)" % (r.choice(VERBS), n, a)
        if k == 12 and self.py2 and r.random() < 0.5:
            self.py2_used = True
            return r.choice(("`%s`" % a, "%dL" % r.randint(2, 99999), "ur'^[\\w\\s-]+$'"))
        if k == 13:
            return "{'%s': %s, '%s': %s}" % (n, a, r.choice(NOUNS), r.choice(v))
        if k == 14:
            return "re.sub(r'[^a-z0-9]+', '-', %s)" % a
        return "%s.get('%s', %s)" % (a, n, r.choice(("None", "''", "0", "[]")))

    def cond(self, v):
        r, a = self.r, self.r.choice(v)
        k = r.randrange(8)
        if k == 0 and self.py2:
            self.py2_used = True
            return "%s <> %s" % (a, r.choice(v))
        if k == 1:
            return "%s is None" % a
        if k == 2:
            return "not %s" % a
        if k == 3:
            return "len(%s) > %d" % (a, r.randint(0, 50))
        if k == 4:
            return "%s == '%s'" % (a, r.choice(ADJ))
        if k == 5:
            return "isinstance(%s, %s)" % (a, "basestring" if self.py2 else "six.string_types")
        if k == 6:
            return "'%s' in %s" % (r.choice(NOUNS), a)
        return "%s and %s" % (a, r.choice(v))

    def py2_stmt(self, v, ind):
        """A statement only Python 2 accepts."""
        r, a = self.r, self.r.choice(v)
        self.py2_used = True
        k = r.randrange(9)
        if k == 0:
            return [ind + "print \"%s: %%s\" %% %s" % (r.choice(VERBS), a)]
        if k == 1:
            return [ind + "print >>sys.stderr, 'warning:', %s" % a]
        if k == 2:
            return [ind + "print %s, %s," % (a, r.choice(v))]
        if k == 3:
            return [ind + "exec %s in {'__builtins__': {}}" % r.choice(("'pass'", "compiled_%s" % r.choice(NOUNS)))]
        if k == 4:
            return [ind + "raise %s, 'bad %s: %%r' %% (%s,)" % (r.choice(EXC), r.choice(NOUNS), a)]
        if k == 5:
            return [ind + "%s_mode = 0%d%d%d" % (r.choice(NOUNS), r.choice((6, 7)), r.choice((0, 4, 5)), r.choice((0, 4, 5)))]
        if k == 6:
            return [ind + "ordered = sorted(%s.items(), key=lambda (k, v): (v, k))" % a]
        if k == 7:
            return [ind + "pairs = [x for x in %s, %s]" % (a, r.choice(v))]
        return [ind + "%s = %s_%s(%s, async=True)" % (self.name(), r.choice(VERBS), r.choice(NOUNS), a)]

    def block(self, level, budget, v, depth=0):
        """Statements at indent `level` using about `budget` lines."""
        r, ind, out = self.r, "    " * level, []
        while len(out) < budget:
            k = r.randrange(20)
            room = budget - len(out)
            if self.py2 and k == 0:
                out += self.py2_stmt(v, ind)
            elif k in (1, 2, 3, 4) or depth >= 3 or room < 4:
                nv = self.name()
                out.append("%s%s = %s" % (ind, nv, self.expr(v)))
                v = v + [nv]
            elif k == 5:
                out.append("%slogging.%s('%s %s %%s', %s)" % (ind, r.choice(("info", "debug", "warning")), r.choice(VERBS), r.choice(NOUNS), r.choice(v)))
            elif k in (6, 7):
                out.append("%sif %s:" % (ind, self.cond(v)))
                out += self.block(level + 1, r.randint(1, min(6, room - 2)), v, depth + 1)
                if r.random() < 0.4:
                    out.append("%selse:" % ind)
                    out += self.block(level + 1, r.randint(1, 3), v, depth + 1)
            elif k in (8, 9):
                item = r.choice(NOUNS)
                out.append("%sfor %s in %s:" % (ind, item, r.choice(v)))
                out += self.block(level + 1, r.randint(1, min(6, room - 2)), v + [item], depth + 1)
            elif k in (10, 11):
                exc = r.choice(EXC)
                out.append("%stry:" % ind)
                out += self.block(level + 1, r.randint(1, min(5, room - 3)), v, depth + 1)
                if self.py2 and r.random() < 0.6:
                    self.py2_used = True
                    out.append("%sexcept %s, e:" % (ind, r.choice((exc, "(%s, %s)" % (exc, r.choice(EXC))))))
                else:
                    out.append("%sexcept %s as e:" % (ind, exc))
                out.append("%s    logging.exception('%s failed: %%s', e)" % (ind, r.choice(VERBS)))
                if r.random() < 0.3:
                    out.append("%s    raise" % ind)
            elif k == 12:
                out.append("%s# TODO(%s): %s the %s before %s." % (ind, r.choice(("alice", "bob", "dev", "ops")), r.choice(VERBS), r.choice(NOUNS), r.choice(ADJ)))
            elif k == 13:
                out.append("%swith %s_lock:" % (ind, r.choice(NOUNS)))
                out += self.block(level + 1, r.randint(1, 3), v, depth + 1)
            elif k == 14:
                out.append("%s%s.append(%s)" % (ind, r.choice(v), self.expr(v)))
            elif k == 15:
                out.append("%s%s['%s'] = %s" % (ind, r.choice(v), r.choice(NOUNS), self.expr(v)))
            elif k == 16:
                out.append("%swhile %s:" % (ind, self.cond(v)))
                out += self.block(level + 1, r.randint(1, 3), v, depth + 1)
                out.append("%s    break" % ind)
            elif k == 17 and not self.py2:
                out.append("%sprint(%s)" % (ind, r.choice(v)))
            else:
                out.append("%s%s = %s" % (ind, self.name(), self.expr(v)))
        return out

    # -- top-level chunks ------------------------------------------------
    def function(self, level, name, args, budget, doc=True, local=()):
        ind = "    " * level
        r = self.r
        args = list(dict.fromkeys(args))  # a repeated parameter is a SyntaxError
        if self.py2 and args[:1] == ["self"] and r.random() < 0.08:
            self.py2_used = True  # tuple parameter
            pair = (r.choice(NOUNS), r.choice(ADJ))
            sig, args = "self, (%s, %s)" % pair, ["self", *pair]
        else:
            sig = ", ".join(args + ["%s=None" % r.choice(ADJ)] * (r.random() < 0.3))
        out = ["%sdef %s(%s):" % (ind, name, sig)]
        if doc:
            out.append('%s    """%s the %s for this %s."""' % (ind, r.choice(VERBS).title(), r.choice(NOUNS), r.choice(NOUNS)))
        v = [a for a in args if a != "self"] + list(local) or ["self"]
        out += self.block(level + 1, max(1, budget - 3), v)
        if name == "__init__":
            out.append("%s    self._%s = %s" % (ind, r.choice(NOUNS), r.choice(v)))
        else:
            out.append("%s    return %s" % (ind, self.expr(v)))
        return out

    def cls(self, budget, base="object", prefix=""):
        r = self.r
        name = prefix + r.choice(NOUNS).title() + r.choice(("Manager", "Service", "Helper", "Store", "Client", "Index", ""))
        out = ["class %s(%s):" % (name, base), '    """%s %s %ss."""' % (r.choice(VERBS).title(), r.choice(ADJ), r.choice(NOUNS)), ""]
        out += self.function(1, "__init__", ["self", r.choice(NOUNS)], 4, doc=False) + [""]
        while len(out) < budget:
            out += self.function(1, "%s_%s" % (r.choice(VERBS), r.choice(NOUNS)), ["self", r.choice(NOUNS)], r.randint(5, 25)) + [""]
        if self.py2 and r.random() < 0.15:
            # An editor put tabs in this class: Python 2 reads a tab as 8
            # columns, Python 3 rejects the mix (TabError).
            self.py2_used = True
            out = ["\t" + ln[8:] if ln.startswith("        ") else ln for ln in out]
        return out

    def handler(self, budget):
        r, n = self.r, self.r.choice(NOUNS)
        name = "%s%sHandler" % (n.title(), r.choice(("", "List", "Edit", "Admin", "Api")))
        out = ["class %s(BaseHandler):" % name, '    """Serves /%ss."""' % n, ""]
        for meth, args in (("get", ["self", "%s_id" % n]), ("post", ["self"])):
            body = self.function(1, meth, args, max(6, budget // 2), local=(n, "user"))
            body[-1] = "        self.render('%s.html', {'%s': %s})" % (n, n, r.choice(args[1:] or ["None"]))
            out += body[:2] + ["        user = users.get_current_user()", "        %s = self.request.get('%s')" % (n, n)] + body[2:] + [""]
        return name, out

    def model(self, budget):
        r, n = self.r, self.r.choice(NOUNS)
        out = ["class %s(ndb.Model):" % n.title(), '    """A %s stored in the Datastore."""' % n]
        for _ in range(r.randint(3, 8)):
            prop = r.choice(("StringProperty(indexed=False)", "IntegerProperty(default=0)", "DateTimeProperty(auto_now_add=True)",
                             "KeyProperty(kind='User', required=True)", "BooleanProperty(default=False)", "JsonProperty()",
                             "StringProperty(repeated=True)", "FloatProperty()", "TextProperty()"))
            out.append("    %s_%s = ndb.%s" % (r.choice(ADJ), r.choice(NOUNS), prop))
        out += ["    owner = ndb.KeyProperty(kind='User')", "", "    @classmethod",
                "    def for_owner(cls, owner_key, limit=20):",
                "        return cls.query(cls.owner == owner_key).order(-cls.key).fetch(limit)", ""]
        while len(out) < budget:
            out += self.function(1, "%s_%s" % (r.choice(VERBS), r.choice(NOUNS)), ["self", r.choice(NOUNS)], r.randint(5, 20)) + [""]
        return out


# Real sandbox violations: (kind, imports, lines). gaelint must report each.
VIOLATIONS = (
    ("open-write", set(), ["def export_%(n)s_csv(rows, path):", '    """Write the nightly %(n)s export next to the app."""',
                           "    with open(path, 'w') as fh:", "        for row in rows:", "            fh.write(','.join(row) + '\\n')"]),
    ("smtp-25", {"smtplib"}, ["def notify_%(n)s_admins(subject, body):", "    server = smtplib.SMTP(MAIL_RELAY_HOST)",
                             "    try:", "        server.sendmail(SENDER, ADMINS, body)", "    finally:", "        server.quit()"]),
    ("socket-listen", {"socket"}, ["def start_%(n)s_listener(port=8081):", "    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
                                   "    sock.bind(('127.0.0.1', port))", "    sock.listen(5)", "    return sock"]),
    ("subprocess", {"subprocess"}, ["def current_%(n)s_revision():",
                                    "    return subprocess.check_output(['git', 'rev-parse', '--short', 'HEAD']).strip()"]),
    ("os-remove", set(), ["def purge_%(n)s_export(path):", "    if os.path.exists(path):", "        os.remove(path)"]),
    ("mkstemp", {"tempfile"}, ["def scratch_%(n)s_file(data):", "    fd, tmp_path = tempfile.mkstemp(suffix='.json')",
                               "    os.write(fd, data)", "    os.close(fd)", "    return tmp_path"]),
)
# Look-alikes: same words, nothing App Engine rejects.
LOOKALIKES = (
    (set(), ["def load_%(n)s_fixture(path):", "    with open(path) as fh:", "        return json.load(fh)"]),
    (set(), ["def read_%(n)s_template(name):", "    return open(os.path.join(TEMPLATE_DIR, name), 'rb').read()"]),
    ({"cloudstorage"}, ["def upload_%(n)s(bucket, name, data):", "    gcs_path = '/%%s/%%s' %% (bucket, name)",
                        "    with cloudstorage.open(gcs_path, 'w', content_type='text/csv') as fh:", "        fh.write(data)"]),
    ({"io", "csv"}, ["def render_%(n)s_csv(rows):", "    buf = io.BytesIO()", "    writer = csv.writer(buf)",
                     "    for row in rows:", "        writer.writerow(row)", "    return buf.getvalue()"]),
    ({"smtplib"}, ["def send_%(n)s_via_relay(msg):", "    server = smtplib.SMTP(SMTP_HOST, 587)", "    server.starttls()",
                   "    server.login(SMTP_USER, SMTP_PASSWORD)", "    server.sendmail(msg['From'], [msg['To']], msg.as_string())", "    server.quit()"]),
    (set(), ["def drop_%(n)s_subscriber(subscribers, subscriber):", "    subscribers.remove(subscriber)", "    return subscribers"]),
    ({"tempfile"}, ["def buffered_%(n)s(data):", "    tmp = tempfile.TemporaryFile()", "    tmp.write(data)", "    tmp.seek(0)", "    return tmp.read()"]),
    (set(), ["class %(N)sEventBus(object):", "    def __init__(self):", "        self._listeners = {}", "",
             "    def listen(self, topic, callback):", "        self._listeners.setdefault(topic, []).append(callback)", "",
             "    def bind(self, topic, handler):", "        self.listen(topic, handler)"]),
    ({"google.appengine.api.urlfetch"}, ["def fetch_%(n)s(url):", "    result = urlfetch.fetch(url, deadline=10)", "    return result.content"]),
    ({"google.appengine.api.mail"}, ["def mail_%(n)s(to, body):", "    mail.send_mail(sender=SENDER, to=to, subject='%(n)s', body=body)"]),
    (set(), ["def %(n)s_runtime():", '    """Not a subprocess: reads the environment only."""',
             "    return os.environ.get('SERVER_SOFTWARE', '').startswith('Development')"]),
)


def _imports(mod: Module, extra):
    names = sorted(mod.imports | set(extra) | {"datetime", "json", "re"})
    lines = []
    for name in names:
        if name.startswith("google."):
            pkg, _, leaf = name.rpartition(".")
            lines.append("from %s import %s" % (pkg, leaf))
        else:
            lines.append("import %s" % name)
    if mod.kind in ("handler", "model"):
        lines += ["", "from google.appengine.api import memcache", "from google.appengine.api import users",
                  "from google.appengine.ext import ndb"]
    if mod.kind == "handler":
        lines.append("from handlers.base import BaseHandler")
    if not mod.py2:
        lines.append("import six")
    return lines


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
    return hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]


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
