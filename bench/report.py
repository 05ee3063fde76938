"""The ratio tables and the per-command table bench/run.py prints.

Synthetic mode: ratios() and report(), goals of issue 7 (GOALS). Corpus mode
(--corpus DIR): corpus_ratios() and corpus_report(), goals of issue 11
(CORPUS_GOALS). Stdlib only.
"""
from __future__ import annotations

import json
import operator

OPS = {"<": operator.lt, "<=": operator.le, ">=": operator.ge}
GOALS = {  # issue 7
    "cold_vs_bandit": ("<=", 0.3), "cold_vs_semgrep": ("<=", 1.0), "warm_vs_ruff": ("<=", 0.5),
    "one_file_wall_s": ("<", 0.5), "jobs2_vs_jobs1_throughput": (">=", 1.7), "cold_peak_tree_mb": ("<", 300),
}
CORPUS_GOALS = {  # issue 11: real apps, gaelint cold with 2 workers
    "cold_vs_bandit": ("<=", 0.3), "warm_wall_s": ("<=", 1.0), "one_file_wall_s": ("<=", 0.3),
    "cold_peak_tree_mb": ("<=", 300),
}


def _div(a, b):
    return round(a / b, 3) if a is not None and b else None


def _lines_per_s(runs: dict, lines: int) -> None:
    for r in runs.values():
        if r.get("wall_s") and "skipped" not in r:
            r["lines_per_s"] = round((r.get("lines") or lines) / r["wall_s"])
    if "gaelint_startup" in runs:
        runs["gaelint_startup"].pop("lines_per_s", None)


def ratios(runs: dict, lines: int) -> dict:
    wall = lambda n: (runs.get(n) or {}).get("wall_s")
    div = _div
    _lines_per_s(runs, lines)
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


def corpus_ratios(runs: dict, lines: int) -> dict:
    """Every peer against gaelint cold, and the absolute goals of issue 11."""
    wall = lambda n: (runs.get(n) or {}).get("wall_s")
    cpu = lambda n: (runs.get(n) or {}).get("cpu_s")
    _lines_per_s(runs, lines)
    peers = ("bandit", "semgrep", "ruff", "libcst_parse_1core", "libcst_parse_workers")
    rat = {"cold_vs_" + p: _div(wall("gaelint_cold"), wall(p)) for p in peers}
    rat.update(warm_wall_s=wall("gaelint_warm"), one_file_wall_s=wall("gaelint_one_file"),
               cold_peak_tree_mb=(runs.get("gaelint_cold") or {}).get("peak_tree_mb"))
    rat["by_cpu_s"] = {"cold_vs_" + p: _div(cpu("gaelint_cold"), cpu(p)) for p in peers}
    rat["by_cpu_s"].update(warm_wall_s=cpu("gaelint_warm"), one_file_wall_s=cpu("gaelint_one_file"))
    return rat


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
CORPUS_RATIO_LABELS = (
    ("cold_vs_bandit", "gaelint cold / bandit -r (wall)"),
    ("warm_wall_s", "gaelint warm, nothing changed (s)"),
    ("one_file_wall_s", "gaelint one changed ~1,000-line file (s)"),
    ("cold_peak_tree_mb", "gaelint cold peak memory, all processes (MB)"),
    ("cold_vs_semgrep", "gaelint cold / semgrep python2 rules (wall)"),
    ("cold_vs_ruff", "gaelint cold / ruff (wall)"),
    ("cold_vs_libcst_parse_1core", "gaelint cold / libcst parse-only, 1 process"),
    ("cold_vs_libcst_parse_workers", "gaelint cold / libcst parse-only, N procs"),
)
CORPUS_ROWS = ("gaelint_cold", "gaelint_cold_cache_cleared", "gaelint_warm", "gaelint_one_file", "gaelint_startup",
               "bandit", "semgrep", "ruff", "libcst_parse_1core", "libcst_parse_workers")

_fmt = lambda v: "n/a" if v is None else "%.3g" % v


def _ratio_table(rat: dict, labels, goals: dict) -> list:
    out = ["%-46s %8s  %-8s %-4s %8s" % ("RATIO (wall time unless said)", "value", "goal", "met", "by CPU s")]
    for key, label in labels:
        v, goal = rat.get(key), goals.get(key)
        met = "" if goal is None or v is None else ("yes" if OPS[goal[0]](v, goal[1]) else "NO")
        out.append("%-46s %8s  %-8s %-4s %8s" % (label, _fmt(v), "%s %g" % goal if goal else "", met,
                                                  _fmt(rat["by_cpu_s"].get(key)) if key in rat["by_cpu_s"] else ""))
    return out


def _busy_warning(runs: dict, cpus) -> list:
    busy = max((r.get("others_cores") or 0) for r in runs.values())
    if busy > 0.25:
        return ["", "WARNING: other processes kept up to %.1f of %d cores busy during these runs (column 'others'):"
                " wall times and wall ratios are inflated; the CPU-second ratios are the steadier figures." % (busy, cpus)]
    return []


def _command_table(runs: dict, rows) -> list:
    out = ["", "%-27s %8s %10s %8s %7s %8s %8s %6s %s" % ("COMMAND", "wall s", "lines/s", "cpu s", "others", "rss MB", "tree MB", "files", "notes")]
    for name in rows:
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
    return out


_LEGEND = ["rss MB: largest single process (wait4 ru_maxrss); tree MB: peak summed PSS of the process and its children;",
           "others: cores other processes on the machine kept busy meanwhile (0 on a quiet machine)."]


def report(result: dict, results_path) -> str:
    m, runs, rat = result["tree"], result["runs"], result["ratios"]
    out = ["", "Tree: %s — %d lines in %d .py files (%d Python 2 only, %d Python 2/3), %d apps; %d CPUs"
           % (m["path"], m["lines"], m["py_files"], m["py2_files"], m["py3_files"], len(m["apps"]), result["machine"]["cpus"]), ""]
    out += _ratio_table(rat, RATIO_LABELS, GOALS)
    out += _busy_warning(runs, result["machine"]["cpus"])
    out += _command_table(runs, ROWS)
    out += [""] + _LEGEND + [
        "planted violations: %s in %d files; look-alikes: %d" % (json.dumps(m["violations"], sort_keys=True), m["violation_files"], m["lookalikes"]),
        "results: %s" % results_path]
    return "\n".join(out)


def corpus_report(result: dict, results_path) -> str:
    c, runs, rat = result["corpus"], result["runs"], result["ratios"]
    one = c.get("one_file") or {}
    out = ["", "Corpus: %s — %d lines in %d .py files, %d apps (%d app.yaml files); gaelint --jobs %d; %d CPUs"
           % (c["path"], c["lines"], c["py_files"], len(c["apps"]), c["app_yamls"], c["jobs"], result["machine"]["cpus"]),
           "One changed file: %s (%s lines)" % (one.get("path"), one.get("lines")), ""]
    out += _ratio_table(rat, CORPUS_RATIO_LABELS, CORPUS_GOALS)
    out += _busy_warning(runs, result["machine"]["cpus"])
    out += _command_table(runs, CORPUS_ROWS)
    out += [""] + _LEGEND + [
        "lines/s: all lines of the %d .py files under DIR (symlinked directories not followed); gaelint's 'files'"
        " also counts yaml and other files of the apps, and follows symlinks" % c["py_files"],
        "corpus unchanged after the run: %s" % ("yes" if result.get("corpus_unchanged") else "NO (see results)"),
        "results: %s" % results_path]
    return "\n".join(out)
