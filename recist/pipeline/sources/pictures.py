"""Lesion pictures drawn from a source's rows: for the sources that measure in patient mm.

The lines and masks sources draw each lesion while they measure it
(``recist.pipeline.measure``); the SR and RTSTRUCT sources measure coordinates in patient
mm without a pixel in hand. Their pictures are drawn from the rows they return, which say
everything a picture needs (``docs/tables.md``, provenance columns):

* the slice: ``sop_instance_uid`` (a slice of the series measured);
* the axes: ``ld_x1 … ld_z2`` and ``sa_x1 … sa_z2`` in patient mm, mapped to
  image-relative pixels through the series geometry (``SeriesGeometry.patient_mm_to_pixel``,
  top-left corner of the first pixel = 0, 0), the same mapping the lines source uses;
* the outline: an RTSTRUCT ROI's loops on that slice (patient mm, passed per row), drawn
  as the polygons they are; an SR lesion has no outline, its picture shows the axes only.

The file name is the one the report looks for (``recist.report.figures.overlay_file_name``:
patient, visit else date, lesion), so every source's lesions get their row of pictures
on the patient page. Rows of one lesion at one visit (fragments) share one picture: the
first row's axes, and those of the others on the same slice as extra lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from dicom_io.series import LoadedSeries
from recist.overlays import render_lesion_overlay

__all__ = ["picture_context", "write_row_pictures"]


def picture_context(series: LoadedSeries, k: int | None) -> dict:
    """Orientation and slice position of slice ``k`` for its lesion picture.

    The position is the slice's distance along the slice normal (mm), as a viewer shows
    it: ``slice 24/48 · -120.0 mm``.
    """
    if k is None:
        return {}
    geometry = series.geometry
    position = float(geometry.voxel_to_patient_mm(np.array([k, 0.0, 0.0]))
                     @ geometry.slice_direction)
    return {"orientation": (geometry.row_direction, geometry.column_direction),
            "slice_label": f"slice {k + 1}/{len(series.volume)} · {position:.1f} mm"}


def _pixel_axis(row: dict, prefix: str, series: LoadedSeries) -> np.ndarray | None:
    """The ``(2, 2)`` image-relative pixel ends of an axis given in patient mm, or None."""
    names = [f"{prefix}_{a}{i}" for i in (1, 2) for a in "xyz"]
    values = [row.get(name) for name in names]
    if any(value is None or pd.isna(value) for value in values):
        return None
    ends = np.asarray(values, dtype=float).reshape(2, 3)
    return series.geometry.patient_mm_to_pixel(ends)[:, 1:3]


def _flag(value: object) -> bool:
    """``nodal`` of a row as a bool (missing: not a node; it only picks the window)."""
    return False if value is None or value is pd.NA or (
        isinstance(value, float) and np.isnan(value)) else bool(value)


def write_row_pictures(series: LoadedSeries, table: pd.DataFrame,
                       overlays_dir: str | Path, *,
                       contours_mm: Sequence[Sequence[np.ndarray] | None] | None = None,
                       ) -> list[Path]:
    """Draw one picture per lesion and visit of ``table`` measured on ``series``.

    Parameters
    ----------
    series
        The series the rows were measured on; rows on images of another series are left
        to that series' call (an SR may span visits).
    table
        Measurements rows with ``patient_id, date, visit, lesion_id, organ, nodal, ld_mm,
        sa_mm, sop_instance_uid`` and the endpoint columns.
    overlays_dir
        Folder of the pictures (created).
    contours_mm
        Per row of ``table`` (same order), the lesion's closed loops on its measured slice
        as ``(n, 3)`` patient-mm points, or None: drawn as the outline.

    Returns
    -------
    list of Path
        The pictures written.
    """
    from recist.report.figures import overlay_file_name
    from recist.report.html import MISSING, cell_number, cell_text

    geometry = series.geometry
    ours = set(geometry.sop_instance_uids)
    records = table.to_dict("records")
    loops = list(contours_mm) if contours_mm is not None else [None] * len(records)
    if len(loops) != len(records):
        raise ValueError(f"{len(loops)} contour lists for {len(records)} rows; give one "
                         "per row (None for a row without an outline)")
    pictures: dict[str, list[tuple[dict, Sequence[np.ndarray] | None]]] = {}
    for record, row_loops in zip(records, loops):
        uid = record.get("sop_instance_uid")
        if uid is None or pd.isna(uid) or str(uid) not in ours:
            continue
        key = cell_text(record.get("visit"))  # the report's key: visit, else ISO date
        if key in (MISSING, ""):
            key = cell_text(record.get("date"))
        name = overlay_file_name(record.get("patient_id"), key, record.get("lesion_id"))
        pictures.setdefault(name, []).append((record, row_loops))
    written = []
    for name, rows in pictures.items():
        first = rows[0][0]
        # fragments drawn with it are those on its slice: never another slice's lines
        uid = str(first["sop_instance_uid"])
        rows = [(record, loops) for record, loops in rows
                if str(record["sop_instance_uid"]) == uid]
        k = geometry.slice_index_of(uid)
        extra = [axis for record, _ in rows[1:]
                 for axis in (_pixel_axis(record, "ld", series),
                              _pixel_axis(record, "sa", series)) if axis is not None]
        polygons = [geometry.patient_mm_to_pixel(np.asarray(loop, dtype=float))[:, 1:3]
                    for _, row_loops in rows for loop in row_loops or []]
        organ = first.get("organ")
        path = Path(overlays_dir) / name
        render_lesion_overlay(
            series.volume[k], geometry.pixel_spacing_mm, path,
            ld_xy=_pixel_axis(first, "ld", series), sa_xy=_pixel_axis(first, "sa", series),
            ld_mm=cell_number(first.get("ld_mm")), sa_mm=cell_number(first.get("sa_mm")),
            lesion_id=str(first.get("lesion_id")), date=cell_text(first.get("date")),
            organ=None if organ is None or pd.isna(organ) else str(organ),
            nodal=_flag(first.get("nodal")), extra_lines=extra or None,
            contours=polygons or None, **picture_context(series, k))
        written.append(path)
    return written
