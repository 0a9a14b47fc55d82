"""Sponsor-style SDTM (tests/data/sponsor_sdtm: short-form terminology, an investigator
and two independent radiologists, repeated visit names, DIAMETER, SUMDIAM, partial
dates) and the public pharmaversesdtm RECIST data (tests/data/third_party)."""

from __future__ import annotations

import pandas as pd
import pytest

from recist.cdisc import read_sdtm
from recist.cdisc.rs_compare import read_sdtm_responses
from recist.errors import RecistDataError
from recist.pipeline.sdtm import compare_with_reported, respond_by_evaluator

from support.paths import TESTS

SPONSOR = TESTS / "data" / "sponsor_sdtm"
PHARMAVERSE = TESTS / "data" / "third_party" / "pharmaversesdtm"


@pytest.fixture(scope="module")
def sponsor():
    return read_sdtm(SPONSOR / "tu.csv", SPONSOR / "tr.csv", SPONSOR / "dm.csv")


@pytest.fixture(scope="module")
def sponsor_responses(sponsor):
    return respond_by_evaluator(sponsor.measurements, sponsor.patients)


def _codes(result) -> dict[str, str]:
    return {f.code: f.message for f in result.findings}


def test_every_reader_is_read_separately(sponsor):
    table = sponsor.measurements
    assert sorted(set(table["evaluator"])) == ["INVESTIGATOR", "RADIOLOGIST 1",
                                               "RADIOLOGIST 2"]
    # radiologist 2's new liver lesion (TU and TR of that reader) stays with that reader
    new = table[table["lesion_id"] == "NEW01"]
    assert set(new[new["patient_id"] == "ONC-201-001"]["evaluator"]) == {"RADIOLOGIST 2"}
    assert "several readers" in _codes(sponsor)["sdtm-evaluator"]


def test_readers_responses_are_never_mixed(sponsor_responses):
    summary = sponsor_responses.patient_summary.set_index(["evaluator", "patient_id"])
    # investigator: NT01 "UNEQUIVOCAL" at week 16 is non-target PD (not "present")
    assert summary.loc[("INVESTIGATOR", "ONC-201-001"), "pd_date"] == pd.Timestamp(
        "2024-04-26")
    # radiologist 1: no PD until the second UNSCHEDULED visit (from the nadir)
    assert summary.loc[("RADIOLOGIST 1", "ONC-201-001"), "pd_date"] == pd.Timestamp(
        "2024-07-19")
    # radiologist 2: the new lesion at week 16
    assert summary.loc[("RADIOLOGIST 2", "ONC-201-001"), "pd_date"] == pd.Timestamp(
        "2024-04-26")
    bor = summary["bor"].xs("ONC-201-002", level="patient_id").to_dict()
    assert bor == {"INVESTIGATOR": "CR", "RADIOLOGIST 1": "PR", "RADIOLOGIST 2": "SD"}


def test_one_reader_by_name_and_the_accepted_records(sponsor):
    one = read_sdtm(SPONSOR / "tu.csv", SPONSOR / "tr.csv", evaluator="RADIOLOGIST 2")
    assert set(one.measurements["evaluator"]) == {"RADIOLOGIST 2"}
    with pytest.raises(RecistDataError, match="matches several readers"):
        read_sdtm(SPONSOR / "tu.csv", SPONSOR / "tr.csv", evaluator="INDEPENDENT ASSESSOR")
    accepted = read_sdtm(SPONSOR / "tu.csv", SPONSOR / "tr.csv", evaluator="accepted")
    table = accepted.measurements
    assert set(table["evaluator"]) == {"ACCEPTED"}
    assert sorted(table.loc[table["patient_id"] == "ONC-201-002", "ld_mm"].dropna()) == [
        24.0, 25.0, 40.0]


def test_tu_of_another_reader_is_not_borrowed(tmp_path):
    tu = pd.read_csv(SPONSOR / "tu.csv", dtype=str)
    tr = pd.read_csv(SPONSOR / "tr.csv", dtype=str)
    tu = tu[tu["TUEVALID"] != "RADIOLOGIST 1"]
    with pytest.raises(RecistDataError, match="no identification record of reader "
                                              "RADIOLOGIST 1"):
        read_sdtm(tu, tr)


def test_same_visit_name_on_two_dates_is_two_time_points(sponsor, sponsor_responses):
    tp = sponsor_responses.timepoints
    r1 = tp[(tp["evaluator"] == "RADIOLOGIST 1") & (tp["patient_id"] == "ONC-201-001")]
    assert list(r1["visit"]) == ["BASELINE", "WEEK 8", "WEEK 16",
                                 "UNSCHEDULED (2024-05-24)", "UNSCHEDULED (2024-07-19)"]
    assert list(r1["overall_response"].iloc[-2:]) == ["SD", "PD"]
    assert "USUBJID ONC-201-001 VISIT UNSCHEDULED: 2024-05-24, 2024-07-19" in \
        _codes(sponsor)["sdtm-repeated-visit"]


def test_diameter_is_the_recist_diameter(sponsor):
    table = sponsor.measurements
    r1 = table[(table["evaluator"] == "RADIOLOGIST 1") & (table["visit"] == "BASELINE")
               & (table["patient_id"] == "ONC-201-001")].set_index("lesion_id")
    assert (r1.at["T01", "ld_mm"], pd.isna(r1.at["T01", "sa_mm"])) == (30.0, True)
    assert (r1.at["T02", "sa_mm"], pd.isna(r1.at["T02", "ld_mm"])) == (18.0, True)
    assert bool(r1.at["T02", "nodal"])


def test_sumdiam_is_cross_checked_and_other_tests_listed(sponsor):
    codes = _codes(sponsor)
    assert "TRSEQ 10: reported 40 mm, computed 32.00 mm at WEEK 8" in \
        codes["sdtm-sum-differs"]
    assert "AREA (1)" in codes["sdtm-test-ignored"]


@pytest.mark.parametrize("imputation,day", [("first", "2024-05-01"), ("mid", "2024-05-15"),
                                            ("last", "2024-05-31")])
def test_partial_dates_follow_the_chosen_imputation(imputation, day):
    result = read_sdtm(SPONSOR / "tu.csv", SPONSOR / "tr.csv", evaluator="INVESTIGATOR",
                       date_imputation=imputation)
    table = result.measurements
    week16 = table[(table["patient_id"] == "ONC-201-002") & (table["visit"] == "WEEK 16")]
    assert set(week16["date"]) == {pd.Timestamp(day)}
    assert f"date imputation '{imputation}'" in _codes(result)["sdtm-partial-date"]


def test_rs_comparison_explains_each_disagreement(sponsor):
    reported = read_sdtm_responses(SPONSOR / "rs.csv")
    table = compare_with_reported(sponsor, reported)
    assert set(table["test"]) == {"OVRLRESP", "TRGRESP", "NTRGRESP", "NEWLIND", "NEWLPROG"}
    disagree = table[~table["agree"]].set_index(["evaluator", "patient_id", "visit",
                                                "test"]).sort_index()
    nodal = disagree.loc[("INVESTIGATOR", "ONC-201-001", "WEEK 8", "TRGRESP"), "explanation"]
    assert "long axis of nodal target(s) T02" in nodal.iloc[0]
    nadir = disagree.loc[("RADIOLOGIST 1", "ONC-201-001", "UNSCHEDULED", "TRGRESP")]
    assert any("measured from the nadir" in text for text in nadir["explanation"])
    missing = disagree.loc[("RADIOLOGIST 2", "ONC-201-002", "WEEK 16", "TRGRESP"),
                           "explanation"].iloc[0]
    assert "not evaluated" in missing and "T01 not_evaluated" in missing
    agree = table[table["agree"]]
    assert {"NEWLIND", "NEWLPROG", "NTRGRESP"} <= set(agree["test"])
    assert (table.loc[table["agree"], "explanation"] == "").all()


def test_rs_without_readers_needs_a_choice(sponsor):
    reported = read_sdtm_responses(SPONSOR / "rs.csv").drop(columns="evaluator")
    with pytest.raises(RecistDataError, match="RS names no reader"):
        compare_with_reported(sponsor, reported)


def test_pharmaversesdtm_recist_readers_agree_with_their_rs():
    sdtm = read_sdtm(PHARMAVERSE / "tu_onco_recist.csv", PHARMAVERSE / "tr_onco_recist.csv",
                     PHARMAVERSE / "dm_onco_recist_subjects.csv")
    assert sorted(set(sdtm.measurements["evaluator"])) == [
        "INVESTIGATOR", "RADIOLOGIST 1", "RADIOLOGIST 2"]
    table = compare_with_reported(sdtm, read_sdtm_responses(
        PHARMAVERSE / "rs_onco_recist.csv"))
    assert table.groupby("evaluator").size().to_dict() == {
        "INVESTIGATOR": 22, "RADIOLOGIST 1": 22, "RADIOLOGIST 2": 22}
    assert table["agree"].all(), table[~table["agree"]]


def test_a_visit_spanning_weeks_without_repeats_is_reported():
    tr = pd.read_csv(SPONSOR / "tr.csv", dtype=str)
    tu = pd.read_csv(SPONSOR / "tu.csv", dtype=str)
    mine = (tr["USUBJID"] == "ONC-201-003") & (tr["TREVAL"] == "INVESTIGATOR") \
        & (tr["VISIT"] == "WEEK 16") & (tr["TRLNKID"] == "NT02")
    tr.loc[mine, "TRDTC"] = "2024-06-20"  # 45 days after the other WEEK 16 scans
    result = read_sdtm(tu, tr, evaluator="INVESTIGATOR")
    finding = _codes(result)["sdtm-visit-span"]
    assert "USUBJID ONC-201-003 VISIT WEEK 16 spans 45 days" in finding
    week16 = result.measurements[(result.measurements["patient_id"] == "ONC-201-003")
                                 & (result.measurements["visit"] == "WEEK 16")]
    assert len(set(week16["visit"])) == 1  # reported, not split
