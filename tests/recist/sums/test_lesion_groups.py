"""``recist.sums._lesion_groups`` puts two rows in one group exactly when they hold the same
lesion at the same time point: by the runs of rows sorted by time point and lesion, else by
flags or, for a sparse key space, by hashing; without fragments the groups are the rows, and
``_group_sum`` / ``_group_any`` read them as they are."""

from __future__ import annotations

import numpy as np
import pytest

from recist.sums import _group_any, _group_sum, _lesion_groups


@pytest.mark.parametrize("n_lesions", [7, 50_000])  # flags, then hashing
def test_groups_are_the_lesion_time_point_pairs(n_lesions):
    rng = np.random.default_rng(n_lesions)
    n_rows, n_orders = 2_000, 6
    lesion = rng.integers(0, n_lesions, n_rows)
    order = rng.integers(0, n_orders, n_rows)
    row_tp = lesion * 100 + order  # any time point numbering, one per (patient, order)
    group, group_tp, group_lesion = _lesion_groups(row_tp, lesion, order, n_lesions, n_orders)
    pairs = list(zip(lesion.tolist(), order.tolist()))
    assert sorted(set(group.tolist())) == list(range(len(set(pairs))))  # 0..n-1, no gap
    assert len(set(zip(group.tolist(), pairs))) == len(set(pairs))  # one group per pair
    assert (group_tp[group] == row_tp).all()
    assert (group_lesion[group] == lesion).all()


@pytest.mark.parametrize("fragments", [True, False])  # runs of several rows, or one each
@pytest.mark.parametrize("disorder", [False, True])  # runs; rows reversed: flags
def test_rows_sorted_by_time_point_and_lesion_group_by_runs(disorder, fragments):
    rng = np.random.default_rng(3)
    n_rows, n_lesions, n_orders = 2_000, 40, 6
    lesion = rng.integers(0, n_lesions, n_rows)
    order = rng.integers(0, n_orders, n_rows)
    if not fragments:  # each (lesion, order) pair once
        _, once = np.unique(lesion * n_orders + order, return_index=True)
        lesion, order = lesion[once], order[once]
    row_tp = (lesion // 4) * 100 + order  # 4 lesions a patient
    by = np.lexsort((lesion, row_tp))
    lesion, order, row_tp = lesion[by], order[by], row_tp[by]
    if disorder:
        lesion, order, row_tp = lesion[::-1], order[::-1], row_tp[::-1]
    group, group_tp, group_lesion = _lesion_groups(row_tp, lesion, order, n_lesions, n_orders)
    pairs = list(zip(lesion.tolist(), order.tolist()))
    assert sorted(set(group.tolist())) == list(range(len(set(pairs))))
    assert len(set(zip(group.tolist(), pairs))) == len(set(pairs))
    assert (group_tp[group] == row_tp).all()
    assert (group_lesion[group] == lesion).all()
    if fragments:
        assert len(group_tp) < len(group)
        assert (np.diff(group) >= 0).all() != disorder  # the runs are numbered in row order
    else:  # one row a group: the groups are the rows
        assert (group == np.arange(len(group))).all()


def test_no_rows():
    group, group_tp, group_lesion = _lesion_groups(
        np.array([], dtype=np.intp), np.array([], dtype=np.intp), np.array([], dtype=np.int64),
        0, 0)
    assert len(group) == 0 and len(group_tp) == 0 and len(group_lesion) == 0


@pytest.mark.parametrize("fragments", [True, False])
def test_group_sums_and_flags_equal_the_row_by_row_reading(fragments):
    rng = np.random.default_rng(11)
    lesion = np.repeat(np.arange(30), 2 if fragments else 1)
    order = np.zeros(len(lesion), dtype=np.int64)
    values = rng.choice([0.0, -0.0, 5.0, 12.34, np.nan], len(lesion))
    flags = rng.random(len(lesion)) < 0.5
    group, group_tp, _ = _lesion_groups(lesion, lesion, order, 30, 1)
    sums = _group_sum(group, values, len(group_tp))
    flagged = _group_any(group, flags, len(group_tp))
    for g in range(len(group_tp)):
        rows = np.flatnonzero(group == g)
        expected = 0.0 + sum(values[rows].tolist())  # from 0.0, as a sum is
        assert (np.isnan(sums[g]) and np.isnan(expected)) or (
            sums[g] == expected and np.signbit(sums[g]) == np.signbit(expected))
        assert flagged[g] == flags[rows].any()
