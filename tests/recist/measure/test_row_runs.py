"""Row runs: each row's first and last lesion column and count, against a direct reading."""

from __future__ import annotations

import numpy as np
import pytest

from recist.measure.row_runs import row_runs


def _direct(mask):
    """The reference: every row read voxel by voxel."""
    n, rows, _ = mask.shape
    first = np.full((n, rows), -1)
    last = np.full((n, rows), -1)
    count = np.zeros((n, rows), dtype=int)
    for k in range(n):
        for r in range(rows):
            where = np.flatnonzero(mask[k, r])
            if len(where):
                first[k, r], last[k, r], count[k, r] = where[0], where[-1], len(where)
    return first, last, count


@pytest.mark.parametrize("fill", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_same_as_reading_each_row(fill):
    rng = np.random.default_rng(int(fill * 10))
    for _ in range(60):
        shape = tuple(int(v) for v in rng.integers(1, 12, 3))
        mask = rng.uniform(size=shape) < fill
        got = row_runs(mask)
        for value, expected in zip(got, _direct(mask), strict=True):
            assert value.dtype == np.int64
            assert value.tolist() == expected.tolist()


def test_runs_touching_the_row_ends_and_a_strided_mask():
    mask = np.zeros((2, 3, 10), dtype=bool)
    mask[0, 0, :] = True            # the whole row: ends at the last column
    mask[0, 1, [0, 9]] = True       # one voxel at each end
    mask[1, 2, 3:6] = True
    mask[1, 2, 8] = True
    first, last, count = row_runs(mask[:, :, ::-1][:, :, ::-1])  # not contiguous
    assert first.tolist() == [[0, 0, -1], [-1, -1, 3]]
    assert last.tolist() == [[9, 9, -1], [-1, -1, 8]]
    assert count.tolist() == [[10, 2, 0], [0, 0, 4]]


def test_empty_mask():
    first, last, count = row_runs(np.zeros((3, 4, 5), dtype=bool))
    assert (first == -1).all() and (last == -1).all() and (count == 0).all()
