"""load_series round-trips the factories' known volumes and geometry."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

from dicom_io import DicomInputError, LoadedSeries, SeriesGeometry, discover_series, load_series
from dicom_io.testing import (
    write_ct_series,
    write_non_dicom_file,
    write_series_with_localizer,
    write_shuffled_series,
    write_two_series,
)

OBLIQUE = (0.8, 0.6, 0.0, -0.48, 0.64, 0.6)  # orthonormal, not axial


def _assert_same_geometry(loaded: SeriesGeometry, expected: SeriesGeometry) -> None:
    assert loaded.shape == expected.shape
    np.testing.assert_allclose(loaded.affine(), expected.affine(), atol=1e-6)
    np.testing.assert_allclose(loaded.slice_positions_mm, expected.slice_positions_mm,
                               atol=1e-6)
    assert loaded.pixel_spacing_mm == expected.pixel_spacing_mm
    assert loaded.sop_instance_uids == expected.sop_instance_uids
    assert loaded.series_instance_uid == expected.series_instance_uid
    assert loaded.study_instance_uid == expected.study_instance_uid


@pytest.mark.parametrize("transfer_syntax", [None, RLELossless, JPEG2000Lossless,
                                             JPEGLSLossless],
                         ids=["explicit-le", "rle", "jpeg2000-lossless", "jpeg-ls-lossless"])
def test_shuffled_oblique_anisotropic_round_trip(tmp_path, transfer_syntax):
    kwargs = {} if transfer_syntax is None else {"transfer_syntax": transfer_syntax}
    # JPEG 2000 (openjpeg) needs at least 32 x 32 pixels.
    written = write_shuffled_series(tmp_path, shape=(6, 32, 40), orientation=OBLIQUE,
                                    pixel_spacing_mm=(0.5, 0.9), slice_spacing_mm=3.0,
                                    **kwargs)
    loaded = load_series(tmp_path)
    assert isinstance(loaded, LoadedSeries)
    assert loaded.volume.dtype == np.int16
    np.testing.assert_array_equal(loaded.volume, written.volume)
    _assert_same_geometry(loaded.geometry, written.geometry)
    assert loaded.geometry.slice_spacing_mm == pytest.approx(3.0)
    assert loaded.info.study_date == "2024-01-15"
    assert loaded.info["modality"] == "CT"
    assert loaded.notes == ()


def test_slices_are_ordered_by_position_not_name_or_instance_number(tmp_path):
    written = write_shuffled_series(tmp_path, shape=(5, 4, 4))
    loaded = load_series(tmp_path)
    along = loaded.geometry.slice_positions_mm @ loaded.geometry.slice_direction
    assert np.all(np.diff(along) > 0)
    names = sorted(p.name for p in written.paths)
    assert [p.name for p in written.paths] != names  # file names do not follow position
    np.testing.assert_array_equal(loaded.volume, written.volume)


def test_descending_positions_are_sorted_ascending(tmp_path):
    # Positions written in decreasing z: slice 0 of the file order is the top slice.
    positions = np.array([[0.0, 0.0, -10.0 * k] for k in range(4)])
    volume = np.arange(4 * 3 * 3, dtype=np.int16).reshape(4, 3, 3)
    write_ct_series(tmp_path, volume=volume, slice_positions_mm=positions)
    loaded = load_series(tmp_path)
    np.testing.assert_array_equal(loaded.volume, volume[::-1])
    np.testing.assert_allclose(loaded.geometry.origin_mm, [0, 0, -30])
    assert loaded.geometry.slice_spacing_mm == pytest.approx(10.0)


def test_non_integral_rescale_gives_float32(tmp_path):
    written = write_ct_series(tmp_path, shape=(3, 5, 6), rescale_slope=0.5,
                              rescale_intercept=-1000.25)
    loaded = load_series(tmp_path)
    assert loaded.volume.dtype == np.float32
    np.testing.assert_allclose(loaded.volume, written.volume, atol=1e-3)


def test_unsigned_storage_with_intercept_gives_int16_hu(tmp_path):
    volume = np.array([[[-1024, 0], [3071, 40]]] * 3, dtype=np.int16)
    write_ct_series(tmp_path, volume=volume, pixel_representation=0,
                    rescale_intercept=-1024)
    loaded = load_series(tmp_path)
    assert loaded.volume.dtype == np.int16
    np.testing.assert_array_equal(loaded.volume, volume)


def test_hu_outside_int16_falls_back_to_float32(tmp_path):
    # Stored 30000 with slope 2 is 60000 HU: not an int16 value.
    volume = np.full((2, 2, 2), 60000 - 1024, dtype=np.float64)
    volume[0] = -1024
    write_ct_series(tmp_path, volume=volume, rescale_slope=2.0, rescale_intercept=-1024)
    loaded = load_series(tmp_path)
    assert loaded.volume.dtype == np.float32
    np.testing.assert_array_equal(loaded.volume, volume.astype(np.float32))


def test_bits_stored_12_signed_values_are_sign_extended(tmp_path):
    volume = np.array([[[-1024, -1], [1000, 2047]]] * 2, dtype=np.int16)

    def hook(k, ds):
        ds.BitsStored, ds.HighBit = 12, 11
        # Garbage in the 4 unused high bits must be ignored (sign taken from bit 11).
        stored = np.frombuffer(ds.PixelData, dtype=np.int16).copy()
        ds.PixelData = ((stored.view(np.uint16) & 0x0FFF) | 0x5000).astype(np.uint16).tobytes()

    write_ct_series(tmp_path, volume=volume, rescale_intercept=0, slice_hook=hook)
    np.testing.assert_array_equal(load_series(tmp_path).volume, volume)


def test_single_file_zip_and_series_uid_choice(tmp_path):
    first, second = write_two_series(tmp_path / "two")
    write_non_dicom_file(tmp_path / "two")
    chosen = load_series(tmp_path / "two", series_uid=second.series_instance_uid)
    np.testing.assert_array_equal(chosen.volume, second.volume)
    one = load_series(first.paths[2])
    assert one.volume.shape == (1, 8, 8)
    np.testing.assert_array_equal(one.volume[0], first.volume[2])
    archive = tmp_path / "series.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in first.paths:
            zf.write(path, f"CT/{path.name}")
    loaded = load_series(archive)
    np.testing.assert_array_equal(loaded.volume, first.volume)
    inventory = discover_series(archive)
    assert [r.n_files for r in inventory.series] == [5]
    assert inventory.series[0].headers[0].name == "series.zip:CT/A001.dcm"


def test_localizer_is_excluded_with_a_note(tmp_path):
    written = write_series_with_localizer(tmp_path, shape=(4, 6, 6))
    loaded = load_series(tmp_path)
    np.testing.assert_array_equal(loaded.volume, written.volume)
    assert len(loaded.notes) == 1
    assert loaded.notes[0].startswith("excluded 1 localizer/scout image(s) from series")
    assert loaded.notes[0].endswith("SCOUT.dcm")


def test_untagged_orthogonal_scout_is_excluded(tmp_path):
    written = write_ct_series(tmp_path, shape=(6, 6, 6))

    def hook(k, ds):
        ds.ImageOrientationPatient = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0]  # sagittal
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4.5.6"

    write_ct_series(tmp_path, shape=(1, 6, 6), file_name="SAG.dcm", slice_hook=hook)
    loaded = load_series(tmp_path)
    np.testing.assert_array_equal(loaded.volume, written.volume)
    assert "SAG.dcm" in loaded.notes[0]


def test_dicomdir_lists_the_images(tmp_path):
    from dicom_io.testing import write_dicomdir_media

    written = write_ct_series(tmp_path / "src", shape=(3, 4, 4))
    assert write_dicomdir_media(tmp_path / "media", written).exists()
    inventory = discover_series(tmp_path / "media")
    assert inventory.dicomdir == "DICOMDIR" and not inventory.dicomdir_found
    assert [r.n_files for r in inventory.series] == [3]
    np.testing.assert_array_equal(load_series(tmp_path / "media").volume, written.volume)


def test_inputs_are_not_modified(tmp_path):
    written = write_shuffled_series(tmp_path, shape=(4, 4, 4))
    before = {p: p.read_bytes() for p in written.paths}
    load_series(tmp_path)
    discover_series(tmp_path)
    assert {p: p.read_bytes() for p in written.paths} == before


def test_to_sitk_image_matches_geometry(tmp_path):
    write_ct_series(tmp_path, shape=(3, 5, 7), orientation=OBLIQUE, pixel_spacing_mm=(0.5, 0.8))
    loaded = load_series(tmp_path)
    image = loaded.to_sitk_image()
    assert image.GetSize() == (7, 5, 3)
    np.testing.assert_allclose(image.TransformIndexToPhysicalPoint((6, 4, 2)),
                               loaded.geometry.voxel_to_patient_mm([2, 4, 6]), atol=1e-9)


def test_sequential_and_process_decoding_agree(tmp_path, monkeypatch):
    from dicom_io import series

    written = write_ct_series(tmp_path, shape=(17, 16, 16), transfer_syntax=RLELossless)
    monkeypatch.setattr(series, "PROCESS_MIN_SLICES", 4)
    monkeypatch.setattr(series, "_other_threads_running", lambda: False)
    plan = series.plan_stack(discover_series(tmp_path).series[0])
    assert series._use_processes(plan, None) >= 1
    assert series._use_processes(plan, 2) == 2  # at least 8 slices per process
    assert series._use_processes(plan, 5) == 2
    assert series._use_processes(plan, 1) == 0
    a = load_series(tmp_path, workers=1).volume
    b = series.read_volume(plan, workers=2)
    np.testing.assert_array_equal(a, written.volume)
    np.testing.assert_array_equal(b, written.volume)


def test_corrupt_compressed_frame_is_named_from_a_worker_process(tmp_path, monkeypatch):
    from dicom_io import series

    written = write_ct_series(tmp_path, shape=(16, 16, 16), transfer_syntax=RLELossless)
    broken = written.paths[5]
    data = bytearray(broken.read_bytes())
    header = series.plan_stack(discover_series(tmp_path).series[0]).headers[5]
    # Point the second RLE segment (offset at bytes 8-11 of the frame's 64-byte RLE header,
    # after the basic offset table item) past the end of the frame: decoders refuse it.
    offset = header.pixel_data_offset
    table_length = int.from_bytes(data[offset + 4:offset + 8], "little")
    fragment = offset + 8 + table_length + 8
    assert int.from_bytes(data[fragment:fragment + 4], "little") == 2  # two byte segments
    data[fragment + 8:fragment + 12] = (0xFFFF).to_bytes(4, "little")
    broken.write_bytes(bytes(data))
    monkeypatch.setattr(series, "PROCESS_MIN_SLICES", 4)
    monkeypatch.setattr(series, "_other_threads_running", lambda: False)
    for workers in (1, 2):
        with pytest.raises(DicomInputError) as info:
            load_series(tmp_path, workers=workers)
        assert info.value.path == broken
        assert info.value.keyword == "PixelData"
        assert info.value.sop_instance_uid == written.sop_instance_uids[5]
        assert str(info.value).startswith(f"cannot decode the pixels of {broken.name} (SOP "
                                          f"Instance UID {written.sop_instance_uids[5]}):")


def _load_volume(path):
    return load_series(path).volume


def test_load_inside_a_process_pool_worker(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    written = write_ct_series(tmp_path, shape=(40, 8, 8), transfer_syntax=RLELossless)
    with ProcessPoolExecutor(max_workers=1) as pool:
        volume = pool.submit(_load_volume, tmp_path).result(timeout=120)
    np.testing.assert_array_equal(volume, written.volume)


def test_compressed_series_use_every_cpu_whatever_the_load(monkeypatch, tmp_path):
    """No load-average gate: a long compressed series is decoded by one forked process per
    CPU (at most one per 8 slices); workers=1, short or uncompressed series stay here."""
    from dicom_io import series
    from dicom_io.stack import plan_stack

    monkeypatch.setattr(series.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(series.os, "getloadavg", lambda: (9.0, 9.0, 9.0), raising=False)
    # threads left by earlier tests of the session (a thread pool, a server) must not decide
    monkeypatch.setattr(series, "_other_threads_running", lambda: False)
    rle = write_ct_series(tmp_path / "rle", shape=(40, 8, 8), transfer_syntax=RLELossless)
    plan = plan_stack(discover_series(tmp_path / "rle").series[0])
    assert series._use_processes(plan, None) == 4
    assert series._use_processes(plan, 1) == 0
    assert series._use_processes(plan, 2) == 2
    np.testing.assert_array_equal(series.read_volume(plan, workers=None), rle.volume)
    write_ct_series(tmp_path / "native", shape=(40, 8, 8))
    native = plan_stack(discover_series(tmp_path / "native").series[0])
    assert series._use_processes(native, None) == 0


@pytest.mark.parametrize("transfer_syntax", [None, RLELossless], ids=["native", "rle"])
def test_enhanced_ct_frames_are_stacked_by_position(tmp_path, transfer_syntax):
    from dicom_io.testing import write_enhanced_ct

    kwargs = {} if transfer_syntax is None else {"transfer_syntax": transfer_syntax}
    written = write_enhanced_ct(tmp_path, shape=(5, 6, 7), orientation=OBLIQUE,
                                frame_order=[3, 0, 4, 1, 2], **kwargs)
    loaded = load_series(tmp_path)
    np.testing.assert_array_equal(loaded.volume, written.volume)
    _assert_same_geometry(loaded.geometry, written.geometry)
    # Slice k is stored as frame frame_order.index(k) + 1.
    assert loaded.geometry.frame_numbers == (2, 4, 5, 1, 3)
    uid = written.sop_instance_uids[0]
    assert loaded.geometry.slice_index_of(uid, frame_number=5) == 2
    with pytest.raises(DicomInputError, match=r"is a multi-frame image holding 5 slices .*no "
                       r"frame number was given \(frames 1-5\)") as info:
        loaded.geometry.slice_index_of(uid)
    assert info.value.keyword == "ReferencedFrameNumber"
    with pytest.raises(DicomInputError, match="it has no frame 9"):
        loaded.geometry.slice_index_of(uid, frame_number=9)
    record = discover_series(tmp_path).series[0]
    assert (record.verdict, record.n_files, record.n_images) == ("ok", 1, 5)
