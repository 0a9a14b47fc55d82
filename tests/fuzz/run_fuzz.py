"""Run the fuzzer from the command line: ``python tests/fuzz/run_fuzz.py --cases N``.

``make fuzz`` runs 10,000 cases. Case seeds are ``seed * 1_000_000 + k`` for
``first <= k < first + N``, so a run is the same on every machine (and can be split over
processes with ``--first``); a failing case is replayed by its seed
(``--replay SEED``) and kept as a regression case by adding the seed to
``tests/fuzz/regressions.txt``. Exits 1 when a case failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE.parent)]

from fuzz.fuzzer import run  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0,
                        help="index of the first case (to split a run: --first 5000)")
    parser.add_argument("--replay", type=int, nargs="*", metavar="SEED",
                        help="run these case seeds only")
    parser.add_argument("--timeout", type=float, default=20.0,
                        help="seconds after which a command counts as hung")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the inputs of failing cases under DIR")
    parser.add_argument("--seeds-out", metavar="FILE",
                        help="append one failing seed per distinct failure to FILE (the "
                             "format of regressions.txt)")
    args = parser.parse_args(argv)
    start = args.seed * 1_000_000 + args.first
    seeds = args.replay or range(start, start + args.cases)

    shown = 0

    def progress(n: int, report) -> None:
        nonlocal shown
        for failure in report.failures[shown:]:  # each failure as soon as it is found
            print(f"  seed {failure.seed} [{failure.family}] {failure.reason}: "
                  f"{failure.description[:90]}", file=sys.stderr, flush=True)
        shown = len(report.failures)
        if (n + 1) % 500 == 0:
            print(f"  {n + 1} cases, {len(report.failures)} failure(s)", file=sys.stderr,
                  flush=True)

    with tempfile.TemporaryDirectory(prefix="recist-fuzz-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        report = run(seeds, work, timeout=args.timeout, keep_failing=bool(args.keep),
                     progress=progress)
    print(report.summary())
    if args.seeds_out and report.failures:
        seen: set[str] = set()
        with open(args.seeds_out, "a", encoding="utf-8") as handle:
            for failure in report.failures:
                if failure.signature() not in seen:
                    seen.add(failure.signature())
                    handle.write(f"{failure.seed}  # [{failure.family}] {failure.reason}: "
                                 f"{failure.description[:90]}\n")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
