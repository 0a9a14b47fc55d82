"""DICOM SEG in and out: segments <-> a label volume aligned to a CT series.

Reading (:func:`read_segmentation`) places each segment on the series grid as its own
mask — frames are placed by their plane position, whether or not the writer declared
SpatialLocationsPreserved (dcmqi and 3D Slicer leave it out), so overlapping segments
(an organ and its tumour) are each measured whole; a FRACTIONAL segment is thresholded
at a fraction of 0.5 — and reports per segment its label, tracking identifier / UID,
anatomic region (organ), whether that region is a lymph node, and its description as
written (where a writer may have put what the lesion is). A SEG of another series or
frame of reference, or frames off the series' slices or pixel grid, are refused.

Writing (:func:`write_segmentation`) makes a binary SEG with highdicom from a label volume
and segment records; the patient and study attributes come from the source images.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
import pydicom.errors
from pydicom.dataset import Dataset

from dicom_io.codes import LYMPH_NODE_CODES as _LYMPH_NODE_CODES
from dicom_io.codes import derived_uid as _derived_uid
from dicom_io.codes import organ_code
from dicom_io.errors import (
    DicomInputError,
    captured_warnings,
    damaged_object,
    safe_text,
    safe_uid,
    unreadable_file_error,
)
from dicom_io.geometry import SeriesGeometry

__all__ = [
    "FRACTIONAL_THRESHOLD",
    "POSITION_TOLERANCE_MM",
    "SegmentInfo",
    "SegmentMask",
    "SegmentationLabels",
    "read_segmentation",
    "write_segmentation",
]

POSITION_TOLERANCE_MM = 0.01
"""Largest offset (mm) of a SEG frame from a slice plane and pixel grid of the series."""
FRACTIONAL_THRESHOLD = 0.5
"""A FRACTIONAL segment holds a voxel when its fraction (value / MaximumFractionalValue)
is at least this."""
_SEG_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
_ORIENTATION_TOLERANCE = 1e-4
_SPACING_TOLERANCE_MM = 1e-3
_MAX_LISTED = 5
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
class SegmentMask:
    """The voxels of one segment: ``mask`` (bool) placed at ``offset`` (slice, row, column)
    of the series grid (the bounding box of its frames)."""

    number: int
    offset: tuple[int, int, int]
    mask: np.ndarray


@dataclass(frozen=True, eq=False)
class SegmentationLabels:
    """The segments of a SEG placed on a series grid.

    ``masks`` holds one :class:`SegmentMask` per segment that has voxels (segments may
    overlap: each is kept whole); ``shape`` is the series grid's; ``segmentation_type`` is
    ``BINARY``, ``FRACTIONAL`` (thresholded at :data:`FRACTIONAL_THRESHOLD`) or
    ``LABELMAP``.
    """

    segments: tuple[SegmentInfo, ...]
    masks: dict[int, SegmentMask]
    shape: tuple[int, int, int]
    segmentation_type: str = "BINARY"
    path: Path | None = None
    notes: tuple[str, ...] = ()
    """What the DICOM reader warned about while reading the file (no header value)."""

    @property
    def overlapping(self) -> list[tuple[int, int]]:
        """Pairs of segment numbers sharing at least one voxel."""
        pairs = []
        numbers = sorted(self.masks)
        for i, a in enumerate(numbers):
            for b in numbers[i + 1:]:
                if np.any(self._full(a) & self._full(b)):
                    pairs.append((a, b))
        return pairs

    def _full(self, number: int) -> np.ndarray:
        item = self.masks[number]
        full = np.zeros(self.shape, dtype=bool)
        k, r, c = item.offset
        n, rows, columns = item.mask.shape
        full[k:k + n, r:r + rows, c:c + columns] = item.mask
        return full

    @property
    def labels(self) -> np.ndarray:
        """One label volume (segment number per voxel; 0 = none).

        Raises ``ValueError`` when segments overlap (a voxel can carry only one label).
        """
        labels = np.zeros(self.shape, np.uint16)
        for number in sorted(self.masks):
            full = self._full(number)
            if np.any(labels[full]):
                raise ValueError(f"segment {number} overlaps another segment; a label "
                                 "volume holds one segment per voxel (use masks)")
            labels[full] = number
        return labels


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


def _listed(values: list[str]) -> str:
    more = f" and {len(values) - _MAX_LISTED} more" if len(values) > _MAX_LISTED else ""
    return ", ".join(values[:_MAX_LISTED]) + more


def _functional(seg: Dataset, frame: Dataset, sequence: str, keyword: str) -> Any:
    """A frame's functional-group value: per-frame first, then shared."""
    for groups in (frame, seg.get("SharedFunctionalGroupsSequence", [Dataset()])[0]):
        items = groups.get(sequence)
        if items and keyword in items[0]:
            return items[0].get(keyword)
    return None


def read_segmentation(path: str | Path, geometry: SeriesGeometry, *,
                      frame_of_reference_uid: str | None = None) -> SegmentationLabels:
    """Read a DICOM SEG and place each segment on the grid of a series.

    Frames are placed by their position (ImagePositionPatient of the Plane Position
    functional group) on the series' slice planes and pixel grid, whether or not the
    writer declared SpatialLocationsPreserved (dcmqi and 3D Slicer leave it out); a frame
    that names a source image must name one of the series. Each segment is kept as its
    own mask, so overlapping segments (an organ and its tumour) are both measured.
    A FRACTIONAL segment holds a voxel where its fraction is at least
    :data:`FRACTIONAL_THRESHOLD`.

    Parameters
    ----------
    path
        The SEG file.
    geometry
        Geometry of the CT series the SEG was drawn on.
    frame_of_reference_uid
        The series' FrameOfReferenceUID, checked against the SEG's when given.

    Returns
    -------
    SegmentationLabels

    Raises
    ------
    DicomInputError
        If the file is not a SEG; belongs to another series or frame of reference; or a
        frame lies off the series' slices or pixel grid, has another orientation or pixel
        spacing, or names no segment. The message names the file, the UIDs and the fix.
    """
    path = Path(path)
    warned: list[str] = []
    what = "DICOM SEG (Segmentation Storage)"
    with captured_warnings(path.name, warned), damaged_object(path, what):
        try:
            seg = pydicom.dcmread(path)
        except (pydicom.errors.InvalidDicomError, OSError, EOFError) as error:
            raise unreadable_file_error(path, error, what) from error
        labels = _read_segmentation(seg, path, geometry, frame_of_reference_uid)
    return replace(labels, notes=tuple(warned))


def _read_segmentation(seg: Dataset, path: Path, geometry: SeriesGeometry,
                       frame_of_reference_uid: str | None) -> SegmentationLabels:
    uid = safe_uid(seg.get("SOPInstanceUID", ""))
    where = f"SEG {safe_text(path, 120)} (SOP Instance {uid})"
    series_uid = safe_uid(geometry.series_instance_uid) if geometry.series_instance_uid \
        else "(unknown UID)"
    if str(seg.get("SOPClassUID", "")) != _SEG_CLASS:
        raise DicomInputError(
            f"cannot read segments from {safe_text(path, 120)} (SOP Instance {uid}): "
            f"SOPClassUID is {safe_uid(seg.get('SOPClassUID'))}, expected Segmentation "
            f"Storage ({_SEG_CLASS}); pass the SEG file", path=path, sop_instance_uid=uid,
            keyword="SOPClassUID")
    _check_series(seg, geometry, frame_of_reference_uid, where, path)
    orientation = _functional(seg, Dataset(), "PlaneOrientationSequence",
                              "ImageOrientationPatient")
    expected = np.concatenate([geometry.row_direction, geometry.column_direction])
    cosines = [float(v) for v in orientation] if orientation is not None else []
    if len(cosines) != 6 or not np.allclose(cosines, expected, atol=_ORIENTATION_TOLERANCE):
        raise DicomInputError(
            f"{where}: ImageOrientationPatient {np.round(cosines, 4).tolist()} differs from "
            f"series {series_uid} ({np.round(expected, 4).tolist()}); resample the "
            "segmentation onto the series", path=path, sop_instance_uid=uid,
            keyword="ImageOrientationPatient")
    spacing = _functional(seg, Dataset(), "PixelMeasuresSequence", "PixelSpacing")
    if spacing is not None and not np.allclose(
            [float(v) for v in spacing], geometry.pixel_spacing_mm,
            atol=_SPACING_TOLERANCE_MM):
        raise DicomInputError(
            f"{where}: PixelSpacing {[float(v) for v in spacing]} mm differs from series "
            f"{series_uid} ({list(geometry.pixel_spacing_mm)} mm); resample the "
            "segmentation onto the series grid", path=path, sop_instance_uid=uid,
            keyword="PixelSpacing")
    kind = str(seg.get("SegmentationType", "BINARY")).upper()
    pixels = np.asarray(seg.pixel_array)
    pixels = pixels.reshape((-1,) + pixels.shape[-2:])
    if kind == "FRACTIONAL":
        maximum = float(seg.get("MaximumFractionalValue", 255) or 255)
        present = pixels.astype(np.float32) >= FRACTIONAL_THRESHOLD * maximum
    else:
        present = pixels > 0
    segments = tuple(_segment_info(item) for item in seg.get("SegmentSequence", []))
    numbers = {s.number for s in segments}
    pieces: dict[int, list[tuple[int, int, int, np.ndarray]]] = {}
    frames = seg.get("PerFrameFunctionalGroupsSequence", [])
    if len(frames) != len(pixels):
        raise DicomInputError(
            f"{where}: {len(pixels)} frame(s) of pixel data but {len(frames)} per-frame "
            "functional group item(s); the file is damaged — export it again",
            path=path, sop_instance_uid=uid, keyword="PerFrameFunctionalGroupsSequence")
    for index, frame in enumerate(frames):
        k, row, column = _place_frame(seg, frame, index, geometry, pixels.shape[1:],
                                      where, path)
        if kind == "LABELMAP":
            for number in (int(v) for v in np.unique(pixels[index]) if v):
                pieces.setdefault(number, []).append(
                    (k, row, column, pixels[index] == number))
            continue
        number = _functional(seg, frame, "SegmentIdentificationSequence",
                             "ReferencedSegmentNumber")
        if number is None or int(number) not in numbers:
            raise DicomInputError(
                f"{where}: frame {index + 1} names segment {safe_text(number, 12)}, which is "
                "not in its "
                f"SegmentSequence ({sorted(numbers)}); the file is damaged — export it "
                "again", path=path, sop_instance_uid=uid,
                keyword="ReferencedSegmentNumber")
        if present[index].any():
            pieces.setdefault(int(number), []).append(
                (k, row, column, present[index]))
    shape = (int(geometry.shape[0]), int(geometry.shape[1]), int(geometry.shape[2]))
    masks = {number: _segment_mask(number, items, shape) for number, items in pieces.items()}
    return SegmentationLabels(segments=segments, masks=masks, shape=shape,
                              segmentation_type=kind, path=path)


def _check_series(seg: Dataset, geometry: SeriesGeometry, frame_uid: str | None,
                  where: str, path: Path) -> None:
    uid = safe_uid(seg.get("SOPInstanceUID", ""))
    series_uid = geometry.series_instance_uid
    seg_frame = str(seg.get("FrameOfReferenceUID", "")).strip()
    if frame_uid and seg_frame and seg_frame != frame_uid:
        raise DicomInputError(
            f"{where} is in frame of reference {safe_uid(seg_frame)}, series "
            f"{safe_uid(series_uid)} in {safe_uid(frame_uid)}: it was drawn on another "
            "acquisition; pass the series it was drawn on", path=path,
            sop_instance_uid=uid, keyword="FrameOfReferenceUID")
    referenced_series = [str(item.get("SeriesInstanceUID", ""))
                         for item in seg.get("ReferencedSeriesSequence", [])]
    if series_uid and referenced_series and series_uid not in referenced_series:
        raise DicomInputError(
            f"{where} was drawn on series {_listed([safe_uid(u) for u in referenced_series])}"
            f", not on series {safe_uid(series_uid)} given (it references none of the "
            "images of that series); pass the series it was drawn on", path=path,
            sop_instance_uid=uid, keyword="ReferencedSeriesSequence")
    ours = set(geometry.sop_instance_uids)
    sources = [str(source.get("ReferencedSOPInstanceUID", ""))
               for frame in seg.get("PerFrameFunctionalGroupsSequence", [])
               for derivation in frame.get("DerivationImageSequence", [])
               for source in derivation.get("SourceImageSequence", [])]
    missing = sorted({s for s in sources if s and s not in ours}) if ours else []
    if missing:
        raise DicomInputError(
            f"{where}: its frames were derived from {len(missing)} image(s) that are not in "
            f"series {safe_uid(series_uid)}: {_listed([safe_uid(u) for u in missing])}; pass "
            "the series it was drawn on",
            path=path, sop_instance_uid=uid, keyword="SourceImageSequence")


def _place_frame(seg: Dataset, frame: Dataset, index: int, geometry: SeriesGeometry,
                 frame_shape: tuple[int, ...], where: str, path: Path
                 ) -> tuple[int, int, int]:
    """Slice index and (row, column) offset of a frame on the series grid, or refuse it."""
    uid = safe_uid(seg.get("SOPInstanceUID", ""))
    position = _functional(seg, frame, "PlanePositionSequence", "ImagePositionPatient")
    if position is None:
        raise DicomInputError(
            f"{where}: frame {index + 1} has no ImagePositionPatient (Plane Position "
            "functional group), so it cannot be placed on the series; export the "
            "segmentation with plane positions", path=path, sop_instance_uid=uid,
            keyword="ImagePositionPatient")
    point = np.asarray([float(v) for v in position])
    kji = geometry.patient_mm_to_voxel(point)
    grid = np.rint(kji)
    off_mm = np.abs(kji - grid) * np.array(
        [geometry.slice_spacing_mm, *geometry.pixel_spacing_mm])
    k, row, column = (int(v) for v in grid)
    rows, columns = frame_shape
    inside = (0 <= k < geometry.shape[0] and 0 <= row and 0 <= column
              and row + rows <= geometry.shape[1] and column + columns <= geometry.shape[2])
    if not inside or float(off_mm.max()) > POSITION_TOLERANCE_MM:
        raise DicomInputError(
            f"{where}: frame {index + 1} at {np.round(point, 3).tolist()} mm lies on no "
            f"slice and pixel grid of series {safe_uid(geometry.series_instance_uid)} (slice "
            f"{kji[0]:.2f}, row {kji[1]:.2f}, column {kji[2]:.2f}: more than "
            f"{POSITION_TOLERANCE_MM} mm off, or outside it); resample the segmentation "
            "onto the series grid", path=path, sop_instance_uid=uid,
            keyword="ImagePositionPatient")
    return k, row, column


def _segment_mask(number: int, items: list[tuple[int, int, int, np.ndarray]],
                  shape: tuple[int, int, int]) -> SegmentMask:
    """The frames of one segment cropped to their common bounding box."""
    parts = []
    for k, row, column, frame in items:
        rr, cc = np.nonzero(frame)
        top, left = int(rr.min()), int(cc.min())
        part = frame[top:int(rr.max()) + 1, left:int(cc.max()) + 1]
        parts.append((k, row + top, column + left, part))
    k0 = min(p[0] for p in parts)
    r0 = min(p[1] for p in parts)
    c0 = min(p[2] for p in parts)
    k1 = max(p[0] for p in parts) + 1
    r1 = max(p[1] + p[3].shape[0] for p in parts)
    c1 = max(p[2] + p[3].shape[1] for p in parts)
    mask = np.zeros((k1 - k0, r1 - r0, c1 - c0), dtype=bool)
    for k, row, column, part in parts:
        mask[k - k0, row - r0:row - r0 + part.shape[0],
             column - c0:column - c0 + part.shape[1]] |= part
    return SegmentMask(number=number, offset=(k0, r0, c0), mask=mask)


# Okabe-Ito colours (distinguishable with any colour vision), segment by segment.
_SEGMENT_COLOURS = ((230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66),
                    (0, 114, 178), (213, 94, 0), (204, 121, 167))


def _display_color(number: int) -> hd.color.CIELabColor:
    """RecommendedDisplayCIELabValue of a segment: viewers (OHIF) otherwise pick one and
    warn that none was recommended."""
    return hd.color.CIELabColor.from_rgb(*_SEGMENT_COLOURS[(number - 1) % len(_SEGMENT_COLOURS)])


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
            anatomic_regions=regions or None,
            display_color=_display_color(segment.number))
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
        content_label="LESIONS", content_description="RECIST lesion masks",
        series_description="RECIST lesion masks")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    try:
        seg.save_as(tmp)
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path
