"""GAE1xx, where connections go: port 25 (GAE103) and blocked address
ranges (GAE106).

Hosts and ports are resolved through literals, module constants and keyword
arguments (rules/network/sockets.py); an unknown value is never guessed at. The
facts (blocked port, whitelisted Google endpoints, client default ports) are
in gaelint/data/network.json.
"""
from __future__ import annotations

from typing import Optional

from gaelint.lazycst import cst

from . import sockets as S
from gaelint.analysis.context import UNKNOWN
from gaelint.findings import Severity
from gaelint.registry import Invalid, SourceRule, Valid

SMTP_CLASSES = {name: port for name, port in S.NET["smtp_classes"].items() if name != "source"}
BLOCKED_PORTS = frozenset(S.NET["blocked_ports"]["ports"])

ADDR = S.NET["addresses"]
CLIENTS = ADDR["clients"]
CLIENT_CONNECT = ADDR["client_connect_methods"]
SOCKET_ADDRESS_METHODS = ADDR["socket_methods"]

split_host_port = S.split_host_port      # kept importable from here


class SmtpPort25(SourceRule):
    code = "GAE103"
    name = "smtp-port-25"
    severity = Severity.ERROR
    summary = "An outbound connection to port 25 (SMTP), which App Engine blocks."
    message = "{call} connects to port 25 (SMTP), which is blocked on App Engine{detail}"
    fix = ("Send mail with the Mail API (google.appengine.api.mail), or use authenticated SMTP on 587 "
           "(starttls() + login()) or SMTPS on 465")
    what = """
        An outbound connection to port 25: `smtplib.SMTP(host)` (the port defaults to 25),
        `SMTP(host, 25)`, `SMTP('host:25')`, `SMTP(port=25)`, `SMTP().connect(host)` with no
        port, and `connect`/`connect_ex`/`socket.create_connection` to port 25 on a
        socket, whatever the host (`s.connect((host, 25))`). Ports are resolved through
        literals, constants (`smtplib.SMTP_PORT`, `from settings import MAIL_PORT`, a
        config class's attribute), dicts, Flask config keys (`app.config['MAIL_PORT']`
        after `app.config.from_object('config.Defaults')`) and keyword arguments; an
        unknown port is not guessed at. `SMTP_SSL(host)` (465) and 587 pass.

        `x.connect((host, 25))` on an object whose type gaelint cannot tell (a parameter, an
        attribute set elsewhere) is a warning that says it is probably a socket: a (host,
        port) pair is a socket address. On an object known to be something else (an SMTP
        client, a class of this file with a `connect` method) it is not flagged.
    """
    why = """
        The Sockets API blocks outbound port 25: "Port 25 (SMTP) is blocked; you can still
        use authenticated SMTP on the submission port 587." The connection fails in
        production with a socket error.
    """
    how_to_fix = """
        Use the Mail API (`google.appengine.api.mail.send_mail`), or an authenticated
        submission server: `smtplib.SMTP(host, 587)` with `starttls()` and `login()`, or
        `smtplib.SMTP_SSL(host, 465)`.
    """
    sources = ("https://cloud.google.com/appengine/docs/python/sockets (limitations: port 25 blocked) — gae-facts §4",)
    # An SMTP client names its class; a socket connection names its call.
    # (Not the number: the port may be spelled 25L, 0x19, 031 or 20 + 5.)
    triggers = ("SMTP", "SMTP_SSL", "LMTP", "connect", "connect_ex", "create_connection")

    VALID = (
        Valid("""
            import smtplib
            from google.appengine.api import mail
            mail.send_mail('a@example.com', 'b@example.com', 'hi', 'body')
            server = smtplib.SMTP('smtp.example.com', 587)
            server.starttls()
            secure = smtplib.SMTP_SSL('smtp.gmail.com', 465)
            alt = smtplib.SMTP('smtp.example.com:587')
            """),
        Valid("""
            import smtplib
            def send(host, port):
                return smtplib.SMTP(host, port)
            relay = smtplib.SMTP()
            class Bus(object):
                def connect(self, host, port=25): pass
            Bus().connect('x')
            """),
        Valid("""
            import smtplib
            from flask import Flask
            from settings import MAIL_PORT
            app = Flask(__name__)
            app.config.from_object('config.Defaults')
            app.config.from_envvar('MAIL_SETTINGS')
            submission = smtplib.SMTP('smtp.example.com', MAIL_PORT)
            def notify(message):
                server = smtplib.SMTP(app.config['MAIL_SERVER'], app.config['MAIL_PORT'])
                server.sendmail('noreply@example.com', ['ops@example.com'], message)
            def dial(conn, host, port):
                conn.connect((host, port))
            """, files={"settings.py": "MAIL_PORT = 587\n",
                        "config.py": "class Defaults(object):\n    MAIL_SERVER = 'mail.example.com'\n"
                                     "    MAIL_PORT = 25\n"},
            note="MAIL_SETTINGS may override MAIL_PORT: not known"),
    )
    INVALID = (
        Invalid("""
            import smtplib
            MAIL_HOST = 'mail.example.com'
            SMTP_PORT = 25
            s1 = smtplib.SMTP(MAIL_HOST)
            s2 = smtplib.SMTP(MAIL_HOST, SMTP_PORT)
            s3 = smtplib.SMTP('mail.example.com:25')
            s4 = smtplib.SMTP(host=MAIL_HOST, port=25)
            """, lines=(4, 5, 6, 7)),
        Invalid("""
            from smtplib import SMTP
            import socket
            relay = SMTP()
            relay.connect('mail.example.com')
            sock = socket.create_connection(('mail.example.com', 25))
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            raw.connect(('mx.example.com', 25))
            """, lines=(4, 5, 7)),
        Invalid("""
            import smtplib
            import config
            from settings import MAIL_HOST, MAIL_PORT
            relay = smtplib.SMTP(MAIL_HOST, MAIL_PORT)
            backup = smtplib.SMTP(config.Mail.HOST, port=config.Mail.PORT)
            plain = smtplib.SMTP(MAIL_HOST, smtplib.SMTP_PORT)
            """, files={"settings.py": "MAIL_HOST = 'mail.example.com'\nMAIL_PORT = 25\n",
                        "config.py": "class Mail(object):\n    HOST = 'mail.example.com'\n    PORT = 25\n"},
            lines=(4, 5, 6), note="constants of the app's settings modules and of smtplib"),
        Invalid("""
            import smtplib
            from flask import Flask
            app = Flask(__name__)
            app.config.from_object('config.Defaults')
            FALLBACK = {'host': 'mx.example.com', 'port': 25}
            def notify(message):
                server = smtplib.SMTP(app.config['MAIL_SERVER'], app.config['MAIL_PORT'])
                server.sendmail('noreply@example.com', ['ops@example.com'], message)
            def notify_fallback(message):
                server = smtplib.SMTP(host=FALLBACK['host'], port=FALLBACK['port'])
                server.sendmail('noreply@example.com', ['ops@example.com'], message)
            """, files={"config.py": "class Defaults(object):\n    MAIL_SERVER = 'mail.example.com'\n"
                                     "    MAIL_PORT = 25\n"},
            lines=(7, 10), note="Flask config loaded from an object, a dict, keyword arguments"),
        Invalid("""
            import socket
            def greet(host):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.connect((host, 25))
                return s.recv(1024)
            """, lines=(4,), note="the port is known though the host is a parameter"),
        Invalid("""
            def relay(conn, host):
                conn.connect((host, 25))
                conn.sendall('HELO example.com\\r\\n')
                return conn.recv(1024)
            """, lines=(2,), severity=Severity.WARNING,
            note="`conn` is probably a socket: a warning that says so"),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        name = ctx.call_name(node)
        if name in SMTP_CLASSES:
            self._smtp_constructor(node, ctx, name)
            return
        if name == "socket.create_connection":
            self._address_call(node, ctx, ctx.arg(node, 0, "address"), "`socket.create_connection()`")
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("connect", "connect_ex"):
            origin = ctx.origin(func.value)
            if origin in SMTP_CLASSES and func.attr.value == "connect":
                self._smtp_connect(node, ctx, origin)
                return
            kind = S.receiver_kind(ctx, func.value, func.attr.value)
            if kind is not None:
                call = f"`{ctx.dotted(func) or 'socket.connect'}()`"
                probable = S.probably(ctx, func.value) if kind == S.UNKNOWN_KIND else ""
                self._address_call(node, ctx, ctx.arg(node, 0, "address"), call + probable,
                                   Severity.WARNING if probable else None)

    def _smtp_constructor(self, node, ctx, name) -> None:
        host_expr = ctx.arg(node, 0, "host")
        port_expr = ctx.arg(node, 1, "port")
        default_port = SMTP_CLASSES[name]
        if host_expr is None and port_expr is None:
            return        # no connection until .connect()
        self._check(node, ctx, f"`{name}()`", host_expr, port_expr, default_port)

    def _smtp_connect(self, node, ctx, origin) -> None:
        self._check(node, ctx, f"`{ctx.dotted(node.func)}()`", ctx.arg(node, 0, "host"),
                    ctx.arg(node, 1, "port"), SMTP_CLASSES[origin], default_host="localhost")

    def _check(self, node, ctx, call, host_expr, port_expr, default_port, default_host=None) -> None:
        host = ctx.literal(host_expr) if host_expr is not None else default_host
        _, embedded = split_host_port(host)
        port = ctx.literal(port_expr) if port_expr is not None else None
        detail = ""
        if embedded is not None and (port in (None, 0)):
            port = embedded
        elif port_expr is None or port == 0:
            port = default_port
            detail = " (the port defaults to 25)"
        if port in BLOCKED_PORTS:
            ctx.report(self, node, call=call, detail=detail)

    def _address_call(self, node, ctx, address, call, severity=None) -> None:
        """A (host, port) address whose port is known, whatever the host."""
        _, port = S.address(ctx, address) or (None, None)
        if S.is_port(port) and port in BLOCKED_PORTS:
            ctx.report(self, node, call=call, detail="", severity=severity)


class BlockedAddress(SourceRule):
    code = "GAE106"
    name = "blocked-address"
    severity = Severity.ERROR
    summary = "A connection to a private, loopback, link-local, broadcast or multicast address, or a Google endpoint off its whitelisted port."
    message = "{call} {verb} {target}"
    fix = ("These ranges are blocked from App Engine: connect to a public address, or reach private "
           "networks through Serverless VPC Access")
    what = """
        A connection or datagram to an address App Engine blocks: `connect`/`connect_ex`/
        `sendto` on an object known to be a socket, `socket.create_connection`, and the
        stdlib clients (`httplib`/`http.client` connections, `smtplib`, `poplib`, `imaplib`,
        `telnetlib`, `nntplib`) with a literal host in a private, loopback, link-local,
        broadcast or multicast range, IPv4 or IPv6 (as Python's `ipaddress` classifies them;
        `localhost` counts as loopback). Hosts and ports are resolved through literals,
        module constants, keyword arguments and `'host:port'` strings; hostnames other than
        `localhost` and unknown values are not guessed at. On an object whose type gaelint
        cannot tell (`sock.sendto(data, ('192.168.1.255', 9999))` with `sock` a parameter)
        the finding is a warning that says it is probably a socket.

        The documented exceptions pass: Google Public DNS (`8.8.8.8`, `8.8.4.4`,
        `2001:4860:4860::8888`, `2001:4860:4860::8844`) on port 53, `smtp.gmail.com` on 465
        and 587, `pop.gmail.com` on 995 and `imap.gmail.com` on 993. The same Google
        endpoints on any other port are flagged, since Google ranges are blocked apart from
        those exceptions (port 25 is left to GAE103).
    """
    why = """
        "Private, broadcast, multicast, and Google IP ranges are blocked" for App Engine
        sockets, apart from the whitelisted endpoints. A connection there fails in
        production even when it works on a developer's machine, where the service runs next
        to the app.
    """
    how_to_fix = """
        Use a public hostname or address for the service, a managed Google Cloud service
        (Memorystore, Cloud SQL) through its supported connector, or Serverless VPC Access
        to reach a private network. For DNS use Google Public DNS on port 53; for Gmail use
        SMTPS 465 / submission 587, POP3S 995 or IMAPS 993.
    """
    sources = (
        "https://cloud.google.com/appengine/docs/python/sockets (limitations: blocked ranges, whitelisted endpoints) — gae-facts §4",
        "Python ipaddress (is_private, is_loopback, is_link_local, is_multicast) for the ranges; exact production CIDRs are unpublished",
    )
    triggers = tuple(sorted(set(SOCKET_ADDRESS_METHODS) | set(S.leaves(CLIENTS)) | {"create_connection"}))

    VALID = (
        Valid("""
            import socket, smtplib, imaplib
            dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            dns.sendto('query', ('8.8.8.8', 53))
            mail = smtplib.SMTP_SSL('smtp.gmail.com', 465)
            box = imaplib.IMAP4_SSL('imap.gmail.com')
            api = socket.create_connection(('api.example.com', 443))
            """),
        Valid("""
            import socket
            class Cache(object):
                def connect(self, addr): pass
            Cache().connect(('10.0.0.5', 11211))
            def dial(host):
                return socket.create_connection((host, 11211))
            """),
    )
    INVALID = (
        Invalid("""
            import socket, httplib, poplib
            MEMCACHE = ('10.0.0.5', 11211)
            cache = socket.create_connection(MEMCACHE)
            beacon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            beacon.sendto('hello', ('239.255.255.250', 1900))
            local = httplib.HTTPConnection('localhost:8080')
            meta = httplib.HTTPConnection('169.254.169.254')
            inbox = poplib.POP3('pop.gmail.com')
            """, lines=(3, 5, 6, 7, 8)),
        Invalid("""
            def announce(sock, payload):
                sock.sendto(payload, ('192.168.1.255', 9999))
            """, lines=(2,), severity=Severity.WARNING,
            note="`sock` is probably a socket: a warning that says so"),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        name = ctx.call_name(node)
        if name == "socket.create_connection":
            self._check(ctx, node, "connects to", *(S.address(ctx, ctx.arg(node, 0, "address")) or (None, None)))
            return
        client = next((q for q in ctx.lineage(node.func) if q in CLIENTS), None)
        if client is not None:
            self._client(ctx, node, client, None)
            return
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        kind = S.receiver_kind(ctx, func.value, method) if method in SOCKET_ADDRESS_METHODS else None
        if kind is not None:
            position = SOCKET_ADDRESS_METHODS[method]
            expr = _positional(node, position)
            verb = "sends to" if method == "sendto" else "connects to"
            probable = S.probably(ctx, func.value) if kind == S.UNKNOWN_KIND else ""
            self._check(ctx, node, verb, *(S.address(ctx, expr) or (None, None)), probable=probable)
        elif method == "connect":
            owner = ctx.origin(func.value)
            if owner in CLIENT_CONNECT:
                self._client(ctx, node, owner, CLIENT_CONNECT[owner])

    def _client(self, ctx, node, client: str, default_host: Optional[str]) -> None:
        spec = CLIENTS[client]
        host_expr, port_expr = ctx.arg(node, 0, "host"), ctx.arg(node, 1, "port")
        host = ctx.literal(host_expr) if host_expr is not None else default_host
        if not host:
            return                      # no host: no connection yet
        port = ctx.literal(port_expr) if port_expr is not None else None
        if spec["host_port"]:
            host, embedded = S.split_host_port(host)
            if embedded is not None and port in (None, 0):
                port = embedded
        if port in (None, 0):
            port = spec["default_port"]
        self._check(ctx, node, "connects to", host, port)

    def _check(self, ctx, node, verb, host, port, probable: str = "") -> None:
        if host is None or host is UNKNOWN:
            return
        call = S.call_text(ctx, node) + probable
        severity = Severity.WARNING if probable else None
        entry = S.whitelisted(host)
        if entry is not None:
            if S.is_port(port) and port not in entry["ports"] and port not in BLOCKED_PORTS:
                ports = "/".join(str(p) for p in entry["ports"])
                ctx.report(self, node, call=call, verb=verb, severity=severity,
                           target=f"{S.endpoint(host, port)}: Google addresses are blocked except "
                                  f"{entry['service']} on port {ports}")
            return
        kind = S.classify(host)
        if kind == "private" and _has_vpc_connector(ctx):
            return      # Serverless VPC Access reaches private addresses: the rule's own fix
        if kind is not None:
            ctx.report(self, node, call=call, verb=verb, severity=severity,
                       target=f"{S.endpoint(host, port)}, a {kind} address that App Engine blocks")


def _has_vpc_connector(ctx) -> bool:
    data = getattr(ctx.app.config, "data", None)
    return isinstance(data, dict) and bool(data.get("vpc_access_connector"))


def _positional(call: cst.Call, position: int):
    args = [a.value for a in call.args if a.keyword is None and not a.star]
    if any(a.star for a in call.args) or not args:
        return None
    if position < 0:
        return args[position] if len(args) >= 2 else None
    return args[position] if position < len(args) else None
