"""Findings the rule book asks for (DEC-2, DEC-3, DEC-7, DEC-9, DEC-11, DEC-14, DEC-16,
MEAS-11), each on a hand-made patient run through ``recist.response.respond``."""

from __future__ import annotations

import pytest

from recist.response import respond

from support.review_patients import cohort, patient, patients_table, raw_table

B, D1, D2, D3 = "2024-01-01", "2024-02-12", "2024-03-25", "2024-05-06"


def _codes(result, code):
    return [(f.patient_id, f.date, f.lesion_id) for f in result.findings if f.code == code]


CASES = [
    ("dec-2-cr-then-pr", [(B, "T1 20"), (D1, "T1 absent"), (D2, "T1 4")], "cr-then-pr",
     [("P1", D2, None)]),
    ("dec-3-cr-then-sd-nodal-regrowth", [(B, "LN1 16"), (D1, "LN1 8"), (D2, "LN1 12")],
     "cr-then-sd", [("P1", D2, None)]),
    ("dec-3-no-finding-without-cr", [(B, "LN1 16"), (D1, "LN1 12"), (D2, "LN1 13")],
     "cr-then-sd", []),
    ("dec-9-present-after-cr", [(B, "T1 20", "NT1"), (D1, "T1 absent", "NT1 absent"),
                                (D2, "T1 absent", "NT1")], "present-after-cr",
     [("P1", D2, "NT1")]),
    ("dec-11-split-node", [(B, "LN1 20"), (D1, "LN1 6", "LN1 5")], "node-split",
     [("P1", D1, "LN1")]),
    ("dec-11-merged-node", [(B, "LN1 20", "LN2 20"), (D1, "LN1 30", "LN2 merged")],
     "node-merged", [("P1", D1, "LN2")]),
    ("dec-11-no-finding-for-split-non-nodal", [(B, "T1 20"), (D1, "T1 6", "T1 5")],
     "node-split", []),
    ("dec-14-equivocal-never-confirmed", [(B, "T1 20"), (D1, "T1 20", "NEW1 equivocal"),
                                          (D2, "T1 20")], "equivocal-new-unresolved",
     [("P1", D1, "NEW1")]),
    ("dec-13-confirmed-equivocal-no-dec-14-finding",
     [(B, "T1 20"), (D1, "T1 20", "NEW1 equivocal"), (D2, "T1 20", "NEW1 unequivocal")],
     "equivocal-new-unresolved", []),
]


@pytest.mark.parametrize("case_id, visits, code, expected", CASES, ids=[c[0] for c in CASES])
def test_rule_findings(case_id, visits, code, expected):
    result = respond(patient(*visits), patients_table(B))
    assert _codes(result, code) == expected


def test_dec_7_and_dec_16_reference_date_findings():
    measurements = cohort(raw_table((B, "T1 50"), (D1, "T1 50"), patient_id="A"),
                          raw_table((B, "T1 50"), (D1, "T1 50"), patient_id="B"))
    patients = patients_table(B, patient_id="A")
    patients.loc[1] = ["Z", "2024-01-01"]
    result = respond(measurements, patients)
    assert _codes(result, "patient-not-in-patients-table") == [("B", B, None)]
    assert _codes(result, "no-assessment") == [("Z", None, None)]
    summary = result.patient_summary.set_index("patient_id")
    assert summary.loc["Z", "bor"] == "NE" and int(summary.loc["Z", "pfs_days"]) == 1
    assert [f.code for f in respond(measurements).findings
            if f.code == "no-patients-table"] == ["no-patients-table"]


def test_meas_11_baseline_window_checked_by_respond():
    # Baseline scan 40 days before treatment start: more than 4 weeks (MEAS-11).
    result = respond(patient(("2023-11-22", "T1 50"), (D1, "T1 50")), patients_table(B))
    assert _codes(result, "baseline-too-early") == [("P1", "2023-11-22", None)]
