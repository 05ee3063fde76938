"""Check many files, in worker processes when there are enough of them.

Workers are forked with the rule set and the apps, so nothing is pickled
but the task (app index, path) and its findings. Cache hits are answered in
the main process first: a warm run never starts a worker. ``meanwhile``
(the app rules) runs in the main process while the workers check files.

Workers never outlive the run: they die with the main process (Linux's
parent-death signal, elsewhere a watchdog thread), leave Ctrl-C and SIGTERM
to it, and are killed when it stops early for any reason. A worker that
dies on a file (out of memory, a crash in a native parser) costs that file a
GAE002; the other files are checked again in a fresh pool.
"""
from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

from gaelint.app.context import AppContext
from gaelint.app.module_facts import class_words
from gaelint.app.production import FACTS_NAME
from gaelint.findings import Finding
from gaelint.source import read as read_source

from . import heap
from .cache import app_fingerprint, dependency_hashes
from .check import RuleSet, check_file_and_facts, engine_failure



_WORKER: Dict[str, object] = {}
# The facts slot of a result answered from the cache: its facts are in the
# fact cache, by content (the main process reads them there).
FROM_CACHE: dict = {"from_cache": True}


def _init_worker(ruleset, apps, cache=None, app_keys=(), trim=False):
    """``trim``: give the heap back after big files (engine.heap), for a
    process that checks many."""
    _WORKER.update(ruleset=ruleset, apps=apps, cache=cache, app_keys=app_keys,
                   heap=heap.Trimmer() if trim else None)


_PR_SET_PDEATHSIG = 1
_STOPS = {signal.SIGINT, signal.SIGTERM}


def _die_with_parent(parent: int) -> None:
    """Make this worker die when the process that started it does, so no
    worker keeps the caller's stdout open after gaelint is killed."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
                if os.getppid() != parent:      # the parent died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="gaelint-parent-watch", daemon=True).start()


def _start_worker(parent, *args):
    # Ctrl-C goes to the whole process group: the main process stops the
    # workers, which must not each print a KeyboardInterrupt traceback; a
    # SIGTERM sent to a worker just ends it. The pool forks them with both
    # blocked, so none arrives before this.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
    _die_with_parent(parent)
    _init_worker(*args, trim=True)


def _stop(pool: "ProcessPoolExecutor") -> None:
    """Kill the workers now (not after their current file) and let go."""
    kill = getattr(pool, "kill_workers", None)      # Python 3.14+
    if kill is not None:
        kill()
    else:
        # Before 3.14 the executor has no public way to kill its workers.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            try:
                process.kill()
            except (OSError, ValueError, AttributeError):
                pass
    pool.shutdown(wait=False, cancel_futures=True)


def _run_in_pool(mp, jobs: int, initargs, tasks, meanwhile=None, progress=None) -> List[Optional[tuple]]:
    """(findings, facts) per task; None where a worker died before the task
    was done. Workers are forked (on the first submits) with Ctrl-C and
    SIGTERM blocked: one that comes meanwhile reaches this process right
    after, never a half-started worker."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=mp, initializer=_start_worker,
                               initargs=(os.getpid(), *initargs))
    try:
        blocking = hasattr(signal, "pthread_sigmask")
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS) if blocking else None
        try:
            futures = [pool.submit(_check_group_packed, t) if isinstance(t, list) else pool.submit(_check_one, t)
                       for t in tasks]
        finally:
            if blocking:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        if meanwhile is not None:
            meanwhile()     # every task is submitted: the main process is free
        out: List[Optional[tuple]] = []
        for task, future in zip(tasks, futures):
            try:
                out.append(future.result())
            except BrokenProcessPool:
                out.append(None)
            except Exception as exc:  # noqa: BLE001 - e.g. a result that does not unpickle
                if isinstance(task, list):
                    out.append([([engine_failure(path, exc)], None) for _, path in task])
                else:
                    out.append(([engine_failure(task[1], exc)], None))
            if progress is not None:
                progress.advance(len(task) if isinstance(task, list) else 1)
    except BaseException:   # Ctrl-C, SIGTERM, a failing app rule: no worker outlives us
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return out


def _died_on(path: Path) -> tuple:
    return [engine_failure(path, RuntimeError(
        "the worker process checking this file died (out of memory, or a crash in a native parser)"))], None


def _check_in_processes(mp, jobs: int, initargs, todo, meanwhile, progress=None) -> list:
    # libcst once here, before the fork: the workers share its pages (memory)
    # instead of each importing it (0.2 s of CPU each)
    import libcst  # noqa: F401
    from gaelint.analysis import positions  # noqa: F401 - libcst.metadata, which positions needs
    # One task per real file (its copies in several apps go together, so it
    # is parsed once); largest first, so no worker ends on a big one.
    groups = _groups(todo)
    groups.sort(key=lambda g: -_size(todo[g[0]][1]) * len(g))
    # What this process holds (apps, deploy sets, libcst's classes) is shared
    # with the forked workers page by page until someone writes to it; the
    # cyclic collector of a worker would write to every object it tracks
    # (its header), copying all of it. Frozen objects are never traversed.
    gc.freeze()
    try:
        grouped = _run_in_pool(mp, jobs, initargs, [[todo[i] for i in g] for g in groups], meanwhile, progress)
    finally:
        gc.unfreeze()
    grouped = [None if result is None else _unpacked(result) for result in grouped]
    order = [i for g in groups for i in g]
    tasks = [todo[i] for i in order]
    found = [None if result is None else result[k] for g, result in zip(groups, grouped) for k in range(len(g))]
    # A worker died: every unfinished task failed with it. Check those again
    # in one worker at a time, so the file that kills a worker is the first
    # unfinished one, and only it gets a GAE002.
    left = [i for i, f in enumerate(found) if f is None]
    while left:
        again = _run_in_pool(mp, 1, initargs, [tasks[i] for i in left])
        for i, f in zip(left, again):
            found[i] = f
        if again[0] is None:
            found[left[0]] = _died_on(tasks[left[0]][1])
        left = [i for i in left if found[i] is None]
    done: list = [None] * len(todo)
    for i, f in zip(order, found):
        done[i] = f
    return done


def _cached(app_index: int, path: Path):
    """(cache key, findings or None, bytes) for a file; (None, None, None)
    without a cache or when the file cannot be read."""
    cache = _WORKER.get("cache")
    app_key = _WORKER["app_keys"][app_index] if cache is not None else None
    if app_key is None:
        return None, None, None
    data, problem = read_source(path)
    if problem is not None:
        return None, None, None
    app = _WORKER["apps"][app_index]
    key = cache.key(data, app.relpath(path), app_key)
    return key, cache.get(key, app.root, app.deploy.root, data=data, path=path), data


def _check_one(task):
    """(findings, facts) of one file; facts None on a cache hit (the main
    process reads them from the cache by content)."""
    app_index, path = task
    ruleset, apps = _WORKER["ruleset"], _WORKER["apps"]
    try:
        key, found, data = _cached(app_index, path)
    except Exception:  # noqa: BLE001 - a cache that fails only costs speed
        key, found, data = None, None, None
    if found is not None:
        return found, FROM_CACHE
    # the bytes the key was made from are the bytes checked
    app = apps[app_index]
    deps = set()
    found, file_facts = check_file_and_facts(ruleset, app, path, data, deps)
    cache = _WORKER.get("cache")
    if key is not None and not any(f.code == "GAE002" for f in found):
        cache.put(key, app.root, found, dependency_hashes(app.deploy.root, sorted(deps)), data=data, path=path)
        if file_facts is not None and data is not None:
            cache.put_value(cache.fact_key(FACTS_NAME, data), file_facts, data, f"fact:{FACTS_NAME}")
    return found, file_facts


def _groups(todo) -> List[List[int]]:
    """Indices of the tasks, grouped by the real file they check."""
    by_file: Dict[str, List[int]] = {}
    for i, (_, path) in enumerate(todo):
        by_file.setdefault(os.path.realpath(path), []).append(i)
    return list(by_file.values())


def _check_group(group):
    """The results of tasks that check one real file (in several apps)."""
    try:
        return [_check_one(task) for task in group]
    finally:
        if _WORKER["heap"] is not None:
            _WORKER["heap"].after()


def _check_group_packed(group):
    """:func:`_check_group` in a worker, with the files' facts pickled
    together (copies of one file in several apps share one facts object,
    and one pickle keeps them shared). They stay bytes in the main process
    until every worker is done: unpickled, the facts of the development
    corpus take some 100 MB, pickled 16, and a run's memory is all its
    processes summed."""
    results = _check_group(group)
    return [found for found, _ in results], pickle.dumps([facts for _, facts in results], pickle.HIGHEST_PROTOCOL)


def _unpacked(packed):
    founds, facts = packed
    # FROM_CACHE crossed a process boundary: an equal dict, not the same object
    return [(found, FROM_CACHE if f == FROM_CACHE else f) for found, f in zip(founds, pickle.loads(facts))]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _fingerprint(app: AppContext) -> Optional[str]:
    """The app's cache key part; None (no cache for this app) if computing
    it fails on something in the app."""
    try:
        return app_fingerprint(app)
    except Exception:  # noqa: BLE001 - the cache is an optimisation
        return None


def check_files(ruleset: RuleSet, apps: List[AppContext], tasks, jobs: int, cache=None,
                meanwhile=lambda: None, progress=None) -> List[Tuple[List[Finding], Optional[dict]]]:
    """(findings, facts, or FROM_CACHE, or None when the check failed) of
    every task, in task order. ``meanwhile``
    (the app rules) runs in this process while the workers check files.
    ``progress`` (``start(total)``, ``advance(count)``) hears of each file
    checked: the command line's progress bar."""
    # Only the apps with files to check need their key (a whole app taken
    # from its snapshot has none): computing one reads every file of the app.
    wanted = {index for index, _ in tasks}
    app_keys = [_fingerprint(a) if i in wanted else None for i, a in enumerate(apps)] if cache is not None else ()
    _init_worker(ruleset, apps, cache, app_keys)
    results: List[Optional[List[Finding]]] = [None] * len(tasks)
    if cache is not None:   # answer hits here: a warm run never starts workers
        for i, (index, path) in enumerate(tasks):
            try:
                hit = _cached(index, path)[1]
            except Exception:  # noqa: BLE001 - a cache that fails only costs speed
                hit = None
            results[i] = (hit, FROM_CACHE) if hit is not None else None
    missing = [i for i, r in enumerate(results) if r is None]
    todo = [tasks[i] for i in missing]
    for index in sorted({index for index, _ in todo}):
        class_words(apps[index])        # once, before the workers fork
    if progress is not None:
        progress.start(len(todo))
    if jobs <= 1 or len(todo) < 8:
        _WORKER["heap"] = heap.Trimmer() if len(todo) > 1 else None
        done = [None] * len(todo)
        for group in _groups(todo):             # a file's copies one after the other
            for i, found in zip(group, _check_group([todo[i] for i in group])):
                done[i] = found
            if progress is not None:
                progress.advance(len(group))
        meanwhile()
    else:
        try:
            import multiprocessing      # here: a pre-commit run on a few files never starts a worker
            mp = multiprocessing.get_context("fork")
        except ValueError:  # pragma: no cover - no fork on this platform
            mp = None
        if mp is None:
            done = [_check_one(t) for t in todo]
            meanwhile()
        else:
            done = _check_in_processes(mp, jobs, (ruleset, apps, cache, app_keys), todo, meanwhile, progress)
    for i, found in zip(missing, done):
        results[i] = found
    return results
