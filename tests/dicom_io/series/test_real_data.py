"""Real lung CT (pyradiomics 3.0.1 test data, BSD-3) through DICOM and back, voxel for voxel.

The scans are the repository's sample-data baselines (``sample_data/patients/LUNG{1,2}/V0``).
The reference each test compares with is read independently of :mod:`dicom_io`: voxels
decoded by SimpleITK's GDCM reader, geometry from the baseline label image's NRRD header
(the original NRRD's, to the last bit), and both checked against what
``sample_data/baseline_source.json`` records about the pyradiomics source NRRD (the SHA-256
of its int16 voxels, its origin, spacing and direction).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from pydicom.uid import RLELossless

from dicom_io import SeriesGeometry, load_series
from dicom_io.testing import write_ct_series

from support.paths import REPO

SAMPLE_DATA = REPO / "sample_data"


@cache
def _reference_parts(case: str) -> tuple[np.ndarray, sitk.Image]:
    """(voxels decoded by GDCM, label image carrying the source geometry) of ``case``."""
    baseline = SAMPLE_DATA / "patients" / case.upper() / "V0"
    record = json.loads((SAMPLE_DATA / "baseline_source.json").read_text())[case.upper()]
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(baseline / "ct")))
    voxels = sitk.GetArrayFromImage(reader.Execute())
    assert voxels.dtype == np.int16
    assert hashlib.sha256(voxels.tobytes()).hexdigest() == record["image_int16_sha256"]
    geometry = sitk.ReadImage(str(baseline / "labels.nrrd"))
    assert geometry.GetOrigin() == tuple(record["origin_mm"])
    assert geometry.GetSpacing() == tuple(record["spacing_mm"])
    assert geometry.GetDirection() == tuple(record["direction"])
    return voxels, geometry


def _nrrd(case: str) -> sitk.Image:
    """The pyradiomics ``<case>_image.nrrd`` as SimpleITK would read it (voxels and
    geometry), rebuilt from the repository's independently read baseline."""
    voxels, geometry = _reference_parts(case)
    image = sitk.GetImageFromArray(voxels)
    image.CopyInformation(geometry)
    return image


def _assert_matches_nrrd(loaded, image: sitk.Image) -> None:
    expected = sitk.GetArrayFromImage(image)
    assert loaded.volume.dtype == np.int16
    np.testing.assert_array_equal(loaded.volume, expected)
    reference = SeriesGeometry.from_sitk_image(image)
    geometry = loaded.geometry
    assert geometry.shape == reference.shape
    # DICOM decimal strings carry ~1e-6 mm; the NRRD origin is -777.4999999999998.
    np.testing.assert_allclose(geometry.origin_mm, reference.origin_mm, atol=1e-5)
    np.testing.assert_allclose(geometry.pixel_spacing_mm, reference.pixel_spacing_mm, rtol=1e-6)
    assert geometry.slice_spacing_mm == pytest.approx(reference.slice_spacing_mm, rel=1e-6)
    for name in ("row_direction", "column_direction", "slice_direction"):
        np.testing.assert_allclose(getattr(geometry, name), getattr(reference, name), atol=1e-6)
    back = loaded.to_sitk_image()
    assert back.GetSpacing() == pytest.approx(image.GetSpacing(), rel=1e-6)
    assert back.GetOrigin() == pytest.approx(image.GetOrigin(), abs=1e-5)
    assert back.GetDirection() == pytest.approx(image.GetDirection(), abs=1e-6)


def _write_from_nrrd(folder: Path, image: sitk.Image, **kwargs):
    geometry = SeriesGeometry.from_sitk_image(image)
    return write_ct_series(
        folder, volume=sitk.GetArrayFromImage(image),
        pixel_spacing_mm=geometry.pixel_spacing_mm, slice_spacing_mm=geometry.slice_spacing_mm,
        orientation=(*geometry.row_direction, *geometry.column_direction),
        origin_mm=geometry.origin_mm, series_description="lung1 baseline (pyradiomics)",
        **kwargs)


def test_lung1_nrrd_through_factory_dicom_round_trips(tmp_path):
    image = _nrrd("lung1")
    _write_from_nrrd(tmp_path, image)
    _assert_matches_nrrd(load_series(tmp_path), image)


def test_lung1_nrrd_slab_as_rle_round_trips(tmp_path):
    image = _nrrd("lung1")[:, :, 20:26]  # six slices keep the RLE encoding quick
    _write_from_nrrd(tmp_path, image, transfer_syntax=RLELossless)
    _assert_matches_nrrd(load_series(tmp_path), image)


def _sample_baseline(case: str) -> Path | None:
    """The sample-data baseline series made from ``case`` (folder ``<CASE>/V0/ct``), if any."""
    candidates = sorted(SAMPLE_DATA.glob(f"**/{case.upper()}/V0/ct"))
    return candidates[0] if candidates else None


@pytest.mark.parametrize("case", ["lung1", "lung2"])
def test_sample_data_baseline_reproduces_the_nrrd(case):
    folder = _sample_baseline(case)
    if folder is None:
        pytest.skip(f"no {case} baseline series under sample_data/ (run make sample-data)")
    image = _nrrd(case)
    loaded = load_series(folder)
    assert loaded.notes == ()
    _assert_matches_nrrd(loaded, image)
