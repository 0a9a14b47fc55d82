"""``arrays.equal_to_taken``: whether ``values == table[codes]`` everywhere, compared a
block of codes at a time."""

from __future__ import annotations

import numpy as np
import pytest

from recist import arrays
from recist.arrays import equal_to_taken


@pytest.mark.parametrize("code_type", [np.int8, np.int32, np.intp])
@pytest.mark.parametrize("changed", [None, 0, arrays._TAKE_BLOCK - 1, arrays._TAKE_BLOCK,
                                     2 * arrays._TAKE_BLOCK + 2])
def test_equal_to_taken_is_the_comparison_of_every_row(code_type, changed):
    rng = np.random.default_rng(7)
    table = np.array([5, -3, 9, 0], dtype=np.int64)
    n = 2 * arrays._TAKE_BLOCK + 3  # over block boundaries, a short last block
    codes = rng.integers(-1, len(table), n).astype(code_type)  # -1: the table's last
    values = table[codes]
    if changed is not None:  # one row differs: in the first, a later or the last block
        values[changed] += 1
    expected = bool((values == table[codes]).all())
    assert expected is (changed is None)
    assert equal_to_taken(values, table, codes) is expected


def test_equal_to_taken_of_no_rows_and_of_nan():
    assert equal_to_taken(np.zeros(0), np.array([1.0]), np.zeros(0, dtype=np.int8))
    # NaN is never equal, as ``==`` has it
    assert not equal_to_taken(np.array([np.nan]), np.array([np.nan]), np.array([0]))


def test_equal_to_taken_refuses_values_and_codes_of_two_lengths():
    with pytest.raises(ValueError, match="one length"):
        equal_to_taken(np.zeros(2), np.zeros(1), np.zeros(3, dtype=np.intp))
