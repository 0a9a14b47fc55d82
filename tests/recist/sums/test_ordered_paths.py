"""The shortcuts ``recist.sums.timepoint_columns`` takes for a table sorted by time point:
counts of flagged lesions by prefix sums (``_FlagCounter``) and the nadir laid out by each
time point's order (``_nadir_by_order``) must equal the general readings (``np.bincount``
of the flagged lesions, ``nadir_before`` by patient) on every layout: many patients, few
patients with many time points, and a grid too large (``nadir_before`` itself)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.sums import (
    _any_of_groups,
    _FlagCounter,
    _lesion_groups,
    _lesions_at_baseline,
    _ordered_lesion_groups,
    nadir_before,
)


@pytest.mark.parametrize("ordered", [True, False])
@pytest.mark.parametrize("most", [3, 255, 256])  # items of a time point: packed below 256
def test_flag_counts_equal_the_bincount_of_the_flagged_items(ordered, most):
    rng = np.random.default_rng(5)
    for n_items in (0, 1, 7, 3_000):
        n_tp = 50
        group_tp = rng.integers(8, n_tp, n_items)  # ~60 items a time point
        group_tp[:min(most, n_items)] = 7  # the largest with ``most`` (all flagged: a carry)
        if ordered:
            group_tp = np.sort(group_tp)
        sizes = np.bincount(group_tp, minlength=n_tp)
        count = _FlagCounter(group_tp, sizes, ordered)
        for n_flags in (1, 2, 4, 5):  # the counter used again: its buffer reused
            flags = [rng.random(n_items) < share for share in (0.0, 1.0, 0.3, 0.9, 0.5)]
            got = count(*flags[:n_flags])
            assert len(got) == n_flags
            for one, counts in zip(flags, got):
                assert counts.dtype == np.int64
                assert counts.tolist() == np.bincount(group_tp[one], minlength=n_tp).tolist()


@pytest.mark.parametrize("fragments", [True, False])
@pytest.mark.parametrize("disorder", [False, True])
def test_ordered_lesion_groups_are_the_lesion_groups(fragments, disorder):
    # None for the rows' groups only when each row is its own group in time point order;
    # the flags of each group are then the rows' own
    rng = np.random.default_rng(7)
    n_lesions, n_orders = 40, 6
    lesion = rng.integers(0, n_lesions, 2_000)
    order = rng.integers(0, n_orders, 2_000)
    if not fragments:
        _, once = np.unique(lesion * n_orders + order, return_index=True)
        lesion, order = lesion[once], order[once]
    row_tp = (lesion // 4) * n_orders + order  # 4 lesions a patient
    by = np.lexsort((lesion, row_tp))
    lesion, order, row_tp = lesion[by], order[by], row_tp[by]
    if disorder:
        lesion, order, row_tp = lesion[::-1], order[::-1], row_tp[::-1]
    tp_order = np.tile(np.arange(n_orders), n_lesions // 4)
    group, group_tp, group_lesion, ordered = _ordered_lesion_groups(
        row_tp, lesion, tp_order, n_lesions, n_orders)
    expected = _lesion_groups(row_tp, lesion, order, n_lesions, n_orders)
    assert ordered != disorder
    assert (group is None) == (not fragments and not disorder)
    assert (np.arange(len(row_tp)) if group is None else group).tolist() == (
        expected[0].tolist())
    assert group_tp.tolist() == expected[1].tolist()
    assert group_lesion.tolist() == expected[2].tolist()
    flags = rng.random(len(row_tp)) < 0.5
    assert _any_of_groups(group, flags, len(group_tp)).tolist() == (
        np.bincount(expected[0][flags], minlength=len(group_tp)) > 0).tolist()


def test_lesions_at_baseline_read_as_ranges_equal_the_groups_picked():
    # lesions in ascending time point order: the baseline's as ranges; else picked one by
    # one; both equal a plain reading (time points 0, 3, 6 are baselines)
    rng = np.random.default_rng(9)
    n_tp, n_lesions = 12, 30
    for n_groups in (0, 1, 5, 400):
        tp = np.sort(rng.integers(0, n_tp, n_groups))
        lesion = rng.integers(0, n_lesions, n_groups)
        at_baseline = np.arange(n_tp) % 3 == 0
        sizes = np.bincount(tp, minlength=n_tp)
        based = {int(one) for one, at in zip(lesion, tp) if at_baseline[at]}
        expected = [int(one) in based for one in lesion]
        for ordered, order in ((True, np.arange(n_groups)), (False, rng.permutation(n_groups))):
            got = _lesions_at_baseline(tp[order], lesion[order], sizes, ordered, at_baseline,
                                       n_lesions)
            assert got.tolist() == [expected[i] for i in order]


def _orders(lengths: list[int]) -> np.ndarray:
    return np.concatenate([np.arange(n) for n in lengths]).astype(np.int64)


def _nadir_one_by_one(sums: np.ndarray, patients: np.ndarray) -> np.ndarray:
    """SUM-8 written out: per patient, the running minimum of the evaluable sums before
    each time point (np.minimum of the earlier value and the new one, in that order)."""
    out = np.full(len(sums), np.nan)
    for patient in np.unique(patients):
        best = np.inf
        for row in np.flatnonzero(patients == patient):
            out[row] = best if best != np.inf else np.nan
            if not np.isnan(sums[row]):
                best = np.minimum(best, sums[row])
    return out


@pytest.mark.parametrize("lengths", [
    [3, 1, 4, 1, 5, 9, 2, 6] * 20,  # more patients than time points each: row by row
    [1, 1],  # baselines only
    [40, 2],  # fewer patients than positions: np.minimum.accumulate
    [3000, 2],  # one long patient: the grid too large, pandas' cummin
])
def test_nadir_before_equals_the_running_minimum_patient_by_patient(lengths):
    rng = np.random.default_rng(len(lengths))
    patients = np.repeat(np.arange(len(lengths)), lengths)
    sums = rng.choice([0.0, -0.0, 1.5, 10.0, 12.25, np.nan, 30.0, 7.0], len(patients))
    expected = _nadir_one_by_one(sums, patients)
    got = nadir_before(sums, ~np.isnan(sums), patients)
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected))  # a tie of 0.0 and -0.0


def test_nadir_before_of_no_time_points():
    assert len(nadir_before(np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0, dtype=np.intp))) == 0


@pytest.mark.parametrize("seed", [7, 8])
def test_dates_of_time_points_sharing_one_date_equal_the_rows_earliest(seed, monkeypatch):
    # DEC-20 dates (targets evaluated, non-target progression, unequivocal new lesions)
    # read from the time point's one date (``_shared_dates``) equal the rows' earliest
    # scans, time points without such rows keeping the no-date sentinel; a table whose
    # time points hold several dates takes the rows' own dates either way
    from recist import sums
    from recist.table import normalise_measurements

    from support.timepoint_rows import random_cohort

    columns = ("target_first_ns", "nt_progression_ns", "new_unequivocal_ns")
    one_date = normalise_measurements(random_cohort(120, seed=seed))
    several = one_date.copy()
    later = several.index[several["visit"].astype(str) != several["visit"].iloc[0]][::7]
    several.loc[later, "date"] += pd.Timedelta(days=1)
    for measurements, shared in ((one_date, True), (several, False)):
        got = sums.timepoint_columns(measurements)
        assert (sums._shared_dates(sums.index_of(measurements).timepoints,
                                   sums.index_of(measurements).date_ns) is not None) == shared
        with monkeypatch.context() as patch:
            patch.setattr(sums, "_shared_dates", lambda timepoints, date_ns: None)
            expected = sums.timepoint_columns(measurements.copy())
        for column in columns:
            assert got[column].dtype == expected[column].dtype
            assert got[column].tolist() == expected[column].tolist(), column
        evaluated_nowhere = got["has_targets"] & (got["target_first_ns"] == sums.NO_DATE_NS)
        if shared:
            assert evaluated_nowhere.any()  # the sentinel case is exercised


def test_non_target_counts_from_status_codes_equal_the_flags(monkeypatch):
    # non-targets of one row each counted from their status codes (``_nontarget_bytes``)
    # equal the counts of the lesion flags (the path of lesions with fragments), absent
    # nodes with a pathological SA (present: NT-CR) included
    from recist import sums
    from recist.table import normalise_measurements

    from support.timepoint_rows import random_cohort

    raw = random_cohort(150, seed=11)
    nontarget = np.flatnonzero((raw["kind"] == "non-target").to_numpy())
    rng = np.random.default_rng(11)
    picked = rng.choice(nontarget, len(nontarget) // 4, replace=False)
    raw.loc[raw.index[picked], "status"] = rng.choice(
        ["absent", "present", "not_evaluated", "progression"], len(picked))
    nodes = picked[: len(picked) // 2]
    raw.loc[raw.index[nodes], "nodal"] = True
    raw.loc[raw.index[nodes], "sa_mm"] = rng.choice([5.0, 9.99, 10.0, 14.0], len(nodes))
    measurements = normalise_measurements(raw)
    calls = []

    def spied(*args):
        calls.append(1)
        return from_codes(*args)

    from_codes = sums._nontarget_bytes
    with monkeypatch.context() as patch:
        patch.setattr(sums, "_nontarget_bytes", spied)
        got = sums.timepoint_columns(measurements)
    assert calls  # the table is sorted: the status-code path was taken

    def with_group_numbers(*args):
        group, *rest = sums_groups(*args)
        return (np.arange(len(args[0])) if group is None else group, *rest)

    sums_groups = sums._ordered_lesion_groups
    with monkeypatch.context() as patch:
        patch.setattr(sums, "_ordered_lesion_groups", with_group_numbers)
        patch.setattr(sums, "_nontarget_bytes", None)  # never called on this path
        expected = sums.timepoint_columns(measurements.copy())
    absent_nodes = ((measurements["kind"] == "non-target") & (measurements["status"] == "absent")
                    & measurements["nodal"] & (measurements["sa_mm"] >= 10.0))
    assert absent_nodes.any()
    for column in ("n_nt_progression", "n_nt_missing", "n_nt_present", "nt_all_gone",
                   "has_nontargets", "nt_progression_ns"):
        assert got[column].dtype == expected[column].dtype
        assert got[column].tolist() == expected[column].tolist(), column
    assert (got["n_nt_present"] > 0).any() and (got["n_nt_missing"] > 0).any()
    assert (got["n_nt_progression"] > 0).any() and got["nt_all_gone"].any()
