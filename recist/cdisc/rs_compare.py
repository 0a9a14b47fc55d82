"""Compare a sponsor's SDTM RS responses with the responses recomputed from TR.

A reviewer's check: read RS (``read_sdtm_responses``), recompute the responses from the
same trial's TU/TR with ``recist.respond``, and list agreement per assessment
(``compare_responses``). Time points are matched by patient and visit (``VISIT``), else
by patient and date (``RSDTC``); best overall response by patient.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from recist.cdisc._sdtm_values import _col, _dates
from recist.cdisc.xpt import as_cdisc_frame
from recist.errors import RecistDataError

__all__ = ["compare_responses", "read_sdtm_responses"]

_TIMEPOINT_TESTS = {"TRGRESP": "target_response", "NTRGRESP": "nontarget_response",
                    "NEWLIND": "new_lesions", "OVRLRESP": "overall_response"}
_BEST_TESTS = ("BESTRSP", "BESTRESP", "CBESTRSP")


def read_sdtm_responses(rs: pd.DataFrame | str | Path, *,
                        evaluator: str | None = None) -> pd.DataFrame:
    """RS records as a table: ``patient_id, visit, date, test, result``.

    Only RECIST response tests are kept (TRGRESP, NTRGRESP, NEWLIND, OVRLRESP and best
    response BESTRSP/BESTRESP). With several readers (``RSEVAL``/``RSEVALID``), pass
    ``evaluator`` (an RSEVAL or RSEVALID value, or ``"accepted"`` for ``RSACPTFL = Y``).
    """
    rs = as_cdisc_frame(rs, "RS")
    missing = [c for c in ("USUBJID", "RSTESTCD") if c not in rs.columns]
    if missing or ("RSSTRESC" not in rs.columns and "RSORRES" not in rs.columns):
        raise RecistDataError("RS: needs USUBJID, RSTESTCD and RSSTRESC or RSORRES; missing "
                              f"{', '.join(missing) or 'RSSTRESC/RSORRES'}")
    if evaluator is not None:
        wanted = evaluator.strip().upper()
        if wanted == "ACCEPTED":
            keep = _col(rs, "RSACPTFL") == "Y"
        else:
            keep = (_col(rs, "RSEVAL") == wanted) | (_col(rs, "RSEVALID") == wanted)
        rs = rs[keep.fillna(False).to_numpy(dtype=bool)]
    test = _col(rs, "RSTESTCD")
    keep = test.isin(list(_TIMEPOINT_TESTS) + list(_BEST_TESTS)).to_numpy()
    rs, test = rs[keep], test[keep]
    findings: list = []
    date = _dates(rs, "RSDTC", "RS", findings) if "RSDTC" in rs.columns else pd.Series(
        pd.NA, index=rs.index, dtype="string")
    return pd.DataFrame({
        "patient_id": rs["USUBJID"].astype(str),
        "visit": rs["VISIT"].astype("string") if "VISIT" in rs.columns else pd.NA,
        "date": pd.to_datetime(date, errors="coerce"),
        "test": test,
        "result": _col(rs, "RSSTRESC").fillna(_col(rs, "RSORRES")),
    }).reset_index(drop=True)


def compare_responses(timepoints: pd.DataFrame, patient_summary: pd.DataFrame,
                      reported: pd.DataFrame) -> pd.DataFrame:
    """Reported (RS) versus computed responses, one row per reported record.

    Returns ``patient_id, visit, date, test, reported, computed, agree``; ``computed`` is
    empty (and ``agree`` False) when no computed time point matches. Best response rows
    compare with ``confirmed_bor`` when the summary has it, else ``bor``.
    """
    tp = timepoints.copy()
    tp["patient_id"] = tp["patient_id"].astype(str)
    tp["date"] = pd.to_datetime(tp["date"])
    if "visit" not in tp.columns:
        tp["visit"] = pd.NA
    long = tp.melt(id_vars=["patient_id", "visit", "date"],
                   value_vars=list(_TIMEPOINT_TESTS.values()), var_name="column",
                   value_name="computed")
    long["test"] = long["column"].map({v: k for k, v in _TIMEPOINT_TESTS.items()})
    long = long.drop(columns="column")
    per_visit = reported[reported["test"].isin(list(_TIMEPOINT_TESTS))].reset_index(
        drop=True)
    computed = pd.Series(pd.NA, index=per_visit.index, dtype="string")
    has_visit = per_visit["visit"].notna().to_numpy()
    if has_visit.any():
        matched = per_visit[has_visit].merge(
            long[long["visit"].notna()].drop(columns="date").drop_duplicates(
                ["patient_id", "visit", "test"]),
            on=["patient_id", "visit", "test"], how="left")
        computed[has_visit] = matched["computed"].astype("string").to_numpy()
    unmatched = computed.isna().to_numpy()
    if unmatched.any():  # no visit, or no time point of that visit: match the date
        matched = per_visit[unmatched].drop(columns="visit").merge(
            long.drop(columns="visit").drop_duplicates(["patient_id", "date", "test"]),
            on=["patient_id", "date", "test"], how="left")
        computed[unmatched] = matched["computed"].astype("string").to_numpy()
    by_visit = per_visit.assign(computed=computed)
    best_column = "confirmed_bor" if "confirmed_bor" in patient_summary.columns else "bor"
    best = reported[reported["test"].isin(list(_BEST_TESTS))].merge(
        patient_summary[["patient_id", best_column]].astype({"patient_id": str}).rename(
            columns={best_column: "computed"}).drop_duplicates("patient_id"),
        on="patient_id", how="left")
    out = pd.concat([by_visit, best], ignore_index=True).rename(
        columns={"result": "reported"})
    out["computed"] = out["computed"].astype("string")
    out["agree"] = (out["reported"].astype("string") == out["computed"]).fillna(False)
    return out[["patient_id", "visit", "date", "test", "reported", "computed",
                "agree"]].astype({"agree": bool})
