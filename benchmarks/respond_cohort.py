"""Benchmark: ``recist respond`` and its engine on a synthetic cohort, against ``pyrecist``.

Generates deterministically (numpy, fixed seed) a cohort of ``--patients`` patients (20,000
by default) x 10 visits with 1-5 targets, 0-8 non-targets and occasional new lesions
(equivocal ones sometimes confirmed at the next visit): about 1.4 million rows. Every
timing goes through ``benchmarks/harness.py`` (warm-up, methods interleaved in rotating
order, min/median of per-round ratios, machine and load stamped) and is saved for the
``make bench`` table (``benchmarks/.work/results/respond_cohort.json``):

* **engine**: ``recist.response.respond`` (every input and time point check, confirmation
  on) on the normalised table, in rows/s (target >= 1.5 M rows/s); the time of its stages
  from one further run (the checks -- indexing, input and time point checks -- against
  ``assess_timepoints``; target: no slower); the extra memory it needs (the tracemalloc
  peak during one more call above the memory before it, per input row; numpy reports its
  buffers to tracemalloc; target <= 150 B/row).
* **command**: ``recist respond --confirm`` (read the CSV, assess, write every output)
  against pandas' default ``read_csv`` of the same file, interleaved, each by its own
  process's CPU time over at least 5 rounds: one run as typed at the shell (a new process
  per call, start-up and imports included on both sides; target: the command no slower,
  ratio >= 1), and the steady state in persistent worker processes (start-up, imports and
  a warm-up call excluded), with the share of ``respond()``; a third row gives the one-run
  rounds by the wall clock.
* **pyrecist**: the PyPI package ``pyrecist`` (installed on first use in its own virtual
  environment ``benchmarks/.work/pyrecist-venv``, never in the project's ``.venv``; run in a
  persistent worker process that times its own calls) on the target rows of the first
  300 / 1,000 / 3,000 patients, interleaved with our ``respond`` on exactly those rows
  (same patients, same lesions, same dates; checks, BOR and PFS included on our side) and
  with our ``assess_timepoints`` alone (what pyrecist does); each by its own process's CPU
  time, at least 5 rounds. Target >= 50x at 3,000.
* **scaling**: ``respond`` on cohorts of 10 k to 3 M rows (``--scaling``), rows/s at each
  size, to show that the time grows linearly with the rows.

Usage::

    .venv/bin/python benchmarks/respond_cohort.py [--patients 20000] [--rounds 3]
        [--no-pyrecist] [--no-command] [--scaling 10000,...] [--results DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    RESULTS,
    Row,
    Worker,
    compare,
    cpu_timed,
    load_average,
    process_timed,
    rate,
    save_rows,
)

from recist import response as respond_module
from recist.criteria import RECIST_1_1
from recist.patients import normalise_patients
from recist.sums import target_contribution_mm
from recist.table import normalise_measurements

WORK = Path(__file__).resolve().parent / ".work"
VENV = WORK / "pyrecist-venv"
SEED = 20241125
VISITS = 10
MAX_TARGETS = 5
MAX_NONTARGETS = 8
PYRECIST_PATIENTS = (300, 1_000, 3_000)
SCALING_ROWS = (10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000)
ROWS_PER_PATIENT = 70  # about what make_cohort gives (1.4 M rows for 20,000 patients)


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


@contextmanager
def _timed_stages():
    """Time each engine stage ``respond`` calls, by CPU time (wrapped in
    ``recist.respond`` while the block runs, restored after)."""
    stages: dict[str, float] = {}
    originals = {}

    def wrap(name, label):
        original = originals[name] = getattr(respond_module, name)

        def timed(*args, **kwargs):
            began = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                stages[label] = stages.get(label, 0.0) + time.process_time() - began
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




# --- pyrecist in its own environment ----------------------------------------------------

PYRECIST_SETUP = """
import json, sys, warnings
warnings.simplefilter("ignore")  # pyrecist divides by a zero nadir (RuntimeWarning each)
from pyrecist.data import Reader
from pyrecist.assessment import Evaluator
readers = {}
for size, path in json.loads(sys.argv[2]).items():
    readers[size] = Reader()
    readers[size].read_measurements(path)
def _runner(size):
    return lambda: len(Evaluator(readers[size]).evaluate_recist())
for size in readers:
    globals()["evaluate_" + size] = _runner(size)
"""


def pyrecist_python() -> Path:
    """pyrecist's interpreter (its venv created and filled on first use)."""
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
    return python


def pyrecist_table(targets: pd.DataFrame) -> pd.DataFrame:
    """Our target rows in pyrecist's input layout (one measurement per lesion and scan:
    the lesion's contribution to the sum, as our engine computes it)."""
    return pd.DataFrame({
        # pyrecist takes diff() of the whole per-patient frame: patient ids must be numbers
        "patient_id": targets["patient_id"].str.slice(1).astype(int).to_numpy(),
        "study_date": targets["date"].dt.strftime("%Y%m%d").astype(int).to_numpy(),
        "measurement": target_contribution_mm(targets["status"].to_numpy(dtype=object),
                                              targets["nodal"].to_numpy(),
                                              targets["ld_mm"].to_numpy(),
                                              targets["sa_mm"].to_numpy()),
        "lesion_label_alias": targets["lesion_id"].to_numpy(),
        "lesion_category": "target",
    })


def against_pyrecist(measurements: pd.DataFrame, patients: pd.DataFrame, criteria,
                     rounds: int) -> list[Row]:
    """Ours and pyrecist, interleaved, on the target rows of 300 / 1,000 / 3,000 patients,
    each timed by its own process's CPU time (pyrecist in its worker, ours here), as the
    command is: on a shared machine the wall clock also counts the other programs."""
    targets = measurements[measurements["kind"] == "target"].reset_index(drop=True)
    ids = sorted(targets["patient_id"].unique())
    subsets, paths = {}, {}
    for size in PYRECIST_PATIENTS:
        if size > len(ids):
            continue
        chosen = set(ids[:size])
        rows = targets[targets["patient_id"].isin(chosen)].reset_index(drop=True)
        subsets[size] = (rows, patients[patients["patient_id"].isin(chosen)])
        paths[str(size)] = str(WORK / f"pyrecist_{size}.csv")
        pyrecist_table(rows).to_csv(paths[str(size)], index=False)
    out = []
    with Worker(pyrecist_python(), PYRECIST_SETUP, [json.dumps(paths)]) as worker:
        for size, (rows, chosen_patients) in subsets.items():
            result = compare({
                "pyrecist": worker.method(f"evaluate_{size}", cpu=True),
                "respond": cpu_timed(lambda r=rows, p=chosen_patients: respond_module.respond(
                    r, p, criteria)),
                "assess": cpu_timed(lambda r=rows: respond_module.assess_timepoints(
                    r, criteria)),
            }, rounds=rounds, warmup=1)
            n = len(rows)
            theirs = rate(n, result.median("pyrecist"))
            for method, what in (("respond", "whole respond (checks, BOR, PFS)"),
                                 ("assess", "assess_timepoints (what pyrecist does)")):
                low, median = result.ratio("pyrecist", method)
                out.append(Row(
                    "respond_cohort", f"vs pyrecist, {size:,} patients: {what}",
                    rate(n, result.median(method)), "rows/s", reference="pyrecist",
                    reference_value=theirs, ratio_min=low, ratio_median=median,
                    target=">= 50x at 3,000 patients" if method == "respond" else "",
                    met=(median >= 50) if method == "respond" and size == 3_000 else None,
                    note=f"{n:,} target rows, {worker.last_result} pyrecist time points; "
                         "CPU time of each process",
                    rounds=rounds, load_average=result.load_after))
    return out


# --- the engine, the command, the scaling -----------------------------------------------

def engine_rows(measurements: pd.DataFrame, patients: pd.DataFrame, criteria,
                rounds: int) -> list[Row]:
    """``respond`` on the whole cohort: rows/s, stages, extra memory per row."""
    n = len(measurements)
    result = compare({"respond": lambda: respond_module.respond(measurements, patients,
                                                                criteria)},
                     rounds=rounds, warmup=1)
    seconds = result.median("respond")
    # the stages of at least 9 further runs (~0.2 s each; the ratio of two ~0.1 s stages
    # varies by ~10 % from run to run): each stage's median, and the ratio's
    stage_runs = max(rounds, 9)
    runs = []
    for _ in range(stage_runs):
        with _timed_stages() as stages:
            respond_module.respond(measurements, patients, criteria)
        runs.append(stages)
    stages = {label: float(np.median([run[label] for run in runs])) for label in runs[0]}

    def checks_of(run: dict[str, float], indexing: bool = True) -> float:
        """The checks' time of a run: its (C3) stages, the indexing among them or not."""
        return sum(t for label, t in run.items()
                   if "(C3)" in label and (indexing or not label.startswith("index")))

    ratios = [checks_of(run) / run["assess_timepoints (C1)"] for run in runs]
    checks = checks_of(stages)
    assessment = stages["assess_timepoints (C1)"]
    # the encoding (recist.cohort_index) is made for the checks and read by the assessment
    # too (it would make it itself without them): the ratio without it, for the record
    without_index = [checks_of(run, indexing=False) / run["assess_timepoints (C1)"]
                     for run in runs]
    # extra memory: the peak of traced allocations (Python objects and numpy buffers)
    # during the call, above what was allocated before it, per input row
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    respond_module.respond(measurements, patients, criteria)
    extra = (tracemalloc.get_traced_memory()[1] - before) / n
    tracemalloc.stop()
    print(f"respond on {n:,} rows: median {seconds:.2f} s of {rounds} rounds "
          f"(min {result.min('respond'):.2f} s); stages (CPU), median of {stage_runs} more runs:")
    for label, t in stages.items():
        print(f"    {label:<32} {1e3 * t:7.1f} ms")
    load = result.load_after
    return [
        Row("respond_cohort", f"respond(), {n:,} rows, confirmation on", rate(n, seconds),
            "rows/s", target=">= 1.5 M rows/s", met=rate(n, seconds) >= 1.5e6,
            note=f"median of {rounds} rounds, {seconds:.2f} s", rounds=rounds,
            load_average=load),
        Row("respond_cohort", "respond(): checks / assess_timepoints time",
            float(np.median(ratios)), "x", target="<= 1", met=float(np.median(ratios)) <= 1,
            note=f"CPU, median of {stage_runs} runs (each run's ratio {min(ratios):.2f}-"
                 f"{max(ratios):.2f}); checks (indexing, input, time point) {1e3 * checks:.1f} "
                 f"ms, assess_timepoints {1e3 * assessment:.1f} ms (medians); without the "
                 "indexing, which the assessment reads too: "
                 f"{float(np.median(without_index)):.2f}x",
            rounds=stage_runs, load_average=load),
        Row("respond_cohort", "respond(): extra memory per input row", extra, "B/row",
            target="<= 150 B/row", met=extra <= 150,
            note="tracemalloc peak during the call above the memory before it, outputs "
                 "included, / input rows", load_average=load),
    ]


# Each side of the command row runs in its own process, as a user runs it: a process's
# allocator state (its heap, the mmap threshold glibc raises as large blocks are freed) and
# anything the command sets for itself stay in that process.
READ_CSV_SETUP = """
import resource, sys, time
import pandas as pd
def read_csv():
    before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    pd.read_csv(sys.argv[2])
    after = resource.getrusage(resource.RUSAGE_SELF)
    return [after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime,
            time.perf_counter() - wall, 0.0]
"""

COMMAND_SETUP = """
import contextlib, io, resource, sys, time
sys.path.insert(0, sys.argv[2])
from recist import response
from recist.cli import main
assess, engine = response.respond, []
def timed_respond(*args, **kwargs):
    began = time.process_time()
    try:
        return assess(*args, **kwargs)
    finally:
        engine.append(time.process_time() - began)
response.respond = timed_respond
def command():
    before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = main(["respond", sys.argv[3], "--patients", sys.argv[4], "--confirm",
                       "--out", sys.argv[5]])
    if status != 0:
        raise RuntimeError(f"recist respond failed with status {status}")
    after = resource.getrusage(resource.RUSAGE_SELF)
    return [after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime,
            time.perf_counter() - wall, engine[-1]]
"""


def command_rows(raw: pd.DataFrame, patients_raw: pd.DataFrame, rounds: int) -> list[Row]:
    """``recist respond --confirm`` against pandas' default ``read_csv`` of its input file,
    interleaved, each timed by its own process's CPU time (all threads: the other programs
    of a shared machine do not count), two ways:

    * **one run**, as typed at the shell: ``python -m recist respond ...`` against ``python
      -c "import pandas; pandas.read_csv(...)"``, a new process per call (interpreter
      start-up, imports and the work on both sides; compiled bytecode kept between runs,
      as a user's Python keeps it) -- what a user waits for; the target;
    * **steady state**: each in a persistent worker process (start-up, imports and one
      warm-up call excluded) -- the work alone, as in a notebook or a service that runs
      it repeatedly; with the share of ``respond()``.
    """
    import tempfile

    WORK.mkdir(parents=True, exist_ok=True)
    csv_path, patients_path = WORK / "cohort.csv", WORK / "cohort_patients.csv"
    raw.to_csv(csv_path, index=False)
    patients_raw.to_csv(patients_path, index=False)
    usage: dict[str, list] = {name: [] for name in
                              ("read_csv", "command", "read_csv run", "command run")}

    def logged(worker: Worker, name: str) -> Callable[[], float]:
        def run() -> float:
            seconds = worker.call(name, cpu=True)
            usage[name].append(worker.last_result)
            return seconds
        return run

    # a user's Python keeps the compiled bytecode of what it imports (pip compiles the
    # installed packages; our modules are compiled on first import): where this machine
    # says not to write it (PYTHONDONTWRITEBYTECODE), every run would compile our modules
    # again, so the runs keep it under .work (the warm-up run writes it)
    environment = {name: value for name, value in os.environ.items()
                   if name != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    with tempfile.TemporaryDirectory(dir=WORK) as out, \
            Worker(sys.executable, READ_CSV_SETUP, [str(csv_path)]) as reader, \
            Worker(sys.executable, COMMAND_SETUP,
                   [str(ROOT), str(csv_path), str(patients_path), out]) as recist:
        result = compare({
            "read_csv": logged(reader, "read_csv"),
            "command": logged(recist, "command"),
            "read_csv run": process_timed(
                [sys.executable, "-c", f"import pandas; pandas.read_csv({str(csv_path)!r})"],
                usage["read_csv run"], environment),
            "command run": process_timed(
                [sys.executable, "-m", "recist", "respond", str(csv_path), "--patients",
                 str(patients_path), "--confirm", "--out", out],
                usage["command run"], environment),
        }, rounds=rounds, warmup=1)
    size = csv_path.stat().st_size / 2**20
    timed = {name: calls[1:] for name, calls in usage.items()}  # the warm-up call dropped
    share = statistics.median(call[3] for call in timed["command"]) / result.median("command")
    case = f"recist respond --confirm, {len(raw):,}-row CSV ({size:,.0f} MiB)"
    low, median = result.ratio("read_csv run", "command run")
    steady_low, steady_median = result.ratio("read_csv", "command")
    wall = {name: [call[2] for call in timed[name]] for name in ("read_csv run", "command run")}
    wall_ratios = [r / c for r, c in zip(wall["read_csv run"], wall["command run"])]
    return [Row("respond_cohort", f"{case}: one run, as typed at the shell",
                result.median("command run"), "s CPU",
                reference="python -c 'import pandas; pandas.read_csv(...)'",
                reference_value=result.median("read_csv run"), ratio_min=low,
                ratio_median=median, target=">= 1x (no slower than read_csv)",
                met=median >= 1, note="a new process per call on both sides (interpreter "
                "start-up and imports included), CPU time of the process; user + system: "
                f"command {_user_system(timed['command run'])}, read_csv "
                f"{_user_system(timed['read_csv run'])}",
                rounds=rounds, load_average=result.load_after),
            Row("respond_cohort", f"{case}: steady state", result.median("command"), "s CPU",
                reference="pandas read_csv", reference_value=result.median("read_csv"),
                ratio_min=steady_low, ratio_median=steady_median,
                note=f"each in its own persistent process (start-up, imports and a warm-up "
                f"call excluded), CPU time; respond() {share:.0%} of it; user + system: "
                f"command {_user_system(timed['command'])}, read_csv "
                f"{_user_system(timed['read_csv'])}",
                rounds=rounds, load_average=result.load_after),
            Row("respond_cohort", f"{case}: one run, wall clock",
                statistics.median(wall["command run"]), "s", reference="pandas read_csv",
                reference_value=statistics.median(wall["read_csv run"]),
                ratio_min=min(wall_ratios), ratio_median=statistics.median(wall_ratios),
                note="the one-run rounds by the wall clock: what a user waits; the target is "
                     "judged by CPU time above",
                rounds=rounds, load_average=result.load_after)]


def _user_system(calls: list) -> str:
    """The medians of the user and the system seconds of the timed calls and the range of
    the system seconds: the system time (page faults, mostly) is what varies between runs
    on this kind of machine."""
    user, system = ([call[i] for call in calls] for i in (0, 1))
    return (f"{statistics.median(user):.2f} + {statistics.median(system):.2f} s "
            f"(system {min(system):.2f}-{max(system):.2f})")


def scaling_rows(sizes: list[int], criteria, rounds: int) -> list[Row]:
    """``respond`` on cohorts of growing size: rows/s at each (linear growth = flat)."""
    out = []
    for target_rows in sizes:
        raw, patients_raw = make_cohort(max(1, round(target_rows / ROWS_PER_PATIENT)))
        measurements = normalise_measurements(raw)
        patients = normalise_patients(patients_raw)
        del raw
        n = len(measurements)
        big = n > 1_000_000
        result = compare({"respond": lambda m=measurements, p=patients: respond_module.respond(
            m, p, criteria)}, rounds=1 if big else rounds, warmup=0 if big else 1)
        seconds = result.median("respond")
        print(f"scaling: {n:>10,} rows  {seconds:7.3f} s  {rate(n, seconds):>11,.0f} rows/s")
        out.append(Row("scaling", f"respond(), {n:,} rows", rate(n, seconds), "rows/s",
                       note=f"{seconds:.3f} s, {len(patients):,} patients",
                       rounds=len(result.seconds["respond"]), load_average=result.load_after))
        del measurements, patients
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-pyrecist", action="store_true")
    parser.add_argument("--no-command", action="store_true",
                        help="skip timing recist respond against read_csv")
    parser.add_argument("--scaling", default=",".join(str(n) for n in SCALING_ROWS),
                        help="comma-separated cohort sizes in rows ('' for none)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")

    began = time.perf_counter()
    raw, patients_raw = make_cohort(args.patients)
    print(f"generated {len(raw):,} rows for {args.patients:,} patients x {VISITS} visits "
          f"in {time.perf_counter() - began:.1f} s")
    measurements = normalise_measurements(raw)
    patients = normalise_patients(patients_raw)
    criteria = RECIST_1_1.replace(confirmation=True)
    rows = engine_rows(measurements, patients, criteria, args.rounds)
    result = respond_module.respond(measurements, patients, criteria)
    print(f"{len(measurements):,} rows -> {len(result.timepoints):,} time points; overall "
          f"responses {result.timepoints['overall_response'].value_counts().to_dict()}")
    print(f"time points whose PR/PD call would differ with raw float comparisons "
          f"(DEC-22 rounding fixes them): {float_threshold_flips(result.timepoints)}")
    del result
    if not args.no_command:
        # at least 5 rounds: one slow round of either (a collection, the machine) moves
        # a median of 3
        rows += command_rows(raw, patients_raw, max(args.rounds, 5))
    del raw
    if not args.no_pyrecist:
        rows += against_pyrecist(measurements, patients, criteria, max(args.rounds, 5))
    del measurements
    sizes = [int(n) for n in args.scaling.split(",") if n.strip()]
    rows += scaling_rows(sizes, criteria, args.rounds)
    for row in rows:
        ratio = f"  {row.ratio_median:,.1f}x (min {row.ratio_min:,.1f}x)" \
            if row.ratio_median is not None else ""
        print(f"{row.case:<64} {row.value:>12,.2f} {row.unit}{ratio}")
    print(f"process peak RSS (getrusage): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    save_rows("respond_cohort", rows, results=args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
