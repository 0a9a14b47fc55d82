"""iRECIST (recist.irecist; docs/rules.md section 17, IR-1..10), case by case.

Every case is checked by hand against Seymour et al. 2017 (iR): the sums, the days
between scans and the expected labels are written beside each row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.best_response import best_overall_response
from recist.criteria import RECIST_1_1
from recist.irecist import assess_irecist, select_new_lesion_targets
from recist.response import respond
from recist.table import normalise_measurements

from support.timepoint_rows import random_cohort, table, targets

CRITERIA = RECIST_1_1


def new(date, visit, lesion, mm=None, status="unequivocal"):
    return [(date, visit, lesion, "new", False, mm, None, status)]


def nontarget(date, visit, lesion, status):
    return [(date, visit, lesion, "non-target", False, None, None, status)]


def _run(rows, patients=None):
    measurements = table(rows)
    result = respond(measurements, patients, CRITERIA)
    ir = assess_irecist(measurements, result.timepoints, patients, CRITERIA)
    return result, ir


BL = ("2024-01-01", "BL")
W8 = ("2024-02-26", "W8")     # day 56
W16 = ("2024-04-22", "W16")   # day 112
W24 = ("2024-06-17", "W24")   # 56 days after W16
W32 = ("2024-08-12", "W32")
EARLY = ("2024-05-13", "W19")  # 21 days after W16
LATE = ("2024-07-01", "W26")   # 70 days after W16

CASES = [
    # (case, rows, expected iRECIST labels after baseline, expected patient values)
    ("ir-1-no-iupd-is-recist",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 30.0)), *targets(*W16, ("T1", 40.0))],
     # 50 -> 30 (-40 %: PR) -> 40 (+33 % and +10 mm over 30: PD) : iPR, iUPD
     ["iPR", "iUPD"], {"irecist_bor": "iPR", "iupd_date": "2024-04-22"}),
    ("ir-4-target-growth-confirms",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 40.0)), *targets(*W16, ("T1", 50.0)),
      *targets(*W24, ("T1", 55.0))],
     # 40 -> 50: +10 mm, +25 %: iUPD; 56 days later 55 = iUPD sum + 5 mm: iCPD
     ["iSD", "iUPD", "iCPD"],
     {"irecist_bor": "iSD", "iupd_date": "2024-04-22", "icpd_date": "2024-06-17",
      "irecist_pd_date": "2024-04-22"}),
    ("ir-6-growth-under-5mm-persists",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 40.0)), *targets(*W16, ("T1", 50.0)),
      *targets(*W24, ("T1", 54.9)), *targets(*W32, ("T1", 55.0))],
     # +4.9 mm over the iUPD sum: still PD against the nadir 40, not confirmed: iUPD;
     # W32 55.0 = 50 + 5.0: confirmed (the iUPD sum stays the reference)
     ["iSD", "iUPD", "iUPD", "iCPD"],
     {"icpd_date": "2024-08-12", "irecist_pd_date": "2024-04-22"}),
    ("ir-8-reset-then-new-iupd",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 40.0)), *targets(*W16, ("T1", 50.0)),
      *targets(*W24, ("T1", 38.0)), *targets(*W32, ("T1", 50.0))],
     # 38 mm: -24 % from baseline, under the PD threshold 48 of nadir 40: iSD, reset;
     # 50 over the new nadir 38: +12 mm, +31.6 %: a fresh iUPD
     ["iSD", "iUPD", "iSD", "iUPD"],
     {"irecist_bor": "iSD", "iupd_date": "2024-04-22", "icpd_date": None}),
    ("ir-3-too-early-then-confirmed",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 40.0)), *targets(*W16, ("T1", 50.0)),
      *targets(*EARLY, ("T1", 60.0)), *targets(*W24, ("T1", 60.0))],
     # 21 days after iUPD: too early, even at +10 mm; 56 days after: confirmed
     ["iSD", "iUPD", "iUPD", "iCPD"], {"icpd_date": "2024-06-17"}),
    ("ir-4-more-new-lesions",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 45.0)),
      *targets(*W16, ("T1", 45.0)), *new(*W16, "N1", 8.0),
      *targets(*W24, ("T1", 44.0)), *new(*W24, "N1", 8.0), *new(*W24, "N2", 6.0)],
     # iUPD from new lesion N1; N2 at the next scan: more new lesions: iCPD
     ["iSD", "iUPD", "iCPD"], {"icpd_date": "2024-06-17"}),
    ("ir-5-new-lesion-target-sum-grows-5mm",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 45.0)),
      *targets(*W16, ("T1", 45.0)), *new(*W16, "N1", 12.0),
      *targets(*W24, ("T1", 44.0)), *new(*W24, "N1", 17.0)],
     # N1 12 mm is a new-lesion target; 17 mm: +5 mm: iCPD
     ["iSD", "iUPD", "iCPD"], {"icpd_date": "2024-06-17"}),
    ("ir-5-new-lesion-target-sum-grows-4.9mm",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 45.0)),
      *targets(*W16, ("T1", 45.0)), *new(*W16, "N1", 12.0),
      *targets(*W24, ("T1", 44.0)), *new(*W24, "N1", 16.9)],
     # +4.9 mm and N1 still there: iUPD persists (no reset while a new lesion is seen)
     ["iSD", "iUPD", "iUPD"], {"icpd_date": None}),
    ("ir-8-new-lesion-gone-resets",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 45.0)),
      *targets(*W16, ("T1", 45.0)), *new(*W16, "N1", 12.0),
      *targets(*W24, ("T1", 30.0))],
     # N1 gone, 30 mm = -40 %: iPR, reset; iBOR iPR (counted after the iUPD, iR Table 3)
     ["iSD", "iUPD", "iPR"], {"irecist_bor": "iPR", "icpd_date": None}),
    ("ir-4-non-target-progression-confirms",
     [*targets(*BL, ("T1", 50.0)), *nontarget(*BL, "NT1", "present"),
      *targets(*W8, ("T1", 45.0)), *nontarget(*W8, "NT1", "present"),
      *targets(*W16, ("T1", 45.0)), *nontarget(*W16, "NT1", "progression"),
      *targets(*W24, ("T1", 45.0)), *nontarget(*W24, "NT1", "progression")],
     ["iSD", "iUPD", "iCPD"], {"irecist_pd_date": "2024-04-22"}),
    ("ir-7-after-icpd",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 40.0)), *targets(*W16, ("T1", 50.0)),
      *targets(*W24, ("T1", 55.0)), *targets(*W32, ("T1", 30.0))],
     # confirmed at W24; W32 shrinks to 30 mm (-40 %) but progression stays confirmed
     ["iSD", "iUPD", "iCPD", "iCPD"], {"irecist_bor": "iSD", "icpd_date": "2024-06-17"}),
    ("ir-3-late-confirmation",
     [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 40.0)), *targets(*W16, ("T1", 50.0)),
      *targets(*LATE, ("T1", 56.0))],
     ["iSD", "iUPD", "iCPD"], {"icpd_date": "2024-07-01"}),
]


@pytest.mark.parametrize("case, rows, labels, patient", CASES, ids=[c[0] for c in CASES])
def test_irecist_case(case, rows, labels, patient):
    _, ir = _run(rows)
    assert ir.timepoints["irecist_response"].tolist()[1:] == labels
    row = ir.patients.iloc[0]
    for column, value in patient.items():
        got = row[column]
        if column.endswith("_date"):
            got = None if pd.isna(got) else got.strftime("%Y-%m-%d")
        assert got == value, (case, column)


def test_ir_3_late_confirmation_is_a_finding():
    _, ir = _run(CASES[-1][1])
    codes = [f.code for f in ir.findings]
    assert codes == ["irecist-confirmation-late"]
    assert "70 days later" in ir.findings[0].message


def test_ir_6_ne_after_iupd_keeps_it_pending():
    rows = [*targets(*BL, ("T1", 50.0), ("T2", 30.0)), *targets(*W8, ("T1", 40.0), ("T2", 30.0)),
            *targets(*W16, ("T1", 60.0), ("T2", 30.0)),  # 70 -> 90: +20 mm, +28.6 %: PD
            *targets(*W24, ("T1", 60.0), ("T2", None, "not_evaluated")),
            *targets(*W32, ("T1", 66.0), ("T2", 30.0))]  # 96 = 90 + 6: confirmed
    _, ir = _run(rows)
    assert ir.timepoints["irecist_response"].tolist()[1:] == ["iSD", "iUPD", "iNE", "iCPD"]
    assert ir.patients["irecist_bor"].iat[0] == "iSD"


def test_ir_5_new_lesion_targets_at_most_5_and_2_per_organ():
    rows = pd.DataFrame({
        "patient_id": ["P"] * 7, "lesion_id": list("ABCDEFG"), "tp_order": [1] * 6 + [2],
        "nodal": [False] * 5 + [True, False],
        "organ": ["liver", "liver", "liver", "lung", "bone", "mediastinal node", "skin"],
        "diameter_mm": [30.0, 20.0, 25.0, 9.9, 10.0, 15.0, 40.0]})
    # liver: A (30), C (25) — B third in liver; D 9.9 mm not measurable; E 10 mm yes;
    # F node SA 15 yes (4 so far); G at the later time point: the fifth.
    assert select_new_lesion_targets(rows) == {("P", x) for x in "ACEFG"}


def test_ir_10_unmeasured_new_lesion_is_a_finding():
    rows = [*targets(*BL, ("T1", 50.0)), *targets(*W8, ("T1", 45.0)), *new(*W8, "N1")]
    _, ir = _run(rows)
    assert [f.code for f in ir.findings] == ["irecist-new-lesion-unmeasured"]
    assert "no ld_mm" in ir.findings[0].message and "N1" in ir.findings[0].message
    assert ir.timepoints["n_new_nontargets"].tolist() == [0, 1]


def test_ir_1_irecist_equals_recist_until_the_first_pd_on_a_random_cohort():
    measurements = normalise_measurements(random_cohort(120, seed=5))
    result = respond(measurements, None, CRITERIA)
    ir = assess_irecist(measurements, result.timepoints, None, CRITERIA)
    tp = result.timepoints.assign(i=ir.timepoints["irecist_response"])
    mapping = {"CR": "iCR", "PR": "iPR", "SD": "iSD", "NON-CR/NON-PD": "NON-iCR/NON-iUPD",
               "PD": "iUPD", "NE": "iNE"}
    checked = 0
    for patient, rows in tp.groupby("patient_id", sort=False):
        follow = rows.iloc[1:]
        before = follow["overall_response"].tolist()
        first_pd = before.index("PD") if "PD" in before else len(before)
        assert follow["i"].tolist()[:first_pd + 1] == [mapping[v] for v in
                                                       before[:first_pd + 1]], patient
        if first_pd == len(before):  # no iUPD at all: the iBOR is the BOR
            dates = [d.date() for d in follow["date"]]
            bor = best_overall_response(before, dates, rows["date"].iat[0].date(), CRITERIA)
            got = ir.patients.set_index("patient_id").loc[patient, "irecist_bor"]
            assert got == mapping[bor.response], patient
            checked += 1
    assert checked > 30
    assert np.isin(ir.timepoints["irecist_response"].dropna(),
                   list(mapping.values()) + ["iCPD"]).all()
