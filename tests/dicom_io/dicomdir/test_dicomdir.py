"""DICOMDIR media: files listed by the directory records, missing and unreferenced files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pydicom
import pytest

from dicom_io import DicomInputError, discover_series, load_series
from dicom_io.dicomdir import find_dicomdir, read_dicomdir
from dicom_io.testing import write_dicomdir_media, write_non_dicom_file, write_two_series


@pytest.fixture
def media(tmp_path):
    """Two factory series on media with a DICOMDIR, plus a README the DICOMDIR ignores."""
    first, second = write_two_series(tmp_path / "src")
    dicomdir = write_dicomdir_media(tmp_path / "media", first, second)
    write_non_dicom_file(tmp_path / "media", "README.TXT")
    return dicomdir, first, second


def _file_ids(dicomdir):
    ds = pydicom.dcmread(dicomdir)
    return ["/".join(r.ReferencedFileID) for r in ds.DirectoryRecordSequence
            if "ReferencedFileID" in r]


def test_index_lists_every_referenced_file_with_its_series(media):
    dicomdir, first, second = media
    index = read_dicomdir(dicomdir)
    assert len(index.entries) == 8 and not index.missing
    assert [e.file_id for e in index.entries] == _file_ids(dicomdir)
    for entry in index.entries:
        parts = entry.file_id.split("/")
        assert len(parts) == 4 and all(len(p) <= 8 and p == p.upper() for p in parts)
        assert entry.record_type == "IMAGE"
        assert pydicom.dcmread(entry.path, stop_before_pixels=True).SOPInstanceUID \
            == entry.sop_instance_uid
    by_series = {}
    for entry in index.entries:
        by_series.setdefault(entry.series_instance_uid, set()).add(entry.sop_instance_uid)
    assert by_series == {first.series_instance_uid: set(first.sop_instance_uids),
                         second.series_instance_uid: set(second.sop_instance_uids)}
    assert [p.name for p in index.unreferenced] == ["README.TXT"]


def test_discovery_reads_the_files_of_the_dicomdir(media):
    dicomdir, first, second = media
    # A stray DICOM file the DICOMDIR does not list is counted, not read.
    shutil.copy(first.paths[0], dicomdir.parent / "STRAY")
    inventory = discover_series(dicomdir.parent)
    assert inventory.dicomdir == "DICOMDIR" and not inventory.dicomdir_found
    assert [(r.series_instance_uid, r.n_files, r.verdict) for r in inventory.series] == [
        (first.series_instance_uid, 5, "ok"), (second.series_instance_uid, 3, "ok")]
    assert inventory.n_files == 8 and not inventory.unreadable
    assert inventory.n_unreferenced == 2
    assert inventory.unreferenced_examples == ("README.TXT", "STRAY")
    assert inventory.notes == (
        "files listed by the DICOMDIR DICOMDIR: 8 referenced, 0 missing",
        ("2 file(s) under DICOMDIR's folder are not referenced by it and were not read "
         "(e.g. README.TXT, STRAY); scan them on their own to include them"))


@pytest.mark.parametrize("via", ["folder", "dicomdir", "zip"])
def test_load_one_series_of_the_media(media, tmp_path, via):
    dicomdir, _, second = media
    path = {"folder": dicomdir.parent, "dicomdir": dicomdir}.get(via)
    if via == "zip":
        path = tmp_path / "cd.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for file in sorted(dicomdir.parent.rglob("*")):
                archive.write(file, "CD/" + file.relative_to(dicomdir.parent).as_posix())
        assert discover_series(path).dicomdir == "cd.zip:CD/DICOMDIR"
    loaded = load_series(path, second.series_instance_uid)
    np.testing.assert_array_equal(loaded.volume, second.volume)
    assert loaded.geometry.sop_instance_uids == second.sop_instance_uids
    with pytest.raises(DicomInputError, match="holds 2 image series and none was chosen"):
        load_series(path)


def test_missing_referenced_file_is_named_by_its_file_id(media):
    dicomdir, first, second = media
    index = read_dicomdir(dicomdir)
    gone = next(e for e in index.entries if e.sop_instance_uid == first.sop_instance_uids[2])
    gone.path.unlink()
    inventory = discover_series(dicomdir.parent)
    verdicts = {r.series_instance_uid: r.verdict for r in inventory.series}
    assert verdicts[first.series_instance_uid] == (
        f"1 file(s) referenced by the DICOMDIR are missing: {gone.file_id}; copy the "
        "complete media again")
    assert verdicts[second.series_instance_uid] == "ok"
    assert [r.n_files for r in inventory.series] == [4, 3]
    (error,) = inventory.unreadable
    assert error.keyword == "ReferencedFileID"
    assert error.sop_instance_uid == first.sop_instance_uids[2]
    assert error.series_instance_uid == first.series_instance_uid
    assert error.path == dicomdir.parent / gone.file_id
    assert str(error) == (
        f"cannot read a file of the DICOMDIR: DICOMDIR references file {gone.file_id} "
        f"(IMAGE record, SOP Instance UID {first.sop_instance_uids[2]}, series "
        f"{first.series_instance_uid}), which is not in media. Copy the complete media "
        "again, or remove the DICOMDIR to load the files that are there.")
    with pytest.raises(DicomInputError) as raised:
        load_series(dicomdir.parent, first.series_instance_uid)
    assert str(raised.value) == str(error)
    assert inventory.notes[0] == "files listed by the DICOMDIR DICOMDIR: 8 referenced, 1 missing"
    # The other, complete series of the same media still loads.
    other = load_series(dicomdir.parent, second.series_instance_uid)
    assert other.geometry.series_instance_uid == second.series_instance_uid
    assert other.volume.shape[0] == 3


def test_lower_case_copy_of_upper_case_file_ids_is_found(media, tmp_path):
    dicomdir, first, _ = media
    copy = tmp_path / "lower"
    for source in sorted(dicomdir.parent.rglob("*")):
        target = copy / source.relative_to(dicomdir.parent).as_posix().lower()
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    assert (copy / "dicomdir").exists() and (copy / "pt000000").is_dir()
    inventory = discover_series(copy)
    assert inventory.dicomdir == "dicomdir" and not inventory.unreadable
    assert [r.n_files for r in inventory.series] == [5, 3]
    assert inventory.unreferenced_examples == ("readme.txt",)
    np.testing.assert_array_equal(load_series(copy, first.series_instance_uid).volume,
                                  first.volume)


def _rewrite_file_ids(dicomdir, rename):
    """Move every referenced file to ``rename(parts)`` and rewrite its ReferencedFileID."""
    ds = pydicom.dcmread(dicomdir)
    for record in ds.DirectoryRecordSequence:
        if "ReferencedFileID" in record:
            old = list(record.ReferencedFileID)
            new = rename(old)
            target = dicomdir.parent.joinpath(*new)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(dicomdir.parent.joinpath(*old), target)
            record.ReferencedFileID = new
    ds.save_as(dicomdir)


def test_scanner_layout_with_offsets_and_with_record_order(media):
    dicomdir, first, second = media

    def rename(parts):  # same lengths, so the record offsets stay valid
        return ["DICOMCD1", "STUDY001", "SERIES0" + parts[2][-1], "IMG0" + parts[3][-4:]]

    _rewrite_file_ids(dicomdir, rename)
    shutil.rmtree(dicomdir.parent / "PT000000")
    ids = _file_ids(dicomdir)
    assert ids[0] == "DICOMCD1/STUDY001/SERIES00/IMG00000"
    inventory = discover_series(dicomdir.parent)
    assert [r.n_files for r in inventory.series] == [5, 3]
    assert inventory.series[0].headers[0].name.startswith("DICOMCD1/STUDY001/SERIES0")
    # Broken root offset: the records' order and types give the same tree.
    ds = pydicom.dcmread(dicomdir)
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.save_as(dicomdir)
    index = read_dicomdir(dicomdir)
    assert [e.file_id for e in index.entries] == ids
    assert {e.series_instance_uid for e in index.entries} == {
        first.series_instance_uid, second.series_instance_uid}
    np.testing.assert_array_equal(
        load_series(dicomdir.parent, first.series_instance_uid).volume, first.volume)


def test_unreadable_dicomdir_falls_back_to_walking(media):
    dicomdir, first, _ = media
    whole = dicomdir.read_bytes()
    dicomdir.write_bytes(whole[:200])  # file meta only
    with pytest.raises(DicomInputError, match=r"^cannot read the DICOMDIR DICOMDIR: "
                       "it has no DirectoryRecordSequence. Copy the media"):
        read_dicomdir(dicomdir)
    dicomdir.write_bytes(whole[:len(whole) // 2])
    inventory = discover_series(dicomdir.parent)
    assert inventory.dicomdir is None
    assert [r.n_files for r in inventory.series] == [5, 3]
    assert len(inventory.notes) == 1
    assert inventory.notes[0].startswith(
        "cannot read the DICOMDIR DICOMDIR (the file is truncated: a ")
    assert inventory.notes[0].endswith(
        f"the file has {len(whole) // 2} bytes); the folder was walked instead")
    np.testing.assert_array_equal(
        load_series(dicomdir.parent, first.series_instance_uid).volume, first.volume)


def test_find_dicomdir_only_at_the_top_or_in_a_lone_wrapper_folder(media, tmp_path):
    dicomdir, _, _ = media
    assert find_dicomdir(dicomdir.parent) == dicomdir
    assert find_dicomdir(dicomdir.parent, list(os.scandir(dicomdir.parent))) == dicomdir
    assert find_dicomdir(dicomdir) == dicomdir
    wrapper = tmp_path / "wrap"
    (wrapper / "CD").mkdir(parents=True)
    os.replace(dicomdir.parent, wrapper / "CD" / "media")
    assert find_dicomdir(wrapper) == wrapper / "CD" / "media" / "DICOMDIR"
    # the folder's listing given (a scan's): the same search, from the next folder down
    assert find_dicomdir(wrapper, list(os.scandir(wrapper))) == find_dicomdir(wrapper)
    assert discover_series(wrapper).dicomdir == "CD/media/DICOMDIR"
    write_non_dicom_file(wrapper)
    assert find_dicomdir(wrapper) is None
    assert find_dicomdir(wrapper, list(os.scandir(wrapper))) is None
    # Not at the top: skipped, and the images are found by walking.
    inventory = discover_series(wrapper)
    assert inventory.dicomdir is None and inventory.dicomdir_found
    assert [r.n_files for r in inventory.series] == [5, 3]


def test_recist_scan_of_media_with_a_missing_file(media):
    dicomdir, _, _ = media
    index = read_dicomdir(dicomdir)
    index.entries[0].path.unlink()
    result = subprocess.run([sys.executable, "-m", "recist", "scan", str(dicomdir.parent)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert f"1 file(s) referenced by the DICOMDIR are missing: {index.entries[0].file_id}" \
        in result.stdout
    assert f"unreadable: cannot read a file of the DICOMDIR: DICOMDIR references file " \
        f"{index.entries[0].file_id}" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "recist", "scan", str(dicomdir.parent / "nowhere")],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
