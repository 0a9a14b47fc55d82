"""Small vectorised helpers every rule module uses: DEC-22 rounding and group lookups.

One implementation each, so that the measurability check, the sums and the response
tables round the same way and pick "the first row of each group" the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "NO_DATE_NS",
    "combined_codes",
    "first_row_of_each",
    "order_codes",
    "round_half_away",
]

NO_DATE_NS = np.iinfo(np.int64).max
""""No date" sentinel of int64 nanosecond columns (a time point without such a date)."""


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
    scaled = np.round(np.abs(array) * scale, 6)
    result: npt.NDArray[np.float64] = np.sign(array) * np.floor(scaled + 0.5) / scale
    result = result + 0.0  # no negative zero
    if np.ndim(result) == 0:
        return float(result)
    return result


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
    """
    codes = np.asarray(codes, dtype=np.int64)
    n = int(codes.max(initial=-1)) + 1 if n_groups is None else int(n_groups)
    index = (np.arange(len(codes), dtype=np.int64) if rows is None
             else np.asarray(rows, dtype=np.int64))
    none = np.iinfo(np.int64).max
    first = np.full(n, none, dtype=np.int64)
    member = codes >= 0
    np.minimum.at(first, codes[member], index[member])
    first[first == none] = -1
    return first


def combined_codes(columns: Sequence[npt.ArrayLike]) -> npt.NDArray[np.int64]:
    """One integer code per distinct combination of ``columns``, numbered by first sight.

    Missing values (None, NaN, ``pd.NA``) are a value of their own.

    >>> combined_codes([np.array([1, 2, 1, 1]), np.array(["a", "b", "a", None], dtype=object)])
    array([0, 1, 0, 2])
    """
    arrays = [np.asarray(column) for column in columns]
    key = np.zeros(len(arrays[0]) if arrays else 0, dtype=np.int64)
    for array in arrays:
        codes, uniques = pd.factorize(array)  # missing -> -1
        key = pd.factorize(key * (len(uniques) + 1) + codes + 1)[0].astype(np.int64)
    return key


def order_codes(values: pd.Series, order: Sequence[str]) -> npt.NDArray[np.int64]:
    """The position of each value in ``order`` (a response category's rank); missing or
    not in ``order`` (the baseline's empty response) → -1.

    >>> order_codes(pd.Series(["PR", None, "CR"], dtype=object), ("CR", "PR"))
    array([ 1, -1,  0])
    """
    array = values.to_numpy(dtype=object)
    out = np.full(len(array), -1, dtype=np.int64)
    for code, value in enumerate(order):
        out[array == value] = code
    return out
