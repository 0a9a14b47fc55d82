"""The ``sr`` source: DICOM SR TID 1500 <-> the measurements table.

Reading (:func:`read_sr_lines`, :func:`measure_sr`, the source's :func:`measure`): every
linear measurement of one or more SR reports becomes a line record (the line-annotation
CSV columns of ``docs/tables.md`` plus provenance); the length is always recomputed from
the coordinates and the geometry of the referenced image, and a stated value that
disagrees by more than ``length_tolerance_mm`` — or is in pixels, or has no unit — is
reported as a finding. Several reports of one patient (one per visit) load into one table.

Writing (:func:`export_sr`): the rows of one study, with their provenance endpoints in
patient mm, become one SR (``dicom_io.sr.write_measurement_report``).

The lesion kind travels as the group's Baseline Category (DCM 112016): target and
non-target as DCM 112074 / 112075, new as the private code NEW (99RECIST); the mapping is
:data:`BASELINE_CATEGORY_CODES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pydicom.dataset import Dataset

from dicom_io.errors import DicomInputError
from dicom_io.sr import (
    ImagePlane,
    SRLesion,
    read_measurement_report,
    read_source_images,
    tracking_uid_for,
    write_measurement_report,
)
from recist.findings import Finding, Severity
from recist.measure import DrawnLine, measure_lines
from recist.pipeline.measure import PRESENT_STATUS, MeasureResult
from recist.pipeline.sources import DEFAULT_KIND, SourceSpec
from recist.table import normalise_measurements, read_measurements
from recist.vocabulary import KINDS, LesionKind

__all__ = [
    "BASELINE_CATEGORY_CODES",
    "DEFAULT_LENGTH_TOLERANCE_MM",
    "LINE_COLUMNS",
    "export_sr",
    "lines_to_measurements",
    "measure",
    "measure_sr",
    "read_sr_lines",
]

DEFAULT_LENGTH_TOLERANCE_MM = 0.5
"""Largest accepted gap between a stated length and the one recomputed from coordinates."""

LINE_COLUMNS = (
    "patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal", "axis",
    "sop_instance_uid", "x1", "y1", "x2", "y2",
    "x1_mm", "y1_mm", "z1_mm", "x2_mm", "y2_mm", "z2_mm", "length_mm",
    "stated_value", "stated_unit", "tracking_uid", "group", "series_uid",
    "slice_thickness_mm", "slice_index", "sr_file",
)
BASELINE_CATEGORY_CODES: dict[str, tuple[str, str, str]] = {
    str(LesionKind.TARGET): ("112074", "DCM", "Target Lesion at Baseline"),
    str(LesionKind.NON_TARGET): ("112075", "DCM", "Non-Target Lesion at Baseline"),
    str(LesionKind.NEW): ("NEW", "99RECIST", "New lesion"),
}
"""Lesion kind -> Baseline Category value (code value, coding scheme, meaning)."""
_UNIT_TO_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "um": 0.001}


def _planes(images: Iterable[Dataset]) -> dict[str, tuple[ImagePlane, Dataset]]:
    return {str(ds.SOPInstanceUID): (ImagePlane.from_dataset(ds), ds) for ds in images}


def _slice_indices(planes: dict[str, tuple[ImagePlane, Dataset]]) -> dict[str, int]:
    """Slice index of each image in its series: rank along the slice normal, ascending."""
    by_series: dict[str, list[tuple[float, str]]] = {}
    for uid, (plane, ds) in planes.items():
        normal = np.cross(plane.row_direction, plane.column_direction)
        position = float(np.dot(plane.position_mm, normal))
        by_series.setdefault(str(ds.get("SeriesInstanceUID", "")), []).append((position, uid))
    return {uid: k for members in by_series.values()
            for k, (_, uid) in enumerate(sorted(members))}


def _plane_containing(points_mm: np.ndarray, planes: dict[str, tuple[ImagePlane, Dataset]],
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


def read_sr_lines(
    sr_paths: Sequence[str | Path],
    source_images: Sequence[Dataset] | None = None,
    *,
    length_tolerance_mm: float = DEFAULT_LENGTH_TOLERANCE_MM,
) -> tuple[pd.DataFrame, list[Finding]]:
    """Read the linear measurements of SR reports as line records, with checks.

    Parameters
    ----------
    sr_paths
        SR files; several reports of one patient (one per visit) give one table.
    source_images
        Headers of the images the reports reference (``dicom_io.sr.read_source_images``).
        Pixel coordinates are placed in patient mm on their image; SCOORD3D lines are
        matched to the image whose plane holds them, to give pixel coordinates.
    length_tolerance_mm
        A stated mm value further than this from the recomputed length is a finding.

    Returns
    -------
    (pandas.DataFrame, list of Finding)
        One row per line, columns :data:`LINE_COLUMNS` (pixel ``x1 … y2`` on
        ``sop_instance_uid``; the same endpoints in patient mm ``x1_mm … z2_mm``;
        ``length_mm`` recomputed), and the findings.
    """
    planes = _planes(source_images or [])
    slice_index = _slice_indices(planes)
    rows: list[dict[str, object]] = []
    findings: list[Finding] = []
    for sr_path in sr_paths:
        report = read_measurement_report(sr_path)
        name = Path(sr_path).name
        for note in report.notes:
            findings.append(Finding("sr-skipped", note, Severity.WARNING,
                                    patient_id=report.patient_id, date=report.study_date))
        for line in report.lines:
            where = (f"{name}: lesion {line.lesion_id} ({line.axis} axis, group "
                     f"{line.group_index + 1})")
            row: dict[str, object] = {
                "patient_id": report.patient_id, "date": report.study_date,
                "visit": line.visit, "lesion_id": line.lesion_id,
                "kind": _kind_of(line.baseline_categories),
                "organ": line.organ.lower() if line.organ else None, "nodal": line.nodal,
                "axis": line.axis, "sop_instance_uid": line.sop_instance_uid,
                "stated_value": line.stated_value, "stated_unit": line.stated_unit,
                "tracking_uid": line.tracking_uid, "group": line.group_index,
                "sr_file": str(sr_path),
            }
            points_mm = None
            image = None
            if line.points_px is not None:
                entry = planes.get(line.sop_instance_uid or "")
                if entry is None and planes:
                    raise DicomInputError(
                        f"{where} is drawn on image {line.sop_instance_uid}, which is not "
                        "in the series given; pass the series the report was made on",
                        path=sr_path, sop_instance_uid=line.sop_instance_uid)
                px = np.asarray(line.points_px)
                row.update(x1=px[0, 0], y1=px[0, 1], x2=px[1, 0], y2=px[1, 1])
                if entry is not None:
                    points_mm = entry[0].pixel_to_patient_mm(px)
                    image = entry[1]
            elif line.points_mm is not None:
                points_mm = np.asarray(line.points_mm)
                found = _plane_containing(points_mm, planes, line.frame_of_reference_uid)
                if found is not None:
                    uid, plane, image = found
                    px, _ = plane.patient_mm_to_pixel(points_mm)
                    row.update(sop_instance_uid=uid, x1=px[0, 0], y1=px[0, 1],
                               x2=px[1, 0], y2=px[1, 1])
                elif planes:
                    findings.append(Finding(
                        "sr-off-slice", f"{where}: its 3D endpoints lie on no image of the "
                        "series (further than half a slice thickness from every plane); "
                        "measured in 3D as given", Severity.WARNING,
                        patient_id=report.patient_id, lesion_id=line.lesion_id))
            if image is not None:
                row["series_uid"] = str(image.get("SeriesInstanceUID", ""))
                thickness = image.get("SliceThickness")
                row["slice_thickness_mm"] = float(thickness) if thickness else None
                row["slice_index"] = slice_index.get(str(image.SOPInstanceUID))
            if points_mm is not None:
                for i in (0, 1):
                    for axis_name, value in zip("xyz", points_mm[i]):
                        row[f"{axis_name}{i + 1}_mm"] = float(value)
                length = float(np.linalg.norm(points_mm[1] - points_mm[0]))
                row["length_mm"] = length
                _check_stated(line.stated_value, line.stated_unit, length, where,
                              length_tolerance_mm, report.patient_id, line.lesion_id,
                              findings)
            rows.append(row)
    frame = pd.DataFrame(rows, columns=list(LINE_COLUMNS))
    return frame, findings


def _kind_of(categories: Sequence[tuple[str, str]]) -> str | None:
    """The lesion kind of a group's Baseline Category codes (the last one we know)."""
    kind = None
    for scheme, value in categories:
        kind = next((name for name, code in BASELINE_CATEGORY_CODES.items()
                     if (scheme, value) == (code[1], code[0])), kind)
    return kind


def _check_stated(value: float | None, unit: str | None, length_mm: float, where: str,
                  tolerance_mm: float, patient_id: str, lesion_id: str,
                  findings: list[Finding]) -> None:
    if value is None:
        return
    factor = _UNIT_TO_MM.get((unit or "").strip())
    if factor is None:
        unit_text = repr(unit) if unit else "no unit"
        findings.append(Finding(
            "sr-unit", f"{where}: the stated value {value:g} is in "
            f"{unit_text}, not a length unit; the length recomputed "
            f"from the coordinates ({length_mm:.2f} mm) is used", Severity.INFO,
            patient_id=patient_id, lesion_id=lesion_id))
        return
    stated_mm = value * factor
    if abs(stated_mm - length_mm) > tolerance_mm:
        findings.append(Finding(
            "sr-length-mismatch", f"{where}: the report states {stated_mm:.2f} mm but the "
            f"line's coordinates on its image measure {length_mm:.2f} mm (more than "
            f"{tolerance_mm:g} mm apart); the recomputed length is used — check the "
            "pixel spacing the viewer used", Severity.WARNING,
            patient_id=patient_id, lesion_id=lesion_id))


def _lesion_keys(lines: pd.DataFrame) -> list[str]:
    """Group key of each line: its measurement group, except that groups holding only
    single lengths (3D Slicer style: one line per group) of the same lesion on the same
    image form one lesion."""
    only_lengths = lines.groupby(["sr_file", "group"])["axis"].transform(
        lambda axes: bool((axes == "length").all()))
    return [f"{row.sr_file}|L|{row.lesion_id}|{row.sop_instance_uid}" if single
            else f"{row.sr_file}|G|{row.group}"
            for row, single in zip(lines.itertuples(), only_lengths)]


def _axes_of(lines: pd.DataFrame, findings: list[Finding]) -> list[str | None]:
    """Axis of each line: long/short as written; single lengths of one lesion on one
    image are long (the longest) and short (the next); further lengths are ignored."""
    if not len(lines) or not (lines["axis"] == "length").all():
        return ["short" if axis == "short" else "long" for axis in lines["axis"]]
    order = np.argsort(-lines["length_mm"].to_numpy(dtype=float), kind="stable")
    axes: list[str | None] = [None] * len(lines)
    for rank, position in enumerate(order):
        axes[position] = ("long", "short")[rank] if rank < 2 else None
    if len(lines) > 2:
        first = lines.iloc[0]
        findings.append(Finding(
            "sr-extra-lengths", f"{Path(str(first['sr_file'])).name}: lesion "
            f"{first['lesion_id']} has {len(lines)} single lengths on image "
            f"{first['sop_instance_uid']}; the longest is taken as the long axis, the "
            "next as the short axis, the others are ignored", Severity.WARNING,
            lesion_id=str(first["lesion_id"])))
    return axes


def lines_to_measurements(lines: pd.DataFrame, *, default_kind: str = DEFAULT_KIND
                          ) -> tuple[pd.DataFrame, list[Finding]]:
    """Measure each measurement group's lines with ``recist.measure.measure_lines``.

    Each group (one lesion of one report) becomes one measurements-table row: the long
    axis gives ``ld_mm`` and ``ld_*`` endpoints, the short axis ``sa_mm`` and ``sa_*``.
    Single lengths of one lesion on one image (one per group, 3D Slicer style) are
    paired: the longest is LD, the next SA; ``measure_lines`` checks the pair (same image, short not
    longer than long, near-perpendicular). Lines without patient-mm endpoints are left
    out. ``method = sr``; status ``measured`` / ``present`` / ``unequivocal`` by kind.
    """
    records = []
    findings: list[Finding] = []
    for _, group in lines.groupby(_lesion_keys(lines), sort=False):
        first = group.iloc[0]
        kind = str(first["kind"]) if pd.notna(first["kind"]) else default_kind
        drawn = []
        usable = group[group["length_mm"].notna()]
        axes = _axes_of(usable, findings)
        for (_, line), axis in zip(usable.iterrows(), axes):
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
        record: dict[str, object] = {
            column: first[column] for column in
            ("patient_id", "date", "visit", "lesion_id", "organ", "nodal",
             "sop_instance_uid", "series_uid", "slice_thickness_mm", "slice_index")
        }
        record.update(kind=kind, method="sr", status=PRESENT_STATUS.get(kind, "measured"))
        for prefix in ("ld", "sa"):
            start = getattr(measured, f"{prefix}_start")
            if start is None:
                continue
            end = getattr(measured, f"{prefix}_end")
            record[f"{prefix}_mm"] = getattr(measured, f"{prefix}_mm")
            for i, point in ((1, start), (2, end)):
                for a, value in zip("xyz", point):
                    record[f"{prefix}_{a}{i}"] = float(value)
        records.append(record)
    frame = pd.DataFrame(records)
    if frame.empty:
        return frame, findings
    return normalise_measurements(frame, source="SR measurements"), findings


def measure_sr(sr_paths: Sequence[str | Path], series_dirs: Sequence[str | Path], *,
               length_tolerance_mm: float = DEFAULT_LENGTH_TOLERANCE_MM,
               default_kind: str = DEFAULT_KIND) -> MeasureResult:
    """Measure the lesions of SR reports on their series: a measurements table.

    Parameters
    ----------
    sr_paths
        One SR per visit (or any number).
    series_dirs
        Folders holding the CT series the reports reference (one per visit).
    length_tolerance_mm, default_kind
        See :func:`read_sr_lines`; ``default_kind`` is used where the report has no
        baseline category (e.g. OHIF, 3D Slicer).

    Returns
    -------
    MeasureResult
        The measurements table (with provenance columns) and the findings.
    """
    images: list[Dataset] = []
    for folder in series_dirs:
        images.extend(read_source_images(folder))
    lines, findings = read_sr_lines(sr_paths, images,
                                    length_tolerance_mm=length_tolerance_mm)
    table, line_findings = lines_to_measurements(lines, default_kind=default_kind)
    return MeasureResult(table, tuple(findings + line_findings))


def measure(series_dir: str | Path, spec: SourceSpec) -> MeasureResult:
    """The ``sr`` source: the reports ``spec.paths`` measured on ``series_dir``.

    ``spec.visit`` / ``spec.patient_id`` / ``spec.date``, when given, replace what the
    reports say.
    """
    result = measure_sr(spec.paths, [series_dir], default_kind=spec.default_kind)
    table = result.table
    if not table.empty:
        if spec.visit:
            table["visit"] = spec.visit
        if spec.patient_id:
            table["patient_id"] = spec.patient_id
        if spec.date:
            table["date"] = pd.Timestamp(spec.date)
    return MeasureResult(table, result.findings)


def _pixel_line(row: pd.Series, prefix: str, plane: ImagePlane, where: str,
                tolerance_mm: float) -> tuple[tuple[float, float], tuple[float, float]]:
    points = np.array([[row[f"{prefix}_{a}{i}"] for a in "xyz"] for i in (1, 2)],
                      dtype=float)
    if not np.all(np.isfinite(points)):
        raise ValueError(f"{where}: {prefix}_x1 … {prefix}_z2 endpoints are incomplete; "
                         "export-sr needs the provenance endpoints written by recist "
                         "measure")
    px, off = plane.patient_mm_to_pixel(points)
    if float(np.max(off)) > tolerance_mm:
        raise ValueError(
            f"{where}: the {prefix.upper()} endpoints lie {float(np.max(off)):.2f} mm off "
            f"the plane of image {plane.sop_instance_uid} (more than {tolerance_mm} mm); "
            "an SR line must be drawn on its image — check sop_instance_uid")
    return (tuple(float(v) for v in px[0]), tuple(float(v) for v in px[1]))  # type: ignore[return-value]


def export_sr(measurements: pd.DataFrame | str | Path, series_dir: str | Path,
              out_path: str | Path, *, series_uid: str | None = None,
              plane_tolerance_mm: float = 0.05) -> tuple[Path, list[Finding]]:
    """Write the measured lesions of one study as a DICOM SR TID 1500.

    Parameters
    ----------
    measurements
        A measurements table (or its CSV) with provenance columns ``sop_instance_uid``
        and ``ld_x1 … ld_z2`` (and ``sa_x1 … sa_z2``), as written by ``recist measure``.
    series_dir
        The CT series those rows were measured on; the rows whose ``sop_instance_uid``
        is in it are written.
    out_path
        The SR file to write.
    series_uid
        Keep only this series of the folder.
    plane_tolerance_mm
        Largest accepted distance of an endpoint from the plane of its image.

    Returns
    -------
    (Path, list of Finding)
        The file written, and findings for rows left out (no endpoints).
    """
    if not isinstance(measurements, pd.DataFrame):
        source = str(measurements)
        measurements = read_measurements(measurements)
    else:
        source = "measurements"
        measurements = normalise_measurements(measurements, source=source)
    images = read_source_images(series_dir, series_uid)
    planes = _planes(images)
    if "sop_instance_uid" not in measurements.columns:
        raise ValueError(f"{source}: no sop_instance_uid column; export-sr needs the "
                         "provenance columns written by recist measure")
    rows = measurements[measurements["sop_instance_uid"].astype("string").isin(
        list(planes))]
    if rows.empty:
        raise ValueError(f"{source}: no row references an image of the series in "
                         f"{series_dir}; pass the series the rows were measured on")
    visits = {str(v) for v in rows["visit"].dropna()}
    if len(visits) > 1:
        raise ValueError(f"{source}: rows on series {series_dir} belong to visits "
                         f"{sorted(visits)}; one SR holds one visit")
    lesions: list[SRLesion] = []
    findings: list[Finding] = []
    for index, row in rows.iterrows():
        where = (f"{source} row {int(index) + 2}, patient_id {row['patient_id']}, lesion "
                 f"{row['lesion_id']}")
        if "ld_x1" not in rows.columns or pd.isna(row.get("ld_x1")) or pd.isna(
                row.get("ld_mm")):
            findings.append(Finding(
                "sr-export-skipped", f"{where}: no long-axis endpoints (status "
                f"{row['status']}); not written to the SR", Severity.INFO,
                patient_id=str(row["patient_id"]), lesion_id=str(row["lesion_id"])))
            continue
        plane = planes[str(row["sop_instance_uid"])][0]
        long_px = _pixel_line(row, "ld", plane, where, plane_tolerance_mm)
        short_px = short_mm = None
        if "sa_x1" in rows.columns and pd.notna(row.get("sa_x1")) and pd.notna(
                row.get("sa_mm")):
            short_px = _pixel_line(row, "sa", plane, where, plane_tolerance_mm)
            short_mm = float(row["sa_mm"])
        kind = str(row["kind"])
        if kind not in BASELINE_CATEGORY_CODES:
            raise ValueError(f"lesion {row['lesion_id']}: kind {kind!r} is not one of "
                             f"{', '.join(KINDS)}")
        lesions.append(SRLesion(
            lesion_id=str(row["lesion_id"]),
            tracking_uid=tracking_uid_for(str(row["patient_id"]), str(row["lesion_id"])),
            baseline_category=BASELINE_CATEGORY_CODES[kind],
            organ=str(row["organ"]) if pd.notna(row["organ"])
            else "unspecified", nodal=bool(row["nodal"]),
            sop_instance_uid=str(row["sop_instance_uid"]), long_axis_px=long_px,
            long_axis_mm=float(row["ld_mm"]), short_axis_px=short_px,
            short_axis_mm=short_mm))
    path = write_measurement_report(lesions, images, out_path,
                                    visit=next(iter(visits), None))
    return path, findings
