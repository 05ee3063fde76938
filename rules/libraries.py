"""GAE302, GAE305: the python27 ``libraries:`` catalogue.

GAE302 reads imports (resolved as in rules/imports.py) against what the app
enables; GAE305 validates the ``libraries:`` entries of app.yaml the way
appinfo does. The catalogue is gaelint/data/libraries.json, read through
gaelint/app/catalogue.py.
"""
from __future__ import annotations

from typing import List, Optional

from gaelint.app import catalogue
from gaelint.app.catalogue import LIBRARIES
from gaelint.findings import Severity
from gaelint.registry import AppRule, Invalid, Valid

from .handler_scripts import service_configs
from .imports import CATALOGUE_C_LIBRARIES, ImportRule
from .library_edits import (PIP_NAMES, acceptable, add_companions, add_library, entries, guess_name, rename,
                            version_quote)

PYTHON27_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\n\nhandlers:\n- url: /.*\n  script: main.app\n"


def _quoted(versions) -> str:
    return ", ".join(f'"{v}"' for v in versions)


def _entry(name: str) -> str:
    return f'`- name: {name}` / `version: "{catalogue.recommended(name)}"`'


class LibraryNotDeclared(ImportRule):
    cause_kind = "library"
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
        Each service yaml is its own runtime configuration: a module that another python27
        service (worker.yaml) imports at start-up needs the library in that yaml too; an
        import only a function of that service runs is info.

        Not flagged: the libraries enabled by default (webapp2, webob, yaml, six, pytz,
        protorpc, werkzeug); companions that a listed library brings along (listing jinja2
        enables markupsafe and setuptools, flask enables click, itsdangerous, jinja2 and
        werkzeug); a copy vendored in the app (lib/ on sys.path); imports inside `try:` with
        an `except ImportError` fallback. `psycopg2` and `ujson` are catalogue libraries and
        C packages at once: without their entry they are GAE303 (third-party C extension),
        never this rule.

        At info, with the reason: a pure-Python library when a build step fills the app's
        vendored directory (a lib/ on `sys.path` that the checkout lacks, or holds with no
        Python while a requirements file beside app.yaml or a `pip install -t lib` in a build
        script fills it; the requirements file that lists the package is named), or when a
        Bazel workspace builds the app (its third-party code comes from the workspace).
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
    fixable = ("adds the library under `libraries:` in app.yaml (creating the section), at the newest version "
               "the runtime supports that is not deprecated, with the libraries it requires")

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
            """, lines=(1, 2, 3, 4, 5), fixed="""
            runtime: python27
            api_version: 1
            threadsafe: true

            handlers:
            - url: /.*
              script: main.app

            libraries:
            - name: lxml
              version: "3.7.3"
            - name: numpy
              version: "1.6.1"
            - name: pycrypto
              version: "2.6.1"
            - name: ssl
              version: "2.7.11"
            - name: futures
              version: "3.0.5"
            """),
        Invalid("""
            import jinja2
            """, app_yaml=PYTHON27_YAML + "\n# Libraries the runtime provides\nlibraries:\n- name: webapp2  # routing\n"
                                          "  version: '2.5.2'\n\n# keep last\nbuiltins:\n- deferred: on\n",
            lines=(1,), fixed=PYTHON27_YAML + "\n# Libraries the runtime provides\nlibraries:\n- name: webapp2  # routing\n"
                                                "  version: '2.5.2'\n- name: jinja2\n  version: '2.6'\n"
                                                "- name: markupsafe\n  version: '0.15'\n- name: setuptools\n"
                                                "  version: '36.6.0'\n\n# keep last\nbuiltins:\n- deferred: on\n"),
    )

    def check(self, raw, name, ctx):
        hit = catalogue.for_import(name)
        if hit is None:
            return None
        _, libs = hit
        if CATALOGUE_C_LIBRARIES.intersection(libs):
            return None                 # psycopg2, ujson: GAE303 reports them
        enabled = catalogue.enabled(ctx.app)
        first = libs[0]
        if any(lib in enabled for lib in libs):
            return self._missing_in_another_service(first, libs, ctx)
        replacement = catalogue.instead(first)
        if replacement is not None:
            gone = catalogue.decommissioned(first, LIBRARIES[first]["latest"]) or {}
            why = gone.get("why", "it was decommissioned")
            vendored = catalogue.vendored_replacement(first)
            # Said as what the app must vendor, so that production's "assumed
            # vendored" (a build step fills lib/) agrees with it.
            message = (f"`{{statement}}` needs {vendored} vendored in the app: the runtime no longer serves its "
                       f"`{{library}}` library ({why})") if vendored else \
                f"`{{statement}}` needs the `{{library}}` library, which the runtime no longer serves: {why}"
            return first, {"library": first, "fix": replacement[0].upper() + replacement[1:], "message": message}
        more: List[str] = []
        others = [v for v in LIBRARIES[first]["versions"]
                  if v not in LIBRARIES[first]["deprecated"] and v != catalogue.recommended(first)]
        if others:
            more.append(f"also supported: {_quoted(others)}")
        if len(libs) > 1:
            more.append("or " + ", ".join(_entry(n) for n in libs[1:]))
        misnamed = False
        for entry in getattr(ctx.app.config, "libraries", None) or ():
            if entry.name and entry.name not in LIBRARIES and guess_name(entry.name) == first:
                more.append(f"app.yaml's `{entry.name}` entry is not a catalogue name: rename it")
                misnamed = True
        config = ctx.app.config
        # --fix adds the entry to a readable app.yaml; a misnamed entry is renamed by hand
        fixable = config is not None and config.error is None and not misnamed
        return first, {"library": first, "entry": _entry(first), "more": f" ({'; '.join(more)})" if more else "",
                       "fix_data": {"library": first} if fixable else None}

    @staticmethod
    def _missing_in_another_service(first: str, libs, ctx):
        """app.yaml enables the library, another python27 service yaml of the
        app does not: a finding about that service, which the production
        model keeps only where that service's handlers import the module at
        start-up (``cause`` ends with ``@<yaml>``)."""
        main_service = getattr(ctx.app.config, "service", None) or "default"
        lacking = [config.path.name for config in service_configs(ctx.app)
                   # app.yaml itself, or a variant of it (dev.yaml) deployed instead of it, is not another service
                   if (getattr(config, "service", None) or "default") != main_service
                   and not any(lib in catalogue.enabled(ctx.app, config) for lib in libs)]
        if not lacking:
            return None
        # the production model picks the service whose handlers import the module
        # (Production._service_verdict) and names it in place of the list
        return f"{first}@{'|'.join(lacking)}", {
            "library": first, "entry": _entry(first), "yaml": "|".join(lacking),
            "message": "`{statement}` needs the `{library}` library, which {yaml} does not enable under "
                       "`libraries:` (app.yaml does)",
            "fix": "Add {entry} under `libraries:` in {yaml}"}

    @classmethod
    def fix_app_yaml(cls, finding, app):
        name = finding.fix_value("library")
        doc = app.yaml()
        version = catalogue.recommended(name)
        added = add_library(doc, name, version)
        if added is None:
            return None
        return "added " + ", ".join([added] + add_companions(doc, name, version)) + " under libraries:"


class BadLibraryEntry(AppRule):
    code = "GAE305"
    name = "bad-library-entry"
    severity = Severity.ERROR
    reports_on = (".yaml", ".yml")   # app.yaml only
    summary = "A `libraries:` entry in app.yaml that the python27 runtime rejects or resolves unexpectedly."
    message = "{what}"
    fix = "{fix}"
    what = """
        Each `libraries:` entry of every python27 service yaml, checked as appinfo and gcloud
        check it: an unknown name (the closest catalogue name is suggested: `Pillow` ->
        `PIL`), an unsupported version (the supported ones are listed), an unquoted version
        that YAML reads as a number (`version: 3.10` is 3.1), a missing `name` or `version`,
        a duplicate entry, and a decommissioned version (`ssl` 2.7, whose deploys gcloud
        blocks; `endpoints` 1.0, shut down in 2018): errors, because the deployment is
        refused or the library is gone. A deprecated version is a warning (appinfo logs
        one). At info: `version: latest` where the catalogue's latest_version is not its
        newest version (django's `latest` is 1.4, not 1.11). `latest` is otherwise fine:
        the python27 catalogue no longer changes, so it does not float.

        Not findings: the REQUIRED_LIBRARIES companions of a listed library (jinja2 brings
        markupsafe and setuptools, flask brings click, itsdangerous, jinja2 and werkzeug):
        appinfo adds them itself (`GetAllLibraries`). A service yaml of another runtime is
        out of scope: the run says so in a note, which also names a `libraries:` section
        there (gcloud refuses it on any runtime but python27).
    """
    why = """
        appinfo refuses an app.yaml with an unknown library (`the library "X" is not
        supported`), an unsupported version (`X version "V" is not supported, use one of:
        ...`), a duplicate (`Duplicate library entry for X`) or `libraries` on another runtime
        (`libraries entries are only supported by the "python27" runtime`), so the deployment
        fails.
    """
    how_to_fix = "Use a name and a version from the catalogue (the message lists them), quoted."
    fixable = ("renames an entry written with its PyPI name or another case (`Pillow` -> `PIL`), quotes a "
               "version YAML reads as a number, sets a missing or unsupported version to the newest "
               "supported one (for a decommissioned version, the one gcloud names) and removes a duplicate entry; with "
               "`--unsafe-fixes` also replaces a deprecated version and keeps the first of two differing entries")
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
                path="app.yaml", lines=(9, 12, 14, 15),
                fixed=PYTHON27_YAML + "libraries:\n- name: PIL\n  version: \"1.1.7\"\n- name: lxml\n"
                "  version: \"3.7.3\"\n- name: yaml\n  version: \"3.10\"\n"),
        Invalid(PYTHON27_YAML + "libraries:\n- name: pycrypto\n  version: \"2.3\"  # pinned in 2013\n",
                path="app.yaml", lines=(10,), severity=Severity.WARNING,
                fixed=PYTHON27_YAML + "libraries:\n- name: pycrypto\n  version: \"2.6.1\"  # pinned in 2013\n"),
        Invalid(PYTHON27_YAML + "libraries:\n- name: ssl\n  version: \"2.7\"\n- name: flask\n  version: \"0.12\"\n",
                path="app.yaml", lines=(10,), severity=Severity.ERROR,
                fixed=PYTHON27_YAML + "libraries:\n- name: ssl\n  version: \"2.7.11\"\n- name: flask\n  version: \"0.12\"\n"),
    )

    def check_app(self, app) -> None:
        for config in service_configs(app):
            if config.libraries:
                self._check_config(app, config)

    def _check_config(self, app, config) -> None:
        self.app, self.path = app, config.path
        listed = {e.name for e in config.libraries}
        first_version = {}
        for e in config.libraries:
            line = e.name_line or e.line
            if e.name is None:
                self._report(e.line, "a `libraries:` entry without a `name:`", "Give each entry a `name:` and a `version:`")
            elif e.name not in LIBRARIES:
                self._unknown(e, line)
            elif e.name in first_version:
                # appinfo refuses the file either way; which version was meant is a guess
                self._report(line, f"duplicate `libraries:` entry for {e.name}", f"List {e.name} once",
                             fix_data={"action": "drop-duplicate", "library": e.name,
                                       "unsafe": "no" if e.version == first_version[e.name] else "yes"})
            else:
                first_version[e.name] = e.version
                self._version(e, line, listed)

    def _report(self, line, what, fix, severity: Optional[Severity] = None, fix_data=None) -> None:
        self.app.report(self, self.path, line, what=what, fix=fix, severity=severity, fix_data=fix_data)

    def _unknown(self, e, line) -> None:
        guess = guess_name(e.name)
        hint = f"Did you mean `{guess}`? " if guess else ""
        # a PyPI name or another spelling of a catalogue name is renamed; a near miss is not
        exact = PIP_NAMES.get(e.name.lower()) or {n.lower(): n for n in LIBRARIES}.get(e.name.lower())
        self._report(line, f'the library "{e.name}" is not in the python27 `libraries:` catalogue',
                     hint + "Supported: " + ", ".join(sorted(LIBRARIES, key=str.lower))
                     + "; vendor a pure-Python package in lib/ instead",
                     fix_data={"action": "rename", "library": e.name, "to": exact} if exact else None)

    def _version(self, e, line, listed) -> None:
        lib = LIBRARIES[e.name]
        vline = e.version_line or line
        best = catalogue.recommended(e.name)
        set_best = {"action": "version", "library": e.name, "version": best}
        if e.version is None:
            self._report(line, f"the `libraries:` entry for {e.name} has no `version:`",
                         f'Add `version: "{best}"` (appinfo requires one)', fix_data=set_best)
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
                             f'Quote it: `version: "{e.version}"`',
                             fix_data={"action": "version", "library": e.name, "version": e.version})
            else:
                deprecated = f' (deprecated: {_quoted(lib["deprecated"])})' if lib["deprecated"] else ""
                self._report(vline, f'{e.name} version "{version}" is not supported',
                             f"Use one of: {_quoted(usable)}{deprecated}, or latest ({lib['latest']})", fix_data=set_best)
            return
        gone = catalogue.decommissioned(e.name, version)
        if gone is not None:
            use = gone.get("use") or []
            replacement = catalogue.instead(e.name)
            spelled = [f"`version: {v}`" if v == "latest" else f'`version: "{v}"`' for v in use]
            hint = (f"Use {' or '.join(spelled)}" if use else
                    (replacement[0].upper() + replacement[1:] if replacement else f"Remove the {e.name} entry"))
            fix = {"action": "version", "library": e.name, "version": use[0]} if use else None
            self._report(vline, f'{e.name} version "{version}" is decommissioned: {gone["why"]}', hint, fix_data=fix)
        elif version in lib["deprecated"]:
            # it deploys today: another version changes what the app runs
            self._report(vline, f'{e.name} version "{version}" is deprecated', f"Use one of: {_quoted(usable)}",
                         Severity.WARNING, fix_data={**set_best, "unsafe": "yes"})

    @classmethod
    def fix_app_yaml(cls, finding, app):
        doc = app.yaml()
        name, action = finding.fix_value("library"), finding.fix_value("action")
        found = [(i, e) for i, e in enumerate(entries(doc)) if hasattr(e, "get") and e.get("name") == name]
        if action == "drop-duplicate":
            if len(found) < 2:
                return None
            doc.delete(("libraries",), found[-1][0])
            return f"removed the duplicate {name} entry from libraries:"
        if action == "rename":
            return rename(doc, name, finding.fix_value("to"), found)
        wanted = finding.fix_value("version")
        for index, entry in found:
            current = entry.get("version")
            if isinstance(current, str) and current == wanted:
                return None
            if not acceptable(name, current) or finding.unsafe_fix:
                doc.set(("libraries", index), "version", wanted, quote=version_quote(doc))
                extra = add_companions(doc, name, wanted)
                shown = "no version" if current is None else f"version {current}"
                return (f"{name}: {shown} -> \"{wanted}\""
                        + (f"; added {', '.join(extra)} under libraries:" if extra else ""))
        return None
