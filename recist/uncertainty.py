"""How fragile each RECIST 1.1 call is: distances to the thresholds and probabilities
under a measurement-error model (docs/rules.md section 16, UNC-1..6).

Two parts:

* exact arithmetic (:func:`threshold_distances`): for every follow-up time point with an
  evaluable sum, the sum at which the target response would change — the PR threshold
  against the baseline, the PD threshold against the nadir (the larger of +20 % and
  +5 mm, each also given alone) — and the change in mm and percentage points that
  reaches each (UNC-2), with DEC-22 rounding;
* a seeded, vectorised Monte Carlo (:func:`assess_uncertainty`) of the per-lesion
  measurement error of UNC-1 (independent normal errors whose SD grows with the
  diameter; the diameters of a time point that the clip at 0 cannot reach drawn as one
  normal error of their sum, ``NO_CLIP_Z``): the sums, baselines and nadirs of every
  draw, the target and overall responses (the engine's non-target and new-lesion calls
  kept), and per patient the probability that BOR, confirmed BOR and PD date stay as
  computed (UNC-3, UNC-5), and per cohort the spread of ORR and DCR (UNC-6). Patients
  whose every call lies more than ``SAFE_Z`` standard deviations from every threshold
  are not simulated: their probabilities are 1 (UNC-3).

The module is pure (numpy/pandas): it reads the measurements table and the engine's
time points and summary, and returns its own frames; ``recist.pipeline`` joins them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist._checks_support import indexed
from recist.arrays import (
    combined_codes,
    copy_bytes_where,
    first_seen_codes,
    order_codes,
    round_half_away,
    run_starts,
)
from recist.cohort_index import index_of
from recist.criteria import RECIST_1_1, Criteria
from recist.patient_summary import summarise_patients_with_findings
from recist.patients import normalise_patients
from recist.response_table import (
    NEW_LESION_ORDER,
    NONTARGET_ORDER,
    OVERALL_CODES,
    OVERALL_ORDER,
    TARGET_ORDER,
)
from recist.size_response import (
    classify_size_sums,
    recist_thresholds,
    timepoint_of_rows,
)
from recist.timepoints import TimepointCodes
from recist.vocabulary import LesionKind, TargetResponse, TargetStatus

__all__ = [
    "DISTANCE_COLUMNS",
    "PATIENT_COLUMNS",
    "NO_CLIP_Z",
    "PROBABILITY_COLUMNS",
    "SAFE_Z",
    "UncertaintyResult",
    "assess_uncertainty",
    "classify_draws",
    "lesion_error_sd_mm",
    "threshold_distances",
]

SAFE_Z = 5.0
"""UNC-3: a call further than this many SDs from every threshold is not simulated."""
NO_CLIP_Z = 6.0
"""UNC-3: a diameter at least this many SDs above 0 is never clipped at 0 in practice
(P < 1e-9 per draw): its error is pooled with the time point's others into one draw."""

DISTANCE_COLUMNS = ("sum_sd_mm", "pr_threshold_mm", "to_pr_mm", "to_pr_pct",
                    "pd_threshold_mm", "to_pd_mm", "to_pd_pct", "to_pd_5mm_mm", "flip_mm",
                    "flip_to")
PROBABILITY_COLUMNS = ("p_cr", "p_pr", "p_sd", "p_pd", "p_same", "fragile", "fragility")
PATIENT_COLUMNS = ("p_bor_same", "p_confirmed_bor_same", "p_pd_date_same", "bor_fragile",
                   "bor_fragility")

_CR, _PR, _SD, _PD = (OVERALL_ORDER.index(v) for v in ("CR", "PR", "SD", "PD"))
_DIGIT_BASE = 8
"""A draw's sequence key packs each time point's overall code (-1 baseline, then the
indices of OVERALL_ORDER) as one base-8 digit (key × 8 + code, time point by time point):
the codes are fewer than 8 consecutive integers, so two sequences of one patient (of one
length) have one key only when they are equal."""
_DIGITS_PER_WORD = 10
"""Digits per int32 key word: |key| < 8**10 = 2**30 < 2**31, so a word never overflows
(int32 words: half the memory of int64 ones to multiply and add)."""
if len(OVERALL_ORDER) + 1 >= _DIGIT_BASE:  # a new overall response would collide keys
    raise ImportError("recist.uncertainty: the overall response codes no longer fit a "
                      "sequence key digit; raise _DIGIT_BASE (and lower _DIGITS_PER_WORD)")


_ROUNDING_BLOCK_VALUES = 262_144
"""Draws transformed per block (rows × draws): 1 MiB of floats, so each block's three
steps run on data still in the CPU cache."""
_GROUP_VALUES = 65_536
"""Time points (patients) × draws classified (keyed) at once, :func:`_classify_blocks`
(:func:`_changed_pairs`): 512 KiB per array of doubles (int64 keys), so a group's sums,
baseline, nadir and scratch (keys) stay in the CPU cache."""


def lesion_error_sd_mm(diameter_mm: npt.ArrayLike,
                       criteria: Criteria = RECIST_1_1) -> npt.NDArray[np.float64]:
    """SD of one diameter measurement, mm (UNC-1).

    UNC-1: ``sqrt(error_floor_mm**2 + (error_relative_pct / 100 * d)**2)``: a floor that
    dominates small lesions and a part proportional to the diameter. With the defaults
    (1.5 mm, 3 %) a 25 mm lesion has an SD of 1.68 mm, so the difference of two repeat
    measurements has an SD of 2.37 mm (Oxnard et al. 2011: 2.4 mm).

    >>> lesion_error_sd_mm([0.0, 25.0, 40.0]).round(3).tolist()
    [1.5, 1.677, 1.921]
    """
    d = np.asarray(diameter_mm, dtype=float)
    return np.asarray(np.hypot(criteria.error_floor_mm, criteria.error_relative_pct / 100.0 * d),
                      dtype=float)


# ------------------------------------------------------------------ the target rows
@dataclass(frozen=True)
class _Layout:
    """The target rows of a table, mapped onto the engine's time points."""

    n_tp: int
    tp_patient: npt.NDArray[np.int64]  # patient code of each time point
    tp_order: npt.NDArray[np.int64]  # 0 = baseline
    row_tp: npt.NDArray[np.int64]  # time point of each target row
    lesion: npt.NDArray[np.int64]  # (time point, lesion) group of each target row
    lesion_tp: npt.NDArray[np.int64]
    lesion_nodal: npt.NDArray[np.bool_]
    value: npt.NDArray[np.float64]  # contribution (mm) of each target row
    measured: npt.NDArray[np.bool_]  # rows whose value carries measurement error
    sd: npt.NDArray[np.float64]  # SD of each row's value (UNC-1), 0 where not measured
    sum_var: npt.NDArray[np.float64]  # variance of each time point's sum (mm²)
    fixed_not_cr: npt.NDArray[np.bool_]  # a non-nodal target not gone


def _layout(measurements: pd.DataFrame, timepoints: pd.DataFrame,
            criteria: Criteria) -> _Layout:
    # The table's encoding (recist.cohort_index): respond's own when given the table
    # respond read (RespondResult.indexed), else made once here.
    table = indexed(measurements)
    encoding = index_of(table)
    row_tp, tps = timepoint_of_rows(table, timepoints)
    nodal = table["nodal"].to_numpy(dtype=bool)
    diameter = np.where(nodal, table["sa_mm"].to_numpy(dtype=float),
                        table["ld_mm"].to_numpy(dtype=float))
    t_rows = np.flatnonzero(encoding.kind.rows_equal(LesionKind.TARGET))
    measured = encoding.status.rows_equal(TargetStatus.MEASURED)[t_rows]
    too_small = encoding.status.rows_equal(TargetStatus.TOO_SMALL)[t_rows]
    value = np.select([measured, too_small],
                      [diameter[t_rows], np.full(len(t_rows), criteria.too_small_mm)], 0.0)
    value = np.nan_to_num(value)
    order = np.argsort(row_tp[t_rows], kind="stable")
    t_rows, measured, value = t_rows[order], measured[order], value[order]
    # Lesion ids as codes 1.. (0: none): only which rows share a lesion matters.
    lesion_codes = encoding.lesion.codes[t_rows].astype(np.int64) + 1
    n_les = len(encoding.lesion.uniques) + 1
    # (numbered by first sight as pandas.factorize numbers them; keys that rise as the
    # rows go, as a sorted table gives them, by their runs without hashing)
    lesion, keys = first_seen_codes(row_tp[t_rows].astype(np.int64) * n_les + lesion_codes)
    lesion = lesion.astype(np.int64)
    lesion_tp = (keys // n_les).astype(np.int64)
    lesion_nodal = np.bincount(lesion, weights=nodal[t_rows], minlength=len(keys)) > 0
    lesion_value = np.bincount(lesion, weights=value, minlength=len(keys))
    n_tp = len(tps)
    not_gone = ~lesion_nodal & (round_half_away(lesion_value, criteria.rounding_decimals) > 0)
    sd = np.where(measured, lesion_error_sd_mm(value, criteria), 0.0)
    return _Layout(
        n_tp=n_tp, tp_patient=tps["patient_code"].to_numpy(dtype=np.int64),
        tp_order=tps["tp_order"].to_numpy(dtype=np.int64),
        row_tp=row_tp[t_rows].astype(np.int64), lesion=lesion, lesion_tp=lesion_tp,
        lesion_nodal=lesion_nodal, value=value, measured=measured, sd=sd,
        sum_var=np.bincount(row_tp[t_rows], weights=sd ** 2, minlength=n_tp).astype(float),
        fixed_not_cr=np.bincount(lesion_tp, weights=not_gone, minlength=n_tp) > 0)


# ------------------------------------------------------------------ exact distances
def threshold_distances(timepoints: pd.DataFrame, sum_sd_mm: npt.ArrayLike | None = None,
                        criteria: Criteria = RECIST_1_1) -> pd.DataFrame:
    """Distances of every time point's sum to the PR and PD thresholds (UNC-2).

    UNC-2 (exact, DEC-22 rounding; TGT-PR, TGT-PD):

    1. ``pr_threshold_mm`` = baseline × (1 − 30 %): PR when the sum is at most this;
       ``to_pr_mm`` = threshold − sum (negative: the sum must fall that much to be PR;
       zero or positive: PR holds unless it grows by more), ``to_pr_pct`` the same in
       percentage points of the baseline (−30 − % from baseline).
    2. ``pd_threshold_mm`` = nadir + max(5 mm, 20 % of the nadir): PD when the sum is at
       least this; ``to_pd_mm`` = threshold − sum (positive: growth needed for PD;
       zero or negative: PD holds unless it falls below), ``to_pd_pct`` = 20 − % from the
       nadir (missing over a nadir of 0), ``to_pd_5mm_mm`` = nadir + 5 − sum.
    3. ``flip_mm``: the smallest change of the sum, in steps of 0.01 mm, that changes the
       target response among PR, SD and PD (computed with the rule itself, so rounding
       at the boundary counts); ``flip_to``: the target response it would become.
    Missing where the time point has no evaluable sum (baseline, NE, no targets).

    >>> tp = pd.DataFrame({"sum_mm": [np.nan, 30.0, 34.6], "baseline_sum_mm": [50.0] * 3,
    ...                    "nadir_mm": [np.nan, 25.0, 50.0]})
    >>> d = threshold_distances(tp)
    >>> d[["to_pr_mm", "to_pd_mm", "flip_mm"]].iloc[1:].values.tolist()
    [[5.0, 0.0, 0.01], [0.4, 25.4, 0.41]]
    """
    d = criteria.rounding_decimals
    step = 10.0 ** -d
    total = round_half_away(timepoints["sum_mm"].to_numpy(dtype=float), d)
    base = round_half_away(timepoints["baseline_sum_mm"].to_numpy(dtype=float), d)
    nadir = round_half_away(timepoints["nadir_mm"].to_numpy(dtype=float), d)
    follow_up = ~np.isnan(nadir) & ~np.isnan(total)
    pr_thr = round_half_away(base * (1 - criteria.pr_decrease_pct / 100.0), d)
    pd_thr = round_half_away(np.maximum(nadir * (1 + criteria.pd_increase_pct / 100.0),
                                        nadir + criteria.pd_min_increase_mm), d)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct_base = round_half_away(np.where(base > 0, (total - base) / base * 100, np.nan), d)
        pct_nadir = round_half_away(np.where(nadir > 0, (total - nadir) / nadir * 100,
                                             np.nan), d)

    thresholds = recist_thresholds(criteria)
    # Only the follow-up sums have a flip: their values gathered once, every search step
    # on all of them (or on the few that reach further) without gathering again.
    rows = np.flatnonzero(follow_up)
    base_f, nadir_f, total_f = base[rows], nadir[rows], total[rows]

    def classify(values: npt.NDArray[np.float64],
                 at: npt.NDArray[np.intp] | slice) -> npt.NDArray[np.int64]:
        flags = np.ones(len(values), dtype=bool)  # complete, with targets; CR not met
        return classify_size_sums(values, base_f[at], nadir_f[at], complete=flags,
                                  cr_met=~flags, has_targets=flags, thresholds=thresholds,
                                  rounded=True)

    every: slice = slice(None)  # every follow-up row, as a view (no gather)
    now = classify(total_f, every)
    flip_f = np.full(len(rows), np.inf)
    flip_to_f = np.full(len(rows), -1, dtype=np.int64)
    # Rounded values as whole steps: a candidate (threshold + offset steps, rounded) is
    # its step count over the scale, and its rounded distance to the sum the difference
    # of the counts over the scale (each the nearest double of a ratio of integers, as
    # round_half_away gives it).
    scale = 10.0 ** d
    total_steps = np.rint(total_f * scale)
    # The rounded percentage moves a boundary by up to half a percentage step of the
    # reference (0.05 mm over 1000 mm): each row searches that many steps around it.
    for threshold, reference in ((pr_thr, base), (pd_thr, nadir)):
        reach = 2 + np.ceil(np.nan_to_num(reference[rows]) * 0.5 * step / 100.0 / step)
        threshold_steps = np.rint(threshold[rows] * scale)
        for offset in range(-int(reach.max(initial=2)), int(reach.max(initial=2)) + 1):
            # Only the rows this step reaches and where it lies nearer than the flip found
            # so far are classified: a candidate no nearer cannot replace it.
            distances = np.abs(threshold_steps + offset - total_steps) / scale
            found = np.flatnonzero((reach >= abs(offset)) & (distances < flip_f))
            at = every if len(found) == len(rows) else found
            then = classify((threshold_steps[at] + offset) / scale, at)
            better = then != now[at]  # (each row of ``at`` lies nearer: it replaces)
            flip_f[at] = np.where(better, distances[at], flip_f[at])
            flip_to_f[at] = np.where(better, then, flip_to_f[at])
    flip = np.full(len(total), np.inf)
    flip_to = np.full(len(total), -1, dtype=np.int64)
    flip[rows], flip_to[rows] = flip_f, flip_to_f
    out = pd.DataFrame({
        "sum_sd_mm": (np.full(len(total), np.nan) if sum_sd_mm is None
                      else np.asarray(sum_sd_mm, dtype=float)),
        "pr_threshold_mm": np.where(follow_up, pr_thr, np.nan),
        "to_pr_mm": np.where(follow_up, round_half_away(pr_thr - total, d), np.nan),
        "to_pr_pct": np.where(follow_up, round_half_away(-criteria.pr_decrease_pct - pct_base,
                                                         d), np.nan),
        "pd_threshold_mm": np.where(follow_up, pd_thr, np.nan),
        "to_pd_mm": np.where(follow_up, round_half_away(pd_thr - total, d), np.nan),
        "to_pd_pct": np.where(follow_up, round_half_away(criteria.pd_increase_pct - pct_nadir,
                                                         d), np.nan),
        "to_pd_5mm_mm": np.where(follow_up, round_half_away(
            nadir + criteria.pd_min_increase_mm - total, d), np.nan),
        "flip_mm": np.where(follow_up & np.isfinite(flip), flip, np.nan),
        "flip_to": np.array([*TARGET_ORDER, None], dtype=object)[
            np.where(flip_to < 0, len(TARGET_ORDER), flip_to)],
    }, index=timepoints.index)
    return out


# ------------------------------------------------------------------ Monte Carlo
@dataclass(frozen=True)
class UncertaintyResult:
    """What :func:`assess_uncertainty` returns.

    ``timepoints``: ``DISTANCE_COLUMNS`` and ``PROBABILITY_COLUMNS``, one row per row of
    the engine's time points (same index); ``patients``: ``patient_id`` and
    ``PATIENT_COLUMNS``; ``cohort``: one row per measure (ORR, DCR, fragile BOR calls)
    with its value and intervals; ``draws``: the number of draws.
    """

    timepoints: pd.DataFrame
    patients: pd.DataFrame
    cohort: pd.DataFrame
    draws: int


def _segment_sum(segment: npt.NDArray[np.int64], n_segments: int,
                 values: npt.NDArray[Any], cache: dict[Any, Any] | None = None,
                 key: str = "") -> npt.NDArray[Any]:
    """Row sums of ``values`` (rows × draws) per segment: ``out[g] = Σ values[segment == g]``,
    as a sparse indicator matrix times the dense block (an order of magnitude faster than
    ``np.add.reduceat`` along the first axis); integer blocks stay exact. With a
    ``cache``, the indicator matrix is built once per ``key`` and dtype (the same
    segments for every chunk of draws)."""
    from scipy import sparse

    if cache is not None and (key, values.dtype) in cache:
        return np.asarray(cache[key, values.dtype] @ values)
    ones = np.ones(len(segment), dtype=values.dtype)
    indicator = sparse.csr_matrix((ones, (segment, np.arange(len(segment)))),
                                  shape=(n_segments, len(segment)))
    if cache is not None:
        cache[key, values.dtype] = indicator
    return np.asarray(indicator @ values)


@dataclass(frozen=True)
class _DrawPlan:
    """What every chunk of draws of one layout shares, its time points renumbered
    order-major (:func:`_draw_plan`).

    Time point ``i`` of the plan is time point ``perm[i]`` of the layout. The plan's time
    points of order ``j`` are the block ``starts[j] : starts[j] + sizes[j]``. Patients are
    ranked by their number of time points (most first), so the patients present at order
    ``j`` are the first ``sizes[j]`` rows of every earlier block, in the same order: a
    time point's predecessor and its baseline are the same row of the block before and of
    block 0 (slices instead of gathers).

    The draws live in one buffer (:func:`_draw_buffer`): first one row per time point
    with pooled diameters (its pool), then the measured rows drawn alone, in table order
    (the standard-normal draws are written into these rows directly), then the fixed
    rows. ``tp_indicator`` adds each time point's pool first, then its other rows in
    table order.
    """

    n_tp: int
    perm: npt.NDArray[np.intp]
    new_of_old: npt.NDArray[np.intp]
    sizes: tuple[int, ...]
    starts: tuple[int, ...]
    tp_indicator: Any  # sparse (plan time points x buffer rows): the sums (pool first)
    fixed_value: npt.NDArray[np.float32]
    drawn_value: npt.NDArray[np.float32]  # the pools, then the rows drawn alone
    drawn_sd: npt.NDArray[np.float32]
    pool_tp: npt.NDArray[np.intp]  # plan time point of each pool
    node_kept: npt.NDArray[np.intp]  # buffer rows of the kept nodal rows at CR candidates
    node_lesion: npt.NDArray[np.int64]  # their lesion, 0 .. n_node_lesions - 1
    node_lesion_candidate: npt.NDArray[np.int64]  # the CR candidate of each such lesion
    cr_candidate: npt.NDArray[np.intp]  # complete, every non-nodal target gone
    complete: npt.NDArray[np.bool_]
    ne: npt.NDArray[np.bool_]  # not complete, or its baseline not complete
    no_targets: npt.NDArray[np.bool_]


def _draw_plan(layout: _Layout, complete: npt.NDArray[np.bool_],
               has_targets: npt.NDArray[np.bool_]) -> _DrawPlan:
    """The plan of the draws of ``layout`` (whole patients; time points sorted by patient,
    ``tp_order`` 0, 1, … within each, as ``recist.sums.index_timepoints`` numbers them).

    Only the target rows that can change a sum are kept: measured rows, rows whose fixed
    value is not 0 (``too_small``) and nodal rows (the CR test sums each node). An
    ``absent`` or ``merged`` row adds exactly 0.0 to its sum.

    UNC-3, one draw per pool: the measured diameters of a time point that the clip at 0
    cannot reach (at least ``NO_CLIP_Z`` SDs above 0) and that no CR test reads (nodes
    at a CR candidate are read one by one) add up to one normal error with the summed
    variance, so they are drawn as one value: their sum plus ``sqrt(Σ sd²)`` × z. Every
    other measured diameter is drawn alone and clipped at 0.
    """
    n_tp = layout.n_tp
    patient = layout.tp_patient
    seg_start = np.flatnonzero(run_starts(patient))
    count = np.diff(np.r_[seg_start, n_tp])
    rank = np.empty(len(count), dtype=np.intp)
    rank[np.argsort(-count, kind="stable")] = np.arange(len(count))
    sizes = np.bincount(layout.tp_order, minlength=1 if n_tp else 0)
    starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.intp) if n_tp else \
        np.zeros(0, dtype=np.intp)
    new_of_old = np.asarray(starts[layout.tp_order] + np.repeat(rank, count), dtype=np.intp)
    perm = np.empty(n_tp, dtype=np.intp)
    perm[new_of_old] = np.arange(n_tp)
    nodal_row = layout.lesion_nodal[layout.lesion]
    kept = np.flatnonzero(layout.measured | (layout.value != 0) | nodal_row)
    measured_kept = layout.measured[kept]
    value = layout.value[kept]
    plan_complete = complete[perm]
    candidate = plan_complete & ~layout.fixed_not_cr[perm]
    kept_tp = new_of_old[layout.row_tp[kept]]
    sd = layout.sd[kept]
    node_at_candidate = nodal_row[kept] & candidate[kept_tp]
    pooled = measured_kept & ~node_at_candidate & (value >= NO_CLIP_Z * sd)
    alone = measured_kept & ~pooled
    # The time points with a pool, ascending, and each pooled row's among them (as
    # np.unique with return_inverse gives them), by flags over the time points: no sort.
    pooled_tp = kept_tp[pooled]
    has_pool = np.zeros(n_tp, dtype=bool)
    has_pool[pooled_tp] = True
    pool_tp = np.flatnonzero(has_pool)
    pool_of = (np.cumsum(has_pool) - 1)[pooled_tp]
    n_pools, n_alone = len(pool_tp), int(alone.sum())
    # Buffer row of each row not pooled: the alone ones after the pools, then the fixed.
    buffer_row = np.full(len(kept), -1, dtype=np.intp)
    buffer_row[alone] = n_pools + np.arange(n_alone)
    buffer_row[~measured_kept] = n_pools + n_alone + np.arange(int((~measured_kept).sum()))
    node_kept = np.flatnonzero(node_at_candidate)
    lesions, node_lesion = np.unique(layout.lesion[kept[node_kept]], return_inverse=True)
    cr_candidate = np.flatnonzero(candidate)
    candidate_of = np.cumsum(candidate) - 1
    baseline_complete = np.concatenate(
        [plan_complete[:size] for size in sizes.tolist()]) if n_tp else plan_complete
    return _DrawPlan(
        n_tp=n_tp, perm=perm, new_of_old=new_of_old, sizes=tuple(sizes.tolist()),
        starts=tuple(starts.tolist()),
        tp_indicator=_ordered_indicator(
            np.concatenate([pool_tp, kept_tp[~pooled]]), n_tp,
            np.concatenate([np.arange(n_pools), buffer_row[~pooled]])),
        fixed_value=value[~measured_kept].astype(np.float32),
        drawn_value=np.concatenate([
            np.bincount(pool_of, weights=value[pooled], minlength=n_pools),
            value[alone]]).astype(np.float32),
        drawn_sd=np.concatenate([
            np.sqrt(np.bincount(pool_of, weights=sd[pooled] ** 2, minlength=n_pools)),
            sd[alone]]).astype(np.float32),
        pool_tp=pool_tp.astype(np.intp), node_kept=buffer_row[node_kept],
        node_lesion=node_lesion.reshape(-1).astype(np.int64),
        node_lesion_candidate=candidate_of[new_of_old[layout.lesion_tp[lesions]]].astype(
            np.int64),
        cr_candidate=cr_candidate, complete=plan_complete,
        ne=~plan_complete | ~baseline_complete, no_targets=~has_targets[perm])


def _ordered_indicator(segment: npt.NDArray[np.intp], n_segments: int,
                       column: npt.NDArray[np.intp]) -> Any:
    """Sparse float32 indicator (segments x columns) with a one at ``(segment[i],
    column[i])``, each segment's ones stored in the order of ``i``: the product with a
    dense block adds each segment's rows in that order (scipy's CSR product walks the
    stored entries as they are; a COO conversion would sort them by column)."""
    from scipy import sparse

    order = np.argsort(segment, kind="stable")
    indptr = np.r_[0, np.cumsum(np.bincount(segment, minlength=n_segments))]
    return sparse.csr_matrix((np.ones(len(segment), dtype=np.float32),
                              np.asarray(column, dtype=np.int64)[order], indptr),
                             shape=(n_segments, len(segment)))


def _draw_buffer(plan: _DrawPlan, rng: np.random.Generator, k: int,
                 space: npt.NDArray[np.float32] | None = None) -> npt.NDArray[np.float32]:
    """The buffer of ``k`` draws of :func:`_draw_target_codes`: its first rows (the pools,
    then the rows drawn alone) are ``rng.standard_normal((n, k), dtype=np.float32)``;
    the rest is left to it. ``space``: a flat array of at least (buffer rows × ``k``)
    values to hold it (one for every chunk of draws, not fresh memory each time)."""
    shape = (plan.tp_indicator.shape[1], k)
    buffer = (np.empty(shape, dtype=np.float32) if space is None
              else space[:shape[0] * k].reshape(shape))
    rng.standard_normal(dtype=np.float32, out=buffer[:len(plan.drawn_value)])
    return buffer


def _draw_target_codes(plan: _DrawPlan, values: npt.NDArray[np.float32], criteria: Criteria,
                       cache: dict[Any, Any] | None = None,
                       table: npt.NDArray[np.int8] | None = None,
                       out: npt.NDArray[np.int8] | None = None) -> npt.NDArray[np.int8]:
    """Target response codes (plan time points × draws) of one chunk of draws ``values``
    (:func:`_draw_buffer`: standard-normal draws in the rows of the pools and of the rows
    drawn alone; overwritten), or with ``table`` (plan time points × target codes,
    :func:`_overall_table`) each code's cell of its time point's row: the overall
    responses; written into ``out`` when given. ``cache`` keeps what is the same for
    every chunk of one plan (the segment indicators)."""
    d = criteria.rounding_decimals
    k = values.shape[1]
    n_drawn = len(plan.drawn_value)
    # Single precision for the draws (1000 mm to about 0.0001 mm): the sums are rounded
    # to 0.01 mm in double precision; continuous errors put no value exactly halfway.
    # value + sd × z clipped at 0, in place (a pool is never clipped in practice), a
    # block of rows at a time (the three steps on data in cache).
    rows = max(1, _ROUNDING_BLOCK_VALUES // max(k, 1))
    for start in range(0, n_drawn, rows):
        z = values[start:min(start + rows, n_drawn)]
        np.multiply(z, plan.drawn_sd[start:start + rows, None], out=z)
        np.add(z, plan.drawn_value[start:start + rows, None], out=z)
        # a block of pools seldom has a value below 0: no pass to write. ``not >= 0``,
        # not ``< 0``: a NaN minimum (never drawn today) still clips the block as before
        if not z.min() >= 0:
            np.maximum(z, np.float32(0.0), out=z)
    values[n_drawn:] = plan.fixed_value[:, None]
    # CR met at each CR candidate (plan.cr_candidate), for each draw: no node pathological.
    cr_met = np.ones((len(plan.cr_candidate), k), dtype=bool)
    if len(plan.cr_candidate) and len(plan.node_kept):
        # Fragments of one node add up (SUM-5): summed per lesion, in row order.
        # Pathological when the rounded sum reaches the threshold: the single-precision
        # sum compared with the smallest one whose rounding does (_rounded_bound32).
        lesion_sum = _segment_sum(plan.node_lesion, int(plan.node_lesion.max()) + 1,
                                  values[plan.node_kept], cache, "node")
        bad = (lesion_sum >= _rounded_bound32(criteria.node_pathological_sa_mm, d)).astype(
            np.int32)
        cr_met = _segment_sum(plan.node_lesion_candidate, len(plan.cr_candidate), bad,
                              cache, "lesion") == 0
    if out is None:
        out = np.empty((plan.n_tp, k), dtype=np.int8)
    _classify_blocks(plan, values, cr_met, criteria, table, out, cache)
    return out


_FLOAT32_SIGN = 0x80000000


def _float32_of_key(key: int) -> float:
    """The float32 of an ordered key (:func:`_rounded_bound32`), as a double."""
    bits = key ^ _FLOAT32_SIGN if key >= _FLOAT32_SIGN else ~key & 0xFFFFFFFF
    return float(np.array([bits], dtype=np.uint32).view(np.float32)[0])


@cache
def _rounded_bound32(threshold: float, decimals: int) -> np.float32:
    """The smallest float32 ``x`` with ``np.round(float64(x), decimals) >= threshold``
    (NaN when none does), so that ``x >= bound`` compared in single precision answers
    the rounded test exactly: ``np.round`` (``rint(x × 10^d) / 10^d``) never decreases
    as ``x`` grows. Found by bisection over the float32 values in order (each one's bits
    as an ordered integer key: the sign bit flipped if positive, every bit if negative).

    >>> b = _rounded_bound32(10.0, 2)
    >>> b, float(np.round(float(b), 2)), float(np.round(float(np.nextafter(b, -1)), 2))
    (np.float32(9.995001), 10.0, 9.99)
    """
    def meets(key: int) -> bool:
        value = np.array([_float32_of_key(key)], dtype=np.float64)
        return bool(np.round(value, decimals)[0] >= threshold)

    low = ~0xFF800000 & 0xFFFFFFFF  # -inf
    high = 0x7F800000 | _FLOAT32_SIGN  # +inf
    if not meets(high):
        return np.float32(np.nan)
    if meets(low):
        return np.float32(-np.inf)
    while high - low > 1:  # meets(high), not meets(low)
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return np.float32(_float32_of_key(high))


class _GroupBlock(NamedTuple):
    """The plan time points ``low : high`` of one group of patients at one order."""

    low: int
    high: int
    indicator: Any  # their rows of plan.tp_indicator
    candidates: slice  # their CR candidates, as a slice of plan.cr_candidate
    candidate_rows: npt.NDArray[np.intp]  # (the same, as rows of the block)
    ne_rows: npt.NDArray[np.intp]  # rows of the block with plan.ne
    na_rows: npt.NDArray[np.intp]  # rows of the block with plan.no_targets
    incomplete_rows: npt.NDArray[np.intp]  # rows of the block without plan.complete


def _group_blocks(plan: _DrawPlan, group: int,
                  cache: dict[Any, Any] | None) -> dict[tuple[int, int], _GroupBlock]:
    """The block of each group of ``group`` patients (ranks ``a : a + group``) at each
    order ``j`` where it has any, keyed ``(j, a)``; kept in ``cache`` (the same for
    every chunk of draws)."""
    if cache is not None and ("groups", group) in cache:
        return cache["groups", group]  # type: ignore[no-any-return]
    blocks = {}
    for a in range(0, plan.sizes[0] if plan.n_tp else 0, group):
        for j, (start, size) in enumerate(zip(plan.starts, plan.sizes)):
            if size <= a:
                break
            low, high = start + a, start + min(a + group, size)
            first, last = np.searchsorted(plan.cr_candidate, (low, high))
            blocks[j, a] = _GroupBlock(
                low, high, _indicator_rows(plan.tp_indicator, low, high),
                slice(int(first), int(last)),
                plan.cr_candidate[first:last] - low, np.flatnonzero(plan.ne[low:high]),
                np.flatnonzero(plan.no_targets[low:high]),
                np.flatnonzero(~plan.complete[low:high]))
    if cache is not None:
        cache["groups", group] = blocks
    return blocks


def _indicator_rows(indicator: Any, low: int, high: int) -> Any:
    """Rows ``low : high`` of a CSR matrix, made from slices of its arrays (the same
    stored entries in the same order; scipy's row slicing checks and copies more)."""
    from scipy import sparse

    start, stop = int(indicator.indptr[low]), int(indicator.indptr[high])
    return sparse.csr_matrix((indicator.data[start:stop], indicator.indices[start:stop],
                              indicator.indptr[low:high + 1] - start),
                             shape=(high - low, indicator.shape[1]))


def _classify_blocks(plan: _DrawPlan, values: npt.NDArray[np.float32],
                     cr_met: npt.NDArray[np.bool_], criteria: Criteria,
                     table: npt.NDArray[np.int8] | None, out: npt.NDArray[np.int8],
                     cache: dict[Any, Any] | None = None) -> None:
    """:func:`classify_draws` of the sums of the plan's buffer ``values`` (each time
    point's rows added in single precision, rounded in double precision; ``cr_met``: one
    row per CR candidate, ``plan.cr_candidate``), written into ``out``. Patients are
    taken a group at a time (``_GROUP_VALUES``) and each group order by order (one block
    per order): the baseline (the sums of block 0) and the running nadir (the smallest
    complete sum of the earlier blocks, ``inf`` while there is none: never PD, as a
    missing nadir) are the group's own rows, kept in cache. The comparisons are those of
    :func:`classify_draws`, on the same float64 values, in the same priority, so the
    codes are the same. Each code is written as its cell of ``table`` (default: the code
    itself), so the overall responses need no second pass.

    Two tests of :func:`classify_draws` are implied here and not computed: a nadir of 0
    under a positive increase gives a percentage of +inf, which meets the PD percentage;
    a baseline of 0 gives a change of +inf or NaN, which never meets the PR one. The
    increase > 0 test is implied by the 5 mm one unless that minimum is 0. The ratios are
    compared with :func:`_percent_bound` instead of being multiplied by 100 first."""
    half = 0.5 * 10.0 ** -criteria.rounding_decimals
    pd_min = criteria.pd_min_increase_mm - half
    pd_ratio = _percent_bound(criteria.pd_increase_pct - half, below=False)
    pr_ratio = _percent_bound(-criteria.pr_decrease_pct + half, below=True)
    # np.round(x, d) is rint(x × 10^d) / 10^d: written out, in double precision.
    scale = 10.0 ** criteria.rounding_decimals
    code = TARGET_ORDER.index
    cr, pr, sd, pd_, ne, na = (code(TargetResponse.CR), code(TargetResponse.PR),
                               code(TargetResponse.SD), code(TargetResponse.PD),
                               code(TargetResponse.NE), code(TargetResponse.NA))
    if table is None:
        table = np.tile(np.arange(len(TARGET_ORDER), dtype=np.int8), (plan.n_tp, 1))
    k = values.shape[1]
    if cache is not None:
        group = cache.setdefault("group", max(1, _GROUP_VALUES // max(k, 1)))
    else:
        group = max(1, _GROUP_VALUES // max(k, 1))
    blocks = _group_blocks(plan, group, cache)
    shape = (min(group, plan.sizes[0] if plan.n_tp else 0), k)
    baseline, nadir, current, work = (np.empty(shape) for _ in range(4))
    met, is_pd = np.empty(shape, dtype=bool), np.empty(shape, dtype=bool)
    scratch = np.empty(shape, dtype=np.int8)  # the bytes PD changes (no masked copy)
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in range(0, plan.sizes[0] if plan.n_tp else 0, group):
            nadir.fill(np.inf)
            for j in range(len(plan.sizes)):
                if (j, a) not in blocks:
                    break
                block = blocks[j, a]
                low, high = block.low, block.high
                n = high - low
                sums = (baseline if j == 0 else current)[:n]
                np.multiply(block.indicator @ values, scale, out=sums, dtype=np.float64)
                np.rint(sums, out=sums)
                np.divide(sums, scale, out=sums)
                codes, cells = out[low:high], table[low:high]
                running = nadir[:n]
                if j:
                    test, pd_j = met[:n], is_pd[:n]
                    step = work[:n]
                    np.subtract(sums, baseline[:n], out=step)
                    np.divide(step, baseline[:n], out=step)
                    np.less_equal(step, pr_ratio, out=test)
                    # SD, or PR where the test is met: sd ^ (met × (sd ^ pr)), met 0 or 1
                    sd_cells = cells[:, sd:sd + 1]
                    np.multiply(test.view(np.int8), sd_cells ^ cells[:, pr:pr + 1], out=codes)
                    codes ^= sd_cells
                    np.subtract(sums, running, out=step)
                    np.greater_equal(step, pd_min, out=pd_j)
                    if pd_min <= 0:
                        np.greater(step, 0.0, out=test)
                        pd_j &= test
                    np.divide(step, running, out=step)
                    np.greater_equal(step, pd_ratio, out=test)
                    pd_j &= test
                else:  # the baseline
                    codes[...] = cells[:, sd:sd + 1]
                rows = block.candidate_rows
                if len(rows):
                    candidates = codes[rows]
                    copy_bytes_where(candidates, cells[rows, cr:cr + 1],
                                     cr_met[block.candidates])
                    codes[rows] = candidates
                rows = block.ne_rows
                if len(rows):
                    codes[rows] = cells[rows, ne:ne + 1]
                if j:
                    copy_bytes_where(codes, cells[:, pd_:pd_ + 1], pd_j, scratch[:n])
                rows = block.na_rows
                if len(rows):
                    codes[rows] = cells[rows, na:na + 1]
                # The running nadir of the next order: the smallest complete sum so far
                # (an incomplete sum counted as inf, read no more after this: a plain
                # minimum, three times faster than one masked by the complete rows).
                rows = block.incomplete_rows
                if j:
                    sums[rows] = np.inf
                    np.minimum(running, sums, out=running)
                else:  # the baseline, read again by every order: the nadir starts there
                    np.copyto(running, sums)
                    running[rows] = np.inf


def _percent_bound(threshold: float, *, below: bool) -> float:
    """The bound ``b`` for which a ratio ``q`` (a double) meets ``q × 100 <= threshold``
    (``below``) exactly when ``q <= b``, or ``q × 100 >= threshold`` exactly when
    ``q >= b``. The product rounded to a double never decreases as ``q`` grows, so the
    ratios meeting the test are all the doubles up to (from) ``b``: comparing ``q`` with
    ``b`` gives the answer of the rounded percentage without multiplying.

    >>> b = _percent_bound(-29.995, below=True)
    >>> b * 100 <= -29.995, float(np.nextafter(b, np.inf)) * 100 <= -29.995
    (True, False)
    """
    def meets(q: float) -> bool:
        return q * 100.0 <= threshold if below else q * 100.0 >= threshold

    towards, away = (-np.inf, np.inf) if below else (np.inf, -np.inf)
    q = threshold / 100.0
    while not meets(q):
        q = float(np.nextafter(q, towards))
    while meets(float(np.nextafter(q, away))):
        q = float(np.nextafter(q, away))
    return q


def classify_draws(sums: npt.NDArray[np.float64], baseline: npt.NDArray[np.float64],
                   nadir: npt.NDArray[np.float64], complete: npt.NDArray[np.bool_],
                   cr_met: npt.NDArray[np.bool_], has_targets: npt.NDArray[np.bool_],
                   criteria: Criteria = RECIST_1_1) -> npt.NDArray[np.int64]:
    """``recist.size_response.classify_size_sums`` with RECIST's thresholds for sums
    already rounded to the DEC-22 step, without rounding the differences and percentages:
    a rounded value reaches a threshold exactly when the raw one is within half a step
    of it, so each comparison moves by half a step instead (the same answer except for
    raw values exactly halfway, which continuous errors never produce). Arrays broadcast.

    >>> classify_draws(np.array([30.0]), np.array([40.0]), np.array([25.0]),
    ...     np.array([True]), np.array([False]), np.array([True])).tolist()  # PD
    [3]
    """
    half = 0.5 * 10.0 ** -criteria.rounding_decimals
    with np.errstate(divide="ignore", invalid="ignore"):
        increase = sums - nadir
        pct_nadir = increase / nadir * 100.0
        pct_base = (sums - baseline) / baseline * 100.0
    is_pd = (increase >= criteria.pd_min_increase_mm - half) & (
        (nadir == 0) | (pct_nadir >= criteria.pd_increase_pct - half)) & (increase > 0)
    code = TARGET_ORDER.index
    return np.select(
        [~has_targets, is_pd, ~complete | np.isnan(baseline), cr_met,
         (baseline > 0) & (pct_base <= -criteria.pr_decrease_pct + half)],
        [code(TargetResponse.NA), code(TargetResponse.PD), code(TargetResponse.NE),
         code(TargetResponse.CR), code(TargetResponse.PR)],
        default=code(TargetResponse.SD)).astype(np.int64)


def assess_uncertainty(measurements: pd.DataFrame, timepoints: pd.DataFrame,
                       summary: pd.DataFrame, patients: pd.DataFrame | None = None,
                       criteria: Criteria = RECIST_1_1) -> UncertaintyResult:
    """Distances and probabilities of every call of a RECIST 1.1 assessment (UNC-1..6).

    Parameters
    ----------
    measurements
        The normalised measurements table the assessment read (one reader).
    timepoints, summary
        ``respond``'s time points and patient summary of that table.
    patients
        The patients table ``respond`` was given (start dates, new therapies), or None.
    criteria
        The criteria ``respond`` used; the error model and the draws are its
        ``error_floor_mm``, ``error_relative_pct``, ``uncertainty_draws``,
        ``uncertainty_seed`` and ``fragile_below_pct``.

    Steps (UNC-3): the engine's non-target and new-lesion calls are kept; each draw adds
    an independent error (UNC-1) to every ``measured`` target diameter (clipped at 0;
    ``too_small``, ``absent`` and ``merged`` are categories, without error; the
    diameters of a time point the clip cannot reach drawn as one error of their sum,
    :func:`_draw_plan`), rounds the sums, takes the baseline and running nadir of the
    draw, calls the target response with the RECIST thresholds and the overall response
    from Tables 1-2. A time point whose overall response the engine changed after
    Tables 1-2 (DEC-13 back-dating, DEC-1 continuing response) keeps the engine's label
    while the draw's target response is the engine's. The draws of a patient whose
    sequence of overall responses changed are summarised again with
    ``recist.patient_summary.summarise_patients`` (once per distinct sequence); time
    point dates stay those of the engine (DEC-20).
    """
    n_tp = len(timepoints)
    layout = _layout(measurements, timepoints, criteria)
    sums_sd = np.sqrt(layout.sum_var)
    distances = threshold_distances(timepoints, np.where(np.isnan(
        timepoints["sum_mm"].to_numpy(dtype=float)), np.nan, sums_sd), criteria)
    complete = ~np.isnan(timepoints["sum_mm"].to_numpy(dtype=float))
    has_targets = ~np.isnan(timepoints["baseline_sum_mm"].to_numpy(dtype=float))
    target = order_codes(timepoints["target_response"], TARGET_ORDER)
    nontarget = order_codes(timepoints["nontarget_response"], NONTARGET_ORDER)
    new = order_codes(timepoints["new_lesions"], NEW_LESION_ORDER)
    engine = order_codes(timepoints["overall_response"], OVERALL_ORDER)
    follow = engine >= 0
    table_overall = np.full(n_tp, -1, dtype=np.int64)
    if follow.any():
        table_overall[follow] = _OVERALL_CELLS[target[follow], nontarget[follow], new[follow]]
    kept_label = follow & (table_overall != engine)

    # UNC-3: which patients need draws at all.
    z_scores = _z_scores(distances, layout, timepoints, criteria)
    near = follow & (z_scores < SAFE_Z)
    patient_near = np.bincount(layout.tp_patient, weights=near,
                               minlength=int(layout.tp_patient.max(initial=-1)) + 1) > 0
    simulate = patient_near[layout.tp_patient] if n_tp else np.zeros(0, dtype=bool)

    draws = criteria.uncertainty_draws
    rng = np.random.default_rng(criteria.uncertainty_seed)
    counts = np.zeros((n_tp, len(OVERALL_ORDER)), dtype=np.int64)
    sim_tp = np.flatnonzero(simulate)
    # The draws' overall responses of the simulated time points, in the plan's order.
    overall_draws = np.zeros((len(sim_tp), draws), dtype=np.int8)
    plan = None
    if len(sim_tp):
        sub_layout = _restrict(layout, simulate)
        plan = _draw_plan(sub_layout, complete[simulate], has_targets[simulate])
        # about 12 million values per block of draws (~100 MB per float64 array)
        chunk = max(1, min(draws, 12_000_000 // max(plan.tp_indicator.shape[1], plan.n_tp)))
        rows = sim_tp[plan.perm]
        table = _overall_table(nontarget[rows], new[rows], engine[rows], target[rows],
                               kept_label[rows])
        cache: dict[Any, Any] = {}
        space = np.empty(plan.tp_indicator.shape[1] * chunk, dtype=np.float32)
        for start in range(0, draws, chunk):
            k = min(chunk, draws - start)
            _draw_target_codes(plan, _draw_buffer(plan, rng, k, space), criteria, cache,
                               table, out=overall_draws[:, start:start + k])
        # Read: P(CR), P(PR), P(SD), P(PD) and P(the engine's call): the other codes
        # are counted only where the engine's call is one of them.
        shown = (_CR, _PR, _SD, _PD)
        counts[rows] = _code_counts(overall_draws, len(OVERALL_ORDER), shown)
        other = np.flatnonzero(~np.isin(engine[rows], shown) & (engine[rows] >= 0))
        if len(other):
            rest = tuple(sorted(set(range(len(OVERALL_ORDER))) - set(shown)))
            counts[rows[other]] += _code_counts(overall_draws[other], len(OVERALL_ORDER),
                                                rest)
    fixed = follow & ~simulate
    counts[np.flatnonzero(fixed), engine[fixed]] = draws
    probabilities = counts / draws
    p_same = np.where(follow, probabilities[np.arange(n_tp), np.maximum(engine, 0)], np.nan)
    fragile = follow & (p_same < criteria.fragile_below_pct / 100.0)
    tp_out = pd.concat([distances, pd.DataFrame({
        "p_cr": np.where(follow, probabilities[:, _CR], np.nan),
        "p_pr": np.where(follow, probabilities[:, _PR], np.nan),
        "p_sd": np.where(follow, probabilities[:, _SD], np.nan),
        "p_pd": np.where(follow, probabilities[:, _PD], np.nan),
        "p_same": p_same,
        "fragile": fragile,
    }, index=timepoints.index)], axis=1)
    tp_out["fragility"] = _timepoint_sentences(timepoints, tp_out, criteria)
    patients_out, cohort = _patient_level(timepoints, summary, patients, criteria, sim_tp,
                                          plan, overall_draws, engine, target, draws)
    return UncertaintyResult(tp_out, patients_out, cohort, draws)


_COUNT_BLOCK = 248
"""Draws counted at once by :func:`_code_counts`: a multiple of 8 below 256, so no byte of
a counted word overflows."""
_COUNT_ROWS = 2048
"""Rows counted at once by :func:`_code_counts`: a mask of up to 496 KiB, in cache."""


def _code_counts(codes: npt.NDArray[np.int8], n_codes: int,
                 only: tuple[int, ...] | None = None) -> npt.NDArray[np.int64]:
    """How many draws of each row (``codes``: rows × draws) give each code 0 ..
    ``n_codes`` - 1 (``only``: these codes counted, the others left 0). Each code's
    equality mask is read as 64-bit words of 8 bytes of 0 or 1 and summed per row: each
    byte of the sum counts its own draws (at most ``_COUNT_BLOCK`` / 8 per block of
    draws), and one multiplication adds the 8 bytes (a total below 256). Rows are taken
    ``_COUNT_ROWS`` at a time, so each mask is summed while in the CPU cache.

    >>> _code_counts(np.array([[0, 2, 2, -1], [1, 1, 1, 1]], dtype=np.int8), 3).tolist()
    [[1, 0, 2], [0, 4, 0]]
    >>> _code_counts(np.array([[0, 2, 2, -1], [1, 1, 1, 1]], dtype=np.int8), 3, (2,)).tolist()
    [[0, 0, 2], [0, 0, 0]]
    """
    n, n_draws = codes.shape
    out = np.zeros((n, n_codes), dtype=np.int64)
    counted = range(n_codes) if only is None else only
    for start in range(0, n_draws, _COUNT_BLOCK):
        block = codes[:, start:start + _COUNT_BLOCK]
        width = block.shape[1]
        # the mask's padding to whole words stays 0
        mask = np.zeros((min(n, _COUNT_ROWS), -(-width // 8) * 8), dtype=bool)
        for low in range(0, n, _COUNT_ROWS):
            part = block[low:low + _COUNT_ROWS]
            rows = mask[:len(part)]
            for code in counted:
                np.equal(part, code, out=rows[:, :width])
                lanes = rows.view(np.uint64).sum(axis=1, dtype=np.uint64)
                out[low:low + len(part), code] += ((lanes * np.uint64(0x0101010101010101))
                                                   >> np.uint64(56)).astype(np.int64)
    return out


def _restrict(layout: _Layout, keep: npt.NDArray[np.bool_]) -> _Layout:
    """The layout of the kept time points only (whole patients), renumbered."""
    new_index = np.cumsum(keep) - 1
    rows = keep[layout.row_tp]
    lesions = keep[layout.lesion_tp]
    lesion_index = np.cumsum(lesions) - 1
    return _Layout(
        n_tp=int(keep.sum()), tp_patient=layout.tp_patient[keep], tp_order=layout.tp_order[keep],
        row_tp=new_index[layout.row_tp[rows]], lesion=lesion_index[layout.lesion[rows]],
        lesion_tp=new_index[layout.lesion_tp[lesions]],
        lesion_nodal=layout.lesion_nodal[lesions], value=layout.value[rows],
        measured=layout.measured[rows], sd=layout.sd[rows], sum_var=layout.sum_var[keep],
        fixed_not_cr=layout.fixed_not_cr[keep])


_OVERALL_CELLS = OVERALL_CODES.astype(np.int8)
"""``recist.response_table.OVERALL_CODES`` in the draws' code type."""


def _overall_table(nontarget: npt.NDArray[np.int64], new: npt.NDArray[np.int64],
                   engine: npt.NDArray[np.int64], engine_target: npt.NDArray[np.int64],
                   kept_label: npt.NDArray[np.bool_]) -> npt.NDArray[np.int8]:
    """Each time point's overall response for each target response (the cells of
    Tables 1-2, ``recist.response_table.CELLS``, at its non-target and new-lesion calls):
    a kept label replaces the cell of the engine's target response; -1 at baselines."""
    follow = engine >= 0
    label = np.where(follow, engine, -1).astype(np.int8)
    table = _OVERALL_CELLS[:, np.maximum(nontarget, 0), np.maximum(new, 0)].T
    kept_cell = kept_label[:, None] & (np.arange(table.shape[1])[None, :]
                                       == engine_target[:, None])
    return np.where(kept_cell | ~follow[:, None], label[:, None], table).astype(np.int8)


def _z_scores(distances: pd.DataFrame, layout: _Layout, timepoints: pd.DataFrame,
              criteria: Criteria) -> npt.NDArray[np.float64]:
    """How many SDs each call lies from its nearest threshold (UNC-3, conservative).

    The SD combines the time point's sum with the baseline's (× PR factor) and the
    largest earlier sum variance (× PD factor), for the nadir may come from any of them.
    Time points without an evaluable sum but with measured targets (NE, or PD from a
    partial sum) get 0: always simulated. Nodal targets near 10 mm (CR) likewise.
    """
    var = layout.sum_var
    base_index = np.flatnonzero(layout.tp_order == 0)
    baseline_of = base_index[np.searchsorted(base_index, np.arange(layout.n_tp),
                                             side="right") - 1] if layout.n_tp else base_index
    earlier_max = np.zeros(layout.n_tp)
    running = np.zeros(layout.n_tp)
    for j in range(1, int(layout.tp_order.max(initial=0)) + 1):
        at = np.flatnonzero(layout.tp_order == j)
        running[at] = np.maximum(running[at - 1], var[at - 1])
    earlier_max = running
    pr_factor = 1 - criteria.pr_decrease_pct / 100.0
    pd_factor = 1 + criteria.pd_increase_pct / 100.0
    sd_pr = np.sqrt(var + pr_factor ** 2 * var[baseline_of]) + 1e-12
    sd_pd = np.sqrt(var + pd_factor ** 2 * earlier_max) + 1e-12
    z_pr = np.abs(distances["to_pr_mm"].to_numpy(dtype=float)) / sd_pr
    z_pd = np.abs(distances["to_pd_mm"].to_numpy(dtype=float)) / sd_pd
    z = np.fmin(z_pr, z_pd)
    z = np.where(np.isnan(z), np.where(var > 0, 0.0, np.inf), z)
    # Nodal targets near the 10 mm CR boundary.
    node_rows = layout.lesion_nodal[layout.lesion] & layout.measured
    if node_rows.any():
        gap = np.abs(layout.value[node_rows] - criteria.node_pathological_sa_mm)
        z_node = gap / layout.sd[node_rows]
        per_tp = np.full(layout.n_tp, np.inf)
        np.minimum.at(per_tp, layout.row_tp[node_rows], z_node)
        z = np.minimum(z, per_tp)
    return np.asarray(z, dtype=float)


def _timepoint_sentences(timepoints: pd.DataFrame, out: pd.DataFrame,
                         criteria: Criteria) -> npt.NDArray[np.object_]:
    """UNC-4: one sentence per fragile time point, e.g. "PD by 0.40 mm: within
    measurement error (sum SD 2.37 mm, P(PD) 0.61; UNC-4)"."""
    text = np.full(len(out), "", dtype=object)
    rows = np.flatnonzero(out["fragile"].to_numpy(dtype=bool))
    overall = timepoints["overall_response"].to_numpy(dtype=object)[rows]
    target = timepoints["target_response"].to_numpy(dtype=object)[rows]
    sd = out["sum_sd_mm"].to_numpy(dtype=float)[rows]
    p = out["p_same"].to_numpy(dtype=float)[rows]
    flip = out["flip_mm"].to_numpy(dtype=float)[rows]
    flip_to = out["flip_to"].to_numpy(dtype=object)[rows]
    sentences = []
    for call, t, s_d, prob, f, to in zip(overall.tolist(), target.tolist(), sd.tolist(),
                                         p.tolist(), flip.tolist(), flip_to.tolist()):
        if f != f:  # NaN: no flip within reach
            margin = f"{call} (target {t})"
        elif t == TargetResponse.PD:
            margin = f"PD by {f:.2f} mm"
        else:
            margin = f"{call}, {f:.2f} mm from target {to}"
        sentences.append(f"{margin}: within measurement error (sum SD {s_d:.2f} mm, "
                         f"P({call}) {prob:.2f}; UNC-4)")
    text[rows] = sentences
    return text


def _patient_level(timepoints: pd.DataFrame, summary: pd.DataFrame,
                   patients: pd.DataFrame | None, criteria: Criteria,
                   sim_tp: npt.NDArray[np.int64], plan: _DrawPlan | None,
                   overall_draws: npt.NDArray[np.int8], engine: npt.NDArray[np.int64],
                   target: npt.NDArray[np.int64],
                   draws: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """UNC-5 and UNC-6: per patient the probability that BOR, confirmed BOR and PD date
    stay; per cohort ORR and DCR over the draws. ``overall_draws``: the draws' overall
    responses of the simulated time points ``sim_tp``, in the order of ``plan``;
    ``engine`` and ``target``: the engine's overall and target codes."""
    ids = summary["patient_id"].astype(str).to_numpy(dtype=object)
    confirmed = criteria.confirmation and "confirmed_bor" in summary.columns
    bor_column = "confirmed_bor" if confirmed else "bor"
    engine_bor = summary["bor"].to_numpy(dtype=object)
    engine_cbor = summary[bor_column].to_numpy(dtype=object)
    engine_pd = summary["pd_date"].to_numpy(dtype="datetime64[ns]")
    same_bor = np.full(len(ids), draws, dtype=np.int64)
    same_cbor = np.full(len(ids), draws, dtype=np.int64)
    same_pd = np.full(len(ids), draws, dtype=np.int64)
    responder = np.isin(engine_cbor, ["CR", "PR"])
    controlled = np.isin(engine_cbor, ["CR", "PR", "SD", "NON-CR/NON-PD"])
    orr_draws = np.full(draws, int(responder.sum()), dtype=np.int64)
    dcr_draws = np.full(draws, int(controlled.sum()), dtype=np.int64)
    alternatives = None if plan is None else _alternative_sequences(
        timepoints, sim_tp, plan, overall_draws, engine, target)
    if alternatives is not None:
        frame, frame_codes, names, owners, pair_alternative, pair_draw = alternatives
        # The owners' rows of the patients table are normalised already (_patients_for).
        again = summarise_patients_with_findings(
            frame, _patients_for(patients, names, owners), criteria, normalised=True,
            codes=frame_codes)[0]
        if not np.array_equal(again["patient_id"].to_numpy(dtype=object), names):
            again = again.set_index("patient_id").loc[names]  # (sorted by name already)
        bor = again["bor"].to_numpy(dtype=object)
        cbor = again[bor_column].to_numpy(dtype=object)
        pd_date = again["pd_date"].to_numpy(dtype="datetime64[ns]")
        owner_index = pd.Index(ids).get_indexer(owners)
        weight = np.bincount(pair_alternative, minlength=len(names))

        def per(index: npt.NDArray[np.intp], values: npt.NDArray[Any],
                n: int) -> npt.NDArray[np.int64]:  # sums of integers by index, exact
            return np.bincount(index, weights=values, minlength=n).astype(np.int64)

        same_bor -= per(owner_index, weight * (bor != engine_bor[owner_index]), len(ids))
        same_cbor -= per(owner_index, weight * (cbor != engine_cbor[owner_index]), len(ids))
        reference = engine_pd[owner_index]
        same_date = (np.isnat(pd_date) & np.isnat(reference)) | (pd_date == reference)
        same_pd -= per(owner_index, weight * ~same_date, len(ids))
        orr_delta = np.isin(cbor, ["CR", "PR"]).astype(np.int64) - responder[owner_index]
        dcr_delta = (np.isin(cbor, ["CR", "PR", "SD", "NON-CR/NON-PD"]).astype(np.int64)
                     - controlled[owner_index])
        orr_draws += per(pair_draw, orr_delta[pair_alternative], draws)
        dcr_draws += per(pair_draw, dcr_delta[pair_alternative], draws)
    p_bor = same_bor / draws
    p_cbor = same_cbor / draws
    fragile = (p_cbor if confirmed else p_bor) < criteria.fragile_below_pct / 100.0
    sentences = np.full(len(ids), "", dtype=object)
    for i in np.flatnonzero(fragile).tolist():
        sentences[i] = (f"{'confirmed ' if confirmed else ''}BOR {engine_cbor[i]} holds in "
                        f"{(p_cbor if confirmed else p_bor)[i]:.0%} of the draws of the "
                        "measurement error: fragile (UNC-5)")
    patients_out = pd.DataFrame({
        "patient_id": summary["patient_id"].to_numpy(dtype=object),
        "p_bor_same": p_bor,
        "p_confirmed_bor_same": p_cbor if confirmed else np.full(len(ids), np.nan),
        "p_pd_date_same": same_pd / draws,
        "bor_fragile": fragile,
        "bor_fragility": sentences,
    })
    if not confirmed:
        patients_out = patients_out.drop(columns="p_confirmed_bor_same")
    cohort = _cohort_rows(len(ids), int(fragile.sum()), int(responder.sum()),
                          int(controlled.sum()), orr_draws, dcr_draws)
    return patients_out, cohort


def _alternative_sequences(
    timepoints: pd.DataFrame, sim_tp: npt.NDArray[np.int64], plan: _DrawPlan,
    overall_draws: npt.NDArray[np.int8], engine: npt.NDArray[np.int64],
    target: npt.NDArray[np.int64],
) -> tuple[pd.DataFrame, TimepointCodes | None, npt.NDArray[np.object_],
           npt.NDArray[np.object_], npt.NDArray[np.int64], npt.NDArray[np.int64]] | None:
    """The distinct changed sequences of overall responses of each simulated patient.

    ``overall_draws`` (the plan's time points × draws) is rewritten in place (every time
    point after the first PD becomes PD); ``target``: the engine's target codes of every
    time point. Returns the sequences as a time point frame, each up to its first PD
    (BOR, confirmed BOR and the PD date read nothing after it), its patient ids the
    sequence numbers as zero-padded texts (which sort as the numbers do), and its
    ``TimepointCodes`` (None when the engine's target labels are not its codes'); the
    sequences' names and owners; and for each (patient, draw) whose sequence
    changed its sequence and draw. Patients are the rows of the plan's block 0 (its
    rank), their time point ``j`` the same row of block ``j``.
    """
    n_patients = plan.sizes[0]
    reference = engine[sim_tp][plan.perm].astype(np.int8)
    rank, drawn, keys = _changed_pairs(plan, overall_draws, reference)
    if not len(rank):
        return None
    alternative = combined_codes([rank, *keys])
    # Codes numbered by first sight: sequence g first appears where the code exceeds
    # every earlier one, for the g-th time.
    first = np.flatnonzero(np.r_[True, alternative[1:]
                                 > np.maximum.accumulate(alternative)[:-1]])
    alt_rank, alt_draw = rank[first], drawn[first]
    # The plan rows of each sequence's time points, chronologically.
    count = np.bincount(np.concatenate([np.arange(size) for size in plan.sizes]),
                        minlength=n_patients)
    length = count[alt_rank]
    order = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    plan_row = np.asarray(plan.starts)[order] + np.repeat(alt_rank, length)
    codes = overall_draws[plan_row, np.repeat(alt_draw, length)]
    # Each sequence up to its first PD only: nothing after it is read (BOR-1, TTE-1).
    pd_so_far = np.cumsum(codes == _PD)
    pd_before = pd_so_far - (codes == _PD)
    starts = np.cumsum(length) - length
    keep = pd_before == np.repeat(pd_before[starts], length)
    sequence = np.repeat(np.arange(len(length)), length)[keep]
    codes, plan_row = codes[keep], plan_row[keep]
    rows_all = sim_tp[plan.perm[plan_row]]
    owners = timepoints["patient_id"].to_numpy(dtype=object)[sim_tp[plan.perm[alt_rank]]]
    if pd.api.types.infer_dtype(owners, skipna=False) != "string":  # ids as texts
        owners = owners.astype(str).astype(object)
    names = _padded_numbers(len(owners))
    # Text columns as categoricals made from codes (a missing value: code -1): the same
    # values, without hashing a text per row. The engine's target codes describe its
    # labels when only the missing ones have none (canonical labels, as respond writes):
    # then the summary reads the codes (TimepointCodes) instead of the texts.
    labels = timepoints["target_response"]
    canonical = int((target < 0).sum()) == int(labels.isna().sum())
    if canonical:
        target_codes, target_labels = target, pd.Index(TARGET_ORDER, dtype=object)
    else:
        target_codes, target_labels = pd.factorize(labels)
    frame = pd.DataFrame({
        "patient_id": pd.Categorical.from_codes(sequence,
                                                categories=pd.Index(names, dtype=object)),
        "date": timepoints["date"].to_numpy()[rows_all],
        "target_response": pd.Categorical.from_codes(target_codes[rows_all],
                                                     categories=target_labels),
        "overall_response": pd.Categorical.from_codes(
            codes, categories=pd.Index(OVERALL_ORDER, dtype=object)),
    })
    frame_codes = TimepointCodes(patient=sequence.astype(np.intp), patient_ids=names,
                                 overall=codes.astype(np.int64),
                                 target=target[rows_all]) if canonical else None
    return frame, frame_codes, names, owners, alternative, drawn


def _padded_numbers(n: int) -> npt.NDArray[np.object_]:
    """The texts of 0 .. n - 1 zero-padded to the width of the largest (so that they sort
    as the numbers do), made digit by digit as UCS-4 code points, without formatting a
    number at a time.

    >>> _padded_numbers(11)[[0, 9, 10]].tolist()
    ['00', '09', '10']
    """
    width = len(str(n - 1)) if n else 1
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.uint32)
    digits = np.arange(n, dtype=np.uint32)[:, None] // powers % 10 + np.uint32(ord("0"))
    return np.ascontiguousarray(digits).view(f"U{width}").reshape(n).astype(object)


def _changed_pairs(plan: _DrawPlan, overall_draws: npt.NDArray[np.int8],
                   reference: npt.NDArray[np.int8],
                   ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp],
                              list[npt.NDArray[np.int32]]]:
    """The (patient, draw) pairs whose sequence of overall responses differs from the
    engine's (``reference``, in the plan's order), rank by rank and draw by draw (as
    ``np.nonzero`` gives them), and each one's sequence key words; ``overall_draws``
    is rewritten in place (every time point after the first PD becomes PD). Patients
    are taken a group of ``_GROUP_VALUES`` patients × draws at a time, each group order
    by order, so its keys stay in the CPU cache."""
    n_patients = plan.sizes[0]
    draws = overall_draws.shape[1]
    group = max(1, _GROUP_VALUES // max(draws, 1))
    n_words = -(-len(plan.sizes) // _DIGITS_PER_WORD)
    ranks, drawns = [], []
    keys: list[list[npt.NDArray[np.int32]]] = [[] for _ in range(n_words)]
    at_pd = np.empty((min(group, n_patients), draws), dtype=bool)
    scratch = np.empty(at_pd.shape, dtype=np.int8)
    for a in range(0, n_patients, group):
        # BOR, confirmed BOR and the PD date read nothing after the first PD (BOR-1,
        # TTE-1): every later time point is written PD, so sequences differing only
        # there are one.
        m = min(group, n_patients - a)
        seen_reference = np.zeros(m, dtype=bool)
        # One exact integer key per (patient, draw) sequence and one for the engine's
        # (_DIGIT_BASE, _DIGITS_PER_WORD), digit by digit: key = key × base + code.
        words = [np.zeros((m, draws), dtype=np.int32) for _ in range(n_words)]
        reference_words = [np.zeros(m, dtype=np.int32) for _ in range(n_words)]
        for j, (start, size) in enumerate(zip(plan.starts, plan.sizes)):
            if size <= a:
                break
            n = min(a + group, size) - a
            block = overall_draws[start + a:start + a + n]
            block_reference = reference[start + a:start + a + n]
            if j:
                before = slice(plan.starts[j - 1] + a, plan.starts[j - 1] + a + n)
                # The draws at or after their first PD: the PD cells of the block before,
                # rewritten already (PD from the first PD on).
                seen = np.equal(overall_draws[before], _PD, out=at_pd[:n])
                seen_reference = seen_reference[:n] | (reference[before] == _PD)
                copy_bytes_where(block, np.int8(_PD), seen, scratch[:n])
                block_reference = np.where(seen_reference, np.int8(_PD), block_reference)
            word = words[j // _DIGITS_PER_WORD][:n]
            word *= _DIGIT_BASE
            word += block
            reference_word = reference_words[j // _DIGITS_PER_WORD][:n]
            reference_word *= _DIGIT_BASE
            reference_word += block_reference
        changed = words[0] != reference_words[0][:, None]
        for word, reference_word in zip(words[1:], reference_words[1:]):
            changed |= word != reference_word[:, None]
        rank, drawn = np.nonzero(changed)
        for kept, word in zip(keys, words):
            kept.append(word[rank, drawn])
        rank += a
        ranks.append(rank)
        drawns.append(drawn)
    return (np.concatenate(ranks), np.concatenate(drawns),
            [np.concatenate(kept) for kept in keys])


def _patients_for(patients: pd.DataFrame | None, names: npt.NDArray[np.object_],
                  owners: npt.NDArray[np.object_]) -> pd.DataFrame | None:
    """The patients table rows of the owners, under the sequences' names: the table is
    read (``normalise_patients``) once, as ``respond`` reads it, and its rows copied."""
    if patients is None:
        return None
    table = normalise_patients(patients)
    position = pd.Index(table["patient_id"].astype(str)).get_indexer(owners)
    found = position >= 0
    rows = table.iloc[position[found]].reset_index(drop=True)
    rows["patient_id"] = names[found]
    return rows


def _cohort_rows(n: int, n_fragile: int, responders: int, controlled: int,
                 orr_draws: npt.NDArray[np.int64],
                 dcr_draws: npt.NDArray[np.int64]) -> pd.DataFrame:
    """UNC-6: ORR and DCR with their measurement-error spread and a combined interval."""
    from recist.stats import as_pct, clopper_pearson

    rows: list[dict[str, Any]] = []
    for measure, count, counts in (("ORR", responders, orr_draws),
                                   ("DCR", controlled, dcr_draws)):
        # The computed count always lies inside (the draws may all move one way: noise
        # lowers the running nadir, so PD comes earlier more often than later).
        low_count = min(int(np.floor(np.percentile(counts, 2.5))), count) if n else 0
        high_count = max(int(np.ceil(np.percentile(counts, 97.5))), count) if n else 0
        ci_low = clopper_pearson(low_count, n)[0] if n else np.nan
        ci_high = clopper_pearson(high_count, n)[1] if n else np.nan
        rows.append({"measure": measure, "n": n, "count": count,
                     "rate_pct": as_pct(count / n if n else np.nan),
                     "error_low_pct": as_pct(low_count / n if n else np.nan),
                     "error_high_pct": as_pct(high_count / n if n else np.nan),
                     "ci_low_pct": as_pct(ci_low), "ci_high_pct": as_pct(ci_high)})
    rows.append({"measure": "fragile BOR", "n": n, "count": n_fragile,
                 "rate_pct": as_pct(n_fragile / n if n else np.nan), "error_low_pct": np.nan,
                 "error_high_pct": np.nan, "ci_low_pct": np.nan, "ci_high_pct": np.nan})
    return pd.DataFrame(rows)
