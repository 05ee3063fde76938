"""GAE405: httplib features the default, urlfetch-backed httplib rejects.

On python27, ``import httplib`` gives the URL Fetch implementation unless
``GAE_USE_SOCKETS_HTTPLIB`` is in ``os.environ`` when httplib is first
imported (any value, even ''). app.yaml's ``env_variables`` is the reliable
place; setting it from Python only works if that code runs before anything
imports httplib. The facts are gaelint/data/urlfetch.json.

Findings are collected while visiting and reported in ``finish``: whether
this file also sets the variable in ``os.environ`` changes what they say.

Longer than 400 lines: one rule, whose visitors, reports, examples and fix
all follow the same facts table; split, each part would need the others.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from gaelint.lazycst import cst

from gaelint.analysis import trigger_modules
from gaelint.analysis.context import UNKNOWN
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.analysis.names import canonical
from gaelint.analysis.walk import method_class
from gaelint.app import catalogue
from gaelint.registry import DEFAULT_APP_YAML, Invalid, SourceRule, Valid


from .handler_scripts import service_configs
from .library_edits import add_library

DATA = table("urlfetch")
VAR = DATA["env_var"]["name"]
RANGES = [tuple(r) for r in DATA["allowed_ports"]["ranges"]]
CONNECTIONS: Dict[str, Any] = {k: v for k, v in DATA["connections"].items() if k != "source"}
REJECTED = {k: v for k, v in DATA["rejected_arguments"].items() if k != "source"}
URL_CALLS = {k: v for k, v in DATA["url_calls"].items() if k != "source"}
SESSIONS = frozenset(DATA["requests_sessions"]["factories"])
HANDLERS = DATA["handlers"]
METHODS = DATA["methods"]
SETTERS = DATA["env_setters"]
IMPORTERS = frozenset(DATA["httplib_importers"]["modules"])
VERBS = {name.rsplit(".", 1)[1]: name for name in URL_CALLS if name.startswith("requests.")}
ALLOWED = ", ".join(f"{lo}-{hi}" for lo, hi in RANGES)
_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING}

_SOCKETS_APP_YAML = """\
runtime: python27
api_version: 1
threadsafe: true
handlers:
- url: /.*
  script: main.app
env_variables:
  GAE_USE_SOCKETS_HTTPLIB: ''
"""


def port_allowed(port: int) -> bool:
    return any(lo <= port <= hi for lo, hi in RANGES)


def _leaf(name: str) -> str:
    return name.rsplit(".", 1)[-1].lstrip("_")


def _app_facts(app) -> Optional[Dict[str, bool]]:
    """Whether a service yaml sets the variable and lists ssl; None when
    app.yaml cannot be read, so nobody knows."""
    if app.config is not None and app.config.error is not None:
        return None
    configs = service_configs(app)
    return {"var": any(VAR in c.env_variables for c in configs),
            "ssl": any(lib.name == DATA["ssl_library"]["name"] for c in configs for lib in c.libraries)}


def given(ctx, expr) -> bool:
    """Whether an optional argument is evidently set: a literal other than
    None, or an expression; not a parameter or ``self.`` attribute passed
    through (wrappers such as httplib2 forward key_file=None that way)."""
    if expr is None:
        return False
    value = ctx.literal(expr)
    if value is not UNKNOWN:
        return value is not None and value is not False  # cadefault=False, context=None: defaults
    if isinstance(expr, cst.Name):
        return not any(b.kind == "param" for b in ctx.bindings(expr.value))
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
        return False
    return True


def _own_socket(ctx, node: cst.Attribute) -> bool:
    """``self.sock`` in a connection subclass that assigns ``self.sock``
    itself (its own connect() makes the socket, as httplib2's connection
    classes do): the attribute is its own, not the base class's."""
    if not isinstance(node.value, cst.Name):
        return False
    class_scope = method_class(ctx.site.scope, node.value.value)
    return class_scope is not None and bool(class_scope.self_attrs.get(node.attr.value))


class HttplibNeedsSockets(SourceRule):
    code = "GAE405"
    name = "httplib-needs-sockets"
    severity = Severity.ERROR
    summary = "httplib/urllib2/requests use that the default urlfetch-backed httplib cannot serve."
    message = "{what}"
    fix = ("Add `GAE_USE_SOCKETS_HTTPLIB: 'true'` under env_variables: in app.yaml (any value switches httplib to "
           "sockets; sockets need billing, and HTTPS needs `ssl` under libraries:)")
    what = """
        While app.yaml sets no `GAE_USE_SOCKETS_HTTPLIB` under `env_variables:`:
        client certificates and SSL contexts (`key_file=`, `cert_file=`, `context=` on
        `httplib.HTTPSConnection`/`HTTPS`, `urllib2.HTTPSHandler(context=)`,
        `urllib2.urlopen(context=/cafile=/capath=)`, `urllib.URLopener(key_file=...)`,
        `requests` with `cert=`), `set_tunnel()` and `urllib2.ProxyHandler` with an https
        proxy, `fileno()` on a response, `.sock` on a connection, `source_address=`
        (ignored: a warning), and a literal port outside 80-90, 440-450, 1024-65535 (in a
        connection, a `host:port` or a URL). Connections include subclasses of the httplib
        classes, defined in the file or in another module of the app: `set_tunnel()` and
        `self.sock` in their methods count, unless the subclass assigns `self.sock` itself
        (its own `connect()` makes the socket).

        Setting the variable from Python (`os.environ['GAE_USE_SOCKETS_HTTPLIB'] = ...`,
        `setdefault`, `update`) is reported too: it only works before httplib is first
        imported, and is plainly too late after this file's own `import urllib2`;
        `os.putenv` never works. With the variable set in app.yaml, HTTPS through
        httplib, urllib2, urllib or requests needs `ssl` under `libraries:`.

        Not flagged: plain requests (`HTTPSConnection(host).request(...)`,
        `urllib2.urlopen(url, timeout=10)`), which URL Fetch serves, and anything at all
        when the variable is set, whatever its value.
    """
    why = """
        Unless `GAE_USE_SOCKETS_HTTPLIB` is in `os.environ` when httplib is imported, the
        python27 runtime replaces httplib with a URL Fetch implementation: client
        certificates, SSL contexts and `set_tunnel` raise NotImplementedError, responses
        have no `fileno()`, connections no socket, `source_address` is ignored, and URL
        Fetch only reaches ports 80-90, 440-450 and 1024-65535. The check is for presence
        only and happens once, at the first `import httplib` (urllib, urllib2 and requests
        import it). The socket-based httplib defines `HTTPSConnection` only when `ssl`
        imports, which the sandbox allows only through `libraries:`.
    """
    how_to_fix = """
        Set the variable in app.yaml (`env_variables: GAE_USE_SOCKETS_HTTPLIB: 'true'`),
        enable billing for the Sockets API, and add `- name: ssl` / `version: latest` under
        `libraries:` for HTTPS. Or keep URL Fetch and drop the unsupported feature (use an
        allowed port; no client certificates).
    """
    sources = ("SDK dist27/httplib.py and dist27/gae_override/httplib.py; docs python/sockets and "
               "outbound-requests (gae-facts §5)",)
    fixable = ("adds `ssl` under `libraries:` for HTTPS over sockets; with `--unsafe-fixes` also sets "
               "`GAE_USE_SOCKETS_HTTPLIB: 'true'` under `env_variables:` (every request of the app then goes "
               "over the Sockets API, which needs billing)")
    # requests.get/post/... need the word `requests` in the file (its import);
    # their own leaves (get, post, request) are too common to be triggers.
    triggers = tuple(sorted({_leaf(n) for n in [*CONNECTIONS, *(u for u in URL_CALLS if not u.startswith("requests.")),
                                                 *HANDLERS["context_handlers"],
                                                 *HANDLERS["x509_openers"], *HANDLERS["proxy_handlers"]]}
                            | set(METHODS["tunnel"]) | {"fileno", METHODS["socket_attribute"], VAR, "requests"}))
    # every one of them is resolved from an import: httplib, urllib(2),
    # requests, os (the variable set in os.environ)
    module_triggers = trigger_modules.module_triggers(
        [*CONNECTIONS, *URL_CALLS, *HANDLERS["context_handlers"], *HANDLERS["x509_openers"],
         *HANDLERS["proxy_handlers"], *SESSIONS, "requests"],
        methods={**{m: list(CONNECTIONS) for m in [*METHODS["tunnel"], METHODS["socket_attribute"]]},
                 "fileno": METHODS["fileno_origins"], VAR: [SETTERS["mapping"], SETTERS["putenv"]]})

    VALID = (
        Valid("""
            import httplib, urllib2
            conn = httplib.HTTPSConnection('api.example.com')
            conn.request('GET', '/v1/items')
            body = conn.getresponse().read()
            page = urllib2.urlopen('https://example.com/feed', timeout=10).read()
            alt = httplib.HTTPConnection('example.com', 8080)
            """),
        Valid("""
            import httplib
            conn = httplib.HTTPSConnection('api.example.com', key_file='k.pem', cert_file='c.pem')
            """, app_yaml=_SOCKETS_APP_YAML + "libraries:\n- name: ssl\n  version: latest\n"),
        Valid("""
            import httplib, urllib2
            def connect(host, key_file=None, cert_file=None):
                return httplib.HTTPSConnection(host, key_file=key_file, cert_file=cert_file)
            conn = httplib.HTTPSConnection('api.example.com', context=None)
            page = urllib2.urlopen('https://example.com/', cadefault=False)
            """),
        Valid("""
            import httplib, socket
            class DirectConnection(httplib.HTTPConnection):
                def connect(self):
                    self.sock = socket.create_connection((self.host, self.port), self.timeout)
                    self.sock.settimeout(self.timeout)
            """, note="a subclass whose own connect() makes the socket"),
    )
    INVALID = (
        Invalid("""
            import httplib, urllib2
            conn = httplib.HTTPSConnection('bank.example.com', cert_file='client.pem')
            conn.set_tunnel('internal.example.com', 443)
            resp = conn.getresponse()
            fd = resp.fileno()
            raw = conn.sock
            legacy = httplib.HTTPConnection('legacy.example.com', 8)
            page = urllib2.urlopen('http://example.com:500/status')
            """, lines=(2, 3, 5, 6, 7, 8), fixed="""
            runtime: python27
            api_version: 1
            threadsafe: true

            handlers:
            - url: /.*
              script: main.app

            env_variables:
              GAE_USE_SOCKETS_HTTPLIB: 'true'

            libraries:
            - name: ssl
              version: "2.7.11"
            """),
        Invalid("""
            import os
            import urllib2
            os.environ['GAE_USE_SOCKETS_HTTPLIB'] = 'true'
            """, lines=(3,), fixed=DEFAULT_APP_YAML + "\nenv_variables:\n  GAE_USE_SOCKETS_HTTPLIB: 'true'\n\n"
                                   'libraries:\n- name: ssl\n  version: "2.7.11"\n'),
        Invalid("""
            import httplib
            conn = httplib.HTTPSConnection('api.example.com')
            """, app_yaml=_SOCKETS_APP_YAML, lines=(2,), fixed=_SOCKETS_APP_YAML + 'libraries:\n- name: ssl\n  version: "2.7.11"\n'),
        Invalid("""
            import httplib
            from net.proxies import TunnelConnection
            class TimeoutConnection(httplib.HTTPSConnection):
                def connect(self):
                    httplib.HTTPSConnection.connect(self)
                    self.sock.settimeout(30)
            conn = TunnelConnection('proxy.example.com', 3128)
            conn.set_tunnel('internal.example.com', 443)
            """, files={"net/__init__.py": "",
                        "net/proxies.py": "import httplib\n\n\nclass TunnelConnection(httplib.HTTPSConnection):\n"
                                          "    debuglevel = 0\n"},
            lines=(6, 8), note="subclasses of httplib connections, here and in another module of the app",
            fixed=DEFAULT_APP_YAML + "\nenv_variables:\n  GAE_USE_SOCKETS_HTTPLIB: 'true'\n\n"
                  'libraries:\n- name: ssl\n  version: "2.7.11"\n'),
    )

    # -- visiting ---------------------------------------------------------------
    def _state(self, ctx) -> Dict[str, List]:
        return ctx.state.setdefault("GAE405", {"features": [], "https": [], "setters": [], "imports": []})

    def _feature(self, ctx, node, what: str, severity: Severity = Severity.ERROR, fix: Optional[str] = None) -> None:
        self._state(ctx)["features"].append((node, ctx.site, what, severity, fix))

    def visit_Call(self, node: cst.Call, ctx) -> None:
        name = ctx.call_name(node)
        if name in CONNECTIONS:
            self._connection(ctx, node, name)
        elif name in URL_CALLS:
            self._url_call(ctx, node, name, name)
        elif name in HANDLERS["context_handlers"]:
            pos, kw = HANDLERS["context_handlers"][name]
            if given(ctx, ctx.arg(node, pos, kw)):
                self._feature(ctx, node, f"`{name}()` with `{kw}=`: {REJECTED['context']['why']}")
        elif name in HANDLERS["x509_openers"]:
            for kw in ("key_file", "cert_file"):
                if given(ctx, ctx.arg(node, keyword=kw)):
                    self._feature(ctx, node, f"`{name}()` with `{kw}=`: {REJECTED[kw]['why']}")
                    break
        elif name in HANDLERS["proxy_handlers"]:
            proxies = ctx.arg(node, 0, "proxies")
            if isinstance(proxies, cst.Dict) and any(
                    isinstance(e, cst.DictElement) and ctx.literal(e.key) == "https" for e in proxies.elements):
                self._feature(ctx, node, f"`{name}()` with an https proxy: urllib2 tunnels HTTPS through it with "
                                         "set_tunnel(), which the urlfetch-backed httplib does not support")
        elif name is not None and name.startswith(SETTERS["mapping"] + "."):
            self._mapping_setter(ctx, node, name)
        elif name == SETTERS["putenv"] and ctx.literal(ctx.arg(node, 0, "key")) == VAR:
            self._state(ctx)["setters"].append((node, ctx.site, "putenv"))
        elif name is None and isinstance(node.func, cst.Attribute):
            self._method(ctx, node, node.func)

    def _mapping_setter(self, ctx, node, name) -> None:
        method = name.rsplit(".", 1)[1]
        if method not in SETTERS["mapping_methods"]:
            return
        keys = []
        first = ctx.arg(node, 0)
        if isinstance(first, cst.Dict):
            keys = [ctx.literal(e.key) for e in first.elements if isinstance(e, cst.DictElement)]
        elif first is not None:
            keys = [ctx.literal(first)]
        keys += [a.keyword.value for a in node.args if a.keyword is not None]
        if VAR in keys:
            self._state(ctx)["setters"].append((node, ctx.site, "environ"))

    def _method(self, ctx, node, func: cst.Attribute) -> None:
        method = func.attr.value
        origin = ctx.origin(func.value)
        if origin is None:
            return
        if method in METHODS["tunnel"] and origin in CONNECTIONS:
            self._feature(ctx, node, f"`{ctx.dotted(func) or method}()`: the urlfetch-backed httplib does not "
                                     "support HTTP CONNECT tunnelling (NotImplementedError)")
        elif method == "fileno" and origin in METHODS["fileno_origins"]:
            self._feature(ctx, node, f"`{ctx.dotted(func) or method}()`: responses of the urlfetch-backed httplib "
                                     "have no file descriptor (NotImplementedError)")
        elif method in VERBS and origin in SESSIONS:
            self._url_call(ctx, node, VERBS[method], f"{ctx.dotted(func) or method}")

    def visit_Attribute(self, node: cst.Attribute, ctx) -> None:
        if node.attr.value == METHODS["socket_attribute"] and ctx.origin(node.value) in CONNECTIONS \
                and not _own_socket(ctx, node):
            self._feature(ctx, node, f"`{ctx.dotted(node)}`: connections of the urlfetch-backed httplib have no "
                                     "socket (connect() does nothing, `.sock` does not exist)")

    def visit_Assign(self, node: cst.Assign, ctx) -> None:
        for target in node.targets:
            t = target.target
            if isinstance(t, cst.Subscript) and ctx.qualname(t.value) == SETTERS["mapping"] and len(t.slice) == 1:
                index = t.slice[0].slice
                if isinstance(index, cst.Index) and ctx.literal(index.value) == VAR:
                    self._state(ctx)["setters"].append((node, ctx.site, "environ"))
            elif (isinstance(t, cst.Attribute) and t.attr.value == DATA["requests_sessions"]["cert_attribute"]
                  and ctx.origin(t.value) in SESSIONS):
                cert = DATA["requests_cert"]
                self._feature(ctx, node, f"`{ctx.dotted(t)} = ...`: {cert['why']}", _SEVERITY[cert["severity"]])

    def visit_Import(self, node: cst.Import, ctx) -> None:
        for alias in node.names:
            self._imported(ctx, ctx.dotted(alias.name))

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx) -> None:
        if node.module is not None and not node.relative:
            self._imported(ctx, ctx.dotted(node.module))

    def _imported(self, ctx, dotted: str) -> None:
        top = canonical(dotted).split(".")[0] if dotted else ""
        if top in IMPORTERS and ctx.site.scope.kind == "module":
            self._state(ctx)["imports"].append((ctx.site.statement, top))

    # -- what each call uses --------------------------------------------------------
    def _connection(self, ctx, node, name) -> None:
        spec = CONNECTIONS[name]
        args = spec["args"]
        used = {kw: REJECTED[kw] for kw in REJECTED if kw in args and given(ctx, ctx.arg(node, args.index(kw), kw))}
        self._rejected(ctx, node, f"`{name}()`", used)
        host = ctx.literal(ctx.arg(node, 0, "host"))
        port_expr = ctx.arg(node, 1, "port")
        port = None if port_expr is None else ctx.literal(port_expr)
        if port in (None, 0) and isinstance(host, str) and host.count(":") == 1 and host.rsplit(":", 1)[1].isdigit():
            port = int(host.rsplit(":", 1)[1])
        self._port(ctx, node, f"`{name}()`", port)
        if spec["https"]:
            self._state(ctx)["https"].append((node, ctx.site, f"`{name}()`"))

    def _rejected(self, ctx, node, shown: str, used: Dict[str, Dict[str, str]]) -> None:
        """One finding per reason: key_file and cert_file together are one
        client certificate."""
        for why in dict.fromkeys(facts["why"] for facts in used.values()):
            same = [kw for kw, facts in used.items() if facts["why"] == why]
            severity = _SEVERITY[used[same[0]].get("severity", "error")]
            self._feature(ctx, node, f"{shown} with {', '.join(f'`{kw}=`' for kw in same)}: {why}", severity)

    def _url_call(self, ctx, node, name, shown) -> None:
        spec = URL_CALLS[name]
        used = {kw: REJECTED.get(kind) or DATA[kind] for kw, kind in spec["rejected"].items()
                if given(ctx, ctx.arg(node, keyword=kw))}
        self._rejected(ctx, node, f"`{shown}()`", used)
        url = ctx.literal(ctx.arg(node, *spec["url"]))
        if not isinstance(url, str):
            return
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return
        if parts.scheme.lower() not in ("http", "https"):
            return
        self._port(ctx, node, f"`{shown}()`", port)
        if parts.scheme.lower() == "https":
            self._state(ctx)["https"].append((node, ctx.site, f"`{shown}()`"))

    def _port(self, ctx, node, shown, port) -> None:
        if isinstance(port, int) and not isinstance(port, bool) and 0 < port <= 65535 and not port_allowed(port):
            self._feature(ctx, node, f"{shown} to port {port}: URL Fetch, behind the default httplib, only "
                                     f"reaches ports {ALLOWED}",
                          fix=f"Use a port URL Fetch allows ({ALLOWED}), or add `{VAR}: 'true'` under env_variables: "
                              "in app.yaml to connect over sockets (needs billing)")

    # -- reporting ----------------------------------------------------------------
    def finish(self, ctx) -> None:
        state = ctx.state.get("GAE405")
        if not state:
            return
        facts = ctx.app.memo("GAE405.app", lambda: _app_facts(ctx.app))
        if facts is None:
            return
        # --fix edits the app's own app.yaml, when it has one
        editable = ctx.app.config is not None and ctx.app.config.error is None
        if facts["var"]:
            if not facts["ssl"]:
                for node, site, shown in state["https"]:
                    ctx.report(self, node, site=site, what=(
                        f"{shown} uses HTTPS over the socket-based httplib (app.yaml sets {VAR}), which needs "
                        "the `ssl` library: app.yaml lists no `ssl` under libraries:"),
                        fix="Add `- name: ssl` and `version: latest` under libraries: in app.yaml",
                        fix_data={"ssl": "yes"} if editable else None)
            return
        env_fix = {"env": "yes", "unsafe": "yes"} if editable else None
        works = self._report_setters(ctx, state, env_fix)
        for node, site, what, severity, fix in state["features"]:
            text = f"{what}; app.yaml sets no {VAR} under env_variables:"
            if works:
                text += (f" (this file sets {VAR} in os.environ, which only helps if that runs before httplib "
                         "is first imported)")
                severity = Severity.WARNING
            ctx.report(self, node, site=site, what=text, severity=severity, fix=fix, fix_data=env_fix)

    @classmethod
    def fix_app_yaml(cls, finding, app):
        doc = app.yaml()
        done = []
        if finding.fix_value("env"):
            env = doc.get("env_variables")
            if env is None or VAR not in env:
                doc.set(("env_variables",), VAR, "true", quote="'")
                done.append(f"set {VAR}: 'true' under env_variables:")
        # the socket-based httplib serves HTTPS only with the ssl library
        added = add_library(doc, DATA["ssl_library"]["name"], catalogue.recommended(DATA["ssl_library"]["name"]))
        if added:
            done.append(f"added {added} under libraries:")
        return "; ".join(done) or None

    def _report_setters(self, ctx, state, fix_data) -> bool:
        """Report each place that sets the variable from Python; True when
        one of them may work (set before this file imports httplib)."""
        body = {id(stmt): i for i, stmt in enumerate(ctx.module.body)}
        imports = [(body[id(stmt)], top) for stmt, top in state["imports"] if id(stmt) in body]
        fix = f"Set {VAR} under env_variables: in app.yaml"
        works = False
        for node, site, how in state["setters"]:
            if how == "putenv":
                ctx.report(self, node, site=site, fix=fix, fix_data=fix_data, what=(
                    f"`os.putenv('{VAR}', ...)` does not change os.environ, which is what httplib checks: "
                    "it has no effect"))
                continue
            if site.scope.kind != "module":
                # runs when called, after every module-level import of this file
                earlier = [top for _, top in imports]
            elif id(site.statement) in body:
                earlier = [top for i, top in imports if i < body[id(site.statement)]]
            else:
                earlier = []  # nested in a module-level if/try: order unknown
            if earlier:
                ctx.report(self, node, site=site, fix=fix, fix_data=fix_data, what=(
                    f"{VAR} is set in os.environ after this file imported "
                    + ("httplib" if earlier[0] == "httplib" else f"`{earlier[0]}`, which imports httplib")
                    + ": too late, httplib has already chosen URL Fetch"))
            else:
                works = True
                ctx.report(self, node, site=site, fix=fix, severity=Severity.WARNING, fix_data=fix_data, what=(
                    f"{VAR} set in os.environ only takes effect if this runs before anything imports httplib "
                    "(urllib, urllib2, requests and many libraries do)"))
        return works
