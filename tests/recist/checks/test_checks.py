"""Data-quality checks: each with a case that triggers it and one that does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist import checks
from recist.errors import RecistDataError
from recist.findings import Severity, raise_for_errors

from support.baseline_tables import table

BASE = {"lesion_id": "T1", "ld_mm": 20.0, "date": "2024-01-10"}
FU = {"lesion_id": "T1", "ld_mm": 18.0, "date": "2024-03-10"}


def codes(findings):
    return [f.code for f in findings]


def test_missing_baseline():
    bad = table({"lesion_id": "N1", "kind": "new", "status": "unequivocal"}, FU)
    found = checks.check_missing_baseline(bad)
    assert codes(found) == ["missing-baseline"]
    assert found[0].severity == Severity.ERROR and found[0].date == "2024-01-10"
    assert checks.check_missing_baseline(table(BASE, FU)) == []


def test_lesion_missing_at_follow_up():
    m = table(BASE, {**BASE, "lesion_id": "T2", "organ": "lung"}, FU)
    found = checks.check_lesion_ids_stable(m)
    assert [(f.code, f.lesion_id, f.date) for f in found] == [
        ("lesion-missing-at-timepoint", "T2", "2024-03-10")]
    ok = table(BASE, {**BASE, "lesion_id": "T2", "organ": "lung"}, FU,
               {**FU, "lesion_id": "T2", "organ": "lung", "status": "not_evaluated",
                "ld_mm": None})
    assert checks.check_lesion_ids_stable(ok) == []


def test_a_lesion_missing_beside_a_lesion_in_two_fragments_is_found():
    # T1 has two rows (fragments) at the follow-up: as many rows as baseline lesions,
    # yet T2 has none there
    m = table(BASE, {**BASE, "lesion_id": "T2", "organ": "lung"}, FU, {**FU, "ld_mm": 4.0})
    found = checks.check_lesion_ids_stable(m)
    assert [(f.code, f.lesion_id, f.date) for f in found] == [
        ("lesion-missing-at-timepoint", "T2", "2024-03-10")]


def test_baseline_lesions_in_fragments_and_out_of_order_are_followed():
    # T2 in two fragments at baseline, T1 between them (lesion codes not rising row by
    # row): T2 missing at the follow-up, T1 recorded there as a non-target
    lung = {**BASE, "lesion_id": "T2", "organ": "lung"}
    m = table(lung, BASE, {**lung, "ld_mm": 5.0},
              {**FU, "kind": "non-target", "status": "present", "ld_mm": None})
    found = checks.check_lesion_ids_stable(m)
    assert [(f.code, f.lesion_id, f.date) for f in found] == [
        ("lesion-missing-at-timepoint", "T2", "2024-03-10"),
        ("lesion-kind-changed", "T1", "2024-03-10")]


def test_target_kind_changed_is_error():
    m = table(BASE, {**FU, "kind": "non-target", "status": "present", "ld_mm": None})
    found = checks.check_lesion_ids_stable(m)
    assert codes(found) == ["lesion-kind-changed"]
    assert found[0].severity == Severity.ERROR and found[0].rule == "DEC-18"


def test_nodal_flag_changed():
    m = table({**BASE, "nodal": "true", "sa_mm": 20.0}, {**FU, "nodal": "false"})
    found = checks.check_lesion_ids_stable(m)
    assert codes(found) == ["nodal-flag-changed"] and found[0].date == "2024-03-10"


def test_target_not_at_baseline():
    m = table(BASE, FU, {**FU, "lesion_id": "T9"})
    found = checks.check_targets_exist_at_baseline(m)
    assert [(f.code, f.lesion_id, f.severity) for f in found] == [
        ("target-not-at-baseline", "T9", Severity.ERROR)]
    assert checks.check_targets_exist_at_baseline(table(BASE, FU)) == []


def test_no_new_targets_after_baseline():
    m = table(BASE, {"lesion_id": "NT1", "kind": "non-target", "status": "present"},
              FU, {**FU, "lesion_id": "NT1", "ld_mm": 25.0})
    found = checks.check_no_new_targets_after_baseline(m)
    assert [(f.code, f.lesion_id) for f in found] == [("target-added-after-baseline", "NT1")]
    assert checks.check_no_new_targets_after_baseline(table(BASE, FU)) == []


def test_impossible_dates():
    m = table(BASE, {**FU, "date": "2031-05-01"})
    found = checks.check_dates(m, today="2026-01-01")
    assert codes(found) == ["impossible-date"] and "in the future" in found[0].message
    assert checks.check_dates(table(BASE, FU), today="2026-01-01") == []
    old = checks.check_dates(table({**BASE, "date": "1850-01-01"}), today="2026-01-01")
    assert codes(old) == ["impossible-date"] and "before 1900-01-01" in old[0].message



def test_impossible_dates_inside_a_visit_of_other_dates_are_each_found():
    # one visit's rows span an undated row, a possible and a future date; the other's an
    # old and a possible date: each out-of-range row is found, and only those
    m = pd.DataFrame({
        "patient_id": ["P"] * 5, "lesion_id": ["T1", "T2", "T3", "T1", "T2"],
        "kind": ["target"] * 5, "visit": ["V1", "V1", "V1", "V2", "V2"],
        "date": pd.to_datetime([None, "2024-01-10", "2031-05-01", "1850-01-01",
                                "2024-03-10"])})
    found = checks.check_dates(m, today="2026-01-01")
    impossible = [(f.lesion_id, f.date) for f in found if f.code == "impossible-date"]
    assert impossible == [("T3", "2031-05-01"), ("T1", "1850-01-01")]

def test_visits_overlap_and_order():
    overlap = table({**BASE, "visit": "V1", "date": "2024-01-10"},
                    {**BASE, "visit": "V1", "lesion_id": "T2", "date": "2024-03-20"},
                    {**FU, "visit": "V2", "date": "2024-03-10"},
                    {**FU, "visit": "V2", "lesion_id": "T2", "date": "2024-03-10"})
    assert codes(checks.check_dates(overlap, today="2026-01-01")) == ["visits-overlap"]
    swapped = table({**BASE, "visit": "C2"}, {**FU, "visit": "C1"})
    found = checks.check_dates(swapped, today="2026-01-01")
    assert codes(found) == ["visit-order"] and found[0].visit == "C1"
    ok = table({**BASE, "visit": "Baseline"}, {**FU, "visit": "C1"},
               {**FU, "visit": "C2", "date": "2024-05-10"})
    assert checks.check_dates(ok, today="2026-01-01") == []
    # C1D15 then C2D1 is in order; an unscheduled visit is not compared with cycles.
    cycles = table({**BASE, "visit": "C1D1"}, {**FU, "visit": "C1D15"},
                   {**FU, "visit": "C2D1", "date": "2024-05-10"},
                   {**FU, "visit": "Unscheduled 1", "date": "2024-06-10"})
    assert checks.check_dates(cycles, today="2026-01-01") == []
    swapped_cycles = table({**BASE, "visit": "C1D1"}, {**FU, "visit": "C2D1"},
                           {**FU, "visit": "C1D15", "date": "2024-05-10"})
    assert codes(checks.check_dates(swapped_cycles, today="2026-01-01")) == ["visit-order"]


def test_duplicate_and_conflicting_rows():
    dup = table(BASE, BASE)
    assert [(f.code, f.severity) for f in checks.check_duplicate_rows(dup)] == [
        ("duplicate-row", Severity.ERROR)]
    conflict = table(BASE, {"lesion_id": "NT1", "kind": "non-target", "status": "present"},
                     {"lesion_id": "NT1", "kind": "non-target", "status": "absent"})
    found = checks.check_duplicate_rows(conflict)
    assert [(f.code, f.lesion_id, f.severity) for f in found] == [
        ("conflicting-rows", "NT1", Severity.ERROR)]
    # Two fragments of a split target (different LDs) are neither.
    split = table(BASE, {**FU, "ld_mm": 8.0}, {**FU, "ld_mm": 7.0})
    assert checks.check_duplicate_rows(split) == []


@pytest.mark.parametrize(
    ("row", "code", "severity"),
    [
        pytest.param({"status": "absent", "ld_mm": 3.0}, "absent-with-diameter",
                     Severity.ERROR, id="absent-with-ld"),
        pytest.param({"status": "measured", "ld_mm": None}, "measured-without-diameter",
                     Severity.ERROR, id="measured-no-ld"),
        pytest.param({"status": "measured", "nodal": "true", "ld_mm": 20.0, "sa_mm": None},
                     "measured-without-diameter", Severity.ERROR, id="measured-node-no-sa"),
        pytest.param({"status": "too_small", "ld_mm": 3.0}, "status-with-diameter",
                     Severity.WARNING, id="too-small-with-ld"),
        pytest.param({"status": "merged", "ld_mm": 3.0}, "status-with-diameter",
                     Severity.WARNING, id="merged-with-ld"),
    ],
)
def test_status_diameter_contradictions(row, code, severity):
    m = table(BASE, {**FU, **row})
    found = checks.check_status_diameters(m)
    assert [(f.code, f.severity, f.date, f.lesion_id) for f in found] == [
        (code, severity, "2024-03-10", "T1")]


def test_present_normal_node_at_follow_up_is_error():
    nt = {"lesion_id": "N1", "kind": "non-target", "status": "present", "nodal": "true",
          "organ": "hilum"}
    m = table(BASE, {**nt, "sa_mm": 12.0}, FU, {**nt, "sa_mm": 8.0, "date": "2024-03-10"})
    found = checks.check_status_diameters(m)
    assert [(f.code, f.date) for f in found] == [("present-normal-node", "2024-03-10")]
    fine = table(BASE, {**nt, "sa_mm": 12.0}, FU, {**nt, "sa_mm": 10.0, "date": "2024-03-10"})
    assert checks.check_status_diameters(fine) == []


def test_status_not_allowed_for_kind():
    # Built without normalise_measurements (which would refuse it already).
    m = pd.DataFrame({"patient_id": ["P1"], "lesion_id": ["T1"], "kind": ["target"],
                      "status": ["present"], "nodal": [False], "ld_mm": [20.0],
                      "sa_mm": [None], "date": pd.to_datetime(["2024-01-10"])})
    assert codes(checks.check_status_diameters(m)) == ["status-not-allowed"]


def test_consistent_statuses_pass():
    m = table(BASE, {**FU, "status": "absent", "ld_mm": 0.0},
              {"lesion_id": "T2", "organ": "lung", "ld_mm": 15.0},
              {"lesion_id": "T2", "organ": "lung", "status": "too_small",
               "date": "2024-03-10"})
    assert checks.check_status_diameters(m) == []


def test_equivocal_new_lesion_unresolved():
    eq = {"lesion_id": "L1", "kind": "new", "status": "equivocal", "date": "2024-03-10"}
    m = table(BASE, FU, eq)
    found = checks.check_equivocal_new_lesions(m)
    assert codes(found) == ["equivocal-new-unresolved"]
    assert "still equivocal at the last time point" in found[0].message
    later = table(BASE, FU, eq, {**FU, "date": "2024-05-10"})
    assert "not confirmed later" in checks.check_equivocal_new_lesions(later)[0].message
    confirmed = table(BASE, FU, eq, {**FU, "date": "2024-05-10"},
                      {**eq, "status": "unequivocal", "date": "2024-05-10"})
    assert checks.check_equivocal_new_lesions(confirmed) == []


def test_slice_thickness_change():
    m = table({**BASE, "slice_thickness_mm": 2.5}, {**FU, "slice_thickness_mm": 5.0})
    found = checks.check_slice_thickness_changes(m)
    assert codes(found) == ["slice-thickness-changed"] and "T1 2.5 → 5 mm" in found[0].message
    same = table({**BASE, "slice_thickness_mm": 5.0}, {**FU, "slice_thickness_mm": 5.0})
    assert checks.check_slice_thickness_changes(same) == []


def _timepoints(*responses):
    dates = pd.date_range("2024-01-10", periods=len(responses), freq="56D")
    return pd.DataFrame({"patient_id": "P1", "visit": [d.strftime("%Y-%m-%d") for d in dates],
                         "date": dates, "overall_response": list(responses)})


def test_cr_then_pr():
    found = checks.check_cr_then_pr(_timepoints(None, "PR", "CR", "PR"))
    assert [(f.code, f.rule, f.date) for f in found] == [("cr-then-pr", "DEC-2", "2024-06-26")]
    assert checks.check_cr_then_pr(_timepoints(None, "PR", "CR", "CR")) == []
    assert checks.check_cr_then_pr(_timepoints(None, "CR", "PD", "PR")) == []


def test_present_after_cr():
    tp = _timepoints(None, "CR", "NON-CR/NON-PD")
    nt = {"lesion_id": "NT1", "kind": "non-target", "organ": "pleura"}
    m = table({**BASE, "date": "2024-01-10"}, {**nt, "status": "present", "date": "2024-01-10"},
              {**FU, "status": "absent", "ld_mm": 0.0, "date": "2024-03-06"},
              {**nt, "status": "absent", "date": "2024-03-06"},
              {**FU, "status": "absent", "ld_mm": 0.0, "date": "2024-05-01"},
              {**nt, "status": "present", "date": "2024-05-01"})
    found = checks.check_present_after_cr(tp, m)
    assert [(f.code, f.lesion_id, f.date) for f in found] == [
        ("present-after-cr", "NT1", "2024-05-01")]
    progression = m.astype({"status": object})  # a text that is not yet a category
    progression.loc[5, "status"] = "progression"
    assert checks.check_present_after_cr(_timepoints(None, "CR", "PD"), progression) == []


def test_present_after_cr_reads_the_respond_table_row_for_row():
    """On the timepoints table respond writes (row i: time point i of the measurements,
    read without matching) the findings are those of the same rows in another order, which
    are matched on patient and visit; a CR without a date is no CR to be after."""
    from recist.response import respond

    nt = {"lesion_id": "NT1", "kind": "non-target", "organ": "pleura"}
    rows = []
    for patient in ("P1", "P2", "P3"):
        for date, status, ld in (("2024-01-10", "present", 20.0), ("2024-03-06", "absent", 0.0),
                                 ("2024-05-01", "present", 0.0), ("2024-07-01", "present", 0.0)):
            target_status = "measured" if ld else "absent"
            rows += [{**BASE, "patient_id": patient, "date": date, "ld_mm": ld,
                      "status": target_status},
                     {**nt, "patient_id": patient, "date": date, "status": status}]
    m = table(*rows)
    tp = respond(m).timepoints
    assert list(tp["overall_response"][:2]) == [None, "CR"]
    tp.loc[tp.index[5], "date"] = pd.NaT  # P2's CR: no date
    aligned = checks.check_present_after_cr(tp, m)
    matched = checks.check_present_after_cr(tp.iloc[::-1], m)
    assert [(f.patient_id, f.date) for f in aligned] == [
        ("P1", "2024-05-01"), ("P1", "2024-07-01"), ("P3", "2024-05-01"),
        ("P3", "2024-07-01")]
    assert [f.__dict__ for f in aligned] == [f.__dict__ for f in matched]


def test_timepoint_checks_read_the_respond_table_as_any_other_order():
    """On respond's timepoints table (row i: time point i of the measurements, the
    patients in sorted order, not in order of first row) the time point checks find what
    they find on the same rows reversed, matched on patient and visit."""
    from recist.response import respond

    nt = {"lesion_id": "NT1", "kind": "non-target", "organ": "pleura"}
    rows = []
    for patient in ("P2", "P10", "P1"):
        for date, status, ld in (("2024-01-10", "present", 20.0), ("2024-03-06", "absent", 0.0),
                                 ("2024-05-01", "present", 0.0), ("2024-07-01", "absent", 0.0)):
            rows += [{**BASE, "patient_id": patient, "date": date, "ld_mm": ld,
                      "status": "measured" if ld else "absent"},
                     {**nt, "patient_id": patient, "date": date, "status": status}]
    m = table(*rows)
    tp = respond(m).timepoints
    assert tp["patient_id"].tolist()[::4] == ["P1", "P10", "P2"]
    found = checks.run_timepoint_checks(tp, m)
    assert [(f.code, f.patient_id, f.date) for f in found] == [
        ("cr-then-pr", patient, "2024-05-01") for patient in ("P1", "P10", "P2")] + [
        ("present-after-cr", patient, "2024-05-01") for patient in ("P2", "P10", "P1")]
    assert [f.__dict__ for f in found] == [
        f.__dict__ for f in checks.run_timepoint_checks(tp.iloc[::-1], m)]


def test_timepoint_checks_read_the_assessments_codes_as_the_texts():
    """Given the assessment's ``TimepointCodes`` the time point checks find what they
    find hashing the overall responses (CR then PR, present after CR); codes
    for another number of rows are not read."""
    from recist.timepoints import assess_timepoints_with_findings

    nt = {"lesion_id": "NT1", "kind": "non-target", "organ": "pleura"}
    rows = []
    for patient, lds in (("P1", (20.0, 0.0, 0.0)), ("P2", (20.0, 0.0, 3.0)),
                         ("P3", (20.0, 15.0, 0.0))):
        for date, ld in zip(("2024-01-10", "2024-03-06", "2024-05-01"), lds, strict=True):
            rows += [{**BASE, "patient_id": patient, "date": date, "ld_mm": ld,
                      "status": "measured" if ld else "absent"},
                     {**nt, "patient_id": patient, "date": date,
                      "status": "absent" if date == "2024-03-06" else "present"}]
    m = checks._indexed(table(*rows))
    coded: list = []
    tp = assess_timepoints_with_findings(m, coded=coded)[0]
    assert tp["overall_response"].tolist()[1:3] == ["CR", "PR"]
    found = [f.__dict__ for f in checks.run_timepoint_checks(tp, m, coded[0])]
    assert [(f["code"], f["patient_id"]) for f in found] == [
        ("cr-then-pr", "P1"), ("cr-then-pr", "P2"), ("present-after-cr", "P1"),
        ("present-after-cr", "P2")]
    assert found == [f.__dict__ for f in checks.run_timepoint_checks(tp, m)]
    # codes of other rows (the first patient's): the texts are read
    assert found == [f.__dict__ for f in checks.run_timepoint_checks(
        tp, m, coded[0]._replace(overall=coded[0].overall[:3]))]


def test_run_input_checks_raises_with_patient_date_lesion():
    m = table(BASE, {**FU, "status": "absent", "ld_mm": 4.0})
    findings = checks.run_input_checks(m, today="2026-01-01")
    assert codes(findings) == ["absent-with-diameter"]
    with pytest.raises(RecistDataError) as error:
        raise_for_errors(findings)
    assert str(error.value).startswith("patient P1, 2024-03-10, lesion T1: status absent")
    assert error.value.findings[0].rule == "DEC-18"


def test_run_input_checks_clean_table_and_selection_warning():
    assert checks.run_input_checks(table(BASE, FU), today="2026-01-01") == []
    three = table(BASE, {**BASE, "lesion_id": "T2"}, {**BASE, "lesion_id": "T3"})
    assert codes(checks.run_input_checks(three, today="2026-01-01")) == [
        "too-many-targets-in-organ"]
    assert checks.run_input_checks(three, today="2026-01-01", include_selection=False) == []


def test_run_timepoint_checks_combines():
    tp = _timepoints(None, "CR", "PR")
    assert codes(checks.run_timepoint_checks(tp, table(BASE))) == ["cr-then-pr"]


def test_inputs_are_not_modified():
    m = table(BASE, FU, {**FU, "lesion_id": "T9"})
    before = m.copy()
    checks.run_input_checks(m, today="2026-01-01")
    pd.testing.assert_frame_equal(m, before)


def test_new_at_baseline():
    m = table(BASE, {"lesion_id": "N1", "kind": "new", "status": "unequivocal",
                     "organ": "lung", "ld_mm": 6.0})
    found = checks.check_new_at_baseline(m)
    assert [(f.code, f.lesion_id, f.severity) for f in found] == [
        ("new-at-baseline", "N1", Severity.WARNING)]
    later = table(BASE, FU, {"lesion_id": "N1", "kind": "new", "status": "unequivocal",
                             "date": "2024-03-10"})
    assert checks.check_new_at_baseline(later) == []


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param("2024-02-07", [], id="28-days-before-inclusive"),
        pytest.param("2024-02-08", ["baseline-too-early"], id="29-days-before"),
        pytest.param("2024-01-10", [], id="same-day"),
        pytest.param("2024-01-09", ["baseline-after-start"], id="after-start"),
    ],
)
def test_baseline_window_meas11(start, expected):
    patients = pd.DataFrame({"patient_id": ["P1"], "start_date": pd.to_datetime([start])})
    assert codes(checks.check_baseline_window(table(BASE, FU), patients)) == expected


def test_run_input_checks_with_patients_table():
    patients = pd.DataFrame({"patient_id": ["P1"],
                             "start_date": pd.to_datetime(["2024-03-01"])})
    found = checks.run_input_checks(table(BASE, FU), patients=patients, today="2026-01-01")
    assert codes(found) == ["baseline-too-early"] and "51 days" in found[0].message


# DEC-18 (revised): a node recorded absent with its SA < 10 mm is consistent.
NODE_NT = {"lesion_id": "N1", "kind": "non-target", "status": "present", "nodal": "true",
           "organ": "hilum", "sa_mm": 14.0}


@pytest.mark.parametrize(("sa_mm", "expected"), [
    pytest.param(7.0, [], id="nt-node-absent-sa-7-accepted"),
    pytest.param(9.994, [], id="nt-node-absent-sa-9.994-rounds-below-10"),
    pytest.param(10.0, [("absent-with-diameter", Severity.ERROR)], id="nt-node-absent-sa-10"),
    pytest.param(15.0, [("absent-with-diameter", Severity.ERROR)], id="nt-node-absent-sa-15"),
])
def test_absent_nontarget_node_with_small_sa(sa_mm, expected):
    m = table(BASE, NODE_NT, FU,
              {**NODE_NT, "status": "absent", "sa_mm": sa_mm, "date": "2024-03-10"})
    found = checks.check_status_diameters(m)
    assert [(f.code, f.severity) for f in found] == expected


def test_absent_target_node_with_small_sa_is_accepted_with_a_warning():
    node = {"lesion_id": "T1", "nodal": "true", "organ": "hilum", "ld_mm": 25.0, "sa_mm": 16.0}
    m = table({**BASE, **node}, {**FU, **node, "status": "absent", "ld_mm": None, "sa_mm": 6.0})
    found = checks.check_status_diameters(m)
    assert [(f.code, f.severity, f.lesion_id) for f in found] == [
        ("absent-node-with-sa", Severity.WARNING, "T1")]
    assert "counts 0 mm" in found[0].message


def test_absent_non_nodal_with_small_diameter_is_still_refused():
    m = table(BASE, {**FU, "status": "absent", "ld_mm": 4.0})
    assert codes(checks.check_status_diameters(m)) == ["absent-with-diameter"]


def _random_lesion_rows(seed: int) -> pd.DataFrame:
    """Shuffled rows of 6 patients (one without an id), 2-5 time points each, lesions
    of every kind and status, some changing kind between time points."""
    rng = np.random.default_rng(seed)
    rows = []
    for p, patient in enumerate(["P1", "P2", "P3", "P10", "Q", None]):
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=p)
        for order in range(int(rng.integers(2, 6))):
            for lesion in ("T1", "T2", "NT1", "N1", "N2"):
                if rng.random() < 0.3:
                    continue
                kind = rng.choice(["target", "non-target", "new"])
                status = {"target": "measured", "non-target": "present",
                          "new": rng.choice(["equivocal", "unequivocal"])}[kind]
                rows.append({"patient_id": patient, "lesion_id": lesion, "kind": kind,
                             "status": status, "ld_mm": 12.0, "nodal": False,
                             "date": start + pd.Timedelta(days=60 * order)})
    frame = pd.DataFrame(rows)
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


def _lesion_reference(frame: pd.DataFrame) -> pd.DataFrame:
    """Per row: patient key, lesion key, time point order and the patient's last order."""
    index = checks._indexed(frame)
    patient = frame["patient_id"].astype(object).fillna("~none")
    order = index["timepoint_order"].to_numpy()
    return pd.DataFrame({"patient": patient, "lesion": patient + "/" + frame["lesion_id"],
                         "order": order, "kind": frame["kind"], "status": frame["status"],
                         "last": pd.Series(order).groupby(patient.to_numpy()).transform("max")})


@pytest.mark.parametrize("seed", range(8))
def test_equivocal_lesions_against_the_rows_of_each_patient(seed):
    frame = _random_lesion_rows(seed)
    ref = _lesion_reference(frame)
    new = ref[ref["kind"] == "new"]
    expected = {}
    for lesion, rows in new.groupby("lesion"):
        equivocal = rows[rows["status"] == "equivocal"]
        if equivocal.empty:
            continue
        first = equivocal["order"].min()
        if (rows.loc[rows["status"] == "unequivocal", "order"] > first).any():
            continue  # confirmed later
        expected[lesion] = bool(equivocal["order"].max() == rows["last"].iloc[0])
    found = checks.check_equivocal_new_lesions(frame)
    got = {f"{f.patient_id if f.patient_id != 'None' else '~none'}/{f.lesion_id}":
           "still equivocal at the last time point" in f.message for f in found}
    assert got == expected


@pytest.mark.parametrize("seed", range(8))
def test_targets_added_after_baseline_against_the_rows_of_each_lesion(seed):
    frame = _random_lesion_rows(seed)
    ref = _lesion_reference(frame)
    expected = set()
    for lesion, rows in ref.groupby("lesion"):
        target = rows.loc[rows["kind"] == "target", "order"]
        other = rows.loc[rows["kind"] != "target", "order"]
        if len(target) and len(other) and other.min() < target.min() and target.min() > 0:
            expected.add(lesion)
    found = checks.check_no_new_targets_after_baseline(frame)
    assert {f"{f.patient_id if f.patient_id != 'None' else '~none'}/{f.lesion_id}"
            for f in found} == expected
    assert len(found) == len(expected)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("complete", [False, True])
def test_lesions_missing_at_timepoints_against_the_rows_of_each_patient(seed, complete):
    """lesion-missing-at-timepoint names each baseline target or non-target without a
    row at a later time point of its patient, found from the rows one by one; a table
    where every baseline lesion has a row at every time point has none."""
    frame = _random_lesion_rows(seed)
    frame = frame[frame["patient_id"].notna()].reset_index(drop=True)
    if complete:  # every lesion of a patient at each of its dates
        frame = frame.drop_duplicates(["patient_id", "lesion_id"]).merge(
            frame[["patient_id", "date"]].drop_duplicates(), on="patient_id",
            suffixes=("_first", "")).drop(columns="date_first")
    index = checks._indexed(frame)
    order = index["timepoint_order"].to_numpy()
    expected = set()
    for patient, rows in frame.assign(order=order).groupby("patient_id"):
        base = rows[(rows["order"] == 0) & rows["kind"].isin(["target", "non-target"])]
        for _, at in rows[rows["order"] > 0].groupby("order"):
            for lesion in set(base["lesion_id"]) - set(at["lesion_id"]):
                expected.add((patient, lesion, str(at["date"].min().date())))
    found = [(f.patient_id, f.lesion_id, f.date) for f in checks.check_lesion_ids_stable(frame)
             if f.code == "lesion-missing-at-timepoint"]
    assert len(found) == len(set(found)) and set(found) == expected
    assert (expected == set()) == complete


def test_timepoints_aligned_by_their_labels_whether_the_same_objects_or_not():
    """respond's timepoints table holds the encoding's label objects (compared as
    pointers); equal labels that are other objects, and another label, are compared by
    value."""
    from recist._checks_support import indexed
    from recist.checks_response import _one_row_per_timepoint
    from recist.response import respond

    nt = {"lesion_id": "NT1", "kind": "non-target", "organ": "pleura"}
    m = table(*[{**row, "patient_id": patient, "date": date, "visit": visit}
                for patient in ("P1", "P2")
                for date, visit in (("2024-01-10", "BL"), ("2024-03-06", None))
                for row in ({**BASE, "status": "measured"}, {**nt, "status": "present"})])
    frame = indexed(m)
    tp = respond(frame).timepoints  # assessed from this encoding: its labels themselves
    labels = frame.cohort_index.timepoints.label
    assert all(a is b for a, b in zip(tp["visit"], labels))
    assert _one_row_per_timepoint(tp, frame)
    copied = tp.assign(visit=["".join(list(v)) for v in tp["visit"]])  # equal, not the same
    assert not any(a is b for a, b in zip(copied["visit"], tp["visit"]))
    assert _one_row_per_timepoint(copied, frame)
    other = tp.assign(visit=tp["visit"].where(tp.index != 1, "C9"))
    assert not _one_row_per_timepoint(other, frame)


@pytest.mark.parametrize("visits", [(" BL", "C2 ", " C3 "), ("BL", None, None), (None,) * 3])
def test_cr_then_pr_on_the_respond_table_names_its_visits_as_any_other_order(visits):
    """On respond's timepoints table (row i: time point i of the measurements) the
    cr-then-pr findings name each row's visit as its time point's label (stripped; the
    ISO date of a time point without one), as the visits of the table reversed are read."""
    from recist._checks_support import indexed
    from recist.checks_response import _one_row_per_timepoint
    from recist.response import respond

    rows = []
    for patient in ("P2", "P1"):
        for (date, ld), visit in zip((("2024-01-10", 20.0), ("2024-03-06", 0.0),
                                      ("2024-05-01", 3.0)), visits, strict=True):
            rows.append({**BASE, "patient_id": patient, "date": date, "ld_mm": ld,
                         "visit": visit, "status": "measured" if ld else "absent"})
    m = table(*rows)
    tp = respond(m).timepoints
    assert _one_row_per_timepoint(tp, indexed(m))
    found = checks.run_timepoint_checks(tp, m)
    assert [(f.code, f.patient_id, f.visit) for f in found] == [
        ("cr-then-pr", patient, "2024-05-01" if visits[2] is None else "C3")
        for patient in ("P1", "P2")]
    assert [f.__dict__ for f in found] == [
        f.__dict__ for f in checks.run_timepoint_checks(tp.iloc[::-1], m)]
