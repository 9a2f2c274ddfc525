"""Peak resident memory of a process tree: /proc sampled in a thread (Linux), plus getrusage.

The sampled figure sums VmRSS over the process and every descendant at each sample (every
`interval` seconds) and keeps the largest sum: DuckDB in the Dagster process and DuckDB in the dbt
subprocess hold memory at the same time. getrusage(RUSAGE_CHILDREN).ru_maxrss is the largest
single waited-for descendant, a lower bound that needs no sampling.
"""

from __future__ import annotations

import resource
import threading
from pathlib import Path

_PROC = Path("/proc")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in (_PROC / str(pid) / "task").glob("*/children"):
        try:
            found.extend(int(p) for p in task.read_text().split())
        except OSError:
            continue
    return found


def _rss_bytes(pid: int) -> int:
    try:
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss_bytes(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants now."""
    total, stack, seen = 0, [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _rss_bytes(current)
        stack.extend(_children(current))
    return total


class PeakSampler:
    """Samples tree_rss_bytes(pid) until stopped; `peak` is the largest sample."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def children_maxrss_bytes() -> int:
    """Largest resident size of any waited-for descendant so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
