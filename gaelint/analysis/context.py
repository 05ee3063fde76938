"""What a rule sees: the file (or app) it checks and the questions it may ask.

Rules never walk scopes or imports themselves; they ask the context:

* ``ctx.qualname(expr)`` / ``ctx.call_name(call)``: canonical Python 2
  dotted name through imports, aliases, ``from m import *``, builtins.
* ``ctx.lineage(expr)``: that name plus the bases of classes defined in the
  file (``class MyServer(SocketServer.TCPServer)``) or in another module of
  the app (``class Popen(subprocess.Popen)`` in utils/subprocess2.py).
* ``ctx.literal(expr)`` / ``ctx.values(expr)``: the value an expression
  holds, or every value it may hold, through assignments, constants of the
  stdlib and of the app's modules, class attributes, ``self.x``, dicts,
  conditional expressions, Flask config and the calls of a function
  (:mod:`.values`); ``UNKNOWN`` / ``()`` when not known.
* ``ctx.origin(expr)``: what produced the object held in a name or a
  ``self.`` attribute, e.g. ``'socket.socket'`` for ``s = socket.socket()``,
  ``'socket.socket#accept[0]'`` for ``conn, addr = s.accept()``,
  ``'flask.request.files[]'`` for ``f = request.files['upload']``; inside a
  method, ``self`` is an instance of the class's first known base.
* ``ctx.arg(call, 0, 'port')``: an argument by position or keyword.
* ``ctx.report(rule, node, **fmt)``: a finding at ``node``; a finding under
  an off-App-Engine guard is lowered to info with the reason.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from gaelint.lazycst import cst

from . import names as _names
from gaelint.findings import Finding, Severity, fix_pairs, format_template
from gaelint.knowledge import table
from .values import NO_EXTERNALS, UNKNOWN, Externals, Values
from .walk import FALLBACK_GUARD, MAIN_GUARD, SDK_GUARD, Binding, Model, Scope, Site, dotted_name
from .walk import lookup as _lookup
from .walk import method_class as _method_class

__all__ = ["UNKNOWN", "Externals", "FileContext", "resolve_qualname"]


class _Pending:
    __slots__ = ("rule", "node", "site", "message", "fix", "severity", "cause", "fix_data")

    def __init__(self, rule, node, site, message, fix, severity, cause=None, fix_data=()):
        self.rule, self.node, self.site = rule, node, site
        self.message, self.fix, self.severity, self.cause = message, fix, severity, cause
        self.fix_data = fix_data


def resolve_qualname(expr: Optional[cst.CSTNode], scope: Scope) -> Optional[str]:
    """Canonical dotted name of ``expr`` seen from ``scope``: imports and
    aliases along the scope chain, then the module's ``from m import *``,
    then Python 2 builtins. It needs nothing but the scopes, so the walker
    uses it too (guards) before the file's context exists."""
    raw = _raw_qualname(expr, scope, 0)
    return _names.canonical(raw) if raw else None


def _raw_qualname(expr, scope: Scope, depth: int) -> Optional[str]:
    if depth > 8 or expr is None:
        return None
    if isinstance(expr, cst.Attribute):
        base = _raw_qualname(expr.value, scope, depth + 1)
        return f"{base}.{expr.attr.value}" if base else None
    if not isinstance(expr, cst.Name):
        return None
    name = expr.value
    bindings, where = _lookup(scope, name)
    if bindings:
        for b in reversed(bindings):
            if b.kind == "import":
                return b.value
        for b in reversed(bindings):
            if b.kind == "assign" and b.index is None and isinstance(b.value, (cst.Name, cst.Attribute)):
                if not (isinstance(b.value, cst.Name) and b.value.value == name):
                    return _raw_qualname(b.value, where, depth + 1)
        return None
    module_scope = scope
    while module_scope.parent is not None:
        module_scope = module_scope.parent
    for star in module_scope.star_modules:
        if name in _names.star_exports(star):
            return f"{star}.{name}"
    if name in _names.builtin_names():
        return f"__builtin__.{name}"
    return None


_FAILURES = table("failures")
_CATCH_ALL = frozenset(_FAILURES["catch_all"])


def _handler_for(code: str, handled):
    """The innermost enclosing ``except`` that catches what ``code``'s
    failure raises and carries on, or None."""
    raised = _FAILURES["codes"].get(code)
    if not raised:
        return None
    for names, node in handled:
        for name in names:
            if name == "*" or name in _CATCH_ALL or name in raised or name.rsplit(".", 1)[-1] in _CATCH_ALL:
                return names, node
    return None


class FileContext(Values):
    def __init__(self, source, app, model: Model, relpath: str, externals: Optional[Externals] = None):
        self.source = source
        self.path: Path = source.path
        self.relpath = relpath              # relative to the app root, '/' separators
        self.app = app                      # AppContext
        self.module: cst.Module = source.module
        self.python2: bool = source.python2
        self.model = model
        self.site: Site = Site(model.module_scope, source.module)
        self._pending: List[_Pending] = []
        self.state: Dict[str, Any] = {}     # per-file scratch space for rules
        self.externals: Externals = externals or NO_EXTERNALS   # what the app's other files define
        # origin() by (node, scope, depth): a name rebound from itself
        # (`q = q.filter(...)`, a dozen times) would otherwise be followed
        # through every binding at every level, exponentially.
        self._origins: Dict[Tuple[int, int, int], Optional[str]] = {}

    # -- names ----------------------------------------------------------
    def qualname(self, expr: Optional[cst.CSTNode], scope: Optional[Scope] = None) -> Optional[str]:
        return resolve_qualname(expr, scope or self.site.scope)

    def call_name(self, call: cst.Call) -> Optional[str]:
        return self.qualname(call.func)

    def lineage(self, expr: cst.CSTNode, scope: Optional[Scope] = None) -> List[str]:
        """Qualified name of ``expr`` and, for a class defined in this file,
        the qualified names of all its bases (transitively)."""
        out: List[str] = []
        self._lineage(expr, scope or self.site.scope, out, 0)
        return out

    def _lineage(self, expr, scope: Scope, out: List[str], depth: int) -> None:
        if depth > 10:
            return
        q = self.qualname(expr, scope)
        if q:
            self._name_lineage(q, out, depth)
            return
        if isinstance(expr, cst.Name):
            bindings, where = _lookup(scope, expr.value)
            for b in bindings or ():
                if b.kind == "class":
                    for base in b.value.bases:
                        self._lineage(base.value, where, out, depth + 1)

    def _name_lineage(self, q: str, out: List[str], depth: int) -> None:
        """``q`` and, for a class of another module of the app, its bases."""
        out.append(q)
        if depth <= 10:
            for base in self.externals.class_bases(q) or ():
                self._name_lineage(base, out, depth + 1)

    def _instance_origin(self, lineage: List[str]) -> Optional[str]:
        """What an instance of a class is, given its lineage: the first class
        that is not one of the app's own (those say nothing to a rule)."""
        for q in lineage:
            if self.externals.class_bases(q) is None:
                return q
        return None

    def class_bases(self, node: cst.ClassDef, scope: Optional[Scope] = None) -> List[str]:
        out: List[str] = []
        for base in node.bases:
            self._lineage(base.value, scope or self.site.scope, out, 0)
        return out

    # -- values ---------------------------------------------------------
    def bindings(self, name: str, scope: Optional[Scope] = None) -> List[Binding]:
        found, _ = _lookup(scope or self.site.scope, name)
        return list(found or ())

    def arg(self, call: cst.Call, position: Optional[int] = None, keyword: Optional[str] = None) -> Optional[cst.BaseExpression]:
        """The argument at ``position`` (counting positional args only) or
        named ``keyword``; None when absent or hidden behind ``*args``."""
        index = 0
        for a in call.args:
            if a.keyword is not None:
                if keyword is not None and a.keyword.value == keyword:
                    return a.value
                continue
            if a.star:
                return None     # behind *args / **kwargs: unknown
            if position is not None and index == position:
                return a.value
            index += 1
        return None

    def origin(self, expr: Optional[cst.CSTNode], scope: Optional[Scope] = None, _depth: int = 0) -> Optional[str]:
        """What produced the object in ``expr`` (see module docstring)."""
        if expr is None or _depth > 8:
            return None
        scope = scope or self.site.scope
        key = (id(expr), id(scope), _depth)
        if key not in self._origins:
            self._origins[key] = self._origin(expr, scope, _depth)
        return self._origins[key]

    def _origin(self, expr: cst.CSTNode, scope: Scope, _depth: int) -> Optional[str]:
        if isinstance(expr, cst.Call):
            func = expr.func
            q = self.qualname(func, scope)
            if q:
                return self._instance_origin(self.lineage(func, scope)) or q
            lineage = self.lineage(func, scope)
            if lineage:
                return self._instance_origin(lineage)
            if isinstance(func, cst.Attribute):
                base = self.origin(func.value, scope, _depth + 1)
                if base:
                    return f"{base}#{func.attr.value}"
            return None
        if isinstance(expr, cst.Name):
            found, where = _lookup(scope, expr.value)
            for b in reversed(found or ()):
                if b.kind == "assign":
                    o = self.origin(b.value, where, _depth + 1)
                    if o:
                        return f"{o}[{b.index}]" if b.index is not None else o
            class_scope = _method_class(scope, expr.value)
            if class_scope is not None:     # `self`: an instance of the class
                return self._instance_origin(self.class_bases(class_scope.node, class_scope.parent))
            return None
        if isinstance(expr, cst.Subscript):     # request.files['upload']
            base = self.qualname(expr.value, scope) or self.origin(expr.value, scope, _depth + 1)
            return f"{base}[]" if base else None
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            class_scope = _method_class(scope, expr.value.value)
            if class_scope is not None:
                for b in reversed(class_scope.self_attrs.get(expr.attr.value, ())):
                    method_scope = b.scope or scope     # where `self.x = value` was written
                    o = self.origin(b.value, method_scope, _depth + 1)
                    if o:
                        return f"{o}[{b.index}]" if b.index is not None else o
        return None

    def enclosing_class(self) -> Optional[cst.ClassDef]:
        current: Optional[Scope] = self.site.scope
        while current is not None:
            if current.kind == "class":
                return current.node
            current = current.parent
        return None

    dotted = staticmethod(dotted_name)

    def app_file_fact(self, relpath: str, name: str, compute: Callable[[Path], Any]) -> Any:
        """``compute(path)`` for a deployed file of the app (a logging
        config, say), cached like the app's other per-file facts; None when
        the file is not deployed."""
        return self.externals.file_fact(relpath, name, compute)

    # -- reporting ------------------------------------------------------
    def report(self, rule, node: cst.CSTNode, *, message: Optional[str] = None, fix: Optional[str] = None,
               severity: Optional[Severity] = None, site: Optional[Site] = None, cause: Optional[str] = None,
               fix_data: Optional[Dict[str, str]] = None, **fmt: Any) -> None:
        """A finding at ``node``; ``site`` is where the node sits when it was
        recorded during the walk and is reported later (in ``finish``);
        ``cause`` names the one problem behind findings at many sites
        (``library:lxml``), so reports can group them; ``fix_data``: what
        the rule's ``--fix`` needs (Finding.fix_data)."""
        text = format_template(message or rule.message, fmt)
        hint = format_template(fix or rule.fix, fmt)
        self._pending.append(_Pending(rule, node, site or self.site, text, hint, severity or rule.severity, cause,
                                      fix_pairs(fix_data)))

    @staticmethod
    def _statement_span(statement, pos, line: int, end_line: Optional[int]) -> Tuple[int, int]:
        """The lines a ``# noqa`` may sit on: the whole simple statement, or
        a compound statement's header (``if``/``with``/``def`` up to its
        colon, decorators included), never its body."""
        stmt = pos.get(statement)
        if stmt is None:
            return (line, end_line or line)
        end = stmt.end.line
        if not isinstance(statement, cst.SimpleStatementLine):
            body = pos.get(getattr(statement, "body", None))
            end = body.start.line if body is not None else (end_line or line)
        return (min(stmt.start.line, line), max(end, end_line or line))

    def finish(self, positions: Callable[..., Dict[cst.CSTNode, Any]]) -> List[Finding]:
        """Turn pending reports into findings (positions are computed only
        when there is something to report)."""
        if not self._pending:
            return []
        tops = {p.site.top for p in self._pending}
        tops.update(p.site.guard[2] for p in self._pending if p.site.guard is not None)
        nodes = [n for p in self._pending for n in (
            p.node, p.site.statement, getattr(p.site.statement, "body", None),
            p.site.guard[1] if p.site.guard is not None else None)]
        # each node with the innermost statement holding it: positions from that statement alone
        holders = {}
        lines_of = []
        for p in self._pending:
            held = (p.site.statement, p.site.top)
            holders[id(p.node)] = holders[id(p.site.statement)] = held
            body = getattr(p.site.statement, "body", None)
            if body is not None:
                holders[id(body)] = held
            if p.site.guard is not None:
                lines_of.append((p.site.guard[1], p.site.guard[2]))
            lines_of.extend((handler, p.site.top) for _, handler in p.site.handled)
        pos = positions(tops, nodes, holders=holders, lines_of=lines_of, reported=[p.node for p in self._pending])
        out = []
        for p in self._pending:
            rng = pos.get(p.node)
            line = col = end_line = end_col = None
            if rng is not None:
                line, end_line = rng.start.line, rng.end.line
                col, end_col = self.source.original_range(line, rng.start.column + 1, end_line, rng.end.column + 1)
            span = None
            if line is not None:
                span = self._statement_span(p.site.statement, pos, line, end_line)
            severity, message = p.severity, p.message
            if p.site.guard is not None:
                kind, if_node, _ = p.site.guard
                severity = min(severity, Severity.INFO)
                g = pos.get(if_node)
                where = f" on line {g.start.line}" if g is not None else ""
                if kind == MAIN_GUARD:
                    why = "it only runs when the module is executed as a script (`if __name__ == '__main__':`) and no handler runs it as a CGI script"
                elif kind == SDK_GUARD:
                    why = f"it only runs where importing the App Engine SDK fails (the `except`{where})"
                elif kind == FALLBACK_GUARD:
                    why = (f"it only runs if the imports of the `try`{where} fail, and the python27 runtime "
                           "provides those modules")
                else:
                    why = f"it is behind an off-App-Engine check{where} (SERVER_SOFTWARE / APPENGINE_RUNTIME / platform)"
                message = f"{message} [not production code: {why}]"
            else:
                handler = _handler_for(p.rule.code, p.site.handled)
                if handler is not None and severity > Severity.INFO:
                    names, node = handler
                    h = pos.get(node)
                    where = f" on line {h.start.line}" if h is not None else ""
                    shown = "except" if names == ("*",) else f"except {names[0]}"
                    severity = Severity.INFO
                    message = f"{message} [handled: `{shown}`{where} catches the failure and carries on]"
            out.append(Finding(
                code=p.rule.code, name=p.rule.name, severity=severity, path=self.path,
                message=message, fix=p.fix, line=line, column=col, end_line=end_line,
                end_column=end_col, statement=span, source_line=self.source.line_text(line), cause=p.cause,
                fix_data=p.fix_data))
        return out
