"""Corpus mode of bench/run.py: gaelint and its peers on a directory of real apps.

    python3 bench/run.py --corpus DIR [--jobs 2] [--repeat N] [--skip-peers] [--one-file REL]

DIR is a folder of real python27 App Engine apps, one sub-folder per source
repository (the development corpus: see ../shared/corpus/README.md). In one
run on the same tree: gaelint cold over every file with 2 workers, the same
with the cache on (filling it), warm with nothing changed, one changed
~1,000-line file as pre-commit runs it, then bandit, semgrep, ruff and a
libcst parse-only pass. Results go to bench/.work/results-corpus.json.

The corpus is input only. The one file the pre-commit run changes gets its
bytes, permissions and times back afterwards (a copy waits under bench/.work
until then, so an interrupted run is repaired by the next one), and the whole
tree is fingerprinted before and after to prove nothing else changed.
Stdlib only.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import stat
import subprocess
from pathlib import Path

import peers as peers_mod
import report
from gaelint_runs import WORK, Gaelint, cache_entries, engine_state
from measure import measure, repeated

BACKUP = WORK / "corpus-one-file.orig"   # bytes of the file being changed, while it is
BACKUP_META = WORK / "corpus-one-file.json"
NOT_APP_CODE = {"test", "tests", "testing", "test_support", "third_party", "lib", "libs", "vendor", "node_modules"}


# -- the corpus: inventory, fingerprint, the file pre-commit changes ------------
def scan(corpus: Path) -> dict:
    """Every .py file (symlinked directories not followed) with its line count."""
    files = {}
    for root, dirs, names in os.walk(corpus):
        dirs.sort()
        for n in sorted(names):
            p = Path(root) / n
            if n.endswith(".py") and p.is_file():
                files[p] = p.read_bytes().count(b"\n")
    yamls = sum(1 for _ in corpus.rglob("app.yaml"))
    tsv = corpus / "corpus.tsv"
    rows = [ln.split("\t") for ln in tsv.read_text().splitlines()[1:] if ln.strip()] if tsv.exists() else []
    return {"path": str(corpus), "py_files": len(files), "lines": sum(files.values()), "app_yamls": yamls,
            "apps": sorted(p.name for p in corpus.iterdir() if p.is_dir()), "corpus_tsv": rows}, files


def fingerprint(corpus: Path) -> str:
    """Hash of every name, type, mode, mtime and byte under `corpus` (symlinks as their targets' names)."""
    h = hashlib.sha256()
    for root, dirs, names in os.walk(corpus):
        dirs.sort()
        h.update(("D %s %d\n" % (os.path.relpath(root, corpus), os.stat(root).st_mtime_ns)).encode("utf-8", "surrogateescape"))
        for n in sorted(names + [d for d in dirs if os.path.islink(os.path.join(root, d))]):
            p = os.path.join(root, n)
            st = os.lstat(p)
            h.update(("%s %o %d\n" % (os.path.relpath(p, corpus), st.st_mode, st.st_mtime_ns)).encode("utf-8", "surrogateescape"))
            if stat.S_ISLNK(st.st_mode):
                h.update(os.fsencode(os.readlink(p)))
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as fh:
                    h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()


def pick_one_file(corpus: Path, files: dict, want: str = "") -> Path:
    """The file the pre-commit run changes: `want` if given, else the app
    module (not a test, not vendored) closest to 1,000 lines among those of
    800-1,200 lines; ties go to the first path. Deterministic for one corpus."""
    if want:
        p = (corpus / want).resolve()
        if p not in {f.resolve() for f in files}:
            raise SystemExit("--one-file %s: not a .py file under %s" % (want, corpus))
        return p
    sized = [(abs(n - 1000), str(p), p) for p, n in files.items() if 800 <= n <= 1200 and not p.is_symlink()]
    own = [t for t in sized if not (set(t[2].relative_to(corpus).parts[:-1]) & NOT_APP_CODE) and "test" not in t[2].name]
    if not (own or sized):
        raise SystemExit("no .py file of 800-1,200 lines under %s (pass --one-file)" % corpus)
    return min(own or sized)[2]


def restore_interrupted(quiet: bool = False) -> None:
    """Put back the file being changed (left changed, when an interrupted run left it so)."""
    if not BACKUP_META.exists():
        return
    meta = json.loads(BACKUP_META.read_text())
    path = Path(meta["path"])
    path.write_bytes(BACKUP.read_bytes())
    os.chmod(path, meta["mode"])
    os.utime(path, ns=(meta["atime_ns"], meta["mtime_ns"]))
    if not quiet:
        print("restored %s, left changed by an interrupted run" % path)
    BACKUP.unlink()
    BACKUP_META.unlink()


def one_file_runs(gl: Gaelint, path: Path, repo_root: Path, n: int) -> dict:
    """`gaelint check REL` from the repository root, as pre-commit runs it, each
    time after adding a different comment line to the file; the file's bytes,
    mode and times are restored afterwards."""
    original, st = path.read_bytes(), path.stat()
    BACKUP.write_bytes(original)
    BACKUP_META.write_text(json.dumps({"path": str(path), "mode": stat.S_IMODE(st.st_mode),
                                       "atime_ns": st.st_atime_ns, "mtime_ns": st.st_mtime_ns}))
    rel = os.path.relpath(path, repo_root)
    sep = b"" if original.endswith(b"\n") or not original else b"\n"

    def one(i):
        path.write_bytes(original + sep + b"# bench: pre-commit edit %d\n" % i)
        r = measure(gl.cmd + ["check", rel], repo_root, gl.out / ("one_file.%d.out" % i), gl.env)
        if r["rc"] not in (0, 1):
            r["note"] = "gaelint failed (exit %d): %s" % (r["rc"], r["stderr_tail"][-200:])
        return r
    try:
        res = repeated(max(3, n), one)
    finally:
        restore_interrupted(quiet=True)
    if path.read_bytes() != original:
        raise SystemExit("could not restore %s: its original bytes are in %s" % (path, BACKUP))
    res.update(files=1, lines=original.count(b"\n"))
    print("  %-28s %8.2fs" % ("gaelint_one_file", res["wall_s"]))
    return res


# -- the run -------------------------------------------------------------------
def _written(before: dict, after: dict) -> int:
    return sum(1 for k, v in after.items() if before.get(k) != v)


def run_corpus(args) -> int:
    corpus = Path(args.corpus).resolve()
    if not corpus.is_dir():
        raise SystemExit("--corpus %s: not a directory" % corpus)
    WORK.mkdir(exist_ok=True)
    restore_interrupted()
    print("fingerprinting %s ..." % corpus)
    fp_before = fingerprint(corpus)
    inv, files = scan(corpus)
    one = pick_one_file(corpus, files, args.one_file or "")
    repo_root = corpus / one.relative_to(corpus).parts[0]
    jobs = args.jobs or 2
    inv.update(jobs=jobs, fingerprint=fp_before,
               one_file={"path": str(one.relative_to(corpus)), "lines": files.get(one), "cwd": str(repo_root)})
    print("corpus %s: %d lines in %d .py files; one changed file: %s (%s lines)"
          % (corpus, inv["lines"], inv["py_files"], inv["one_file"]["path"], inv["one_file"]["lines"]))
    pylist = WORK / "pyfiles-corpus.txt"
    pylist.write_bytes(b"\n".join(os.fsencode(p) for p in sorted(files)) + b"\n")
    peers = peers_mod.ensure_peers(args.skip_peers)
    out = WORK / "out-corpus"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    gl = Gaelint(args.gaelint, out, WORK / "gaelint-cache-corpus", args.repeat)
    print("measuring (outputs in %s):" % out)
    full = ["check", str(corpus), "--all-files", "--jobs", str(jobs), "--format", "json", "--exit-zero"]
    gl.startup(WORK)
    gl.run("gaelint_cold", full[:3] + ["--no-cache"] + full[3:], WORK)
    shutil.rmtree(gl.cache_dir, ignore_errors=True)   # only ours: nothing inside the corpus is touched
    state = engine_state()
    filling = gl.run("gaelint_cold_cache_cleared", full, WORK, n=1)
    entries = cache_entries(gl.cache_dir)
    notes = [filling["note"]] if filling.get("note") else []
    filling["note"] = "; ".join(notes + ["cache filled: %d entries written; most processes at once: %d"
                                         % (len(entries), filling["peak_procs"])])
    caches = [gl.cache_dir] if gl.cache_dir.is_dir() else []
    warm = gl.warm(full, WORK, state, caches, n=max(3, args.repeat))
    rewritten = _written(entries, cache_entries(gl.cache_dir))
    warm["rechecked_files"] = rewritten
    warm["note"] += "; %d cache entries (re)written by the warm run(s) = files checked again; most processes at once: %d" % (
        rewritten, warm["peak_procs"])
    runs = gl.res
    runs["gaelint_one_file"] = one_file_runs(gl, one, repo_root, max(3, args.repeat))
    r = runs["gaelint_one_file"]
    r["note"] = "; ".join(([r["note"]] if r.get("note") else []) + ["gaelint check %s (cwd %s); most processes at once: %d"
                                                                   % (os.path.relpath(one, repo_root), repo_root.name, r["peak_procs"])])
    runs.update(peers_mod.run_peers(corpus, peers, out, pylist, repeat=args.repeat, jobs=jobs, gaelint=args.gaelint,
                                    multi_name="libcst_parse_workers"))
    fp_after = fingerprint(corpus)
    v = subprocess.run(gl.cmd + ["--version"], capture_output=True, text=True)
    result = {
        "corpus": inv, "corpus_unchanged": fp_after == fp_before, "fingerprint_after": fp_after,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": dict({p: peers[p].get("version") for p in peers_mod.PEERS}, gaelint=v.stdout.strip()),
        "goals": {k: "%s %g" % g for k, g in report.CORPUS_GOALS.items()}, "runs": runs,
    }
    result["ratios"] = report.corpus_ratios(runs, inv["lines"])
    path = WORK / "results-corpus.json"
    path.write_text(json.dumps(result, indent=1, sort_keys=True))
    print(report.corpus_report(result, path))
    return 0 if result["corpus_unchanged"] else 1
