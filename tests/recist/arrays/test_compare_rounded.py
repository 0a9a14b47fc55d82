"""``recist.arrays.compare_rounded`` rounds only the values near the threshold: its answer
must be ``round_half_away(values) >= threshold`` (or ``>``) for every value, the values
half a unit and one unit from the threshold included, and for the thresholds and decimals
where every value is rounded."""

from __future__ import annotations

import numpy as np
import pytest

from recist.arrays import compare_rounded, round_half_away


def _values(rng: np.random.Generator, threshold: float, decimals: int) -> np.ndarray:
    unit = 10.0 ** -decimals
    steps = np.arange(-40, 41) / 20  # -2 .. 2 units in twentieths: halves, exact units
    near = threshold + steps * unit
    noise = near + rng.normal(0, unit, len(near))
    return np.r_[near, noise, np.nextafter(near, np.inf), np.nextafter(near, -np.inf),
                 threshold * 3 + rng.normal(0, 100, 50), [np.nan, np.inf, -np.inf, 0.0, -0.0,
                                                          1e200, -1e200, 2.675, 1.005]]


@pytest.mark.parametrize("inclusive", [True, False])
@pytest.mark.parametrize("decimals", [0, 1, 2, 3, 4, 6])
@pytest.mark.parametrize("threshold", [0.0, 10.0, 5.0, -30.0, 0.005, 9.995, 1e7, 1e12])
def test_same_as_rounding_every_value(threshold, decimals, inclusive):
    rng = np.random.default_rng(int(threshold) % 1000 + decimals)
    values = _values(rng, threshold, decimals)
    rounded = round_half_away(values, decimals)
    expected = rounded >= threshold if inclusive else rounded > threshold
    got = compare_rounded(values, threshold, decimals, inclusive=inclusive)
    assert got.dtype == bool
    assert got.tolist() == expected.tolist()


def test_the_values_rounded_onto_the_threshold_count():
    # unrounded they are on the other side: a comparison without rounding them fails here
    values = np.array([9.995, 9.9951, 0.005, 0.004999])
    assert compare_rounded(values, 10.0, 2, inclusive=True).tolist() == [True, True,
                                                                        False, False]
    assert compare_rounded(values, 0.0, 2, inclusive=False).tolist() == [True] * 3 + [False]
    assert compare_rounded(np.array([10.004]), 10.0, 2, inclusive=False).tolist() == [False]


def test_every_value_rounded_for_negative_decimals_or_a_huge_threshold():
    values = np.array([149.0, 150.0, 1e9 + 0.4, np.nan])
    assert compare_rounded(values, 200.0, -2, inclusive=True).tolist() == (
        round_half_away(values, -2) >= 200.0).tolist()
    assert compare_rounded(values, 1e9, 2, inclusive=False).tolist() == (
        round_half_away(values, 2) > 1e9).tolist()


@pytest.mark.parametrize("threshold", [3.032017973433521e16, 1.6066040225503912e16])
def test_a_threshold_where_rounding_moves_values_by_more_than_a_unit(threshold):
    # float spacing far above a hundredth: a value a few units from the threshold can
    # round across it, so none may be compared unrounded
    values = threshold + np.arange(-40, 41) * np.spacing(threshold)
    rounded = round_half_away(values, 2)
    for inclusive in (True, False):
        expected = rounded >= threshold if inclusive else rounded > threshold
        assert compare_rounded(values, threshold, 2, inclusive=inclusive).tolist() == (
            expected.tolist())
