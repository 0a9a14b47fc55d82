"""``recist sdtm-in`` and ``recist sdtm-out``: CDISC SDTM exchange.

``sdtm-in`` reads TU and TR (and DM) as CSV or XPT into the measurements (and patients)
tables; ``sdtm-out`` writes TU, TR, RS (responses computed by ``recist.respond``), DM
(with ``--patients``) and, with ``--adam``, ADSL, ADRS and ADTTE as admiralonco derives them.
"""

from __future__ import annotations

import argparse
import sys

from recist.cli._arguments import (
    add_criteria_arguments,
    add_oligo_arguments,
    resolved_criteria,
)

__all__ = ["add_parser", "run_sdtm_in", "run_sdtm_out"]


def add_parser(subparsers) -> None:
    """Register ``sdtm-in`` and ``sdtm-out`` (once, whichever registration calls first)."""
    if "sdtm-in" not in subparsers.choices:
        p = subparsers.add_parser(
            "sdtm-in", help="SDTM TU/TR (and DM) to a measurements (and patients) table",
            description=(
                "Read CDISC SDTM TU and TR (CSV or SAS transport .xpt; RECIST 1.1 "
                "conventions: LDIAM, LPERP, DIAMETER, TUMSTATE, LNSTATE, split T04.1 / "
                "merged T02/T03 link ids; every coded value checked against the CDISC "
                "terminology) and write the measurements table; with --dm and "
                "--patients-out also the patients table from DM; with --rs, compare the "
                "sponsor's OVRLRESP, TRGRESP, NTRGRESP, NEWLIND, NEWLPROG and best response "
                "with the recomputed ones, explaining each disagreement."))
        p.add_argument("tu", help="TU dataset (.csv or .xpt)")
        p.add_argument("tr", help="TR dataset (.csv or .xpt)")
        p.add_argument("--dm", metavar="FILE", help="DM dataset for start/death dates, arm")
        p.add_argument("--evaluator", metavar="NAME",
                       help="reader to keep when TR has several (a TREVAL or TREVALID value "
                            "naming one reader, or 'accepted' for TRACPTFL = Y); default: "
                            "every reader, separately, in an evaluator column")
        p.add_argument("--impute-dates", choices=("first", "mid", "last"), default="first",
                       help="day of a YYYY-MM date (admiral's date_imputation): the 1st, "
                            "the 15th or the last day of the month (default first, with a "
                            "warning naming the records)")
        p.add_argument("--out", required=True, metavar="CSV",
                       help="measurements table to write")
        p.add_argument("--patients-out", metavar="CSV",
                       help="patients table to write (needs --dm)")
        p.add_argument("--rs", metavar="FILE",
                       help="the sponsor's RS dataset: recompute the responses from TR and "
                            "compare (needs --compare-out)")
        p.add_argument("--compare-out", metavar="CSV",
                       help="where to write the reported-vs-recomputed comparison")
        p.set_defaults(func=run_sdtm_in)
    if "sdtm-out" not in subparsers.choices:
        p = subparsers.add_parser(
            "sdtm-out", help="measurements and responses to SDTM TU/TR/RS (and DM, ADaM)",
            description=(
                "Assess responses (as recist respond does) and write SDTM TU, TR, RS "
                "(TRGRESP, NTRGRESP, NEWLIND, NEWLPROG, OVRLRESP, BESTRSP) and, with "
                "--patients, DM as CSV (and XPT v5 with --xpt); --adam adds ADSL, ADRS and "
                "ADTTE shaped as admiralonco derives them; with --lesions or --therapies "
                "(follow-up after local treatment, as recist respond), ADTTE also holds "
                "STFS, PFSLT and TTLF. A table with an evaluator column is assessed reader "
                "by reader."))
        p.add_argument("measurements", help="measurements table (CSV)")
        p.add_argument("--patients", metavar="CSV", help="patients table (CSV)")
        p.add_argument("--out", required=True, metavar="DIR", help="output folder")
        p.add_argument("--xpt", action="store_true", help="also write SAS transport v5")
        p.add_argument("--adam", action="store_true",
                       help="also write ADSL, ADRS and ADTTE")
        p.add_argument("--studyid", default="RECIST", help="STUDYID (default RECIST)")
        add_oligo_arguments(p)
        add_criteria_arguments(p, confirm=True, confirm_help=(
            "require confirmation of CR/PR (BESTRSP is then confirmed)"))
        p.set_defaults(func=run_sdtm_out)


def _print_findings(args: argparse.Namespace, findings) -> None:
    from recist.cli._terminal import report_findings

    report_findings(args, findings)


def _naming_file(error, files: dict[str, str | None]):
    """Put the file name after the domain a reader's message starts with ("TR: …")."""
    from recist.errors import RecistDataError

    text = str(error)
    for domain, path in files.items():
        if path and text.startswith(f"{domain}:"):
            return RecistDataError(f"{domain} {path}:{text[len(domain) + 1:]}",
                                   findings=error.findings)
    return error


def run_sdtm_in(args: argparse.Namespace) -> int:
    """Run ``recist sdtm-in``; returns the exit status."""
    from recist.outputs import check_output_path

    for output in (args.out, args.patients_out, args.compare_out):
        if output:
            check_output_path(output)
    from recist.cdisc import read_sdtm
    from recist.errors import RecistDataError
    from recist.outputs import write_csv_atomic
    from recist.table import write_measurements

    if args.patients_out and not args.dm:
        raise ValueError("--patients-out needs --dm: the patients table comes from SDTM DM")
    if bool(args.rs) != bool(args.compare_out):
        raise ValueError("--rs and --compare-out go together: give the RS dataset and the "
                         "CSV to write the comparison to")
    files = {"TU": args.tu, "TR": args.tr, "DM": args.dm}
    try:
        result = read_sdtm(args.tu, args.tr, args.dm, evaluator=args.evaluator,
                           date_imputation=args.impute_dates)
        reported = None
        findings = list(result.findings)
        if args.rs:  # read every input before writing anything
            from recist.cdisc.rs_compare import read_sdtm_responses

            files["RS"] = args.rs
            reported = read_sdtm_responses(args.rs, evaluator=args.evaluator,
                                           date_imputation=args.impute_dates,
                                           findings=findings)
    except RecistDataError as error:
        raise _naming_file(error, files) from None
    _print_findings(args, findings)
    write_measurements(result.measurements, args.out)
    if args.patients_out:
        write_csv_atomic(result.patients, args.patients_out)
    patients = result.measurements["patient_id"].nunique()
    readers = sorted(set(result.measurements["evaluator"])) \
        if "evaluator" in result.measurements.columns else []
    print(f"recist sdtm-in: {len(result.measurements)} measurement rows of {patients} "
          f"patient(s) written to {args.out}"
          + (f" ({len(readers)} readers: {', '.join(readers)}; column evaluator)"
             if len(readers) > 1 else "")
          + (f", patients to {args.patients_out}" if args.patients_out else ""))
    if len(readers) > 1:
        print("recist sdtm-in: note: each reader is a separate assessment; recist sdtm-out "
              "and recist bicr assess them one by one, or keep one with --evaluator",
              file=sys.stderr)
    if reported is not None:
        _compare(args, result, reported)
    return 0


def _compare(args: argparse.Namespace, result, reported) -> None:
    """Recompute responses from the SDTM measurements and compare them with RS."""
    from recist.outputs import write_csv_atomic
    from recist.pipeline.sdtm import compare_with_reported

    table = compare_with_reported(result, reported)
    out = table.assign(date=table["date"].dt.strftime("%Y-%m-%d"))
    write_csv_atomic(out, args.compare_out)
    keys = ["evaluator", "test"] if "evaluator" in table.columns else ["test"]
    for key, group in table.groupby(keys, sort=True, observed=True):
        name = " ".join(map(str, key)) if isinstance(key, tuple) else str(key)
        print(f"  {name:<24} {int(group['agree'].sum())}/{len(group)} reported results "
              f"agree with the recomputed ones ({100 * group['agree'].mean():.1f}%)")
    print(f"recist sdtm-in: comparison written to {args.compare_out}")


def run_sdtm_out(args: argparse.Namespace) -> int:
    """Run ``recist sdtm-out``; returns the exit status."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=True)
    from recist.pipeline.sdtm import (
        respond_by_evaluator,
        respond_oligo_by_evaluator,
        sdtm_tables,
        write_sdtm_outputs,
    )
    from recist.response import warnings_of
    from recist.table import read_measurements

    criteria = resolved_criteria(args).criteria
    measurements = read_measurements(args.measurements)
    patients = None
    if args.patients:
        from recist.patients import read_patients

        patients = read_patients(args.patients)
    oligo = None
    if args.lesions or args.therapies:
        # one reader at most, carried into RS/ADRS/ADTTE as without them
        result, oligo = respond_oligo_by_evaluator(measurements, patients, criteria,
                                                   lesions=args.lesions,
                                                   therapies=args.therapies)
    else:
        result = respond_by_evaluator(measurements, patients, criteria)
    _print_findings(args, warnings_of(result))
    tables = sdtm_tables(measurements, result, patients, criteria, studyid=args.studyid,
                         adam=args.adam, oligo=oligo)
    written = write_sdtm_outputs(tables, args.out, xpt=args.xpt)
    print(f"recist sdtm-out: {', '.join(p.name for p in written)} written to {args.out}")
    if oligo is not None:
        print("recist sdtm-out: "
              + ("ADTTE holds the endpoints after local treatment: STFS, PFSLT, TTLF "
                 "(DEC-27)" if args.adam else
                 "note: the endpoints after local treatment (STFS, PFSLT, TTLF, DEC-27) are "
                 "ADTTE parameters, written with --adam"),
              file=None if args.adam else sys.stderr)
    return 0
