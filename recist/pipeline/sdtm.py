"""The CDISC exchange jobs: SDTM in (with a check of the sponsor's responses) and out.

``recist sdtm-in`` reads TU/TR/DM with ``recist.cdisc.read_sdtm`` and, with an RS dataset,
recomputes the responses and compares them (:func:`compare_with_reported`); ``recist
sdtm-out`` assesses the responses and builds TU, TR, RS, DM and the ADaM tables
(:func:`sdtm_tables`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from recist.cdisc import SdtmInput
    from recist.criteria import Criteria
    from recist.response import RespondResult

__all__ = ["compare_with_reported", "sdtm_tables"]


def compare_with_reported(sdtm: SdtmInput, reported: pd.DataFrame) -> pd.DataFrame:
    """Recompute the responses of SDTM measurements and compare them with RS.

    Parameters
    ----------
    sdtm
        What ``recist.cdisc.read_sdtm`` read (measurements and patients).
    reported
        The sponsor's responses (``recist.cdisc.rs_compare.read_sdtm_responses``).

    Returns
    -------
    pandas.DataFrame
        One row per reported result: ``test``, ``date``, reported and recomputed values,
        ``agree`` (``recist.cdisc.rs_compare.compare_responses``).
    """
    from recist.cdisc.rs_compare import compare_responses
    from recist.response import respond

    computed = respond(sdtm.measurements, sdtm.patients)
    return compare_responses(computed.timepoints, computed.patient_summary, reported)


def sdtm_tables(measurements: pd.DataFrame, result: RespondResult,
                patients: pd.DataFrame | None, criteria: Criteria, *, studyid: str,
                adam: bool = False) -> dict[str, pd.DataFrame]:
    """The SDTM (and ADaM) tables of a measurements table and its responses.

    Parameters
    ----------
    measurements, patients
        The tables the responses were assessed on (``patients`` may be None: no DM).
    result
        ``recist.response.respond``'s result.
    criteria
        The criteria of the assessment (for ADTTE's censoring rules).
    studyid
        STUDYID of every record.
    adam
        Add ADRS and ADTTE.

    Returns
    -------
    dict
        Domain name (TU, TR, RS, DM, ADRS, ADTTE) -> table, for
        ``recist.cdisc.sdtm_out.write_sdtm``.
    """
    from recist.cdisc.sdtm_out import (
        dm_from_patients,
        measurements_to_sdtm,
        rs_from_responses,
    )

    tables = measurements_to_sdtm(measurements, studyid=studyid)
    tables["RS"] = rs_from_responses(result.timepoints, result.patient_summary,
                                     studyid=studyid)
    if patients is not None:
        tables["DM"] = dm_from_patients(patients, studyid=studyid)
    if adam:
        from recist.cdisc.adam import adrs_from_responses, adtte_from_responses

        tables["ADRS"] = adrs_from_responses(result.timepoints, result.patient_summary,
                                             patients, studyid=studyid, criteria=criteria)
        tables["ADTTE"] = adtte_from_responses(result.patient_summary, patients,
                                               studyid=studyid, criteria=criteria)
    return tables
