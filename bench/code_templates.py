"""Code templates for bench/generate.py: the words, the statement and module
builders (Module), and the planted violations and their look-alikes.

Everything here draws from the random.Random the generator passes in, in the
order generate.py calls it; changing a template changes the generated tree
(generate.source_sha() covers this file too, so bench/run.py regenerates).
Stdlib only.
"""
from __future__ import annotations

import random

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
