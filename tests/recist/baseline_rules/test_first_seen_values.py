"""_first_seen_values of a categorical: its codes as pandas.factorize numbers them."""

import numpy as np
import pandas as pd
import pytest

from recist.baseline_rules import _first_seen_values


def _assert_as_factorize(ids, categories):
    column = pd.Series(ids, dtype=pd.CategoricalDtype(categories))
    codes, values = _first_seen_values(column)
    expected_codes, expected_values = pd.factorize(np.asarray(ids, dtype=object))
    assert codes.tolist() == expected_codes.tolist()
    assert values.tolist() == list(expected_values)


@pytest.mark.parametrize("ids", [
    ["a", "a", "b", "c", "c", "d"],       # sorted: numbered by first sight
    ["a", "b", "b", "a", "c"],            # a run comes back: still numbered
    ["b", "b", "a", "c"],                 # first run not code 0
    ["a", "a", "c", "c", "b"],            # a run skips a code
    ["a", "c", "c", "b", "b", "d", "a"],  # skips, then comes back
])
def test_first_seen_values_as_factorize_gives_them(ids):
    _assert_as_factorize(ids, ["a", "b", "c", "d", "e"])


@pytest.mark.parametrize("seed", range(40))
def test_first_seen_values_of_runs_as_factorize_gives_them(seed):
    """Runs of random lengths of codes in random or first-seen order."""
    rng = np.random.default_rng(seed)
    n_codes = int(rng.integers(1, 8))
    run_codes = rng.integers(0, n_codes, int(rng.integers(1, 12)))
    if seed % 2:  # renumbered by first sight: the shortcut's case
        run_codes = pd.factorize(run_codes)[0]
    ids = [f"c{code}" for code in np.repeat(run_codes, rng.integers(1, 4, len(run_codes)))]
    _assert_as_factorize(ids, [f"c{code}" for code in range(n_codes)])
