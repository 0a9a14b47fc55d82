"""Compare a sponsor's SDTM RS responses with the responses recomputed from TR.

A reviewer's check: read RS (``read_sdtm_responses``), recompute the responses from the
same trial's TU/TR with ``recist.respond`` (one reader at a time), and list agreement per
assessment with an explanation of every disagreement (``compare_responses``).

* Tests compared: ``OVRLRESP``, ``TRGRESP``, ``NTRGRESP``, ``NEWLIND`` (Y / N /
  EQUIVOCAL), ``NEWLPROG`` (Y when an unequivocal new lesion makes the time point PD) per
  time point, and best response (``BESTRSP``/``BESTRESP``/``CBESTRSP``) per patient.
  Results are read through ``recist.cdisc.terminology`` (CR, PARTIAL RESPONSE, NON CR/NON
  PD … and YES / NO); an unknown result is an error naming STUDYID, USUBJID and RSSEQ.
* Time points are matched by reader, patient and visit (``VISIT``), else by reader,
  patient and date (``RSDTC``).
* Readers: RS records are labelled like TR (``RSEVALID`` else ``RSEVAL``); ``evaluator``
  keeps one reader, ``"accepted"`` the ``RSACPTFL = Y`` records.
* Explanations: a target response that differs is checked against the usual causes — PD
  measured from the nadir where the sponsor compared with baseline (SUM-8), a target not
  evaluated (SUM-7, NE), a nodal target summed by its long axis instead of its short axis
  (SUM-1) — and otherwise the sums and percentages are given; non-target and new-lesion
  differences list the lesions' statuses at that time point.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recist.cdisc._sdtm_values import (
    _col,
    _dates,
    _records,
    coalesce,
    reader_labels,
    to_dates,
)
from recist.cdisc.terminology import RESPONSE_RESULTS, YES_NO_RESULTS, canonical
from recist.cdisc.xpt import as_cdisc_frame
from recist.criteria import RECIST_1_1, Criteria
from recist.errors import RecistDataError
from recist.findings import Finding

__all__ = ["COMPARED_TESTS", "compare_responses", "read_sdtm_responses"]

_TIMEPOINT_TESTS = {"TRGRESP": "target_response", "NTRGRESP": "nontarget_response",
                    "NEWLIND": "new_lesions", "NEWLPROG": "new_lesions",
                    "OVRLRESP": "overall_response"}
_BEST_TESTS = ("BESTRSP", "BESTRESP", "CBESTRSP")
_YES_NO_TESTS = ("NEWLIND", "NEWLPROG")
COMPARED_TESTS = (*_TIMEPOINT_TESTS, *_BEST_TESTS)


def read_sdtm_responses(rs: pd.DataFrame | str | Path, *, evaluator: str | None = None,
                        date_imputation: str = "first",
                        findings: list[Finding] | None = None) -> pd.DataFrame:
    """RS records as a table: ``[evaluator,] patient_id, visit, date, test, result``.

    Only the RECIST response tests of ``COMPARED_TESTS`` are kept; results are the
    standard terms (CR, PR, SD, PD, NE, NON-CR/NON-PD, NA; Y, N, EQUIVOCAL). The
    ``evaluator`` column is present when RS names its readers (``RSEVAL``/``RSEVALID``).
    """
    rs = as_cdisc_frame(rs, "RS")
    missing = [c for c in ("USUBJID", "RSTESTCD") if c not in rs.columns]
    if missing or ("RSSTRESC" not in rs.columns and "RSORRES" not in rs.columns):
        raise RecistDataError("RS: needs USUBJID, RSTESTCD and RSSTRESC or RSORRES; missing "
                              f"{', '.join(missing) or 'RSSTRESC/RSORRES'}")
    readers = reader_labels(rs, "RS")
    if evaluator is not None:
        wanted = evaluator.strip().upper()
        if wanted == "ACCEPTED":
            keep = _col(rs, "RSACPTFL") == "Y"
            label = "ACCEPTED"
        else:
            keep = (_col(rs, "RSEVAL") == wanted) | (_col(rs, "RSEVALID") == wanted)
            chosen = sorted(set(readers[keep.fillna(False).to_numpy(dtype=bool)])) \
                if readers is not None else []
            label = chosen[0] if len(chosen) == 1 else wanted
        keep = keep.fillna(False).to_numpy(dtype=bool)
        rs = rs[keep]
        readers = pd.Series(label, index=rs.index, dtype="string")
    test = _col(rs, "RSTESTCD")
    keep = test.isin(COMPARED_TESTS).to_numpy()
    rs, test = rs[keep], test[keep]
    if readers is not None:
        readers = readers[keep]
    date = _dates(rs, "RSDTC", "RS", findings if findings is not None else [],
                  date_imputation) if "RSDTC" in rs.columns else pd.Series(
        pd.NA, index=rs.index, dtype="string")
    text = canonical(coalesce(_col(rs, "RSSTRESC"), _col(rs, "RSORRES")))
    # TRGRESP / NTRGRESP "NA" (not applicable: no target / no non-target lesion) is what a
    # CSV reader cannot tell from an empty cell; both are read as NA.
    component = test.isin(["TRGRESP", "NTRGRESP"]).to_numpy()
    text = coalesce(text.astype("category"), "NA").where(component, text) \
        if component.any() else text
    yes_no = test.isin(_YES_NO_TESTS).to_numpy()
    result = pd.Series(pd.NA, index=rs.index, dtype="string")
    result[yes_no] = text[yes_no].map(YES_NO_RESULTS)
    result[~yes_no] = text[~yes_no].map(RESPONSE_RESULTS)
    unknown = rs.index[result.isna().to_numpy() & text.notna().to_numpy()]
    if len(unknown):
        raise RecistDataError(
            f"RS: {test[unknown[0]]} result {text[unknown[0]]!r} "
            f"({_records(rs, unknown, 'RS')}) is not a response this reader knows; use the "
            "CDISC terms (CR, PR, SD, PD, NE, NON-CR/NON-PD, NA; Y / N for NEWLIND and "
            "NEWLPROG)")
    table = pd.DataFrame({
        "patient_id": rs["USUBJID"].astype(str),
        "visit": rs["VISIT"].astype("string") if "VISIT" in rs.columns else pd.NA,
        "date": to_dates(date),
        "test": test.astype(str).to_numpy(),
        "result": result,
    })
    if readers is not None:
        table.insert(0, "evaluator", readers.astype(str).to_numpy())
    return table.reset_index(drop=True)


def _computed_long(timepoints: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    tp = timepoints.copy()
    tp["patient_id"] = tp["patient_id"].astype(str)
    tp["date"] = pd.to_datetime(tp["date"])
    if "visit" not in tp.columns:
        tp["visit"] = pd.NA
    tp["NEWLPROG"] = np.where(tp["new_lesions"].astype(str) == "Y", "Y", "N")
    tp.loc[tp["new_lesions"].isna() | (tp["new_lesions"].astype(str) == ""), "NEWLPROG"] = \
        pd.NA
    columns = {"TRGRESP": "target_response", "NTRGRESP": "nontarget_response",
               "NEWLIND": "new_lesions", "NEWLPROG": "NEWLPROG",
               "OVRLRESP": "overall_response"}
    parts = []
    for test, column in columns.items():
        part = tp[keys + ["visit", "date"]].copy()
        part["test"] = test
        part["computed"] = tp[column].astype("string").to_numpy()
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    return long[long["computed"].notna() & (long["computed"] != "")]


def compare_responses(timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                      reported: pd.DataFrame, measurements: pd.DataFrame | None = None,
                      criteria: Criteria = RECIST_1_1) -> pd.DataFrame:
    """Reported (RS) versus computed responses, one row per reported record.

    Returns ``[evaluator,] patient_id, visit, date, test, reported, computed, agree,
    explanation``; ``computed`` is empty (and ``agree`` False) when no computed time point
    matches. Best response rows compare with ``confirmed_bor`` when the summary has it,
    else ``bor``. ``measurements`` (the table the responses were computed from) lets the
    explanations name lesions and test the nodal-axis hypothesis.
    """
    by_reader = "evaluator" in reported.columns and "evaluator" in timepoints.columns
    if "evaluator" in timepoints.columns and not by_reader \
            and timepoints["evaluator"].nunique() > 1:
        raise RecistDataError(
            "RS names no reader (RSEVAL/RSEVALID) but TR holds several "
            f"({', '.join(sorted(timepoints['evaluator'].astype(str).unique()))}); choose "
            "the reader RS belongs to with evaluator= (--evaluator)")
    keys = ["evaluator", "patient_id"] if by_reader else ["patient_id"]
    long = _computed_long(timepoints, keys)
    per_visit = reported[reported["test"].isin(list(_TIMEPOINT_TESTS))].reset_index(
        drop=True)
    computed = pd.Series(pd.NA, index=per_visit.index, dtype="string")
    matched_visit = pd.Series(pd.NA, index=per_visit.index, dtype="string")
    has_visit = per_visit["visit"].notna().to_numpy()
    on = keys + ["visit", "test"]
    if has_visit.any():
        matched = per_visit[has_visit].merge(
            long[long["visit"].notna()].drop(columns="date").drop_duplicates(on),
            on=on, how="left")
        computed[has_visit] = matched["computed"].astype("string").to_numpy()
        matched_visit[has_visit] = np.where(matched["computed"].notna(),
                                            per_visit.loc[has_visit, "visit"], pd.NA)
    unmatched = computed.isna().to_numpy()
    if unmatched.any():  # no visit, or no time point of that visit: match the date
        on = keys + ["date", "test"]
        matched = per_visit[unmatched].drop(columns="visit").merge(
            long.drop_duplicates(on), on=on, how="left")
        computed[unmatched] = matched["computed"].astype("string").to_numpy()
        matched_visit[unmatched] = matched["visit"].astype("string").to_numpy()
    by_visit = per_visit.assign(computed=computed, _tp=matched_visit)
    best_column = "confirmed_bor" if "confirmed_bor" in patient_summary.columns else "bor"
    summary = patient_summary.astype({"patient_id": str}).rename(
        columns={best_column: "computed"})
    summary_keys = keys if "evaluator" in summary.columns and by_reader else ["patient_id"]
    best = reported[reported["test"].isin(list(_BEST_TESTS))].merge(
        summary[summary_keys + ["computed"]].drop_duplicates(summary_keys),
        on=summary_keys, how="left")
    out = _stack([by_visit, best]).rename(columns={"result": "reported"})
    out["computed"] = out["computed"].astype("string")
    out["agree"] = (out["reported"].astype("string") == out["computed"]).fillna(False)
    out["explanation"] = _explanations(out, timepoints, measurements, keys, criteria,
                                       best_column)
    columns = keys + ["visit", "date", "test", "reported", "computed", "agree",
                      "explanation"]
    return out[columns].astype({"agree": bool})


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows of ``frames`` stacked; a column that is all missing in one frame takes the
    dtype it has elsewhere (pandas' concat would otherwise warn and guess)."""
    frames = [frame for frame in frames if len(frame)] or frames[:1]
    columns = list(dict.fromkeys(c for frame in frames for c in frame.columns))
    dtypes = {}
    for column in columns:
        filled = [f[column] for f in frames if column in f.columns and f[column].notna().any()]
        dtypes[column] = filled[0].dtype if filled else object
    return pd.concat([frame.reindex(columns=columns).astype(dtypes) for frame in frames],
                     ignore_index=True)


# --------------------------------------------------------------------------------------
# explanations


def _visit_text(visits: pd.Series) -> pd.Series:
    """Visit labels as text, a missing one as ``<NA>`` whatever the column's dtype (a
    categorical's missing cell would read ``nan``)."""
    return visits.astype("string").astype(str)


def _lesions_at(measurements: pd.DataFrame | None, key: dict, visit, kinds) -> str:
    if measurements is None or pd.isna(visit):
        return ""
    rows = measurements[(measurements["patient_id"].astype(str) == key["patient_id"])
                        & (_visit_text(measurements["visit"]) == str(visit))
                        & measurements["kind"].isin(kinds)]
    if "evaluator" in key and "evaluator" in measurements.columns:
        rows = rows[rows["evaluator"].astype(str) == key["evaluator"]]
    return ", ".join(f"{r.lesion_id} {r.status}" for r in rows.itertuples())


def _alternative_nodal(measurements: pd.DataFrame | None, key: dict, visit,
                       reported: str, criteria: Criteria) -> str:
    """The nodal-axis hypothesis: does summing nodes by their LD give ``reported``?"""
    if measurements is None:
        return ""
    rows = measurements[(measurements["patient_id"].astype(str) == key["patient_id"])
                        & (measurements["kind"] == "target")]
    if "evaluator" in key and "evaluator" in measurements.columns:
        rows = rows[rows["evaluator"].astype(str) == key["evaluator"]]
    nodes = rows[rows["nodal"].astype(bool) & rows["ld_mm"].notna()]
    if nodes.empty:
        return ""
    counted = np.where(rows["nodal"].astype(bool) & rows["ld_mm"].notna(), rows["ld_mm"],
                       np.where(rows["nodal"].astype(bool), rows["sa_mm"], rows["ld_mm"]))
    status = rows["status"].astype(str).to_numpy()
    mm = np.select([status == "measured", status == "too_small"],
                   [counted.astype(float), criteria.too_small_mm], 0.0)
    sums = pd.DataFrame({"visit": _visit_text(rows["visit"]).to_numpy(),
                         "date": pd.to_datetime(rows["date"]).to_numpy(), "mm": mm}).groupby(
        "visit").agg(date=("date", "min"), mm=("mm", "sum")).sort_values("date")
    if str(visit) not in sums.index or len(sums) < 2:
        return ""
    position = list(sums.index).index(str(visit))
    if position == 0:
        return ""
    baseline = float(sums["mm"].iloc[0])
    current = float(sums["mm"].iloc[position])
    nadir = float(sums["mm"].iloc[:position].min())
    if current == 0:
        alternative = "CR"
    elif nadir > 0 and current - nadir >= criteria.pd_min_increase_mm \
            and (current - nadir) / nadir * 100 >= criteria.pd_increase_pct:
        alternative = "PD"
    elif baseline > 0 and (current - baseline) / baseline * 100 <= -criteria.pr_decrease_pct:
        alternative = "PR"
    else:
        alternative = "SD"
    if alternative != reported:
        return ""
    names = ", ".join(sorted(set(nodes["lesion_id"].astype(str))))
    return (f"the reported {reported} matches a sum that counts the long axis of nodal "
            f"target(s) {names} ({current:g} mm, {100 * (current - baseline) / baseline:+.1f}%"
            f" from baseline {baseline:g} mm); RECIST sums a node's short axis (SUM-1)")


def _target_explanation(row, tp, measurements, key, criteria) -> str:
    reported, computed = str(row["reported"]), str(row["computed"])
    if tp is None:
        return ""
    total, base, nadir = tp.get("sum_mm"), tp.get("baseline_sum_mm"), tp.get("nadir_mm")
    from_base, from_nadir = tp.get("pct_from_baseline"), tp.get("pct_from_nadir")
    if computed == "NE" and pd.isna(total):
        missing = _lesions_at(measurements, key, row["_tp"], ["target"])
        return (f"a target lesion was not evaluated at this time point, so the sum and the "
                f"target response are NE (SUM-7){': ' + missing if missing else ''}; the "
                f"reported {reported} must come from the lesions that were measured")
    nodal = _alternative_nodal(measurements, key, row["_tp"], reported, criteria)
    if nodal:
        return nodal
    if computed == "PD" and reported in ("SD", "PR") and pd.notna(from_base) \
            and float(from_base) < criteria.pd_increase_pct:
        return (f"PD is measured from the nadir (SUM-8, TGT-PD): sum {float(total):g} mm is "
                f"{float(from_nadir):+.1f}% and {float(total) - float(nadir):+g} mm over the "
                f"nadir {float(nadir):g} mm; from baseline {float(base):g} mm it is "
                f"{float(from_base):+.1f}%, so the reported {reported} matches a comparison "
                "with baseline instead of the nadir")
    if pd.isna(total):
        return f"recomputed target response {computed}; reported {reported}"
    parts = [f"sum {float(total):g} mm"]
    if pd.notna(from_base):
        parts.append(f"{float(from_base):+.1f}% from baseline {float(base):g} mm")
    if pd.notna(from_nadir):
        parts.append(f"{float(from_nadir):+.1f}% from nadir {float(nadir):g} mm")
    return f"recomputed target response {computed} ({', '.join(parts)}); reported {reported}"


def _explanations(out: pd.DataFrame, timepoints: pd.DataFrame,
                  measurements: pd.DataFrame | None, keys: list[str], criteria: Criteria,
                  best_column: str) -> pd.Series:
    text = pd.Series("", index=out.index, dtype=object)
    tp_table = timepoints.copy()
    tp_table["patient_id"] = tp_table["patient_id"].astype(str)
    if "visit" not in tp_table.columns:
        tp_table["visit"] = pd.NA
    tp_index = {tuple(r[k] for k in keys) + (str(r["visit"]),): r
                for r in tp_table.to_dict("records")}
    for position in np.flatnonzero(~out["agree"].to_numpy(dtype=bool)):
        row = out.iloc[position]
        key = {k: str(row[k]) for k in keys}
        test = row["test"]
        if test in _BEST_TESTS:
            text.iat[position] = (
                f"recomputed {best_column.replace('_', ' ')} {row['computed']}; reported "
                f"{row['reported']}: see the time points of this patient"
                if pd.notna(row["computed"]) else
                "no recomputed patient: TR has no assessment of this patient and reader")
            continue
        if pd.isna(row["computed"]):
            when = row["visit"] if pd.notna(row["visit"]) else row["date"]
            text.iat[position] = (f"no recomputed time point for {when}: TR has no "
                                  "assessment of this patient and reader at that visit or "
                                  "date")
            continue
        tp = tp_index.get(tuple(key[k] for k in keys) + (str(row["_tp"]),))
        if test == "TRGRESP":
            text.iat[position] = _target_explanation(row, tp, measurements, key, criteria)
        elif test == "NTRGRESP":
            lesions = _lesions_at(measurements, key, row["_tp"], ["non-target"])
            text.iat[position] = (f"recomputed non-target response {row['computed']} from "
                                  f"{lesions or 'the non-target lesions'}; reported "
                                  f"{row['reported']}")
        elif test in _YES_NO_TESTS:
            lesions = _lesions_at(measurements, key, row["_tp"], ["new"])
            text.iat[position] = (f"new lesions at this time point: "
                                  f"{lesions or 'none recorded in TR/TU'} (an equivocal new "
                                  "lesion is not PD until confirmed, NEW-3); reported "
                                  f"{row['reported']}, recomputed {row['computed']}")
        elif tp is not None:
            target = _target_explanation(
                {**row.to_dict(), "computed": tp.get("target_response"),
                 "reported": row["reported"]}, tp, measurements, key, criteria) \
                if tp.get("overall_response") != row["reported"] else ""
            dated_back = (
                "; an equivocal new lesion confirmed at a later scan makes PD from the "
                "scan that first showed it (DEC-13)"
                if tp.get("new_lesions") == "EQUIVOCAL" and row["computed"] == "PD" else "")
            text.iat[position] = (
                f"recomputed overall {row['computed']} from target "
                f"{tp.get('target_response')}, non-target {tp.get('nontarget_response')}, "
                f"new lesions {tp.get('new_lesions')} (R11 Table 1)"
                + (f"; target: {target}" if target and tp.get("target_response") not in (
                    "NA", None) else "") + dated_back)
    return text
