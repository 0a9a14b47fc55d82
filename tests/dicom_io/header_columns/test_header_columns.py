"""Headers read in batches (dicom_io.header_batch, dicom_io.header_columns) are the headers
read one by one, and a scan gives the same inventory either way, on plain series and on
files damaged by the fuzzer's mutations."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest
from fuzz.fuzzer import (
    mutate_bytes,
    mutate_length,
    mutate_plant,
    mutate_syntax,
    mutate_tag,
    mutate_truncate,
    mutate_vr,
)
from pydicom.uid import ImplicitVRLittleEndian, RLELossless

from dicom_io import discover, discover_series
from dicom_io.discover import read_slice_header
from dicom_io.fast_header import read_raw_header
from dicom_io.header_batch import read_raw_headers
from dicom_io.header_columns import read_slice_headers
from dicom_io.testing import write_ct_series

MUTATIONS = [mutate_bytes, mutate_length, mutate_vr, mutate_tag, mutate_syntax,
             mutate_truncate, mutate_plant]


def _odd_values(k, ds):
    """Slice-by-slice values the batch leaves to the one-by-one reader (or reads alike)."""
    if k == 0:
        ds.ImagePositionPatient = "1\\2"  # two values, three expected
    elif k == 1:
        ds.SeriesDescription = "Thorax nativ Lunge ä"  # not ASCII
        ds.SpecificCharacterSet = "ISO_IR 100"
    elif k == 2:
        del ds.SOPInstanceUID
    elif k == 3:
        ds.InstanceNumber = "3\\4"
    elif k == 4:
        ds.SliceThickness = "+1E1"
    elif k == 5:
        ds.ImageType = "ORIGINAL\\ PRIMARY \\\\AXIAL"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, list[Path]]:
    root = tmp_path_factory.mktemp("corpus")
    plain = write_ct_series(root / "plain", (70, 6, 6), seed="plain").paths
    rle = write_ct_series(root / "rle", (8, 6, 6), seed="rle", transfer_syntax=RLELossless).paths
    implicit = write_ct_series(root / "implicit", (3, 6, 6), seed="implicit",
                               transfer_syntax=ImplicitVRLittleEndian).paths
    odd = write_ct_series(root / "odd", (6, 6, 6), seed="odd", slice_hook=_odd_values).paths
    rng = random.Random(15)
    mutated = []
    (root / "mutated").mkdir()
    for k in range(210):
        mutation = MUTATIONS[k % len(MUTATIONS)]
        data, _ = mutation(rng, plain[k % len(plain)].read_bytes())
        path = root / "mutated" / f"M{k:03d}.dcm"
        path.write_bytes(data)
        mutated.append(path)
    return {"plain": list(plain), "rle": list(rle), "implicit": list(implicit),
            "odd": list(odd), "mutated": mutated}


def _all(corpus) -> list[Path]:
    return [path for paths in corpus.values() for path in paths]


def _fields(header) -> dict[str, object]:
    values = {f.name: getattr(header, f.name) for f in dataclasses.fields(header)}
    for key in ("position_mm", "orientation"):
        if values[key] is not None:
            assert values[key].dtype == np.float64
            values[key] = values[key].tolist()
    return values


def test_batch_raw_headers_are_the_fast_readers(corpus):
    paths = _all(corpus)
    batched = read_raw_headers(paths)
    for path, raw in zip(paths, batched):
        if raw is not None:
            assert raw == read_raw_header(path), path.name
    read = {path for path, raw in zip(paths, batched) if raw is not None}
    assert set(corpus["plain"]) | set(corpus["rle"]) <= read
    assert not read & set(corpus["implicit"])  # implicit VR: read one by one
    assert 50 < len(read & set(corpus["mutated"])) < 200  # some damage is in pixel data


def test_batch_slice_headers_are_read_slice_headers(corpus):
    paths = _all(corpus)
    headers = read_slice_headers(paths, [path.name for path in paths])
    for path, header in zip(paths, headers):
        if header is not None:
            assert _fields(header) == _fields(read_slice_header(path, path.name)), path.name
    read = {path for path, header in zip(paths, headers) if header is not None}
    assert set(corpus["plain"]) | set(corpus["rle"]) <= read
    odd = corpus["odd"]
    # Wrong value counts and no SOP Instance UID: left to read_slice_header's errors;
    # text outside ASCII: to its decoding. The others read here, as alone.
    assert [path in read for path in odd] == [False, False, False, False, True, True]
    assert headers[paths.index(odd[4])].slice_thickness_mm == 10.0
    assert headers[paths.index(odd[5])].image_type == ("ORIGINAL", "PRIMARY", "AXIAL")


def _one_by_one(found, entries):
    for path, name, regular, _ in entries:
        found.read(path, name, regular)


def _inventory(inventory) -> dict[str, object]:
    return {
        "series": [(record.series_instance_uid, record.verdict, record.notes,
                    [_fields(h) for h in record.headers]) for record in inventory.series],
        "unreadable": [(str(e), e.path, e.sop_instance_uid, e.keyword)
                       for e in inventory.unreadable],
        "other": (inventory.n_files, inventory.n_skipped_non_dicom,
                  inventory.skipped_examples, inventory.special, inventory.notes),
    }


@pytest.mark.parametrize("folder", ["plain", "mutated", ""])
def test_scan_in_batches_is_the_scan_one_by_one(corpus, monkeypatch, folder):
    root = corpus["plain"][0].parents[1] / folder
    batched = discover_series(root)
    monkeypatch.setattr(discover, "_read_all", _one_by_one)
    alone = discover_series(root)
    assert _inventory(batched) == _inventory(alone)
    assert batched.n_files >= 70


def test_an_unsigned_short_shorter_than_2_bytes_is_read_as_alone(tmp_path):
    # read_raw_header keeps such an element's keyword with None; the batch leaves the file
    # to it (its columns hold None for "absent"), so both give the same RawHeader
    def empty_bits_stored(k, ds):
        if k == 1:
            ds.BitsStored = None  # written as US with length 0

    paths = write_ct_series(tmp_path, (3, 6, 6), seed="us", slice_hook=empty_bits_stored).paths
    alone = [read_raw_header(path) for path in paths]
    assert alone[1] is not None and "BitsStored" in alone[1].values
    assert alone[1].values["BitsStored"] is None
    batched = read_raw_headers(paths)
    assert batched[1] is None  # to be read on its own
    assert batched[0] == alone[0] and batched[2] == alone[2]
    headers = read_slice_headers(paths, [path.name for path in paths])
    assert headers[1] is None
    assert _fields(headers[0]) == _fields(read_slice_header(paths[0], paths[0].name))


def test_batch_walk_stops_and_leaves_as_alone(tmp_path):
    # The batch walk tests only its stop (value beyond the first read, PixelData's group)
    # while walking and finds the other ways of leaving afterwards: group 7FE0 elements
    # before PixelData are walked on; a meta element inside the dataset, a sequence of
    # undefined length and an unknown VR leave the batch, as alone
    def odd(k, ds):
        if k == 1:
            ds.ExtendedOffsetTable = bytes(8)  # (7FE0,0001), before PixelData
            ds.ExtendedOffsetTableLengths = bytes(8)  # (7FE0,0002)

    paths = write_ct_series(tmp_path, (6, 6, 6), seed="walk", transfer_syntax=RLELossless,
                            slice_hook=odd).paths
    data = [bytearray(path.read_bytes()) for path in paths]
    meta_tag = bytes.fromhex("02001600")  # (0002,0016) as little-endian group, element
    at = data[2].index(b"\x08\x00\x60\x00CS")  # Modality -> a meta tag
    data[2][at:at + 4] = meta_tag
    at = data[3].index(b"\x08\x00\x60\x00CS")  # Modality -> an unknown VR
    data[3][at + 4:at + 6] = b"ZZ"
    at = data[4].index(b"\x08\x00\x3e\x10LO")  # SeriesDescription -> UN, undefined length
    data[4][at + 4:at + 12] = b"UN\x00\x00\xff\xff\xff\xff"
    for path, raw in zip(paths[2:5], data[2:5]):
        path.write_bytes(bytes(raw))
    batched = read_raw_headers(paths)
    assert [raw is not None for raw in batched] == [True, True, False, False, False, True]
    for path, raw in zip(paths, batched):
        if raw is not None:
            assert raw == read_raw_header(path)
    assert batched[1].pixel_data_offset > batched[0].pixel_data_offset + 24


def test_encapsulated_pixel_data_checked_from_the_reads_as_alone(tmp_path, monkeypatch):
    # The batch checks an encapsulated PixelData's items from the first read and the
    # file's last 8 bytes (read ahead); where they do not suffice it opens the file, as
    # alone. Truncated or damaged items leave the file to read_raw_header's error.
    from dicom_io import header_batch

    paths = write_ct_series(tmp_path, (5, 128, 128), seed="frag", transfer_syntax=RLELossless).paths
    data = [path.read_bytes() for path in paths]
    assert min(len(raw) for raw in data) > 3 * 4096  # items beyond the first read
    assert data[0].endswith(b"\xfe\xff\xdd\xe0\x00\x00\x00\x00")  # the sequence delimiter
    paths[1].write_bytes(data[1][:-40])  # cut inside the fragment
    paths[2].write_bytes(data[2][:-8] + b"\xfe\xff\x00\xe0\x00\x00\x00\x00")  # an item
    paths[3].write_bytes(data[3] + bytes(6))  # padding after the delimiter: not at the end
    opened = []
    check = header_batch._check_fragments
    monkeypatch.setattr(header_batch, "_check_fragments",
                        lambda descriptor, *rest: opened.append(rest) or check(descriptor, *rest))
    batched = read_raw_headers(paths)
    assert [raw is not None for raw in batched] == [True, False, False, True, True]
    assert len(opened) == 1  # only the padded file, whose delimiter is not its last bytes
    for path, raw in zip(paths, batched):
        if raw is not None:
            assert raw == read_raw_header(path)
    for path in paths[1:3]:
        with pytest.raises(EOFError):
            read_raw_header(path)


def test_batch_texts_leave_the_first_reads_as_they_were():
    from dicom_io.header_batch import _WIDTH, _texts

    flat = np.zeros(2 * _WIDTH, dtype=np.uint8)
    flat[140:146] = np.frombuffer(b" AB C\x00", dtype=np.uint8)
    flat[_WIDTH + 200:_WIDTH + 203] = np.frombuffer(b"1.2", dtype=np.uint8)
    flat[_WIDTH + 203] = 0x7F  # the next element's first byte
    before = flat.copy()
    files, starts, lengths = np.array([0, 1, 1]), np.array([140, 200, 203]), np.array([6, 3, 0])
    values, good = _texts(flat, files, starts, lengths)
    assert values == ["AB C", "1.2", ""] and good.all()
    np.testing.assert_array_equal(flat, before)
    flat[141] = 0x0A  # a line break inside a value: not printable, read alone
    values, good = _texts(flat, files, starts, lengths)
    assert values == [None, "1.2", ""] and good.tolist() == [False, True, True]


def test_batch_integers_and_dates_as_alone(tmp_path):
    # the columns' shortcuts (no other date in any file, every IS value plain digits)
    # and their general paths give read_slice_header's fields
    def hook(k, ds):
        if k == 1:
            ds.SeriesDate, ds.ContentDate = "20240101", "20240102"
        elif k == 2:
            ds.AcquisitionDate = "20240103"
            ds.InstanceNumber = "+7"
        elif k == 3:
            ds.SeriesNumber = "0012"

    paths = write_ct_series(tmp_path, (5, 6, 6), seed="dates", slice_hook=hook).paths
    for chosen in (paths, paths[3:], [paths[0], paths[4]]):
        headers = read_slice_headers(chosen, [path.name for path in chosen])
        assert all(header is not None for header in headers)
        for path, header in zip(chosen, headers):
            assert _fields(header) == _fields(read_slice_header(path, path.name)), path.name
    headers = read_slice_headers(paths, [path.name for path in paths])
    assert headers[1].other_dates == (("SeriesDate", "20240101"), ("ContentDate", "20240102"))
    assert headers[2].instance_number == 7 and headers[3].series_number == 12
    assert headers[0].other_dates == ()


def test_the_syntax_guess_reads_ahead_for_encapsulated_files_only(tmp_path):
    # _first_reads reads an encapsulated file's last bytes ahead; the guess remembers the
    # last syntax element, and a file with other bytes there is searched again
    from dicom_io.header_batch import _SyntaxGuess

    native = write_ct_series(tmp_path / "native", (2, 4, 4), seed="guess").paths
    rle = write_ct_series(tmp_path / "rle", (2, 4, 4), seed="guess",
                          transfer_syntax=RLELossless).paths
    guess = _SyntaxGuess()
    firsts = [memoryview(path.read_bytes()[:1024]) for path in (*native, *rle, native[0])]
    assert [guess.encapsulated(first) for first in firsts] == [False, False, True, True, False]
    assert not guess.encapsulated(memoryview(bytes(1024)))  # no syntax element: native


def test_one_fragment_files_decided_from_the_reads_as_walk_fragments(tmp_path, monkeypatch):
    # The common encapsulated layout (offset table, one fragment, the delimiter last) is
    # decided in one array step; other layouts and damaged items are walked file by file,
    # and every batched header is the one read alone
    from dicom_io import header_batch

    paths = write_ct_series(tmp_path, (6, 64, 64), seed="one", transfer_syntax=RLELossless).paths
    data = [path.read_bytes() for path in paths]
    at = [read_raw_header(path).pixel_data_offset for path in paths]
    item, table = b"\xfe\xff\x00\xe0", b"\x04\x00\x00\x00" + bytes(4)  # one frame at 0
    assert all(raw[a:a + 12] == item + table for raw, a in zip(data, at))
    # 1: an empty offset table (still the common layout)
    paths[1].write_bytes(data[1][:at[1] + 4] + bytes(4) + data[1][at[1] + 12:])
    # 2: the fragment's length undefined; 3: the offset table's length beyond the file
    paths[2].write_bytes(data[2][:at[2] + 16] + b"\xff\xff\xff\xff" + data[2][at[2] + 20:])
    paths[3].write_bytes(data[3][:at[3] + 4] + b"\x00\x00\x00\x7f" + data[3][at[3] + 8:])
    # 4: two fragments (walked file by file, complete)
    fragment = data[4][at[4] + 20:-8]
    half = len(fragment) // 2
    paths[4].write_bytes(data[4][:at[4] + 12] + item + half.to_bytes(4, "little")
                         + fragment[:half] + item
                         + (len(fragment) - half).to_bytes(4, "little") + fragment[half:]
                         + data[4][-8:])
    walked = []
    complete = header_batch._fragments_complete
    monkeypatch.setattr(header_batch, "_fragments_complete",
                        lambda path, *rest: walked.append(path) or complete(path, *rest))
    batched = read_raw_headers(paths)
    assert [raw is not None for raw in batched] == [True, True, False, False, True, True]
    assert sorted(walked) == sorted(paths[2:5])  # the others decided from the reads
    for path, raw in zip(paths, batched):
        if raw is not None:
            assert raw == read_raw_header(path)
    for path in paths[2:4]:
        with pytest.raises(EOFError):
            read_raw_header(path)


def test_batch_numbers_shared_by_files_parsed_once_as_alone(tmp_path):
    # most files share their orientation, spacing and rescale texts (each distinct text
    # parsed once); a few differ in text only ("1.0" for "1") or in value
    def hook(k, ds):
        if k == 1:
            ds.ImageOrientationPatient = "1.0\\0\\0\\0\\1\\0"
            ds.RescaleSlope = "1.00"
        elif k == 3:
            ds.PixelSpacing = "0.5\\0.75"
            ds.RescaleIntercept = "-1000.5"
        elif k == 5:  # the last file: its first and last slopes differ
            ds.RescaleSlope = "2"

    paths = write_ct_series(tmp_path, (6, 6, 6), seed="shared", slice_hook=hook).paths
    headers = read_slice_headers(paths, [path.name for path in paths])
    assert all(header is not None for header in headers)
    for path, header in zip(paths, headers):
        assert _fields(header) == _fields(read_slice_header(path, path.name)), path.name
    assert headers[3].pixel_spacing_mm == (0.5, 0.75) != headers[2].pixel_spacing_mm
    assert headers[3].rescale_intercept == -1000.5 != headers[4].rescale_intercept
    assert [h.rescale_slope for h in headers] == [1.0] * 5 + [2.0]
    # fields shared by every file are copied from one dict: every field, in one order
    order = list(vars(headers[0]))
    assert sorted(order) == sorted(f.name for f in dataclasses.fields(discover.SliceHeader))
    assert all(list(vars(header)) == order for header in headers)
    assert len({id(header.position_mm) for header in headers}) == len(headers)
    assert [h.position_mm[2] for h in headers] == sorted({h.position_mm[2] for h in headers})
