"""Benchmark: SDTM TR of ~1.5 million records → measurements → responses → ADaM.

Generates a deterministic synthetic SDTM TU/TR/DM (20,000 patients × 10 visits by
default; ``numpy.random.default_rng(seed)``; vectorised), writes it as CSV (and TR as
XPT v5), then times, with the shared harness (``benchmarks/harness.py``: warm-up,
interleaved rotating rounds, medians of per-round ratios, machine and load stamped):

* **TR → measurements**: ``recist.cdisc.read_sdtm`` on the CSV files, as ``recist
  sdtm-in`` meets them (target ≤ 5 s, and ≤ 1 GB peak memory, measured alone in a fresh
  process: ``VmHWM``);
* **pipeline**: CSV files → ``read_sdtm`` → ``respond_by_evaluator`` → ADSL/ADRS/ADTTE
  (``recist.cdisc.adam.adam_tables``) (target ≤ 10 s);
* **TR from XPT**: ``recist.cdisc.xpt.read_cdisc_table`` on the TR XPT v5 file, against the
  same table from CSV (no target; the figure a sponsor's XPT costs).

Each method runs in a persistent worker process (``harness.Worker``) importing
``recist`` from this tree or, as the comparison, from git revision ``--against``
(default ``a0d3ee9``: the SDTM reader and ADaM writer before they were made faster;
extracted with ``git archive``; skipped with ``--against none``). Both see the same
files, in alternating order.

Run ``python benchmarks/sdtm_pipeline.py [--patients N] [--rounds R] [--against REV]``;
``--stages`` prints the time of each stage once, in this process.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row, Worker, compare, save_rows

REFERENCE = "a0d3ee9"
"""The revision compared with: the SDTM reader and ADaM writer as they were before."""

VISIT_INTERVAL_DAYS = 56


def make_sdtm(n_patients: int = 20_000, n_visits: int = 10,
              seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Synthetic TU, TR and DM; every patient has 2 lung targets, 1 nodal target (LDIAM
    and LPERP), half a 4th target, 3 non-targets (TUMSTATE), ≈ 7.5 TR records a visit."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"BM-{i:06d}" for i in range(n_patients)])
    start = pd.Timestamp("2021-01-04") + pd.to_timedelta(rng.integers(0, 700, n_patients),
                                                         unit="D")
    # lesion layout per patient: (link id, test, nodal, kind)
    lesions = [("T01", "LDIAM", "LUNG", "TARGET"), ("T02", "LDIAM", "LIVER", "TARGET"),
               ("T03", "LDIAM", "MEDIASTINAL LYMPH NODE", "TARGET"),
               ("T03", "LPERP", "MEDIASTINAL LYMPH NODE", "TARGET"),
               ("T04", "LDIAM", "LUNG", "TARGET"),
               ("NT01", "TUMSTATE", "BONE", "NON-TARGET"),
               ("NT02", "TUMSTATE", "PLEURA", "NON-TARGET"),
               ("NT03", "TUMSTATE", "LIVER", "NON-TARGET")]
    has_t04 = rng.random(n_patients) < 0.5
    baseline_mm = rng.uniform(12, 40, (n_patients, len(lesions)))
    baseline_mm[:, 3] = rng.uniform(15, 30, n_patients)  # node short axis
    baseline_mm[:, 2] = baseline_mm[:, 3] * 1.4
    slope = rng.normal(0.0, 0.12, n_patients)  # relative change per visit
    same_lesion = np.array([0, 1, 2, 2, 3, 4, 5, 6])  # LDIAM and LPERP of T03 move together
    noise = rng.normal(0, 0.03, (n_patients, n_visits, same_lesion.max() + 1))

    p, v, le = np.meshgrid(np.arange(n_patients), np.arange(n_visits),
                           np.arange(len(lesions)), indexing="ij")
    p, v, le = p.ravel(), v.ravel(), le.ravel()
    keep = (le != 4) | has_t04[p]
    p, v, le = p[keep], v[keep], le[keep]
    factor = np.clip(1 + slope[p] * v + noise[p, v, same_lesion[le]], 0, None)
    value = np.where(factor < 0.05, 0.0, np.round(baseline_mm[p, le] * factor, 1))
    link = np.array([x[0] for x in lesions])[le]
    test = np.array([x[1] for x in lesions])[le]
    kind = np.array([x[3] for x in lesions])[le]
    is_state = test == "TUMSTATE"
    state = np.where(factor > 1.6, "UNEQUIVOCAL PROGRESSION",
                     np.where(factor < 0.3, "ABSENT", "PRESENT"))
    jitter = rng.integers(-5, 6, len(p))
    dates = start[p] + pd.to_timedelta(v * VISIT_INTERVAL_DAYS + np.where(v > 0, jitter, 0),
                                       unit="D")
    orres = np.where(is_state, state, value.astype(str))
    tr = pd.DataFrame({
        "STUDYID": "BENCH", "DOMAIN": "TR", "USUBJID": ids[p],
        "TRSEQ": np.arange(len(p)), "TRGRPID": kind, "TRLNKID": link, "TRTESTCD": test,
        "TRORRES": orres, "TRSTRESC": orres,
        "TRSTRESN": np.where(is_state, np.nan, value), "VISITNUM": v + 1,
        "VISIT": np.where(v == 0, "BASELINE", "WEEK " + (8 * v).astype(str)),
        "TRDTC": dates.strftime("%Y-%m-%d"),
    })
    first = tr.drop_duplicates(["USUBJID", "TRLNKID"])
    location = {x[0]: x[2] for x in lesions}
    tu = pd.DataFrame({
        "STUDYID": "BENCH", "DOMAIN": "TU", "USUBJID": first["USUBJID"],
        "TULNKID": first["TRLNKID"], "TUTESTCD": "TUMIDENT", "TUORRES": first["TRGRPID"],
        "TUSTRESC": first["TRGRPID"], "TULOC": first["TRLNKID"].map(location),
        "VISITNUM": 1, "VISIT": "BASELINE", "TUDTC": first["TRDTC"],
    })
    dm = pd.DataFrame({"STUDYID": "BENCH", "DOMAIN": "DM", "USUBJID": ids,
                       "RFSTDTC": start.strftime("%Y-%m-%d"),
                       "ARM": np.where(np.arange(n_patients) % 2, "A", "B")})
    return tu, tr, dm


def write_files(folder: Path, n_patients: int, n_visits: int, xpt: bool = True) -> int:
    """TU, TR, DM as CSV (and TR as XPT v5) in ``folder``; returns the TR record count."""
    from recist.cdisc.xpt import write_cdisc_table

    tu, tr, dm = make_sdtm(n_patients, n_visits)
    for name, table in (("tu", tu), ("tr", tr), ("dm", dm)):
        table.to_csv(folder / f"{name}.csv", index=False)
    if xpt:
        write_cdisc_table(tr, folder / "tr.xpt", "TR", created="01JAN26:00:00:00")
    return len(tr)


_SETUP = """
import sys
sys.path.insert(0, {root!r})
folder = {folder!r}
from recist.cdisc import read_sdtm

def read():
    return len(read_sdtm(folder + "/tu.csv", folder + "/tr.csv", folder + "/dm.csv").measurements)

def pipeline():
    from recist.cdisc.adam import adam_tables
    from recist.pipeline.sdtm import respond_by_evaluator
    sdtm = read_sdtm(folder + "/tu.csv", folder + "/tr.csv", folder + "/dm.csv")
    result = respond_by_evaluator(sdtm.measurements, sdtm.patients)
    tables = adam_tables(result.timepoints, result.patient_summary, sdtm.patients)
    return len(tables["ADRS"])

def read_xpt():
    from recist.cdisc.xpt import read_cdisc_table
    return len(read_cdisc_table(folder + "/tr.xpt", "TR"))

def read_csv():
    from recist.cdisc.xpt import read_cdisc_table
    return len(read_cdisc_table(folder + "/tr.csv", "TR"))
"""

_PEAK = """
import sys
sys.path.insert(0, sys.argv[2])
from recist.cdisc import read_sdtm
folder = sys.argv[1]
read_sdtm(folder + "/tu.csv", folder + "/tr.csv", folder + "/dm.csv")
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
print([line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")][0])
"""


def peak_mb(folder: Path, root: Path) -> float:
    """Peak resident memory (MB) of ``read_sdtm`` on the files, alone in a fresh process."""
    done = subprocess.run([sys.executable, "-c", _PEAK, str(folder), str(root)],
                          capture_output=True, text=True, check=True, cwd=root)
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def _revision(revision: str, into: Path) -> Path:
    """The ``recist`` package of git revision ``revision``, extracted under ``into``."""
    archive = into / "recist.tar"
    with open(archive, "wb") as handle:
        subprocess.run(["git", "-C", str(ROOT), "archive", revision, "recist"],
                       stdout=handle, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "code", filter="data")
    return into / "code"


def run_harness(n_patients: int, n_visits: int, rounds: int, against: str | None,
                save: bool = True) -> list[Row]:
    """The benchmark (module docstring): rows printed and saved for ``make bench``."""
    with tempfile.TemporaryDirectory(prefix="recist-sdtm-bench-") as tmp:
        folder = Path(tmp)
        records = write_files(folder, n_patients, n_visits)
        print(f"TR: {records:,} records ({(folder / 'tr.csv').stat().st_size / 2**20:.0f} "
              f"MiB CSV, {(folder / 'tr.xpt').stat().st_size / 2**20:.0f} MiB XPT)",
              flush=True)
        roots = {"ours": ROOT}
        if against:
            roots["reference"] = _revision(against, folder)
        workers = {name: Worker(sys.executable, _SETUP.format(root=str(root),
                                                              folder=str(folder)))
                   for name, root in roots.items()}
        try:
            def methods(function: str) -> dict:
                return {name: worker.method(function) for name, worker in workers.items()}

            read = compare(methods("read"), rounds=rounds)
            pipeline = compare(methods("pipeline"), rounds=rounds)
            xpt = compare({"xpt": workers["ours"].method("read_xpt"),
                           "csv": workers["ours"].method("read_csv")}, rounds=rounds)
        finally:
            for worker in workers.values():
                worker.close()
        peaks = {name: peak_mb(folder, root) for name, root in roots.items()}
    note = f"{n_patients:,} patients x {n_visits} visits, {records:,} TR records"
    rows = []
    for case, result, target, limit in (
            ("TR -> measurements (CSV)", read, "<= 5 s", 5.0),
            ("SDTM -> responses -> ADaM (CSV)", pipeline, "<= 10 s", 10.0)):
        row = Row(benchmark="sdtm_pipeline", case=case, value=result.median("ours"),
                  unit="s", target=target, met=result.median("ours") <= limit, note=note,
                  rounds=rounds, load_average=result.load_after)
        if against:
            low, median = result.ratio("reference", "ours")
            row.reference = f"revision {against}"
            row.reference_value = result.median("reference")
            row.ratio_min, row.ratio_median = low, median
        rows.append(row)
    rows.append(Row(benchmark="sdtm_pipeline", case="TR -> measurements peak memory",
                    value=peaks["ours"], unit="MB", target="<= 1 GB",
                    met=peaks["ours"] <= 1024, note=note + "; VmHWM of a fresh process",
                    reference=f"revision {against}" if against else "",
                    reference_value=peaks.get("reference")))
    low, median = xpt.ratio("xpt", "csv")
    rows.append(Row(benchmark="sdtm_pipeline", case="TR read from XPT v5 (vs CSV)",
                    value=xpt.median("xpt"), unit="s", reference="the same TR from CSV",
                    reference_value=xpt.median("csv"), ratio_min=1 / median,
                    ratio_median=1 / low, note=note, rounds=rounds,
                    load_average=xpt.load_after))
    print(f"{'case':<34} {'ours':>8} {'reference':>10} {'ratio':>7}  target")
    for row in rows:
        reference = f"{row.reference_value:10.2f}" if row.reference_value else " " * 10
        ratio = f"{row.ratio_median:6.2f}x" if row.ratio_median else " " * 7
        print(f"{row.case:<34} {row.value:8.2f} {reference} {ratio}  {row.target} "
              f"({row.unit})")
    print(f"load average before/after: {read.load_before} / {xpt.load_after}")
    if save:
        save_rows("sdtm_pipeline", rows)
    return rows


class _Stage:
    """Wall-clock and CPU seconds of one stage (CPU shows the work when the machine is
    shared; wall clock is what a user waits)."""

    def __init__(self, times: dict[str, tuple[float, float]], name: str) -> None:
        self.times, self.name = times, name

    def __enter__(self) -> _Stage:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.times[self.name] = (time.perf_counter() - self.wall,
                                 time.process_time() - self.cpu)


def run(n_patients: int, n_visits: int) -> dict[str, tuple[float, float]]:
    """Run every stage once; return (wall, CPU) seconds per stage."""
    from recist.cdisc import read_sdtm
    from recist.cdisc.adam import adrs_from_responses, adtte_from_responses
    from recist.response import respond

    times: dict[str, tuple[float, float]] = {}
    with _Stage(times, "generate SDTM (setup)"):
        tu, tr, dm = make_sdtm(n_patients, n_visits)
    print(f"TR: {len(tr):,} records, TU: {len(tu):,}, DM: {len(dm):,}", flush=True)
    with _Stage(times, "TR -> measurements"):
        sdtm = read_sdtm(tu, tr, dm)
    print(f"measurements: {len(sdtm.measurements):,} rows", flush=True)
    with _Stage(times, "responses"):
        result = respond(sdtm.measurements, sdtm.patients)
    print(f"responses: {len(result.timepoints):,} time points, "
          f"{len(result.patient_summary):,} patients", flush=True)
    with _Stage(times, "ADaM"):
        adrs = adrs_from_responses(result.timepoints, result.patient_summary, sdtm.patients)
        adtte = adtte_from_responses(result.patient_summary, sdtm.patients)
    print(f"ADaM: ADRS {len(adrs):,} rows, ADTTE {len(adtte):,} rows", flush=True)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds after one warm-up (default 3)")
    parser.add_argument("--against", default=REFERENCE, metavar="REV",
                        help=f"git revision to compare with (default {REFERENCE}; 'none')")
    parser.add_argument("--no-save", action="store_true",
                        help="print only (do not save the figures for make bench)")
    parser.add_argument("--stages", action="store_true",
                        help="time each stage once in this process instead")
    args = parser.parse_args(argv)
    if args.stages:
        times = run(args.patients, args.visits)
        print(f"{'stage':<24} {'wall s':>8} {'CPU s':>8}")
        for stage, (wall, cpu) in times.items():
            print(f"{stage:<24} {wall:8.2f} {cpu:8.2f}")
        return 0
    against = None if args.against.lower() == "none" else args.against
    run_harness(args.patients, args.visits, args.rounds, against, save=not args.no_save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
