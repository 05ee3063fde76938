"""The modules and functions Django imports by name, as one file's facts
see them (:mod:`.facts` records them as ``refs``).

Django never imports its settings, URLconf, views or an installed app's
modules with an ``import`` statement: it takes their names from strings.
The strings that count, from the ``django`` table:

* the settings module: ``os.environ['DJANGO_SETTINGS_MODULE'] =
  'settings'``, ``os.environ.setdefault(...)``, ``os.putenv(...)``; a
  single name (``'settings'``) is a module here, a dotted one is one
  anywhere;
* a setting that names modules (``ROOT_URLCONF = 'urls'``,
  ``INSTALLED_APPS``, ``MIDDLEWARE_CLASSES``...), assigned at module level
  or given to ``settings.configure(ROOT_URLCONF='urls')``;
* what Django loads for each installed app: its ``models``, ``admin``...
  modules and every module of its ``templatetags`` package (``app.templatetags.*``,
  a ref the graph expands to the package's modules);
* a view of an old-style URLconf: ``patterns('app.views', (r'^x$',
  'export'), url(r'^y$', 'other'))`` names ``app.views.export`` and
  ``app.views.other``.
"""
from __future__ import annotations

import ast
import re
from typing import List, Tuple

from gaelint.knowledge import table

from .astutil import dotted, string

_TABLE = table("django")
_SETTINGS_ENVIRONMENT = _TABLE["settings_environment"]
_MODULE_SETTINGS = frozenset(_TABLE["module_settings"])
_INSTALLED_APPS = _TABLE["installed_app"]
_APP_MODULES = tuple(_TABLE["installed_app_modules"])
_APP_PACKAGES = tuple(_TABLE["installed_app_packages"])
_PATTERNS = _TABLE["url_patterns"]
_URL = _TABLE["url_entry"]
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# The last part of the names of the calls below: facts asks only about these.
CALLS = frozenset({"setdefault", "putenv", "configure", _PATTERNS})

Refs = List[Tuple[int, str]]


def assignment_refs(node: ast.Assign) -> Refs:
    """``ROOT_URLCONF = 'urls'``, ``os.environ['DJANGO_SETTINGS_MODULE'] = 'settings'``."""
    out: Refs = []
    for target in node.targets:
        if isinstance(target, ast.Name):
            if target.id in _MODULE_SETTINGS:
                out += _setting(target.id, node.value)
        elif isinstance(target, ast.Subscript) and (dotted(target.value) or "").endswith("environ"):
            key = target.slice.value if isinstance(target.slice, getattr(ast, "Index", ())) else target.slice
            if string(key) == _SETTINGS_ENVIRONMENT:
                out += _module(node.value)
    return out


def call_refs(call: ast.Call, name: str) -> Refs:
    """``os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')``,
    ``settings.configure(ROOT_URLCONF='urls')``, ``patterns('app.views', ...)``."""
    tail = name.rpartition(".")[2]
    args = call.args
    if tail in ("setdefault", "putenv"):
        if len(args) >= 2 and string(args[0]) == _SETTINGS_ENVIRONMENT and \
                (tail == "putenv" or name.endswith("environ.setdefault")):
            return _module(args[1])
        return []
    if tail == "configure":
        if not name.endswith("settings.configure"):
            return []
        return [ref for keyword in call.keywords if keyword.arg in _MODULE_SETTINGS
                for ref in _setting(keyword.arg, keyword.value)]
    if tail == _PATTERNS and args:
        prefix = string(args[0])
        if not prefix or not _DOTTED.match(prefix):
            return []           # `patterns('', ...)`: the views are whole dotted names
        out = []
        for entry in args[1:]:
            view = _view(entry)
            text = string(view)
            if text and _DOTTED.match(text):
                out.append((view.lineno, f"{prefix}.{text}"))
        return out
    return []


def _view(entry):
    """The view of one URL pattern: ``(regex, view, ...)`` or ``url(regex, view, ...)``."""
    if isinstance(entry, (ast.Tuple, ast.List)) and len(entry.elts) >= 2:
        return entry.elts[1]
    if isinstance(entry, ast.Call) and (dotted(entry.func) or "").rpartition(".")[2] == _URL:
        if len(entry.args) >= 2:
            return entry.args[1]
        return next((k.value for k in entry.keywords if k.arg == "view"), None)
    return None


def _module(value) -> Refs:
    text = string(value)
    return [(value.lineno, text)] if text and _IDENT.match(text) else []


def _setting(name: str, value) -> Refs:
    out: Refs = []
    for sub in ast.walk(value):
        text = string(sub)
        if not text:
            continue
        if _IDENT.match(text):
            out.append((sub.lineno, text))
        if name == _INSTALLED_APPS and _DOTTED.match(text):
            # Django imports each installed app's models (and admin, apps) at start-up
            out += [(sub.lineno, f"{text}.{part}") for part in _APP_MODULES]
            out += [(sub.lineno, f"{text}.{package}.*") for package in _APP_PACKAGES]
    return out
