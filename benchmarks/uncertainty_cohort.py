"""Benchmark: the measurement uncertainty (``recist.uncertainty``) against ``respond``.

Issue 17 asks the uncertainty of every call to cost at most twice ``respond`` on 10⁶
rows. The cohort is ``respond_cohort.make_cohort`` (about 70 rows per patient; random
sizes put about a third of its time points within 5 SDs of a threshold, so it is a hard
case for the Monte Carlo: a trial cohort has fewer calls near a threshold); confirmation
of response on; 200 draws. Both are timed with the shared harness (warm-up, interleaved
rounds, per-round ratio), on the same normalised table and patients; the uncertainty
reads the table as ``respond`` read it (``RespondResult.indexed``), as
``recist.pipeline.response_criteria.extend_result`` does.

Usage::

    .venv/bin/python benchmarks/uncertainty_cohort.py [--patients 14300] [--rounds 3] [--cpu]

``--cpu`` times both by this process's CPU time instead of the wall clock (a shared,
loaded machine inflates the wall clock of each differently); ``--patients 1500 --rounds 1``
is a short run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row, compare, cpu_timed, save_rows  # noqa: E402
from respond_cohort import make_cohort  # noqa: E402

from recist.criteria import RECIST_1_1  # noqa: E402
from recist.response import respond  # noqa: E402
from recist.table import normalise_measurements  # noqa: E402
from recist.uncertainty import assess_uncertainty  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=14_300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu", action="store_true",
                        help="time by this process's CPU time, not the wall clock")
    args = parser.parse_args(argv)
    raw, patients = make_cohort(args.patients)
    measurements = normalise_measurements(raw)
    criteria = RECIST_1_1.replace(confirmation=True)
    result = respond(measurements, patients, criteria)
    near = assess_uncertainty(result.indexed, result.timepoints, result.patient_summary,
                              patients, criteria)
    simulated = float((near.timepoints["p_same"] < 1).mean())
    methods = {
        "respond": lambda: respond(measurements, patients, criteria),
        "uncertainty": lambda: assess_uncertainty(result.indexed, result.timepoints,
                                                  result.patient_summary, patients, criteria),
    }
    if args.cpu:
        methods = {name: cpu_timed(method) for name, method in methods.items()}
    timing = compare(methods, rounds=args.rounds, warmup=0)
    clock = "CPU time" if args.cpu else "wall time"
    low, median = timing.ratio("uncertainty", "respond")
    print(f"{len(measurements):,} rows, {len(result.timepoints):,} time points; respond "
          f"{timing.median('respond'):.2f} s, uncertainty {timing.median('uncertainty'):.2f} s"
          f" ({criteria.uncertainty_draws} draws, {clock}); ratio min {low:.2f}, median "
          f"{median:.2f} "
          f"(target <= 2); {simulated:.0%} of the time points not certain")
    save_rows("uncertainty_cohort", [Row(
        benchmark="uncertainty_cohort",
        case=f"{len(measurements):,} rows, 200 draws" + (", CPU time" if args.cpu else ""),
        value=timing.median("uncertainty"), unit="s", reference="respond",
        reference_value=timing.median("respond"), ratio_min=low, ratio_median=median,
        target="<= 2x respond", met=median <= 2.0, rounds=args.rounds,
        load_average=timing.load_after)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
