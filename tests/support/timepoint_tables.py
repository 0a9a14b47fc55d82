"""Hand-built time point and patients tables for the BOR and time-to-event tests.

The engine is tested on its own contract (the timepoints table of docs/tables.md), built by
hand here, so these tests do not depend on ``recist.timepoints``.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

START = date(2024, 1, 1)
"""start_date of every hand-built patient unless stated."""


def day(n: int) -> date:
    """The date ``n`` days after START (START itself is day 0)."""
    return START + timedelta(days=n)


def timepoints_table(patients: dict[str, list[tuple[int, str]]],
                     targets: dict[str, list[str | None]] | None = None) -> pd.DataFrame:
    """A timepoints table: per patient a baseline row at day -7 then (day, overall) rows.

    ``targets`` optionally gives each post-baseline row's target_response (default: the
    overall response, or NA for NON-CR/NON-PD).
    """
    rows = []
    for patient_id, visits in patients.items():
        rows.append({"patient_id": patient_id, "visit": "baseline", "date": day(-7),
                     "target_response": None, "nontarget_response": None,
                     "new_lesions": None, "overall_response": None, "reasons": "baseline"})
        for position, (offset, overall) in enumerate(visits):
            if targets is not None and patient_id in targets:
                target = targets[patient_id][position]
            else:
                target = "NA" if overall == "NON-CR/NON-PD" else overall
            rows.append({"patient_id": patient_id, "visit": f"V{position + 1}",
                         "date": day(offset), "target_response": target,
                         "nontarget_response": "NA", "new_lesions": "N",
                         "overall_response": overall, "reasons": f"hand-built {overall}"})
    frame = pd.DataFrame(rows)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def patients_table(**per_patient: dict) -> pd.DataFrame:
    """A patients table from keyword rows: ``p1={"death_date": day(90)}`` (start = START)."""
    rows = []
    for patient_id, values in per_patient.items():
        row = {"patient_id": patient_id, "start_date": START.isoformat()}
        row.update({k: (v.isoformat() if isinstance(v, date) else v)
                    for k, v in values.items()})
        rows.append(row)
    return pd.DataFrame(rows)

