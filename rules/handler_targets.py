"""GAE407: a handler ``script:`` whose module or WSGI attribute does not
exist where production looks for it.

The runtime loads a WSGI script with ``wsgi.LoadObject``: it imports the
first name, then takes each further part as an attribute or a submodule,
with the app's ``sys.path`` as the app sets it up (``appengine_config.py``
and what it calls, ``vendor.add``, packages' ``__path__``). gaelint resolves
the script the same way, through the production model
(:mod:`gaelint.app.production`); a CGI script must be a file of the deploy
set. A handler that an earlier handler's URL pattern always matches first
never runs: its missing target is info.
"""
from __future__ import annotations

import difflib
from typing import List, Optional, Tuple

from gaelint.app import untracked
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import AppRule, Invalid, Valid

from .url_patterns import shadowing_handler

FACTS = table("app_yaml")["handler_scripts"]
RUNTIME_PACKAGES = frozenset(FACTS["runtime_packages"])
_EXCLUDERS = {"default_skip_files": "the default skip_files", "skip_files": "skip_files",
              "gcloudignore": ".gcloudignore"}


def why_not_uploaded(app, rel: str) -> str:
    deploy = app.deploy
    if untracked.exists_in(app, deploy.root / rel):
        return f"`{rel}` exists but {_EXCLUDERS.get(deploy.mechanism, 'the deploy')} excludes it"
    return f"there is no `{rel}`"


def missing_module(app, parts: List[str]) -> str:
    """Why a module is not in the deploy set, in words (the files looked
    for are not deployed: their existence is recorded for the app's
    snapshot, see app.untracked)."""
    base = "/".join(parts)
    for rel in (base + "/__init__.py", base + ".py"):
        if untracked.exists_in(app, app.deploy.root / rel):
            return why_not_uploaded(app, rel)
    return f"there is no `{base}.py` or `{base}/__init__.py`"


class HandlerNotFound(AppRule):
    reports_on = (".yaml", ".yml")
    needs_production = True
    code = "GAE407"
    name = "handler-not-found"
    severity = Severity.ERROR
    summary = "A handler script whose module or WSGI attribute does not exist where production looks for it."
    message = "handler script `{script}`: {problem}"
    fix = "{hint}"
    what = """
        Each handler `script:` of every python27 service yaml (and of the files its
        `includes:` name), resolved the way the runtime loads it:

        - a WSGI path (`module.app`, `pkg.module.application`) whose module is not found
          from the app root, the directories the app puts on `sys.path` or the packages
          it extends, or whose module defines no such attribute at module level;
        - a WSGI path that names a module rather than an object in it;
        - a CGI script (a path, or a name ending in `.py`) that is not in the deploy set.

        Scripts of the SDK (`google.appengine...`, `$PYTHON_LIB/...`) are the runtime's.
        A handler whose URL pattern an earlier handler always matches first never runs:
        its missing target is reported at info. A module the checkout lacks but the
        deploying tree may hold is a warning that says why: a `sys.path` directory a build
        step fills, a directory `.gitignore` lists (untracked, yet uploaded unless
        `.gcloudignore` includes that `.gitignore`), an empty directory (a git submodule
        not checked out).
    """
    why = """
        The runtime imports a WSGI path at the first request that reaches the handler
        (`wsgi.LoadObject`): a module that was not uploaded, or a missing attribute, is an
        ImportError and a 500 on every request of that URL. A missing CGI script is a 404.
    """
    how_to_fix = """
        Fix the path in app.yaml, upload the module (check `skip_files`), or define the
        attribute (`app = webapp2.WSGIApplication(...)`) in the module it names.
    """
    sources = ("SDK runtime/runtime.py L161, runtime/wsgi.py LoadObject (gae-facts §6)",
               "https://cloud.google.com/appengine/docs/standard/python/config/appref#handlers_element "
               "(handlers are matched in order, the first match wins)")
    INVALID = (
        Invalid("""
            runtime: python27
            api_version: 1
            threadsafe: true
            handlers:
            - url: /blobs/.*
              script: blobstore.app
            - url: /api/.*
              script: api.handlers.app
            - url: /.*
              script: main.application
            """, path="app.yaml", lines=(6, 8, 10), files={
                "main.py": "import webapp2\napp = webapp2.WSGIApplication([])\n",
                "api/__init__.py": ""}),
    )
    VALID = (
        Valid("""
            runtime: python27
            api_version: 1
            threadsafe: true
            handlers:
            - url: /_ah/queue/deferred
              script: google.appengine.ext.deferred.deferred.application
            - url: /wiki/.*
              script: markdown_app.app
            - url: /.*
              script: main.app
            """, path="app.yaml", files={
                "main.py": "import webapp2\napp = webapp2.WSGIApplication([])\n",
                "appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\n",
                "lib/markdown_app.py": "app = None\n"}),
    )

    def check_app(self, app) -> None:
        production = getattr(app, "production", None)
        if production is None:
            return
        resolved = {id(entry) for entry, _ in production.graph.entries}
        for entry in production.entries:
            if entry.sdk or entry.script == "appengine_config" or entry.script.endswith(".pyc"):
                continue
            problem = None
            if entry.cgi:
                rel = entry.script[2:] if entry.script.startswith("./") else entry.script
                if id(entry) not in resolved:
                    problem = (f"the CGI script is not in the deploy set: {why_not_uploaded(app, rel)}",
                               "Upload the script, or point the handler at a WSGI application in the deploy set")
            else:
                problem = self._wsgi(app, production, entry, id(entry) in resolved)
            if problem is None:
                continue
            text, hint, *lowered = problem
            earlier = shadowing_handler(entry.url, entry.earlier_urls)
            severity = lowered[0] if lowered else None
            if earlier is not None:
                severity = Severity.INFO
                text += f" [never used: the handler on line {earlier} matches every URL of this one first]"
            elif getattr(app.app, "root_unknown", False):
                severity = Severity.INFO
                text += " [no handler of this yaml resolves beside it: where its code deploys from is unknown]"
            app.report(self, entry.config, entry.line, script=entry.script, problem=text, hint=hint,
                       severity=severity)

    def _wsgi(self, app, production, entry, resolved: bool) -> Optional[Tuple[str, str]]:
        script = entry.script
        parts = script.split(".")
        if not all(p.isidentifier() for p in parts):
            return (f"`{script}` is not a Python dotted path to a WSGI application",
                    "Use `module.attribute` (e.g. `main.app`), or a path ending in `.py` for a CGI script")
        index = production.index
        if not resolved:
            if parts[0] in RUNTIME_PACKAGES:
                return None     # the runtime's
            # the first part no module answers (a package whose __init__.py the
            # build creates resolves without a file)
            missing = parts[:_packages_found(index, parts) + 1]
            problem = (f"no module `{'.'.join(missing)}` where production imports from: "
                       f"{missing_module(app, missing)}")
            unseen = ""
            filled = production.build_filled
            if filled:
                state = "and filled by a build step" if filled[0].in_checkout else "but not in the checkout"
                unseen = f"unless {', '.join(f'`{d.path}/`' for d in filled[:2])}, on sys.path {state}, provides it"
            elif production.graph.uncertain:
                rel, line = production.graph.uncertain[0]
                unseen = f"unless the directory {rel}:{line} puts on sys.path (gaelint cannot read which) provides it"
            else:
                unseen = untracked.why_absent_in(app, production.root, missing) or ""
            if unseen:
                # a sys.path entry gaelint cannot see might hold it: likely, not certain
                problem += f" [{unseen}]"
            return (problem, "Upload the module (check skip_files), or fix the module name in app.yaml",
                    Severity.WARNING if unseen else None)
        cut, files = _module_of(index, parts)
        rel = files[-1]
        if cut == len(parts):
            return (f"`{script}` names the module `{rel}`, not a WSGI application inside it",
                    f"Name the application object: `{script}.app`")
        attr = parts[cut]
        facts = production.facts_of(rel)
        names = facts.get("names", [])
        star = any(record[3] and "*" in record[3] for record in facts.get("imports", ()))
        if attr in names or star or "__getattr__" in names:
            return None
        dotted = ".".join(parts[:cut])
        public = [n for n in names if not n.startswith("_")]
        close = difflib.get_close_matches(attr, public, n=1) or [
            n for n in public if attr.startswith(n) or n.startswith(attr)][:1]
        problem = f"`{rel}` defines no `{attr}` at module level"
        package = rel.endswith("/__init__.py")
        if package:
            problem += f", and no module `{dotted}.{attr}` is uploaded: " \
                       f"{missing_module(app, rel[:-len('/__init__.py')].split('/') + [attr])}"
        if close:
            hint = f"Did you mean `{dotted}.{close[0]}`?"
        elif package and cut < len(parts) - 1:
            hint = f"Add `{rel[:-len('__init__.py')]}{attr}.py` defining `{parts[-1]}`, or fix the path"
        else:
            hint = f"Define `{attr}` in `{rel}` (e.g. `{attr} = webapp2.WSGIApplication(...)`), or fix the path"
        unseen = untracked.why_absent_in(app, production.root, rel[:-len("/__init__.py")].split("/") + [attr]) \
            if package else None
        if unseen:
            return f"{problem} [{unseen}]", hint, Severity.WARNING
        return problem, hint


def _packages_found(index, parts: List[str]) -> int:
    """How many leading parts of a WSGI path resolve (as packages)."""
    for cut in range(len(parts) - 1, 0, -1):
        _, complete = index.resolve(".".join(parts[:cut]))
        if complete:
            return cut
    return 0


def _module_of(index, parts: List[str]) -> Tuple[int, List[str]]:
    """(how many parts name modules, the files loaded) for a WSGI path."""
    for cut in range(len(parts), 0, -1):
        files, complete = index.resolve(".".join(parts[:cut]))
        if complete and files:
            return cut, files
    return 0, []

