"""threshold_distances of many time points at once equals that of each one alone.

The flip search gathers the follow-up sums once and searches the steps that only some
rows reach (references of several hundred mm reach further than small ones) on those
rows only: each row's distances must be those it gets alone, where every search step
covers it. Truth: the function itself on one-row frames (UNC-2, DEC-22).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.uncertainty import threshold_distances


def test_distances_of_a_mixed_frame_are_those_of_each_row_alone():
    rng = np.random.default_rng(5)
    n = 120
    base = rng.choice([0.0, 8.0, 55.5, 240.0, 1900.0, np.nan], n)
    nadir = np.where(rng.random(n) < 0.2, 0.0, base * rng.uniform(0.3, 1.0, n))
    nadir[rng.random(n) < 0.1] = np.nan
    total = np.round(np.nan_to_num(nadir) * rng.uniform(0.6, 1.4, n) + rng.uniform(0, 3, n), 2)
    total[rng.random(n) < 0.1] = np.nan
    frame = pd.DataFrame({"sum_mm": total, "baseline_sum_mm": base, "nadir_mm": nadir})
    together = threshold_distances(frame, np.full(n, 1.5))
    assert together["flip_mm"].notna().sum() > n // 2
    alone = pd.concat([threshold_distances(frame.iloc[[i]], [1.5]) for i in range(n)])
    pd.testing.assert_frame_equal(together, alone, check_exact=True)
