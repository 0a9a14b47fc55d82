"""Small hand-made measurements tables for the baseline / eligibility / checks tests."""

from __future__ import annotations

import pandas as pd

from recist.table import normalise_measurements

DEFAULTS = {"patient_id": "P1", "date": "2024-01-10", "kind": "target", "organ": "liver",
            "nodal": "false", "status": "measured"}


def table(*rows: dict) -> pd.DataFrame:
    """A normalised measurements table from row dicts (defaults filled in)."""
    frame = pd.DataFrame([{**DEFAULTS, **row} for row in rows])
    return normalise_measurements(frame, source="test")
