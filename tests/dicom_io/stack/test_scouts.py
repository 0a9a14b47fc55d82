"""Images far from the main plane (scouts) are told apart in one array step exactly as the
image-by-image loop of ``dicom_io.stack._split_scouts`` tells them apart."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from dicom_io import stack

AXIAL = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
AXIAL_NEGATIVE_ZERO = [1.0, -0.0001, 0.0, 0.0, 1.0, -0.0002]  # rounds to -0.0
TILTED = [1.0, 0.0, 0.0, 0.0, 0.9998, 0.02]
SAGITTAL = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0]


@pytest.mark.parametrize("orientations", [
    [AXIAL] * 10 + [SAGITTAL],
    [AXIAL] * 4 + [AXIAL_NEGATIVE_ZERO] * 6 + [SAGITTAL, AXIAL],
    [AXIAL_NEGATIVE_ZERO] * 5 + [AXIAL] * 5,
    [TILTED] * 3 + [AXIAL] * 7 + [SAGITTAL] * 2,
    [SAGITTAL] * 6 + [AXIAL] * 2,
])
def test_scouts_found_at_once_as_image_by_image(orientations, monkeypatch):
    images = [SimpleNamespace(orientation=np.array(o), is_localizer=False, name=str(k))
              for k, o in enumerate(orientations)]
    at_once = stack._split_scouts(images)
    monkeypatch.setattr(stack, "_off_plane_all_at_once", lambda rest: None)
    one_by_one = stack._split_scouts(images)
    assert [[h.name for h in part] for part in at_once] == \
        [[h.name for h in part] for part in one_by_one]
    if SAGITTAL in orientations and orientations.count(SAGITTAL) < len(orientations) // 2:
        assert any(h.name == str(orientations.index(SAGITTAL)) for h in at_once[1])
