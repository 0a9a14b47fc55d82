"""``recist baseline``: measurability, target selection and protocol eligibility.

Writes ``lesions.csv``, ``patients.csv``, ``findings.csv`` and ``provenance.json`` into
``--out`` (plus ``eligibility.csv`` with ``--protocol``) and prints a verdict per patient. An ineligible
patient is a result (exit 0); unreadable or contradictory input exits 2 with one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from recist import __version__
from recist.cli._criteria_options import protocol_and_criteria
from recist.findings import Severity, findings_frame, raise_for_errors
from recist.outputs import write_csv_atomic, write_text_atomic
from recist.table import read_measurements

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
            "findings.csv, provenance.json (and eligibility.csv) into --out."),
    )
    p.add_argument("measurements", help="measurements table (CSV, DESIGN.md format)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--protocol", metavar="FILE",
                   help="protocol TOML with [criteria] overrides and [[eligibility]] "
                        "criteria (see recist/protocol.py)")
    p.add_argument("--clinical", metavar="CSV",
                   help="clinical table, one row per patient, for the protocol's clinical "
                        "criteria (needs --protocol)")
    p.add_argument("--criteria", metavar="FILE",
                   help="criteria TOML; applied over the protocol's [criteria]")
    p.set_defaults(func=run)
    return p


def _yes_no(value) -> str:
    if value is None or pd.isna(value):
        return "cannot be checked"
    return "yes" if bool(value) else "no"


def _date(value) -> str:
    return "-" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _write_dates(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``recist baseline``; returns the exit status."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=True)
    from recist.baseline import assess_baseline
    from recist.checks import run_input_checks

    protocol, criteria = protocol_and_criteria(args)
    measurements = read_measurements(args.measurements)
    clinical = None
    if args.clinical:
        from recist.eligibility import read_clinical

        clinical = read_clinical(args.clinical)

    input_findings = run_input_checks(measurements, criteria, include_selection=False)
    raise_for_errors(input_findings)
    result = assess_baseline(measurements, criteria)
    findings = [*result.findings, *input_findings]

    screening = None
    if protocol is not None:
        from recist.eligibility import screen_patients
        from recist.protocol import Protocol

        screening = screen_patients(
            measurements, clinical,
            Protocol(name=protocol.name, title=protocol.title, version=protocol.version,
                     criteria=criteria, eligibility=protocol.eligibility))

    out = Path(args.out)
    tables = {"lesions.csv": result.lesions,
              "patients.csv": _write_dates(result.patients, ("baseline_date",)),
              "findings.csv": findings_frame(findings)}
    if screening is not None:
        tables["eligibility.csv"] = screening
    provenance = {
        "package": "recist", "version": __version__, "command": "baseline",
        "criteria": criteria.as_dict(),
        "protocol": None if protocol is None else {
            "path": str(args.protocol), "name": protocol.name, "version": protocol.version},
        "measurements": str(args.measurements),
        "clinical": None if args.clinical is None else str(args.clinical),
        "rows": {name.removesuffix(".csv"): len(table) for name, table in tables.items()},
    }
    for name, table in tables.items():
        write_csv_atomic(table, out / name)
    write_text_atomic(out / "provenance.json",
                      json.dumps(provenance, indent=2, sort_keys=True) + "\n")

    for finding in input_findings:
        if finding.severity == Severity.WARNING:
            print(finding, file=sys.stderr)
    problems: dict[str, list[str]] = {}
    for finding in result.findings:
        if finding.severity != Severity.INFO:
            problems.setdefault(finding.patient_id, []).append(
                finding.message.split(": ", 1)[-1])
    _print_patients(result.patients, problems, screening)
    summary = f"{len(result.patients)} patient(s), {len(result.lesions)} baseline lesion(s)"
    if screening is not None:
        verdicts = screening.drop_duplicates("patient_id")["verdict"].value_counts()
        summary += "; " + ", ".join(f"{n} {v}" for v, n in verdicts.items())
    print(f"recist baseline: {summary}; written to {out}")
    return 0


def _print_patients(patients: pd.DataFrame, problems: dict[str, list[str]],
                    screening: pd.DataFrame | None) -> None:
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
        if patient_id not in shown:
            print(f"{patient_id}: no baseline imaging rows")
            _print_screening(group)


def _print_screening(group: pd.DataFrame | None) -> None:
    if group is None:
        return
    print(f"  eligibility: {group['verdict'].iloc[0].upper()}")
    for row in group.itertuples(index=False):
        print(f"    [{row.result}] {row.criterion_id} {row.criterion}: {row.reason}")
