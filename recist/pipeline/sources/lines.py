"""The ``lines`` source: long and short axes drawn on the images, as a CSV of pixel lines.

Columns ``lesion_id, kind, organ, nodal, axis, sop_instance_uid, x1, y1, x2, y2``
(``docs/tables.md``); each line is placed in patient mm through the series geometry and
measured by ``recist.measure.measure_lines``.
"""

from __future__ import annotations

from pathlib import Path

from dicom_io.series import load_series
from recist.pipeline.measure import (
    MeasureResult,
    measure_lines_on_series,
    read_line_annotations_checked,
)
from recist.pipeline.sources import SourceSpec

__all__ = ["measure"]


def measure(series_dir: str | Path, spec: SourceSpec) -> MeasureResult:
    """Measure the drawn lines of ``spec.path`` on the series in ``series_dir``."""
    records = read_line_annotations_checked(spec.path)  # cheap errors before the series
    series = load_series(series_dir, spec.series_uid)
    return measure_lines_on_series(series, records, visit=spec.visit,
                                   patient_id=spec.patient_id, date=spec.date,
                                   overlays_dir=spec.overlays_dir)
