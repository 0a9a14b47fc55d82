"""Check the slices of one series and decide how they stack into a volume.

Multi-frame (enhanced) objects are first split into one header per frame
(:func:`dicom_io.enhanced.frame_headers`); every check below then applies to frames as to
single-frame slices.

Tolerances (chosen for CT; a scanner writes identical values within a series, so these
only absorb decimal-string rounding):

* orientation: every ImageOrientationPatient component within ``1e-4`` of the first slice;
  its two vectors of length 1 within ``1e-3`` (then normalised) and orthogonal within
  ``1e-4`` (|cosine|);
* pixel spacing: within a relative ``1e-4`` of the first slice;
* slice order: by position along the normal ``row_direction x column_direction``
  (never file name, never InstanceNumber);
* duplicate positions: two slices closer than ``1e-3`` mm along the normal;
* shear (gantry tilt): a slice whose position leaves the normal through the first slice by
  more than a tenth of the smaller pixel spacing;
* missing slices: a step larger than ``1.5 x`` the median step;
* non-uniform spacing: a step that differs from the median step by more than 1 %;
* localizers: images whose ImageType contains LOCALIZER, and at most
  :data:`MAX_SCOUT_IMAGES` untagged images whose plane is more than 45 degrees from the
  series' main plane, are excluded with a note (not an error). A smaller rotation is a
  mixed-orientation error.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from operator import attrgetter

import numpy as np

from dicom_io.discover import (
    ENHANCED_STORAGE_CLASSES,
    IMAGE_STORAGE_CLASSES,
    SeriesRecord,
    SliceHeader,
)
from dicom_io.enhanced import frame_headers
from dicom_io.errors import DicomInputError, safe_text, safe_uid
from dicom_io.geometry import (
    MAX_SPACING_MM,
    ORTHONORMAL_TOLERANCE,
    SeriesGeometry,
    date_problem,
    implausible_allowed,
)

__all__ = [
    "DUPLICATE_POSITION_MM",
    "GAP_FACTOR",
    "MAX_SCOUT_IMAGES",
    "MAX_VOXELS",
    "ORIENTATION_TOLERANCE",
    "PIXEL_SPACING_RELATIVE_TOLERANCE",
    "SHEAR_TOLERANCE_PIXELS",
    "SPACING_RELATIVE_TOLERANCE",
    "StackPlan",
    "check_consistency",
    "describe_problem",
    "plan_stack",
    "series_date",
]

ORIENTATION_TOLERANCE = 1e-4
PIXEL_SPACING_RELATIVE_TOLERANCE = 1e-4
DUPLICATE_POSITION_MM = 1e-3
SHEAR_TOLERANCE_PIXELS = 0.1
GAP_FACTOR = 1.5
SPACING_RELATIVE_TOLERANCE = 0.01
MAX_SCOUT_IMAGES = 3
#: Largest volume loaded (voxels): 8 GiB of int16; a CT series is well under 2^31.
MAX_VOXELS = 1 << 32
_SCOUT_MIN_ANGLE_COS = np.cos(np.radians(45.0))


@dataclass(frozen=True, eq=False)
class StackPlan:
    """Slices in volume order, the geometry they make, and what was left out."""

    headers: tuple[SliceHeader, ...]
    geometry: SeriesGeometry
    notes: tuple[str, ...]
    excluded: tuple[SliceHeader, ...]


def _fmt(values) -> str:
    return "\\".join(f"{float(v):g}" for v in values)


def _short(uid: str) -> str:
    uid = safe_uid(uid)
    return uid if len(uid) <= 28 else f"{uid[:12]}…{uid[-12:]}"


def _where(header: SliceHeader) -> str:
    return f"{safe_text(header.name)} (SOP Instance UID {safe_uid(header.sop_instance_uid)})"


def _error(series_uid: str, what: str, header: SliceHeader | None, keyword: str | None,
           fix: str) -> DicomInputError:
    return DicomInputError(
        f"cannot stack series {_short(series_uid)}: {what}. {fix}",
        path=None if header is None else header.path,
        sop_instance_uid=None if header is None else header.sop_instance_uid,
        keyword=keyword,
    )


def _check_class(record: SeriesRecord) -> None:
    uid = record.series_instance_uid
    first = record.headers[0]
    if record.sop_class_uid not in IMAGE_STORAGE_CLASSES \
            and record.sop_class_uid not in ENHANCED_STORAGE_CLASSES:
        raise _error(
            uid, f"it is not an image series (SOP Class UID {safe_uid(record.sop_class_uid)}, "
            f"modality {safe_text(record.modality or 'unknown', 16)})", first, "SOPClassUID",
            "Choose a CT image series with --series-uid")
    for header in record.headers:
        if header.sop_class_uid != record.sop_class_uid:
            raise _error(uid, f"{_where(header)} has SOP Class UID "
                         f"{safe_uid(header.sop_class_uid)}, the other files "
                         f"{safe_uid(record.sop_class_uid)}", header, "SOPClassUID",
                         "Remove the foreign file from the series")


#: Elements every file of a series must agree on: (attribute, keyword).
_AGREEING = (("patient_id", "PatientID"), ("study_instance_uid", "StudyInstanceUID"),
             ("frame_of_reference_uid", "FrameOfReferenceUID"), ("modality", "Modality"),
             ("study_date", "StudyDate"))


#: The UIDs of a file that end up in the geometry, the tables and others' messages: never
#: anything but digits and dots (a damaged element may hold a patient's name).
_UIDS = (("sop_instance_uid", "SOPInstanceUID"), ("series_instance_uid", "SeriesInstanceUID"),
         ("study_instance_uid", "StudyInstanceUID"),
         ("frame_of_reference_uid", "FrameOfReferenceUID"))
_UID_CHARACTERS = re.compile(r"[0-9.]{1,64}")


def check_consistency(record: SeriesRecord) -> None:
    """Refuse a series whose files disagree on PatientID, StudyInstanceUID,
    FrameOfReferenceUID, Modality or StudyDate, share a SOP Instance UID, or have a UID
    that holds anything but digits and dots.

    The files are named with their instance numbers; the values themselves are never
    shown (a PatientID is an identifier).
    """
    if _consistent_at_a_glance(record.headers):
        return
    uid = record.series_instance_uid
    first = record.headers[0]
    for header in record.headers:
        for attribute, keyword in _UIDS:
            value = getattr(header, attribute)
            if value and not _UID_CHARACTERS.fullmatch(value):
                raise _error(
                    uid, f"{header.where} has a {keyword} that is not a UID (digits and dots, "
                    "at most 64)", header, keyword, "Export the series again")
    for header in record.headers[1:]:
        for attribute, keyword in _AGREEING:
            if getattr(header, attribute) != getattr(first, attribute):
                raise _error(
                    uid, f"{header.where} has another {keyword} than {first.where}; the "
                    "files of one series belong to one patient, study and scan", header,
                    keyword, "Remove the foreign file from the folder, or export the "
                    "series again")
    seen: dict[str, SliceHeader] = {}
    for header in record.headers:
        other = seen.setdefault(header.sop_instance_uid, header)
        if other is not header:
            raise _error(
                uid, f"{other.where} and {header.where} have the same SOP Instance UID "
                f"{_short(header.sop_instance_uid)}; every image has its own", header,
                "SOPInstanceUID", "Remove the copy, or export the series again")


def _consistent_at_a_glance(headers: tuple[SliceHeader, ...]) -> bool:
    """True when ``check_consistency`` finds nothing, tested on the distinct values of each
    element (each UID checked once, agreement as one value per element, no SOP Instance
    UID twice) without a loop per file; False sends it to its file-by-file loops, which
    name the first problem."""
    for attribute, _ in _UIDS:
        values = set(map(attrgetter(attribute), headers)) - {"", None}  # not checked
        if not all(map(_UID_CHARACTERS.fullmatch, values)):
            return False
    for attribute, _ in _AGREEING:
        if len(set(map(attrgetter(attribute), headers))) > 1:
            return False
    return len(set(map(attrgetter("sop_instance_uid"), headers))) == len(headers)


def series_date(record: SeriesRecord) -> tuple[str, str | None, str | None]:
    """``(iso_date, problem, note)`` of a series' scan date.

    The date is StudyDate, else (with a note) SeriesDate, AcquisitionDate or ContentDate;
    ``problem`` says why there is no usable date (none in any file, not a calendar date,
    outside the plausibility bounds), in which case ``iso_date`` is empty.
    """
    from dicom_io.discover import scan_date

    value, keyword = scan_date(record.headers)
    if not value:
        return "", ("no file has a StudyDate (nor SeriesDate, AcquisitionDate or "
                    "ContentDate), so the scan date is unknown"), None
    problem = date_problem(value)
    if problem is not None:
        return "", f"(0008,0020) {keyword} {problem}", None
    iso = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    note = None if keyword == "StudyDate" else (
        f"StudyDate is empty in series {_short(record.series_instance_uid)}; the scan date "
        f"{iso} is taken from {keyword}")
    return iso, None, note


def _finite(values) -> bool:
    return bool(np.all(np.isfinite(np.asarray(values, dtype=float))))


def _check_values(uid: str, header: SliceHeader) -> None:
    """Numbers that cannot be (not finite, 0 or less) or are implausible (over
    :data:`dicom_io.geometry.MAX_SPACING_MM`, unless ``RECIST_ALLOW_IMPLAUSIBLE``)."""
    fix = "Correct the header, or export the series again"
    for keyword, value in (("ImagePositionPatient", header.position_mm),
                           ("ImageOrientationPatient", header.orientation),
                           ("RescaleSlope", header.rescale_slope),
                           ("RescaleIntercept", header.rescale_intercept)):
        if not _finite(value):
            raise _error(uid, f"{header.where} has a {keyword} that is not finite",
                         header, keyword, fix)
    lenient = implausible_allowed()
    for keyword, values in (("PixelSpacing", header.pixel_spacing_mm),
                            ("SliceThickness", None if header.slice_thickness_mm is None
                             else (header.slice_thickness_mm,))):
        if values is None:
            continue
        if not _finite(values) or min(values) <= 0:
            raise _error(uid, f"{header.where} has {keyword} {_fmt(values)} mm, expected "
                         "finite values > 0", header, keyword, fix)
        if max(values) > MAX_SPACING_MM and not lenient:
            raise _error(uid, f"{header.where} has {keyword} {_fmt(values)} mm, over the "
                         f"plausible {MAX_SPACING_MM:g} mm", header, keyword,
                         "Correct the header, or rerun with --allow-implausible")
    if not (header.rows and header.columns and header.rows > 0 and header.columns > 0):
        raise _error(uid, f"{header.where} has {header.rows}x{header.columns} pixels "
                     "(Rows x Columns)", header, "Rows", fix)
    if header.bits_allocated not in (8, 16, 32) or header.pixel_representation not in (0, 1):
        raise _error(uid, f"{header.where} has BitsAllocated {header.bits_allocated} and "
                     f"PixelRepresentation {header.pixel_representation}, expected 8, 16 or "
                     "32 and 0 or 1", header, "BitsAllocated", fix)
    if header.bits_stored is not None and not 1 <= header.bits_stored <= header.bits_allocated:
        raise _error(uid, f"{header.where} has BitsStored {header.bits_stored}, more than "
                     f"BitsAllocated {header.bits_allocated}", header, "BitsStored", fix)
    expected = (header.rows * header.columns * header.number_of_frames
                * header.bits_allocated // 8)
    if header.is_native and header.pixel_data_length is not None \
            and header.pixel_data_length < expected:
        raise _error(uid, f"{header.where} holds {header.pixel_data_length} bytes of "
                     f"PixelData, its Rows, Columns and BitsAllocated need {expected}",
                     header, "PixelData", fix)


def _check_required(uid: str, header: SliceHeader) -> None:
    for keyword, value in (("ImagePositionPatient", header.position_mm),
                           ("ImageOrientationPatient", header.orientation),
                           ("PixelSpacing", header.pixel_spacing_mm),
                           ("Rows", header.rows), ("Columns", header.columns),
                           ("BitsAllocated", header.bits_allocated),
                           ("PixelRepresentation", header.pixel_representation)):
        if value is None:
            raise _error(uid, f"{_where(header)} has no {keyword}, which is required to "
                         "place the slice in the patient", header, keyword,
                         "Re-export the series from the scanner or PACS with full headers")
    if not header.has_pixel_data:
        raise _error(uid, f"{_where(header)} has no PixelData", header, "PixelData",
                     "Remove the file or re-export the series")
    if header.number_of_frames != 1 and header.frame_index is None:
        raise _error(uid, f"{_where(header)} has {header.number_of_frames} frames, "
                     "expected single-frame slices", header, "NumberOfFrames",
                     "Export the series as one file per slice")
    if header.samples_per_pixel != 1:
        raise _error(uid, f"{_where(header)} has SamplesPerPixel {header.samples_per_pixel}"
                     ", expected 1 (greyscale)", header, "SamplesPerPixel",
                     "Load a greyscale CT series")
    _check_values(uid, header)


def _split_scouts(headers: list[SliceHeader]) -> tuple[list[SliceHeader], list[SliceHeader]]:
    localizer = list(map(attrgetter("is_localizer"), headers))
    if any(localizer):
        tagged = [h for h, is_localizer in zip(headers, localizer) if is_localizer]
        rest = [h for h, is_localizer in zip(headers, localizer) if not is_localizer]
    else:  # (common)
        tagged, rest = [], list(headers)
    if not rest:
        return headers, []
    fast = _off_plane_all_at_once(rest)
    if fast is not None:
        if not fast:
            return rest, tagged
        off_plane = [rest[k] for k in fast]
        if 0 < len(off_plane) <= MAX_SCOUT_IMAGES and len(off_plane) < len(rest) // 2:
            chosen = set(fast)
            return [h for k, h in enumerate(rest) if k not in chosen], tagged + off_plane
        return rest, tagged

    def normal(h: SliceHeader) -> np.ndarray:
        return np.cross(h.orientation[:3], h.orientation[3:]) if h.orientation is not None \
            else np.zeros(3)

    counts = Counter(tuple(np.round(h.orientation, 3)) if h.orientation is not None else None
                     for h in rest)
    main_key = counts.most_common(1)[0][0]
    if main_key is None:
        return rest, tagged
    main_normal = np.cross(main_key[:3], main_key[3:])
    off_plane = [h for h in rest if h.orientation is not None
                 and abs(float(normal(h) @ main_normal)) < _SCOUT_MIN_ANGLE_COS]
    if 0 < len(off_plane) <= MAX_SCOUT_IMAGES and len(off_plane) < len(rest) // 2:
        rest = [h for h in rest if all(h is not o for o in off_plane)]
        return rest, tagged + off_plane
    return rest, tagged


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.cross(a, b)`` of float 3-vectors (one each, or rows), bit for bit: each
    component one difference of two rounded products, as numpy computes it (without its
    ~40 us of argument handling a call)."""
    if a.ndim == 1 and b.ndim == 1:  # Python floats: the same IEEE double operations
        a0, a1, a2 = a.tolist()
        b0, b1, b2 = b.tolist()
        return np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])
    out = np.empty(np.broadcast_shapes(a.shape, b.shape), dtype=np.result_type(a, b))
    np.subtract(a[..., 1] * b[..., 2], a[..., 2] * b[..., 1], out=out[..., 0])
    np.subtract(a[..., 2] * b[..., 0], a[..., 0] * b[..., 2], out=out[..., 1])
    np.subtract(a[..., 0] * b[..., 1], a[..., 1] * b[..., 0], out=out[..., 2])
    return out


def _all_pass_required(slices: list[SliceHeader]) -> _Columns | None:
    """The slices' positions, orientations and pixel spacings as float arrays, one row a
    slice, when no slice can fail ``_check_required`` (vectorised; None sends the caller
    to the slice-by-slice checks, which name the first problem). The caller's later
    steps take them as they are instead of gathering them again."""
    for h in slices:
        if (h.position_mm is None or h.orientation is None or h.pixel_spacing_mm is None
                or not h.rows or not h.columns or h.rows <= 0 or h.columns <= 0
                or h.bits_allocated not in (8, 16, 32) or h.pixel_representation not in (0, 1)
                or not h.has_pixel_data or h.samples_per_pixel != 1
                or (h.number_of_frames != 1 and h.frame_index is None)
                or (h.bits_stored is not None and not 1 <= h.bits_stored <= h.bits_allocated)
                or (h.is_native and h.pixel_data_length is not None
                    and h.pixel_data_length < h.rows * h.columns * h.number_of_frames
                    * h.bits_allocated // 8)):
            return None
    n = len(slices)
    try:
        positions = np.array([h.position_mm for h in slices], dtype=float).reshape(n, -1)
        orientation = np.array([h.orientation for h in slices], dtype=float).reshape(n, -1)
        spacing = np.array([h.pixel_spacing_mm for h in slices], dtype=float).reshape(n, -1)
        numbers = np.concatenate([
            positions, orientation,
            np.array([(h.rescale_slope, h.rescale_intercept) for h in slices], dtype=float),
        ], axis=1)
        sizes = np.concatenate([
            spacing,
            np.array([1.0 if h.slice_thickness_mm is None else h.slice_thickness_mm
                      for h in slices], dtype=float)[:, None],
        ], axis=1)
    except (TypeError, ValueError):
        return None
    if numbers.shape != (n, 11) or sizes.shape != (n, 3):
        return None
    if not (np.isfinite(numbers).all() and np.isfinite(sizes).all() and (sizes > 0).all()):
        return None
    if not (sizes.max() <= MAX_SPACING_MM or implausible_allowed()):
        return None
    return _Columns(positions, orientation, spacing)


@dataclass(frozen=True)
class _Columns:
    """Per-slice values as arrays, one row a slice (``_all_pass_required``)."""

    positions: np.ndarray
    orientation: np.ndarray
    pixel_spacing: np.ndarray


def _first_disagreeing(slices: list[SliceHeader], columns: _Columns | None = None
                       ) -> list[SliceHeader]:
    """The slices from the first one whose orientation, pixel spacing, matrix or
    BitsAllocated differs from the first slice's beyond the tolerances (vectorised); the
    caller's slice-by-slice checks then name it. Empty when all agree. ``columns``: the
    slices' orientations and spacings, when gathered already."""
    if len(slices) < 2:
        return []
    first = slices[0]
    if columns is None:
        orientation = np.array([h.orientation for h in slices], dtype=float)
        spacing = np.array([h.pixel_spacing_mm for h in slices], dtype=float)
    else:
        orientation, spacing = columns.orientation, columns.pixel_spacing
    differs = (np.max(np.abs(orientation - orientation[0]), axis=1) > ORIENTATION_TOLERANCE)
    differs |= np.max(np.abs(spacing - spacing[0]) / spacing[0], axis=1) \
        > PIXEL_SPACING_RELATIVE_TOLERANCE
    differs |= np.array([(h.rows, h.columns, h.bits_allocated)
                         != (first.rows, first.columns, first.bits_allocated)
                         for h in slices])
    where = np.flatnonzero(differs[1:])
    return slices[1 + int(where[0]):] if len(where) else []


def _off_plane_all_at_once(rest: list[SliceHeader]) -> list[int] | None:
    """Indices of the images more than 45 degrees from the main plane, as the loop of
    ``_split_scouts`` finds them, in one vectorised step; None when an image has no
    orientation or one that is not finite (the loop handles those)."""
    if any(h.orientation is None for h in rest):
        return None
    orientation = np.array([h.orientation for h in rest], dtype=float)
    if orientation.shape != (len(rest), 6) or not np.isfinite(orientation).all():
        return None
    rounded = np.round(orientation, 3)
    if (rounded == rounded[0]).all():  # one orientation (common): np.unique's one key but
        main_key = rounded[0]  # for signed zeros, which give the same |normal . normal|
    else:
        keys, first_index, counts = np.unique(rounded, axis=0, return_index=True,
                                              return_counts=True)
        best = counts.max()
        main_key = keys[np.flatnonzero(counts == best)[
            np.argmin(first_index[counts == best])]]  # the most common; ties: first seen
    main_normal = _cross(main_key[:3], main_key[3:])
    normals = _cross(orientation[:, :3], orientation[:, 3:])
    return np.flatnonzero(np.abs(normals @ main_normal) < _SCOUT_MIN_ANGLE_COS).tolist()


def plan_stack(record: SeriesRecord) -> StackPlan:
    """Check ``record``'s slices and return them in volume order with their geometry.

    Raises
    ------
    DicomInputError
        For the first problem found, naming the file, SOP Instance UID and element.
    """
    uid = record.series_instance_uid
    check_consistency(record)
    _check_class(record)
    headers: list[SliceHeader] = []
    for header in record.headers:
        if header.sop_class_uid in ENHANCED_STORAGE_CLASSES:
            headers.extend(frame_headers(header))
        else:
            headers.append(header)
    slices, excluded = _split_scouts(headers)
    notes = []
    if excluded:
        names = ", ".join(h.name for h in excluded[:3]) + (" …" if len(excluded) > 3 else "")
        notes.append(f"excluded {len(excluded)} localizer/scout image(s) from series "
                     f"{_short(uid)}: {names}")
    if not slices:
        raise _error(uid, f"all {len(excluded)} images are localizers", excluded[0],
                     "ImageType", "Choose the axial series with --series-uid")
    columns = _all_pass_required(slices)
    if columns is None:
        for header in slices:  # finds the first problem and names it
            _check_required(uid, header)
    first = slices[0]
    for header in _first_disagreeing(slices, columns):  # the slow checks, where one fails
        if np.max(np.abs(header.orientation - first.orientation)) > ORIENTATION_TOLERANCE:
            raise _error(
                uid, f"(0020,0037) ImageOrientationPatient differs — {_where(header)} has "
                f"{_fmt(header.orientation)}, {first.name} has {_fmt(first.orientation)} "
                f"(tolerance {ORIENTATION_TOLERANCE})", header, "ImageOrientationPatient",
                "Load the slices as separate series or resample them to one orientation")
        spacing_a, spacing_b = np.array(header.pixel_spacing_mm), np.array(first.pixel_spacing_mm)
        if np.max(np.abs(spacing_a - spacing_b) / spacing_b) > PIXEL_SPACING_RELATIVE_TOLERANCE:
            raise _error(
                uid, f"(0028,0030) PixelSpacing differs — {_where(header)} has "
                f"{_fmt(spacing_a)} mm, {first.name} has {_fmt(spacing_b)} mm", header,
                "PixelSpacing", "Load them as separate series or resample first")
        if (header.rows, header.columns) != (first.rows, first.columns):
            raise _error(
                uid, f"the matrix size differs — {_where(header)} is {header.rows}x"
                f"{header.columns} (Rows x Columns), {first.name} is {first.rows}x"
                f"{first.columns}", header, "Rows",
                "Load them as separate series or resample first")
        if header.bits_allocated != first.bits_allocated:
            raise _error(
                uid, f"(0028,0100) BitsAllocated differs — {_where(header)} has "
                f"{header.bits_allocated}, {first.name} has {first.bits_allocated}",
                header, "BitsAllocated", "Re-export the series with one pixel format")
    row, col = first.orientation[:3], first.orientation[3:]
    row_norm, col_norm = float(np.linalg.norm(row)), float(np.linalg.norm(col))
    unit = abs(row_norm - 1) <= 1e-3 and abs(col_norm - 1) <= 1e-3
    if not (unit and abs(float(row @ col)) / (row_norm * col_norm) <= ORTHONORMAL_TOLERANCE):
        raise _error(uid, f"{_where(first)} has ImageOrientationPatient {_fmt(first.orientation)}"
                     ", which is not two orthogonal unit vectors", first,
                     "ImageOrientationPatient", "Correct the header")
    row, col = row / row_norm, col / col_norm
    normal = _cross(row, col)
    normal /= np.linalg.norm(normal)
    positions = np.array([h.position_mm for h in slices]) if columns is None \
        else columns.positions
    along = positions @ normal
    order = np.argsort(along, kind="stable")
    slices = [slices[k] for k in order]
    positions, along = positions[order], along[order]
    _check_positions(uid, slices, positions, along, normal, min(first.pixel_spacing_mm))
    n = len(slices)
    if n > 1:
        slice_spacing = float((along[-1] - along[0]) / (n - 1))
    else:
        slice_spacing = first.slice_thickness_mm or 1.0
    voxels = n * first.rows * first.columns
    if voxels > MAX_VOXELS:
        raise _error(uid, f"its {n} slices of {first.rows}x{first.columns} pixels are "
                     f"{voxels / 1e9:.1f} billion voxels, more than the {MAX_VOXELS / 1e9:.1f} "
                     "billion a volume may hold", first, "Rows",
                     "Check Rows and Columns, or load a part of the series")
    if slice_spacing > MAX_SPACING_MM and not implausible_allowed():
        raise _error(uid, f"the slices are {slice_spacing:.3f} mm apart, over the plausible "
                     f"{MAX_SPACING_MM:g} mm", slices[-1], "ImagePositionPatient",
                     "Correct the positions, or rerun with --allow-implausible")
    try:
        geometry = _geometry(record, slices, positions, row, col, normal, slice_spacing)
    except ValueError:
        raise _error(uid, "the slice positions, orientation and spacing do not make a valid "
                     "geometry", first, "ImagePositionPatient",
                     "Correct the header, or export the series again") from None
    return StackPlan(tuple(slices), geometry, tuple(notes), tuple(excluded))


def _geometry(record: SeriesRecord, slices: list[SliceHeader], positions: np.ndarray,
              row: np.ndarray, col: np.ndarray, normal: np.ndarray,
              slice_spacing: float) -> SeriesGeometry:
    first, n, uid = slices[0], len(slices), record.series_instance_uid
    return SeriesGeometry(
        shape=(n, first.rows, first.columns), origin_mm=positions[0], row_direction=row,
        column_direction=col, slice_direction=normal, pixel_spacing_mm=first.pixel_spacing_mm,
        slice_spacing_mm=slice_spacing, slice_thickness_mm=first.slice_thickness_mm,
        slice_positions_mm=positions,
        sop_instance_uids=tuple(h.sop_instance_uid for h in slices),
        frame_numbers=tuple(h.frame_index + 1 for h in slices)
        if any(h.frame_index is not None for h in slices) else (),
        series_instance_uid=uid, study_instance_uid=record.study_instance_uid,
    )


def _first(failing: np.ndarray) -> int | None:
    """The index of the first step a check fails (as a loop over the steps finds it)."""
    where = np.flatnonzero(failing)
    return int(where[0]) if len(where) else None


def _check_positions(uid: str, slices: list[SliceHeader], positions: np.ndarray,
                     along: np.ndarray, normal: np.ndarray, min_pixel_mm: float) -> None:
    steps = np.diff(along)
    k = _first(steps < DUPLICATE_POSITION_MM)
    if k is not None:
        a, b = slices[k], slices[k + 1]
        raise _error(
            uid, f"two slices share position {along[k]:.3f} mm along the slice normal — "
            f"{_where(a)} and {_where(b)} (ImagePositionPatient {_fmt(a.position_mm)} and "
            f"{_fmt(b.position_mm)})", b, "ImagePositionPatient",
            "Remove the duplicate files, or split the series by AcquisitionNumber")
    offsets = positions - positions[0]
    in_plane = offsets - np.outer(offsets @ normal, normal)
    shear = np.linalg.norm(in_plane, axis=1)
    worst = int(np.argmax(shear)) if len(shear) else 0
    if len(shear) and shear[worst] > SHEAR_TOLERANCE_PIXELS * min_pixel_mm:
        h = slices[worst]
        angle = np.degrees(np.arctan2(shear[worst], abs(along[worst] - along[0])))
        raise _error(
            uid, f"the slices are not stacked along their normal (sheared stack, e.g. gantry "
            f"tilt of about {angle:.1f} degrees) — {_where(h)} lies {shear[worst]:.2f} mm "
            f"off the normal through {slices[0].name}", h, "ImagePositionPatient",
            "Resample the series to an orthogonal grid (e.g. SimpleITK or your PACS's "
            "tilt correction) before loading")
    if len(steps) < 2:
        return
    median = float(np.median(steps))
    k = _first(steps > GAP_FACTOR * median)
    if k is not None:
        step = float(steps[k])
        a, b = slices[k], slices[k + 1]
        missing = round(step / median) - 1
        raise _error(
            uid, f"about {missing} slice(s) missing between {_where(a)} and {_where(b)}: "
            f"they are {step:.3f} mm apart, the median slice spacing is {median:.3f} mm "
            f"(a gap above {GAP_FACTOR} x median is treated as missing slices)", b,
            "ImagePositionPatient", "Copy the complete series again from the source")
    tolerance = max(SPACING_RELATIVE_TOLERANCE * median, DUPLICATE_POSITION_MM)
    k = _first(np.abs(steps - median) > tolerance)
    if k is not None:
        step = float(steps[k])
        a, b = slices[k], slices[k + 1]
        raise _error(
            uid, f"slice spacing is not uniform — {_where(a)} and {_where(b)} are "
            f"{step:.3f} mm apart, the median step is {median:.3f} mm (tolerance "
            f"{SPACING_RELATIVE_TOLERANCE:.0%})", b, "ImagePositionPatient",
            "Resample the series to uniform spacing before loading")


def describe_problem(record: SeriesRecord) -> tuple[str, tuple[str, ...]]:
    """Return ``("ok", notes)`` when ``record`` stacks and has a scan date, else
    ``(problem in words, notes)``. Never raises: one series' problem is its verdict."""
    from dicom_io.discover import reader_notes as notes_of

    reader_notes = notes_of(record.headers)
    try:
        plan = plan_stack(record)
    except DicomInputError as error:
        text = str(error)
        prefix = f"cannot stack series {_short(record.series_instance_uid)}: "
        return (text.removeprefix(prefix)), reader_notes
    except (ValueError, ArithmeticError, IndexError, TypeError):
        return "its headers do not make a valid series", reader_notes
    _, problem, note = series_date(record)
    notes = plan.notes + ((note,) if note else ()) + reader_notes
    if problem is not None:
        return problem, notes
    return "ok", notes
