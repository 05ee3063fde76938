#!/usr/bin/env python3
"""Benchmark gaelint against its peers on one synthetic python27 tree.

    bench/run.py [--lines N] [--jobs N] [--skip-peers] [--repeat N]
    bench/run.py --corpus DIR [--jobs 2] [--skip-peers] [--repeat N]

Generates the tree with bench/generate.py (reused when the same seed, size and
generator exist), installs bandit, semgrep and ruff into bench/.work/peers,
then measures, in one run on the same tree: gaelint cold, warm, on one changed
1,000-line file, --jobs 1 against --jobs 2, bandit, semgrep, ruff and libcst
parse-only. Prints ratios first, absolute figures beside them, and writes
bench/.work/results.json. With --corpus DIR, the same on a directory of real
apps instead (bench/corpus.py, bench/.work/results-corpus.json).

The parts: generate.py + code_templates.py (the tree), measure.py (timing and
memory of a process tree), gaelint_runs.py (gaelint's runs), peers.py (bandit,
semgrep, ruff, libcst), report.py (the tables), corpus.py (corpus mode).
Stdlib only; see bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import generate  # bench/ is sys.path[0] when this file runs as a script
import peers as peers_mod
import report
from gaelint_runs import REPO, WORK, run_synthetic


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


def synthetic(args) -> int:
    WORK.mkdir(exist_ok=True)
    tree = (args.tree or WORK / ("tree-%d-%d" % (args.seed, args.lines))).resolve()
    m = ensure_tree(args.lines, args.seed, tree)
    pylist = WORK / "pyfiles.txt"
    pylist.write_text("\n".join(sorted(str(p) for p in tree.rglob("*.py"))) + "\n")
    peers = peers_mod.ensure_peers(args.skip_peers)
    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    print("measuring (outputs in %s):" % out)
    runs = run_synthetic(args, tree, m, out)
    runs.update(peers_mod.run_peers(tree, peers, out, pylist, repeat=args.repeat,
                                    jobs=args.jobs or os.cpu_count() or 1, gaelint=args.gaelint))
    result = {
        "tree": dict(m, path=str(tree)),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": {p: peers[p].get("version") for p in peers_mod.PEERS},
        "ratios": None, "goals": {k: "%s %g" % g for k, g in report.GOALS.items()}, "runs": runs,
    }
    result["ratios"] = report.ratios(runs, m["lines"])
    v = subprocess.run([runs["gaelint_startup"]["cmd"].split()[0], "--version"], capture_output=True, text=True)
    result["versions"]["gaelint"] = v.stdout.strip()
    (WORK / "results.json").write_text(json.dumps(result, indent=1, sort_keys=True))
    print(report.report(result, WORK / "results.json"))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=500000, help="size of the generated tree (default 500000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=0,
                    help="gaelint/semgrep workers for the cold and warm runs (default: all cores; 2 with --corpus)")
    ap.add_argument("--skip-peers", action="store_true", help="measure gaelint and libcst only")
    ap.add_argument("--repeat", type=int, default=1, help="runs per command; the median wall is kept (default 1)")
    ap.add_argument("--gaelint", default=str(REPO / ".venv" / "bin" / "gaelint"), help="gaelint executable")
    ap.add_argument("--tree", type=Path, help="where the tree goes (default bench/.work/tree-SEED-LINES)")
    ap.add_argument("--corpus", type=Path, metavar="DIR",
                    help="measure on this directory of real apps instead of a generated tree (see bench/README.md)")
    ap.add_argument("--one-file", metavar="REL", help="with --corpus: the file (relative to DIR) the pre-commit run "
                    "changes (default: the app module closest to 1,000 lines)")
    args = ap.parse_args(argv)
    if not Path(args.gaelint).exists() and not shutil.which(args.gaelint):
        ap.error("gaelint not found at %s (pip install -e . into .venv, or pass --gaelint)" % args.gaelint)
    if args.corpus:
        import corpus

        return corpus.run_corpus(args)
    if args.one_file:
        ap.error("--one-file goes with --corpus")
    return synthetic(args)


if __name__ == "__main__":
    sys.exit(main())
