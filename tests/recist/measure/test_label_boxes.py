"""Label boxes from one pass: the same boxes as scipy.ndimage.find_objects."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from recist.measure.label_boxes import label_boxes


def _find_objects_boxes(labels):
    """The reference, label by label (negative labels shifted out of find_objects' way)."""
    out = {}
    for value in np.unique(labels[labels != 0]).tolist():
        out[value] = ndimage.find_objects((labels == value).astype(np.uint8))[0]
    return out


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.int32, np.int64])
def test_same_boxes_as_find_objects(dtype):
    rng = np.random.default_rng(np.dtype(dtype).itemsize)
    for _ in range(40):
        shape = tuple(int(v) for v in rng.integers(1, 30, 3))
        labels = np.zeros(shape, dtype=dtype)
        for _ in range(int(rng.integers(0, 5))):  # boxes that may overlap and share slices
            value = int(rng.integers(1, 120))
            if np.dtype(dtype).kind == "i" and rng.uniform() < 0.2:
                value = -value
            lo = [int(rng.integers(0, s)) for s in shape]
            hi = [int(rng.integers(a, s)) + 1 for a, s in zip(lo, shape)]
            region = tuple(slice(a, b) for a, b in zip(lo, hi))
            labels[region] = np.where(rng.uniform(size=labels[region].shape) < 0.6, value,
                                      labels[region])
        assert label_boxes(labels) == _find_objects_boxes(labels)


def test_large_label_values_and_an_empty_volume():
    labels = np.zeros((3, 4, 5), dtype=np.uint16)
    assert label_boxes(labels) == {}
    labels[2, 3, 4] = 65535
    labels[0, 0, 0] = 1
    assert label_boxes(labels) == {1: (slice(0, 1), slice(0, 1), slice(0, 1)),
                                   65535: (slice(2, 3), slice(3, 4), slice(4, 5))}


def test_not_a_label_volume():
    with pytest.raises(ValueError, match="integer label volume"):
        label_boxes(np.zeros((2, 2, 2), dtype=float))


def test_same_boxes_on_ct_sized_slices_with_gaps_between_lesions():
    """Blocks of 64 rows; lesions on long runs of slices (done in whole-array steps) and
    short ones (slice by slice) with empty slices between them; slices holding two
    labels inside a long run; labels at the volume's edges; signed labels."""
    rng = np.random.default_rng(7)
    labels = np.zeros((30, 128, 96), dtype=np.int16)
    labels[1:11, 60:70, 10:30] = 3
    labels[3:5, 0:2, 90:96] = -9  # shares slices 3-4 with label 3
    labels[8, 127, 0] = 300
    labels[13:15, 100:128, 0:5] = 300
    labels[17:30, 20:40, 40:41] = 4
    labels[29, 127, 95] = 4
    labels[20:27] |= np.where(rng.uniform(size=(7, 128, 96)) < 0.01, 5, 0).astype(np.int16)
    assert label_boxes(labels) == _find_objects_boxes(labels)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16])
def test_slices_whose_largest_value_is_one_beside_slices_holding_other_labels(dtype):
    """A slice whose maximum is 1 holds label 1 alone (read without its smallest value),
    in long runs and short ones, next to slices where 1 shares the slice with 2 or -1."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        labels = (rng.uniform(size=(16, 64, 40)) < 0.02).astype(dtype)  # 0 / 1 only
        labels[:, :, :3] = 0
        k = int(rng.integers(0, 16))
        labels[k, int(rng.integers(0, 64)), int(rng.integers(0, 3))] = 2
        if np.dtype(dtype).kind == "i":
            labels[(k + 5) % 16, 5, 1] = -1
        labels[int(rng.integers(0, 16)):] *= rng.uniform() < 0.5  # a gap to the end, or not
        assert label_boxes(labels) == _find_objects_boxes(labels)
