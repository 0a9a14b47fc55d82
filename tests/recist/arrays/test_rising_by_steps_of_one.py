"""rising_by_steps_of_one: a shortcut to numbered_by_first_sight for sorted codes."""

import numpy as np
import pandas as pd
import pytest

from recist.arrays import numbered_by_first_sight, rising_by_steps_of_one
from recist.baseline_rules import _first_seen_values


@pytest.mark.parametrize("seed", range(30))
def test_rising_codes_are_numbered_by_first_sight(seed):
    """Whenever the shortcut says yes, the running maximum agrees; it says yes for every
    sorted sequence of codes 0 .. n - 1 and no for sorted codes that skip one."""
    rng = np.random.default_rng(seed)
    dtype = rng.choice([np.int8, np.int16, np.int32, np.int64, np.uint8])
    steps = rng.choice([0, 1], size=int(rng.integers(1, 60)), p=[0.6, 0.4])
    rising = np.r_[0, np.cumsum(steps)][:100].astype(dtype)
    assert rising_by_steps_of_one(rising) and numbered_by_first_sight(rising)
    if rising[-1] >= 1:
        skipping = rising.copy()
        skipping[rising == rising[-1]] += 1  # the last code skips one
        assert not rising_by_steps_of_one(skipping)
        assert not numbered_by_first_sight(skipping)
    shuffled = rng.permutation(rising)
    if rising_by_steps_of_one(shuffled):
        assert numbered_by_first_sight(shuffled)
    assert not rising_by_steps_of_one(rising[rising > 0])  # no code 0 first


def test_a_difference_wrapped_around_the_type_is_no_rise():
    """int8 codes 0 .. 127 then -128: each difference is 1 in int8 arithmetic."""
    wrapped = np.arange(129).astype(np.int8)
    assert not rising_by_steps_of_one(wrapped)
    assert not numbered_by_first_sight(wrapped)
    assert not rising_by_steps_of_one(np.array([0, 255, 0], dtype=np.uint8)[[0, 0, 1, 2]])


@pytest.mark.parametrize("order", ["sorted", "unsorted"])
def test_first_seen_values_of_a_categorical_as_factorize_gives_them(order):
    """A categorical's codes sorted (the shortcut) or not: pandas.factorize's codes and
    values."""
    ids = ["a", "a", "b", "c", "c", "d"] if order == "sorted" else ["b", "a", "b", "d", "c"]
    column = pd.Series(ids, dtype=pd.CategoricalDtype(["a", "b", "c", "d", "e"]))
    codes, values = _first_seen_values(column)
    expected_codes, expected_values = pd.factorize(np.asarray(ids, dtype=object))
    assert codes.tolist() == expected_codes.tolist()
    assert values.tolist() == list(expected_values)
