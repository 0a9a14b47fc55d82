"""DICOM SR TID 1500 measurement reports: read what viewers write, write what they read.

Reading is tolerant but loud: every measurement group (DCM 125007) in the content tree is
visited, whatever template it came from (TID 1501 / 1410 / 1411). A group is one lesion
identity — the lesion it names, or its Tracking UID when it names none (never a viewer's
tool name: two unlabelled OHIF "Length" measurements are two lesions). Each of its
shapes — a line (long axis, short axis or length, under the old SNOMED-RT codes SRT
G-A185, G-A186, G-A22A or the current SNOMED CT ones SCT 103339001, 103340004,
410668003), a closed contour, an ellipse or a circle — becomes one :class:`SRLine` with
its coordinates (SCOORD on an image in pixels, or SCOORD3D in patient mm). What cannot
be used (points, areas, volumes, unnamed groups …) is reported in
``SRMeasurementReport.notes`` with a stable code, never silently dropped.

Writing is strict: :func:`write_measurement_report` builds a Comprehensive 3D SR with
highdicom, one TID 1501 measurement group per lesion with a long axis (and short axis)
as SCOORD POLYLINE on the referenced slice, the RECIST 1.1 measurement method (DCM
126081, CID 6147), the finding site, a time point context (TID 1502) and the patient
and study attributes of the CT, so a PACS files it with the images. The groups are
those OHIF writes and reloads (dcmjs' Cornerstone adapter): tracking identifier
``cornerstoneTools@^4.0.0:Bidirectional`` (``:Length`` without a short axis), the lesion
id as the finding's meaning (:func:`lesion_label_code`, the label dcmjs' legacy adapter
shows) and as a TEXT (121106, DCM, "Comment") item (the label OHIF 3's
@cornerstonejs/adapters show), and the lesion's stable Tracking UID, which is what
identifies it when read back.

Image planes (``ImagePlane``, ``read_source_images``) live in ``dicom_io.image_planes``
and finding-site codes and derived UIDs (``organ_code``, ``tracking_uid_for``) in
``dicom_io.codes``; they are re-exported here. Pixel coordinates follow DICOM: the
top-left corner of the first pixel is (0, 0), x runs along columns, y along rows; the
centre of pixel (row i, column j) is (j + 0.5, i + 0.5).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from dicom_io.codes import LYMPH_NODE_CODES as _LYMPH_NODE_CODES
from dicom_io.codes import derived_uid as _derived_uid
from dicom_io.codes import organ_code, tracking_uid_for
from dicom_io.errors import (
    DicomInputError,
    captured_warnings,
    damaged_object,
    safe_text,
    safe_uid,
    unreadable_file_error,
)
from dicom_io.image_planes import ImagePlane, read_source_images

__all__ = [
    "AXES",
    "LABEL_SCHEME",
    "LENGTH_UNITS_MM",
    "OHIF_TOOL_PREFIX",
    "PIXEL_UNITS",
    "SHAPES",
    "UNITLESS_UNITS",
    "ImagePlane",
    "SRLesion",
    "SRLine",
    "SRMeasurementReport",
    "SRNote",
    "lesion_label_code",
    "organ_code",
    "read_measurement_report",
    "read_source_images",
    "tracking_uid_for",
    "unnamed_lesion_id",
    "write_measurement_report",
]

AXES = ("long", "short", "length")
"""Axis names of an :class:`SRLine`: a long axis, a short axis, or a single length."""

SHAPES = ("line", "contour", "ellipse", "circle")
"""What the coordinates of an :class:`SRLine` are (see :func:`read_measurement_report`)."""

# (scheme, code) -> axis. Old SNOMED-RT (SRT / SNM3) and current SNOMED CT (SCT).
_AXIS_CODES: dict[tuple[str, str], str] = {
    ("SCT", "103339001"): "long", ("SRT", "G-A185"): "long", ("SNM3", "G-A185"): "long",
    ("SCT", "103340004"): "short", ("SRT", "G-A186"): "short", ("SNM3", "G-A186"): "short",
    ("SCT", "410668003"): "length", ("SRT", "G-A22A"): "length",
    ("SNM3", "G-A22A"): "length", ("SCT", "81827009"): "length",  # Diameter
    ("SRT", "G-D7FE"): "length",
}
# UCUM units: lengths (factor to mm), and the unitless / pixel codes viewers write.
LENGTH_UNITS_MM: dict[str, float] = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "um": 0.001}
"""UCUM length units and their factor to mm."""
UNITLESS_UNITS = frozenset({"1", ""})
"""Units that say nothing (Cornerstone3D writes ``1`` for mm); read as mm, with a finding."""
PIXEL_UNITS = frozenset({"{pixel}", "{pixels}", "pixel", "pixels", "px"})
_MEASUREMENT_GROUP = ("DCM", "125007")
_TRACKING_IDENTIFIER = ("DCM", "112039")
_TRACKING_UID = ("DCM", "112040")
_FINDING = ("DCM", "121071")
_FINDING_SITES = {("SCT", "363698007"), ("SRT", "G-C0E3")}
_IMAGE_REGION = {("DCM", "111030"), ("DCM", "130488"), ("DCM", "111041")}
_TIME_POINT = {("UMLS", "C2348792"), ("DCM", "126070"), ("DCM", "126071")}
_BASELINE_CATEGORY = ("DCM", "112016")
# Tool names OHIF / Cornerstone put in the tracking identifier (the lesion label is
# then the finding's code meaning).
_FREE_TEXT_CODES = {"CORNERSTONEFREETEXT", "CS3DTEXT"}
_COMMENT = ("DCM", "121106")
_TOOL_MARKERS = ("cornerstone", "@", "bidirectional", "arrowannotate", "ohif")
# Tracking identifiers that name a template, not a lesion (highdicom's defaults).
_GENERIC_IDENTIFIERS = {"planar roi measurements", "volumetric roi measurements",
                        "measurement group", "imaging measurements", "measurements"}
_GENERIC_FINDINGS = ("lesion", "neoplasm", "finding", "measurement")
_GRAPHIC_TYPES = ("POINT", "MULTIPOINT", "POLYLINE", "POLYGON", "CIRCLE", "ELLIPSE",
                  "ELLIPSOID")
_SR_SOP_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.88.11": "Basic Text SR",
    "1.2.840.10008.5.1.4.1.1.88.22": "Enhanced SR",
    "1.2.840.10008.5.1.4.1.1.88.33": "Comprehensive SR",
    "1.2.840.10008.5.1.4.1.1.88.34": "Comprehensive 3D SR",
}
_MM = hd.sr.CodedConcept("mm", "UCUM", "millimeter")
# dcmjs finds the axes by their code meaning, spelled as it writes them.
_LONG_AXIS = hd.sr.CodedConcept("103339001", "SCT", "Long Axis")
_SHORT_AXIS = hd.sr.CodedConcept("103340004", "SCT", "Short Axis")


@dataclass(frozen=True)
class SRNote:
    """Something of a report that could not be used, and why (``code`` is stable).

    Codes: ``sr-not-measurable`` (a point, an open path, an ellipsoid …),
    ``sr-not-a-length`` (an area, volume, HU or other value, not used),
    ``sr-no-coordinates`` (a stated length without coordinates), ``sr-unnamed-lesion``
    (a group that names no lesion), ``sr-no-measurement`` (a group with nothing to
    measure), ``sr-empty`` (a report without any measurement group).
    """

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SRLine:
    """One measured shape read from a measurement group.

    ``shape`` says what the points are: ``line`` (2 points), ``contour`` (a closed
    polygon, first point not repeated), ``ellipse`` (4 points: the ends of the major
    axis, then of the minor axis) or ``circle`` (2 points: centre, then a point on the
    circle). ``points_px`` are (x, y) pixel coordinates on ``sop_instance_uid`` (SCOORD);
    ``points_mm`` patient mm in ``frame_of_reference_uid`` (SCOORD3D); one of them is set
    when the measurement had usable coordinates.

    ``lesion_id`` is the lesion the group names (``named``), or, for a group naming no
    lesion, an id derived from its Tracking UID (``named`` false). ``stated_value`` and
    ``stated_unit`` (UCUM code) are what the writer put in the NUM item, when it is a
    length (or a unitless / pixel value), unchecked. ``baseline_categories`` are the
    (coding scheme designator, code value) pairs of the group's Baseline Category
    (DCM 112016) evaluations, in document order; what they mean is the reader's business.
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
    points_px: tuple[tuple[float, ...], ...] | None = None
    points_mm: tuple[tuple[float, ...], ...] | None = None
    stated_value: float | None = None
    stated_unit: str | None = None
    group_index: int = 0
    shape: str = "line"
    graphic_type: str | None = None
    named: bool = True
    concept: str | None = None


@dataclass(frozen=True)
class SRMeasurementReport:
    """What :func:`read_measurement_report` found in one SR file.

    ``referenced_sop_instance_uids`` are the images the report names as evidence
    (CurrentRequestedProcedureEvidenceSequence) or in its content; ``patient_id`` and
    ``study_date`` are empty / None when the report leaves them empty.
    """

    path: Path
    sop_instance_uid: str
    study_instance_uid: str
    patient_id: str
    study_date: str | None
    lines: tuple[SRLine, ...]
    notes: tuple[SRNote, ...] = field(default=())
    referenced_sop_instance_uids: tuple[str, ...] = ()


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
                    return str(item.get(keyword)).strip() or None
            meaning = _code_meaning(item)
            if meaning:
                return meaning
    return None


def _scoord_of(item: Dataset) -> Dataset | None:
    """The first SCOORD / SCOORD3D child of an item (or the item itself)."""
    if item.get("ValueType") in ("SCOORD", "SCOORD3D"):
        return item
    for child in _children(item):
        if child.get("ValueType") in ("SCOORD", "SCOORD3D"):
            return child
    return None


def _image_of(scoord: Dataset) -> str | None:
    for child in _children(scoord):
        refs = child.get("ReferencedSOPSequence")
        if child.get("ValueType") == "IMAGE" and refs:
            return str(refs[0].ReferencedSOPInstanceUID)
    return None


def _shape_of(scoord: Dataset, where: str, notes: list[SRNote]
              ) -> tuple[str, np.ndarray] | None:
    """The shape and points of a SCOORD / SCOORD3D, or None (with a note) when none."""
    graphic = str(scoord.get("GraphicType", "")).upper()
    graphic = graphic if graphic in _GRAPHIC_TYPES else "(of no known graphic type)"
    width = 2 if scoord.ValueType == "SCOORD" else 3
    data = np.asarray([float(v) for v in scoord.get("GraphicData", [])])
    if data.size == 0 or data.size % width:
        notes.append(SRNote("sr-not-measurable", f"{where}: {scoord.ValueType} {graphic} "
                            f"has {data.size} coordinates, not a whole number of "
                            f"{width}-D points; ignored"))
        return None
    points = data.reshape(-1, width)
    count = len(points)
    closed = count >= 4 and bool(np.allclose(points[0], points[-1]))
    if graphic in ("POLYLINE", "POLYGON") and count == 2:
        return "line", points
    if (graphic == "POLYGON" and count >= 3) or (graphic == "POLYLINE" and closed):
        if closed:
            points = points[:-1]
        return "contour", points
    if graphic == "ELLIPSE" and count == 4:
        return "ellipse", points
    if graphic == "CIRCLE" and count == 2:
        return "circle", points
    what = {"POINT": "a point", "MULTIPOINT": "a set of points",
            "POLYLINE": f"an open path of {count} points (neither a line nor closed)",
            "ELLIPSOID": "an ellipsoid (a volume)"}.get(graphic, f"{count} point(s)")
    notes.append(SRNote("sr-not-measurable", f"{where}: {scoord.ValueType} {graphic} is "
                        f"{what}: no diameter can be measured from it; ignored"))
    return None


def _is_tool_name(text: str | None) -> bool:
    return text is None or any(marker in text.lower() for marker in _TOOL_MARKERS) or (
        text.strip().lower() in _GENERIC_IDENTIFIERS)


def unnamed_lesion_id(tracking_identifier: str | None, tracking_uid: str | None,
                      fallback: str) -> str:
    """The lesion id of a measurement group that names no lesion.

    The tool (the part of an OHIF tracking identifier after its last ``:``, else
    ``group``) and 8 hexadecimal digits derived from the Tracking UID (``fallback`` —
    the report's SOP Instance UID and the group's position — when there is none): two
    groups get the same id only when they share a Tracking UID.

    >>> unnamed_lesion_id("cornerstoneTools@^4.0.0:Length", "2.25.1", "x")
    'Length-49b1b035'
    >>> unnamed_lesion_id(None, None, "1.2.3#4")
    'group-14e58433'
    """
    tool = "group"
    if tracking_identifier and ":" in tracking_identifier:
        tail = tracking_identifier.rsplit(":", 1)[1].strip()
        tool = "".join(c for c in tail if c.isalnum()) or "group"
    seed = tracking_uid or fallback
    return f"{tool}-{hashlib.sha256(seed.encode('utf-8')).hexdigest()[:8]}"


def _unit_of(measured: Dataset) -> str | None:
    units = measured.get("MeasurementUnitsCodeSequence")
    return str(units[0].get("CodeValue", "")).strip() if units else None


def _unit_kind(unit: str | None) -> str:
    """``length`` (mm, cm …, unitless or pixels: a length to check) or what else it is."""
    text = (unit or "").strip()
    if text in LENGTH_UNITS_MM or text in UNITLESS_UNITS or text in PIXEL_UNITS:
        return "length"
    if text.endswith("2"):
        return "an area"
    if text.endswith("3") or text.lower() in ("ml", "l", "ul"):
        return "a volume"
    if "hnsf" in text.lower() or text.upper() == "HU":
        return "a density (HU)"
    return "not a length"


def _read_group(group: Dataset, index: int, where: str, document_visit: str | None,
                sop_uid: str, notes: list[SRNote]) -> list[SRLine]:
    items = _children(group)
    here = f"{where} measurement group #{index + 1}"
    tracking_identifier = _find_text(items, {_TRACKING_IDENTIFIER})
    tracking_uid = _find_text(items, {_TRACKING_UID})
    finding = next((_code_meaning(i) for i in items if _code_key(i) == _FINDING), None)
    label = _find_text(items, {_COMMENT})  # OHIF 3.x: the label as a comment
    for item in items:  # older OHIF: a private free-text code as finding or finding site
        if label is None and item.get("ConceptCodeSequence") and (str(
                item.ConceptCodeSequence[0].get("CodeValue", "")) in _FREE_TEXT_CODES or (
                _code_key(item) == _FINDING and _code_key(item, "ConceptCodeSequence")[0]
                == LABEL_SCHEME)):  # ours: the label as the finding's meaning
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
    finding_label = None if finding is None or finding.lower().startswith(
        _GENERIC_FINDINGS) else finding
    name = (tracking_identifier if not _is_tool_name(tracking_identifier)
            else label or finding_label)
    lesion_id = name or unnamed_lesion_id(tracking_identifier, tracking_uid,
                                          f"{sop_uid}#{index}")
    common = dict(
        lesion_id=lesion_id, tracking_identifier=tracking_identifier,
        tracking_uid=tracking_uid, finding=finding, organ=organ, nodal=nodal,
        baseline_categories=categories, visit=visit, group_index=index,
        named=name is not None)
    region_item = next((i for i in items if _code_key(i) in _IMAGE_REGION
                        and i.get("ValueType") in ("SCOORD", "SCOORD3D")), None)
    # Each SCOORD of the group with the NUM items that refer to it (in document order).
    shapes: dict[int, tuple[Dataset, list[Dataset]]] = {}
    if region_item is not None:
        shapes[id(region_item)] = (region_item, [])
    skipped: list[str] = []
    lines: list[SRLine] = []
    for item in items:
        if item.get("ValueType") != "NUM":
            continue
        concept = _code_meaning(item, "ConceptNameCodeSequence") or "value"
        measured = item.get("MeasuredValueSequence")
        unit = _unit_of(measured[0]) if measured else None
        scoord = _scoord_of(item) if item.get("ContentSequence") else None
        scoord = scoord if scoord is not None else region_item
        if measured and _unit_kind(unit) != "length":
            skipped.append(f"{concept} {float(measured[0].NumericValue):g} {unit or ''}"
                           f" ({_unit_kind(unit)})")
        if scoord is not None:
            shapes.setdefault(id(scoord), (scoord, []))[1].append(item)
        elif measured and _unit_kind(unit) == "length" and _code_key(item) in _AXIS_CODES:
            notes.append(SRNote("sr-no-coordinates", (
                f"{here}: the {concept} of lesion {lesion_id} "
                f"({float(measured[0].NumericValue):g} {unit or 'without unit'}) has no "
                "coordinates, so it cannot be checked or placed on an image; ignored")))
    if skipped:
        notes.append(SRNote("sr-not-a-length", (
            f"{here} (lesion {lesion_id}): {len(skipped)} value(s) that are not lengths "
            f"are not used: {'; '.join(skipped[:4])}{' …' if len(skipped) > 4 else ''}")))
    for scoord, nums in shapes.values():
        found = _shape_of(scoord, here, notes)
        if found is None:
            continue
        shape, points = found
        axis, value, unit, concept = "length", None, None, None
        for num in nums:
            measured = num.get("MeasuredValueSequence")
            num_unit = _unit_of(measured[0]) if measured else None
            if measured and _unit_kind(num_unit) == "length":
                axis = _AXIS_CODES.get(_code_key(num), "length")
                value, unit = float(measured[0].NumericValue), num_unit
                concept = _code_meaning(num, "ConceptNameCodeSequence")
                break
        if scoord.ValueType == "SCOORD3D":
            place: dict[str, object] = {
                "points_mm": tuple(tuple(float(v) for v in p) for p in points),
                "frame_of_reference_uid": str(scoord.get(
                    "ReferencedFrameOfReferenceUID", "")) or None}
        else:
            image_uid = _image_of(scoord)
            if image_uid is None:
                notes.append(SRNote("sr-not-measurable", (
                    f"{here}: a SCOORD of lesion {lesion_id} has no SELECTED FROM image "
                    "reference, so its pixel coordinates cannot be placed; ignored")))
                continue
            place = {"points_px": tuple(tuple(float(v) for v in p) for p in points),
                     "sop_instance_uid": image_uid}
        lines.append(SRLine(
            axis=axis, stated_value=value, stated_unit=unit, shape=shape,
            graphic_type=str(scoord.get("GraphicType", "")), concept=concept,
            **common, **place))  # type: ignore[arg-type]
    if not lines:
        notes.append(SRNote("sr-no-measurement", (
            f"{here} (lesion {lesion_id}, tracking identifier {tracking_identifier!r}) has "
            "no line, contour, ellipse or circle to measure; ignored")))
    elif name is None:
        notes.append(SRNote("sr-unnamed-lesion", (
            f"{here}: the measurement (tracking identifier {tracking_identifier!r}) names "
            f"no lesion (no label, finding or lesion tracking identifier), so it is lesion "
            f"{lesion_id} (derived from its Tracking UID); label it in the viewer, or "
            "rename lesion_id in the table, to follow it across visits")))
    return lines


def _evidence_uids(dataset: Dataset) -> list[str]:
    uids: list[str] = []
    for keyword in ("CurrentRequestedProcedureEvidenceSequence",
                    "PertinentOtherEvidenceSequence"):
        for study in dataset.get(keyword, []):
            for series in study.get("ReferencedSeriesSequence", []):
                for ref in series.get("ReferencedSOPSequence", []):
                    uids.append(str(ref.get("ReferencedSOPInstanceUID", "")))
    return [u for u in uids if u]


def read_measurement_report(path: str | Path) -> SRMeasurementReport:
    """Read the measured shapes of a DICOM SR measurement report (TID 1500).

    Every measurement group (DCM 125007) is visited, whatever template it came from
    (TID 1501 / 1410 / 1411). Its lesion identity is the lesion it names — a tracking
    identifier that is not a viewer's tool name (``cornerstoneTools@^4.0.0:Length``) or
    a template's name, else the label (OHIF's comment or free-text finding), else a
    finding that is not generic ("Lesion", "Neoplasm" …) — or, when it names none, an id
    derived from its Tracking UID (:func:`unnamed_lesion_id`), with a note.

    Each SCOORD / SCOORD3D of a group (a NUM's own, or the group's image region) is one
    :class:`SRLine`: POLYLINE / POLYGON of 2 points = a line; a closed POLYLINE or a
    POLYGON = a contour; ELLIPSE = its two axes; CIRCLE = centre and radius. POINT,
    MULTIPOINT, open paths and ellipsoids are not measurable (a note). The NUM's value is
    kept as the stated value when its unit is a length (mm, cm, m, um), unitless (``1``)
    or pixels; areas, volumes, densities and other values are not used (a note).

    Parameters
    ----------
    path
        An SR file (Comprehensive, Comprehensive 3D or Enhanced SR).

    Returns
    -------
    SRMeasurementReport
        The shapes with lesion id, organ and nodal flag (finding site), baseline
        category codes, visit (time point context), coordinates and stated value; the
        notes on what was skipped; the images the report references.

    Raises
    ------
    DicomInputError
        If the file is not DICOM or not a structured report.
    """
    path = Path(path)
    warned: list[str] = []
    # Reading is tolerant: viewers write over-long code values (OHIF's free-text codes
    # in SH), which pydicom reports as warnings when the element is first read; they are
    # notes ``sr-reader-warning`` without the value, never lines on stderr.
    with captured_warnings(path.name, warned), \
            damaged_object(path, "DICOM structured report"):
        try:
            dataset = pydicom.dcmread(path)
        except (pydicom.errors.InvalidDicomError, OSError, EOFError) as error:
            raise unreadable_file_error(path, error, "DICOM structured report") from error
        report = _measurement_report(path, dataset)
    notes = tuple(SRNote(n.code, safe_text(n.message, 600)) for n in report.notes)
    return replace(report, notes=notes + tuple(SRNote("sr-reader-warning", w)
                                               for w in warned))


def _measurement_report(path: Path, dataset: Dataset) -> SRMeasurementReport:
    sop_class = str(dataset.get("SOPClassUID", ""))
    uid = str(dataset.get("SOPInstanceUID", ""))
    if sop_class not in _SR_SOP_CLASSES:
        raise DicomInputError(
            f"cannot read measurements from {safe_text(path, 120)} (SOP Instance "
            f"{safe_uid(uid)}): SOPClassUID is {safe_uid(sop_class)}, expected a structured "
            f"report ({', '.join(_SR_SOP_CLASSES.values())}); pass the SR file, not an image",
            path=path, sop_instance_uid=safe_uid(uid), keyword="SOPClassUID")
    notes: list[SRNote] = []
    lines: list[SRLine] = []
    top = _children(dataset)
    outside = [i for i in top if i.get("ValueType") != "CONTAINER"]
    document_visit = _find_text(outside, _TIME_POINT)
    groups = list(_iter_groups(top))
    for index, group in enumerate(groups):
        lines.extend(_read_group(group, index, f"{path.name}", document_visit, uid,
                                 notes))
    if not groups:
        notes.append(SRNote("sr-empty", f"{path.name}: no measurement group (DCM 125007) "
                            "in the report"))
    date = str(dataset.get("StudyDate", "")).strip() or None
    if date and len(date) == 8 and date.isdigit():
        date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    referenced = dict.fromkeys(_evidence_uids(dataset))
    referenced.update(dict.fromkeys(
        line.sop_instance_uid for line in lines if line.sop_instance_uid))
    return SRMeasurementReport(
        path=path, sop_instance_uid=uid,
        study_instance_uid=str(dataset.get("StudyInstanceUID", "")),
        patient_id=str(dataset.get("PatientID", "")).strip(), study_date=date,
        lines=tuple(lines), notes=tuple(notes),
        referenced_sop_instance_uids=tuple(referenced))


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


OHIF_TOOL_PREFIX = "cornerstoneTools@^4.0.0"
"""The tool tag dcmjs' Cornerstone adapter (OHIF) looks for in a tracking identifier."""
LABEL_SCHEME = "99RECIST"
"""Coding scheme of the finding that carries a lesion's label (there is no standard code
for a name): the code meaning is the lesion id, which OHIF shows as the label."""


def lesion_label_code(lesion_id: str) -> hd.sr.CodedConcept:
    """The Finding (DCM 121071) of a lesion: its label as the code meaning.

    OHIF (dcmjs' Cornerstone adapter) shows the finding's meaning as the measurement's
    label, and reads the tool from the tracking identifier, so our groups carry
    ``cornerstoneTools@^4.0.0:Bidirectional`` there and the lesion id here.

    >>> code = lesion_label_code("Liver met 2")
    >>> code.value, code.scheme_designator, code.meaning
    ('LIVER-MET-2', '99RECIST', 'Liver met 2')
    """
    text = str(lesion_id).strip()
    value = "".join(c if c.isalnum() else "-" for c in text.upper())[:16] or "LESION"
    return hd.sr.CodedConcept(value, LABEL_SCHEME, text[:64])


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


LABEL_COMMENT = hd.sr.CodedConcept("121106", "DCM", "Comment")
"""The text item that carries a lesion's label as Cornerstone3D and OHIF 3 read it back."""


def _add_label_comments(report: Dataset, labels: Sequence[str]) -> None:
    """Append a TEXT (121106, DCM, "Comment") holding the lesion id to each measurement
    group, in the order written.

    OHIF 3 (@cornerstonejs/adapters, ``getCornerstoneLabelFromDefaultState``) takes a
    measurement's label from this Comment, else from a finding or finding site coded
    ``CORNERSTONEFREETEXT``, a code value longer than SH allows; the finding we write
    (:func:`lesion_label_code`) is what dcmjs' legacy adapter shows.
    """
    groups = list(_iter_groups(report))
    if len(groups) != len(labels):
        raise ValueError(f"{len(groups)} measurement groups for {len(labels)} lesions")
    for group, label in zip(groups, labels):
        group.ContentSequence.append(hd.sr.TextContentItem(
            name=LABEL_COMMENT, value=str(label)[:1024], relationship_type="CONTAINS"))


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
        measurements = [_measurement(_LONG_AXIS, lesion.long_axis_mm,
                                     lesion.long_axis_px, image)]
        if lesion.short_axis_px is not None:
            measurements.append(_measurement(_SHORT_AXIS, lesion.short_axis_mm,
                                             lesion.short_axis_px, image))
        sites = [hd.sr.FindingSite(organ_code(lesion.organ))]
        if lesion.nodal and (organ_code(lesion.organ).value != "59441001"):
            sites.append(hd.sr.FindingSite(organ_code("lymph node")))
        tool = "Bidirectional" if lesion.short_axis_px is not None else "Length"
        groups.append(hd.sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(
                uid=lesion.tracking_uid, identifier=f"{OHIF_TOOL_PREFIX}:{tool}"),
            time_point_context=(hd.sr.TimePointContext(time_point=visit)
                                if visit else None),
            finding_type=lesion_label_code(lesion.lesion_id),
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
    _add_label_comments(report, [lesion.lesion_id for lesion in lesions])
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
