"""``recist report``: self-contained HTML reports (one per patient and a cohort page)."""

from __future__ import annotations

import argparse

from recist.cli._arguments import (
    add_criteria_arguments,
    add_oligo_arguments,
    add_response_criteria_arguments,
    resolved_criteria,
)

__all__ = ["add_parser", "run"]

_DESCRIPTION = """\
Assess RECIST 1.1 responses of a measurements table and write one self-contained HTML
report per patient (patient_<id>.html) and a cohort page (cohort.html) into --out.

A patient page shows the visits, the lesions of each visit with LD/SA and status, the
baseline measurability and target-selection check, the time point responses with the rule
that decided each, best overall response (confirmed with --confirm), PD/PFS/response
dates, the lesion pictures of `recist measure --overlays DIR` (pass the same DIR), a
lesion-trajectory plot and a provenance block (version, criteria, inputs, series and SOP
Instance UIDs). The pages open offline in any browser: no script, no external URL.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``report`` sub-command."""
    p = subparsers.add_parser(
        "report", help="self-contained HTML reports per patient and for the cohort",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--measurements", required=True, metavar="CSV",
                   help="measurements table (CSV, docs/tables.md)")
    p.add_argument("--patients", metavar="CSV",
                   help="patients table: patient_id, start_date, optional death_date, "
                        "last_contact_date, new_therapy_date, arm")
    p.add_argument("--overlays", metavar="DIR",
                   help="lesion pictures written by `recist measure --overlays DIR`")
    add_criteria_arguments(p, protocol=True, confirm=True)
    add_oligo_arguments(p)
    add_response_criteria_arguments(p)
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``recist report``; returns the exit status."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=True)
    from pathlib import Path

    from recist.pipeline.report import run_report
    from recist.pipeline.response_criteria import parse_response_criteria

    criteria, protocol = resolved_criteria(args)
    if args.overlays and not Path(args.overlays).is_dir():
        raise NotADirectoryError(f"--overlays {args.overlays} is not a folder; give the "
                                 "folder passed to `recist measure --overlays`")
    inputs = {"measurements": args.measurements}
    for name in ("patients", "criteria", "overlays"):
        if getattr(args, name):
            inputs[name] = getattr(args, name)
    for name in ("lesions", "therapies"):
        if getattr(args, name):
            inputs[name] = getattr(args, name)
    if protocol is not None:
        if args.clinical:
            inputs["clinical"] = args.clinical
        inputs["protocol"] = args.protocol
    import time

    from recist.cli._terminal import detail, progress_bar, report_findings

    clock = time.perf_counter()
    with progress_bar(args, "recist report") as progress:
        files = run_report(args.measurements, args.out, patients=args.patients or None,
                           criteria=criteria, protocol=protocol,
                           clinical=(args.clinical or None) if protocol is not None
                           else None, overlays_dir=args.overlays, inputs=inputs,
                           lesions=args.lesions or None, therapies=args.therapies or None,
                           response_criteria=parse_response_criteria(args.response_criteria),
                           uncertainty=bool(args.uncertainty), progress=progress)
    report_findings(args, getattr(files.result, "findings", ()), prefix="recist report: ")
    for patient_id, path in files.patients.items():
        detail(args, f"{patient_id}: {path}")
    print(f"recist report: {len(files.patients)} patient page(s) and {files.cohort.name} "
          f"written to {args.out} in {time.perf_counter() - clock:.1f} s")
    return 0
