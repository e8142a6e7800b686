"""What the speed benchmark measures with: memory and processor time from ``/proc``.

- :func:`tree` is a process and its descendants (found by walking ``/proc``: the
  kernel's ``children`` files are not always compiled in);
- :func:`memory` sums ``Rss`` and ``Pss`` from ``/proc/PID/smaps_rollup`` over processes:
  PSS shares each shared page among the processes mapping it, so a forked server's tree
  is counted once, not once per worker (``ru_maxrss`` would count the parent's peak);
- :func:`cpu_seconds` sums user and system time of processes (and of their children
  already waited for);
- :class:`PeakMemory` samples a process tree while it runs, keeping its largest PSS;
- :func:`percentiles` of a list of times, in milliseconds;
- :func:`evict` drops files from the page cache (``posix_fadvise``), for cold starts.
"""

from __future__ import annotations

import os
import statistics
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def tree(root: int) -> list[int]:
    """``root`` and every live process descended from it."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after it.
        fields = stat[stat.rindex(")") + 2:].split()
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(parents.get(pid, []))
    return found


@dataclass(frozen=True, slots=True)
class Memory:
    """Resident (RSS) and proportional (PSS) memory, in MB."""

    rss: float = 0.0
    pss: float = 0.0

    def __add__(self, other: Memory) -> Memory:
        return Memory(self.rss + other.rss, self.pss + other.pss)


def memory(pids: Iterable[int | str]) -> Memory:
    """RSS and PSS summed over ``pids`` (``"self"`` is this process)."""
    total = Memory()
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:  # gone meanwhile
            continue
        values = {}
        for line in text.splitlines()[1:]:
            name, _, rest = line.partition(":")
            values[name] = int(rest.split()[0]) / 1024
        total += Memory(values.get("Rss", 0.0), values.get("Pss", 0.0))
    return total


def cpu_seconds(pids: Iterable[int]) -> float:
    """User plus system time of ``pids`` and their children already waited for."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / _TICK


def own_cpu_seconds(pid: int) -> float | None:
    """User plus system time of ``pid`` itself (``None`` once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


class PeakMemory:
    """Samples the tree of ``pid`` every ``interval`` seconds; ``peak`` is the largest sum,
    ``cpu`` each process's own processor seconds when last seen."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.peak = Memory()
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            pids = tree(self.pid)
            now = memory(pids)
            if now.pss > self.peak.pss:
                self.peak = now
            for pid in pids:
                seen = own_cpu_seconds(pid)
                if seen is not None:
                    self.cpu[pid] = seen
            self._stop.wait(self._interval)


def percentiles(times: list[float], cuts: tuple[int, ...] = (50, 99)) -> list[float]:
    """The given percentiles of ``times`` (seconds), in milliseconds."""
    ordered = sorted(t * 1000 for t in times)
    if len(ordered) < 2:
        return [ordered[0] if ordered else 0.0 for _ in cuts]
    points = statistics.quantiles(ordered, n=100, method="inclusive")
    return [points[cut - 1] for cut in cuts]


def folder_mb(folder: Path) -> float:
    """The size of the files in ``folder`` (and below), in MB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def evict(folder: Path) -> None:
    """Ask the kernel to drop the files of ``folder`` from its page cache."""
    for path in folder.rglob("*"):
        if path.is_file():
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.fsync(descriptor)
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(descriptor)
