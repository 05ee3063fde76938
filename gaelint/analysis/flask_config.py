"""Flask config keys as values: ``app.config['MAIL_PORT']``.

A key of a Flask app made in this file is known when every way the file
fills the config is known (``from_object`` of a class of this file, of an
app module's class or of an import string; ``update``/``from_mapping`` with
literals; ``app.config['KEY'] = value``) and one of them sets the key.
``from_pyfile``/``from_envvar`` may set anything: then nothing is known.
The methods are gaelint/data/constants.json's ``flask_config``.
"""
from __future__ import annotations

from typing import Any, List, Optional

from gaelint.lazycst import cst

from gaelint.knowledge import table

from .possible import UNKNOWN, dedupe, single, subscript_index
from .walk import Scope, lookup

_FLASK = table("constants")["flask_config"]
FLASK_APPS = frozenset(_FLASK["apps"])
FLASK_LOADERS = frozenset(_FLASK["object_loaders"])
FLASK_UPDATERS = frozenset(_FLASK["updaters"])
FLASK_OPAQUE = frozenset(_FLASK["opaque_loaders"])


class FlaskConfig:
    """Mixin for Values (needs ``_values``, ``_class_attribute``,
    ``origin``, ``arg``, ``qualname``, ``model``, ``module``, ``externals``)."""

    def _flask_config(self, config, key, scope: Scope, depth: int) -> Optional[List[Any]]:
        """``app.config['KEY']`` for a Flask app of this file: every way the
        file fills the key (``from_object``, ``update``, ``config[...] =``)
        must be known, and one of them must set it."""
        if not (isinstance(config, cst.Attribute) and config.attr.value == "config" and isinstance(key, str)):
            return None
        receiver = self.module.code_for_node(config.value)
        if self.origin(config.value, scope) not in FLASK_APPS:
            return None
        out: List[Any] = []
        for call, site in self.model.nodes.get(cst.Call, ()):
            func = call.func
            if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)
                    and func.value.attr.value == "config"
                    and self.module.code_for_node(func.value.value) == receiver):
                continue
            method = func.attr.value
            if method in FLASK_OPAQUE:
                return None                      # from_pyfile / from_envvar: anything may be set
            if method in FLASK_LOADERS:
                found = self._flask_object(self.arg(call, 0, "obj"), key, site.scope, depth)
            elif method in FLASK_UPDATERS:
                found = self._flask_update(call, key, site.scope, depth)
            else:
                continue
            if found is False:
                return None
            out.extend(found or ())
        for assign, site in self.model.nodes.get(cst.Assign, ()):
            for target in assign.targets:
                t = target.target
                if (isinstance(t, cst.Subscript) and isinstance(t.value, cst.Attribute)
                        and t.value.attr.value == "config"
                        and self.module.code_for_node(t.value.value) == receiver):
                    name = single(self._values(subscript_index(t), site.scope, depth + 1))
                    if name is UNKNOWN:
                        return None
                    if name == key:
                        found = self._values(assign.value, site.scope, depth + 1)
                        if found is None:
                            return None
                        out.extend(found)
        return dedupe(out) if out else None

    def _flask_object(self, obj, key: str, scope: Scope, depth: int):
        """Values of ``key`` in what ``from_object(obj)`` loads ([] when it
        does not set it; False when unknown)."""
        if obj is None or not key.isupper():
            return False if obj is None else []
        name = single(self._values(obj, scope, depth + 1))
        if isinstance(name, str):
            found = self.externals.constant(f"{name}.{key}")
            return found if found is not None else False
        if isinstance(obj, cst.Name):
            bindings, _ = lookup(scope, obj.value)
            if bindings and len(bindings) == 1 and bindings[0].kind == "class":
                found = self._class_attribute(bindings[0].value, key, depth + 1)
                return found if found is not None else False
        q = self.qualname(obj, scope)
        found = self.externals.constant(f"{q}.{key}") if q else None
        return found if found is not None else False

    def _flask_update(self, call: cst.Call, key: str, scope: Scope, depth: int):
        for a in call.args:
            if a.star:
                return False
            if a.keyword is not None:
                if a.keyword.value == key:
                    return self._values(a.value, scope, depth + 1) or False
                continue
            mapping = single(self._values(a.value, scope, depth + 1))
            if not isinstance(mapping, dict):
                return False
            if key in mapping:
                return [mapping[key]]
        return []
