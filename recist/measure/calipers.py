"""Longest diameter of a 2-D point set: convex hull + rotating calipers.

The longest distance between two points of a set is reached between two vertices of its
convex hull that form an *antipodal pair* (both touch parallel supporting lines). Rotating
calipers visit every antipodal pair in O(h) after an O(n log n) hull, instead of testing
all n² pairs. Everything here is pure numpy/scipy: points in millimetres in, millimetres
out.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from recist.measure.farthest import farthest_candidates

__all__ = ["caliper_width_mm", "convex_hull_2d", "longest_diameter_2d"]


def convex_hull_2d(points_mm: np.ndarray) -> np.ndarray:
    """Vertices of the convex hull of 2-D points, counter-clockwise, no repeat.

    Degenerate sets (fewer than three distinct points, or all on one line) return their
    two extreme points (or the single point).

    >>> convex_hull_2d(np.array([[0, 0], [2, 0], [1.5, 1.5], [1, 0.2], [0, 2.0]])).tolist()
    [[0.0, 0.0], [2.0, 0.0], [1.5, 1.5], [0.0, 2.0]]
    """
    points = np.asarray(points_mm, dtype=float).reshape(-1, 2)
    if len(points) >= 3:
        try:  # qhull copes with repeated points; only degenerate sets need the slow path
            vertices = points[ConvexHull(points).vertices]  # counter-clockwise in 2-D
        except QhullError:
            vertices = None
        if vertices is not None:
            start = int(np.lexsort((vertices[:, 1], vertices[:, 0]))[0])
            return np.roll(vertices, -start, axis=0)
    points = np.unique(points, axis=0)
    if len(points) < 3:
        return points
    direction = points[-1] - points[0]  # all on one line
    t = points @ direction
    return points[[int(np.argmin(t)), int(np.argmax(t))]]


def longest_diameter_2d(points_mm: np.ndarray, *, spans_area: bool = False
                        ) -> tuple[float, np.ndarray, np.ndarray]:
    """Longest distance between two points of a 2-D set, with its endpoints.

    Convex hull, then rotating calipers over the antipodal vertex pairs (Shamos 1978).
    Exact for the given points (no sampling of directions).

    Parameters
    ----------
    points_mm
        ``(n, 2)`` points in millimetres (e.g. a lesion's boundary contour).
    spans_area
        The points are known not to lie on one line (the vertices of an outline that
        encloses at least a pixel): the hull is skipped, and every pair of the points that
        can be the farthest is compared (``_farthest_candidates``). The same pair and the
        same length as through the hull.

    Returns
    -------
    length_mm, start, end
        The diameter and its two endpoints (``(2,)`` arrays).

    Examples
    --------
    >>> length, a, b = longest_diameter_2d(np.array([[0, 0], [3, 0], [3, 4], [1, 1.0]]))
    >>> round(length, 6), sorted([a.tolist(), b.tolist()])
    (5.0, [[0.0, 0.0], [3.0, 4.0]])
    """
    if spans_area:
        candidates = _farthest_candidates(np.asarray(points_mm, dtype=float).reshape(-1, 2))
        if len(candidates) <= _ALL_PAIRS_UP_TO:
            return _longest_pair_of_hull(candidates)
    hull = convex_hull_2d(points_mm)
    if len(hull) == 0:
        raise ValueError("cannot measure a diameter of an empty point set")
    if len(hull) == 1:
        return 0.0, hull[0].copy(), hull[0].copy()
    if len(hull) == 2:
        return float(np.linalg.norm(hull[1] - hull[0])), hull[0].copy(), hull[1].copy()
    if len(hull) <= _ALL_PAIRS_UP_TO:
        return _longest_pair_of_hull(hull)
    return _rotating_calipers(hull)


_ALL_PAIRS_UP_TO = 256
"""Hulls of up to this many vertices compare all their vertex pairs in one vectorised step
(faster than the scalar caliper loop; the same pair, since the longest pairs are among
the antipodal ones the calipers visit, and the same tie rule)."""


def _farthest_candidates(points: np.ndarray) -> np.ndarray:
    """The points that can be in a pair at least ``(1 - 1e-12)`` times as far apart as the
    farthest pair (the tie tolerance of ``_longest_pair_of_hull``;
    ``farthest.farthest_candidates``). Those pairs are pairs of extreme points (a point
    inside the hull is nearer every other point than some vertex, by far more than the
    tolerance on a pixel lattice), so comparing all pairs of the points kept finds the
    pair the hull's vertices give.
    """
    if len(points) <= 16:
        return points
    keep, _ = farthest_candidates(points.T, slack=1e-12)
    kept: np.ndarray = points[keep]
    return kept


def _longest_pair_of_hull(hull: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    dx = hull[:, 0][:, None] - hull[:, 0][None, :]
    dy = hull[:, 1][:, None] - hull[:, 1][None, :]
    squared = dx * dx + dy * dy
    longest = float(squared.max())
    a, b = np.nonzero(squared >= longest * (1.0 - 1e-12))
    tied = {tuple(sorted(((float(hull[i, 0]), float(hull[i, 1])),
                          (float(hull[j, 0]), float(hull[j, 1])))))
            for i, j in zip(a.tolist(), b.tolist())}
    start, end = min(tied)
    return float(np.sqrt(longest)), np.array(start), np.array(end)


def _rotating_calipers(hull: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Shamos' rotating calipers over a counter-clockwise hull of at least 3 vertices."""
    h = len(hull)
    xs: list[float] = hull[:, 0].tolist()  # plain floats: fast scalar loop
    ys: list[float] = hull[:, 1].tolist()

    def area2(i: int, j: int) -> float:
        # twice the area of triangle (edge i, vertex j): distance of j from edge i's line
        i2 = (i + 1) % h
        ex, ey = xs[i2] - xs[i], ys[i2] - ys[i]
        return ex * (ys[j] - ys[i]) - ey * (xs[j] - xs[i])

    pairs: list[tuple[float, int, int]] = []
    j = 1
    for i in range(h):
        # advance j while it moves farther from edge i (rotating the caliper pair)
        while area2(i, (j + 1) % h) > area2(i, j):
            j = (j + 1) % h
        for a in (i, (i + 1) % h):
            pairs.append(((xs[j] - xs[a]) ** 2 + (ys[j] - ys[a]) ** 2, a, j))
    longest = max(d for d, _, _ in pairs)
    # Ties (a lattice outline often has several longest pairs): take the pair whose
    # endpoints sort first, so the answer does not depend on the order of the input.
    tied = {tuple(sorted(((xs[a], ys[a]), (xs[b], ys[b]))))
            for d, a, b in pairs if d >= longest * (1.0 - 1e-12)}
    start, end = min(tied)
    return float(np.sqrt(longest)), np.array(start), np.array(end)


def caliper_width_mm(points_mm: np.ndarray, direction: np.ndarray) -> float:
    """Width of a 2-D point set measured perpendicular to ``direction``.

    The distance between the two supporting lines parallel to ``direction``: what a
    caliper set across the long axis reads. For a non-convex lesion it is larger than the
    longest chord lying inside the lesion (``short_axis.longest_perpendicular_chord``).

    >>> caliper_width_mm(np.array([[0, 0], [4, 0], [2, 3.0]]), np.array([1.0, 0]))
    3.0
    """
    direction = np.asarray(direction, dtype=float)
    normal = np.array([-direction[1], direction[0]]) / np.hypot(*direction)
    t = np.asarray(points_mm, dtype=float).reshape(-1, 2) @ normal
    return float(t.max() - t.min())
