"""The ``seg`` source: DICOM SEG <-> the mask measurement path of ``recist.pipeline.measure``.

:func:`measure_seg` reads a SEG onto its series and measures every segment as a lesion,
each on its own mask (segments may overlap: an organ and its tumour; a FRACTIONAL SEG is
thresholded at a fraction of 0.5, which ``method`` says) — segment label -> lesion_id,
anatomic region -> organ / nodal, segment description -> kind when it is one of
``recist.vocabulary.LesionKind``, or a lesions CSV keyed by segment number;
:func:`export_seg` writes our label image + lesions CSV as a SEG, the kind as the
segment description.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dicom_io.annotations import LabelLesion, read_label_image
from dicom_io.errors import DicomInputError, safe_text
from dicom_io.seg import (
    FRACTIONAL_THRESHOLD,
    SegmentInfo,
    read_segmentation,
    write_segmentation,
)
from dicom_io.series import load_series
from dicom_io.sr import read_source_images, tracking_uid_for
from recist.findings import Finding, Severity
from recist.pipeline.measure import (
    MeasureResult,
    measure_lesion_masks,
    read_label_lesions_checked,
)
from recist.pipeline.sources import DEFAULT_KIND, SourceSpec
from recist.vocabulary import KINDS

__all__ = ["export_seg", "measure", "measure_seg"]


def _kind_of(segment: SegmentInfo) -> str | None:
    """The lesion kind a segment's description names, if it names one."""
    description = (segment.description or "").lower()
    return description if description in KINDS else None


def measure_seg(seg_path: str | Path, series_dir: str | Path, *,
                series_uid: str | None = None, lesions: str | Path | None = None,
                visit: str | None = None, default_kind: str = DEFAULT_KIND,
                overlays_dir: str | Path | None = None, patient_id: str | None = None,
                date: str | None = None) -> MeasureResult:
    """Measure the segments of a DICOM SEG on the series it was drawn on.

    Parameters
    ----------
    seg_path
        The SEG file.
    series_dir, series_uid
        The CT series (folder, and series UID when the folder holds several).
    lesions
        Optional lesions CSV (``label`` = segment number, lesion_id, kind, organ, nodal)
        overriding what the SEG says.
    visit
        Visit label for the rows.
    default_kind
        Kind of segments whose description is not ``target`` / ``non-target`` / ``new``.
    overlays_dir
        Write one PNG per lesion here.
    patient_id, date
        Written in the table instead of the DICOM's (e.g. from a manifest).

    Returns
    -------
    MeasureResult
        Rows with ``method = mask`` (the SEG is a mask), and findings (one per segment
        that took the default kind).
    """
    series = load_series(series_dir, series_uid)
    seg = read_segmentation(seg_path, series.geometry,
                            frame_of_reference_uid=series.info.frame_of_reference_uid)
    name = safe_text(Path(seg_path).name)
    findings: list[Finding] = [Finding("seg-note", f"{name}: {note}", Severity.WARNING)
                               for note in seg.notes]
    by_number = {segment.number: segment for segment in seg.segments}
    if lesions is not None:
        records = read_label_lesions_checked(lesions)
        for record in records:
            if record.label not in seg.masks:
                raise DicomInputError(
                    f"{record.source} row {record.row}: segment {record.label} (lesion "
                    f"{record.lesion_id}) "
                    + ("has no voxel in " if record.label in by_number else "is not in ")
                    + f"SEG {seg_path}, whose segments with voxels are {sorted(seg.masks)}; "
                    "check the label numbers in the lesions CSV", path=seg_path)
    else:
        records = []
        labels = [s.label for s in seg.segments]
        for segment in seg.segments:
            if segment.number not in seg.masks:
                findings.append(Finding(
                    "seg-empty-segment", f"{name}: segment {segment.number} "
                    f"({safe_text(segment.label, 40)}) has no voxel; not measured",
                    Severity.WARNING))
                continue
            kind = _kind_of(segment)
            lesion_id = segment.label or segment.tracking_id or f"segment-{segment.number}"
            if segment.label and labels.count(segment.label) > 1:
                lesion_id = f"{segment.label}-{segment.number}"
                findings.append(Finding(
                    "seg-duplicate-label", f"{name}: {labels.count(segment.label)} segments "
                    f"are labelled {safe_text(segment.label, 40)!r}; segment {segment.number} "
                    "is lesion "
                    f"{safe_text(lesion_id, 40)} (segments are never added up as fragments)",
                    Severity.WARNING, lesion_id=lesion_id))
            if kind is None:
                kind = default_kind
                findings.append(Finding(
                    "seg-default-kind", f"{name}: segment "
                    f"{segment.number} ({safe_text(segment.label, 40)}) does not say target / "
                    f"non-target / new in its description; taken as {kind}", Severity.INFO,
                    lesion_id=lesion_id))
            records.append(LabelLesion(
                row=segment.number, label=segment.number, lesion_id=lesion_id,
                kind=kind, organ=segment.organ or "", nodal=segment.nodal,
                source=f"{name} segment"))
    overlapping = seg.overlapping
    if overlapping:
        findings.append(Finding(
            "seg-overlap", f"{name}: segments {', '.join(f'{a} and {b}' for a, b in overlapping)} "
            "overlap; each is measured whole, on its own", Severity.INFO))
    method = "mask"
    if seg.segmentation_type == "FRACTIONAL":
        method = f"mask (fractional >= {FRACTIONAL_THRESHOLD:g})"
    masks = {number: (item.offset, item.mask) for number, item in seg.masks.items()}
    result = measure_lesion_masks(series, masks, records, visit=visit,
                                  patient_id=patient_id, date=date,
                                  overlays_dir=overlays_dir, method=method)
    return MeasureResult(result.table, tuple(findings) + tuple(result.findings))


def measure(series_dir: str | Path, spec: SourceSpec) -> MeasureResult:
    """The ``seg`` source: the SEG ``spec.path`` measured on ``series_dir``."""
    return measure_seg(spec.path, series_dir, series_uid=spec.series_uid,
                       lesions=spec.lesions, visit=spec.visit,
                       default_kind=spec.default_kind, overlays_dir=spec.overlays_dir,
                       patient_id=spec.patient_id, date=spec.date)


def export_seg(labels_path: str | Path, lesions_csv: str | Path, series_dir: str | Path,
               out_path: str | Path, *, series_uid: str | None = None) -> Path:
    """Write a label image (NRRD / NIfTI on the series grid) and its lesions as a SEG.

    Segment number = label value, segment label and tracking id = lesion_id, tracking UID
    derived from patient and lesion (stable across visits, as in the SR), description =
    kind, anatomic region = organ (plus lymph node when nodal).
    """
    series = load_series(series_dir, series_uid)
    labels = read_label_image(labels_path, series.geometry)
    records = read_label_lesions_checked(lesions_csv)
    present = {int(v) for v in np.unique(labels) if v}
    segments = [SegmentInfo(
        number=r.label, label=r.lesion_id, tracking_id=r.lesion_id,
        tracking_uid=tracking_uid_for(series.info.patient_id, r.lesion_id),
        organ=r.organ or None, nodal=r.nodal, description=r.kind)
        for r in records if r.label in present]
    labels = labels.copy()
    labels[~np.isin(labels, [s.number for s in segments])] = 0
    headers = read_source_images(series_dir, series.geometry.series_instance_uid)
    return write_segmentation(labels, segments, headers, series.geometry, out_path)

