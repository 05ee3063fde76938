"""GAE202: starting, forking, signalling or waiting for processes.

The python27 sandbox has no processes and no signals; the calls and what
to do instead are the data table gaelint/data/processes.json.
"""
from __future__ import annotations

from gaelint.lazycst import cst

from gaelint.analysis import trigger_modules
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import Invalid, SourceRule, Valid

FACTS = table("processes")
CALLS = FACTS["calls"]
SUBCLASSABLE = frozenset(FACTS["subclassable"])
FIXES = FACTS["fixes"]


class ProcessSpawn(SourceRule):
    code = "GAE202"
    name = "process-spawn"
    severity = Severity.ERROR
    summary = "Starts, forks, signals or waits for a process, or installs a signal handler: none exist in the sandbox."
    message = "`{call} {what}, which the python27 sandbox does not allow"
    fix = "{fix}"
    what = """
        Calls that need processes or signals: `subprocess.Popen`/`call`/`check_call`/
        `check_output`; `os.system`, `os.popen`/`popen2`/`popen3`/`popen4`, `os.spawn*`,
        `os.exec*`, `os.fork`, `os.forkpty`, `os.kill`, `os.killpg`, `os.wait*`;
        `popen2.popen*`/`Popen3`/`Popen4`; `commands.getoutput`/`getstatusoutput`;
        `pty.spawn`/`fork`; `platform.popen`; `distutils.spawn.spawn`; `webbrowser.open`;
        `signal.signal`, `signal.alarm`, `signal.setitimer` ...; `multiprocessing.Process`,
        `Pool`, `Manager` and `concurrent.futures.ProcessPoolExecutor`; classes derived from
        `subprocess.Popen` or the multiprocessing classes, in the file or in another module
        of the app (`class Popen(subprocess.Popen)` in utils/subprocess2.py).
        Names are resolved through imports and aliases (`from subprocess import call as run`,
        `from os import *`). Each fix fits the call: task queues and deferred for background
        work, threads or async APIs for parallelism, API deadlines instead of alarms.

        Not flagged: `threading`, `thread`, `multiprocessing.dummy`'s thread pools (their
        import is GAE301), `os.getpid()` (returns -1 but works), methods of other objects
        named `call` or `kill`.
    """
    why = """
        In the classic python27 sandbox `subprocess` is an empty module (`subprocess.Popen`
        raises AttributeError), `os.system` does nothing and returns -1, `os.fork`, `kill`,
        `exec*`, `spawn*`, `popen*` and `wait*` raise `OSError(ENOSYS, 'Function not
        implemented')`, the `signal` module's functions are deleted, and `multiprocessing`
        cannot be imported (its `_multiprocessing` C module is not whitelisted).
    """
    how_to_fix = """
        Do the work in Python (a pure-Python library instead of a command-line tool), run
        background work through task queues (`google.appengine.ext.deferred.defer`,
        `taskqueue.add`), parallelise I/O with threads or async RPCs (urlfetch
        `make_fetch_call`, ndb tasklets), bound time with API deadlines and
        `DeadlineExceededError`, and move what truly needs a process to a service that has
        one (Cloud Run, Compute Engine).
    """
    sources = (
        "SDK dist/subprocess.py (classic: empty module) and sandbox.py os policy (ENOSYS stubs, os.system returns -1) — gae-facts §1.3, §1.4",
        "SDK sandbox.py ModuleOverridePolicy for signal (functions deleted) — gae-facts §1.4",
        "gae-facts §1.2: multiprocessing needs _multiprocessing, not whitelisted",
    )
    # The function's own name is in the source whenever a call resolves to it
    # (attribute, from-import, alias, star import, base class).
    triggers = tuple(sorted({n.rsplit(".", 1)[-1] for n in CALLS}))
    # ... and only beside an import of its module (`run` without
    # subprocess, `kill` without os or signal, cannot be one of these)
    module_triggers = trigger_modules.module_triggers([*CALLS, *SUBCLASSABLE])

    VALID = (
        Valid("""
            import os, threading, signal
            from google.appengine.ext import deferred
            deferred.defer(len, 'resize later')
            worker = threading.Thread(target=len, args=('x',))
            pid = os.getpid()
            signum = signal.SIGTERM
            class Phone(object):
                def call(self, number): pass
            Phone().call('555')
            """),
    )
    INVALID = (
        Invalid("""
            import os, subprocess, signal
            from subprocess import check_output as run
            out = subprocess.check_output(['convert', 'in.png', 'out.jpg'])
            status = os.system('ls')
            text = run(['git', 'rev-parse', 'HEAD'])
            signal.signal(signal.SIGALRM, lambda *a: None)
            signal.alarm(5)
            os.kill(1234, signal.SIGTERM)
            """, lines=(3, 4, 5, 6, 7, 8)),
        Invalid("""
            import multiprocessing, commands
            from os import *
            class Worker(multiprocessing.Process):
                pass
            Worker().start()
            pool = multiprocessing.Pool(4)
            listing = commands.getoutput('ls')
            if fork() == 0:
                execv('/bin/true', ['true'])
            """, lines=(5, 6, 7, 8, 9)),
        Invalid("""
            import webbrowser
            from utils.subprocess2 import Popen
            def thumbnail(path):
                proc = Popen(['convert', path, '-resize', '64x64', 'thumb.png'])
                return proc.wait()
            def open_docs():
                webbrowser.open('https://cloud.google.com/appengine/docs')
            """, files={"utils/__init__.py": "",
                        "utils/subprocess2.py": "import subprocess\n\n\nclass Popen(subprocess.Popen):\n"
                                                "    def __init__(self, args, **kwargs):\n"
                                                "        kwargs.setdefault('close_fds', True)\n"
                                                "        subprocess.Popen.__init__(self, args, **kwargs)\n"},
            lines=(4, 7), note="a subclass of subprocess.Popen in another module of the app; webbrowser"),
    )

    def visit_Call(self, node: cst.Call, ctx) -> None:
        name = ctx.call_name(node)
        spec = CALLS.get(name) if name else None
        if spec is None:
            # a subclass defined here (no name) or in another module of the app
            bases = ctx.lineage(node.func)[1 if name else 0:]
            base = next((b for b in bases if b in SUBCLASSABLE), None)
            if base is None:
                return
            spec, name = CALLS[base], ctx.dotted(node.func)
            what = f"{spec['what']} (it derives from {base})"
        else:
            what = spec["what"]
        shown = ctx.dotted(node.func) or name
        call = f"{shown}()`" if shown == name else f"{shown}()` (`{name}`)"
        ctx.report(self, node, call=call, what=what, fix=FIXES[spec["kind"]])
