"""``recist.arrays`` group helpers against ``pandas.factorize`` and plain loops.

``combined_codes`` and ``first_seen_codes`` must give exactly ``pandas.factorize``'s codes
(numbered by first sight) whichever route they take: flags for small integer ranges,
hashing for text, floats and wide integers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.arrays import combined_codes, first_row_of_each, first_seen_codes, round_half_away


def _by_loop(columns: list[np.ndarray]) -> list[int]:
    """Codes numbered by first sight, by a dictionary of row tuples (missing: one value)."""
    def cell(value):
        missing = value is None or value is pd.NA or (
            isinstance(value, float) and np.isnan(value))
        return ("missing",) if missing else ("value", value)

    seen: dict[tuple, int] = {}
    return [seen.setdefault(tuple(cell(column[i]) for column in columns), len(seen))
            for i in range(len(columns[0]))]


def _column(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    if kind == "small_int":
        return rng.integers(-3, 4, n)
    if kind == "int8":
        return rng.integers(0, 5, n).astype(np.int8)
    if kind == "uint64_high":
        return np.uint64(2**63) + rng.integers(0, 3, n).astype(np.uint64)
    if kind == "wide_int":
        return rng.choice(np.array([-2**62, 0, 7, 2**62]), n)
    if kind == "bool":
        return rng.random(n) < 0.5
    if kind == "float":
        return rng.choice(np.array([0.5, np.nan, 2.0, -1.25]), n)
    if kind == "text":
        return rng.choice(np.array(["a", None, "b", np.nan, "c"], dtype=object), n)
    return np.full(n, 3)  # constant


KINDS = ["small_int", "int8", "uint64_high", "wide_int", "bool", "float", "text", "constant"]


@pytest.mark.parametrize("seed", range(12))
def test_combined_codes_equal_a_loop_over_row_tuples(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    columns = [_column(rng, str(kind), n) for kind in rng.choice(KINDS, rng.integers(1, 7))]
    codes = combined_codes(columns)
    assert codes.dtype == np.int64
    assert codes.tolist() == _by_loop(columns)


def test_many_small_columns_are_compressed_on_the_way_and_stay_exact():
    rng = np.random.default_rng(7)
    columns = [rng.integers(0, 50, 300) for _ in range(8)]  # 50**8 combinations
    assert combined_codes(columns).tolist() == _by_loop(columns)


def test_combined_codes_of_no_rows_and_no_columns():
    assert combined_codes([np.array([], dtype=np.int64)]).tolist() == []
    assert combined_codes([]).tolist() == []


@pytest.mark.parametrize("spread", [1, 10**12])  # flagged in a table, hashed
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint64])
def test_first_seen_codes_are_factorize_codes(spread, dtype):
    rng = np.random.default_rng(spread)
    signed = np.dtype(dtype).kind == "i"
    values = rng.integers(-3 if signed else 0, 4, 60) * (spread if dtype in (np.int64, np.uint64)
                                                       else 1)
    key = values.astype(dtype)
    codes, uniques = first_seen_codes(key)
    expected, expected_uniques = pd.factorize(key)
    assert codes.tolist() == expected.tolist()
    assert uniques.tolist() == expected_uniques.tolist() and uniques.dtype == key.dtype


@pytest.mark.parametrize("spread", [1, 10**15])
def test_first_seen_codes_of_ascending_keys_are_factorize_codes(spread):
    key = np.sort(np.random.default_rng(spread).integers(-5, 6, 80)) * spread
    codes, uniques = first_seen_codes(key)
    expected, expected_uniques = pd.factorize(key)
    assert codes.tolist() == expected.tolist() and uniques.tolist() == expected_uniques.tolist()


def test_first_seen_codes_of_no_rows():
    codes, uniques = first_seen_codes(np.array([], dtype=np.int64))
    assert codes.tolist() == [] and uniques.tolist() == []


def test_first_row_of_each_is_the_smallest_row_of_each_code():
    codes = np.array([2, 0, 2, -1, 1, 0])
    assert first_row_of_each(codes).tolist() == [1, 4, 0]
    assert first_row_of_each(codes[[5, 4, 2]], rows=[5, 4, 2]).tolist() == [5, 4, 2]


def _smallest_rows(codes: np.ndarray, n_groups: int) -> list[int]:
    return [int(np.flatnonzero(codes == g)[0]) if (codes == g).any() else -1
            for g in range(n_groups)]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16])
def test_first_row_of_each_of_codes_numbered_by_first_row_or_not(seed, dtype):
    """The one-pass route (codes numbered by their first row, as factorize numbers them)
    and the general one give the smallest row of each code: factorize codes, the same
    with missing (-1) rows, codes numbered otherwise, and more groups than codes."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 40, 500)
    numbered = pd.factorize(values)[0]
    cases = [(numbered, None), (numbered, int(numbered.max()) + 3),
             (np.where(rng.random(500) < 0.1, -1, numbered), None),
             ((numbered + 1) % (int(numbered.max()) + 1), None), (values, None)]
    for codes, n_groups in cases:
        if np.dtype(dtype).kind == "u" and (codes < 0).any():
            continue
        codes = codes.astype(dtype)
        n = int(codes.max()) + 1 if n_groups is None else n_groups
        got = first_row_of_each(codes, n_groups)
        assert got.dtype == np.int64 and got.tolist() == _smallest_rows(codes, n)


def _dec22_steps(values: np.ndarray, decimals: int) -> np.ndarray:
    """DEC-22 as its docstring states it, one whole-array step at a time."""
    scale = 10.0 ** decimals
    scaled = np.round(np.abs(values) * scale, 6)
    return np.sign(values) * np.floor(scaled + 0.5) / scale + 0.0


@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
def test_round_half_away_is_dec22_bit_for_bit(decimals):
    rng = np.random.default_rng(decimals)
    special = [np.nan, -np.nan, 0.0 * -np.inf, np.inf, -np.inf, 0.0, -0.0, 2.675, -2.675,
               1.005, -1e-300, 5e-324]
    values = np.r_[rng.normal(0, 50, 2000), rng.integers(-9999, 9999, 2000) / 1000, special]
    with np.errstate(invalid="ignore"):
        expected = _dec22_steps(values, decimals)
    assert round_half_away(values, decimals).tobytes() == expected.tobytes()
    assert round_half_away(2.675) == 2.68 and round_half_away(-0.001) == 0.0
    assert not np.signbit(round_half_away(-0.001))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8])
def test_copy_bytes_where_is_a_masked_copy(dtype):
    # Every byte value, masks with and without runs, a scalar, a column and a full array
    # as the value, into a slice of a wider array: the bytes of np.copyto(where=).
    from recist.arrays import copy_bytes_where

    rng = np.random.default_rng(8)
    base = rng.integers(0, 256, (300, 40)).astype(np.uint8).view(dtype)
    values = [dtype(rng.integers(0, 128)), rng.integers(0, 256, (300, 1)).astype(np.uint8)
              .view(dtype), rng.integers(0, 256, (300, 40)).astype(np.uint8).view(dtype)]
    masks = [rng.random((300, 40)) < 0.5, np.zeros((300, 40), bool), np.ones((300, 40), bool),
             np.repeat(rng.random((300, 1)) < 0.5, 40, axis=1)]
    for value in values:
        for mask in masks:
            expected = base.copy()
            np.copyto(expected, value, where=mask)
            wide = np.zeros((300, 50), dtype=dtype)
            wide[:, 5:45] = base
            copy_bytes_where(wide[:, 5:45], value, mask)
            np.testing.assert_array_equal(wide[:, 5:45], expected)
            assert (wide[:, :5] == 0).all() and (wide[:, 45:] == 0).all()
    with pytest.raises(TypeError):
        copy_bytes_where(np.zeros(3), 1.0, np.ones(3, bool))


@pytest.mark.parametrize("spread", [1, 2 ** 55, 2 ** 61])
def test_combined_codes_of_integer_columns_number_each_combination_by_first_sight(spread):
    # packed into one integer while the ranges multiply below 2**62 (spread 1 and 2**55),
    # else each column coded first (2**61): pandas.factorize's numbering of the tuples
    rng = np.random.default_rng(spread % 97)
    rank = np.sort(rng.integers(0, 300, 5000))
    key = rng.integers(-40, 40, 5000) * spread
    small = rng.integers(0, 3, 5000).astype(np.int8)
    for columns in ([rank, key], [rank, key, small], [small, rank]):
        expected = pd.factorize(pd.Series(list(zip(*(c.tolist() for c in columns)))))[0]
        assert len(np.unique(expected)) < 5000  # repeats to number
        np.testing.assert_array_equal(combined_codes(columns), expected)


def test_same_objects_compares_identity_not_equality():
    from recist.arrays import same_objects

    nan, text = float("nan"), "T1"
    left = np.array([text, "".join(["T", "1"]), nan, None, 1], dtype=object)
    right = np.array([text, "T1", nan, None, 2], dtype=object)
    assert left[1] == right[1] and left[1] is not right[1]
    assert same_objects(left, right).tolist() == [True, False, True, True, False]
    with pytest.raises(TypeError):
        same_objects(left, right[:2])
