"""Running gaelint for bench/run.py: cold, cache-filling and warm runs.

Gaelint wraps the executable, its environment (the result cache always under
bench/.work, never ~/.cache) and the output folder; warm() repeats the warm
run when gaelint's own source changed after the cache was filled (that
change is part of the cache key). run_synthetic() is the synthetic mode's
sequence; bench/corpus.py has the corpus mode's. Stdlib only.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import generate
from measure import measure, read_json, repeated

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"


def gaelint_summary(res: dict) -> None:
    doc = read_json(res["stdout"])
    if isinstance(doc, dict):
        res["files"] = doc.get("summary", {}).get("files")
        res["findings"] = doc.get("summary", {}).get("by_code")
        res["errors"] = len(doc.get("errors") or [])
    if res["rc"] not in (0, 1):
        res["note"] = "gaelint failed (exit %d): %s" % (res["rc"], res["stderr_tail"][-200:])


def cache_locations(tree: Path, cache_dir: Path):
    """Where a gaelint result cache may live for runs started in `tree`."""
    found = [p for p in (cache_dir, tree / ".gaelint_cache", WORK / "xdg-cache" / "gaelint") if p.exists()]
    found += [p for p in tree.glob("*/.gaelint_cache")]
    return found


def cache_entries(cache_dir: Path) -> dict:
    """Entry file -> mtime: an entry written (or rewritten) by a run is a file
    that run checked instead of answering from the cache."""
    out = {}
    if cache_dir.is_dir():
        for p in cache_dir.rglob("*.json"):
            try:
                out[str(p)] = p.stat().st_mtime_ns
            except OSError:
                pass
    return out


def engine_state() -> tuple:
    """Size and mtime of the checkout's gaelint modules: part of the cache key.

    Someone editing gaelint between the run that fills the cache and the warm
    run turns the warm run into a full one; this tells the two apart.
    """
    roots = [REPO / "gaelint", REPO / "rules"]
    files = sorted(p for root in roots if root.is_dir() for p in root.rglob("*.py"))
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.exists())


class Gaelint:
    """One gaelint executable, run with its cache in `cache_dir`, outputs in `out`."""

    def __init__(self, exe: str, out: Path, cache_dir: Path, repeat: int):
        self.cmd = [str(Path(exe).resolve())] if Path(exe).exists() else [exe]
        self.env = dict(os.environ, GAELINT_CACHE_DIR=str(cache_dir), XDG_CACHE_HOME=str(WORK / "xdg-cache"))
        # as a user's Python runs it: with PYTHONDONTWRITEBYTECODE set, every gaelint module
        # edited since its .pyc was last written would be compiled again on every run
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.out, self.cache_dir, self.repeat = out, cache_dir, repeat
        self.res = {}

    def run(self, name: str, argv, cwd: Path, n: int = 0) -> dict:
        """`gaelint ARGV` n times (default --repeat) in cwd; the median is kept as res[name]."""
        def one(i):
            r = measure(self.cmd + list(argv), cwd, self.out / ("%s.%d.out" % (name, i)), self.env)
            gaelint_summary(r)
            return r
        self.res[name] = repeated(n or self.repeat, one)
        print("  %-28s %8.2fs" % (name, self.res[name]["wall_s"]))
        return self.res[name]

    def startup(self, cwd: Path) -> dict:
        self.res["gaelint_startup"] = repeated(3, lambda i: measure(
            self.cmd + ["--version"], cwd, self.out / ("startup.%d.out" % i), self.env))
        return self.res["gaelint_startup"]

    def warm(self, argv, cwd: Path, state: tuple, caches, n: int = 0) -> dict:
        """gaelint_warm: `argv` again with nothing changed since the run that
        filled the cache (engine `state` then), with a note on the cache."""
        for attempt in range(1, 4):
            self.run("gaelint_warm", argv, cwd, n)
            # valid when the engine was the same from the filling run to here;
            # otherwise this run refilled the cache with today's engine: again
            now = engine_state()
            stable, state = now == state, now
            if stable:
                break
        note = ("cache at %s" % ", ".join(str(p) for p in caches)) if caches else \
            "no result cache found after a cached run: the engine has no cache yet, so 'warm' is a second full run"
        if not stable:
            note += "; gaelint's source kept changing during the run, so this warm run may have missed the cache"
        elif attempt > 1:
            note += "; gaelint's source changed after the cache was filled: warm run %d is the one kept" % attempt
        self.res["gaelint_warm"]["note"] = note
        return self.res["gaelint_warm"]


def run_synthetic(args, tree: Path, m: dict, out: Path) -> dict:
    """Cold (all cores, 1 and 2 workers), cache-filling, warm and one-file runs on the generated tree."""
    gl = Gaelint(args.gaelint, out, WORK / "gaelint-cache", args.repeat)
    jobs = args.jobs or os.cpu_count() or 1
    res = gl.res
    check = lambda name, extra, n=0: gl.run(name, ["check", "."] + extra, tree, n)

    gl.startup(tree)
    check("gaelint_cold", ["--format", "json", "--no-cache", "--jobs", str(jobs)])
    check("gaelint_jobs1", ["--format", "json", "--no-cache", "--jobs", "1"])
    if jobs == 2 and args.repeat == 1:
        res["gaelint_jobs2"] = dict(res["gaelint_cold"], note="same command as gaelint_cold (all cores = 2)")
    else:
        check("gaelint_jobs2", ["--format", "json", "--no-cache", "--jobs", "2"])
    # cache: clear it, fill it, then re-run with nothing changed
    for p in cache_locations(tree, gl.cache_dir):
        shutil.rmtree(p, ignore_errors=True)
    state = engine_state()
    check("gaelint_cold_cache_cleared", ["--format", "json", "--jobs", str(jobs)], n=1)
    gl.warm(["check", ".", "--format", "json", "--jobs", str(jobs)], tree, state, cache_locations(tree, gl.cache_dir))
    # one changed 1,000-line file in the warm tree, as pre-commit runs it
    changed = m["changed_file"]
    original = (tree / changed).read_bytes()
    try:
        def one_file(i):
            generate.touch_changed_file(tree, m, 1000 + i)
            r = measure(gl.cmd + ["check", changed], tree, out / ("one_file.%d.out" % i), gl.env)
            if r["rc"] not in (0, 1):
                r["note"] = "gaelint failed (exit %d): %s" % (r["rc"], r["stderr_tail"][-200:])
            return r
        res["gaelint_one_file"] = repeated(max(3, args.repeat), one_file)
        res["gaelint_one_file"].update(files=1, lines=original.count(b"\n"))
        print("  %-28s %8.2fs" % ("gaelint_one_file", res["gaelint_one_file"]["wall_s"]))
    finally:
        (tree / changed).write_bytes(original)
    return res
