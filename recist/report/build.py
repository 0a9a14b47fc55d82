"""Assess and write every report of a measurements table: one page per patient + cohort.

Patient pages are independent: with ``workers`` > 1 they are written by that many
processes (chunks of patients) while this process draws the cohort page, which is what
keeps a 60-patient cohort within seconds on two cores. ``progress(done, total)`` is
called once with ``done`` 0 before anything is assessed (a bar shows at once), then after
each page: the worker processes' pages are counted as each chunk of them is done, while
the cohort page is still being drawn, not after it (issue 14: a bar that only moved at the
end). It may be called from the executor's thread, one call at a time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.report.cohort import write_cohort_report
from recist.report.patient import patient_report_file_name, write_patient_report
from recist.report.sections import CohortSection

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
                  screening: pd.DataFrame | None = None,
                  extra_sections: Sequence[CohortSection] = (),
                  extras: Mapping[str, object] | None = None,
                  workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> ReportFiles:
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
    extra_sections, extras
        Sections added to the cohort page and their named inputs
        (``recist.report.sections``).
    workers
        Processes writing the patient pages; by default one per CPU (at most 4) when
        there are 12 patients or more, else none (this process).
    progress
        Called with (pages written, pages in all) after each page.

    Returns
    -------
    ReportFiles
        Paths of the cohort page and of each patient's page, and the assessment.
    """
    from recist.baseline_rules import assess_baseline
    from recist.response import respond

    patient_ids = list(dict.fromkeys(measurements["patient_id"].astype(str)))
    total = len(patient_ids) + 1
    if progress is not None:
        progress(0, total)
    if result is None:
        result = respond(measurements, patients, criteria)
    if baseline is None:
        baseline = assess_baseline(measurements, criteria)
    out_dir = Path(out_dir)
    findings = tuple(result.findings) + tuple(baseline.findings)
    pages = {p: patient_report_file_name(p) for p in patient_ids}
    options = {"patients": patients, "baseline": baseline, "findings": findings,
               "overlays_dir": overlays_dir, "criteria": criteria, "inputs": inputs,
               "cohort_link": COHORT_FILE, "screening": screening}
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(patient_ids) >= 12 else 1
    written: dict[str, Path] = {}
    done = 0
    counting = threading.Lock()

    def tick(pages_done: int = 1) -> None:
        nonlocal done
        with counting:  # the main thread and the executor's thread
            done += pages_done
            if progress is not None:
                progress(done, total)

    def count_chunk(future: Future) -> None:
        if not future.cancelled() and future.exception() is None:
            tick(len(future.result()))

    def cohort() -> Path:
        path = write_cohort_report(
            out_dir / COHORT_FILE, measurements, result.timepoints, result.patient_summary,
            patients=patients, patient_pages=pages, findings=findings, criteria=criteria,
            inputs=inputs, extra_sections=extra_sections, extras=extras)
        tick()
        return path

    if workers <= 1:
        for patient_id in patient_ids:
            written[patient_id] = write_patient_report(
                out_dir / pages[patient_id], patient_id, measurements, result.timepoints,
                result.patient_summary, **options)
            tick()
        cohort_path = cohort()
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        chunks = [patient_ids[i::workers * 3] for i in range(workers * 3)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_write_pages, chunk, out_dir, pages, measurements,
                                   result.timepoints, result.patient_summary, options)
                       for chunk in chunks if chunk]
            for future in futures:
                future.add_done_callback(count_chunk)
            cohort_path = cohort()
            for future in as_completed(futures):
                written.update(future.result())
        written = {p: written[p] for p in patient_ids}
    return ReportFiles(cohort=cohort_path, patients=written, result=result,
                       baseline=baseline)


def _write_pages(patient_ids: list[str], out_dir: Path, pages: Mapping[str, str],
                 measurements: pd.DataFrame, timepoints: pd.DataFrame,
                 patient_summary: pd.DataFrame, options: Mapping) -> dict[str, Path]:
    """Write the pages of ``patient_ids`` (run in a worker process)."""
    rows = measurements[measurements["patient_id"].astype(str).isin(patient_ids)]
    return {patient_id: write_patient_report(out_dir / pages[patient_id], patient_id, rows,
                                             timepoints, patient_summary, **options)
            for patient_id in patient_ids}
