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
