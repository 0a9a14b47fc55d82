"""Maximum 3-D diameter of a lesion mask: the largest distance between two points of its
0.5 iso-surface, found without building the surface.

The surface is the one marching cubes draws at level 0.5 on the zero-padded mask (as
pyradiomics' ``Maximum3DDiameter``). On a binary mask every grid edge joining a lesion voxel
and a background voxel carries a vertex of that mesh, half-way along it (the interpolation
``(0.5 - 0) / (1 - 0)``); the only other vertices, which Lewiner's variant (scikit-image)
adds at the centre of some ambiguous cubes, lie half-way between two of those. So the
largest distance between two vertices is the largest distance between two midpoints of
6-neighbour voxels of different value (the set ``V``); no mesh is needed to know it
(``tests/recist/measure/test_diameter_3d.py`` checks both facts on random masks).

The largest distance between two points of a set is reached between two of its extreme
points (vertices of its convex hull), so any set ``S`` with ``V``'s extreme points in it
and inside ``V``'s hull gives the same maximum distance. ``S`` is built from each row's
first and last lesion column alone (``line_ends`` along columns, ``f`` and ``g`` on slice
``k`` and row ``r``; ``surface_extreme_points``):

* on each row, ``(k, r, f - 1/2)`` and ``(k, r, g + 1/2)``: every column-edge vertex of
  that row lies between them;
* between rows ``r`` and ``r + 1`` of a slice, ``(k, r + 1/2, min f)`` and
  ``(k, r + 1/2, max g)`` over those of the two rows that hold lesion: every row-edge
  vertex on that line lies between them (a column left of both rows' first voxels is
  background in both). Each is a vertex of ``V`` when the two rows' ends differ or one row
  is empty, and otherwise lies inside the quadrilateral of the two rows' end points;
* likewise between slices ``k`` and ``k + 1`` on row ``r``, ``(k + 1/2, r, min f)`` and
  ``(k + 1/2, r, max g)``.

That is six points per row crossing the lesion instead of two per grid line along every
axis, and no pass over the mask beyond the one that finds ``f`` and ``g``.

The farthest pair among those points (``max_pair_distance``) is exact too: a lower bound
``d0`` (two farthest-point steps) and the largest distance ``R`` from the centre of the
points' bounding box rule out every point nearer the centre than ``d0 - R`` (two points
farther apart than ``d0`` have distances from the centre adding to more than ``d0``, and
neither exceeds ``R``; ``recist.measure.farthest``); the convex hull of what is left keeps
its extreme points, and all pairs of those are compared.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError
from scipy.spatial.distance import cdist, pdist

from recist.measure.farthest import farthest_candidates

__all__ = ["line_ends", "max_3d_diameter_mm", "max_pair_distance", "surface_extreme_points"]

_HULL_FROM = 64  # fewer candidate points: compare all pairs directly
_BLOCK = 512  # rows of the pairwise-distance blocks (memory: _BLOCK x n doubles)


def surface_extreme_points(mask: np.ndarray,
                           spacing_mm: tuple[float, float, float]) -> np.ndarray:
    """A set ``S`` of points with the surface's extreme vertices and inside its hull.

    Returns ``(m, 3)`` points in mm, ``(slice, row, column)`` index times spacing (the
    coordinates marching cubes gives on the mask padded by one voxel, less that voxel):
    six per row crossing the lesion, from its first and last lesion column (module
    docstring).

    A single voxel: the six face centres of its cube (the points between rows and between
    slices twice, their first and last column being the same).

    >>> one = np.ones((1, 1, 1), dtype=bool)
    >>> np.unique(surface_extreme_points(one, (1.0, 1.0, 1.0)), axis=0)
    array([[-0.5,  0. ,  0. ],
           [ 0. , -0.5,  0. ],
           [ 0. ,  0. , -0.5],
           [ 0. ,  0. ,  0.5],
           [ 0. ,  0.5,  0. ],
           [ 0.5,  0. ,  0. ]])
    """
    mask = np.asarray(mask, dtype=bool)
    return _candidate_axes(*line_ends(mask, 2), spacing_mm).T


def _candidate_axes(first: np.ndarray, last: np.ndarray,
                    spacing_mm: tuple[float, float, float]) -> np.ndarray:
    """``surface_extreme_points`` as ``(3, m)`` (one row per axis), from the first and last
    lesion column of each ``(slice, row)`` (``line_ends(mask, 2)``; -1 where none)."""
    n, rows = first.shape
    present = last >= 0
    big = np.iinfo(np.int64).max
    # Pad with an empty slice and an empty row each side: lines at -1/2 and n - 1/2.
    low = np.full((n + 2, rows + 2), big, dtype=np.int64)
    high = np.full((n + 2, rows + 2), -1, dtype=np.int64)
    low[1:-1, 1:-1] = np.where(present, first, big)
    high[1:-1, 1:-1] = last
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    # Flat positions and divmod: faster than 2-D nonzero and 2-D fancy indexing.
    at = np.flatnonzero(present)
    k, r = np.divmod(at, rows)
    parts += [(k, r, first.ravel()[at] - 0.5), (k, r, last.ravel()[at] + 0.5)]
    # Between rows r and r + 1 of slice k (r = -1 .. rows - 1), then between slices.
    for along_rows in (True, False):
        if along_rows:
            lo = np.minimum(low[1:-1, :-1], low[1:-1, 1:])
            hi = np.maximum(high[1:-1, :-1], high[1:-1, 1:])
        else:
            lo = np.minimum(low[:-1, 1:-1], low[1:, 1:-1])
            hi = np.maximum(high[:-1, 1:-1], high[1:, 1:-1])
        at = np.flatnonzero(hi >= 0)
        i, j = np.divmod(at, hi.shape[1])
        if along_rows:
            kk, rr = i.astype(float), j - 0.5
        else:
            kk, rr = i - 0.5, j.astype(float)
        parts += [(kk, rr, lo.ravel()[at]), (kk, rr, hi.ravel()[at])]
    axes = np.empty((3, sum(len(part[0]) for part in parts)))
    start = 0
    for part in parts:
        stop = start + len(part[0])
        axes[0, start:stop], axes[1, start:stop], axes[2, start:stop] = part
        start = stop
    axes *= np.asarray(spacing_mm, dtype=float)[:, None]
    return axes


def line_ends(mask: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Index of the first and the last lesion voxel on each grid line along ``axis``.

    Two 2-D integer arrays over the other two axes; -1 in both where the line misses the
    lesion. The last: one multiply and one maximum, on small integers (faster than argmax,
    which copies the mask for every axis but the last, and reads a reversed view slowly);
    the first: argmax along the last axis (which stops at a line's first lesion voxel),
    else likewise from the other end.

    >>> first, last = line_ends(np.array([[[0, 1, 1, 0], [0, 0, 0, 0]]], dtype=bool), 2)
    >>> first.tolist(), last.tolist()
    ([[1, -1]], [[2, -1]])
    """
    mask = np.asarray(mask, dtype=bool)
    small: np.ndarray = mask.view(np.uint8)  # 0 / 1: small-integer products, no cast
    n = mask.shape[axis]
    dtype = np.uint8 if n < 255 else np.uint16 if n < 65535 else np.int64
    shape = [1, 1, 1]
    shape[axis] = n
    up: np.ndarray = np.arange(1, n + 1, dtype=dtype).reshape(shape)
    last = np.max(small * up, axis=axis).astype(np.int64) - 1
    if axis == mask.ndim - 1:
        first = np.where(last >= 0, np.argmax(mask, axis=axis), -1)
    else:
        down: np.ndarray = np.arange(n, 0, -1, dtype=dtype).reshape(shape)
        from_end = np.max(small * down, axis=axis).astype(np.int64)
        first = np.where(last >= 0, n - from_end, -1)
    return first, last


def _max_squared_distance(points: np.ndarray) -> float:
    """Largest squared distance between two of ``points``, all pairs compared."""
    n = len(points)
    if n < _HULL_FROM:  # numpy without scipy's call overhead, summed in the same order
        d = points[:, None, :] - points[None, :, :]
        return float((d[..., 0] * d[..., 0] + d[..., 1] * d[..., 1]
                      + d[..., 2] * d[..., 2]).max())
    if n <= _BLOCK:
        return float(pdist(points, "sqeuclidean").max())
    best = 0.0
    for start in range(0, n - 1, _BLOCK):
        block = points[start:start + _BLOCK]
        best = max(best, float(cdist(block, points[start:], "sqeuclidean").max()))
    return best


def max_pair_distance(points: np.ndarray) -> float:
    """Largest distance between two of ``points`` (``(n, 3)``), exact (module docstring).

    >>> max_pair_distance(np.array([[0, 0, 0], [3, 4, 0], [1, 1, 1.0]]))
    5.0
    """
    points = np.asarray(points, dtype=float).reshape(-1, 3)
    return _max_pair_distance_axes(np.ascontiguousarray(points.T))


def _max_pair_distance_axes(axes: np.ndarray) -> float:
    """``max_pair_distance`` of points given as ``(3, n)`` (reductions along a long
    contiguous axis are fast; along a short one they are not)."""
    n = axes.shape[1]
    if n < 2:
        return 0.0
    if n < _HULL_FROM:
        return float(np.sqrt(_max_squared_distance(axes.T)))
    keep, lower = farthest_candidates(axes)
    points = axes[:, keep].T
    if len(points) >= _HULL_FROM:
        try:
            points = points[ConvexHull(points).vertices]
        except QhullError:  # all in a plane or on a line: compare them all
            pass
    if len(points) < 2:
        return lower
    return float(np.sqrt(_max_squared_distance(points)))


def max_3d_diameter_mm(mask: np.ndarray, spacing_mm: tuple[float, float, float], *,
                       column_ends: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Largest distance between two points of the lesion's 0.5 iso-surface, in mm.

    The same value as the largest distance between two vertices of marching cubes' mesh on
    the padded mask (as pyradiomics' ``Maximum3DDiameter``), computed from each row's
    first and last lesion column (module docstring).

    A digitised ball of diameter 11 voxels: the mesh reaches the outermost voxels' corners
    along the diagonals, hence +0.9 voxel (pyradiomics' mesh diameter does the same).

    >>> ball = np.hypot.reduce(np.mgrid[-6:7, -6:7, -6:7].astype(float)) <= 5.5
    >>> round(max_3d_diameter_mm(ball, (1.0, 1.0, 1.0)), 1)
    11.9

    ``column_ends``: ``line_ends(mask, 2)``, when already computed.
    """
    spacing = (float(spacing_mm[0]), float(spacing_mm[1]), float(spacing_mm[2]))
    if column_ends is None:
        column_ends = line_ends(np.asarray(mask, dtype=bool), 2)
    return _max_pair_distance_axes(_candidate_axes(*column_ends, spacing))
