"""Baseline rules (MEAS-1..13, SEL-1..4, DEC-12, DEC-21) on one hand-checked baseline."""

from __future__ import annotations

import pandas as pd
import pytest

from recist.baseline_rules import assess_baseline
from recist.table import normalise_measurements

COLUMNS = ["patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal", "ld_mm",
           "sa_mm", "status", "slice_thickness_mm"]
# (lesion, kind, organ, nodal, LD, SA, slice thickness, expected category, rule)
LESIONS = [
    ("A", "target", "liver", False, 10.0, None, 5.0, "measurable", "meas-13-10.0-inclusive"),
    ("B", "non-target", "liver", False, 9.9, None, None, "non-measurable", "meas-13-9.9"),
    ("C", "non-target", "lung", False, 11.9, None, 6.0, "non-measurable", "meas-2-6mm-11.9"),
    ("D", "target", "lung", False, 12.0, None, 6.0, "measurable", "meas-2-6mm-12.0"),
    ("E", "target", "mediastinum", True, 30.0, 15.0, None, "measurable", "meas-4-sa-15.0"),
    ("F", "non-target", "axilla", True, 20.0, 14.9, None,
     "pathological node, non-measurable", "meas-5-sa-14.9"),
    ("G", "non-target", "neck", True, 12.0, 9.9, None, "normal node", "meas-6-sa-9.9"),
    ("H", "target", "neck", True, 25.0, 16.0, 6.0, "measurable", "dec-12-node-fixed-15"),
    ("I", "target", "left lung", False, 25.0, None, None, "measurable", "sel-3-paired-left"),
    ("J", "target", "right lung", False, 25.0, None, None, "measurable", "sel-3-paired-right"),
    ("K", "target", "pelvis", True, 25.0, 17.0, None, "measurable", "sel-3-third-node"),
    ("L", "target", "kidney", False, 5.5, None, 5.5, "non-measurable", "meas-2-5.5mm-is-11"),
    ("M", "target", "liver", True, 40.0, 12.0, None,
     "pathological node, non-measurable", "meas-4-sa-not-ld"),
]


@pytest.fixture(scope="module")
def baseline():
    rows = [("P1", "2024-01-01", "V0", les, kind, organ, nodal, ld, sa, "measured"
             if kind == "target" else "present", thick)
            for les, kind, organ, nodal, ld, sa, thick, _, _ in LESIONS]
    rows.append(("P1", "2024-02-12", "V1", "A", "target", "liver", False, 10.0, None,
                 "measured", 5.0))
    return assess_baseline(normalise_measurements(pd.DataFrame(rows, columns=COLUMNS)))


@pytest.mark.parametrize("lesion, expected", [(x[0], x[7]) for x in LESIONS],
                         ids=[x[8] for x in LESIONS])
def test_measurability_category(baseline, lesion, expected):
    row = baseline.lesions.set_index("lesion_id").loc[lesion]
    assert row["category"] == expected
    assert bool(row["measurable"]) is (expected == "measurable")


def test_dec_21_organ_keys(baseline):
    keys = baseline.lesions.set_index("lesion_id")["organ_key"]
    assert {keys[x] for x in "EFGHKM"} == {"lymph node"}  # DEC-21: every node one organ
    assert keys["I"] == keys["J"] == keys["D"] == "lung"  # paired organ


def test_sel_1_sel_3_findings(baseline):
    by_code = {}
    for finding in baseline.findings:
        by_code.setdefault(finding.code, []).append(finding)
    assert len(by_code["too-many-targets"]) == 1  # 9 targets > 5 (SEL-1)
    crowded = sorted(f.message.split("organ '")[1].split("'")[0]
                     for f in by_code["too-many-targets-in-organ"])
    # liver holds only A: M, though in the liver, is a node and counts as "lymph node"
    assert crowded == ["lung", "lymph node"]
    assert sorted(f.lesion_id for f in by_code["non-measurable-target"]) == ["L"]
    assert [f.lesion_id for f in by_code["node-target-not-measurable"]] == ["M"]
    assert [f.lesion_id for f in by_code["normal-node-recorded"]] == ["G"]
    assert [f.lesion_id for f in by_code["node-thick-slices"]] == ["H"]  # DEC-12 note
    verdict = baseline.patients.iloc[0]
    assert bool(verdict["measurable_disease"]) and not bool(verdict["selection_valid"])
    assert int(verdict["n_targets"]) == 9 and int(verdict["n_non_targets"]) == 4


def test_meas_12_no_measurable_lesion_no_measurable_disease():
    rows = [("P2", "2024-01-01", "V0", "T1", "target", "liver", False, 9.9, None, "measured",
             None),
            ("P2", "2024-01-01", "V0", "N1", "non-target", "neck", True, 20.0, 14.9, "present",
             None)]
    result = assess_baseline(normalise_measurements(pd.DataFrame(rows, columns=COLUMNS)))
    verdict = result.patients.iloc[0]
    assert not bool(verdict["measurable_disease"])
    assert not bool(verdict["selection_valid"])  # T1 is not measurable (SEL-1)
