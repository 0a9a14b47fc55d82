"""Build the sample data: series, label images, lesions, lines and the top-level tables.

The input is each patient's baseline (V0): by default the committed V0 series and label
image, optionally the original pyradiomics NRRDs (:mod:`samplegen.baseline`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from samplegen.baseline import (
    RECORD_FILE,
    Baseline,
    baseline_record,
    check_record,
    load_committed_baseline,
    load_nrrd_baseline,
    read_records,
    records_text,
)
from samplegen.ct_dicom import SeriesSpec, visit_uids, write_ct_series
from samplegen.lines import LesionLines, measure_lesion_lines
from samplegen.scenarios import (
    NEW_NODULE,
    NEW_NODULE_DIAMETER_MM,
    SCENARIOS,
    START_DATE,
    TUMOUR,
    Scenario,
    series_complete,
    visit_date,
    visit_name,
)
from samplegen.synthesis import (
    add_solid_nodule,
    find_aerated_lung_site,
    scale_lesion,
    seed_from_text,
)

__all__ = ["Outputs", "Writer", "build", "build_patient"]

LESION_COLUMNS = ["label", "lesion_id", "kind", "organ", "nodal"]
LINE_COLUMNS = ["lesion_id", "kind", "organ", "nodal", "axis", "sop_instance_uid",
                "x1", "y1", "x2", "y2"]
MEASUREMENT_COLUMNS = [
    "patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal", "ld_mm", "sa_mm",
    "status", "slice_thickness_mm", "series_uid", "sop_instance_uid", "slice_index", "method",
    "ld_x1", "ld_y1", "ld_z1", "ld_x2", "ld_y2", "ld_z2",
    "sa_x1", "sa_y1", "sa_z1", "sa_x2", "sa_y2", "sa_z2",
]
TRUTH_COLUMNS = ["patient_id", "visit", "date", "lesion_id", "kind", "label", "scale",
                 "true_ld_mm", "true_sa_mm", "truth_source", "measured_ld_mm",
                 "measured_sa_mm", "slice_index"]
MANIFEST_COLUMNS = ["patient_id", "visit", "date", "series_dir", "lines", "masks", "lesions"]
PATIENT_COLUMNS = ["patient_id", "start_date", "arm", "last_contact_date"]


@dataclass
class Outputs:
    """Rows of the top-level tables, filled visit by visit."""

    manifest: list[dict] = field(default_factory=list)
    truth: list[dict] = field(default_factory=list)
    measurements: list[dict] = field(default_factory=list)
    patients: list[dict] = field(default_factory=list)


def _fmt(value: float, decimals: int = 3) -> str:
    """Fixed-point text for CSVs, never "-0.000"."""
    text = f"{value:.{decimals}f}"
    return f"{0.0:.{decimals}f}" if float(text) == 0 else text


def _csv_text(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buffer.getvalue()


class Writer:
    """Writes files, or with ``if_missing`` only those that do not exist yet."""

    def __init__(self, root: Path, if_missing: bool, write_ct: bool):
        self.root, self.if_missing, self.write_ct = root, if_missing, write_ct
        self.written: list[str] = []

    def needed(self, path: Path) -> bool:
        return not (self.if_missing and path.exists())

    def text(self, relative: str, content: str) -> None:
        path = self.root / relative
        if not self.needed(path):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(content, encoding="utf-8", newline="")
        tmp.replace(path)
        self.written.append(relative)


def _patient_mm(ipp: np.ndarray, direction: np.ndarray, pixel_spacing, x: float, y: float):
    """LPS mm of image-relative pixel (x, y) (corner convention) on a slice at ``ipp``."""
    row_spacing, column_spacing = pixel_spacing
    return ipp + (x - 0.5) * column_spacing * direction[:, 0] + (y - 0.5) * row_spacing * direction[:, 1]


def build_patient(scenario: Scenario, baseline: Baseline, writer: Writer, out: Outputs,
                  write_baseline_ct: bool = True) -> None:
    """Every visit of one sample patient: series, label image, lesions, lines, table rows.

    ``baseline`` is the V0 image and tumour mask (see :mod:`samplegen.baseline`); with
    ``write_baseline_ct`` False the V0 series is not written (it is the input).
    """
    image, volume, tumour_mask = baseline.geometry, baseline.volume, baseline.mask
    origin = baseline.origin
    spacing = baseline.spacing  # (column, row, slice) spacing, mm
    direction = baseline.direction
    spacing_kji = (spacing[2], spacing[1], spacing[0])
    pixel_spacing = (spacing[1], spacing[0])  # DICOM PixelSpacing order
    n_slices = volume.shape[0]

    baseline_lines = measure_lesion_lines(tumour_mask, pixel_spacing)
    k0 = baseline_lines.slice_index
    rows, cols = np.nonzero(tumour_mask[k0])
    centre = (float(k0), float(rows.mean()), float(cols.mean()))

    nodule_site = None
    if scenario.new_nodule_from_visit is not None:
        avoid = ndimage.binary_dilation(tumour_mask, iterations=2)
        nodule_site = find_aerated_lung_site(volume, avoid, spacing_kji)

    for n, scale in enumerate(scenario.scales):
        visit = visit_name(n)
        when = visit_date(n).isoformat()
        relative = f"patients/{scenario.patient_id}/{visit}"
        folder = writer.root / relative
        spec = SeriesSpec(
            patient_id=scenario.patient_id,
            patient_name=scenario.patient_name,
            visit=visit,
            date=when,
            description=("CT chest 5 mm" if n == 0 else
                         f"CT chest 5 mm, synthetic follow-up (tumour x{scale:.2f})"),
            source=(f"pyradiomics 3.0.1 test data {scenario.source}_image.nrrd (BSD-3)" if n == 0
                    else f"synthetic follow-up of {scenario.source}_image.nrrd by recist "
                         "make_sample_data.py"),
            derived=n > 0,
        )
        lesions = [TUMOUR]
        if n == 0:
            visit_volume, masks = volume, {TUMOUR: tumour_mask}
        else:
            scaled = scale_lesion(volume, tumour_mask, centre, scale, spacing_kji,
                                  seed_from_text(scenario.patient_id, visit))
            visit_volume, masks = scaled.image_hu, {TUMOUR: scaled.mask}
        if nodule_site is not None and n >= scenario.new_nodule_from_visit:
            visit_volume, nodule_mask = add_solid_nodule(
                visit_volume, nodule_site, NEW_NODULE_DIAMETER_MM, spacing_kji)
            masks[NEW_NODULE] = nodule_mask
            lesions.append(NEW_NODULE)

        # Label image aligned with the series.
        labels_path = folder / "labels.nrrd"
        if writer.needed(labels_path):
            label_volume = np.zeros(volume.shape, dtype=np.uint8)
            for lesion in lesions:
                label_volume[masks[lesion]] = lesion.label
            label_image = sitk.GetImageFromArray(label_volume)
            label_image.CopyInformation(image)
            folder.mkdir(parents=True, exist_ok=True)
            partial = labels_path.with_name("labels.partial.nrrd")  # then renamed: atomic
            sitk.WriteImage(label_image, str(partial), useCompression=True)
            partial.replace(labels_path)
            writer.written.append(f"{relative}/labels.nrrd")

        # DICOM series (baseline compressed and committed, follow-ups generated).
        ct_dir = folder / "ct"
        uids = visit_uids(spec, n_slices)
        if (writer.write_ct and (n > 0 or write_baseline_ct)
                and not (writer.if_missing and series_complete(ct_dir, n_slices))):
            write_ct_series(ct_dir, spec, visit_volume, origin, spacing, direction.ravel(),
                            compress=(n == 0))
            writer.written.append(f"{relative}/ct/")

        positions = origin[None, :] + np.arange(n_slices)[:, None] * spacing[2] * direction[:, 2]
        lesion_rows, line_rows = [], []
        for lesion in lesions:
            lines = (baseline_lines if (n == 0 and lesion is TUMOUR)
                     else measure_lesion_lines(masks[lesion], pixel_spacing))
            _record_lesion(scenario, n, when, lesion, lines, scale, baseline_lines, uids,
                           positions, direction, pixel_spacing, spacing, lesion_rows,
                           line_rows, out)
        writer.text(f"{relative}/lesions.csv", _csv_text(LESION_COLUMNS, lesion_rows))
        writer.text(f"{relative}/lines.csv", _csv_text(LINE_COLUMNS, line_rows))
        out.manifest.append({
            "patient_id": scenario.patient_id, "visit": visit, "date": when,
            "series_dir": f"{relative}/ct", "lines": f"{relative}/lines.csv",
            "masks": f"{relative}/labels.nrrd", "lesions": f"{relative}/lesions.csv",
        })
    out.patients.append({
        "patient_id": scenario.patient_id, "start_date": START_DATE.isoformat(),
        "arm": scenario.arm,
        "last_contact_date": visit_date(len(scenario.scales) - 1).isoformat(),
    })


def _record_lesion(scenario, n, when, lesion, lines: LesionLines, scale, baseline_lines,
                   uids, positions, direction, pixel_spacing, spacing, lesion_rows,
                   line_rows, out: Outputs) -> None:
    visit = visit_name(n)
    nodal = "true" if lesion.nodal else "false"
    sop = str(uids["sop"][lines.slice_index])
    lesion_rows.append({"label": lesion.label, "lesion_id": lesion.lesion_id,
                        "kind": lesion.kind, "organ": lesion.organ, "nodal": nodal})
    for axis, line in (("long", lines.long_axis), ("short", lines.short_axis)):
        line_rows.append({
            "lesion_id": lesion.lesion_id, "kind": lesion.kind, "organ": lesion.organ,
            "nodal": nodal, "axis": axis, "sop_instance_uid": sop,
            **{key: _fmt(v) for key, v in zip(("x1", "y1", "x2", "y2"), line)},
        })
    if lesion is TUMOUR:
        true_ld = scale * baseline_lines.long_axis_mm
        true_sa = scale * baseline_lines.short_axis_mm
        how = ("measured on the expert mask (baseline)" if n == 0 else
               "constructed: scale x baseline measured size")
        scale_text = _fmt(scale, 2)
    else:
        true_ld = true_sa = NEW_NODULE_DIAMETER_MM
        how = "constructed: sphere diameter"
        scale_text = ""
    out.truth.append({
        "patient_id": scenario.patient_id, "visit": visit, "date": when,
        "lesion_id": lesion.lesion_id, "kind": lesion.kind, "label": lesion.label,
        "scale": scale_text, "true_ld_mm": _fmt(true_ld), "true_sa_mm": _fmt(true_sa),
        "truth_source": how, "measured_ld_mm": _fmt(lines.long_axis_mm),
        "measured_sa_mm": _fmt(lines.short_axis_mm), "slice_index": lines.slice_index,
    })
    ipp = positions[lines.slice_index]
    row = {
        "patient_id": scenario.patient_id, "date": when, "visit": visit,
        "lesion_id": lesion.lesion_id, "kind": lesion.kind, "organ": lesion.organ,
        "nodal": nodal, "ld_mm": _fmt(lines.long_axis_mm), "sa_mm": _fmt(lines.short_axis_mm),
        "status": lesion.status, "slice_thickness_mm": _fmt(spacing[2], 1),
        "series_uid": str(uids["series"]), "sop_instance_uid": sop,
        "slice_index": lines.slice_index, "method": "line",
    }
    for prefix, line in (("ld", lines.long_axis), ("sa", lines.short_axis)):
        p1 = _patient_mm(ipp, direction, pixel_spacing, line[0], line[1])
        p2 = _patient_mm(ipp, direction, pixel_spacing, line[2], line[3])
        for name, value in zip(("x1", "y1", "z1"), p1):
            row[f"{prefix}_{name}"] = _fmt(value)
        for name, value in zip(("x2", "y2", "z2"), p2):
            row[f"{prefix}_{name}"] = _fmt(value)
    out.measurements.append(row)


def build(root: Path, source_dir: Path | None = None, if_missing: bool = False,
          write_ct: bool = True, baseline_root: Path | None = None) -> list[str]:
    """Build the sample data under ``root``; return the paths written (relative).

    The baselines come from the committed V0 series and label images under
    ``baseline_root`` (default ``root``) or, with ``source_dir``, from the original
    pyradiomics NRRDs there; both are checked against ``baseline_source.json`` of
    ``baseline_root``. The V0 series is written only when it is not the input itself.
    """
    root = Path(root)
    baseline_root = root if baseline_root is None else Path(baseline_root)
    records_path = baseline_root / RECORD_FILE
    records = read_records(baseline_root) if (source_dir is None
                                              or records_path.is_file()) else {}
    baselines, new_records = {}, {}
    for scenario in SCENARIOS:
        if source_dir is None:
            baseline = load_committed_baseline(baseline_root, scenario)
            where, record = f"{baseline_root / 'patients' / scenario.patient_id / 'V0'}", {}
        else:
            baseline, files = load_nrrd_baseline(source_dir, scenario)
            where, record = str(source_dir), {"source_files": files}
        record = {"source": f"pyradiomics 3.0.1 data/{scenario.source}_{{image,label}}.nrrd",
                  **record, **baseline_record(baseline)}
        if scenario.patient_id in records:
            check_record(scenario.patient_id, record, records[scenario.patient_id], where)
            record = records[scenario.patient_id]
        elif records:
            raise ValueError(f"{records_path} has no record of {scenario.patient_id}")
        baselines[scenario.patient_id], new_records[scenario.patient_id] = baseline, record
    # The V0 series is the input unless it comes from the NRRDs or goes to another folder.
    write_baseline_ct = source_dir is not None or root.resolve() != baseline_root.resolve()
    writer = Writer(root, if_missing, write_ct)
    out = Outputs()
    for scenario in SCENARIOS:
        build_patient(scenario, baselines.pop(scenario.patient_id), writer, out,
                      write_baseline_ct=write_baseline_ct)
    writer.text(RECORD_FILE, records_text(new_records))
    writer.text("patients.csv", _csv_text(PATIENT_COLUMNS, out.patients))
    writer.text("manifest.csv", _csv_text(MANIFEST_COLUMNS, out.manifest))
    writer.text("truth.csv", _csv_text(TRUTH_COLUMNS, out.truth))
    writer.text("measurements_expected.csv", _csv_text(MEASUREMENT_COLUMNS, out.measurements))
    return writer.written
