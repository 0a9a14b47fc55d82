"""``recist.sums.nadir_before`` (SUM-8) against a plain loop: the smallest evaluable sum of
the patient's earlier time points, NaN when there is none, whichever way it is computed
(a grid of the patients' time points, or pandas for unsorted codes and long patients)."""

from __future__ import annotations

import numpy as np
import pytest

from recist.sums import nadir_before


def _by_loop(sums, evaluable, codes) -> list[float]:
    smallest: dict[int, float] = {}  # per patient, over the rows read so far
    out = []
    for total, counts, code in zip(sums.tolist(), evaluable.tolist(), codes.tolist()):
        out.append(smallest.get(code, np.nan))
        if counts and not np.isnan(total):
            smallest[code] = min(smallest.get(code, np.inf), total)
    return out


@pytest.mark.parametrize("layout", ["sorted", "unsorted", "one_long_patient"])
def test_nadir_is_the_smallest_earlier_evaluable_sum(layout):
    rng = np.random.default_rng(len(layout))
    for _ in range(100):
        n = int(rng.integers(0, 30))
        codes = rng.integers(0, 5, n)
        if layout == "sorted":
            codes = np.sort(codes)
        elif layout == "one_long_patient":  # the grid would be too wide: pandas
            n = 3000
            codes = np.r_[np.zeros(n - 10, dtype=np.int64), np.arange(1, 11)]
        sums = rng.choice([0.0, 1.5, 10.0, 12.25, np.nan, 30.0], n)
        evaluable = rng.random(n) < 0.8
        expected = _by_loop(sums, evaluable, codes)
        assert np.array_equal(nadir_before(sums, evaluable, codes), expected, equal_nan=True)


def test_text_patient_ids_with_a_missing_one():
    # object codes holding None do not compare; the grid shortcut (ascending integer codes)
    # is not taken for them (a TypeError before): the patients are grouped as given and a
    # row without a patient has no nadir, as before the shortcut
    codes = np.array(["P1", "P1", None, None, "P2"], dtype=object)
    got = nadir_before([30.0, 20.0, 40.0, 35.0, 10.0], [True] * 5, codes)
    assert np.array_equal(got, [np.nan, 30.0, np.nan, np.nan, np.nan], equal_nan=True)
