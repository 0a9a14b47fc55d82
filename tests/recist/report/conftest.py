"""Fixtures of the report tests: the sample measurements table (no DICOM needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.paths import REPO

SAMPLE = REPO / "sample_data"


@pytest.fixture
def sample_measurements():
    """The measurements the sample line annotations give (sample_data/README.md)."""
    from recist.table import read_measurements

    return read_measurements(SAMPLE / "measurements_expected.csv")


@pytest.fixture
def sample_patients():
    from recist.patients import read_patients

    return read_patients(SAMPLE / "patients.csv")


@pytest.fixture
def tiny_png(tmp_path):
    """Write a small, non-blank PNG at a given path and return its bytes."""
    import numpy as np
    from matplotlib.image import imsave

    def make(path: Path, seed: int = 0) -> bytes:
        image = np.random.default_rng(seed).random((12, 16))
        path.parent.mkdir(parents=True, exist_ok=True)
        imsave(path, image, cmap="gray")
        return path.read_bytes()

    return make
