"""Time points, target sums, baseline, nadir and % changes (docs/rules.md SUM-1..8).

Everything here is vectorised over the whole measurements table: rows are grouped into
time points with integer codes and aggregated with numpy/pandas group operations, never
with a Python loop per row. The per-time-point frame built here (``timepoint_features``)
feeds the response rules of ``recist.timepoints``.

Threshold arithmetic follows DEC-22: sums (mm) and percentages are rounded half away
from zero to ``criteria.rounding_decimals`` decimals before any inclusive comparison,
and a nadir of 0 is never a divisor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias, cast, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.arrays import NO_DATE_NS, round_half_away
from recist.criteria import RECIST_1_1, Criteria
from recist.errors import RecistDataError
from recist.vocabulary import LesionKind, NewLesionStatus, NonTargetStatus, TargetStatus

__all__ = [
    "cutoff_ns_of_timepoints",
    "index_timepoints",
    "nadir_before",
    "target_contribution_mm",
    "timepoint_columns",
    "timepoint_features",
]

NewTherapyCutoffs: TypeAlias = "Mapping[str, Any] | pd.Series[Any]"
"""patient_id → ``new_therapy_date`` (DEC-17): a mapping or a Series indexed by patient_id,
values ISO text, dates, Timestamps or missing (see ``cutoff_ns_of_timepoints``)."""


@overload
def target_contribution_mm(status: str, nodal: bool, ld_mm: float | None, sa_mm: float | None,
                           criteria: Criteria = ...) -> float: ...


@overload
def target_contribution_mm(status: npt.ArrayLike, nodal: npt.ArrayLike, ld_mm: npt.ArrayLike,
                           sa_mm: npt.ArrayLike,
                           criteria: Criteria = ...) -> float | npt.NDArray[np.float64]: ...


def target_contribution_mm(status: npt.ArrayLike, nodal: npt.ArrayLike,
                           ld_mm: npt.ArrayLike | None, sa_mm: npt.ArrayLike | None,
                           criteria: Criteria = RECIST_1_1) -> float | npt.NDArray[np.float64]:
    """What one target row adds to the sum of diameters, in mm (SUM-1, SUM-4, SUM-6).

    SUM-1, SUM-4, SUM-6 (R11 4.2, 4.3.2):

    1. ``measured``: the LD of a non-nodal lesion, the SA of a node (SUM-1).
    2. ``too_small``: ``criteria.too_small_mm`` (5 mm), nodes too (SUM-4, DEC-10).
    3. ``absent`` or ``merged``: 0 mm (SUM-4, SUM-6).
    4. ``not_evaluated``: 0 mm in the *partial* sum; the time point has no evaluable sum
       (SUM-7), which the caller tracks separately.

    Works on scalars (gives a float) or arrays (gives an array). A ``measured`` row
    without its diameter is NaN here.

    >>> target_contribution_mm("measured", True, 30.0, 12.0)
    12.0
    >>> target_contribution_mm(np.array(["too_small", "merged"]), False, np.nan, np.nan)
    array([5., 0.])
    """
    statuses = np.asarray(status)
    nodes = np.asarray(nodal, dtype=bool)
    measured = np.where(nodes, np.asarray(sa_mm, dtype=float), np.asarray(ld_mm, dtype=float))
    result = np.select(
        [statuses == TargetStatus.MEASURED, statuses == TargetStatus.TOO_SMALL],
        [measured, np.full(np.shape(measured), criteria.too_small_mm)],
        default=0.0,
    ).astype(float)
    if result.ndim == 0:
        return float(result)
    return result


def nadir_before(sums_mm: npt.ArrayLike, evaluable: npt.ArrayLike,
                 patient_codes: npt.ArrayLike) -> npt.NDArray[np.floating[Any]]:
    """Nadir per time point: the smallest evaluable sum strictly before it (SUM-8).

    SUM-8 (R11 4.3.1): minimum of all evaluable sums from baseline up to, excluding, the
    current time point, baseline included; an incomplete time point is never a nadir
    (SUM-7, NE-4). Rows must be sorted by patient, then chronologically. The first time
    point of a patient (baseline) has no nadir (NaN).

    >>> nadir_before([50, 40, 60, 45], [True, False, True, True], [0, 0, 0, 0])
    array([nan, 50., 50., 50.])
    >>> nadir_before([10, 8, 20], [True, True, True], [0, 0, 1])
    array([nan, 10., nan])
    """
    sums = np.where(np.asarray(evaluable, dtype=bool), np.asarray(sums_mm, dtype=float), np.inf)
    sums = np.where(np.isnan(sums), np.inf, sums)
    codes = pd.Series(np.asarray(patient_codes))
    running = pd.Series(sums).groupby(codes.to_numpy(), sort=False).cummin()
    previous: npt.NDArray[np.float64] = running.groupby(
        codes.to_numpy(), sort=False).shift(1).to_numpy(dtype=float)
    previous[np.isinf(previous)] = np.nan
    return previous


def _objects(column: pd.Series) -> np.ndarray:
    """A text column as an object array without a copy (missing values stay ``pd.NA``)."""
    return np.asarray(column.array, dtype=object)


def _codes(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _datetime_ns(column: pd.Series[Any]) -> npt.NDArray[np.datetime64]:
    """``pd.to_datetime(column)`` as datetime64[ns]; a column already of that type is used
    as it is (pandas would re-check every value)."""
    if column.dtype == np.dtype("datetime64[ns]"):
        values: npt.NDArray[np.datetime64] = column.to_numpy()
        return values
    converted: npt.NDArray[np.datetime64] = pd.to_datetime(column).to_numpy(
        dtype="datetime64[ns]")
    return converted


def index_timepoints(measurements: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Assign every row to a time point of its patient (docs/rules.md section 1).

    Rows of one patient with the same ``visit`` form one time point; a row without a
    visit (or a table without the column) is grouped by its scan date. Time points are
    ordered by their earliest scan date, then latest scan date, then label; the first
    is the baseline.

    Returns
    -------
    row_tp
        For each row, the index of its time point in the frame below.
    timepoints
        One row per time point sorted by patient, then chronologically: ``patient_id``,
        ``visit`` (the label: visit, or ISO date), ``patient_code``, ``tp_order``
        (0 = baseline), ``first_ns``, ``last_ns`` (scan dates as int64 ns).
    """
    dates = _datetime_ns(measurements["date"])
    date_ns = dates.view(np.int64)
    date_codes, date_uniques = pd.factorize(date_ns, sort=True)
    iso = pd.DatetimeIndex(date_uniques.astype("datetime64[ns]")).strftime("%Y-%m-%d")
    if "visit" in measurements.columns:
        visit = _objects(measurements["visit"])
        # normalise_measurements (0.1.0) turns an added, all-missing visit column into the
        # text "<NA>": read that as "no visit" too.
        visit_codes, visit_uniques = pd.factorize(visit, sort=True)
        missing = np.flatnonzero(np.asarray(visit_uniques, dtype=object) == "<NA>")
        if len(missing):
            visit_codes = np.where(visit_codes == missing[0], -1, visit_codes)
    else:
        visit_codes, visit_uniques = np.full(len(measurements), -1), np.array([], dtype=object)
    has_visit = visit_codes >= 0
    # Visit labels first, then dates: the two kinds of label never collide.
    label_codes = np.where(has_visit, visit_codes, len(visit_uniques) + date_codes)
    label_uniques = np.concatenate([np.asarray(visit_uniques, dtype=object),
                                    np.asarray(iso, dtype=object)])
    patient_codes, patients = _codes(_objects(measurements["patient_id"]))
    combined = patient_codes * (len(label_uniques) + 1) + label_codes
    row_group, group_keys = pd.factorize(combined)
    n_groups = len(group_keys)
    grouped = pd.DataFrame({"g": row_group, "d": date_ns}).groupby("g", sort=True)["d"]
    first_ns = grouped.min().to_numpy()
    last_ns = grouped.max().to_numpy()
    group_patient = np.empty(n_groups, dtype=np.int64)
    group_patient[row_group] = patient_codes
    group_label = np.empty(n_groups, dtype=np.int64)
    group_label[row_group] = label_codes
    order = np.lexsort((group_label, last_ns, first_ns, group_patient))
    position = np.empty(n_groups, dtype=np.int64)
    position[order] = np.arange(n_groups)
    sorted_patient = group_patient[order]
    starts = np.r_[True, sorted_patient[1:] != sorted_patient[:-1]]
    start_index = np.maximum.accumulate(np.where(starts, np.arange(n_groups), 0))
    tp_order = np.arange(n_groups) - start_index
    timepoints = pd.DataFrame({
        "patient_id": patients[sorted_patient],
        "visit": label_uniques[group_label[order]],
        "patient_code": sorted_patient,
        "tp_order": tp_order,
        "first_ns": first_ns[order],
        "last_ns": last_ns[order],
    })
    return position[row_group], timepoints


def _check_measured_diameters(frame: pd.DataFrame, diameter: np.ndarray,
                              is_target: np.ndarray, status: np.ndarray) -> None:
    bad = np.flatnonzero(is_target & (status == TargetStatus.MEASURED) & np.isnan(diameter))
    if len(bad):
        row = frame.iloc[bad[0]]
        which = "sa_mm (nodal target)" if bool(row["nodal"]) else "ld_mm"
        raise RecistDataError(
            f"patient {row['patient_id']}, date {pd.Timestamp(row['date']).date()}, lesion "
            f"{row['lesion_id']}: target is 'measured' but {which} is empty; enter the "
            "diameter, or use status too_small / absent / not_evaluated (DEC-18)"
        )


def _group_min(keys: np.ndarray, values: np.ndarray, n: int, fill: int) -> np.ndarray:
    out = np.full(n, fill, dtype=np.int64)
    if len(keys):
        series = pd.Series(values).groupby(keys, sort=False).min()
        out[series.index.to_numpy()] = series.to_numpy()
    return out


def cutoff_ns_of_timepoints(patient_ids: npt.ArrayLike,
                            cutoffs: NewTherapyCutoffs | None) -> npt.NDArray[np.int64]:
    """Each time point's new-therapy cut-off (DEC-17) as int64 ns; ``NO_DATE_NS`` when none.

    ``cutoffs`` maps patient_id → the first date excluded (``new_therapy_date``): a dict
    or a Series indexed by patient_id, values ISO text, dates or Timestamps; missing
    values, unknown patients and ``cutoffs=None`` mean no cut-off.

    >>> ns = cutoff_ns_of_timepoints(np.array(["P1", "P2"], dtype=object),
    ...                              {"P1": "2024-02-20", "P3": "2024-01-01"})
    >>> str(pd.Timestamp(ns[0]).date()), bool(ns[1] == NO_DATE_NS)
    ('2024-02-20', True)
    """
    ids = np.asarray(patient_ids, dtype=object)
    out = np.full(len(ids), NO_DATE_NS, dtype=np.int64)
    if cutoffs is None or len(cutoffs) == 0:
        return out
    table = pd.Series(dict(cutoffs.items()), dtype=object)
    try:
        days = pd.to_datetime(table, errors="raise").dropna()
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"new-therapy cut-offs: expected patient_id → date (ISO text, date or Timestamp), "
            f"could not read them as dates ({error}); pass e.g. {{'P1': '2024-02-20'}}"
        ) from None
    if days.empty:
        return out
    by_patient = pd.Series(days.to_numpy(dtype="datetime64[ns]").view(np.int64),
                           index=days.index.astype(str))
    mapped = pd.Series(ids).astype(str).map(by_patient)
    found = mapped.notna().to_numpy()
    out[found] = mapped.to_numpy()[found].astype(np.int64)
    return out


def timepoint_features(measurements: pd.DataFrame, criteria: Criteria = RECIST_1_1,
                       cutoffs: NewTherapyCutoffs | None = None) -> pd.DataFrame:
    """Per-time-point quantities the response rules need (SUM-1..8, NE-2, NT, NEW).

    ``measurements`` is a table normalised by ``recist.table.normalise_measurements``.
    One row per patient and time point, sorted by patient then chronologically, with:

    - ``sum_mm``: the sum of target diameters (SUM-1..6), rounded (DEC-22); NaN when the
      time point is incomplete (SUM-7) or the patient has no targets; ``partial_sum_mm``:
      the same sum with unevaluated targets counted 0 mm (NE-2).
    - ``targets_complete``; ``n_targets_missing`` (baseline targets not evaluated or
      absent from the time point); ``target_cr_met`` (every non-nodal target 0 mm and
      every nodal target SA < ``node_pathological_sa_mm``, TGT-CR; fragments added).
    - ``baseline_sum_mm``, ``nadir_mm`` (SUM-8), ``pct_from_baseline``,
      ``pct_from_nadir`` (missing when the nadir is 0, DEC-22), ``has_targets``.
    - non-targets: ``has_nontargets``, ``n_nt_progression``, ``n_nt_missing``,
      ``n_nt_present``, ``nt_all_gone``; new lesions: ``n_new_unequivocal``,
      ``n_new_equivocal``; DEC-13: ``backdated_lesions``, ``backdated_confirmed``.
    - DEC-17 (``cutoffs``: patient_id → ``new_therapy_date``, see
      ``cutoff_ns_of_timepoints``): a scan dated on or after its patient's cut-off
      confirms nothing, so DEC-13 back-dates only to confirmations before it;
      ``late_lesions``, ``late_confirmed``: the equivocal new lesions first seen before
      the cut-off whose first confirmation is on or after it (not back-dated: DEC-14),
      at their first-sighting time point (tuples, one item per lesion; None elsewhere).
    - dates (int64 ns): ``first_ns``, ``last_ns``, ``target_first_ns``,
      ``nt_progression_ns``, ``new_unequivocal_ns``, ``backdated_ns``,
      ``new_therapy_ns`` (the patient's cut-off; the "no date" sentinel when none).
    """
    return pd.DataFrame(timepoint_columns(measurements, criteria, cutoffs))


def _lesion_groups(row_tp: np.ndarray, lesion_codes: np.ndarray,
                   n_les: int) -> tuple[np.ndarray, np.ndarray]:
    """Group rows by (time point, lesion): each row's group and each group's time point.

    Several rows of one lesion at one time point are its fragments (SUM-5, DEC-11).

    >>> _lesion_groups(np.array([0, 0, 1, 0]), np.array([2, 2, 2, 1]), 3)
    (array([0, 0, 1, 2]), array([0, 1, 0]))
    """
    group, keys = pd.factorize(row_tp.astype(np.int64) * n_les + lesion_codes)
    return group.astype(np.int64), keys // n_les


def _group_sum(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.bincount(group, weights=values, minlength=int(group.max(initial=-1)) + 1)


def _group_any(group: np.ndarray, flags: np.ndarray) -> np.ndarray:
    return _group_sum(group, np.asarray(flags, dtype=bool)) > 0


def timepoint_columns(measurements: pd.DataFrame, criteria: Criteria = RECIST_1_1,
                      cutoffs: NewTherapyCutoffs | None = None) -> dict[str, npt.NDArray[Any]]:
    """The columns of ``timepoint_features`` as plain arrays (no DataFrame copy)."""
    frame = measurements  # read column by column, by position; never modified (no copy)
    row_tp, tps = index_timepoints(frame)
    n_tp = len(tps)
    tp_cutoff_ns = cutoff_ns_of_timepoints(tps["patient_id"].to_numpy(), cutoffs)
    kind = _objects(frame["kind"])
    status = _objects(frame["status"])
    nodal = frame["nodal"].to_numpy(dtype=bool)
    ld = frame["ld_mm"].to_numpy(dtype=float)
    sa = frame["sa_mm"].to_numpy(dtype=float)
    date_ns = _datetime_ns(frame["date"]).view(np.int64)
    is_target = kind == LesionKind.TARGET
    is_nt = kind == LesionKind.NON_TARGET
    is_new = kind == LesionKind.NEW
    diameter = np.where(nodal, sa, ld)
    _check_measured_diameters(frame, diameter, is_target, status)
    decimals = criteria.rounding_decimals

    patient_of_tp = tps["patient_code"].to_numpy()
    tp_order = tps["tp_order"].to_numpy()
    baseline_tp = np.flatnonzero(tp_order == 0)
    baseline_of_tp = baseline_tp[np.searchsorted(baseline_tp, np.arange(n_tp), side="right") - 1]
    row_is_baseline = tp_order[row_tp] == 0

    lesion_codes, lesion_uniques = _codes(_objects(frame["lesion_id"]))
    n_les = len(lesion_uniques) + 1
    row_patient = patient_of_tp[row_tp]
    patient_lesion = row_patient * n_les + lesion_codes

    # ---- targets: lesion level (fragments added, SUM-5, DEC-11) ----
    contribution = np.asarray(target_contribution_mm(status, nodal, ld, sa, criteria))
    t_rows = np.flatnonzero(is_target)
    baseline_targets = np.unique(patient_lesion[t_rows[row_is_baseline[t_rows]]])
    les_of_row, les_tp = _lesion_groups(row_tp[t_rows], lesion_codes[t_rows], n_les)
    les_mm = round_half_away(_group_sum(les_of_row, contribution[t_rows]), decimals)
    les_ne = _group_any(les_of_row, status[t_rows] == TargetStatus.NOT_EVALUATED)
    les_nodal = _group_any(les_of_row, nodal[t_rows])
    les_in_base = _group_any(les_of_row, np.isin(patient_lesion[t_rows], baseline_targets))
    not_cr = np.where(les_nodal, les_mm >= criteria.node_pathological_sa_mm, les_mm > 0)
    n_target_lesions = np.bincount(les_tp, minlength=n_tp)
    n_evaluated_base = np.bincount(les_tp, weights=(~les_ne & les_in_base), minlength=n_tp)
    any_ne = np.bincount(les_tp, weights=les_ne, minlength=n_tp) > 0
    any_not_cr = np.bincount(les_tp, weights=not_cr, minlength=n_tp) > 0
    partial = round_half_away(
        np.bincount(row_tp[t_rows], weights=contribution[t_rows], minlength=n_tp), decimals)

    n_base_targets = n_target_lesions[baseline_of_tp]
    has_targets = n_base_targets > 0
    n_missing = np.where(has_targets, n_base_targets - n_evaluated_base, 0).astype(np.int64)
    n_missing = np.maximum(n_missing, any_ne.astype(np.int64))
    complete = has_targets & (n_missing == 0) & ~any_ne
    sum_mm = np.where(complete, partial, np.nan)
    partial = np.where(has_targets, partial, np.nan)
    baseline_sum = sum_mm[baseline_of_tp]
    nadir = nadir_before(sum_mm, complete, patient_of_tp)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct_base = np.where(baseline_sum > 0,
                            (sum_mm - baseline_sum) / baseline_sum * 100.0, np.nan)
        pct_nadir = np.where(nadir > 0, (sum_mm - nadir) / nadir * 100.0, np.nan)
    pct_base = round_half_away(pct_base, decimals)
    pct_nadir = round_half_away(pct_nadir, decimals)
    # DEC-20: a sum-based PD is dated by the earliest scan of the targets that documented
    # it, so rows of targets not evaluated at that time point do not count.
    evaluated_t_rows = t_rows[status[t_rows] != TargetStatus.NOT_EVALUATED]
    first_target_ns = _group_min(row_tp[evaluated_t_rows], date_ns[evaluated_t_rows],
                                 n_tp, NO_DATE_NS)

    # ---- non-targets (NT-*, DEC-5) ----
    nt_rows = np.flatnonzero(is_nt)
    nt_status = status[nt_rows]
    gone = (nt_status == NonTargetStatus.ABSENT) & ~(nodal[nt_rows]
                                       & (sa[nt_rows] >= criteria.node_pathological_sa_mm))
    baseline_nts = np.unique(patient_lesion[nt_rows[row_is_baseline[nt_rows]]])
    nt_of_row, nt_tp = _lesion_groups(row_tp[nt_rows], lesion_codes[nt_rows], n_les)
    nt_prog = _group_any(nt_of_row, nt_status == NonTargetStatus.PROGRESSION)
    nt_ne = _group_any(nt_of_row, nt_status == NonTargetStatus.NOT_EVALUATED)
    nt_gone = ~_group_any(nt_of_row, ~gone)  # every row of the lesion gone
    nt_in_base = _group_any(nt_of_row, np.isin(patient_lesion[nt_rows], baseline_nts))
    n_nt_lesions = np.bincount(nt_tp, minlength=n_tp)
    n_nt_base = n_nt_lesions[baseline_of_tp]
    n_nt_seen_base = np.bincount(nt_tp, weights=nt_in_base, minlength=n_tp)
    n_nt_ne = np.bincount(nt_tp, weights=nt_ne & ~nt_prog, minlength=n_tp)
    n_nt_missing = (np.maximum(n_nt_base - n_nt_seen_base, 0) + n_nt_ne).astype(np.int64)
    n_nt_prog = np.bincount(nt_tp, weights=nt_prog, minlength=n_tp).astype(np.int64)
    n_nt_present = np.bincount(nt_tp, weights=~nt_gone & ~nt_ne & ~nt_prog,
                               minlength=n_tp).astype(np.int64)
    prog_rows = nt_rows[nt_status == NonTargetStatus.PROGRESSION]
    nt_prog_ns = _group_min(row_tp[prog_rows], date_ns[prog_rows], n_tp, NO_DATE_NS)

    # ---- new lesions (NEW-1, NEW-3, DEC-13, DEC-14) ----
    new_status = status[is_new]
    unequivocal_rows = np.flatnonzero(is_new)[new_status == NewLesionStatus.UNEQUIVOCAL]
    equivocal_rows = np.flatnonzero(is_new)[new_status == NewLesionStatus.EQUIVOCAL]
    n_unequivocal = np.bincount(row_tp[unequivocal_rows], minlength=n_tp).astype(np.int64)
    n_equivocal = np.bincount(row_tp[equivocal_rows], minlength=n_tp).astype(np.int64)
    unequivocal_ns = _group_min(row_tp[unequivocal_rows], date_ns[unequivocal_rows], n_tp, NO_DATE_NS)
    backdated, late = _backdate_confirmed_new(
        frame, row_tp, tp_order, patient_lesion, unequivocal_rows, equivocal_rows, date_ns,
        tp_cutoff_ns[row_tp], n_tp)

    return {
        "patient_id": tps["patient_id"].to_numpy(),
        "visit": tps["visit"].to_numpy(),
        "patient_code": patient_of_tp,
        "tp_order": tp_order,
        "first_ns": tps["first_ns"].to_numpy(),
        "last_ns": tps["last_ns"].to_numpy(),
        "has_targets": has_targets,
        "targets_complete": complete,
        "n_targets_missing": n_missing,
        "target_cr_met": complete & ~any_not_cr,
        "sum_mm": sum_mm,
        "partial_sum_mm": partial,
        "baseline_sum_mm": np.where(has_targets, baseline_sum, np.nan),
        "nadir_mm": nadir,
        "pct_from_baseline": pct_base,
        "pct_from_nadir": pct_nadir,
        "target_first_ns": first_target_ns,
        "has_nontargets": (n_nt_base > 0) | (n_nt_lesions > 0),
        "n_nt_progression": n_nt_prog,
        "n_nt_missing": n_nt_missing,
        "n_nt_present": n_nt_present,
        "nt_all_gone": (n_nt_lesions > 0) & (n_nt_present + n_nt_missing + n_nt_prog == 0),
        "nt_progression_ns": nt_prog_ns,
        "n_new_unequivocal": n_unequivocal,
        "n_new_equivocal": n_equivocal,
        "new_unequivocal_ns": unequivocal_ns,
        "backdated_lesions": backdated[0],
        "backdated_confirmed": backdated[1],
        "backdated_ns": backdated[2],
        "late_lesions": late[0],
        "late_confirmed": late[1],
        "new_therapy_ns": tp_cutoff_ns,
    }


def _backdate_confirmed_new(
    frame: pd.DataFrame, row_tp: npt.NDArray[np.int64], tp_order: npt.NDArray[np.int64],
    patient_lesion: npt.NDArray[np.int64], unequivocal_rows: npt.NDArray[np.intp],
    equivocal_rows: npt.NDArray[np.intp], date_ns: npt.NDArray[np.int64],
    row_cutoff_ns: npt.NDArray[np.int64], n_tp: int,
) -> tuple[tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.int64]],
           tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]]:
    """DEC-13: find each equivocal new lesion's first sighting that a later scan confirms.

    A new lesion (same patient and lesion_id, kind ``new``) seen ``equivocal`` at one
    time point and ``unequivocal`` at a later one is back-dated: its first equivocal
    time point is marked with the lesion ids and the confirming date. DEC-17: only an
    ``unequivocal`` row dated before the patient's cut-off (``row_cutoff_ns``) confirms;
    a lesion first seen before the cut-off and first confirmed on or after it is
    returned apart ("late": not back-dated, DEC-14).

    Returns ``(lesions, confirmed, dates)`` per time point for the back-dated lesions
    (joined text, first-sighting ns) and ``(lesions, confirmed)`` per time point for the
    late ones (tuples; None where there is none).
    """
    lesions = np.full(n_tp, "", dtype=object)
    confirmed = np.full(n_tp, "", dtype=object)
    dates = np.full(n_tp, NO_DATE_NS, dtype=np.int64)
    late_lesions = np.full(n_tp, None, dtype=object)
    late_confirmed = np.full(n_tp, None, dtype=object)
    backdated, late = (lesions, confirmed, dates), (late_lesions, late_confirmed)
    if not len(unequivocal_rows) or not len(equivocal_rows):
        return backdated, late
    confirm = pd.DataFrame({
        "key": patient_lesion[unequivocal_rows],
        "order": tp_order[row_tp[unequivocal_rows]],
        "ns": date_ns[unequivocal_rows],
        "in_time": date_ns[unequivocal_rows] < row_cutoff_ns[unequivocal_rows],
    }).sort_values(["key", "order", "ns"])
    seen = pd.DataFrame({
        "key": patient_lesion[equivocal_rows],
        "order": tp_order[row_tp[equivocal_rows]],
        "tp": row_tp[equivocal_rows],
        "ns": date_ns[equivocal_rows],
        "before_cutoff": date_ns[equivocal_rows] < row_cutoff_ns[equivocal_rows],
        "lesion": frame["lesion_id"].to_numpy(dtype=object)[equivocal_rows],
    })
    in_time = confirm[confirm["in_time"].to_numpy()].drop_duplicates("key")
    first = _first_sightings(seen, in_time)
    if not first.empty:
        grouped = first.groupby("tp", sort=True)
        tps = grouped.size().index.to_numpy()
        lesions[tps] = grouped["lesion"].agg(", ".join).to_numpy()
        confirmed[tps] = grouped["confirmed"].agg(", ".join).to_numpy()
        dates[tps] = grouped["ns"].min().to_numpy()
    if not confirm["in_time"].all():
        too_late = confirm[~confirm["key"].isin(in_time["key"])].drop_duplicates("key")
        first = _first_sightings(seen[seen["before_cutoff"].to_numpy()], too_late)
        for key, group in first.groupby("tp", sort=True):
            tp = cast(int, key)  # the "tp" column holds time point positions (int64)
            late_lesions[tp] = tuple(group["lesion"])
            late_confirmed[tp] = tuple(group["confirmed"])
    return backdated, late


def _first_sightings(seen: pd.DataFrame, confirm: pd.DataFrame) -> pd.DataFrame:
    """Each lesion's first equivocal row before its confirmation (one per lesion), with
    the confirming date as ISO text, sorted by time point and lesion id."""
    seen = seen.merge(confirm, on="key", suffixes=("", "_confirm"))
    seen = seen[seen["order"] < seen["order_confirm"]]
    if seen.empty:
        return seen.assign(confirmed=pd.Series(dtype=object))
    seen = seen.sort_values(["key", "order", "ns"]).drop_duplicates("key")
    return seen.assign(confirmed=pd.to_datetime(seen["ns_confirm"]).dt.strftime("%Y-%m-%d"),
                       lesion=seen["lesion"].astype(str)).sort_values(["tp", "lesion"])
