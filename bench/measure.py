"""Measuring one command: wall and CPU time, memory of its whole process tree.

measure() runs a command with its output to files and returns wall time, CPU
time of it and its workers (wait4), the largest single process's peak RSS,
the peak summed PSS of the process tree (TreeMemory, sampled from /proc) and
how many cores other processes kept busy meanwhile. repeated() keeps the
median of several runs. Stdlib only, Linux (/proc).
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path


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
        self.peak_procs = 0  # most processes alive at once: 1 means no workers were started
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
            todo, total, procs = [self.pid], 0, 0
            while todo:
                pid = todo.pop()
                total += self._mem_kb(pid)
                procs += 1
                todo += self._children(pid)
            self.peak_kb = max(self.peak_kb, total)
            self.peak_procs = max(self.peak_procs, procs)
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
            "peak_procs": mem.peak_procs,
            "stdout": str(out), "stderr_tail": err.read_bytes()[-400:].decode("utf-8", "replace")}


def repeated(n: int, fn):
    """Run fn() n times; keep the median wall and the worst memory."""
    runs = [fn(i) for i in range(n)]
    best = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
    best = dict(best, runs_wall_s=[r["wall_s"] for r in runs])
    best["peak_tree_mb"] = max(r["peak_tree_mb"] for r in runs)
    best["max_process_rss_mb"] = max(r["max_process_rss_mb"] for r in runs)
    best["peak_procs"] = max(r.get("peak_procs", 0) for r in runs)
    return best


def read_json(path: str):
    """A command's JSON output, or None when it is empty or not JSON."""
    try:
        return json.loads(Path(path).read_text() or "null")
    except (OSError, ValueError):
        return None
