"""pydicom's own test files: other encoders' output decodes alike; odd files fail cleanly."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.errors import InvalidDicomError

from dicom_io import DicomInputError, discover, load_series
from dicom_io.discover import read_slice_header

MR_VARIANTS = ["MR_small_RLE.dcm", "MR_small_jp2klossless.dcm",
               "MR_small_jpeg_ls_lossless.dcm", "MR_small_implicit.dcm",
               "MR_small_bigendian.dcm", "MR_small_expb.dcm"]


def _test_file(name: str) -> Path:
    path = get_testdata_file(name, download=False)
    if path is None:
        pytest.skip(f"pydicom test file {name} is not installed")
    return Path(path)


@pytest.mark.parametrize("name", MR_VARIANTS)
def test_encodings_of_one_image_decode_to_the_same_values(name):
    reference = pydicom.dcmread(_test_file("MR_small.dcm"))
    expected = reference.pixel_array * float(reference.get("RescaleSlope", 1)) \
        + float(reference.get("RescaleIntercept", 0))
    loaded = load_series(_test_file(name))
    assert loaded.volume.shape == (1, 64, 64)
    np.testing.assert_array_equal(loaded.volume[0], expected)
    np.testing.assert_allclose(loaded.geometry.origin_mm, [-83.9063, -91.2, 6.6406])
    assert loaded.geometry.pixel_spacing_mm == (0.3125, 0.3125)


def test_ct_small_is_rescaled_to_hu():
    path = _test_file("CT_small.dcm")
    ds = pydicom.dcmread(path)
    loaded = load_series(path)
    assert loaded.volume.dtype == np.int16
    np.testing.assert_array_equal(
        loaded.volume[0], ds.pixel_array.astype(np.int32) * int(ds.RescaleSlope)
        + int(ds.RescaleIntercept))
    assert loaded.info.modality == "CT"


def _all_test_files() -> list[Path]:
    folder = Path(get_testdata_file("CT_small.dcm", download=False) or ".").parent
    return sorted(folder.glob("*.dcm"))


def test_every_pydicom_test_file_reads_or_fails_cleanly(monkeypatch):
    files = _all_test_files()
    if not files:
        pytest.skip("pydicom test files are not installed")
    compared = 0
    for path in files:
        try:
            fast = read_slice_header(path)
        except (InvalidDicomError, DicomInputError) as error:
            if isinstance(error, DicomInputError):
                assert error.path == path
                assert str(error).startswith(f"cannot read DICOM file {path.name}")
            continue
        with monkeypatch.context() as patch, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            patch.setattr(discover, "read_raw_header", lambda p, **_: None)
            try:
                slow = read_slice_header(path)
            except (InvalidDicomError, DicomInputError):
                continue
        fast_fields, slow_fields = dataclasses.asdict(fast), dataclasses.asdict(slow)
        for values in (fast_fields, slow_fields):
            values.pop("pixel_data_offset")
            for key in ("position_mm", "orientation"):
                values[key] = None if values[key] is None else values[key].tolist()
        assert fast_fields == slow_fields, path.name
        compared += 1
    assert compared >= 40
