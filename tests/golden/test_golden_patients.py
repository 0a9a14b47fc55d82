"""Golden patients with provenance, compared exactly (categories, and sums in mm with an
absolute tolerance of 0: every input is a multiple of 0.1 mm and sums are rounded to
0.01 mm per DEC-22)."""

from __future__ import annotations

import pytest

from recist.criteria import Criteria
from recist.response import respond
from recist.timepoints import assess_timepoints

from support.timepoint_rows import table, targets

DATES = ["2024-01-01", "2024-02-26", "2024-04-22", "2024-06-17", "2024-08-12", "2024-10-07"]


def _single_target(sums):
    rows = []
    for i, mm in enumerate(sums):
        rows += targets(DATES[i], f"V{i}", ("T1", mm))
    return table(rows)


GOLDEN = [
    # (id, provenance, sums per visit, expected target responses after baseline,
    #  expected nadirs after baseline)
    ("pyr-21-to-25.2", "PYR: +20 % but +4.2 mm is not PD (docs/rules.md TGT-PD)",
     [21.0, 25.2], ["SD"], [21.0]),
    ("r11-25-to-30", "R11 4.3.1 / DEC-22: exactly +20 % and +5 mm is PD",
     [25.0, 30.0], ["PD"], [25.0]),
    ("r11-50-to-35", "R11 4.3.1 / DEC-22: exactly -30 % is PR", [50.0, 35.0], ["PR"], [50.0]),
    ("faq-165-63-65", "FAQ 'The definition of SD: a clarification': 165 -> 63 -> 65 mm",
     [165.0, 63.0, 65.0], ["PR", "PR"], [165.0, 63.0]),
    ("faq-100-70-70-80-80-80", ("FAQ 'Managing PR when TP measurements change slightly': "
     "literal definitions (DEC-1 default) give SD once the sum is > 70 % of baseline"),
     [100.0, 70.0, 70.0, 80.0, 80.0, 80.0], ["PR", "PR", "SD", "SD", "SD"],
     [100.0, 70.0, 70.0, 70.0, 70.0]),
]


@pytest.mark.parametrize("case", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_single_target_patients(case):
    _id, _provenance, sums, responses, nadirs = case
    tp = assess_timepoints(_single_target(sums))
    assert list(tp["sum_mm"]) == sums
    assert list(tp["target_response"][1:]) == responses
    assert list(tp["overall_response"][1:]) == responses
    assert list(tp["nadir_mm"][1:]) == nadirs


def test_golden_r11_4_4_2_three_targets_two_assessed():
    """R11 4.4.2: baseline sum 50 mm over three targets; at follow-up only two are
    assessed and they sum to 80 mm: PD whatever the third (missing counts >= 0 mm)."""
    rows = (targets(DATES[0], "BL", ("T1", 25.0), ("T2", 15.0), ("T3", 10.0))
            + targets(DATES[1], "FU1", ("T1", 50.0), ("T2", 30.0),
                      ("T3", None, "not_evaluated")))
    tp = assess_timepoints(table(rows))
    row = tp.iloc[1]
    assert (row["target_response"], row["overall_response"]) == ("PD", "PD")
    assert row["reasons"] == (
        "target PD (TGT-PD, NE-2, R11 4.4.2): the evaluated targets alone sum to 80.00 mm, "
        "+30.00 mm and +60.00% over nadir 50.00 mm, with 1 target(s) not evaluated; "
        "overall PD (OVR-T1-7)")


def test_golden_faq_100_70_80_with_continuing_response():
    """DEC-1 option: a confirmed PR continues as PR until PD (FAQ example)."""
    measurements = _single_target([100.0, 70.0, 70.0, 80.0, 80.0, 80.0])
    result = respond(measurements,
                     criteria=Criteria(continuing_response=True, confirmation=True))
    assert list(result.timepoints["overall_response"][1:]) == ["PR"] * 5
    assert result.patient_summary["confirmed_bor"].iloc[0] == "PR"
