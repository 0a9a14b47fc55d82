"""Fixtures for the sample-data tests: paths, series loading with pydicom + numpy only."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
SOURCE = REPO / ".." / "shared" / "data" / "pyradiomics_lung"
SCRIPT = SAMPLE / "make_sample_data.py"
SOURCES = {"LUNG1": "lung1", "LUNG2": "lung2"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def slice_normal(ds) -> np.ndarray:
    iop = np.array([float(v) for v in ds.ImageOrientationPatient])
    return np.cross(iop[:3], iop[3:])


def load_series(folder: Path):
    """(volume_hu int32 (k, rows, cols), datasets sorted by IPP along the slice normal)."""
    datasets = [pydicom.dcmread(path) for path in sorted(Path(folder).glob("*.dcm"))]
    normal = slice_normal(datasets[0])
    datasets.sort(key=lambda ds: float(np.dot([float(v) for v in ds.ImagePositionPatient],
                                              normal)))
    volume = np.stack([
        ds.pixel_array.astype(np.int32) * int(float(ds.RescaleSlope))
        + int(float(ds.RescaleIntercept))
        for ds in datasets
    ])
    return volume, datasets


@pytest.fixture(scope="session")
def sample_root() -> Path:
    """The sample data folder, with the generated follow-up series made if missing."""
    if not SOURCE.is_dir():
        pytest.skip(f"source data {SOURCE} not available")
    subprocess.run([sys.executable, str(SCRIPT), "--if-missing"], check=True,
                   capture_output=True, text=True)
    return SAMPLE


@pytest.fixture(scope="session")
def series_cache(sample_root):
    cache: dict[tuple[str, str], tuple] = {}

    def get(patient: str, visit: str):
        key = (patient, visit)
        if key not in cache:
            cache[key] = load_series(sample_root / "patients" / patient / visit / "ct")
        return cache[key]

    return get
