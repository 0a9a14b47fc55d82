"""``recist respond``: RECIST 1.1 responses from a measurements table.

Writes ``timepoints.csv``, ``patient_summary.csv``, ``findings.csv`` and
``provenance.json`` into ``--out``; prints one summary line (and one line of its findings,
counted, on stderr); ``-v`` adds one line per patient and each finding.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from recist.cli._arguments import (
    add_criteria_arguments,
    add_oligo_arguments,
    add_response_criteria_arguments,
    positive_workers,
    resolved_criteria,
    wants_extension,
)

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``respond`` sub-command."""
    p = subparsers.add_parser(
        "respond",
        help="time point responses, best overall response and PFS from a measurements table",
        description=(
            "Assess RECIST 1.1 responses: per time point target / non-target / new-lesion "
            "/ overall response with the deciding rule, then per patient best overall "
            "response (confirmed with --confirm), PD date, PFS and DoR. Writes "
            "timepoints.csv, patient_summary.csv, findings.csv and provenance.json. "
            "Tables: docs/tables.md; rules: docs/rules.md."),
    )
    p.add_argument("measurements", help="measurements table (CSV, docs/tables.md)")
    p.add_argument("--patients", metavar="CSV",
                   help="patients table: patient_id, start_date, optional death_date, "
                        "last_contact_date, new_therapy_date, arm")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_criteria_arguments(p, confirm=True, days=True)
    add_oligo_arguments(p)
    add_response_criteria_arguments(p)
    p.add_argument("--partitions", type=positive_workers, metavar="N",
                   help="assess the patients in N partitions read and shuffled with "
                        "dask.dataframe (same files; only needed beyond ~10^7 rows; needs "
                        "recist[dask])")
    p.add_argument("--dask", action="store_true",
                   help="the partitioned path with its default partitions (one per 64 MiB "
                        "of CSV, at least two per core)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the partitions on the Dask cluster of this scheduler (e.g. "
                        "tcp://host:8786; its workers must see the CSV at the same path)")
    p.set_defaults(func=run)
    return p


def _date(value) -> str:
    import pandas as pd

    return "-" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def run(args: argparse.Namespace) -> int:
    """Run ``recist respond``; returns the exit status."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=True)
    criteria = resolved_criteria(args).criteria
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise ValueError(f"--out {args.out} is a file; give a folder for timepoints.csv, "
                         "patient_summary.csv, findings.csv and provenance.json")
    from dataclasses import replace

    from recist.pipeline.partitioned import patient_ordered
    from recist.response import respond, write_respond_outputs

    extension = wants_extension(args)
    patients = None
    if args.patients:
        from recist.patients import read_patients

        patients = read_patients(args.patients)
    oligo = None
    if (args.lesions or args.therapies) and (args.partitions or args.dask or args.scheduler):
        raise ValueError("--lesions and --therapies need the whole table at once: leave out "
                         "--partitions, --dask and --scheduler")
    if args.partitions or args.dask or args.scheduler:
        if extension:
            raise ValueError("--response-criteria and --uncertainty run on one process: "
                             "leave out --partitions, --dask and --scheduler")
        result = _respond_partitioned(args, patients, criteria)
    elif args.lesions or args.therapies:
        from recist.pipeline.oligo import respond_oligo
        from recist.table import read_measurements

        measurements = read_measurements(args.measurements)
        result, oligo = respond_oligo(measurements, patients, criteria, lesions=args.lesions,
                                      therapies=args.therapies)
    else:
        from recist.response import readers_of
        from recist.table import read_measurements

        measurements = read_measurements(args.measurements)
        if len(readers_of(measurements)) > 1:  # several readers: each assessed apart
            if extension:
                raise ValueError("--response-criteria and --uncertainty assess one reader: "
                                 "the measurements hold several (evaluator column); keep "
                                 "one reader's rows (e.g. recist sdtm-in --evaluator NAME)")
            from recist.pipeline.sdtm import respond_by_evaluator

            result = respond_by_evaluator(measurements, patients, criteria)
        else:
            # read_patients normalised the patients table: not normalised again
            result = respond(measurements, patients, criteria, patients_normalised=True)
    # Findings grouped by patient: the same order whichever path assessed them.
    result = replace(result, findings=patient_ordered(result.findings))
    extra = None if oligo is None else oligo.tables()
    extra_inputs = None if oligo is None else {"lesions": args.lesions,
                                               "therapies": args.therapies}
    if extension:
        from recist.pipeline.response_criteria import (
            extend_result,
            parse_response_criteria,
            write_extended_outputs,
        )

        extended = extend_result(result, measurements, patients,
                                 criteria_names=parse_response_criteria(args.response_criteria),
                                 uncertainty=args.uncertainty)
        result = extended.result
        write_extended_outputs(extended, args.out, input_path=args.measurements,
                               patients_path=args.patients, extra=extra,
                               extra_inputs=extra_inputs)
    else:
        write_respond_outputs(result, args.out, input_path=args.measurements,
                              patients_path=args.patients, extra=extra,
                              extra_inputs=extra_inputs)
    from recist.cli._terminal import report_findings

    # report_findings leaves out the notes itself (as warnings_of would, a second pass)
    report_findings(args, result.findings, str(Path(args.out) / "findings.csv"))

    summary = result.patient_summary
    if getattr(args, "verbose", False):
        _print_patients(args, summary, oligo is not None)
    print(f"recist respond: {len(result.timepoints)} time points of {len(summary)} "
          f"patient(s) written to {args.out}")
    return 0


def _print_patients(args: argparse.Namespace, summary, oligo: bool) -> None:
    """One line per patient (``-v``): BOR (confirmed with ``--confirm``) and PD date, and
    with ``--lesions``/``--therapies`` the first recurrence and systemic therapy."""
    from recist.cli._terminal import detail

    bor_column = "confirmed_bor" if "confirmed_bor" in summary.columns else "bor"
    label = "confirmed BOR" if bor_column == "confirmed_bor" else "BOR"
    by_reader = "evaluator" in summary.columns
    for record in summary.itertuples(index=False):
        who = f"{record.patient_id} (reader {record.evaluator})" if by_reader \
            else record.patient_id
        line = f"{who}: {label} {getattr(record, bor_column)}, PD {_date(record.pd_date)}"
        if oligo:
            line += (f"; first recurrence {_date(record.first_recurrence_date)}"
                     + (f" ({record.first_recurrence_pattern})"
                        if isinstance(record.first_recurrence_pattern, str) else "")
                     + f", repeat local {record.n_repeat_local}, first systemic "
                     + _date(record.first_systemic_date))
        detail(args, line)


def _respond_partitioned(args: argparse.Namespace, patients, criteria):
    """The partitioned path (``recist.pipeline.partitioned``), here or on a cluster."""
    from recist.pipeline.partitioned import respond_partitioned

    if not args.scheduler:
        return respond_partitioned(args.measurements, patients, criteria,
                                   partitions=args.partitions)
    from recist.pipeline.cluster import dask_client

    with dask_client(args.scheduler) as client:
        return respond_partitioned(args.measurements, patients, criteria,
                                   partitions=args.partitions, scheduler=client)
