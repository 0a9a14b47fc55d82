"""Builders for the new-anticancer-therapy (DEC-17 × DEC-13) patients."""

from __future__ import annotations

import pandas as pd

from recist.table import normalise_measurements

COLUMNS = ["patient_id", "date", "visit", "lesion_id", "kind", "nodal", "ld_mm", "sa_mm",
           "status"]

# One target (50 mm at baseline) and a new lesion N1: equivocal on 2024-02-12 (W6),
# unequivocal on 2024-03-25 (W12). Treatment started 2024-01-01.
EQUIVOCAL_THEN_CONFIRMED = [
    ("P1", "2024-01-02", "BL", "T1", "target", False, 50.0, None, "measured"),
    ("P1", "2024-02-12", "W6", "T1", "target", False, 48.0, None, "measured"),
    ("P1", "2024-02-12", "W6", "N1", "new", False, None, None, "equivocal"),
    ("P1", "2024-03-25", "W12", "T1", "target", False, 47.0, None, "measured"),
    ("P1", "2024-03-25", "W12", "N1", "new", False, None, None, "unequivocal"),
]


def measurements(rows) -> pd.DataFrame:
    """A normalised measurements table from tuples in ``COLUMNS`` order."""
    return normalise_measurements(pd.DataFrame(rows, columns=COLUMNS))


def patients(new_therapy: str | None, patient_id: str = "P1",
             start: str = "2024-01-01") -> pd.DataFrame:
    """A one-patient patients table."""
    return pd.DataFrame({"patient_id": [patient_id], "start_date": [start],
                         "new_therapy_date": [new_therapy]})
