"""Benchmark: ``recist.respond`` on a synthetic cohort, and against ``pyrecist``.

Generates deterministically (numpy, fixed seed) a cohort of 20,000 patients x 10 visits
with 1-5 targets, 0-8 non-targets and occasional new lesions (equivocal ones sometimes
confirmed at the next visit), about 1.5 million rows; runs ``respond`` (all rules,
confirmation on) in this process and prints rows/s and the peak memory; then compares
target-only throughput with the PyPI package ``pyrecist``, installed in its own virtual
environment (``benchmarks/.work/pyrecist-venv``, never the project's ``.venv``) and run
in a subprocess on a subset of patients. The machine may be shared: pyrecist and our
target-only figures are the best of 3 runs, taken one right after the other.

Usage::

    .venv/bin/python benchmarks/respond_cohort.py [--patients 20000] [--pyrecist-patients 1000]
                                                  [--no-pyrecist] [--no-csv]

Printed: seconds, rows/s and peak memory of ``normalise_measurements`` (the CSV-typed
table to the engine's types), of ``respond`` and of both together; the time of each stage
of ``respond``; and, target-only, the ratio of our rows/s to pyrecist's for
``assess_timepoints`` (the part pyrecist does) and for the whole ``respond``, against
pyrecist as measured here and against the brief's reference figure of 13,000-17,000
rows/s (labelled as such).

The cohort is also written to ``benchmarks/.work/cohort.csv`` (untimed) and read back with
``read_measurements`` (timed), the path of ``recist respond`` (``--no-csv`` skips it).

Memory: the peak resident set size (RSS) of the whole process (so the generated cohort
is included) is sampled with psutil every 20 ms while each stage runs, and the
process-wide peak RSS is read from ``getrusage`` at the end.

pyrecist evaluates patient by patient (a Python loop with a pandas filter per patient);
its rows/s is measured on the ``--pyrecist-patients`` subset (1,000 by default: on
200 patients the run lasts ~0.2 s and the figure is noisy; measured on this machine,
2026-11: ~39,000 rows/s on 1,000 and on 4,000 patients alike) and compared with ours on
the whole cohort's target rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recist import response as respond_module
from recist.criteria import RECIST_1_1
from recist.table import normalise_measurements, read_measurements

WORK = Path(__file__).resolve().parent / ".work"
VENV = WORK / "pyrecist-venv"
SEED = 20241125
VISITS = 10
MAX_TARGETS = 5
MAX_NONTARGETS = 8
REFERENCE_PYRECIST_ROWS_PER_S = (13_000, 17_000)
"""pyrecist's throughput as the issue's brief states it (rows/s), for the second ratio."""


def make_cohort(n_patients: int, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synthetic measurements (raw strings, as read from CSV) and patients tables."""
    rng = np.random.default_rng(seed)
    p_ids = np.array([f"S{p:05d}" for p in range(n_patients)], dtype=object)
    start = np.datetime64("2023-01-01") + rng.integers(0, 365, n_patients).astype("timedelta64[D]")
    jitter = rng.integers(-3, 4, (n_patients, VISITS))
    jitter[:, 0] = 0
    visit_dates = (start[:, None] + (np.arange(VISITS) * 56 + jitter).astype("timedelta64[D]")
                   + np.timedelta64(3, "D"))
    # a per-patient trajectory: multiplier of every target at every visit
    slope = rng.normal(-0.05, 0.12, n_patients)
    multiplier = np.maximum(0.0, 1 + slope[:, None] * np.arange(VISITS)
                            + rng.normal(0, 0.04, (n_patients, VISITS)))
    multiplier[:, 0] = 1.0

    # targets: grid patient x visit x lesion, masked by the number of targets
    n_t = rng.integers(1, MAX_TARGETS + 1, n_patients)
    nodal_t = rng.random((n_patients, MAX_TARGETS)) < 0.2
    base = np.where(nodal_t, rng.uniform(15, 35, (n_patients, MAX_TARGETS)),
                    rng.uniform(10, 60, (n_patients, MAX_TARGETS)))
    p, v, t = np.meshgrid(np.arange(n_patients), np.arange(VISITS), np.arange(MAX_TARGETS),
                          indexing="ij")
    keep = t < n_t[:, None, None]
    p, v, t = p[keep], v[keep], t[keep]
    size = np.round(base[p, t] * multiplier[p, v] * rng.normal(1, 0.03, len(p)), 1)
    size = np.maximum(size, 0.0)
    node = nodal_t[p, t]
    u = rng.random(len(p))
    status = np.full(len(p), "measured", dtype=object)
    status[(size < 5) & (u < 0.5)] = "too_small"
    status[(size < 2)] = "absent"
    status[(v > 0) & (u > 0.99)] = "not_evaluated"
    status[(v > 0) & ~node & (u > 0.998)] = "merged"
    measured = status == "measured"
    targets = pd.DataFrame({
        "p": p, "v": v, "lesion_id": np.char.add("T", t.astype(str)).astype(object),
        "kind": "target", "nodal": node,
        "ld_mm": np.where(measured & ~node, size, np.nan),
        "sa_mm": np.where(measured & node, size, np.nan),
        "status": status,
    })

    # non-targets
    n_nt = rng.integers(0, MAX_NONTARGETS + 1, n_patients)
    p, v, t = np.meshgrid(np.arange(n_patients), np.arange(VISITS), np.arange(MAX_NONTARGETS),
                          indexing="ij")
    keep = t < n_nt[:, None, None]
    p, v, t = p[keep], v[keep], t[keep]
    u = rng.random(len(p))
    m = multiplier[p, v]
    status = np.full(len(p), "present", dtype=object)
    status[(v > 0) & (m < 0.3) & (u < 0.7)] = "absent"
    status[(v > 0) & (m > 1.3) & (u < 0.05)] = "progression"
    status[(v > 0) & (u > 0.995)] = "not_evaluated"
    nontargets = pd.DataFrame({
        "p": p, "v": v, "lesion_id": np.char.add("N", t.astype(str)).astype(object),
        "kind": "non-target", "nodal": False, "ld_mm": np.nan, "sa_mm": np.nan,
        "status": status,
    })

    # new lesions: unequivocal (2 %) or equivocal (1 %, confirmed at the next visit in half)
    pv = np.argwhere(np.ones((n_patients, VISITS), dtype=bool))
    pv = pv[pv[:, 1] > 0]
    u = rng.random(len(pv))
    unequivocal = pv[u < 0.02]
    equivocal = pv[(u >= 0.02) & (u < 0.03)]
    confirmed = equivocal[(rng.random(len(equivocal)) < 0.5) & (equivocal[:, 1] < VISITS - 1)]
    new_rows = [
        (unequivocal[:, 0], unequivocal[:, 1], "U", unequivocal[:, 1], "unequivocal"),
        (equivocal[:, 0], equivocal[:, 1], "E", equivocal[:, 1], "equivocal"),
        (confirmed[:, 0], confirmed[:, 1] + 1, "E", confirmed[:, 1], "unequivocal"),
    ]
    news = pd.concat([pd.DataFrame({
        "p": pp, "v": vv, "lesion_id": np.char.add(f"NEW{tag}", ids.astype(str)).astype(object),
        "kind": "new", "nodal": False, "ld_mm": np.nan, "sa_mm": np.nan, "status": st})
        for pp, vv, tag, ids, st in new_rows], ignore_index=True)

    rows = pd.concat([targets, nontargets, news], ignore_index=True)
    iso = pd.DatetimeIndex(visit_dates.ravel()).strftime("%Y-%m-%d").to_numpy(dtype=object)
    measurements = pd.DataFrame({
        "patient_id": p_ids[rows["p"].to_numpy()],
        "date": iso[rows["p"].to_numpy() * VISITS + rows["v"].to_numpy()],
        "visit": np.char.add("V", rows["v"].to_numpy().astype(str)).astype(object),
        "lesion_id": rows["lesion_id"].to_numpy(),
        "kind": rows["kind"].to_numpy(),
        "organ": "lung",
        "nodal": np.where(rows["nodal"].to_numpy(dtype=bool), "true", "false"),
        "ld_mm": rows["ld_mm"].to_numpy(),
        "sa_mm": rows["sa_mm"].to_numpy(),
        "status": rows["status"].to_numpy(),
        "slice_thickness_mm": 1.25,
    })
    patients = pd.DataFrame({
        "patient_id": p_ids,
        "start_date": pd.DatetimeIndex(start).strftime("%Y-%m-%d"),
    })
    return measurements, patients


class PeakRSS:
    """Sample this process's RSS every ``interval`` seconds in a background thread."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._process = psutil.Process()

    def __enter__(self) -> Self:
        self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


@contextmanager
def _timed_stages():
    """Time each engine stage ``respond`` calls (wrapped in ``recist.respond`` while the
    block runs, restored after)."""
    stages: dict[str, float] = {}
    originals = {}

    def wrap(name, label):
        original = originals[name] = getattr(respond_module, name)

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                stages[label] = stages.get(label, 0.0) + time.perf_counter() - began
        setattr(respond_module, name, timed)

    wrap("_indexed", "index rows for checks (C3)")
    wrap("run_input_checks", "input checks (C3)")
    # respond calls one of the two (the second returns the findings too)
    for name in ("assess_timepoints", "assess_timepoints_with_findings"):
        if hasattr(respond_module, name):
            wrap(name, "assess_timepoints (C1)")
    if hasattr(respond_module, "apply_continuing_response"):
        wrap("apply_continuing_response", "continuing response (C1)")
    wrap("summarise_patients_with_findings", "patient summary (C2)")
    wrap("run_timepoint_checks", "time point checks (C3)")
    try:
        yield stages
    finally:
        for name, original in originals.items():
            setattr(respond_module, name, original)


def run_pyrecist(targets: pd.DataFrame, n_patients: int) -> dict:
    """Run pyrecist on the target rows of the first ``n_patients`` patients."""
    python = VENV / "bin" / "python"
    if not python.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    # pyrecist 0.1.0 imports pandas without declaring it; pandas < 3, the pandas of its
    # release (2025-07)
    probe = subprocess.run([str(python), "-c", "import pyrecist.assessment"], check=False,
                           capture_output=True)
    if probe.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "pyrecist", "pandas<3"],
                       check=True)
    chosen = targets["patient_id"].isin(sorted(targets["patient_id"].unique())[:n_patients])
    subset = targets[chosen]
    from recist.sums import target_contribution_mm

    frame = pd.DataFrame({
        # pyrecist takes diff() of the whole per-patient frame: patient ids must be numbers
        "patient_id": subset["patient_id"].str.slice(1).astype(int).to_numpy(),
        "study_date": subset["date"].dt.strftime("%Y%m%d").astype(int).to_numpy(),
        "measurement": target_contribution_mm(subset["status"].to_numpy(dtype=object),
                                              subset["nodal"].to_numpy(),
                                              subset["ld_mm"].to_numpy(),
                                              subset["sa_mm"].to_numpy()),
        "lesion_label_alias": subset["lesion_id"].to_numpy(),
        "lesion_category": "target",
    })
    csv = WORK / "pyrecist_subset.csv"
    frame.to_csv(csv, index=False)
    script = (
        "import json, sys, time\n"
        "from pyrecist.data import Reader\n"
        "from pyrecist.assessment import Evaluator\n"
        "reader = Reader(); reader.read_measurements(sys.argv[1])\n"
        "best = float('inf')\n"
        "for _ in range(3):\n"
        "    began = time.perf_counter()\n"
        "    out = Evaluator(reader).evaluate_recist()\n"
        "    best = min(best, time.perf_counter() - began)\n"
        "print(json.dumps({'seconds': best, 'rows': len(reader.df), 'timepoints': len(out)}))\n"
    )
    result = subprocess.run([str(python), "-c", script, str(csv)], check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def float_threshold_flips(timepoints: pd.DataFrame, criteria=RECIST_1_1) -> int:
    """Count evaluable time points where raw binary floats decide PR or the 20 % PD
    condition differently from the DEC-22 rounded comparison (exact-threshold cases such
    as 25 -> 30 mm, 50 -> 35 mm)."""
    total = timepoints["sum_mm"].to_numpy(dtype=float)
    base = timepoints["baseline_sum_mm"].to_numpy(dtype=float)
    nadir = timepoints["nadir_mm"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw_pr = (total - base) / base * 100 <= -criteria.pr_decrease_pct
        raw_pd = (total - nadir) / nadir * 100 >= criteria.pd_increase_pct
    pr = timepoints["pct_from_baseline"].to_numpy(dtype=float) <= -criteria.pr_decrease_pct
    pd_ = timepoints["pct_from_nadir"].to_numpy(dtype=float) >= criteria.pd_increase_pct
    valid = ~np.isnan(total) & (nadir > 0)
    return int(((raw_pr != pr) | (raw_pd != pd_))[valid].sum())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--pyrecist-patients", type=int, default=1000)
    parser.add_argument("--no-pyrecist", action="store_true")
    parser.add_argument("--no-csv", action="store_true",
                        help="skip timing read_measurements on the cohort written as CSV")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    raw, patients_raw = make_cohort(args.patients)
    print(f"generated {len(raw):,} rows for {args.patients:,} patients x {VISITS} visits "
          f"in {time.perf_counter() - began:.1f} s")
    rows = len(raw)
    csv_seconds = csv_peak = None
    if not args.no_csv:  # the CLI's path: CSV text -> typed table (written untimed)
        WORK.mkdir(parents=True, exist_ok=True)
        csv_path = WORK / "cohort.csv"
        raw.to_csv(csv_path, index=False)
        with PeakRSS() as csv_memory:
            began = time.perf_counter()
            from_csv = read_measurements(csv_path)
            csv_seconds, csv_peak = time.perf_counter() - began, csv_memory.peak
        del from_csv
    with PeakRSS() as normalise_memory:
        began = time.perf_counter()
        measurements = normalise_measurements(raw)
        normalise_seconds = time.perf_counter() - began
    from recist.patients import normalise_patients

    patients = normalise_patients(patients_raw)
    del raw

    criteria = RECIST_1_1.replace(confirmation=True)
    with _timed_stages() as stages, PeakRSS() as respond_memory:
        began = time.perf_counter()
        result = respond_module.respond(measurements, patients, criteria)
        respond_seconds = time.perf_counter() - began
    total_seconds = normalise_seconds + respond_seconds
    print(f"{rows:,} rows -> {len(result.timepoints):,} time points (confirmation on); "
          "peak = resident set size (psutil, sampled every 20 ms)")
    figures = [("normalise_measurements", normalise_seconds, normalise_memory.peak),
               ("respond", respond_seconds, respond_memory.peak),
               ("total (normalise + respond)", total_seconds,
                max(normalise_memory.peak, respond_memory.peak))]
    if csv_seconds is not None:
        figures += [("read_measurements (CSV)", csv_seconds, csv_peak),
                    ("total (read CSV + respond)", csv_seconds + respond_seconds,
                     max(csv_peak, respond_memory.peak))]
    for label, seconds, memory in figures:
        print(f"  {label:<28} {seconds:6.2f} s  {rows / seconds:>11,.0f} rows/s  "
              f"peak {memory / 2**20:,.0f} MiB")
    print("  respond stages:")
    for label, seconds in stages.items():
        print(f"    {label:<28} {seconds:6.2f} s")
    print(f"  process peak RSS (getrusage, includes generating the cohort): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    counts = result.timepoints["overall_response"].value_counts().to_dict()
    print(f"overall responses: {counts}")
    bor = "confirmed_bor" if "confirmed_bor" in result.patient_summary else "bor"
    print(f"{bor}: {result.patient_summary[bor].value_counts().to_dict()}")

    print(f"time points whose PR/PD call would differ with raw float comparisons "
          f"(DEC-22 rounding fixes them): {float_threshold_flips(result.timepoints)}")

    if args.no_pyrecist:
        return 0
    targets = measurements[measurements["kind"] == "target"].reset_index(drop=True)
    fastest = float("inf")
    for _ in range(3):  # best of 3, as for pyrecist
        began = time.perf_counter()
        respond_module.respond(targets, patients, criteria)
        fastest = min(fastest, time.perf_counter() - began)
    ours = len(targets) / fastest
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        respond_module.assess_timepoints(targets, criteria)
        best = min(best, time.perf_counter() - began)
    ours_engine = len(targets) / best
    theirs = run_pyrecist(targets, args.pyrecist_patients)
    theirs_rate = theirs["rows"] / theirs["seconds"]
    print(f"target-only ({len(targets):,} rows) against pyrecist {theirs_rate:,.0f} rows/s "
          f"({theirs['rows']:,} rows of {args.pyrecist_patients} patients, subprocess, "
          "evaluate_recist only, best of 3):")
    print(f"  assess_timepoints (what pyrecist does):   {ours_engine:>11,.0f} rows/s "
          f"-> ratio {ours_engine / theirs_rate:,.1f}x (pyrecist measured here)")
    print(f"  whole respond (checks, BOR/PFS included): {ours:>11,.0f} rows/s "
          f"-> ratio {ours / theirs_rate:,.1f}x (pyrecist measured here)")
    low, high = REFERENCE_PYRECIST_ROWS_PER_S
    print(f"against the brief's reference pyrecist figure {low:,}-{high:,} rows/s "
          "(not measured here):")
    print(f"  assess_timepoints: ratio {ours_engine / high:,.1f}x-{ours_engine / low:,.1f}x; "
          f"whole respond: ratio {ours / high:,.1f}x-{ours / low:,.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
