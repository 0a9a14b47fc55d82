"""Measure lesions on a DICOM series: annotations -> the measurements table.

Loads the series (``dicom_io.series.load_series``), converts the annotations through its
``SeriesGeometry`` and calls the pure ``recist.measure`` functions. The table has the
DESIGN.md columns plus the provenance columns (``series_uid, sop_instance_uid,
slice_index, method, ld_x1 ... sa_z2, volume_mm3``) and ``sa_caliper_mm`` (caliper width
across LD), ``max_3d_diameter_mm`` and ``n_fragments``.

``status`` is what a measured lesion of its kind is: ``measured`` (target), ``present``
(non-target), ``unequivocal`` (new). Patient id and scan date come from the DICOM
(``LoadedSeries.info``), ``slice_thickness_mm`` from the series geometry.

Fragments (SUM-5, DEC-11): a mask lesion in several pieces on its measured slice gives one
row per piece, all with the same ``lesion_id`` (their diameters add in the sums) and
``n_fragments`` on each, plus a warning finding.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import ndimage

from dicom_io.annotations import (
    LabelLesion,
    LineAnnotation,
    read_label_image,
    read_label_lesions,
    read_line_annotations,
)
from dicom_io.errors import DicomInputError
from dicom_io.series import LoadedSeries, load_series
from recist.errors import RecistDataError
from recist.findings import Finding, Severity
from recist.measure import DrawnLine, measure_lines, measure_mask
from recist.overlays import render_lesion_overlay
from recist.table import CORE_COLUMNS, PROVENANCE_COLUMNS, read_csv_table

__all__ = [
    "MEASUREMENT_COLUMNS",
    "MeasureResult",
    "StudyFailure",
    "line_annotation_to_drawn_line",
    "measure_lines_on_series",
    "measure_manifest",
    "measure_masks_on_series",
    "measure_study",
    "read_manifest",
]

EXTRA_COLUMNS = ("sa_caliper_mm", "max_3d_diameter_mm", "n_fragments")
MEASUREMENT_COLUMNS = CORE_COLUMNS + PROVENANCE_COLUMNS + EXTRA_COLUMNS
MANIFEST_COLUMNS = ("patient_id", "visit", "date", "series_dir", "lines", "masks", "lesions")
_PRESENT_STATUS = {"target": "measured", "non-target": "present", "new": "unequivocal"}


@dataclass(frozen=True)
class MeasureResult:
    """The measurements table of one or more studies and the findings raised."""

    table: pd.DataFrame
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class StudyFailure:
    """A manifest row that could not be measured."""

    row: int
    patient_id: str
    visit: str
    reason: str

    def __str__(self) -> str:
        return (f"manifest row {self.row} (patient_id {self.patient_id}, visit "
                f"{self.visit}): {self.reason}")


def _status(kind: str, where: str) -> str:
    try:
        return _PRESENT_STATUS[kind]
    except KeyError:
        raise RecistDataError(f"{where}: kind {kind!r} is not one of target, non-target, "
                              "new") from None


def _endpoint_columns(prefix: str, start: np.ndarray | None, end: np.ndarray | None) -> dict:
    if start is None or end is None or not np.all(np.isfinite(start)):
        return {f"{prefix}_{a}{i}": np.nan for i in (1, 2) for a in "xyz"}
    return {f"{prefix}_{a}{i}": round(float(p[j]), 4)
            for i, p in ((1, start), (2, end)) for j, a in enumerate("xyz")}


def _study_date(series: LoadedSeries) -> str:
    """The series' StudyDate (ISO), refused with the tag named when it is no calendar date."""
    text = series.info.study_date
    if text and pd.isna(pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")):
        raise DicomInputError(
            f"series {series.info.series_instance_uid} in {series.info.source}: (0008,0020) "
            f"StudyDate {text.replace('-', '')!r} is not a calendar date (YYYYMMDD); correct "
            "the header, or give the scan date in a manifest's date column",
            path=series.info.source, keyword="StudyDate")
    return text


def _base_row(series: LoadedSeries, visit: str | None, patient_id: str | None = None,
              date: str | None = None) -> dict:
    geometry = series.geometry
    return {
        "patient_id": patient_id or series.info.patient_id,
        "date": date or _study_date(series),
        "visit": visit if visit else pd.NA,
        "slice_thickness_mm": geometry.slice_thickness_mm,
        "series_uid": geometry.series_instance_uid or series.info.series_instance_uid,
    }


def line_annotation_to_drawn_line(record: LineAnnotation, geometry) -> DrawnLine:
    """Convert one pixel-coordinate line (CSV row, or SR SCOORD + SOP UID) to patient mm.

    ``geometry`` is the ``dicom_io.geometry.SeriesGeometry`` of the series the line was
    drawn on. Raises ``DicomInputError`` naming the row, lesion and SOP Instance UID when
    the image is not in the series or a point lies outside it (``0 <= x <= columns``,
    ``0 <= y <= rows``: image-relative coordinates, top-left corner of the first pixel 0,0).
    """
    try:
        k = geometry.slice_index_of(record.sop_instance_uid)
    except DicomInputError as error:
        raise DicomInputError(
            f"{record.where}: lesion {record.lesion_id} ({record.axis} axis) is drawn on "
            f"image {record.sop_instance_uid}, which is not in series "
            f"{geometry.series_instance_uid} ({geometry.shape[0]} slices); check that the "
            "lines were drawn on this series (or pass --series-uid)",
            path=record.source, sop_instance_uid=record.sop_instance_uid,
            keyword="SOPInstanceUID") from error
    _, rows, columns = geometry.shape
    for name, x, y in (("start", record.x1, record.y1), ("end", record.x2, record.y2)):
        if not (0.0 <= x <= columns and 0.0 <= y <= rows):
            raise DicomInputError(
                f"{record.where}: lesion {record.lesion_id} ({record.axis} axis) {name} "
                f"point (x={x:g}, y={y:g}) is outside image {record.sop_instance_uid} "
                f"({columns} columns x {rows} rows: 0 <= x <= {columns}, 0 <= y <= {rows}); "
                "coordinates are image-relative pixels, top-left corner 0,0",
                path=record.source, sop_instance_uid=record.sop_instance_uid)
    ends = geometry.pixel_to_patient_mm(k, [record.x1, record.x2], [record.y1, record.y2])
    return DrawnLine(
        lesion_id=record.lesion_id, axis=record.axis, start_mm=ends[0], end_mm=ends[1],
        slice_key=record.sop_instance_uid, slice_index=k, kind=record.kind,
        organ=record.organ or None, nodal=record.nodal, source=record.where,
    )


def measure_lines_on_series(
    series: LoadedSeries,
    records: Sequence[LineAnnotation],
    *,
    visit: str | None = None,
    patient_id: str | None = None,
    date: str | None = None,
    overlays_dir: str | Path | None = None,
) -> MeasureResult:
    """Measure drawn lines (pixel coordinates on images of ``series``) in mm.

    Raises ``RecistDataError`` for a non-nodal target drawn with a short axis only: its
    RECIST size is the long axis (R11 3.1.1), which would be missing from the table.
    """
    _check_long_axis_drawn(records)
    drawn = [line_annotation_to_drawn_line(record, series.geometry) for record in records]
    measured = measure_lines(drawn)
    base = _base_row(series, visit, patient_id, date)
    who = _who(series, patient_id, base)
    rows, findings = [], []
    for m in measured:
        where = f"lines of lesion {m.lesion_id}"
        rows.append({
            **base, "lesion_id": m.lesion_id, "kind": m.kind, "organ": m.organ or pd.NA,
            "nodal": m.nodal, "ld_mm": _round(m.ld_mm), "sa_mm": _round(m.sa_mm),
            "status": _status(m.kind, where), "sop_instance_uid": m.slice_key,
            "slice_index": m.slice_index, "method": "line",
            **_endpoint_columns("ld", m.ld_start, m.ld_end),
            **_endpoint_columns("sa", m.sa_start, m.sa_end),
            "volume_mm3": np.nan, "sa_caliper_mm": np.nan, "max_3d_diameter_mm": np.nan,
            "n_fragments": 1,
        })
        findings.extend(_with_context(f, base, who) for f in m.findings)
        if overlays_dir is not None:
            geometry = series.geometry
            render_lesion_overlay(
                series.volume[m.slice_index], geometry.pixel_spacing_mm,
                Path(overlays_dir) / _overlay_name(base, visit, m.lesion_id),
                ld_xy=_pixel_xy(geometry, m.ld_start, m.ld_end),
                sa_xy=_pixel_xy(geometry, m.sa_start, m.sa_end),
                ld_mm=m.ld_mm, sa_mm=m.sa_mm, lesion_id=m.lesion_id, date=base["date"],
                organ=m.organ)
    return MeasureResult(_frame(rows), tuple(findings))


def _check_long_axis_drawn(records: Sequence[LineAnnotation]) -> None:
    by_lesion: dict[str, list[LineAnnotation]] = {}
    for record in records:
        by_lesion.setdefault(record.lesion_id, []).append(record)
    for lesion_id, lines in by_lesion.items():
        if lines[0].kind == "target" and not any(r.axis == "long" for r in lines) \
                and not any(r.nodal for r in lines):
            raise RecistDataError(
                f"{lines[0].where}: target lesion {lesion_id} has a short axis but no long "
                "axis and is not a lymph node (nodal false); a non-nodal target is measured by its "
                "long axis (R11 3.1.1): draw it, or set nodal to true for a lymph node")


def _pixel_xy(geometry, start: np.ndarray | None, end: np.ndarray | None):
    """Image-relative (x, y) pixel coordinates of a segment given in patient mm."""
    if start is None or end is None:
        return None
    return geometry.patient_mm_to_pixel(np.stack([start, end]))[:, 1:3]


def _round(value: float | None) -> float:
    return np.nan if value is None else round(float(value), 3)


def _overlay_name(base: dict, visit: str | None, lesion_id: str) -> str:
    parts = [str(base["patient_id"]), str(visit or base["date"]), str(lesion_id)]
    safe = ["".join(c if c.isalnum() or c in "-_." else "_" for c in p) for p in parts]
    return "_".join(safe) + ".png"


def _who(series: LoadedSeries, patient_id: str | None, base: dict) -> str:
    """Whom a message is about: the caller's (pseudonymous) patient_id, else the series.

    The DICOM PatientID is often a hospital record number: messages never print it and
    point at the series UID and its file or folder instead.
    """
    if patient_id:
        return f"patient {patient_id}, {base['date']}"
    return f"series {series.info.series_instance_uid} ({series.info.source}), {base['date']}"


def _with_context(finding: Finding, base: dict, who: str) -> Finding:
    return Finding(finding.code, f"{who}: {finding.message}", finding.severity, patient_id=str(base["patient_id"]),
                   date=str(base["date"]), lesion_id=finding.lesion_id, rule=finding.rule)


def measure_masks_on_series(
    series: LoadedSeries,
    labels: np.ndarray,
    lesions: Sequence[LabelLesion],
    *,
    visit: str | None = None,
    patient_id: str | None = None,
    date: str | None = None,
    overlays_dir: str | Path | None = None,
) -> MeasureResult:
    """Measure each labelled lesion of a label volume aligned on ``series``.

    Raises ``RecistDataError`` when a label listed in the lesions CSV has no voxel (all
    such labels named); a label present in the image but not in the CSV is a warning.
    """
    geometry = series.geometry
    if labels.shape != tuple(geometry.shape):
        raise ValueError(f"label volume shape {labels.shape} differs from the series shape "
                         f"{tuple(geometry.shape)}")
    base = _base_row(series, visit, patient_id, date)
    who = _who(series, patient_id, base)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"a label volume holds whole numbers, got {labels.dtype}")
    if labels.dtype.kind == "i" and labels.size and labels.min() < 0:
        raise ValueError(f"the label volume has negative labels (down to {labels.min()}); "
                         "0 is background and lesions are 1, 2, ...")
    boxes = ndimage.find_objects(labels)
    empty = [lesion for lesion in lesions
             if lesion.label > len(boxes) or boxes[lesion.label - 1] is None]
    if empty:
        names = "; ".join(f"label {e.label} (lesion {e.lesion_id}, {e.source} row {e.row})"
                          for e in empty)
        raise RecistDataError(
            f"{who}: no voxel carries {names}; the "
            "label image has labels "
            f"{sorted(i + 1 for i, b in enumerate(boxes) if b is not None)}. Check the "
            "label numbers in the lesions CSV against the mask")
    findings: list[Finding] = []
    listed = {lesion.label for lesion in lesions}
    unlisted = [i + 1 for i, b in enumerate(boxes) if b is not None and i + 1 not in listed]
    if unlisted:
        findings.append(Finding("label-not-listed", (
            f"{who}: label(s) {unlisted} of the mask "
            "are not in the lesions CSV and were not measured"), Severity.WARNING,
            patient_id=str(base["patient_id"]), date=str(base["date"])))
    rows = []
    for lesion in lesions:
        box = boxes[lesion.label - 1]
        crop = labels[box] == lesion.label
        offset = np.array([s.start for s in box], dtype=float)
        m = measure_mask(crop, geometry.voxel_spacing_mm, nodal=lesion.nodal)
        k = int(offset[0]) + m.slice_index
        where = f"{lesion.source} row {lesion.row}"
        if m.n_fragments > 1:
            findings.append(Finding("fragments", (
                f"{who}: lesion {lesion.lesion_id} "
                f"(label {lesion.label}) is in {m.n_fragments} pieces on slice {k}; each "
                "piece is a row with its own LD/SA (SUM-5, DEC-11: their diameters add)"),
                Severity.WARNING, patient_id=str(base["patient_id"]),
                date=str(base["date"]), lesion_id=lesion.lesion_id, rule="SUM-5"))
        segments = []
        for fragment in m.fragments:
            ld = geometry.voxel_to_patient_mm(fragment.ld_index + offset)
            sa = geometry.voxel_to_patient_mm(fragment.sa_index + offset)
            rows.append({
                **base, "lesion_id": lesion.lesion_id, "kind": lesion.kind,
                "organ": lesion.organ or pd.NA, "nodal": lesion.nodal,
                "ld_mm": _round(fragment.ld_mm), "sa_mm": _round(fragment.sa_mm),
                "status": _status(lesion.kind, where),
                "sop_instance_uid": (geometry.sop_instance_uids[k]
                                     if geometry.sop_instance_uids else pd.NA),
                "slice_index": k, "method": "mask",
                **_endpoint_columns("ld", ld[0], ld[1]),
                **_endpoint_columns("sa", sa[0], sa[1]),
                "volume_mm3": round(m.volume_mm3, 2),
                "sa_caliper_mm": _round(fragment.sa_caliper_mm),
                "max_3d_diameter_mm": _round(m.max_3d_diameter_mm),
                "n_fragments": m.n_fragments,
            })
            # image-relative pixel coordinates: x = column + 0.5, y = row + 0.5
            segments.append((fragment.ld_index[:, [2, 1]] + offset[[2, 1]] + 0.5,
                             fragment.sa_index[:, [2, 1]] + offset[[2, 1]] + 0.5))
        if overlays_dir is not None:
            render_lesion_overlay(
                series.volume[k], geometry.pixel_spacing_mm,
                Path(overlays_dir) / _overlay_name(base, visit, lesion.lesion_id),
                ld_xy=segments[0][0], sa_xy=segments[0][1], ld_mm=m.fragments[0].ld_mm,
                sa_mm=m.fragments[0].sa_mm, lesion_id=lesion.lesion_id, date=base["date"],
                organ=lesion.organ,
                extra_lines=[s for pair in segments[1:] for s in pair])
    return MeasureResult(_frame(rows), tuple(findings))


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(MEASUREMENT_COLUMNS))
    return frame


def measure_study(
    series_dir: str | Path,
    *,
    series_uid: str | None = None,
    lines: str | Path | None = None,
    masks: str | Path | None = None,
    lesions: str | Path | None = None,
    resample: bool = False,
    visit: str | None = None,
    patient_id: str | None = None,
    date: str | None = None,
    overlays_dir: str | Path | None = None,
) -> MeasureResult:
    """Load one series and measure its annotations (drawn lines, or masks + lesions CSV).

    Exactly one of ``lines`` or (``masks`` and ``lesions``) must be given. Patient id and
    scan date come from the DICOM (``LoadedSeries.info``) unless ``patient_id`` / ``date``
    (ISO) are given, e.g. a study's pseudonymous key from a manifest.
    """
    if (lines is None) == (masks is None):
        raise ValueError("give either a lines CSV or a label image with its lesions CSV")
    if masks is not None and lesions is None:
        raise ValueError(f"the label image {masks} needs a lesions CSV (label, lesion_id, "
                         "kind, organ, nodal) to say which label is which lesion")
    if lines is not None:
        records = read_line_annotations(lines)  # read first: cheap errors before loading
        series = load_series(series_dir, series_uid)
        return measure_lines_on_series(series, records, visit=visit, patient_id=patient_id,
                                       date=date, overlays_dir=overlays_dir)
    lesion_records = read_label_lesions(lesions)
    series = load_series(series_dir, series_uid)
    labels = read_label_image(masks, series.geometry, resample=resample)
    return measure_masks_on_series(series, labels, lesion_records, visit=visit,
                                   patient_id=patient_id, date=date,
                                   overlays_dir=overlays_dir)


def read_manifest(path: str | Path) -> pd.DataFrame:
    """Read a studies manifest (``MANIFEST_COLUMNS``; paths relative to the manifest)."""
    path = Path(path)
    frame = read_csv_table(path, "manifest", empty_as_missing=False)
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in ("series_dir",) if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; a manifest has "
                         f"{', '.join(MANIFEST_COLUMNS)}")
    if "lines" not in frame.columns and "masks" not in frame.columns:
        raise ValueError(f"{path}: no lines or masks column (found "
                         f"{', '.join(frame.columns)}); each study needs a lines CSV or a "
                         f"label image with its lesions CSV; a manifest has "
                         f"{', '.join(MANIFEST_COLUMNS)}")
    for column in MANIFEST_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    for index, value in frame["date"].items():
        text = str(value).strip()
        if text and pd.isna(pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")):
            raise ValueError(f"{path} row {int(index) + 2}: date {text!r} is not a calendar "
                             "date in YYYY-MM-DD form (e.g. 2024-03-01); correct it or leave "
                             "it empty to use the DICOM StudyDate")
    return frame


def _measure_manifest_row(job: tuple[int, dict, str, str | None, bool]):
    number, row, folder, overlays_dir, resample = job
    base = Path(folder)

    def resolve(value: str) -> Path | None:
        return (base / value) if value else None

    try:
        lines, masks = resolve(row["lines"]), resolve(row["masks"])
        if lines is not None and masks is not None:
            masks = None  # both given: the drawn lines are the reader's measurement
        result = measure_study(resolve(row["series_dir"]), lines=lines, masks=masks,
                               lesions=resolve(row["lesions"]), resample=resample,
                               visit=row["visit"] or None,
                               patient_id=row["patient_id"] or None,
                               date=row["date"] or None, overlays_dir=overlays_dir)
        return number, result, None
    except (ValueError, OSError) as error:  # bad input: the message is complete
        return number, None, str(error)
    except Exception as error:  # noqa: BLE001 - reported per row, the others go on
        return number, None, f"internal error ({type(error).__name__}: {error})"


def measure_manifest(
    manifest: str | Path,
    *,
    workers: int | None = None,
    overlays_dir: str | Path | None = None,
    resample: bool = False,
    progress: bool = True,
) -> tuple[MeasureResult, list[StudyFailure]]:
    """Measure every study of a manifest in parallel processes.

    Each row gives ``series_dir`` and either ``lines`` or ``masks`` + ``lesions`` (when a
    row gives both, the lines are used); ``patient_id`` / ``date``, when filled, replace
    the DICOM values in the table (the manifest is the study's pseudonymous key).
    A row that fails is returned as a ``StudyFailure``; the other rows still complete.
    """
    manifest = Path(manifest)
    frame = read_manifest(manifest)
    jobs = [(i + 2, {c: str(frame.at[i, c]).strip() for c in MANIFEST_COLUMNS},
             str(manifest.parent), str(overlays_dir) if overlays_dir else None, resample)
            for i in frame.index]
    workers = workers or min(len(jobs), os.cpu_count() or 1) or 1
    results: dict[int, MeasureResult] = {}
    failures: list[StudyFailure] = []
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), desc="measuring studies", unit="study", file=sys.stderr,
               disable=not progress)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_measure_manifest_row, job) for job in jobs]
        for future in as_completed(futures):
            number, result, error = future.result()
            if error is None:
                results[number] = result
            else:
                row = jobs[number - 2][1]
                failures.append(StudyFailure(number, row["patient_id"], row["visit"], error))
            bar.update(1)
    bar.close()
    ordered = [results[n] for n in sorted(results)]
    tables = [r.table for r in ordered if len(r.table)]
    table = (pd.concat(tables, ignore_index=True) if tables
             else pd.DataFrame(columns=list(MEASUREMENT_COLUMNS)))
    findings = tuple(f for r in ordered for f in r.findings)
    return MeasureResult(table, findings), sorted(failures, key=lambda f: f.row)
