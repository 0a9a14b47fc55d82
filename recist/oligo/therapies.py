"""The therapy timeline: local and systemic therapies after baseline (DEC-23).

An optional therapies table, one row per therapy (docs/tables.md, "The therapies table"):

=============  ===================================================================
column         meaning
=============  ===================================================================
patient_id     as in the measurements table
date           ISO date the therapy started
kind           ``local`` (surgery, radiotherapy, ablation … of named lesions) or
               ``systemic`` (chemotherapy, targeted or immunotherapy)
lesion_ids     local therapies: the lesions treated, separated by ``;`` (``T1;T2``);
               empty for a systemic therapy
regimen        local: one of surgery, sbrt, radiotherapy, rfa, mwa, cryo, emr (or
               empty); systemic: free text (``FOLFOX``)
=============  ===================================================================

It replaces the patients table's single ``new_therapy_date`` (DEC-17), which keeps
working: the follow-up cut-off of a patient is the first systemic therapy; a local
re-treatment of an oligoprogressive lesion does not end RECIST follow-up unless the
protocol says so (``Criteria.local_therapy_ends_followup``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from recist.criteria import RECIST_1_1, Criteria
from recist.errors import RecistDataError
from recist.oligo._cells import (
    clean_text,
    lower_columns,
    parse_date_column,
    parse_vocabulary,
    refuse_nul_cells,
    require_columns,
    require_filled,
    where,
)
from recist.table import read_csv_table
from recist.vocabulary import LocalTherapy, TherapyKind

__all__ = ["THERAPY_COLUMNS", "check_therapies", "followup_cutoffs", "normalise_therapies",
           "read_therapies", "repeat_local_therapies", "therapies_as_history",
           "with_followup_cutoffs"]

THERAPY_COLUMNS = ("patient_id", "date", "kind", "lesion_ids", "regimen")
_REQUIRED = ("patient_id", "date", "kind")
_LOCAL_REGIMENS = tuple(str(t) for t in LocalTherapy if t != LocalTherapy.NONE)


def _lesion_ids(value: object) -> tuple[str, ...]:
    """``"T1; T2"`` → ``("T1", "T2")``; empty → ``()``; a tuple (a normalised table) stays.

    >>> _lesion_ids("T1; T2"), _lesion_ids(("T1",)), _lesion_ids(None)
    (('T1', 'T2'), ('T1',), ())
    """
    if isinstance(value, (tuple, list)):
        return tuple(str(v).strip() for v in value if str(v).strip())
    text = clean_text(value)
    if text is None:
        return ()
    return tuple(part.strip() for part in text.split(";") if part.strip())


def normalise_therapies(frame: pd.DataFrame, source: str = "therapies table", *,
                        allow_implausible: bool | None = None) -> pd.DataFrame:
    """A typed copy of a therapies table sorted by patient and date, or ``RecistDataError``.

    Refused, naming the file, row, patient and column: a missing required column
    (``patient_id``, ``date``, ``kind``); an empty patient, date or kind; a kind other
    than local/systemic; a local therapy without ``lesion_ids`` (the treated lesions must
    be named to follow their control); a systemic therapy with ``lesion_ids``; a local
    regimen outside the local-therapy words; the same therapy listed twice; an
    unreadable or implausible date. ``lesion_ids`` becomes a tuple of ids.

    >>> t = normalise_therapies(pd.DataFrame({"patient_id": ["P1", "P1"],
    ...     "date": ["2024-06-01", "2024-02-01"], "kind": ["systemic", "Local"],
    ...     "lesion_ids": ["", "T1; T2"], "regimen": ["FOLFOX", "sbrt"]}))
    >>> t[["kind", "lesion_ids", "regimen"]].values.tolist()
    [['local', ('T1', 'T2'), 'sbrt'], ['systemic', (), 'FOLFOX']]
    """
    table = lower_columns(frame, source, "therapies table")
    require_columns(table, _REQUIRED, source, "therapies table")
    refuse_nul_cells(table, THERAPY_COLUMNS, source)
    for column in THERAPY_COLUMNS:
        if column not in table.columns:
            table[column] = None
    table["patient_id"] = [clean_text(v) for v in table["patient_id"]]
    require_filled(table, ("patient_id", "date", "kind"), source,
                   "every therapy has a patient, a start date and a kind (local or systemic)")
    table["kind"] = parse_vocabulary(table, "kind", TherapyKind, source)
    table["date"] = parse_date_column(table, "date", source, allow_implausible=allow_implausible)
    table["lesion_ids"] = [_lesion_ids(v) for v in table["lesion_ids"]]
    table["regimen"] = [clean_text(v) for v in table["regimen"]]
    for row in range(len(table)):
        here = where(source, row, table.at[row, "patient_id"])
        kind, ids, regimen = (table.at[row, c] for c in ("kind", "lesion_ids", "regimen"))
        if kind == TherapyKind.LOCAL and not ids:
            raise RecistDataError(f"{here}: a local therapy without lesion_ids; name the "
                                  "lesions it treated (T1;T2) so that their control is followed")
        if kind == TherapyKind.SYSTEMIC and ids:
            raise RecistDataError(f"{here}: a systemic therapy with lesion_ids "
                                  f"{';'.join(ids)}; a systemic therapy treats every lesion: "
                                  "clear lesion_ids, or write kind local")
        if kind == TherapyKind.LOCAL and regimen is not None:
            if regimen.lower() not in _LOCAL_REGIMENS:
                raise RecistDataError(f"{here}: regimen {regimen!r} of a local therapy is not "
                                      f"one of {', '.join(_LOCAL_REGIMENS)}")
            table.at[row, "regimen"] = regimen.lower()
    key = table[["patient_id", "date", "kind"]].assign(
        ids=[";".join(i) for i in table["lesion_ids"]])
    twice = key.duplicated()
    if twice.any():
        row = int(np.flatnonzero(twice.to_numpy())[0])
        raise RecistDataError(f"{where(source, row, table.at[row, 'patient_id'])}: the same "
                              "therapy (patient, date, kind, lesions) is listed twice")
    table = table.sort_values(["patient_id", "date"], kind="stable").reset_index(drop=True)
    table.attrs["source"] = source
    return table


def read_therapies(path: str | Path, *, allow_implausible: bool | None = None) -> pd.DataFrame:
    """Read a therapies CSV (see the module docstring) and normalise it."""
    frame = read_csv_table(path, "therapies table")
    return normalise_therapies(frame, str(path), allow_implausible=allow_implausible)


def check_therapies(therapies: pd.DataFrame, measurements: pd.DataFrame,
                    patients: pd.DataFrame | None = None) -> None:
    """Refuse a therapy that contradicts the other tables (DEC-18).

    1. A local therapy naming a lesion the patient does not have in the measurements
       table (the lesion's control could not be followed).
    2. A systemic therapy before the patient's ``start_date`` (a prior therapy belongs to
       the clinical table, not to follow-up).
    3. A therapy after the patient's ``death_date``.
    """
    source = therapies.attrs.get("source", "therapies table")
    known: dict[str, set[str]] = {}
    for patient_id, lesion_id in zip(measurements["patient_id"].astype(str),
                                     measurements["lesion_id"].astype(str)):
        known.setdefault(patient_id, set()).add(lesion_id)
    dates: Mapping[str, tuple[object, object]] = {}
    if patients is not None:
        dates = {str(p): (s, d) for p, s, d in zip(
            patients["patient_id"], patients["start_date"], patients["death_date"])}
    for record in therapies.itertuples():
        patient = str(record.patient_id)
        day = f"{pd.Timestamp(record.date):%Y-%m-%d}"
        here = f"{source}: patient {patient}, {record.kind} therapy of {day}"
        missing = [i for i in record.lesion_ids if i not in known.get(patient, set())]
        if missing:
            raise RecistDataError(f"{here}: lesion {', '.join(missing)} is not in the "
                                  "measurements table for this patient; use its lesion_id")
        start, death = dates.get(patient, (pd.NaT, pd.NaT))
        if (record.kind == TherapyKind.SYSTEMIC and not pd.isna(start)
                and record.date < start):
            raise RecistDataError(f"{here}: before start_date {pd.Timestamp(start):%Y-%m-%d}; "
                                  "a systemic therapy before the start is a prior therapy "
                                  "(clinical table), not part of follow-up")
        if not pd.isna(death) and record.date > death:
            raise RecistDataError(f"{here}: after death_date {pd.Timestamp(death):%Y-%m-%d}; "
                                  "correct one of the two dates")


def _first_followup_scan(measurements: pd.DataFrame) -> dict[str, pd.Timestamp]:
    """patient → date of the first scan after the baseline (the second scan date)."""
    scans = pd.DataFrame({"p": measurements["patient_id"].astype(str).to_numpy(),
                          "d": pd.to_datetime(measurements["date"]).to_numpy()})
    second = scans.drop_duplicates().sort_values(["p", "d"]).groupby("p").nth(1)
    return {str(p): pd.Timestamp(d) for p, d in zip(second["p"], second["d"])}


def repeat_local_therapies(therapies: pd.DataFrame,
                           measurements: pd.DataFrame) -> pd.Series:
    """Which local therapies are repeat treatments (DEC-23), aligned with ``therapies``.

    A local therapy dated on or after the patient's first follow-up scan (the first scan
    date after the baseline scan) is a repeat local treatment: follow-up had begun, so a
    scan showed something to treat. Local therapies before it belong to the initial
    treatment of the baseline disease (staged treatments of several lesions included).

    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "date": pd.to_datetime(
    ...     ["2024-01-02", "2024-04-02", "2024-07-01"])})
    >>> t = pd.DataFrame({"patient_id": ["P", "P", "P"], "kind": ["local"] * 2 + ["systemic"],
    ...     "date": pd.to_datetime(["2024-01-20", "2024-05-01", "2024-08-01"])})
    >>> repeat_local_therapies(t, m).tolist()
    [False, True, False]
    """
    first = _first_followup_scan(measurements)
    flags = []
    for patient_id, kind, day in zip(therapies["patient_id"].astype(str), therapies["kind"],
                                     therapies["date"]):
        start = first.get(patient_id)
        flags.append(kind == TherapyKind.LOCAL and start is not None and day >= start)
    return pd.Series(flags, index=therapies.index, dtype=bool)


def followup_cutoffs(therapies: pd.DataFrame, measurements: pd.DataFrame,
                     criteria: Criteria = RECIST_1_1) -> dict[str, pd.Timestamp]:
    """patient → the date RECIST follow-up ends for new therapy (DEC-23, applies DEC-17).

    1. The first systemic therapy ends follow-up: later scans are listed but count for
       neither BOR nor PFS (DEC-17).
    2. A repeat local treatment (``repeat_local_therapies``) of an oligoprogressive lesion
       does not, unless ``criteria.local_therapy_ends_followup`` — then the first repeat
       local treatment does, if earlier.
    3. The initial local treatment never does.

    >>> m = pd.DataFrame({"patient_id": ["P"] * 3, "date": pd.to_datetime(
    ...     ["2024-01-02", "2024-04-02", "2024-07-01"])})
    >>> t = pd.DataFrame({"patient_id": ["P", "P", "P"], "kind": ["local"] * 2 + ["systemic"],
    ...     "date": pd.to_datetime(["2024-01-20", "2024-05-01", "2024-08-01"])})
    >>> {p: f"{d:%Y-%m-%d}" for p, d in followup_cutoffs(t, m).items()}
    {'P': '2024-08-01'}
    >>> strict = RECIST_1_1.replace(local_therapy_ends_followup=True)
    >>> {p: f"{d:%Y-%m-%d}" for p, d in followup_cutoffs(t, m, strict).items()}
    {'P': '2024-05-01'}
    """
    ending = therapies["kind"] == TherapyKind.SYSTEMIC
    if criteria.local_therapy_ends_followup:
        ending = ending | repeat_local_therapies(therapies, measurements)
    chosen = therapies[ending.to_numpy(dtype=bool)]
    first = chosen.groupby(chosen["patient_id"].astype(str), sort=True)["date"].min()
    return {str(p): pd.Timestamp(d) for p, d in first.items()}


def with_followup_cutoffs(patients: pd.DataFrame | None, cutoffs: Mapping[str, pd.Timestamp],
                          source: str = "patients table") -> pd.DataFrame | None:
    """The patients table with ``new_therapy_date`` set from the therapy timeline.

    A patient's ``new_therapy_date`` already given must equal the cut-off of the therapies
    table (else ``RecistDataError`` naming both: the tables contradict each other,
    DEC-18); a patient of the therapies table missing from the patients table is added
    with only its id and that date. Without cut-offs the table is returned as it is.

    >>> p = pd.DataFrame({"patient_id": ["A"], "start_date": pd.to_datetime(["2024-01-01"]),
    ...                   "new_therapy_date": [pd.NaT]})
    >>> out = with_followup_cutoffs(p, {"A": pd.Timestamp("2024-09-01")})
    >>> f"{out.loc[0, 'new_therapy_date']:%Y-%m-%d}"
    '2024-09-01'
    """
    if not cutoffs:
        return patients
    if patients is None:
        table = pd.DataFrame({"patient_id": pd.Series([], dtype="string"),
                              "new_therapy_date": pd.Series([], dtype="datetime64[ns]")})
    else:
        table = patients.copy()
        if "new_therapy_date" not in table.columns:
            table["new_therapy_date"] = pd.NaT
    ids = table["patient_id"].astype(str).tolist()
    extra = [p for p in cutoffs if p not in set(ids)]
    if extra:
        table = pd.concat([table, pd.DataFrame({"patient_id": extra})], ignore_index=True)
        ids += extra
    given = pd.to_datetime(table["new_therapy_date"])
    values = []
    for patient_id, old in zip(ids, given):
        new = cutoffs.get(patient_id)
        if new is not None and not pd.isna(old) and pd.Timestamp(old) != new:
            raise RecistDataError(
                f"{source}, patient {patient_id}: new_therapy_date {pd.Timestamp(old):%Y-%m-%d} "
                f"but the therapies table ends follow-up on {new:%Y-%m-%d} (DEC-23); clear "
                "new_therapy_date or make the two tables agree")
        values.append(new if new is not None else old)
    table["new_therapy_date"] = pd.to_datetime(pd.Series(values, dtype="datetime64[ns]"))
    return table


def therapies_as_history(therapies: pd.DataFrame) -> pd.DataFrame:
    """Each lesion of each local therapy as a lesion-history row (for MEAS-10).

    >>> t = pd.DataFrame({"patient_id": ["P"], "date": pd.to_datetime(["2023-04-01"]),
    ...     "kind": ["local"], "lesion_ids": [("T1", "T2")], "regimen": [None]})
    >>> therapies_as_history(t)[["lesion_id", "local_therapy"]].values.tolist()
    [['T1', 'local therapy'], ['T2', 'local therapy']]
    """
    rows = []
    for record in therapies[therapies["kind"] == TherapyKind.LOCAL].itertuples():
        for lesion_id in record.lesion_ids:
            rows.append((str(record.patient_id), lesion_id, None,
                         record.regimen or "local therapy", record.date))
    frame = pd.DataFrame(rows, columns=["patient_id", "lesion_id", "organ", "local_therapy",
                                        "local_therapy_date"])
    frame["local_therapy_date"] = pd.to_datetime(frame["local_therapy_date"])
    frame["progressed_since_therapy"] = pd.array([None] * len(frame), dtype="boolean")
    return frame
