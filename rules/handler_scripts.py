"""GAE404: handler ``script:`` entries the python27 runtime cannot run as
written: a CGI script while ``threadsafe: true``, or a ``.pyc``.

runtime.py decides how a script runs: CGI when it contains ``/`` or ends in
``.py``, otherwise a WSGI object loaded by ``wsgi.LoadObject``. Whether the
script's target exists is GAE407 (rules/handler_targets.py).
"""
from __future__ import annotations

from typing import Optional, Tuple

from gaelint.app.appyaml import yaml_kind
from gaelint.app.environment import not_the_python27_sandbox
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import AppRule, Invalid, Valid

from .deployment import deploy_of

FACTS = table("app_yaml")["handler_scripts"]
RUNTIME_PACKAGES = frozenset(FACTS["runtime_packages"])
SDK_PREFIX = FACTS["sdk_script_prefix"]


def service_configs(app) -> list:
    """app.yaml and the other service yamls of the app directory that parsed,
    except services of another runtime or environment (out of scope: the
    run says so once, in a note)."""
    if app.config is None:
        return []
    configs = [app.config, *getattr(app.app, "service_configs", [])]
    return [c for c in configs if c.error is None and yaml_kind(c.path, c) == "service"
            and not_the_python27_sandbox(c) is None]


class CgiHandler(AppRule):
    reports_on = (".yaml", ".yml")   # the handler's line in app.yaml
    code = "GAE404"
    name = "cgi-handler"
    severity = Severity.ERROR
    summary = "A handler script that python27 cannot run as written: CGI with threadsafe, or a .pyc."
    message = "handler script `{script}`: {problem}"
    fix = "{hint}"
    what = """
        Each handler `script:` of app.yaml (and of the other service yamls beside it):

        - a CGI script (a path, or a name ending in `.py`) while `threadsafe: true`;
        - a script ending in `.pyc` (wrong either way: name the `.py`, or `module.app`).

        A script whose module, attribute or file does not exist is GAE407.
    """
    why = """
        appinfo rejects the app.yaml: "threadsafe cannot be enabled with CGI handler". The
        runtime never runs compiled files named by a handler: it runs a CGI script's
        source, or imports a WSGI object's module.
    """
    how_to_fix = """
        Point the handler at a WSGI application (`script: main.app`, where `main.py`
        defines `app = webapp2.WSGIApplication(...)`), or set `threadsafe: false` to keep a
        CGI script. Name the `.py` source, never the `.pyc`.
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
            - url: /.*
              script: main.app
            """, path="app.yaml", lines=(6, 8), files={
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
        if ("/" in script or script.endswith(".py")) and threadsafe and not script.startswith(SDK_PREFIX):
            module = (script[:-3] if script.endswith(".py") else script).lstrip("./").replace("/", ".")
            return ("a CGI script cannot be used with `threadsafe: true` "
                    f"(appinfo: 'threadsafe cannot be enabled with CGI handler: {script}')",
                    f"Serve a WSGI application instead (`script: {module}.app`), or set `threadsafe: false`")
        return None
