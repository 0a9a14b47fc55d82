"""The patients table: reference dates for best response and time-to-event endpoints.

Columns (docs/tables.md, "patients table"): ``patient_id``, ``start_date`` (treatment start or
randomisation), optional ``death_date``, ``last_contact_date``, ``new_therapy_date``
(start of a new anticancer therapy, DEC-17) and ``arm``. CSV conventions are those of the
measurements table: UTF-8, ISO dates, an empty cell is missing, extra columns pass through.

A missing ``start_date`` is allowed: durations then run from the patient's baseline scan
(DEC-7; ``recist.patient_summary`` reports it as a finding). Dates that cannot be read, a
death before the start of treatment and duplicated patients are refused with
``RecistDataError`` naming the file, the CSV row, the patient and the column.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from recist.errors import RecistDataError
from recist.plausibility import (
    check_dates,
    lowered_column_names,
    refuse_nul_columns,
    refuse_timezone_dates,
    refuse_unusable_dates,
    unreadable_date,
)
from recist.table import read_csv_table

__all__ = ["DATE_COLUMNS", "MAX_SIZE_VARIABLE", "PATIENT_COLUMNS", "normalise_patients",
           "read_patients"]

MAX_SIZE_VARIABLE = "RECIST_MAX_PATIENTS_MB"
DEFAULT_MAX_SIZE_MB = 256.0
"""A patients table holds one short row per patient (a million patients: about 100 MB);
a larger file is refused before it is read, its size named (issue #13)."""

PATIENT_COLUMNS = (
    "patient_id", "start_date", "death_date", "last_contact_date", "new_therapy_date", "arm",
)
DATE_COLUMNS = ("start_date", "death_date", "last_contact_date", "new_therapy_date")


def _where(source: str, row: int, patient_id: object) -> str:
    """Describe a row for messages: file, CSV line (header is line 1), patient."""
    text = f"{source} row {int(row) + 2}"
    if patient_id is not None and not pd.isna(patient_id):
        text += f", patient_id {patient_id}"
    return text


def _clean_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return pd.NA
    text = str(value).strip()
    return pd.NA if text == "" else text


def _text_column(values: pd.Series) -> pd.Series:
    """A column as stripped strings (``string`` dtype), an empty text missing: what
    :func:`_clean_text` gives for each cell (``_text_array`` as a Series)."""
    return pd.Series(_text_array(values), index=values.index, name=values.name)


def _text_array(values: pd.Series) -> pd.api.extensions.ExtensionArray:
    """The cells of :func:`_text_column`: one pass of ``str.strip`` over the cells when the
    column holds text (a table read from CSV, or one normalised before), the cell-by-cell
    :func:`_clean_text` otherwise."""
    if isinstance(values.dtype, pd.StringDtype) or (
            pd.api.types.is_object_dtype(values.dtype)
            and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")):
        texts = np.empty(len(values), dtype=object)
        if values.isna().all():  # an absent optional column (arm): no cell to look at
            texts[:] = pd.NA
        else:  # every cell is text or missing: a missing cell (None, NaN, NA) is no str
            texts[:] = [(cell.strip() or pd.NA) if isinstance(cell, str) else pd.NA
                        for cell in np.asarray(values.array, dtype=object).tolist()]
        dtype = pd.StringDtype()  # what astype("string") gives (pandas' storage option)
        if dtype.storage == "python":
            return pd.arrays.StringArray(texts)  # checks the cells, without converting
        return pd.array(texts, dtype=dtype)
    return values.map(_clean_text).astype("string").array


def _parse_dates(values: pd.Series, ids: npt.NDArray[np.object_], column: str,
                 source: str) -> npt.NDArray[np.datetime64]:
    """Parse one ISO date column as ``datetime64[ns]`` days; empty cells become NaT,
    anything else unreadable raises (``ids``: each row's patient, for the message)."""
    refuse_timezone_dates(values, column, source)
    if values.dtype == np.dtype("datetime64[ns]"):  # dates already: midnight of each day
        days: npt.NDArray[np.datetime64] = (values.to_numpy().astype("datetime64[D]")
                                            .astype("datetime64[ns]"))
        return days
    # a time of day is read as its day here (the day is what the durations count)
    refuse_unusable_dates(values, column, lambda row: _where(source, row, ids[row]),
                          days_only=False)
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values).dt.normalize().astype("datetime64[ns]").to_numpy()
    if values.isna().all():  # an absent optional column: NaT, as parsing would give
        return np.full(len(values), np.datetime64("NaT", "ns"))
    parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    retry = parsed.isna() & values.notna()
    if retry.any():  # blanks and padded text: clean only those cells
        text = values[retry].map(_clean_text)
        parsed[retry] = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = text.index[parsed[retry].isna() & text.notna()]
        if len(bad):
            row = bad[0]
            raise RecistDataError(
                f"{_where(source, row, ids[row])}: {column} "
                f"{values[row]!r} {unreadable_date(values[row])}; write it like 2024-03-01 "
                "or leave the cell empty"
            )
    return parsed.to_numpy(dtype="datetime64[ns]")


def _first_repeated(ids: npt.NDArray[np.object_]) -> int | None:
    """The first row whose id an earlier row holds (None when every id is distinct)."""
    codes, uniques = pd.factorize(ids)
    if len(uniques) == len(ids):
        return None
    rows = np.arange(len(ids))
    first = np.full(len(uniques), len(ids), dtype=np.intp)
    np.minimum.at(first, codes, rows)
    return int(np.flatnonzero(first[codes] != rows)[0])


def normalise_patients(frame: pd.DataFrame, source: str = "patients", *,
                       allow_implausible: bool | None = None) -> pd.DataFrame:
    """Return a typed copy of a patients table, or raise ``RecistDataError``.

    Column names are lower-cased and stripped; ``patient_id`` and ``arm`` become strings;
    the four date columns become ``datetime64`` (empty → NaT). Missing optional columns
    are added empty; extra columns pass through. The input is not modified.

    Refused, with the file, CSV row, patient and column named:

    1. no ``patient_id`` column, or an empty ``patient_id``;
    2. a column of the patients table named twice (e.g. ``Arm`` and ``arm``);
    3. a patient listed twice;
    4. a date that is not ISO ``YYYY-MM-DD``;
    5. ``death_date``, ``last_contact_date`` or ``new_therapy_date`` before
       ``start_date`` (none can precede the start of treatment);
    6. a date outside the plausibility bounds (``recist.plausibility``: 1900-01-01 to a
       year from today) unless ``allow_implausible`` (default: the
       ``RECIST_ALLOW_IMPLAUSIBLE`` environment variable).

    The columns are converted as arrays and the table built once from them
    (``recist.response.respond`` normalises its patients table on every call).

    Examples
    --------
    >>> table = pd.DataFrame({"patient_id": [7], "start_date": ["2024-01-02"]})
    >>> out = normalise_patients(table)
    >>> out.loc[0, "patient_id"], str(out.loc[0, "start_date"].date()), out.loc[0, "death_date"]
    ('7', '2024-01-02', NaT)
    """
    names = lowered_column_names(frame.columns, source, "patients table", read=PATIENT_COLUMNS)
    if "patient_id" not in names:
        raise RecistDataError(
            f"{source}: missing required column patient_id; a patients table has the "
            f"columns {', '.join(PATIENT_COLUMNS)} (only patient_id is required)"
        )
    index = pd.RangeIndex(len(frame))
    # the input's columns in order (an extra column may be named twice), row i at label i
    given_columns = [values for _, values in frame.items()]
    if not frame.index.equals(index):
        given_columns = [values.set_axis(index) for values in given_columns]
    given = dict(zip(names, given_columns))

    def column_of(name: str) -> pd.Series:
        """The input's column ``name``, or an empty one (the column is optional)."""
        return given[name] if name in given else pd.Series(pd.NA, index=index, dtype=object)

    # before any hashing: pandas would merge such ids
    refuse_nul_columns(given, ("patient_id", "arm"), lambda row: f"{source} row {row + 2}")
    ids = _text_array(column_of("patient_id"))
    missing = np.flatnonzero(np.asarray(ids.isna()))
    if len(missing):
        raise RecistDataError(
            f"{_where(source, missing[0], None)}: patient_id is empty; every row of the "
            "patients table needs the patient_id used in the measurements table"
        )
    id_cells = np.asarray(ids, dtype=object)
    repeated = _first_repeated(id_cells)
    if repeated is not None:
        patient = id_cells[repeated]
        first = int(np.flatnonzero(id_cells == patient)[0]) + 2
        raise RecistDataError(
            f"{_where(source, repeated, patient)}: patient_id is listed twice (also on row "
            f"{first}); give each patient one row"
        )
    converted: dict[str, Any] = {"patient_id": ids, "arm": _text_array(column_of("arm"))}
    for name in DATE_COLUMNS:
        converted[name] = _parse_dates(column_of(name), id_cells, name, source)
    columns = [*names, *(name for name in PATIENT_COLUMNS if name not in given)]
    out = pd.DataFrame({position: converted[name] if name in converted
                        else given_columns[position]
                        for position, name in enumerate(columns)}, index=index)  # copies
    out.columns = columns
    check_dates(out, DATE_COLUMNS, lambda row: _where(source, row, id_cells[row]),
                allow=allow_implausible)
    start = converted["start_date"]
    for name, event in (("death_date", "a death"), ("last_contact_date", "a last contact"),
                        ("new_therapy_date", "a new anticancer therapy")):
        early = np.flatnonzero(converted[name] < start)  # NaT compares False
        if len(early):
            row = int(early[0])
            raise RecistDataError(
                f"{_where(source, row, id_cells[row])}: {name} "
                f"{pd.Timestamp(converted[name][row]).date()} is before start_date "
                f"{pd.Timestamp(start[row]).date()}; {event} cannot precede the start of "
                "treatment — correct one of the two dates"
            )
    return out


def _check_size(path: Path) -> None:
    """Refuse, before reading, a patients table over ``RECIST_MAX_PATIENTS_MB`` (256 MiB).

    The file is looked at once (one ``stat``); a path that is not a file is left to the
    reader, which names it.
    """
    text = os.environ.get(MAX_SIZE_VARIABLE, "").strip()
    try:
        limit = float(text) if text else DEFAULT_MAX_SIZE_MB
    except ValueError:
        limit = -1.0
    if not limit > 0:
        raise RecistDataError(f"{MAX_SIZE_VARIABLE}={text[:20]!r} is not a size in MiB > 0; "
                              f"unset it for the default of {DEFAULT_MAX_SIZE_MB:g}")
    try:
        found = path.stat()
    except OSError:
        return
    if stat.S_ISREG(found.st_mode) and found.st_size > limit * 2 ** 20:
        raise RecistDataError(
            f"{path}: {found.st_size / 2 ** 20:,.1f} MiB, over the {limit:g} MiB a "
            f"patients table may take (one short row per patient); check that this is the "
            f"patients table, or raise {MAX_SIZE_VARIABLE}")


def read_patients(path: str | Path, *, allow_implausible: bool | None = None) -> pd.DataFrame:
    """Read a patients CSV (docs/tables.md conventions) and normalise it.

    Raises ``FileNotFoundError`` when the file does not exist and ``RecistDataError``
    naming the file and row for anything it cannot interpret (see ``normalise_patients``).
    """
    _check_size(Path(path))
    frame = read_csv_table(path, "patients table")
    return normalise_patients(frame, source=str(path), allow_implausible=allow_implausible)
