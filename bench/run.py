#!/usr/bin/env python3
"""Benchmark gaelint against its peers on one synthetic python27 tree.

    bench/run.py [--lines N] [--jobs N] [--skip-peers] [--repeat N]

Generates the tree with bench/generate.py (reused when the same seed, size and
generator exist), installs bandit, semgrep and ruff into bench/.work/peers,
then measures, in one run on the same tree: gaelint cold, warm, on one changed
1,000-line file, --jobs 1 against --jobs 2, bandit, semgrep, ruff and libcst
parse-only. Prints ratios first, absolute figures beside them, and writes
bench/.work/results.json. Stdlib only; see bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import operator
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import generate  # bench/ is sys.path[0] when this file runs as a script

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
PEERS = ("bandit", "semgrep", "ruff")
OPS = {"<": operator.lt, "<=": operator.le, ">=": operator.ge}
GOALS = {  # issue 7
    "cold_vs_bandit": ("<=", 0.3), "cold_vs_semgrep": ("<=", 1.0), "warm_vs_ruff": ("<=", 0.5),
    "one_file_wall_s": ("<", 0.5), "jobs2_vs_jobs1_throughput": (">=", 1.7), "cold_peak_tree_mb": ("<", 300),
}


# -- measuring ---------------------------------------------------------------
class TreeMemory(threading.Thread):
    """Samples the summed memory of a process and all its descendants.

    ru_maxrss only gives the largest single process; gaelint and semgrep run
    worker processes, so the whole tree is what a CI machine must hold. PSS
    (proportional set size) splits shared pages between the sharers, so forked
    workers are not counted twice; RSS is the fallback without smaps_rollup.
    """

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self._done = threading.Event()

    def _children(self, pid: int):
        try:
            tasks = os.listdir("/proc/%d/task" % pid)
        except OSError:
            return []
        kids = []
        for tid in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as fh:
                    kids += [int(x) for x in fh.read().split()]
            except OSError:
                pass
        return kids

    @staticmethod
    def _mem_kb(pid: int) -> int:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        try:
            with open("/proc/%d/statm" % pid) as fh:
                return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except OSError:
            return 0

    def run(self):
        while not self._done.is_set():
            todo, total = [self.pid], 0
            while todo:
                pid = todo.pop()
                total += self._mem_kb(pid)
                todo += self._children(pid)
            self.peak_kb = max(self.peak_kb, total)
            self._done.wait(self.interval)

    def stop(self):
        self._done.set()
        self.join()


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat)."""
    try:
        with open("/proc/stat") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return 0.0
    # user nice system idle iowait irq softirq steal: everything but idle/iowait
    return (sum(f[:8]) - f[3] - f[4]) / os.sysconf("SC_CLK_TCK")


def measure(cmd, cwd: Path, out: Path, env=None) -> dict:
    """Wall time, CPU time, largest-process RSS (wait4) and tree PSS of one command.

    Also how many cores other processes kept busy meanwhile: on a shared
    machine that is what makes wall times wander, and it is printed beside
    each figure so a contended run is recognisable.
    """
    err = out.with_suffix(".stderr")
    with open(out, "wb") as fo, open(err, "wb") as fe:
        busy0 = busy_cpu_s()
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=str(cwd), env=env, stdout=fo, stderr=fe)
        mem = TreeMemory(proc.pid)
        mem.start()
        _, status, ru = os.wait4(proc.pid, 0)  # the rusage /usr/bin/time -v prints
        wall = time.perf_counter() - t0
        busy = busy_cpu_s() - busy0
        mem.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = ru.ru_utime + ru.ru_stime
    return {"cmd": " ".join(str(c) for c in cmd), "cwd": str(cwd), "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3), "rc": proc.returncode, "others_cores": round(max(0.0, busy - cpu) / wall, 2),
            "max_process_rss_mb": round(ru.ru_maxrss / 1024, 1), "peak_tree_mb": round(mem.peak_kb / 1024, 1),
            "stdout": str(out), "stderr_tail": err.read_bytes()[-400:].decode("utf-8", "replace")}


def repeated(n: int, fn):
    """Run fn() n times; keep the median wall and the worst memory."""
    runs = [fn(i) for i in range(n)]
    best = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
    best = dict(best, runs_wall_s=[r["wall_s"] for r in runs])
    best["peak_tree_mb"] = max(r["peak_tree_mb"] for r in runs)
    best["max_process_rss_mb"] = max(r["max_process_rss_mb"] for r in runs)
    return best


# -- the tree and the peers ----------------------------------------------------
def ensure_tree(lines: int, seed: int, tree: Path) -> dict:
    mpath = tree / generate.MANIFEST
    if mpath.exists():
        m = json.loads(mpath.read_text())
        if (m.get("generator_sha"), m.get("seed"), m.get("target_lines")) == (generate.source_sha(), seed, lines):
            generate.touch_changed_file(tree, m, 0)  # undo an interrupted run's change
            print("reusing %s (%d lines in %d .py files)" % (tree, m["lines"], m["py_files"]))
            return m
    t0 = time.perf_counter()
    m = generate.generate(tree, lines, seed)
    print("generated %s: %d lines in %d .py files (%d Python 2 only) in %.1fs"
          % (tree, m["lines"], m["py_files"], m["py2_files"], time.perf_counter() - t0))
    return m


def ensure_peers(skip: bool) -> dict:
    """name -> executable, or a note saying why the peer is skipped."""
    if skip:
        return {p: {"skipped": "--skip-peers"} for p in PEERS}
    venv = WORK / "peers"
    py = venv / "bin" / "python"
    if not py.exists():
        print("creating %s ..." % venv)
        r = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
        if r.returncode:
            return {p: {"skipped": "venv failed: %s" % r.stderr.strip()[-200:]} for p in PEERS}
    peers = {}
    for name in PEERS:
        exe = venv / "bin" / name
        if not exe.exists():
            print("installing %s into %s ..." % (name, venv))
            r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", name],
                               capture_output=True, text=True)
            if r.returncode or not exe.exists():
                peers[name] = {"skipped": "pip install failed: %s" % (r.stderr.strip()[-300:] or r.returncode)}
                continue
        v = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=peer_env())
        peers[name] = {"exe": str(exe), "version": (v.stdout or v.stderr).strip().splitlines()[0] if (v.stdout or v.stderr) else "?"}
    return peers


def peer_env() -> dict:
    env = dict(os.environ)
    env.update(SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off", PYTHONDONTWRITEBYTECODE="1")
    return env


# -- libcst parse-only (runs under gaelint's own interpreter) -------------------
def _parse_one(path: str):
    import libcst

    data = Path(path).read_bytes()
    try:
        libcst.parse_module(data)
        return 0
    except Exception:  # ParserSyntaxError, or a decode error
        return 1


def libcst_worker(listfile: str, jobs: int) -> int:
    paths = Path(listfile).read_text().splitlines()
    if jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            failed = sum(pool.imap_unordered(_parse_one, paths, chunksize=8))
    else:
        failed = sum(map(_parse_one, paths))
    import libcst

    print(json.dumps({"files": len(paths), "failed": failed, "libcst": getattr(libcst, "__version__", "?")}))
    return 0


# -- the benchmark ---------------------------------------------------------------
def _json(path: str):
    try:
        return json.loads(Path(path).read_text() or "null")
    except (OSError, ValueError):
        return None


def gaelint_summary(res: dict) -> None:
    doc = _json(res["stdout"])
    if isinstance(doc, dict):
        res["files"] = doc.get("summary", {}).get("files")
        res["findings"] = doc.get("summary", {}).get("by_code")
        res["errors"] = len(doc.get("errors") or [])
    if res["rc"] not in (0, 1):
        res["note"] = "gaelint failed (exit %d): %s" % (res["rc"], res["stderr_tail"][-200:])


def cache_locations(tree: Path):
    """Where a gaelint result cache may live for runs started in `tree`."""
    found = [p for p in (WORK / "gaelint-cache", tree / ".gaelint_cache", WORK / "xdg-cache" / "gaelint") if p.exists()]
    found += [p for p in tree.glob("*/.gaelint_cache")]
    return found


def engine_state() -> tuple:
    """Size and mtime of the checkout's gaelint modules: part of the cache key.

    Someone editing gaelint between the run that fills the cache and the warm
    run turns the warm run into a full one; this tells the two apart.
    """
    roots = [REPO / "gaelint", REPO / "rules"]
    files = sorted(p for root in roots if root.is_dir() for p in root.rglob("*.py"))
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.exists())


def run_gaelint(args, tree: Path, m: dict, out: Path) -> dict:
    gl = [str(Path(args.gaelint).resolve())] if Path(args.gaelint).exists() else [args.gaelint]
    # The cache goes under bench/.work, never into the user's ~/.cache.
    env = dict(os.environ, GAELINT_CACHE_DIR=str(WORK / "gaelint-cache"), XDG_CACHE_HOME=str(WORK / "xdg-cache"))
    jobs = args.jobs or os.cpu_count() or 1
    res = {}

    def check(name, extra, n=args.repeat, path="."):
        def one(i):
            r = measure(gl + ["check", path] + extra, tree, out / ("%s.%d.out" % (name, i)), env)
            gaelint_summary(r)
            return r
        res[name] = repeated(n, one)
        print("  %-28s %8.2fs" % (name, res[name]["wall_s"]))

    res["gaelint_startup"] = repeated(3, lambda i: measure(gl + ["--version"], tree, out / ("startup.%d.out" % i), env))
    check("gaelint_cold", ["--format", "json", "--no-cache", "--jobs", str(jobs)])
    check("gaelint_jobs1", ["--format", "json", "--no-cache", "--jobs", "1"])
    if jobs == 2 and args.repeat == 1:
        res["gaelint_jobs2"] = dict(res["gaelint_cold"], note="same command as gaelint_cold (all cores = 2)")
    else:
        check("gaelint_jobs2", ["--format", "json", "--no-cache", "--jobs", "2"])
    # cache: clear it, fill it, then re-run with nothing changed
    for p in cache_locations(tree):
        shutil.rmtree(p, ignore_errors=True)
    state = engine_state()
    check("gaelint_cold_cache_cleared", ["--format", "json", "--jobs", str(jobs)], n=1)
    caches = cache_locations(tree)
    for attempt in range(1, 4):
        check("gaelint_warm", ["--format", "json", "--jobs", str(jobs)])
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
    res["gaelint_warm"]["note"] = note
    # one changed 1,000-line file in the warm tree, as pre-commit runs it
    changed = m["changed_file"]
    original = (tree / changed).read_bytes()
    try:
        def one_file(i):
            generate.touch_changed_file(tree, m, 1000 + i)
            r = measure(gl + ["check", changed], tree, out / ("one_file.%d.out" % i), env)
            if r["rc"] not in (0, 1):
                r["note"] = "gaelint failed (exit %d): %s" % (r["rc"], r["stderr_tail"][-200:])
            return r
        res["gaelint_one_file"] = repeated(max(3, args.repeat), one_file)
        res["gaelint_one_file"].update(files=1, lines=original.count(b"\n"))
        print("  %-28s %8.2fs" % ("gaelint_one_file", res["gaelint_one_file"]["wall_s"]))
    finally:
        (tree / changed).write_bytes(original)
    return res


def run_peers(args, tree: Path, peers: dict, out: Path, pylist: Path) -> dict:
    res, env = {}, peer_env()
    exe = lambda n: peers[n].get("exe")
    if exe("bandit"):
        r = repeated(args.repeat, lambda i: measure([exe("bandit"), "-r", tree, "-f", "json", "-q"], WORK, out / ("bandit.%d.out" % i), env))
        doc = _json(r["stdout"]) or {}
        errors = doc.get("errors", [])
        r.update(files=len([k for k in doc.get("metrics", {}) if k != "_totals"]), findings=len(doc.get("results", [])),
                 parse_failures=sum("syntax" in (e.get("reason") or "").lower() or "parse" in (e.get("reason") or "").lower() for e in errors),
                 note="bandit skips every file its Python 3 ast cannot parse (%d of them)" % len(errors))
        res["bandit"] = r
        print("  %-28s %8.2fs" % ("bandit", r["wall_s"]))
    if exe("semgrep"):
        cmd = [exe("semgrep"), "scan", "--config", BENCH / "semgrep_rules.yaml", "--metrics=off", "--disable-version-check",
               "--no-git-ignore", "--json", "-q", "--jobs", str(args.jobs or os.cpu_count() or 1), tree]
        r = repeated(args.repeat, lambda i: measure(cmd, WORK, out / ("semgrep.%d.out" % i), env))
        doc = _json(r["stdout"]) or {}
        r.update(files=len((doc.get("paths") or {}).get("scanned") or []), findings=len(doc.get("results") or []),
                 parse_failures=len(doc.get("errors") or []), note="rules: bench/semgrep_rules.yaml, languages: [python2]")
        res["semgrep"] = r
        print("  %-28s %8.2fs" % ("semgrep", r["wall_s"]))
    if exe("ruff"):
        cmd = [exe("ruff"), "check", "--select", "E9,F63", "--no-cache", "--isolated", "--no-respect-gitignore",
               "--output-format", "json", "--exit-zero", tree]
        r = repeated(args.repeat, lambda i: measure(cmd, WORK, out / ("ruff.%d.out" % i), env))
        doc = _json(r["stdout"]) or []
        bad = {d.get("filename") for d in doc if d.get("code") in (None, "E999", "invalid-syntax")}
        r.update(files=None, findings=len(doc), parse_failures=len(bad),
                 note="ruff parses Python 3 only: %d files have syntax errors (Python 2)" % len(bad))
        res["ruff"] = r
        print("  %-28s %8.2fs" % ("ruff", r["wall_s"]))
    for p, why in ((p, peers[p].get("skipped")) for p in PEERS):
        if why:
            res[p] = {"skipped": why}
    # libcst parse-only, with the interpreter and libcst gaelint itself uses
    py = Path(args.gaelint).resolve().parent / "python"
    py = py if py.exists() else Path(sys.executable)
    jobs = args.jobs or os.cpu_count() or 1
    for name, j in (("libcst_parse_1core", 1), ("libcst_parse_all_cores", jobs)):
        r = repeated(args.repeat, lambda i, name=name, j=j: measure(
            [py, Path(__file__).resolve(), "--libcst-parse", pylist, "--jobs", str(j)], WORK, out / ("%s.%d.out" % (name, i))))
        doc = _json(r["stdout"]) or {}
        r.update(files=doc.get("files"), parse_failures=doc.get("failed"),
                 note="libcst.parse_module on every .py file, %d process(es); failures = Python 2 it rejects" % j)
        res[name] = r
        print("  %-28s %8.2fs" % (name, r["wall_s"]))
    return res


def ratios(runs: dict, lines: int) -> dict:
    wall = lambda n: (runs.get(n) or {}).get("wall_s")
    div = lambda a, b: round(a / b, 3) if a is not None and b else None
    for r in runs.values():
        if r.get("wall_s") and "skipped" not in r:
            r["lines_per_s"] = round((r.get("lines") or lines) / r["wall_s"])
    runs["gaelint_startup"].pop("lines_per_s", None)
    cpu = lambda n: (runs.get(n) or {}).get("cpu_s")
    by_cpu = {  # work done, whatever else the machine was running
        "cold_vs_bandit": div(cpu("gaelint_cold"), cpu("bandit")),
        "cold_vs_semgrep": div(cpu("gaelint_cold"), cpu("semgrep")),
        "warm_vs_ruff": div(cpu("gaelint_warm"), cpu("ruff")),
        "one_file_wall_s": cpu("gaelint_one_file"),
        "cold_vs_libcst_parse_1core": div(cpu("gaelint_cold"), cpu("libcst_parse_1core")),
        "cold_vs_libcst_parse_all_cores": div(cpu("gaelint_cold"), cpu("libcst_parse_all_cores")),
    }
    return {"by_cpu_s": by_cpu,
        "cold_vs_bandit": div(wall("gaelint_cold"), wall("bandit")),
        "cold_vs_semgrep": div(wall("gaelint_cold"), wall("semgrep")),
        "warm_vs_ruff": div(wall("gaelint_warm"), wall("ruff")),
        "one_file_wall_s": wall("gaelint_one_file"),
        "jobs2_vs_jobs1_throughput": div(wall("gaelint_jobs1"), wall("gaelint_jobs2")),
        "cold_peak_tree_mb": (runs.get("gaelint_cold") or {}).get("peak_tree_mb"),
        "cold_vs_libcst_parse_1core": div(wall("gaelint_cold"), wall("libcst_parse_1core")),
        "cold_vs_libcst_parse_all_cores": div(wall("gaelint_cold"), wall("libcst_parse_all_cores")),
    }


RATIO_LABELS = (
    ("cold_vs_bandit", "gaelint cold / bandit -r (wall)"),
    ("cold_vs_semgrep", "gaelint cold / semgrep python2 rules (wall)"),
    ("warm_vs_ruff", "gaelint warm / ruff cold (wall)"),
    ("one_file_wall_s", "gaelint one changed 1,000-line file (s)"),
    ("jobs2_vs_jobs1_throughput", "gaelint throughput --jobs 2 / --jobs 1"),
    ("cold_peak_tree_mb", "gaelint cold peak memory, all processes (MB)"),
    ("cold_vs_libcst_parse_1core", "gaelint cold / libcst parse-only, 1 core"),
    ("cold_vs_libcst_parse_all_cores", "gaelint cold / libcst parse-only, all cores"),
)
ROWS = ("gaelint_cold", "gaelint_cold_cache_cleared", "gaelint_warm", "gaelint_one_file", "gaelint_jobs1", "gaelint_jobs2",
        "gaelint_startup", "bandit", "semgrep", "ruff", "libcst_parse_1core", "libcst_parse_all_cores")


def report(result: dict) -> str:
    m, runs, rat = result["tree"], result["runs"], result["ratios"]
    out = ["", "Tree: %s — %d lines in %d .py files (%d Python 2 only, %d Python 2/3), %d apps; %d CPUs"
           % (m["path"], m["lines"], m["py_files"], m["py2_files"], m["py3_files"], len(m["apps"]), result["machine"]["cpus"]), ""]
    fmt = lambda v: "n/a" if v is None else "%.3g" % v
    out.append("%-46s %8s  %-8s %-4s %8s" % ("RATIO (wall time unless said)", "value", "goal", "met", "by CPU s"))
    for key, label in RATIO_LABELS:
        v, goal = rat.get(key), GOALS.get(key)
        met = "" if goal is None or v is None else ("yes" if OPS[goal[0]](v, goal[1]) else "NO")
        out.append("%-46s %8s  %-8s %-4s %8s" % (label, fmt(v), "%s %g" % goal if goal else "", met,
                                                  fmt(rat["by_cpu_s"].get(key)) if key in rat["by_cpu_s"] else ""))
    busy = max((r.get("others_cores") or 0) for r in runs.values())
    if busy > 0.25:
        out += ["", "WARNING: other processes kept up to %.1f of %d cores busy during these runs (column 'others'):"
                " wall times and wall ratios are inflated; the CPU-second ratios are the steadier figures." % (busy, result["machine"]["cpus"])]
    out += ["", "%-27s %8s %10s %8s %7s %8s %8s %6s %s" % ("COMMAND", "wall s", "lines/s", "cpu s", "others", "rss MB", "tree MB", "files", "notes")]
    for name in ROWS:
        r = runs.get(name)
        if r is None:
            continue
        if "skipped" in r:
            out.append("%-27s %s" % (name, "skipped: " + r["skipped"]))
            continue
        notes = []
        if r.get("findings") is not None:
            notes.append("findings %s" % (r["findings"],))
        if r.get("parse_failures") is not None:
            notes.append("parse failures %s" % r["parse_failures"])
        if r.get("note"):
            notes.append(r["note"])
        out.append("%-27s %8.2f %10s %8.1f %7.2f %8.1f %8.1f %6s %s" % (
            name, r["wall_s"], r.get("lines_per_s", ""), r["cpu_s"], r.get("others_cores", 0), r["max_process_rss_mb"], r["peak_tree_mb"],
            "" if r.get("files") is None else r["files"], "; ".join(notes)))
    out += ["", "rss MB: largest single process (wait4 ru_maxrss); tree MB: peak summed PSS of the process and its children;",
            "others: cores other processes on the machine kept busy meanwhile (0 on a quiet machine).",
            "planted violations: %s in %d files; look-alikes: %d" % (json.dumps(m["violations"], sort_keys=True), m["violation_files"], m["lookalikes"]),
            "results: %s" % (WORK / "results.json")]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=500000, help="size of the generated tree (default 500000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=0, help="gaelint/semgrep workers for the cold and warm runs (default: all cores)")
    ap.add_argument("--skip-peers", action="store_true", help="measure gaelint and libcst only")
    ap.add_argument("--repeat", type=int, default=1, help="runs per command; the median wall is kept (default 1)")
    ap.add_argument("--gaelint", default=str(REPO / ".venv" / "bin" / "gaelint"), help="gaelint executable")
    ap.add_argument("--tree", type=Path, help="where the tree goes (default bench/.work/tree-SEED-LINES)")
    ap.add_argument("--libcst-parse", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.libcst_parse:
        return libcst_worker(args.libcst_parse, args.jobs)
    if not Path(args.gaelint).exists() and not shutil.which(args.gaelint):
        ap.error("gaelint not found at %s (pip install -e . into .venv, or pass --gaelint)" % args.gaelint)
    WORK.mkdir(exist_ok=True)
    tree = (args.tree or WORK / ("tree-%d-%d" % (args.seed, args.lines))).resolve()
    m = ensure_tree(args.lines, args.seed, tree)
    pylist = WORK / "pyfiles.txt"
    pylist.write_text("\n".join(sorted(str(p) for p in tree.rglob("*.py"))) + "\n")
    peers = ensure_peers(args.skip_peers)
    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    print("measuring (outputs in %s):" % out)
    runs = run_gaelint(args, tree, m, out)
    runs.update(run_peers(args, tree, peers, out, pylist))
    result = {
        "tree": dict(m, path=str(tree)),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": {p: peers[p].get("version") for p in PEERS},
        "ratios": None, "goals": {k: "%s %g" % g for k, g in GOALS.items()}, "runs": runs,
    }
    result["ratios"] = ratios(runs, m["lines"])
    v = subprocess.run([runs["gaelint_startup"]["cmd"].split()[0], "--version"], capture_output=True, text=True)
    result["versions"]["gaelint"] = v.stdout.strip()
    (WORK / "results.json").write_text(json.dumps(result, indent=1, sort_keys=True))
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
