"""Target response from a size sum against its baseline and nadir, for any size measure.

RECIST 1.1 sums diameters (mm), WHO sums products of two diameters (mm²), volumetric
response sums volumes (mm³); all three read the sum the same way (TGT-*, and the WHO and
volumetric rules): progression against the nadir first, then not evaluable, complete response,
partial response against the baseline, else stable disease. :func:`classify_size_sums`
applies that order to whole columns with one :class:`SizeThresholds`; the engine's own
RECIST 1.1 path (``recist.timepoints``) stays the reference, and a test checks that this
function gives its target responses on a cohort.

Arithmetic follows DEC-22: sums and percentages rounded half away from zero to
``decimals`` decimals before the inclusive comparisons; a nadir of 0 is never divided by.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.arrays import round_half_away
from recist.criteria import RECIST_1_1, Criteria
from recist.response_table import TARGET_ORDER
from recist.sums import index_timepoints
from recist.vocabulary import TargetResponse

__all__ = ["SizeThresholds", "classify_size_sums", "percent_change", "recist_thresholds",
           "running_nadir", "timepoint_of_rows"]


@dataclass(frozen=True)
class SizeThresholds:
    """The thresholds of one size criterion (values from ``recist.criteria.Criteria``).

    ``pd_min_increase`` is in the unit of the sum (mm, mm², mm³); 0 means no absolute
    minimum.
    """

    pr_decrease_pct: float
    pd_increase_pct: float
    pd_min_increase: float
    decimals: int = 2


def recist_thresholds(criteria: Criteria = RECIST_1_1) -> SizeThresholds:
    """The RECIST 1.1 thresholds of ``criteria`` (TGT-PR, TGT-PD).

    >>> recist_thresholds()
    SizeThresholds(pr_decrease_pct=30.0, pd_increase_pct=20.0, pd_min_increase=5.0, decimals=2)
    """
    return SizeThresholds(criteria.pr_decrease_pct, criteria.pd_increase_pct,
                          criteria.pd_min_increase_mm, criteria.rounding_decimals)


def percent_change(current: npt.ArrayLike, reference: npt.ArrayLike,
                   decimals: int = 2) -> npt.NDArray[np.float64]:
    """``(current - reference) / reference`` in %, rounded (DEC-22); NaN where the
    reference is 0 or missing.

    >>> percent_change([30.0, 1.0], [25.0, 0.0]).tolist()
    [20.0, nan]
    """
    now = round_half_away(np.asarray(current, dtype=float), decimals)
    ref = round_half_away(np.asarray(reference, dtype=float), decimals)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(ref > 0, (now - ref) / np.where(ref > 0, ref, 1.0) * 100.0, np.nan)
    return np.asarray(round_half_away(pct, decimals), dtype=float)


def classify_size_sums(
    current: npt.ArrayLike, baseline: npt.ArrayLike, nadir: npt.ArrayLike, *,
    complete: npt.ArrayLike, cr_met: npt.ArrayLike, has_targets: npt.ArrayLike,
    thresholds: SizeThresholds, half_away: bool = True, rounded: bool = False,
) -> npt.NDArray[np.int64]:
    """Target response codes (positions in ``recist.response_table.TARGET_ORDER``).

    TGT-NA, TGT-PD, TGT-NE, TGT-CR, TGT-PR, TGT-SD (R11 4.3.1, 4.4.2), with the size
    measure and thresholds of the criterion (WHO, volumetric), in this order:

    1. No target at baseline (``has_targets`` false) → ``NA``.
    2. ``current - nadir`` ≥ ``pd_min_increase`` and the increase ≥ ``pd_increase_pct``
       of the nadir (always true over a nadir of 0) → ``PD``; ``current`` may be the sum
       of the evaluated targets only (NE-2). A missing sum or nadir is never PD.
    3. Not every target evaluated (``complete`` false) or no baseline sum → ``NE``.
    4. ``cr_met`` (every target gone, nodes normal: TGT-CR) → ``CR``.
    5. Change from a baseline above 0 ≤ −``pr_decrease_pct`` → ``PR``.
    6. Otherwise ``SD``.

    ``half_away=False`` rounds with ``numpy.round`` (half to even) instead, which is
    faster and differs only for values exactly halfway between two steps: the Monte
    Carlo of ``recist.uncertainty`` uses it, where such values have probability 0.
    ``rounded=True``: ``current``, ``baseline`` and ``nadir`` are rounded to ``decimals``
    already, and are not rounded again (the rounding leaves a rounded value as it is,
    so the codes are the same).

    >>> t = recist_thresholds()
    >>> codes = classify_size_sums([30.0, 35.0, 35.01], [50.0, 50.0, 50.0],
    ...     [25.0, 40.0, 40.0], complete=[True] * 3, cr_met=[False] * 3,
    ...     has_targets=[True] * 3, thresholds=t)
    >>> [TARGET_ORDER[c] for c in codes]
    ['PD', 'PR', 'SD']
    """
    d = thresholds.decimals
    rnd = round_half_away if half_away else np.round
    now, ref, base = (array if rounded else rnd(array, d) for array in (
        np.asarray(values, dtype=float) for values in (current, nadir, baseline)))
    increase = rnd(now - ref, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct_nadir = rnd((now - ref) / ref * 100.0, d)
        pct_base = rnd((now - base) / base * 100.0, d)
    valid = ~np.isnan(now) & ~np.isnan(ref)
    is_pd = valid & (increase >= thresholds.pd_min_increase) & (
        (ref == 0) | ((ref > 0) & (pct_nadir >= thresholds.pd_increase_pct)))
    # An increase of 0 over a nadir of 0 is not progression, even without a minimum.
    is_pd &= increase > 0
    code = TARGET_ORDER.index
    return np.select(
        [~np.asarray(has_targets, dtype=bool), is_pd,
         ~np.asarray(complete, dtype=bool) | np.isnan(base),
         np.asarray(cr_met, dtype=bool),
         (base > 0) & (pct_base <= -thresholds.pr_decrease_pct)],
        [code(TargetResponse.NA), code(TargetResponse.PD), code(TargetResponse.NE),
         code(TargetResponse.CR), code(TargetResponse.PR)],
        default=code(TargetResponse.SD)).astype(np.int64)


def timepoint_of_rows(measurements: pd.DataFrame,
                      timepoints: pd.DataFrame) -> tuple[npt.NDArray[np.int64], pd.DataFrame]:
    """Each measurement row's time point, as positions in the engine's ``timepoints``.

    The time points are those of ``recist.sums.index_timepoints`` (section 1 of
    docs/rules.md), which ``respond`` lists in the same order; a table and time points
    that do not match (another table, or rows sorted differently) are a ``ValueError``.
    Returns the row positions and the index frame (``patient_code``, ``tp_order`` …).
    """
    row_tp, tps = index_timepoints(measurements)
    if len(tps) != len(timepoints) or not np.array_equal(
            tps["patient_id"].to_numpy(dtype=object).astype(str),
            timepoints["patient_id"].to_numpy(dtype=object).astype(str)):
        raise ValueError("the time points do not belong to these measurements: pass the "
                         "time points respond() returned for this table")
    return np.asarray(row_tp, dtype=np.int64), tps


def running_nadir(sums: npt.NDArray[np.float64], complete: npt.NDArray[np.bool_],
                  tp_order: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Nadir of every time point: the smallest complete sum before it, baseline included
    (SUM-8, NE-4); NaN at baselines and where no earlier sum is complete.

    Time points are sorted by patient then chronologically (``tp_order`` 0 at each
    baseline), so a time point of order j ≥ 1 follows its predecessor directly. ``sums``
    may have a second axis (draws of ``recist.uncertainty``).

    >>> running_nadir(np.array([50.0, 40.0, 60.0, 45.0]), np.array([True, False, True, True]),
    ...               np.array([0, 1, 2, 3])).tolist()
    [nan, 50.0, 50.0, 50.0]
    """
    nadir = np.full(sums.shape, np.inf)
    usable = np.where(complete.reshape(-1, *([1] * (sums.ndim - 1))), sums, np.inf)
    usable = np.where(np.isnan(usable), np.inf, usable)
    for j in range(1, int(tp_order.max(initial=0)) + 1):
        at = np.flatnonzero(tp_order == j)
        nadir[at] = np.minimum(nadir[at - 1], usable[at - 1])
    nadir[tp_order == 0] = np.nan
    return np.asarray(np.where(np.isinf(nadir), np.nan, nadir), dtype=float)
