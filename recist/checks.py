"""Data-quality checks on the measurements and timepoints tables.

Each ``check_…`` function is pure, returns a list of ``recist.findings.Finding`` naming the
offending patient, date, visit and lesion with the rule id, and changes nothing. The
caller decides what to do; ``run_input_checks`` gathers the checks that ``respond`` runs
before assessing (findings of severity error are raised as ``RecistDataError`` by
``recist.findings.raise_for_errors``), ``run_timepoint_checks`` those on its results.

Severity: contradictions of DEC-18 (RECIST_RULES.md section 14) are errors; everything
else is a warning unless its docstring says otherwise. The checks work on whole columns
(no per-patient DataFrame loop), so a cohort of 10⁶ rows is checked in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from recist.baseline import check_target_selection, timepoint_index
from recist.criteria import RECIST_1_1, Criteria
from recist.findings import Finding, Severity

__all__ = [
    "BASELINE_WINDOW_DAYS",
    "check_baseline_window",
    "check_cr_then_pr",
    "check_dates",
    "check_duplicate_rows",
    "check_equivocal_new_lesions",
    "check_lesion_ids_stable",
    "check_missing_baseline",
    "check_new_at_baseline",
    "check_no_new_targets_after_baseline",
    "check_present_after_cr",
    "check_slice_thickness_changes",
    "check_status_diameters",
    "check_targets_exist_at_baseline",
    "run_input_checks",
    "run_timepoint_checks",
]


_TIMEPOINT_COLUMNS = ("timepoint", "timepoint_start", "timepoint_order", "is_baseline",
                      "patient_code", "timepoint_code", "has_visit", "lesion_code")
_INDEX_COLUMNS = frozenset({"visit", "nodal", "status", "ld_mm", "sa_mm", "slice_thickness_mm",
                            *_TIMEPOINT_COLUMNS})


def _indexed(measurements: pd.DataFrame) -> pd.DataFrame:
    """The measurements with their time point columns (see ``timepoint_index``).

    Optional columns that are absent are added empty, so hand-made tables work too.
    """
    if _INDEX_COLUMNS.issubset(measurements.columns):
        return measurements  # already indexed (run_input_checks indexes once)
    frame = measurements.copy()
    for column, default in (("visit", pd.NA), ("nodal", False), ("status", pd.NA),
                            ("kind", pd.NA),
                            ("ld_mm", np.nan), ("sa_mm", np.nan),
                            ("slice_thickness_mm", np.nan)):
        if column not in frame.columns:
            frame[column] = default
    for column in ("kind", "status"):  # categorical: fast comparisons on a cohort
        frame[column] = frame[column].astype(object).astype("category")
    if not pd.api.types.is_datetime64_any_dtype(frame["date"]):
        frame["date"] = pd.to_datetime(frame["date"])
    frame = frame.drop(columns=[c for c in _TIMEPOINT_COLUMNS if c in frame.columns])
    frame = pd.concat([frame, timepoint_index(frame)], axis=1)
    lesion = pd.factorize(frame["lesion_id"].to_numpy(dtype=object))[0].astype(np.int64)
    frame["lesion_code"] = pd.factorize(
        frame["patient_code"].to_numpy(dtype=np.int64) * (int(lesion.max(initial=0)) + 1)
        + lesion)[0]
    return frame


def _iso(value: object) -> str | None:
    if value is None or value is pd.NA or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    return None if text in ("", "<NA>") else text


def _finding(row: dict, code: str, rule: str, severity: Severity, text: str,
             lesion: bool = True) -> Finding:
    """A finding located at a row: patient, date, visit and (optionally) lesion."""
    patient = str(row["patient_id"])
    date = _iso(row.get("date"))
    visit = _text(row.get("visit"))
    lesion_id = _text(row.get("lesion_id")) if lesion else None
    where = f"patient {patient}, {date}"
    if visit is not None:
        where += f" (visit {visit})"
    if lesion_id is not None:
        where += f", lesion {lesion_id}"
    return Finding(code=code, message=f"{where}: {text}", severity=severity, rule=rule,
                   patient_id=patient, date=date, visit=visit, lesion_id=lesion_id)


def _sorted_contains(pool: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each value occurs in the sorted array ``pool`` (binary search)."""
    if len(pool) == 0:
        return np.zeros(len(values), dtype=bool)
    position = np.minimum(np.searchsorted(pool, values), len(pool) - 1)
    return pool[position] == values


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


def check_missing_baseline(measurements: pd.DataFrame) -> list[Finding]:
    """A patient's first time point must record their baseline lesions (R11 4.2, SEL-5).

    1. For each patient take the earliest time point (the baseline, section 1).
    2. If it holds no target and no non-target row (only new lesions) → error
       ``missing-baseline``.

    Interpretation: without baseline lesions no response can be assessed, so this is an
    error although DEC-18 does not list it.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"], "lesion_id": ["N1"], "kind": ["new"],
    ...                   "date": pd.to_datetime(["2024-01-02"])})
    >>> [f.code for f in check_missing_baseline(m)]
    ['missing-baseline']
    """
    frame = _indexed(measurements)
    base = frame.loc[frame["is_baseline"].to_numpy(),
                     ["patient_id", "patient_code", "date", "visit", "kind"]]
    has_lesions = base["kind"].isin(["target", "non-target"]).groupby(
        base["patient_code"].to_numpy()).any()
    missing = has_lesions[~has_lesions].index
    rows = base[base["patient_code"].isin(missing)].drop_duplicates("patient_code")
    return [_finding(r, "missing-baseline", "SEL-5", Severity.ERROR,
                     "the first time point has no target or non-target lesion, so there is "
                     "no baseline (RECIST_RULES section 1); add the baseline rows or correct "
                     "the dates", lesion=False) for r in _records(rows)]


def check_lesion_ids_stable(measurements: pd.DataFrame) -> list[Finding]:
    """Baseline lesions keep their id, kind and nodal flag at every follow-up (SEL-5).

    R11 4.2-4.3: the same lesions are followed at every time point.

    1. A baseline target or non-target without a row at a later time point of the patient
       → warning ``lesion-missing-at-timepoint`` (record it, e.g. as ``not_evaluated``).
    2. A baseline target recorded later with another kind → error ``lesion-kind-changed``
       (DEC-18: its diameters would leave the sum); another kind change → warning.
    3. A lesion whose ``nodal`` flag differs between rows → warning ``nodal-flag-changed``.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "lesion_id": ["T1", "T2", "T1"],
    ...     "kind": ["target"] * 3, "nodal": [False] * 3,
    ...     "date": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-03-01"])})
    >>> [(f.code, f.lesion_id, f.date) for f in check_lesion_ids_stable(m)]
    [('lesion-missing-at-timepoint', 'T2', '2024-03-01')]
    """
    frame = _indexed(measurements)
    findings: list[Finding] = []
    is_baseline = frame["is_baseline"].to_numpy(dtype=bool)
    kind = frame["kind"].astype(object).to_numpy()
    lesion_code = frame["lesion_code"].to_numpy(dtype=np.int64)
    tp_code = frame["timepoint_code"].to_numpy(dtype=np.int64)
    patient_code = frame["patient_code"].to_numpy(dtype=np.int64)
    followed = is_baseline & ((kind == "target") | (kind == "non-target"))
    base_lesions = pd.DataFrame({"patient_code": patient_code[followed],
                                 "lesion_code": lesion_code[followed],
                                 "row": np.flatnonzero(followed)}).drop_duplicates(
                                     "lesion_code")
    tps = pd.DataFrame({"patient_code": patient_code[~is_baseline],
                        "timepoint_code": tp_code[~is_baseline],
                        "tp_row": np.flatnonzero(~is_baseline)}).drop_duplicates(
                            "timepoint_code")
    expected = base_lesions.merge(tps, on="patient_code")
    n_lesions = int(lesion_code.max(initial=0)) + 1
    present = np.sort(tp_code[~is_baseline] * n_lesions + lesion_code[~is_baseline])
    wanted = (expected["timepoint_code"].to_numpy(dtype=np.int64) * n_lesions
              + expected["lesion_code"].to_numpy(dtype=np.int64))
    missing = expected[~_sorted_contains(present, wanted)]
    if len(missing):
        lesion_rows = frame.iloc[missing["row"].to_numpy()]
        tp_rows = frame.iloc[missing["tp_row"].to_numpy()]
        table = pd.DataFrame({
            "patient_id": lesion_rows["patient_id"].to_numpy(),
            "lesion_id": lesion_rows["lesion_id"].to_numpy(),
            "baseline_kind": lesion_rows["kind"].to_numpy(),
            "date": tp_rows["date"].to_numpy(), "visit": tp_rows["visit"].to_numpy(),
            "order": tp_rows["timepoint_order"].to_numpy()}).sort_values(
            ["patient_id", "order", "lesion_id"])
        for r in _records(table):
            findings.append(_finding(
                r, "lesion-missing-at-timepoint", "SEL-5", Severity.WARNING,
                f"{r['baseline_kind']} recorded at baseline has no row at this time point; "
                "record it (measured, absent, merged or not_evaluated) so that the time "
                "point can be assessed (R11 4.3)"))

    base_kind = pd.Series(kind[base_lesions["row"].to_numpy()],
                          index=base_lesions["lesion_code"].to_numpy())
    later_base = pd.Series(lesion_code).map(base_kind).to_numpy(dtype=object)
    changed = ~is_baseline & pd.notna(later_base) & (later_base != kind)
    if changed.any():
        rows = frame[changed].assign(baseline_kind=later_base[changed]).drop_duplicates(
            "lesion_code")
        for r in _records(rows):
            if r["baseline_kind"] == "target":
                findings.append(_finding(
                    r, "lesion-kind-changed", "DEC-18", Severity.ERROR,
                    f"a target at baseline is recorded here as {r['kind']}; a target stays a "
                    "target at every time point (SEL-5, R11 4.2); correct the kind or the "
                    "lesion_id"))
            elif r["kind"] != "target":  # non-target -> target: check_no_new_targets_…
                findings.append(_finding(
                    r, "lesion-kind-changed", "SEL-5", Severity.WARNING,
                    f"a {r['baseline_kind']} at baseline is recorded here as {r['kind']}; "
                    "check the lesion_id"))

    nodal = frame["nodal"].astype(bool)
    first_nodal = nodal.groupby(frame["lesion_code"].to_numpy(), sort=False).transform("first")
    flipped = (nodal != first_nodal).to_numpy()
    if flipped.any():
        rows = frame[flipped].sort_values("timepoint_order", kind="stable").drop_duplicates(
            "lesion_code")
        for r in _records(rows):
            findings.append(_finding(
                r, "nodal-flag-changed", "SUM-1", Severity.WARNING,
                f"nodal is {str(r['nodal']).lower()} here but {str(not r['nodal']).lower()} at "
                "an earlier row of the same lesion; a lesion is measured by its SA if nodal, "
                "its LD otherwise (SUM-1), so keep the flag constant"))
    return findings


def check_targets_exist_at_baseline(measurements: pd.DataFrame) -> list[Finding]:
    """Every follow-up target was recorded at baseline (DEC-18, SEL-5; R11 4.2).

    1. A target row at a follow-up time point whose ``lesion_id`` has no row at all at
       the patient's baseline → error ``target-not-at-baseline``.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1", "T9"],
    ...     "kind": ["target"] * 2, "date": pd.to_datetime(["2024-01-02", "2024-03-01"])})
    >>> [(f.code, f.lesion_id) for f in check_targets_exist_at_baseline(m)]
    [('target-not-at-baseline', 'T9')]
    """
    frame = _indexed(measurements)
    at_baseline = frame.loc[frame["is_baseline"], "lesion_code"].unique()
    follow = frame.loc[~frame["is_baseline"].to_numpy() & (frame["kind"] == "target").to_numpy(),
                       ["patient_id", "date", "visit", "lesion_id", "lesion_code"]]
    offenders = follow[~follow["lesion_code"].isin(at_baseline)].drop_duplicates(
        "lesion_code")
    return [_finding(r, "target-not-at-baseline", "DEC-18", Severity.ERROR,
                     "a target lesion first recorded after baseline; targets are chosen at "
                     "baseline only (SEL-5, R11 4.2): record a lesion appearing later as new, "
                     "or fix the lesion_id to match its baseline row")
            for r in _records(offenders)]


def check_no_new_targets_after_baseline(measurements: pd.DataFrame) -> list[Finding]:
    """No lesion becomes a target after baseline (SEL-5; R11 4.2, FAQ on new lesions).

    1. A target row at a follow-up whose ``lesion_id`` was a non-target or a new lesion at
       baseline (and not a target there) → error ``target-added-after-baseline``.
    2. A lesion recorded as ``new`` at an earlier follow-up and as a target later → error
       ``target-added-after-baseline`` (new lesions never enter the sum, NEW-6).

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "lesion_id": ["T1", "L2", "L2"],
    ...     "kind": ["target", "new", "target"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-05-01"])})
    >>> [(f.code, f.lesion_id, f.date) for f in check_no_new_targets_after_baseline(m)]
    [('target-added-after-baseline', 'L2', '2024-05-01')]
    """
    frame = _indexed(measurements)
    columns = ["patient_id", "date", "visit", "lesion_id", "lesion_code", "timepoint_order"]
    target_rows = frame.loc[(frame["kind"] == "target").to_numpy(), columns]
    first_target = target_rows.groupby("lesion_code")["timepoint_order"].min()
    other = frame.loc[(frame["kind"] != "target").to_numpy(), columns]
    first_other = other.groupby("lesion_code")["timepoint_order"].min()
    both = pd.concat([first_target.rename("t"), first_other.rename("o")], axis=1,
                     join="inner")
    promoted = both[(both["o"] < both["t"]) & (both["t"] > 0)]
    if promoted.empty:
        return []
    rows = target_rows.merge(promoted.reset_index(), on="lesion_code")
    rows = rows[rows["timepoint_order"] == rows["t"]].drop_duplicates("lesion_code")
    return [_finding(r, "target-added-after-baseline", "SEL-5", Severity.ERROR,
                     "recorded as a target here after being a non-target or new lesion "
                     "earlier; targets are fixed at baseline and new lesions never enter the "
                     "sum (SEL-5, NEW-6, R11 4.2); keep its earlier kind")
            for r in _records(rows)]


def check_new_at_baseline(measurements: pd.DataFrame) -> list[Finding]:
    """A lesion recorded as ``new`` at the baseline time point (SEL-4; R11 4.2, 4.3.5).

    1. Every ``new`` row of a patient's baseline → warning ``new-at-baseline``: at
       baseline every site of disease is a target or a non-target; "new" means appearing
       after baseline. Interpretation: it is kept (eligibility counts it as a lesion of
       its organ) but never makes the baseline PD.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1", "N1"],
    ...     "kind": ["target", "new"], "date": pd.to_datetime(["2024-01-02"] * 2)})
    >>> [(f.code, f.lesion_id) for f in check_new_at_baseline(m)]
    [('new-at-baseline', 'N1')]
    """
    frame = _indexed(measurements)
    rows = frame.loc[frame["is_baseline"].to_numpy() & (frame["kind"] == "new").to_numpy(),
                     ["patient_id", "date", "visit", "lesion_id"]]
    return [_finding(r, "new-at-baseline", "SEL-4", Severity.WARNING,
                     "recorded as new at the baseline time point; at baseline every lesion "
                     "is a target or a non-target (SEL-4, R11 4.2) — record it as a "
                     "non-target")
            for r in _records(rows)]


BASELINE_WINDOW_DAYS = 28
"""MEAS-11 (R11 3.2.1): baseline imaging is at most 4 weeks before treatment start."""


def check_baseline_window(measurements: pd.DataFrame, patients: pd.DataFrame,
                          max_days_before_start: int = BASELINE_WINDOW_DAYS) -> list[Finding]:
    """Baseline scans are close to the start of treatment (MEAS-11, R11 3.2.1).

    ``patients`` is the patients table (``patient_id``, ``start_date``).

    1. For each patient with a ``start_date``, take the earliest scan date of the
       baseline time point.
    2. start_date − baseline date > ``max_days_before_start`` (28) → warning
       ``baseline-too-early``.
    3. Baseline date > start_date → warning ``baseline-after-start``.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"], "lesion_id": ["T1"], "kind": ["target"],
    ...                   "date": pd.to_datetime(["2024-01-02"])})
    >>> p = pd.DataFrame({"patient_id": ["P"], "start_date": pd.to_datetime(["2024-02-15"])})
    >>> [f.code for f in check_baseline_window(m, p)]
    ['baseline-too-early']
    """
    if patients is None or "start_date" not in patients.columns:
        return []
    frame = _indexed(measurements)
    base = frame.loc[frame["is_baseline"].to_numpy(), ["patient_id", "date", "visit"]]
    first = base.sort_values("date", kind="stable").drop_duplicates("patient_id")
    starts = patients[["patient_id", "start_date"]].dropna().copy()
    starts["patient_id"] = starts["patient_id"].astype(str)
    starts["start_date"] = pd.to_datetime(starts["start_date"])
    joined = first.assign(patient_id=first["patient_id"].astype(str)).merge(
        starts, on="patient_id")
    gap = (joined["start_date"] - joined["date"]).dt.days
    findings = []
    for r, days in zip(_records(joined), gap.tolist()):
        if days > max_days_before_start:
            findings.append(_finding(
                r, "baseline-too-early", "MEAS-11", Severity.WARNING,
                f"baseline scan {days} days before the start of treatment "
                f"({_iso(r['start_date'])}); RECIST asks for at most {max_days_before_start} "
                "days (MEAS-11, R11 3.2.1)", lesion=False))
        elif days < 0:
            findings.append(_finding(
                r, "baseline-after-start", "MEAS-11", Severity.WARNING,
                f"baseline scan {-days} days after the start of treatment "
                f"({_iso(r['start_date'])}); the baseline precedes treatment (MEAS-11)",
                lesion=False))
    return findings


def check_dates(measurements: pd.DataFrame, today: object = None,
                earliest: str = "1900-01-01") -> list[Finding]:
    """Scan dates are possible and visits follow each other in time (section 1, DEC-20).

    1. A date after ``today`` (default: the current date) or before ``earliest`` → error
       ``impossible-date``. Interpretation: a scan cannot be dated in the future; the row
       would otherwise decide the order of time points.
    2. With visit labels: a time point whose first scan is on or before the last scan of
       the previous time point → warning ``visits-overlap`` (the rows' dates interleave).
    3. Visit labels ending in a number (``C2``, ``Week 8``) whose numbers do not increase
       with the dates → warning ``visit-order``.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1"] * 2,
    ...     "visit": ["C2", "C1"], "date": pd.to_datetime(["2024-01-02", "2024-03-01"])})
    >>> [f.code for f in check_dates(m, today="2025-01-01")]
    ['visit-order']
    """
    frame = _indexed(measurements)
    findings: list[Finding] = []
    upper = pd.Timestamp(today if today is not None else pd.Timestamp.today()).normalize()
    lower = pd.Timestamp(earliest)
    bad = frame[(frame["date"] > upper) | (frame["date"] < lower)]
    for r in _records(bad):
        problem = "in the future" if r["date"] > upper else f"before {_iso(lower)}"
        findings.append(_finding(
            r, "impossible-date", "DEC-20", Severity.ERROR,
            f"scan date {_iso(r['date'])} is {problem}; correct the date (ISO YYYY-MM-DD)"))
    labelled = frame.loc[frame["has_visit"].to_numpy(dtype=bool),
                         ["patient_id", "patient_code", "timepoint_code", "timepoint_order",
                          "date", "visit"]]
    if labelled.empty:
        return findings
    grouped = labelled.groupby("timepoint_code", sort=True)["date"]
    spans = labelled.drop_duplicates("timepoint_code").set_index("timepoint_code")[
        ["patient_id", "patient_code", "timepoint_order", "visit"]].sort_index()
    spans = spans.assign(start=grouped.min(), end=grouped.max()).rename(
        columns={"timepoint_order": "order"}).reset_index().sort_values(
        ["patient_code", "order"])
    previous_end = spans.groupby("patient_code")["end"].shift()
    previous_visit = spans.groupby("patient_code")["visit"].shift()
    overlap = spans[spans["start"] <= previous_end]
    for r, prev_v, prev_end in zip(_records(overlap), previous_visit[overlap.index],
                                   previous_end[overlap.index]):
        findings.append(_finding(
            {**r, "date": r["start"]}, "visits-overlap", "DEC-20", Severity.WARNING,
            f"visit {r['visit']} starts on {_iso(r['start'])}, on or before the last scan of "
            f"visit {prev_v} ({_iso(prev_end)}); check the dates or visit labels",
            lesion=False))
    labels = pd.Series(pd.unique(spans["visit"].astype(str)))
    numbers = labels.str.extract(r"(\d+)\s*$")[0].astype(float)
    spans = spans.assign(number=spans["visit"].astype(str).map(
        dict(zip(labels, numbers)))).dropna(subset=["number"])
    previous_number = spans.groupby("patient_code")["number"].cummax().groupby(
        spans["patient_code"]).shift()
    backwards = spans[spans["number"] < previous_number]
    for r in _records(backwards):
        findings.append(_finding(
            {**r, "date": r["start"]}, "visit-order", "DEC-20", Severity.WARNING,
            f"visit {r['visit']} is dated after a visit with a higher number; the time points "
            "are ordered by date, check the dates or visit labels", lesion=False))
    return findings


def check_duplicate_rows(measurements: pd.DataFrame) -> list[Finding]:
    """Repeated rows of one lesion at one time point (SUM-5, DEC-18).

    1. Rows identical in patient, time point, lesion, kind, status and diameters →
       warning ``duplicate-row``: target rows would be added as fragments of a split
       lesion (SUM-5); delete the copy if it is one.
    2. Rows of one lesion at one time point with different kinds, or non-target / new
       rows with different statuses → error ``conflicting-rows`` (DEC-18).

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["NT1"] * 2,
    ...     "kind": ["non-target"] * 2, "status": ["present", "absent"],
    ...     "ld_mm": [None, None], "sa_mm": [None, None],
    ...     "date": pd.to_datetime(["2024-01-02"] * 2)})
    >>> [f.code for f in check_duplicate_rows(m)]
    ['conflicting-rows']
    """
    frame = _indexed(measurements)
    findings: list[Finding] = []
    lesion_tp = (frame["timepoint_code"].to_numpy(dtype=np.int64)
                 * (int(frame["lesion_code"].to_numpy().max(initial=0)) + 1)
                 + frame["lesion_code"].to_numpy(dtype=np.int64))
    repeated = pd.Series(lesion_tp).duplicated(keep=False).to_numpy()
    if not repeated.any():
        return findings
    frame = frame[repeated].assign(_lesion_tp=lesion_tp[repeated])
    keys = ["_lesion_tp", "kind", "status", "ld_mm", "sa_mm"]
    copies = frame[frame.duplicated(keys, keep="first")].drop_duplicates(keys)
    for r in _records(copies):
        findings.append(_finding(
            r, "duplicate-row", "SUM-5", Severity.WARNING,
            "two identical rows of this lesion at one time point; target rows are added as "
            "fragments of a split lesion (SUM-5): delete the copy if it is one"))
    kinds = frame.groupby("_lesion_tp", sort=False)["kind"].nunique()
    qualitative = frame[frame["kind"].isin(["non-target", "new"])]
    statuses = qualitative.groupby("_lesion_tp", sort=False)["status"].nunique()
    conflicting = kinds[kinds > 1].index.union(statuses[statuses > 1].index)
    for _, group in frame[frame["_lesion_tp"].isin(conflicting)].groupby("_lesion_tp",
                                                                         sort=False):
        values = ", ".join(f"{k} {v}" for k, v in zip(group["kind"], group["status"]))
        findings.append(_finding(
            group.iloc[0].to_dict(), "conflicting-rows", "DEC-18", Severity.ERROR,
            f"several rows of this lesion at one time point contradict each other ({values}); "
            "keep one row per non-target or new lesion per time point"))
    return findings


def check_status_diameters(measurements: pd.DataFrame,
                           criteria: Criteria = RECIST_1_1) -> list[Finding]:
    """Status and diameters agree (DEC-18; SUM-1, SUM-4, NT-CR).

    1. ``absent`` with an LD or SA > 0 → error ``absent-with-diameter``.
    2. A ``measured`` target without its diameter (SA if nodal, LD otherwise, SUM-1) →
       error ``measured-without-diameter``.
    3. A ``present`` nodal non-target at a follow-up with SA < ``node_pathological_sa_mm``
       → error ``present-normal-node`` (such a node is normal, NT-CR). Interpretation: at
       baseline it is the selection problem ``normal-node-recorded`` (MEAS-6) instead.
    4. A status not allowed for the row's kind → error ``status-not-allowed``.
    5. ``merged``, ``too_small`` or ``not_evaluated`` with a diameter > 0 → warning
       ``status-with-diameter`` (the diameter is not used: merged 0 mm, too small 5 mm).

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"], "lesion_id": ["T1"], "kind": ["target"],
    ...     "status": ["absent"], "nodal": [False], "ld_mm": [4.0], "sa_mm": [None],
    ...     "date": pd.to_datetime(["2024-01-02"])})
    >>> [f.code for f in check_status_diameters(m)]
    ['absent-with-diameter']
    """
    from recist.table import STATUSES

    frame = _indexed(measurements)
    findings: list[Finding] = []
    ld = frame["ld_mm"].astype(float)
    sa = frame["sa_mm"].astype(float)
    nodal = frame["nodal"].astype(bool)
    has_size = (ld > 0) | (sa > 0)
    status = frame["status"]
    kind = frame["kind"]

    for r in _records(frame[(status == "absent") & has_size]):
        findings.append(_finding(
            r, "absent-with-diameter", "DEC-18", Severity.ERROR,
            f"status absent but a diameter is recorded (LD {r['ld_mm']}, SA {r['sa_mm']} mm); "
            "use status measured with the diameter, or clear the diameter"))
    own = np.where(nodal, sa, ld)
    unmeasured = (kind == "target") & (status == "measured") & np.isnan(own)
    for r in _records(frame[unmeasured]):
        axis = "SA (nodal)" if r["nodal"] else "LD (non-nodal)"
        findings.append(_finding(
            r, "measured-without-diameter", "DEC-18", Severity.ERROR,
            f"target with status measured has no {axis}; fill it in, or use too_small, absent "
            "or not_evaluated (SUM-1, SUM-4)"))
    normal = ((kind == "non-target") & (status == "present") & nodal & ~frame["is_baseline"]
              & (sa.round(criteria.rounding_decimals) < criteria.node_pathological_sa_mm))
    for r in _records(frame[normal]):
        findings.append(_finding(
            r, "present-normal-node", "DEC-18", Severity.ERROR,
            f"nodal non-target present with SA {r['sa_mm']} mm < "
            f"{criteria.node_pathological_sa_mm} mm: a node that small is normal (NT-CR, "
            "R11 4.3.3); record it as absent, or correct the SA"))
    allowed = pd.Series(False, index=frame.index)
    for lesion_kind, statuses in STATUSES.items():
        allowed |= (kind == lesion_kind) & status.isin(statuses)
    for r in _records(frame[~allowed & kind.isin(list(STATUSES))]):
        findings.append(_finding(
            r, "status-not-allowed", "DEC-18", Severity.ERROR,
            f"status {r['status']!r} is not allowed for a {r['kind']} lesion; use one of "
            f"{', '.join(STATUSES[r['kind']])}"))
    ignored = status.isin(["merged", "too_small", "not_evaluated"]) & has_size
    for r in _records(frame[ignored]):
        findings.append(_finding(
            r, "status-with-diameter", "SUM-4", Severity.WARNING,
            f"status {r['status']} with a diameter (LD {r['ld_mm']}, SA {r['sa_mm']} mm): the "
            "diameter is not used; if the lesion was measured, use status measured"))
    return findings


def check_equivocal_new_lesions(measurements: pd.DataFrame) -> list[Finding]:
    """Equivocal new lesions that were never confirmed (DEC-14; NEW-3, R11 4.3.5).

    1. For each new lesion with an ``equivocal`` row, look for a later ``unequivocal`` row
       of the same ``lesion_id``: found → confirmed (PD back-dated, DEC-13), no finding.
    2. Otherwise → warning ``equivocal-new-unresolved``: the lesion counts as no new
       lesion (DEC-14); the message says whether it is still equivocal at the patient's
       last time point.

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1", "N1"],
    ...     "kind": ["target", "new"], "status": ["measured", "equivocal"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01"])})
    >>> [(f.code, f.lesion_id) for f in check_equivocal_new_lesions(m)]
    [('equivocal-new-unresolved', 'N1')]
    """
    frame = _indexed(measurements)
    new = frame[frame["kind"] == "new"]
    equivocal = new[new["status"] == "equivocal"]
    if equivocal.empty:
        return []
    first_eq = equivocal.sort_values("timepoint_order", kind="stable").drop_duplicates(
        "lesion_code")
    confirmed = new[new["status"] == "unequivocal"].groupby("lesion_code")[
        "timepoint_order"].max()
    last_eq = equivocal.groupby("lesion_code")["timepoint_order"].max()
    last_tp = frame.groupby("patient_code")["timepoint_order"].max()
    findings = []
    for r in _records(first_eq):
        key = r["lesion_code"]
        if key in confirmed.index and confirmed[key] > r["timepoint_order"]:
            continue
        still_open = last_eq[key] == last_tp[r["patient_code"]]
        state = ("it is still equivocal at the last time point" if still_open else
                 "it was not confirmed later")
        findings.append(_finding(
            r, "equivocal-new-unresolved", "DEC-14", Severity.WARNING,
            f"equivocal new lesion first seen here; {state}, so it counts as no new lesion "
            "(DEC-14, R11 4.3.5); confirm (unequivocal) or rule it out at the next scan"))
    return findings


def check_slice_thickness_changes(measurements: pd.DataFrame) -> list[Finding]:
    """A lesion is imaged with the same slice thickness as at baseline (R11 3.2, App. II).

    1. For each follow-up row whose lesion has a baseline ``slice_thickness_mm``, a
       different thickness → warning ``slice-thickness-changed``, one per patient and
       time point (the lesions listed).

    Examples
    --------
    >>> m = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1"] * 2,
    ...     "slice_thickness_mm": [2.5, 5.0],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-03-01"])})
    >>> [f.code for f in check_slice_thickness_changes(m)]
    ['slice-thickness-changed']
    """
    if "slice_thickness_mm" not in measurements.columns:
        return []
    frame = _indexed(measurements)
    thickness = frame["slice_thickness_mm"].to_numpy(dtype=float)
    is_baseline = frame["is_baseline"].to_numpy(dtype=bool)
    known = ~np.isnan(thickness)
    base = pd.Series(thickness[known & is_baseline],
                     index=frame["lesion_code"].to_numpy()[known & is_baseline])
    base = base[~base.index.duplicated()]
    baseline_thickness = frame["lesion_code"].map(base).to_numpy(dtype=float)
    changed = (known & ~is_baseline & ~np.isnan(baseline_thickness)
               & ~np.isclose(thickness, np.nan_to_num(baseline_thickness)))
    findings: list[Finding] = []
    if not changed.any():
        return findings
    rows = frame[changed].assign(baseline_thickness=baseline_thickness[changed])
    groups: dict[int, list[dict]] = {}
    for r in _records(rows):
        groups.setdefault(r["timepoint_code"], []).append(r)
    for members in groups.values():
        lesions = ", ".join(f"{r['lesion_id']} {r['baseline_thickness']:g} → "
                            f"{r['slice_thickness_mm']:g} mm" for r in members)
        findings.append(_finding(
            members[0], "slice-thickness-changed", "R11 3.2", Severity.WARNING,
            f"slice thickness differs from baseline ({lesions}); use the same technique at "
            "every assessment (R11 3.2, Appendix II) or note why", lesion=False))
    return findings


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
    present = frame[(frame["kind"] == "non-target") & (frame["status"] == "present")
                    & frame["patient_id"].isin(first_cr.index)]
    tp_dates = timepoints[["patient_id", "visit", "date"]].rename(
        columns={"visit": "timepoint", "date": "tp_date"})
    tp_dates["timepoint"] = tp_dates["timepoint"].astype("string")
    present = present.assign(timepoint=present["timepoint"].astype("string")).merge(
        tp_dates, on=["patient_id", "timepoint"], how="inner").join(first_cr, on="patient_id")
    hits = present[present["tp_date"] > present["first_cr_date"]]
    return [_finding(r, "present-after-cr", "DEC-9", Severity.WARNING,
                     f"non-target present after the overall CR of {_iso(r['first_cr_date'])}; "
                     "if it reappeared after a definitive CR enter it as progression (PD), "
                     "otherwise it is non-CR/non-PD (DEC-9)")
            for r in _records(hits)]


def run_input_checks(measurements: pd.DataFrame, criteria: Criteria = RECIST_1_1, *,
                     include_selection: bool = True, patients: pd.DataFrame | None = None,
                     today: object = None) -> list[Finding]:
    """Every check of a measurements table before response assessment.

    Errors (DEC-18 contradictions, missing baseline, impossible dates) first, then
    warnings; ``include_selection`` adds ``recist.baseline.check_target_selection``;
    a ``patients`` table adds ``check_baseline_window``. Pass the result to
    ``recist.findings.raise_for_errors`` to stop on errors.
    """
    findings: list[Finding] = []
    indexed = _indexed(measurements)
    checks: Iterable = (
        check_missing_baseline,
        check_targets_exist_at_baseline,
        check_no_new_targets_after_baseline,
        check_lesion_ids_stable,
        lambda m: check_dates(m, today=today),
        check_duplicate_rows,
        check_new_at_baseline,
        lambda m: check_baseline_window(m, patients),
        lambda m: check_status_diameters(m, criteria),
        check_equivocal_new_lesions,
        check_slice_thickness_changes,
    )
    for check in checks:
        findings.extend(check(indexed))
    if include_selection:
        columns = ["patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal",
                   "ld_mm", "sa_mm", "status", "slice_thickness_mm"]
        baseline = indexed.loc[indexed["is_baseline"].to_numpy(), columns]
        findings.extend(check_target_selection(baseline, criteria))
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(findings, key=lambda f: order[f.severity])


def run_timepoint_checks(timepoints: pd.DataFrame,
                         measurements: pd.DataFrame) -> list[Finding]:
    """The checks on assessed time points: ``check_cr_then_pr``, ``check_present_after_cr``."""
    return [*check_cr_then_pr(timepoints), *check_present_after_cr(timepoints, measurements)]
