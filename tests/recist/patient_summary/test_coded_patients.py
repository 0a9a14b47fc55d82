"""``recist.patient_summary._coded_patients`` reads the patients from the time point codes
only when their ids are clean and in order (text, stripped, not empty, distinct,
ascending), so that cleaning and sorting them would change nothing; any other ids give
None (they are cleaned and sorted from the table instead)."""

from __future__ import annotations

import numpy as np
import pytest

from recist.patient_summary import _coded_patients
from recist.timepoints import TimepointCodes


def _codes(ids: list[object]) -> TimepointCodes:
    n = len(ids)
    return TimepointCodes(np.arange(n, dtype=np.intp), np.array(ids, dtype=object),
                          np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64))


def test_clean_ascending_ids_are_read_as_they_are():
    coded = _coded_patients(_codes(["P01", "P02", "P10"]))
    assert coded is not None
    assert coded[0].tolist() == [0, 1, 2]
    assert coded[1].tolist() == ["P01", "P02", "P10", None]
    assert _coded_patients(_codes([])) is not None


@pytest.mark.parametrize("ids", [
    ["P02", "P01"],  # not ascending
    ["P01", "P01"],  # twice (ascending, not strictly)
    ["", "P01"],  # empty (the smallest text: first)
    ["P01", " P02"],  # not stripped (and not ascending)
    ["P01", "P02 "],  # not stripped, ascending
    ["P01", 2],  # not text
    ["P01", None],
])
def test_other_ids_are_not_read_from_the_codes(ids):
    assert _coded_patients(_codes(ids)) is None
