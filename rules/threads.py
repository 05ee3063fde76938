"""GAE501/GAE502: threads in request code and background threads.

python27 lets a request start threads, but the runtime waits for every one
of them before the request ends, under the request deadline. A thread that
the same function joins is ordinary parallel work and is not reported.
Background threads (``google.appengine.api.background_thread``) need manual
or basic scaling. Facts: gaelint/data/threads.json.
"""
from __future__ import annotations

from typing import Optional, Tuple

from gaelint.lazycst import cst

from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import Invalid, SourceRule, Valid

from .handler_scripts import service_configs

DATA = table("threads")
REQ = DATA["request_threads"]
THREAD_CLASSES = frozenset(REQ["thread_classes"])
STARTERS = frozenset(REQ["starters"])
BG = DATA["background_threads"]
BG_FUNCTIONS = frozenset(BG["functions"])
BG_CLASSES = frozenset(BG["classes"])
ALLOWED_SCALING = tuple(BG["allowed_scaling"])


def _leaf(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _thread_key(ctx, expr) -> Optional[Tuple]:
    """What identifies a thread object so a later ``.join()`` can be matched."""
    if isinstance(expr, cst.Name):
        return ("name", id(ctx.site.scope), expr.value)
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
        return ("self", id(ctx.enclosing_class()), expr.attr.value)
    return None


class RequestThread(SourceRule):
    code = "GAE501"
    name = "request-thread"
    severity = Severity.WARNING
    summary = "A thread started in request code: the runtime waits for it before the request ends."
    message = ("{call} starts a thread in request code: the runtime waits for it before the response is sent, "
               "within the {deadline}-second request deadline")
    fix = ("Join it before returning if it is short parallel work; for work that outlives the request use the task "
           "queue (deferred.defer), or background_thread on manual/basic scaling")
    what = """
        `threading.Thread(...).start()` (also `Timer`, subclasses of `Thread` defined in the
        file, and `t = Thread(...); t.start()`, `self.worker.start()`) and
        `thread.start_new_thread`. A thread that the same function (or class, for
        `self.` attributes) joins is ordinary parallel work and is not flagged;
        `background_thread` threads are GAE502's concern.
    """
    why = """
        The python27 runtime patches `thread.start_new_thread` so request threads inherit
        the request, and the request does not end until every thread it started has
        finished: "All threads in a request must finish before the request deadline (60
        seconds for online requests and 10 minutes for offline)." A fire-and-forget thread
        delays the response, and one still running at the deadline kills the request.
    """
    how_to_fix = """
        For parallel work inside the request, `join()` the threads before returning. For
        work that should outlive the request, enqueue a task (`deferred.defer(fn, ...)` or
        `taskqueue.add`), or use `background_thread` on a manual or basic scaling service.
    """
    sources = ("SDK runtime/runtime.py L46-91, devappserver2 request_state.py; "
               "'Using Python 2.7' docs (gae-facts §7)",)
    triggers = tuple(sorted({_leaf(n) for n in THREAD_CLASSES | STARTERS} | {"Thread"}))

    VALID = (
        Valid("""
            import threading
            from google.appengine.ext import deferred
            def fetch_all(urls, fetch):
                workers = []
                t = threading.Thread(target=fetch, args=(urls[0],))
                t.start()
                t.join()
            def later(task):
                deferred.defer(task)
            """),
    )
    INVALID = (
        Invalid("""
            import threading, thread
            class Pinger(threading.Thread):
                def run(self):
                    pass
            def notify(send):
                threading.Thread(target=send).start()
                worker = Pinger()
                worker.start()
                thread.start_new_thread(send, ())
            """, lines=(6, 8, 9)),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        name = ctx.call_name(node)
        state = ctx.state.setdefault("GAE501", {"starts": [], "joins": set()})
        if name in STARTERS:
            ctx.report(self, node, call=f"`{name}()`", deadline=REQ["deadline_seconds"])
            return
        func = node.func
        if name is not None or not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method == REQ["join_method"]:
            key = _thread_key(ctx, func.value)
            if key is not None:
                state["joins"].add(key)
        elif method == REQ["start_method"] and ctx.origin(func.value) in THREAD_CLASSES:
            shown = ctx.dotted(func)
            if isinstance(func.value, cst.Call):  # Thread(...).start()
                shown = f"{ctx.dotted(func.value.func) or ctx.origin(func.value)}(...).start"
            state["starts"].append((node, ctx.site, _thread_key(ctx, func.value), f"`{shown}()`"))

    def finish(self, ctx) -> None:
        state = ctx.state.get("GAE501")
        if not state:
            return
        for node, site, key, shown in state["starts"]:
            if key is None or key not in state["joins"]:
                ctx.report(self, node, site=site, call=shown, deadline=REQ["deadline_seconds"])


def _module_of(relpath: str) -> str:
    """'pkg/mod.py' -> 'pkg.mod', 'pkg/__init__.py' -> 'pkg'."""
    path = relpath[:-len("/__init__.py")] if relpath.endswith("/__init__.py") else relpath.rsplit(".", 1)[0]
    return path.replace("/", ".")


def _serves(config, relpath: str) -> bool:
    """A handler of this service runs this module: a CGI script naming the
    file, or a WSGI ``module.attr`` whose module is this one."""
    module = _module_of(relpath)
    for h in getattr(config, "handlers", None) or ():
        script = getattr(h, "script", None)
        if not isinstance(script, str):
            continue
        if "/" in script or script.endswith(".py"):
            if script.lstrip("/") == relpath:
                return True
        elif script.startswith(module + "."):
            return True
    return False


def _why(config) -> str:
    if config.scaling is None:
        return f"{config.path.name} sets no scaling, so automatic scaling applies"
    return f"{config.path.name} line {config.scaling_line} sets {config.scaling}"


def _automatic(app, relpath: str) -> Optional[str]:
    """Why the module runs on automatic scaling, or None when it does not
    (or app.yaml cannot be read, so nobody knows). A module that a
    service's handlers run is judged by the services that run it; any other
    by every service of the app."""
    if app.config is None:
        return "there is no app.yaml, so automatic scaling applies"
    if app.config.error is not None:
        return None
    configs = service_configs(app)
    serving = [c for c in configs if _serves(c, relpath)]
    if serving:
        automatic = [c for c in serving if c.effective_scaling not in ALLOWED_SCALING]
        return _why(automatic[0]) if automatic else None
    if not configs or any(c.effective_scaling in ALLOWED_SCALING for c in configs):
        return None
    return _why(configs[0])


class BackgroundThreadScaling(SourceRule):
    code = "GAE502"
    name = "background-thread-scaling"
    severity = Severity.ERROR
    summary = "background_thread used while app.yaml uses automatic scaling."
    message = ("{call} uses a background thread, which automatic scaling does not allow ({why}): "
               "it raises FrontendsNotSupported")
    fix = ("Put this code in a service with `manual_scaling:` or `basic_scaling:`, "
           "or use the task queue (deferred.defer) instead")
    what = """
        `google.appengine.api.background_thread.start_new_background_thread(...)` and
        `BackgroundThread(...)` (or a subclass of it) in a module that runs on automatic
        scaling. Each service is judged on its own: a module that the handlers of a service
        yaml run (`script: worker.app` runs worker.py) is checked against the scaling of
        the services that run it, even when another service yaml in the same directory uses
        manual scaling; a module no handler names is flagged only when no service yaml of
        the app sets `manual_scaling:` or `basic_scaling:`. Automatic scaling is the default
        when a service yaml names none.
    """
    why = """
        Background threads exist only on instances that manual or basic scaling keeps
        alive: "Your app.yaml configuration must specify scaling as either manual or basic.
        The default automatic scaling does not allow background threads." On automatic
        scaling the call fails with `FrontendsNotSupported` (BACKEND_REQUIRED).
    """
    how_to_fix = """
        Move the work to a service with `manual_scaling:` (or `basic_scaling:`), or do it
        in a task queue task (`deferred.defer`) instead of a background thread.
    """
    sources = ("SDK api/background_thread/background_thread.py; "
               "python-docs-samples appengine/standard/background/README.md (gae-facts §7)",)
    triggers = tuple(sorted({_leaf(n) for n in BG_FUNCTIONS | BG_CLASSES}))

    VALID = (
        Valid("""
            from google.appengine.api import background_thread
            background_thread.start_new_background_thread(len, [()])
            """, app_yaml="runtime: python27\napi_version: 1\nthreadsafe: true\nmanual_scaling:\n  instances: 1\n"
                          "handlers:\n- url: /.*\n  script: main.app\n"),
        Valid("""
            import webapp2
            from google.appengine.api import background_thread
            class Start(webapp2.RequestHandler):
                def get(self):
                    background_thread.start_new_background_thread(len, [()])
            app = webapp2.WSGIApplication([('/_ah/start', Start)])
            """, path="worker.py",
            files={"worker.yaml": "service: worker\nruntime: python27\napi_version: 1\nthreadsafe: true\n"
                                  "manual_scaling:\n  instances: 1\nhandlers:\n- url: /.*\n  script: worker.app\n"},
            note="worker.py is served by the manual-scaling worker service"),
    )
    INVALID = (
        Invalid("""
            from google.appengine.api import background_thread
            from google.appengine.api.background_thread import BackgroundThread
            background_thread.start_new_background_thread(len, [()])
            class Pump(BackgroundThread):
                pass
            Pump().start()
            """, lines=(3, 6)),
        Invalid("""
            import webapp2
            from google.appengine.api import background_thread
            class WarmUp(webapp2.RequestHandler):
                def get(self):
                    background_thread.start_new_background_thread(len, [()])
            app = webapp2.WSGIApplication([('/_ah/warmup', WarmUp)])
            """, files={"worker.yaml": "service: worker\nruntime: python27\napi_version: 1\nthreadsafe: true\n"
                                      "manual_scaling:\n  instances: 1\nhandlers:\n- url: /.*\n  script: worker.app\n"},
            lines=(5,), note="main.py is served by app.yaml (automatic), whatever worker.yaml says"),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        name = ctx.call_name(node)
        if name in BG_FUNCTIONS:
            shown = f"`{ctx.dotted(node.func) or name}()`"
        elif name in BG_CLASSES or BG_CLASSES.intersection(ctx.lineage(node.func)):
            shown = f"`{ctx.dotted(node.func) or name}()`"
        else:
            return
        why = ctx.app.memo(f"GAE502.automatic:{ctx.relpath}", lambda: _automatic(ctx.app, ctx.relpath))
        if why:
            ctx.report(self, node, call=shown, why=why)
