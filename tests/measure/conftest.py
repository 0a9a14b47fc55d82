"""Fixtures of the measure tests: paths to the sample data, the real tumour masks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DATA = REPO / "sample_data"


def ellipse_mask(a_mm, b_mm, angle_rad, spacing_rc, offset=(0.0, 0.0)):
    """Digitise an ellipse (semi-axes a >= b, in mm) on a pixel grid: a pixel is inside
    when its centre is. ``spacing_rc`` is (row spacing, column spacing); ``offset`` moves
    the centre by a fraction of a pixel."""
    sr, sc = spacing_rc
    nr, nc = int(a_mm / sr) + 4, int(a_mm / sc) + 4
    r = (np.arange(-nr, nr + 1) + offset[0]) * sr
    c = (np.arange(-nc, nc + 1) + offset[1]) * sc
    rr, cc = np.meshgrid(r, c, indexing="ij")
    u = cc * np.cos(angle_rad) + rr * np.sin(angle_rad)
    v = -cc * np.sin(angle_rad) + rr * np.cos(angle_rad)
    return (u / a_mm) ** 2 + (v / b_mm) ** 2 <= 1.0


@pytest.fixture(scope="session")
def sample_manifest() -> Path:
    manifest = SAMPLE_DATA / "manifest.csv"
    if not manifest.is_file() or not (SAMPLE_DATA / "truth.csv").is_file():
        pytest.skip("sample_data/ not generated yet (run make sample-data)")
    return manifest


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
