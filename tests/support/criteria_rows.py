"""Measurements tables with two diameters and a volume per target, for the WHO and
volumetric tests."""

from __future__ import annotations

import pandas as pd

from recist.table import normalise_measurements


def sized(rows) -> pd.DataFrame:
    """A normalised table from (date, visit, lesion, ld, sa, volume[, status[, nodal]])."""
    records = []
    for row in rows:
        date, visit, lesion, ld, sa, volume = row[:6]
        status = row[6] if len(row) > 6 else "measured"
        nodal = row[7] if len(row) > 7 else False
        records.append({"patient_id": "P1", "date": date, "visit": visit, "lesion_id": lesion,
                        "kind": "target", "organ": "lung", "nodal": nodal, "ld_mm": ld,
                        "sa_mm": sa, "status": status, "volume_mm3": volume})
    return normalise_measurements(pd.DataFrame(records))
