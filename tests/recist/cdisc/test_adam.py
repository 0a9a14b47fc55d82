"""ADaM-style ADRS and ADTTE from hand-made responses (recist.cdisc.adam)."""

from __future__ import annotations

from recist.cdisc.adam import adrs_from_responses, adtte_from_responses
from recist.cdisc.sdtm_out import write_sdtm
from recist.criteria import RECIST_1_1


def test_adrs_rows_codes_and_days(timepoints, patient_summary, patients):
    adrs = adrs_from_responses(timepoints, patient_summary, patients, studyid="S")
    counts = adrs["PARAMCD"].value_counts().to_dict()
    assert counts == {"OVR": 5, "BOR": 3}  # baseline rows carry no response
    first = adrs[(adrs["USUBJID"] == "A") & (adrs["PARAMCD"] == "OVR")].iloc[0]
    assert (first["AVALC"], first["AVAL"], first["ADT"], first["AVISIT"]) == (
        "PR", 2, "2024-03-01", "V1")
    assert first["ADY"] == 61  # 2024-01-01 -> 2024-03-01 is 60 days, +1 (TTE-10)
    assert first["ARM"] == "Deferred" and first["RULE"] == "r"
    pd_row = adrs[(adrs["USUBJID"] == "B") & (adrs["AVALC"] == "PD")].iloc[0]
    assert pd_row["AVAL"] == 5
    bor = adrs[adrs["PARAMCD"] == "BOR"].set_index("USUBJID")
    assert bor.loc["A", "AVALC"] == "PR" and "BOR-4" in bor.loc["A", "RULE"]
    assert str(RECIST_1_1.sd_min_days) in bor.loc["A", "RULE"]


def test_adrs_confirmed_bor_when_present(timepoints, patient_summary):
    summary = patient_summary.assign(confirmed_bor=["SD", "SD", "SD"])
    adrs = adrs_from_responses(timepoints, summary)
    cbor = adrs[adrs["PARAMCD"] == "CBOR"]
    assert len(cbor) == 3 and set(cbor["AVAL"]) == {3}


def test_adtte_pfs_dor_ttr(patient_summary, patients):
    adtte = adtte_from_responses(patient_summary, patients)
    pfs = adtte[adtte["PARAMCD"] == "PFS"].set_index("USUBJID")
    assert pfs.loc["A", "CNSR"] == 1 and pfs.loc["A", "EVNTDESC"] == "no progression"
    assert (pfs.loc["B", "CNSR"], pfs.loc["B", "EVNTDESC"]) == (0, "PROGRESSIVE DISEASE")
    assert (pfs.loc["C", "CNSR"], pfs.loc["C", "EVNTDESC"]) == (0, "DEATH")
    assert pfs.loc["B", "STARTDT"] == "2024-01-10" and pfs.loc["B", "AVAL"] == 122
    dor = adtte[adtte["PARAMCD"] == "DOR"]
    assert list(dor["USUBJID"]) == ["A"]
    assert (dor.iloc[0]["AVAL"], dor.iloc[0]["CNSR"], dor.iloc[0]["STARTDT"]) == (
        62, 1, "2024-03-01")
    assert dor.iloc[0]["ADT"] == "2024-05-01"  # 2024-03-01 + 62 days - 1 (TTE-10)
    ttr = adtte[adtte["PARAMCD"] == "TTR"].set_index("USUBJID")
    assert (ttr.loc["A", "AVAL"], ttr.loc["A", "CNSR"]) == (61, 0)
    assert (ttr.loc["B", "AVAL"], ttr.loc["B", "CNSR"]) == (122, 1)


def test_adam_tables_write_as_xpt(tmp_path, timepoints, patient_summary, patients):
    import pyreadstat

    tables = {"ADRS": adrs_from_responses(timepoints, patient_summary, patients),
              "ADTTE": adtte_from_responses(patient_summary, patients)}
    write_sdtm(tables, tmp_path, xpt=True)
    frame, meta = pyreadstat.read_xport(str(tmp_path / "adtte.xpt"))
    assert meta.table_name == "ADTTE" and len(frame) == len(tables["ADTTE"])
    assert sorted(frame["CNSR"].astype(int)) == sorted(tables["ADTTE"]["CNSR"])


def test_dor_death_counts_only_when_the_criteria_say_so(patient_summary, patients):
    died = patient_summary.copy()
    died.loc[died["patient_id"] == "A", "pfs_event"] = "true"  # A died, no PD
    as_event = adtte_from_responses(died, patients)
    as_censor = adtte_from_responses(died, patients,
                                     criteria=RECIST_1_1.replace(death_is_dor_event=False))
    dor_event = as_event[as_event["PARAMCD"] == "DOR"].iloc[0]
    dor_censor = as_censor[as_censor["PARAMCD"] == "DOR"].iloc[0]
    assert (dor_event["CNSR"], dor_event["EVNTDESC"]) == (0, "DEATH")
    assert dor_censor["CNSR"] == 1 and "NOT A DOR EVENT" in dor_censor["EVNTDESC"]
