"""Fixtures for the sample-data tests: paths, series loading with pydicom + numpy only.

Known truth about the baselines is ``sample_data/baseline_source.json``: the geometry of the
original pyradiomics 3.0.1 NRRDs and SHA-256 digests of their voxels (int16) and tumour
masks (uint8), recorded from those files. Nothing outside the repository is read.
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

from support.paths import REPO

SAMPLE = REPO / "sample_data"
SCRIPT = SAMPLE / "make_sample_data.py"
#: Per patient: shape_kji, origin_mm, spacing_mm (column, row, slice), direction (row-major
#: 3x3, SimpleITK order), image_int16_sha256, mask_uint8_sha256 of the pyradiomics source.
SOURCE_RECORDS = json.loads((SAMPLE / "baseline_source.json").read_text(encoding="utf-8"))


def sha256_of(array: np.ndarray, dtype: str) -> str:
    """SHA-256 of ``array`` as C-ordered bytes of ``dtype`` (as in baseline_source.json)."""
    return hashlib.sha256(np.ascontiguousarray(array, dtype=dtype).tobytes()).hexdigest()


def source_geometry(patient: str):
    """(origin, spacing, direction 3x3) of the patient's pyradiomics source NRRD."""
    record = SOURCE_RECORDS[patient]
    return (np.array(record["origin_mm"]), tuple(record["spacing_mm"]),
            np.array(record["direction"]).reshape(3, 3))


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
