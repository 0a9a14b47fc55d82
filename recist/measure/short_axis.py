"""Short axis: the longest chord inside a lesion perpendicular to its long axis.

RECIST measures the short axis as the longest diameter perpendicular to the long axis in
the same plane (R11 3.1.1, 4.2 for nodes). For a convex lesion that is the caliper width
across the long axis; for a non-convex one (a lobulated tumour, a crescent) the widest
*inside* segment is shorter, because a chord that leaves the lesion and re-enters it is
not a diameter of the lesion. This module sweeps all chords perpendicular to the long axis
across the lesion's boundary polygon(s) and returns the longest interval that lies inside.

Exactness: along the sweep, the length of each inside interval is a piecewise linear
function of the chord position whose breakpoints are the polygon vertices' positions, so
its maximum is reached at (a one-sided limit at) a vertex position. Evaluating every
vertex position just before and just after (``1e-11`` relative) therefore gives the exact
maximum over all positions, in O((V + P) log V) for V vertices and P chord-edge crossings,
all vectorised.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["longest_perpendicular_chord", "longest_perpendicular_chord_edges", "polygon_edges"]


def polygon_edges(loops: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Start and end points of every edge of closed 2-D loops (last point joins first).

    A loop given with its first point repeated at the end is not doubled.
    """
    starts, ends = [], []
    for loop in loops:
        loop = np.asarray(loop, dtype=float).reshape(-1, 2)
        if len(loop) > 1 and np.array_equal(loop[0], loop[-1]):
            loop = loop[:-1]
        if len(loop) < 2:
            continue
        starts.append(loop)
        ends.append(np.roll(loop, -1, axis=0))
    if not starts:
        return np.empty((0, 2)), np.empty((0, 2))
    return np.concatenate(starts), np.concatenate(ends)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of floats (sorted, each once), without its generality."""
    ordered = np.sort(values)
    if len(ordered) and np.isnan(ordered[-1]):  # NaNs sort last: np.unique keeps one
        nan_kept: np.ndarray = np.unique(values)
        return nan_kept
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    kept: np.ndarray = ordered[keep]
    return kept


def longest_perpendicular_chord(
    loops: Sequence[np.ndarray], long_axis_direction: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Longest segment inside closed polygon(s), perpendicular to a direction.

    Inside is decided by the even-odd rule over all loops, so holes (given as their own
    loops) are outside.

    Parameters
    ----------
    loops
        Closed boundary polygons, each ``(m, 2)`` in millimetres.
    long_axis_direction
        ``(2,)`` direction of the long axis; chords are perpendicular to it.

    Returns
    -------
    length_mm, start, end
        Length of the longest inside chord and its endpoints; ``0.0`` and the first vertex
        twice when the polygons enclose no area.

    Examples
    --------
    A chevron 4 mm wide whose arms are 1 mm thick: across the horizontal long axis the
    caliper width is 3 mm, but every vertical chord inside it is 1 mm long.

    >>> chevron = np.array([[0, 0], [2, 2], [4, 0], [4, 1], [2, 3], [0, 1.0]])
    >>> length, start, end = longest_perpendicular_chord([chevron], np.array([1.0, 0]))
    >>> round(length, 6)
    1.0
    >>> U = np.array([[0, 0], [5, 0], [5, 3], [4, 3], [4, 1], [1, 1], [1, 3], [0, 3.0]])
    >>> round(longest_perpendicular_chord([U], np.array([0, 1.0]))[0], 9)
    5.0
    """
    a, b = polygon_edges(loops)
    return longest_perpendicular_chord_edges(a, b, long_axis_direction)


def longest_perpendicular_chord_edges(
    starts: np.ndarray, ends: np.ndarray, long_axis_direction: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """``longest_perpendicular_chord`` on the boundary given as unordered edges.

    ``starts[i]`` -> ``ends[i]`` are the ``(m, 2)`` edges of closed boundaries (any order,
    any orientation): the even-odd rule needs only the set of edges.
    """
    a = np.asarray(starts, dtype=float).reshape(-1, 2)
    b = np.asarray(ends, dtype=float).reshape(-1, 2)
    if len(a) == 0:
        raise ValueError("cannot measure a short axis without a boundary polygon")
    centre = a.mean(axis=0)  # work near the origin: the result does not depend on position
    a, b = a - centre, b - centre
    u = np.asarray(long_axis_direction, dtype=float)
    u = u / np.hypot(*u)
    n = np.array([-u[1], u[0]])
    ta, tb = a @ u, b @ u
    sa, sb = a @ n, b @ n

    scale = max(1.0, float(np.abs(np.concatenate([ta, tb, sa, sb])).max()))
    eps = 1e-11 * scale
    vertex_t = _sorted_unique(np.concatenate([ta, tb]))
    positions = _sorted_unique(np.concatenate([vertex_t - eps, vertex_t + eps]))

    t_low, t_high = np.minimum(ta, tb), np.maximum(ta, tb)
    first = np.searchsorted(positions, t_low, side="left")
    stop = np.searchsorted(positions, t_high, side="left")
    counts = stop - first
    total = int(counts.sum())
    if total == 0:
        return 0.0, a[0] + centre, a[0] + centre
    edge = np.repeat(np.arange(len(a)), counts)
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    position = first[edge] + offset
    t = positions[position]
    s = sa[edge] + (t - ta[edge]) / (tb[edge] - ta[edge]) * (sb[edge] - sa[edge])

    order = np.lexsort((s, position))
    position, s, t = position[order], s[order], t[order]
    group_start = np.concatenate(([0], np.flatnonzero(np.diff(position)) + 1))
    sizes = np.diff(np.append(group_start, total))
    rank = np.arange(total) - np.repeat(group_start, sizes)
    enter = np.flatnonzero((rank % 2 == 0)[:-1] & (position[1:] == position[:-1]))
    if len(enter) == 0:
        return 0.0, a[0] + centre, a[0] + centre
    lengths = s[enter + 1] - s[enter]
    best = enter[int(np.argmax(lengths))]
    start = centre + t[best] * u + s[best] * n
    end = centre + t[best] * u + s[best + 1] * n
    return float(s[best + 1] - s[best]), start, end
