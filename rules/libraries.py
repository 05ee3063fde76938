"""GAE302, GAE305: the python27 ``libraries:`` catalogue.

GAE302 reads imports (resolved as in rules/imports.py) against what the app
enables; GAE305 validates the ``libraries:`` entries of app.yaml the way
appinfo does. The catalogue is gaelint/data/libraries.json, read through
gaelint/app/catalogue.py.
"""
from __future__ import annotations

import difflib
from typing import List, Optional

from gaelint.app import catalogue
from gaelint.app.catalogue import LIBRARIES
from gaelint.findings import Severity
from gaelint.registry import AppRule, Invalid, Valid

from .imports import CATALOGUE_C_LIBRARIES, ImportRule

PIP_NAMES = catalogue.DATA["pip_names"]["names"]
PYTHON27_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\n\nhandlers:\n- url: /.*\n  script: main.app\n"


def _quoted(versions) -> str:
    return ", ".join(f'"{v}"' for v in versions)


def _entry(name: str) -> str:
    lib = LIBRARIES[name]
    return f'`- name: {name}` / `version: "{lib["latest"]}"`'


class LibraryNotDeclared(ImportRule):
    code = "GAE302"
    name = "library-not-declared"
    severity = Severity.ERROR
    summary = "Import of a library the runtime provides only through `libraries:`, which app.yaml does not list."
    message = "`{statement}` needs the `{library}` library, which app.yaml does not enable under `libraries:`"
    fix = "Add {entry} under `libraries:` in app.yaml{more}"
    what = """
        An import of a module that the python27 runtime provides only as a `libraries:` entry
        of app.yaml (`lxml`, `numpy`, `PIL`, `Crypto` for pycrypto, `MySQLdb`, `ssl`,
        `jinja2`, `markupsafe`, `django`, `flask`, `matplotlib`, `grpc` for grpcio,
        `google.protobuf` for protobuf, `concurrent.futures` for futures,
        `pkg_resources` for setuptools, `endpoints`, `enum`, ...) while app.yaml does not
        enable it. The fix names the entry to add with the catalogue's latest version.

        Not flagged: the libraries enabled by default (webapp2, webob, yaml, six, pytz,
        protorpc, werkzeug); companions that a listed library brings along (listing jinja2
        enables markupsafe and setuptools, flask enables click, itsdangerous, jinja2 and
        werkzeug); a copy vendored in the app (lib/ on sys.path); imports inside `try:` with
        an `except ImportError` fallback. `psycopg2` and `ujson` are catalogue libraries and
        C packages at once: without their entry they are GAE303 (third-party C extension),
        never this rule.
    """
    why = """
        These libraries are not on the runtime's `sys.path` unless app.yaml asks for them, and
        the C ones (lxml, numpy, PIL, pycrypto, ssl's `_ssl`, ...) are allowed through the
        sandbox only when listed: without the entry the import raises `ImportError`. App
        Engine even "treats [ssl] like a third-party library, requiring it to be configured in
        app.yaml".
    """
    how_to_fix = """
        Add the entry, for example:

            libraries:
            - name: lxml
              version: "3.7.3"

        or vendor a pure-Python copy of the package in lib/ (pure-Python libraries only).
    """
    sources = (
        "SDK google/appengine/api/appinfo.py _SUPPORTED_LIBRARIES, REQUIRED_LIBRARIES, GetNormalizedLibraries (gae-facts §2)",
        "SDK devappserver2/python/runtime/sandbox.py THIRD_PARTY_C_MODULES (gae-facts §1.1)",
        "https://cloud.google.com/appengine/docs/python/tools/built-in-libraries-27",
    )
    triggers = tuple(sorted(catalogue.undeclarable_import_words()))

    VALID = (
        Valid("""
            import webapp2, webob, yaml, six, pytz, werkzeug
            from protorpc import messages
            from lxml import etree
            import jinja2, markupsafe
            try:
                import numpy
            except ImportError:
                numpy = None
            """, app_yaml=PYTHON27_YAML + "libraries:\n- name: lxml\n  version: latest\n- name: jinja2\n  version: \"2.6\"\n"),
        Valid("""
            import psycopg2
            import ujson
            """, note="catalogue libraries that are C packages too: GAE303 reports them"),
    )
    INVALID = (
        Invalid("""
            from lxml import etree
            import numpy as np
            from Crypto.Cipher import AES
            import ssl
            from concurrent import futures
            """, lines=(1, 2, 3, 4, 5)),
    )

    def check(self, raw, name, ctx):
        hit = catalogue.for_import(name)
        if hit is None:
            return None
        _, libs = hit
        if CATALOGUE_C_LIBRARIES.intersection(libs):
            return None                 # psycopg2, ujson: GAE303 reports them
        enabled = catalogue.enabled(ctx.app)
        if any(lib in enabled for lib in libs):
            return None
        first = libs[0]
        more: List[str] = []
        others = [v for v in LIBRARIES[first]["versions"]
                  if v not in LIBRARIES[first]["deprecated"] and v != LIBRARIES[first]["latest"]]
        if others:
            more.append(f"also supported: {_quoted(others)}")
        if len(libs) > 1:
            more.append("or " + ", ".join(_entry(n) for n in libs[1:]))
        for entry in getattr(ctx.app.config, "libraries", None) or ():
            if entry.name and entry.name not in LIBRARIES and _guess(entry.name) == first:
                more.append(f"app.yaml's `{entry.name}` entry is not a catalogue name: rename it")
        return first, {"library": first, "entry": _entry(first), "more": f" ({'; '.join(more)})" if more else ""}


class BadLibraryEntry(AppRule):
    code = "GAE305"
    name = "bad-library-entry"
    severity = Severity.ERROR
    reports_on = (".yaml", ".yml")   # app.yaml only
    summary = "A `libraries:` entry in app.yaml that the python27 runtime rejects or resolves unexpectedly."
    message = "{what}"
    fix = "{fix}"
    what = """
        Each `libraries:` entry of app.yaml, checked as appinfo checks it: an unknown name
        (the closest catalogue name is suggested: `Pillow` -> `PIL`), an unsupported version
        (the supported ones are listed), an unquoted version that YAML reads as a number
        (`version: 3.10` is 3.1), a missing `name` or `version`, a duplicate entry, and
        `libraries:` under a runtime other than python27: errors, because the deployment is
        refused. A deprecated version is a warning (appinfo logs one).

        At info severity: a library whose REQUIRED_LIBRARIES companions are not listed
        (jinja2 2.6 needs markupsafe and setuptools, matplotlib needs numpy, flask needs
        click, itsdangerous, jinja2 and werkzeug, django 1.11 needs pytz, grpcio needs
        protobuf, enum, futures, six and setuptools). appinfo adds them itself
        (`GetAllLibraries`), so nothing fails, but at versions app.yaml does not show
        (jinja2 brings setuptools 0.6c11, a deprecated version). Also at info: `version:
        latest` where the catalogue's latest_version is not its newest version (django's
        `latest` is 1.4, not 1.11). `latest` is otherwise fine: the python27 catalogue no
        longer changes, so it does not float.
    """
    why = """
        appinfo refuses an app.yaml with an unknown library (`the library "X" is not
        supported`), an unsupported version (`X version "V" is not supported, use one of:
        ...`), a duplicate (`Duplicate library entry for X`) or `libraries` on another runtime
        (`libraries entries are only supported by the "python27" runtime`), so the deployment
        fails.
    """
    how_to_fix = "Use a name and a version from the catalogue (the message lists them), quoted."
    sources = (
        "SDK google/appengine/api/appinfo.py Library.CheckInitialized, AppInfoExternal.CheckInitialized, GetAllLibraries, REQUIRED_LIBRARIES (gae-facts §2)",
        "https://cloud.google.com/appengine/docs/python/tools/built-in-libraries-27",
    )

    VALID = (
        Valid(PYTHON27_YAML + "libraries:\n- name: lxml\n  version: \"3.7.3\"\n- name: jinja2\n  version: \"2.6\"\n"
              "- name: markupsafe\n  version: \"0.23\"\n- name: setuptools\n  version: latest\n- name: ssl\n  version: \"2.7.11\"\n",
              path="app.yaml"),
    )
    INVALID = (
        Invalid(PYTHON27_YAML + "libraries:\n- name: Pillow\n  version: \"1.1.7\"\n- name: lxml\n  version: \"2.4\"\n"
                "- name: yaml\n  version: 3.10\n- name: lxml\n  version: latest\n",
                path="app.yaml", lines=(9, 12, 14, 15)),
        Invalid(PYTHON27_YAML + "libraries:\n- name: pycrypto\n  version: \"2.3\"\n",
                path="app.yaml", lines=(10,), severity=Severity.WARNING),
        Invalid(PYTHON27_YAML + "libraries:\n- name: flask\n  version: \"0.12\"\n",
                path="app.yaml", lines=(9,), severity=Severity.INFO),
    )

    def check_app(self, app) -> None:
        config = app.config
        if config is None or config.error is not None or not config.libraries:
            return
        self.app, self.path = app, config.path
        if config.runtime and config.runtime != "python27" and not _vm_python27(config.data):
            self._report(config.line_of("libraries"), f"`libraries:` is only supported by the python27 runtime, and this app.yaml says `runtime: {config.runtime}`",
                         "Remove `libraries:` (list the packages in requirements.txt on other runtimes), or use runtime: python27")
            return
        listed = {e.name for e in config.libraries}
        seen = set()
        for e in config.libraries:
            line = e.name_line or e.line
            if e.name is None:
                self._report(e.line, "a `libraries:` entry without a `name:`", "Give each entry a `name:` and a `version:`")
            elif e.name not in LIBRARIES:
                self._unknown(e, line)
            elif e.name in seen:
                self._report(line, f"duplicate `libraries:` entry for {e.name}", f"List {e.name} once")
            else:
                seen.add(e.name)
                self._version(e, line, listed)

    def _report(self, line, what, fix, severity: Optional[Severity] = None) -> None:
        self.app.report(self, self.path, line, what=what, fix=fix, severity=severity)

    def _unknown(self, e, line) -> None:
        guess = _guess(e.name)
        hint = f"Did you mean `{guess}`? " if guess else ""
        self._report(line, f'the library "{e.name}" is not in the python27 `libraries:` catalogue',
                     hint + "Supported: " + ", ".join(sorted(LIBRARIES, key=str.lower))
                     + "; vendor a pure-Python package in lib/ instead")

    def _version(self, e, line, listed) -> None:
        lib = LIBRARIES[e.name]
        vline = e.version_line or line
        if e.version is None:
            self._report(line, f"the `libraries:` entry for {e.name} has no `version:`",
                         f'Add `version: "{lib["latest"]}"` (appinfo requires one)')
            return
        usable = [v for v in lib["versions"] if v not in lib["deprecated"]]
        version = e.version_runtime or e.version
        if version == "latest":
            newest = catalogue.newest(e.name)
            # Only a minor or major step matters (django's latest is 1.4, not
            # 1.11); ssl's 2.7.11 vs 2.7.16 is the same API.
            if newest.split(".")[:2] != lib["latest"].split(".")[:2]:
                self._report(vline, f"`version: latest` for {e.name} resolves to {lib['latest']} (the catalogue's latest_version), not the newest supported {newest}",
                             f'Pin the version you test with: `version: "{newest}"` or `version: "{lib["latest"]}"`', Severity.INFO)
        elif version not in lib["versions"]:
            if e.version in lib["versions"]:
                self._report(vline, f"{e.name} version {e.version} is unquoted, so YAML reads it as the number {version}, which is not a supported version",
                             f'Quote it: `version: "{e.version}"`')
            else:
                deprecated = f' (deprecated: {_quoted(lib["deprecated"])})' if lib["deprecated"] else ""
                self._report(vline, f'{e.name} version "{version}" is not supported',
                             f"Use one of: {_quoted(usable)}{deprecated}, or latest ({lib['latest']})")
            return
        elif version in lib["deprecated"]:
            self._report(vline, f'{e.name} version "{version}" is deprecated', f"Use one of: {_quoted(usable)}", Severity.WARNING)
        missing = [(n, v) for n, v in catalogue.companions(e.name, version) if n not in listed]
        if missing:
            adds = ", ".join(f"{n} {v}" + (" (deprecated)" if v in LIBRARIES[n]["deprecated"] else "") for n, v in missing)
            self._report(line, f"{e.name} {catalogue.resolve(e.name, version)} needs {', '.join(n for n, _ in missing)}, which app.yaml does not list: appinfo adds {adds} implicitly",
                         "List them to see and choose their versions: " + ", ".join(f'`- name: {n}` / `version: "{LIBRARIES[n]["latest"]}"`' for n, _ in missing),
                         Severity.INFO)


def _guess(name: str) -> Optional[str]:
    """The catalogue name closest to an unknown one (pip name, case, spelling)."""
    lower = {n.lower(): n for n in LIBRARIES}
    key = name.lower()
    guess = PIP_NAMES.get(key) or lower.get(key)
    if guess is None:
        close = difflib.get_close_matches(key, list(lower), n=1, cutoff=0.6)
        guess = lower[close[0]] if close else None
    return guess


def _vm_python27(data) -> bool:
    for key in ("vm_settings", "beta_settings"):
        settings = data.get(key)
        if isinstance(settings, dict) and settings.get("vm_runtime") == "python27":
            return True
    return False
