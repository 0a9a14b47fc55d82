"""order_codes (recist.arrays), each distinct value compared once, gives the positions
of the cell-by-cell comparison.

Truth: one ``==`` per cell and category (``_cell_by_cell``), on cells that are the
order's own objects (found by pointer), equal texts that are other objects, missing
values, texts outside the order, and an order that repeats a value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.arrays import order_codes
from recist.response_table import OVERALL_ORDER
from recist.vocabulary import TargetResponse


def _cell_by_cell(values: pd.Series, order) -> np.ndarray:
    """Each cell compared with every category by ``==``; the last equal one wins."""
    array = values.to_numpy(dtype=object)
    out = np.full(len(array), -1, dtype=np.int64)
    for code, value in enumerate(order):
        out[array == value] = code
    return out


def _copy(text: str) -> str:
    """An equal text that is another object (not the interned constant)."""
    copied = "".join(list(text))
    assert copied == text
    return copied


@pytest.mark.parametrize("order", [OVERALL_ORDER, ("CR", "PR", "CR"), ("Y",), ()])
@pytest.mark.parametrize("seed", [0, 1])
def test_codes_by_value_are_order_codes(order, seed):
    rng = np.random.default_rng(seed)
    pool = [*order, *(_copy(value) for value in OVERALL_ORDER), None, np.nan, "XX", "",
            TargetResponse.PD, "cr"]
    cells = np.empty(500, dtype=object)
    cells[:] = [pool[i] for i in rng.integers(0, len(pool), len(cells))]
    values = pd.Series(cells, dtype=object)
    expected = _cell_by_cell(values, order)
    assert (expected >= 0).any() or not order
    np.testing.assert_array_equal(order_codes(values, order), expected)


def test_codes_by_value_of_the_same_objects_and_of_none():
    values = pd.Series([OVERALL_ORDER[2], None, OVERALL_ORDER[0], None], dtype=object)
    assert order_codes(values, OVERALL_ORDER).tolist() == [2, -1, 0, -1]
    assert order_codes(pd.Series([], dtype=object), OVERALL_ORDER).tolist() == []


def test_codes_by_value_of_equal_texts_that_are_other_objects():
    other = _copy("NON-CR/NON-PD")
    assert other is not OVERALL_ORDER[OVERALL_ORDER.index("NON-CR/NON-PD")]
    values = pd.Series([other, "sd", _copy("PD")], dtype=object)
    assert order_codes(values, OVERALL_ORDER).tolist() == [
        OVERALL_ORDER.index("NON-CR/NON-PD"), -1, OVERALL_ORDER.index("PD")]
