"""The fast header reader agrees with pydicom, and falls back to it when it must."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    ExplicitVRBigEndian,
    ImplicitVRLittleEndian,
    JPEGLSLossless,
    RLELossless,
)

from dicom_io import discover, load_series
from dicom_io.discover import read_slice_header
from dicom_io.fast_header import read_raw_header
from dicom_io.testing import write_ct_series


def _with_sequences(undefined: bool):
    def hook(k, ds):
        item = Dataset()
        item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        item.ReferencedSOPInstanceUID = f"1.2.3.{k}"
        nested = Dataset()
        nested.CodeValue, nested.CodingSchemeDesignator = "T-D3000", "SRT"
        item.PurposeOfReferenceCodeSequence = Sequence([nested])
        ds.ReferencedImageSequence = Sequence([item, item])
        ds.PatientName = "Müller^Jürgen"
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.SeriesDescription = "Thorax nativ Lunge ä"
        if undefined:
            ds["ReferencedImageSequence"].is_undefined_length = True
            for element in (item, nested):
                element.is_undefined_length_sequence_item = True
            item["PurposeOfReferenceCodeSequence"].is_undefined_length = True

    return hook


def _long_header(undefined: bool):
    """A header of some 20 KB: a sequence of 150 items and a 6 KB private value before most
    wanted elements, so the reader reads on past its first read and resumes its walk."""

    def hook(k, ds):
        items = []
        for i in range(150):
            item = Dataset()
            item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
            item.ReferencedSOPInstanceUID = f"1.2.3.{k}.{i}"
            items.append(item)
        ds.ReferencedImageSequence = Sequence(items)
        ds.add_new(0x00090010, "LO", "RECIST TEST")
        ds.add_new(0x00091010, "OB", bytes(range(256)) * 24)
        if undefined:
            ds["ReferencedImageSequence"].is_undefined_length = True
            for item in items:
                item.is_undefined_length_sequence_item = True

    return hook


def _fields(header):
    values = dataclasses.asdict(header)
    for key in ("position_mm", "orientation"):
        values[key] = None if values[key] is None else values[key].tolist()
    return values


CASES = {
    "explicit-le": {},
    "implicit-le": {"transfer_syntax": ImplicitVRLittleEndian},
    "rle": {"transfer_syntax": RLELossless},
    "jpeg-ls": {"transfer_syntax": JPEGLSLossless},
    "sequences-defined-length": {"slice_hook": _with_sequences(False)},
    "sequences-undefined-length": {"slice_hook": _with_sequences(True)},
    "implicit-undefined-sequences": {"transfer_syntax": ImplicitVRLittleEndian,
                                     "slice_hook": _with_sequences(True)},
    "long-header": {"slice_hook": _long_header(False)},
    "long-header-undefined": {"slice_hook": _long_header(True)},
    "long-header-implicit": {"transfer_syntax": ImplicitVRLittleEndian,
                             "slice_hook": _long_header(True)},
    "long-header-rle": {"transfer_syntax": RLELossless, "slice_hook": _long_header(False)},
}


@pytest.mark.parametrize("kwargs", CASES.values(), ids=CASES.keys())
def test_fast_reader_agrees_with_pydicom(tmp_path, monkeypatch, kwargs):
    written = write_ct_series(tmp_path, shape=(2, 8, 8), orientation=(0.8, 0.6, 0, -0.6, 0.8, 0),
                              pixel_spacing_mm=(0.5, 0.75), **kwargs)
    path = written.paths[1]
    raw = read_raw_header(path)
    assert raw is not None  # the fast path handles it
    if "long" in str(kwargs.get("slice_hook")):
        assert (raw.pixel_data_offset or 0) > 16_000  # read on past the first read
    fast = read_slice_header(path)
    monkeypatch.setattr(discover, "read_raw_header", lambda p, **_: None)
    slow = read_slice_header(path)
    fast_fields, slow_fields = _fields(fast), _fields(slow)
    if not fast.is_native:  # only the fast reader knows where compressed pixel data starts
        assert fast_fields.pop("pixel_data_offset") > 0
        assert slow_fields.pop("pixel_data_offset") is None
    assert fast_fields == slow_fields
    assert fast.sop_instance_uid == written.sop_instance_uids[1]
    assert fast.pixel_spacing_mm == (0.5, 0.75)
    np.testing.assert_allclose(fast.position_mm, written.geometry.slice_positions_mm[1])
    if "_with_sequences" in str(kwargs.get("slice_hook")):
        assert fast.series_description == "Thorax nativ Lunge ä"
    monkeypatch.undo()
    np.testing.assert_array_equal(load_series(tmp_path).volume, written.volume)


def test_big_endian_falls_back_to_pydicom(tmp_path):
    written = write_ct_series(tmp_path, shape=(3, 4, 5), transfer_syntax=ExplicitVRBigEndian)
    assert read_raw_header(written.paths[0]) is None
    header = read_slice_header(written.paths[0])
    assert header.rows == 4 and header.columns == 5
    np.testing.assert_array_equal(load_series(tmp_path).volume, written.volume)


def test_file_without_preamble_falls_back_and_loads(tmp_path):
    written = write_ct_series(tmp_path, shape=(2, 4, 4))
    path = written.paths[0]
    path.write_bytes(b"\x00" * 128 + b"XXXX" + path.read_bytes()[132:])
    assert read_raw_header(path) is None


@pytest.mark.parametrize("content", [b"", b"100 512", b"\x00" * 128 + b"DIC",
                                     b"\x00" * 128 + b"XXXX" + bytes(300)])
def test_file_without_dicm_prefix_is_not_dicom_without_pydicom(tmp_path, monkeypatch,
                                                                 content):
    # pydicom (force=False) refuses a file without the DICM prefix; read_slice_header says
    # so without it (0.4 ms a stray file), and pydicom agrees on each of these files
    import pydicom
    from pydicom.errors import InvalidDicomError

    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    with pytest.raises(InvalidDicomError):
        pydicom.dcmread(path, defer_size=256)
    monkeypatch.setattr(discover.pydicom, "dcmread", lambda *a, **k: pytest.fail("read"))
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    with pytest.raises(InvalidDicomError) as refused:
        read_slice_header(path)
    assert opened == [path]  # opened once: the fast reader's first read says it
    assert str(refused.value) == (
        "notes.txt is not a DICOM file (no 'DICM' prefix after its 128-byte preamble, "
        "PS3.10 7.1): move it out of the series folder, or export the image again as a "
        "DICOM Part 10 file")
