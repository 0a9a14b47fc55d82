"""Plausibility bounds: the values no real CT measurement or trial date can take.

One table, :data:`BOUNDS`, documented in docs/tables.md ("Plausibility bounds"). Two kinds
of limit:

* **impossible** values are always refused: a diameter, thickness or spacing that is not a
  finite number, a negative diameter, a slice thickness or spacing of 0 or less, a negative
  duration, a diameter or thickness over 1 km (10⁶ mm: no sum or percentage stays exact);
* **implausible** values are refused unless the user says the data are exotic
  (``--allow-implausible`` on the command line, ``allow_implausible=True`` in Python, or
  the environment variable ``RECIST_ALLOW_IMPLAUSIBLE=1``, which the command line sets so
  that worker processes inherit it): a diameter over 1,000 mm, a slice thickness or
  spacing over 20 mm, a date before 1900-01-01 or more than a year after today.

``dicom_io`` cannot import this module (the layering rule, docs/README.md); it applies
the same spacing, thickness and date bounds to DICOM headers from its own constants in
``dicom_io.geometry`` (``MAX_SPACING_MM``, ``EARLIEST_DATE``, ``LATEST_DATE_MARGIN_DAYS``),
and a test keeps the two equal.

Every refusal names the table, the row and the column, and says how to proceed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.errors import RecistDataError

__all__ = [
    "ALLOW_ENVIRONMENT_VARIABLE",
    "BOUNDS",
    "EARLIEST_DATE",
    "LATEST_DATE_MARGIN_DAYS",
    "Bound",
    "check_dates",
    "check_durations",
    "check_numbers",
    "date_bounds",
    "first_date_beyond_ns",
    "first_nul_text",
    "first_time_of_day",
    "implausible_allowed",
    "index_label",
    "lowered_column_names",
    "refuse_nul_columns",
    "refuse_nul_text",
    "refuse_timezone_dates",
    "refuse_unusable_dates",
    "unreadable_date",
]

ALLOW_ENVIRONMENT_VARIABLE = "RECIST_ALLOW_IMPLAUSIBLE"
_OVERRIDE_HINT = "if the data really are so, rerun with --allow-implausible (docs/tables.md)"


@dataclass(frozen=True)
class Bound:
    """The accepted range of one quantity.

    ``low`` / ``high``: the impossible side (always refused) when ``hard_low`` /
    ``hard_high``; else the implausible side (refused unless allowed). ``low_open``: the
    low limit itself is refused (``> low`` rather than ``>= low``).
    """

    quantity: str
    columns: tuple[str, ...]
    unit: str
    low: float | None
    high: float | None
    low_open: bool = False
    hard_low: bool = True
    hard_high: bool = False
    why: str = ""
    limit: float | None = None
    """Above this even allowed values are refused: beyond it no computation is exact."""

    def describe(self) -> str:
        """The range in words, e.g. ``0 <= x <= 1000 mm``."""
        low = "" if self.low is None else f"{self.low:g} {'<' if self.low_open else '<='} "
        high = "" if self.high is None else f" <= {self.high:g}"
        return f"{low}{self.quantity}{high} {self.unit}".strip()


#: The plausibility table (docs/tables.md, "Plausibility bounds").
BOUNDS: dict[str, Bound] = {
    "diameter": Bound(
        "diameter", ("ld_mm", "sa_mm"), "mm", 0.0, 1000.0,
        why="a finite number >= 0; over 1 m is larger than any human lesion",
        limit=1e6),
    "slice_thickness": Bound(
        "slice thickness", ("slice_thickness_mm",), "mm", 0.0, 20.0, low_open=True,
        why="a finite number > 0; CT reconstructions are at most a few mm thick, 20 mm "
            "leaves room for old step-and-shoot scanners", limit=1e6),
    "spacing": Bound(
        "pixel or slice spacing", (), "mm", 0.0, 20.0, low_open=True,
        why="DICOM PixelSpacing and the step between slices (checked by dicom_io)"),
    "date": Bound(
        "date", ("date", "start_date", "death_date", "last_contact_date",
                 "new_therapy_date"), "", None, None, hard_low=False,
        why="from 1900-01-01 to one year after today (scan dates: not after today, "
            "DEC-20)"),
    "follow_up_days": Bound(
        "follow-up days", ("pfs_days", "dor_days"), "days", 0.0, None,
        why="a duration from start_date or from the response cannot be negative"),
}

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE_MARGIN_DAYS = 365


def implausible_allowed(allow: bool | None = None) -> bool:
    """``allow`` when given, else whether ``RECIST_ALLOW_IMPLAUSIBLE`` is set (not ``0``).

    >>> implausible_allowed(True), implausible_allowed(False)
    (True, False)
    """
    if allow is not None:
        return bool(allow)
    return os.environ.get(ALLOW_ENVIRONMENT_VARIABLE, "").strip() not in ("", "0")


def date_bounds(today: date | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The accepted dates, ``(1900-01-01, today + 1 year)``."""
    today = today or date.today()
    return (pd.Timestamp(EARLIEST_DATE),
            pd.Timestamp(today + timedelta(days=LATEST_DATE_MARGIN_DAYS)))


def refuse_timezone_dates(values: pd.Series, column: str, source: str) -> None:
    """Refuse a date column holding timezone-aware times.

    RECIST dates are calendar days (MEAS-11, DEC-20): which day a time with a timezone
    falls on depends on where it is read, so it is never converted silently (a scan at
    00:30 in Paris is the day before in UTC).

    >>> utc = pd.Series(pd.to_datetime(["2024-03-01"]).tz_localize("UTC"))
    >>> refuse_timezone_dates(utc, "date", "measurements")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    recist.errors.RecistDataError: measurements: column date holds times with a timezone (UTC); ...
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        raise RecistDataError(
            f"{source}: column {column} holds times with a timezone ({values.dtype.tz}); give "
            "calendar dates, the local day of each (in pandas: "
            ".dt.tz_localize(None).dt.normalize())")


def first_time_of_day(values: pd.Series) -> int | None:
    """The position of the first value of a (naive) datetime column that holds a time of
    day, or None when every value is a day (midnight) or missing.

    RECIST dates are scan days (MEAS-11, DEC-20): the rows of one scan day form one
    time point, so a time of day is refused where a table enters (a CSV cell
    ``2024-01-02 09:00`` is refused alike), never read silently as a time point of its own.

    >>> first_time_of_day(pd.Series(pd.to_datetime(["2024-03-01", None, "2024-03-02T09:30"],
    ...                                             format="ISO8601")))
    2
    >>> first_time_of_day(pd.Series(pd.to_datetime(["2024-03-01", None]))) is None
    True
    """
    if not pd.api.types.is_datetime64_dtype(values.dtype):
        return None
    raw = values.to_numpy()  # in its own unit: no conversion that could overflow
    unit: Any = np.datetime_data(raw.dtype)[0]
    per_day = int(np.timedelta64(1, "D") / np.timedelta64(1, unit))
    ticks = raw.view(np.int64)
    days = ticks // per_day  # by a scalar: several times faster than ``ticks % per_day``
    days *= per_day  # the start of each value's day (NaT wraps: never equal, as it is)
    if (days == ticks).all():  # the usual case: every value a whole day
        return None
    timed = np.flatnonzero((ticks % per_day != 0) & (ticks != np.iinfo(np.int64).min))  # NaT
    return int(timed[0]) if len(timed) else None


_NS_FIRST_DAY = np.datetime64("1677-09-22")
_NS_LAST_DAY = np.datetime64("2262-04-11")
"""The first and last whole days a nanosecond datetime (pandas' and recist's) holds."""


def first_date_beyond_ns(values: pd.Series) -> int | None:
    """The position of the first date of a datetime column in a coarser unit (seconds,
    days …) that a nanosecond datetime cannot hold (before 1677-09-22, after 2262-04-11),
    or None: converting it would wrap around without a word (2500-01-01 became 1915-06-14).

    >>> first_date_beyond_ns(pd.Series(np.array(["2024-01-01", "2500-01-01"], "datetime64[s]")))
    1
    """
    if not pd.api.types.is_datetime64_dtype(values.dtype) or values.dtype == np.dtype(
            "datetime64[ns]"):
        return None
    raw = values.to_numpy()
    beyond = np.flatnonzero((raw < _NS_FIRST_DAY) | (raw > _NS_LAST_DAY))  # NaT: neither
    return int(beyond[0]) if len(beyond) else None


def refuse_unusable_dates(values: pd.Series, column: str, where: Callable[[int], str],
                          days_only: bool = True, distinct: pd.Series | None = None) -> None:
    """Refuse a parsed date column naming the first row it cannot hold as RECIST dates:
    a date a nanosecond datetime cannot hold (``first_date_beyond_ns``) and, when
    ``days_only``, a time of day (``first_time_of_day``: the rows of one scan day are one
    time point, MEAS-11, DEC-20). ``where(position)`` describes a row for the message.
    ``distinct``: the column's distinct dates, looked at first; the rows only when one of
    them is refused (to name the first such row).

    >>> refuse_unusable_dates(pd.Series(pd.to_datetime(["2024-03-01T09:30"])), "date",
    ...                       lambda row: f"row {row}")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    recist.errors.RecistDataError: row 0: date 2024-03-01 09:30:00 holds a time of day; ...
    """
    if distinct is not None and first_date_beyond_ns(distinct) is None and not (
            days_only and first_time_of_day(distinct) is not None):
        return  # every distinct date is usable: no row to look at
    beyond = first_date_beyond_ns(values)
    if beyond is not None:
        raise RecistDataError(
            f"{where(beyond)}: {column} {values.iloc[beyond]} is outside the dates recist can "
            "hold (1677-09-22 to 2262-04-11); correct the date")
    timed = first_time_of_day(values) if days_only else None
    if timed is not None:
        raise RecistDataError(
            f"{where(timed)}: {column} {values.iloc[timed]} holds a time of day; RECIST dates "
            "are scan days and the rows of one scan day form one time point: give the day of "
            "each (in pandas: .dt.normalize())")


def first_nul_text(column: pd.Series) -> int | None:
    """The position of the first cell holding text with a NUL character (U+0000), or
    None when there is none.

    pandas hashes a column of text alone by each text's C string, which ends at its first
    NUL: ``"P\\x00a"``, ``"P\\x00b"`` and ``"P"`` would be grouped as one value (pandas
    2.3), so two patients, lesions or visits would be merged without a word. Such a cell
    is refused where a table enters (``refuse_nul_text``). A categorical column's categories
    are looked at (then the rows of the first such category); a column of text alone is
    looked at in one pass over its joined text.

    >>> first_nul_text(pd.Series(["P1", "P\\x00b", None])), first_nul_text(pd.Series(["P1"]))
    (1, None)
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        if not len(categories):
            return None
        holding = np.flatnonzero(first_nul_flags(np.asarray(categories, dtype=object)))
        if not len(holding):
            return None
        rows = np.flatnonzero(np.isin(column.cat.codes.to_numpy(), holding))
        return int(rows[0]) if len(rows) else None
    flags = first_nul_flags(np.asarray(column.array, dtype=object))
    rows = np.flatnonzero(flags)
    return int(rows[0]) if len(rows) else None


def first_nul_flags(values: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """Whether each value is text holding a NUL character; text with no NUL (the usual
    case) is settled by one C pass over its joined cells (missing cells left out)."""
    try:
        if "\x00" not in "".join(values):
            return np.zeros(len(values), dtype=bool)
    except TypeError:  # a cell that is not text: the missing ones left out
        try:
            if "\x00" not in "".join(values[pd.notna(values)]):
                return np.zeros(len(values), dtype=bool)
        except TypeError:  # a number or other object: looked at one by one
            pass
    return np.fromiter((isinstance(value, str) and "\x00" in value
                        for value in values.tolist()), dtype=bool, count=len(values))


def index_label(index: pd.Index, row: int) -> str:
    """The label at position ``row`` of ``index`` as a message writes it: ``repr`` of the
    Python value (``12``, ``'a'``), not of numpy's scalar (``np.int64(12)``).

    >>> index_label(pd.Index([5, 12]), 1), index_label(pd.Index(["a"]), 0)
    ('12', "'a'")
    """
    return repr(index[row:row + 1].tolist()[0])


def refuse_nul_text(column: pd.Series, name: str, where: Callable[[int], str]) -> None:
    """Refuse a text column holding a NUL character (``first_nul_text``), naming the first
    such row (``where(position)`` describes it) and how to fix it."""
    row = first_nul_text(column)
    if row is not None:
        raise RecistDataError(
            f"{where(row)}: {name} holds a NUL character (\\x00), which no text cell may hold "
            "(it would make different ids one); remove it (a file saved as UTF-16 has a "
            "NUL beside each letter: save it as UTF-8)")


def lowered_column_names(columns: Iterable[object], source: str, table: str,
                         read: Iterable[str] | None = None) -> list[str]:
    """The column names stripped and lower-cased, as every reader compares them; a
    ``RecistDataError`` when two columns become one name among ``read`` (every name when
    None): of ``Organ`` and ``organ`` nobody can say which cells are meant.

    >>> lowered_column_names([" Patient_ID", "Arm", "arm"], "p.csv", "patients table",
    ...                      read=["patient_id"])
    ['patient_id', 'arm', 'arm']
    >>> lowered_column_names(["Organ", "organ"], "m.csv", "measurements table")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    recist.errors.RecistDataError: m.csv: the column organ is named 2 times (Organ, organ); ...
    """
    given = list(columns)
    names = [str(c).strip().lower() for c in given]
    checked = set(names) if read is None else set(read)
    for name in dict.fromkeys(names):
        if name in checked and names.count(name) > 1:
            named = ", ".join(str(c) for c, n in zip(given, names) if n == name)
            raise RecistDataError(
                f"{source}: the column {name} is named {names.count(name)} times ({named}); "
                f"a {table} names each column once")
    return names


def refuse_nul_columns(table: pd.DataFrame | Mapping[str, pd.Series], columns: Iterable[str],
                       where: Callable[[int], str]) -> None:
    """``refuse_nul_text`` on each of ``columns`` the table (a frame, or its columns by
    name) holds, ``where(position)`` describing a row: before any of them is hashed or
    grouped."""
    for column in columns:
        if column in table:
            refuse_nul_text(table[column], column, where)


def unreadable_date(text: object) -> str:
    """Why a date cell could not be read, in words (for a cell pandas could not parse).

    >>> unreadable_date("2999-01-01"), unreadable_date("08/01/2024")
    ('is outside the dates recist can hold (up to 2262-04-11)', 'is not an ISO date (YYYY-MM-DD)')
    """
    value = str(text).strip()
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return "is outside the dates recist can hold (up to 2262-04-11)"
    return "is not an ISO date (YYYY-MM-DD)"


def _number(value: float) -> str:
    """A number for a message, never longer than a few characters."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "infinite" if value > 0 else "minus infinite"
    return f"{value:.6g}"


def check_numbers(frame: pd.DataFrame, bound: Bound, where, *,
                  allow: bool | None = None, columns: tuple[str, ...] | None = None) -> None:
    """Refuse the first value of ``columns`` (default ``bound.columns``) outside ``bound``.

    ``frame`` holds floats (missing values are NaN and pass: absence is not checked here).
    ``where(row)`` describes a row for the message. Raises ``RecistDataError``.

    >>> table = pd.DataFrame({"ld_mm": [12.0, 1500.0], "sa_mm": [np.nan, np.nan]})
    >>> check_numbers(table, BOUNDS["diameter"], lambda row: f"row {row + 2}")
    Traceback (most recent call last):
    ...
    recist.errors.RecistDataError: row 3: ld_mm 1500 is outside 0 <= diameter <= 1000 mm; ...
    """
    lenient = implausible_allowed(allow)
    for column in columns or bound.columns:
        if column not in frame.columns:
            continue
        values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
        present = ~np.isnan(values)
        infinite = np.isinf(values)
        hard = infinite.copy()
        soft = np.zeros(len(values), dtype=bool)
        with np.errstate(invalid="ignore"):
            if bound.low is not None:
                below = (values <= bound.low) if bound.low_open else (values < bound.low)
                (hard if bound.hard_low else soft)[...] |= below & present & ~infinite
            if bound.high is not None:
                above = (values > bound.high) & present & ~infinite
                (hard if bound.hard_high else soft)[...] |= above
            if bound.limit is not None:
                hard |= (values > bound.limit) & present
        bad = hard | (soft & ~lenient)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            value = float(values[row])
            hint = "" if hard[row] else f"; {_OVERRIDE_HINT}"
            raise RecistDataError(
                f"{where(frame.index[row])}: {column} {_number(value)} is outside "
                f"{bound.describe()}{hint}")


def check_dates(frame: pd.DataFrame, columns: tuple[str, ...], where, *,
                allow: bool | None = None, today: date | None = None) -> None:
    """Refuse the first date of ``columns`` outside :func:`date_bounds` (unless allowed).

    ``frame`` holds ``datetime64`` columns (NaT passes).

    >>> table = pd.DataFrame({"date": pd.to_datetime(["2024-01-08", "1899-12-31"])})
    >>> check_dates(table, ("date",), lambda row: f"row {row + 2}", today=date(2025, 1, 1))
    Traceback (most recent call last):
    ...
    recist.errors.RecistDataError: row 3: date 1899-12-31 is outside 1900-01-01 … 2026-01-01; ...
    """
    if implausible_allowed(allow):
        return
    low, high = date_bounds(today)
    for column in columns:
        if column not in frame.columns:
            continue
        values = frame[column]
        stamps = values.to_numpy()
        if stamps.dtype == np.dtype("datetime64[ns]"):  # NaT compares False
            bad = (stamps < low.to_datetime64()) | (stamps > high.to_datetime64())
        else:
            bad = (values.notna() & ((values < low) | (values > high))).to_numpy(dtype=bool)
        if bad.any():
            row = values.index[bad][0]
            raise RecistDataError(
                f"{where(row)}: {column} {values[row].strftime('%Y-%m-%d')} is outside "
                f"{low.strftime('%Y-%m-%d')} … {high.strftime('%Y-%m-%d')}; "
                f"{_OVERRIDE_HINT}")


def check_durations(summary: pd.DataFrame) -> None:
    """Refuse a negative duration (``pfs_days``, ``dor_days``) of a patient summary.

    A negative PFS means the PFS date (a scan, or a death) lies before the reference
    date: the dates of the tables contradict each other (e.g. a scan dated 1900).

    >>> summary = pd.DataFrame({"patient_id": ["P1"], "pfs_days": [-5], "dor_days": [None],
    ...     "pfs_date": pd.to_datetime(["2024-01-01"])})
    >>> check_durations(summary)
    Traceback (most recent call last):
    ...
    recist.errors.RecistDataError: patient P1: pfs_days is -5 (PFS date 2024-01-01): a ...
    """
    for column in BOUNDS["follow_up_days"].columns:
        if column not in summary.columns:
            continue
        values = summary[column]
        if not pd.api.types.is_numeric_dtype(values.dtype):
            values = pd.to_numeric(values, errors="coerce")
        days = values.to_numpy(dtype=np.float64, na_value=np.nan)  # NaN is never < 0
        negative = np.flatnonzero(days < 0)
        if len(negative):
            position = int(negative[0])
            record = summary.iloc[position]
            when = ""
            if column == "pfs_days" and "pfs_date" in summary.columns \
                    and not pd.isna(record["pfs_date"]):
                when = f" (PFS date {pd.Timestamp(record['pfs_date']).strftime('%Y-%m-%d')})"
            start = ("the start of follow-up" if column == "pfs_days"
                     else "the response date")
            raise RecistDataError(
                f"patient {record['patient_id']}: {column} is {int(days[position])}{when}: a "
                f"duration cannot be negative; the {'PFS' if column == 'pfs_days' else 'end'}"
                f" date lies before {start} — check the scan dates and start_date")
