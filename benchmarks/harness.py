"""The one way every benchmark in ``benchmarks/`` times things and records its figures.

Comparing two methods on a shared machine is only honest when both see the same machine:

* **identical work** -- every method of a comparison is a zero-argument callable doing the
  same job on the same input (the caller builds the input once, outside the timing);
* **warm-up** -- each method runs ``warmup`` times untimed first (imports, caches, page cache,
  lazily built tables);
* **interleaved, rotating order** -- every round runs each method once, and the order
  rotates from round to round (round 0: A B C, round 1: B C A, ...), so that neither a
  slower period of the machine nor the position in the round favours one method;
* **per-round ratios** -- the ratio of two methods is taken within each round (both timed
  minutes apart would not compare), and we report its minimum and median over the rounds,
  together with the minimum and median time of each method;
* **stamped** -- the figures are saved with the date (UTC), the machine (CPU model, cores,
  memory), the Python and library versions and the load average before and after, so a
  figure in the README can be traced to a run.

A method that runs in another process (a reference tool in its own virtual environment)
is a :class:`Worker`: a persistent child process that runs a named function on request
and returns the seconds it measured itself, so its start-up is not timed and it can be
interleaved with in-process methods like any other.

Each benchmark writes its rows with :func:`save_rows` to ``benchmarks/.work/results/
<benchmark>.json``; ``benchmarks/report.py`` (the last step of ``make bench``) prints all of
them as one table.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

WORK = Path(__file__).resolve().parent / ".work"
RESULTS = WORK / "results"


# --- the machine -----------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (zeros where the system has none)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)
    return (round(one, 2), round(five, 2), round(fifteen, 2))


def machine_stamp() -> dict[str, Any]:
    """Where and when: date (UTC), CPU model and count, memory, Python, numpy/pandas."""
    versions = {}
    for name in ("numpy", "pandas", "pyarrow", "pydicom", "SimpleITK"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = getattr(module, "__version__", None) or getattr(
                module, "Version", lambda: "?")()
    return {
        "date_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "libraries": versions,
        "load_average": load_average(),
    }


# --- timing ----------------------------------------------------------------------------

Timed = Callable[[], object]
"""A method: runs the work once. If it returns a float it is taken as the seconds the
method measured itself (a :class:`Worker` does); anything else is ignored and the wall
time of the call is used."""


@dataclass
class Comparison:
    """The timings of one interleaved comparison."""

    seconds: dict[str, list[float]]
    """Per method, the time of each round (round order)."""
    orders: list[list[str]]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    @property
    def methods(self) -> list[str]:
        return list(self.seconds)

    def min(self, method: str) -> float:
        return min(self.seconds[method])

    def median(self, method: str) -> float:
        return statistics.median(self.seconds[method])

    def ratios(self, slow: str, fast: str) -> list[float]:
        """Per round, ``time(slow) / time(fast)``: how many times faster ``fast`` is."""
        return [s / f for s, f in zip(self.seconds[slow], self.seconds[fast])]

    def ratio(self, slow: str, fast: str) -> tuple[float, float]:
        """(minimum, median) over the rounds of ``time(slow) / time(fast)``."""
        values = self.ratios(slow, fast)
        return min(values), statistics.median(values)


def _run_once(method: Timed) -> float:
    began = time.perf_counter()
    returned = method()
    elapsed = time.perf_counter() - began
    if isinstance(returned, float):
        return returned
    return elapsed


def cpu_timed(function: Callable[[], object], walls: list[float] | None = None) -> Timed:
    """``function`` timed by this process's CPU time instead of the wall clock (the harness
    takes a returned float as the seconds the method measured itself): for single-process
    work on a shared machine, where other programs inflate the wall clock. ``walls``, when
    given, receives the wall time of every call (warm-up included) alongside."""
    def run() -> float:
        began_wall, began = time.perf_counter(), time.process_time()
        function()
        cpu = time.process_time() - began
        if walls is not None:
            walls.append(time.perf_counter() - began_wall)
        return cpu
    return run


def process_timed(argv: list[str], usage: list[tuple[float, float, float]] | None = None,
                  env: Mapping[str, str] | None = None) -> Timed:
    """A whole program run as a user runs it from the shell: a new process per call
    (interpreter start-up, imports and the work), timed by that process's CPU time (user +
    system, all its threads, from ``os.wait4``), so that the other programs of a shared
    machine do not count. ``usage``, when given, receives (user, system, wall) seconds of
    every call (warm-up included). A non-zero exit raises ``RuntimeError``."""
    def run() -> float:
        began = time.perf_counter()
        child = subprocess.Popen(argv, env=None if env is None else dict(env),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, rusage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise RuntimeError(f"{argv[:3]} exited with status {child.returncode}")
        if usage is not None:
            usage.append((rusage.ru_utime, rusage.ru_stime, time.perf_counter() - began))
        return rusage.ru_utime + rusage.ru_stime
    return run


def compare(methods: Mapping[str, Timed], rounds: int = 5, warmup: int = 1) -> Comparison:
    """Time ``methods`` interleaved: ``warmup`` untimed calls of each, then ``rounds`` rounds
    in which every method runs once, the order rotating by one each round."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    names = list(methods)
    load_before = load_average()
    for _ in range(warmup):
        for name in names:
            _run_once(methods[name])
    seconds: dict[str, list[float]] = {name: [] for name in names}
    orders = []
    for r in range(rounds):
        shift = r % len(names)
        order = names[shift:] + names[:shift]
        orders.append(order)
        for name in order:
            seconds[name].append(_run_once(methods[name]))
    return Comparison(seconds, orders, load_before, load_average())


# --- a method in another process -------------------------------------------------------

_WORKER_LOOP = r"""
import json, sys, time
namespace = {}
exec(compile(sys.argv[1], "<worker setup>", "exec"), namespace)
print("ready", flush=True)
for line in sys.stdin:
    name = line.strip()
    if not name:
        break
    began, began_cpu = time.perf_counter(), time.process_time()
    result = namespace[name]()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "result": result}), flush=True)
"""


class Worker:
    """A persistent child process (any Python, e.g. a reference tool's own venv) whose
    ``setup`` code defines zero-argument functions; ``worker.method("f")`` is a
    :data:`Timed` that asks the child to run ``f`` and returns the seconds the child
    measured around the call alone (no process start-up, no pipe latency): by the wall
    clock, or with ``cpu=True`` the child's CPU time (all its threads), to set against
    :func:`cpu_timed` methods of this process. The function's JSON-serialisable return
    value is kept in ``last_result``."""

    def __init__(self, python: str | Path, setup: str, args: Iterable[str] = ()) -> None:
        self.process = subprocess.Popen(
            [str(python), "-c", _WORKER_LOOP, setup, *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        self.last_result: Any = None
        first = self._readline()
        if first != "ready":
            self.close()
            raise RuntimeError(f"worker did not start: {first!r}")

    def _readline(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            raise RuntimeError(f"worker exited with status {code}")
        return line.strip()

    def call(self, name: str, cpu: bool = False) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        reply = json.loads(self._readline())
        self.last_result = reply["result"]
        return float(reply["cpu_seconds" if cpu else "seconds"])

    def method(self, name: str, cpu: bool = False) -> Timed:
        return lambda: self.call(name, cpu)

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write("\n")
                self.process.stdin.flush()
                self.process.stdin.close()
            except (BrokenPipeError, ValueError):
                pass
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- recording -------------------------------------------------------------------------

@dataclass
class Row:
    """One line of the ``make bench`` table.

    ``value``/``unit``: our figure (e.g. rows/s, ms, files/s; the median over the rounds).
    ``reference``/``reference_value``: what we compare with and its figure in the same unit
    (empty when there is nothing to compare with). ``ratio_min``/``ratio_median``: the
    per-round ratios, > 1 when we are faster (or smaller). ``target``: the figure the issue
    asks for, in words. ``note``: what the work is exactly (sizes, what is left out)."""

    benchmark: str
    case: str
    value: float
    unit: str
    reference: str = ""
    reference_value: float | None = None
    ratio_min: float | None = None
    ratio_median: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    rounds: int | None = None
    load_average: tuple[float, float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def save_rows(benchmark: str, rows: Iterable[Row], results: Path = RESULTS) -> Path:
    """Write ``rows`` with the machine stamp to ``results/<benchmark>.json`` (whole or not
    at all: written to a temporary name, then renamed)."""
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{benchmark}.json"
    payload = {"benchmark": benchmark, "machine": machine_stamp(),
               "rows": [asdict(row) for row in rows]}
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(payload, indent=1, default=float))
    temporary.replace(path)
    return path


def load_results(results: Path = RESULTS) -> list[dict[str, Any]]:
    """Every saved benchmark, in name order."""
    if not results.is_dir():
        return []
    return [json.loads(path.read_text()) for path in sorted(results.glob("*.json"))]


def rate(count: float, seconds: float) -> float:
    """``count`` per second (inf for a zero time, which a timer cannot really return)."""
    return count / seconds if seconds > 0 else float("inf")
