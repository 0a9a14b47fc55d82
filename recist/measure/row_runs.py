"""Each row's first and last lesion column and voxel count, from the row's runs.

A run is a maximal stretch of lesion voxels along a row (a line along the last axis).
Laid end to end with a background voxel before every row and one after the last, the
mask's rows change value only where a run starts or ends; the positions of those changes
(one comparison of neighbouring bytes and one ``flatnonzero`` over the mask) give every
run's row, first and last column, and so each row's first column (its first run's), last
column (its last run's) and count (the sum of its runs' lengths). Same figures as
``diameter_3d.line_ends(mask, 2)`` and a sum along rows (tested), in about half their
time on a large lesion: three reductions of the whole mask along its shortest axis
(numpy pays per row) become whole-array steps over the mask and over its runs.
"""

from __future__ import annotations

import numpy as np

__all__ = ["row_runs"]


def row_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First and last lesion column and lesion voxel count of each row of a 3-D mask.

    Returns three ``(slices, rows)`` int64 arrays: ``first`` and ``last`` are -1 where a
    row holds no lesion, ``count`` is 0 there.

    >>> mask = np.array([[[0, 1, 1, 0, 1], [0, 0, 0, 0, 0]]], dtype=bool)
    >>> [a.tolist() for a in row_runs(mask)]
    [[[1, -1]], [[4, -1]], [[3, 0]]]
    """
    mask = np.asarray(mask, dtype=bool)
    n, rows, columns = mask.shape
    lines, width = n * rows, columns + 1
    flat = np.zeros(lines * width + 1, dtype=np.uint8)  # a 0 before each row, one at the end
    flat[:-1].reshape(lines, width)[:, 1:] = mask.reshape(lines, columns)
    # Changes alternate start, end (the bytes begin and end with a 0): a run's first voxel
    # is at ``start`` and its last at ``end - 1``, both in line ``start // width``.
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    start, end = change[0::2], change[1::2]
    line = start // width
    row_base = line * width + 1  # position of the line's column 0
    first = np.full(lines, -1, dtype=np.int64)
    last = np.full(lines, -1, dtype=np.int64)
    count = np.zeros(lines, dtype=np.int64)
    if len(line):
        new = np.empty(len(line), dtype=bool)
        new[0] = True
        np.not_equal(line[1:], line[:-1], out=new[1:])
        opens = np.flatnonzero(new)  # each line's first run
        closes = np.append(opens[1:], len(line)) - 1  # and its last
        held = line[opens]
        first[held] = start[opens] - row_base[opens]
        last[held] = end[closes] - 1 - row_base[closes]
        count[held] = np.add.reduceat(end - start, opens)
    return first.reshape(n, rows), last.reshape(n, rows), count.reshape(n, rows)

