"""``dicom_io.stack._cross`` is ``np.cross`` bit for bit (the slice normal it gives ends
up in every geometry and output)."""

from __future__ import annotations

import numpy as np
import pytest

from dicom_io.stack import _cross


@pytest.mark.parametrize("shape", [(3,), (1, 3), (100, 3)])
def test_cross_is_numpys_bit_for_bit(shape):
    rng = np.random.default_rng(15)
    for k in range(300):
        a = rng.normal(size=shape) * 10.0 ** rng.integers(-8, 8)
        b = rng.normal(size=shape) * 10.0 ** rng.integers(-8, 8)
        if k % 5 == 0:  # signed zeros and exact axes, as in a plain orientation
            a[..., 0], b[..., 1] = 0.0, -0.0
        ours, numpys = _cross(a, b), np.cross(a, b)
        assert ours.dtype == numpys.dtype and ours.shape == numpys.shape
        assert ours.tobytes() == numpys.tobytes()


def test_cross_of_the_axes():
    x, y = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    assert _cross(x, y).tolist() == [0.0, 0.0, 1.0]
    assert _cross(np.array([x, y]), np.array([y, x])).tolist() == [[0, 0, 1], [0, 0, -1]]
