"""The lesion history: which lesion was treated locally, how and when (MEAS-10).

An optional lesions table, one row per lesion (docs/tables.md, "The lesions table"):

==========================  ==========================================================
column                      meaning
==========================  ==========================================================
patient_id                  as in the measurements table
lesion_id                   as in the measurements table
organ                       optional; when both tables give an organ they must agree
local_therapy               surgery, sbrt, radiotherapy, rfa, mwa, cryo, emr or none
local_therapy_date          ISO date of that treatment (required unless none)
progressed_since_therapy    optional: the lesion progressed after that treatment
==========================  ==========================================================

The same columns may instead be columns of the measurements table (the values of one
lesion must then agree on all its rows). A lesion treated before the baseline scan is not
measurable unless it progressed since (MEAS-10, ``recist.baseline_rules``); a lesion
treated after the baseline is a treated site whose local control is followed
(``recist.oligo.failure_pattern``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from recist.errors import RecistDataError
from recist.oligo._cells import (
    clean_text,
    lower_columns,
    parse_bool_column,
    parse_date_column,
    parse_vocabulary,
    refuse_nul_cells,
    require_columns,
    where,
)
from recist.organs import organ_key
from recist.table import read_csv_table
from recist.vocabulary import LocalTherapy

__all__ = ["LESION_HISTORY_COLUMNS", "check_organs", "combine_histories",
           "lesion_history_from_measurements", "normalise_lesion_history",
           "read_lesion_history"]

LESION_HISTORY_COLUMNS = ("patient_id", "lesion_id", "organ", "local_therapy",
                          "local_therapy_date", "progressed_since_therapy")
_REQUIRED = ("patient_id", "lesion_id", "local_therapy")


def normalise_lesion_history(frame: pd.DataFrame, source: str = "lesions table", *,
                             allow_implausible: bool | None = None) -> pd.DataFrame:
    """A typed copy of a lesions table, or ``RecistDataError`` naming file, row and column.

    Refused: a missing required column (``patient_id``, ``lesion_id``, ``local_therapy``);
    an empty patient or lesion id; a therapy outside the vocabulary (an empty one too:
    write ``none``); a treated lesion without its date, or ``none`` with a date; a lesion
    listed twice; an unreadable or implausible date; a progression flag that is not a
    boolean. Optional columns are added empty; extra columns pass through.

    >>> t = normalise_lesion_history(pd.DataFrame({"patient_id": ["P1"], "lesion_id": ["T1"],
    ...     "local_therapy": ["SBRT"], "local_therapy_date": ["2023-05-02"]}))
    >>> t.loc[0, "local_therapy"], str(t.loc[0, "local_therapy_date"].date())
    ('sbrt', '2023-05-02')
    """
    table = lower_columns(frame, source, "lesions table")
    require_columns(table, _REQUIRED, source, "lesions table")
    refuse_nul_cells(table, LESION_HISTORY_COLUMNS, source)
    for column in LESION_HISTORY_COLUMNS:
        if column not in table.columns:
            table[column] = None
    for column in ("patient_id", "lesion_id", "organ"):
        table[column] = [clean_text(v) for v in table[column]]
    for column in ("patient_id", "lesion_id"):
        empty = [i for i, v in enumerate(table[column]) if v is None]
        if empty:
            raise RecistDataError(f"{where(source, empty[0], table.at[empty[0], 'patient_id'])}: "
                                  f"{column} is empty; every row names its patient and lesion")
    therapy = parse_vocabulary(table, "local_therapy", LocalTherapy, source)
    table["local_therapy"] = therapy
    table["local_therapy_date"] = parse_date_column(table, "local_therapy_date", source,
                                                    allow_implausible=allow_implausible)
    table["progressed_since_therapy"] = pd.array(
        parse_bool_column(table, "progressed_since_therapy", source), dtype="boolean")
    for row in range(len(table)):
        here = where(source, row, table.at[row, "patient_id"])
        lesion = table.at[row, "lesion_id"]
        dated = not pd.isna(table.at[row, "local_therapy_date"])
        if therapy[row] is None:
            raise RecistDataError(f"{here}, lesion {lesion}: local_therapy is empty; write "
                                  f"one of {', '.join(LocalTherapy)} (none if not treated)")
        if therapy[row] != LocalTherapy.NONE and not dated:
            raise RecistDataError(f"{here}, lesion {lesion}: local_therapy {therapy[row]} "
                                  "without local_therapy_date; give the date of the treatment")
        if therapy[row] == LocalTherapy.NONE and dated:
            raise RecistDataError(f"{here}, lesion {lesion}: local_therapy none with a "
                                  "local_therapy_date; give the therapy or clear the date")
    repeated = table.duplicated(["patient_id", "lesion_id"])
    if repeated.any():
        row = int(repeated.to_numpy().nonzero()[0][0])
        raise RecistDataError(
            f"{where(source, row, table.at[row, 'patient_id'])}: lesion "
            f"{table.at[row, 'lesion_id']} is listed twice; one row per lesion (repeat "
            "treatments go into the therapies table)")
    table.attrs["source"] = source
    return table


def read_lesion_history(path: str | Path, *,
                        allow_implausible: bool | None = None) -> pd.DataFrame:
    """Read a lesions CSV (see the module docstring) and normalise it."""
    frame = read_csv_table(path, "lesions table")
    return normalise_lesion_history(frame, str(path), allow_implausible=allow_implausible)


def lesion_history_from_measurements(measurements: pd.DataFrame,
                                     source: str = "measurements table") -> pd.DataFrame | None:
    """The lesion history carried as columns of the measurements table, or None.

    Without a ``local_therapy`` column → None. Otherwise one row per lesion whose rows
    give a therapy; the rows of one lesion must agree (else ``RecistDataError`` naming the
    patient and lesion).
    """
    if "local_therapy" not in measurements.columns:
        return None
    columns = [c for c in ("local_therapy", "local_therapy_date", "progressed_since_therapy")
               if c in measurements.columns]
    rows = measurements[["patient_id", "lesion_id", *columns]].copy()
    for column in columns:
        rows[column] = [clean_text(v if not isinstance(v, pd.Timestamp)
                                   else v.strftime("%Y-%m-%d")) for v in rows[column]]
    rows = rows[rows["local_therapy"].notna()].drop_duplicates()
    rows["patient_id"] = rows["patient_id"].astype(str)
    rows["lesion_id"] = rows["lesion_id"].astype(str)
    twice = rows.duplicated(["patient_id", "lesion_id"], keep=False)
    if twice.any():
        first = rows[twice].iloc[0]
        raise RecistDataError(
            f"{source}: patient {first['patient_id']}, lesion {first['lesion_id']}: the rows "
            f"disagree on {', '.join(columns)}; give one lesion history per lesion")
    return normalise_lesion_history(rows.reset_index(drop=True), f"{source} (lesion history)")


def combine_histories(*tables: pd.DataFrame | None) -> pd.DataFrame | None:
    """One lesion history from several sources; a lesion given twice must agree.

    >>> a = normalise_lesion_history(pd.DataFrame({"patient_id": ["P"], "lesion_id": ["T1"],
    ...     "local_therapy": ["rfa"], "local_therapy_date": ["2023-01-02"]}))
    >>> len(combine_histories(a, a, None))
    1
    """
    given = [t for t in tables if t is not None and len(t)]
    if not given:
        return None
    frame = pd.concat([t[list(LESION_HISTORY_COLUMNS)] for t in given], ignore_index=True)
    keyed = frame.assign(_d=frame["local_therapy_date"].astype("string"),
                         _o=[organ_key(o) if o is not None else None for o in frame["organ"]])
    distinct = keyed.drop_duplicates(["patient_id", "lesion_id", "local_therapy", "_d"])
    twice = distinct.duplicated(["patient_id", "lesion_id"], keep=False)
    if twice.any():
        first = distinct[twice].iloc[0]
        raise RecistDataError(
            f"lesion history: patient {first['patient_id']}, lesion {first['lesion_id']} has "
            "two different local treatments in the lesions table and the measurements table; "
            "give it once")
    out = frame.loc[distinct.index].reset_index(drop=True)
    out.attrs["source"] = given[0].attrs.get("source", "lesions table")
    return out


def check_organs(history: pd.DataFrame | None, measurements: pd.DataFrame) -> None:
    """Refuse a lesion whose organ differs between the lesions and measurements tables.

    Organs are compared by their key (DEC-21: ``left lung`` and ``lung`` agree).
    """
    if history is None or "organ" not in measurements.columns:
        return
    given = history[history["organ"].notna()]
    if given.empty:
        return
    first = measurements.drop_duplicates(["patient_id", "lesion_id"])
    organs = {(str(p), str(lesion)): o for p, lesion, o in zip(
        first["patient_id"], first["lesion_id"], first["organ"])
        if clean_text(o) is not None}
    for record in given.itertuples(index=False):
        other = organs.get((str(record.patient_id), str(record.lesion_id)))
        if other is not None and organ_key(str(other)) != organ_key(str(record.organ)):
            raise RecistDataError(
                f"{history.attrs.get('source', 'lesions table')}: patient {record.patient_id}, "
                f"lesion {record.lesion_id}: organ {record.organ!r} but the measurements table "
                f"says {other!r}; correct one of the two")
