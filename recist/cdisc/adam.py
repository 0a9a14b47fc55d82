"""ADaM tables shaped as admiralonco derives them: ADSL (minimal), ADRS and ADTTE.

Built from the outputs of ``recist.respond`` (one reader, or several stacked with an
``evaluator`` column, see ``recist.pipeline.sdtm.respond_by_evaluator``); variable names,
parameter codes and value conventions follow admiral / admiralonco so that an R user can
take the tables over (``haven::read_xpt``). Not a validated submission dataset.

**ADSL** — one row per subject: ``STUDYID, USUBJID, ARM, ACTARM, RANDDT, TRTSDT`` (the
patients table's start_date), ``DTHDT, DTHFL``, ``LSTALVDT`` (last contact, else the last
assessment).

**ADRS** — BDS, one row per parameter and assessment (per reader with ``evaluator``):

* ``OVR`` — overall response per post-baseline time point (``AVISIT``/``AVISITN`` the
  visit, ``ADT`` its date, ``RULE`` the rule that decided it); ``ANL01FL = "Y"`` unless
  the time point is on or after new anticancer therapy (DEC-17: not counted);
* ``BOR`` / ``CBOR`` — best overall response without / with confirmation (BOR-1..7,
  CONF-1..6), ``ADT`` its date;
* ``RSP`` / ``CRSP`` — response (CR or PR), Y/N, ``ADT`` the first response
  (confirmed: the first of the confirmed pair, CONF-7);
* ``CB`` / ``CCB`` — clinical benefit (CR, PR, SD or NON-CR/NON-PD as best response),
  Y/N;
* ``PD`` — disease progression, Y/N, ``ADT`` the PD date (TTE-1, DEC-13).

``AVAL`` codes a response as admiralonco's ``aval_resp``: CR 1, PR 2, SD 3, NON-CR/NON-PD
4, PD 5, NE 6, missing 7; Y/N as 1/0 (``yn_to_numeric``). ``ASEQ`` numbers each subject's
records. ``PARCAT1`` "Tumor Response", ``PARCAT2`` the evaluator, ``PARCAT3`` "RECIST
1.1"; ``RSEVAL``/``RSEVALID`` as in RS. Traceability: an ``OVR`` record points to its RS
record (``SRCDOM = "RS"``, ``SRCVAR = "RSSTRESC"``, ``SRCSEQ = RSSEQ`` of the RS that
``recist sdtm-out`` writes); a derived parameter points to the ``OVR`` record it comes
from (``SRCDOM = "ADRS"``, ``SRCVAR = "AVALC"``, ``SRCSEQ`` its ``ASEQ``).

**ADTTE** — one row per parameter and subject, ``AVAL`` in whole days (``ADT − STARTDT +
1`` with the criteria's ``add_one_day``, as admiral's ``derive_vars_duration``),
``AVALU = "DAYS"``, ``CNSR`` 0 = event, 1 = censored, ``EVNTDESC`` what ended the
interval and, for censored rows, ``CNSDTDSC`` the censoring date's description:

* ``OS`` (with a patients table): death (``ADSL.DTHDT``), else censored at the last date
  known alive (``ADSL.LSTALVDT``);
* ``PFS`` (TTE-4, TTE-5): PD (``ADRS`` PD date) or death, else censored at the last
  adequate tumour assessment (or the start date without one);
* ``RSD`` — duration of response (TTE-6), responders only, from the first response;
  event PD, or death when ``criteria.death_is_dor_event``;
* ``TTR`` — time to response (TTE-9): responders have an event at the first response;
  the others are censored at their PFS date (an interpretation: the usual SAP choice).

Dates are ISO strings in CSV and SAS dates (``DATE9.``) in XPT.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.vocabulary import OverallResponse

__all__ = ["AVAL_RESPONSE", "adam_tables", "adrs_from_responses", "adsl_from_patients",
           "adtte_from_responses"]

AVAL_RESPONSE = {response.value: response.rank + 1 for response in OverallResponse}
MISSING_RESPONSE = 7
_MAX_TEXT = 200  # XPT v5 character columns hold at most 200 bytes
_ORDER = {"OVR": 0, "BOR": 1, "CBOR": 2, "RSP": 3, "CRSP": 4, "CB": 5, "CCB": 6, "PD": 7}
_TTE_ORDER = {"OS": 0, "PFS": 1, "RSD": 2, "TTR": 3}
_CLINICAL_BENEFIT = ("CR", "PR", "SD", "NON-CR/NON-PD")
_NOT_COUNTED = "not counted for BOR or PFS (DEC-17)"


def _dates(values) -> pd.Series:
    if isinstance(values, pd.Series) and pd.api.types.is_datetime64_any_dtype(values):
        return pd.Series(values.to_numpy(), index=values.index, name=values.name)  # no copy
    return pd.to_datetime(values, errors="coerce")


def _per_unique(values: pd.Series | np.ndarray, func) -> np.ndarray:
    """``func`` of each distinct value (missing as None), spread back over the records:
    ADaM columns repeat a few texts (readers, rules, parameter names) over many rows."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    table = np.array([func(u) for u in uniques] + [func(None)], dtype=object)
    return table[codes]


def _text(values: pd.Series) -> np.ndarray:
    """Text cells cut to what XPT v5 holds (missing → empty)."""
    return values.astype(object).fillna("").astype(str).str.slice(0, _MAX_TEXT).to_numpy(
        dtype=object)


def _event(values: pd.Series) -> np.ndarray:
    if values.dtype == bool:
        return values.to_numpy(dtype=bool)
    return _per_unique(values, lambda v: str(v).strip().lower() in ("true", "1", "yes")
                       ).astype(bool)


def _readers(frame: pd.DataFrame) -> pd.Series:
    if "evaluator" in frame.columns:
        return pd.Series(_per_unique(frame["evaluator"], lambda v: "INVESTIGATOR"
                                     if v is None or pd.isna(v) else str(v).upper()),
                         index=frame.index, dtype=object)
    return pd.Series("INVESTIGATOR", index=frame.index, dtype=object)


def _reader_columns(readers: pd.Series) -> dict[str, np.ndarray]:
    def investigator(v: object) -> bool:
        return v == "INVESTIGATOR"

    return {"PARCAT2": _per_unique(readers, lambda v: "Investigator" if investigator(v)
                                   else f"Independent Assessor {v}"),
            "RSEVAL": _per_unique(readers, lambda v: "INVESTIGATOR" if investigator(v)
                                  else "INDEPENDENT ASSESSOR"),
            "RSEVALID": _per_unique(readers, lambda v: "" if investigator(v) else v)}


def _by(readers: pd.Series, name: str) -> np.ndarray:
    """``PARAM`` in admiralonco's words: the parameter's name "by" its reader, a
    parenthesised qualifier after the reader ("Best Overall Response by Investigator
    (confirmation not required)", "Overall Response by Radiologist 1")."""
    head, _, qualifier = name.partition(" (")
    tail = f" ({qualifier}" if qualifier else ""

    def reader(v: object) -> str:
        return "Investigator" if v == "INVESTIGATOR" else str(v).title()

    return _per_unique(readers, lambda v: f"{head} by {reader(v)}{tail}")


def _starts(summary: pd.DataFrame, patients: pd.DataFrame | None,
            criteria: Criteria) -> pd.Series:
    """Origin per summary row: start_date, else pfs_date − pfs_days (+1 day convention)."""
    ids = summary["patient_id"].astype(str)
    days = pd.to_numeric(summary["pfs_days"], errors="coerce")
    offset = days - (1 if criteria.add_one_day else 0)
    derived = pd.Series((_dates(summary["pfs_date"]) - pd.to_timedelta(offset, unit="D"))
                        .to_numpy(), index=summary.index)
    if patients is not None and "start_date" in patients.columns:
        given = _dates(patients["start_date"])
        given.index = patients["patient_id"].astype(str)
        return pd.Series(ids.map(given).to_numpy(), index=summary.index).fillna(derived)
    return derived


def _arm(ids: pd.Series, patients: pd.DataFrame | None) -> pd.Series:
    if patients is None or "arm" not in patients.columns:
        return pd.Series("", index=ids.index)
    arms = patients.set_index(patients["patient_id"].astype(str))["arm"].astype("string")
    return ids.map(arms).fillna("")


def adsl_from_patients(patients: pd.DataFrame, timepoints: pd.DataFrame | None = None, *,
                       studyid: str = "RECIST") -> pd.DataFrame:
    """A minimal ADSL: one row per patient of the patients table."""
    ids = patients["patient_id"].astype(str)

    def column(name: str) -> pd.Series:
        return _dates(patients[name]) if name in patients.columns else pd.Series(
            pd.NaT, index=patients.index)

    start, death = column("start_date"), column("death_date")
    last_alive = column("last_contact_date")
    if timepoints is not None and len(timepoints):
        last_scan = _dates(timepoints["date"]).groupby(
            timepoints["patient_id"].astype(str).to_numpy()).max()
        last_alive = last_alive.fillna(pd.Series(ids.map(last_scan).to_numpy(),
                                                 index=patients.index))
    arm = _arm(ids, patients)
    return pd.DataFrame({
        "STUDYID": studyid, "USUBJID": ids, "ARM": arm, "ACTARM": arm, "RANDDT": start,
        "TRTSDT": start, "DTHDT": death, "DTHFL": np.where(death.notna(), "Y", ""),
        "LSTALVDT": last_alive}).reset_index(drop=True)


def adrs_from_responses(timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                        patients: pd.DataFrame | None = None, *, studyid: str = "RECIST",
                        criteria: Criteria = RECIST_1_1) -> pd.DataFrame:
    """ADRS (see the module docstring for parameters and variables)."""
    one = 1 if criteria.add_one_day else 0
    tp = timepoints[timepoints["overall_response"].notna()
                    & (timepoints["overall_response"].astype(str) != "")].copy()
    tp["patient_id"] = tp["patient_id"].astype(str)
    readers = _readers(tp)
    visits = tp["visit"].astype("string").fillna("") if "visit" in tp.columns else \
        pd.Series("", index=tp.index, dtype="string")
    all_tp = timepoints.assign(patient_id=timepoints["patient_id"].astype(str))
    all_readers = _readers(all_tp)
    order = _dates(all_tp["date"]).groupby([all_readers.to_numpy(),
                                            all_tp["patient_id"].to_numpy()]).rank(
        method="dense").astype(int) - 1  # baseline 0, first follow-up 1 …
    avisitn = order.loc[tp.index]
    if "visitnum" in timepoints.columns:
        given = pd.to_numeric(timepoints.loc[tp.index, "visitnum"], errors="coerce")
        avisitn = given.where(given.notna(), avisitn)
    dates = _dates(tp["date"])
    from recist.cdisc.sdtm_out import overall_response_rsseq

    seq = pd.Series(overall_response_rsseq(timepoints),
                    index=timepoints.index).loc[tp.index]
    counted = ~tp["reasons"].astype(object).fillna("").astype(str).str.contains(
        _NOT_COUNTED, regex=False) if "reasons" in tp.columns \
        else pd.Series(True, index=tp.index)
    ovr = pd.DataFrame({
        "USUBJID": tp["patient_id"], "evaluator": readers.to_numpy(), "PARAMCD": "OVR",
        "PARAM": _by(readers, "Overall Response"),
        "AVALC": tp["overall_response"].astype(str), "ADT": dates,
        "AVISIT": visits, "AVISITN": avisitn.to_numpy(dtype=float),
        "ANL01FL": np.where(counted.to_numpy(dtype=bool), "Y", ""),
        "RULE": _text(tp["reasons"]) if "reasons" in tp.columns else "",
        "SRCDOM": "RS", "SRCVAR": "RSSTRESC", "SRCSEQ": seq.to_numpy(dtype=float)})
    parts = [ovr]
    summary = patient_summary.assign(patient_id=patient_summary["patient_id"].astype(str))
    s_readers = _readers(summary)
    pd_date = _dates(summary["pd_date"])
    response = _dates(summary["response_date"]) if "response_date" in summary.columns \
        else pd.Series(pd.NaT, index=summary.index)

    def best(code: str, name: str, column: str, rule: str, date_column: str) -> None:
        value = summary[column].astype("string").fillna("")
        parts.append(pd.DataFrame({
            "USUBJID": summary["patient_id"], "evaluator": s_readers.to_numpy(),
            "PARAMCD": code, "PARAM": _by(s_readers, name), "AVALC": value,
            "ADT": _dates(summary[date_column]), "AVISIT": "", "AVISITN": np.nan,
            "ANL01FL": "Y", "RULE": rule}))

    def flag(code: str, name: str, yes: np.ndarray, when: pd.Series, rule: str) -> None:
        parts.append(pd.DataFrame({
            "USUBJID": summary["patient_id"], "evaluator": s_readers.to_numpy(),
            "PARAMCD": code, "PARAM": _by(s_readers, name),
            "AVALC": np.where(yes, "Y", "N"), "ADT": when.where(yes), "AVISIT": "",
            "AVISITN": np.nan, "ANL01FL": "Y", "RULE": rule}))

    bor_rule = (f"BOR-1..7 (R11 4.4.2): best time point response up to the first PD; SD "
                f"counts from day {criteria.sd_min_days} after start (BOR-4)")
    best("BOR", "Best Overall Response (confirmation not required)", "bor", bor_rule,
         "bor_date")
    bor = summary["bor"].astype(str)
    confirmed = "confirmed_bor" in summary.columns
    if confirmed:
        conf_rule = (f"CONF-1..6 (R11 4.4.3, Table 3): CR/PR confirmed by an assessment "
                     f">= {criteria.confirmation_min_days} days later, at most "
                     f"{criteria.max_ne_between} NE between")
        best("CBOR", "Best Confirmed Overall Response", "confirmed_bor",
             conf_rule, "bor_date")
        cbor = summary["confirmed_bor"].astype(str)
        # the summary's response_date is the confirmed pair's first date with confirmation
        flag("CRSP", "Confirmed Response", cbor.isin(["CR", "PR"]).to_numpy(), response,
             "confirmed BOR CR or PR (CONF-7: dated at the first of the pair)")
        flag("CCB", "Confirmed Clinical Benefit",
             cbor.isin(_CLINICAL_BENEFIT).to_numpy(), _dates(summary["bor_date"]),
             "confirmed BOR CR, PR, SD or NON-CR/NON-PD")
    else:
        flag("RSP", "Response (confirmation not required)", bor.isin(["CR", "PR"]).to_numpy(),
             response, "BOR CR or PR")
    if confirmed:
        # RSP without confirmation: the first CR/PR time point of each patient
        ovr_resp = ovr[ovr["AVALC"].isin(["CR", "PR"]) & (ovr["ANL01FL"] == "Y")]
        first = ovr_resp.groupby(["evaluator", "USUBJID"])["ADT"].min()
        when = pd.Series(first.reindex(pd.MultiIndex.from_arrays(
            [s_readers.to_numpy(), summary["patient_id"]])).to_numpy(), index=summary.index)
        flag("RSP", "Response (confirmation not required)", bor.isin(["CR", "PR"]).to_numpy(),
             when, "BOR CR or PR")
    flag("CB", "Clinical Benefit (confirmation for response not required)",
         bor.isin(_CLINICAL_BENEFIT).to_numpy(), _dates(summary["bor_date"]),
         "BOR CR, PR, SD or NON-CR/NON-PD")
    flag("PD", "Disease Progression", pd_date.notna().to_numpy(), pd_date,
         "first PD (TTE-1), dated back for a confirmed equivocal new lesion (DEC-13)")
    adrs = pd.concat([p.astype({"AVISITN": float}) for p in parts], ignore_index=True)
    is_yn = adrs["AVALC"].isin(["Y", "N"]) & ~adrs["PARAMCD"].isin(["OVR", "BOR", "CBOR"])
    adrs["AVAL"] = np.where(is_yn, (adrs["AVALC"] == "Y").astype(int),
                            adrs["AVALC"].map(AVAL_RESPONSE).fillna(MISSING_RESPONSE))
    adrs["AVAL"] = adrs["AVAL"].astype(int)
    start = _starts(summary, patients, criteria)
    start.index = pd.MultiIndex.from_arrays([s_readers.to_numpy(), summary["patient_id"]])
    origin = start[~start.index.duplicated()].reindex(pd.MultiIndex.from_arrays(
        [adrs["evaluator"], adrs["USUBJID"]]))
    adrs["ADY"] = ((adrs["ADT"] - origin.to_numpy()).dt.days + one).astype("Int64")
    # sort by reader, subject, parameter, date (missing last); codes, not texts
    reader_code = pd.factorize(adrs["evaluator"].to_numpy(dtype=object), sort=True)[0]
    subject_code = pd.factorize(adrs["USUBJID"].astype(str).to_numpy(dtype=object),
                                sort=True)[0]
    day = adrs["ADT"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    day = np.where(adrs["ADT"].isna().to_numpy(), np.iinfo(np.int64).max, day)
    parameter = adrs["PARAMCD"].map(_ORDER).to_numpy()
    order = np.lexsort((day, parameter, subject_code, reader_code))
    adrs = adrs.take(order).reset_index(drop=True)
    reader_code, subject_code, day = reader_code[order], subject_code[order], day[order]
    adrs["ASEQ"] = pd.Series(subject_code).groupby(subject_code).cumcount().to_numpy() + 1
    # derived parameters point to the OVR record of their date
    is_ovr = (adrs["PARAMCD"] == "OVR").to_numpy()
    key = pd.MultiIndex.from_arrays([reader_code * (subject_code.max(initial=0) + 1)
                                     + subject_code, day])
    lookup = pd.Series(adrs["ASEQ"].to_numpy()[is_ovr], index=key[is_ovr])
    lookup = lookup[~lookup.index.duplicated()]
    derived = ~is_ovr
    found = lookup.reindex(key)
    adrs.loc[derived, "SRCSEQ"] = found.to_numpy(dtype=float)[derived]
    has_source = derived & found.notna().to_numpy()
    adrs.loc[has_source, "SRCDOM"] = "ADRS"
    adrs.loc[has_source, "SRCVAR"] = "AVALC"
    adrs["SRCDOM"] = adrs["SRCDOM"].fillna("")
    adrs["SRCVAR"] = adrs["SRCVAR"].fillna("")
    adrs["SRCSEQ"] = adrs["SRCSEQ"].astype("Int64")
    adrs["AVISITN"] = adrs["AVISITN"].astype("Int64")
    adrs.insert(0, "STUDYID", studyid)
    adrs["ARM"] = _arm(adrs["USUBJID"], patients).to_numpy()
    extra = _reader_columns(adrs["evaluator"])
    for name, values in extra.items():
        adrs[name] = values
    adrs["PARCAT1"], adrs["PARCAT3"] = "Tumor Response", "RECIST 1.1"
    columns = ["STUDYID", "USUBJID", "ARM", "ASEQ", "PARAMCD", "PARAM", "PARCAT1",
               "PARCAT2", "PARCAT3", "RSEVAL", "RSEVALID", "AVALC", "AVAL", "ADT", "ADY",
               "AVISIT", "AVISITN", "ANL01FL", "SRCDOM", "SRCVAR", "SRCSEQ", "RULE"]
    if "evaluator" in timepoints.columns:
        columns.insert(2, "EVALUATR")
        adrs["EVALUATR"] = adrs["evaluator"]
    return adrs[columns]


def adtte_from_responses(patient_summary: pd.DataFrame,
                         patients: pd.DataFrame | None = None, *, studyid: str = "RECIST",
                         criteria: Criteria = RECIST_1_1,
                         timepoints: pd.DataFrame | None = None) -> pd.DataFrame:
    """ADTTE with OS (needs ``patients``), PFS, RSD and TTR (see the module docstring)."""
    summary = patient_summary.copy().reset_index(drop=True)
    ids = summary["patient_id"].astype(str)
    readers = _readers(summary)
    start = _starts(summary, patients, criteria)
    one = 1 if criteria.add_one_day else 0
    event = _event(summary["pfs_event"])
    pfs_date, pd_date = _dates(summary["pfs_date"]), _dates(summary["pd_date"])
    response = _dates(summary["response_date"]) if "response_date" in summary.columns \
        else pd.Series(pd.NaT, index=summary.index)
    reason = summary["censor_reason"].astype("string").fillna("") \
        if "censor_reason" in summary.columns else pd.Series("", index=summary.index)
    by_pd = (pd_date.notna() & (pd_date == pfs_date)).to_numpy()
    at_start = (pfs_date == start).to_numpy()
    censor_text = np.where(at_start, "START OF FOLLOW-UP", "LAST TUMOR ASSESSMENT")
    # the engine's reason in words says which last assessment (new therapy, missed scans)
    therapy = reason.str.contains("new anticancer therapy", regex=False).to_numpy(dtype=bool)
    missed = reason.str.contains("missed assessments", regex=False).to_numpy(dtype=bool)
    censor_text = np.where(therapy & ~at_start, "LAST TUMOR ASSESSMENT BEFORE NEW ANTICANCER"
                           " THERAPY", censor_text)
    censor_text = np.where(missed & ~at_start, "LAST TUMOR ASSESSMENT BEFORE MISSED "
                           "ASSESSMENTS", censor_text)

    def rows(code: str, name: str, keep: np.ndarray, start_date, end_date, days, censored,
             event_text, censor_description, source: tuple[np.ndarray, np.ndarray]) -> None:
        parts.append(pd.DataFrame({
            "USUBJID": ids, "evaluator": readers.to_numpy(), "PARAMCD": code,
            "PARAM": name, "STARTDT": start_date, "ADT": end_date, "AVAL": days,
            "CNSR": censored.astype(int), "EVNTDESC": event_text,
            "CNSDTDSC": np.where(censored, censor_description, ""),
            "SRCDOM": source[0], "SRCVAR": source[1]})[keep])

    parts: list[pd.DataFrame] = []
    everyone = np.ones(len(summary), dtype=bool)
    if patients is not None:
        adsl = adsl_from_patients(patients, timepoints, studyid=studyid).set_index("USUBJID")
        death = _dates(ids.map(adsl["DTHDT"]))
        alive = _dates(ids.map(adsl["LSTALVDT"])).fillna(pfs_date)
        died = death.notna().to_numpy()
        end = death.where(died, alive)
        rows("OS", "Overall Survival", everyone, start, end,
             (end - start).dt.days + one, ~died,
             np.where(died, "DEATH", "LAST DATE KNOWN ALIVE"), "LAST DATE KNOWN ALIVE",
             (np.where(died, "ADSL", "ADSL"), np.where(died, "DTHDT", "LSTALVDT")))
    pfs_event_text = np.where(by_pd, "PD", "DEATH")
    rows("PFS", "Progression Free Survival", everyone, start, pfs_date,
         pd.to_numeric(summary["pfs_days"], errors="coerce"), ~event,
         np.where(event, pfs_event_text, censor_text), censor_text,
         (np.where(event & ~by_pd, "ADSL", "ADRS"),
          np.where(event & ~by_pd, "DTHDT", "ADT")))
    dor_days = pd.to_numeric(summary["dor_days"], errors="coerce") \
        if "dor_days" in summary.columns else pd.Series(np.nan, index=summary.index)
    responders = (response.notna() & dor_days.notna()).to_numpy()
    dor_event = event & (by_pd | criteria.death_is_dor_event)
    dor_end = response + pd.to_timedelta(dor_days - one, unit="D")
    dor_text = np.where(dor_event, pfs_event_text,
                        np.where(event, "DEATH (NOT A DOR EVENT)", censor_text))
    rows("RSD", "Duration of Response", responders, response, dor_end, dor_days, ~dor_event,
         dor_text, "LAST TUMOR ASSESSMENT",
         (np.where(dor_event & ~by_pd, "ADSL", "ADRS"),
          np.where(dor_event & ~by_pd, "DTHDT", "ADT")))
    responded = response.notna().to_numpy()
    ttr_days = (response - start).dt.days + one
    rows("TTR", "Time to Response", everyone, start, response.where(responded, pfs_date),
         np.where(responded, ttr_days, pd.to_numeric(summary["pfs_days"], errors="coerce")),
         ~responded, np.where(responded, "RESPONSE (CR OR PR)", "NO RESPONSE"),
         "PFS DATE (NO RESPONSE)", (np.full(len(summary), "ADRS"),
                                    np.full(len(summary), "ADT")))
    adtte = pd.concat(parts, ignore_index=True)
    adtte["AVAL"] = pd.to_numeric(adtte["AVAL"], errors="coerce").round().astype("Int64")
    adtte["AVALU"] = "DAYS"
    adtte["EVNTDESC"] = _text(adtte["EVNTDESC"])
    adtte["_o"] = adtte["PARAMCD"].map(_TTE_ORDER)
    adtte = adtte.sort_values(["evaluator", "USUBJID", "_o"], kind="stable").drop(
        columns="_o").reset_index(drop=True)
    adtte["ASEQ"] = adtte.groupby("USUBJID").cumcount() + 1
    adtte.insert(0, "STUDYID", studyid)
    adtte["ARM"] = _arm(adtte["USUBJID"], patients).to_numpy()
    for name, values in _reader_columns(adtte["evaluator"]).items():
        adtte[name] = values
    adtte["SRCSEQ"] = pd.array([pd.NA] * len(adtte), dtype="Int64")
    columns = ["STUDYID", "USUBJID", "ARM", "ASEQ", "PARAMCD", "PARAM", "PARCAT2", "RSEVAL",
               "RSEVALID", "STARTDT", "ADT", "AVAL", "AVALU", "CNSR", "EVNTDESC",
               "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]
    if "evaluator" in patient_summary.columns:
        columns.insert(2, "EVALUATR")
        adtte["EVALUATR"] = adtte["evaluator"]
    return adtte[columns]


def adam_tables(timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                patients: pd.DataFrame | None = None, *, studyid: str = "RECIST",
                criteria: Criteria = RECIST_1_1) -> dict[str, pd.DataFrame]:
    """ADSL (with a patients table), ADRS and ADTTE of one assessment."""
    tables = {}
    if patients is not None:
        tables["ADSL"] = adsl_from_patients(patients, timepoints, studyid=studyid)
    tables["ADRS"] = adrs_from_responses(timepoints, patient_summary, patients,
                                         studyid=studyid, criteria=criteria)
    tables["ADTTE"] = adtte_from_responses(patient_summary, patients, studyid=studyid,
                                           criteria=criteria, timepoints=timepoints)
    return tables
