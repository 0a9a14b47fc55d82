"""The ``masks`` source: a label image on the series grid and its lesions CSV.

The label image (NRRD, NIfTI) holds one whole-number label per lesion (0 = background);
the lesions CSV ``label, lesion_id, kind, organ, nodal`` says which label is which lesion.
Each lesion is measured by ``recist.measure.measure_mask``.
"""

from __future__ import annotations

from pathlib import Path

from dicom_io.annotations import read_label_image
from dicom_io.series import load_series
from recist.pipeline.measure import (
    MeasureResult,
    measure_masks_on_series,
    read_label_lesions_checked,
)
from recist.pipeline.sources import SourceSpec

__all__ = ["measure"]


def measure(series_dir: str | Path, spec: SourceSpec) -> MeasureResult:
    """Measure the labelled lesions of ``spec.path`` (with ``spec.lesions``)."""
    if spec.lesions is None:
        raise ValueError(f"the label image {spec.path} needs a lesions CSV (label, "
                         "lesion_id, kind, organ, nodal) to say which label is which lesion")
    lesion_records = read_label_lesions_checked(spec.lesions)
    series = load_series(series_dir, spec.series_uid)
    labels = read_label_image(spec.path, series.geometry, resample=spec.resample)
    return measure_masks_on_series(series, labels, lesion_records, visit=spec.visit,
                                   patient_id=spec.patient_id, date=spec.date,
                                   overlays_dir=spec.overlays_dir)
