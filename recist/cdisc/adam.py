"""ADaM-style analysis tables: ADRS (responses) and ADTTE (time to event).

Shaped like CDISC ADaM BDS datasets as admiralonco derives them (ADM), from the outputs of
``recist.respond``; not a validated submission dataset.

**ADRS** — one row per parameter and assessment:

* ``PARAMCD = OVR`` — overall response per post-baseline time point: ``AVALC`` =
  overall_response, ``ADT`` = the time point date, ``AVISIT`` = visit, ``RULE`` = the
  rule that decided it (the ``reasons`` of the timepoints table).
* ``PARAMCD = BOR`` — best overall response (BOR-1..7, R11 4.4), ``ADT`` = bor_date.
* ``PARAMCD = CBOR`` — confirmed BOR (CONF-1..6, R11 4.4.3 Table 3), only when the
  summary has ``confirmed_bor``.

``AVAL`` codes ``AVALC`` as admiralonco's ``aval_resp``: CR 1, PR 2, SD 3,
NON-CR/NON-PD 4, PD 5, NE 6, missing 7. ``ADY`` = ADT − start date (+1 when the criteria's
``add_one_day``).

**ADTTE** — one row per parameter and patient, ``AVAL`` in days, ``CNSR`` 0 = event,
1 = censored, ``STARTDT`` the origin, ``ADT`` the event or censoring date, ``EVNTDESC``
what ended the interval:

* ``PFS`` (TTE-4, TTE-5): every patient; ``AVAL`` = pfs_days, ``ADT`` = pfs_date; event
  "PROGRESSIVE DISEASE" when pd_date is the PFS date, else "DEATH"; censored rows carry
  the censoring reason of the patient summary.
* ``DOR`` (TTE-6): responders (response_date and dor_days present); ``STARTDT`` =
  response_date, ``AVAL`` = dor_days, ``ADT`` = response_date + dor_days (− 1 with
  ``add_one_day``); event = PD after the response, or death when
  ``criteria.death_is_dor_event``.
* ``TTR`` (TTE-9): every patient; responders have an event at response_date; the others
  are censored at pfs_date (their last adequate assessment, or PD / death) — the usual
  SAP convention, noted as an interpretation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.vocabulary import OverallResponse

__all__ = ["AVAL_RESPONSE", "adrs_from_responses", "adtte_from_responses"]

AVAL_RESPONSE = {response.value: response.rank + 1 for response in OverallResponse}
MISSING_RESPONSE = 7
_MAX_TEXT = 200  # XPT v5 character columns hold at most 200 bytes


def _dates(values) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def _starts(summary: pd.DataFrame, patients: pd.DataFrame | None,
            criteria: Criteria) -> pd.Series:
    """Origin per patient: start_date, else pfs_date − pfs_days (+1 day convention)."""
    ids = summary["patient_id"].astype(str)
    days = pd.to_numeric(summary["pfs_days"], errors="coerce")
    offset = days - (1 if criteria.add_one_day else 0)
    derived = _dates(summary["pfs_date"]) - pd.to_timedelta(offset, unit="D")
    derived.index = ids
    if patients is not None and "start_date" in patients.columns:
        given = _dates(patients["start_date"])
        given.index = patients["patient_id"].astype(str)
        return given.reindex(ids).fillna(derived)
    return derived


def _arm(ids: pd.Series, patients: pd.DataFrame | None) -> pd.Series:
    if patients is None or "arm" not in patients.columns:
        return pd.Series("", index=ids.index)
    arms = patients.set_index(patients["patient_id"].astype(str))["arm"].astype("string")
    return ids.map(arms).fillna("")


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.slice(0, _MAX_TEXT)


def _event(values: pd.Series) -> np.ndarray:
    return values.map(lambda v: str(v).strip().lower() in ("true", "1", "yes")).to_numpy(
        dtype=bool)


def adrs_from_responses(timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                        patients: pd.DataFrame | None = None, *, studyid: str = "RECIST",
                        criteria: Criteria = RECIST_1_1) -> pd.DataFrame:
    """ADRS-like table (see the module docstring for rows and columns)."""
    start = _starts(patient_summary, patients, criteria)
    one = 1 if criteria.add_one_day else 0
    tp = timepoints[timepoints["overall_response"].notna()
                    & (timepoints["overall_response"].astype(str) != "")].copy()
    ovr = pd.DataFrame({
        "USUBJID": tp["patient_id"].astype(str), "PARAMCD": "OVR",
        "PARAM": "Overall Response by Investigator (RECIST 1.1)",
        "AVALC": tp["overall_response"].astype(str), "ADT": _dates(tp["date"]),
        "AVISIT": tp["visit"].astype("string").fillna("") if "visit" in tp.columns else "",
        "RULE": _text(tp["reasons"]) if "reasons" in tp.columns else "",
    })
    parts = [ovr]
    summary = patient_summary.copy()
    bor_rule = (f"BOR-1..7 (R11 4.4.2): best time point response up to the first PD; SD "
                f"counts from day {criteria.sd_min_days} after start (BOR-4)")
    parts.append(pd.DataFrame({
        "USUBJID": summary["patient_id"].astype(str), "PARAMCD": "BOR",
        "PARAM": "Best Overall Response (RECIST 1.1)",
        "AVALC": summary["bor"].astype("string").fillna(""),
        "ADT": _dates(summary["bor_date"]), "AVISIT": "", "RULE": bor_rule}))
    if "confirmed_bor" in summary.columns:
        conf_rule = (f"CONF-1..6 (R11 4.4.3, Table 3): CR/PR confirmed by an assessment "
                     f">= {criteria.confirmation_min_days} days later, at most "
                     f"{criteria.max_ne_between} NE between")
        parts.append(pd.DataFrame({
            "USUBJID": summary["patient_id"].astype(str), "PARAMCD": "CBOR",
            "PARAM": "Confirmed Best Overall Response (RECIST 1.1)",
            "AVALC": summary["confirmed_bor"].astype("string").fillna(""),
            "ADT": _dates(summary["bor_date"]), "AVISIT": "", "RULE": conf_rule}))
    adrs = pd.concat(parts, ignore_index=True)
    adrs["AVAL"] = adrs["AVALC"].map(AVAL_RESPONSE).fillna(MISSING_RESPONSE).astype(int)
    adrs["ADY"] = (adrs["ADT"] - adrs["USUBJID"].map(start)).dt.days + one
    order = {"OVR": 0, "BOR": 1, "CBOR": 2}
    adrs = adrs.assign(_o=adrs["PARAMCD"].map(order)).sort_values(
        ["USUBJID", "_o", "ADT"], kind="stable").drop(columns="_o")
    adrs["ADT"] = adrs["ADT"].dt.strftime("%Y-%m-%d").fillna("")
    adrs.insert(0, "STUDYID", studyid)
    adrs.insert(2, "ARM", _arm(adrs["USUBJID"], patients).to_numpy())
    columns = ["STUDYID", "USUBJID", "ARM", "PARAMCD", "PARAM", "AVALC", "AVAL", "ADT",
               "ADY", "AVISIT", "RULE"]
    return adrs[columns].reset_index(drop=True)


def adtte_from_responses(patient_summary: pd.DataFrame,
                         patients: pd.DataFrame | None = None, *, studyid: str = "RECIST",
                         criteria: Criteria = RECIST_1_1) -> pd.DataFrame:
    """ADTTE-like table with PFS, DOR and TTR (see the module docstring)."""
    summary = patient_summary.copy().reset_index(drop=True)
    ids = summary["patient_id"].astype(str)
    start = _starts(summary, patients, criteria).reindex(ids).to_numpy()
    one = 1 if criteria.add_one_day else 0
    event = _event(summary["pfs_event"])
    pfs_date, pd_date = _dates(summary["pfs_date"]), _dates(summary["pd_date"])
    response = _dates(summary["response_date"]) if "response_date" in summary.columns \
        else pd.Series(pd.NaT, index=summary.index)
    reason = summary["censor_reason"].astype("string").fillna("") \
        if "censor_reason" in summary.columns else pd.Series("", index=summary.index)
    event_text = np.where(pd_date.notna() & (pd_date == pfs_date), "PROGRESSIVE DISEASE",
                          "DEATH")
    description = np.where(event, event_text, reason.to_numpy(dtype=object))
    pfs = pd.DataFrame({
        "USUBJID": ids, "PARAMCD": "PFS", "PARAM": "Progression-Free Survival (days)",
        "AVAL": pd.to_numeric(summary["pfs_days"], errors="coerce"),
        "CNSR": np.where(event, 0, 1), "STARTDT": start, "ADT": pfs_date,
        "EVNTDESC": description})
    dor_days = pd.to_numeric(summary.get("dor_days"), errors="coerce") \
        if "dor_days" in summary.columns else pd.Series(np.nan, index=summary.index)
    responders = (response.notna() & dor_days.notna()).to_numpy()
    by_pd = (pd_date.notna() & (pd_date == pfs_date)).to_numpy()
    dor_event = event & (by_pd | criteria.death_is_dor_event)
    dor_end = response + pd.to_timedelta(dor_days - one, unit="D")
    dor = pd.DataFrame({
        "USUBJID": ids, "PARAMCD": "DOR", "PARAM": "Duration of Response (days)",
        "AVAL": dor_days, "CNSR": np.where(dor_event, 0, 1), "STARTDT": response,
        "ADT": dor_end, "EVNTDESC": np.where(dor_event | ~event, description,
                                             "DEATH (NOT A DOR EVENT): CENSORED")})[
        responders]
    responded = response.notna().to_numpy()
    ttr_days = (response - pd.Series(start)).dt.days + one
    ttr = pd.DataFrame({
        "USUBJID": ids, "PARAMCD": "TTR", "PARAM": "Time to Response (days)",
        "AVAL": np.where(responded, ttr_days, pd.to_numeric(summary["pfs_days"],
                                                             errors="coerce")),
        "CNSR": np.where(responded, 0, 1), "STARTDT": start,
        "ADT": np.where(responded, response, pfs_date),
        "EVNTDESC": np.where(responded, "RESPONSE (CR OR PR)",
                             "NO RESPONSE: CENSORED AT THE PFS DATE")})
    adtte = pd.concat([pfs, dor, ttr], ignore_index=True)
    for column in ("STARTDT", "ADT"):
        adtte[column] = _dates(adtte[column]).dt.strftime("%Y-%m-%d").fillna("")
    adtte["EVNTDESC"] = _text(adtte["EVNTDESC"])
    adtte.insert(0, "STUDYID", studyid)
    adtte.insert(2, "ARM", _arm(adtte["USUBJID"], patients).to_numpy())
    order = {"PFS": 0, "DOR": 1, "TTR": 2}
    adtte = adtte.assign(_o=adtte["PARAMCD"].map(order)).sort_values(
        ["USUBJID", "_o"], kind="stable").drop(columns="_o")
    return adtte.reset_index(drop=True)


def adam_tables(timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                patients: pd.DataFrame | None = None, *, studyid: str = "RECIST",
                criteria: Criteria = RECIST_1_1) -> dict[str, pd.DataFrame]:
    """ADRS and ADTTE of one assessment."""
    return {"ADRS": adrs_from_responses(timepoints, patient_summary, patients,
                                        studyid=studyid, criteria=criteria),
            "ADTTE": adtte_from_responses(patient_summary, patients, studyid=studyid,
                                          criteria=criteria)}
