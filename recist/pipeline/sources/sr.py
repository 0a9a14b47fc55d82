"""The ``sr`` source: DICOM SR TID 1500 <-> the measurements table.

Reading (:func:`read_sr_lines`, :func:`measure_sr`, the source's :func:`measure`; the
details in ``recist.pipeline.sources.sr_read``): every line, closed contour, ellipse or
circle of one or more SR reports becomes line records placed on the CT series, one
lesion per lesion identity (``docs/tables.md``, "Lesions read from a DICOM SR"); lengths
are always recomputed from the coordinates, and a stated value that disagrees by more than
``length_tolerance_mm`` — or is in pixels, or has no unit — is reported as a finding.
Several reports of one patient (one per visit) load into one table. A report drawn on
images absent from the series, or without any measurable lesion, is refused.

Writing (:func:`export_sr`): the rows of one study, with their provenance endpoints in
patient mm, become one SR (``dicom_io.sr.write_measurement_report``) that OHIF reloads.

The lesion kind travels as the group's Baseline Category (DCM 112016): target and
non-target as DCM 112074 / 112075; a new lesion has no baseline category and is written
with the finding SCT 129721008 "New finding" instead; the mapping is
:data:`BASELINE_CATEGORY_CODES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pydicom.dataset import Dataset

from dicom_io.errors import DicomInputError, captured_warnings, damaged_object, safe_text
from dicom_io.series import load_series
from dicom_io.sr import (
    ImagePlane,
    SRLesion,
    read_source_images,
    tracking_uid_for,
    write_measurement_report,
)
from recist.findings import Finding, Severity
from recist.pipeline.measure import MeasureResult
from recist.pipeline.sources import DEFAULT_KIND, SourceSpec
from recist.pipeline.sources.pictures import write_row_pictures
from recist.pipeline.sources.sr_read import (
    DEFAULT_LENGTH_TOLERANCE_MM,
    LINE_COLUMNS,
    lines_to_measurements,
    planes_of,
    read_sr_lines,
)
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

BASELINE_CATEGORY_CODES: dict[str, tuple[str, str, str]] = {
    str(LesionKind.TARGET): ("112074", "DCM", "Target Lesion at Baseline"),
    str(LesionKind.NON_TARGET): ("112075", "DCM", "Non-Target Lesion at Baseline"),
    str(LesionKind.NEW): ("NEW", "99RECIST", "New lesion"),
}
"""Lesion kind -> Baseline Category value (code value, coding scheme, meaning)."""


def measure_sr(sr_paths: Sequence[str | Path], series_dirs: Sequence[str | Path], *,
               length_tolerance_mm: float = DEFAULT_LENGTH_TOLERANCE_MM,
               default_kind: str = DEFAULT_KIND, patient_id: str | None = None,
               date: str | None = None, series_uid: str | None = None) -> MeasureResult:
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
    patient_id, date
        Written instead of the reports' PatientID / StudyDate (see :func:`read_sr_lines`).
    series_uid
        Keep only this series of the folders.

    Returns
    -------
    MeasureResult
        The measurements table (with provenance columns) and the findings.

    Raises
    ------
    DicomInputError
        When a report is drawn on images absent from the series, or when no lesion at
        all can be measured (the reasons named): never an empty table.
    """
    images: list[Dataset] = []
    warned: list[str] = []
    for folder in series_dirs:  # the images' elements are read lazily, by read_sr_lines
        with captured_warnings(safe_text(Path(folder).name), warned):
            images.extend(read_source_images(folder, series_uid))
    where = ", ".join(safe_text(Path(f).name) for f in series_dirs)
    with captured_warnings(where, warned), \
            damaged_object(where, "the CT images the report is drawn on"):
        lines, findings = read_sr_lines(sr_paths, images,
                                        length_tolerance_mm=length_tolerance_mm,
                                        patient_id=patient_id, date=date)
    findings += [Finding("sr-reader-warning", note, Severity.INFO) for note in warned]
    table, line_findings = lines_to_measurements(lines, default_kind=default_kind)
    if table.empty:
        names = ", ".join(Path(p).name for p in sr_paths)
        reasons = [f.message for f in findings if f.code.startswith("sr-")
                   and f.code not in ("sr-unnamed-lesion", "sr-context-from-ct")]
        raise DicomInputError(
            f"no measurable lesion in SR {names}: "
            + ("; ".join(reasons[:3]) + (" …" if len(reasons) > 3 else "")
               if reasons else "it holds no line, contour, ellipse or circle")
            + "; measure the lesions with a line, bidirectional, ellipse or closed contour "
            "tool", path=Path(sr_paths[0]) if sr_paths else None)
    return MeasureResult(table, tuple(findings + line_findings))


def measure(series_dir: str | Path, spec: SourceSpec) -> MeasureResult:
    """The ``sr`` source: the reports ``spec.paths`` measured on ``series_dir``.

    ``spec.visit`` / ``spec.patient_id`` / ``spec.date``, when given, replace what the
    reports say. With ``spec.overlays_dir`` each lesion gets its picture: its measured
    image with the long and short axes (an SR line has no outline;
    ``recist.pipeline.sources.pictures``).
    """
    result = measure_sr(spec.paths, [series_dir], default_kind=spec.default_kind,
                        patient_id=spec.patient_id, date=spec.date,
                        series_uid=spec.series_uid)
    table = result.table
    if spec.visit:
        table["visit"] = spec.visit
    if spec.overlays_dir is not None:
        write_row_pictures(load_series(series_dir, spec.series_uid), table, spec.overlays_dir)
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
    planes = planes_of(images)
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
