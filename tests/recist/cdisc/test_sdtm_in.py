"""SDTM TU/TR/DM → measurements and patients tables (recist.cdisc.sdtm_in)."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

from recist.cdisc import read_sdtm, read_sdtm_patients
from recist.errors import RecistDataError


def _row(frame: pd.DataFrame, patient: str, visit: str, link: str) -> pd.Series:
    rows = frame[(frame["patient_id"] == patient) & (frame["visit"] == visit)
                 & (frame["trlnkid"] == link)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_targets_nodes_and_statuses(small_tu, small_tr):
    table = read_sdtm(small_tu, small_tr).measurements
    t01 = _row(table, "P1", "SCREENING", "T01")
    assert (t01["kind"], t01["status"], t01["ld_mm"], t01["organ"]) == (
        "target", "measured", 20.0, "lung")
    assert t01["date"] == pd.Timestamp("2024-01-02")
    node = _row(table, "P1", "SCREENING", "T04")
    assert bool(node["nodal"]) and node["sa_mm"] == 18.0 and node["ld_mm"] == 25.0
    assert _row(table, "P1", "WEEK 8", "T02")["status"] == "too_small"
    absent = _row(table, "P1", "WEEK 8", "T03")
    assert absent["status"] == "absent" and absent["ld_mm"] == 0.0
    assert _row(table, "P1", "WEEK 16", "T04")["status"] == "not_evaluated"
    # the scan date of each row is kept (T03 was scanned a day later, DEC-20)
    assert _row(table, "P1", "SCREENING", "T03")["date"] == pd.Timestamp("2024-01-03")


def test_split_lesion_fragments_share_the_lesion_id(small_tu, small_tr):
    table = read_sdtm(small_tu, small_tr).measurements
    week8 = table[(table["patient_id"] == "P1") & (table["visit"] == "WEEK 8")
                  & (table["lesion_id"] == "T01")]
    assert sorted(week8["trlnkid"]) == ["T01.1", "T01.2"]
    assert sorted(week8["ld_mm"]) == [6.0, 8.0]
    assert set(week8["status"]) == {"measured"} and set(week8["kind"]) == {"target"}


def test_merged_lesions_go_to_the_first_id(small_tu, small_tr):
    table = read_sdtm(small_tu, small_tr).measurements
    week16 = table[(table["patient_id"] == "P1") & (table["visit"] == "WEEK 16")]
    t02 = week16[week16["lesion_id"] == "T02"]
    t03 = week16[week16["lesion_id"] == "T03"]
    assert len(t02) == 1 and t02.iloc[0]["status"] == "measured"
    assert t02.iloc[0]["ld_mm"] == 21.0
    assert len(t03) == 1 and t03.iloc[0]["status"] == "merged"


def test_non_target_and_new_lesion_states(small_tu, small_tr):
    table = read_sdtm(small_tu, small_tr).measurements
    assert [_row(table, "P1", v, "NT01")["status"] for v in ("SCREENING", "WEEK 8",
                                                            "WEEK 16")] == [
        "present", "absent", "progression"]
    assert _row(table, "P1", "WEEK 8", "NEW01")["status"] == "equivocal"
    assert _row(table, "P1", "WEEK 16", "NEW01")["status"] == "unequivocal"
    # a new lesion known only from TU (no TR record) still appears
    only_tu = _row(table, "P2", "WEEK 16", "NEW01")
    assert only_tu["kind"] == "new" and only_tu["date"] == pd.Timestamp("2024-05-01")


def test_partial_date_is_imputed_with_a_finding(small_tu, small_tr):
    result = read_sdtm(small_tu, small_tr)
    assert _row(result.measurements, "P2", "WEEK 8", "T01")["date"] == pd.Timestamp(
        "2024-03-01")
    codes = {f.code: f for f in result.findings}
    assert "TRSEQ 2" in codes["sdtm-partial-date"].message
    assert "USUBJID P2" in codes["sdtm-partial-date"].message


def test_dm_gives_patients(small_dm):
    patients = read_sdtm_patients(small_dm)
    p2 = patients.set_index("patient_id").loc["P2"]
    assert (p2["start_date"], p2["death_date"], p2["arm"]) == (
        "2024-01-12", "2024-06-20", "Immediate therapy")
    assert pd.isna(patients.set_index("patient_id").loc["P1", "death_date"])


def test_xpt_and_csv_give_the_same_table(tmp_path, small_tu, small_tr, small_dm):
    paths = {}
    for name, frame in (("tu", small_tu), ("tr", small_tr), ("dm", small_dm)):
        out = frame.copy()
        for column in ("TRSTRESN", "VISITNUM", "TRSEQ", "TUSEQ"):
            if column in out.columns:  # numeric in XPT as sponsors send them
                out[column] = pd.to_numeric(out[column])
        for column in out.columns:
            if out[column].dtype == object:
                out[column] = out[column].fillna("")
        pyreadstat.write_xport(out, str(tmp_path / f"{name}.xpt"), file_format_version=5,
                               table_name=name.upper())
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
        paths[name] = name
    from_xpt = read_sdtm(tmp_path / "tu.xpt", tmp_path / "tr.xpt", tmp_path / "dm.xpt")
    from_csv = read_sdtm(tmp_path / "tu.csv", tmp_path / "tr.csv", tmp_path / "dm.csv")
    columns = ["patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal",
               "ld_mm", "sa_mm", "status"]
    pd.testing.assert_frame_equal(from_xpt.measurements[columns],
                                  from_csv.measurements[columns])
    pd.testing.assert_frame_equal(from_xpt.patients, from_csv.patients)


def _two_readers(small_tu, small_tr):
    first = small_tr[small_tr["USUBJID"] == "P2"].copy()
    first["TREVAL"], first["TREVALID"], first["TRACPTFL"] = "INDEPENDENT ASSESSOR", \
        "RADIOLOGIST 1", ["Y", ""]
    second = first.copy()
    second["TREVAL"], second["TREVALID"], second["TRACPTFL"] = "INVESTIGATOR", "", ["", "Y"]
    second["TRSTRESN"] = second["TRORRES"] = ["31", "25"]
    return small_tu, pd.concat([first, second], ignore_index=True)


def test_several_readers_are_read_separately(small_tu, small_tr):
    tu, tr = _two_readers(small_tu, small_tr)
    result = read_sdtm(tu, tr)
    p2 = result.measurements[result.measurements["lesion_id"] == "T01"]
    by_reader = p2.groupby("evaluator")["ld_mm"].apply(list).to_dict()
    assert by_reader == {"INVESTIGATOR": [31.0, 25.0], "RADIOLOGIST 1": [30.0, 20.0]}
    assert any(f.code == "sdtm-evaluator" for f in result.findings)
    investigator = read_sdtm(tu, tr, evaluator="INVESTIGATOR").measurements
    assert list(investigator[investigator["lesion_id"] == "T01"]["ld_mm"]) == [31.0, 25.0]
    chosen = read_sdtm(tu, tr, evaluator="RADIOLOGIST 1").measurements
    assert list(chosen[chosen["lesion_id"] == "T01"]["ld_mm"]) == [30.0, 20.0]
    accepted = read_sdtm(tu, tr, evaluator="accepted").measurements
    assert list(accepted[accepted["lesion_id"] == "T01"]["ld_mm"]) == [30.0, 25.0]
    with pytest.raises(RecistDataError, match="no record for evaluator 'RADIOLOGIST 9'"):
        read_sdtm(tu, tr, evaluator="RADIOLOGIST 9")


def test_trgrpid_is_used_without_tu(small_tu, small_tr):
    tr = small_tr[small_tr["USUBJID"] == "P2"].copy()
    tr["TRGRPID"] = "TARGET"
    tu = small_tu[small_tu["USUBJID"] == "P1"]
    table = read_sdtm(tu, tr).measurements
    assert set(table["kind"]) == {"target"}


def test_lesion_without_kind_names_the_record(small_tu, small_tr):
    tu = small_tu[small_tu["TULNKID"] != "NT01"]
    with pytest.raises(RecistDataError, match=r"lesion NT01 \(STUDYID S1, USUBJID P1, "
                                              r"TRSEQ 6"):
        read_sdtm(tu, small_tr)


def test_unknown_tumour_state_is_an_error(small_tu, small_tr):
    tr = small_tr.copy()
    tr.loc[tr["TRSEQ"] == "12", ["TRORRES", "TRSTRESC"]] = "SMALLER"
    with pytest.raises(RecistDataError, match=r"TUMSTATE result 'SMALLER' \(STUDYID S1, "
                                              r"USUBJID P1, TRSEQ 12\) is not a tumour state"):
        read_sdtm(small_tu, tr)


def test_missing_columns_are_named(small_tu, small_tr):
    with pytest.raises(RecistDataError, match="missing column.*TRLNKID"):
        read_sdtm(small_tu, small_tr.drop(columns="TRLNKID"))


def test_lpperp_only_lesion_is_nodal(small_tu, small_tr):
    tu = small_tu.copy()
    tu.loc[tu["TULNKID"] == "T04", "TULOC"] = "MEDIASTINUM"
    tr = small_tr[~((small_tr["TRLNKID"] == "T04") & (small_tr["TRTESTCD"] == "LDIAM"))]
    table = read_sdtm(tu, tr).measurements
    assert bool(_row(table, "P1", "SCREENING", "T04")["nodal"])
    assert not bool(_row(table, "P1", "SCREENING", "T01")["nodal"])


def test_merged_lesion_without_its_own_record_is_created(small_tu, small_tr):
    tr = small_tr[small_tr["TRSEQ"] != "16"]  # no T03 "TUMOR MERGED" record at WEEK 16
    table = read_sdtm(small_tu, tr).measurements
    t03 = table[(table["visit"] == "WEEK 16") & (table["lesion_id"] == "T03")]
    assert len(t03) == 1
    row = t03.iloc[0]
    assert (row["status"], row["organ"], row["kind"]) == ("merged", "liver", "target")
    assert pd.isna(row["ld_mm"]) and row["date"] == pd.Timestamp("2024-04-23")


def test_too_small_standardised_to_5_is_still_too_small(small_tu, small_tr):
    # CDISC RECIST 1.1 supplement: TRORRES "TOO SMALL TO MEASURE", TRSTRESC/N = 5 mm
    tr = small_tr.copy()
    row = tr["TRSEQ"] == "9"
    tr.loc[row, ["TRSTRESC", "TRSTRESN", "TRSTRESU"]] = ["5", "5", "mm"]
    table = read_sdtm(small_tu, tr).measurements
    t02 = _row(table, "P1", "WEEK 8", "T02")
    assert t02["status"] == "too_small" and pd.isna(t02["ld_mm"])


def test_visit_not_performed_without_dates_is_left_out(small_tu, small_tr):
    extra = small_tr[(small_tr["USUBJID"] == "P2") & (small_tr["TRSEQ"] == "2")].copy()
    extra[["TRSEQ", "VISITNUM", "VISIT", "TRDTC", "TRORRES", "TRSTRESC", "TRSTRESN",
           "TRSTAT", "TRREASND"]] = ["3", "4", "WEEK 24", None, None, None, None,
                                     "NOT DONE", "SCAN NOT PERFORMED"]
    result = read_sdtm(small_tu, pd.concat([small_tr, extra], ignore_index=True))
    assert "WEEK 24" not in set(result.measurements["visit"])
    finding = next(f for f in result.findings if f.code == "sdtm-scan-not-done")
    assert "USUBJID P2, TRSEQ 3" in finding.message and finding.visit == "WEEK 24"


def test_undated_result_in_an_undated_visit_is_an_error(small_tu, small_tr):
    extra = small_tr[(small_tr["USUBJID"] == "P2") & (small_tr["TRSEQ"] == "2")].copy()
    extra[["TRSEQ", "VISITNUM", "VISIT", "TRDTC"]] = ["3", "4", "WEEK 24", None]
    with pytest.raises(RecistDataError, match=r"no TRDTC for STUDYID S1, USUBJID P2, "
                                              r"TRSEQ 3 \(visit WEEK 24\)"):
        read_sdtm(small_tu, pd.concat([small_tr, extra], ignore_index=True))
