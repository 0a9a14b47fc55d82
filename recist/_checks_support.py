"""Shared helpers of the ``recist.checks*`` modules: the indexed table and findings.

Not public API: use the ``check_…`` functions of ``recist.checks``.
"""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.typing import NaTType, NAType

from recist.cohort_index import CohortIndex, IndexedMeasurements
from recist.findings import Finding, Severity, make_finding

__all__ = ["cells_in", "finding", "findings_at", "gc_paused", "indexed", "iso", "iso_dates",
           "records", "value_codes"]

Row: TypeAlias = "dict[Hashable, Any]"
"""One table row as a dict (column name → cell), as ``DataFrame.to_dict("records")``."""
DateValue: TypeAlias = "date | str | float | np.datetime64 | NaTType | NAType | None"
"""A date cell: a date, Timestamp, ISO text or datetime64, or missing."""

_TIMEPOINT_COLUMNS = ("timepoint", "timepoint_start", "timepoint_order", "is_baseline",
                      "patient_code", "timepoint_code", "has_visit", "lesion_code")
_INDEX_COLUMNS = frozenset({"visit", "nodal", "status", "ld_mm", "sa_mm", "slice_thickness_mm",
                            *_TIMEPOINT_COLUMNS})


def indexed(measurements: pd.DataFrame) -> pd.DataFrame:
    """The measurements with their time point columns (``recist.baseline_rules.timepoint_index``).

    Optional columns that are absent are added empty, so hand-made tables work too;
    ``kind`` and ``status`` become categorical. The result is an ``IndexedMeasurements``
    carrying the table's encoding (``recist.cohort_index``), which the checks, their
    helpers' ``timepoint_index`` and the response engine
    (``recist.sums.timepoint_columns``) all read, so each text column is hashed once.
    The result shares the input's column arrays (no copy): read it, never write to it
    (the checks only read; ``tests/golden/perf`` checks that the input stays unchanged).
    """
    if (isinstance(measurements, IndexedMeasurements)
            or _INDEX_COLUMNS.issubset(measurements.columns)):
        return measurements  # already indexed (run_input_checks indexes once)
    # Built as one frame from its columns (no copy, no re-consolidation of a 1.4 M-row
    # cohort as columns are added).
    index = measurements.index
    columns = {name: measurements[name] for name in measurements.columns
               if name not in _TIMEPOINT_COLUMNS}
    for column, default in (("visit", pd.NA), ("nodal", False), ("status", pd.NA),
                            ("kind", pd.NA),
                            ("ld_mm", np.nan), ("sa_mm", np.nan),
                            ("slice_thickness_mm", np.nan)):
        if column not in columns:
            columns[column] = pd.Series(default, index=index,
                                        dtype=object if default is pd.NA else None)
    if not pd.api.types.is_datetime64_any_dtype(columns["date"]):
        columns["date"] = pd.to_datetime(columns["date"])
    encoding = CohortIndex(columns)
    for column, coded in (("kind", encoding.kind), ("status", encoding.status)):
        # categorical (fast comparisons on a cohort), from the codes: no hashing
        columns[column] = pd.Series(pd.Categorical.from_codes(
            coded.codes, categories=pd.Index(coded.uniques, dtype=object), validate=False),
            index=index, name=column)
    for name, values in encoding.timepoint_rows().items():
        columns[name] = pd.Series(values, index=index, name=name)
    columns["lesion_code"] = pd.Series(encoding.lesion_code, index=index, name="lesion_code")
    return IndexedMeasurements.of(columns, index, encoding)


def iso(value: DateValue) -> str | None:
    """A date as ``YYYY-MM-DD`` (None when missing).

    >>> iso(pd.Timestamp("2024-03-01 10:00")), iso(pd.NaT), iso("2024-03-01")
    ('2024-03-01', None, '2024-03-01')
    """
    if isinstance(value, pd.Timestamp) and 1000 <= value.year:  # the common case, first
        return f"{value.year}-{value.month:02d}-{value.day:02d}"
    if value is None or value is pd.NA or pd.isna(value):
        return None
    stamp = value if isinstance(value, pd.Timestamp) else pd.Timestamp(value)
    if 1000 <= stamp.year:  # what strftime("%Y-%m-%d") writes, without its cost
        return f"{stamp.year}-{stamp.month:02d}-{stamp.day:02d}"
    return stamp.strftime("%Y-%m-%d")


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    return None if text in ("", "<NA>") else text


def finding(row: Mapping[Hashable, Any], code: str, rule: str, severity: Severity, text: str,
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
    return make_finding(code, f"{where}: {text}", severity, rule, patient, date, visit,
                        lesion_id)


def iso_dates(values: pd.Series[Any] | npt.NDArray[Any]) -> list[str | None]:
    """``iso`` of every value, computed on the whole column when it holds datetime64.

    >>> iso_dates(pd.Series(pd.to_datetime(["2024-03-01 10:00", None])))
    ['2024-03-01', None]
    """
    array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if array.dtype.kind == "M":
        days = array.astype("datetime64[D]")
        years = days.astype("datetime64[Y]").astype(np.int64) + 1970
        if not ((years < 1000) | (years > 9999))[~np.isnat(days)].any():
            return [None if text == "NaT" else text for text in days.astype(str).tolist()]
    return [iso(value) for value in (values.tolist() if isinstance(values, pd.Series)
                                     else array.tolist())]


def findings_at(frame: pd.DataFrame, codes: str | list[str], rule: str, severity: Severity,
                texts: str | list[str], lesion: bool = True) -> list[Finding]:
    """``finding`` for every row of ``frame`` (the same findings, built column-wise).

    ``codes``, ``texts``: one for all rows, or one per row.
    """
    n_rows = len(frame)
    if n_rows == 0:
        return []
    if isinstance(texts, str):
        texts = [texts] * n_rows
    if isinstance(codes, str):
        codes = [codes] * n_rows
    patients = [str(p) for p in frame["patient_id"].tolist()]
    dates = iso_dates(frame["date"]) if "date" in frame.columns else [None] * n_rows
    visits = ([_text(v) for v in frame["visit"].tolist()] if "visit" in frame.columns
              else [None] * n_rows)
    lesions = ([_text(v) for v in frame["lesion_id"].tolist()]
               if lesion and "lesion_id" in frame.columns else [None] * n_rows)
    out: list[Finding] = []
    for patient, day, visit, lesion_id, code, text in zip(patients, dates, visits, lesions,
                                                          codes, texts):
        where = f"patient {patient}, {day}"
        if visit is not None:
            where += f" (visit {visit})"
        if lesion_id is not None:
            where += f", lesion {lesion_id}"
        out.append(make_finding(code, f"{where}: {text}", severity, rule, patient, day, visit,
                                lesion_id))
    return out


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the block runs (restored after, also
    on an exception; left as it was if it was already off).

    The checks build 10⁵ findings, each an object the collector would otherwise scan
    again and again while they accumulate (building them took twice as long); they are
    results that live on, and the temporaries of the checks are freed by reference
    counting, so a pause collects nothing less, only later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def value_codes(column: pd.Series[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    """Integer codes of a column's cells (-1: missing) and the value of each code (an object
    array): a categorical column's own codes (the indexed table's kind and status), else
    the cells factorized as an object array (pandas' string dtype factorizes 2.5x slower).

    >>> value_codes(pd.Series(["b", None, "b"], dtype="category"))
    (array([ 0, -1,  0]), array(['b'], dtype=object))
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        return (column.cat.codes.to_numpy(dtype=np.int64),
                np.asarray(column.cat.categories, dtype=object))
    codes, uniques = pd.factorize(np.asarray(column.array, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def cells_in(column: pd.Series[Any], *values: str) -> npt.NDArray[np.bool_]:
    """Whether each cell is one of ``values`` (missing: no), looked up by ``value_codes``.

    >>> cells_in(pd.Series(["new", None, "target"], dtype="category"), "new").tolist()
    [True, False, False]
    """
    codes, uniques = value_codes(column)
    wanted: npt.NDArray[np.bool_] = np.append(np.isin(uniques, list(values)), False)
    return wanted[codes]  # code -1 picks the appended False


def records(frame: pd.DataFrame) -> list[Row]:
    if len(frame) == 0:
        return []
    return frame.to_dict("records")


def rows_where(frame: pd.DataFrame, mask: Any) -> list[Row]:
    """``records(frame[mask])``, without selecting (copying) anything when a plain boolean
    mask selects no row -- the usual case of a check on clean data."""
    if (isinstance(mask, (pd.Series, np.ndarray)) and mask.dtype == np.bool_
            and not mask.any()):
        return []
    return records(frame[mask])
