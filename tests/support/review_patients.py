"""Builders for the golden review patients (hand-checked against docs/rules.md).

A patient is written as a list of visits; each visit is ``(date, token, token, ...)``
where a token is ``"<lesion_id> <status-or-mm> [mm] [@date]"``:

- lesion ids starting ``NEW`` are new lesions, ``NT`` non-targets, anything else targets;
- an id containing ``LN`` is a lymph node (the mm value is then its short axis);
- a number alone means ``measured`` (targets) with that diameter; a status word may be
  followed by a diameter (e.g. ``"NTLN1 absent 8"``);
- ``@YYYY-MM-DD`` gives that row its own scan date (DEC-20), the visit keeps its label.

Visits are labelled ``V0``, ``V1`` … in the order given.
"""

from __future__ import annotations

import pandas as pd

from recist.table import normalise_measurements

COLUMNS = ["patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal", "ld_mm",
           "sa_mm", "status"]


def _row(patient_id: str, date: str, visit: str, token: str) -> tuple:
    parts = token.split()
    lesion_id = parts[0]
    row_date = date
    rest = []
    for part in parts[1:]:
        if part.startswith("@"):
            row_date = part[1:]
        else:
            rest.append(part)
    if lesion_id.startswith("NEW"):
        kind = "new"
    elif lesion_id.startswith("NT"):
        kind = "non-target"
    else:
        kind = "target"
    nodal = "LN" in lesion_id
    status, mm = None, None
    for part in rest:
        try:
            mm = float(part)
        except ValueError:
            status = part
    if status is None:
        status = "measured" if kind == "target" else "present"
    organ = "lymph node" if nodal else f"organ-{lesion_id}"
    ld = None if nodal else mm
    sa = mm if nodal else None
    return (patient_id, row_date, visit, lesion_id, kind, organ, nodal, ld, sa, status)


def raw_table(*visits, patient_id: str = "P1") -> pd.DataFrame:
    """The unnormalised measurements rows of one patient (see module docstring)."""
    rows = []
    for number, (date, *tokens) in enumerate(visits):
        rows.extend(_row(patient_id, date, f"V{number}", token) for token in tokens)
    return pd.DataFrame(rows, columns=COLUMNS).astype({"ld_mm": float, "sa_mm": float})


def patient(*visits, patient_id: str = "P1") -> pd.DataFrame:
    """A normalised measurements table of one patient."""
    return normalise_measurements(raw_table(*visits, patient_id=patient_id))


def cohort(*tables: pd.DataFrame) -> pd.DataFrame:
    """Several raw patient tables joined and normalised."""
    return normalise_measurements(pd.concat(tables, ignore_index=True))


def patients_table(start: str = "2024-01-01", patient_id: str = "P1", **dates) -> pd.DataFrame:
    """A one-patient patients table."""
    return pd.DataFrame([{"patient_id": patient_id, "start_date": start, **dates}])


def iso(value) -> str | None:
    """A date cell as ISO text (None when missing)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d")
