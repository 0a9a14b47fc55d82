"""Fast paths of ``check_target_selection``'s helpers give what their general path gives."""

import numpy as np
import pandas as pd

from recist.baseline_rules import _groups_in_order


def _groups_by_pandas(codes: np.ndarray, rows: np.ndarray) -> list[list[int]]:
    """The rows of each group of codes, groups in order of first sight (groupby)."""
    return [rows[list(at)].tolist()
            for at in pd.Series(codes).groupby(codes, sort=False).indices.values()]


def _groups(codes: np.ndarray, rows: np.ndarray) -> list[list[int]]:
    members, starts = _groups_in_order(codes, rows)
    return [members[start:end].tolist() for start, end in zip(starts[:-1], starts[1:])]


def test_ascending_codes_are_grouped_as_any_codes_are():
    generator = np.random.default_rng(7)
    for size in (0, 1, 2, 50):
        codes = np.sort(generator.integers(0, 6, size))
        rows = np.sort(generator.choice(1000, size, replace=False))
        assert _groups(codes, rows) == _groups_by_pandas(codes, rows)
        shuffled = generator.permutation(codes)  # the general path
        assert _groups(shuffled, rows) == _groups_by_pandas(shuffled, rows)


def test_equal_neighbours_apart_are_one_group():
    # ascending but for the last: not runs (a run-based grouping would give 3 groups)
    codes, rows = np.array([1, 1, 2, 1]), np.array([3, 5, 8, 9])
    assert _groups(codes, rows) == [[3, 5, 9], [8]]
