"""Bounding boxes of every label of a label volume, from one pass over the volume.

``scipy.ndimage.find_objects`` visits every voxel with per-voxel bookkeeping (about 30 ms
for a 16 MB CT label volume, the same for one lesion or fifty). Lesions fill a small part
of a scan, so this module narrows down first with fast whole-array maxima: the maximum of
each block of up to 64 rows of each slice (one vectorised pass over the volume, by long
runs); then, on each slice that holds a label, the maximum of each row of its first and
last block that holds one, the column maxima of the band of rows between, and within
that box the smallest nonzero value: when it equals the slice's maximum the slice holds
one label. Only a slice holding several labels is read voxel by voxel. Same boxes as
``find_objects`` (tested).
"""

from __future__ import annotations

import numpy as np

__all__ = ["label_boxes"]

Box = tuple[slice, slice, slice]


def label_boxes(labels: np.ndarray) -> dict[int, Box]:
    """The bounding box of each nonzero value of a 3-D integer label volume.

    Returns ``{label: (slices, rows, columns)}`` as slices (stop exclusive), in label
    order; negative values are labels too (the caller decides whether they are allowed).

    >>> labels = np.zeros((4, 5, 6), dtype=np.uint8)
    >>> labels[1:3, 2, 1:4] = 7
    >>> labels[3, 0, 5] = 2
    >>> boxes = label_boxes(labels)
    >>> {label: [(s.start, s.stop) for s in box] for label, box in boxes.items()}
    {2: [(3, 4), (0, 1), (5, 6)], 7: [(1, 3), (2, 3), (1, 4)]}
    """
    labels = np.asarray(labels)
    if labels.ndim != 3 or labels.dtype.kind not in "iu":
        raise ValueError(f"expected a 3-D integer label volume, got {labels.dtype} "
                         f"{labels.shape}")
    if labels.size == 0:
        return {}
    # Unsigned view of the same bytes: nonzero stays nonzero, and maxima find it.
    unsigned = np.ascontiguousarray(labels).view(f"u{labels.dtype.itemsize}")
    n, rows, columns = labels.shape
    # The maximum of each block of rows of each slice, in one pass (long runs, as fast as
    # a maximum per slice): a slice's first and last rows are then looked for in its
    # first and last block that holds a label only.
    block = next(b for b in (64, 32, 16, 8, 4, 2, 1) if rows % b == 0)
    block_max = unsigned.reshape(n, rows // block, block * columns).max(axis=2)
    slice_max = block_max.max(axis=1)
    boxes: dict[int, list[int]] = {}
    for k in np.flatnonzero(slice_max).tolist():
        image = unsigned[k]
        held = np.flatnonzero(block_max[k])
        b0, b1 = int(held[0]) * block, int(held[-1]) * block
        r0 = b0 + int(np.flatnonzero(image[b0:b0 + block].max(axis=1))[0])
        r1 = b1 + int(np.flatnonzero(image[b1:b1 + block].max(axis=1))[-1])
        band = image[r0:r1 + 1]
        held_columns = np.flatnonzero(band.max(axis=0))
        c0, c1 = int(held_columns[0]), int(held_columns[-1])
        # The smallest nonzero value: zeros wrap round to the largest value after -1.
        if int((band[:, c0:c1 + 1] - 1).min()) + 1 == int(slice_max[k]):  # one label
            _grow(boxes, _signed(slice_max[k], labels.dtype), (k, r0, c0), (k, r1, c1))
            continue
        r, c = np.nonzero(band)
        values = labels[k, r0:r1 + 1][r, c]
        for value in np.unique(values).tolist():
            where = values == value
            rr, cc = r[where], c[where]
            _grow(boxes, int(value), (k, r0 + int(rr.min()), int(cc.min())),
                  (k, r0 + int(rr.max()), int(cc.max())))
    return {number: (slice(b[0], b[3] + 1), slice(b[1], b[4] + 1), slice(b[2], b[5] + 1))
            for number, b in sorted(boxes.items())}


def _signed(value: np.generic, dtype: np.dtype) -> int:
    """A value of the unsigned view, as the label volume's own type reads it."""
    return int(np.array(value).astype(f"u{dtype.itemsize}").view(dtype)[()])


def _grow(boxes: dict[int, list[int]], label: int, low: tuple[int, int, int],
          high: tuple[int, int, int]) -> None:
    box = boxes.get(label)
    if box is None:
        boxes[label] = [*low, *high]
        return
    for axis in range(3):
        box[axis] = min(box[axis], low[axis])
        box[axis + 3] = max(box[axis + 3], high[axis])
