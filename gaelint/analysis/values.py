"""What value an expression holds: ``FileContext.literal`` and ``values``.

A value is known when the code spells it, however it gets there:

* literals (numbers, strings, tuples, lists, dicts), ``-x``, ``a + b``,
  ``a | b``, ``d['key']``, ``t[0]``;
* names assigned in this file (every assignment counts: the name holds one
  of them), unpacked tuples (``HOST, PORT = 'mx', 25``);
* conditional expressions: ``'w' if fresh else 'a'`` may be either;
* constants of the standard library (``smtplib.SMTP_PORT``, the data table
  gaelint/data/stdlib_constants.json) and of the app's own modules
  (``from settings import MAIL_PORT``, ``config.Defaults.MAIL_PORT``), which
  the engine answers through :class:`Externals`;
* class attributes (``Config.MAIL_PORT``, ``self.MODE``), ``self.x``
  assigned in any method of the class, Flask config keys
  (``app.config['MAIL_PORT']`` after ``app.config.from_object(...)``);
* parameters, when every call of their function in this module passes a
  known value (or leaves the default): ``def write(path, mode)`` called as
  ``write('out.bin', 'wb')``.

``values(expr)`` lists every value the expression may hold (empty when any
of them is unknown); ``literal(expr)`` is the value when there is exactly
one, else ``UNKNOWN``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from gaelint.lazycst import cst

from gaelint.knowledge import table

from .callsites import CallSites
from .possible import UNKNOWN, dedupe, single, subscript_index
from .flask_config import FlaskConfig
from .walk import Binding, Scope, lookup, method_class

MAX_DEPTH = 10

STDLIB_CONSTANTS: Dict[str, Any] = table("constants")["stdlib"]


class Externals:
    """What other files say about a dotted name. The engine passes one that
    reads the app's own modules (gaelint/app/module_facts.py); this default
    knows nothing."""

    def constant(self, dotted: str) -> Optional[List[Any]]:
        """The values of a module constant or class attribute, or None."""
        return None

    def class_bases(self, dotted: str) -> Optional[List[str]]:
        """The qualified bases of a class defined in another module of the
        app, or None when ``dotted`` is not such a class."""
        return None

    def file_fact(self, relpath: str, name: str, compute) -> Any:
        """``compute(path)`` for a deployed file of the app, or None."""
        return None


NO_EXTERNALS = Externals()

__all__ = ["UNKNOWN", "Externals", "NO_EXTERNALS", "STDLIB_CONSTANTS", "Values"]


class Values(FlaskConfig):
    """Mixin for FileContext: needs ``model``, ``site``, ``externals``,
    ``source``, ``qualname``, ``origin``, ``arg`` and ``state``."""

    # -- public -----------------------------------------------------------
    def literal(self, expr: Optional[cst.CSTNode], scope: Optional[Scope] = None) -> Any:
        """The value of ``expr`` when it can hold only one, else UNKNOWN."""
        return single(self._values(expr, scope or self.site.scope, 0))

    def values(self, expr: Optional[cst.CSTNode], scope: Optional[Scope] = None) -> Tuple[Any, ...]:
        """Every value ``expr`` may hold, or () when any of them is unknown."""
        found = self._values(expr, scope or self.site.scope, 0)
        return tuple(found) if found else ()

    def module_constant(self, name: str) -> Optional[List[Any]]:
        """Every value a module-level name may hold, as another module that
        imports it sees it; None when unknown."""
        return self._name_values(cst.Name(name), self.model.module_scope, 0)

    def class_attribute(self, node: cst.ClassDef, attr: str) -> Optional[List[Any]]:
        """Every value ``Class.attr`` may hold (inherited ones too); None
        when unknown."""
        return self._class_attribute(node, attr, 0)

    def external_constant(self, dotted: str) -> Optional[List[Any]]:
        """The values of a constant named by its qualified name: the app's own
        modules first (they may shadow), then the standard library's."""
        found = self.externals.constant(dotted)
        if found is not None:
            return found
        if dotted in STDLIB_CONSTANTS:
            return [STDLIB_CONSTANTS[dotted]]
        return None

    # -- the evaluation -----------------------------------------------------
    def _values(self, expr, scope: Scope, depth: int) -> Optional[List[Any]]:
        if expr is None or depth > MAX_DEPTH:
            return None
        if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            try:
                value = expr.evaluated_value
            except Exception:  # noqa: BLE001 - odd escapes, f-string parts
                return None
            if value is None and not isinstance(expr, cst.SimpleString):
                return None
            return [value]
        if isinstance(expr, cst.Name):
            return self._name_values(expr, scope, depth)
        if isinstance(expr, cst.Attribute):
            return self._attribute_values(expr, scope, depth)
        if isinstance(expr, (cst.Tuple, cst.List)):
            items = []
            for el in expr.elements:
                if isinstance(el, cst.StarredElement):
                    return None
                v = single(self._values(el.value, scope, depth + 1))
                if v is UNKNOWN:
                    return None
                items.append(v)
            return [tuple(items)]
        if isinstance(expr, cst.Dict):
            return self._dict_values(expr, scope, depth)
        if isinstance(expr, cst.IfExp):
            body = self._values(expr.body, scope, depth + 1)
            other = self._values(expr.orelse, scope, depth + 1)
            return None if body is None or other is None else dedupe(body + other)
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            v = single(self._values(expr.expression, scope, depth + 1))
            return [-v] if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.BitOr)):
            left = single(self._values(expr.left, scope, depth + 1))
            right = single(self._values(expr.right, scope, depth + 1))
            if left is UNKNOWN or right is UNKNOWN:
                return None
            try:
                return [left + right if isinstance(expr.operator, cst.Add) else left | right]
            except TypeError:
                return None
        if isinstance(expr, cst.Subscript):
            return self._subscript_values(expr, scope, depth)
        return None

    def _name_values(self, expr: cst.Name, scope: Scope, depth: int) -> Optional[List[Any]]:
        name = expr.value
        if name in ("True", "False", "None"):
            return [{"True": True, "False": False, "None": None}[name]]
        found, where = lookup(scope, name)
        if not found:
            q = self.qualname(expr, scope)          # from m import *
            return self.external_constant(q) if q else None
        return self._binding_values(found, where, depth)

    def _binding_values(self, bindings: List[Binding], where: Scope, depth: int) -> Optional[List[Any]]:
        out: List[Any] = []
        for b in bindings:
            if b.kind == "assign":
                found = self._assigned(b, b.scope or where, depth + 1)
            elif b.kind == "import":
                found = self.external_constant(b.value)
            elif b.kind == "param":
                found = self._param_values(b.value, where, depth + 1)
            else:
                return None
            if found is None:
                return None
            out.extend(found)
        return dedupe(out) if out else None

    def _assigned(self, b: Binding, scope: Scope, depth: int) -> Optional[List[Any]]:
        if b.index is None:
            return self._values(b.value, scope, depth)
        value = b.value
        if isinstance(value, (cst.Tuple, cst.List)):
            elements = value.elements
            if any(isinstance(el, cst.StarredElement) for el in elements) or b.index >= len(elements):
                return None
            return self._values(elements[b.index].value, scope, depth)
        out = []
        for whole in self._values(value, scope, depth) or [None]:
            if not isinstance(whole, tuple) or b.index >= len(whole):
                return None
            out.append(whole[b.index])
        return dedupe(out)

    def _dict_values(self, expr: cst.Dict, scope: Scope, depth: int) -> Optional[List[Any]]:
        out: Dict[Any, Any] = {}
        for el in expr.elements:
            if not isinstance(el, cst.DictElement):
                return None                     # **other: keys unknown
            key = single(self._values(el.key, scope, depth + 1))
            value = single(self._values(el.value, scope, depth + 1))
            if key is UNKNOWN or value is UNKNOWN:
                return None
            try:
                out[key] = value
            except TypeError:
                return None
        return [out]

    def _subscript_values(self, expr: cst.Subscript, scope: Scope, depth: int) -> Optional[List[Any]]:
        index = subscript_index(expr)
        if index is None:
            return None
        key = single(self._values(index, scope, depth + 1))
        if key is UNKNOWN:
            return None
        containers = self._values(expr.value, scope, depth + 1)
        if containers is None:
            return self._flask_config(expr.value, key, scope, depth)
        out = []
        for c in containers:
            try:
                out.append(c[key])
            except (KeyError, IndexError, TypeError):
                return None
        return dedupe(out)

    # -- attributes: modules, classes, self --------------------------------------
    def _attribute_values(self, expr: cst.Attribute, scope: Scope, depth: int) -> Optional[List[Any]]:
        q = self.qualname(expr, scope)
        if q:
            return self.external_constant(q)
        if not isinstance(expr.value, cst.Name):
            return None
        attr = expr.attr.value
        class_scope = method_class(scope, expr.value.value)
        if class_scope is not None:
            assigned = class_scope.self_attrs.get(attr)
            if assigned:
                return self._binding_values(assigned, class_scope, depth + 1)
            return self._class_attribute(class_scope.node, attr, depth + 1)
        found, _ = lookup(scope, expr.value.value)
        if found and len(found) == 1 and found[0].kind == "class":
            return self._class_attribute(found[0].value, attr, depth + 1)
        return None

    def _class_attribute(self, node: cst.ClassDef, attr: str, depth: int) -> Optional[List[Any]]:
        """``Class.attr`` defined in the class body or inherited from a base
        (defined in this file, or a class of another module of the app)."""
        class_scope = self.model.class_scopes.get(node)
        if class_scope is None or depth > MAX_DEPTH:
            return None
        own = class_scope.names.get(attr)
        if own:
            return self._binding_values(own, class_scope, depth)
        for base in node.bases:
            expr = base.value
            if isinstance(expr, cst.Name):
                found, _ = lookup(class_scope.parent, expr.value)
                if found and len(found) == 1 and found[0].kind == "class":
                    inherited = self._class_attribute(found[0].value, attr, depth + 1)
                    if inherited is not None:
                        return inherited
                    continue
            q = self.qualname(expr, class_scope.parent)
            if q:
                inherited = self.externals.constant(f"{q}.{attr}")
                if inherited is not None:
                    return inherited
        return None

    # -- parameters: what the module's calls pass --------------------------------
    def _param_values(self, param: cst.Param, function_scope: Scope, depth: int) -> Optional[List[Any]]:
        fn = function_scope.node
        if not isinstance(fn, cst.FunctionDef) or not isinstance(param, cst.Param):
            return None
        memo = self.state.setdefault("values.params", {})
        key = (fn, param.name.value)
        if key in memo:
            return memo[key]
        memo[key] = None                    # a recursive call passes its own parameter: unknown
        memo[key] = self._compute_param_values(param, fn, function_scope, depth)
        return memo[key]

    def _compute_param_values(self, param, fn, function_scope: Scope, depth: int) -> Optional[List[Any]]:
        params = fn.params
        positional = [*params.posonly_params, *params.params]
        if param in positional:
            position: Optional[int] = positional.index(param)
        elif param in params.kwonly_params:
            position = None
        else:
            return None                     # *args / **kwargs
        sites = self.state.get("values.callsites")
        if sites is None:
            sites = self.state["values.callsites"] = CallSites(self.model, self.source.text)
        sites = sites.of(fn, function_scope)
        if not sites:
            return None
        out: List[Any] = []
        for call, site, offset in sites:
            if any(a.star for a in call.args):
                return None
            if position is not None and position < offset:
                return None                 # `self` itself
            expr = self.arg(call, None if position is None else position - offset, param.name.value)
            if expr is None:
                if param.default is None:
                    return None
                found = self._values(param.default, function_scope.parent, depth + 1)
            else:
                found = self._values(expr, site.scope, depth + 1)
            if found is None:
                return None
            out.extend(found)
        return dedupe(out)
