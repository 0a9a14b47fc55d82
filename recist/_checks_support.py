"""Shared helpers of the ``recist.checks*`` modules: the indexed table and findings.

Not public API: use the ``check_…`` functions of ``recist.checks``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.baseline import timepoint_index
from recist.findings import Finding, Severity

__all__ = ["finding", "indexed", "iso", "records", "sorted_contains"]

_TIMEPOINT_COLUMNS = ("timepoint", "timepoint_start", "timepoint_order", "is_baseline",
                      "patient_code", "timepoint_code", "has_visit", "lesion_code")
_INDEX_COLUMNS = frozenset({"visit", "nodal", "status", "ld_mm", "sa_mm", "slice_thickness_mm",
                            *_TIMEPOINT_COLUMNS})


def indexed(measurements: pd.DataFrame) -> pd.DataFrame:
    """The measurements with their time point columns (see ``timepoint_index``).

    Optional columns that are absent are added empty, so hand-made tables work too.
    """
    if _INDEX_COLUMNS.issubset(measurements.columns):
        return measurements  # already indexed (run_input_checks indexes once)
    frame = measurements.copy()
    for column, default in (("visit", pd.NA), ("nodal", False), ("status", pd.NA),
                            ("kind", pd.NA),
                            ("ld_mm", np.nan), ("sa_mm", np.nan),
                            ("slice_thickness_mm", np.nan)):
        if column not in frame.columns:
            frame[column] = default
    for column in ("kind", "status"):  # categorical: fast comparisons on a cohort
        frame[column] = frame[column].astype(object).astype("category")
    if not pd.api.types.is_datetime64_any_dtype(frame["date"]):
        frame["date"] = pd.to_datetime(frame["date"])
    frame = frame.drop(columns=[c for c in _TIMEPOINT_COLUMNS if c in frame.columns])
    frame = pd.concat([frame, timepoint_index(frame)], axis=1)
    lesion = pd.factorize(frame["lesion_id"].to_numpy(dtype=object))[0].astype(np.int64)
    frame["lesion_code"] = pd.factorize(
        frame["patient_code"].to_numpy(dtype=np.int64) * (int(lesion.max(initial=0)) + 1)
        + lesion)[0]
    return frame


def iso(value: object) -> str | None:
    if value is None or value is pd.NA or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    return None if text in ("", "<NA>") else text


def finding(row: dict, code: str, rule: str, severity: Severity, text: str,
             lesion: bool = True) -> Finding:
    """A finding located at a row: patient, date, visit and (optionally) lesion."""
    patient = str(row["patient_id"])
    date = iso(row.get("date"))
    visit = _text(row.get("visit"))
    lesion_id = _text(row.get("lesion_id")) if lesion else None
    where = f"patient {patient}, {date}"
    if visit is not None:
        where += f" (visit {visit})"
    if lesion_id is not None:
        where += f", lesion {lesion_id}"
    return Finding(code=code, message=f"{where}: {text}", severity=severity, rule=rule,
                   patient_id=patient, date=date, visit=visit, lesion_id=lesion_id)


def sorted_contains(pool: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each value occurs in the sorted array ``pool`` (binary search)."""
    if len(pool) == 0:
        return np.zeros(len(values), dtype=bool)
    position = np.minimum(np.searchsorted(pool, values), len(pool) - 1)
    return pool[position] == values


def records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")
