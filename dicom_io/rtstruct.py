"""DICOM RT Structure Set in: ROI contours as closed polygons in patient mm.

Each ROI of the StructureSetROISequence gives an :class:`RTROI` with its name, RT ROI
interpreted type (GTV, ORGAN, EXTERNAL, …) and its CLOSED_PLANAR contours, each with
the SOP Instance UID of the image it was drawn on when the writer recorded it
(ContourImageSequence). Points are (m, 3) LPS mm, as stored. Other geometric types
(POINT, OPEN_PLANAR, OPEN_NONPLANAR) are reported in the notes and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pydicom

from dicom_io.errors import (
    DicomInputError,
    captured_warnings,
    damaged_object,
    safe_text,
    safe_uid,
    unreadable_file_error,
)

__all__ = ["RTROI", "RTContour", "RTStructureSet", "read_rtstruct"]

_RTSTRUCT_CLASS = "1.2.840.10008.5.1.4.1.1.481.3"
_GEOMETRIC_TYPES = ("POINT", "OPEN_PLANAR", "OPEN_NONPLANAR")


@dataclass(frozen=True, eq=False)
class RTContour:
    """One closed planar contour: ``points_mm`` (m, 3), and the image it was drawn on."""

    points_mm: np.ndarray
    sop_instance_uid: str | None = None


@dataclass(frozen=True)
class RTROI:
    """One region of interest of a structure set: its closed planar ``contours`` and, in
    ``skipped_types``, the ContourGeometricType of each contour skipped (POINT,
    OPEN_PLANAR, OPEN_NONPLANAR; None for a type missing or not one of these)."""

    number: int
    name: str
    interpreted_type: str | None
    frame_of_reference_uid: str | None
    contours: tuple[RTContour, ...]
    skipped_types: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class RTStructureSet:
    """What :func:`read_rtstruct` found: the ROIs, the study they belong to, notes."""

    path: Path
    sop_instance_uid: str
    study_instance_uid: str
    rois: tuple[RTROI, ...]
    notes: tuple[str, ...] = field(default=())


def read_rtstruct(path: str | Path) -> RTStructureSet:
    """Read the closed planar contours of every ROI of an RTSTRUCT file.

    Raises
    ------
    DicomInputError
        If the file is not DICOM, not an RT Structure Set, or a contour's ContourData
        does not hold NumberOfContourPoints x 3 numbers.
    """
    path = Path(path)
    warned: list[str] = []
    with captured_warnings(path.name, warned), damaged_object(path, "DICOM RT Structure Set"):
        try:
            dataset = pydicom.dcmread(path)
        except (pydicom.errors.InvalidDicomError, OSError, EOFError) as error:
            raise unreadable_file_error(path, error, "DICOM RT Structure Set") from error
        structure = _structure_set(path, dataset)
    return replace(structure, notes=structure.notes + tuple(warned))


def _structure_set(path: Path, dataset: pydicom.Dataset) -> RTStructureSet:
    uid = str(dataset.get("SOPInstanceUID", ""))
    if str(dataset.get("SOPClassUID", "")) != _RTSTRUCT_CLASS:
        raise DicomInputError(
            f"cannot read contours from {safe_text(path, 120)} (SOP Instance "
            f"{safe_uid(uid)}): SOPClassUID is {safe_uid(dataset.get('SOPClassUID'))}, "
            f"expected RT Structure Set Storage ({_RTSTRUCT_CLASS})", path=path,
            sop_instance_uid=safe_uid(uid), keyword="SOPClassUID")
    notes: list[str] = []
    types = {int(o.ReferencedROINumber): str(o.get("RTROIInterpretedType", "")) or None
             for o in dataset.get("RTROIObservationsSequence", [])
             if "ReferencedROINumber" in o}
    contours_by_roi: dict[int, list[RTContour]] = {}
    skipped_by_roi: dict[int, list[str | None]] = {}
    for roi_contour in dataset.get("ROIContourSequence", []):
        number = int(roi_contour.ReferencedROINumber)
        loops = contours_by_roi.setdefault(number, [])
        skipped = skipped_by_roi.setdefault(number, [])
        for index, contour in enumerate(roi_contour.get("ContourSequence", [])):
            kind = str(contour.get("ContourGeometricType", ""))
            if kind != "CLOSED_PLANAR":
                skipped.append(kind if kind in _GEOMETRIC_TYPES else None)
                shown = kind if kind in _GEOMETRIC_TYPES else "of no known type"
                notes.append(f"{safe_text(path.name)}: ROI {number} contour #{index + 1} is "
                             f"{shown}, not CLOSED_PLANAR; skipped")
                continue
            data = np.asarray([float(v) for v in contour.ContourData])
            count = int(contour.get("NumberOfContourPoints", len(data) // 3))
            if data.size != 3 * count or count < 3:
                raise DicomInputError(
                    f"RTSTRUCT {safe_text(path, 120)} (SOP Instance {safe_uid(uid)}), ROI "
                    f"{number} contour "
                    f"#{index + 1}: ContourData has {data.size} numbers for "
                    f"NumberOfContourPoints {count}; expected 3 per point and at least 3 "
                    "points", path=path, sop_instance_uid=safe_uid(uid), keyword="ContourData")
            images = contour.get("ContourImageSequence", [])
            image_uid = str(images[0].ReferencedSOPInstanceUID) if images else None
            loops.append(RTContour(points_mm=data.reshape(count, 3),
                                   sop_instance_uid=image_uid))
    rois = []
    for item in dataset.get("StructureSetROISequence", []):
        number = int(item.ROINumber)
        rois.append(RTROI(
            number=number, name=str(item.get("ROIName", "")).strip() or f"ROI-{number}",
            interpreted_type=types.get(number),
            frame_of_reference_uid=str(item.get("ReferencedFrameOfReferenceUID", "")) or None,
            contours=tuple(contours_by_roi.get(number, ())),
            skipped_types=tuple(skipped_by_roi.get(number, ()))))
    for roi in rois:
        if not roi.contours:
            notes.append(f"{safe_text(path.name)}: ROI {roi.number} ({safe_text(roi.name, 40)}) "
                         "has no closed contour")
    return RTStructureSet(path=path, sop_instance_uid=uid,
                          study_instance_uid=str(dataset.get("StudyInstanceUID", "")),
                          rois=tuple(rois), notes=tuple(notes))
