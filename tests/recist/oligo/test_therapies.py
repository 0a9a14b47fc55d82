"""DEC-23 on a hand-checked patient: the therapy timeline decides where RECIST follow-up
ends (the first systemic therapy; a repeat local treatment only if the protocol says so);
the therapies table and its errors."""

from __future__ import annotations

import pandas as pd
import pytest

from recist.criteria import RECIST_1_1
from recist.errors import RecistDataError
from recist.oligo.therapies import (
    check_therapies,
    followup_cutoffs,
    normalise_therapies,
    read_therapies,
    repeat_local_therapies,
    with_followup_cutoffs,
)
from recist.patients import normalise_patients
from recist.response import respond
from recist.table import normalise_measurements

# One lung target: 30 mm at baseline, treated, 20 (PR, -33 %), re-treated, 10 (PR), then 20
# mm: +100 % and +10 mm over the nadir of 10 → PD on 2024-10-01 (TGT-PD).
SCANS = [("2024-01-02", 30.0), ("2024-04-01", 20.0), ("2024-07-01", 10.0),
         ("2024-10-01", 20.0)]
LOCAL_1, LOCAL_2, SYSTEMIC = "2024-02-01", "2024-06-01", "2024-09-01"


def measurements() -> pd.DataFrame:
    return normalise_measurements(pd.DataFrame(
        [("A", day, "T1", "target", "lung", ld, "measured") for day, ld in SCANS],
        columns=["patient_id", "date", "lesion_id", "kind", "organ", "ld_mm", "status"]))


def patients() -> pd.DataFrame:
    return normalise_patients(pd.DataFrame({"patient_id": ["A"],
                                            "start_date": ["2024-01-02"]}))


def therapies(systemic: bool = False) -> pd.DataFrame:
    rows = [("A", LOCAL_1, "local", "T1", "sbrt"), ("A", LOCAL_2, "local", "T1", "rfa")]
    if systemic:
        rows.append(("A", SYSTEMIC, "systemic", "", "FOLFOX"))
    return normalise_therapies(pd.DataFrame(
        rows, columns=["patient_id", "date", "kind", "lesion_ids", "regimen"]))


def summary_with(therapy_table: pd.DataFrame, criteria=RECIST_1_1) -> pd.Series:
    cut = followup_cutoffs(therapy_table, measurements(), criteria)
    table = with_followup_cutoffs(patients(), cut)
    return respond(measurements(), table, criteria).patient_summary.iloc[0]


def test_dec_23_repeat_local_treatment_does_not_end_followup():
    assert repeat_local_therapies(therapies(), measurements()).tolist() == [False, True]
    assert followup_cutoffs(therapies(), measurements()) == {}
    row = summary_with(therapies())
    assert (row["bor"], f"{row['pd_date']:%Y-%m-%d}", bool(row["pfs_event"])) == (
        "PR", "2024-10-01", True)


def test_dec_23_protocol_option_local_treatment_ends_followup():
    criteria = RECIST_1_1.replace(local_therapy_ends_followup=True)
    assert followup_cutoffs(therapies(), measurements(), criteria) == {
        "A": pd.Timestamp(LOCAL_2)}
    row = summary_with(therapies(), criteria)
    # scans from 2024-06-01 on are not counted: censored at the PR of 2024-04-01 (DEC-17)
    assert pd.isna(row["pd_date"]) and not bool(row["pfs_event"])
    assert f"{row['pfs_date']:%Y-%m-%d}" == "2024-04-01"


def test_dec_23_first_systemic_therapy_ends_followup():
    assert followup_cutoffs(therapies(systemic=True), measurements()) == {
        "A": pd.Timestamp(SYSTEMIC)}
    row = summary_with(therapies(systemic=True))
    assert pd.isna(row["pd_date"]) and not bool(row["pfs_event"])
    assert f"{row['pfs_date']:%Y-%m-%d}" == "2024-07-01"  # last adequate before 2024-09-01


def test_dec_23_new_therapy_date_must_agree():
    cut = {"A": pd.Timestamp(SYSTEMIC)}
    same = patients().assign(new_therapy_date=pd.Timestamp(SYSTEMIC))
    assert with_followup_cutoffs(same, cut)["new_therapy_date"].tolist() == [
        pd.Timestamp(SYSTEMIC)]
    other = patients().assign(new_therapy_date=pd.Timestamp("2024-08-01"))
    with pytest.raises(RecistDataError, match="new_therapy_date 2024-08-01 but the therapies "
                                              "table ends follow-up on 2024-09-01"):
        with_followup_cutoffs(other, cut)
    added = with_followup_cutoffs(None, cut)
    assert added["patient_id"].tolist() == ["A"]


@pytest.mark.parametrize("row, message", [
    (("A", "2024-02-01", "surgery", "T1", ""), "kind 'surgery' is not one of local, systemic"),
    (("A", "2024-02-01", "local", "", "sbrt"), "a local therapy without lesion_ids"),
    (("A", "2024-02-01", "systemic", "T1", "FOLFOX"), "a systemic therapy with lesion_ids T1"),
    (("A", "2024-02-01", "local", "T1", "laser"), "regimen 'laser' of a local therapy"),
    (("A", "2024-13-01", "local", "T1", ""), "date '2024-13-01'"),
    (("A", "", "local", "T1", ""), "date is empty"),
])
def test_therapies_table_errors_name_row_and_column(tmp_path, row, message):
    path = tmp_path / "therapies.csv"
    pd.DataFrame([row], columns=["patient_id", "date", "kind", "lesion_ids", "regimen"]
                 ).to_csv(path, index=False)
    with pytest.raises(RecistDataError) as error:
        read_therapies(path)
    assert message in str(error.value) and f"{path} row 2, patient_id A" in str(error.value)


def test_therapies_contradicting_other_tables_are_refused():
    table = therapies(systemic=True)
    check_therapies(table, measurements(), patients())
    wrong = normalise_therapies(pd.DataFrame({"patient_id": ["A"], "date": ["2024-02-01"],
                                              "kind": ["local"], "lesion_ids": ["T9"]}))
    with pytest.raises(RecistDataError, match="lesion T9 is not in the measurements table"):
        check_therapies(wrong, measurements(), patients())
    early = normalise_therapies(pd.DataFrame({"patient_id": ["A"], "date": ["2023-12-01"],
                                              "kind": ["systemic"]}))
    with pytest.raises(RecistDataError, match="before start_date 2024-01-02"):
        check_therapies(early, measurements(), patients())
    dead = patients().assign(death_date=pd.Timestamp("2024-08-01"))
    with pytest.raises(RecistDataError, match="after death_date 2024-08-01"):
        check_therapies(table, measurements(), dead)
    with pytest.raises(RecistDataError, match="the same therapy .* is listed twice"):
        normalise_therapies(pd.concat([table.assign(
            lesion_ids=[";".join(ids) for ids in table["lesion_ids"]])] * 2))


def test_normalising_twice_changes_nothing():
    once = therapies(systemic=True)
    twice = normalise_therapies(once)
    assert twice[["kind", "lesion_ids", "regimen"]].values.tolist() == once[
        ["kind", "lesion_ids", "regimen"]].values.tolist()



@pytest.mark.parametrize("column, cell", [("regimen", "FOL\x00IRI"), ("patient_id", "A\x00b"),
                                          ("lesion_ids", "T1\x00")])
def test_a_nul_character_is_refused_naming_row_and_column(tmp_path, column, cell):
    """pandas' CSV parser cuts a cell at a NUL (FOL\\x00FOX and FOL\\x00IRI would both be
    FOL) and its grouping compares text up to the NUL: refused in a file and in a frame."""
    rows = pd.DataFrame([("A", "2024-02-01", "local", "T1", "sbrt"),
                         ("A", "2024-09-01", "systemic", "", "FOL\x00FOX")],
                        columns=["patient_id", "date", "kind", "lesion_ids", "regimen"])
    if column != "regimen":
        rows["regimen"] = ["sbrt", "FOLFOX"]
    rows.loc[0 if column != "regimen" else 1, column] = cell
    bad_row = 2 if column != "regimen" else 3
    with pytest.raises(RecistDataError, match=rf"^therapies table row {bad_row}: {column} "
                                              "holds a NUL character"):
        normalise_therapies(rows)
    path = tmp_path / "therapies.csv"
    rows.to_csv(path, index=False)
    with pytest.raises(RecistDataError, match=rf"^{path} row {bad_row}, column {column}, "
                                              "holds a NUL character"):
        read_therapies(path)
