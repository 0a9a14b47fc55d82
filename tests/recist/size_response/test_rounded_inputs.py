"""``classify_size_sums(rounded=True)``: sums already rounded to the DEC-22 step are not
rounded again, and the codes are those of rounding them (the rounding leaves a rounded
value as it is), exact boundaries included."""

from __future__ import annotations

import numpy as np

from recist.arrays import round_half_away
from recist.size_response import SizeThresholds, classify_size_sums


def test_rounded_inputs_give_the_codes_of_rounding_them():
    rng = np.random.default_rng(12)
    n = 50_000
    base = round_half_away(rng.uniform(0, 1500, n))
    base[:5000] = rng.integers(0, 300, 5000) * 10.0  # round sums: exact 30 % / 20 % points
    nadir = round_half_away(base * rng.uniform(0, 1, n))
    nadir[rng.random(n) < 0.05] = 0.0
    steps = rng.integers(-40, 40, n) * 0.01
    current = round_half_away(np.abs(np.where(rng.random(n) < 0.5, nadir * 1.2 + steps,
                                              base * 0.7 + steps)))
    current[rng.random(n) < 0.03] = np.nan
    kwargs = {"complete": rng.random(n) > 0.05, "cr_met": rng.random(n) < 0.02,
              "has_targets": rng.random(n) > 0.02}
    for thresholds in (SizeThresholds(30.0, 20.0, 5.0), SizeThresholds(50.0, 25.0, 0.0)):
        expected = classify_size_sums(current, base, nadir, thresholds=thresholds, **kwargs)
        got = classify_size_sums(current, base, nadir, thresholds=thresholds, rounded=True,
                                 **kwargs)
        assert len(set(expected.tolist())) == 6  # NA, PD, NE, CR, PR and SD all met
        np.testing.assert_array_equal(got, expected)
