"""GAE404: handler ``script:`` entries the python27 runtime cannot run.

runtime.py decides how a script runs: CGI when it contains ``/`` or ends in
``.py``, otherwise a WSGI object loaded by ``wsgi.LoadObject`` (import the
first name, then ``getattr`` or import each further part). So a script is
checked against the deploy set the way LoadObject would walk it.
"""
from __future__ import annotations

import difflib
from typing import List, Optional, Tuple

from gaelint import source
from gaelint.analysis import walk as semantic
from gaelint.app.appyaml import yaml_kind
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import AppRule, Invalid, Valid

from .deployment import deploy_of

FACTS = table("app_yaml")["handler_scripts"]
RUNTIME_PACKAGES = frozenset(FACTS["runtime_packages"])
SDK_PREFIX = FACTS["sdk_script_prefix"]


def service_configs(app) -> list:
    """app.yaml and the other service yamls of the app directory that parsed."""
    if app.config is None:
        return []
    configs = [app.config, *getattr(app.app, "service_configs", [])]
    return [c for c in configs if c.error is None and yaml_kind(c.path, c) == "service"]


_EXCLUDERS = {"default_skip_files": "the default skip_files", "skip_files": "skip_files",
              "gcloudignore": ".gcloudignore"}


def _why_not_uploaded(deploy, rel: str) -> str:
    if (deploy.root / rel).exists():
        return f"`{rel}` exists but {_EXCLUDERS.get(deploy.mechanism, 'the deploy')} excludes it"
    return f"there is no `{rel}`"


def _missing(deploy, parts: List[str]) -> str:
    """Why a module is not in the deploy set, in words."""
    base = "/".join(parts)
    for rel in (base + "/__init__.py", base + ".py"):
        if (deploy.root / rel).exists():
            return _why_not_uploaded(deploy, rel)
    return f"there is no `{base}.py` or `{base}/__init__.py`"


def _module_file(deploy, parts: List[str]) -> Optional[Tuple[str, str]]:
    """('package' | 'module', relpath) of an uploaded module, as Python 2.7
    finds it (a package directory before a module of the same name)."""
    base = "/".join(parts)
    for rel, kind in ((base + "/__init__.py", "package"), (base + "/__init__.pyc", "package"),
                      (base + ".py", "module"), (base + ".pyc", "module")):
        if deploy.is_deployed(rel):
            return kind, rel
    return None


def _vendored(deploy, top: str) -> bool:
    """A copy of the package further down (lib/foo/__init__.py), which
    appengine_config.py usually puts on sys.path: assume it resolves."""
    suffixes = (f"/{top}/__init__.py", f"/{top}.py", f"/{top}/__init__.pyc", f"/{top}.pyc")
    return any(deploy.relpath(f).endswith(suffixes) for f in deploy.files)


def _module_names(path) -> Optional[List[str]]:
    """Names bound at module level, None when that cannot be known."""
    data, problem = source.read(path)
    if problem is not None or data is None or b"import *" in data or b"globals()" in data:
        return None
    src = source.load_bytes(path, data)
    if src.module is None:
        return None
    try:
        model = semantic.build(src.module, (), lambda expr, scope: None)
    except RecursionError:  # absurdly nested source: do not guess
        return None
    return list(model.module_scope.names)


def _names_shape(value) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(n, str) for n in value))


class CgiHandler(AppRule):
    reports_on = (".yaml", ".yml")   # the handler's line in app.yaml
    code = "GAE404"
    name = "cgi-handler"
    severity = Severity.ERROR
    summary = ("A handler script that python27 cannot run: CGI with threadsafe, a .pyc, "
               "or a WSGI path that does not resolve.")
    message = "handler script `{script}`: {problem}"
    fix = "{hint}"
    what = """
        Each handler `script:` of app.yaml (and of the other service yamls beside it):

        - a CGI script (a path, or a name ending in `.py`) while `threadsafe: true`;
        - a script ending in `.pyc` (wrong either way: name the `.py`, or `module.app`);
        - a CGI script that is not in the deploy set;
        - a WSGI path (`module.app`, `pkg.module.application`) whose module is not in the
          deploy set (`pkg/module.py` or `pkg/module/__init__.py`), that names a module
          rather than an object in it, or whose module defines no such name.

        Scripts of the SDK (`google.appengine...`, `$PYTHON_LIB/...`) and of the
        `libraries:` catalogue are not looked for in the app; neither are packages
        vendored in a subdirectory such as `lib/`.
    """
    why = """
        appinfo rejects the app.yaml: "threadsafe cannot be enabled with CGI handler". A
        WSGI path is imported by `wsgi.LoadObject` at the first request: a module that
        was not uploaded, or a missing attribute, is an ImportError and a 500 on every
        request of that URL.
    """
    how_to_fix = """
        Point the handler at a WSGI application (`script: main.app`, where `main.py`
        defines `app = webapp2.WSGIApplication(...)`), or set `threadsafe: false` to keep a
        CGI script. Name the `.py` source, never the `.pyc`, and make sure the module is
        uploaded (not excluded by `skip_files`).
    """
    sources = ("SDK runtime/runtime.py L161, runtime/wsgi.py LoadObject, appinfo.py ThreadsafeWithCgiHandler "
               "(gae-facts §6)",)
    INVALID = (
        Invalid("""
            runtime: python27
            api_version: 1
            threadsafe: true
            handlers:
            - url: /reports/.*
              script: reports.py
            - url: /admin/.*
              script: main.pyc
            - url: /api/.*
              script: api.handlers.app
            - url: /.*
              script: main.application
            """, path="app.yaml", lines=(6, 8, 10, 12), files={
                "main.py": "import webapp2\napp = webapp2.WSGIApplication([])\n",
                "reports.py": "print 'Content-Type: text/plain'\nprint\nprint 'report'\n"}),
    )
    VALID = (
        Valid("""
            runtime: python27
            api_version: 1
            threadsafe: true
            handlers:
            - url: /_ah/queue/deferred
              script: google.appengine.ext.deferred.deferred.application
            - url: /.*
              script: main.app
            """, path="app.yaml", files={"main.py": "import webapp2\napp = webapp2.WSGIApplication([])\n"}),
        Valid("""
            runtime: python27
            api_version: 1
            threadsafe: false
            handlers:
            - url: /.*
              script: main.py
            """, path="app.yaml", files={"main.py": "print 'Content-Type: text/plain'\n"}),
    )

    def check_app(self, app) -> None:
        deploy = deploy_of(app)
        for config in service_configs(app):
            if config.runtime != "python27":
                continue  # other runtimes run handlers differently (GAE406 says so)
            threadsafe = config.threadsafe is True
            for handler in config.handlers:
                script = handler.script
                if not isinstance(script, str) or not script.strip():
                    continue
                found = self._problem(app, deploy, script.strip(), threadsafe)
                if found:
                    problem, hint = found
                    app.report(self, config.path, handler.script_line or handler.line,
                               script=script, problem=problem, hint=hint)

    def _problem(self, app, deploy, script: str, threadsafe: bool) -> Optional[Tuple[str, str]]:
        if script.endswith(".pyc"):
            stem = script[:-4]
            return ("a handler names a .pyc file, which the runtime never runs",
                    f"Name the source: `{stem}.py` for a CGI script, "
                    f"or `{stem.replace('/', '.')}.app` for a WSGI application")
        if "/" in script or script.endswith(".py"):
            return self._cgi(deploy, script, threadsafe)
        return self._wsgi(app, deploy, script)

    def _cgi(self, deploy, script: str, threadsafe: bool) -> Optional[Tuple[str, str]]:
        problems = []
        if threadsafe:
            problems.append("a CGI script cannot be used with `threadsafe: true` "
                            f"(appinfo: 'threadsafe cannot be enabled with CGI handler: {script}')")
        rel = script[2:] if script.startswith("./") else script
        if not script.startswith(SDK_PREFIX) and not deploy.is_deployed(rel):
            problems.append(f"the CGI script is not in the deploy set: {_why_not_uploaded(deploy, rel)}")
        if not problems:
            return None
        module = rel[:-3].replace("/", ".") if rel.endswith(".py") else rel.replace("/", ".")
        hint = (f"Serve a WSGI application instead (`script: {module}.app`), or set `threadsafe: false`"
                if threadsafe else "Upload the script, or point the handler at a WSGI application in the deploy set")
        return "; ".join(problems), hint

    def _wsgi(self, app, deploy, script: str) -> Optional[Tuple[str, str]]:
        parts = script.split(".")
        if not all(p.isidentifier() for p in parts):
            return (f"`{script}` is not a Python dotted path to a WSGI application",
                    "Use `module.attribute` (e.g. `main.app`), or a path ending in `.py` for a CGI script")
        top = parts[0]
        found = _module_file(deploy, [top])
        if found is None:
            if top in RUNTIME_PACKAGES or _vendored(deploy, top):
                return None
            return (f"no module `{top}` in the deploy set: {_missing(deploy, [top])}",
                    "Upload the module (check skip_files), or fix the module name in app.yaml")
        kind, rel = found
        index = 1
        while index < len(parts) and kind == "package":
            sub = _module_file(deploy, parts[:index + 1])
            if sub is None:
                break
            kind, rel = sub
            index += 1
        if index == len(parts):
            return (f"`{script}` names the module `{rel}`, not a WSGI application inside it",
                    f"Name the application object: `{script}.app`")
        attr = parts[index]
        if not rel.endswith(".py"):
            return None
        names = app.file_fact(deploy.root / rel, "module-names", _module_names, valid=_names_shape)
        if names is None or attr in names:
            return None
        dotted = ".".join(parts[:index])
        public = [n for n in names if not n.startswith("_")]
        close = difflib.get_close_matches(attr, public, n=1) or [
            n for n in public if attr.startswith(n) or n.startswith(attr)][:1]
        problem = f"`{rel}` defines no `{attr}` at module level"
        if kind == "package":
            problem += f", and no module `{dotted}.{attr}` is uploaded: {_missing(deploy, parts[:index + 1])}"
        if close:
            hint = f"Did you mean `{dotted}.{close[0]}`?"
        elif kind == "package" and index < len(parts) - 1:
            hint = f"Add `{'/'.join(parts[:index + 1])}.py` defining `{parts[-1]}`, or fix the path"
        else:
            hint = f"Define `{attr}` in `{rel}` (e.g. `{attr} = webapp2.WSGIApplication(...)`), or fix the path"
        return problem, hint
