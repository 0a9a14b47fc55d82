"""Small synthetic studies for the manifest-on-a-cluster tests: a manifest of CT series
(``dicom_io.testing.write_ct_series``) with drawn lines, and a task wrapper a test can
catch in the middle of a study (to kill the worker running it)."""

from __future__ import annotations

import os
import time
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import numpy as np

from dicom_io.testing import truncate_file, write_ct_series

from support.measure_lines import _line, write_lines


def write_studies(folder: Path, n_studies: int = 20, *, corrupt: int | None = None) -> Path:
    """Write ``n_studies`` small CT studies (3 slices of 32 x 32, a disc of a size that
    depends on the study), each with a lines CSV of one target and one node, and their
    manifest; study ``corrupt`` (0-based) gets a truncated slice. Returns the manifest."""
    rows = ["patient_id,visit,date,series_dir,lines"]
    yy, xx = np.mgrid[:32, :32]
    for i in range(n_studies):
        patient, visit = f"C{i // 2:03d}", f"V{i % 2}"
        study = folder / f"{patient}_{visit}"
        radius = 4 + (i % 7)
        volume = np.full((3, 32, 32), -800, dtype=np.int16)
        volume[1][np.hypot(yy - 16, xx - 16) <= radius] = 40
        series = write_ct_series(study / "ct", volume=volume, pixel_spacing_mm=(0.8, 0.7),
                                 slice_spacing_mm=5.0, seed=f"cluster-{i}",
                                 study_seed=f"cluster-study-{i}", patient_id=f"DICOM-{i}",
                                 study_date=f"2024{1 + i % 12:02d}15")
        uid = series.sop_instance_uids[1]
        write_lines(study / "lines.csv", [
            _line("T1", "long", uid, 16 - radius, 16.5, 16 + radius, 16.5, organ="lung"),
            _line("T1", "short", uid, 16.5, 16 - radius / 2, 16.5, 16 + radius / 2,
                  organ="lung"),
            _line("N1", "short", uid, 4.0, 4.0, 4.0, 5.5 + i % 5, kind="non-target",
                  organ="lymph node", nodal="true"),
        ])
        if i == corrupt:
            truncate_file(series.paths[0], keep_fraction=0.3)
        date = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        rows.append(f"{patient},{visit},{date},{study.name}/ct,{study.name}/lines.csv")
    manifest = folder / "manifest.csv"
    manifest.write_text("\n".join(rows) + "\n")
    return manifest


def announce_and_run(marker_dir: str, pause_s: float, fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` after writing ``<marker_dir>/<pid>`` (the process now running a
    study) and pausing ``pause_s``, so that a test can kill this process mid-study."""
    marker = Path(marker_dir) / str(os.getpid())
    marker.write_text(str(os.getpid()))
    time.sleep(pause_s)
    return fn(*args)


class AnnouncingExecutor(Executor):
    """Submits every call through :func:`announce_and_run` to ``inner``."""

    def __init__(self, inner: Executor, marker_dir: Path, pause_s: float) -> None:
        self.inner, self.marker_dir, self.pause_s = inner, str(marker_dir), pause_s

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        assert not kwargs
        return self.inner.submit(announce_and_run, self.marker_dir, self.pause_s, fn, *args)
