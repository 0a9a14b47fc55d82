"""Every broken series is refused with one DicomInputError naming file, UID and element."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dicom_io import DicomInputError, discover_series, load_series
from dicom_io import testing as factories
from dicom_io.testing import truncate_file, write_ct_series, write_non_dicom_file

# (id, factory, index of the file the error must name, keyword, message fragments)
CASES = [
    ("missing-slice", factories.write_series_missing_slice, 3, "ImagePositionPatient",
     [r"about 1 slice\(s\) missing between IM0002\.dcm \(SOP Instance UID \S+\) and IM0004",
      r"they are 5\.000 mm apart, the median slice spacing is 2\.500 mm",
      r"Copy the complete series again"]),
    ("duplicate-position", factories.write_series_duplicate_position, 3,
     "ImagePositionPatient",
     [r"two slices share position -45\.000 mm along the slice normal — IM0003\.dcm",
      r"and IM0004\.dcm", r"split the series by AcquisitionNumber"]),
    ("nonuniform-spacing", factories.write_series_nonuniform_spacing, 2,
     "ImagePositionPatient",
     [r"slice spacing is not uniform — IM0002\.dcm .* and IM0003\.dcm .* are 2\.500 mm apart",
      r"the median step is 3\.500 mm \(tolerance 1%\)", r"Resample the series"]),
    ("gantry-tilt", factories.write_gantry_tilted_series, 4, "ImagePositionPatient",
     [(r"not stacked along their normal \(sheared stack, e\.g\. gantry tilt of about 15\.0 "
       r"degrees\) — IM0005\.dcm .* lies 2\.59 mm off the normal through IM0001\.dcm")]),
    ("mixed-orientation", factories.write_series_mixed_orientation, 2,
     "ImageOrientationPatient",
     [(r"\(0020,0037\) ImageOrientationPatient differs — IM0003\.dcm \(SOP Instance UID \S+\) "
       r"has 0\.984808\\0\.173648\\0\\-0\.173648\\0\.984808\\0, IM0001\.dcm has 1\\0\\0\\0\\1\\0"),
      r"Load the slices as separate series"]),
    ("no-pixel-spacing", factories.write_series_without_pixel_spacing, 1, "PixelSpacing",
     [r"IM0002\.dcm \(SOP Instance UID \S+\) has no PixelSpacing, which is required"]),
    ("mixed-pixel-spacing", factories.write_series_mixed_spacing, 2, "PixelSpacing",
     [(r"\(0028,0030\) PixelSpacing differs — IM0003\.dcm \(SOP Instance UID \S+\) has "
       r"0\.8\\0\.8 mm, IM0001\.dcm has 0\.7\\0\.7 mm\. Load them as separate series")]),
    ("mixed-matrix", factories.write_series_mixed_matrix, 2, "Rows",
     [(r"the matrix size differs — IM0003\.dcm \(SOP Instance UID \S+\) is 7x8 \(Rows x "
       r"Columns\), IM0001\.dcm is 8x8")]),
]


@pytest.mark.parametrize(("factory", "index", "keyword", "patterns"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_stack_is_refused(tmp_path, factory, index, keyword, patterns):
    written = factory(tmp_path)
    with pytest.raises(DicomInputError) as info:
        load_series(tmp_path)
    error = info.value
    message = str(error)
    assert message.startswith(f"cannot stack series {written.series_instance_uid[:12]}…")
    for pattern in patterns:
        assert re.search(pattern, message), (pattern, message)
    assert error.keyword == keyword
    assert error.sop_instance_uid == written.geometry.sop_instance_uids[index]
    assert error.path.name == f"IM{index + 1:04d}.dcm"
    assert "SYNTH-001" not in message and "Synthetic" not in message  # no PatientID/Name
    # The scan reports the same problem as the series' verdict, without failing.
    record = discover_series(tmp_path).series[0]
    assert record.verdict != "ok" and record.verdict in message


def test_two_series_without_choice_lists_them(tmp_path):
    first, second = factories.write_two_series(tmp_path)
    with pytest.raises(DicomInputError) as info:
        load_series(tmp_path)
    message = str(info.value)
    assert info.value.keyword == "SeriesInstanceUID"
    assert info.value.path == tmp_path
    assert f"{tmp_path} holds 2 image series and none was chosen" in message
    assert f"{first.series_instance_uid} 'thorax 2.5 mm' CT 5 file(s)" in message
    assert f"{second.series_instance_uid} 'thorax 5 mm' CT 3 file(s)" in message
    assert "--series-uid" in message


def test_unknown_series_uid_lists_what_is_there(tmp_path):
    written = write_ct_series(tmp_path, shape=(2, 4, 4))
    with pytest.raises(DicomInputError, match=r"series 9\.9 is not in .*Series found: "
                       + re.escape(written.series_instance_uid)) as info:
        load_series(tmp_path, series_uid="9.9")
    assert info.value.keyword == "SeriesInstanceUID"


def test_enhanced_ct_without_functional_groups_is_refused(tmp_path):
    written = factories.write_enhanced_ct(tmp_path, with_functional_groups=False)
    with pytest.raises(DicomInputError) as info:
        load_series(tmp_path)
    assert info.value.keyword == "PerFrameFunctionalGroupsSequence"
    assert info.value.path == written.paths[0]
    assert info.value.sop_instance_uid == written.sop_instance_uids[0]
    assert str(info.value) == (
        f"cannot read the frames of ENHANCED.dcm (SOP Instance UID "
        f"{written.sop_instance_uids[0]}): (5200,9230) PerFrameFunctionalGroupsSequence has "
        "0 item(s), NumberOfFrames is 4. Re-export the object, or export the series as "
        "single-frame images.")


@pytest.mark.parametrize("keep_fraction", [0.1, 0.6, 0.99])
@pytest.mark.parametrize("transfer_syntax", [None, "1.2.840.10008.1.2.5"], ids=["native", "rle"])
def test_truncated_file_is_named(tmp_path, keep_fraction, transfer_syntax):
    kwargs = {} if transfer_syntax is None else {"transfer_syntax": transfer_syntax}
    written = write_ct_series(tmp_path, shape=(3, 32, 32), **kwargs)
    truncate_file(written.paths[1], keep_fraction)
    with pytest.raises(DicomInputError) as info:
        load_series(tmp_path)
    assert info.value.path == written.paths[1]
    assert str(info.value).startswith("cannot read DICOM file IM0002.dcm")
    assert "truncated" in str(info.value)
    inventory = discover_series(tmp_path)
    assert [e.path for e in inventory.unreadable] == [written.paths[1]]


def test_non_dicom_files_are_counted_and_skipped(tmp_path):
    written = write_ct_series(tmp_path, shape=(3, 4, 4))
    write_non_dicom_file(tmp_path)
    (tmp_path / "thumbs.db").write_bytes(b"\x00" * 300)
    inventory = discover_series(tmp_path)
    assert inventory.n_skipped_non_dicom == 2
    assert set(inventory.skipped_examples) == {"README.txt", "thumbs.db"}
    np.testing.assert_array_equal(load_series(tmp_path).volume, written.volume)


def test_folder_without_dicom_and_missing_folder(tmp_path):
    write_non_dicom_file(tmp_path)
    with pytest.raises(DicomInputError, match=r"no DICOM files found in .*: 1 file\(s\) looked "
                       r"at, 1 not DICOM"):
        discover_series(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_series(tmp_path / "absent")


def test_slice_without_position_is_refused(tmp_path):
    written = write_ct_series(tmp_path, shape=(3, 4, 4), slice_hook=lambda k, ds: (
        delattr(ds, "ImagePositionPatient") if k == 0 else None))
    with pytest.raises(DicomInputError) as info:
        load_series(tmp_path)
    assert info.value.keyword == "ImagePositionPatient"
    assert info.value.sop_instance_uid == written.geometry.sop_instance_uids[0]
    assert "IM0001.dcm (SOP Instance UID" in str(info.value)
    assert "has no ImagePositionPatient" in str(info.value)


@pytest.mark.parametrize("orientation", [(0, 0, 0, 0, 1, 0), (1, 0, 0, 0.1, 1, 0),
                                         (1, 0, 0, 0.01, 0.99995, 0)],
                         ids=["zero-vector", "not-unit", "not-orthogonal"])
def test_invalid_orientation_is_refused(tmp_path, orientation):
    written = write_ct_series(tmp_path, shape=(3, 4, 4), slice_positions_mm=np.array(
        [[0.0, 0.0, 2.0 * k] for k in range(3)]),
        slice_hook=lambda k, ds: setattr(ds, "ImageOrientationPatient", list(orientation)))
    with pytest.raises(DicomInputError) as info:
        load_series(tmp_path)
    assert info.value.keyword == "ImageOrientationPatient"
    assert info.value.sop_instance_uid in written.sop_instance_uids
    assert "which is not two orthogonal unit vectors. Correct the header" in str(info.value)


def _write_sr(folder):
    from pydicom.dataset import Dataset, FileMetaDataset

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.88.22"  # Enhanced SR
    meta.MediaStorageSOPInstanceUID = "1.2.3.4.100.1"
    meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, "1.2.3.4.100.1"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.3.4", "1.2.3.4.100"
    ds.Modality, ds.PatientID = "SR", "SYNTH-001"
    path = folder / "SR.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


def test_non_image_series_gets_a_verdict_and_is_not_a_candidate(tmp_path):
    written = write_ct_series(tmp_path, shape=(3, 4, 4))
    _write_sr(tmp_path)
    inventory = discover_series(tmp_path)
    verdicts = {r.series_instance_uid: r.verdict for r in inventory.series}
    assert verdicts[written.series_instance_uid] == "ok"
    assert verdicts["1.2.3.4.100"] == ("it is not an image series (SOP Class UID "
                                       "1.2.840.10008.5.1.4.1.1.88.22, modality SR). Choose a "
                                       "CT image series with --series-uid")
    np.testing.assert_array_equal(load_series(tmp_path).volume, written.volume)
    with pytest.raises(DicomInputError, match="it is not an image series") as info:
        load_series(tmp_path, series_uid="1.2.3.4.100")
    assert info.value.keyword == "SOPClassUID"
