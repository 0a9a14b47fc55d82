"""The ``rtstruct`` source: RTSTRUCT ROI contours -> ``recist.measure.measure_planar_contours``
-> the table.

Each lesion ROI is measured on every slice it has contours on (all loops of a slice
together, in the slice plane); the row is the slice where LD is largest — for a nodal
lesion, where SA is largest (as the mask path does). ROIs that are anatomy or planning
structures (RT ROI interpreted type EXTERNAL, ORGAN, AVOIDANCE, …) are skipped with a
finding unless a lesions CSV names them.

With ``overlays_dir`` each lesion gets its picture (``recist.pipeline.sources.pictures``):
the measured slice with LD and SA and the ROI's loops on that slice drawn as its outline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from dicom_io.errors import DicomInputError, safe_text, safe_uid
from dicom_io.rtstruct import RTROI, read_rtstruct
from dicom_io.series import LoadedSeries, load_series
from recist.findings import Finding, Severity
from recist.measure import measure_planar_contours
from recist.pipeline.measure import (
    MEASUREMENT_COLUMNS,
    PRESENT_STATUS,
    MeasureResult,
    read_label_lesions_checked,
    series_note_findings,
)
from recist.pipeline.sources import DEFAULT_KIND, SourceSpec
from recist.pipeline.sources.pictures import write_row_pictures

__all__ = ["MAX_OFF_SLICE_MM", "NON_LESION_TYPES", "measure", "measure_rtstruct"]

NON_LESION_TYPES = frozenset({
    "EXTERNAL", "ORGAN", "AVOIDANCE", "BOLUS", "SUPPORT", "FIXATION", "CONTROL", "CAVITY",
    "REGISTRATION", "ISOCENTER", "MARKER", "CONTRAST_AGENT", "DOSE_REGION",
    "TREATED_VOLUME", "IRRAD_VOLUME", "BRACHY_CHANNEL", "BRACHY_ACCESSORY",
    "BRACHY_SRC_APP", "BRACHY_CHNL_SHLD",
})
"""RT ROI interpreted types that are not lesions (skipped unless a lesions CSV lists them)."""

MAX_OFF_SLICE_MM = 0.1
"""Largest distance (mm) of a contour without an image reference from its slice plane."""


def _slice_of(contour, series: LoadedSeries, where: str) -> int:
    geometry = series.geometry
    if contour.sop_instance_uid and contour.sop_instance_uid in geometry.sop_instance_uids:
        return geometry.slice_index_of(contour.sop_instance_uid)
    k = geometry.patient_mm_to_voxel(contour.points_mm)[:, 0]
    index = int(np.rint(np.mean(k)))
    off_mm = float(np.max(np.abs(k - index))) * geometry.slice_spacing_mm
    if not 0 <= index < geometry.shape[0]:
        raise DicomInputError(
            f"{where}: a contour lies outside series {safe_uid(geometry.series_instance_uid)} (at "
            f"slice index {float(np.mean(k)):.2f}; the series has slices 0 to "
            f"{geometry.shape[0] - 1}); pass the series it was drawn on")
    if off_mm > MAX_OFF_SLICE_MM:
        raise DicomInputError(
            f"{where}: a contour lies on no slice of series "
            f"{safe_uid(geometry.series_instance_uid)} "
            f"(slice index {float(np.mean(k)):.2f}, more than {MAX_OFF_SLICE_MM} mm from "
            "the nearest slice plane); pass the series it was drawn on")
    return index


def _check_images(plan, series: LoadedSeries, path: str | Path, uid: str) -> None:
    """Refuse contours drawn on images absent from the series, naming every one."""
    ours = set(series.geometry.sop_instance_uids)
    missing: dict[str, list[str]] = {}
    for roi, *_ in plan:
        for contour in roi.contours:
            if contour.sop_instance_uid and contour.sop_instance_uid not in ours:
                missing.setdefault(contour.sop_instance_uid, []).append(roi.name)
    if missing:
        names = sorted({safe_text(name, 40) for rois in missing.values() for name in rois})
        uids = [safe_uid(u) for u in sorted(missing)]
        more = f" and {len(uids) - 3} more" if len(uids) > 3 else ""
        raise DicomInputError(
            f"RTSTRUCT {safe_text(path, 120)} (SOP Instance {safe_uid(uid)}): contours of "
            f"ROI(s) {', '.join(names[:5])} are drawn on {len(uids)} image(s) that are not in "
            f"series {safe_uid(series.geometry.series_instance_uid)}: "
            f"{', '.join(uids[:3])}{more}; pass "
            "the series it was drawn on (or choose the ROIs with a lesions CSV)",
            path=path, sop_instance_uid=safe_uid(uid), keyword="ReferencedSOPInstanceUID")


def _why_no_contour(roi: RTROI) -> str:
    """Why an ROI has no closed contour to measure, from the geometric types of the
    contours the reader skipped (``RTROI.skipped_types``).

    >>> from dataclasses import replace
    >>> roi = RTROI(number=2, name="GTV", interpreted_type="GTV", frame_of_reference_uid=None,
    ...             contours=(), skipped_types=("OPEN_PLANAR", "POINT", "OPEN_PLANAR"))
    >>> _why_no_contour(roi)
    'only OPEN_PLANAR, POINT contours (3), no closed one'
    >>> _why_no_contour(replace(roi, skipped_types=(None,)))
    'only a contour of no known type (1), no closed one'
    >>> _why_no_contour(replace(roi, skipped_types=("POINT", None, None)))
    'only POINT contours and contours of no known type (3), no closed one'
    >>> _why_no_contour(replace(roi, skipped_types=()))
    'no contour'
    """
    skipped = roi.skipped_types
    if not skipped:
        return "no contour"
    known = list(dict.fromkeys(t for t in skipped if t is not None))
    unknown = len(skipped) - sum(t is not None for t in skipped)
    parts = [f"{', '.join(known)} contours"] if known else []
    if unknown:
        parts.append("a contour of no known type" if unknown == 1 and not known
                     else "contours of no known type")
    return f"only {' and '.join(parts)} ({len(skipped)}), no closed one"


def _unmeasured_reasons(all_rois: Sequence[RTROI], plan, names: Sequence[str] | None
                        ) -> str:
    """Each ROI of the file and why it gives no row, for the error of a file with no
    measurable lesion (at most 5 named, then a count)."""
    planned = {roi.number for roi, *_ in plan}
    reasons = []
    for roi in all_rois:
        what = f"ROI {roi.number} ({safe_text(roi.name, 40)})"
        if roi.number in planned:
            reasons.append(f"{what}: {_why_no_contour(roi)}")
        elif names is not None:
            reasons.append(f"{what}: not among the ROI names asked for")
        else:
            reasons.append(f"{what}: type {safe_text(roi.interpreted_type, 20)}, not a lesion")
    if not reasons:
        return "it has no ROI"
    more = f"; and {len(reasons) - 5} more ROI(s)" if len(reasons) > 5 else ""
    return "; ".join(reasons[:5]) + more


def _refuse_listed_without_contour(plan, name: str, path: str | Path) -> None:
    """A lesions CSV asks for every ROI it lists: one without a closed contour is refused."""
    for roi, lesion_id, *_ in plan:
        if not roi.contours:
            raise DicomInputError(
                f"{name}: ROI {roi.number} ({safe_text(roi.name, 40)}), lesion "
                f"{safe_text(lesion_id, 40)} of the lesions CSV, has "
                f"{_why_no_contour(roi)}, so it cannot be measured (RECIST measures "
                "a lesion drawn as closed contours); nothing written", path=path)


def _measure_roi(roi: RTROI, series: LoadedSeries, nodal: bool, where: str):
    by_slice: dict[int, list[np.ndarray]] = {}
    for contour in roi.contours:
        by_slice.setdefault(_slice_of(contour, series, where), []).append(contour.points_mm)
    normal = np.asarray(series.geometry.slice_direction, dtype=float)
    measured = {k: measure_planar_contours(loops, normal=normal, max_off_plane_mm=0.05)
                for k, loops in sorted(by_slice.items())}
    key = (lambda k: measured[k].sa_mm) if nodal else (lambda k: measured[k].ld_mm)
    best = max(measured, key=key)
    return best, measured[best], by_slice[best]


def measure_rtstruct(rtstruct_path: str | Path, series_dir: str | Path, *,
                     series_uid: str | None = None, lesions: str | Path | None = None,
                     visit: str | None = None, default_kind: str = DEFAULT_KIND,
                     rois: Sequence[str] | None = None, patient_id: str | None = None,
                     date: str | None = None,
                     overlays_dir: str | Path | None = None) -> MeasureResult:
    """Measure the lesion ROIs of an RTSTRUCT on the series they were drawn on.

    Parameters
    ----------
    rtstruct_path
        The RTSTRUCT file.
    series_dir, series_uid
        The CT series.
    lesions
        Optional lesions CSV whose ``label`` is the ROI number (lesion_id, kind, organ,
        nodal); only those ROIs are measured.
    visit
        Visit label for the rows.
    default_kind
        Kind of ROIs measured without a lesions CSV.
    rois
        Without a lesions CSV: measure only ROIs with these names.
    patient_id, date
        Written in the table instead of the DICOM's (e.g. from a manifest).
    overlays_dir
        Write one PNG per lesion here, its contour drawn as the outline.

    Returns
    -------
    MeasureResult
        One row per ROI, ``method = contour``, endpoints in patient mm; findings for
        skipped ROIs.

    Raises
    ------
    DicomInputError
        The RTSTRUCT or the series cannot be read; a lesions CSV names an ROI number the
        file lacks, or an ROI with no closed planar contour (the error says why: no
        contour, or only contours of the types named); without a lesions CSV, no ROI
        gives a row (each ROI named with its reason, at most 5); a contour lies on no
        slice of the series or on images not in it; a kind is not target, non-target
        or new.
    """
    series = load_series(series_dir, series_uid)
    structure = read_rtstruct(rtstruct_path)
    name = safe_text(Path(rtstruct_path).name)
    findings = series_note_findings(series, patient_id, date)
    findings += [Finding("rtstruct-skipped", note, Severity.WARNING)
                 for note in structure.notes]
    by_number = {roi.number: roi for roi in structure.rois}
    plan: list[tuple[RTROI, str, str, str | None, bool]] = []
    if lesions is not None:
        for record in read_label_lesions_checked(lesions):
            roi = by_number.get(record.label)
            if roi is None:
                raise DicomInputError(
                    f"{record.source} row {record.row}: ROI number {record.label} is not in "
                    f"{name}, which has ROI numbers {sorted(by_number)}", path=rtstruct_path)
            plan.append((roi, record.lesion_id, record.kind, record.organ or None,
                         record.nodal))
    else:
        for roi in structure.rois:
            if rois is not None and roi.name not in rois:
                continue
            if rois is None and (roi.interpreted_type or "").upper() in NON_LESION_TYPES:
                findings.append(Finding(
                    "rtstruct-not-lesion", f"{name}: ROI {roi.number} "
                    f"({safe_text(roi.name, 40)}) is of type "
                    f"{safe_text(roi.interpreted_type, 20)}, not a lesion; not measured (list it "
                    "in a lesions CSV to measure it)", Severity.INFO))
                continue
            plan.append((roi, roi.name, default_kind, None, False))
    if lesions is not None:
        _refuse_listed_without_contour(plan, name, rtstruct_path)
    elif not any(roi.contours for roi, *_ in plan):
        raise DicomInputError(
            f"no measurable lesion in RTSTRUCT {name}: "
            + _unmeasured_reasons(structure.rois, plan, rois)
            + "; nothing written (draw each lesion as closed contours, or list its ROI in a "
            "lesions CSV)", path=rtstruct_path)
    _check_images(plan, series, rtstruct_path, structure.sop_instance_uid)
    geometry = series.geometry
    rows = []
    loops_of_rows = []
    for roi, lesion_id, kind, organ, nodal in plan:
        if not roi.contours:  # named by the reader's note (rtstruct-skipped)
            continue
        where = f"{name} ROI {roi.number} ({safe_text(roi.name, 40)})"
        k, m, loops = _measure_roi(roi, series, nodal, where)
        if kind not in PRESENT_STATUS:
            raise DicomInputError(f"{where}: kind {kind!r} is not one of target, "
                                  "non-target, new")
        row = {
            "patient_id": patient_id or series.info.patient_id,
            "date": date or series.info.study_date,
            "visit": visit if visit else pd.NA, "lesion_id": lesion_id, "kind": kind,
            "organ": organ if organ else pd.NA, "nodal": nodal,
            "ld_mm": round(m.ld_mm, 3), "sa_mm": round(m.sa_mm, 3),
            "status": PRESENT_STATUS[kind],
            "slice_thickness_mm": geometry.slice_thickness_mm,
            "series_uid": geometry.series_instance_uid or series.info.series_instance_uid,
            "sop_instance_uid": geometry.sop_instance_uids[k], "slice_index": k,
            "method": "contour", "sa_caliper_mm": round(m.sa_caliper_mm, 3),
        }
        for prefix, start, end in (("ld", m.ld_start_mm, m.ld_end_mm),
                                   ("sa", m.sa_start_mm, m.sa_end_mm)):
            for i, point in ((1, start), (2, end)):
                for j, a in enumerate("xyz"):
                    row[f"{prefix}_{a}{i}"] = round(float(point[j]), 4)
        rows.append(row)
        loops_of_rows.append(loops)
    table = pd.DataFrame(rows, columns=list(MEASUREMENT_COLUMNS))
    if overlays_dir is not None:
        write_row_pictures(series, table, overlays_dir, contours_mm=loops_of_rows)
    return MeasureResult(table, tuple(findings))


def measure(series_dir: str | Path, spec: SourceSpec) -> MeasureResult:
    """The ``rtstruct`` source: the RT Structure Set ``spec.path`` measured on ``series_dir``."""
    return measure_rtstruct(spec.path, series_dir, series_uid=spec.series_uid,
                            lesions=spec.lesions, visit=spec.visit,
                            default_kind=spec.default_kind, patient_id=spec.patient_id,
                            date=spec.date, overlays_dir=spec.overlays_dir)
