"""WHO response (recist.who_criteria; docs/rules.md section 18, WHO-1..4), by hand."""

from __future__ import annotations

import pytest

from recist.criteria import RECIST_1_1
from recist.errors import RecistDataError
from recist.response import respond
from recist.who_criteria import assess_who, who_products_mm2

from support.criteria_rows import sized

BL, W8, W16 = ("2024-01-01", "BL"), ("2024-02-26", "W8"), ("2024-04-22", "W16")

CASES = [
    # (case, rows (ld, sa per time point), expected WHO responses, RECIST responses)
    # 20x10 = 200 mm² -> 10 x 10 = 100: -50.00 %, PR inclusive; RECIST 20 -> 10: PR.
    ("who-2-pr-at-50pct", [(*BL, "T1", 20.0, 10.0, None), (*W8, "T1", 10.0, 10.0, None)],
     ["PR"], ["PR"]),
    # 10 x 10.001 = 100.01: -49.995 % rounds half away to -50.00 (DEC-22): PR.
    ("who-2-dec-22-49.995", [(*BL, "T1", 20.0, 10.0, None), (*W8, "T1", 10.0, 10.001, None)],
     ["PR"], ["PR"]),
    # 10 x 10.002 = 100.02: -49.99 %: SD.
    ("who-2-49.99-is-sd", [(*BL, "T1", 20.0, 10.0, None), (*W8, "T1", 10.0, 10.002, None)],
     ["SD"], ["PR"]),
    # 20 x 20 = 400 -> 14 x 20 = 280: -30 % is PR for RECIST (LD 20 -> 14), SD for WHO.
    ("who-2-recist-pr-who-sd", [(*BL, "T1", 20.0, 20.0, None), (*W8, "T1", 14.0, 20.0, None)],
     ["SD"], ["PR"]),
    # nadir 200 -> 25 x 10 = 250: +25 % is PD (no mm minimum); RECIST 20 -> 25: +25 %, +5 mm.
    ("who-3-pd-at-25pct", [(*BL, "T1", 20.0, 10.0, None), (*W8, "T1", 25.0, 10.0, None)],
     ["PD"], ["PD"]),
    # 24.999 x 10 = 249.99: +24.995 % -> +25.00 %: PD. RECIST rounds the sum 24.999 to
    # 25.00 mm (DEC-22): +5 mm, +25 %: PD too.
    ("who-3-dec-22-24.995", [(*BL, "T1", 20.0, 10.0, None), (*W8, "T1", 24.999, 10.0, None)],
     ["PD"], ["PD"]),
    # 24.998 x 10 = 249.98: +24.99 %: SD; RECIST 24.998 -> 25.00 mm: PD.
    ("who-3-24.99-is-sd", [(*BL, "T1", 20.0, 10.0, None), (*W8, "T1", 24.998, 10.0, None)],
     ["SD"], ["PD"]),
    # Against the nadir: 400 -> 100 (PR) -> 125 (+25 % over 100): PD, still -68.75 % from
    # baseline; RECIST 20 -> 10 -> 12.5: +2.5 mm, not PD: PR.
    ("who-3-pd-over-nadir", [(*BL, "T1", 20.0, 20.0, None), (*W8, "T1", 10.0, 10.0, None),
                             (*W16, "T1", 12.5, 10.0, None)], ["PR", "PD"], ["PR", "PR"]),
    # too_small counts 5 x 5 = 25 mm²; a node LD 30 x SA 20 = 600 -> absent 0 (CR by TGT-CR).
    ("who-1-too-small-and-node", [(*BL, "T1", 20.0, 10.0, None),
                                  (*BL, "N1", 30.0, 20.0, None, "measured", True),
                                  (*W8, "T1", None, None, None, "too_small"),
                                  (*W8, "N1", None, None, None, "absent", True)],
     ["PR"], ["PR"]),
]


@pytest.mark.parametrize("case, rows, who, recist", CASES, ids=[c[0] for c in CASES])
def test_who_case(case, rows, who, recist):
    measurements = sized(rows)
    result = respond(measurements, None, RECIST_1_1)
    out = assess_who(measurements, result.timepoints, None, RECIST_1_1)
    assert out.timepoints["who_response"].tolist()[1:] == who
    assert result.timepoints["overall_response"].tolist()[1:] == recist
    assert out.findings == ()


def test_who_1_sums_and_changes_by_hand():
    rows = CASES[-1][1]
    measurements = sized(rows)
    result = respond(measurements, None, RECIST_1_1)
    tp = assess_who(measurements, result.timepoints).timepoints
    # 200 + 600 = 800 mm² at baseline; 25 + 0 = 25 mm² later: -96.88 %.
    assert tp["who_sum_mm2"].tolist() == [800.0, 25.0]
    assert tp["who_pct_from_baseline"].tolist() == [0.0, -96.88]
    assert "sum 25.00 mm² is -96.88% from baseline 800.00 mm²" in tp["who_reasons"].iat[1]


def test_who_4_missing_perpendicular_is_ne_with_a_finding():
    rows = [(*BL, "T1", 20.0, 10.0, None), (*BL, "T2", 20.0, 10.0, None),
            (*W8, "T1", 10.0, 10.0, None), (*W8, "T2", 10.0, None, None)]
    measurements = sized(rows)
    result = respond(measurements, None, RECIST_1_1)
    out = assess_who(measurements, result.timepoints)
    assert out.timepoints["who_response"].tolist() == [None, "NE"]
    assert [f.code for f in out.findings] == ["who-size-missing"]
    assert "T2" in out.findings[0].message and "2024-02-26" in out.findings[0].message


def test_who_1_table_without_perpendiculars_is_refused():
    measurements = sized([(*BL, "T1", 20.0, None, None), (*W8, "T1", 10.0, None, None)])
    with pytest.raises(RecistDataError, match="no measured non-nodal target of the table "
                                              "has sa_mm"):
        who_products_mm2(measurements)
