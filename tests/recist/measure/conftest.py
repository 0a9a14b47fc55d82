"""Fixtures of the measure tests: the real tumour masks of the sample data."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from support.paths import SAMPLE_DATA


@pytest.fixture(scope="session")
def lung_labels():
    """The expert tumour masks of pyradiomics 3.0.1's lung1 / lung2 test cases, with their
    (slice, row, column) spacing: the committed sample-data baseline label images, checked
    voxel for voxel against the digest of the pyradiomics label NRRDs that
    ``sample_data/baseline_source.json`` records."""
    sitk = pytest.importorskip("SimpleITK")
    records = json.loads((SAMPLE_DATA / "baseline_source.json").read_text(encoding="utf-8"))
    out = {}
    for name, patient in (("lung1", "LUNG1"), ("lung2", "LUNG2")):
        image = sitk.ReadImage(str(SAMPLE_DATA / "patients" / patient / "V0" / "labels.nrrd"))
        mask = sitk.GetArrayFromImage(image) == 1
        digest = hashlib.sha256(np.ascontiguousarray(mask, dtype="u1").tobytes()).hexdigest()
        assert digest == records[patient]["mask_uint8_sha256"], f"{patient} V0 mask altered"
        out[name] = (mask, image.GetSpacing()[::-1])
    return out
