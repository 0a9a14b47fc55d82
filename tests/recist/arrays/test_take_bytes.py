"""``recist.arrays.take_bytes``: ``table[codes]`` by numpy (few codes) or pyarrow (many)."""

from __future__ import annotations

import numpy as np
import pytest

from recist.arrays import _ARROW_TAKE_MIN, take_bytes


@pytest.mark.parametrize("n_codes", [0, 5, _ARROW_TAKE_MIN - 1, _ARROW_TAKE_MIN, 100_000])
@pytest.mark.parametrize("code_type", [np.int8, np.int16, np.int32, np.int64])
@pytest.mark.parametrize("table_type", [np.bool_, np.int8, np.uint8])
def test_take_bytes_is_the_tables_values_at_the_codes(n_codes, code_type, table_type):
    rng = np.random.default_rng(n_codes)
    size = min(int(np.iinfo(code_type).max), 1000)
    table = rng.integers(-100, 100, size).astype(table_type)
    codes = rng.integers(0, size, n_codes).astype(code_type)
    codes[:2] = [0, size - 1][:n_codes]  # both ends of the table
    taken = take_bytes(table, codes)
    assert taken.dtype == table.dtype and not taken.flags.writeable
    np.testing.assert_array_equal(taken, table[codes])


@pytest.mark.parametrize("n_codes", [5, 100_000])
def test_take_bytes_refuses_codes_outside_the_table(n_codes):
    table = np.zeros(10, dtype=bool)
    for wrong in (-1, 10):  # numpy would read -1 as the last; pyarrow would read past
        codes = np.zeros(n_codes, dtype=np.int32)
        codes[n_codes // 2] = wrong
        with pytest.raises(IndexError):
            take_bytes(table, codes)
    with pytest.raises(TypeError):
        take_bytes(np.zeros(10), np.zeros(3, dtype=np.int32))  # 8-byte values
    with pytest.raises(TypeError):
        take_bytes(table, np.zeros(3, dtype=np.uint32))
