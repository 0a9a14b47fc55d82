"""Long- and short-axis lines of a lesion mask, drawn the way a radiologist would.

A straightforward reference method, not the project's measurement library:

* On every axial slice of the lesion, the in-plane long axis runs through the farthest
  pair of boundary pixel centres and is extended outward from each of them, in steps of
  0.05 px, to where it leaves the mask, so it runs edge to edge (a point is inside when the
  pixel containing it is; a digitised disc of diameter D pixels measures about D).
* The slice with the largest long axis carries the lines (first such slice on ties).
* The short axis is the longest chord perpendicular to the long axis that lies inside the
  lesion: chords are marched from points every 0.25 px along the long axis, in the same
  0.05 px steps, until they leave the mask.
* Should that chord come out longer than the long axis (possible for near-round lesions
  after digitisation), it becomes the long axis and the short axis is searched again.

Coordinates are DICOM image-relative pixel coordinates: ``x`` along columns, ``y`` along
rows, the top-left corner of the first pixel at (0, 0), so the centre of row ``j``,
column ``i`` is ``(i + 0.5, j + 0.5)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

__all__ = ["LesionLines", "line_length_mm", "measure_lesion_lines"]

_ALONG_STEP_PX = 0.25
_MARCH_STEP_PX = 0.05
_DECIMALS = 3


@dataclass(frozen=True)
class LesionLines:
    """Lines of one lesion on one slice (pixel coordinates rounded to 1/1000 px)."""

    slice_index: int
    long_axis: tuple[float, float, float, float]
    short_axis: tuple[float, float, float, float]
    long_axis_mm: float
    short_axis_mm: float


def line_length_mm(line, pixel_spacing_mm) -> float:
    """Length of ``(x1, y1, x2, y2)`` in mm; ``pixel_spacing_mm`` = DICOM PixelSpacing.

    >>> line_length_mm((0, 0, 3, 4), (1.0, 1.0))
    5.0
    """
    x1, y1, x2, y2 = line
    row_spacing, column_spacing = pixel_spacing_mm
    return float(np.hypot((x2 - x1) * column_spacing, (y2 - y1) * row_spacing))


def _march(mask2d: np.ndarray, start: np.ndarray, unit_px: np.ndarray) -> float:
    """Distance (px) from ``start`` along ``unit_px`` to the last point inside the mask."""
    steps = np.arange(1, int(np.ceil(2 * sum(mask2d.shape) / _MARCH_STEP_PX))) * _MARCH_STEP_PX
    pts = start[None, :] + steps[:, None] * unit_px[None, :]
    cols = np.floor(pts[:, 0]).astype(int)
    rows = np.floor(pts[:, 1]).astype(int)
    ok = (cols >= 0) & (cols < mask2d.shape[1]) & (rows >= 0) & (rows < mask2d.shape[0])
    inside = np.zeros(len(steps), dtype=bool)
    inside[ok] = mask2d[rows[ok], cols[ok]]
    leading = int(np.argmin(inside)) if not inside.all() else len(steps)
    return float(steps[leading - 1]) if leading > 0 else 0.0


def _long_axis(mask2d: np.ndarray, pixel_spacing_mm):
    """Edge-to-edge long axis on one slice: (x1, y1, x2, y2) in pixel coordinates."""
    row_spacing, column_spacing = pixel_spacing_mm
    boundary = mask2d & ~ndimage.binary_erosion(mask2d)
    rows, cols = np.nonzero(boundary)
    pts = np.stack([cols + 0.5, rows + 0.5], axis=1)  # (x, y) pixel centres
    mm = pts * np.array([column_spacing, row_spacing])
    d2 = ((mm[:, None, :] - mm[None, :, :]) ** 2).sum(-1)
    a, b = np.unravel_index(int(np.argmax(d2)), d2.shape)
    p1, p2 = pts[a], pts[b]
    if np.array_equal(p1, p2):  # one-pixel lesion: a horizontal line across the pixel
        return (p1[0] - 0.5, p1[1], p1[0] + 0.5, p1[1])
    unit = (p2 - p1) / np.linalg.norm(p2 - p1)
    p1 = p1 - _march(mask2d, p1, -unit) * unit
    p2 = p2 + _march(mask2d, p2, unit) * unit
    # Order endpoints left to right (then top to bottom) for a stable CSV.
    if (p2[0], p2[1]) < (p1[0], p1[1]):
        p1, p2 = p2, p1
    return (float(p1[0]), float(p1[1]), float(p2[0]), float(p2[1]))


def _short_axis(mask2d: np.ndarray, long_axis, pixel_spacing_mm):
    """Longest chord inside ``mask2d`` perpendicular (in mm) to ``long_axis``."""
    row_spacing, column_spacing = pixel_spacing_mm
    scale = np.array([column_spacing, row_spacing])
    p1 = np.array(long_axis[:2])
    p2 = np.array(long_axis[2:])
    along_mm = (p2 - p1) * scale
    along_mm /= np.linalg.norm(along_mm)
    normal_px = np.array([-along_mm[1], along_mm[0]]) / scale  # perpendicular in mm
    normal_px /= np.linalg.norm(normal_px)
    length_px = float(np.linalg.norm(p2 - p1))
    ts = np.arange(0.0, length_px + 1e-9, _ALONG_STEP_PX) / max(length_px, 1e-12)
    starts = p1[None, :] + ts[:, None] * (p2 - p1)[None, :]
    max_steps = int(np.ceil(2 * max(mask2d.shape) / _MARCH_STEP_PX))
    max_steps = min(max_steps, int(np.ceil((length_px + 2) / _MARCH_STEP_PX)))
    steps = np.arange(max_steps + 1) * _MARCH_STEP_PX
    n_rows, n_cols = mask2d.shape

    def reach(sign: float) -> np.ndarray:
        pts = starts[:, None, :] + sign * steps[None, :, None] * normal_px[None, None, :]
        cols = np.floor(pts[..., 0]).astype(int)
        rows = np.floor(pts[..., 1]).astype(int)
        inside_image = (cols >= 0) & (cols < n_cols) & (rows >= 0) & (rows < n_rows)
        inside = np.zeros(cols.shape, dtype=bool)
        inside[inside_image] = mask2d[rows[inside_image], cols[inside_image]]
        # number of consecutive inside samples from the start
        outside_seen = np.cumsum(~inside, axis=1) > 0
        return (~outside_seen).sum(axis=1)  # count of leading inside samples

    plus, minus = reach(1.0), reach(-1.0)
    valid = (plus > 0) & (minus > 0)
    extent = np.where(valid, (plus - 1) * _MARCH_STEP_PX + (minus - 1) * _MARCH_STEP_PX, -1.0)
    best = int(np.argmax(extent))
    if extent[best] < 0:
        raise ValueError("long axis does not cross the mask; cannot draw a short axis")
    a = starts[best] + (plus[best] - 1) * _MARCH_STEP_PX * normal_px
    b = starts[best] - (minus[best] - 1) * _MARCH_STEP_PX * normal_px
    if (b[0], b[1]) < (a[0], a[1]):
        a, b = b, a
    return (float(a[0]), float(a[1]), float(b[0]), float(b[1]))


def measure_lesion_lines(mask: np.ndarray, pixel_spacing_mm) -> LesionLines:
    """Long and short axis of one lesion given its 3-D boolean mask ``(k, rows, columns)``.

    Parameters
    ----------
    mask : numpy.ndarray of bool
        The lesion's voxels, SimpleITK array order.
    pixel_spacing_mm : (float, float)
        DICOM PixelSpacing: (distance between rows, distance between columns).

    Returns
    -------
    LesionLines
        Lines on the slice with the largest in-plane long axis, lengths from the rounded
        coordinates.
    """
    mask = np.asarray(mask, dtype=bool)
    slices = np.nonzero(mask.any(axis=(1, 2)))[0]
    if slices.size == 0:
        raise ValueError("empty lesion mask: nothing to measure")
    best = None
    for k in slices:
        line = _long_axis(mask[k], pixel_spacing_mm)
        length = line_length_mm(line, pixel_spacing_mm)
        if best is None or length > best[0] + 1e-9:
            best = (length, int(k), line)
    _, k, long_axis = best
    short_axis = _short_axis(mask[k], long_axis, pixel_spacing_mm)
    for _ in range(5):
        if line_length_mm(short_axis, pixel_spacing_mm) <= line_length_mm(
                long_axis, pixel_spacing_mm):
            break
        long_axis = short_axis
        short_axis = _short_axis(mask[k], long_axis, pixel_spacing_mm)
    else:
        raise ValueError("could not find a short axis shorter than the long axis")
    long_axis = tuple(round(v, _DECIMALS) for v in long_axis)
    short_axis = tuple(round(v, _DECIMALS) for v in short_axis)
    return LesionLines(
        slice_index=k,
        long_axis=long_axis,
        short_axis=short_axis,
        long_axis_mm=line_length_mm(long_axis, pixel_spacing_mm),
        short_axis_mm=line_length_mm(short_axis, pixel_spacing_mm),
    )
