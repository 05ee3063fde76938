"""GAE1xx, sockets are outbound only: no listening socket or server
(GAE101), no bind to a chosen address or port (GAE102).

The other network rules: the kind of socket and its options in
rules/network/socket_calls.py, where connections go in
rules/network/destinations.py, unsupported protocols and APIs in
rules/network/protocols.py; shared helpers in rules/network/sockets.py, the facts
in gaelint/data/network.json.

Socket methods count only on objects known to be sockets
(:func:`gaelint.rules.network.sockets.socket_origin`): ``bus.listen('topic', cb)`` is not.
"""
from __future__ import annotations

from gaelint.lazycst import cst

from . import sockets as S
from gaelint.analysis import trigger_modules
from gaelint.analysis.context import UNKNOWN
from gaelint.findings import Severity
from gaelint.registry import Invalid, SourceRule, Valid

LISTEN = S.NET["listen"]
SERVERS = frozenset(LISTEN["servers"])
LISTEN_METHODS = frozenset(LISTEN["socket_methods"])
SERVER_METHODS = {owner: frozenset(methods) for owner, methods in LISTEN["server_methods"].items()}
SERVER_METHOD_PORT_ARGS = LISTEN["server_method_port_args"]
SERVER_PORT_ARGS = LISTEN["server_port_args"]
SERVER_ADDRESS_ARG = LISTEN["server_address_arg"]

BIND = S.NET["bind"]
WILDCARD_HOSTS = frozenset(BIND["wildcard_hosts"])
WILDCARD_PORT = BIND["wildcard_port"]
SOURCE_ADDRESS_CALLS = BIND["source_address_calls"]


class ListenSocket(SourceRule):
    code = "GAE101"
    name = "listen-socket"
    severity = Severity.ERROR
    summary = "A listening socket or a server that accepts inbound connections; App Engine sockets are outbound only."
    message = "{what}; App Engine sockets are outbound only"
    fix = ("Serve HTTP through a WSGI application routed by a handler in app.yaml; receive mail or XMPP "
           "through inbound_services")
    what = """
        `listen()` and `accept()` on an object known to be a socket (made by `socket.socket`,
        `socket.create_connection`, `socket.fromfd`, `ssl.wrap_socket`, an `accept()`, in a
        local, a module global or a `self.` attribute of the same class), and on `self` in an
        `asyncore.dispatcher` subclass. Constructing a server that listens:
        `SocketServer`/`socketserver` TCP/UDP servers and their Threading/Forking variants,
        `BaseHTTPServer.HTTPServer` (`http.server`), `SimpleHTTPServer`/`CGIHTTPServer`
        `test()`, `wsgiref.simple_server.make_server`/`WSGIServer`, `SimpleXMLRPCServer`,
        `DocXMLRPCServer`, `smtpd.SMTPServer`, twisted `reactor.listenTCP`/`listenUDP` and
        server endpoints, tornado/gevent/eventlet servers, `werkzeug.serving.run_simple`;
        `listen()` on a tornado application or server and `run()` on a Flask application
        (`app = Flask(__name__)`; `app.run()` starts werkzeug's development server).
        Subclasses of these, defined in the same file or in another module of the app,
        count when constructed.

        Not flagged: `listen`, `accept` or `bind` methods of other objects
        (`bus.listen('topic', callback)`), objects whose type is not known.
    """
    why = """
        The Sockets API only creates outbound sockets: "You cannot create a listen socket;
        you can only create outbound sockets." The service rejects Listen and Accept, so the
        server fails as soon as it starts. App Engine itself receives the HTTP requests and
        hands them to the app's WSGI handlers.
    """
    how_to_fix = """
        Expose the functionality as a WSGI application (webapp2, Flask, Django) routed by a
        `handlers:` entry in app.yaml. For inbound email or XMPP enable `inbound_services`
        and handle the POSTs App Engine makes to `/_ah/mail/...` or `/_ah/xmpp/...`. A
        development server belongs under `if __name__ == '__main__':` (reported at info).
    """
    sources = (
        "https://cloud.google.com/appengine/docs/python/sockets (limitations: no listen sockets) — gae-facts §4",
        "SDK api/remote_socket/_remote_socket_stub.py: Listen and Accept raise NotImplementedError",
    )
    # `app.run()` counts only on an object made by a class this file names
    triggers = (*sorted(set(S.leaves(SERVERS)) | LISTEN_METHODS | {"listen"}),
                *sorted({(m, S.leaf(owner)) for owner, methods in SERVER_METHODS.items() for m in methods}))
    # servers by their modules; listen/accept only on sockets (S.SOCKET_SOURCES)
    # and on the servers that have them
    module_triggers = trigger_modules.module_triggers(
        SERVERS, methods={m: [*S.SOCKET_SOURCES, *(o for o, ms in SERVER_METHODS.items() if m in ms)]
                          for m in LISTEN_METHODS | {"listen"}})

    VALID = (
        Valid("""
            import webapp2
            class EventBus(object):
                def listen(self, topic, callback): pass
                def accept(self, offer): pass
            bus = EventBus()
            bus.listen('order.created', lambda e: None)
            bus.accept('invite')
            app = webapp2.WSGIApplication([])
            """),
        Valid("""
            import socket
            def serve(conn):
                conn.listen(5)
            client = socket.create_connection(('api.example.com', 443))
            client.sendall('ping')
            """),
    )
    INVALID = (
        Invalid("""
            import socket
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.listen(5)
            conn, addr = server.accept()
            """, lines=(3, 4)),
        Invalid("""
            import SocketServer
            from wsgiref.simple_server import make_server
            from http.server import HTTPServer
            class Threaded(SocketServer.ThreadingMixIn, SocketServer.TCPServer):
                pass
            tcp = Threaded(('', 9000), SocketServer.BaseRequestHandler)
            httpd = make_server('', 8080, None)
            web = HTTPServer(('', 8000), None)
            """, lines=(6, 7, 8)),
        Invalid("""
            import asyncore, socket
            from twisted.internet import reactor
            class Echo(asyncore.dispatcher):
                def __init__(self):
                    asyncore.dispatcher.__init__(self)
                    self.listen(5)
            reactor.listenTCP(8007, None)
            """, lines=(6, 7)),
        Invalid("""
            from flask import Flask
            from werkzeug.serving import run_simple
            app = Flask(__name__)
            def serve_forever():
                app.run(host='0.0.0.0', port=8080)
            def serve_admin(admin_app):
                run_simple('localhost', 5000, admin_app, use_reloader=True)
            """, lines=(5, 7), note="Flask.run and werkzeug's run_simple start a development server"),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        func = node.func
        lineage = ctx.lineage(func)
        server = next((q for q in lineage if q in SERVERS), None)
        if server is not None:
            shown = S.call_text(ctx, node)
            if ctx.qualname(func) is None:         # a class defined in this file
                shown += f" (a subclass of {server})"
            elif S.code(ctx, func) != server:
                shown += f" ({server})"
            ctx.report(self, node, what=f"{shown} starts a server that listens for inbound connections{_where(ctx, node, server)}")
            return
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method in LISTEN_METHODS and S.socket_like(ctx, func.value):
            verb = "makes the socket listen for" if method == "listen" else "waits for"
            ctx.report(self, node, what=f"{S.call_text(ctx, node)} {verb} inbound connections")
        else:
            owner = ctx.origin(func.value)
            if owner in SERVER_METHODS and method in SERVER_METHODS[owner]:
                port = ctx.literal(ctx.arg(node, *SERVER_METHOD_PORT_ARGS[method]))
                where = f"port {port}" if S.is_port(port) else "a port"
                ctx.report(self, node, what=f"{S.call_text(ctx, node)} starts a {owner} server on {where}")


def _where(ctx, node: cst.Call, server: str) -> str:
    """' on port 8080' / ' on 0.0.0.0 port 8080' when the call spells it."""
    if server in SERVER_PORT_ARGS:
        port = ctx.literal(ctx.arg(node, *SERVER_PORT_ARGS[server]))
        return f" on port {port}" if S.is_port(port) else ""
    host, port = S.address(ctx, ctx.arg(node, *SERVER_ADDRESS_ARG)) or (None, None)
    if not S.is_port(port):
        return ""
    return f" on {S.endpoint(host, port)}" if isinstance(host, str) and host else f" on port {port}"


class BindCall(SourceRule):
    code = "GAE102"
    name = "bind-call"
    severity = Severity.ERROR
    summary = "A socket bound to a specific address or port, which App Engine does not allow."
    message = "{call} binds to {target}; App Engine sockets cannot bind to a specific address or port"
    fix = "Drop the bind: the runtime picks the source address and port (only ('', 0), ('0.0.0.0', 0) or ('::', 0) is accepted)"
    what = """
        `bind(address)` on an object known to be a socket (or `self.bind` in an
        `asyncore.dispatcher` subclass) unless the address is a literal wildcard (`''`,
        `'0.0.0.0'`, `'::'`) with port 0; and `source_address=` on
        `socket.create_connection` and on `httplib`/`http.client` and `smtplib`
        connections. Addresses are resolved through literals, module constants and keyword
        arguments. When the address cannot be resolved the finding is a warning that says
        so. `x.bind(('0.0.0.0', 8080))` on an object whose type gaelint cannot tell (a
        parameter, an attribute set elsewhere) is a warning that says it is probably a
        socket: a spelled-out (host, port) pair is what sockets bind to.
    """
    why = """
        "You cannot bind to specific IP addresses or ports." The Sockets API accepts a bind
        only to the wildcard address with port 0 (which changes nothing); anything else fails
        with `socket.error(EACCES)` ("Attempt to bind port without permission").
    """
    how_to_fix = """
        Remove the `bind()` call or the `source_address` argument: an outbound socket gets
        its source address and port from the runtime. To receive traffic, serve it through a
        WSGI handler instead of a bound port.
    """
    sources = (
        "https://cloud.google.com/appengine/docs/python/sockets (limitations: cannot bind) — gae-facts §4",
        "SDK api/remote_socket/_remote_socket_stub.py L185-189: bind only to a wildcard with port 0",
    )
    triggers = ("bind", "source_address")

    VALID = (
        Valid("""
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(('', 0))
            v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            v6.bind(('::', 0))
            """),
        Valid("""
            import jinja2, socket
            template = jinja2.Template('{{ name }}')
            params = template.bind(name='x') if hasattr(template, 'bind') else None
            conn = socket.create_connection(('api.example.com', 443), 10, None)
            """),
    )
    INVALID = (
        Invalid("""
            import socket
            PORT = 5000
            s = socket.socket()
            s.bind(('0.0.0.0', PORT))
            s.bind(('10.1.2.3', 0))
            c = socket.create_connection(('api.example.com', 443), source_address=('10.1.2.3', 0))
            """, lines=(4, 5, 6)),
        Invalid("""
            import socket
            def attach(addr):
                s = socket.socket()
                s.bind(addr)
            """, lines=(4,), severity=Severity.WARNING),
        Invalid("""
            def serve_metrics(listener):
                listener.bind(('0.0.0.0', 9100))
                listener.listen(5)
            """, lines=(2,), severity=Severity.WARNING,
            note="`listener` is probably a socket: a warning that says so"),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "bind":
            kind = S.receiver_kind(ctx, func.value, "bind")
            if kind == S.SOCKET:
                self._check(node, ctx, ctx.arg(node, 0, "address"), S.call_text(ctx, node))
            elif kind == S.UNKNOWN_KIND:
                self._probable(node, ctx, func.value)
            return
        name = ctx.call_name(node)
        if name in SOURCE_ADDRESS_CALLS:
            expr = ctx.arg(node, SOURCE_ADDRESS_CALLS[name], "source_address")
            if expr is not None:
                self._check(node, ctx, expr, f"`{S.code(ctx, func)}(..., source_address=...)`")

    def _probable(self, node, ctx, receiver) -> None:
        """``x.bind(('0.0.0.0', 8080))`` on an object of unknown type: a
        (host, port) address spelled out is a socket's, probably."""
        host, port = S.address(ctx, ctx.arg(node, 0, "address")) or (None, None)
        if not (isinstance(host, str) and S.is_port(port)) or (host in WILDCARD_HOSTS and port == WILDCARD_PORT):
            return
        target = f"port {port} on every interface" if host in WILDCARD_HOSTS else f"the address {S.endpoint(host, port)}"
        ctx.report(self, node, call=S.call_text(ctx, node) + S.probably(ctx, receiver), target=target,
                   severity=Severity.WARNING)

    def _check(self, node, ctx, expr, call: str) -> None:
        if expr is None:
            return
        value = ctx.literal(expr)
        if value is None:
            return                      # source_address=None: no bind
        if isinstance(value, str):
            ctx.report(self, node, call=call, target=f"the Unix socket path {value!r}")
            return
        host, port = S.address(ctx, expr) or (UNKNOWN, UNKNOWN)
        if host in WILDCARD_HOSTS and port == WILDCARD_PORT:
            return
        if isinstance(host, str) and host not in WILDCARD_HOSTS:
            ctx.report(self, node, call=call, target=f"the address {S.endpoint(host, port)}")
        elif S.is_port(port) and port != WILDCARD_PORT:
            ctx.report(self, node, call=call, target=f"port {port}" + (" on every interface" if host in WILDCARD_HOSTS else ""))
        else:
            ctx.report(self, node, call=call, severity=Severity.WARNING,
                       target=f"`{S.code(ctx, expr)}`, an address gaelint cannot resolve (only a wildcard with port 0 is allowed)")
