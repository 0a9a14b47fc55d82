"""``recist bicr``: blinded independent central review with two readers and an adjudicator.

Reads SDTM TU/TR (and DM) with every reader, assesses each reader on their own, finds the
patients whose readings differ on the charter's triggers, takes the adjudicator's choice,
and writes the per-reader, discordance, final, agreement and site-versus-central tables
(``recist.pipeline.bicr``).
"""

from __future__ import annotations

import argparse

from recist.cli._arguments import add_criteria_arguments, resolved_criteria

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """Register ``bicr``."""
    p = subparsers.add_parser(
        "bicr", help="BICR: two central readers + adjudicator, agreement, site vs central",
        description=(
            "Assess each reader of SDTM TU/TR separately (RECIST 1.1), list the patients "
            "whose two central readers disagree on the adjudication triggers (BOR; PD date "
            "beyond a window), take the adjudicator's choice (TRACPTFL = Y on one reader's "
            "records, or --adjudication), and report reader agreement (percent, Cohen's "
            "kappa), PD-date discordance and the early / late discrepancy rates (EDR / LDR, "
            "Amit et al. 2011) of the site against the central result. Writes "
            "timepoints.csv, reader_summary.csv, discordance.csv, final.csv, "
            "agreement.csv, site_vs_central.csv and findings.csv."))
    p.add_argument("tu", help="TU dataset (.csv or .xpt)")
    p.add_argument("tr", help="TR dataset (.csv or .xpt) with TREVAL/TREVALID")
    p.add_argument("--dm", metavar="FILE", help="DM dataset (start and death dates, arm)")
    p.add_argument("--readers", nargs=2, metavar=("READER1", "READER2"),
                   help="the two central readers (TREVALID or TREVAL values); default: the "
                        "two evaluators other than the site")
    p.add_argument("--site", default="INVESTIGATOR", metavar="NAME",
                   help="the site reader compared with the central result (default "
                        "INVESTIGATOR); 'none' to skip")
    p.add_argument("--adjudication", metavar="CSV",
                   help="the adjudicator's choice: patient_id,chosen_reader (default: the "
                        "reader whose TR records carry TRACPTFL = Y)")
    p.add_argument("--triggers", default="bor,pd-date", metavar="LIST",
                   help="what sends a patient to adjudication, comma-separated: bor, "
                        "pd-date (default both)")
    p.add_argument("--pd-window-days", type=int, default=0, metavar="N",
                   help="PD dates more than N days apart trigger adjudication (by "
                        "protocol; default 0: any difference)")
    p.add_argument("--impute-dates", choices=("first", "mid", "last"), default="first",
                   help="day of a YYYY-MM date (admiral's date_imputation)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--report", metavar="DIR",
                   help="also write the HTML report of the central result (each patient's "
                        "adjudicated reader, else reader 1) with a section 'Central review "
                        "(BICR)': agreement, adjudicated patients, site vs central")
    add_criteria_arguments(p, confirm=True, confirm_help=(
        "require confirmation of CR/PR: readers are compared on the confirmed BOR"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``recist bicr``; returns the exit status."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=True)
    if args.report:
        check_output_path(args.report, folder=True)
    from recist.cdisc import read_sdtm
    from recist.pipeline.bicr import (
        accepted_readers,
        assess_bicr,
        describe_agreement,
        findings_worth_printing,
        write_bicr,
    )

    criteria = resolved_criteria(args).criteria
    triggers = tuple(t.strip() for t in args.triggers.split(",") if t.strip())
    site = None if args.site.strip().lower() == "none" else args.site.strip().upper()
    sdtm = read_sdtm(args.tu, args.tr, args.dm, date_imputation=args.impute_dates)
    readers = tuple(r.strip().upper() for r in args.readers) if args.readers else None
    if args.adjudication:
        from recist.table import read_csv_table

        adjudication = read_csv_table(args.adjudication, "adjudication table")
        missing = {"patient_id", "chosen_reader"} - set(adjudication.columns)
        if missing:
            raise ValueError(f"{args.adjudication}: missing column(s) "
                             f"{', '.join(sorted(missing))}; the adjudication table has "
                             "patient_id,chosen_reader")
        adjudication["chosen_reader"] = adjudication["chosen_reader"].astype(
            str).str.strip().str.upper()
    else:
        adjudication = None
    options = {"site": site, "triggers": triggers, "pd_window_days": args.pd_window_days}
    result = assess_bicr(sdtm.measurements, sdtm.patients, criteria, readers=readers,
                         adjudication=adjudication, **options)
    if adjudication is None and result.discordance["adjudication_needed"].any():
        # the adjudicator's choice as SDTM records it: TRACPTFL = Y on one reader's records
        result = assess_bicr(sdtm.measurements, sdtm.patients, criteria,
                             readers=result.readers,
                             adjudication=accepted_readers(args.tr, result.readers),
                             **options)
    from dataclasses import replace
    from pathlib import Path

    from recist.cli._terminal import report_findings

    # findings.csv lists what reading the SDTM datasets found too, as the summary counts it
    result = replace(result, findings=(*sdtm.findings, *result.findings))
    write_bicr(result, args.out)
    report_findings(args, findings_worth_printing(result), str(Path(args.out) / "findings.csv"))
    discordance = result.discordance
    print(f"recist bicr: {len(discordance)} patient(s), "
          f"{int(discordance['adjudication_needed'].sum())} sent to adjudication "
          f"(triggers {', '.join(triggers)}; PD window {args.pd_window_days} d)")
    print("\n".join(describe_agreement(result.agreement)))
    if len(result.site_vs_central):
        for row in result.site_vs_central.itertuples(index=False):
            print(f"  site vs central, {row.arm:<12} n={row.n:<4} EDR {row.edr_pct:5.1f}%"
                  f"  LDR {row.ldr_pct:5.1f}%")
    print(f"recist bicr: tables written to {args.out}")
    if args.report:
        from recist.pipeline.bicr import write_bicr_report

        cohort = write_bicr_report(sdtm.measurements, result, args.report, sdtm.patients,
                                   criteria)
        print(f"recist bicr: report of the central result written to {cohort}")
    return 0
