"""Shared helpers of the ``recist.checks*`` modules: the indexed table and findings.

Not public API: use the ``check_…`` functions of ``recist.checks``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from datetime import date
from itertools import repeat
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.typing import NaTType, NAType

from recist.arrays import combined_codes, first_row_of_each
from recist.cohort_index import (
    CohortIndex,
    IndexedMeasurements,
    TextCodes,
    text_codes,
    visit_label,
)
from recist.findings import Finding, Findings, Severity, make_finding
from recist.plausibility import index_label, refuse_timezone_dates, refuse_unusable_dates

__all__ = ["codes_of", "decoded", "finding", "findings_at", "findings_at_rows",
           "findings_of_columns", "indexed", "iso",
           "iso_dates", "made_findings", "records"]

Row: TypeAlias = "dict[Hashable, Any]"
"""One table row as a dict (column name → cell), as ``DataFrame.to_dict("records")``."""
DateValue: TypeAlias = "date | str | float | np.datetime64 | NaTType | NAType | None"
"""A date cell: a date, Timestamp, ISO text or datetime64, or missing."""

_TIMEPOINT_COLUMNS = ("timepoint", "timepoint_start", "timepoint_order", "is_baseline",
                      "patient_code", "timepoint_code", "has_visit", "lesion_code")


def indexed(measurements: pd.DataFrame) -> pd.DataFrame:
    """The measurements with their time point codes and ``lesion_code``.

    The codes are ``recist.cohort_index.CohortIndex.timepoint_codes`` (``timepoint_order``,
    ``is_baseline``, ``patient_code``, ``timepoint_code``, ``has_visit``); the time points'
    labels and start dates, which no check reads, are only in
    ``recist.baseline_rules.timepoint_index``.

    Optional columns that are absent are added empty, so hand-made tables work too;
    ``kind`` and ``status`` become categorical. The result is an ``IndexedMeasurements``
    carrying the table's encoding (``recist.cohort_index``), which the checks, their
    helpers' ``timepoint_index`` and the response engine
    (``recist.sums.timepoint_columns``) all read, so each text column is hashed once.
    The result shares the input's column arrays (no copy): read it, never write to it
    (the checks only read; ``tests/golden/perf`` checks that the input stays unchanged).
    A copy or subset of an indexed table (a plain frame holding time point columns) is
    indexed anew from its own rows: the time point columns it carries are dropped and
    computed again, never trusted.
    """
    if (isinstance(measurements, IndexedMeasurements)
            and getattr(measurements, "cohort_index", None) is not None):
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
    refuse_timezone_dates(columns["date"], "date", "measurements")
    if not pd.api.types.is_datetime64_any_dtype(columns["date"]):
        columns["date"] = pd.to_datetime(columns["date"])
    ids = columns["patient_id"]

    def where(row: int) -> str:
        patient = ids.iloc[row]
        # an id holding a NUL (refused later, by its column) is not printed
        named = "" if "\x00" in str(patient) else f" (patient_id {patient})"
        return f"measurements row at index {index_label(index, row)}{named}"

    encoding = CohortIndex(columns)
    refuse_unusable_dates(columns["date"], "date", where,
                          distinct=_distinct_dates(encoding, columns["date"], where))
    for column, coded in (("kind", encoding.kind), ("status", encoding.status)):
        # categorical (fast comparisons on a cohort), from the codes: no hashing
        columns[column] = pd.Series(pd.Categorical.from_codes(
            coded.codes, categories=pd.Index(coded.uniques, dtype=object), validate=False),
            index=index, name=column)
    for name, values in encoding.timepoint_codes().items():
        columns[name] = pd.Series(values, index=index, name=name)
    columns["lesion_code"] = pd.Series(encoding.lesion_code, index=index, name="lesion_code")
    return IndexedMeasurements.of(columns, index, encoding)


def _distinct_dates(encoding: CohortIndex, dates: pd.Series[Any],
                    where: Callable[[int], str]) -> pd.Series[Any] | None:
    """The distinct dates of a datetime64[ns] column, as its time points' first dates
    when each time point's rows share one date (the time points made before the dates are
    refused: a nanosecond date is never beyond what they hold, a time of day only splits
    them), for ``refuse_unusable_dates`` to look at before the rows; None otherwise.
    A failure while the time points are made (a text column's NUL refused) comes after
    the dates' refusal, as when the dates were refused first."""
    if dates.dtype != np.dtype("datetime64[ns]"):
        return None
    try:
        tps = encoding.timepoints
    except Exception:  # e.g. a visit label refused: the dates are refused first, as before
        refuse_unusable_dates(dates, "date", where)
        raise
    if not tps.one_date_each:
        return None
    return pd.Series(tps.first_ns.view("datetime64[ns]"))


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
    """A lesion id as text, or None when missing (None, NaN, ``pd.NA``, ``""``, ``"<NA>"``)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    return None if text in ("", "<NA>") else text


def finding(row: Mapping[Hashable, Any], code: str, rule: str, severity: Severity, text: str,
             lesion: bool = True) -> Finding:
    """A finding located at a row: patient, date, visit and (optionally) lesion.

    The visit is named as the time points name it (``recist.cohort_index.visit_label``:
    stripped, a blank label is none), so a row of visit " C2 " is at visit "C2".
    """
    patient = str(row["patient_id"])
    date = iso(row.get("date"))
    visit = visit_label(row.get("visit"))
    lesion_id = _text(row.get("lesion_id")) if lesion else None
    return make_finding(code, f"{_where(patient, date, visit, lesion_id)}: {text}", severity,
                        rule, patient, date, visit, lesion_id)


def _where(patient: str, date: str | None, visit: str | None, lesion_id: str | None) -> str:
    """``patient P, 2024-01-02 (visit V1), lesion T1``: where a finding applies."""
    where = f"patient {patient}, {date}"
    if visit is not None:
        where += f" (visit {visit})"
    if lesion_id is not None:
        where += f", lesion {lesion_id}"
    return where


def iso_dates(values: pd.Series[Any] | npt.NDArray[Any]) -> list[str | None]:
    """``iso`` of every value, computed on the whole column when it holds datetime64: each
    distinct day written once (findings of a cohort share a few hundred days).

    >>> iso_dates(pd.Series(pd.to_datetime(["2024-03-01 10:00", None, "2024-03-01 11:00"])))
    ['2024-03-01', None, '2024-03-01']
    """
    array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    days = _iso_days(array)
    if days is not None:
        at, texts = days
        return texts[at].tolist()
    return [iso(value) for value in (values.tolist() if isinstance(values, pd.Series)
                                     else array.tolist())]


def _iso_days(array: npt.NDArray[Any]
              ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]] | None:
    """``iso_dates`` of a datetime64 array as each value's position among the distinct
    days and their texts (an object array; None for NaT), or None when the array is
    not datetime64 or holds a year outside 1000-9999 (``iso`` writes those)."""
    array = np.asarray(array)  # a pandas DatetimeArray (a non-ns date column) too
    if array.dtype.kind != "M":
        return None
    days = array.astype("datetime64[D]")
    # NaT is an int64 like any other here: one distinct day, written "NaT"
    at, distinct = pd.factorize(days.view(np.int64))
    distinct = distinct.view("datetime64[D]")
    years = distinct.astype("datetime64[Y]").astype(np.int64) + 1970
    if ((years < 1000) | (years > 9999))[~np.isnat(distinct)].any():
        return None
    texts = [None if text == "NaT" else text for text in distinct.astype(str).tolist()]
    return at, np.array(texts, dtype=object)


def findings_at(frame: pd.DataFrame, codes: str | list[str] | npt.NDArray[np.object_],
                rule: str | list[str],
                severity: Severity | list[Severity], texts: str | list[str],
                lesion: bool = True) -> Findings:
    """``finding`` for every row of ``frame`` (the same findings, built column-wise).

    ``codes``, ``texts``: one for all rows, or one per row.
    """
    return findings_of_columns(len(frame), frame, codes, rule, severity, texts, lesion)


def findings_of_columns(n_rows: int, columns: pd.DataFrame | Mapping[str, pd.Series[Any]],
                        codes: str | list[str] | npt.NDArray[np.object_],
                        rule: str | list[str], severity: Severity | list[Severity],
                        texts: str | list[str], lesion: bool = True) -> Findings:
    """``findings_at`` of a table given as the columns of its ``n_rows`` rows: a
    DataFrame, or Series of ``n_rows`` cells by column name (no table built of a few
    columns)."""
    if n_rows == 0:
        return Findings()
    nothing: list[str | None] = [None] * n_rows
    patients = [str(p) for p in columns["patient_id"].tolist()]
    dates = iso_dates(columns["date"]) if "date" in columns else nothing
    visits = (_per_distinct(visit_label, columns["visit"]) if "visit" in columns
              else nothing)
    lesions = (_per_distinct(_text, columns["lesion_id"])
               if lesion and "lesion_id" in columns else None)
    return made_findings(codes, rule, severity, texts, patients, dates, visits, lesions)


def findings_at_rows(frame: pd.DataFrame, rows: npt.ArrayLike,
                     codes: str | list[str] | npt.NDArray[np.object_],
                     rule: str | list[str], severity: Severity | list[Severity],
                     texts: str | list[str], lesion: bool = True,
                     lesion_rows: npt.ArrayLike | None = None,
                     patients: list[str] | npt.NDArray[np.object_] | None = None,
                     text_codes: npt.NDArray[np.integer[Any]] | None = None) -> Findings:
    """``findings_at(frame.iloc[rows], …)`` without selecting the rows' other columns: the
    patient, visit and lesion of a row of an ``indexed`` table come from its encoding.

    ``lesion_rows``: the lesion of each finding from these rows instead (the date, visit
    and patient from ``rows``). ``rule`` and ``severity`` may also be one per row.
    ``patients``: the rows' patient ids as ``decoded(encoding.patient, rows, str, …)``
    gives them (a list or an object array), when the caller has them already.
    ``text_codes``: ``texts`` are the distinct texts and each finding's is
    ``texts[text_codes[i]]`` (its message then written from the part after the patient's
    id, made once per distinct date, visit and text, when it names no lesion).
    """
    rows = np.asarray(rows, dtype=np.intp)
    at = rows if lesion_rows is None else np.asarray(lesion_rows, dtype=np.intp)
    encoding = getattr(frame, "cohort_index", None)
    if len(rows) == 0:
        return Findings()
    if not isinstance(frame, IndexedMeasurements) or encoding is None:
        located = frame.iloc[rows]
        if lesion_rows is not None:
            located = located.assign(lesion_id=frame["lesion_id"].to_numpy()[at])
        return findings_at(located, codes, rule, severity, _each(texts, text_codes), lesion)
    if patients is None:
        patients = decoded(encoding.patient, rows, str, frame["patient_id"])
    days = _iso_days(encoding.date_ns[rows].view("datetime64[ns]")  # the column's values
                     if frame["date"].dtype == np.dtype("datetime64[ns]")
                     else frame["date"].array[rows])
    # (an object array: a column of the findings as it is, no list to convert)
    dates: list[str | None] | npt.NDArray[np.object_] = (
        days[1][days[0]] if days is not None else iso_dates(frame["date"].array[rows]))
    tps = encoding.timepoints
    # each row's visit label as its code (a visit label's code < that of any date label;
    # -1: the row has none), the labels and the messages' " (visit V)" taken from the
    # few visit labels by it (each written once)
    label_code = np.where(tps.has_visit[rows], tps.label_code[tps.row_tp[rows]], -1)
    n_visits = int(label_code.max(initial=-1)) + 1
    visit_labels = tps.labels[:n_visits].tolist()
    label_of = np.array([*visit_labels, None], dtype=object)  # the last: no label (-1)
    part_of = np.array([f" (visit {label})" for label in visit_labels] + [""], dtype=object)
    lesions = decoded(encoding.lesion, at, _text, frame["lesion_id"]) if lesion else None
    if text_codes is not None and days is not None and not lesion and not isinstance(texts, str):
        return made_findings(codes, rule, severity, texts, patients, dates,
                             label_of[label_code], None,
                             tails=_tails(days, label_code, part_of, text_codes, texts))
    return made_findings(codes, rule, severity, _each(texts, text_codes), patients,
                         dates.tolist() if isinstance(dates, np.ndarray) else dates,
                         label_of[label_code], lesions,
                         visit_parts=part_of[label_code].tolist())


def _each(texts: str | list[str], text_codes: npt.NDArray[np.integer[Any]] | None
          ) -> str | list[str]:
    """Each finding's text: ``texts`` as given, or picked from them by ``text_codes``."""
    if text_codes is None or isinstance(texts, str):
        return texts
    picked: list[str] = np.array(texts, dtype=object)[text_codes].tolist()
    return picked


def _tails(days: tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]],
           label_code: npt.NDArray[np.integer[Any]], part_of: npt.NDArray[np.object_],
           text_codes: npt.NDArray[np.integer[Any]], texts: list[str]) -> list[str]:
    """Each message's part after ``patient P, `` when it names no lesion:
    ``{day}{ (visit V)}: {text}``, written once per distinct (day, visit, text)."""
    day_at, day_texts = days
    tail = combined_codes([day_at, label_code, text_codes])
    first = first_row_of_each(tail)
    made = np.array([f"{day}{part}: {texts[text]}" for day, part, text in zip(
        day_texts[day_at[first]].tolist(), part_of[label_code[first]].tolist(),
        np.asarray(text_codes)[first].tolist())], dtype=object)
    tails: list[str] = made[tail].tolist()
    return tails


def made_findings(codes: str | list[str] | npt.NDArray[np.object_], rule: str | list[str],
                  severity: Severity | list[Severity], texts: str | list[str],
                  patients: list[str] | npt.NDArray[np.object_],
                  dates: list[str | None] | npt.NDArray[np.object_],
                  visits: list[str | None] | npt.NDArray[np.object_],
                  lesions: list[str | None] | None,
                  visit_parts: list[str] | None = None,
                  tails: list[str] | None = None) -> Findings:
    """The findings of columns (one value per finding; ``codes``, ``rule``, ``severity``,
    ``texts``: one for all or one each), their messages starting with ``_where``;
    ``lesions`` None: no finding names a lesion. ``visit_parts``: each message's
    `` (visit V)`` ("" without a visit), when the caller has them (else made from
    ``visits``). ``tails``: each message's part after ``patient P, `` (``lesions``
    None), when the caller has them (then ``texts`` and ``visit_parts`` are not read).
    ``codes``, ``patients`` and ``visits`` (and ``dates`` with ``tails``) may be object
    arrays of Python values: kept as the findings' columns as they are (no list to
    convert)."""
    n = len(patients)
    # the messages read lists (iterated faster than an object array)
    listed = patients.tolist() if isinstance(patients, np.ndarray) else patients
    if tails is not None:
        messages = [f"patient {patient}, {tail}" for patient, tail in zip(listed, tails)]
        return Findings.from_columns(n, code=codes, message=messages, severity=severity,
                                     rule=rule, patient_id=patients, date=dates,
                                     visit=visits, lesion_id=lesions)
    each_text = repeat(texts, n) if isinstance(texts, str) else texts
    if visit_parts is None:
        visit_parts = ["" if visit is None else f" (visit {visit})" for visit in visits]
    if lesions is None:
        messages = [f"patient {patient}, {day}{part}: {text}"
                    for patient, day, part, text in zip(listed, dates, visit_parts,
                                                        each_text)]
    else:
        messages = [f"patient {patient}, {day}{part}"
                    f"{'' if lesion_id is None else f', lesion {lesion_id}'}: {text}"
                    for patient, day, part, lesion_id, text in zip(
                        listed, dates, visit_parts, lesions, each_text)]
    return Findings.from_columns(n, code=codes, message=messages, severity=severity,
                                 rule=rule, patient_id=patients, date=dates, visit=visits,
                                 lesion_id=lesions)


def _per_distinct(convert: Callable[[Any], str | None], column: pd.Series[Any]
                  ) -> list[str | None]:
    """``convert`` of every cell, called once per distinct cell."""
    coded = text_codes(column)
    return decoded(coded, np.arange(len(column)), convert, column)


def decoded(coded: TextCodes, rows: npt.NDArray[np.intp],
             convert: Callable[[Any], str | None],
             column: pd.Series[Any] | None = None) -> list[Any]:
    """``convert(value)`` at each of ``rows``, once per distinct value of the column
    (``TextCodes.converted``, kept for the next call); a missing value (code -1) is
    converted as its cell in ``column`` when given, else as None."""
    at = coded.codes[rows]
    out: list[Any] = coded.converted(convert)[at].tolist()  # code -1: convert(None)
    missing = at < 0
    if column is not None and missing.any():
        cells = column.array
        for i in np.flatnonzero(at < 0).tolist():
            out[i] = convert(cells[rows[i]])
    return out


_ENCODED = {"patient_id": "patient", "lesion_id": "lesion", "kind": "kind",
            "status": "status"}
"""The text columns an ``IndexedMeasurements`` table's encoding holds codes of."""


def codes_of(frame: pd.DataFrame, column: str) -> TextCodes:
    """A text column of a table as ``TextCodes``: the encoding's (computed once per table)
    for the columns it encodes of an ``indexed`` table, else ``text_codes`` of the column.

    >>> codes_of(pd.DataFrame({"kind": ["new", None, "target"]}), "kind").rows_equal(
    ...     "new").tolist()
    [True, False, False]
    """
    encoding = getattr(frame, "cohort_index", None)
    if isinstance(frame, IndexedMeasurements) and encoding is not None and column in _ENCODED:
        coded: TextCodes = getattr(encoding, _ENCODED[column])
        return coded
    return text_codes(frame[column])


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
