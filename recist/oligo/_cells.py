"""Cell parsing shared by the oligometastatic input tables (lesions, therapies, scans).

Every problem is a ``RecistDataError`` naming the file, the CSV row (header = row 1), the
patient and the column, with what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from recist.errors import RecistDataError
from recist.plausibility import (
    check_dates,
    lowered_column_names,
    refuse_nul_columns,
    unreadable_date,
)
from recist.table import parse_bool

__all__ = ["clean_text", "lower_columns", "parse_bool_column", "parse_date_column",
           "parse_vocabulary", "refuse_nul_cells", "require_columns", "require_filled",
           "where"]


def where(source: str, row: int, patient_id: object = None) -> str:
    """``source row N, patient_id P`` for messages (CSV row: the header is row 1)."""
    text = f"{source} row {int(row) + 2}"
    if patient_id is not None and not (isinstance(patient_id, float) and np.isnan(patient_id)) \
            and patient_id is not pd.NA:
        text += f", patient_id {patient_id}"
    return text


def clean_text(value: object) -> str | None:
    """Stripped text, or None for an empty or missing cell.

    >>> clean_text("  sbrt "), clean_text(""), clean_text(float("nan"))
    ('sbrt', None, None)
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def lower_columns(frame: pd.DataFrame, source: str, table: str) -> pd.DataFrame:
    """A copy with stripped lower-case column names and a 0..n-1 index (rows for messages);
    a ``RecistDataError`` naming ``source`` when two columns become one name
    (``plausibility.lowered_column_names``)."""
    out = frame.copy()
    out.columns = lowered_column_names(out.columns, source, table)
    return out.reset_index(drop=True)


def refuse_nul_cells(frame: pd.DataFrame, columns: Iterable[str], source: str) -> None:
    """Refuse a NUL character (``\\x00``) in any present column of ``columns``, naming the
    file row and column (``plausibility.refuse_nul_columns``), before any cell is read.

    pandas compares and groups text by its C string, which ends at the first NUL: a
    regimen ``FOL\\x00FOX`` would be one with ``FOL\\x00IRI``, and two lesions ``T\\x00a`` and
    ``T\\x00b`` "listed twice". The patient is not named: its id may be the cell at fault.
    """
    refuse_nul_columns(frame, columns, lambda row: f"{source} row {row + 2}")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], source: str,
                    table: str) -> None:
    """Refuse a table without one of ``columns``, listing them."""
    wanted = list(columns)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise RecistDataError(f"{source}: missing column(s) {', '.join(missing)}; the {table} "
                              f"has the columns {', '.join(wanted)}")


def require_filled(frame: pd.DataFrame, columns: Iterable[str], source: str,
                   meaning: str) -> None:
    """Refuse the first row where one of ``columns`` is empty, naming the row and column;
    ``meaning`` ends the message (what every row must have)."""
    for column in columns:
        empty = [i for i, v in enumerate(frame[column]) if clean_text(v) is None]
        if empty:
            raise RecistDataError(f"{where(source, empty[0], frame.at[empty[0], 'patient_id'])}: "
                                  f"{column} is empty; {meaning}")


def parse_date_column(frame: pd.DataFrame, column: str, source: str, *,
                      allow_implausible: bool | None = None) -> pd.Series:
    """An ISO date column as ``datetime64[ns]`` (empty → NaT); anything else is refused."""
    parsed = []
    for row, value in enumerate(frame[column].tolist()):
        if isinstance(value, (pd.Timestamp, datetime)):  # already a date (a typed table)
            parsed.append(pd.NaT if pd.isna(value) else pd.Timestamp(value).normalize())
            continue
        text = clean_text(value)
        if text is None:
            parsed.append(pd.NaT)
            continue
        stamp = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        if pd.isna(stamp):
            raise RecistDataError(
                f"{where(source, row, frame.at[row, 'patient_id'])}: {column} {text!r} "
                f"{unreadable_date(text)}; write it like 2024-03-01 or leave the cell empty")
        parsed.append(stamp)
    out = pd.Series(pd.to_datetime(pd.Series(parsed, dtype="datetime64[ns]")),
                    index=frame.index, name=column)
    check_dates(pd.DataFrame({column: out}), (column,),
                lambda row: where(source, row, frame.at[row, "patient_id"]),
                allow=allow_implausible)
    return out


def parse_vocabulary(frame: pd.DataFrame, column: str, allowed: Iterable[str],
                     source: str) -> list[str | None]:
    """A column of words from a closed vocabulary, lower-cased; others are refused."""
    words = [str(a) for a in allowed]
    out: list[str | None] = []
    for row, value in enumerate(frame[column].tolist()):
        text = clean_text(value)
        if text is None:
            out.append(None)
            continue
        if text.lower() not in words:
            raise RecistDataError(
                f"{where(source, row, frame.at[row, 'patient_id'])}: {column} {text!r} is not "
                f"one of {', '.join(words)}; use one of these words")
        out.append(text.lower())
    return out


def parse_bool_column(frame: pd.DataFrame, column: str, source: str) -> list[bool | None]:
    """A boolean column (true/false, yes/no, 1/0; empty → None); others are refused."""
    out: list[bool | None] = []
    for row, value in enumerate(frame[column].tolist()):
        try:
            out.append(parse_bool(value))
        except ValueError:
            raise RecistDataError(
                f"{where(source, row, frame.at[row, 'patient_id'])}: {column} {value!r} is not "
                "true/false; write true or false, or leave the cell empty if unknown"
            ) from None
    return out
