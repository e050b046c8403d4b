"""What the benchmarks (eval/bench.py, eval/review_bench.py) measure with: percentiles, memory, CPU time.

Linux only: memory and CPU time are read from /proc.
"""
from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Dict, Iterable, List, Sequence


def percentile(samples: Iterable[float], p: float) -> float:
    """The p-th percentile (0 < p <= 100) by the nearest-rank method: the smallest sample with at least
    p % of the samples at or below it.

    Always an observed value, never an interpolation between two; p95 of 30 samples is the 29th
    smallest. Both benchmarks report their p50, p95 and p99 this way.
    """
    ordered: Sequence[float] = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    if not 0 < p <= 100:
        raise ValueError(f"percentile {p} is not in (0, 100]")
    return ordered[math.ceil(p * len(ordered) / 100) - 1]  # the rank is 1-based


def memory_mb(pid: int) -> Dict[str, float]:
    """A running process's resident memory now (`rss_mb`) and at its peak so far (`peak_rss_mb`), in MB
    (MiB, to one decimal), from /proc/<pid>/status; 0.0 for a figure the kernel does not give."""
    values: Dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = round(int(rest.split()[0]) / 1024, 1)
    return {"rss_mb": values.get("VmRSS", 0.0), "peak_rss_mb": values.get("VmHWM", 0.0)}


def child_pids(pid: int) -> List[int]:
    tasks = Path(f"/proc/{pid}/task")
    if not tasks.exists():
        return []
    return [int(k) for task in tasks.iterdir() if (task / "children").exists()
            for k in (task / "children").read_text().split()]


def tree_memory_mb(pid: int) -> Dict[str, float]:
    """Memory of a process and all its descendants (a Rasa server and its workers), in MB: the sum of
    their RSS (`rss_mb`, pages shared after a fork counted once per process) and of their PSS
    (`pss_mb`, each shared page split between its sharers, so the sum is what the machine gives)."""
    pids, i = [pid], 0
    while i < len(pids):
        pids += child_pids(pids[i])
        i += 1
    totals = {"Rss:": 0.0, "Pss:": 0.0}
    for p in pids:
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
        except FileNotFoundError:  # a process that ended while we looked
            continue
        for line in rollup.splitlines():
            key = line.split(maxsplit=1)[0] if line else ""
            if key in totals:
                totals[key] += int(line.split()[1]) / 1024
    return {"rss_mb": round(totals["Rss:"], 1), "pss_mb": round(totals["Pss:"], 1), "processes": len(pids)}


def _busy_ticks() -> int:
    """Clock ticks all CPUs spent busy since boot (/proc/stat: user nice system irq softirq steal)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return user + nice + system + irq + softirq + steal


def _process_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


class CpuWatch:
    """CPU time that processes other than this one and the server measured used while it was timed.

    The machine is shared: anything else running lengthens the times, and this says how much there
    was. Start it just before the timing and `stop()` it just after.
    """

    def __init__(self, server_pid: int):
        self.pids = (server_pid, os.getpid())
        self.wall = time.monotonic()
        self.busy = _busy_ticks()
        self.own = sum(_process_ticks(p) for p in self.pids)

    def stop(self) -> Dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        busy = (_busy_ticks() - self.busy) / tick
        own = (sum(_process_ticks(p) for p in self.pids) - self.own) / tick
        wall = time.monotonic() - self.wall
        return {"wall_s": round(wall, 1), "bench_cpu_s": round(own, 1), "other_cpu_s": round(max(0.0, busy - own), 1)}
