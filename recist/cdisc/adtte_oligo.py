"""ADTTE parameters of follow-up after local treatment (DEC-27), appended to the ADTTE of
``recist.cdisc.adam.adtte_from_responses``.

* ``STFS`` "Systemic Therapy Free Survival": event at the first systemic therapy or death;
* ``PFSLT`` "Progression Free Survival After Local Treatment": event at the first
  recurrence (DEC-25) or death before systemic therapy;
* ``TTLF`` "Time to Local Failure": one record per treated lesion (``TRLNKID`` the
  lesion), from the lesion's first local treatment (``STARTDT``); ``CNSR`` 0 at local
  failure; a death first is the competing event, kept as ``CNSR`` 1 with ``EVNTDESC``
  "DEATH WITHOUT LOCAL FAILURE (COMPETING RISK)", so that the Aalen–Johansen status
  (1 failure, 2 death first, 0 censored) can be read back from ``CNSR`` and ``EVNTDESC``.

``AVAL`` is in days as in the rest of ADTTE (TTE-10); ``SRCDOM``/``SRCVAR`` name the
source (``ADSL.DTHDT`` for a death, the therapies table ``THERAPY.DATE``, the
recurrences ``RECUR.DATE``, the lesion's assessments ``LESION.DATE``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["OLIGO_PARAMETERS", "append_oligo_parameters", "oligo_adtte_records"]

OLIGO_PARAMETERS = {"STFS": "Systemic Therapy Free Survival",
                    "PFSLT": "Progression Free Survival After Local Treatment",
                    "TTLF": "Time to Local Failure"}
COMPETING = "DEATH WITHOUT LOCAL FAILURE (COMPETING RISK)"


def _iso(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d")


def oligo_adtte_records(endpoints: pd.DataFrame, lesions: pd.DataFrame) -> pd.DataFrame:
    """The STFS, PFSLT and TTLF records (without STUDYID, ARM and ASEQ).

    ``endpoints`` and ``lesions`` are ``OligoResult.patients`` and ``OligoResult.lesions``.
    """
    ids = endpoints["patient_id"].astype(str)
    start = pd.to_datetime(endpoints["stfs_date"]) - pd.to_timedelta(
        endpoints["stfs_days"].astype(int) - 1, unit="D")  # the origin (TTE-10: + 1 day)
    systemic = pd.to_datetime(endpoints["first_systemic_date"])
    parts = []
    stfs_event = endpoints["stfs_event"].astype(bool).to_numpy()
    by_therapy = (systemic.notna() & (systemic == pd.to_datetime(endpoints["stfs_date"])))
    by_therapy_np = by_therapy.to_numpy(dtype=bool)
    parts.append(pd.DataFrame({
        "USUBJID": ids, "PARAMCD": "STFS", "PARAM": OLIGO_PARAMETERS["STFS"],
        "STARTDT": _iso(start), "ADT": _iso(endpoints["stfs_date"]),
        "AVAL": endpoints["stfs_days"].astype(int), "CNSR": (~stfs_event).astype(int),
        "EVNTDESC": np.where(stfs_event, np.where(by_therapy_np, "SYSTEMIC THERAPY", "DEATH"),
                             "LAST FOLLOW-UP"),
        "CNSDTDSC": np.where(stfs_event, "", "LAST FOLLOW-UP"),
        "SRCDOM": np.where(stfs_event & ~by_therapy_np, "ADSL", "THERAPY"),
        "SRCVAR": np.where(stfs_event & ~by_therapy_np, "DTHDT", "DATE"),
        "TRLNKID": ""}))
    pfs_event = endpoints["pfs_local_event"].astype(bool).to_numpy()
    recurrence = pd.to_datetime(endpoints["first_recurrence_date"])
    by_recurrence = (recurrence.notna() & (recurrence == pd.to_datetime(
        endpoints["pfs_local_date"]))).to_numpy(dtype=bool)
    pattern = endpoints["first_recurrence_pattern"].fillna("").astype(str).str.upper()
    parts.append(pd.DataFrame({
        "USUBJID": ids, "PARAMCD": "PFSLT", "PARAM": OLIGO_PARAMETERS["PFSLT"],
        "STARTDT": _iso(start), "ADT": _iso(endpoints["pfs_local_date"]),
        "AVAL": endpoints["pfs_local_days"].astype(int), "CNSR": (~pfs_event).astype(int),
        "EVNTDESC": np.where(pfs_event, np.where(by_recurrence, "RECURRENCE: " + pattern,
                                                 "DEATH"), "LAST TUMOR ASSESSMENT"),
        "CNSDTDSC": np.where(pfs_event, "", np.where(systemic.notna(),
                                                      "LAST TUMOR ASSESSMENT BEFORE SYSTEMIC "
                                                      "THERAPY", "LAST TUMOR ASSESSMENT")),
        "SRCDOM": np.where(pfs_event & ~by_recurrence, "ADSL", "RECUR"),
        "SRCVAR": np.where(pfs_event & ~by_recurrence, "DTHDT", "DATE"),
        "TRLNKID": ""}))
    status = lesions["ttlf_status"].astype(int).to_numpy()
    parts.append(pd.DataFrame({
        "USUBJID": lesions["patient_id"].astype(str), "PARAMCD": "TTLF",
        "PARAM": OLIGO_PARAMETERS["TTLF"], "STARTDT": _iso(lesions["treatment_date"]),
        "ADT": _iso(lesions["ttlf_date"]), "AVAL": lesions["ttlf_days"].astype(int),
        "CNSR": (status != 1).astype(int),
        "EVNTDESC": np.select([status == 1, status == 2], ["LOCAL FAILURE", COMPETING],
                              "LAST ASSESSMENT OF THE LESION"),
        "CNSDTDSC": np.select([status == 1, status == 2], ["", "DEATH (COMPETING RISK)"],
                              "LAST ASSESSMENT OF THE LESION"),
        "SRCDOM": np.where(status == 2, "ADSL", "LESION"),
        "SRCVAR": np.where(status == 2, "DTHDT", "DATE"),
        "TRLNKID": lesions["lesion_id"].astype(str)}))
    out = pd.concat(parts, ignore_index=True)
    out["AVAL"] = out["AVAL"].astype("Int64")
    out["AVALU"] = "DAYS"
    return out


def append_oligo_parameters(adtte: pd.DataFrame, endpoints: pd.DataFrame,
                            lesions: pd.DataFrame) -> pd.DataFrame:
    """``adtte`` (``recist.cdisc.adam.adtte_from_responses``) with the STFS, PFSLT and TTLF
    records appended per subject, ``ASEQ`` renumbered and a ``TRLNKID`` column (empty
    for subject-level records). STUDYID, ARM and the reader columns are copied from the
    subject's existing records.
    """
    extra = oligo_adtte_records(endpoints, lesions)
    first = adtte.drop_duplicates("USUBJID").set_index("USUBJID")
    for column in adtte.columns:
        if column not in extra.columns and column not in ("ASEQ", "SRCSEQ"):
            extra[column] = extra["USUBJID"].map(first[column]) if len(first) else pd.NA
    for column in ("STARTDT", "ADT"):  # as the records they join (a SAS date in .xpt)
        if column in adtte.columns and pd.api.types.is_datetime64_any_dtype(adtte[column]):
            extra[column] = pd.to_datetime(extra[column]).astype(adtte[column].dtype)
    extra["SRCSEQ"] = pd.array([pd.NA] * len(extra), dtype="Int64")
    extra["ASEQ"] = 0
    base = adtte.assign(TRLNKID="", _o=0)
    order = {code: i for i, code in enumerate(OLIGO_PARAMETERS, 1)}
    extra["_o"] = extra["PARAMCD"].map(order)
    merged = pd.concat([base, extra[[*base.columns]]], ignore_index=True)
    merged = merged.sort_values(["USUBJID", "_o"], kind="stable").drop(columns="_o")
    merged["ASEQ"] = merged.groupby("USUBJID").cumcount() + 1
    return merged.reset_index(drop=True)
