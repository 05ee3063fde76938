"""GAE1xx, what the Sockets API does not offer: FTP (GAE104), the socket
functions it leaves unimplemented (GAE107) and asynchronous IO (GAE109).

An import inside ``try:`` whose ``except ImportError`` has a fallback is not
a production failure (``ctx.site.import_fallback``) and stays silent. The
facts are in gaelint/data/network.json.
"""
from __future__ import annotations

import itertools
from typing import Iterator, Optional, Tuple

from gaelint.lazycst import cst

from gaelint.analysis import names
from . import sockets as S
from gaelint.findings import Severity
from gaelint.registry import Invalid, SourceRule, Valid
from gaelint.analysis.walk import dotted_name

FTP = S.NET["ftp"]
FTP_MODULES = tuple(FTP["modules"])
FTP_CLIENTS = frozenset(FTP["clients"])
FTP_HANDLERS = frozenset(FTP["handlers"])
URL_FUNCTIONS = FTP["url_functions"]
OPENER_FACTORIES = frozenset(FTP["opener_factories"])
OPENER_METHODS = FTP["opener_methods"]
SCHEMES = tuple(FTP["schemes"])

UNIMPLEMENTED = frozenset(S.NET["unimplemented_functions"]["functions"])

ASYNC = S.NET["async_io"]
ASYNC_MODULES = tuple(ASYNC["modules"])
ASYNC_TOP_LEVEL = frozenset(ASYNC["top_level_imports"])
POLLERS = frozenset(ASYNC["pollers"])
DYNAMIC_IMPORTERS = frozenset(ASYNC["dynamic_importers"])


def _case_variants(word: str) -> Tuple[str, ...]:
    """Every upper/lower spelling: URL schemes are case-insensitive, and
    triggers must never hide a finding."""
    pairs = [(c.lower(), c.upper()) for c in word]
    return tuple("".join(p) for p in itertools.product(*pairs))


def imported_modules(node) -> Iterator[str]:
    """Each canonical dotted module an import statement loads: ``import a.b``
    -> a.b; ``from a import b`` -> a, then a.b (b may be a submodule)."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            yield names.canonical(dotted_name(alias.name))
        return
    if node.relative or node.module is None:
        return
    module = dotted_name(node.module)
    yield names.canonical(module)
    if not isinstance(node.names, cst.ImportStar):
        for alias in node.names:
            if isinstance(alias.name, cst.Name):
                yield names.canonical(f"{module}.{alias.name.value}")


def report_import(rule, node, ctx, modules) -> None:
    """One finding per import statement, naming the first matching module."""
    if ctx.site.import_fallback:
        return          # try: import x / except ImportError: fallback
    for module in imported_modules(node):
        if names.matches(module, *modules):
            ctx.report(rule, node, what=f"`{S.code(ctx, node, 60)}` loads {module}")
            return


def _url_text(ctx, expr) -> Optional[str]:
    """The start of a URL argument when it is known: a literal or constant,
    or the literal head of '%'/'+' formatting or an f-string."""
    value = ctx.literal(expr)
    if isinstance(value, str):
        return value
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Modulo, cst.Add)):
        return _url_text(ctx, expr.left)
    if isinstance(expr, cst.FormattedString) and expr.parts and isinstance(expr.parts[0], cst.FormattedStringText):
        return expr.parts[0].value
    return None


class Ftp(SourceRule):
    code = "GAE104"
    name = "ftp"
    severity = Severity.ERROR
    summary = "FTP (ftplib, ftp:// URLs, urllib2.FTPHandler), which App Engine does not support."
    message = "{what}; FTP is not supported on App Engine"
    fix = "Fetch the files over HTTPS (urlfetch), or move them to Cloud Storage"
    what = """
        `import ftplib` / `from ftplib import ...`; `ftplib.FTP(...)` and `FTP_TLS(...)`
        (and subclasses defined in the same file); `ftp://` URLs passed to `urllib.urlopen`,
        `urllib.urlretrieve`, `urllib2.urlopen`, `urllib2.Request` or an opener's `open()`
        (`urllib2.build_opener()`, `urllib.URLopener()`), including the Python 3 and
        `six.moves` spellings; `urllib2.FTPHandler`/`CacheFTPHandler`, constructed or
        passed to `build_opener`. URLs are resolved through literals, constants and the
        literal head of string formatting. An import inside `try:` with an
        `except ImportError` fallback is not flagged.
    """
    why = """
        "FTP is not supported." Neither the Sockets API nor URL Fetch speaks FTP: an FTP
        session needs a second data connection (often inbound, in active mode), and URL
        Fetch only fetches http and https URLs.
    """
    how_to_fix = """
        Ask the provider for an HTTPS download and fetch it with urlfetch (or `urllib2` over
        http/https); for files you control, keep them in Cloud Storage. A batch job that
        must speak FTP belongs on another platform (Cloud Run, Compute Engine) that writes
        to Cloud Storage.
    """
    sources = (
        "https://cloud.google.com/appengine/docs/python/sockets (limitations: 'FTP is not supported.') — gae-facts §4",
    )
    # `ftp` in URLs (any case), and the names that hold it only as a part
    triggers = _case_variants("ftp") + ("ftplib", "FTP_TLS", "FTPHandler", "CacheFTPHandler")

    VALID = (
        Valid("""
            import urllib2
            data = urllib2.urlopen('https://files.example.com/export.csv').read()
            try:
                import ftplib
            except ImportError:
                ftplib = None
            """),
        Valid("""
            class Transfer(object):
                def open(self, url): pass
            Transfer().open('ftp://example.com/x')
            label = 'ftp://mirror.example.com'
            """),
    )
    INVALID = (
        Invalid("""
            import ftplib
            import urllib2
            MIRROR = 'ftp://mirror.example.com/pub/'
            ftp = ftplib.FTP('ftp.example.com')
            urllib2.urlopen(MIRROR + 'index.txt')
            opener = urllib2.build_opener(urllib2.FTPHandler)
            opener.open('ftp://mirror.example.com/%s' % 'x')
            """, lines=(1, 4, 5, 6, 7)),
    )

    def visit_Import(self, node: cst.Import, ctx) -> None:
        self._import(node, ctx)

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx) -> None:
        self._import(node, ctx)

    def _import(self, node, ctx) -> None:
        report_import(self, node, ctx, FTP_MODULES)

    def visit_Call(self, node: cst.Call, ctx) -> None:
        lineage = ctx.lineage(node.func)
        name = lineage[0] if lineage else None
        client = next((q for q in lineage if q in FTP_CLIENTS), None)
        if client is not None:
            host = ctx.literal(ctx.arg(node, 0, "host"))
            to = f" to {host}" if isinstance(host, str) and host else ""
            sub = "" if ctx.qualname(node.func) else f" (a subclass of {client})"
            ctx.report(self, node, what=f"{S.call_text(ctx, node)}{sub} opens an FTP connection{to}")
            return
        if name in FTP_HANDLERS:
            ctx.report(self, node, what=f"{S.call_text(ctx, node)} adds FTP support to a urllib2 opener")
            return
        for arg in node.args:            # build_opener(urllib2.FTPHandler)
            if not isinstance(arg.value, cst.Call) and ctx.qualname(arg.value) in FTP_HANDLERS:
                ctx.report(self, arg.value, what=f"{S.call_text(ctx, node)} installs {ctx.qualname(arg.value)}")
                return
        url_expr = None
        if name in URL_FUNCTIONS:
            url_expr = ctx.arg(node, URL_FUNCTIONS[name], "url")
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value in OPENER_METHODS:
            if ctx.origin(node.func.value) in OPENER_FACTORIES:
                url_expr = ctx.arg(node, OPENER_METHODS[node.func.attr.value], "fullurl")
        url = _url_text(ctx, url_expr) if url_expr is not None else None
        if url and url.strip().lower().startswith(SCHEMES):
            ctx.report(self, node, what=f"{S.call_text(ctx, node)} fetches the FTP URL {url.strip()!r}")


class UnimplementedSocketFunction(SourceRule):
    code = "GAE107"
    name = "unimplemented-socket-function"
    severity = Severity.ERROR
    summary = "socket.gethostbyaddr, getprotobyname, getservbyport or getnameinfo, which App Engine does not implement."
    message = "{call} is not implemented on App Engine (it raises SocketApiNotImplementedError)"
    fix = "Drop the reverse lookup, or query a public DNS resolver over the Sockets API (Google Public DNS on port 53)"
    what = """
        Calls to `socket.gethostbyaddr`, `socket.getprotobyname`, `socket.getservbyport`
        and `socket.getnameinfo`, however imported (`import socket as s`,
        `from socket import *`).
    """
    why = """
        The Sockets API implements these functions as stubs that raise
        `SocketApiNotImplementedError` (a `NotImplementedError` and a `socket.error`). The
        docs: "Currently, socket.gethostbyaddr() is not implemented in Python."
    """
    how_to_fix = """
        Avoid reverse DNS: log the IP address itself. When a lookup is essential, send a DNS
        query to Google Public DNS (`8.8.8.8` port 53, whitelisted) with a pure-Python DNS
        library. Replace `getprotobyname('tcp')` with `socket.IPPROTO_TCP` and
        `getservbyport(443)` with a literal name.
    """
    sources = (
        "SDK api/remote_socket/_remote_socket.py L272-274, L285-286, L299-300, L371-373 — gae-facts §4",
        "https://cloud.google.com/appengine/docs/python/sockets ('socket.gethostbyaddr() is not implemented')",
    )
    triggers = S.leaves(UNIMPLEMENTED)

    VALID = (
        Valid("""
            import socket
            ip = socket.gethostbyname('api.example.com')
            infos = socket.getaddrinfo('api.example.com', 443)
            class Resolver(object):
                def gethostbyaddr(self, ip): return ip
            Resolver().gethostbyaddr('8.8.8.8')
            """),
    )
    INVALID = (
        Invalid("""
            import socket as net
            from socket import *
            host, aliases, ips = net.gethostbyaddr('8.8.8.8')
            proto = getprotobyname('tcp')
            """, lines=(3, 4)),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        if ctx.call_name(node) in UNIMPLEMENTED:
            ctx.report(self, node, call=S.call_text(ctx, node))


class AsyncIO(SourceRule):
    code = "GAE109"
    name = "async-io"
    severity = Severity.ERROR
    summary = "Asynchronous IO frameworks and event loops (twisted, asyncore, asynchat, tornado IO loop, gevent, eventlet, select.poll/epoll/kqueue)."
    message = "{what}; asynchronous IO is not supported on App Engine"
    fix = ("Use urlfetch with make_fetch_call() RPCs for parallel requests, task queues for background work, "
           "or blocking sockets")
    what = """
        Imports of `twisted`, `asyncore`, `asynchat`, `gevent`, `eventlet`, tornado's
        IO-loop modules (`tornado.ioloop`, `iostream`, `httpserver`, `tcpserver`,
        `httpclient`, `websocket`, `auth`, ...) and coroutine machinery (`tornado.gen`,
        `locks`, `queues`: `from tornado import gen`), and `import tornado` by its top-level
        name (the framework, not its WSGI adapter), also through `__import__` and
        `importlib.import_module` with a literal name; calls to `select.poll`,
        `select.epoll`, `select.kqueue`. An import inside `try:` with an
        `except ImportError` fallback is not flagged. `tornado.web`, `tornado.wsgi`,
        `tornado.template` and `tornado.escape` are not flagged: tornado supports App
        Engine through `tornado.wsgi`, without its asynchronous modules.
    """
    why = """
        "Async IO (such as Twisted in Python) is not supported." The python27 sandbox
        offers blocking sockets through the Sockets API, with a `select()` that only
        accepts those sockets; event loops built on `poll`/`epoll`/`kqueue`, greenlet
        monkey-patching (gevent, eventlet, which also need C extensions) and reactors
        cannot run.
    """
    how_to_fix = """
        For concurrent HTTP requests use `urlfetch.create_rpc()` + `make_fetch_call()` (or
        NDB tasklets); move long-running or background work to task queues (`deferred`);
        use blocking sockets with timeouts for other protocols.
    """
    sources = (
        "https://cloud.google.com/appengine/docs/python/sockets (limitations: 'Async IO (such as Twisted in Python) is not supported.') — gae-facts §4",
        "https://www.tornadoweb.org/en/branch5.1/wsgi.html (WSGI mode: no asynchronous methods, AsyncHTTPClient, auth or websocket)",
    )
    # an import or __import__ of a module always spells its top-level package
    triggers = tuple(sorted({m.split(".")[0] for m in ASYNC_MODULES} | set(S.leaves(POLLERS))))

    VALID = (
        Valid("""
            import select, socket
            try:
                import gevent
            except ImportError:
                gevent = None
            import tornado.web
            import tornado.wsgi
            s = socket.create_connection(('api.example.com', 443))
            readable, _, _ = select.select([s], [], [], 5)
            """),
        Valid("""
            from tornado import web, wsgi
            class MainHandler(web.RequestHandler):
                def get(self):
                    self.write('Hello from tornado.wsgi')
            app = wsgi.WSGIApplication([(r'/', MainHandler)])
            """),
    )
    INVALID = (
        Invalid("""
            import asyncore
            from twisted.internet import reactor
            from tornado import ioloop
            import select
            poller = select.epoll()
            green = __import__('eventlet')
            """, lines=(1, 2, 3, 5, 6)),
        Invalid("""
            import tornado
            from tornado import gen
            @gen.coroutine
            def fetch_all(client, urls):
                responses = yield [client.fetch(url) for url in urls]
                raise gen.Return(responses)
            """, lines=(1, 2), note="the package by its top-level name, and its coroutine module"),
    )

    def visit_Import(self, node: cst.Import, ctx) -> None:
        self._import(node, ctx)

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx) -> None:
        self._import(node, ctx)

    def _import(self, node, ctx) -> None:
        if isinstance(node, cst.Import) and not ctx.site.import_fallback:
            top = next((dotted_name(a.name) for a in node.names if dotted_name(a.name) in ASYNC_TOP_LEVEL), None)
            if top is not None:
                ctx.report(self, node, what=f"`{S.code(ctx, node, 60)}` loads the {top} framework")
                return
        report_import(self, node, ctx, ASYNC_MODULES)

    def visit_Call(self, node: cst.Call, ctx) -> None:
        name = ctx.call_name(node)
        if name is None and isinstance(node.func, cst.Name) and node.func.value == "__import__" \
                and not ctx.bindings("__import__"):
            name = "__builtin__.__import__"     # private builtins are not in py27_names
        if name in POLLERS:
            ctx.report(self, node, what=f"{S.call_text(ctx, node)} creates an event poller ({name})")
        elif name in DYNAMIC_IMPORTERS and not ctx.site.import_fallback:
            module = ctx.literal(ctx.arg(node, 0, "name"))
            if isinstance(module, str) and names.matches(names.canonical(module), *ASYNC_MODULES):
                ctx.report(self, node, what=f"{S.call_text(ctx, node)} loads {module}")
