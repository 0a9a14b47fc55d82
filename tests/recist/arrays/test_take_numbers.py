"""``recist.arrays.take_numbers``: ``table[codes]`` (code -1: the last entry) by pyarrow
(many codes, all from the table's start) or ``take_by_codes`` (others), read-only."""

from __future__ import annotations

import numpy as np
import pytest

from recist.arrays import _ARROW_TAKE_MIN, take_numbers


@pytest.mark.parametrize("n_codes", [0, 5, _ARROW_TAKE_MIN - 1, _ARROW_TAKE_MIN, 100_000])
@pytest.mark.parametrize("code_type", [np.int8, np.int16, np.int32, np.int64])
@pytest.mark.parametrize("table_type", [np.bool_, np.int8, np.int16, np.int32, np.int64,
                                        np.uint32, np.float64, "datetime64[ns]"])
@pytest.mark.parametrize("negative", [False, True])
def test_take_numbers_is_the_tables_values_at_the_codes(n_codes, code_type, table_type,
                                                       negative):
    rng = np.random.default_rng(n_codes)
    size = min(int(np.iinfo(code_type).max), 1000)
    table = rng.integers(-100, 100, size).astype(table_type)
    if table.dtype.kind == "f":
        table[1] = np.nan
    codes = rng.integers(0, size, n_codes).astype(code_type)
    codes[:2] = [0, size - 1][:n_codes]  # both ends of the table
    if negative and n_codes:  # counted from the end, as numpy indexes (no pyarrow)
        codes[n_codes // 2] = -1
        codes[-1] = -size
    taken = take_numbers(table, codes)
    expected = table[codes]
    assert taken.dtype == expected.dtype and not taken.flags.writeable
    assert np.array_equal(taken.view(np.uint8), expected.view(np.uint8))  # NaN alike


def test_take_numbers_refuses_other_tables_and_codes():
    with pytest.raises(TypeError):
        take_numbers(np.array(["a"], dtype=object), np.zeros(3, dtype=np.int32))
    with pytest.raises(TypeError):
        take_numbers(np.zeros(10), np.zeros(3, dtype=np.uint32))
