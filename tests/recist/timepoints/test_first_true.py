"""``recist.timepoints._first_true`` (the response codes by a table of every combination
of the conditions' bits) equals ``np.select`` on every combination, in dtype too."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize("n_conditions", [1, 2, 4, 5, 8])
def test_first_true_equals_np_select(n_conditions):
    from recist.timepoints import _first_true

    rng = np.random.default_rng(n_conditions)
    combinations = np.arange(1 << n_conditions)
    rows = np.r_[combinations, rng.integers(0, 1 << n_conditions, 500)]
    conditions = [(rows >> k & 1).astype(bool) for k in range(n_conditions)]
    codes = rng.permutation(20)[:n_conditions].tolist()
    got = _first_true(conditions, codes, default=99)
    expected = np.select(conditions, codes, default=99)
    assert got.dtype == expected.dtype
    assert got.tolist() == expected.tolist()
