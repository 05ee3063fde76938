"""Check many files, in worker processes when there are enough of them.

Workers are forked with the rule set and the apps, so nothing is pickled
but the task (app index, path) and its findings. Cache hits are answered in
the main process first: a warm run never starts a worker. ``meanwhile``
(the app rules) runs in the main process while the workers check files.
"""
from __future__ import annotations

import multiprocessing
import signal
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from gaelint.app.context import AppContext
from gaelint.app.module_facts import class_words
from gaelint.app.production import FACTS_NAME
from gaelint.findings import Finding
from gaelint.source import read as read_source

from .cache import app_fingerprint, dependency_hashes
from .check import RuleSet, check_file_and_facts



_WORKER: Dict[str, object] = {}
# The facts slot of a result answered from the cache: its facts are in the
# fact cache, by content (the main process reads them there).
FROM_CACHE: dict = {"from_cache": True}


def _init_worker(ruleset, apps, cache=None, app_keys=()):
    _WORKER.update(ruleset=ruleset, apps=apps, cache=cache, app_keys=app_keys)


def _start_worker(*args):
    # Ctrl-C goes to the whole process group: the main process stops the
    # workers, which must not each print a KeyboardInterrupt traceback. The
    # pool forks them with SIGINT blocked, so none arrives before this.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _init_worker(*args)


def _start_pool(mp, jobs: int, initargs):
    """A pool whose workers never see a Ctrl-C; one that comes while they
    are forked waits, blocked, and reaches this process right after."""
    blocking = hasattr(signal, "pthread_sigmask")
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if blocking else None
    try:
        return mp.Pool(processes=jobs, initializer=_start_worker, initargs=initargs)
    finally:
        if blocking:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _cached(app_index: int, path: Path):
    """(cache key, findings or None, bytes) for a file; (None, None, None)
    without a cache or when the file cannot be read."""
    cache = _WORKER.get("cache")
    if cache is None:
        return None, None, None
    data, problem = read_source(path)
    if problem is not None:
        return None, None, None
    app = _WORKER["apps"][app_index]
    key = cache.key(data, app.relpath(path), _WORKER["app_keys"][app_index])
    return key, cache.get(key, app.root, app.deploy.root), data


def _check_one(task):
    """(findings, facts) of one file; facts None on a cache hit (the main
    process reads them from the cache by content)."""
    app_index, path = task
    ruleset, apps = _WORKER["ruleset"], _WORKER["apps"]
    key, found, data = _cached(app_index, path)
    if found is not None:
        return found, FROM_CACHE
    # the bytes the key was made from are the bytes checked
    app = apps[app_index]
    deps = set()
    found, file_facts = check_file_and_facts(ruleset, app, path, data, deps)
    cache = _WORKER.get("cache")
    if key is not None and not any(f.code == "GAE002" for f in found):
        cache.put(key, app.root, found, dependency_hashes(app.deploy.root, sorted(deps)))
        if file_facts is not None and data is not None:
            cache.put_value(cache.fact_key(FACTS_NAME, data), file_facts)
    return found, file_facts


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def check_files(ruleset: RuleSet, apps: List[AppContext], tasks, jobs: int, cache=None,
                meanwhile=lambda: None) -> List[Tuple[List[Finding], Optional[dict]]]:
    """(findings, facts, or FROM_CACHE, or None when the check failed) of
    every task, in task order. ``meanwhile``
    (the app rules) runs in this process while the workers check files."""
    app_keys = [app_fingerprint(a) for a in apps] if cache is not None else ()
    _init_worker(ruleset, apps, cache, app_keys)
    results: List[Optional[List[Finding]]] = [None] * len(tasks)
    if cache is not None:   # answer hits here: a warm run never starts workers
        for i, (index, path) in enumerate(tasks):
            hit = _cached(index, path)[1]
            results[i] = (hit, FROM_CACHE) if hit is not None else None
    missing = [i for i, r in enumerate(results) if r is None]
    todo = [tasks[i] for i in missing]
    for index in sorted({index for index, _ in todo}):
        class_words(apps[index])        # once, before the workers fork
    if jobs <= 1 or len(todo) < 8:
        done = [_check_one(t) for t in todo]
        meanwhile()
    else:
        try:
            mp = multiprocessing.get_context("fork")
        except ValueError:  # pragma: no cover - no fork on this platform
            mp = None
        if mp is None:
            done = [_check_one(t) for t in todo]
            meanwhile()
        else:
            # Largest files first, so no worker is left with a big one at the end.
            order = sorted(range(len(todo)), key=lambda i: -_size(todo[i][1]))
            chunk = 1           # a chunk of the largest files would all go to one worker
            pool = _start_pool(mp, jobs, (ruleset, apps, cache, app_keys))
            try:
                pending = pool.imap(_check_one, [todo[i] for i in order], chunksize=chunk)
                meanwhile()     # every task is submitted: the main process is free
                by_size = list(pending)
            except BaseException:   # Ctrl-C: drop the queued files, end the workers now
                pool.terminate()
                raise
            pool.close()
            pool.join()
            done = [None] * len(todo)
            for i, found in zip(order, by_size):
                done[i] = found
    for i, found in zip(missing, done):
        results[i] = found
    return results
