"""``recist.sums._contribution_of_diameters`` (SUM-1, SUM-4, SUM-6) written over the
diameters (``in_place``, the engine's call) or into a new array: both equal the rule read
row by row, NaN diameters and signed zeros of measured rows kept as they are."""

from __future__ import annotations

import numpy as np

from recist.criteria import RECIST_1_1
from recist.sums import _contribution_of_diameters


def test_in_place_and_new_array_equal_the_rule_row_by_row():
    rng = np.random.default_rng(2)
    n = 500
    status = rng.choice(["measured", "too_small", "absent", "not_evaluated"], n)
    diameter = rng.choice([0.0, -0.0, 4.2, 12.5, np.nan], n)
    expected = np.array([d if s == "measured" else
                         float(RECIST_1_1.too_small_mm) if s == "too_small" else 0.0
                         for s, d in zip(status.tolist(), diameter.tolist())])
    measured, too_small = status == "measured", status == "too_small"
    copied = _contribution_of_diameters(measured, too_small, diameter, RECIST_1_1)
    assert not np.shares_memory(copied, diameter)
    own = diameter.copy()
    in_place = _contribution_of_diameters(measured, too_small, own, RECIST_1_1, in_place=True)
    assert in_place is own
    for got in (copied, in_place):
        assert np.array_equal(got, expected, equal_nan=True)
        assert np.array_equal(np.signbit(got), np.signbit(expected))


def test_a_scalar_diameter_broadcasts_to_the_masks():
    got = _contribution_of_diameters(np.array([True, False, False]),
                                     np.array([False, True, False]), np.array(7.5), RECIST_1_1)
    assert got.tolist() == [7.5, float(RECIST_1_1.too_small_mm), 0.0]
