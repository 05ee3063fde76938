"""What one file tells about the app's structure, read from CPython's ast.

The production model (:mod:`gaelint.app.graph`) needs, for every module of
the app, what it imports, what it names and how it changes where modules
are found, whether or not any rule fires in it. These facts come from the
CPython ``ast`` that source loading already built (C speed, no libcst) and
are cached by content. Every fact carries its line, the function that holds
it (``""`` at module level) and ``where`` it runs: ``""``; ``"off"`` when
only off App Engine (under ``if __name__ == '__main__':``, a
development-server check, a Windows or Python 3 branch, the ``except`` of a
``try`` that imports the App Engine SDK); ``"try"`` inside a ``try:`` whose
``except ImportError`` carries on:

* ``imports``: ``[line, module, level, names, where, scope]`` for every
  ``import``/``from ... import`` and every ``__import__('x')`` /
  ``importlib.import_module('x')`` with a literal name (``names`` is None
  for ``import x``);
* ``refs``: ``[line, text, where, scope]``, string literals that spell a dotted Python path
  (``'handlers.main.MainHandler'``, ``'mysite.settings'``) and the names
  Django imports (:mod:`.django_names`: ``DJANGO_SETTINGS_MODULE``, a
  setting such as ``ROOT_URLCONF = 'urls'``, an installed app's modules,
  ``patterns('app.views', (r'^x$', 'export'))``): frameworks import them by
  name; ``pkg.*`` stands for every module of the package ``pkg``;
* ``dynamic``: calls that import a module whose name is not a literal, with
  the literal prefix of the name when there is one; ``loadable``: then, the
  module's string literals that could be such a name (``['home', 'export']``
  feeding ``__import__(name)``);
* ``edits``: changes to where modules are found: ``sys.path`` entries
  (``vendor.add``, ``site.addsitedir``, ``sys.path.insert``), a package's
  ``__path__`` extended (``google.__path__.append``) and ``sys.modules``
  aliases, with the path evaluated relative to the module
  (:mod:`.paths`);
* ``calls``: ``[line, target, where, scope]``, what the module calls or
  uses from other modules (resolved through its imports to dotted paths)
  and the module's own functions it uses (``:name``); ``methods``, the
  names of methods it calls on any object (``env.compile_templates()``);
* ``defs``: ``[first, last, qualname, decorated]`` of every function and class;
* ``names``: names bound at module level (a handler's WSGI attribute);
* ``predicates``: functions that return a where-it-runs check
  (``def on_appengine(): ...``), ``"dev"`` or ``"prod"``;
* ``absolute_import``: ``from __future__ import absolute_import``;
* ``partial``: the module nests too deeply to be read whole (what was read
  stays; a reader that needs every import must not trust it).

Everything is JSON-able lists, so facts cache and travel between processes.
"""
from __future__ import annotations

import ast
import re
from typing import Any, Dict, List, Optional, Tuple

from . import django_names, paths
from .astutil import (catches_import_error, child_fields, dotted, first_line, imported_names, is_main_check,
                      list_elements, module_name_strings, string)
from .platform import off_app_engine

FORMAT = 5
OFF = "off"          # runs only off App Engine
TRY = "try"          # inside `try:` whose `except ImportError` carries on
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\Z")
# `'upload.py'`, `'index.html'`: a file name, not a module path
_FILE_NAME = re.compile(r"\.(?:pyc?|pyo|html?|txt|json|ya?ml|css|js|png|jpe?g|gif|svg|ico|xml|csv|cfg|ini|md|rst"
                        r"|zip|gz|tgz|tar|pem|key|crt|sh|bat|log|db|sqlite3?|po|mo)\Z", re.IGNORECASE)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Calls that import a module named by their first argument.
_IMPORTERS = ("__import__", "import_module", "import_string", "for_name")
_PATH_CALLS = {"sys.path.append": 0, "sys.path.insert": 1, "site.addsitedir": 0, "vendor.add": 0,
               "google.appengine.ext.vendor.add": 0, "sys.path.extend": 0}


class _Collector:
    def __init__(self) -> None:
        self.imports: List[list] = []
        self.refs: List[list] = []
        self.dynamic: List[list] = []
        self.loadable: List[list] = []
        self.module_calls: Dict[str, List[ast.Call]] = {}
        self.edits: List[list] = []
        self.calls: List[list] = []
        self.defs: List[list] = []
        self.names: set = set()
        self.flags: Dict[str, bool] = {}          # module-level IS_DEV / PY3 style flags
        self.bound: Dict[str, str] = {}           # local name -> dotted path it imports
        self.local_defs: set = set()
        self._seen_uses: set = set()
        self.methods: set = set()                 # `x.name(...)` on any receiver
        self.predicates: Dict[str, str] = {}      # on_appengine() -> "prod"
        self.absolute_import = False
        self.env = paths.Env()

    def run(self, tree: ast.Module) -> None:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.local_defs.add(node.name)
        self.env.learn(tree.body)
        self.module_calls = paths.module_level_calls(tree, self.local_defs)
        # (statement, where, scope, top, function-local path env)
        stack: List[Tuple[ast.AST, str, str, bool, Optional[paths.Env]]] = [
            (node, "", "", True, None) for node in reversed(tree.body)]
        while stack:
            node, where, scope, top, local = stack.pop()
            for child in reversed(self._statement(node, where, scope, top, local)):
                stack.append(child)
        if self.dynamic:
            self.loadable = module_name_strings(tree)

    # -- statements ---------------------------------------------------------
    def _statement(self, node, where: str, scope: str, top: bool, local):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            qual = f"{scope}.{node.name}" if scope else node.name
            first = first_line(node)
            self.defs.append([first, getattr(node, "end_lineno", node.lineno), qual, bool(node.decorator_list)])
            if top:
                self.names.add(node.name)
            heads = [*node.decorator_list]
            if top and not isinstance(node, ast.ClassDef):
                self._predicate(node)
            if isinstance(node, ast.ClassDef):
                heads += [*node.bases, *[k.value for k in node.keywords]]
                inner_env = local
            else:
                heads += [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]
                inner_env = paths.Env(parent=local or self.env)
                inner_env.learn(node.body)
                if top:
                    paths.bind_arguments(node, self.module_calls.get(node.name, []), inner_env)
            for expr in heads:
                self._expression(expr, where, scope, local)
            return [(child, where, qual, False, inner_env) for child in node.body]
        if isinstance(node, ast.If):
            self._expression(node.test, where, scope, local)
            body_where = else_where = where
            if not where:
                if top and is_main_check(node.test):
                    body_where = OFF
                else:
                    off = off_app_engine(node.test, self.flags)
                    if off is True:
                        body_where = OFF
                    elif off is False:
                        else_where = OFF
            return [(c, body_where, scope, top, local) for c in node.body] + \
                [(c, else_where, scope, top, local) for c in node.orelse]
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self._import(node, where, scope, top)
            return []
        if isinstance(node, ast.Try):
            return self._try(node, where, scope, top, local)
        if isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name):
            values = paths.literal_strings(node.iter, local or self.env)
            if values is not None:
                local = paths.Env(parent=local or self.env)
                local.alternatives(node.target.id, values)
        if isinstance(node, ast.Assign):
            self._assign(node, where, scope, top, local)
        if top:
            self._bind_names(node)
        out = []
        for _, value in ast.iter_fields(node):
            for item in (value if isinstance(value, list) else [value]):
                if isinstance(item, ast.stmt):
                    out.append((item, where, scope, top, local))
                elif isinstance(item, ast.AST) and not isinstance(item, (ast.expr_context, ast.operator)):
                    if not (isinstance(node, ast.Expr) and string(item) is not None):   # a docstring
                        self._expression(item, where, scope, local)
        return out

    def _predicate(self, node) -> None:
        """A parameterless function that returns a where-it-runs check
        (``def on_appengine(): return ...startswith('Google')``)."""
        body = [b for b in node.body if not (isinstance(b, ast.Expr) and string(b.value) is not None)]
        if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None \
                and not node.args.args:
            off = off_app_engine(body[0].value, self.flags)
            if off is not None:
                self.predicates[node.name] = "dev" if off else "prod"

    def _try(self, node: ast.Try, where: str, scope: str, top: bool, local):
        """A ``try`` whose ``except`` catches ImportError (or everything) and
        carries on: an import failing in its body is handled (``TRY``). When
        the body imports the App Engine SDK, the handlers are the code that
        runs off App Engine."""
        handled = any(catches_import_error(h) for h in node.handlers)
        body_where = where or (TRY if handled else "")
        sdk_probe = any(isinstance(s, (ast.Import, ast.ImportFrom)) and any(
            n.startswith("google.appengine") for n in imported_names(s)) for s in node.body)
        handler_where = where or (OFF if sdk_probe and handled else "")
        out = [(c, body_where, scope, top, local) for c in node.body]
        for handler in node.handlers:
            if handler.type is not None:
                self._expression(handler.type, where, scope, local)
            if handler.name and top:
                self.names.add(handler.name)
            out += [(c, handler_where, scope, top, local) for c in handler.body]
        out += [(c, body_where, scope, top, local) for c in node.orelse]
        out += [(c, where, scope, top, local) for c in node.finalbody]
        return out

    def _assign(self, node: ast.Assign, where: str, scope: str, top: bool, local) -> None:
        if top and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            off = off_app_engine(node.value, self.flags)
            if off is not None:
                self.flags[node.targets[0].id] = off
        self.refs.extend([line, text, where, scope] for line, text in django_names.assignment_refs(node))
        for target in node.targets:
            # sys.modules['infra_libs.ts_mon'] = sys.modules[__package__]
            if isinstance(target, ast.Subscript) and dotted(target.value) == "sys.modules":
                key = string(target.slice if not hasattr(ast, "Index") or not isinstance(target.slice, ast.Index)
                              else target.slice.value)
                if key:
                    self.edits.append([node.lineno, "alias", key, self._alias_target(node.value), where, scope])
            # sys.path[0:0] = [...], sys.path = [...] + sys.path
            elif dotted(target) == "sys.path" or (isinstance(target, ast.Subscript)
                                                   and dotted(target.value) == "sys.path"):
                for element in list_elements(node.value):
                    self._path_edit(node.lineno, "syspath", None, element, where, scope, local)

    def _alias_target(self, value) -> str:
        if isinstance(value, ast.Subscript) and dotted(value.value) == "sys.modules":
            inner = value.slice if not isinstance(value.slice, getattr(ast, "Index", ())) else value.slice.value
            if isinstance(inner, ast.Name) and inner.id in ("__package__", "__name__"):
                return "@" + inner.id
            text = string(inner)
            if text:
                return text
        if isinstance(value, ast.Call) and (dotted(value.func) or "").endswith("new_module"):
            return "@empty"
        name = dotted(value)
        if name:
            head, _, rest = name.partition(".")
            if head in self.bound:
                return self.bound[head] + (f".{rest}" if rest else "")
        return "@unknown"

    def _bind_names(self, node) -> None:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
        elif isinstance(node, ast.Try):
            for handler in node.handlers:
                if handler.name:
                    self.names.add(handler.name)
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name):
                    self.names.add(n.id)

    def _import(self, node, where: str, scope: str, top: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.imports.append([node.lineno, alias.name, 0, None, where, scope])
                local = alias.asname or alias.name.split(".")[0]
                self.bound[local] = alias.name if alias.asname else local
                if top:
                    self.names.add(local)
            return
        module = node.module or ""
        if module == "__future__":
            self.absolute_import = self.absolute_import or any(a.name == "absolute_import" for a in node.names)
            return
        self.imports.append([node.lineno, module, node.level, [a.name for a in node.names], where, scope])
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name
            self.bound[local] = ("." * node.level) + (f"{module}.{alias.name}" if module else alias.name)
            if top:
                self.names.add(local)

    # -- expressions ----------------------------------------------------------
    def _expression(self, expr, where: str, scope: str, local) -> None:
        # A hand-rolled walk (ast.walk is several times slower): Call,
        # string Constant, Attribute and Name are the nodes that say anything.
        stack = [expr]
        pop, push = stack.pop, stack.append
        while stack:
            sub = pop()
            kind = type(sub)
            if kind is ast.Attribute:
                name = dotted(sub)
                if name is not None:
                    if type(sub.ctx) is ast.Load:
                        self._use(sub.lineno, name, where, scope)
                    continue            # the `a.b` of `a.b.c`: only the whole chain is a use
            elif kind is ast.Name:
                if type(sub.ctx) is ast.Load:
                    self._use(sub.lineno, sub.id, where, scope)
                continue
            elif kind is ast.Constant:
                value = sub.value
                if type(value) is str and len(value) < 200 and _DOTTED.match(value) and \
                        not _FILE_NAME.search(value):
                    self.refs.append([sub.lineno, value, where, scope])
                continue
            elif kind is ast.Call:
                self._call(sub, where, scope, local)
            for field in child_fields(kind):
                value = getattr(sub, field)
                if type(value) is list:
                    for item in value:
                        if isinstance(item, ast.AST):
                            push(item)
                elif value is not None and isinstance(value, ast.AST):
                    push(value)

    def _use(self, line: int, name: str, where: str, scope: str) -> None:
        head, _, rest = name.partition(".")
        if head in self.bound:
            target = self.bound[head]
            target = f"{target}.{rest}" if rest else target
        elif head in self.local_defs:
            target = ":" + name
        else:
            return
        key = (target, where, scope)
        if key not in self._seen_uses:
            self._seen_uses.add(key)
            self.calls.append([line, target, where, scope])

    def _call(self, call: ast.Call, where: str, scope: str, local) -> None:
        name = dotted(call.func) or ""
        head, dot, rest = name.partition(".")
        if local is not None and head in local.sys_path_names:    # a parameter the caller passed sys.path to
            name = "sys.path" + dot + rest
        if isinstance(call.func, ast.Attribute):
            self.methods.add(call.func.attr)
        if name.rpartition(".")[2] in django_names.CALLS:
            self.refs.extend([line, text, where, scope] for line, text in django_names.call_refs(call, name))
        # deferred.defer(fn, ...) calls fn later, in production
        if name.endswith("defer") and call.args:
            target = dotted(call.args[0])
            if target:
                self._use(call.lineno, target, where, scope)
        for suffix, position in _PATH_CALLS.items():
            if name == suffix or name.endswith("." + suffix) or (name == "add" and "vendor" in self.bound
                                                                 and suffix == "vendor.add"):
                args = [a for a in call.args if not isinstance(a, ast.Starred)]
                if len(args) > position:
                    values = list_elements(args[position]) if suffix == "sys.path.extend" else [args[position]]
                    for value in values:
                        self._path_edit(call.lineno, "syspath", None, value, where, scope, local)
                return
        if name.endswith((".__path__.append", ".__path__.insert", ".__path__.extend")) and call.args:
            package = name.rsplit(".__path__.", 1)[0]
            head, _, rest = package.partition(".")
            package = self.bound.get(head, head) + (f".{rest}" if rest else "")
            arg = call.args[-1]
            for value in (list_elements(arg) if name.endswith("extend") else [arg]):
                self._path_edit(call.lineno, "pkgpath", package, value, where, scope, local)
            return
        if name.rsplit(".", 1)[-1] not in _IMPORTERS or not call.args:
            return
        first = call.args[0]
        text = string(first)
        if text is not None:
            if _DOTTED.match(text) or _IDENT.match(text):
                self.imports.append([call.lineno, text, 0, None, where, scope])
            return
        prefix = ""
        if isinstance(first, ast.BinOp) and isinstance(first.op, ast.Add):
            prefix = string(first.left) or ""
        elif isinstance(first, ast.BinOp) and isinstance(first.op, ast.Mod):
            prefix = (string(first.left) or "").split("%", 1)[0]
        elif isinstance(first, ast.JoinedStr) and first.values:
            prefix = string(first.values[0]) or ""
        self.dynamic.append([call.lineno, prefix, where, scope])

    def _path_edit(self, line: int, kind: str, package, expr, where: str, scope: str, local) -> None:
        values = paths.evaluate(expr, local or self.env)
        if not values:
            self.edits.append([line, kind, package, None, where, scope])
        for value in values:
            self.edits.append([line, kind, package, value, where, scope])


def extract(tree: Optional[ast.Module]) -> Dict[str, Any]:
    """The facts of a module (empty lists when it could not be parsed)."""
    collector = _Collector()
    partial = False
    if tree is not None:
        try:
            collector.run(tree)
        except RecursionError:      # absurd nesting: what was read stays, said to be partial
            partial = True
    return {"format": FORMAT, "partial": partial, "imports": collector.imports, "refs": collector.refs,
            "dynamic": collector.dynamic, "loadable": collector.loadable, "edits": collector.edits, "calls": collector.calls,
            "defs": collector.defs, "names": sorted(collector.names), "methods": sorted(collector.methods),
            "predicates": collector.predicates,
            "absolute_import": collector.absolute_import}


def empty() -> Dict[str, Any]:
    return extract(None)
