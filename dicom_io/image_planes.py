"""Image planes of a CT series: DICOM pixel coordinates <-> patient mm, from headers.

Annotation objects (SR, SEG, RTSTRUCT) point at images by SOP Instance UID; placing their
coordinates needs only each image's plane (ImagePositionPatient, ImageOrientationPatient,
PixelSpacing), read from the headers without pixel data.

Pixel coordinates follow DICOM: the top-left corner of the first pixel is (0, 0), x runs
along columns, y along rows; the centre of pixel (row i, column j) is (j + 0.5, i + 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from dicom_io.errors import DicomInputError

__all__ = ["ImagePlane", "read_source_images"]


@dataclass(frozen=True)
class ImagePlane:
    """Geometry of one image: pixel coordinates <-> patient mm (LPS).

    Parameters
    ----------
    sop_instance_uid
        The image's SOP Instance UID.
    position_mm
        ImagePositionPatient: centre of the first (top-left) pixel, mm.
    row_direction, column_direction
        ImageOrientationPatient[0:3] (increasing column) and [3:6] (increasing row).
    pixel_spacing_mm
        PixelSpacing as in DICOM: (distance between rows, distance between columns).
    """

    sop_instance_uid: str
    position_mm: tuple[float, float, float]
    row_direction: tuple[float, float, float]
    column_direction: tuple[float, float, float]
    pixel_spacing_mm: tuple[float, float]

    @classmethod
    def from_dataset(cls, dataset: Dataset, path: str | Path | None = None) -> ImagePlane:
        """Read the plane of an image dataset (needs IPP, IOP and PixelSpacing)."""
        uid = str(getattr(dataset, "SOPInstanceUID", ""))
        for keyword in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"):
            if keyword not in dataset:
                raise DicomInputError(
                    f"cannot place coordinates on image {uid} ({path}): {keyword} is "
                    "missing; an image plane needs ImagePositionPatient, "
                    "ImageOrientationPatient and PixelSpacing",
                    path=path, sop_instance_uid=uid, keyword=keyword)
        ipp = tuple(float(v) for v in dataset.ImagePositionPatient)
        iop = [float(v) for v in dataset.ImageOrientationPatient]
        spacing = tuple(float(v) for v in dataset.PixelSpacing)
        return cls(uid, ipp, tuple(iop[:3]), tuple(iop[3:]), spacing)  # type: ignore[arg-type]

    def pixel_to_patient_mm(self, points_px: np.ndarray) -> np.ndarray:
        """Map (..., 2) image-relative (x, y) pixel coordinates to (..., 3) LPS mm.

        >>> plane = ImagePlane("1.2", (0.0, 0.0, 5.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0),
        ...                    (0.5, 0.25))
        >>> plane.pixel_to_patient_mm(np.array([0.5, 0.5])).tolist()
        [0.0, 0.0, 5.0]
        >>> plane.pixel_to_patient_mm(np.array([4.5, 2.5])).tolist()
        [1.0, 1.0, 5.0]
        """
        points = np.asarray(points_px, dtype=float)
        column_offset = (points[..., 0] - 0.5) * self.pixel_spacing_mm[1]
        row_offset = (points[..., 1] - 0.5) * self.pixel_spacing_mm[0]
        return (np.asarray(self.position_mm)
                + column_offset[..., None] * np.asarray(self.row_direction)
                + row_offset[..., None] * np.asarray(self.column_direction))

    def patient_mm_to_pixel(self, points_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map (..., 3) LPS mm to (..., 2) pixel (x, y) and the distance off the plane, mm.

        >>> plane = ImagePlane("1.2", (0.0, 0.0, 5.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0),
        ...                    (0.5, 0.25))
        >>> xy, off = plane.patient_mm_to_pixel(np.array([1.0, 1.0, 5.5]))
        >>> xy.tolist(), float(off)
        ([4.5, 2.5], 0.5)
        """
        delta = np.asarray(points_mm, dtype=float) - np.asarray(self.position_mm)
        row_dir = np.asarray(self.row_direction)
        col_dir = np.asarray(self.column_direction)
        x = delta @ row_dir / self.pixel_spacing_mm[1] + 0.5
        y = delta @ col_dir / self.pixel_spacing_mm[0] + 0.5
        normal = np.cross(row_dir, col_dir)
        return np.stack([x, y], axis=-1), np.abs(delta @ normal)


def read_source_images(folder: str | Path, series_uid: str | None = None) -> list[Dataset]:
    """Read the image headers (no pixel data) of the DICOM files under a folder.

    Files that are not DICOM, and non-image objects (SR, SEG, RTSTRUCT: no
    ImagePositionPatient), are skipped; with ``series_uid`` only that series is kept.

    Raises
    ------
    DicomInputError
        If no image is found.
    """
    folder = Path(folder)
    if not folder.exists():
        raise DicomInputError(f"series folder {folder} does not exist; pass the folder "
                              "holding the CT images", path=folder)
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*")
                                                     if p.is_file())
    images = []
    for path in files:
        try:
            dataset = pydicom.dcmread(path, stop_before_pixels=True)
        except (pydicom.errors.InvalidDicomError, OSError, EOFError, ValueError):
            continue
        if "ImagePositionPatient" not in dataset or "SOPInstanceUID" not in dataset:
            continue
        if series_uid is not None and str(dataset.get("SeriesInstanceUID")) != series_uid:
            continue
        images.append(dataset)
    if not images:
        which = f" of series {series_uid}" if series_uid else ""
        raise DicomInputError(f"found no DICOM image{which} under {folder}; expected the "
                              "CT series the annotations were drawn on", path=folder)
    return images
