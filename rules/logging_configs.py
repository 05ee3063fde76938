"""What ``logging.config.fileConfig`` and ``dictConfig`` install (for GAE201).

fileConfig reads an ini file of the app: its ``[handlers] keys=`` name
``[handler_<key>]`` sections whose ``class=`` the logging package evaluates
in its own namespace (``FileHandler``, ``handlers.RotatingFileHandler``).
The file is read as an app-level fact of its own bytes
(``ctx.app_file_fact``). dictConfig takes a dict display, spelled in the
call or assigned once to a name; its ``handlers`` give each handler's
``class`` as a dotted name.
"""
from __future__ import annotations

import configparser
import posixpath
from typing import List, Optional, Tuple

from gaelint.lazycst import cst

from gaelint.analysis.context import UNKNOWN


def _ini_handlers(path) -> List[List[str]]:
    """[handler key, class] of each handler a logging.config.fileConfig ini
    file installs, the class as the logging package resolves it."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(path.read_text("utf-8", "replace"))
        keys = [k.strip() for k in parser.get("handlers", "keys").split(",") if k.strip()]
    except (OSError, configparser.Error, UnicodeError):
        return []
    out = []
    for key in keys:
        try:
            klass = parser.get(f"handler_{key}", "class").strip()
        except configparser.Error:
            continue
        out.append([key, klass if klass.startswith("logging.") else f"logging.{klass}"])
    return out


def _config_path(ctx, expr) -> Optional[str]:
    """The app-relative path of a logging config file: a literal (relative
    to the app root, the runtime's working directory) or
    ``os.path.join(os.path.dirname(__file__), 'logging.conf')``."""
    value = ctx.literal(expr)
    if isinstance(value, str):
        return posixpath.normpath(value) if not value.startswith("/") else None
    if isinstance(expr, cst.Call) and ctx.call_name(expr) == "os.path.join" and len(expr.args) == 2:
        head = ctx.module.code_for_node(expr.args[0].value)
        name = ctx.literal(expr.args[1].value)
        if "__file__" in head and "dirname" in head and isinstance(name, str):
            return posixpath.normpath(posixpath.join(posixpath.dirname(ctx.relpath), name))
    return None


def _dict_node(ctx, expr, depth: int = 0) -> Optional[cst.BaseExpression]:
    """The dict display (``{...}`` or ``dict(...)``) an expression names."""
    if depth > 4 or expr is None:
        return None
    if isinstance(expr, cst.Dict) or (isinstance(expr, cst.Call) and ctx.call_name(expr) == "__builtin__.dict"):
        return expr
    if isinstance(expr, cst.Name):
        bindings = ctx.bindings(expr.value)
        if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].index is None:
            return _dict_node(ctx, bindings[0].value, depth + 1)
    return None


def _dict_items(ctx, node):
    """(key, value expression) of a dict display, keys resolved."""
    if isinstance(node, cst.Dict):
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                yield ctx.literal(el.key), el.value
    else:
        for a in node.args:
            if a.keyword is not None:
                yield a.keyword.value, a.value


def _dict_get(ctx, node, key):
    return next((v for k, v in _dict_items(ctx, node) if k == key), None)


def file_config_handler(ctx, expr, file_handlers) -> Optional[Tuple[str, str, str]]:
    """(config path, handler key, class) of the first handler in
    ``file_handlers`` that ``fileConfig(expr)`` installs, or None."""
    rel = _config_path(ctx, expr) if expr is not None else None
    handlers = ctx.app_file_fact(rel, "logging-ini-handlers", _ini_handlers) if rel else None
    for key, klass in handlers or ():
        if klass in file_handlers:
            return rel, key, klass
    return None


def dict_config_handler(ctx, expr, file_handlers) -> Optional[Tuple[str, str]]:
    """(handler key, class) of the first handler in ``file_handlers`` that
    ``dictConfig(expr)`` installs, or None."""
    config = _dict_node(ctx, expr)
    handlers = _dict_node(ctx, _dict_get(ctx, config, "handlers")) if config is not None else None
    for key, handler in _dict_items(ctx, handlers) if handlers is not None else ():
        handler = _dict_node(ctx, handler)
        klass = ctx.literal(_dict_get(ctx, handler, "class")) if handler is not None else UNKNOWN
        if klass in file_handlers:
            return key, klass
    return None
