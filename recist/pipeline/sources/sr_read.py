"""Reading SR TID 1500 reports into line records and measurements (the ``sr`` source).

:func:`read_sr_lines` places every shape a report holds on the CT series and turns it
into one or two *line records* (the long and short axis), in patient mm:

* a line (POLYLINE of 2 points) is itself;
* an ellipse gives its two axes (the longer is the long axis);
* a circle gives two perpendicular diameters (2 x radius), with a warning: a circle's
  diameter is not a long axis measured on the lesion;
* a closed contour is measured like an RTSTRUCT contour
  (``recist.measure.measure_planar_contours``): LD and the longest chord perpendicular
  to it.

Every length is recomputed from the coordinates and the referenced image's geometry; a
stated value (mm, cm, m, um; unitless ``1`` read as mm) further than
``length_tolerance_mm`` from it is a finding, and so is a stated value in pixels.

:func:`lines_to_measurements` makes one measurements-table row per lesion identity of a
report (``docs/tables.md``, "Lesions read from a DICOM SR"): groups merge only when they
name the same lesion or share a Tracking UID; groups naming no lesion get distinct ids
derived from their Tracking UID.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pydicom.dataset import Dataset

from dicom_io.errors import DicomInputError, safe_text, safe_uid
from dicom_io.sr import (
    LENGTH_UNITS_MM,
    PIXEL_UNITS,
    UNITLESS_UNITS,
    ImagePlane,
    SRLine,
    SRMeasurementReport,
    read_measurement_report,
)
from recist.findings import Finding, Severity
from recist.measure import DrawnLine, measure_lines, measure_planar_contours
from recist.pipeline.measure import MEASUREMENT_COLUMNS, PRESENT_STATUS
from recist.pipeline.sources import DEFAULT_KIND
from recist.table import normalise_measurements

__all__ = [
    "DEFAULT_LENGTH_TOLERANCE_MM",
    "LINE_COLUMNS",
    "lines_to_measurements",
    "read_sr_lines",
]

DEFAULT_LENGTH_TOLERANCE_MM = 0.5
"""Largest accepted gap between a stated length and the one recomputed from coordinates."""

LINE_COLUMNS = (
    "patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal", "axis",
    "sop_instance_uid", "x1", "y1", "x2", "y2",
    "x1_mm", "y1_mm", "z1_mm", "x2_mm", "y2_mm", "z2_mm", "length_mm",
    "stated_value", "stated_unit", "tracking_uid", "group", "series_uid",
    "slice_thickness_mm", "slice_index", "sr_file", "shape",
)
# Lesion kind <- Baseline Category (scheme, code); the writer's table is in sr.py.
_KIND_CODES: dict[tuple[str, str], str] = {
    ("DCM", "112074"): "target", ("DCM", "112075"): "non-target",
    ("99RECIST", "NEW"): "new",
}
_MAX_LISTED = 5

Planes = dict[str, tuple[ImagePlane, Dataset]]


def planes_of(images: Iterable[Dataset]) -> Planes:
    """Each image's plane and header, by SOP Instance UID."""
    return {str(ds.SOPInstanceUID): (ImagePlane.from_dataset(ds), ds) for ds in images}


def _slice_indices(planes: Planes) -> dict[str, int]:
    """Slice index of each image in its series: rank along the slice normal, ascending."""
    by_series: dict[str, list[tuple[float, str]]] = {}
    for uid, (plane, ds) in planes.items():
        normal = np.cross(plane.row_direction, plane.column_direction)
        position = float(np.dot(plane.position_mm, normal))
        by_series.setdefault(str(ds.get("SeriesInstanceUID", "")), []).append((position, uid))
    return {uid: k for members in by_series.values()
            for k, (_, uid) in enumerate(sorted(members))}


def _plane_containing(points_mm: np.ndarray, planes: Planes,
                      frame_uid: str | None) -> tuple[str, ImagePlane, Dataset] | None:
    best = None
    for uid, (plane, ds) in planes.items():
        if frame_uid and str(ds.get("FrameOfReferenceUID", frame_uid)) != frame_uid:
            continue
        _, off = plane.patient_mm_to_pixel(points_mm)
        worst = float(np.max(off))
        if best is None or worst < best[0]:
            best = (worst, uid, plane, ds)
    if best is None:
        return None
    thickness = float(best[3].get("SliceThickness", 0) or 0) or 1.0
    if best[0] > thickness / 2:
        return None
    return best[1], best[2], best[3]


def _listed(uids: Sequence[str]) -> str:
    more = f" and {len(uids) - _MAX_LISTED} more" if len(uids) > _MAX_LISTED else ""
    return ", ".join(safe_uid(uid) for uid in uids[:_MAX_LISTED]) + more


def check_references(report: SRMeasurementReport, planes: Planes) -> None:
    """Refuse a report whose measurements are drawn on images absent from ``planes``.

    Raises ``DicomInputError`` naming the file, the report's SOP Instance UID and every
    missing image (or frame of reference), and what to pass instead.
    """
    where = (f"SR {safe_text(report.path, 120)} (SOP Instance "
             f"{safe_uid(report.sop_instance_uid)})")
    drawn = list(dict.fromkeys(line.sop_instance_uid for line in report.lines
                               if line.points_px is not None and line.sop_instance_uid))
    missing = [uid for uid in drawn if uid not in planes]
    if missing:
        raise DicomInputError(
            f"{where}: {len(missing)} of the {len(drawn)} image(s) its measurements are "
            f"drawn on are not in the series given: {_listed(missing)} (the report "
            f"belongs to study {safe_uid(report.study_instance_uid)}); pass the series the "
            "report was made on", path=report.path,
            sop_instance_uid=safe_uid(report.sop_instance_uid),
            keyword="ReferencedSOPInstanceUID")
    frames = {str(ds.get("FrameOfReferenceUID", "")) for _, ds in planes.values()}
    foreign = sorted({line.frame_of_reference_uid for line in report.lines
                      if line.points_mm is not None and line.frame_of_reference_uid
                      and line.frame_of_reference_uid not in frames})
    if foreign:
        raise DicomInputError(
            f"{where}: its 3D coordinates are in frame of reference {_listed(foreign)}, "
            f"which no image of the series given shares ({_listed(sorted(frames))}); pass "
            "the series the report was made on", path=report.path,
            sop_instance_uid=report.sop_instance_uid,
            keyword="ReferencedFrameOfReferenceUID")
    evidence = report.referenced_sop_instance_uids
    if not report.lines and evidence and not any(uid in planes for uid in evidence):
        raise DicomInputError(
            f"{where} references {len(evidence)} image(s) of study "
            f"{safe_uid(report.study_instance_uid)}, none of which is in the series given (e.g. "
            f"{_listed(list(evidence))}); pass the series the report was made on",
            path=report.path, sop_instance_uid=report.sop_instance_uid,
            keyword="CurrentRequestedProcedureEvidenceSequence")


def _context(report: SRMeasurementReport, planes: Planes, patient_id: str | None,
             date: str | None, findings: list[Finding]) -> tuple[str, str]:
    """Patient id and ISO date of a report's rows: given, the report's, or the CT's."""
    name = report.path.name
    image = next((planes[uid][1] for uid in report.referenced_sop_instance_uids
                  if uid in planes), None)
    patient = patient_id or report.patient_id
    if not patient and image is not None and str(image.get("PatientID", "")).strip():
        patient = str(image.PatientID).strip()
        findings.append(Finding("sr-context-from-ct", (
            f"{name}: the report's PatientID (0010,0020) is empty; the PatientID of the CT "
            "images it references is used"), Severity.INFO))
    when = date or report.study_date
    if not when and image is not None and str(image.get("StudyDate", "")).strip():
        text = str(image.StudyDate).strip()
        if not (len(text) == 8 and text.isdigit()):
            raise DicomInputError(
                f"{safe_text(name)}: the report's StudyDate (0008,0020) is empty and the CT "
                "images' StudyDate is not a date (YYYYMMDD); give the date (a manifest's "
                "date column)", path=report.path, keyword="StudyDate")
        when = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        findings.append(Finding("sr-context-from-ct", (
            f"{name}: the report's StudyDate (0008,0020) is empty; the StudyDate of the "
            f"CT images it references ({when}) is used"), Severity.INFO,
            patient_id=patient or None))
    where = (f"SR {safe_text(report.path, 120)} (SOP Instance "
             f"{safe_uid(report.sop_instance_uid)})")
    if not patient:
        raise DicomInputError(
            f"{where}: PatientID (0010,0020) is empty in the report and in the CT images "
            "it references; give the patient id (a manifest's patient_id column)",
            path=report.path, sop_instance_uid=report.sop_instance_uid, keyword="PatientID")
    if not when:
        raise DicomInputError(
            f"{where}: StudyDate (0008,0020) is empty in the report and in the CT images "
            "it references; give the scan date (a manifest's date column)",
            path=report.path, sop_instance_uid=report.sop_instance_uid, keyword="StudyDate")
    return patient, when


def _perpendicular_px(points: np.ndarray) -> np.ndarray:
    """A circle (centre, point on it) in pixels -> two perpendicular diameters (4 points)."""
    centre, edge = points
    d = edge - centre
    return np.stack([centre - d, centre + d, centre - [-d[1], d[0]], centre + [-d[1], d[0]]])


def _axes_of_shape(line: SRLine, points_mm: np.ndarray, plane: ImagePlane | None,
                   points_px: np.ndarray | None, where: str, findings: list[Finding],
                   patient_id: str) -> list[tuple[str, np.ndarray]]:
    """(axis, (2, 3) endpoints in mm) of the line(s) a shape stands for."""
    if line.shape == "line":
        return [(line.axis, points_mm)]
    if line.shape == "contour":
        normal = (np.cross(plane.row_direction, plane.column_direction)
                  if plane is not None else None)
        try:
            m = measure_planar_contours([points_mm], normal=normal, max_off_plane_mm=0.05)
        except ValueError as error:
            raise DicomInputError(f"{where}: the contour cannot be measured: {error}",
                                  path=line.sop_instance_uid) from None
        findings.append(Finding("sr-contour", (
            f"{where}: a closed contour of {len(points_mm)} points; LD {m.ld_mm:.2f} mm "
            f"and SA {m.sa_mm:.2f} mm measured on it as for an RTSTRUCT contour"),
            Severity.INFO, patient_id=patient_id, lesion_id=line.lesion_id))
        return [("long", np.stack([m.ld_start_mm, m.ld_end_mm])),
                ("short", np.stack([m.sa_start_mm, m.sa_end_mm]))]
    if line.shape == "circle":
        if points_px is not None and plane is not None:
            ends = plane.pixel_to_patient_mm(_perpendicular_px(points_px))
        else:
            raise DicomInputError(f"{where}: a circle needs pixel coordinates on an image")
        first, second = ends[:2], ends[2:]
        radius = float(np.linalg.norm(first[1] - first[0])) / 2
        findings.append(Finding("sr-circle", (
            f"{where}: a circle of radius {radius:.2f} mm; its diameter "
            f"({2 * radius:.2f} mm) is used as LD and SA, but a circle drawn around a lesion "
            "is not a RECIST long axis measured on it — check the size, or measure the "
            "lesion with a line or bidirectional tool"), Severity.WARNING,
            patient_id=patient_id, lesion_id=line.lesion_id))
    else:  # ellipse: ends of the major axis, then of the minor axis
        first, second = points_mm[:2], points_mm[2:]
        findings.append(Finding("sr-ellipse", (
            f"{where}: an ellipse; its axes are used as LD and SA"), Severity.INFO,
            patient_id=patient_id, lesion_id=line.lesion_id))
    if np.linalg.norm(second[1] - second[0]) > np.linalg.norm(first[1] - first[0]):
        first, second = second, first
    return [("long", first), ("short", second)]


def read_sr_lines(
    sr_paths: Sequence[str | Path],
    source_images: Sequence[Dataset] | None = None,
    *,
    length_tolerance_mm: float = DEFAULT_LENGTH_TOLERANCE_MM,
    patient_id: str | None = None,
    date: str | None = None,
) -> tuple[pd.DataFrame, list[Finding]]:
    """Read the measured shapes of SR reports as line records, with checks.

    Parameters
    ----------
    sr_paths
        SR files; several reports of one patient (one per visit) give one table.
    source_images
        Headers of the images the reports reference (``dicom_io.sr.read_source_images``).
        Pixel coordinates are placed in patient mm on their image; SCOORD3D shapes are
        matched to the image whose plane holds them. With images given, a report drawn on
        images (or a frame of reference) absent from them is refused.
    length_tolerance_mm
        A stated length further than this from the recomputed one is a finding.
    patient_id, date
        Written instead of the report's PatientID and StudyDate. Without them, an empty
        PatientID or StudyDate is taken from the CT images the report references (with
        a finding); when neither has one, ``DicomInputError``.

    Returns
    -------
    (pandas.DataFrame, list of Finding)
        One row per line, columns :data:`LINE_COLUMNS` (pixel ``x1 … y2`` on
        ``sop_instance_uid``; the same endpoints in patient mm ``x1_mm … z2_mm``;
        ``length_mm`` recomputed; ``shape`` the drawn shape), and the findings.
    """
    planes = planes_of(source_images or [])
    slice_index = _slice_indices(planes)
    rows: list[dict[str, object]] = []
    findings: list[Finding] = []
    for sr_path in sr_paths:
        report = read_measurement_report(sr_path)
        if planes:
            check_references(report, planes)
        name = Path(sr_path).name
        patient, when = (patient_id or report.patient_id, date or report.study_date)
        if planes and report.lines:  # without shapes, the report is refused later
            patient, when = _context(report, planes, patient_id, date, findings)
        for note in report.notes:
            severity = Severity.INFO if note.code in ("sr-not-a-length", "sr-reader-warning") \
                else Severity.WARNING
            findings.append(Finding(note.code, note.message, severity,
                                    patient_id=patient or None, date=when))
        for line in report.lines:
            rows.extend(_line_rows(line, planes, slice_index, sr_path, name, patient, when,
                                   length_tolerance_mm, findings))
    frame = pd.DataFrame(rows, columns=list(LINE_COLUMNS))
    return frame, findings


def _line_rows(line: SRLine, planes: Planes, slice_index: dict[str, int],
               sr_path: str | Path, name: str, patient: str, when: str | None,
               tolerance_mm: float, findings: list[Finding]) -> list[dict[str, object]]:
    where = f"{name}: lesion {line.lesion_id} ({line.shape}, group {line.group_index + 1})"
    base: dict[str, object] = {
        "patient_id": patient, "date": when, "visit": line.visit,
        "lesion_id": line.lesion_id, "kind": _kind_of(line.baseline_categories),
        "organ": line.organ.lower() if line.organ else None, "nodal": line.nodal,
        "sop_instance_uid": line.sop_instance_uid, "tracking_uid": line.tracking_uid,
        "group": line.group_index, "sr_file": str(sr_path), "shape": line.shape,
    }
    points_mm = plane = image = points_px = None
    if line.points_px is not None:
        points_px = np.asarray(line.points_px, dtype=float)
        entry = planes.get(line.sop_instance_uid or "")
        if entry is not None:
            plane, image = entry
            points_mm = plane.pixel_to_patient_mm(points_px)
    elif line.points_mm is not None:
        points_mm = np.asarray(line.points_mm, dtype=float)
        found = _plane_containing(points_mm, planes, line.frame_of_reference_uid)
        if found is not None:
            uid, plane, image = found
            base["sop_instance_uid"] = uid
        elif planes:
            findings.append(Finding(
                "sr-off-slice", f"{where}: its 3D points lie on no image of the series "
                "(further than half a slice thickness from every plane); measured in 3D "
                "as given", Severity.WARNING, patient_id=patient,
                lesion_id=line.lesion_id))
    if image is not None:
        base["series_uid"] = str(image.get("SeriesInstanceUID", ""))
        thickness = image.get("SliceThickness")
        base["slice_thickness_mm"] = float(thickness) if thickness else None
        base["slice_index"] = slice_index.get(str(image.SOPInstanceUID))
    if points_mm is None:  # pixel coordinates without the series: kept, not measured
        if points_px is not None and line.shape == "line":
            return [{**base, "axis": line.axis, "x1": points_px[0, 0],
                     "y1": points_px[0, 1], "x2": points_px[1, 0], "y2": points_px[1, 1],
                     "stated_value": line.stated_value, "stated_unit": line.stated_unit}]
        return []
    rows = []
    for rank, (axis, ends) in enumerate(_axes_of_shape(line, points_mm, plane, points_px,
                                                       where, findings, patient)):
        row = {**base, "axis": axis}
        if line.shape == "line" and points_px is not None:
            row.update(x1=points_px[0, 0], y1=points_px[0, 1], x2=points_px[1, 0],
                       y2=points_px[1, 1])
        elif plane is not None:
            px, _ = plane.patient_mm_to_pixel(ends)
            row.update(x1=px[0, 0], y1=px[0, 1], x2=px[1, 0], y2=px[1, 1])
        for i in (0, 1):
            for axis_name, value in zip("xyz", ends[i]):
                row[f"{axis_name}{i + 1}_mm"] = float(value)
        length = float(np.linalg.norm(ends[1] - ends[0]))
        row["length_mm"] = length
        if rank == 0:
            row.update(stated_value=line.stated_value, stated_unit=line.stated_unit)
            _check_stated(line.stated_value, line.stated_unit, length,
                          f"{name}: lesion {line.lesion_id} ({axis} axis, group "
                          f"{line.group_index + 1})", tolerance_mm, patient,
                          line.lesion_id, findings)
        rows.append(row)
    return rows


def _kind_of(categories: Sequence[tuple[str, str]]) -> str | None:
    """The lesion kind of a group's Baseline Category codes (the last one we know)."""
    kind = None
    for key in categories:
        kind = _KIND_CODES.get(key, kind)
    return kind


def _check_stated(value: float | None, unit: str | None, length_mm: float, where: str,
                  tolerance_mm: float, patient_id: str, lesion_id: str,
                  findings: list[Finding]) -> None:
    if value is None:
        return
    text = (unit or "").strip()
    if text in PIXEL_UNITS:
        findings.append(Finding(
            "sr-unit", f"{where}: the stated value {value:g} is in {unit!r}, not a length "
            f"unit; the length recomputed from the coordinates ({length_mm:.2f} mm) is "
            "used", Severity.INFO, patient_id=patient_id, lesion_id=lesion_id))
        return
    if text in UNITLESS_UNITS:
        findings.append(Finding(
            "sr-unit", f"{where}: the stated value {value:g} has no unit "
            f"({unit!r}: Cornerstone3D writes '1' for mm); it is read as mm, and the "
            f"length recomputed from the coordinates ({length_mm:.2f} mm) is used",
            Severity.INFO, patient_id=patient_id, lesion_id=lesion_id))
        factor = 1.0
    else:
        factor = LENGTH_UNITS_MM[text]
    stated_mm = value * factor
    if abs(stated_mm - length_mm) > tolerance_mm:
        findings.append(Finding(
            "sr-length-mismatch", f"{where}: the report states {stated_mm:.2f} mm but the "
            f"coordinates on its image measure {length_mm:.2f} mm (more than "
            f"{tolerance_mm:g} mm apart); the recomputed length is used — check the "
            "pixel spacing the viewer used", Severity.WARNING,
            patient_id=patient_id, lesion_id=lesion_id))


def _choose_lines(lesion: pd.DataFrame, findings: list[Finding]) -> list[str | None]:
    """Axis of each line of one lesion (None: not used), following ``docs/tables.md``.

    Lines with an axis (long / short, or the two axes of a shape) are used as they are.
    Single lengths (3D Slicer writes one line per group) are paired on one image: the
    longest is the long axis, the next the short axis, unless an axis of that kind is
    already drawn; lengths on other images than the longest one's, and further lengths,
    are not used (a finding names them).
    """
    usable = lesion["length_mm"].notna().to_numpy()
    axes: list[str | None] = [a if a in ("long", "short") and ok else None
                              for a, ok in zip(lesion["axis"], usable)]
    is_length = (lesion["axis"] == "length").to_numpy() & usable
    if not is_length.any():
        return axes
    lengths = lesion["length_mm"].to_numpy(dtype=float)
    order = [int(i) for i in np.argsort(-np.where(is_length, lengths, -np.inf),
                                        kind="stable")[:int(is_length.sum())]]
    image = lesion["sop_instance_uid"].iloc[order[0]]
    free = [axis for axis in ("long", "short") if axis not in axes]
    ignored = []
    for position in order:
        if free and lesion["sop_instance_uid"].iloc[position] == image:
            axes[position] = free.pop(0)
        else:
            ignored.append(position)
    if ignored:
        first = lesion.iloc[0]
        images = sorted({str(lesion["sop_instance_uid"].iloc[i]) for i in ignored})
        findings.append(Finding(
            "sr-extra-lengths", f"{Path(str(first['sr_file'])).name}: lesion "
            f"{first['lesion_id']} has {int(is_length.sum())} single length(s); the longest "
            f"(on image {image}) is the long axis and the next on that image the short "
            f"axis where not drawn; {len(ignored)} other length(s) (on image(s) "
            f"{_listed(images)}) are not used — give each lesion its own label",
            Severity.WARNING, lesion_id=str(first["lesion_id"])))
    return axes


def lines_to_measurements(lines: pd.DataFrame, *, default_kind: str = DEFAULT_KIND
                          ) -> tuple[pd.DataFrame, list[Finding]]:
    """Measure each lesion's lines with ``recist.measure.measure_lines``.

    One measurements-table row per lesion identity of a report (``docs/tables.md``): the lines of
    every group naming that lesion (or sharing its Tracking UID) together; the long axis
    gives ``ld_mm`` and ``ld_*`` endpoints, the short axis ``sa_mm`` and ``sa_*``.
    Single lengths are paired by :func:`_choose_lines`; ``measure_lines`` checks the pair
    (same image, short not longer than long, near-perpendicular). Lines without
    patient-mm endpoints are left out. ``method = sr``; status ``measured`` /
    ``present`` / ``unequivocal`` by kind; diameters rounded to 0.001 mm and endpoints
    to 0.0001 mm, as for every other source.
    """
    records = []
    findings: list[Finding] = []
    if lines.empty:
        return pd.DataFrame(), findings
    keys = lines["sr_file"].astype(str) + "\x1f" + lines["lesion_id"].astype(str)
    for _, lesion in lines.groupby(keys.to_numpy(), sort=False):
        first = lesion.iloc[0]
        kinds = {str(k) for k in lesion["kind"].dropna()}
        kind = sorted(kinds)[0] if kinds else default_kind
        drawn = []
        for (_, line), axis in zip(lesion.iterrows(), _choose_lines(lesion, findings)):
            if axis is None:
                continue
            drawn.append(DrawnLine(
                lesion_id=str(line["lesion_id"]), axis=axis,
                start_mm=np.array([line[f"{a}1_mm"] for a in "xyz"], dtype=float),
                end_mm=np.array([line[f"{a}2_mm"] for a in "xyz"], dtype=float),
                slice_key=str(line["sop_instance_uid"]), kind=kind,
                organ=first["organ"], nodal=bool(first["nodal"]),
                source=f"{Path(str(line['sr_file'])).name} group {int(line['group']) + 1}"))
        if not drawn:
            continue
        (measured,) = measure_lines(drawn)
        findings.extend(measured.findings)
        main = lesion[lesion["sop_instance_uid"] == measured.slice_key].iloc[0]
        record: dict[str, object] = {
            column: main[column] for column in
            ("patient_id", "date", "visit", "lesion_id", "organ", "nodal",
             "sop_instance_uid", "series_uid", "slice_thickness_mm", "slice_index")
        }
        record.update(kind=kind, method="sr", status=PRESENT_STATUS.get(kind, "measured"),
                      n_fragments=1)
        for prefix in ("ld", "sa"):
            start = getattr(measured, f"{prefix}_start")
            if start is None:
                continue
            end = getattr(measured, f"{prefix}_end")
            record[f"{prefix}_mm"] = round(float(getattr(measured, f"{prefix}_mm")), 3)
            for i, point in ((1, start), (2, end)):
                for a, value in zip("xyz", point):
                    record[f"{prefix}_{a}{i}"] = round(float(value), 4)
        records.append(record)
    if not records:
        return pd.DataFrame(), findings
    frame = pd.DataFrame(records, columns=list(MEASUREMENT_COLUMNS))
    return normalise_measurements(frame, source="SR measurements"), findings
