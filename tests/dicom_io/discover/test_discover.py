"""Header objects built by the scan (dicom_io.discover)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dicom_io.discover import SliceHeader, _new_header, read_slice_header
from dicom_io.testing import write_ct_series


def test_new_header_is_the_dataclass_with_the_same_fields(tmp_path):
    """``_new_header`` skips the frozen dataclass' ``__init__``: the object it gives has
    the same fields as one made through ``__init__``, stays frozen, and refuses a missing
    or unknown field."""
    written = write_ct_series(tmp_path, (2, 4, 4))
    fast = read_slice_header(written.paths[0])
    fields = {f.name: getattr(fast, f.name) for f in dataclasses.fields(SliceHeader)}
    slow = SliceHeader(**fields)
    assert type(fast) is SliceHeader
    for name, value in fields.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(slow, name), value)
        else:
            assert getattr(slow, name) == value, name
    assert vars(fast).keys() == vars(slow).keys()
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.rows = 3  # type: ignore[misc]
    assert dataclasses.replace(fast, rows=3).rows == 3
    with pytest.raises(TypeError, match="frame_index"):
        _new_header(**{k: v for k, v in fields.items() if k != "frame_index"})
    with pytest.raises(TypeError, match="colour"):
        _new_header(**fields, colour="red")


@pytest.mark.parametrize("shortcut", [True, False], ids=["shortcut", "operator"])
@pytest.mark.parametrize("folder", ["/data/ct", "relative/ct", ".", "/"])
@pytest.mark.parametrize("name", ["IM0001.dcm", "DICOMDIR", "a b.dcm", ".hidden", "é.dcm"])
def test_a_listed_child_is_the_joined_path(monkeypatch, shortcut, folder, name):
    """The walk's child paths (pathlib's shortcut where this Python has one that joins as
    ``/`` does, else the operator) are ``folder / name``: equal, the same text, parts and
    name."""
    from pathlib import Path

    from dicom_io import discover
    from dicom_io.discover import _child_of

    if shortcut and not discover._child_shortcut_works():
        pytest.skip("this Python's pathlib has no child shortcut that joins as / does")
    monkeypatch.setattr(discover, "_CHILD_SHORTCUT", shortcut)
    joined, child = Path(folder) / name, _child_of(Path(folder))(name)
    assert type(child) is type(joined)
    assert (child, str(child), child.parts, child.name, child.parent) == \
        (joined, str(joined), joined.parts, joined.name, joined.parent)
    assert hash(child) == hash(joined)


def test_a_stray_file_in_a_batched_scan_is_opened_once(tmp_path, monkeypatch):
    """The batch reader's first read of a file without the DICM prefix settles it: the
    scan counts it as not DICOM without opening it again, as read_slice_header would."""
    import os

    from dicom_io import discover_series

    write_ct_series(tmp_path, (70, 4, 4), seed="stray")
    stray = tmp_path / "notes.txt"
    stray.write_text("not an image\n" * 20)
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: opened.append(str(path))
                        or real_open(path, *a, **k))
    inventory = discover_series(tmp_path)
    assert opened.count(str(stray)) == 1
    assert (inventory.n_files, inventory.n_skipped_non_dicom) == (71, 1)
    assert inventory.skipped_examples == ("notes.txt",)
    assert inventory.series[0].n_files == 70 and inventory.series[0].verdict == "ok"
