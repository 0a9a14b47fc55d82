"""``check_slice_thickness_changes`` compares thicknesses as ``numpy.isclose`` does."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from recist.checks import check_slice_thickness_changes

VALUES = [1.0, 1.0 + 1e-6, 1.00002, 5.0, 0.0, np.inf, -np.inf, np.nan]


def test_a_change_is_what_isclose_calls_unequal():
    for baseline, later in itertools.product(VALUES, VALUES):
        table = pd.DataFrame({"patient_id": ["P"] * 2, "lesion_id": ["T1"] * 2,
                              "slice_thickness_mm": [baseline, later],
                              "date": pd.to_datetime(["2024-01-02", "2024-03-01"])})
        changed = bool(check_slice_thickness_changes(table))
        assert changed == (not np.isnan(baseline) and not np.isnan(later)
                           and not np.isclose(later, baseline)), (baseline, later)


def _two_lesions(t1: list[float], t2: list[float]) -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": ["P"] * 6, "lesion_id": ["T1", "T2"] * 3,
        "slice_thickness_mm": [t1[0], t2[0], t1[1], t2[1], t1[2], t2[2]],
        "date": pd.to_datetime(["2024-01-02"] * 2 + ["2024-03-01"] * 2 + ["2024-05-01"] * 2)})


def test_one_thickness_or_one_per_lesion_is_no_change_and_a_change_is_found_among_them():
    assert check_slice_thickness_changes(_two_lesions([5.0, np.nan, 5.0],
                                                      [np.nan, 5.0, 5.0])) == []
    assert check_slice_thickness_changes(_two_lesions([5.0] * 3, [2.5] * 3)) == []
    [found] = check_slice_thickness_changes(_two_lesions([5.0, 5.0, 2.5], [2.5] * 3))
    assert (found.date, "T1 5 → 2.5 mm" in found.message) == ("2024-05-01", True)
