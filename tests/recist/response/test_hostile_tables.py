"""Regressions from the fuzz run (issue #13): hostile measurement tables give a result or
one clear refusal, never an internal error."""

from __future__ import annotations

import io

import pandas as pd

from recist.response import respond
from recist.table import normalise_measurements

HEADER = "patient_id,date,visit,lesion_id,kind,organ,nodal,ld_mm,sa_mm,status,slice_thickness_mm"


def test_one_visit_label_without_a_number_at_two_dates():
    # Regression: "cummax is not supported for object dtype" (no label had a number).
    text = "\n".join([HEADER, "P1,2024-01-08,BL,T1,target,lung,false,20.0,,measured,5.0",
                      "P1,2024-03-11,BL,T1,target,lung,false,10.0,,measured,5.0"]) + "\n"
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    result = respond(normalise_measurements(frame))
    assert len(result.timepoints) == 1 and result.patient_summary.loc[0, "bor"] == "NE"
