"""Bounding boxes of every label of a label volume, from one pass over the volume.

``scipy.ndimage.find_objects`` visits every voxel with per-voxel bookkeeping (about 30 ms
for a 16 MB CT label volume, the same for one lesion or fifty). Lesions fill a small part
of a scan, so this module narrows down first with fast whole-array maxima: the maximum of
each slice (one vectorised pass over the volume); then, on each slice that holds a label,
the maximum of each row, and on the band of rows that hold one, the smallest nonzero
value: when it equals the slice's maximum the slice holds one label, whose columns come
from the band's column maxima. Only a slice holding several labels is read voxel by
voxel. Same boxes as ``find_objects`` (tested).
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
    n = labels.shape[0]
    slice_max = unsigned.reshape(n, -1).max(axis=1)
    boxes: dict[int, list[int]] = {}
    for k in np.flatnonzero(slice_max).tolist():
        image = unsigned[k]
        rows = np.flatnonzero(image.max(axis=1))
        r0, r1 = int(rows[0]), int(rows[-1])
        band = image[r0:r1 + 1]
        # The smallest nonzero value: zeros wrap round to the largest value after -1.
        if int((band - 1).min()) + 1 == int(slice_max[k]):  # one label on this slice
            columns = np.flatnonzero(band.max(axis=0))
            _grow(boxes, _signed(slice_max[k], labels.dtype),
                  (k, r0, int(columns[0])), (k, r1, int(columns[-1])))
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
