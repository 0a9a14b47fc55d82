"""Small vectorised helpers every rule module uses: DEC-22 rounding and group lookups.

One implementation each, so that the measurability check, the sums and the response
tables round the same way and pick "the first row of each group" the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "NAT_NS",
    "NO_DATE_NS",
    "combined_codes",
    "compare_rounded",
    "copy_bytes_where",
    "elements_are",
    "equal_to_taken",
    "filled_objects",
    "first_row_of_each",
    "first_seen_codes",
    "numbered_by_first_sight",
    "order_codes",
    "round_half_away",
    "run_starts",
    "same_objects",
    "sorted_codes",
    "take_by_codes",
    "take_bytes",
    "take_numbers",
]

NO_DATE_NS = np.iinfo(np.int64).max
""""No date" sentinel of int64 nanosecond columns (a time point without such a date)."""

NAT_NS = np.iinfo(np.int64).min
"""``NaT`` (a missing date) as numpy and pandas store it in int64, whatever the unit:
nanoseconds in the date columns, days in ``recist.patient_summary``'s day numbers."""

_INT64_MAX = int(np.iinfo(np.int64).max)


@overload
def round_half_away(values: float, decimals: int = 2) -> float: ...
@overload
def round_half_away(values: npt.ArrayLike, decimals: int = 2) -> npt.NDArray[np.float64]: ...


def round_half_away(values: npt.ArrayLike, decimals: int = 2) -> float | npt.NDArray[np.float64]:
    """Round half away from zero to ``decimals`` decimals (DEC-22).

    DEC-22 (``docs/rules.md``): diameters, sums and percentages are rounded half away from
    zero to ``criteria.rounding_decimals`` (0.01) before any inclusive comparison.

    1. Scale by 10**decimals and round the scaled number to 6 decimals, removing binary
       floating-point noise, so that 2.675 (stored as 2.67499…) is seen as halfway.
    2. Take the floor of the magnitude plus 0.5, restore the sign, unscale.
    3. NaN stays NaN; a negative zero becomes 0.0. A scalar gives a float.

    >>> round_half_away(1.005), round_half_away(-2.675), round_half_away(30 / 25 * 100 - 100)
    (1.01, -2.68, 20.0)
    >>> round_half_away(np.array([0.125, np.nan, -0.001]))
    array([0.13,  nan, 0.  ])
    """
    scale = 10.0 ** decimals
    array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        return float(_round_half_away(array.reshape(1), scale)[0])
    return _round_half_away(array, scale)


def _round_half_away(array: npt.NDArray[np.float64], scale: float) -> npt.NDArray[np.float64]:
    """``round_half_away`` of a float array: the steps on one new array, in place."""
    result = np.abs(array)
    result *= scale
    np.round(result, 6, out=result)
    result += 0.5
    np.floor(result, out=result)
    np.multiply(np.sign(array), result, out=result)  # in this order: the same NaN
    result /= scale
    result += 0.0  # no negative zero
    return result


_ROUNDING_WINDOW_LIMIT = 1e8
"""``compare_rounded`` rounds only near the threshold while the threshold, in units of the
last decimal, is below this: there the rounding moves a value by less than one unit."""


def compare_rounded(values: npt.NDArray[np.float64], threshold: float, decimals: int,
                    *, inclusive: bool) -> npt.NDArray[np.bool_]:
    """``round_half_away(values, decimals) >= threshold`` (``inclusive``) or ``>``, with
    only the values within one unit of the last decimal (10**-decimals) of the threshold
    rounded (DEC-22 comparisons without rounding every value).

    Exact: while the threshold is below ``_ROUNDING_WINDOW_LIMIT`` units, rounding moves
    a value by half a unit plus far less than another half (step 1's noise removal and
    float error), so a value more than a unit from the threshold lies on the side of it
    its rounding does (farther values move less than their distance); NaN compares
    False either way; infinities round to themselves. Other decimals or thresholds (far
    larger: there float spacing exceeds a unit): every value rounded.

    >>> values = np.array([9.994, 9.995, 10.2, np.nan, -0.001])
    >>> compare_rounded(values, 10.0, 2, inclusive=True).tolist()
    [False, True, True, False, False]
    >>> compare_rounded(np.array([0.004, 0.005, -0.0]), 0.0, 2, inclusive=False).tolist()
    [False, True, False]
    """
    compare = np.greater_equal if inclusive else np.greater
    scale = 10.0 ** decimals
    if not (decimals >= 0 and math.isfinite(threshold)
            and abs(threshold) * scale < _ROUNDING_WINDOW_LIMIT):
        exact: npt.NDArray[np.bool_] = compare(round_half_away(values, decimals), threshold)
        return exact
    out: npt.NDArray[np.bool_] = compare(values, threshold)
    unit = 1.0 / scale
    near = values >= threshold - unit
    near &= values <= threshold + unit
    rows = np.flatnonzero(near)
    if len(rows):
        out[rows] = compare(_round_half_away(values[rows], scale), threshold)
    return out


def first_row_of_each(codes: npt.ArrayLike, n_groups: int | None = None,
                      rows: npt.ArrayLike | None = None) -> npt.NDArray[np.int64]:
    """The first row of each group: ``out[g]`` is the smallest row whose code is ``g``.

    ``codes`` are integer group codes 0..n-1 (negative codes, e.g. pandas' -1 for a missing
    value, belong to no group). ``n_groups`` defaults to the largest code + 1. A group
    without rows gets -1. With ``rows``, ``codes[i]`` belongs to row ``rows[i]`` and the
    smallest such row is returned (for a subset of a table).

    >>> first_row_of_each([2, 0, 2, 1, 0])
    array([1, 3, 0])
    >>> first_row_of_each([1, -1, 1], n_groups=3)
    array([-1,  0, -1])
    >>> first_row_of_each([0, 0], rows=[7, 4])
    array([4])
    >>> first_row_of_each([0, 2], n_groups=4, rows=[9, 3])  # one row per group
    array([ 9, -1,  3, -1])
    """
    if rows is None:  # codes numbered by their first row (pandas.factorize's): one pass
        numbered = _first_rows_if_numbered_by_first_row(np.asarray(codes), n_groups)
        if numbered is not None:
            return numbered
    codes = np.asarray(codes, dtype=np.int64)
    n = int(codes.max(initial=-1)) + 1 if n_groups is None else int(n_groups)
    index = (np.arange(len(codes), dtype=np.int64) if rows is None
             else np.asarray(rows, dtype=np.int64))
    if len(codes) and codes[0] >= 0 and (codes[1:] > codes[:-1]).all():
        # codes rising item by item: each group has one item, its row is the first
        only = np.full(n, -1, dtype=np.int64)
        only[codes] = index
        return only
    none = np.iinfo(np.int64).max
    first = np.full(n, none, dtype=np.int64)
    member = codes >= 0
    np.minimum.at(first, codes[member], index[member])
    first[first == none] = -1
    return first


def numbered_by_first_sight(codes: npt.NDArray[Any]) -> bool:
    """Whether integer codes are numbered by first sight: the first is 0, none is negative
    and each first appears after every smaller one (their running maximum rises by one at
    a time), so that ``pandas.factorize(codes)`` would give the codes themselves and the
    distinct codes ``0 .. codes.max()``.

    >>> numbered_by_first_sight(np.array([0, 0, 1, 0, 2])), numbered_by_first_sight(
    ...     np.array([0, 2, 1])), numbered_by_first_sight(np.array([0, -1, 1]))
    (True, False, False)
    """
    if not len(codes) or codes.dtype.kind not in "iu" or codes[0] != 0 or codes.min() < 0:
        return False
    running = np.maximum.accumulate(codes)
    return bool((running[1:] - running[:-1] <= 1).all())


def _first_rows_if_numbered_by_first_row(codes: npt.NDArray[Any], n_groups: int | None
                                         ) -> npt.NDArray[np.int64] | None:
    """``first_row_of_each(codes, n_groups)`` when the codes 0 .. n - 1 are numbered by
    their first row (each code first appears where the running maximum of the codes rises,
    by one, to it), else None.

    >>> _first_rows_if_numbered_by_first_row(np.array([0, 1, 0, 2, 1]), None).tolist()
    [0, 1, 3]
    >>> _first_rows_if_numbered_by_first_row(np.array([1, 0, 1]), None) is None
    True
    """
    if not len(codes) or codes.dtype.kind not in "iu" or codes[0] != 0:
        return None
    running = np.maximum.accumulate(codes)
    n = int(running[-1]) + 1 if n_groups is None else int(n_groups)
    rises = np.flatnonzero(running[1:] > running[:-1])
    rises += 1
    first: npt.NDArray[np.int64] = np.r_[0, rises].astype(np.int64, copy=False)  # code 0
    if len(first) == n and np.array_equal(codes[first], np.arange(n)):
        return first
    return None


def combined_codes(columns: Sequence[npt.ArrayLike]) -> npt.NDArray[np.int64]:
    """One integer code per distinct combination of ``columns``, numbered by first sight
    (as ``pandas.factorize`` numbers them).

    Missing values (None, NaN, ``pd.NA``) are a value of their own. Integer and boolean
    columns of a small value range are used as they are (no hashing); the combination of
    columns is kept below a few codes per row (``first_seen_codes``), so only columns of
    text, floats or widely spread integers are hashed.

    >>> combined_codes([np.array([1, 2, 1, 1]), np.array(["a", "b", "a", None], dtype=object)])
    array([0, 1, 0, 2])
    """
    arrays = [np.asarray(column) for column in columns]
    n = len(arrays[0]) if arrays else 0
    packed = _packed_integers(arrays, n)
    if packed is not None:
        return first_seen_codes(packed)[0]
    key, n_keys = np.zeros(n, dtype=np.int64), 1
    for array in arrays:
        codes, n_codes = _value_codes(array)  # may be ``array`` itself: read only
        if n_codes <= 1:
            continue  # one value: splits nothing
        if n_keys == 1:
            key, n_keys = codes.copy(), n_codes
            continue
        if n_keys * n_codes > dense_limit(n):
            key, n_keys = sorted_codes(key, n_keys)
        key *= n_codes
        key += codes
        n_keys *= n_codes
    codes, _ = first_seen_codes(key)
    return codes


def _packed_integers(arrays: Sequence[npt.NDArray[Any]], n: int
                     ) -> npt.NDArray[np.int64] | None:
    """Integer columns whose value ranges multiply below 2**62 as one integer per row
    (each value minus its column's lowest, column by column): one integer per
    combination, so that the combinations are numbered in one pass, wide ranges
    included, without coding each column first; None for any other columns.

    >>> _packed_integers([np.array([0, 1, 1]), np.array([-5, 3, -5])], 3).tolist()
    [0, 17, 9]
    """
    if not n or len(arrays) < 2 or any(a.dtype.kind not in "iu" or a.dtype == np.uint64
                                       for a in arrays):
        return None
    bounds = [(int(a.min()), int(a.max())) for a in arrays]
    combinations = 1
    for low, high in bounds:
        combinations *= high - low + 1
    if combinations >= 2 ** 62:
        return None
    key = np.zeros(n, dtype=np.int64)
    for array, (low, high) in zip(arrays, bounds):
        key *= high - low + 1
        key += array.astype(np.int64, copy=False) - low
    return key


def run_starts(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Whether each element starts a run of equal neighbours: the first always does, then
    each one that differs from the one before. Empty for an empty array, where
    ``np.r_[True, a[1:] != a[:-1]]`` would give one flag.

    >>> run_starts(np.array([4, 4, 2, 4]))
    array([ True, False,  True,  True])
    >>> run_starts(np.array([], dtype=np.int64))
    array([], dtype=bool)
    """
    starts = np.empty(len(values), dtype=bool)
    if len(values):
        starts[0] = True
        np.not_equal(values[1:], values[:-1], out=starts[1:])
    return starts


def first_seen_codes(key: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    """``pandas.factorize(key)`` of integer keys: codes numbered by first sight, and the
    distinct keys in that order.

    Keys in ascending order are numbered by their runs; otherwise, when the key range is
    at most a few times the number of rows, the distinct keys are flagged in a table of
    one flag per possible key instead of hashed, then renumbered by their first row.

    >>> first_seen_codes(np.array([7, 3, 7, -2]))
    (array([0, 1, 0, 2]), array([ 7,  3, -2]))
    """
    key = np.asarray(key)
    if not len(key) or key.dtype.kind not in "iu":
        codes, uniques = pd.factorize(key)
        return np.asarray(codes, dtype=np.int64), np.asarray(uniques)
    if (key[1:] >= key[:-1]).all():  # in ascending order (a sorted table): runs of keys
        head = run_starts(key)
        return np.cumsum(head, dtype=np.int64) - 1, key[head]
    low, high = int(key.min()), int(key.max())
    if high - low >= dense_limit(len(key)) or high > _INT64_MAX:
        codes, uniques = pd.factorize(key)
        return np.asarray(codes, dtype=np.int64), np.asarray(uniques)
    offset = key.astype(np.int64, copy=False)
    group, n_groups = sorted_codes(offset - low if low else offset, high - low + 1)
    first = np.full(n_groups, len(key), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(key), dtype=np.int64))
    if not (first[1:] > first[:-1]).all():  # sorted order is not the order of first sight
        by_first = np.argsort(first)
        renumber = np.empty(n_groups, dtype=np.int64)
        renumber[by_first] = np.arange(n_groups, dtype=np.int64)
        group, first = renumber[group], first[by_first]
    return group, key[first]


def dense_limit(n_rows: int) -> int:
    """The largest key range indexed directly for ``n_rows`` rows (flags, counts or a
    lookup table of that size instead of hashing or sorting): a few bytes a row. Every
    dense-range shortcut reads it, so they all trade memory for speed alike."""
    return 4 * n_rows + 4096


def sorted_codes(key: npt.NDArray[np.integer[Any]],
                 n_values: int) -> tuple[npt.NDArray[np.int64], int]:
    """Integer keys 0 .. n_values - 1 renumbered 0 .. k - 1 in sorted order of the key
    (flags when the range is small, else ``pandas.factorize(sort=True)``), and k.

    >>> sorted_codes(np.array([7, 3, 7, 0]), 8)
    (array([2, 1, 2, 0]), 3)
    """
    if n_values > dense_limit(len(key)):
        codes, uniques = pd.factorize(key, sort=True)
        return np.asarray(codes, dtype=np.int64), len(uniques)
    present = np.zeros(n_values, dtype=bool)
    present[key] = True
    values = np.flatnonzero(present)
    rank = np.empty(n_values, dtype=np.int64)  # read at the values present only
    rank[values] = np.arange(len(values))
    return rank[key], len(values)


def _value_codes(array: npt.NDArray[Any]) -> tuple[npt.NDArray[np.int64], int]:
    """Codes 0 .. m - 1 of the distinct values of one column (missing values: one code of
    their own), and m: an integer or boolean column of small range minus its minimum,
    anything else by ``pandas.factorize``."""
    if array.dtype.kind in "iub" and len(array):
        low, high = int(array.min()), int(array.max())
        if high - low < dense_limit(len(array)) and high <= _INT64_MAX:
            codes = array.astype(np.int64, copy=False)
            return (codes - low if low else codes), high - low + 1
    codes, uniques = pd.factorize(array)  # missing -> -1
    return np.asarray(codes, dtype=np.int64) + 1, len(uniques) + 1


def order_codes(values: pd.Series, order: Sequence[str]) -> npt.NDArray[np.int64]:
    """The position of each value in ``order`` (a response category's rank), each
    distinct value compared with ``order`` once: a value takes the last position in
    ``order`` it equals (``==``); missing or not in ``order`` (the baseline's empty
    response) → -1.

    The cells that are the very objects of ``order`` (or None) are found by comparing
    their pointers (labels written from the same constants are); the others are numbered
    by ``pandas.factorize`` (missing ones -1) and each distinct value compared once.

    >>> order_codes(pd.Series(["PR", None, "CR", "XX"], dtype=object), ("CR", "PR"))
    array([ 1, -1,  0, -1])
    """
    array = np.ascontiguousarray(values.to_numpy(dtype=object))

    def position(item: Any) -> int:  # the last position in order equal to the item
        return max((code for code, value in enumerate(order) if item == value), default=-1)

    out = np.full(len(array), -1, dtype=np.int64)
    pointers = np.frombuffer(array, dtype=np.intp) if len(array) else np.zeros(0, np.intp)
    known = np.zeros(len(array), dtype=bool)
    for item in (*order, None):
        if item is not None and not item == item:  # (never equal to itself: compared below)
            continue
        same = pointers == id(item)
        out[same] = position(item)
        known |= same
    rest = np.flatnonzero(~known)
    if len(rest):
        codes, uniques = pd.factorize(array[rest])
        lookup = np.array([position(unique) for unique in uniques.tolist()] + [-1],
                          dtype=np.int64)  # the last: code -1 (missing)
        out[rest] = lookup[np.asarray(codes, dtype=np.intp)]
    return out


def filled_objects(n: int, value: Any) -> npt.NDArray[np.object_]:
    """``np.full(n, value, dtype=object)`` by ``ndarray.fill``: the same array, about 4
    times faster (``np.full`` copies the value in by a casting loop).

    >>> filled_objects(3, "").tolist()
    ['', '', '']
    """
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def copy_bytes_where(out: npt.NDArray[Any], value: Any, where: npt.NDArray[np.bool_],
                     scratch: npt.NDArray[np.int8] | None = None) -> None:
    """``np.copyto(out, value, where=where)`` for arrays of 1-byte integers (codes), by
    arithmetic: ``out ^= where × (out ^ value)``, the mask's bytes (0 or 1) as the
    factor. The same bytes, without the masked copy's branch per element: 3 to 6 ns an
    element where the mask has no long runs, against about 0.1 ns for these three
    passes. ``value`` (a scalar or array) broadcasts to ``out``; ``where`` has ``out``'s
    shape; ``scratch``: an int8 array of that shape to work in.

    >>> codes = np.array([[0, 1, 2], [3, 4, 5]], dtype=np.int8)
    >>> copy_bytes_where(codes, np.array([[7], [-1]], dtype=np.int8),
    ...                  np.array([[True, False, True], [False, False, True]]))
    >>> codes.tolist()
    [[7, 1, 7], [3, 4, -1]]
    """
    if out.dtype.itemsize != 1 or out.dtype.kind not in "iu" or where.dtype != np.bool_:
        raise TypeError("copy_bytes_where: 1-byte integer codes and a boolean mask only")
    change = np.empty(out.shape, dtype=np.int8) if scratch is None else scratch
    np.bitwise_xor(out, value, out=change, casting="unsafe")
    np.multiply(change, where.view(np.int8), out=change)
    np.bitwise_xor(out, change, out=out, casting="unsafe")


def elements_are(array: npt.NDArray[np.object_], item: Any) -> npt.NDArray[np.bool_]:
    """Whether each element of an object array is ``item`` itself (``a is item``),
    compared as the array's pointers, not by calling ``==`` on each element (``item`` is
    then equal to each unless its ``==`` says otherwise; compare the others by ``==``).

    >>> elements_are(np.array(["", "a", ""], dtype=object), "").tolist()
    [True, False, True]
    """
    if array.dtype != object:
        raise TypeError("elements_are: an object array")
    found: npt.NDArray[np.bool_] = _pointers(array) == id(item)
    return found


def _pointers(array: npt.NDArray[np.object_]) -> npt.NDArray[np.intp]:
    """The addresses of the objects an object array holds (its elements as stored: a
    pointer each), as integers of the array's shape; ``id`` of an object is its address."""
    return np.frombuffer(np.ascontiguousarray(array), dtype=np.intp).reshape(array.shape)


def same_objects(left: npt.NDArray[np.object_], right: npt.NDArray[np.object_]
                 ) -> npt.NDArray[np.bool_]:
    """Whether each element of two object arrays of one length is the same object
    (``a is b``), compared as the arrays' pointers, not by calling ``==`` on each pair.
    The same object is equal to itself unless its ``==`` says otherwise (a float NaN):
    compare the other elements (``~same_objects``) by ``==``.

    >>> text = "C2"
    >>> same_objects(np.array([text, None, "x"], dtype=object),
    ...              np.array([text, None, "y"], dtype=object)).tolist()
    [True, True, False]
    """
    if left.dtype != object or right.dtype != object or left.shape != right.shape:
        raise TypeError("same_objects: two object arrays of one shape")
    same: npt.NDArray[np.bool_] = _pointers(left) == _pointers(right)
    return same


_TAKE_BLOCK = 1 << 16
"""Codes read per block by :func:`take_by_codes`."""


def take_by_codes(table: npt.NDArray[Any], codes: npt.NDArray[np.integer[Any]]
                  ) -> npt.NDArray[Any]:
    """``table[codes]`` for a 1-d ``table`` and 1-d integer ``codes`` that all index it
    (``-len(table) <= code < len(table)``: code ``-1`` is its last entry), looked up block
    by block.

    numpy indexes by small integers (``int8``, ``int16``: the codes of a categorical) through
    its general indexing machinery, about twice the time of ``np.take``; ``np.take`` first
    copies all the codes into pointer-sized integers (a temporary eight times the size of
    ``int8`` codes). Taken a block of codes at a time into the result, the copy is one
    block's. ``mode="wrap"`` reads a code as Python indexing does within those bounds (and
    lets ``np.take`` write into the result without a buffer); a code outside them would
    wrap instead of raising: callers pass codes made for ``table``.

    >>> take_by_codes(np.array([10.0, 20.0, np.nan]), np.array([1, -1, 0, 1], dtype=np.int8))
    array([20., nan, 10., 20.])
    """
    out = np.empty(len(codes), dtype=table.dtype)
    for start in range(0, len(codes), _TAKE_BLOCK):
        stop = start + _TAKE_BLOCK
        np.take(table, codes[start:stop], out=out[start:stop], mode="wrap")
    return out


_ARROW_TAKE_MIN = 1 << 15
"""Codes from which :func:`take_bytes` and :func:`take_numbers` gather by pyarrow
(below, its call costs more)."""


def take_bytes(table: npt.NDArray[Any], codes: npt.NDArray[np.signedinteger[Any]]
               ) -> npt.NDArray[Any]:
    """``table[codes]`` for a 1-d ``table`` of one-byte values (bool, int8, uint8) and 1-d
    signed integer ``codes`` that all index it from the start (``0 <= code <
    len(table)``; any other raises ``IndexError``), as a read-only array: the codes'
    bounds checked here (two passes), then many gathered by pyarrow (``_arrow_take``).

    >>> take_bytes(np.array([True, False, True]), np.array([2, 1, 1, 0], dtype=np.int32))
    array([ True, False, False,  True])
    """
    if (table.ndim != 1 or table.dtype.itemsize != 1 or codes.ndim != 1
            or codes.dtype.kind != "i"):
        raise TypeError("take_bytes: a 1-d table of one-byte values and signed integer codes")
    if len(codes) and (int(codes.min()) < 0 or int(codes.max()) >= len(table)):
        raise IndexError("take_bytes: a code outside the table")
    if len(codes) >= _ARROW_TAKE_MIN:
        return _arrow_take(table, codes)
    out = take_by_codes(table, codes)
    out.flags.writeable = False
    return out


def equal_to_taken(values: npt.NDArray[Any], table: npt.NDArray[Any],
                   codes: npt.NDArray[np.integer[Any]]) -> bool:
    """Whether ``values == table[codes]`` everywhere (1-d ``values`` and ``codes`` of one
    length, every code indexing ``table`` as in :func:`take_by_codes`), compared block by
    block: no temporary the size of ``values`` (nor a pointer-sized copy of the codes),
    and no block read after the first that differs.

    >>> table = np.array([5, 6])
    >>> [equal_to_taken(np.array(v), table, np.array([0, 1, 0], dtype=np.int32))
    ...  for v in ([5, 6, 5], [5, 6, 6])]
    [True, False]
    """
    if len(values) != len(codes):
        raise ValueError("equal_to_taken: values and codes of one length")
    block = np.empty(min(len(codes), _TAKE_BLOCK), dtype=table.dtype)
    for start in range(0, len(codes), _TAKE_BLOCK):
        stop = start + _TAKE_BLOCK
        taken = np.take(table, codes[start:stop], out=block[:len(codes[start:stop])],
                        mode="wrap")
        if not np.array_equal(values[start:stop], taken):
            return False
    return True


def take_numbers(table: npt.NDArray[Any], codes: npt.NDArray[np.signedinteger[Any]]
                 ) -> npt.NDArray[Any]:
    """``take_by_codes(table, codes)`` (``table[codes]``, code ``-1`` its last entry) for a
    1-d ``table`` of fixed-width numbers (bool, integers, floats, datetimes) and 1-d signed
    integer ``codes``, as a read-only array: many codes all within ``0 .. len(table) - 1``
    (two passes to know it) gathered by pyarrow (``_arrow_take``), others by
    ``take_by_codes``.

    >>> take_numbers(np.array([10, 20, 30], dtype=np.int32), np.array([2, -1, 0]))
    array([30, 30, 10], dtype=int32)
    """
    if (table.ndim != 1 or table.dtype.kind not in "biufmM"
            or table.dtype.itemsize not in (1, 2, 4, 8) or codes.ndim != 1
            or codes.dtype.kind != "i"):
        raise TypeError("take_numbers: a 1-d table of fixed-width numbers and signed "
                        "integer codes")
    if (len(codes) >= _ARROW_TAKE_MIN and int(codes.min()) >= 0
            and int(codes.max()) < len(table)):
        return _arrow_take(table, codes)
    out = take_by_codes(table, codes)
    out.flags.writeable = False
    return out


def _arrow_take(table: npt.NDArray[Any], codes: npt.NDArray[np.signedinteger[Any]]
                ) -> npt.NDArray[Any]:
    """``table[codes]`` by pyarrow's take, the caller having checked that every code is
    within ``0 .. len(table) - 1`` (pyarrow's own bounds check is slower): about twice as
    fast as numpy's gather on 10⁶ small codes, which first copies them into
    pointer-sized integers. The values are taken as unsigned integers of their width and
    viewed back; the result is read-only (pyarrow's buffer)."""
    values = pa.array(table.view(f"u{table.dtype.itemsize}"))
    taken = pc.take(values, pa.array(codes), boundscheck=False)
    out: npt.NDArray[Any] = np.asarray(taken).view(table.dtype)
    return out
