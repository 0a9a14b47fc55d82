"""MEAS-10 on hand-checked baselines: lesions treated locally before baseline are not
measurable unless they progressed since; the lesions table and its errors."""

from __future__ import annotations

import pandas as pd
import pytest

from recist.baseline_rules import assess_baseline
from recist.criteria import RECIST_1_1
from recist.eligibility import screen_patients
from recist.errors import RecistDataError
from recist.oligo.lesion_history import (
    lesion_history_from_measurements,
    normalise_lesion_history,
    read_lesion_history,
)
from recist.pipeline.oligo import lesion_history_of
from recist.protocol import parse_protocol
from recist.table import normalise_measurements

COLUMNS = ["patient_id", "date", "lesion_id", "kind", "organ", "ld_mm", "status"]
BASELINE = "2024-01-08"
# (patient, lesion, kind, LD mm, local therapy, its date, progressed since)
LESIONS = [
    ("P1", "T1", "target", 25.0, "sbrt", "2023-05-02", None),   # treated before: MEAS-10
    ("P1", "T2", "target", 25.0, "rfa", "2023-05-02", "true"),  # progressed since
    ("P1", "T3", "target", 25.0, "surgery", "2024-01-20", None),  # the trial's treatment
    ("P1", "N1", "non-target", 8.0, "mwa", "2022-11-30", "false"),  # small anyway
    ("P1", "T4", "target", 18.0, "none", None, None),
    ("P2", "T1", "target", 30.0, "radiotherapy", "2023-12-01", "false"),  # only lesion
]


def measurements() -> pd.DataFrame:
    rows = [(p, BASELINE, les, kind, "lung", ld, "measured" if kind == "target" else "present")
            for p, les, kind, ld, *_ in LESIONS]
    return normalise_measurements(pd.DataFrame(rows, columns=COLUMNS))


def history() -> pd.DataFrame:
    return normalise_lesion_history(pd.DataFrame(
        [(p, les, therapy, when, progressed) for p, les, _, _, therapy, when, progressed
         in LESIONS], columns=["patient_id", "lesion_id", "local_therapy",
                               "local_therapy_date", "progressed_since_therapy"]))


def test_meas_10_treated_before_baseline_not_measurable():
    result = assess_baseline(measurements(), RECIST_1_1, history())
    lesions = result.lesions.set_index(["patient_id", "lesion_id"])
    assert lesions.loc[("P1", "T1"), "category"] == "non-measurable"
    assert lesions.loc[("P1", "T1"), "reason"] == (
        "treated by sbrt on 2023-05-02, before the baseline of 2024-01-08, progression since "
        "not recorded: not measurable, non-target only (MEAS-10, R11 3.1.3)")
    assert bool(lesions.loc[("P1", "T2"), "measurable"])  # progressed since: any lesion
    assert bool(lesions.loc[("P1", "T3"), "measurable"])  # treated after the baseline scan
    assert bool(lesions.loc[("P1", "T4"), "measurable"])
    assert lesions.loc[("P1", "N1"), "reason"].startswith("non-nodal LD 8.0 mm < 10.0 mm")
    assert "not progressed since" in lesions.loc[("P2", "T1"), "reason"]
    # a treated target is reported as a non-measurable target (SEL-1), naming MEAS-10
    problems = {(f.patient_id, f.lesion_id): f for f in result.findings
                if f.code == "non-measurable-target"}
    assert set(problems) == {("P1", "T1"), ("P2", "T1")}
    assert "MEAS-10" in problems[("P1", "T1")].message
    patients = result.patients.set_index("patient_id")
    assert not bool(patients.loc["P2", "measurable_disease"])  # MEAS-12 through MEAS-10
    notes = [f for f in result.findings if f.code == "treated-lesion"]
    assert {f.lesion_id for f in notes} == {"T2", "N1"}


def test_meas_10_protocol_override():
    criteria = RECIST_1_1.replace(treated_lesions_measurable=True)
    lesions = assess_baseline(measurements(), criteria, history()).lesions.set_index(
        ["patient_id", "lesion_id"])
    assert bool(lesions.loc[("P1", "T1"), "measurable"])
    assert bool(lesions.loc[("P2", "T1"), "measurable"])


def test_meas_10_without_history_unchanged():
    lesions = assess_baseline(measurements()).lesions
    assert lesions["measurable"].sum() == 5  # every lesion but the 8 mm one


def test_meas_10_screening_uses_it():
    protocol = parse_protocol({"eligibility": [
        {"id": "IC-6", "text": "Measurable disease", "check": "measurable_disease"}]})
    screening = screen_patients(measurements(), None, protocol, history()).set_index(
        "patient_id")
    assert screening.loc["P1", "result"] == "met"
    assert screening.loc["P2", "result"] == "not met"
    assert "MEAS-10" in screening.loc["P2", "reason"]


def test_history_as_measurement_columns_gives_the_same_verdicts():
    table = measurements()
    by_lesion = {(p, les): (t, d, g) for p, les, _, _, t, d, g in LESIONS}
    table["local_therapy"] = [by_lesion[k][0] for k in zip(table["patient_id"],
                                                            table["lesion_id"])]
    table["local_therapy_date"] = [by_lesion[k][1] for k in zip(table["patient_id"],
                                                                table["lesion_id"])]
    table["progressed_since_therapy"] = [by_lesion[k][2] for k in zip(
        table["patient_id"], table["lesion_id"])]
    from_columns = lesion_history_of(table)
    a = assess_baseline(table, RECIST_1_1, from_columns).lesions
    b = assess_baseline(measurements(), RECIST_1_1, history()).lesions
    assert a["reason"].tolist() == b["reason"].tolist()
    # a lesion given in both sources must agree
    assert len(lesion_history_of(table, history())) == len(LESIONS)


def test_local_therapy_of_the_therapies_table_counts_for_meas_10():
    from recist.oligo.therapies import normalise_therapies

    therapies = normalise_therapies(pd.DataFrame({
        "patient_id": ["P1"], "date": ["2023-06-01"], "kind": ["local"],
        "lesion_ids": ["T4"], "regimen": ["sbrt"]}))
    merged = lesion_history_of(measurements(), history(), therapies)
    lesions = assess_baseline(measurements(), RECIST_1_1, merged).lesions.set_index(
        ["patient_id", "lesion_id"])
    assert lesions.loc[("P1", "T4"), "reason"].startswith("treated by sbrt on 2023-06-01")


@pytest.mark.parametrize("cells, message", [
    ({"local_therapy": "laser"}, "row 2, patient_id P1: local_therapy 'laser' is not one of"),
    ({"local_therapy": ""}, "local_therapy is empty; write one of"),
    ({"local_therapy_date": ""}, "local_therapy sbrt without local_therapy_date"),
    ({"local_therapy": "none"}, "local_therapy none with a local_therapy_date"),
    ({"local_therapy_date": "02/05/2023"}, "local_therapy_date '02/05/2023'"),
    ({"progressed_since_therapy": "maybe"}, "progressed_since_therapy 'maybe' is not true/false"),
    ({"lesion_id": ""}, "lesion_id is empty"),
    ({"lesion_id": "T\x00a"}, "row 2, column lesion_id, holds a NUL character"),
    ({"organ": "lu\x00ng"}, "row 2, column organ, holds a NUL character"),
])
def test_lesions_table_errors_name_row_and_column(tmp_path, cells, message):
    row = {"patient_id": "P1", "lesion_id": "T1", "organ": "lung", "local_therapy": "sbrt",
           "local_therapy_date": "2023-05-02", "progressed_since_therapy": ""}
    row.update(cells)
    path = tmp_path / "lesions.csv"
    pd.DataFrame([row]).to_csv(path, index=False)
    with pytest.raises(RecistDataError, match=None) as error:
        read_lesion_history(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_lesions_in_a_frame_refuse_a_nul_character():
    """Two lesions T\\x00a and T\\x00b are not "listed twice" (pandas compares text up to
    the NUL): the NUL itself is refused."""
    frame = pd.DataFrame({"patient_id": ["P1", "P1"], "lesion_id": ["T\x00a", "T\x00b"],
                          "local_therapy": ["none", "none"]})
    with pytest.raises(RecistDataError, match="^lesions table row 2: lesion_id holds a NUL"):
        normalise_lesion_history(frame)


def test_lesions_table_refuses_a_lesion_twice_and_disagreeing_sources():
    row = {"patient_id": "P1", "lesion_id": "T1", "local_therapy": "sbrt",
           "local_therapy_date": "2023-05-02"}
    with pytest.raises(RecistDataError, match="lesion T1 is listed twice"):
        normalise_lesion_history(pd.DataFrame([row, row]))
    table = measurements()
    table["local_therapy"] = "rfa"
    table["local_therapy_date"] = "2022-01-01"
    with pytest.raises(RecistDataError, match="two different local treatments"):
        lesion_history_of(table, history())
    table.loc[0, "local_therapy"] = "sbrt"  # P1 T1 disagrees with itself? one row each
    assert lesion_history_from_measurements(table) is not None
    with pytest.raises(RecistDataError, match="organ 'liver' but the measurements table"):
        lesion_history_of(measurements(), pd.DataFrame([{**row, "organ": "liver"}]))
