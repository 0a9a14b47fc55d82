"""Geometry of one CT series: voxel indices <-> patient coordinates (LPS, mm).

Conventions (the shared contract of ``dicom_io``, ``recist.measure`` and the sample data):

* A volume is a numpy array ``(n_slices, rows, columns)`` -- SimpleITK's
  ``GetArrayFromImage`` order -- with slices ascending along ``slice_direction``.
* Voxel indices are written ``kji``: ``k`` slice, ``j`` row, ``i`` column.
* ``row_direction`` is ImageOrientationPatient[0:3], the direction of increasing column
  index ``i``; ``column_direction`` is ImageOrientationPatient[3:6], the direction of
  increasing row index ``j`` (DICOM's own, admittedly confusing, names).
* ``pixel_spacing_mm`` is DICOM PixelSpacing unchanged: ``[0]`` is the distance between
  rows (along ``column_direction``), ``[1]`` the distance between columns (along
  ``row_direction``).
* ``origin_mm`` is the ImagePositionPatient of the first slice: the centre of voxel
  ``[0, 0, 0]``.
* DICOM image-relative pixel coordinates (used by viewers and SR SCOORDs) put the top-left
  *corner* of the first pixel at ``(x, y) = (0, 0)``, ``x`` along columns, ``y`` along rows:
  the centre of voxel row ``j``, column ``i`` is ``(x, y) = (i + 0.5, j + 0.5)``.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dicom_io.errors import DicomInputError, safe_uid

if TYPE_CHECKING:  # pragma: no cover
    import SimpleITK as sitk

__all__ = ["ALLOW_IMPLAUSIBLE_VARIABLE", "EARLIEST_DATE", "LATEST_DATE_MARGIN_DAYS",
           "MAX_SPACING_MM", "ORTHONORMAL_TOLERANCE", "SeriesGeometry", "date_problem",
           "implausible_allowed"]

#: Largest accepted deviation of a direction cosine vector from unit length, and of the
#: dot product of the row and column directions from zero.
ORTHONORMAL_TOLERANCE = 1e-4

# Plausibility bounds of DICOM headers: the DICOM rows of the table recist.plausibility
# (docs/tables.md, "Plausibility bounds"), repeated here because dicom_io never imports
# recist; tests/recist/plausibility keeps the two equal.
#: Largest plausible PixelSpacing, step between slices and SliceThickness (mm).
MAX_SPACING_MM = 20.0
#: Earliest plausible StudyDate.
EARLIEST_DATE = datetime.date(1900, 1, 1)
#: A StudyDate later than today by more than this many days is implausible.
LATEST_DATE_MARGIN_DAYS = 365
#: Set (not ``0``) to accept implausible values (``recist --allow-implausible`` sets it).
ALLOW_IMPLAUSIBLE_VARIABLE = "RECIST_ALLOW_IMPLAUSIBLE"


def implausible_allowed() -> bool:
    """Whether ``RECIST_ALLOW_IMPLAUSIBLE`` asks to accept implausible header values."""
    return os.environ.get(ALLOW_IMPLAUSIBLE_VARIABLE, "").strip() not in ("", "0")


def date_problem(text: str, today: datetime.date | None = None) -> str | None:
    """Why a DICOM DA value (``YYYYMMDD``) cannot be a scan date, or None when it can.

    The value itself is quoted only when it is 8 digits (anything else in a damaged
    element could be a patient's name).

    >>> date_problem("20240115") is None, date_problem("20240230")
    (True, "'20240230' is not a calendar date (YYYYMMDD)")
    >>> date_problem("Doe^Jane"), date_problem("18991231", datetime.date(2024, 1, 1))
    ('is not a date of 8 digits (YYYYMMDD)', "'18991231' is before 1900-01-01")
    """
    if not (len(text) == 8 and text.isdigit() and text.isascii()):
        return "is not a date of 8 digits (YYYYMMDD)"
    try:
        value = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return f"{text!r} is not a calendar date (YYYYMMDD)"
    if implausible_allowed():
        return None
    latest = (today or datetime.date.today()) + datetime.timedelta(days=LATEST_DATE_MARGIN_DAYS)
    if value < EARLIEST_DATE:
        return f"{text!r} is before {EARLIEST_DATE.isoformat()}"
    if value > latest:
        return f"{text!r} is after {latest.isoformat()} (more than a year from today)"
    return None


def _vector3(value: Any, name: str) -> np.ndarray:
    array = np.array(value, dtype=np.float64).reshape(-1)
    if array.shape != (3,) or not np.all(np.isfinite(array)):
        raise ValueError(f"SeriesGeometry.{name} must be 3 finite numbers, got {value!r}")
    array.setflags(write=False)
    return array


def _unit(value: Any, name: str) -> np.ndarray:
    array = _vector3(value, name)
    norm = float(np.linalg.norm(array))
    if abs(norm - 1.0) > ORTHONORMAL_TOLERANCE:
        raise ValueError(
            f"SeriesGeometry.{name} must be a unit vector (length 1 +/- "
            f"{ORTHONORMAL_TOLERANCE}), got {array.tolist()} of length {norm:.6f}"
        )
    return array


@dataclass(frozen=True, eq=False)
class SeriesGeometry:
    """Where every voxel of a series lies in the patient (LPS, mm).

    Built by :func:`dicom_io.load_series` after it has checked the slices, or from a
    SimpleITK image with :meth:`from_sitk_image`. Valid once built: directions are unit
    vectors, row and column directions are orthogonal, spacings are positive.

    Parameters
    ----------
    shape
        ``(n_slices, rows, columns)``.
    origin_mm
        ImagePositionPatient of the first slice (centre of voxel ``[0, 0, 0]``).
    row_direction, column_direction
        ImageOrientationPatient ``[0:3]`` and ``[3:6]``.
    slice_direction
        Unit vector of increasing slice index.
    pixel_spacing_mm
        ``(row_spacing, column_spacing)`` exactly as DICOM PixelSpacing.
    slice_spacing_mm
        Distance between consecutive slice centres along ``slice_direction``.
    slice_thickness_mm
        SliceThickness, or None when absent.
    slice_positions_mm
        ``(n_slices, 3)`` ImagePositionPatient of each slice, in slice order.
    sop_instance_uids
        SOP Instance UID of each slice, in slice order (empty when unknown, e.g. a volume
        read from NRRD).
    series_instance_uid, study_instance_uid
        The series' and study's UIDs (empty when unknown).
    frame_numbers
        For a multi-frame (enhanced) object, the 1-based frame number of each slice, whose
        ``sop_instance_uids`` then repeat; empty for single-frame slices.

    Examples
    --------
    >>> g = SeriesGeometry.axial(shape=(3, 4, 5), pixel_spacing_mm=(0.5, 0.7),
    ...                          slice_spacing_mm=2.0, origin_mm=(10, 20, 30))
    >>> g.voxel_to_patient_mm([1, 2, 3]).tolist()
    [12.1, 21.0, 32.0]
    >>> g.pixel_to_patient_mm(0, 0.5, 0.5).tolist()
    [10.0, 20.0, 30.0]
    >>> g.patient_mm_to_voxel([12.1, 21.0, 32.0]).round(9).tolist()
    [1.0, 2.0, 3.0]
    """

    shape: tuple[int, int, int]
    origin_mm: np.ndarray
    row_direction: np.ndarray
    column_direction: np.ndarray
    slice_direction: np.ndarray
    pixel_spacing_mm: tuple[float, float]
    slice_spacing_mm: float
    slice_thickness_mm: float | None = None
    slice_positions_mm: np.ndarray | None = None
    sop_instance_uids: tuple[str, ...] = ()
    series_instance_uid: str = ""
    study_instance_uid: str = ""
    frame_numbers: tuple[int, ...] = ()
    _matrix: np.ndarray = field(init=False, repr=False)
    _inverse: np.ndarray = field(init=False, repr=False)
    _slices_of_uid: dict[str, list[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        shape = tuple(int(n) for n in self.shape)
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(f"SeriesGeometry.shape must be 3 positive sizes, got {self.shape!r}")
        put(self, "shape", shape)
        put(self, "origin_mm", _vector3(self.origin_mm, "origin_mm"))
        row = _unit(self.row_direction, "row_direction")
        col = _unit(self.column_direction, "column_direction")
        put(self, "row_direction", row)
        put(self, "column_direction", col)
        put(self, "slice_direction", _unit(self.slice_direction, "slice_direction"))
        if abs(float(row @ col)) > ORTHONORMAL_TOLERANCE:
            raise ValueError(
                "SeriesGeometry.row_direction and column_direction must be orthogonal "
                f"(|dot| <= {ORTHONORMAL_TOLERANCE}), got dot = {float(row @ col):.6g}"
            )
        spacing = tuple(float(s) for s in self.pixel_spacing_mm)
        if len(spacing) != 2 or not all(np.isfinite(s) and s > 0 for s in spacing):
            raise ValueError(
                "SeriesGeometry.pixel_spacing_mm must be 2 positive numbers "
                f"(row spacing, column spacing), got {self.pixel_spacing_mm!r}"
            )
        put(self, "pixel_spacing_mm", spacing)
        slice_spacing = float(self.slice_spacing_mm)
        if not (np.isfinite(slice_spacing) and slice_spacing > 0):
            raise ValueError(
                f"SeriesGeometry.slice_spacing_mm must be positive, got {self.slice_spacing_mm!r}"
            )
        put(self, "slice_spacing_mm", slice_spacing)
        if self.slice_thickness_mm is not None:
            put(self, "slice_thickness_mm", float(self.slice_thickness_mm))
        matrix = np.column_stack(
            [self.slice_direction * slice_spacing, col * spacing[0], row * spacing[1]]
        )
        if abs(np.linalg.det(matrix)) < 1e-12:
            raise ValueError("SeriesGeometry.slice_direction lies in the image plane")
        matrix.setflags(write=False)
        inverse = np.linalg.inv(matrix)
        inverse.setflags(write=False)
        put(self, "_matrix", matrix)
        put(self, "_inverse", inverse)
        if self.slice_positions_mm is None:
            positions = self.voxel_to_patient_mm(
                np.column_stack([np.arange(shape[0]), np.zeros(shape[0]), np.zeros(shape[0])])
            )
        else:
            positions = np.array(self.slice_positions_mm, dtype=np.float64)
            if positions.shape != (shape[0], 3):
                raise ValueError(
                    f"SeriesGeometry.slice_positions_mm must have shape ({shape[0]}, 3), "
                    f"got {positions.shape}"
                )
        positions.setflags(write=False)
        put(self, "slice_positions_mm", positions)
        uids = tuple(str(u) for u in self.sop_instance_uids)
        if uids and len(uids) != shape[0]:
            raise ValueError(
                f"SeriesGeometry.sop_instance_uids must list one UID per slice "
                f"({shape[0]}), got {len(uids)}"
            )
        put(self, "sop_instance_uids", uids)
        slices_of_uid: dict[str, list[int]] = {}
        for k, uid in enumerate(uids):
            slices_of_uid.setdefault(uid, []).append(k)
        put(self, "_slices_of_uid", slices_of_uid)  # slice_index_of in O(1)
        frames = tuple(int(f) for f in self.frame_numbers)
        if frames and len(frames) != shape[0]:
            raise ValueError(
                f"SeriesGeometry.frame_numbers must list one frame number per slice "
                f"({shape[0]}), got {len(frames)}"
            )
        put(self, "frame_numbers", frames)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def axial(
        cls,
        shape: Sequence[int],
        pixel_spacing_mm: Sequence[float] = (1.0, 1.0),
        slice_spacing_mm: float = 1.0,
        origin_mm: Sequence[float] = (0.0, 0.0, 0.0),
        **kwargs: Any,
    ) -> SeriesGeometry:
        """Return an axial (identity orientation) geometry; ``kwargs`` go to the constructor."""
        return cls(
            shape=tuple(shape),
            origin_mm=np.asarray(origin_mm, dtype=float),
            row_direction=np.array([1.0, 0.0, 0.0]),
            column_direction=np.array([0.0, 1.0, 0.0]),
            slice_direction=np.array([0.0, 0.0, 1.0]),
            pixel_spacing_mm=tuple(pixel_spacing_mm),
            slice_spacing_mm=slice_spacing_mm,
            **kwargs,
        )

    @classmethod
    def from_sitk_image(
        cls,
        image: sitk.Image,
        *,
        sop_instance_uids: Sequence[str] = (),
        series_instance_uid: str = "",
        study_instance_uid: str = "",
        slice_thickness_mm: float | None = None,
    ) -> SeriesGeometry:
        """Return the geometry of a 3-D SimpleITK image.

        SimpleITK's spacing is ``(column, row, slice)`` and the columns of its direction
        matrix are ``(row_direction, column_direction, slice_direction)``.
        """
        if image.GetDimension() != 3:
            raise ValueError(f"expected a 3-D SimpleITK image, got {image.GetDimension()}-D")
        size = image.GetSize()
        spacing = image.GetSpacing()
        direction = np.array(image.GetDirection(), dtype=np.float64).reshape(3, 3)
        return cls(
            shape=(size[2], size[1], size[0]),
            origin_mm=np.array(image.GetOrigin(), dtype=np.float64),
            row_direction=direction[:, 0],
            column_direction=direction[:, 1],
            slice_direction=direction[:, 2],
            pixel_spacing_mm=(spacing[1], spacing[0]),
            slice_spacing_mm=spacing[2],
            slice_thickness_mm=slice_thickness_mm,
            sop_instance_uids=tuple(sop_instance_uids),
            series_instance_uid=series_instance_uid,
            study_instance_uid=study_instance_uid,
        )

    # ------------------------------------------------------------------ transforms
    def affine(self) -> np.ndarray:
        """Return the 4x4 matrix mapping homogeneous ``(k, j, i, 1)`` to ``(x, y, z, 1)`` mm.

        Columns 0-2 are ``slice_direction * slice_spacing``, ``column_direction *
        row_spacing`` and ``row_direction * column_spacing``; column 3 is ``origin_mm``.
        """
        affine = np.eye(4)
        affine[:3, :3] = self._matrix
        affine[:3, 3] = self.origin_mm
        return affine

    def voxel_to_patient_mm(self, kji: Any) -> np.ndarray:
        """Map ``(..., 3)`` float voxel indices ``(slice, row, column)`` to LPS mm."""
        kji = np.asarray(kji, dtype=np.float64)
        return kji @ self._matrix.T + self.origin_mm

    def patient_mm_to_voxel(self, xyz: Any) -> np.ndarray:
        """Map ``(..., 3)`` LPS mm to float voxel indices ``(slice, row, column)``."""
        xyz = np.asarray(xyz, dtype=np.float64)
        return (xyz - self.origin_mm) @ self._inverse.T

    def pixel_to_patient_mm(self, slice_index: Any, x: Any, y: Any) -> np.ndarray:
        """Map DICOM image-relative pixel coordinates on a slice to LPS mm.

        ``(x, y) = (0, 0)`` is the top-left corner of the first pixel, ``x`` runs along
        columns, ``y`` along rows; scalars or broadcastable arrays, result ``(..., 3)``.
        """
        k, x, y = np.broadcast_arrays(
            np.asarray(slice_index, dtype=np.float64),
            np.asarray(x, dtype=np.float64),
            np.asarray(y, dtype=np.float64),
        )
        return self.voxel_to_patient_mm(np.stack([k, y - 0.5, x - 0.5], axis=-1))

    def patient_mm_to_pixel(self, xyz: Any) -> np.ndarray:
        """Inverse of :meth:`pixel_to_patient_mm`: ``(..., 3)`` mm to ``(slice, x, y)``."""
        kji = self.patient_mm_to_voxel(xyz)
        return np.stack([kji[..., 0], kji[..., 2] + 0.5, kji[..., 1] + 0.5], axis=-1)

    def slice_index_of(self, sop_instance_uid: str, frame_number: int | None = None) -> int:
        """Return the slice index of an SOP Instance UID (and frame number) of this series.

        ``frame_number`` (1-based, DICOM ReferencedFrameNumber) is required when the UID is
        a multi-frame object holding several slices, and ignored otherwise.
        """
        uid = str(sop_instance_uid)
        matches = self._slices_of_uid.get(uid, [])
        if len(matches) == 1:
            return matches[0]
        series = safe_uid(self.series_instance_uid) if self.series_instance_uid \
            else "(unknown UID)"
        if not matches:
            raise DicomInputError(
                f"SOP Instance UID {safe_uid(uid)} is not a slice of series "
                f"{series} ({self.shape[0]} slices). "
                "Check that the annotation refers to this series, or pass the series it "
                "was drawn on.",
                sop_instance_uid=uid,
                keyword="ReferencedSOPInstanceUID",
            )
        if len(self.frame_numbers) != len(self.sop_instance_uids):
            raise DicomInputError(
                f"SOP Instance UID {safe_uid(uid)} names {len(matches)} slices of series "
                f"{series}; each slice needs its own UID. Re-export the series.",
                sop_instance_uid=uid, keyword="SOPInstanceUID")
        for k in matches:
            if frame_number is not None and self.frame_numbers[k] == int(frame_number):
                return k
        raise DicomInputError(
            f"SOP Instance UID {safe_uid(uid)} is a multi-frame image holding {len(matches)} "
            f"slices of series {series}; "
            + ("no frame number was given" if frame_number is None
               else f"it has no frame {frame_number}")
            + f" (frames {min(self.frame_numbers[k] for k in matches)}-"
            f"{max(self.frame_numbers[k] for k in matches)}). Give the ReferencedFrameNumber "
            "of the annotation.",
            sop_instance_uid=uid,
            keyword="ReferencedFrameNumber",
        )

    # ------------------------------------------------------------------ SimpleITK bridge
    @property
    def voxel_spacing_mm(self) -> tuple[float, float, float]:
        """``(slice, row, column)`` spacing in mm, in the volume's axis order."""
        return (self.slice_spacing_mm, self.pixel_spacing_mm[0], self.pixel_spacing_mm[1])

    def to_sitk_image(self, volume: np.ndarray) -> sitk.Image:
        """Return ``volume`` (shape :attr:`shape`) as a SimpleITK image with this geometry."""
        import SimpleITK as sitk

        volume = np.asarray(volume)
        if volume.shape != self.shape:
            raise ValueError(
                f"volume shape {volume.shape} does not match the geometry's {self.shape}"
            )
        image = sitk.GetImageFromArray(volume)
        image.SetSpacing(
            (self.pixel_spacing_mm[1], self.pixel_spacing_mm[0], self.slice_spacing_mm)
        )
        image.SetOrigin(tuple(float(v) for v in self.origin_mm))
        direction = np.column_stack([self.row_direction, self.column_direction,
                                     self.slice_direction])
        image.SetDirection(tuple(float(v) for v in direction.reshape(-1)))
        return image

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SeriesGeometry):
            return NotImplemented
        return (
            self.shape == other.shape
            and self.pixel_spacing_mm == other.pixel_spacing_mm
            and self.slice_spacing_mm == other.slice_spacing_mm
            and self.slice_thickness_mm == other.slice_thickness_mm
            and self.sop_instance_uids == other.sop_instance_uids
            and self.series_instance_uid == other.series_instance_uid
            and self.study_instance_uid == other.study_instance_uid
            and self.frame_numbers == other.frame_numbers
            and all(
                np.array_equal(getattr(self, name), getattr(other, name))
                for name in ("origin_mm", "row_direction", "column_direction",
                             "slice_direction", "slice_positions_mm")
            )
        )

    __hash__ = None  # type: ignore[assignment]
