"""Target selection (SEL-1..5, DEC-21) and the per-patient baseline verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.baseline_rules import (
    LESION_COLUMNS,
    PATIENT_COLUMNS,
    _SelectionFindings,
    assess_baseline,
    check_target_selection,
    organ_key,
)
from recist.criteria import Criteria
from recist.findings import Severity

from support.baseline_tables import table


def codes(findings):
    return sorted(f.code for f in findings)


@pytest.mark.parametrize(
    ("organ", "nodal", "key"),
    [
        ("left lung", False, "lung"), ("Right Lung", False, "lung"),
        ("lung, left", False, "lung"), ("LUL", False, "lung"), ("lungs", False, "lung"),
        ("left kidney", False, "kidney"), ("Ovary (right)", False, "ovary"),
        ("left adrenal gland", False, "adrenal"), ("breasts", False, "breast"),
        ("right lobe of liver", False, "liver"), ("Peritoneum", False, "peritoneum"),
        ("mediastinum", True, "lymph node"), ("neck", True, "lymph node"),
        ("axillary lymph node", False, "lymph node"), (None, True, "lymph node"),
        (None, False, None),
    ],
)
def test_organ_key_dec21(organ, nodal, key):
    assert organ_key(organ, nodal) == key


def test_six_targets_exceed_five():
    organs = ["liver", "liver", "lung", "lung", "spleen", "bone"]
    m = table(*[{"lesion_id": f"T{i}", "organ": o, "ld_mm": 20.0}
                for i, o in enumerate(organs, 1)])
    findings = check_target_selection(m)
    assert codes(findings) == ["too-many-targets"]
    assert "6 target lesions" in findings[0].message and findings[0].rule == "SEL-1"
    assert findings[0].patient_id == "P1" and findings[0].date == "2024-01-10"


def test_five_targets_two_per_organ_valid():
    organs = ["liver", "liver", "lung", "lung", "spleen"]
    m = table(*[{"lesion_id": f"T{i}", "organ": o, "ld_mm": 20.0}
                for i, o in enumerate(organs, 1)])
    assert check_target_selection(m) == []


def test_three_targets_in_one_organ():
    m = table(*[{"lesion_id": f"T{i}", "organ": "liver", "ld_mm": 20.0} for i in (1, 2, 3)])
    assert codes(check_target_selection(m)) == ["too-many-targets-in-organ"]


def test_left_and_right_lung_are_one_organ():
    m = table({"lesion_id": "T1", "organ": "left lung", "ld_mm": 20.0},
              {"lesion_id": "T2", "organ": "right lung", "ld_mm": 20.0},
              {"lesion_id": "T3", "organ": "lung, left", "ld_mm": 20.0})
    findings = check_target_selection(m)
    assert codes(findings) == ["too-many-targets-in-organ"]
    assert "organ 'lung'" in findings[0].message
    two = table({"lesion_id": "T1", "organ": "left lung", "ld_mm": 20.0},
                {"lesion_id": "T2", "organ": "right lung", "ld_mm": 20.0})
    assert check_target_selection(two) == []


def test_three_nodes_in_different_stations_are_one_organ():
    m = table(*[{"lesion_id": f"N{i}", "organ": station, "nodal": "true", "sa_mm": 18.0}
                for i, station in enumerate(["mediastinal", "cervical", "inguinal"], 1)])
    findings = check_target_selection(m)
    assert codes(findings) == ["too-many-targets-in-organ"]
    assert "organ 'lymph node'" in findings[0].message


def test_pathological_node_as_target_is_a_problem():
    m = table({"lesion_id": "N1", "organ": "mediastinum", "nodal": "true", "sa_mm": 12.0,
               "ld_mm": 25.0})
    findings = check_target_selection(m)
    assert codes(findings) == ["node-target-not-measurable"]
    assert "record it as a non-target" in findings[0].message
    assert findings[0].lesion_id == "N1" and findings[0].rule == "MEAS-5"
    # The same node as a non-target is fine.
    ok = table({"lesion_id": "N1", "kind": "non-target", "status": "present",
                "organ": "mediastinum", "nodal": "true", "sa_mm": 12.0})
    assert check_target_selection(ok) == []


def test_non_measurable_target_is_a_problem():
    m = table({"lesion_id": "T1", "ld_mm": 9.9}, {"lesion_id": "T2", "ld_mm": 20.0})
    findings = check_target_selection(m)
    assert codes(findings) == ["non-measurable-target"]
    assert findings[0].lesion_id == "T1" and "9.9 mm < 10.0 mm" in findings[0].message


def test_normal_node_recorded_as_non_target():
    m = table({"lesion_id": "T1", "ld_mm": 20.0},
              {"lesion_id": "N1", "kind": "non-target", "status": "present", "nodal": "true",
               "organ": "hilum", "sa_mm": 8.0})
    assert codes(check_target_selection(m)) == ["normal-node-recorded"]


def test_measurable_lesion_but_no_target():
    m = table({"lesion_id": "NT1", "kind": "non-target", "status": "present", "ld_mm": 30.0})
    assert codes(check_target_selection(m)) == ["no-target-selected"]
    qualitative = table({"lesion_id": "NT1", "kind": "non-target", "status": "present"})
    assert check_target_selection(qualitative) == []


def test_limits_come_from_criteria():
    m = table(*[{"lesion_id": f"T{i}", "organ": "liver", "ld_mm": 20.0} for i in (1, 2, 3)])
    assert check_target_selection(m, Criteria(max_targets_per_organ=3)) == []


def test_only_baseline_rows_count():
    # Follow-up rows (later date) do not add targets to the selection.
    rows = [{"lesion_id": f"T{i}", "organ": "liver", "ld_mm": 20.0} for i in (1, 2)]
    later = [{**r, "date": "2024-03-10"} for r in rows]
    assert check_target_selection(table(*rows, *later)) == []


def test_assess_baseline_tables_and_verdicts():
    m = table(
        # P1: valid, measurable (follow-up row must not count).
        {"lesion_id": "T1", "ld_mm": 16.0, "organ": "lung", "slice_thickness_mm": 5.0},
        {"lesion_id": "T1", "ld_mm": 30.0, "organ": "lung", "date": "2024-03-10"},
        # P2: a 12 mm node as target and a thick-slice measurable node.
        {"patient_id": "P2", "lesion_id": "N1", "nodal": "true", "organ": "neck",
         "sa_mm": 12.0},
        {"patient_id": "P2", "lesion_id": "N2", "nodal": "true", "organ": "axilla",
         "sa_mm": 16.0, "slice_thickness_mm": 7.0},
        # P3: non-target only, not measurable.
        {"patient_id": "P3", "lesion_id": "NT1", "kind": "non-target", "status": "present",
         "organ": "pleura"},
    )
    result = assess_baseline(m)
    assert list(result.lesions.columns) == list(LESION_COLUMNS)
    assert list(result.patients.columns) == list(PATIENT_COLUMNS)
    assert len(result.lesions) == 4
    p = result.patients.set_index("patient_id")
    assert p.loc["P1", "measurable_disease"] and p.loc["P1", "selection_valid"]
    assert p.loc["P1", "baseline_date"] == pd.Timestamp("2024-01-10")
    assert p.loc["P1", "problems"] == ""
    assert p.loc["P2", "measurable_disease"] and not p.loc["P2", "selection_valid"]
    assert p.loc["P2", "n_targets"] == 2 and "N1" in p.loc["P2", "problems"]
    assert not p.loc["P3", "measurable_disease"] and p.loc["P3", "selection_valid"]
    assert (p.loc["P3", "n_targets"], p.loc["P3", "n_non_targets"]) == (0, 1)
    lesions = result.lesions.set_index("lesion_id")
    assert lesions.loc["N1", "category"] == "pathological node, non-measurable"
    assert lesions.loc["T1", "ld_mm"] == 16.0 and lesions.loc["T1", "organ_key"] == "lung"
    info = [f for f in result.findings if f.severity == Severity.INFO]
    assert [(f.code, f.lesion_id, f.rule) for f in info] == [("node-thick-slices", "N2",
                                                               "DEC-12")]


def test_baseline_is_first_visit_even_across_dates():
    # Visit V1 spans two dates; both rows are baseline; the baseline date is the latest
    # scan of the visit (DEC-20).
    m = table({"visit": "V1", "lesion_id": "T1", "ld_mm": 20.0, "date": "2024-01-10"},
              {"visit": "V1", "lesion_id": "T2", "ld_mm": 25.0, "date": "2024-01-12",
               "organ": "lung"},
              {"visit": "V2", "lesion_id": "T1", "ld_mm": 10.0, "date": "2024-03-01"})
    result = assess_baseline(m)
    assert sorted(result.lesions["lesion_id"]) == ["T1", "T2"]
    assert result.patients.loc[0, "baseline_date"] == pd.Timestamp("2024-01-12")


def test_organ_missing_leaves_selection_undecided():
    m = table({"lesion_id": "T1", "ld_mm": 20.0, "organ": ""},
              {"lesion_id": "T2", "ld_mm": 20.0, "organ": "liver"},
              {"lesion_id": "T3", "ld_mm": 20.0, "organ": "lung"})
    result = assess_baseline(m)
    assert pd.isna(result.patients.loc[0, "selection_valid"])
    assert [(f.code, f.lesion_id) for f in result.findings] == [("organ-missing", "T1")]
    # With at most 2 targets the per-organ limit cannot be exceeded: nothing to check.
    two = assess_baseline(table({"lesion_id": "T1", "ld_mm": 20.0, "organ": ""},
                                {"lesion_id": "T2", "ld_mm": 20.0, "organ": ""}))
    assert two.findings == [] and bool(two.patients.loc[0, "selection_valid"])


def test_empty_table():
    empty = table({"lesion_id": "T1", "ld_mm": 20.0}).iloc[0:0]
    result = assess_baseline(empty)
    assert result.lesions.empty and result.patients.empty and result.findings == []
    assert list(result.patients.columns) == list(PATIENT_COLUMNS)


def test_selection_findings_ordered_by_the_text_of_each_patient_id():
    # patients in order of first sight, found by the id's text: the int 7 is not patient
    # "7" (its findings go with the "7" it reads as), a missing id sorts first
    lesions = pd.DataFrame({
        "patient_id": pd.array(["B", 7, "A", "7", None], dtype=object),
        "lesion_id": ["L0", "L1", "L2", "L3", "L4"],
        "baseline_date": pd.to_datetime(["2024-01-02"] * 4 + [None])})
    found = _SelectionFindings(lesions)
    found.add(np.array([3, 2, 1, 0]), "c", "R-1", ["t3", "t2", "t1", "t0"])
    found.add(np.array([4, 1]), "d", "R-2", ["t4", "t1 again"], lesion=False)
    made = found.findings()
    assert [(f.code, f.patient_id, f.lesion_id) for f in made] == [
        ("c", "B", "L0"), ("d", "None", None), ("c", "A", "L2"), ("c", "7", "L3"),
        ("c", "7", "L1"), ("d", "7", None)]
    assert made[1].message == "patient None, baseline None: t4"
    assert made[4].message == "patient 7, baseline 2024-01-02: t1"
    assert {f.severity for f in made} == {Severity.WARNING}


@pytest.mark.parametrize("categories", [None, ["P3", "P1", "P2", "unused"]])
@pytest.mark.parametrize("missing", [False, True])
def test_first_seen_values_are_factorize_of_the_cells(categories, missing):
    from recist.baseline_rules import _first_seen_values

    cells = ["P2", "P1", "P2", "P3", None if missing else "P1", "P3"]
    column = pd.Series(pd.Categorical(cells, categories=categories))
    objects = np.asarray(column.array, dtype=object)
    codes, values = _first_seen_values(column, objects)
    expected_codes, expected_values = pd.factorize(objects)
    assert codes.tolist() == expected_codes.tolist()
    assert values.tolist() == list(expected_values) == ["P2", "P1", "P3"]
    plain_codes, plain_values = _first_seen_values(column.astype(object), objects)
    assert plain_codes.tolist() == codes.tolist() and plain_values.tolist() == values.tolist()


@pytest.mark.parametrize("categorical", [True, False])
def test_crowded_organs_of_many_patients_each_list_their_own_lesions(categorical):
    """The too-many-targets-in-organ text of each patient names its own lesions, organs,
    count and organ key (nodes: "lymph node"), however many patients share the same list
    (texts made once per distinct list)."""
    crowded = {"P1": [("T1", "lung"), ("T2", "lung"), ("T3", "lung")],
               "P2": [("T1", "lung"), ("T2", "lung"), ("T3", "lung")],
               "P3": [("T1", "liver"), ("T2", "liver"), ("T3", "liver")],
               "P4": [("T1", "left lung"), ("T2", "lung"), ("T3", "lung")],
               "P5": [("T1", "lung"), ("T2", "lung"), ("T3", "lung"), ("T4", "lung")],
               "P6": [("T1", "lung"), ("T2", "lung"), ("T4", "lung")],
               "P7": [("T1", "lung"), ("T2", "lung"), ("T3", "lung")],
               "P8": [("T1", "lung"), ("T2", "lung"), ("T3", "lung")]}  # nodes
    m = table(*[{"patient_id": patient, "lesion_id": lesion, "organ": organ, "ld_mm": 20.0,
                 **({"nodal": "true", "sa_mm": 18.0} if patient == "P8" else {})}
                for patient, lesions in crowded.items() for lesion, organ in lesions])
    if not categorical:
        m = m.astype({"lesion_id": object, "organ": object})
    found = check_target_selection(m)
    key = {"lung": "lung", "left lung": "lung", "liver": "liver"}
    assert [(f.patient_id, f.message.split(": ", 1)[1].split("; ")[0]) for f in found] == [
        (patient, f"{len(lesions)} targets in organ "
                  f"'{'lymph node' if patient == 'P8' else key[lesions[0][1]]}': "
                  + ", ".join(f"{lesion} ({organ})" for lesion, organ in lesions))
        for patient, lesions in crowded.items()]


@pytest.mark.parametrize("categorical", [True, False])
def test_crowded_nodes_without_an_organ_are_listed_as_node(categorical):
    # a missing organ (code -1 of a categorical column, else a missing cell) reads "node";
    # the others keep their organ
    m = table(*[{"lesion_id": f"N{i}", "organ": organ, "nodal": "true", "sa_mm": 18.0}
                for i, organ in enumerate([None, "cervical", None, "inguinal"], 1)])
    assert isinstance(m["organ"].dtype, pd.CategoricalDtype)
    if not categorical:
        m = m.astype({"organ": object})
    found = check_target_selection(m)
    assert [f.code for f in found] == ["too-many-targets-in-organ"]
    assert ("4 targets in organ 'lymph node': N1 (node), N2 (cervical), N3 (node), "
            "N4 (inguinal); at most 2") in found[0].message
