"""DICOM SR TID 1500 measurement reports: read line measurements, write our own.

Reading is tolerant but loud: every measurement group (DCM 125007) in the content tree is
visited, whatever template it came from (TID 1501 / 1410 / 1411), and each linear
measurement — long axis, short axis or length, under the old SNOMED-RT codes (SRT
G-A185, G-A186, G-A22A) or the current SNOMED CT ones (SCT 103339001, 103340004,
410668003) — becomes one :class:`SRLine` with its coordinates (SCOORD on an image in
pixels, or SCOORD3D in patient mm). What cannot be used is reported in
``SRMeasurementReport.notes``, never silently dropped.

Writing is strict: :func:`write_measurement_report` builds a Comprehensive 3D SR with
highdicom, one TID 1501 measurement group per lesion with a long axis (and short axis)
as SCOORD POLYLINE on the referenced slice, the RECIST 1.1 measurement method (DCM
126081, CID 6147), the finding site, a time point context (TID 1502) and the patient
and study attributes of the CT, so a PACS files it with the images.

Image planes (``ImagePlane``, ``read_source_images``) live in ``dicom_io.image_planes``
and finding-site codes and derived UIDs (``organ_code``, ``tracking_uid_for``) in
``dicom_io.codes``; they are re-exported here. Pixel coordinates follow DICOM: the
top-left corner of the first pixel is (0, 0), x runs along columns, y along rows; the
centre of pixel (row i, column j) is (j + 0.5, i + 0.5).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from dicom_io.codes import LYMPH_NODE_CODES as _LYMPH_NODE_CODES
from dicom_io.codes import derived_uid as _derived_uid
from dicom_io.codes import organ_code, tracking_uid_for
from dicom_io.errors import DicomInputError, unreadable_file_error
from dicom_io.image_planes import ImagePlane, read_source_images

__all__ = [
    "AXES",
    "ImagePlane",
    "SRLesion",
    "SRLine",
    "SRMeasurementReport",
    "organ_code",
    "read_measurement_report",
    "read_source_images",
    "tracking_uid_for",
    "write_measurement_report",
]

AXES = ("long", "short", "length")
"""Axis names of an :class:`SRLine`: a long axis, a short axis, or a single length."""

# (scheme, code) -> axis. Old SNOMED-RT (SRT / SNM3) and current SNOMED CT (SCT).
_AXIS_CODES: dict[tuple[str, str], str] = {
    ("SCT", "103339001"): "long", ("SRT", "G-A185"): "long", ("SNM3", "G-A185"): "long",
    ("SCT", "103340004"): "short", ("SRT", "G-A186"): "short", ("SNM3", "G-A186"): "short",
    ("SCT", "410668003"): "length", ("SRT", "G-A22A"): "length",
    ("SNM3", "G-A22A"): "length", ("SCT", "81827009"): "length",  # Diameter
    ("SRT", "G-D7FE"): "length",
}
_MEASUREMENT_GROUP = ("DCM", "125007")
_TRACKING_IDENTIFIER = ("DCM", "112039")
_TRACKING_UID = ("DCM", "112040")
_FINDING = ("DCM", "121071")
_FINDING_SITES = {("SCT", "363698007"), ("SRT", "G-C0E3")}
_IMAGE_REGION = {("DCM", "111030"), ("DCM", "130488")}
_TIME_POINT = {("UMLS", "C2348792"), ("DCM", "126070"), ("DCM", "126071")}
_BASELINE_CATEGORY = ("DCM", "112016")
# Tool names OHIF / Cornerstone put in the tracking identifier (the lesion label is
# then the finding's code meaning).
_FREE_TEXT_CODES = {"CORNERSTONEFREETEXT", "CS3DTEXT"}
_COMMENT = ("DCM", "121106")
_TOOL_MARKERS = ("cornerstone", "@", "bidirectional", "arrowannotate", "ohif")
_SR_SOP_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.88.11": "Basic Text SR",
    "1.2.840.10008.5.1.4.1.1.88.22": "Enhanced SR",
    "1.2.840.10008.5.1.4.1.1.88.33": "Comprehensive SR",
    "1.2.840.10008.5.1.4.1.1.88.34": "Comprehensive 3D SR",
}
_MM = hd.sr.CodedConcept("mm", "UCUM", "millimeter")

@dataclass(frozen=True)
class SRLine:
    """One linear measurement read from a measurement group.

    ``points_px`` (2, 2) are (x, y) pixel coordinates on ``sop_instance_uid`` (SCOORD);
    ``points_mm`` (2, 3) are patient mm in ``frame_of_reference_uid`` (SCOORD3D). One of
    them is set when the measurement had usable coordinates. ``stated_value`` and
    ``stated_unit`` (UCUM code) are what the writer put in the NUM item, unchecked.
    ``baseline_categories`` are the (coding scheme designator, code value) pairs of the
    group's Baseline Category (DCM 112016) evaluations, in document order; what they mean
    is the reader's business.
    """

    lesion_id: str
    axis: str
    tracking_identifier: str | None = None
    tracking_uid: str | None = None
    finding: str | None = None
    organ: str | None = None
    nodal: bool = False
    baseline_categories: tuple[tuple[str, str], ...] = ()
    visit: str | None = None
    sop_instance_uid: str | None = None
    frame_of_reference_uid: str | None = None
    points_px: tuple[tuple[float, float], tuple[float, float]] | None = None
    points_mm: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None
    stated_value: float | None = None
    stated_unit: str | None = None
    group_index: int = 0


@dataclass(frozen=True)
class SRMeasurementReport:
    """What :func:`read_measurement_report` found in one SR file."""

    path: Path
    sop_instance_uid: str
    study_instance_uid: str
    patient_id: str
    study_date: str | None
    lines: tuple[SRLine, ...]
    notes: tuple[str, ...] = field(default=())


def _code_key(item: Dataset, keyword: str = "ConceptNameCodeSequence") -> tuple[str, str]:
    seq = item.get(keyword)
    if not seq:
        return ("", "")
    return (str(seq[0].get("CodingSchemeDesignator", "")), str(seq[0].get("CodeValue", "")))


def _code_meaning(item: Dataset, keyword: str = "ConceptCodeSequence") -> str | None:
    seq = item.get(keyword)
    if not seq:
        return None
    return str(seq[0].get("CodeMeaning", "")) or None


def _children(item: Dataset) -> list[Dataset]:
    return list(item.get("ContentSequence", []))


def _iter_groups(items: Iterable[Dataset]) -> Iterable[Dataset]:
    for item in items:
        if item.get("ValueType") == "CONTAINER" and _code_key(item) == _MEASUREMENT_GROUP:
            yield item
        else:
            yield from _iter_groups(_children(item))


def _find_text(items: Iterable[Dataset], keys: set[tuple[str, str]]) -> str | None:
    for item in items:
        if _code_key(item) in keys:
            for keyword in ("TextValue", "UID", "DateTime", "Date"):
                if keyword in item:
                    return str(item.get(keyword)).strip()
            meaning = _code_meaning(item)
            if meaning:
                return meaning
    return None


def _scoord_of(item: Dataset) -> tuple[str, Dataset] | None:
    """The first SCOORD / SCOORD3D child of an item (or the item itself)."""
    if item.get("ValueType") in ("SCOORD", "SCOORD3D"):
        return item.ValueType, item
    for child in _children(item):
        if child.get("ValueType") in ("SCOORD", "SCOORD3D"):
            return child.ValueType, child
    return None


def _coordinates(scoord: tuple[str, Dataset], where: str,
                 notes: list[str]) -> dict[str, object] | None:
    value_type, item = scoord
    data = np.asarray([float(v) for v in item.GraphicData])
    width = 2 if value_type == "SCOORD" else 3
    points = data.reshape(-1, width)
    if points.shape[0] != 2:
        notes.append(f"{where}: {value_type} {item.get('GraphicType')} has "
                     f"{points.shape[0]} points, a line needs exactly 2; ignored")
        return None
    if value_type == "SCOORD3D":
        return {"points_mm": tuple(tuple(float(v) for v in p) for p in points),
                "frame_of_reference_uid": str(item.get("ReferencedFrameOfReferenceUID", ""))}
    uid = None
    for child in _children(item):
        refs = child.get("ReferencedSOPSequence")
        if child.get("ValueType") == "IMAGE" and refs:
            uid = str(refs[0].ReferencedSOPInstanceUID)
            break
    if uid is None:
        notes.append(f"{where}: SCOORD has no SELECTED FROM image reference, so its pixel "
                     "coordinates cannot be placed; ignored")
        return None
    return {"points_px": tuple(tuple(float(v) for v in p) for p in points),
            "sop_instance_uid": uid}


def _is_tool_name(text: str | None) -> bool:
    return text is None or any(marker in text.lower() for marker in _TOOL_MARKERS)


def _read_group(group: Dataset, index: int, where: str, document_visit: str | None,
                notes: list[str]) -> list[SRLine]:
    items = _children(group)
    here = f"{where} measurement group #{index + 1}"
    tracking_identifier = _find_text(items, {_TRACKING_IDENTIFIER})
    tracking_uid = _find_text(items, {_TRACKING_UID})
    finding = next((_code_meaning(i) for i in items if _code_key(i) == _FINDING), None)
    label = _find_text(items, {_COMMENT})  # OHIF 3.x: the label as a comment
    for item in items:  # older OHIF: a private free-text code as finding or finding site
        if label is None and item.get("ConceptCodeSequence") and str(
                item.ConceptCodeSequence[0].get("CodeValue", "")) in _FREE_TEXT_CODES:
            label = _code_meaning(item)
    sites = [i for i in items if _code_key(i) in _FINDING_SITES and str(
        i.ConceptCodeSequence[0].get("CodeValue", "")) not in _FREE_TEXT_CODES]
    site_meanings = [(_code_key(s, "ConceptCodeSequence"), _code_meaning(s)) for s in sites]
    nodal = any(key in _LYMPH_NODE_CODES or "lymph node" in (meaning or "").lower()
                for key, meaning in site_meanings)
    organs = [m for key, m in site_meanings if m and key not in _LYMPH_NODE_CODES
              and "lymph node" not in m.lower()]
    node_names = [m for key, m in site_meanings if m and m not in organs]
    organ = (organs or node_names or [None])[0]
    categories = tuple(_code_key(item, "ConceptCodeSequence") for item in items
                       if _code_key(item) == _BASELINE_CATEGORY)
    visit = _find_text(items, _TIME_POINT) or document_visit
    if finding and finding.lower().startswith(("lesion", "neoplasm", "finding")):
        finding_label = None
    else:
        finding_label = finding
    if _is_tool_name(tracking_identifier) and (label or finding_label):
        lesion_id = label or finding_label
    else:
        lesion_id = tracking_identifier or tracking_uid or f"group-{index + 1}"
    region = next((_scoord_of(i) for i in items if _code_key(i) in _IMAGE_REGION), None)
    lines: list[SRLine] = []
    for item in items:
        if item.get("ValueType") != "NUM":
            continue
        axis = _AXIS_CODES.get(_code_key(item))
        if axis is None:
            continue
        value = unit = None
        measured = item.get("MeasuredValueSequence")
        if measured:
            value = float(measured[0].NumericValue)
            units = measured[0].get("MeasurementUnitsCodeSequence")
            unit = str(units[0].CodeValue) if units else None
        scoord = _scoord_of(item) if item.get("ContentSequence") else None
        if scoord is None and region is not None and axis == "length":
            scoord = region
        coords = (_coordinates(scoord, f"{here} ({axis} axis)", notes)
                  if scoord is not None else None)
        if coords is None:
            notes.append(f"{here}: {axis} measurement of lesion {lesion_id} has no usable "
                         "line coordinates; its stated value cannot be checked")
        lines.append(SRLine(
            lesion_id=lesion_id, axis=axis, tracking_identifier=tracking_identifier,
            tracking_uid=tracking_uid, finding=finding, organ=organ, nodal=nodal,
            baseline_categories=categories,
            visit=visit, stated_value=value, stated_unit=unit, group_index=index,
            **(coords or {})))
    if not lines:
        notes.append(f"{here} (tracking identifier {tracking_identifier!r}) has no long "
                     "axis, short axis or length measurement; ignored")
    return lines


def read_measurement_report(path: str | Path) -> SRMeasurementReport:
    """Read the line measurements of a DICOM SR measurement report (TID 1500).

    Parameters
    ----------
    path
        An SR file (Comprehensive, Comprehensive 3D or Enhanced SR).

    Returns
    -------
    SRMeasurementReport
        One :class:`SRLine` per linear measurement, with lesion id (tracking identifier,
        or the finding's meaning when the identifier is an OHIF tool name), organ and
        nodal flag (finding site), baseline category codes (if written), visit (time
        point context), coordinates and the stated value; plus notes on what was
        skipped.

    Raises
    ------
    DicomInputError
        If the file is not DICOM or not a structured report.
    """
    path = Path(path)
    try:
        dataset = pydicom.dcmread(path)
    except (pydicom.errors.InvalidDicomError, OSError, EOFError) as error:
        raise unreadable_file_error(path, error, "DICOM structured report") from error
    sop_class = str(dataset.get("SOPClassUID", ""))
    uid = str(dataset.get("SOPInstanceUID", ""))
    if sop_class not in _SR_SOP_CLASSES:
        raise DicomInputError(
            f"cannot read measurements from {path} (SOP Instance {uid}): SOPClassUID is "
            f"{sop_class or 'missing'}, expected a structured report "
            f"({', '.join(_SR_SOP_CLASSES.values())}); pass the SR file, not an image",
            path=path, sop_instance_uid=uid, keyword="SOPClassUID")
    notes: list[str] = []
    top = _children(dataset)
    outside = [i for i in top if i.get("ValueType") != "CONTAINER"]
    document_visit = _find_text(outside, _TIME_POINT)
    lines: list[SRLine] = []
    for index, group in enumerate(_iter_groups(top)):
        lines.extend(_read_group(group, index, f"{path.name}", document_visit, notes))
    if not lines:
        notes.append(f"{path.name}: no linear measurement found in any measurement group")
    date = str(dataset.get("StudyDate", "")) or None
    if date and len(date) == 8 and date.isdigit():
        date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    return SRMeasurementReport(
        path=path, sop_instance_uid=uid,
        study_instance_uid=str(dataset.get("StudyInstanceUID", "")),
        patient_id=str(dataset.get("PatientID", "")), study_date=date,
        lines=tuple(lines), notes=tuple(notes))


@dataclass(frozen=True)
class SRLesion:
    """One lesion to write: its lines in pixel coordinates on one image.

    ``long_axis_px`` / ``short_axis_px`` are ((x1, y1), (x2, y2)) on ``sop_instance_uid``;
    the values in mm are written as the NUM values. ``short_axis_px`` may be None.
    ``baseline_category`` is the coded value (code value, coding scheme designator, code
    meaning) of the group's Baseline Category (DCM 112016) evaluation, none when None.
    """

    lesion_id: str
    tracking_uid: str
    organ: str
    nodal: bool
    sop_instance_uid: str
    long_axis_px: tuple[tuple[float, float], tuple[float, float]]
    long_axis_mm: float
    short_axis_px: tuple[tuple[float, float], tuple[float, float]] | None = None
    short_axis_mm: float | None = None
    baseline_category: tuple[str, str, str] | None = None

    def __post_init__(self) -> None:
        if (self.short_axis_px is None) != (self.short_axis_mm is None):
            raise ValueError(f"lesion {self.lesion_id}: give both short_axis_px and "
                             "short_axis_mm, or neither")


def _measurement(name: hd.sr.CodedConcept, value_mm: float, points_px: object,
                 image: Dataset) -> hd.sr.Measurement:
    source = hd.sr.SourceImageForRegion(
        referenced_sop_class_uid=image.SOPClassUID,
        referenced_sop_instance_uid=image.SOPInstanceUID)
    coordinates = hd.sr.CoordinatesForMeasurement(
        graphic_type=hd.sr.GraphicTypeValues.POLYLINE,
        graphic_data=np.asarray(points_px, dtype=float).reshape(2, 2),
        source_image=source)
    return hd.sr.Measurement(name=name, value=float(value_mm), unit=_MM,
                             referenced_coordinates=[coordinates])


def _fix_method_relationship(items: Iterable[Dataset]) -> None:
    """Give group-level "Measurement Method" items HAS CONCEPT MOD (TID 1501 row 7).

    highdicom 0.28 writes them with CONTAINS.
    """
    for item in items:
        if item.get("ValueType") == "CONTAINER" and _code_key(item) == _MEASUREMENT_GROUP:
            for child in _children(item):
                if _code_key(child) == ("SCT", "370129005"):
                    child.RelationshipType = "HAS CONCEPT MOD"
        _fix_method_relationship(_children(item))


def write_measurement_report(
    lesions: Sequence[SRLesion],
    source_images: Sequence[Dataset],
    out_path: str | Path,
    *,
    visit: str | None = None,
    series_number: int = 9001,
    series_description: str = "RECIST 1.1 measurements",
    sop_instance_uid: str | None = None,
) -> Path:
    """Write lesions as a Comprehensive 3D SR measurement report (TID 1500).

    Parameters
    ----------
    lesions
        The lesions of one study; each references one image of ``source_images``.
    source_images
        The CT images (headers are enough) of that study: the evidence, and the source
        of the patient and study attributes.
    out_path
        The file to write (written whole, then moved into place).
    visit
        Time point written in each group's time point context (TID 1502).
    series_number, series_description, sop_instance_uid
        Identity of the new SR; the SOP Instance UID defaults to one derived from the
        study and lesions.

    Returns
    -------
    Path
        ``out_path``.
    """
    if not lesions:
        raise ValueError(f"nothing to write to {out_path}: no lesion with a long axis")
    by_uid = {str(ds.SOPInstanceUID): ds for ds in source_images}
    studies = {str(ds.StudyInstanceUID) for ds in source_images}
    if len(studies) != 1:
        raise ValueError(f"cannot write one SR for {len(studies)} studies; an SR report "
                         "belongs to one study: pass the images of one study")
    groups = []
    for lesion in lesions:
        image = by_uid.get(lesion.sop_instance_uid)
        if image is None:
            raise DicomInputError(
                f"lesion {lesion.lesion_id} references image {lesion.sop_instance_uid}, "
                "which is not among the source images; pass the series it was measured on",
                sop_instance_uid=lesion.sop_instance_uid)
        measurements = [_measurement(codes.SCT.LongAxis, lesion.long_axis_mm,
                                     lesion.long_axis_px, image)]
        if lesion.short_axis_px is not None:
            measurements.append(_measurement(codes.SCT.ShortAxis, lesion.short_axis_mm,
                                             lesion.short_axis_px, image))
        sites = [hd.sr.FindingSite(organ_code(lesion.organ))]
        if lesion.nodal and (organ_code(lesion.organ).value != "59441001"):
            sites.append(hd.sr.FindingSite(organ_code("lymph node")))
        groups.append(hd.sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(
                uid=lesion.tracking_uid, identifier=lesion.lesion_id),
            time_point_context=(hd.sr.TimePointContext(time_point=visit)
                                if visit else None),
            finding_type=hd.sr.CodedConcept("52988006", "SCT", "Lesion"),
            method=codes.DCM.RECIST1Point1,
            finding_sites=sites,
            measurements=measurements,
            qualitative_evaluations=None if lesion.baseline_category is None else [
                hd.sr.QualitativeEvaluation(
                    name=hd.sr.CodedConcept("112016", "DCM", "Baseline Category"),
                    value=hd.sr.CodedConcept(*lesion.baseline_category))],
        ))
    observer = hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=_derived_uid("recist-device"), name="recist"))
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_device_context=observer),
        procedure_reported=hd.sr.CodedConcept("25045-6", "LN", "CT unspecified body region"),
        imaging_measurements=groups,
    )
    _fix_method_relationship(report)
    study_uid = next(iter(studies))
    seed = [study_uid, visit or ""] + sorted(
        f"{x.lesion_id}:{x.sop_instance_uid}:{x.long_axis_px}" for x in lesions)
    sop_uid = sop_instance_uid or _derived_uid("sr", *seed)
    series_uid = _derived_uid("sr-series", *seed)
    referenced = [by_uid[u] for u in dict.fromkeys(x.sop_instance_uid for x in lesions)]
    sr = hd.sr.Comprehensive3DSR(
        evidence=referenced,
        content=report,
        series_instance_uid=series_uid,
        series_number=series_number,
        sop_instance_uid=sop_uid,
        instance_number=1,
        manufacturer="recist",
        is_complete=True,
        series_description=series_description,
    )
    now = _dt.datetime.now()
    sr.SeriesDate = now.strftime("%Y%m%d")
    sr.SeriesTime = now.strftime("%H%M%S")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    try:
        sr.save_as(tmp, enforce_file_format=True)
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path
