"""Assess and write every report of a measurements table: one page per patient + cohort."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.report.cohort import write_cohort_report
from recist.report.patient import patient_report_file_name, write_patient_report

__all__ = ["COHORT_FILE", "ReportFiles", "write_reports"]

COHORT_FILE = "cohort.html"


@dataclass(frozen=True)
class ReportFiles:
    """What ``write_reports`` wrote and the assessment behind it."""

    cohort: Path
    patients: dict[str, Path] = field(default_factory=dict)
    result: object = None
    """The ``recist.response.RespondResult`` the pages show."""
    baseline: object = None
    """The ``recist.baseline_rules.BaselineResult`` the pages show."""


def write_reports(measurements: pd.DataFrame, out_dir: str | Path, *,
                  patients: pd.DataFrame | None = None, criteria: Criteria = RECIST_1_1,
                  overlays_dir: str | Path | None = None,
                  inputs: Mapping[str, object] | None = None,
                  result=None, baseline=None,
                  screening: pd.DataFrame | None = None) -> ReportFiles:
    """Assess responses and baseline, then write ``patient_<id>.html`` and ``cohort.html``.

    Parameters
    ----------
    measurements
        A measurements table normalised by ``recist.table.normalise_measurements``.
    out_dir
        Folder for the HTML files (created).
    patients
        The patients table (``recist.patients.read_patients``) or None.
    criteria
        Thresholds and options (confirmation …), RECIST 1.1 by default.
    overlays_dir
        Lesion pictures of ``recist measure --overlays`` to inline, if any.
    inputs
        Label → input file, shown in each page's provenance block.
    result, baseline
        An existing ``RespondResult`` / ``BaselineResult`` to show instead of assessing
        again (they must come from the same tables and criteria).
    screening
        Protocol eligibility rows (``recist.eligibility.screen_patients``) to show.

    Returns
    -------
    ReportFiles
        Paths of the cohort page and of each patient's page, and the assessment.
    """
    from recist.baseline_rules import assess_baseline
    from recist.response import respond

    if result is None:
        result = respond(measurements, patients, criteria)
    if baseline is None:
        baseline = assess_baseline(measurements, criteria)
    out_dir = Path(out_dir)
    findings = tuple(result.findings) + tuple(baseline.findings)
    patient_ids = list(dict.fromkeys(measurements["patient_id"].astype(str)))
    pages = {p: patient_report_file_name(p) for p in patient_ids}
    written = {}
    for patient_id in patient_ids:
        written[patient_id] = write_patient_report(
            out_dir / pages[patient_id], patient_id, measurements, result.timepoints,
            result.patient_summary, patients=patients, baseline=baseline,
            findings=findings, overlays_dir=overlays_dir, criteria=criteria,
            inputs=inputs, cohort_link=COHORT_FILE, screening=screening)
    cohort = write_cohort_report(out_dir / COHORT_FILE, measurements, result.timepoints,
                                 result.patient_summary, patients=patients,
                                 patient_pages=pages, findings=findings, criteria=criteria,
                                 inputs=inputs)
    return ReportFiles(cohort=cohort, patients=written, result=result, baseline=baseline)
