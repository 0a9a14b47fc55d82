"""_rounded_bound32 (recist.uncertainty): a single-precision sum reaches the bound
exactly when its rounding (``np.round`` in double precision, DEC-22) reaches the
threshold, as the CR test of the draws reads each node (TGT-CR: short axis < 10 mm).

Truth: ``np.round`` itself on the float32 values around each bound (every value within
a few hundred steps of it, halfway cases included) and on random values.
"""

from __future__ import annotations

import numpy as np
import pytest

from recist.uncertainty import _rounded_bound32


@pytest.mark.parametrize("threshold", [10.0, 0.0, 9.995, 15.0, -1.0, 0.015, 1000.0])
@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
def test_bound_answers_as_the_rounded_value(threshold, decimals):
    bound = _rounded_bound32(threshold, decimals)
    assert bound.dtype == np.float32 and np.isfinite(bound)
    near = [np.float32(bound)]
    for direction in (-np.inf, np.inf):
        value = np.float32(bound)
        for _ in range(300):
            value = np.nextafter(value, np.float32(direction))
            near.append(value)
    rng = np.random.default_rng(int(threshold * 1000) % 97 + decimals)
    spread = rng.uniform(threshold - 3, threshold + 3, 2000).astype(np.float32)
    halfway = (np.round(threshold, decimals) - 0.5 * 10.0 ** -decimals
               + np.arange(-3, 4) * 10.0 ** -decimals).astype(np.float32)
    values = np.concatenate([np.array(near, dtype=np.float32), spread, halfway,
                             np.float32([0.0, -0.0, np.inf, -np.inf, np.nan])])
    expected = np.round(values.astype(np.float64), decimals) >= threshold
    np.testing.assert_array_equal(values >= bound, expected)
    assert (values >= bound).any() and not (values >= bound).all()


def test_bound_without_a_value_that_meets_it_is_nan():
    assert np.isnan(_rounded_bound32(np.inf * 0, 2))
    assert _rounded_bound32(-np.inf, 2) == -np.inf
