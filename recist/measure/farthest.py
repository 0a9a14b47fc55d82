"""Which points of a set can be in its farthest pair: a cheap filter before pairs are
compared (the 2-D longest diameter, ``calipers``; the 3-D one, ``diameter_3d``).

Let D be the largest distance between two of the points, ``d0 <= D`` a lower bound of it
(two farthest-point steps from the point farthest from the centre of the points'
bounding box) and R the largest distance of a point from that centre. Two points at
least ``(1 - slack) D`` apart have distances from the centre adding to at least that, and
neither exceeds R; so each is at least ``(1 - slack) d0 - R`` from the centre, and the
points nearer the centre are in no such pair. An allowance of ``1e-9 (1 + R)`` keeps the
test on the safe side of rounding.
"""

from __future__ import annotations

import numpy as np

__all__ = ["farthest_candidates", "squared_distances"]


def squared_distances(axes: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Squared distances of the points ``axes`` (``(d, n)``: one row per axis, so that
    each reduction runs along a long contiguous row) from ``origin``, summed axis by axis
    in order."""
    squared: np.ndarray = (axes[0] - origin[0]) ** 2
    for axis in range(1, len(axes)):
        squared = squared + (axes[axis] - origin[axis]) ** 2
    return squared


def farthest_candidates(axes: np.ndarray, slack: float = 0.0) -> tuple[np.ndarray, float]:
    """``(keep, d0)``: which of the points ``axes`` (``(d, n)``, n >= 1) can be in a pair
    at least ``(1 - slack)`` times as far apart as the farthest pair (module docstring),
    and the lower bound ``d0`` of the largest distance (the distance of a pair of them).

    >>> keep, d0 = farthest_candidates(np.array([[0.0, 4.0, 2.0, 2.1], [0.0, 0.0, 0.1, 0.0]]))
    >>> keep.tolist(), d0
    ([True, True, False, False], 4.0)
    """
    centre = (axes.min(axis=1) + axes.max(axis=1)) / 2
    radius = np.sqrt(squared_distances(axes, centre))
    a = axes[:, int(np.argmax(radius))]
    b = axes[:, int(np.argmax(squared_distances(axes, a)))]
    a = axes[:, int(np.argmax(squared_distances(axes, b)))]
    lower = float(np.sqrt(((a - b) ** 2).sum()))
    far = float(radius.max())
    keep: np.ndarray = radius >= lower * (1.0 - slack) - far - 1e-9 * (1.0 + far)
    return keep, lower
