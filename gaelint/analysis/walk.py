"""One walk over a libcst tree that builds what every rule needs.

libcst's own visitor machinery rebuilds nodes as it goes and its
QualifiedNameProvider costs several times the parse, so gaelint walks the
dataclass fields itself, iteratively (deep nesting cannot overflow the
stack), and records only:

* scopes with their bindings (imports, assignments, defs, parameters), so
  names resolve flow-insensitively once the walk is over;
* ``self.<attr>`` assignments per class, so a socket made in one method is
  known in another;
* every call and assignment with its site, whichever rules asked: values
  that reach a parameter through the module's calls of its function, and
  Flask config keys, are read from them (:mod:`.values`);
* for each node type some rule asked for, the nodes with their *site*: the
  statement holding them, whether an off-App-Engine guard covers them, and
  whether they sit in a ``try`` whose ``except ImportError`` has a fallback.

Longer than 400 lines: one loop and a handler per kind of statement that
share the walker's state; split, one algorithm would be read in two places.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Dict, List, Optional, Sequence, Set, Tuple

from gaelint.lazycst import cst

from . import guards

_SKIP_FIELDS = frozenset(
    {"lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators",
     "header", "footer", "newline", "trailing_whitespace", "colon", "equal", "dot",
     "asynchronous", "operator", "lbracket", "rbracket", "lbrace", "rbrace", "star_tok"}
)
_FIELD_CACHE: Dict[type, Tuple[str, ...]] = {}


def _fields(cls: type) -> Tuple[str, ...]:
    names = _FIELD_CACHE.get(cls)
    if names is None:
        names = tuple(
            f.name for f in dataclasses.fields(cls)
            if f.name not in _SKIP_FIELDS and "whitespace" not in f.name
        )
        _FIELD_CACHE[cls] = names
    return names


_REVERSED_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _reversed_fields(cls: type) -> Tuple[str, ...]:
    names = _REVERSED_FIELDS[cls] = tuple(reversed(_fields(cls)))
    return names


# type -> whether it is a libcst node: `isinstance(x, cst.CSTNode)` goes
# through the ABC machinery, a third of the walk on real modules.
_NODE_TYPES: Dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return found


MAIN_GUARD = "main"   # under `if __name__ == '__main__':`
ENV_GUARD = "env"     # under a SERVER_SOFTWARE / APPENGINE_RUNTIME / platform check
SDK_GUARD = "sdk"     # in the `except` of a `try:` that imports the App Engine SDK
FALLBACK_GUARD = "fallback"   # in the `except ImportError` of a `try:` importing what python27 always has


@dataclasses.dataclass
class Binding:
    """What a name is bound to in a scope.

    kind: ``import`` (value: canonical dotted name), ``assign`` (value: the
    assigned expression, index: position when unpacked from a tuple),
    ``class``/``def`` (value: the definition node), ``param`` (value: the
    ``cst.Param``), ``unknown``.
    """

    kind: str
    value: object = None
    index: Optional[int] = None
    # for ``assign``: the scope the value is evaluated in (a ``self.x = sock``
    # read from another method must resolve ``sock`` where it was assigned)
    scope: Optional["Scope"] = dataclasses.field(default=None, repr=False, compare=False)


class Scope:
    __slots__ = ("kind", "node", "parent", "names", "self_attrs", "star_modules", "class_scope", "self_name")

    def __init__(self, kind: str, node: cst.CSTNode, parent: Optional["Scope"]):
        self.kind = kind                  # module | class | function
        self.node = node
        self.parent = parent
        self.names: Dict[str, List[Binding]] = {}
        self.self_attrs: Dict[str, List[Binding]] = {}   # class scopes only
        self.star_modules: List[str] = []               # module scope only
        self.class_scope: Optional[Scope] = None        # for methods: their class
        self.self_name: Optional[str] = None            # for methods: first parameter

    def bind(self, name: str, binding: Binding) -> None:
        self.names.setdefault(name, []).append(binding)


@dataclasses.dataclass(frozen=True)
class Site:
    """Where a collected node sits."""

    scope: Scope
    statement: cst.CSTNode
    top: Optional[cst.CSTNode] = None    # the module-level statement holding the node
    guard: Optional[Tuple[str, cst.CSTNode, cst.CSTNode]] = None   # (MAIN/ENV/SDK_GUARD, the `if` or `except`, its top)
    import_fallback: bool = False        # inside try: with an except ImportError fallback
    # Enclosing `try:` bodies whose handlers carry on: (names they catch, the handler), innermost first.
    handled: Tuple[Tuple[Tuple[str, ...], cst.CSTNode], ...] = ()


def _replace(site: Site, **changes) -> Site:
    """``dataclasses.replace`` for a Site without its generic machinery
    (one call per statement of a module)."""
    new = object.__new__(Site)
    fields = new.__dict__
    fields.update(site.__dict__)
    fields.update(changes)
    return new


class Model:
    """The result of :func:`build`."""

    def __init__(self, module_scope: Scope):
        self.module_scope = module_scope
        self.nodes: Dict[type, List[Tuple[cst.CSTNode, Site]]] = {}
        self.flags: Dict[str, str] = {}      # module-level IS_DEV-style flags -> polarity
        self.class_scopes: Dict[cst.ClassDef, Scope] = {}   # each class body's scope


def lookup(scope: Scope, name: str) -> Tuple[Optional[List[Binding]], Optional[Scope]]:
    """Bindings of ``name`` as Python resolves it from ``scope`` (class
    scopes are skipped for nested functions), and the scope holding them."""
    current: Optional[Scope] = scope
    first = True
    while current is not None:
        if first or current.kind != "class":
            found = current.names.get(name)
            if found:
                return found, current
        first = False
        current = current.parent
    return None, None


def method_class(scope: Scope, name: str) -> Optional[Scope]:
    """The class scope when ``name`` is the ``self`` (or ``cls``) of the
    method ``scope`` is in, else None."""
    current: Optional[Scope] = scope
    while current is not None:
        if current.kind == "function" and current.class_scope is not None:
            return current.class_scope if current.self_name == name else None
        current = current.parent
    return None


def _target_names(target: cst.BaseExpression):
    """(name, index) pairs bound by an assignment target."""
    if isinstance(target, cst.Name):
        yield target, None
    elif isinstance(target, (cst.Tuple, cst.List)):
        for i, el in enumerate(target.elements):
            if isinstance(el.value, cst.Name):
                yield el.value, i
            else:
                for sub, _ in _target_names(el.value):
                    yield sub, None
    elif isinstance(target, cst.Attribute):
        yield target, None


class _Walker:
    def __init__(self, module: cst.Module, wanted: Set[type], resolver, main_is_script: bool, predicates=None):
        self.model = Model(Scope("module", module, None))
        self.wanted = wanted
        self.resolver = resolver       # callable(expr, scope) -> qualname, for guards
        self.main_is_script = main_is_script
        self.predicates = predicates

    # -- bindings -------------------------------------------------------
    # What binds a name here (and what does not: lambda parameters,
    # comprehension variables, `+=`, `global`) is mirrored on CPython's ast
    # by analysis/trigger_modules.py (_binds, builtins_used), with
    # astutil.target_names for targets: a change here belongs there too.
    def _bind_target(self, target, value, scope: Scope, stmt) -> None:
        for node, index in _target_names(target):
            if isinstance(node, cst.Name):
                scope.bind(node.value, Binding("assign", value, index, scope))
            elif (isinstance(node.value, cst.Name) and scope.self_name
                  and node.value.value == scope.self_name and scope.class_scope is not None):
                scope.class_scope.self_attrs.setdefault(node.attr.value, []).append(
                    Binding("assign", value, index, scope))
            elif isinstance(node.value, cst.Name) and scope.kind == "class" and node.value.value == "cls":
                scope.self_attrs.setdefault(node.attr.value, []).append(Binding("assign", value, index, scope))

    def _import(self, node, scope: Scope) -> None:
        from .names import canonical
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted = _dotted(alias.name)
                if alias.asname is not None:
                    scope.bind(alias.asname.name.value, Binding("import", canonical(dotted)))
                else:
                    top = dotted.split(".")[0]
                    scope.bind(top, Binding("import", top))
            return
        module = ("." * len(node.relative)) + (_dotted(node.module) if node.module else "")
        if isinstance(node.names, cst.ImportStar):
            if not node.relative:
                scope.star_modules.append(canonical(module))
            return
        for alias in node.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else _dotted(alias.name)
            local = alias.asname.name.value if alias.asname is not None else name
            full = f"{module}.{name}" if not module.endswith(".") else module + name
            scope.bind(local, Binding("import", canonical(full) if not node.relative else full))

    # -- the walk -------------------------------------------------------
    def run(self) -> Model:
        model = self.model
        wanted = self.wanted
        nodes = model.nodes
        root = model.module_scope.node
        # Module-level statements are pushed with themselves as `top`: a
        # finding's position is later computed from its top statement only.
        stack: List[Tuple[cst.CSTNode, Site]] = [
            (stmt, Site(model.module_scope, stmt, stmt)) for stmt in reversed(root.body)]
        pop, push = stack.pop, stack.append
        special_for = _special().get
        is_node = _NODE_TYPES.get
        while stack:
            node, site = pop()
            cls = type(node)
            if cls in wanted:
                nodes.setdefault(cls, []).append((node, site))
            special = special_for(cls)
            if special is not None:
                children = special(self, node, site)
                if children is not None:
                    for child in reversed(children):
                        push(child)
                    continue
            names = _REVERSED_FIELDS.get(cls)
            if names is None:
                names = _reversed_fields(cls)
            for name in names:
                value = getattr(node, name)
                kind = type(value)
                if kind is tuple or kind is list:
                    for item in reversed(value):
                        node_item = is_node(type(item))
                        if node_item or (node_item is None and _is_node(type(item))):
                            push((item, site))
                else:
                    node_value = is_node(kind)
                    if node_value or (node_value is None and _is_node(kind)):
                        push((value, site))
        return model

    # Handlers return the children to walk, each with its own site, or None
    # to walk every field with the current site.
    def _all(self, node, site):
        out = []
        for name in _fields(type(node)):
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                out.extend((item, site) for item in value if _is_node(type(item)))
            elif _is_node(kind):
                out.append((value, site))
        return out

    def _simple_line(self, node, site):
        return self._all(node, _replace(site, statement=node))

    def _assign(self, node, site):
        scope = site.scope
        if isinstance(node, cst.Assign):
            for t in node.targets:
                self._bind_target(t.target, node.value, scope, site.statement)
            if scope.kind == "module" and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                p = guards.polarity(node.value, lambda e: self.resolver(e, scope), self.model.flags, self.predicates)
                if p:
                    self.model.flags[node.targets[0].target.value] = p
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            self._bind_target(node.target, node.value, scope, site.statement)
        return None

    def _imports(self, node, site):
        self._import(node, site.scope)
        return None

    def _with(self, node, site):
        site = _replace(site, statement=node)
        for item in node.items:
            if item.asname is not None:
                self._bind_target(item.asname.name, item.item, site.scope, node)
        return self._all(node, site)

    def _for(self, node, site):
        site = _replace(site, statement=node)
        for name, _ in _target_names(node.target):
            if isinstance(name, cst.Name):
                site.scope.bind(name.value, Binding("unknown"))
        return self._all(node, site)

    def _if(self, node, site):
        site = _replace(site, statement=node)
        scope = site.scope
        body_site, else_site = site, site
        if not site.guard:
            if scope.kind == "module" and guards.is_main_check(node.test) and not self.main_is_script:
                body_site = _replace(site, guard=(MAIN_GUARD, node, site.top))
            else:
                p = guards.polarity(node.test, lambda e: self.resolver(e, scope), self.model.flags, self.predicates)
                if p == guards.DEV:
                    body_site = _replace(site, guard=(ENV_GUARD, node, site.top))
                elif p == guards.PROD:
                    else_site = _replace(site, guard=(ENV_GUARD, node, site.top))
        out = [(node.test, site), (node.body, body_site)]
        if node.orelse is not None:
            out.append((node.orelse, else_site))
        return out

    def _try(self, node, site):
        site = _replace(site, statement=node)
        fallback = any(guards.catches_import_error(h) for h in node.handlers)
        handled = tuple((guards.caught_names(h), h) for h in node.handlers if guards.carries_on(h))
        body_site = _replace(site, import_fallback=site.import_fallback or fallback,
                                        handled=handled + site.handled)
        out = [(node.body, body_site)]
        handler_site = site
        if fallback and not site.guard and guards.imports_the_sdk(node.body):
            # `try: from google.appengine.api import memcache` / `except ImportError:` runs off App Engine
            probe = next(h for h in node.handlers if guards.catches_import_error(h))
            handler_site = _replace(site, guard=(SDK_GUARD, probe, site.top))
        elif fallback and not site.guard and guards.imports_what_python27_has(node.body):   # `import json`
            handler_site = _replace(site, guard=(FALLBACK_GUARD, node, site.top))
        out.extend((h, handler_site) for h in node.handlers)
        if node.orelse is not None:     # runs only when the imports above worked
            out.append((node.orelse, body_site))
        if node.finalbody is not None:
            out.append((node.finalbody, site))
        return out

    def _except(self, node, site):
        if node.name is not None and isinstance(node.name.name, cst.Name):
            site.scope.bind(node.name.name.value, Binding("unknown"))
        return None

    def _function(self, node, site):
        outer = site.scope
        outer.bind(node.name.value, Binding("def", node))
        if outer.kind == "module":
            self._predicate(node, outer)
        scope = Scope("function", node, outer)
        if outer.kind == "class":
            scope.class_scope = outer
        elif outer.kind == "function" and outer.class_scope is not None:
            scope.class_scope = None
        params = node.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for p in every:
            scope.bind(p.name.value, Binding("param", p))
        if scope.class_scope is not None and every and not _is_static(node):
            scope.self_name = every[0].name.value
        inner = _replace(site, scope=scope, statement=node)
        header = _replace(site, statement=node)    # decorators, defaults: this def's
        out = [(d, header) for d in node.decorators]
        out.append((node.params, header))
        out.append((node.body, inner))
        return out

    def _predicate(self, node: cst.FunctionDef, scope: Scope) -> None:
        p = guards.function_polarity(node, lambda e: self.resolver(e, scope), self.model.flags, self.predicates)
        if p:
            self.model.flags[f"{node.name.value}()"] = p

    def _class(self, node, site):
        outer = site.scope
        outer.bind(node.name.value, Binding("class", node))
        scope = Scope("class", node, outer)
        self.model.class_scopes[node] = scope
        inner = _replace(site, scope=scope, statement=node)
        header = _replace(site, statement=node)    # decorators, bases: this class's
        out = [(d, header) for d in node.decorators]
        out.extend((b, header) for b in node.bases)
        out.extend((k, header) for k in node.keywords)
        out.append((node.body, inner))
        return out


def _is_static(node: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators)


dotted_name = _dotted = guards.dotted_name

@functools.lru_cache(maxsize=None)
def _special() -> Dict[type, object]:
    """The node types the walker handles itself (built on first use: reading
    ``cst.X`` imports libcst, see gaelint.lazycst)."""
    table = {
        cst.SimpleStatementLine: _Walker._simple_line,
        cst.Assign: _Walker._assign,
        cst.AnnAssign: _Walker._assign,
        cst.Import: _Walker._imports,
        cst.ImportFrom: _Walker._imports,
        cst.With: _Walker._with,
        cst.For: _Walker._for,
        cst.If: _Walker._if,
        cst.Try: _Walker._try,
        cst.ExceptHandler: _Walker._except,
        cst.FunctionDef: _Walker._function,
        cst.ClassDef: _Walker._class,
        cst.While: _Walker._simple_line,
    }
    if hasattr(cst, "TryStar"):
        table[cst.TryStar] = _Walker._try
    return table


def build(module: cst.Module, wanted: Sequence[type], resolver, main_is_script: bool = False,
          predicates=None) -> Model:
    """``predicates(qualname)``: the polarity of another module's function
    (``utils.on_appengine``), or None."""
    # Calls and assignments are recorded whatever the rules ask for: values
    # are followed through them.
    return _Walker(module, {*wanted, cst.Call, cst.Assign}, resolver, main_is_script, predicates).run()
