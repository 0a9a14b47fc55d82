"""The imaging history before the trial: when no evidence of disease (NED) was reached and
when the lung metastases were first seen, from dated scans (DEC-28).

An optional scan-history table, one row per scan (docs/tables.md, "The scan history"):

==========  ==============================================================
column      meaning
==========  ==============================================================
patient_id  as in the measurements table
date        ISO date of the scan
result      ``ned`` (no evidence of disease) or ``disease``
organ       for ``disease``: the organ it was seen in (``lung``, ``liver`` …)
==========  ==============================================================

``ned_interval_from_scans`` gives the two dates an eligibility criterion such as "NED
maintained ≥ 6 months before the lung metastases were detected" needs when the clinical
table lacks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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
from recist.organs import organ_key
from recist.table import read_csv_table

__all__ = ["SCAN_HISTORY_COLUMNS", "NedInterval", "ned_interval_from_scans",
           "normalise_scan_history", "read_scan_history"]

SCAN_HISTORY_COLUMNS = ("patient_id", "date", "result", "organ")
_RESULTS = ("ned", "disease")


@dataclass(frozen=True)
class NedInterval:
    """The NED date and the detection date found in the scans, with how they were found."""

    ned_date: pd.Timestamp | None
    detected_date: pd.Timestamp | None
    reason: str


def normalise_scan_history(frame: pd.DataFrame, source: str = "scan history", *,
                           allow_implausible: bool | None = None) -> pd.DataFrame:
    """A typed copy of a scan-history table, or ``RecistDataError`` naming row and column.

    Refused: a missing column (``patient_id``, ``date``, ``result``); an empty patient,
    date or result; a result other than ``ned``/``disease``; a ``disease`` scan without
    its organ; an unreadable or implausible date.

    >>> t = normalise_scan_history(pd.DataFrame({"patient_id": ["P"], "date": ["2023-01-02"],
    ...     "result": ["NED"], "organ": [""]}))
    >>> t.loc[0, "result"], str(t.loc[0, "date"].date())
    ('ned', '2023-01-02')
    """
    table = lower_columns(frame, source, "scan history")
    require_columns(table, SCAN_HISTORY_COLUMNS[:3], source, "scan history")
    refuse_nul_cells(table, SCAN_HISTORY_COLUMNS, source)
    if "organ" not in table.columns:
        table["organ"] = None
    table["patient_id"] = [clean_text(v) for v in table["patient_id"]]
    table["organ"] = [clean_text(v) for v in table["organ"]]
    require_filled(table, ("patient_id", "date", "result"), source,
                   "every scan has a patient, a date and a result (ned or disease)")
    table["result"] = parse_vocabulary(table, "result", _RESULTS, source)
    table["date"] = parse_date_column(table, "date", source, allow_implausible=allow_implausible)
    for row in range(len(table)):
        if table.at[row, "result"] == "disease" and table.at[row, "organ"] is None:
            raise RecistDataError(f"{where(source, row, table.at[row, 'patient_id'])}: a "
                                  "disease scan without its organ; write where the disease "
                                  "was seen (lung, liver …)")
    table.attrs["source"] = source
    return table


def read_scan_history(path: str | Path, *,
                      allow_implausible: bool | None = None) -> pd.DataFrame:
    """Read a scan-history CSV (see the module docstring) and normalise it."""
    frame = read_csv_table(path, "scan history")
    return normalise_scan_history(frame, str(path), allow_implausible=allow_implausible)


def ned_interval_from_scans(scans: pd.DataFrame | None, measurements: pd.DataFrame | None,
                            organ: str = "lung", ned_from: str = "first") -> NedInterval:
    """NED date and detection date of one patient's metastases in ``organ`` (DEC-28).

    1. Detection: the earliest scan showing disease in ``organ`` (organ keys, DEC-21) —
       a ``disease`` row of the scan history, or a scan of the measurements table with a
       non-nodal lesion in that organ.
    2. NED: the NED scans before detection that follow the last earlier disease scan (any
       organ) form the NED run; the NED date is its first scan (NED reached;
       ``ned_from="first"``) or its last (``ned_from="last"``, the alternative).

    ``scans`` and ``measurements`` hold one patient's rows (either may be None).

    >>> s = pd.DataFrame({"date": pd.to_datetime(["2022-01-10", "2022-04-11", "2022-10-03",
    ...     "2023-04-03"]), "result": ["disease", "ned", "ned", "disease"],
    ...     "organ": ["colon", None, None, "lung"]})
    >>> got = ned_interval_from_scans(s, None)
    >>> f"{got.ned_date:%Y-%m-%d}", f"{got.detected_date:%Y-%m-%d}"
    ('2022-04-11', '2023-04-03')
    """
    detections = []
    if scans is not None and len(scans):
        disease = scans[scans["result"] == "disease"]
        detections += [pd.Timestamp(d) for d, o in zip(disease["date"], disease["organ"])
                       if organ_key(o) == organ]
    if measurements is not None and len(measurements) and "organ" in measurements.columns:
        nodal = (measurements["nodal"].fillna(False).astype(bool)
                 if "nodal" in measurements.columns else False)
        keyed = [organ_key(o) == organ if clean_text(o) is not None else False
                 for o in measurements["organ"]]
        rows = measurements[pd.Series(keyed, index=measurements.index) & ~nodal]
        if len(rows):
            detections.append(pd.Timestamp(pd.to_datetime(rows["date"]).min()))
    if not detections:
        return NedInterval(None, None, f"no scan shows {organ} metastases")
    detected = min(detections)
    seen = f"{organ} metastases first seen on {detected:%Y-%m-%d}"
    if scans is None or scans.empty:
        return NedInterval(None, detected, f"{seen}; no scan history to date NED")
    before = scans[pd.to_datetime(scans["date"]) < detected].sort_values("date")
    disease_dates = before.loc[before["result"] == "disease", "date"]
    last_disease = disease_dates.max() if len(disease_dates) else None
    run = before[(before["result"] == "ned")
                 & ((before["date"] > last_disease) if last_disease is not None else True)]
    if run.empty:
        return NedInterval(None, detected, f"{seen}; no NED scan before it")
    ned = pd.Timestamp(run["date"].min() if ned_from == "first" else run["date"].max())
    which = "first" if ned_from == "first" else "last"
    return NedInterval(ned, detected, f"{seen}; {which} NED scan of the run before it on "
                                      f"{ned:%Y-%m-%d} (DEC-28)")
