"""DICOM SEG in and out: segments <-> a label volume aligned to a CT series.

Reading (:func:`read_segmentation`) turns each segment into one label value (its segment
number) of a ``(n_slices, rows, columns)`` volume on the series grid — frames are matched
to slices by their referenced source SOP Instance UID — and reports per segment its
label, tracking identifier / UID, anatomic region (organ), whether that region is a lymph
node, and its description as written (where a writer may have put what the lesion is).

Writing (:func:`write_segmentation`) makes a binary SEG with highdicom from a label volume
and segment records; the patient and study attributes come from the source images.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom.errors
from pydicom.dataset import Dataset

from dicom_io.codes import LYMPH_NODE_CODES as _LYMPH_NODE_CODES
from dicom_io.codes import derived_uid as _derived_uid
from dicom_io.codes import organ_code
from dicom_io.errors import DicomInputError, unreadable_file_error
from dicom_io.geometry import SeriesGeometry

__all__ = [
    "POSITION_TOLERANCE_MM",
    "SegmentInfo",
    "SegmentationLabels",
    "read_segmentation",
    "write_segmentation",
]

POSITION_TOLERANCE_MM = 0.01
"""Largest offset (mm) of a SEG frame without source references from a series pixel grid."""
_ABNORMAL = hd.sr.CodedConcept("49755003", "SCT", "Morphologically abnormal structure")
_LESION = hd.sr.CodedConcept("52988006", "SCT", "Lesion")


@dataclass(frozen=True)
class SegmentInfo:
    """One segment: ``number`` is its label value in the volume.

    ``description`` is the SegmentDescription (stripped; None when absent or empty).
    """

    number: int
    label: str
    tracking_id: str | None = None
    tracking_uid: str | None = None
    organ: str | None = None
    nodal: bool = False
    description: str | None = None


@dataclass(frozen=True, eq=False)
class SegmentationLabels:
    """A label volume on the series grid and the segments it holds."""

    labels: np.ndarray
    segments: tuple[SegmentInfo, ...]
    path: Path | None = None


def _segment_info(item: Dataset) -> SegmentInfo:
    regions = list(item.get("AnatomicRegionSequence", []))
    keys = [(str(r.get("CodingSchemeDesignator", "")), str(r.get("CodeValue", "")))
            for r in regions]
    meanings = [str(r.get("CodeMeaning", "")) for r in regions]
    nodal = any(k in _LYMPH_NODE_CODES or "lymph node" in m.lower()
                for k, m in zip(keys, meanings))
    organs = [m for k, m in zip(keys, meanings)
              if m and k not in _LYMPH_NODE_CODES and "lymph node" not in m.lower()]
    organ = (organs or [m for m in meanings if m] or [None])[0]
    description = str(item.get("SegmentDescription", "")).strip()
    return SegmentInfo(
        number=int(item.SegmentNumber), label=str(item.get("SegmentLabel", "")).strip(),
        tracking_id=str(item.TrackingID) if "TrackingID" in item else None,
        tracking_uid=str(item.TrackingUID) if "TrackingUID" in item else None,
        organ=organ.lower() if organ else None, nodal=nodal,
        description=description or None)


def read_segmentation(path: str | Path, geometry: SeriesGeometry) -> SegmentationLabels:
    """Read a DICOM SEG as a label volume aligned to a series.

    Parameters
    ----------
    path
        The SEG file.
    geometry
        Geometry of the CT series the SEG was drawn on (its ``sop_instance_uids`` give
        the slice order).

    Returns
    -------
    SegmentationLabels
        ``labels[k, j, i]`` = segment number (0 = background).

    Raises
    ------
    DicomInputError
        If the file is not a SEG, references none of the series' images, has another
        grid, or its segments overlap (a voxel can carry only one label).
    """
    path = Path(path)
    try:
        seg = hd.seg.segread(path)
    except (ValueError, AttributeError, OSError, EOFError, KeyError,
            pydicom.errors.InvalidDicomError) as error:
        raise unreadable_file_error(path, error, "DICOM SEG (Segmentation Storage)") \
            from error
    uid = str(seg.SOPInstanceUID)
    referenced = {str(ref.ReferencedSOPInstanceUID)
                  for series in seg.get("ReferencedSeriesSequence", [])
                  for ref in series.get("ReferencedInstanceSequence", [])}
    if referenced and not referenced & set(geometry.sop_instance_uids):
        raise DicomInputError(
            f"SEG {path} (SOP Instance {uid}) references none of the images of series "
            f"{geometry.series_instance_uid}; pass the series it was drawn on",
            path=path, sop_instance_uid=uid, keyword="ReferencedSeriesSequence")
    if (int(seg.Rows), int(seg.Columns)) != tuple(geometry.shape[1:]):
        raise DicomInputError(
            f"SEG {path} (SOP Instance {uid}) has {seg.Rows}x{seg.Columns} frames, the "
            f"series has {geometry.shape[1]}x{geometry.shape[2]} images; resample the "
            "segmentation onto the series grid", path=path, sop_instance_uid=uid,
            keyword="Rows")
    if _frames_reference_sources(seg):
        try:
            labels = seg.get_pixels_by_source_instance(
                source_sop_instance_uids=list(geometry.sop_instance_uids),
                combine_segments=True, relabel=False)
        except (ValueError, KeyError, RuntimeError) as error:
            raise DicomInputError(
                f"cannot place the frames of SEG {path} (SOP Instance {uid}) on series "
                f"{geometry.series_instance_uid}: {error}; segments must not overlap and "
                "every frame must reference an image of the series", path=path,
                sop_instance_uid=uid) from error
    else:
        labels = _labels_by_position(seg, geometry, path)
    segments = tuple(_segment_info(item) for item in seg.SegmentSequence)
    return SegmentationLabels(labels=np.asarray(labels).astype(np.uint16),
                              segments=segments, path=path)


def _frames_reference_sources(seg: Dataset) -> bool:
    frames = seg.get("PerFrameFunctionalGroupsSequence", [])
    return bool(frames) and all(
        item.get("DerivationImageSequence")
        and item.DerivationImageSequence[0].get("SourceImageSequence") for item in frames)


def _labels_by_position(seg: Dataset, geometry: SeriesGeometry, path: Path) -> np.ndarray:
    """Place frames by their ImagePositionPatient when they name no source image.

    A frame must lie on a slice plane of the series (within ``POSITION_TOLERANCE_MM``)
    with the series' orientation; overlapping segments are refused.
    """
    uid = str(seg.SOPInstanceUID)
    shared = seg.get("SharedFunctionalGroupsSequence", [Dataset()])[0]
    orientation = shared.get("PlaneOrientationSequence", [Dataset()])[0].get(
        "ImageOrientationPatient")
    expected = np.concatenate([geometry.row_direction, geometry.column_direction])
    if orientation is None or not np.allclose([float(v) for v in orientation], expected,
                                              atol=1e-4):
        raise DicomInputError(
            f"SEG {path} (SOP Instance {uid}) frames name no source image and their "
            "ImageOrientationPatient is missing or differs from the series "
            f"{geometry.series_instance_uid}; resample the segmentation onto the series",
            path=path, sop_instance_uid=uid, keyword="ImageOrientationPatient")
    pixels = np.asarray(seg.pixel_array)
    pixels = pixels.reshape((-1,) + pixels.shape[-2:])
    fractional = str(seg.get("SegmentationType", "")) == "FRACTIONAL"
    threshold = float(seg.get("MaximumFractionalValue", 1)) / 2 if fractional else 0
    labels = np.zeros(tuple(geometry.shape), np.uint16)
    for index, frame in enumerate(seg.PerFrameFunctionalGroupsSequence):
        position = [float(v) for v in frame.PlanePositionSequence[0].ImagePositionPatient]
        kji = geometry.patient_mm_to_voxel(np.asarray(position))
        k = int(np.rint(kji[0]))
        off_mm = np.abs(kji - np.array([k, 0.0, 0.0])) * np.array(
            [geometry.slice_spacing_mm, *geometry.pixel_spacing_mm])
        if not 0 <= k < geometry.shape[0] or float(off_mm.max()) > POSITION_TOLERANCE_MM:
            raise DicomInputError(
                f"SEG {path} (SOP Instance {uid}) frame {index + 1} at {position} mm lies "
                f"on no slice of series {geometry.series_instance_uid} (or is shifted "
                "within it); resample the segmentation onto the series grid",
                path=path, sop_instance_uid=uid, keyword="ImagePositionPatient")
        number = int(frame.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
        mask = pixels[index] > threshold
        if np.any(labels[k][mask]):
            raise DicomInputError(
                f"SEG {path} (SOP Instance {uid}): segment {number} overlaps another "
                f"segment on slice {k}; a label volume holds one segment per voxel",
                path=path, sop_instance_uid=uid)
        labels[k][mask] = number
    return labels


def write_segmentation(
    labels: np.ndarray,
    segments: Sequence[SegmentInfo],
    source_images: Sequence[Dataset],
    geometry: SeriesGeometry,
    out_path: str | Path,
    *,
    series_number: int = 9002,
) -> Path:
    """Write a label volume as a binary DICOM SEG (one segment per label value).

    Parameters
    ----------
    labels
        ``(n_slices, rows, columns)`` integer volume on ``geometry``'s grid.
    segments
        One record per label value present; ``label`` becomes SegmentLabel,
        ``description`` the SegmentDescription, ``organ`` the anatomic region
        (``dicom_io.codes.organ_code``).
    source_images
        Headers of the series' images (any order).
    geometry
        The series geometry (slice order).
    out_path
        The SEG file to write.
    """
    labels = np.asarray(labels)
    if labels.shape != tuple(geometry.shape):
        raise ValueError(f"label volume shape {labels.shape} differs from the series shape "
                         f"{tuple(geometry.shape)}")
    by_uid = {str(ds.SOPInstanceUID): ds for ds in source_images}
    missing = [u for u in geometry.sop_instance_uids if u not in by_uid]
    if missing:
        raise DicomInputError(f"source image {missing[0]} of series "
                              f"{geometry.series_instance_uid} was not given; pass the "
                              "headers of every slice", sop_instance_uid=missing[0])
    ordered = [by_uid[u] for u in geometry.sop_instance_uids]
    present = sorted(int(v) for v in np.unique(labels) if v != 0)
    numbers = sorted(s.number for s in segments)
    if present != numbers:
        raise ValueError(f"label values present {present} differ from the segment numbers "
                         f"given {numbers}; give one segment record per label value")
    descriptions = []
    for segment in sorted(segments, key=lambda s: s.number):
        organ = (segment.organ or "").strip()
        code = organ_code(organ) if organ else None
        regions = [code] if code is not None else []
        if segment.nodal and (code is None or code.value != "59441001"):
            regions.append(hd.sr.CodedConcept("59441001", "SCT", "Lymph node"))
        description = hd.seg.SegmentDescription(
            segment_number=segment.number, segment_label=segment.label[:64],
            segmented_property_category=_ABNORMAL, segmented_property_type=_LESION,
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
            tracking_id=segment.tracking_id or segment.label,
            tracking_uid=segment.tracking_uid or _derived_uid("seg-tracking", segment.label),
            anatomic_regions=regions or None)
        if segment.description:
            description.SegmentDescription = segment.description
        descriptions.append(description)
    seed = [geometry.series_instance_uid, hashlib.sha256(labels.tobytes()).hexdigest()]
    seg = hd.seg.Segmentation(
        source_images=ordered, pixel_array=labels.astype(np.uint16),
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=descriptions,
        series_instance_uid=_derived_uid("seg-series", *seed), series_number=series_number,
        sop_instance_uid=_derived_uid("seg", *seed), instance_number=1,
        manufacturer="recist", manufacturer_model_name="recist",
        software_versions="recist", device_serial_number="0",
        content_label="LESIONS", content_description="RECIST lesion masks")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    try:
        seg.save_as(tmp)
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path
