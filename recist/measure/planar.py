"""LD and SA of a lesion outline in one plane: the shared core of masks and contours.

A lesion's outline on a slice is one or more closed polygons in millimetres (its boundary
and, when it has holes, the holes' boundaries). The long axis (LD) is the longest distance
between two boundary points: convex hull + rotating calipers (``calipers``). The short
axis (SA) is the longest chord *inside* the outline perpendicular to LD
(``short_axis``); the caliper width across LD is reported beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recist.measure.calipers import caliper_width_mm, longest_diameter_2d
from recist.measure.short_axis import longest_perpendicular_chord_edges, polygon_edges

__all__ = ["PlanarMeasurement", "measure_edges_2d", "measure_outline_2d", "polygon_area_mm2"]


@dataclass(frozen=True)
class PlanarMeasurement:
    """Long and short axis of one outline in its plane (2-D coordinates in mm).

    Attributes
    ----------
    ld_mm, sa_mm
        Longest diameter; longest inside chord perpendicular to it.
    sa_caliper_mm
        Width of the outline across the long axis (>= ``sa_mm``; equal when convex).
    ld_start, ld_end, sa_start, sa_end
        ``(2,)`` endpoints in the plane's 2-D millimetre coordinates.
    area_mm2
        Enclosed area (even-odd over the loops).
    """

    ld_mm: float
    sa_mm: float
    sa_caliper_mm: float
    ld_start: np.ndarray
    ld_end: np.ndarray
    sa_start: np.ndarray
    sa_end: np.ndarray
    area_mm2: float


def polygon_area_mm2(loops: Sequence[np.ndarray]) -> float:
    """Area enclosed by closed loops (shoelace; holes, traversed oppositely, subtract).

    >>> polygon_area_mm2([np.array([[0, 0], [2, 0], [2, 3], [0, 3.0]])])
    6.0
    """
    total = 0.0
    for loop in loops:
        p = np.asarray(loop, dtype=float).reshape(-1, 2)
        q = np.roll(p, -1, axis=0)
        total += 0.5 * float(np.sum(p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]))
    return abs(total)


def measure_outline_2d(loops: Sequence[np.ndarray], *, with_short_axis: bool = True
                       ) -> PlanarMeasurement:
    """Measure LD, SA and caliper width of closed 2-D outline(s) in millimetres.

    Parameters
    ----------
    loops
        Closed polygons ``(m, 2)`` in mm (the boundary, plus holes as separate loops).
    with_short_axis
        Skip the chord sweep (``sa_mm`` is NaN) when only LD is wanted, e.g. while
        choosing the slice of a non-nodal lesion.

    Examples
    --------
    A 4 x 2 mm rectangle: LD is its diagonal, SA the longest chord perpendicular to it.

    >>> m = measure_outline_2d([np.array([[0, 0], [4, 0], [4, 2], [0, 2.0]])])
    >>> round(m.ld_mm, 4), round(m.sa_mm, 4), round(m.sa_caliper_mm, 4), m.area_mm2
    (4.4721, 2.2361, 3.5777, 8.0)
    """
    loops = [np.asarray(loop, dtype=float).reshape(-1, 2) for loop in loops]
    loops = [loop for loop in loops if len(loop)]
    if not loops:
        raise ValueError("cannot measure an outline without points")
    starts, ends = polygon_edges(loops)
    if len(starts) == 0:  # single points
        starts = ends = np.concatenate(loops)
    return measure_edges_2d(starts, ends, area_mm2=polygon_area_mm2(loops),
                            with_short_axis=with_short_axis)


def measure_edges_2d(starts: np.ndarray, ends: np.ndarray, *, area_mm2: float,
                     with_short_axis: bool = True, points: np.ndarray | None = None,
                     spans_area: bool = False) -> PlanarMeasurement:
    """``measure_outline_2d`` on a boundary given as unordered edges (mm).

    Every boundary vertex must be the start or end of an edge; ``points`` (the vertices,
    each once) saves the hull from the duplicates; ``area_mm2`` is reported as given;
    ``spans_area``: the outline is known to enclose area (``longest_diameter_2d``).
    """
    starts = np.asarray(starts, dtype=float).reshape(-1, 2)
    ends = np.asarray(ends, dtype=float).reshape(-1, 2)
    if points is None:
        points = np.concatenate([starts, ends])
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(points) == 0:
        raise ValueError("cannot measure an outline without points")
    ld_mm, ld_start, ld_end = longest_diameter_2d(points, spans_area=spans_area)
    direction = ld_end - ld_start
    if ld_mm == 0.0:
        direction = np.array([1.0, 0.0])
    caliper = caliper_width_mm(points, direction)
    if with_short_axis:
        sa_mm, sa_start, sa_end = longest_perpendicular_chord_edges(starts, ends, direction)
    else:
        sa_mm, sa_start, sa_end = float("nan"), np.full(2, np.nan), np.full(2, np.nan)
    return PlanarMeasurement(
        ld_mm=float(ld_mm), sa_mm=float(sa_mm), sa_caliper_mm=caliper,
        ld_start=ld_start, ld_end=ld_end, sa_start=sa_start, sa_end=sa_end,
        area_mm2=float(area_mm2),
    )
