"""``recist demo``: the main job end to end on ``sample_data/`` (``recist.pipeline.demo``)."""

from __future__ import annotations

import argparse
import sys

from recist.cli._arguments import positive_workers

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``demo`` sub-command."""
    p = subparsers.add_parser(
        "demo", help="run scan -> measure -> baseline -> respond -> report on sample_data/",
        description=(
            "Run the main job end to end on the sample data: scan the DICOM series, measure "
            "every visit from the drawn lines and from the masks (in parallel), check the "
            "baseline (measurability, target selection, protocol eligibility), assess "
            "RECIST 1.1 responses with the sample patients table, and write one HTML report "
            "per patient plus cohort.html. Prints per patient: BOR, PD date and where the "
            "report is. Writes only under --out. Needs the follow-up series: "
            "`.venv/bin/python sample_data/make_sample_data.py --if-missing`."))
    p.add_argument("--out", default="out", metavar="DIR",
                   help="output folder (default: out)")
    p.add_argument("--data", metavar="DIR",
                   help="sample data folder (default: sample_data/ of the source tree)")
    p.add_argument("--workers", type=positive_workers, metavar="N",
                   help="processes for measuring (default: all cores)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``recist demo``; returns the exit status."""
    from recist.cli._terminal import shows_progress
    from recist.pipeline.demo import format_demo_summary, run_demo

    result = run_demo(args.out, data_dir=args.data, workers=args.workers,
                      log=None if args.quiet else
                      (lambda line: print(f"recist demo: {line}", file=sys.stderr)),
                      progress=shows_progress(args))
    print(format_demo_summary(result))
    return 0
