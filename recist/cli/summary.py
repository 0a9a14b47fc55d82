"""``recist summary``: cohort statistics (ORR, DCR, BOR, PFS, DoR) from measurements."""

from __future__ import annotations

import argparse

from recist.cli._arguments import (
    add_criteria_arguments,
    add_oligo_arguments,
    add_response_criteria_arguments,
    resolved_criteria,
)

__all__ = ["add_parser", "run"]

SUMMARY_FILES = ("response_rates.csv", "bor_distribution.csv", "pfs.csv", "dor.csv")
#: Written too with --lesions / --therapies (recist.oligo.cohort, recist.oligo.incidence).
OLIGO_SUMMARY_FILES = ("oligo_endpoints.csv", "local_control.csv", "recurrence_patterns.csv")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``summary`` sub-command."""
    p = subparsers.add_parser(
        "summary", help="cohort statistics: ORR/DCR with exact CIs, BOR, PFS and DoR",
        description=(
            "Assess responses (as recist respond does), then summarise the cohort by arm: "
            "BOR distribution, ORR and DCR with exact Clopper-Pearson 95% CIs, "
            "Kaplan-Meier median PFS and DoR with 95% CIs and 6/12-month rates. Writes "
            + ", ".join(SUMMARY_FILES) + " and prints a readable table."))
    p.add_argument("measurements", help="measurements table (CSV)")
    p.add_argument("--patients", required=True, metavar="CSV",
                   help="patients table (start_date; arm splits the summary)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_criteria_arguments(p, confirm=True, confirm_help=(
        "require confirmation of CR/PR; rates then use the confirmed BOR"))
    add_oligo_arguments(p)
    add_response_criteria_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``recist summary``; returns the exit status."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=True)
    from pathlib import Path

    from recist.outputs import write_csv_atomic
    from recist.patients import read_patients
    from recist.response import respond, warnings_of
    from recist.table import read_measurements

    criteria = resolved_criteria(args).criteria
    measurements = read_measurements(args.measurements)
    patients = read_patients(args.patients)
    oligo = None
    if args.lesions or args.therapies:
        from recist.pipeline.oligo import respond_oligo

        result, oligo = respond_oligo(measurements, patients, criteria, lesions=args.lesions,
                                      therapies=args.therapies)
    else:
        result = respond(measurements, patients, criteria)
    from recist.cli._terminal import report_findings
    from recist.stats import cohort_summary, format_cohort_summary  # scipy: after the inputs

    report_findings(args, warnings_of(result))
    summary = cohort_summary(result.patient_summary, patients,
                             use_confirmed=criteria.confirmation, criteria=criteria)
    tables = dict(zip(SUMMARY_FILES, (summary.response_rates, summary.bor_distribution,
                                      summary.pfs, summary.dor)))
    text = format_cohort_summary(summary)
    if oligo is not None:
        from recist.oligo.cohort import endpoint_summary, format_endpoint_summary, pattern_counts

        endpoints, patterns = endpoint_summary(oligo.patients), pattern_counts(oligo.patients)
        tables.update(zip(OLIGO_SUMMARY_FILES, (endpoints, oligo.local_control, patterns)))
        text += "\n" + format_endpoint_summary(endpoints, oligo.local_control, patterns,
                                               int(oligo.patients["n_repeat_local"].sum()))
    from recist.pipeline.response_criteria import parse_response_criteria

    names = parse_response_criteria(args.response_criteria)
    if len(names) > 1 or args.uncertainty:
        from recist.criteria_agreement import criteria_rates
        from recist.pipeline.response_criteria import extend_result

        extended = extend_result(result, measurements, patients, criteria_names=names,
                                 uncertainty=bool(args.uncertainty))
        for name in ("uncertainty_cohort.csv", "criteria_kappa.csv"):
            if name in extended.tables:
                tables[name] = extended.tables[name]
        rates = criteria_rates(extended.result.patient_summary, names, criteria.confirmation)
        tables["criteria_rates.csv"] = rates
        text += "\nORR / DCR by criterion:\n" + "\n".join(
            f"  {r.criterion:<11} ORR {r.orr:.1%} ({r.orr_ci_low:.1%}-{r.orr_ci_high:.1%})  "
            f"DCR {r.dcr:.1%} ({r.dcr_ci_low:.1%}-{r.dcr_ci_high:.1%})"
            for r in rates.itertuples())
        if "uncertainty_cohort.csv" in extended.tables:
            cohort = extended.tables["uncertainty_cohort.csv"].set_index("measure")
            text += (f"\nfragile BOR calls: {int(cohort.loc['fragile BOR', 'count'])} of "
                     f"{int(cohort.loc['fragile BOR', 'n'])}; ORR with measurement error "
                     f"{cohort.loc['ORR', 'error_low_pct']:.1f}%-"
                     f"{cohort.loc['ORR', 'error_high_pct']:.1f}%"
                     f" (with sampling {cohort.loc['ORR', 'ci_low_pct']:.1f}%-"
                     f"{cohort.loc['ORR', 'ci_high_pct']:.1f}%)")
    out = Path(args.out)
    for name, table in tables.items():
        write_csv_atomic(table, out / name)
    print(text)
    print(f"recist summary: {', '.join(tables)} written to {out}")
    return 0
