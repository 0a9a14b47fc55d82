"""Lesion diameters from lines drawn in a viewer (CSV today, DICOM SR tomorrow).

A reader draws the long axis and, for a lymph node or when asked, the short axis of each
lesion on one image. This module takes generic line records whose endpoints are already
in patient millimetres (``DrawnLine``) and turns them into one measurement per lesion,
checking what RECIST requires of a pair of axes (R11 3.1.1, 4.2): both on the same slice,
short axis perpendicular to the long one, short not longer than long. Converting image
pixel coordinates to patient mm is ``image_point_to_patient_mm`` (exact for any
orientation and anisotropic pixels); the DICOM side (which slice a SOP Instance UID is)
belongs to the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from recist.errors import RecistDataError
from recist.findings import Finding, Severity

__all__ = [
    "MAX_PERPENDICULAR_DEVIATION_DEG",
    "DrawnLine",
    "LineMeasurement",
    "image_point_to_patient_mm",
    "measure_lines",
]

MAX_PERPENDICULAR_DEVIATION_DEG = 10.0
"""How far from 90 degrees the angle between drawn long and short axes may be before a
finding is raised (a drawing tolerance, not a RECIST threshold)."""

_AXES = ("long", "short")


def image_point_to_patient_mm(
    x: np.ndarray | float,
    y: np.ndarray | float,
    slice_position_mm: np.ndarray,
    row_direction: np.ndarray,
    column_direction: np.ndarray,
    pixel_spacing_mm: tuple[float, float],
) -> np.ndarray:
    """Patient coordinates (mm) of DICOM image-relative pixel coordinates.

    ``(x, y)`` are image-relative: x along the row direction (increasing column), y along
    the column direction (increasing row), the top-left *corner* of the first pixel is
    (0, 0), so the centre of pixel (row i, column j) is (j + 0.5, i + 0.5). The slice
    position is the ImagePositionPatient of that slice (centre of its first pixel);
    ``pixel_spacing_mm`` is DICOM PixelSpacing (row spacing, column spacing).

    Examples
    --------
    Pixel 0.5 mm between rows and 0.8 mm between columns, axial:

    >>> p = image_point_to_patient_mm(10.5, 4.5, np.array([-100.0, -50.0, 20.0]),
    ...                               np.array([1.0, 0, 0]), np.array([0, 1.0, 0]),
    ...                               (0.5, 0.8))
    >>> p.tolist()
    [-92.0, -48.0, 20.0]
    """
    x = np.asarray(x, dtype=float)[..., None]
    y = np.asarray(y, dtype=float)[..., None]
    row_spacing, column_spacing = (float(s) for s in pixel_spacing_mm)
    patient: np.ndarray = (np.asarray(slice_position_mm, dtype=float)
                           + (x - 0.5) * column_spacing * np.asarray(row_direction, dtype=float)
                           + (y - 0.5) * row_spacing * np.asarray(column_direction, dtype=float))
    return patient


@dataclass(frozen=True)
class DrawnLine:
    """One drawn axis of a lesion, endpoints in patient mm.

    Attributes
    ----------
    lesion_id, kind, organ, nodal
        The lesion it belongs to (as in the measurements table).
    axis
        ``"long"`` or ``"short"``.
    start_mm, end_mm
        ``(3,)`` endpoints in patient coordinates (LPS, mm).
    slice_key
        Identifies the image it was drawn on (the SOP Instance UID).
    slice_index
        Position of that image in the series, if known.
    source
        Where the record came from, for messages (e.g. ``"lines.csv row 4"``).
    """

    lesion_id: str
    axis: str
    start_mm: np.ndarray
    end_mm: np.ndarray
    slice_key: str
    slice_index: int | None = None
    kind: str = "target"
    organ: str | None = None
    nodal: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        if self.axis not in _AXES:
            raise RecistDataError(
                f"{self._where()}: axis {self.axis!r} is not 'long' or 'short'"
            )
        for name in ("start_mm", "end_mm"):
            value = np.asarray(getattr(self, name), dtype=float)
            if value.shape != (3,) or not np.all(np.isfinite(value)):
                raise RecistDataError(
                    f"{self._where()}: {name} must be 3 finite patient coordinates in mm, "
                    f"got {value.tolist()}"
                )
            object.__setattr__(self, name, value)

    def _where(self) -> str:
        where = f"{self.source}, " if self.source else ""
        return f"{where}lesion {self.lesion_id} ({self.axis} axis)"

    @property
    def length_mm(self) -> float:
        """Euclidean length of the line in mm."""
        return float(np.linalg.norm(self.end_mm - self.start_mm))


@dataclass(frozen=True)
class LineMeasurement:
    """A lesion measured from its drawn axes (``None`` for an axis not drawn)."""

    lesion_id: str
    kind: str
    organ: str | None
    nodal: bool
    slice_key: str
    slice_index: int | None
    ld_mm: float | None
    sa_mm: float | None
    ld_start: np.ndarray | None = None
    ld_end: np.ndarray | None = None
    sa_start: np.ndarray | None = None
    sa_end: np.ndarray | None = None
    angle_deg: float | None = None
    findings: tuple[Finding, ...] = field(default=())


def _angle_deg(a: DrawnLine, b: DrawnLine) -> float:
    u = (a.end_mm - a.start_mm) / a.length_mm
    v = (b.end_mm - b.start_mm) / b.length_mm
    return float(np.degrees(np.arccos(np.clip(abs(u @ v), 0.0, 1.0))))


def measure_lines(
    lines: Iterable[DrawnLine],
    *,
    max_perpendicular_deviation_deg: float = MAX_PERPENDICULAR_DEVIATION_DEG,
) -> list[LineMeasurement]:
    """Measure each lesion from its drawn long and/or short axis.

    Rules, checked per lesion in this order:

    1. at most one line per axis; a lesion's rows agree on kind, organ and nodal;
    2. no line has zero length;
    3. both axes are on the same image (same ``slice_key``) — error;
    4. the short axis is not longer than the long axis — error;
    5. the angle between them is within ``max_perpendicular_deviation_deg`` of 90 degrees,
       otherwise a warning finding stating the angle (the lengths are still reported).

    Lengths are Euclidean distances between the patient-mm endpoints, so they are exact
    for any image orientation and pixel shape.

    Raises
    ------
    RecistDataError
        For rules 1-4, naming the source row(s) and the lesion, with all errors found.

    Examples
    --------
    >>> long = DrawnLine("L1", "long", np.array([0, 0, 0.0]), np.array([30, 40, 0.0]), "1.2.3")
    >>> short = DrawnLine("L1", "short", np.array([0, 10, 0.0]), np.array([8, 4, 0.0]), "1.2.3")
    >>> [(m.lesion_id, m.ld_mm, m.sa_mm, round(m.angle_deg, 1))
    ...  for m in measure_lines([long, short])]
    [('L1', 50.0, 10.0, 90.0)]
    """
    by_lesion: dict[str, list[DrawnLine]] = {}
    for line in lines:
        by_lesion.setdefault(line.lesion_id, []).append(line)
    errors: list[Finding] = []
    results: list[LineMeasurement] = []
    for lesion_id, group in by_lesion.items():
        problem = _check_group(lesion_id, group)
        if problem:
            errors.append(Finding("line-axes", problem, Severity.ERROR, lesion_id=lesion_id))
            continue
        axes = {line.axis: line for line in group}
        long, short = axes.get("long"), axes.get("short")
        first = long or short
        assert first is not None  # a group has one or two lines, each "long" or "short"
        angle = None
        findings: list[Finding] = []
        if long and short:
            if long.slice_key != short.slice_key:
                errors.append(Finding("line-axes", (
                    f"lesion {lesion_id}: the long axis ({long.source or 'row'}) is on image "
                    f"{long.slice_key} but the short axis ({short.source or 'row'}) is on "
                    f"image {short.slice_key}; RECIST measures both axes on the same axial "
                    "image — redraw one of them"), Severity.ERROR, lesion_id=lesion_id))
                continue
            if short.length_mm > long.length_mm:
                errors.append(Finding("line-axes", (
                    f"lesion {lesion_id}: the short axis ({short.length_mm:.2f} mm, "
                    f"{short.source or 'row'}) is longer than the long axis "
                    f"({long.length_mm:.2f} mm, {long.source or 'row'}); the axes may be "
                    "swapped — check the axis column"), Severity.ERROR, lesion_id=lesion_id))
                continue
            angle = _angle_deg(long, short)
            if 90.0 - angle > max_perpendicular_deviation_deg:
                findings.append(Finding("axes-not-perpendicular", (
                    f"lesion {lesion_id}: the short axis makes {angle:.1f} degrees with the "
                    f"long axis (expected 90 +/- {max_perpendicular_deviation_deg:g}); "
                    "RECIST's short axis is perpendicular to the long axis — check the "
                    "drawing"), Severity.WARNING, lesion_id=lesion_id))
        results.append(LineMeasurement(
            lesion_id=lesion_id, kind=first.kind, organ=first.organ, nodal=first.nodal,
            slice_key=first.slice_key, slice_index=first.slice_index,
            ld_mm=long.length_mm if long else None, sa_mm=short.length_mm if short else None,
            ld_start=long.start_mm if long else None, ld_end=long.end_mm if long else None,
            sa_start=short.start_mm if short else None, sa_end=short.end_mm if short else None,
            angle_deg=angle, findings=tuple(findings),
        ))
    if errors:
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise RecistDataError(errors[0].message + more, findings=errors)
    return results


def _check_group(lesion_id: str, group: Sequence[DrawnLine]) -> str | None:
    for axis in _AXES:
        same = [line for line in group if line.axis == axis]
        if len(same) > 1:
            where = ", ".join(line.source or "?" for line in same)
            return (f"lesion {lesion_id} has {len(same)} {axis}-axis lines ({where}); draw "
                    "one long and at most one short axis per lesion (give each fragment of "
                    "a split lesion its own rows and measure them separately)")
    for name in ("kind", "organ", "nodal"):
        values = {getattr(line, name) for line in group}
        if len(values) > 1:
            return (f"lesion {lesion_id}: its rows disagree on {name} "
                    f"({', '.join(sorted(map(str, values)))}); make them the same")
    for line in group:
        if line.length_mm == 0.0:
            return (f"{line.source or 'row'}: lesion {lesion_id} {line.axis} axis has zero "
                    "length (both endpoints are the same point); redraw it")
    return None
