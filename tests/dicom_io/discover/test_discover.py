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
