"""GAE1xx, the kind of socket: TCP or UDP over IPv4/IPv6 only (GAE105) and
only the eight supported socket options (GAE108).

Constants are resolved by name (``socket.AF_UNIX``, ``from socket import *``,
module constants), never from bare integers, which differ between
platforms. The facts are in gaelint/data/network.json.
"""
from __future__ import annotations

from typing import List, Optional

from gaelint.lazycst import cst

from . import sockets as S
from gaelint.findings import Severity
from gaelint.registry import Invalid, SourceRule, Valid

TYPES = S.NET["socket_types"]
ALLOWED = {"family": frozenset(TYPES["allowed_families"]), "type": frozenset(TYPES["allowed_types"]),
           "proto": frozenset(TYPES["allowed_protocols"])}
PREFIX = {"family": "AF_", "type": "SOCK_", "proto": "IPPROTO_"}
CONSTRUCTORS = TYPES["constructors"]

OPTIONS = S.NET["socket_options"]
SUPPORTED_OPTIONS = frozenset(OPTIONS["supported"])
READABLE_OPTIONS = frozenset(OPTIONS["readable"])
OPTION_METHODS = OPTIONS["methods"]


def _constant(ctx, expr, kind: str) -> Optional[str]:
    """'AF_UNIX' for socket.AF_UNIX (any spelling); None for ints/unknowns."""
    q = ctx.qualname(expr) if expr is not None else None
    if q and q.startswith("socket.") and S.leaf(q).startswith(PREFIX[kind]):
        return S.leaf(q)
    return None


class UnsupportedSocketType(SourceRule):
    code = "GAE105"
    name = "unsupported-socket-type"
    severity = Severity.ERROR
    summary = "A socket with a family other than AF_INET/AF_INET6 or a type other than SOCK_STREAM/SOCK_DGRAM."
    message = "{call} creates a socket with {what}; App Engine sockets can only be TCP or UDP over IPv4/IPv6"
    fix = "Use socket.socket(socket.AF_INET or AF_INET6, socket.SOCK_STREAM or SOCK_DGRAM); Unix, raw and packet sockets are not available"
    what = """
        `socket.socket(...)`, `socket.socketpair(...)`, `socket.fromfd(...)` and an
        `asyncore.dispatcher`'s `create_socket(...)` with an address family other than
        `AF_INET`/`AF_INET6` (`AF_UNIX`, `AF_PACKET`, `AF_NETLINK`, ...), a type other than
        `SOCK_STREAM`/`SOCK_DGRAM` (`SOCK_RAW`, `SOCK_SEQPACKET`, `SOCK_RDM`, ...) or a
        protocol other than TCP/UDP. `socket.socketpair()` with no family makes `AF_UNIX`
        sockets. Constants are resolved by name (`socket.AF_UNIX`, `from socket import *`,
        module constants); bare integers are platform-specific and not guessed at.
    """
    why = """
        The Sockets API implements only `AF_INET`/`AF_INET6` with `SOCK_STREAM`/`SOCK_DGRAM`:
        any other family raises `socket.error(EAFNOSUPPORT)`, any other type or protocol
        `EPROTONOSUPPORT`. "You can only use TCP or UDP; arbitrary protocols are not
        allowed."
    """
    how_to_fix = """
        Use TCP (`SOCK_STREAM`) or UDP (`SOCK_DGRAM`) over `AF_INET`/`AF_INET6`. Work that
        needs Unix sockets, raw packets or ICMP belongs on another platform (Compute Engine,
        a Cloud Run service) that the app calls over HTTPS.
    """
    sources = (
        "SDK api/remote_socket/_remote_socket.py L533-535 (families, types, protocols) — gae-facts §4",
        "https://cloud.google.com/appengine/docs/python/sockets ('You can only use TCP or UDP')",
    )
    # a family/type/proto only counts when spelled as a socket constant; only
    # socketpair() has a bad default (AF_UNIX)
    triggers = tuple(sorted(set(PREFIX.values()) | {"socketpair"}))

    VALID = (
        Valid("""
            import socket
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            udp6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
            plain = socket.socket()
            unknown = socket.socket(2, 1)
            """),
    )
    INVALID = (
        Invalid("""
            import socket
            from socket import *
            FAMILY = socket.AF_UNIX
            local = socket.socket(FAMILY, socket.SOCK_STREAM)
            raw = socket.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)
            a, b = socket.socketpair()
            """, lines=(4, 5, 6)),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        func = node.func
        spec = next((CONSTRUCTORS[q] for q in ctx.lineage(func) if q in CONSTRUCTORS), None)
        if spec is None:
            if not (isinstance(func, cst.Attribute) and func.attr.value == "create_socket"
                    and S.dispatcher_self(ctx, func.value)):
                return
            spec = TYPES["dispatcher_create_socket"]
        problems: List[str] = []
        for kind, label in (("family", "address family"), ("type", "type"), ("proto", "protocol")):
            if kind not in spec:
                continue
            expr = ctx.arg(node, *spec[kind])
            value = _constant(ctx, expr, kind)
            default = ""
            if expr is None and spec.get(f"default_{kind}"):
                value, default = spec[f"default_{kind}"], " (the default)"
            if value and value not in ALLOWED[kind]:
                problems.append(f"{label} {value}{default}")
        if problems:
            ctx.report(self, node, call=S.call_text(ctx, node), what=" and ".join(problems))


class UnsupportedSocketOption(SourceRule):
    code = "GAE108"
    name = "unsupported-socket-option"
    severity = Severity.ERROR
    summary = "setsockopt/getsockopt with an option App Engine does not support."
    message = "{call} uses the socket option {option}, which App Engine does not support"
    fix = ("Drop the option: only SO_KEEPALIVE, SO_DEBUG, TCP_NODELAY, SO_LINGER, SO_OOBINLINE, SO_SNDBUF, "
           "SO_RCVBUF and SO_REUSEADDR are accepted (and are mock values)")
    what = """
        `setsockopt(level, option, value)` / `getsockopt(level, option)` with an option
        other than the eight supported ones (`SO_KEEPALIVE`,
        `SO_DEBUG`, `TCP_NODELAY`, `SO_LINGER`, `SO_OOBINLINE`, `SO_SNDBUF`, `SO_RCVBUF`,
        `SO_REUSEADDR`): `SO_BROADCAST`, `SO_REUSEPORT`, `IP_MULTICAST_TTL`,
        `IP_ADD_MEMBERSHIP`, `TCP_KEEPIDLE`, ... Options are resolved by name
        (`socket.SO_BROADCAST`, `from socket import *`, module constants); bare integers are
        platform-specific and not guessed at. `getsockopt(SOL_SOCKET, SO_ERROR)` is readable.
        A socket option names a socket whatever the object is: on an object known to be a
        socket the finding is an error, on any other (a parameter, `conn.sock`) a warning
        that says it is probably a socket.
    """
    why = """
        "Errors will continue to be raised for unsupported options": the Sockets API
        answers `socket.error(EACCES)` ("Attempt to get/set blocked socket option"). For the
        supported ones, `setsockopt` is silently ignored and `getsockopt` returns a mock
        value.
    """
    how_to_fix = """
        Remove the option. Broadcast and multicast are blocked anyway (see GAE106); keepalive
        tuning beyond `SO_KEEPALIVE` is not available. Do not rely on the supported options
        either: their values are mocks.
    """
    sources = (
        "https://cloud.google.com/appengine/docs/python/sockets (supported socket options) — gae-facts §4",
        "SDK api/remote_socket/_remote_socket_stub.py L97-105 (_MOCK_SOCKET_OPTIONS), L249-260 (SO_ERROR)",
    )
    triggers = tuple(OPTION_METHODS)

    VALID = (
        Valid("""
            import socket
            from socket import *
            class Client(object):
                def connect(self):
                    self.sock = socket.create_connection(('api.example.com', 443))
                def tune(self):
                    self.sock.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    return self.sock.getsockopt(SOL_SOCKET, SO_ERROR)
            """),
        Valid("""
            class Settings(object):
                def setsockopt(self, level, name, value): pass
            Settings().setsockopt(0, 'SO_BROADCAST', 1)
            """),
    )
    INVALID = (
        Invalid("""
            import socket
            from socket import *
            s = socket.socket(AF_INET, SOCK_DGRAM)
            s.setsockopt(SOL_SOCKET, SO_BROADCAST, 1)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
            """, lines=(4, 5)),
        Invalid("""
            import socket
            def enable_broadcast(conn):
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
                return conn
            """, lines=(3,), severity=Severity.WARNING,
            note="a socket option names a socket whatever `conn` is: probably one, a warning"),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in OPTION_METHODS):
            return
        # a socket option names a socket whatever the receiver; proven only on a known socket
        probable = "" if S.socket_origin(ctx, func.value) else S.probably(ctx, func.value)
        expr = ctx.arg(node, OPTION_METHODS[func.attr.value], "optname")
        q = ctx.qualname(expr) if expr is not None else None
        if not q or not q.startswith("socket."):
            return
        option = S.leaf(q)
        if option in SUPPORTED_OPTIONS or (func.attr.value == "getsockopt" and option in READABLE_OPTIONS):
            return
        ctx.report(self, node, call=S.call_text(ctx, node) + probable, option=option,
                   severity=Severity.WARNING if probable else None)
