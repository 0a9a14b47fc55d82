"""Response assessment end to end: measurements in, time points and patient summary out.

``respond`` chains the engine's pure functions (input checks, time point responses, the
optional continuing-response rule, best response and time-to-event, time point checks);
``write_respond_outputs`` writes its three tables and a provenance file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from recist import __version__
from recist._checks_support import indexed as _indexed
from recist.checks import run_input_checks, run_timepoint_checks
from recist.continuing import apply_continuing_response
from recist.criteria import RECIST_1_1, Criteria
from recist.csv_text import table_csv_parts
from recist.errors import RecistDataError
from recist.findings import Finding, Severity, findings_frame, raise_for_errors
from recist.outputs import output_transaction, write_atomic
from recist.patient_summary import summarise_patients_with_findings
from recist.patients import normalise_patients
from recist.plausibility import check_durations
from recist.timepoints import (  # noqa: F401
    TimepointCodes,
    assess_timepoints,
    assess_timepoints_with_findings,
)

# ``assess_timepoints`` stays importable from here (the benchmark and its smoke test use it).

__all__ = ["RESPOND_FILES", "RespondResult", "check_one_reader", "new_therapy_cutoffs",
           "reader_labels", "readers_of", "respond", "warnings_of", "write_respond_outputs"]

RESPOND_FILES = ("timepoints.csv", "patient_summary.csv", "findings.csv", "provenance.json")


@dataclass(frozen=True)
class RespondResult:
    """What ``respond`` returns.

    Attributes
    ----------
    timepoints
        One row per patient and time point (``recist.timepoints.TIMEPOINT_COLUMNS``).
    patient_summary
        One row per patient: BOR, PD date, PFS, DoR (``recist.patient_summary``).
    findings
        Warnings and notes from the data-quality checks (errors are raised instead):
        ``recist.findings.Findings`` from ``respond`` (a ``Finding`` is made when read),
        a tuple of ``Finding`` is accepted alike.
    criteria
        The criteria the assessment used.
    indexed
        The measurements as ``respond`` read them, carrying their encoding
        (``recist.cohort_index``), or None: what ``recist.uncertainty`` reads after it,
        so the table is not encoded twice. Read it, never write to it. It shares the
        column arrays of the table given to ``respond`` (no copy): editing that table in
        place after ``respond`` (e.g. ``m.loc[i, "ld_mm"] = ...`` under pandas 2's default,
        copy-on-write off, or a write into the array of ``m["ld_mm"].to_numpy()``)
        changes the values this reads while its encoding (time points, codes) stays the
        old one, so a later ``recist.uncertainty`` run on this result would read the new
        values against the old encoding. Edit a copy, or call ``respond`` again after
        editing.
    """

    timepoints: pd.DataFrame
    patient_summary: pd.DataFrame
    findings: Sequence[Finding] = ()
    criteria: Criteria = field(default=RECIST_1_1)
    indexed: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def findings_table(self) -> pd.DataFrame:
        """The findings as a table (one row each)."""
        return findings_frame(self.findings)


def readers_of(measurements: pd.DataFrame) -> list[str]:
    """The distinct readers of a table's ``evaluator`` column (empty: one unnamed reader).

    >>> readers_of(pd.DataFrame({"evaluator": ["R1", "R2", "R1"]}))
    ['R1', 'R2']
    >>> readers_of(pd.DataFrame({"lesion_id": ["T1"]}))
    []
    """
    if "evaluator" not in measurements.columns:
        return []
    return sorted(set(reader_labels(measurements).tolist()))


def reader_labels(measurements: pd.DataFrame) -> pd.Series:
    """Each row's reader: the ``evaluator`` text without surrounding spaces, "" if missing.

    One reader is one name however it is padded: " R1" and "R1" are the same reader here,
    in :func:`readers_of` and wherever a table is split by reader.

    >>> reader_labels(pd.DataFrame({"evaluator": [" R1", "R1 ", None]})).tolist()
    ['R1', 'R1', '']
    """
    return measurements["evaluator"].astype("string").fillna("").str.strip()


def check_one_reader(measurements: pd.DataFrame) -> None:
    """Refuse a table that mixes the assessments of several readers.

    RECIST assesses one reader's measurements at a time: rows of two readers for one
    lesion and date would be read as the fragments of a split lesion (SUM-5) and added,
    and one reader's new lesions would count at the other's time points. A table with an
    ``evaluator`` column (e.g. from ``recist sdtm-in`` with several readers) must hold one
    value; ``recist.pipeline.sdtm.respond_by_evaluator`` assesses each reader apart.

    >>> check_one_reader(pd.DataFrame({"evaluator": ["R1", "R1"]}))
    >>> check_one_reader(pd.DataFrame({"evaluator": ["R1", "R2"]}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    recist.errors.RecistDataError: the measurements hold the assessments of 2 readers ...
    """
    readers = readers_of(measurements)
    if len(readers) > 1:
        shown = ", ".join(name or "(empty)" for name in readers[:5])
        more = f" and {len(readers) - 5} more" if len(readers) > 5 else ""
        raise RecistDataError(
            f"the measurements hold the assessments of {len(readers)} readers (evaluator "
            f"{shown}{more}); RECIST assesses one reader at a time, and mixed rows would add "
            "one reader's lesions to another's: keep one reader's rows (e.g. recist sdtm-in "
            "--evaluator NAME), or assess each reader apart (recist respond does so)")


def respond(measurements: pd.DataFrame, patients: pd.DataFrame | None = None,
            criteria: Criteria = RECIST_1_1, *,
            patients_normalised: bool = False) -> RespondResult:
    """Assess RECIST 1.1 responses for every patient of a measurements table.

    Steps: ``recist.patients.normalise_patients`` (the patients table as every later
    step reads it); ``recist.checks.run_input_checks`` (findings with severity error raise
    ``RecistDataError`` naming patient, date and lesion); ``assess_timepoints`` with each
    patient's new-therapy cut-off (``new_therapy_cutoffs``, DEC-17: scans on or after it
    confirm no equivocal new lesion, DEC-13);
    ``recist.continuing.apply_continuing_response`` when ``criteria.continuing_response``
    (DEC-1; time points on or after the cut-off are neither carried nor carry);
    ``recist.patient_summary.summarise_patients`` (drops them from BOR and PFS);
    ``recist.checks.run_timepoint_checks``.

    Parameters
    ----------
    measurements
        A table normalised by ``recist.table.normalise_measurements`` (it is not
        modified), holding one reader's assessments (``check_one_reader``). The
        result's ``indexed`` shares its column arrays (no copy): do not edit this
        table in place while the result is still used (see ``RespondResult.indexed``).
    patients
        The patients table (``start_date``, optional ``death_date`` …) or None; without
        it durations run from each patient's baseline scan (DEC-7).
    criteria
        Thresholds and options; RECIST 1.1 defaults.
    patients_normalised
        ``patients`` is a table returned by ``normalise_patients`` (or
        ``recist.patients.read_patients``), unchanged since: it is read as it is instead of
        normalised again (normalising it again would give the same table). Leave it False
        for any other table.
    """
    check_one_reader(measurements)
    # The patients as every step reads them (once, not per step): the input checks too,
    # so they match stripped ids, read lower-cased column names and never meet an
    # unreadable date (normalise_patients refuses it naming the row).
    table = patients if patients is None or patients_normalised \
        else normalise_patients(patients)
    # The checks and the assessment share one indexed view of the table: its encoding
    # (recist.cohort_index: codes, time points) is computed once, each text column hashed
    # once.
    indexed = _indexed(measurements)
    findings = run_input_checks(indexed, criteria, patients=table)
    # The input checks' row masks (TextCodes.rows_of, 1.4 MB each on 1.4 M rows) are not
    # read by the assessment: dropped, so that they do not add to its peak memory.
    encoding = getattr(indexed, "cohort_index", None)
    if encoding is not None:
        encoding.forget_row_masks()
    raise_for_errors(findings)
    cutoffs = _cutoff_series(table, criteria)
    # the time point table's codes, read by the summary instead of its texts
    coded: list[TimepointCodes] = []
    timepoints, timepoint_findings = assess_timepoints_with_findings(indexed, criteria,
                                                                     cutoffs, coded=coded)
    findings += timepoint_findings
    if criteria.continuing_response:  # changes responses: the codes are those of before
        timepoints = apply_continuing_response(timepoints, criteria, cutoffs)
        coded.clear()
    summary, summary_findings = summarise_patients_with_findings(
        timepoints, table, criteria, normalised=True, codes=coded[0] if coded else None)
    findings += summary_findings
    findings += run_timepoint_checks(timepoints, indexed, coded[0] if coded else None)
    raise_for_errors(findings)
    check_durations(summary)  # follow-up days >= 0 (recist.plausibility)
    return RespondResult(timepoints=timepoints, patient_summary=summary,
                         findings=findings, criteria=criteria, indexed=indexed)


def new_therapy_cutoffs(patients: pd.DataFrame | None,
                        criteria: Criteria = RECIST_1_1) -> dict[str, pd.Timestamp]:
    """patient_id → ``new_therapy_date`` for the patients who have one (DEC-17).

    Empty without a patients table, without a ``new_therapy_date`` column, or when
    ``criteria.censor_at_new_therapy`` is off (DEC-17's alternative: new therapy ignored,
    so a later scan still confirms an equivocal new lesion, DEC-13).

    >>> table = pd.DataFrame({"patient_id": ["P1", "P2"],
    ...                       "new_therapy_date": ["2024-02-20", None]})
    >>> {k: str(v.date()) for k, v in new_therapy_cutoffs(table).items()}
    {'P1': '2024-02-20'}
    >>> new_therapy_cutoffs(table, RECIST_1_1.replace(censor_at_new_therapy=False))
    {}
    """
    if (patients is None or not criteria.censor_at_new_therapy
            or "new_therapy_date" not in {str(c).strip().lower() for c in patients.columns}):
        return {}
    return _cutoff_series(normalise_patients(patients), criteria).to_dict()


def _cutoff_series(table: pd.DataFrame | None, criteria: Criteria) -> pd.Series[Any]:
    """``new_therapy_cutoffs`` of a table normalised by ``normalise_patients`` (or None)
    as a datetime64 Series indexed by patient_id (read without converting dates again)."""
    if table is None or not criteria.censor_at_new_therapy:
        return pd.Series([], dtype="datetime64[ns]")
    dates = table["new_therapy_date"].to_numpy(dtype="datetime64[ns]")
    dated = np.flatnonzero(~np.isnat(dates))
    # a normalised patient_id is text, never missing: str() of each is the id itself
    ids = np.asarray(table["patient_id"].array, dtype=object)[dated]
    return pd.Series(dates[dated], index=pd.Index(ids, dtype=object))


def write_respond_outputs(result: RespondResult, out_dir: str | Path,
                          input_path: str | Path | None = None,
                          patients_path: str | Path | None = None,
                          extra: Mapping[str, pd.DataFrame] | None = None,
                          extra_inputs: Mapping[str, str | None] | None = None) -> list[Path]:
    """Write ``timepoints.csv``, ``patient_summary.csv``, ``findings.csv`` and
    ``provenance.json`` into ``out_dir``.

    Every table is formatted (``recist.csv_text.table_csv_parts``: vectorised, the bytes
    of pandas' ``to_csv``) before anything is written, and the four files are written
    into a staging folder moved into place at the end
    (``recist.outputs.output_transaction``), so a failure or a kill leaves ``out_dir`` as
    it was. Dates are ISO (``2024-03-01``),
    millimetres and percentages have 2 decimals. ``provenance.json`` records the package
    version, the criteria and the input paths. ``extra`` adds tables (file name → table,
    e.g. those of ``recist.pipeline.oligo``) to the same transaction; ``extra_inputs``
    adds input paths to the provenance.
    """
    out_dir = Path(out_dir)
    findings = result.findings_table()
    tables = {"timepoints.csv": result.timepoints,
              "patient_summary.csv": result.patient_summary, **(extra or {})}
    texts: dict[str, tuple[bytes | memoryview, ...]] = {
        name: table_csv_parts(table) for name, table in tables.items()}
    texts["findings.csv"] = table_csv_parts(findings)  # text columns: written as they are
    rows = {name.removesuffix(".csv"): len(table)
            for name, table in {**tables, "findings.csv": findings}.items()}
    provenance = {
        "package": "recist",
        "version": __version__,
        "criteria": result.criteria.as_dict(),
        "measurements": None if input_path is None else str(input_path),
        "patients": None if patients_path is None else str(patients_path),
        "rows": rows,
        **dict(extra_inputs or {}),
    }
    texts["provenance.json"] = ((json.dumps(provenance, indent=2, sort_keys=True)
                                 + "\n").encode("utf-8"),)
    names = (*RESPOND_FILES, *(extra or {}))
    with output_transaction(out_dir, names) as staging:  # every file or none
        for name in names:
            write_atomic(staging / name, _writer(texts[name]),
                         size=sum(memoryview(part).nbytes for part in texts[name]))
    return [out_dir / name for name in names]


def _writer(parts: tuple[bytes | memoryview, ...]) -> Callable[[IO[bytes]], None]:
    """What ``recist.outputs.write_atomic`` calls to write ``parts``, one after another
    (a table's header and body: the body is never copied into one ``bytes``)."""
    def write(handle: IO[bytes]) -> None:
        for part in parts:
            handle.write(part)
    return write


def warnings_of(result: RespondResult) -> list[Finding]:
    """The findings worth printing (warnings and errors, not notes)."""
    return [f for f in result.findings if f.severity != Severity.INFO]

