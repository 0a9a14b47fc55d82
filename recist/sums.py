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

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.arrays import (
    NAT_NS,
    NO_DATE_NS,
    compare_rounded,
    dense_limit,
    filled_objects,
    round_half_away,
    run_starts,
)
from recist.cohort_index import TextCodes, Timepoints, index_of
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
    result = _contribution_of_masks(statuses == TargetStatus.MEASURED,
                                    statuses == TargetStatus.TOO_SMALL, nodal, ld_mm, sa_mm,
                                    criteria)
    if result.ndim == 0:
        return float(result)
    return result


def _contribution_of_masks(measured: npt.ArrayLike, too_small: npt.ArrayLike,
                           nodal: npt.ArrayLike, ld_mm: npt.ArrayLike | None,
                           sa_mm: npt.ArrayLike | None,
                           criteria: Criteria = RECIST_1_1) -> npt.NDArray[np.float64]:
    """``target_contribution_mm`` on status masks: the one place its SUM rule is written.

    ``measured`` and ``too_small`` say which rows have those statuses (the engine computes
    them from status codes); every other row adds 0 mm. Always gives an array (0-d for
    scalars).
    """
    nodes = np.asarray(nodal, dtype=bool)
    diameter = np.where(nodes, np.asarray(sa_mm, dtype=float), np.asarray(ld_mm, dtype=float))
    return _contribution_of_diameters(measured, too_small, diameter, criteria)


def _contribution_of_diameters(measured: npt.ArrayLike, too_small: npt.ArrayLike,
                               diameter: npt.NDArray[np.float64], criteria: Criteria,
                               *, in_place: bool = False) -> npt.NDArray[np.float64]:
    """``_contribution_of_masks`` with each row's diameter (SA of a node, else LD) given;
    ``in_place``: written over ``diameter`` (the caller's own float64 array of the rows'
    shape, not read again), no new array."""
    measured, too_small = np.asarray(measured, dtype=bool), np.asarray(too_small, dtype=bool)
    shape = np.broadcast_shapes(measured.shape, too_small.shape, np.shape(diameter))
    contribution = diameter if in_place else np.array(np.broadcast_to(diameter, shape),
                                                      dtype=float)
    others = ~np.broadcast_to(measured, shape)  # measured: the diameter, as SUM-1 says
    np.copyto(contribution, 0.0, where=others)
    np.copyto(contribution, float(criteria.too_small_mm),
              where=np.broadcast_to(too_small, shape) & others)
    return contribution


def nadir_before(sums_mm: npt.ArrayLike, evaluable: npt.ArrayLike,
                 patient_codes: npt.ArrayLike) -> npt.NDArray[np.floating[Any]]:
    """Nadir per time point: the smallest evaluable sum strictly before it (SUM-8).

    SUM-8 (R11 4.3.1): minimum of all evaluable sums from baseline up to, excluding, the
    current time point, baseline included; an incomplete time point is never a nadir
    (SUM-7, NE-4). Rows must be sorted by patient, then chronologically. The first time
    point of a patient (baseline) has no nadir (NaN), nor has a row without a patient code.

    >>> nadir_before([50, 40, 60, 45], [True, False, True, True], [0, 0, 0, 0])
    array([nan, 50., 50., 50.])
    >>> nadir_before([10, 8, 20], [True, True, True], [0, 0, 1])
    array([nan, 10., nan])
    """
    sums = np.array(sums_mm, dtype=float)  # a copy: inf where no sum counts
    sums[~np.asarray(evaluable, dtype=bool) | np.isnan(sums)] = np.inf
    by_row = _running_min_before(sums, np.asarray(patient_codes))
    if by_row is not None:
        return by_row
    codes = pd.Series(np.asarray(patient_codes))
    running = pd.Series(sums).groupby(codes.to_numpy(), sort=False).cummin()
    previous: npt.NDArray[np.float64] = running.groupby(
        codes.to_numpy(), sort=False).shift(1).to_numpy(dtype=float)
    previous[np.isinf(previous)] = np.nan
    return previous


def _running_min_before(sums: npt.NDArray[np.float64], codes: npt.NDArray[Any]
                        ) -> npt.NDArray[np.float64] | None:
    """``nadir_before`` of sums without NaN (inf: no sum) when each patient's time points
    are consecutive in ascending patient codes: the time points laid out in a grid, one
    row per position in the patient's run (a patient a column), after a first row of inf,
    and each row's running minimum read one row up. The rows are taken one by one (a
    vectorised minimum of two rows each) when they are no more than the patients, else by
    ``np.minimum.accumulate`` down the columns; both take the minimum of the earlier value
    and the new one in that order, so a tie of 0.0 and -0.0 keeps the same one. None when
    the codes are not ascending or not integers, or the grid would take more than a few
    cells per time point (one patient with very many time points)."""
    n = len(sums)
    if not n or codes.dtype.kind not in "iub" or not (codes[1:] >= codes[:-1]).all():
        return None  # integer codes only: texts with a missing one do not compare
    starts = np.flatnonzero(run_starts(codes))
    lengths = np.diff(np.r_[starts, n])
    n_patients, width = len(starts), int(lengths.max()) + 1
    if n_patients * width > dense_limit(n):
        return None
    cell = np.arange(n) - np.repeat(starts, lengths)  # the position in the patient's run
    cell *= n_patients
    cell += np.repeat(np.arange(n_patients), lengths)
    grid = np.full(n_patients * width, np.inf)
    grid[n_patients:][cell] = sums  # a patient's first time point in the second row
    rows = grid.reshape(width, n_patients)
    if width <= n_patients:
        for k in range(1, width):
            np.minimum(rows[k - 1], rows[k], out=rows[k])
    else:
        np.minimum.accumulate(rows, axis=0, out=rows)
    previous: npt.NDArray[np.float64] = grid[cell]
    previous[np.isinf(previous)] = np.nan
    return previous


def index_timepoints(measurements: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Assign every row to a time point of its patient (docs/rules.md section 1).

    Rows of one patient with the same ``visit`` form one time point; a row without a
    visit (or a table without the column; a blank label or the text "<NA>" is none) is
    grouped by its scan date. Time points are ordered by their earliest scan date, then
    latest scan date, then label (visit labels before dates); the first is the baseline.
    The time points are those of the table's encoding (``recist.cohort_index``), which
    the checks' ``recist.baseline_rules.timepoint_index`` reads too.

    Returns
    -------
    row_tp
        For each row, the index of its time point in the frame below.
    timepoints
        One row per time point sorted by patient, then chronologically: ``patient_id``,
        ``visit`` (the label: visit, or ISO date), ``patient_code``, ``tp_order``
        (0 = baseline), ``first_ns``, ``last_ns`` (scan dates as int64 ns).
    """
    encoding = index_of(measurements)
    tps = encoding.timepoints
    return tps.row_tp, pd.DataFrame({
        "patient_id": encoding.patient.decode(tps.patient),
        "visit": tps.label,
        "patient_code": tps.patient,
        "tp_order": tps.order,
        "first_ns": tps.first_ns,
        "last_ns": tps.last_ns,
    })


def _codes_equal(codes: np.ndarray, coded: TextCodes, value: str) -> np.ndarray:
    """Whether each of ``codes`` (codes of ``coded``) stands for ``value``: ``rows_equal``
    on a selection of rows, without indexing a table by every row.

    >>> from recist.cohort_index import text_codes
    >>> coded = text_codes(pd.Series(["a", "b", None, "a"]))
    >>> _codes_equal(coded.codes[[0, 1, 2]], coded, "a").tolist()
    [True, False, False]
    """
    hits = [code for code, unique in enumerate(coded.uniques.tolist()) if unique == value]
    if not hits:
        return np.zeros(len(codes), dtype=bool)
    equal: np.ndarray = codes == hits[0] if len(hits) == 1 else np.isin(codes, hits)
    return equal


def _check_measured_diameters(frame: pd.DataFrame, bad: np.ndarray) -> None:
    """Refuse the first of ``bad``: measured target rows without their diameter."""
    if len(bad):
        row = frame.iloc[bad[0]]
        which = "sa_mm (nodal target)" if bool(row["nodal"]) else "ld_mm"
        raise RecistDataError(
            f"patient {row['patient_id']}, date {pd.Timestamp(row['date']).date()}, lesion "
            f"{row['lesion_id']}: target is 'measured' but {which} is empty; enter the "
            "diameter, or use status too_small / absent / not_evaluated (DEC-18)"
        )



def _shared_dates(timepoints: Timepoints, date_ns: np.ndarray) -> np.ndarray | None:
    """Each time point's scan date when every row has a date (a normalised table: an
    undated row is refused) and the rows of each time point share it
    (``Timepoints.one_date_each``), else None: the earliest scan of any of a time point's
    rows is then that date (DEC-20), without reading the rows' own dates."""
    if timepoints.one_date_each and (not len(date_ns) or int(date_ns.min()) != NAT_NS):
        return timepoints.first_ns
    return None


def _group_min(keys: np.ndarray, values: np.ndarray, n: int, fill: int) -> np.ndarray:
    """The smallest of ``values`` per key 0..n-1 (int64); ``fill`` for a key without one.

    >>> _group_min(np.array([2, 0, 2]), np.array([5, 7, 3]), 4, -1).tolist()
    [7, -1, 3, -1]
    """
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, keys, values)
    if fill == np.iinfo(np.int64).max:
        return out  # a key without a value keeps the start value, which is ``fill``
    seen = np.zeros(n, dtype=bool)
    seen[keys] = True
    out[~seen] = fill
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
    if isinstance(cutoffs, pd.Series) and cutoffs.dtype == np.dtype("datetime64[ns]"):
        days = cutoffs  # dates already (``recist.response``): no conversion
        if days.index.has_duplicates:  # as the mapping below: the last one holds
            days = days[~days.index.duplicated(keep="last")]
        return _cutoffs_at(ids, days.dropna(), out)
    table = pd.Series(dict(cutoffs.items()), dtype=object)
    try:
        days = pd.to_datetime(table, errors="raise").dropna()
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"new-therapy cut-offs: expected patient_id → date (ISO text, date or Timestamp), "
            f"could not read them as dates ({error}); pass e.g. {{'P1': '2024-02-20'}}"
        ) from None
    return _cutoffs_at(ids, days, out)


def _cutoffs_at(ids: npt.NDArray[np.object_], days: pd.Series[Any],
                out: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``out`` with each id's date of ``days`` (dates indexed by unique patient ids)."""
    if days.empty:
        return out
    ns = days.to_numpy(dtype="datetime64[ns]").view(np.int64)
    at = pd.Index(days.index.astype(str)).get_indexer(pd.Index(ids).astype(str))
    found = at >= 0
    out[found] = ns[at[found]]
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


def _lesion_groups(row_tp: np.ndarray, row_lesion: np.ndarray, row_order: np.ndarray,
                   n_lesions: int, n_orders: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group rows by (lesion, time point): each row's group, and each group's time point
    and lesion.

    ``row_lesion`` numbers the (patient, lesion_id) pairs 0..n_lesions-1 and ``row_order``
    is the order of the row's time point within its patient (0..n_orders-1), so that
    (lesion, order) names one time point of the lesion. Several rows of one lesion at one
    time point are its fragments (SUM-5, DEC-11). Rows sorted by time point, then lesion
    (a table sorted by patient, date and lesion_id) are grouped by their runs, numbered in
    that order (``_runs_of_pairs``); any others by lesion, then order: without hashing
    (one flag per possible pair) unless that would take more than about 8 bytes a row.
    The callers read the groups in any order. When no two rows share a pair (no
    fragments), the groups are the rows: group i is row i, which ``_group_sum`` and
    ``_group_any`` read as they are.

    >>> _lesion_groups(np.array([0, 0, 1, 0]), np.array([2, 2, 2, 1]), np.array([0, 0, 1, 0]),
    ...                3, 2)
    (array([1, 1, 2, 0]), array([0, 0, 1]), array([1, 2, 2]))
    >>> _lesion_groups(np.array([0, 0, 0, 1]), np.array([1, 2, 2, 2]), np.array([0, 0, 0, 1]),
    ...                3, 2)
    (array([0, 1, 1, 2]), array([0, 0, 1]), array([1, 2, 2]))
    """
    runs = _runs_of_pairs(row_tp, row_lesion)
    if runs is not None:
        return runs
    key = row_lesion.astype(np.int64)
    key *= n_orders
    key += row_order
    space = n_lesions * n_orders
    if space <= dense_limit(len(key)):
        present = np.zeros(space, dtype=bool)
        present[key] = True
        pairs = np.flatnonzero(present)
        rank = np.empty(space, dtype=np.intp)  # read at the pairs present only
        rank[pairs] = np.arange(len(pairs))
        group = rank[key]
    else:
        codes, uniques = pd.factorize(key)
        group, pairs = np.asarray(codes, dtype=np.intp), np.asarray(uniques)
    if len(pairs) == len(key):  # one row a group: the rows themselves
        return np.arange(len(key)), row_tp.astype(np.intp), row_lesion
    group_tp = np.empty(len(pairs), dtype=np.intp)
    group_tp[group] = row_tp
    return group, group_tp, pairs // max(n_orders, 1)


def _runs_of_pairs(row_tp: np.ndarray, row_lesion: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``_lesion_groups`` of rows in (time point, lesion) order: each run of one pair is
    a group (the pairs of the runs rise, so no pair has two runs); None for rows in any
    other order."""
    head = _run_heads(row_tp, row_lesion)
    if head is None:
        return None
    if head.all():  # one row a group (no fragments): the rows themselves
        return np.arange(len(head)), row_tp.astype(np.intp), row_lesion
    return _groups_of_runs(head, row_tp, row_lesion)


def _run_heads(row_tp: np.ndarray, row_lesion: np.ndarray) -> np.ndarray | None:
    """Whether each row starts a run of one (time point, lesion) pair, for rows in that
    order (at least two); None for rows in any other order."""
    if len(row_tp) < 2:
        return None
    tp_step = row_tp[1:] != row_tp[:-1]
    if not (row_tp[1:] >= row_tp[:-1]).all() or not (
            tp_step | (row_lesion[1:] >= row_lesion[:-1])).all():
        return None
    head = np.empty(len(row_tp), dtype=bool)
    head[0] = True
    np.not_equal(row_lesion[1:], row_lesion[:-1], out=head[1:])
    head[1:] |= tp_step
    return head


def _groups_of_runs(head: np.ndarray, row_tp: np.ndarray, row_lesion: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_runs_of_pairs`` of the runs ``head`` marks, each run a group."""
    group = np.cumsum(head, dtype=np.intp)
    group -= 1
    heads = np.flatnonzero(head)
    return group, row_tp[heads].astype(np.intp, copy=False), row_lesion[heads]


def _group_sum(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group 0..n_groups-1 (``_lesion_groups``), the sum of its rows' values."""
    if len(group) == n_groups:  # group i is row i: each sum is its one value (as 0.0 + it)
        summed: np.ndarray = np.asarray(values, dtype=float) + 0.0
        return summed
    return np.bincount(group, weights=values, minlength=n_groups)


def _count_flagged(group: np.ndarray, flags: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group 0..n_groups-1, how many of its rows are flagged (int64: the flagged rows'
    groups counted, no float weights).

    >>> _count_flagged(np.array([0, 2, 2, 0]), np.array([True, True, True, False]), 3)
    array([1, 0, 2])
    """
    counts: np.ndarray = np.bincount(group[flags], minlength=n_groups)
    return counts


_PACKED_FLAGS = 4
"""Flags counted at once by ``_FlagCounter``: a byte each of one uint32 per item."""


class _FlagCounter:
    """``_count_flagged`` by time point, of each of several flag arrays, of items whose
    time points are ``group_tp``: ``sizes`` holds the items of each time point
    (``np.bincount(group_tp)``). Items in ascending time point order (``ordered``) are
    counted by the prefix sums of the flags read at each time point's bounds (no gather
    of the flagged items); up to four flags at once (``packs``), a byte each of one uint32
    per item, when no time point has 256 items (no byte then carries into the next: the
    sums wrap modulo 2**32, their differences over a time point are exact).

    >>> count = _FlagCounter(np.array([0, 0, 2]), np.array([2, 0, 1]), ordered=True)
    >>> count(np.array([True, True, True]), np.array([False, True, False]))
    [array([2, 0, 1]), array([1, 0, 0])]
    """

    def __init__(self, group_tp: np.ndarray, sizes: np.ndarray, ordered: bool) -> None:
        self.group_tp, self.n_tp, self.ordered = group_tp, len(sizes), ordered
        self.packs = bool(ordered and len(sizes) and int(sizes.max()) < 256)
        if ordered:
            self.ends = np.cumsum(sizes)
            self.starts = self.ends - sizes
            self.prefix = np.empty(len(group_tp) + 1, dtype=np.uint32 if (
                self.packs or len(group_tp) < 2**31) else np.int64)
            self.prefix[0] = 0

    def __call__(self, *flags: np.ndarray) -> list[np.ndarray]:
        if not self.ordered:
            return [_count_flagged(self.group_tp, one, self.n_tp) for one in flags]
        if not self.packs or len(flags) == 1:
            return [self._single(one) for one in flags]
        return [counts for at in range(0, len(flags), _PACKED_FLAGS)
                for counts in self._packed(flags[at:at + _PACKED_FLAGS])]

    def _packed(self, flags: Sequence[np.ndarray]) -> list[np.ndarray]:
        items = np.zeros(len(self.group_tp), dtype=np.uint32)
        for k, one in enumerate(flags):
            byte = np.asarray(one, dtype=bool).astype(np.uint32)
            byte <<= np.uint32(8 * k)
            items |= byte
        return self.byte_sums(items, len(flags))

    def byte_sums(self, items: np.ndarray, n_flags: int) -> list[np.ndarray]:
        """The counts of ``n_flags`` flags packed by the caller a byte each (flag k in
        bits 8k .. 8k+7, 0 or 1) into ``items`` (uint32; ``packs`` only)."""
        np.cumsum(items, dtype=np.uint32, out=self.prefix[1:])
        sums = self.prefix[self.ends] - self.prefix[self.starts]  # wraps like the prefix
        return [((sums >> np.uint32(8 * k)) & np.uint32(255)).astype(np.int64)
                for k in range(n_flags)]

    def _single(self, flags: np.ndarray) -> np.ndarray:
        np.cumsum(flags, dtype=self.prefix.dtype, out=self.prefix[1:])
        counts: np.ndarray = (self.prefix[self.ends] - self.prefix[self.starts]).astype(
            np.int64)  # exact, as in ``byte_sums``, if a uint32 prefix wraps
        return counts


def _nontarget_bytes(codes: np.ndarray, status: TextCodes, pathological: np.ndarray,
                     in_base: np.ndarray) -> np.ndarray:
    """The four non-target flags ``timepoint_columns`` counts, a byte each of a uint32
    (``_FlagCounter.byte_sums``), of non-targets of one row each, from their status codes
    (``status``; -1 none): seen at baseline (``in_base``), not evaluated, progression,
    present (not absent, not evaluated nor progression; an absent node with a
    pathological SA, at the positions ``pathological``, is present: NT-CR, DEC-5).

    >>> from recist.cohort_index import text_codes
    >>> status = text_codes(pd.Series(["absent", "not_evaluated", "present", "progression"]))
    >>> _nontarget_bytes(np.array([0, 1, 2, 3, -1, 0]), status, np.array([5]),
    ...                  np.array([True, False, False, False, False, False])).tolist()
    [1, 256, 16777216, 65536, 16777216, 16777216]
    """
    named = {NonTargetStatus.NOT_EVALUATED: 1 << 8, NonTargetStatus.PROGRESSION: 1 << 16,
             NonTargetStatus.ABSENT: 0}
    lookup = np.array([named.get(value, 1 << 24) for value in status.uniques.tolist()]
                      + [1 << 24], dtype=np.uint32)  # the last: no status (code -1)
    items: np.ndarray = np.take(lookup, codes)
    items[pathological] = 1 << 24
    items |= in_base
    return items


def _items_at(sizes: np.ndarray, flagged_tp: np.ndarray) -> np.ndarray:
    """The positions of the items (lesions, in ascending time point order) of the flagged
    time points: ``sizes`` holds the items of each time point, so each time point's items
    are the range after those of the time points before it.

    >>> _items_at(np.array([2, 0, 3, 1]), np.array([True, True, False, True])).tolist()
    [0, 1, 5]
    """
    ends = np.cumsum(sizes)
    tps = np.flatnonzero(flagged_tp)
    lengths = sizes[tps]
    before = np.cumsum(lengths) - lengths  # each range's start among the items picked
    items: np.ndarray = np.arange(int(lengths.sum()), dtype=np.intp)
    items += np.repeat(ends[tps] - lengths - before, lengths)
    return items


def _lesions_at_baseline(lesion_tp: np.ndarray, lesion: np.ndarray, sizes: np.ndarray,
                         ordered: bool, at_baseline: np.ndarray, n_lesions: int) -> np.ndarray:
    """Per (lesion, time point) group (``_ordered_lesion_groups``: its time point
    ``lesion_tp``, its lesion), whether the lesion has a group at its patient's baseline
    (``at_baseline``, per time point); ``sizes``: the groups of each time point. Groups in
    time point order: the baseline's groups read as ranges, else picked by their time
    points.

    >>> tp, lesion = np.array([0, 0, 1, 2]), np.array([0, 1, 0, 2])
    >>> _lesions_at_baseline(tp, lesion, np.array([2, 1, 1]), True,
    ...                      np.array([True, False, False]), 3).tolist()
    [True, True, True, False]
    """
    seen = np.zeros(n_lesions, dtype=bool)
    if ordered:
        seen[lesion[_items_at(sizes, at_baseline)]] = True
    else:
        seen[lesion[np.take(at_baseline, lesion_tp)]] = True
    flags: np.ndarray = np.take(seen, lesion)  # np.take: no intp copy of int32 codes
    return flags


def _ordered_lesion_groups(row_tp: np.ndarray, row_lesion: np.ndarray, tp_order: np.ndarray,
                           n_lesions: int, n_orders: int
                           ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, bool]:
    """``_lesion_groups`` (each row's order read from ``tp_order`` only when the rows are
    not grouped by their runs), with None for the rows' groups when each row is a group
    of its own in the rows' order (runs of one row: the rows themselves, as given, no
    group numbers made), and whether the groups come in ascending time point order
    (grouped by the runs of rows sorted by time point)."""
    head = _run_heads(row_tp, row_lesion)
    if head is None:
        return (*_lesion_groups(row_tp, row_lesion, tp_order[row_tp], n_lesions, n_orders),
                False)
    if head.all():
        return None, row_tp, row_lesion, True
    return (*_groups_of_runs(head, row_tp, row_lesion), True)


def _any_of_groups(group: np.ndarray | None, flags: np.ndarray, n_groups: int) -> np.ndarray:
    """``_group_any``, or the flags themselves (not copied) for ``group`` None (each row a
    group, ``_ordered_lesion_groups``)."""
    return flags if group is None else _group_any(group, flags, n_groups)


def _group_any(group: np.ndarray, flags: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group 0..n_groups-1 (``_lesion_groups``), whether one of its rows is flagged."""
    if len(group) == n_groups:  # group i is row i
        return np.array(flags, dtype=bool)
    out = np.zeros(n_groups, dtype=bool)
    out[group[np.asarray(flags, dtype=bool)]] = True
    return out


def timepoint_columns(measurements: pd.DataFrame, criteria: Criteria = RECIST_1_1,
                      cutoffs: NewTherapyCutoffs | None = None) -> dict[str, npt.NDArray[Any]]:
    """The columns of ``timepoint_features`` as plain arrays (no DataFrame copy)."""
    frame = measurements  # read column by column, by position; never modified (no copy)
    encoding = index_of(frame)  # codes shared with the checks when ``frame`` is indexed
    tps = encoding.timepoints
    row_tp, n_tp = tps.row_tp, len(tps.order)
    # the cut-off of each patient, then of each of their time points
    patient_cutoff_ns = np.append(cutoff_ns_of_timepoints(encoding.patient.uniques, cutoffs),
                                  NO_DATE_NS)
    tp_cutoff_ns = patient_cutoff_ns[tps.patient]
    status = encoding.status  # each kind's rows compared on their status codes only

    def status_of(rows: np.ndarray) -> Callable[[str], np.ndarray]:
        codes = status.codes[rows]
        return lambda value: _codes_equal(codes, status, value)

    nodal = frame["nodal"].to_numpy(dtype=bool)
    ld = frame["ld_mm"].to_numpy(dtype=float)
    sa = frame["sa_mm"].to_numpy(dtype=float)
    date_ns = encoding.date_ns
    kind = encoding.kind
    t_rows = np.flatnonzero(_codes_equal(kind.codes, kind, LesionKind.TARGET))
    nt_rows = np.flatnonzero(_codes_equal(kind.codes, kind, LesionKind.NON_TARGET))
    new_rows = np.flatnonzero(_codes_equal(kind.codes, kind, LesionKind.NEW))
    t_status_is = status_of(t_rows)
    t_nodal = nodal[t_rows]
    t_measured = t_status_is(TargetStatus.MEASURED)
    t_diameter = ld[t_rows]
    nodes = np.flatnonzero(t_nodal)
    t_diameter[nodes] = sa[t_rows[nodes]]  # SA of a node, else LD
    del nodes
    bad = np.flatnonzero(t_measured & np.isnan(t_diameter))
    _check_measured_diameters(frame, t_rows[bad[:1]])
    decimals = criteria.rounding_decimals

    patient_of_tp = tps.patient
    tp_order = tps.order
    # a patient's time points are consecutive, its baseline (order 0) first
    baseline_of_tp = np.arange(n_tp) - tp_order

    row_lesion = encoding.lesion_code  # (patient, lesion_id) pairs numbered 0, 1, ...
    n_lesions = int(row_lesion.max(initial=-1)) + 1
    n_orders = int(tp_order.max(initial=-1)) + 1

    # ---- targets: lesion level (fragments added, SUM-5, DEC-11) ----
    t_contribution = _contribution_of_diameters(t_measured, t_status_is(TargetStatus.TOO_SMALL),
                                                t_diameter, criteria, in_place=True)
    del t_diameter
    t_not_evaluated = t_status_is(TargetStatus.NOT_EVALUATED)
    t_tp, t_lesion = row_tp[t_rows], row_lesion[t_rows]
    at_baseline = tp_order == 0  # per time point
    les_of_row, les_tp, les_lesion, ordered = _ordered_lesion_groups(
        t_tp, t_lesion, tp_order, n_lesions, n_orders)
    n_les = len(les_tp)
    # each lesion's size, rounded where it meets a TGT-CR threshold (DEC-22)
    les_sum = (t_contribution if les_of_row is None or n_les == len(t_contribution)
               else _group_sum(les_of_row, t_contribution, n_les))  # else one row a lesion
    les_ne = _any_of_groups(les_of_row, t_not_evaluated, n_les)
    les_nodal = _any_of_groups(les_of_row, t_nodal, n_les)
    not_cr = np.where(les_nodal, compare_rounded(les_sum, float(criteria.node_pathological_sa_mm),
                                                 decimals, inclusive=True),
                      compare_rounded(les_sum, 0.0, decimals, inclusive=False))
    del les_sum
    n_target_lesions = np.bincount(les_tp, minlength=n_tp)
    les_in_base = _lesions_at_baseline(les_tp, les_lesion, n_target_lesions, ordered,
                                       at_baseline, n_lesions)
    # DEC-20: a sum-based PD is dated by the earliest scan of the targets that documented
    # it, so rows of targets not evaluated at that time point do not count.
    shared_ns = _shared_dates(tps, date_ns)  # if so: a time point with one, its date
    flags = [~les_ne & les_in_base, les_ne, not_cr]  # counted per time point in one pass
    if shared_ns is not None:  # the fourth: the lesion has a row that was evaluated
        flags.append(_any_of_groups(les_of_row, ~t_not_evaluated, n_les))
    counts = _FlagCounter(les_tp, n_target_lesions, ordered)(*flags)
    del flags
    n_evaluated_base = counts[0]
    any_ne, any_not_cr = counts[1] > 0, counts[2] > 0
    partial = round_half_away(
        np.bincount(t_tp, weights=t_contribution, minlength=n_tp), decimals)

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
    if shared_ns is not None:  # a time point with an evaluated target: its one date
        first_target_ns = np.where(counts[3] > 0, shared_ns, NO_DATE_NS)
    else:
        target_ns = date_ns[t_rows]
        target_ns[t_not_evaluated] = NO_DATE_NS  # the "no date" of a time point without one
        first_target_ns = _group_min(t_tp, target_ns, n_tp, NO_DATE_NS)
        del target_ns
    del t_rows, t_tp, t_lesion, t_contribution, les_of_row, t_nodal, counts

    # ---- non-targets (NT-*, DEC-5) ----
    nt_codes = status.codes[nt_rows]
    # absent, and not a node with a pathological SA (read at the absent rows only)
    absent = np.flatnonzero(_codes_equal(nt_codes, status, NonTargetStatus.ABSENT))
    absent_rows = nt_rows[absent]
    pathological = absent[nodal[absent_rows]
                          & (sa[absent_rows] >= criteria.node_pathological_sa_mm)]
    del absent_rows
    nt_row_tp, nt_lesion = row_tp[nt_rows], row_lesion[nt_rows]
    nt_of_row, nt_tp, nt_group_lesion, nt_ordered = _ordered_lesion_groups(
        nt_row_tp, nt_lesion, tp_order, n_lesions, n_orders)
    n_nt = len(nt_tp)
    nt_progression = _codes_equal(nt_codes, status, NonTargetStatus.PROGRESSION)
    n_nt_lesions = np.bincount(nt_tp, minlength=n_tp)
    nt_in_base = _lesions_at_baseline(nt_tp, nt_group_lesion, n_nt_lesions, nt_ordered,
                                      at_baseline, n_lesions)
    n_nt_base = n_nt_lesions[baseline_of_tp]
    count_nt = _FlagCounter(nt_tp, n_nt_lesions, nt_ordered)
    if nt_of_row is None and count_nt.packs:  # a row a lesion: its flags by its status
        n_nt_seen_base, n_nt_ne, n_nt_prog, n_nt_present = count_nt.byte_sums(
            _nontarget_bytes(nt_codes, status, pathological, nt_in_base), 4)
    else:
        gone = _codes_equal(nt_codes, status, NonTargetStatus.ABSENT)
        gone[pathological] = False
        nt_prog = _any_of_groups(nt_of_row, nt_progression, n_nt)
        nt_ne = _any_of_groups(nt_of_row, _codes_equal(nt_codes, status,
                                                       NonTargetStatus.NOT_EVALUATED), n_nt)
        nt_gone = ~_any_of_groups(nt_of_row, ~gone, n_nt)  # every row of the lesion gone
        n_nt_seen_base, n_nt_ne, n_nt_prog, n_nt_present = count_nt(
            nt_in_base, nt_ne & ~nt_prog, nt_prog, ~nt_gone & ~nt_ne & ~nt_prog)
        del gone, nt_prog, nt_ne, nt_gone
    n_nt_missing = (np.maximum(n_nt_base - n_nt_seen_base, 0) + n_nt_ne).astype(np.int64)
    nt_prog_ns = (np.where(n_nt_prog > 0, shared_ns, NO_DATE_NS) if shared_ns is not None
                  else _group_min(nt_row_tp[nt_progression], date_ns[nt_rows[nt_progression]],
                                  n_tp, NO_DATE_NS))
    del nt_rows, nt_codes, absent, pathological, nt_row_tp, nt_lesion, nt_of_row
    del nt_progression, count_nt

    # ---- new lesions (NEW-1, NEW-3, DEC-13, DEC-14) ----
    new_status_is = status_of(new_rows)
    unequivocal_rows = new_rows[new_status_is(NewLesionStatus.UNEQUIVOCAL)]
    equivocal_rows = new_rows[new_status_is(NewLesionStatus.EQUIVOCAL)]
    del new_rows, new_status_is
    n_unequivocal = np.bincount(row_tp[unequivocal_rows], minlength=n_tp).astype(np.int64)
    n_equivocal = np.bincount(row_tp[equivocal_rows], minlength=n_tp).astype(np.int64)
    unequivocal_ns = (np.where(n_unequivocal > 0, shared_ns, NO_DATE_NS)
                      if shared_ns is not None else
                      _group_min(row_tp[unequivocal_rows], date_ns[unequivocal_rows], n_tp,
                                 NO_DATE_NS))
    backdated, late = _backdate_confirmed_new(
        frame, row_tp, tp_order, row_lesion, unequivocal_rows, equivocal_rows, date_ns,
        tp_cutoff_ns, n_tp)

    return {
        "patient_id": encoding.patient.decode(tps.patient),
        "visit": tps.label,
        "patient_code": patient_of_tp,
        "tp_order": tp_order,
        "first_ns": tps.first_ns,
        "last_ns": tps.last_ns,
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
    patient_lesion: npt.NDArray[np.integer[Any]], unequivocal_rows: npt.NDArray[np.intp],
    equivocal_rows: npt.NDArray[np.intp], date_ns: npt.NDArray[np.int64],
    tp_cutoff_ns: npt.NDArray[np.int64], n_tp: int,
) -> tuple[tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.int64]],
           tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]]:
    """DEC-13: find each equivocal new lesion's first sighting that a later scan confirms.

    A new lesion (same patient and lesion_id, kind ``new``) seen ``equivocal`` at one
    time point and ``unequivocal`` at a later one is back-dated: its first equivocal
    time point is marked with the lesion ids and the confirming date. DEC-17: only an
    ``unequivocal`` row dated before the patient's cut-off (``tp_cutoff_ns``, per time
    point) confirms;
    a lesion first seen before the cut-off and first confirmed on or after it is
    returned apart ("late": not back-dated, DEC-14).

    Returns ``(lesions, confirmed, dates)`` per time point for the back-dated lesions
    (joined text, first-sighting ns) and ``(lesions, confirmed)`` per time point for the
    late ones (tuples; None where there is none). Array operations on the new-lesion rows
    only (``tests/recist/sums/test_backdate.py`` compares them with a plain reading).
    """
    lesions = filled_objects(n_tp, "")
    confirmed = filled_objects(n_tp, "")
    dates = np.full(n_tp, NO_DATE_NS, dtype=np.int64)
    late_lesions = np.empty(n_tp, dtype=object)  # None
    late_confirmed = np.empty(n_tp, dtype=object)
    backdated, late = (lesions, confirmed, dates), (late_lesions, late_confirmed)
    if not len(unequivocal_rows) or not len(equivocal_rows):
        return backdated, late
    # the confirmations by lesion, then time point and date; each lesion's first one
    # before the cut-off ("in time"), and for the others their first one
    confirm = unequivocal_rows[np.lexsort((date_ns[unequivocal_rows],
                                           tp_order[row_tp[unequivocal_rows]],
                                           patient_lesion[unequivocal_rows]))]
    in_time = date_ns[confirm] < tp_cutoff_ns[row_tp[confirm]]
    first_in_time = _first_of_each_key(confirm[in_time], patient_lesion)
    seen = equivocal_rows[np.lexsort((date_ns[equivocal_rows],
                                      tp_order[row_tp[equivocal_rows]],
                                      patient_lesion[equivocal_rows]))]
    texts = np.array([str(lesion) for lesion in frame["lesion_id"].array[seen]], dtype=object)
    first, by = _first_sightings(seen, first_in_time, row_tp, tp_order, patient_lesion)
    if len(first):
        at, lesion_text, confirmed_text, seen_ns = _sightings(first, by, seen, texts, row_tp,
                                                              date_ns)
        starts = run_starts(at)
        lesions[at[starts]] = _joined(lesion_text, starts)
        confirmed[at[starts]] = _joined(confirmed_text, starts)
        dates[at[starts]] = np.minimum.reduceat(seen_ns, np.flatnonzero(starts))
    if not in_time.all():
        timely = np.isin(patient_lesion[confirm], patient_lesion[first_in_time])
        first_late = _first_of_each_key(confirm[~timely], patient_lesion)
        before = date_ns[seen] < tp_cutoff_ns[row_tp[seen]]
        first, by = _first_sightings(seen, first_late, row_tp, tp_order, patient_lesion,
                                     before)
        if len(first):
            at, lesion_text, confirmed_text, _ = _sightings(first, by, seen, texts, row_tp,
                                                            date_ns)
            bounds = [*np.flatnonzero(run_starts(at)).tolist(), len(at)]
            for start, end in zip(bounds[:-1], bounds[1:]):  # rare: DEC-17 cut-offs only
                late_lesions[at[start]] = tuple(lesion_text[start:end].tolist())
                late_confirmed[at[start]] = tuple(confirmed_text[start:end].tolist())
    return backdated, late


def _first_of_each_key(rows: npt.NDArray[np.intp],
                       patient_lesion: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.intp]:
    """The first of ``rows`` (sorted by lesion) of each lesion."""
    keys = patient_lesion[rows]
    return rows[run_starts(keys)]


def _first_sightings(
    seen: npt.NDArray[np.intp], confirms: npt.NDArray[np.intp],
    row_tp: npt.NDArray[np.int64], tp_order: npt.NDArray[np.int64],
    patient_lesion: npt.NDArray[np.integer[Any]], allowed: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Each lesion's first equivocal row before its confirmation: positions in ``seen``
    (rows sorted by lesion, time point, date; only the ``allowed`` ones) and the
    confirming row of each. ``confirms``: one row per lesion, sorted by lesion."""
    empty = np.zeros(0, dtype=np.intp)
    if not len(confirms):
        return empty, empty
    confirm_keys = patient_lesion[confirms]
    keys = patient_lesion[seen]
    at = np.minimum(np.searchsorted(confirm_keys, keys), len(confirms) - 1)
    earlier = ((confirm_keys[at] == keys)
               & (tp_order[row_tp[seen]] < tp_order[row_tp[confirms[at]]]))
    if allowed is not None:
        earlier &= allowed
    candidates = np.flatnonzero(earlier)
    first = candidates[run_starts(keys[candidates])]
    return first, confirms[at[first]]


def _sightings(first: npt.NDArray[np.intp], by: npt.NDArray[np.intp],
               seen: npt.NDArray[np.intp], texts: npt.NDArray[np.object_],
               row_tp: npt.NDArray[np.int64], date_ns: npt.NDArray[np.int64],
               ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_],
                          npt.NDArray[np.object_], npt.NDArray[np.int64]]:
    """The first sightings sorted by time point and lesion id: their time points, lesion
    ids, confirming dates (ISO text) and own dates."""
    tp = row_tp[seen[first]]
    lesion = texts[first]
    order = np.lexsort((np.unique(lesion, return_inverse=True)[1].reshape(-1), tp))
    iso = np.datetime_as_string(date_ns[by[order]].astype("datetime64[ns]"), unit="D")
    return tp[order], lesion[order], iso.astype(object), date_ns[seen[first[order]]]


def _joined(texts: npt.NDArray[np.object_], starts: npt.NDArray[np.bool_]
            ) -> npt.NDArray[np.object_]:
    """The texts of each group (``starts`` marks each group's first) joined with ", ".

    >>> _joined(np.array(["N1", "N2", "N3"], dtype=object), np.array([True, False, True]))
    array(['N1, N2', 'N3'], dtype=object)
    """
    last = np.r_[starts[1:], True]
    pieces = np.where(last, texts, texts + ", ")
    joined: npt.NDArray[np.object_] = np.add.reduceat(pieces, np.flatnonzero(starts))
    return joined
