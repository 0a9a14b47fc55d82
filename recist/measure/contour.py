"""LD and SA of closed planar contours in patient mm (as RTSTRUCT stores them).

The contour points are projected onto an orthonormal 2-D basis of their plane and measured
with the same hull / chord code as masks (``planar.measure_outline_2d``); the endpoints are
mapped back to patient mm. Distances are preserved exactly by the projection when the
points are coplanar; a contour farther than ``max_off_plane_mm`` from its plane is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recist.measure.planar import PlanarMeasurement, measure_outline_2d

__all__ = ["ContourMeasurement", "measure_planar_contours", "plane_basis"]


@dataclass(frozen=True)
class ContourMeasurement:
    """LD/SA of planar contours with endpoints in patient mm (``(3,)`` arrays)."""

    ld_mm: float
    sa_mm: float
    sa_caliper_mm: float
    area_mm2: float
    ld_start_mm: np.ndarray
    ld_end_mm: np.ndarray
    sa_start_mm: np.ndarray
    sa_end_mm: np.ndarray
    plane_normal: np.ndarray


def plane_basis(points_mm: np.ndarray, normal: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Origin, two in-plane unit vectors and the unit normal of a set of coplanar points.

    Without ``normal`` the plane is the least-squares plane (SVD of the centred points).

    >>> o, u, v, n = plane_basis(np.array([[0, 0, 5], [1, 0, 5], [0, 1, 5.0]]))
    >>> np.round(np.abs(n), 6).tolist()
    [0.0, 0.0, 1.0]
    """
    points = np.asarray(points_mm, dtype=float).reshape(-1, 3)
    origin = points.mean(axis=0)
    if normal is None:
        _, _, vt = np.linalg.svd(points - origin, full_matrices=True)
        normal = vt[2]
    normal = np.asarray(normal, dtype=float)
    normal = normal / np.linalg.norm(normal)
    helper = np.eye(3)[int(np.argmin(np.abs(normal)))]
    u = np.cross(normal, helper)
    u /= np.linalg.norm(u)
    v = np.cross(normal, u)
    return origin, u, v, normal


def measure_planar_contours(
    loops_mm: Sequence[np.ndarray],
    *,
    normal: np.ndarray | None = None,
    max_off_plane_mm: float = 0.01,
) -> ContourMeasurement:
    """Measure closed contours lying in one plane (an RTSTRUCT ContourSequence slice).

    Parameters
    ----------
    loops_mm
        Closed polygons ``(m, 3)`` in patient mm (outer boundary and holes).
    normal
        The plane's normal (e.g. the image slice normal); estimated when omitted.
    max_off_plane_mm
        Largest distance of a point from the plane accepted.

    Examples
    --------
    A 40 x 30 mm rectangle in an oblique plane: LD is the 50 mm diagonal; the longest
    chord perpendicular to it runs from a corner to the opposite side (37.5 mm), while the
    caliper width across the diagonal is 48 mm.

    >>> u = np.array([1.0, 1.0, 0]) / np.sqrt(2); v = np.array([0, 0, 1.0])
    >>> corners = np.array([0 * u, 40 * u, 40 * u + 30 * v, 30 * v]) + [10, 20, 30]
    >>> m = measure_planar_contours([corners])
    >>> round(m.ld_mm, 6), round(m.sa_mm, 6), round(m.sa_caliper_mm, 6), round(m.area_mm2, 6)
    (50.0, 37.5, 48.0, 1200.0)
    """
    loops = [np.asarray(loop, dtype=float).reshape(-1, 3) for loop in loops_mm]
    if not loops or sum(len(loop) for loop in loops) < 3:
        raise ValueError("a planar contour needs at least 3 points")
    points = np.concatenate(loops)
    origin, u, v, n = plane_basis(points, normal)
    off = np.abs((points - origin) @ n)
    if off.max() > max_off_plane_mm:
        raise ValueError(
            f"contour points are up to {off.max():.3f} mm off their plane (allowed "
            f"{max_off_plane_mm} mm); RECIST diameters are measured in one image plane"
        )
    planar: PlanarMeasurement = measure_outline_2d(
        [np.stack([(loop - origin) @ u, (loop - origin) @ v], axis=1) for loop in loops]
    )

    def lift(p: np.ndarray) -> np.ndarray:
        lifted: np.ndarray = origin + p[0] * u + p[1] * v
        return lifted

    return ContourMeasurement(
        ld_mm=planar.ld_mm, sa_mm=planar.sa_mm, sa_caliper_mm=planar.sa_caliper_mm,
        area_mm2=planar.area_mm2,
        ld_start_mm=lift(planar.ld_start), ld_end_mm=lift(planar.ld_end),
        sa_start_mm=lift(planar.sa_start), sa_end_mm=lift(planar.sa_end), plane_normal=n,
    )
