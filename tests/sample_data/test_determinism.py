"""Regenerating the sample data gives the committed files byte for byte."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.uid import RLELossless

from .conftest import SAMPLE, SCRIPT, SOURCE_RECORDS, sha256_of, source_geometry

sys.path.insert(0, str(SAMPLE))
from samplegen.ct_dicom import SeriesSpec, build_slice_dataset, visit_uids
from samplegen.lines import measure_lesion_lines

TOP_LEVEL = ("baseline_source.json", "manifest.csv", "measurements_expected.csv",
             "patients.csv", "truth.csv")


def _small_files(root):
    """The generated tables and per-visit files (not other helpers' folders, not series)."""
    per_visit = sorted(
        p.relative_to(root) for p in (root / "patients").rglob("*")
        if p.is_file() and p.suffix in (".csv", ".nrrd") and "ct" not in p.parts
    )
    return [root.joinpath(name).relative_to(root) for name in TOP_LEVEL] + per_visit


def test_tables_labels_and_lines_regenerate_identically(sample_root, tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path), "--no-ct"],
                            capture_output=True, text=True, check=True)
    assert "wrote" in result.stdout
    committed = _small_files(sample_root)
    assert _small_files(tmp_path) == committed
    assert len(committed) == 5 + 3 * 7
    for relative in committed:
        assert (tmp_path / relative).read_bytes() == (sample_root / relative).read_bytes(), relative


def test_if_missing_is_a_no_op_when_complete(sample_root):
    before = {p: p.stat().st_mtime_ns for p in sample_root.rglob("*.csv")}
    result = subprocess.run([sys.executable, str(SCRIPT), "--if-missing"],
                            capture_output=True, text=True, check=True)
    assert result.stdout == ""
    assert {p: p.stat().st_mtime_ns for p in sample_root.rglob("*.csv")} == before


@pytest.mark.parametrize("patient,k", [("LUNG1", 0), ("LUNG2", 24)])
def test_baseline_slice_regenerates_byte_identical(patient, k, sample_root):
    """A committed baseline slice, decoded and written again, gives the same bytes."""
    origin, spacing, direction = source_geometry(patient)
    n_slices = SOURCE_RECORDS[patient]["shape_kji"][0]
    committed = sorted((sample_root / "patients" / patient / "V0" / "ct").glob("*.dcm"))[k]
    original = pydicom.dcmread(committed)
    hu = original.pixel_array.astype(np.int32) + int(original.RescaleIntercept)
    spec = SeriesSpec(patient_id=patient, patient_name=str(original.PatientName), visit="V0",
                      date="2024-01-08", description=original.SeriesDescription,
                      source=original.ImageComments)
    uids = visit_uids(spec, n_slices)
    position = origin + k * spacing[2] * direction[:, 2]
    ds = build_slice_dataset(spec, uids, k, hu.astype(np.int16), position, spacing,
                             direction.ravel(), compress=True)
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    assert buffer.getvalue() == committed.read_bytes()


def _baseline_copy(sample_root, folder):
    """The committed baselines and their record, copied to ``folder``."""
    shutil.copy(sample_root / "baseline_source.json", folder)
    for patient in SOURCE_RECORDS:
        shutil.copytree(sample_root / "patients" / patient / "V0",
                        folder / "patients" / patient / "V0")


def test_altered_baseline_mask_is_refused(sample_root, tmp_path):
    """One voxel less in a committed V0 mask: the build stops instead of drifting."""
    from samplegen.build import build

    _baseline_copy(sample_root, tmp_path)
    path = tmp_path / "patients" / "LUNG1" / "V0" / "labels.nrrd"
    image = sitk.ReadImage(str(path))
    labels = sitk.GetArrayFromImage(image)
    assert sha256_of(labels == 1, "u1") == SOURCE_RECORDS["LUNG1"]["mask_uint8_sha256"]
    labels[tuple(np.argwhere(labels == 1)[0])] = 0
    altered = sitk.GetImageFromArray(labels)
    altered.CopyInformation(image)
    sitk.WriteImage(altered, str(path), useCompression=True)
    with pytest.raises(ValueError, match="mask_uint8_sha256"):
        build(tmp_path / "out", write_ct=False, baseline_root=tmp_path)


def test_altered_baseline_series_is_refused(sample_root, tmp_path):
    """A committed V0 slice with other pixels (or a missing slice) is an error."""
    from samplegen.build import build

    _baseline_copy(sample_root, tmp_path)
    path = tmp_path / "patients" / "LUNG2" / "V0" / "ct" / "CT0030.dcm"
    ds = pydicom.dcmread(path)
    pixels = ds.pixel_array.copy()
    pixels[100, 100] += 1
    ds.compress(RLELossless, pixels, generate_instance_uid=False)
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(ValueError, match="image_int16_sha256"):
        build(tmp_path / "out", write_ct=False, baseline_root=tmp_path)
    path.unlink()
    with pytest.raises(FileNotFoundError, match="CT0030.dcm"):
        build(tmp_path / "out", write_ct=False, baseline_root=tmp_path)


@pytest.mark.parametrize("angle_deg", [0.0, 30.0, 90.0, 135.0])
@pytest.mark.parametrize("spacing", [(0.5, 0.5), (0.8, 0.6)])
def test_reference_lines_on_digitised_ellipse(angle_deg, spacing):
    """Ellipse 24 x 14 mm: the reference method finds LD and SA within one pixel."""
    row_mm, col_mm = spacing
    rows, cols = np.mgrid[:120, :120]
    y = (rows + 0.5) * row_mm - 31.3
    x = (cols + 0.5) * col_mm - 33.1
    a = np.deg2rad(angle_deg)
    u = x * np.cos(a) + y * np.sin(a)
    v = -x * np.sin(a) + y * np.cos(a)
    mask = (u / 12.0) ** 2 + (v / 7.0) ** 2 <= 1.0
    lines = measure_lesion_lines(np.stack([np.zeros_like(mask), mask]), spacing)
    assert lines.slice_index == 1
    assert abs(lines.long_axis_mm - 24.0) <= max(spacing)
    assert abs(lines.short_axis_mm - 14.0) <= max(spacing)
    x1, y1, x2, y2 = lines.long_axis
    direction = np.array([(x2 - x1) * col_mm, (y2 - y1) * row_mm])
    along = abs(direction @ np.array([np.cos(a), np.sin(a)])) / np.linalg.norm(direction)
    assert along > np.cos(np.deg2rad(8))  # long axis along the ellipse's major axis
