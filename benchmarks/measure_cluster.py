"""Benchmark: ``measure_manifest_to_csv`` on the local process pool and on a Dask
``LocalCluster``, 1 and 2 workers, on the same manifest.

The manifest repeats the 7 sample studies (``sample_data/manifest.csv``: real chest CTs of
48-61 slices of 512 x 512, measured from their label masks, or ``--source lines`` from the
drawn lines) ``--repeat`` times, so every run reads the same files. The four executors
(pool 1 and 2 processes, LocalCluster 1 and 2 single-threaded worker processes) are
started once (their start-up time is printed apart), warmed up by one untimed run each,
then timed in ``--rounds`` interleaved rounds (pool 1, pool 2, Dask 1, Dask 2, pool 1 …)
so that a slower period of the shared machine touches all of them (the shared
``benchmarks/harness.py``: the order rotates each round); the median of the rounds is
reported, and the Dask/pool ratios (median and minimum of the per-round ratios) are saved
for the ``make bench`` table.

Printed: studies/s per executor, the scaling efficiency from 1 to 2 workers
(``throughput(2) / (2 x throughput(1))``), Dask's cost per study against the pool
(``time per study(Dask n) - time per study(pool n)``, per worker), and the scheduler's
round trip for an empty task (``--empty-tasks`` no-op calls through the executor,
submitted at once, divided by their number; the pool's alongside).

Usage::

    .venv/bin/python benchmarks/measure_cluster.py [--repeat 6] [--rounds 3]
                                                   [--source masks|lines]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, wait
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import RESULTS, Row, compare, save_rows

from recist.pipeline.cluster import dask_client
from recist.pipeline.manifest import measure_manifest_to_csv

WORK = Path(__file__).resolve().parent / ".work" / "measure_cluster"
SAMPLE = ROOT / "sample_data"


def write_manifest(repeat: int, source: str) -> tuple[Path, int]:
    """The sample manifest, its rows repeated, with paths relative to ``WORK``."""
    lines = (SAMPLE / "manifest.csv").read_text().splitlines()
    header = lines[0].split(",")
    keep = [i for i, name in enumerate(header)
            if not (source == "masks" and name == "lines")
            and not (source == "lines" and name in ("masks", "lesions"))]
    relative = os.path.relpath(SAMPLE, WORK)
    rows = [",".join(header[i] for i in keep)]
    for r in range(repeat):
        for line in lines[1:]:
            cells = line.split(",")
            out = []
            for i in keep:
                name, cell = header[i], cells[i]
                if name == "visit":
                    cell = f"{cell}-{r}"
                elif name in ("series_dir", "lines", "masks", "lesions") and cell:
                    cell = f"{relative}/{cell}"
                out.append(cell)
            rows.append(",".join(out))
    WORK.mkdir(parents=True, exist_ok=True)
    manifest = WORK / "manifest.csv"
    manifest.write_text("\n".join(rows) + "\n")
    return manifest, len(rows) - 1


def _noop(value: int) -> int:
    return value


def empty_task_seconds(executor: Executor, n: int) -> float:
    """Mean wall time of one empty task when ``n`` are submitted at once."""
    wait([executor.submit(_noop, i) for i in range(20)])  # warm
    start = time.perf_counter()
    wait([executor.submit(_noop, i) for i in range(n)])
    return (time.perf_counter() - start) / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--source", choices=("masks", "lines"), default="masks")
    parser.add_argument("--empty-tasks", type=int, default=500)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not (SAMPLE / "patients" / "LUNG1" / "V1" / "ct").is_dir():
        print("the sample follow-ups are missing: run make sample-data first", file=sys.stderr)
        return 2
    manifest, n_studies = write_manifest(args.repeat, args.source)
    out = WORK / "m.csv"
    print(f"manifest: {n_studies} studies ({args.source}), {os.cpu_count()} cores; "
          f"{args.rounds} interleaved rounds after one warm-up run each")

    with ExitStack() as stack:
        executors: dict[str, Executor] = {}
        started: dict[str, float] = {}
        for workers in (1, 2):
            t0 = time.perf_counter()
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers))
            wait([pool.submit(_noop, i) for i in range(workers)])
            started[f"pool {workers}"] = time.perf_counter() - t0
            executors[f"pool {workers}"] = pool
        for workers in (1, 2):
            t0 = time.perf_counter()
            client = stack.enter_context(dask_client(workers=workers))
            started[f"dask {workers}"] = time.perf_counter() - t0
            executors[f"dask {workers}"] = client.get_executor(pure=False)
        reference: bytes | None = None
        for name, executor in executors.items():  # warm-up, and the tables agree
            run = measure_manifest_to_csv(manifest, out, executor=executor, progress=False)
            assert not run.failures, run.failures[0]
            table = out.read_bytes()
            assert reference is None or table == reference, f"{name} wrote another table"
            reference = table
        # interleaved rounds, the order rotating (benchmarks/harness.py); warmed up above
        result = compare({name: (lambda e=executor: measure_manifest_to_csv(
            manifest, out, executor=e, progress=False)) for name, executor in executors.items()},
            rounds=args.rounds, warmup=0)
        seconds = result.seconds
        empty = {name: empty_task_seconds(executor, args.empty_tasks)
                 for name, executor in executors.items()}

    median = {name: statistics.median(values) for name, values in seconds.items()}
    rate = {name: n_studies / value for name, value in median.items()}
    print(f"{'executor':<8} {'start s':>8} {'run s (median)':>15} {'studies/s':>10} "
          f"{'empty task ms':>14}")
    for name in executors:
        print(f"{name:<8} {started[name]:>8.2f} {median[name]:>15.2f} {rate[name]:>10.1f} "
              f"{empty[name] * 1e3:>14.3f}")
    for kind in ("pool", "dask"):
        efficiency = rate[f"{kind} 2"] / (2 * rate[f"{kind} 1"])
        print(f"scaling efficiency 1 -> 2 workers, {kind}: {efficiency:.0%} "
              f"({rate[f'{kind} 1']:.1f} -> {rate[f'{kind} 2']:.1f} studies/s)")
    for workers in (1, 2):
        extra = (median[f"dask {workers}"] - median[f"pool {workers}"]) / n_studies * workers
        print(f"Dask's extra cost per study with {workers} worker(s): {extra * 1e3:+.1f} ms "
              f"of worker time ({median[f'dask {workers}'] / median[f'pool {workers}']:.2f}x "
              "the pool's run time)")
    rows = []
    for workers in (1, 2):
        low, middle = result.ratio(f"pool {workers}", f"dask {workers}")
        rows.append(Row("measure_cluster", f"{n_studies} studies ({args.source}), Dask "
                        f"LocalCluster, {workers} worker(s)", rate[f"dask {workers}"],
                        "studies/s", reference=f"process pool {workers}",
                        reference_value=rate[f"pool {workers}"], ratio_min=low,
                        ratio_median=middle, note="ratio > 1: Dask faster than the pool",
                        rounds=args.rounds, load_average=result.load_after))
    save_rows("measure_cluster", rows, results=args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
