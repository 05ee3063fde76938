"""What the network rules (rules/network*.py) share: is this object a
socket, which address and port does a call name, is that address blocked.

Every answer is "known" or "not known": an object is a socket only when each
assignment that could have produced it made a socket, an address only when
literals or constants spell it. Rules stay silent on "not known".
"""
from __future__ import annotations

import ipaddress
from typing import Any, Dict, Iterable, List, Optional, Tuple

from gaelint.lazycst import cst

from gaelint.analysis.context import UNKNOWN
from gaelint.knowledge import table

NET = table("network")
_SOCK = NET["sockets"]
FACTORIES = frozenset(_SOCK["factories"])
PAIR_FACTORIES = frozenset(_SOCK["pair_factories"])
SSL_CONTEXTS = frozenset(_SOCK["ssl_contexts"])
SOCKET_METHODS: Dict[str, Optional[int]] = _SOCK["socket_returning_methods"]
REQUEST_HANDLERS = frozenset(_SOCK["request_handlers"])
HANDLER_SOCKET_ATTRS = frozenset(_SOCK["request_handler_socket_attrs"])
DISPATCHERS = frozenset(_SOCK["dispatchers"])
# Every name an object known to be a socket starts from (socket_like):
# a file that imports none of their modules holds no such object.
SOCKET_SOURCES = tuple(sorted(FACTORIES | PAIR_FACTORIES | SSL_CONTEXTS | REQUEST_HANDLERS | DISPATCHERS))

_ADDR = NET["addresses"]
LOCAL_HOSTNAMES = frozenset(_ADDR["local_hostnames"])


# -- is it a socket? -------------------------------------------------------
def _steps(origin: str) -> Tuple[str, List[str]]:
    """'socket.socket#accept[0]#dup' -> ('socket.socket', ['accept[0]', 'dup'])."""
    base, *steps = origin.split("#")
    return base, steps


def is_socket_origin(origin: Optional[str]) -> bool:
    """True when an origin string (see FileContext.origin) names a socket."""
    if not origin:
        return False
    base, steps = _steps(origin)
    if base in FACTORIES:
        pass
    elif base.endswith(("[0]", "[1]")) and base[:-3] in PAIR_FACTORIES:
        pass
    elif base in SSL_CONTEXTS and steps and steps[0] == "wrap_socket":
        steps = steps[1:]
    else:
        return False
    for step in steps:
        name, _, index = step.partition("[")
        if name not in SOCKET_METHODS:
            return False
        want = SOCKET_METHODS[name]
        if (want is None) != (index == ""):
            return False
        if want is not None and index != f"{want}]":
            return False
    return True


def _binding_origin(ctx, binding) -> Optional[str]:
    origin = ctx.origin(binding.value, binding.scope)
    if origin and binding.index is not None:
        origin = f"{origin}[{binding.index}]"
    return origin


def _agree(ctx, bindings) -> Optional[str]:
    """The socket origin when every binding that produced a known object
    produced a socket (``sock = None`` first, ``sock = socket.socket()``
    later is fine; a name also bound to a parameter or a non-socket is not)."""
    if not bindings or any(b.kind != "assign" for b in bindings):
        return None
    known = [o for o in (_binding_origin(ctx, b) for b in bindings) if o]
    if known and all(is_socket_origin(o) for o in known):
        return known[-1]
    return None


def method_class(ctx, self_name: str):
    """(class scope, class node) when ``self_name`` is the ``self`` of the
    method being checked, else (None, None)."""
    scope = ctx.site.scope
    while scope is not None:
        if scope.kind == "function":
            if scope.class_scope is not None and scope.self_name == self_name:
                return scope.class_scope, scope.class_scope.node
            return None, None
        scope = scope.parent
    return None, None


def class_lineage(ctx, class_scope, class_node) -> List[str]:
    return ctx.class_bases(class_node, class_scope.parent)


def socket_origin(ctx, expr: Optional[cst.BaseExpression]) -> Optional[str]:
    """Where the socket in ``expr`` comes from, or None when ``expr`` is not
    known to hold a socket: a local or global name, a ``self.`` attribute of
    the same class (assigned in any method), a call, or a SocketServer
    request handler's ``self.request`` / ``self.connection``."""
    if isinstance(expr, cst.Name):
        return _agree(ctx, ctx.bindings(expr.value))
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        class_scope, node = method_class(ctx, expr.value.value)
        if class_scope is None:
            return None
        attr = expr.attr.value
        bindings = class_scope.self_attrs.get(attr)
        if bindings:
            return _agree(ctx, bindings)
        if attr in HANDLER_SOCKET_ATTRS:
            handler = next((b for b in class_lineage(ctx, class_scope, node) if b in REQUEST_HANDLERS), None)
            if handler:
                return f"{handler}.{attr}"
        return None
    if isinstance(expr, cst.Call):
        origin = ctx.origin(expr)
        return origin if is_socket_origin(origin) else None
    return None


def dispatcher_self(ctx, expr) -> Optional[str]:
    """The asyncore/asynchat base when ``expr`` is ``self`` in a dispatcher
    subclass (its listen/bind/accept/connect act on its socket)."""
    if not isinstance(expr, cst.Name):
        return None
    class_scope, node = method_class(ctx, expr.value)
    if class_scope is None:
        return None
    return next((b for b in class_lineage(ctx, class_scope, node) if b in DISPATCHERS), None)


def socket_like(ctx, expr) -> Optional[str]:
    """A socket, or an asyncore dispatcher acting as one (``self.bind`` in a
    dispatcher subclass, ``server.listen(5)`` on a dispatcher instance)."""
    found = socket_origin(ctx, expr) or dispatcher_self(ctx, expr)
    if found is None and isinstance(expr, (cst.Name, cst.Call)):
        origin = ctx.origin(expr)
        found = origin if origin in DISPATCHERS else None
    return found


SOCKET, UNKNOWN_KIND = "socket", "unknown"


def receiver_kind(ctx, expr, method: str) -> Optional[str]:
    """What a socket method is called on: SOCKET when it is known to be a
    socket (or a dispatcher acting as one), UNKNOWN_KIND when nothing says
    what it is (a parameter, an attribute set elsewhere, the result of a
    call gaelint cannot resolve), None when it is known to be something
    else (a module, a class, an object of another type) or when a class of
    this file defines a method of that name (the object may be one)."""
    if socket_like(ctx, expr):
        return SOCKET
    if _known_other(ctx, expr) or _local_method(ctx, method):
        return None
    return UNKNOWN_KIND


def _known_other(ctx, expr, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if isinstance(expr, cst.Call):
        return ctx.origin(expr) is not None
    if isinstance(expr, cst.Name):
        if method_class(ctx, expr.value)[0] is not None:
            return True                     # `self`: an instance of this class
        return _bindings_known(ctx, ctx.bindings(expr.value), depth)
    if isinstance(expr, cst.Attribute):
        if ctx.qualname(expr) is not None:
            return True                     # a module's attribute: not an object we made
        if isinstance(expr.value, cst.Name):
            class_scope, _ = method_class(ctx, expr.value.value)
            if class_scope is not None:
                return _bindings_known(ctx, class_scope.self_attrs.get(expr.attr.value) or [], depth)
    return False


def _bindings_known(ctx, bindings, depth: int) -> bool:
    """Every binding made a known object (a module, a class, a call gaelint
    resolves)."""
    if not bindings:
        return False
    for b in bindings:
        if b.kind in ("import", "class", "def"):
            continue
        if b.kind != "assign" or _binding_origin(ctx, b) is None:
            return False
    return True


def _local_method(ctx, method: str) -> bool:
    return any(any(b.kind == "def" for b in scope.names.get(method, ()))
               for scope in ctx.model.class_scopes.values())


def probably(ctx, expr) -> str:
    """The words a message adds for an object that is probably a socket."""
    return f" (`{code(ctx, expr, 30)}` is probably a socket: gaelint cannot tell what it is)"


# -- values ------------------------------------------------------------------
def _single_value(ctx, expr):
    """The expression a name holds when it is assigned exactly once."""
    if isinstance(expr, cst.Name):
        bindings = ctx.bindings(expr.value)
        if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].index is None:
            return bindings[0].value, bindings[0].scope
    return None, None


def address(ctx, expr, _depth: int = 0) -> Optional[Tuple[Any, Any]]:
    """(host, port) of an address argument, each possibly UNKNOWN; None when
    ``expr`` is not a (host, port) pair (an AF_UNIX path, a missing arg)."""
    if expr is None or _depth > 4:
        return None
    value = ctx.literal(expr)
    if isinstance(value, tuple):
        return (value[0], value[1]) if len(value) >= 2 else None
    if value is not UNKNOWN:
        return None
    if isinstance(expr, cst.Tuple) and len(expr.elements) >= 2:
        return ctx.literal(expr.elements[0].value), ctx.literal(expr.elements[1].value)
    inner, _ = _single_value(ctx, expr)
    if isinstance(inner, cst.Tuple):
        return address(ctx, inner, _depth + 1)
    return UNKNOWN, UNKNOWN


def split_host_port(host: object) -> Tuple[object, Optional[int]]:
    """httplib and smtplib accept 'host:port' in the host argument."""
    if isinstance(host, str) and host.count(":") == 1:
        name, _, port = host.partition(":")
        if port.isdigit():
            return name, int(port)
    return host, None


def is_port(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def endpoint(host, port) -> str:
    """'10.0.0.5 port 8080', '[fe80::1] port 53', '10.0.0.5' (port unknown)."""
    shown = host if isinstance(host, str) else "?"
    if isinstance(host, str) and ":" in host:
        shown = f"[{host}]"
    if shown == "":
        shown = "'' (every interface)"
    return f"{shown} port {port}" if is_port(port) else shown


# -- addresses ---------------------------------------------------------------
def _ip(host: str):
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped or ip


def classify(host: object) -> Optional[str]:
    """The blocked range ``host`` falls in ('loopback', 'private', ...), or
    None for a public address, a hostname or an unknown value."""
    if not isinstance(host, str):
        return None
    name = host.strip().rstrip(".").lower()
    if name in LOCAL_HOSTNAMES or name.endswith(".localhost"):
        return "loopback"
    ip = _ip(name)
    if ip is None:
        return None
    if ip.is_unspecified:
        return "unspecified (this host)"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.version == 4 and ip == ipaddress.IPv4Address("255.255.255.255"):
        return "broadcast"
    if ip.is_private:
        return "private"
    return None


def _normal(host: str) -> str:
    ip = _ip(host)
    return str(ip) if ip is not None else host.strip().rstrip(".").lower()


_WHITELIST: Dict[str, dict] = {_normal(h): entry for entry in _ADDR["whitelisted_endpoints"] for h in entry["hosts"]}


def whitelisted(host: object) -> Optional[dict]:
    """The whitelist entry (service, hosts, ports) for a Google endpoint."""
    return _WHITELIST.get(_normal(host)) if isinstance(host, str) else None


# -- display -------------------------------------------------------------------
def code(ctx, node: cst.CSTNode, limit: int = 48) -> str:
    """Source text of ``node`` on one line, shortened for a message."""
    text = " ".join(ctx.module.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def call_text(ctx, call: cst.Call) -> str:
    """'`sock.bind()`' for a call, from its source."""
    return f"`{code(ctx, call.func)}()`"


def leaf(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def leaves(names: Iterable[str]) -> Tuple[str, ...]:
    """Trigger substrings for a list of dotted names."""
    return tuple(sorted({leaf(n) for n in names}))
