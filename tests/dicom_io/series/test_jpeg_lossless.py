"""JPEG Lossless (Process 14, and its Selection Value 1 transfer syntax) CT decodes to HU.

No installed encoder writes JPEG Lossless (pydicom encodes RLE, JPEG-LS and JPEG 2000
only), so this module holds a small baseline lossless JPEG encoder written from
ITU-T T.81 Annex H: one component, predictor ``selection_value`` (1-7), a fixed Huffman
table for the 17 difference categories. pydicom's decoder plugin (pylibjpeg-libjpeg) is
independent of it, so a voxel-for-voxel match against the known volume checks both the
files and the loader.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate
from pydicom.pixels import get_decoder
from pydicom.uid import JPEGLossless, JPEGLosslessSV1

from dicom_io import load_series
from dicom_io.testing import write_ct_series

from support.paths import REPO

pytestmark = pytest.mark.skipif(not get_decoder(JPEGLosslessSV1).is_available,
                                reason="no JPEG Lossless decoder plugin (pylibjpeg-libjpeg)")

#: The real lung1 CT (pyradiomics 3.0.1, BSD-3): the committed sample-data baseline series.
LUNG1 = REPO / "sample_data" / "patients" / "LUNG1" / "V0" / "ct"

# Huffman table: category SSSS (0..16) -> 5-bit code SSSS (canonical: 17 codes of length 5).
_CODE_LENGTH = 5


def _predict(samples: np.ndarray, precision: int, selection_value: int) -> np.ndarray:
    """Prediction of every sample (T.81 H.1.2.1, no point transform)."""
    x = samples.astype(np.int64)
    ra = np.zeros_like(x)
    rb = np.zeros_like(x)
    rc = np.zeros_like(x)
    ra[:, 1:], rb[1:, :], rc[1:, 1:] = x[:, :-1], x[:-1, :], x[:-1, :-1]
    predictor = {1: ra, 2: rb, 3: rc, 4: ra + rb - rc, 5: ra + ((rb - rc) >> 1),
                 6: rb + ((ra - rc) >> 1), 7: (ra + rb) >> 1}[selection_value]
    predicted = predictor.copy()
    predicted[0, 1:] = x[0, :-1]  # first line: left neighbour
    predicted[1:, 0] = x[:-1, 0]  # first column: sample above
    predicted[0, 0] = 1 << (precision - 1)
    return predicted


def _entropy_coded(samples: np.ndarray, precision: int, selection_value: int) -> bytes:
    diff = (samples.astype(np.int64) - _predict(samples, precision, selection_value)) % 65536
    diff = np.where(diff >= 32768, diff - 65536, diff).ravel()
    bits = []
    for d in diff.tolist():
        ssss = 16 if d == -32768 else abs(d).bit_length()
        bits.append(format(ssss, f"0{_CODE_LENGTH}b"))
        if 0 < ssss < 16:
            bits.append(format((d if d > 0 else d - 1) & ((1 << ssss) - 1), f"0{ssss}b"))
    stream = "".join(bits)
    stream += "1" * (-len(stream) % 8)  # pad with 1-bits
    out = bytearray()
    for start in range(0, len(stream), 8):
        byte = int(stream[start:start + 8], 2)
        out.append(byte)
        if byte == 0xFF:
            out.append(0x00)  # byte stuffing
    return bytes(out)


def encode_jpeg_lossless(samples: np.ndarray, precision: int, selection_value: int = 1) -> bytes:
    """One frame of unsigned ``precision``-bit samples as a lossless JPEG (SOF3) stream."""
    rows, cols = samples.shape
    assert samples.min() >= 0 and samples.max() < (1 << precision)
    counts = [0] * 16
    counts[_CODE_LENGTH - 1] = 17
    dht = bytes([0x00, *counts, *range(17)])
    return b"".join([
        b"\xff\xd8",
        b"\xff\xc3" + struct.pack(">HBHHB", 11, precision, rows, cols, 1) + b"\x01\x11\x00",
        b"\xff\xc4" + struct.pack(">H", 2 + len(dht)) + dht,
        b"\xff\xda" + struct.pack(">HB", 8, 1) + bytes([1, 0x00, selection_value, 0, 0]),
        _entropy_coded(samples, precision, selection_value),
        b"\xff\xd9",
    ])


def convert_to_jpeg_lossless(source: Path, target: Path, selection_value: int = 1) -> None:
    """Re-encode an uncompressed single-frame file as JPEG Lossless (SV1 syntax if 1)."""
    ds = pydicom.dcmread(source)
    stored = np.frombuffer(ds.PixelData, dtype="<u2").reshape(ds.Rows, ds.Columns)
    samples = stored & ((1 << ds.BitsStored) - 1)  # two's complement bits of signed data
    frame = encode_jpeg_lossless(samples, ds.BitsStored, selection_value)
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = JPEGLosslessSV1 if selection_value == 1 else JPEGLossless
    ds.save_as(target, enforce_file_format=True)


def _jpeg_copy(written, folder: Path, selection_value: int = 1) -> list[Path]:
    folder.mkdir()
    paths = [folder / p.name for p in written.paths]
    for source, target in zip(written.paths, paths):
        convert_to_jpeg_lossless(source, target, selection_value)
    return paths


def _edge_volume() -> np.ndarray:
    """CT-like values plus the int16 extremes next to each other (difference -32768)."""
    rng = np.random.default_rng(7)
    volume = rng.integers(-1024, 3072, size=(3, 24, 20)).astype(np.int16)
    volume[0, 0, :4] = [-32768, 0, 32767, -32768]
    volume[1, :4, 0] = [32767, -32768, 0, -1]
    volume[2, 5, 5:9] = [-1, 0, -1, 1]
    return volume


def test_sv1_ct_decodes_to_the_written_hu(tmp_path):
    written = write_ct_series(tmp_path / "native", volume=_edge_volume(), rescale_intercept=0,
                              orientation=(0.8, 0.6, 0.0, 0.0, 0.0, -1.0),
                              pixel_spacing_mm=(0.6, 0.9))
    paths = _jpeg_copy(written, tmp_path / "jpeg")
    assert pydicom.dcmread(paths[0]).file_meta.TransferSyntaxUID == JPEGLosslessSV1
    loaded = load_series(tmp_path / "jpeg")
    assert loaded.info.transfer_syntax_uid == JPEGLosslessSV1
    assert loaded.volume.dtype == np.int16
    np.testing.assert_array_equal(loaded.volume, written.volume)
    np.testing.assert_array_equal(loaded.volume, load_series(tmp_path / "native").volume)
    # pydicom's own decoding of each file agrees.
    for k, path in enumerate(paths):
        np.testing.assert_array_equal(pydicom.dcmread(path).pixel_array, written.volume[k])
    np.testing.assert_allclose(loaded.geometry.affine(), written.geometry.affine(), atol=1e-6)


def test_sv1_with_intercept_and_process_decoding(tmp_path):
    volume = np.random.default_rng(3).integers(-1024, 2000, size=(33, 8, 8)).astype(np.int16)
    written = write_ct_series(tmp_path / "native", volume=volume, rescale_intercept=-1024)
    _jpeg_copy(written, tmp_path / "jpeg")
    for workers in (1, 2):
        loaded = load_series(tmp_path / "jpeg", workers=workers)
        assert loaded.volume.dtype == np.int16
        np.testing.assert_array_equal(loaded.volume, written.volume)


def test_sv1_12_bit_signed_samples_are_sign_extended(tmp_path):
    volume = np.array([[[-2048, -1024, -1], [0, 1000, 2047]]] * 2, dtype=np.int16)

    def hook(k, ds):
        ds.BitsStored, ds.HighBit = 12, 11

    written = write_ct_series(tmp_path / "native", volume=volume, rescale_intercept=0,
                              slice_hook=hook)
    _jpeg_copy(written, tmp_path / "jpeg")
    np.testing.assert_array_equal(load_series(tmp_path / "jpeg").volume, volume)


@pytest.mark.parametrize("selection_value", [2, 3, 4, 5, 6, 7])
def test_process_14_other_predictors(tmp_path, selection_value):
    written = write_ct_series(tmp_path / "native", volume=_edge_volume()[:2],
                              rescale_intercept=0)
    paths = _jpeg_copy(written, tmp_path / "jpeg", selection_value)
    assert pydicom.dcmread(paths[0]).file_meta.TransferSyntaxUID == JPEGLossless
    np.testing.assert_array_equal(load_series(tmp_path / "jpeg").volume, written.volume)


def test_real_lung_ct_patch_as_sv1(tmp_path):
    files = sorted(LUNG1.glob("*.dcm"))  # CT0001.dcm ... in slice order
    assert len(files) == 48
    k = len(files) // 2
    slices = [pydicom.dcmread(path) for path in files[k - 2:k + 2]]
    hu = np.stack([ds.pixel_array.astype(np.int32) * int(ds.RescaleSlope)
                   + int(ds.RescaleIntercept) for ds in slices])
    j = hu.shape[1] // 2
    patch = hu[:, j - 32:j + 32, 192:256].astype(np.int16)  # lung, soft tissue, bone
    assert patch.min() < -1000 and patch.max() > 700
    slice_spacing = float(slices[0].SpacingBetweenSlices)
    written = write_ct_series(tmp_path / "native", volume=patch,
                              pixel_spacing_mm=tuple(float(v) for v in slices[0].PixelSpacing),
                              slice_spacing_mm=slice_spacing)
    _jpeg_copy(written, tmp_path / "jpeg")
    loaded = load_series(tmp_path / "jpeg")
    np.testing.assert_array_equal(loaded.volume, patch)
    assert loaded.geometry.slice_spacing_mm == pytest.approx(slice_spacing)
