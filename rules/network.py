"""GAE1xx: sockets and network.

App Engine python27 sockets are outbound TCP/UDP only, through the Sockets
API; the facts (blocked port, whitelisted endpoints, supported options) are
in gaelint/data/network.json.
"""
from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from gaelint.context import UNKNOWN
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import Invalid, SourceRule, Valid

NET = table("network")
SMTP_CLASSES = {name: port for name, port in NET["smtp_classes"].items()}
BLOCKED_PORTS = frozenset(NET["blocked_ports"]["ports"])


def split_host_port(host: object) -> Tuple[object, Optional[int]]:
    """smtplib accepts 'host:port' in the host argument."""
    if isinstance(host, str) and host.count(":") == 1:
        name, _, port = host.partition(":")
        if port.isdigit():
            return name, int(port)
    return host, None


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
        port, and `connect`/`create_connection`/`socket.create_connection` to port 25 on a
        socket. Ports are resolved through literals, module constants and keyword
        arguments; an unknown port is not guessed at. `SMTP_SSL(host)` (465) and 587 pass.
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
    triggers = ("SMTP", "25", "connect")

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
            elif origin is not None and _is_socket(origin):
                self._address_call(node, ctx, ctx.arg(node, 0, "address"), f"`{ctx.dotted(func) or 'socket.connect'}()`")

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

    def _address_call(self, node, ctx, address, call) -> None:
        value = ctx.literal(address)
        if isinstance(value, tuple) and len(value) >= 2 and value[1] in BLOCKED_PORTS:
            ctx.report(self, node, call=call, detail="")


def _is_socket(origin: str) -> bool:
    return origin in NET["socket_factories"] or origin.startswith(tuple(f + "#accept[0]" for f in NET["socket_factories"]))
