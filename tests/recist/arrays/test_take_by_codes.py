"""``arrays.take_by_codes``: ``table[codes]`` for the small integer codes of a categorical,
taken a block at a time (code -1: the table's last entry)."""

from __future__ import annotations

import numpy as np
import pytest

from recist import arrays
from recist.arrays import take_by_codes


@pytest.mark.parametrize("code_type", [np.int8, np.int16, np.int32, np.int64])
@pytest.mark.parametrize("table", [
    np.array([1.5, -0.0, np.inf, np.nan]),
    np.array(["2024-01-02", "1677-09-22", "NaT"], dtype="datetime64[ns]"),
    np.array([True, False, False]),
    np.array([3, -1, 7, -1], dtype=np.int16),
])
def test_take_by_codes_is_indexing_by_the_codes(code_type, table):
    rng = np.random.default_rng(len(table))
    n = 2 * arrays._TAKE_BLOCK + 3  # over block boundaries, a short last block
    codes = rng.integers(-1, len(table) - 1, n).astype(code_type)
    codes[[0, arrays._TAKE_BLOCK - 1, arrays._TAKE_BLOCK, -1]] = -1  # at the blocks' edges
    codes[1] = -len(table)  # the first entry, counted from the end
    taken = take_by_codes(table, codes)
    expected = table[codes]
    assert taken.dtype == expected.dtype and taken.shape == expected.shape
    assert np.array_equal(taken.view(np.uint8), expected.view(np.uint8))  # NaN, NaT, -0.0


def test_take_by_codes_of_no_codes():
    taken = take_by_codes(np.array([1.0, np.nan]), np.zeros(0, dtype=np.int8))
    assert taken.dtype == np.float64 and taken.shape == (0,)
