"""``classify_lesions`` and ``check_target_selection`` on the table that
``recist._checks_support.indexed`` marks (its baseline rows and codes taken as they are)
give what they give on the plain table (baseline found by ``timepoint_index``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist._checks_support import indexed
from recist.baseline_rules import check_target_selection, classify_lesions


def _random_table(seed: int) -> pd.DataFrame:
    """Patients with 1-3 time points (visit labels or dates), repeated lesion ids
    (fragments), missing organs, nodes, statuses, and now and then a missing lesion id."""
    rng = np.random.default_rng(seed)
    n = 600
    visit = rng.choice(["V0", "V1", "C2D1", None], n)
    day = np.where(visit == "V0", 0, rng.integers(0, 120, n))
    frame = pd.DataFrame({
        "patient_id": rng.choice([f"P{i}" for i in range(40)], n),
        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
        "visit": visit,
        "lesion_id": rng.choice([f"L{i}" for i in range(9)] + [None], n,
                                p=[0.11] * 9 + [0.01]),
        "kind": rng.choice(["target", "non-target", "new"], n, p=[0.6, 0.3, 0.1]),
        "organ": rng.choice(["lung", "left lung", "liver", "node", None], n),
        "nodal": rng.random(n) < 0.3,
        "ld_mm": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(2, 40, n).round(1)),
        "sa_mm": np.where(rng.random(n) < 0.5, np.nan, rng.uniform(2, 25, n).round(1)),
        "status": rng.choice(["measured", "too_small", "absent", "present"], n,
                             p=[0.7, 0.1, 0.1, 0.1]),
        "slice_thickness_mm": rng.choice([1.25, 5.0, 7.0, np.nan], n),
    })
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_indexed_table_classifies_as_the_plain_one(seed):
    plain = _random_table(seed)
    marked = indexed(plain)
    expected = classify_lesions(plain)
    got = classify_lesions(marked)
    assert len(expected) > 50
    pd.testing.assert_frame_equal(got.astype({"kind": object}), expected)
    found = check_target_selection(marked)
    assert found == check_target_selection(plain)
    # a lesions table given (its categories and organ keys read as text) finds the same
    # as a measurements table (classified inside, its categories and keys compared as codes)
    assert found == check_target_selection(expected)
    assert len({f.code for f in found}) >= 4


@pytest.mark.parametrize("dtype", [float, object])
def test_lesions_in_order_and_not_classify_alike(dtype):
    """A table whose baseline rows are each a lesion in order (codes rising row by row)
    and one with a fragment row and lesions out of first-sight order: known verdicts."""
    def table(lesion_ids, lds):
        n = len(lesion_ids)
        return pd.DataFrame({
            "patient_id": ["P"] * n, "lesion_id": lesion_ids,
            "date": pd.to_datetime(["2024-01-02"] * n), "kind": ["target"] * n,
            "status": ["measured"] * n, "organ": ["liver"] * n, "nodal": [False] * n,
            "ld_mm": pd.Series(lds, dtype=dtype), "sa_mm": [np.nan] * n,
            "slice_thickness_mm": [np.nan] * n})

    for frame in (lambda m: m, indexed):
        plain = classify_lesions(frame(table(["T1", "T2"], [12.0, 8.0])))
        assert plain[["lesion_id", "ld_mm", "category"]].values.tolist() == [
            ["T1", 12.0, "measurable"], ["T2", 8.0, "non-measurable"]]
        split = classify_lesions(frame(table(["T2", "T1", "T2"], [8.0, 12.0, 5.0])))
        assert split[["lesion_id", "ld_mm", "category"]].values.tolist() == [
            ["T2", 13.0, "measurable"], ["T1", 12.0, "measurable"]]


def test_nodes_by_sa_and_others_by_ld_whatever_the_other_axis():
    """Lesions sharing a node's SA or another lesion's LD, with other axes differing,
    classified each by its own axis (a node by its SA, any other by its LD)."""
    m = pd.DataFrame({
        "patient_id": ["P"] * 6, "lesion_id": [f"L{i}" for i in range(6)],
        "date": pd.to_datetime(["2024-01-02"] * 6), "kind": ["non-target"] * 6,
        "status": ["present"] * 6, "organ": ["liver"] * 6,
        "nodal": [True, True, True, False, False, False],
        "ld_mm": [30.0, 8.0, 12.0, 12.0, 12.0, 9.0],
        "sa_mm": [12.0, 12.0, 30.0, 16.0, np.nan, 16.0],
        "slice_thickness_mm": [np.nan] * 6})
    got = classify_lesions(m)[["category", "reason"]].values.tolist()
    assert got == [
        ["pathological node, non-measurable", "nodal SA 12.0 mm is ≥ 10.0 and < 15.0 mm: "
         "pathological but not measurable, non-target only (MEAS-5, R11 3.1.2)"],
        ["pathological node, non-measurable", "nodal SA 12.0 mm is ≥ 10.0 and < 15.0 mm: "
         "pathological but not measurable, non-target only (MEAS-5, R11 3.1.2)"],
        ["measurable", "nodal SA 30.0 mm ≥ 15.0 mm (MEAS-4, R11 3.1.1)"],
        ["measurable", "non-nodal LD 12.0 mm ≥ 10.0 mm (MEAS-1, R11 3.1.1)"],
        ["measurable", "non-nodal LD 12.0 mm ≥ 10.0 mm (MEAS-1, R11 3.1.1)"],
        ["non-measurable", "non-nodal LD 9.0 mm < 10.0 mm (MEAS-1, R11 3.1.1)"]]
