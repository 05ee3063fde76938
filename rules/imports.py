"""GAE301, GAE303: imports the python27 runtime cannot load.

Imports are resolved the way the runtime does it (:class:`ImportRule`): a
relative import, a module of the app itself (the app root, a package's own
module through Python 2's implicit relative import, or a vendored directory
put on sys.path, see gaelint/app/vendoring.py) and ``google.appengine`` are
never reported; neither is an import inside ``try:`` whose ``except
ImportError`` has a fallback. Files inside a vendored directory (lib/) are
third-party code whose imports are often optional or never reached: GAE301
reports a stdlib C module they import at the vendored-code severity (info,
lowered by the engine), the other rules leave them to GAE304. The knowledge
is in gaelint/data/c_modules.json and gaelint/data/third_party_c.json.
"""
from __future__ import annotations

from typing import ClassVar, Dict, List, Optional, Tuple

from gaelint.lazycst import cst

from gaelint.analysis import names as _names
from gaelint.app import catalogue
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import Invalid, SourceRule, Valid
from gaelint.analysis.walk import dotted_name
from gaelint.app.vendoring import app_modules

C = table("c_modules")
WHITELIST = frozenset(C["whitelist"]["modules"])
DEPENDS: Dict[str, str] = C["dependents"]["modules"]
BLOCKED = frozenset((set(C["c_modules"]["modules"]) - WHITELIST - set(C["importable_anyway"]["modules"]))
                    | set(DEPENDS))
GROUP_FIX = {m: g["fix"] for g in C["groups"].values() for m in g["modules"]}
THIRD = {imp: (pkg, spec) for pkg, spec in table("third_party_c")["packages"].items() for imp in spec["imports"]}
# catalogue libraries that are GAE303, not GAE302, when app.yaml does not list them
CATALOGUE_C = {imp: (pkg, spec) for pkg, spec in table("third_party_c")["catalogue_c_packages"].items()
               if pkg != "source" for imp in spec["imports"]}
CATALOGUE_C_LIBRARIES = frozenset(spec["library"] for _, spec in CATALOGUE_C.values())


def longest(dotted: str, keys) -> Optional[str]:
    """The longest dotted prefix of ``dotted`` (itself included) in ``keys``."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        key = ".".join(parts[:cut])
        if key in keys:
            return key
    return None


def _spellings(modules) -> Tuple[str, ...]:
    """Trigger substrings: each module and every alias that resolves to it."""
    wanted = set(modules)
    for alias, target in _names.aliases().items():
        if longest(target, wanted):
            wanted.add(alias.rsplit(".", 1)[-1])
    return tuple(sorted(wanted))


def _absolute_import(ctx) -> bool:
    if "absolute_import" not in ctx.state:
        found = False
        for stmt in ctx.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if (isinstance(small, cst.ImportFrom) and small.module is not None
                            and dotted_name(small.module) == "__future__"
                            and not isinstance(small.names, cst.ImportStar)
                            and any(a.name.value == "absolute_import" for a in small.names)):
                        found = True
        ctx.state["absolute_import"] = found
    return ctx.state["absolute_import"]


def _loaded(raw: str) -> str:
    """The module the runtime loads for ``raw``: its canonical Python 2 name
    when that is another top-level module, else ``raw`` as written."""
    name = _names.canonical(raw)
    return name if name.split(".")[0] != raw.split(".")[0] else raw


class ImportRule(SourceRule):
    """Base: calls :meth:`check` once per imported module the runtime would
    look up outside the app (``raw`` as written, ``name`` canonical). Each
    finding's cause is ``<cause_kind>:<key>`` (``module:sqlite3``), the key
    :meth:`check` returns: one missing library is one problem."""

    cause_kind: ClassVar[str] = "module"
    # only import statements are read: a trigger word elsewhere means nothing
    triggers_in_imports = True

    # whether imports in vendored third-party code (lib/) are reported (the
    # engine lowers them to info) or left alone
    reports_vendored_code = False

    def visit_Import(self, node: cst.Import, ctx) -> None:
        for alias in node.names:
            raw = dotted_name(alias.name)
            self._consider([raw], f"import {raw}", alias, ctx)

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx) -> None:
        if node.relative or node.module is None:
            return
        module = dotted_name(node.module)
        if module == "__future__":
            return
        if isinstance(node.names, cst.ImportStar):
            self._consider([module], f"from {module} import *", node, ctx)
            return
        shown = ", ".join(dotted_name(a.name) for a in node.names[:3]) + (", ..." if len(node.names) > 3 else "")
        # `from six.moves import tkinter` imports the module six.moves.tkinter
        candidates = [f"{module}.{dotted_name(a.name)}" for a in node.names] + [module]
        self._consider(candidates, f"from {module} import {shown}", node, ctx)

    def _consider(self, candidates: List[str], statement: str, node, ctx) -> None:
        if ctx.site.import_fallback or (not self.reports_vendored_code and self._in_vendored_code(ctx)):
            return
        module = candidates[-1]       # `from module import a, b`: the module comes last
        reported = set()
        for raw in candidates:
            # Ownership is decided on the module the runtime loads: six.moves.tkinter
            # or a vendored Python 3 shim named tkinter still load Tkinter.
            loaded = _loaded(raw)
            if loaded != raw:
                if self._app_owned(loaded, ctx):
                    continue
            elif self._app_owned(raw, ctx) or (raw != module and self._app_owned(module, ctx)):
                continue
            key = self.check(raw, _names.canonical(raw), ctx)
            if key is not None and key[0] not in reported:
                reported.add(key[0])
                fields = dict(key[1])
                ctx.report(self, node, statement=statement, cause=f"{self.cause_kind}:{key[0]}",
                           message=fields.pop("message", None), fix=fields.pop("fix", None), **fields)

    def check(self, raw: str, name: str, ctx) -> Optional[Tuple[str, dict]]:
        """(key, message fields) when the import fails, else None; the fields
        may carry a ``message`` or ``fix`` template of their own."""
        raise NotImplementedError

    @staticmethod
    def _in_vendored_code(ctx) -> bool:
        return app_modules(ctx.app).in_site_dir(ctx.relpath)

    @staticmethod
    def _app_owned(raw: str, ctx) -> bool:
        if raw == "google.appengine" or raw.startswith("google.appengine."):
            return True
        if raw == "google":
            return False    # the runtime's namespace: vendored google-cloud packages add lib/google too
        mods = app_modules(ctx.app)
        if not _absolute_import(ctx) and mods.beside(raw, ctx.relpath):
            return True
        return mods.provides(raw) is not None


class UnavailableStdlibModule(ImportRule):
    code = "GAE301"
    name = "unavailable-stdlib-module"
    severity = Severity.ERROR
    summary = "Import of a standard-library module whose C part the python27 sandbox does not load."
    reports_vendored_code = True
    message = "`{statement}` fails on App Engine: {why}"
    fix = "{fix}"
    what = """
        An import of a standard-library module that the python27 sandbox refuses: a C module
        outside its whitelist (`fcntl`, `mmap`, `pwd`, `grp`, `resource`, `termios`,
        `readline`, `syslog`, `audioop`, `_socket`, `dbm`, ...), or a pure-Python module that
        needs one at import time (`sqlite3` needs `_sqlite3`, `multiprocessing` needs
        `_multiprocessing`, `ctypes` needs `_ctypes`, `curses`, `Tkinter` and its family, `tty`
        and `pty` need `termios`, `hotshot`, `bsddb`). Python 3 and `six.moves` spellings
        (`tkinter`) are resolved to the Python 2 module the runtime would load.

        Not flagged: the whitelisted C modules (`json`'s `_json`, `cPickle`, `cStringIO`,
        `hashlib`, `zlib`, `bz2`, `datetime`, `array`, ...); `select` (App Engine replaces it
        with a socket-only version) and `signal` (importable; its functions are GAE202);
        `ssl` (a `libraries:` entry, GAE302); imports inside `try:` with an `except
        ImportError` fallback; a module of the same name that the app ships itself. Windows-only
        modules (`_winreg`, `msvcrt`) are left alone: code imports them behind platform checks.

        In vendored third-party code (a directory the app puts on `sys.path`, such as lib/)
        such an import is reported at info, the severity of vendored code: the package may
        import the module only on paths the app never takes.
    """
    why = """
        The python27 runtime is a "pure Python" environment: its import hook loads a C module
        (built in or an extension) only if it is on a whitelist, and raises
        `ImportError: No module named ...` otherwise. The documented production sandbox
        follows the classic whitelist (SDK 1.9.78 and before); later dev_appserver releases
        also allowed `fcntl`, `mmap`, `grp`, `spwd`, `select`, `_socket` and `_ctypes`, which
        is why such code can pass locally.
    """
    how_to_fix = """
        Use the replacement the message names: Datastore or Cloud SQL instead of `sqlite3`,
        threads or task queues instead of `multiprocessing`, `logging` instead of `syslog`,
        the Users API instead of `pwd`, `google.appengine.api.runtime` instead of `resource`.
        If the import is optional, wrap it in `try:` / `except ImportError:` with a fallback.
    """
    sources = (
        "SDK devappserver2/python/runtime/sandbox.py _WHITE_LIST_C_MODULES and CModuleImportHook (gae-facts §1.1)",
        "gae-facts §1.2: blocked C modules and the stdlib modules that need them (derived from CPython 2.7.18)",
        "https://cloud.google.com/appengine/docs/python/runtime ('a \"pure\" Python environment')",
    )
    triggers = _spellings(BLOCKED)

    VALID = (
        Valid("""
            import json, cPickle, cStringIO, hashlib, zlib, bz2, datetime, select, signal
            from google.appengine.ext import ndb
            try:
                import sqlite3
            except ImportError:
                sqlite3 = None
            """),
        Valid("""
            import resource
            """, files={"resource.py": "LIMITS = {}\n"}, note="the app's own module named resource"),
    )
    INVALID = (
        Invalid("""
            import os, sqlite3
            from multiprocessing import Pool
            import fcntl
            import tkinter
            def who():
                import pwd
                return pwd.getpwuid(os.getuid())
            """, lines=(1, 2, 3, 4, 6)),
        Invalid("""
            from six.moves import tkinter
            from ctypes import util
            """, lines=(1, 2)),
        Invalid("""
            import os
            import termios
            def terminal_width():
                return os.environ.get('COLUMNS', 80)
            """, path="lib/clickish/termui.py",
            files={"appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\n",
                   "lib/clickish/__init__.py": ""},
            lines=(2,), severity=Severity.INFO, note="in vendored code: the vendored-code severity"),
    )

    def check(self, raw, name, ctx):
        key = longest(name, BLOCKED)
        if key is None:
            return None
        need = DEPENDS.get(key)
        if need is not None:
            why = f"`{key}` needs the C module `{need}`, which the python27 sandbox does not load"
        else:
            why = f"`{key}` is a C module outside the python27 sandbox whitelist"
        if raw.split(".")[0] != name.split(".")[0]:
            why += f" (`{raw}` is `{name}` on Python 2)"
        return key, {"why": why, "fix": GROUP_FIX.get(key, "Use a pure-Python replacement")}


class ThirdPartyCExtension(ImportRule):
    cause_kind = "package"
    code = "GAE303"
    name = "third-party-c-extension"
    severity = Severity.ERROR
    summary = "Import of a third-party package that needs compiled code the runtime does not provide."
    message = "`{statement}` needs compiled code that App Engine cannot load: {package} relies on {needs}"
    fix = "Replace {package}: use {instead}"
    what = """
        An import of a well-known third-party package that cannot work without its compiled
        extension and that the `libraries:` catalogue does not offer: `gevent`, `greenlet`,
        `cryptography`, `pycurl`, `psutil`, `bcrypt`, `scipy`, `pandas`, `regex`, `lz4`,
        `pylibmc`, `pyodbc`, ... The message names the compiled part and the fix a pure-Python
        or catalogue alternative.

        Also `psycopg2` and `ujson` while app.yaml does not list them under `libraries:`.
        They are catalogue libraries too, so which code wins: for these two, GAE303 (they are
        C packages that code gets from pip, and only the runtime's own build loads); for the
        other compiled catalogue libraries (`lxml`, `numpy`, `PIL`, `Crypto`, `MySQLdb`,
        `ssl`, ...) GAE302, never this rule. With the `libraries:` entry, neither fires. A
        package vendored in the app (lib/ on sys.path) is the app's own: its import is not
        reported here, and its compiled files are GAE304.

        How the list was made: it is hand-curated for gaelint
        (gaelint/data/third_party_c.json) from widely used PyPI packages whose import needs a
        compiled extension and that ship no pure-Python fallback. Packages with a working
        pure-Python fallback (simplejson, msgpack, PyYAML, markupsafe, pymongo, ...) are left
        out because they run without their speedups, and the tests check that no entry is a
        catalogue library. It is package knowledge, not App Engine documentation; an import
        that is not on the list is never guessed at.
    """
    why = """
        "The interpreter cannot load Python modules with C code; it is a 'pure' Python
        environment", and "third party libraries must be implemented as pure Python code with
        no C extensions": the sandbox's import hook refuses every compiled module except the
        whitelisted standard ones and the catalogue libraries enabled in app.yaml.
    """
    how_to_fix = """
        Switch to the alternative the fix names (a pure-Python package vendored in lib/, a
        catalogue library under `libraries:`, or an App Engine API), or move the work to a
        service that can run native code.
    """
    sources = (
        "https://cloud.google.com/appengine/docs/python/runtime ('cannot load Python modules with C code') — gae-facts §1.1",
        "https://cloud.google.com/appengine/docs/python/tools/using-libraries-python-27 ('pure Python code with no C extensions')",
        "gaelint/data/third_party_c.json (curated list, see above)",
    )
    triggers = tuple(sorted({imp.split(".")[0] for imp in [*THIRD, *CATALOGUE_C]}))

    VALID = (
        Valid("""
            import json, hashlib
            from Crypto.Cipher import AES
            try:
                import gevent
            except ImportError:
                gevent = None
            """),
        Valid("""
            import regex
            """, files={"appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\n",
                        "lib/regex/__init__.py": "compile = None\n"},
            note="a vendored pure-Python package of the same name is the app's own"),
        Valid("""
            import psycopg2
            import ujson
            """, app_yaml="runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n"
                          "  script: main.app\nlibraries:\n- name: psycopg2\n  version: \"2.8.3\"\n"
                          "- name: ujson\n  version: \"1.35\"\n", note="the runtime's builds, listed under libraries:"),
    )
    INVALID = (
        Invalid("""
            import gevent
            from cryptography.fernet import Fernet
            import psutil, bcrypt
            """, lines=(1, 2, 3, 3)),
        Invalid("""
            import psycopg2
            import ujson
            def connect(dsn):
                return psycopg2.connect(dsn)
            """, lines=(1, 2), note="psycopg2 and ujson while app.yaml does not list them"),
    )

    def check(self, raw, name, ctx):
        key = longest(name, THIRD)
        if key is not None:
            package, spec = THIRD[key]
        else:
            key = longest(name, CATALOGUE_C)
            if key is None:
                return None
            package, spec = CATALOGUE_C[key]
            if spec["library"] in catalogue.enabled(ctx.app):
                return None
        return package, {"package": package, "needs": spec["needs"], "instead": spec["instead"]}
