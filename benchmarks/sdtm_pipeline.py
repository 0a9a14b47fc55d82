"""Benchmark: SDTM TR of ~1.5 million records → measurements → responses → ADaM.

Generates a deterministic synthetic SDTM TU/TR (20,000 patients × 10 visits by default;
``numpy.random.default_rng(seed)``; vectorised, no loop per record), then:

* ``--stages`` (default): times each stage in one process — ``recist.cdisc.read_sdtm``
  (TR → measurements table, normalised), ``recist.response.respond`` and the ADaM tables
  (``recist.cdisc.adam``). Target: < 60 s in total.
* ``--read``: the TR → measurements step as a user meets it — TU/TR/DM written to CSV,
  then ``read_sdtm`` on the files in a fresh process, wall-clock seconds and peak
  resident memory (``ru_maxrss``) of that process; with ``--against REV`` the same run on
  the ``recist`` of git revision REV (extracted with ``git archive``) alternates with this
  one (``--repeat`` times each, interleaved so that a busy machine slows both alike).
  Target: ≤ 5 s and ≤ 1 GB.

Run ``python benchmarks/sdtm_pipeline.py [--patients N] [--read [--against REV]]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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


class _Stage:
    """Wall-clock and CPU seconds of one stage (CPU shows the work when the machine is
    shared; wall clock is what a user waits)."""

    def __init__(self, times: dict[str, tuple[float, float]], name: str) -> None:
        self.times, self.name = times, name

    def __enter__(self) -> Self:
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


_CHILD = """
import json, resource, sys, time
from recist.cdisc import read_sdtm
folder = sys.argv[1]
start = time.perf_counter()
result = read_sdtm(folder + "/tu.csv", folder + "/tr.csv", folder + "/dm.csv")
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")]
peak_mb = (int(peak[0].split()[1]) / 1024 if peak
           else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps({"seconds": seconds, "rows": len(result.measurements), "peak_mb": peak_mb}))
"""


def _one_read(folder: Path, code_root: Path) -> dict[str, float]:
    """read_sdtm on the CSV files in a fresh process importing ``recist`` from code_root."""
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(folder)], env=env,
                          capture_output=True, text=True, check=False, cwd=code_root)
    if done.returncode != 0:
        raise RuntimeError(f"read_sdtm failed with {code_root}: {done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _revision(revision: str, into: Path) -> Path:
    """The ``recist`` package of git revision ``revision``, extracted under ``into``."""
    root = Path(__file__).resolve().parents[1]
    archive = into / "recist.tar"
    with open(archive, "wb") as handle:
        subprocess.run(["git", "-C", str(root), "archive", revision, "recist"],
                       stdout=handle, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "code", filter="data")
    return into / "code"


def run_read(n_patients: int, n_visits: int, against: str | None, repeat: int) -> int:
    """The ``--read`` benchmark (see the module docstring); prints medians."""
    with tempfile.TemporaryDirectory(prefix="recist-sdtm-bench-") as tmp:
        folder = Path(tmp)
        tu, tr, dm = make_sdtm(n_patients, n_visits)
        for name, table in (("tu", tu), ("tr", tr), ("dm", dm)):
            table.to_csv(folder / f"{name}.csv", index=False)
        print(f"TR: {len(tr):,} records ({(folder / 'tr.csv').stat().st_size / 2**20:.0f} "
              f"MiB CSV)", flush=True)
        del tu, tr, dm
        roots = {"this tree": Path(__file__).resolve().parents[1]}
        if against:
            roots[f"revision {against}"] = _revision(against, folder)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in roots}
        for _ in range(repeat):
            for name, root in roots.items():  # interleaved
                runs[name].append(_one_read(folder, root))
                print(f"  {name:<24} {runs[name][-1]['seconds']:6.2f} s  "
                      f"{runs[name][-1]['peak_mb']:7.0f} MB peak", flush=True)
        print(f"{'TR -> measurements':<24} {'median s':>9} {'peak MB':>9} {'rows':>10}")
        for name, results in runs.items():
            print(f"{name:<24} {statistics.median(r['seconds'] for r in results):9.2f} "
                  f"{max(r['peak_mb'] for r in results):9.0f} "
                  f"{int(results[0]['rows']):>10,}")
        print("(target: <= 5 s and <= 1 GB)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--read", action="store_true",
                        help="time TR -> measurements from CSV files in a fresh process")
    parser.add_argument("--against", metavar="REV",
                        help="with --read: also run the recist of git revision REV")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (--read)")
    args = parser.parse_args(argv)
    if args.read:
        return run_read(args.patients, args.visits, args.against, args.repeat)
    times = run(args.patients, args.visits)
    print(f"{'stage':<24} {'wall s':>8} {'CPU s':>8}")
    for stage, (wall, cpu) in times.items():
        print(f"{stage:<24} {wall:8.2f} {cpu:8.2f}")
    pipeline = [v for k, v in times.items() if not k.startswith("generate")]
    wall, cpu = sum(v[0] for v in pipeline), sum(v[1] for v in pipeline)
    print(f"{'pipeline total':<24} {wall:8.2f} {cpu:8.2f}   (target < 60 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
