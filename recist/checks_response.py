"""Data-quality checks on assessed time points: CR followed by PR (DEC-2) or by SD
(DEC-3) and a non-target present after an overall CR (DEC-9). Re-exported by
``recist.checks``.
"""

from __future__ import annotations

import pandas as pd

from recist._checks_support import finding as _finding
from recist._checks_support import indexed as _indexed
from recist._checks_support import iso as _iso
from recist._checks_support import records as _records
from recist.findings import Finding, Severity

__all__ = ["check_cr_then_pr", "check_cr_then_sd", "check_present_after_cr"]


def check_cr_then_pr(timepoints: pd.DataFrame) -> list[Finding]:
    """An overall CR followed later by a PR (DEC-2; R11 Table 3 CONF-T3-2).

    Works on the ``timepoints`` table (``patient_id, visit, date, overall_response``).

    1. Order each patient's time points by date.
    2. The first PR after a CR, with no PD in between → warning ``cr-then-pr``: either
       the CR was real (the later disease is PD) or small lesions remained (the CR was a
       PR); labels stay as computed (DEC-2).

    Examples
    --------
    >>> tp = pd.DataFrame({"patient_id": ["P"] * 3, "visit": ["V0", "V1", "V2"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-05-01"]),
    ...     "overall_response": [None, "CR", "PR"]})
    >>> [(f.code, f.visit) for f in check_cr_then_pr(tp)]
    [('cr-then-pr', 'V2')]
    """
    frame = timepoints.sort_values(["patient_id", "date"], kind="stable")
    response = frame["overall_response"].astype("string").fillna("")
    pd_count = (response == "PD").groupby(frame["patient_id"]).cumsum()
    cr_seen = (response == "CR").groupby(frame["patient_id"]).cummax()
    cr_before = cr_seen.groupby(frame["patient_id"]).shift(fill_value=False).astype(bool)
    hits = frame[(response == "PR") & cr_before & (pd_count == 0)]
    hits = hits.drop_duplicates("patient_id")
    return [_finding(r, "cr-then-pr", "DEC-2", Severity.WARNING,
                     "overall PR after an earlier CR: either the CR was real and this is "
                     "recurrence, or small lesions remained and the CR was a PR (R11 Table 3 "
                     "footnote); labels are kept as computed (DEC-2), please review",
                     lesion=False)
            for r in _records(hits)]


def check_cr_then_sd(timepoints: pd.DataFrame) -> list[Finding]:
    """An overall CR followed later by an SD (DEC-3; R11 Table 3 CONF-T3-3).

    Works on the ``timepoints`` table (``patient_id, visit, date, overall_response``).
    After a CR, nodal targets (SA < 10 mm, sum > 0) that regrow by less than 5 mm in
    total give a sum-based SD instead of PD.

    1. Order each patient's time points by date.
    2. The first SD after a CR, with no PD in between → warning ``cr-then-sd``: labels
       stay as computed and the confirmed BOR follows CONF-5 (DEC-3); the FAQ reads it as
       PD after a definitive CR, otherwise the CR as a PR.

    Examples
    --------
    >>> tp = pd.DataFrame({"patient_id": ["P"] * 3, "visit": ["V0", "V1", "V2"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-05-01"]),
    ...     "overall_response": [None, "CR", "SD"]})
    >>> [(f.code, f.visit) for f in check_cr_then_sd(tp)]
    [('cr-then-sd', 'V2')]
    """
    frame = timepoints.sort_values(["patient_id", "date"], kind="stable")
    response = frame["overall_response"].astype("string").fillna("")
    pd_count = (response == "PD").groupby(frame["patient_id"]).cumsum()
    cr_seen = (response == "CR").groupby(frame["patient_id"]).cummax()
    cr_before = cr_seen.groupby(frame["patient_id"]).shift(fill_value=False).astype(bool)
    hits = frame[(response == "SD") & cr_before & (pd_count == 0)]
    hits = hits.drop_duplicates("patient_id")
    return [_finding(r, "cr-then-sd", "DEC-3", Severity.WARNING,
                     "overall SD after an earlier CR (typically nodal targets regrowing to a "
                     "pathological SA by less than the PD minimum in total): labels are kept "
                     "as computed and the "
                     "confirmed BOR follows CONF-5 (DEC-3); if the CR was definitive this "
                     "may be recurrence (PD), otherwise the CR was a PR — please review",
                     lesion=False)
            for r in _records(hits)]


def check_present_after_cr(timepoints: pd.DataFrame,
                           measurements: pd.DataFrame) -> list[Finding]:
    """A non-target ``present`` after an overall CR (DEC-9; NT-reappearance).

    1. Find each patient's first time point with overall response CR.
    2. Every later non-target row with status ``present`` → warning ``present-after-cr``:
       a reappearance after a definitive CR is entered as ``progression`` (PD); otherwise
       it is non-CR/non-PD (FAQ "Does a new lesion always result in PD?").

    Time points are matched on ``patient_id`` and ``visit`` (the visit label, or the ISO
    date when there is none), as in the ``timepoints`` table.

    Examples
    --------
    >>> tp = pd.DataFrame({"patient_id": ["P"] * 3, "visit": ["V0", "V1", "V2"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-05-01"]),
    ...     "overall_response": [None, "CR", "NON-CR/NON-PD"]})
    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "visit": ["V0", "V1", "V2"],
    ...     "lesion_id": ["NT1"] * 3, "kind": ["non-target"] * 3,
    ...     "status": ["present", "absent", "present"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-05-01"])})
    >>> [(f.code, f.visit) for f in check_present_after_cr(tp, m)]
    [('present-after-cr', 'V2')]
    """
    response = timepoints["overall_response"].astype("string")
    cr = timepoints[response == "CR"]
    if cr.empty:
        return []
    first_cr = cr.groupby("patient_id")["date"].min().rename("first_cr_date")
    frame = _indexed(measurements)
    present = frame.loc[(frame["kind"] == "non-target") & (frame["status"] == "present")
                        & frame["patient_id"].isin(first_cr.index),
                        ["patient_id", "date", "visit", "lesion_id", "timepoint"]]
    tp_dates = timepoints[["patient_id", "visit", "date"]].rename(
        columns={"visit": "timepoint", "date": "tp_date"})
    tp_dates["timepoint"] = tp_dates["timepoint"].astype("string")
    present = present.assign(timepoint=present["timepoint"].astype("string")).merge(
        tp_dates, on=["patient_id", "timepoint"], how="inner").join(first_cr, on="patient_id")
    hits = present.loc[present["tp_date"] > present["first_cr_date"],
                       ["patient_id", "date", "visit", "lesion_id", "first_cr_date"]]
    return [_finding(r, "present-after-cr", "DEC-9", Severity.WARNING,
                     f"non-target present after the overall CR of {_iso(r['first_cr_date'])}; "
                     "if it reappeared after a definitive CR enter it as progression (PD), "
                     "otherwise it is non-CR/non-PD (DEC-9)")
            for r in _records(hits)]
