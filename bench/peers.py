#!/usr/bin/env python3
"""gaelint's peers for bench/run.py: bandit, semgrep, ruff and libcst parse-only.

ensure_peers() installs bandit, semgrep and ruff from PyPI into one venv,
bench/.work/peers (a peer that fails to install is skipped with a note);
run_peers() measures each on a tree. The libcst pass runs this file as a
script under gaelint's own interpreter (it has libcst):

    python bench/peers.py --libcst-parse LISTFILE --jobs N

Stdlib only (libcst is imported in the parse-only worker alone).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from measure import measure, read_json, repeated  # bench/ is sys.path[0]

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work"
PEERS = ("bandit", "semgrep", "ruff")


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


# -- measuring the peers on one tree ------------------------------------------------
def run_peers(tree: Path, peers: dict, out: Path, pylist: Path, *, repeat: int, jobs: int, gaelint: str,
              multi_name: str = "libcst_parse_all_cores") -> dict:
    """bandit, semgrep (`jobs` workers), ruff, and libcst parse-only with one
    process and with `jobs` (the row `multi_name`), all on `tree`."""
    res, env = {}, peer_env()
    exe = lambda n: peers[n].get("exe")
    if exe("bandit"):
        r = repeated(repeat, lambda i: measure([exe("bandit"), "-r", tree, "-f", "json", "-q"], WORK, out / ("bandit.%d.out" % i), env))
        doc = read_json(r["stdout"]) or {}
        errors = doc.get("errors", [])
        r.update(files=len([k for k in doc.get("metrics", {}) if k != "_totals"]), findings=len(doc.get("results", [])),
                 parse_failures=sum("syntax" in (e.get("reason") or "").lower() or "parse" in (e.get("reason") or "").lower() for e in errors),
                 note="bandit skips every file its Python 3 ast cannot parse (%d of them)" % len(errors))
        res["bandit"] = r
        print("  %-28s %8.2fs" % ("bandit", r["wall_s"]))
    if exe("semgrep"):
        cmd = [exe("semgrep"), "scan", "--config", BENCH / "semgrep_rules.yaml", "--metrics=off", "--disable-version-check",
               "--no-git-ignore", "--json", "-q", "--jobs", str(jobs), tree]
        r = repeated(repeat, lambda i: measure(cmd, WORK, out / ("semgrep.%d.out" % i), env))
        doc = read_json(r["stdout"]) or {}
        r.update(files=len((doc.get("paths") or {}).get("scanned") or []), findings=len(doc.get("results") or []),
                 parse_failures=len(doc.get("errors") or []), note="rules: bench/semgrep_rules.yaml, languages: [python2]")
        res["semgrep"] = r
        print("  %-28s %8.2fs" % ("semgrep", r["wall_s"]))
    if exe("ruff"):
        cmd = [exe("ruff"), "check", "--select", "E9,F63", "--no-cache", "--isolated", "--no-respect-gitignore",
               "--output-format", "json", "--exit-zero", tree]
        r = repeated(repeat, lambda i: measure(cmd, WORK, out / ("ruff.%d.out" % i), env))
        doc = read_json(r["stdout"]) or []
        bad = {d.get("filename") for d in doc if d.get("code") in (None, "E999", "invalid-syntax")}
        r.update(files=None, findings=len(doc), parse_failures=len(bad),
                 note="ruff parses Python 3 only: %d files have syntax errors (Python 2)" % len(bad))
        res["ruff"] = r
        print("  %-28s %8.2fs" % ("ruff", r["wall_s"]))
    for p, why in ((p, peers[p].get("skipped")) for p in PEERS):
        if why:
            res[p] = {"skipped": why}
    # libcst parse-only, with the interpreter and libcst gaelint itself uses
    py = Path(gaelint).resolve().parent / "python"
    py = py if py.exists() else Path(sys.executable)
    for name, j in (("libcst_parse_1core", 1), (multi_name, jobs)):
        r = repeated(repeat, lambda i, name=name, j=j: measure(
            [py, Path(__file__).resolve(), "--libcst-parse", pylist, "--jobs", str(j)], WORK, out / ("%s.%d.out" % (name, i))))
        doc = read_json(r["stdout"]) or {}
        r.update(files=doc.get("files"), parse_failures=doc.get("failed"),
                 note="libcst.parse_module on every .py file, %d process(es); failures = Python 2 it rejects" % j)
        if r["rc"]:
            r["note"] += "; failed (exit %d): %s" % (r["rc"], r["stderr_tail"][-200:])
        res[name] = r
        print("  %-28s %8.2fs" % (name, r["wall_s"]))
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="libcst parse-only pass over a list of files (for bench/run.py)")
    ap.add_argument("--libcst-parse", required=True, metavar="LISTFILE", help="one .py path a line")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    return libcst_worker(args.libcst_parse, args.jobs)


if __name__ == "__main__":
    sys.exit(main())
