"""Entries that are no regular file are skipped with a note, never opened (issue #13):
a FIFO blocked scan and measure forever, a looping link was an internal error."""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest

from dicom_io import DicomInputError, discover_series, load_series
from dicom_io.testing import write_ct_series


@pytest.fixture
def folder_with_specials(tmp_path):
    written = write_ct_series(tmp_path / "ct", (3, 4, 4))
    folder = written.folder
    os.mkfifo(folder / "pipe")  # opening it would block until a writer comes
    os.symlink("self", folder / "self")
    os.symlink("b", folder / "a")
    os.symlink("a", folder / "b")
    os.symlink(str(tmp_path / "gone"), folder / "dangling")
    os.symlink(str(written.paths[0]), folder / "link_to_slice.lnk")  # followed: a copy
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(folder / "sock"))
    except OSError:  # pragma: no cover - path too long for AF_UNIX
        pass
    yield written
    sock.close()


def test_scan_skips_them_with_a_note(folder_with_specials):
    written = folder_with_specials
    (written.folder / "link_to_slice.lnk").unlink()  # keep the SOP Instance UIDs unique
    inventory = discover_series(written.folder)
    assert [r.verdict for r in inventory.series] == ["ok"]
    kinds = dict(inventory.special)
    assert kinds["pipe"] == "a FIFO (named pipe)"
    assert kinds["self"] == kinds["a"] == kinds["b"] == "a looping link"
    assert kinds["dangling"] == "a dangling link"
    assert any("skipped without being opened" in note for note in inventory.notes)


def test_load_skips_them_and_says_so(folder_with_specials):
    written = folder_with_specials
    (written.folder / "link_to_slice.lnk").unlink()
    loaded = load_series(written.folder)
    np.testing.assert_array_equal(loaded.volume, written.volume)
    assert any("skipped without being opened" in note for note in loaded.notes)


def test_a_link_to_a_slice_is_read_like_the_slice(folder_with_specials):
    written = folder_with_specials
    with pytest.raises(DicomInputError, match="have the same SOP Instance UID"):
        load_series(written.folder)


def test_a_fifo_given_as_the_path(tmp_path):
    os.mkfifo(tmp_path / "pipe.dcm")
    with pytest.raises(DicomInputError, match="1 no regular file"):
        discover_series(tmp_path / "pipe.dcm")


def test_a_zip_that_would_fill_the_disk_is_refused(tmp_path, monkeypatch):
    import zipfile

    from dicom_io import discover

    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("zeros.dcm", b"\x00" * (4 << 20))
    monkeypatch.setattr(discover, "MAX_ZIP_BYTES", 1 << 20)
    with pytest.raises(DicomInputError, match="bomb.zip: its 1 member.*Extract it yourself"):
        discover_series(archive)


def test_a_volume_too_large_to_hold_is_refused(tmp_path, monkeypatch):
    from dicom_io import stack

    write_ct_series(tmp_path, (3, 8, 8))
    monkeypatch.setattr(stack, "MAX_VOXELS", 100)
    with pytest.raises(DicomInputError, match="192 slices|3 slices of 8x8 pixels"):
        load_series(tmp_path)
