"""DEC-1 continuing response ignores time points on or after new therapy (DEC-17).

Target sums (one target, baseline 100 mm): 60 mm = -40 % → PR; 71 mm = -29 % from
baseline (not PR) and +11 mm / +18.33 % over the nadir 60 mm (not PD) → SD, which DEC-1
relabels PR when a reached response is carried.
"""

from __future__ import annotations

import pandas as pd

from recist.continuing import apply_continuing_response
from recist.criteria import RECIST_1_1
from recist.response import respond

from support.new_therapy_patients import measurements, patients

CONTINUING = RECIST_1_1.replace(continuing_response=True)


def _targets(*visits):
    return [("P1", day, visit, "T1", "target", False, mm, None, "measured")
            for day, visit, mm in (("2024-01-02", "BL", 100.0), *visits)]


def _overall(result):
    return list(result.timepoints["overall_response"][1:])


def test_response_before_therapy_is_not_carried_past_it():
    m = measurements(_targets(("2024-02-26", "W8", 60.0), ("2024-04-22", "W16", 71.0)))
    assert _overall(respond(m, patients(None), CONTINUING)) == ["PR", "PR"]
    result = respond(m, patients("2024-03-01"), CONTINUING)
    assert _overall(result) == ["PR", "SD"]
    assert not result.timepoints["reasons"].str.contains("DEC-1 continuing").any()
    assert "not counted for BOR or PFS (DEC-17)" in result.timepoints["reasons"][2]


def test_response_after_therapy_starts_no_carry():
    m = measurements(_targets(("2024-02-26", "W8", 80.0), ("2024-04-22", "W16", 60.0),
                              ("2024-06-17", "W24", 71.0)))
    assert _overall(respond(m, patients(None), CONTINUING)) == ["SD", "PR", "PR"]
    assert _overall(respond(m, patients("2024-03-01"), CONTINUING)) == ["SD", "PR", "SD"]


def test_post_therapy_time_point_confirms_no_carried_response():
    """With confirmation, the PR of W8 is confirmed only by the PR of W12 (28 days later,
    after the therapy of 2024-03-10): nothing is carried to W16."""
    table = pd.DataFrame({
        "patient_id": ["P1"] * 4,
        "date": pd.to_datetime(["2024-01-02", "2024-02-26", "2024-03-25", "2024-04-22"]),
        "target_response": [None, "PR", "PR", "SD"],
        "overall_response": [None, "PR", "PR", "SD"],
        "reasons": ["baseline", "a", "b", "c"]})
    criteria = CONTINUING.replace(confirmation=True)
    carried = apply_continuing_response(table, criteria)
    assert list(carried["overall_response"]) == [None, "PR", "PR", "PR"]
    assert carried["reasons"][3].startswith("c; DEC-1 continuing response")
    for cutoffs in ({"P1": "2024-03-10"}, pd.Series({"P1": pd.Timestamp("2024-03-10")})):
        kept = apply_continuing_response(table, criteria, cutoffs)
        pd.testing.assert_frame_equal(kept, table)
    # A cut-off after the last time point changes nothing; the input is not modified.
    later = apply_continuing_response(table, criteria, {"P1": "2024-05-01"})
    pd.testing.assert_frame_equal(later, carried)
    assert list(table["overall_response"]) == [None, "PR", "PR", "SD"]
