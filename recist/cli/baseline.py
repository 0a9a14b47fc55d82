"""``recist baseline``: measurability, target selection and protocol eligibility.

Writes ``lesions.csv``, ``patients.csv``, ``findings.csv`` and ``provenance.json`` into
``--out`` (plus ``eligibility.csv`` with ``--protocol``) and prints a verdict per patient.
An ineligible patient is a result (exit 0); unreadable or contradictory input exits 2
with one line. The work is ``recist.pipeline.baseline``; this module parses and prints.
"""

from __future__ import annotations

import argparse

from recist.cli._arguments import (
    add_criteria_arguments,
    add_oligo_arguments,
    resolved_criteria,
)

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``baseline`` sub-command."""
    p = subparsers.add_parser(
        "baseline",
        help="measurability per lesion, target-selection check and protocol eligibility",
        description=(
            "Judge each patient's baseline (earliest time point): measurability of every "
            "lesion with its reason (RECIST 1.1 MEAS-1..13), the target selection "
            "(at most 5 targets, 2 per organ; all lymph nodes one organ, paired organs one "
            "organ), measurable disease; with --protocol, each eligibility criterion met / "
            "not met / unknown and the verdict. Writes lesions.csv, patients.csv, "
            "findings.csv, provenance.json (and eligibility.csv) into --out. Tables: "
            "docs/tables.md; rules: docs/rules.md."),
    )
    p.add_argument("measurements", help="measurements table (CSV, docs/tables.md)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_criteria_arguments(p, protocol=True)
    add_oligo_arguments(p)
    p.add_argument("--scans", metavar="CSV",
                   help="scan history (patient_id, date, result ned/disease, organ): dates "
                        "the protocol's NED criterion when the clinical table lacks them "
                        "(needs --protocol; DEC-28)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``recist baseline``; returns the exit status."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=True)
    from recist.findings import Severity
    from recist.pipeline.baseline import run_baseline, write_baseline_outputs

    criteria, protocol = resolved_criteria(args)
    result = run_baseline(args.measurements, criteria=criteria, protocol=protocol,
                          clinical=args.clinical or None, lesions=args.lesions or None,
                          therapies=args.therapies or None, scans=args.scans or None)
    write_baseline_outputs(result, args.out, inputs={"protocol": args.protocol})

    from pathlib import Path

    from recist.cli._terminal import report_findings

    # -v: the input checks' findings each on stderr, the baseline's as each patient's
    # "problem" lines below; otherwise one line counting them all.
    report_findings(args, result.input_findings if getattr(args, "verbose", False)
                    else result.findings, str(Path(args.out) / "findings.csv"))
    problems: dict[str, list[str]] = {}
    for finding in result.baseline_findings:
        if finding.severity != Severity.INFO and finding.patient_id is not None:
            problems.setdefault(finding.patient_id, []).append(
                finding.message.split(": ", 1)[-1])
    if getattr(args, "verbose", False):
        _print_patients(result.patients, problems, result.eligibility)
    summary = f"{len(result.patients)} patient(s), {len(result.lesions)} baseline lesion(s)"
    if result.eligibility is not None:
        # The clinical table may name patients without measurements: say whose verdicts
        # these are, so the counts add up to a number shown.
        screened = result.eligibility.drop_duplicates("patient_id")
        verdicts = screened["verdict"].value_counts()
        summary += (f"; eligibility of {len(screened)} patient(s): "
                    + ", ".join(f"{n} {v}" for v, n in verdicts.items()))
    print(f"recist baseline: {summary}; written to {args.out}")
    return 0


def _yes_no(value) -> str:
    import pandas as pd

    if value is None or pd.isna(value):
        return "cannot be checked"
    return "yes" if bool(value) else "no"


def _date(value) -> str:
    import pandas as pd

    return "-" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _print_patients(patients, problems: dict[str, list[str]], screening) -> None:
    by_patient = {}
    if screening is not None:
        by_patient = {p: g for p, g in screening.groupby("patient_id", sort=False)}
    shown = set()
    for record in patients.itertuples(index=False):
        shown.add(record.patient_id)
        print(f"{record.patient_id} (baseline {_date(record.baseline_date)}): measurable "
              f"disease {_yes_no(record.measurable_disease)}; {record.n_targets} target(s), "
              f"{record.n_non_targets} non-target(s); selection valid "
              f"{_yes_no(record.selection_valid)}")
        for problem in problems.get(record.patient_id, []):
            print(f"  problem: {problem}")
        _print_screening(by_patient.get(record.patient_id))
    for patient_id, group in by_patient.items():
        if patient_id not in shown:  # in the clinical table only: one line, not the list
            print(f"{patient_id}: no baseline imaging rows; eligibility "
                  f"{group['verdict'].iloc[0].upper()} (see eligibility.csv)")


def _print_screening(group) -> None:
    if group is None:
        return
    print(f"  eligibility: {group['verdict'].iloc[0].upper()}")
    for row in group.itertuples(index=False):
        print(f"    [{row.result}] {row.criterion_id} {row.criterion}: {row.reason}")
