"""Small CT series written with pydicom (through ``dicom_io.testing``) for the
interoperability tests, and their headers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom

from dicom_io.testing import write_ct_series


def make_ct_series(
    folder: Path,
    *,
    n_slices: int = 4,
    rows: int = 48,
    columns: int = 40,
    pixel_spacing: tuple[float, float] = (0.8, 0.7),
    slice_spacing: float = 2.5,
    origin: tuple[float, float, float] = (-20.0, -30.0, 100.0),
    orientation: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    patient_id: str = "P001",
    study_date: str = "20240301",
    seed: str = "ct",
) -> list[Path]:
    """Write a small axial CT series (a bright disc on each slice) and return its files.

    Slice k's ImagePositionPatient is origin + k * slice_spacing * normal; files are
    ``IM0000.dcm`` ... in slice order (``dicom_io.testing.write_ct_series`` writes them).
    """
    yy, xx = np.mgrid[0:rows, 0:columns]
    disc = ((yy - rows / 2) ** 2 + (xx - columns / 2) ** 2) < (min(rows, columns) / 4) ** 2
    volume = np.repeat(np.where(disc, 60, -800).astype(np.int16)[None], n_slices, axis=0)
    written = write_ct_series(
        folder, volume=volume, pixel_spacing_mm=pixel_spacing, slice_spacing_mm=slice_spacing,
        origin_mm=origin, orientation=orientation, rescale_intercept=0.0,
        seed=f"interop-{seed}-series", study_seed=f"interop-{seed}-study", series_number=2,
        patient_id=patient_id, study_date=study_date, file_name="IM{k:04d}.dcm")
    return list(written.paths)


def read_headers(paths: list[Path]) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(p, stop_before_pixels=True) for p in paths]
