"""Measure lesions on a DICOM series: annotations -> the measurements table.

Loads the series (``dicom_io.series.load_series``), converts the annotations through its
``SeriesGeometry`` and calls the pure ``recist.measure`` functions. The table has the
columns of ``docs/tables.md`` plus the provenance columns (``series_uid,
sop_instance_uid, slice_index, method, ld_x1 ... sa_z2, volume_mm3``) and
``sa_caliper_mm`` (caliper width across LD), ``max_3d_diameter_mm`` and ``n_fragments``.

``status`` is what a measured lesion of its kind is: ``measured`` (target), ``present``
(non-target), ``unequivocal`` (new). Patient id and scan date come from the DICOM
(``LoadedSeries.info``), ``slice_thickness_mm`` from the series geometry.

Fragments (SUM-5, DEC-11): a mask lesion in several pieces on its measured slice gives one
row per piece, all with the same ``lesion_id`` (their diameters add in the sums) and
``n_fragments`` on each, plus a warning finding.

:func:`measure_study` measures one study with any registered annotation source
(``recist.pipeline.sources``); ``recist.pipeline.manifest`` measures many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from dicom_io.annotations import (
    LabelLesion,
    LineAnnotation,
    read_label_lesions,
    read_line_annotations,
)
from dicom_io.errors import DicomInputError
from dicom_io.series import LoadedSeries
from recist.errors import RecistDataError
from recist.findings import Finding, Severity
from recist.measure import MIN_PIECE_VOXELS, DrawnLine, measure_lines, measure_mask
from recist.measure.label_boxes import label_boxes
from recist.overlays import render_lesion_overlay
from recist.pipeline.sources.pictures import picture_context
from recist.table import CORE_COLUMNS, PROVENANCE_COLUMNS
from recist.vocabulary import KINDS, LesionKind, NewLesionStatus, NonTargetStatus, TargetStatus

__all__ = [
    "MEASUREMENT_COLUMNS",
    "PRESENT_STATUS",
    "MeasureResult",
    "lesion_kind",
    "line_annotation_to_drawn_line",
    "measure_lesion_masks",
    "measure_lines_on_series",
    "measure_masks_on_series",
    "measure_study",
    "read_label_lesions_checked",
    "read_line_annotations_checked",
    "series_note_findings",
]

EXTRA_COLUMNS = ("sa_caliper_mm", "max_3d_diameter_mm", "n_fragments")
MEASUREMENT_COLUMNS = CORE_COLUMNS + PROVENANCE_COLUMNS + EXTRA_COLUMNS
PRESENT_STATUS: dict[str, str] = {
    str(LesionKind.TARGET): str(TargetStatus.MEASURED),
    str(LesionKind.NON_TARGET): str(NonTargetStatus.PRESENT),
    str(LesionKind.NEW): str(NewLesionStatus.UNEQUIVOCAL),
}
"""The status of a lesion seen and measured, by kind."""


@dataclass(frozen=True)
class MeasureResult:
    """The measurements table of one or more studies and the findings raised."""

    table: pd.DataFrame
    findings: tuple[Finding, ...] = ()


def lesion_kind(text: str, source: str | Path, row: int) -> str:
    """The lesion kind written in row ``row`` of annotation file ``source``.

    Case and surrounding blanks are ignored and an empty cell means target; anything
    else than the kinds of ``recist.vocabulary.LesionKind`` is a ``DicomInputError``
    naming the file, the row and the expected values.

    >>> lesion_kind(" Non-Target ", "lines.csv", 2)
    'non-target'
    >>> lesion_kind("", "lines.csv", 2)
    'target'
    """
    kind = text.strip().lower() or str(LesionKind.TARGET)
    if kind not in KINDS:
        raise DicomInputError(f"{source} row {row}: kind {text!r} is not one of "
                              f"{', '.join(KINDS)} (empty means target)", path=source)
    return kind


def read_line_annotations_checked(path: str | Path) -> list[LineAnnotation]:
    """``dicom_io.annotations.read_line_annotations`` with each kind checked
    (:func:`lesion_kind`)."""
    return [replace(r, kind=lesion_kind(r.kind, r.source, r.row))
            for r in read_line_annotations(path)]


def read_label_lesions_checked(path: str | Path) -> list[LabelLesion]:
    """``dicom_io.annotations.read_label_lesions`` with each kind checked
    (:func:`lesion_kind`)."""
    return [replace(r, kind=lesion_kind(r.kind, r.source, r.row))
            for r in read_label_lesions(path)]


def _status(kind: str, where: str) -> str:
    try:
        return PRESENT_STATUS[kind]
    except KeyError:
        raise RecistDataError(f"{where}: kind {kind!r} is not one of "
                              f"{', '.join(KINDS)}") from None


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
    rows: list[dict] = []
    findings: list[Finding] = series_note_findings(series, patient_id, date)
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
                organ=m.organ, nodal=m.nodal, **picture_context(series, m.slice_index))
    return MeasureResult(_frame(rows), tuple(findings))


def _check_long_axis_drawn(records: Sequence[LineAnnotation]) -> None:
    by_lesion: dict[str, list[LineAnnotation]] = {}
    for record in records:
        by_lesion.setdefault(record.lesion_id, []).append(record)
    for lesion_id, lines in by_lesion.items():
        if lines[0].kind == LesionKind.TARGET and not any(r.axis == "long" for r in lines) \
                and not any(r.nodal for r in lines):
            raise RecistDataError(
                f"{lines[0].where}: target lesion {lesion_id} has a short axis but no long "
                "axis and is not a lymph node (nodal false); a non-nodal target is measured by its "
                "long axis (R11 3.1.1): draw it, or set nodal to true for a lymph node")


def _slice_outline(shape: tuple[int, ...], offset: np.ndarray, crop: np.ndarray,
                   k: int) -> np.ndarray:
    """The lesion's mask on its measured slice, on the whole slice's grid."""
    outline = np.zeros(shape, dtype=bool)
    r, c = int(offset[1]), int(offset[2])
    piece = np.asarray(crop[k], dtype=bool)
    outline[r:r + piece.shape[0], c:c + piece.shape[1]] = piece
    return outline


def _pixel_xy(geometry, start: np.ndarray | None, end: np.ndarray | None):
    """Image-relative (x, y) pixel coordinates of a segment given in patient mm."""
    if start is None or end is None:
        return None
    return geometry.patient_mm_to_pixel(np.stack([start, end]))[:, 1:3]


def _round(value: float | None) -> float:
    return np.nan if value is None else round(float(value), 3)


def _overlay_name(base: dict, visit: str | None, lesion_id: str) -> str:
    """The picture's file name: the one the report looks for (one rule, in
    ``recist.report.figures.overlay_file_name``)."""
    from recist.report.figures import overlay_file_name

    return overlay_file_name(base["patient_id"], visit or base["date"], lesion_id)


def _who(series: LoadedSeries, patient_id: str | None, base: dict) -> str:
    """Whom a message is about: the caller's (pseudonymous) patient_id, else the series.

    The DICOM PatientID is often a hospital record number: messages never print it and
    point at the series UID and its file or folder instead.
    """
    if patient_id:
        return f"patient {patient_id}, {base['date']}"
    return f"series {series.info.series_instance_uid} ({series.info.source}), {base['date']}"


def _with_context(finding: Finding, base: dict, who: str) -> Finding:
    return Finding(finding.code, f"{who}: {finding.message}", finding.severity,
                   patient_id=str(base["patient_id"]),
                   date=str(base["date"]), lesion_id=finding.lesion_id, rule=finding.rule)


def series_note_findings(series: LoadedSeries, patient_id: str | None = None,
                         date: str | None = None) -> list[Finding]:
    """What loading ``series`` left out or took from elsewhere, as findings
    ``series-note`` (warning): images left out of the stack (a localizer, an image of
    another orientation), special files skipped, a date taken from another element, a
    reader's warning. ``recist scan`` lists the same notes; ``measure`` reports them too so
    that a measurement never hides what its series lost (issue #13). The notes are
    ``dicom_io``'s own words and never quote a header value.
    """
    base = _base_row(series, None, patient_id, date)
    who = _who(series, patient_id, base)
    return [Finding("series-note", f"{who}: {note}", Severity.WARNING,
                    patient_id=str(base["patient_id"]), date=str(base["date"]))
            for note in series.notes]


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
    boxes = label_boxes(labels)  # one pass over the volume for every lesion's crop
    if boxes and min(boxes) < 0:
        raise ValueError(f"the label volume has negative labels (down to {min(boxes)}); "
                         "0 is background and lesions are 1, 2, ...")
    empty = [lesion for lesion in lesions if lesion.label not in boxes]
    if empty:
        names = "; ".join(f"label {e.label} (lesion {e.lesion_id}, {e.source} row {e.row})"
                          for e in empty)
        raise RecistDataError(
            f"{who}: no voxel carries {names}; the "
            "label image has labels "
            f"{sorted(boxes)}. Check the "
            "label numbers in the lesions CSV against the mask")
    findings: list[Finding] = []
    listed = {lesion.label for lesion in lesions}
    unlisted = [label for label in boxes if label not in listed]
    if unlisted:
        findings.append(Finding("label-not-listed", (
            f"{who}: label(s) {unlisted} of the mask "
            "are not in the lesions CSV and were not measured"), Severity.WARNING,
            patient_id=str(base["patient_id"]), date=str(base["date"])))
    crops = {lesion.label: (tuple(s.start for s in boxes[lesion.label]),
                            labels[boxes[lesion.label]] == lesion.label)
             for lesion in lesions}
    result = measure_lesion_masks(series, crops, lesions, visit=visit,
                                  patient_id=patient_id, date=date,
                                  overlays_dir=overlays_dir)
    return MeasureResult(result.table, tuple(findings) + result.findings)


def measure_lesion_masks(
    series: LoadedSeries,
    masks: Mapping[int, tuple[tuple[int, int, int], np.ndarray]],
    lesions: Sequence[LabelLesion],
    *,
    visit: str | None = None,
    patient_id: str | None = None,
    date: str | None = None,
    overlays_dir: str | Path | None = None,
    method: str = "mask",
) -> MeasureResult:
    """Measure each lesion from its own mask (``masks[label] = (offset, crop)``).

    ``offset`` is the (slice, row, column) of the crop's first voxel on the series grid;
    masks may overlap (each lesion is measured whole). Stray pieces below
    ``recist.measure.MIN_PIECE_VOXELS`` are dropped with the finding ``stray-voxels``; a
    lesion in several real pieces on its measured slice gives one row per piece
    (``fragments``). ``method`` is written in the rows.
    """
    geometry = series.geometry
    base = _base_row(series, visit, patient_id, date)
    who = _who(series, patient_id, base)
    findings: list[Finding] = series_note_findings(series, patient_id, date)
    rows = []
    for lesion in lesions:
        start, crop = masks[lesion.label]
        offset = np.array(start, dtype=float)
        m = measure_mask(crop, geometry.voxel_spacing_mm, nodal=lesion.nodal)
        k = int(offset[0]) + m.slice_index
        where = f"{lesion.source} row {lesion.row}"
        if m.dropped:
            slices = sorted({int(offset[0]) + d.slice_index for d in m.dropped})
            findings.append(Finding("stray-voxels", (
                f"{who}: lesion {lesion.lesion_id} (label {lesion.label}): "
                f"{len(m.dropped)} stray piece(s) of "
                f"{'/'.join(str(n) for n in sorted({d.n_voxels for d in m.dropped}))} "
                f"voxel(s) (fewer than {MIN_PIECE_VOXELS} on their slice) on slice(s) "
                f"{slices[:10]}{' …' if len(slices) > 10 else ''} were dropped, not "
                "measured as fragments; clean the label if they are lesion"),
                Severity.WARNING, patient_id=str(base["patient_id"]),
                date=str(base["date"]), lesion_id=lesion.lesion_id))
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
                "slice_index": k, "method": method,
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
                organ=lesion.organ, nodal=lesion.nodal,
                extra_lines=[s for pair in segments[1:] for s in pair],
                outline=_slice_outline(series.volume.shape[1:], offset, crop,
                                       k - int(offset[0])),
                **picture_context(series, k))
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
    source: str | None = None,
    paths: str | Path | Sequence[str | Path] | None = None,
    default_kind: str = str(LesionKind.TARGET),
) -> MeasureResult:
    """Load one series and measure its annotations with a registered source.

    Parameters
    ----------
    series_dir
        The DICOM series: folder, zip or file.
    series_uid
        SeriesInstanceUID to use when ``series_dir`` holds several series.
    lines, masks, lesions
        Drawn lines CSV, or label image (NRRD/NIfTI) with its lesions CSV: exactly one of
        ``lines`` or ``masks`` unless ``source`` is given. ``lesions`` also goes with the
        ``seg`` and ``rtstruct`` sources.
    resample
        Resample a label image that is not on the series grid (nearest neighbour).
    visit, patient_id, date
        Written in the table; ``patient_id`` and ``date`` (ISO) replace the DICOM's, e.g.
        a study's pseudonymous key from a manifest.
    overlays_dir
        Write one PNG per lesion here.
    source, paths
        Any registered annotation source (``recist.pipeline.sources.SOURCES``: ``sr``,
        ``seg``, ``rtstruct`` …) and its file(s), instead of ``lines`` / ``masks``.
    default_kind
        Kind of lesions whose source does not say it (SR, SEG, RTSTRUCT).

    Returns
    -------
    MeasureResult
        ``table`` (one row per lesion, or per fragment) and ``findings``.

    Examples
    --------
    >>> from recist.pipeline.measure import measure_study
    >>> result = measure_study("ct/", lines="lines.csv")  # doctest: +SKIP
    >>> result.table[["lesion_id", "ld_mm", "sa_mm"]]  # doctest: +SKIP
    """
    from recist.pipeline.sources import SourceSpec, get_source

    if source is None:
        if (lines is None) == (masks is None):
            raise ValueError("give either a lines CSV or a label image with its lesions CSV")
        source, paths = ("lines", lines) if lines is not None else ("masks", masks)
    elif lines is not None or masks is not None:
        raise ValueError(f"give the {source} source's files as paths, not lines or masks")
    if paths is None:
        raise ValueError(f"the {source} source needs its file(s) (paths)")
    if isinstance(paths, (str, Path)):
        paths = [paths]
    spec = SourceSpec(
        paths=tuple(Path(p) for p in paths), lesions=Path(lesions) if lesions else None,
        series_uid=series_uid, visit=visit, patient_id=patient_id, date=date,
        resample=resample, default_kind=default_kind,
        overlays_dir=Path(overlays_dir) if overlays_dir is not None else None)
    return get_source(source).measure(series_dir, spec)
