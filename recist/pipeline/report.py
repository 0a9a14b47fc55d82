"""The report job: responses, baseline and eligibility of a measurements table as HTML.

:func:`run_report` reads the tables (when given files), screens the patients against a
protocol's eligibility criteria and writes one page per patient and ``cohort.html``
(``recist.report.write_reports``). ``recist report`` is this call and a printout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from recist.criteria import Criteria
    from recist.protocol import Protocol
    from recist.report import ReportFiles

__all__ = ["REPORT_FILES", "run_report"]

#: The files ``run_report`` writes.
REPORT_FILES = ("patient_*.html", "cohort.html")


def run_report(
    measurements: pd.DataFrame | str | Path,
    out_dir: str | Path,
    *,
    patients: pd.DataFrame | str | Path | None = None,
    criteria: Criteria | None = None,
    protocol: Protocol | None = None,
    clinical: pd.DataFrame | str | Path | None = None,
    overlays_dir: str | Path | None = None,
    inputs: Mapping[str, str] | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    lesions: pd.DataFrame | str | Path | None = None,
    therapies: pd.DataFrame | str | Path | None = None,
    response_criteria: tuple[str, ...] = ("recist1.1",),
    uncertainty: bool = False,
) -> ReportFiles:
    """Write the HTML reports of a measurements table.

    Parameters
    ----------
    measurements
        The measurements table, or its CSV.
    out_dir
        Output folder: ``patient_<id>.html`` per patient and ``cohort.html``, written into
        a staging folder moved into place at the end
        (``recist.outputs.output_transaction``): a failure or a kill leaves it as it was.
    patients
        The patients table (or its CSV): start dates, deaths, arms.
    criteria
        The criteria (``recist.pipeline.criteria.resolve_criteria``); RECIST 1.1 by default.
    protocol
        With a protocol, each page has an eligibility section (its criteria should be
        ``criteria``, as ``resolve_criteria`` returns it).
    clinical
        The clinical table (or its CSV) for the protocol's clinical criteria; its rows of
        patients without measurements are left out.
    overlays_dir
        The lesion pictures of ``recist measure --overlays``.
    inputs
        What the provenance block lists as the inputs (name -> file).
    workers, progress
        Processes writing the patient pages and the callback told (pages written, pages
        in all) after each, as ``recist.report.write_reports``.
    lesions, therapies
        The lesions and therapies tables (or their CSVs) of follow-up after local
        treatment: the responses are those of ``recist.pipeline.oligo.respond_oligo``
        and the cohort page gets the section of ``recist.report.oligo_section``.
    response_criteria, uncertainty
        Other criteria beside RECIST 1.1 and the measurement uncertainty
        (``recist.pipeline.response_criteria.extend_result``): the cohort page gets the
        section of ``recist.report.criteria_section``.

    Returns
    -------
    recist.report.ReportFiles
        The pages written and the assessment behind them (``result``).
    """
    from recist.outputs import output_transaction
    from recist.report import write_reports
    from recist.table import read_measurements

    if isinstance(measurements, (str, Path)):
        measurements = read_measurements(measurements)
    if isinstance(patients, (str, Path)):
        from recist.patients import read_patients

        patients = read_patients(patients)
    screening = None
    if protocol is not None:
        from recist.eligibility import read_clinical, screen_patients

        table = read_clinical(clinical) if isinstance(clinical, (str, Path)) else clinical
        if table is not None:
            ids = set(measurements["patient_id"].astype(str))
            table = table[table["patient_id"].astype(str).isin(ids)]
        screening = screen_patients(measurements, table, protocol)
    from recist.criteria import RECIST_1_1

    oligo_options: dict[str, object] = {}
    if lesions is not None or therapies is not None:
        from recist.pipeline.oligo import respond_oligo
        from recist.report.oligo_section import OLIGO_SECTION

        result, oligo = respond_oligo(measurements, patients, criteria or RECIST_1_1,
                                      lesions=lesions, therapies=therapies)
        oligo_options = {"result": result, "extra_sections": [OLIGO_SECTION],
                         "extras": {"oligo": oligo}}
    if len(response_criteria) > 1 or uncertainty:
        from recist.pipeline.response_criteria import extend_result
        from recist.report.criteria_section import CRITERIA_SECTION
        from recist.response import respond

        chosen = criteria or RECIST_1_1
        base = oligo_options.get("result") or respond(measurements, patients, chosen)
        extended = extend_result(base, measurements, patients,  # type: ignore[arg-type]
                                 criteria_names=response_criteria, uncertainty=uncertainty)
        oligo_options["result"] = extended.result
        oligo_options["extra_sections"] = [
            *oligo_options.get("extra_sections", []), CRITERIA_SECTION]  # type: ignore[misc]
        oligo_options["extras"] = {**oligo_options.get("extras", {}),  # type: ignore[dict-item]
                                   "criteria": extended}
    out = Path(out_dir)
    with output_transaction(out, REPORT_FILES) as staging:  # every page or none
        files = write_reports(measurements, staging, patients=patients,
                              criteria=criteria or RECIST_1_1,
                              overlays_dir=overlays_dir, inputs=dict(inputs or {}),
                              screening=screening, workers=workers, progress=progress,
                              **oligo_options)  # type: ignore[arg-type]
    return dataclasses.replace(
        files, cohort=out / files.cohort.name,
        patients={patient: out / page.name for patient, page in files.patients.items()})
