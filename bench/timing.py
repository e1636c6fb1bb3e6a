"""Timing shared by the benchmarks that read a store: a warm-up, then the median of wall and thread CPU."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_of(run: Callable[[], Any], runs: int) -> tuple[dict[str, float], Any]:
    """Run once to warm up, then `runs` times: median (and spread) of wall ms, median of this thread's CPU ms.

    SQLite runs in the calling thread, so its CPU time is the fair figure on a shared machine."""
    result = run()
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.thread_time()
        result = run()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.thread_time() - c) * 1000)
    return {
        "wall_ms": round(statistics.median(walls), 1),
        "wall_min": round(min(walls), 1),
        "wall_max": round(max(walls), 1),
        "cpu_ms": round(statistics.median(cpus), 1),
    }, result
