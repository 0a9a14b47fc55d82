"""Fixtures of the measure tests: paths to the source and sample data, small series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO / ".." / "shared" / "data" / "pyradiomics_lung"
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
    sitk = pytest.importorskip("SimpleITK")
    out = {}
    for name in ("lung1", "lung2"):
        path = SHARED_DATA / f"{name}_label.nrrd"
        if not path.is_file():
            pytest.skip(f"{path} not available")
        image = sitk.ReadImage(str(path))
        out[name] = (sitk.GetArrayFromImage(image) == 1, image.GetSpacing()[::-1])
    return out
