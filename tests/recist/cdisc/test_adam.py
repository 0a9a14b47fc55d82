"""ADaM ADSL, ADRS and ADTTE from hand-made responses (recist.cdisc.adam), shaped as
admiralonco derives them."""

from __future__ import annotations

import pandas as pd

from recist.cdisc.adam import (
    adam_tables,
    adrs_from_responses,
    adsl_from_patients,
    adtte_from_responses,
)
from recist.cdisc.sdtm_out import write_sdtm
from recist.criteria import RECIST_1_1


def test_adrs_rows_codes_and_days(timepoints, patient_summary, patients):
    adrs = adrs_from_responses(timepoints, patient_summary, patients, studyid="S")
    counts = adrs["PARAMCD"].value_counts().to_dict()
    # baseline rows carry no response; RSP, CB and PD once per subject
    assert counts == {"OVR": 5, "BOR": 3, "RSP": 3, "CB": 3, "PD": 3}
    first = adrs[(adrs["USUBJID"] == "A") & (adrs["PARAMCD"] == "OVR")].iloc[0]
    assert (first["AVALC"], first["AVAL"], first["ADT"], first["AVISIT"]) == (
        "PR", 2, pd.Timestamp("2024-03-01"), "V1")
    assert first["ADY"] == 61  # 2024-01-01 -> 2024-03-01 is 60 days, +1 (TTE-10)
    assert first["ARM"] == "Deferred" and first["RULE"] == "r"
    assert (first["AVISITN"], first["ANL01FL"], first["ASEQ"]) == (1, "Y", 1)
    assert (first["SRCDOM"], first["SRCVAR"]) == ("RS", "RSSTRESC")
    assert (first["PARCAT1"], first["PARCAT2"], first["PARCAT3"]) == (
        "Tumor Response", "Investigator", "RECIST 1.1")
    pd_row = adrs[(adrs["USUBJID"] == "B") & (adrs["AVALC"] == "PD")].iloc[0]
    assert pd_row["AVAL"] == 5
    bor = adrs[adrs["PARAMCD"] == "BOR"].set_index("USUBJID")
    assert bor.loc["A", "AVALC"] == "PR" and "BOR-4" in bor.loc["A", "RULE"]
    assert str(RECIST_1_1.sd_min_days) in bor.loc["A", "RULE"]
    # a derived parameter points to the OVR record of its date
    assert (bor.loc["A", "SRCDOM"], bor.loc["A", "SRCSEQ"]) == ("ADRS", 1)
    flags = adrs[adrs["PARAMCD"].isin(["RSP", "CB", "PD"])].set_index(
        ["USUBJID", "PARAMCD"])
    assert (flags.loc[("A", "RSP"), "AVALC"], flags.loc[("A", "RSP"), "AVAL"]) == ("Y", 1)
    assert (flags.loc[("B", "RSP"), "AVALC"], flags.loc[("B", "RSP"), "AVAL"]) == ("N", 0)
    assert flags.loc[("B", "PD"), "ADT"] == pd.Timestamp("2024-05-10")
    assert flags.loc[("C", "CB"), "AVALC"] == "Y"
    assert list(adrs.groupby("USUBJID")["ASEQ"].apply(list).loc["A"]) == list(
        range(1, 7))


def test_adrs_confirmed_parameters_when_present(timepoints, patient_summary):
    summary = patient_summary.assign(confirmed_bor=["SD", "SD", "SD"])
    adrs = adrs_from_responses(timepoints, summary)
    cbor = adrs[adrs["PARAMCD"] == "CBOR"]
    assert len(cbor) == 3 and set(cbor["AVAL"]) == {3}
    assert set(adrs.loc[adrs["PARAMCD"] == "CRSP", "AVALC"]) == {"N"}
    assert set(adrs.loc[adrs["PARAMCD"] == "CCB", "AVALC"]) == {"Y"}
    # RSP (confirmation not required) still says A responded
    rsp = adrs[adrs["PARAMCD"] == "RSP"].set_index("USUBJID")
    assert rsp.loc["A", "AVALC"] == "Y" and rsp.loc["A", "ADT"] == pd.Timestamp("2024-03-01")


def test_adtte_os_pfs_rsd_ttr(patient_summary, patients, timepoints):
    adtte = adtte_from_responses(patient_summary, patients, timepoints=timepoints)
    assert set(adtte["AVALU"]) == {"DAYS"} and str(adtte["AVAL"].dtype) == "Int64"
    pfs = adtte[adtte["PARAMCD"] == "PFS"].set_index("USUBJID")
    assert pfs.loc["A", "CNSR"] == 1 and pfs.loc["A", "CNSDTDSC"] == "LAST TUMOR ASSESSMENT"
    assert (pfs.loc["B", "CNSR"], pfs.loc["B", "EVNTDESC"]) == (0, "PD")
    assert (pfs.loc["C", "CNSR"], pfs.loc["C", "EVNTDESC"]) == (0, "DEATH")
    assert (pfs.loc["C", "SRCDOM"], pfs.loc["C", "SRCVAR"]) == ("ADSL", "DTHDT")
    assert pfs.loc["B", "STARTDT"] == pd.Timestamp("2024-01-10") and pfs.loc["B", "AVAL"] == 122
    dor = adtte[adtte["PARAMCD"] == "RSD"]
    assert list(dor["USUBJID"]) == ["A"]
    assert (dor.iloc[0]["AVAL"], dor.iloc[0]["CNSR"], dor.iloc[0]["STARTDT"]) == (
        62, 1, pd.Timestamp("2024-03-01"))
    assert dor.iloc[0]["ADT"] == pd.Timestamp("2024-05-01")  # + 62 days - 1 (TTE-10)
    ttr = adtte[adtte["PARAMCD"] == "TTR"].set_index("USUBJID")
    assert (ttr.loc["A", "AVAL"], ttr.loc["A", "CNSR"]) == (61, 0)
    assert (ttr.loc["B", "AVAL"], ttr.loc["B", "CNSR"]) == (122, 1)
    os_ = adtte[adtte["PARAMCD"] == "OS"].set_index("USUBJID")
    assert (os_.loc["C", "CNSR"], os_.loc["C", "ADT"]) == (0, pd.Timestamp("2024-06-01"))
    assert (os_.loc["A", "CNSR"], os_.loc["A", "CNSDTDSC"]) == (1, "LAST DATE KNOWN ALIVE")
    assert os_.loc["A", "AVAL"] == (pd.Timestamp("2024-06-01") - pd.Timestamp(
        "2024-01-01")).days + 1


def test_adsl_minimal(patients, timepoints):
    adsl = adsl_from_patients(patients, timepoints).set_index("USUBJID")
    assert list(adsl.index) == ["A", "B", "C"]
    assert adsl.loc["C", "DTHFL"] == "Y" and adsl.loc["C", "DTHDT"] == pd.Timestamp(
        "2024-06-01")
    assert adsl.loc["C", "LSTALVDT"] == pd.Timestamp("2024-04-01")  # last scan, no contact


def test_adam_tables_write_as_xpt_with_sas_dates(tmp_path, timepoints, patient_summary,
                                                 patients):
    import pyreadstat

    tables = adam_tables(timepoints, patient_summary, patients)
    assert set(tables) == {"ADSL", "ADRS", "ADTTE"}
    write_sdtm(tables, tmp_path, xpt=True)
    frame, meta = pyreadstat.read_xport(str(tmp_path / "adtte.xpt"))
    assert meta.table_name == "ADTTE" and len(frame) == len(tables["ADTTE"])
    assert sorted(frame["CNSR"].astype(int)) == sorted(tables["ADTTE"]["CNSR"])
    assert meta.original_variable_types["ADT"] == "DATE9."
    csv = pd.read_csv(tmp_path / "adrs.csv", dtype=str)
    assert csv.loc[0, "ADT"] == "2024-03-01"


def test_dor_death_counts_only_when_the_criteria_say_so(patient_summary, patients):
    died = patient_summary.copy()
    died.loc[died["patient_id"] == "A", "pfs_event"] = "true"  # A died, no PD
    as_event = adtte_from_responses(died, patients)
    as_censor = adtte_from_responses(died, patients,
                                     criteria=RECIST_1_1.replace(death_is_dor_event=False))
    dor_event = as_event[as_event["PARAMCD"] == "RSD"].iloc[0]
    dor_censor = as_censor[as_censor["PARAMCD"] == "RSD"].iloc[0]
    assert (dor_event["CNSR"], dor_event["EVNTDESC"]) == (0, "DEATH")
    assert dor_censor["CNSR"] == 1 and "NOT A DOR EVENT" in dor_censor["EVNTDESC"]


def test_several_readers_keep_their_evaluator(timepoints, patient_summary, patients):
    tp = pd.concat([timepoints.assign(evaluator="RADIOLOGIST 1"),
                    timepoints.assign(evaluator="RADIOLOGIST 2")], ignore_index=True)
    summary = pd.concat([patient_summary.assign(evaluator="RADIOLOGIST 1"),
                         patient_summary.assign(evaluator="RADIOLOGIST 2")],
                        ignore_index=True)
    tables = adam_tables(tp, summary, patients)
    for name in ("ADRS", "ADTTE"):
        table = tables[name]
        assert set(table["EVALUATR"]) == {"RADIOLOGIST 1", "RADIOLOGIST 2"}
        assert set(table["RSEVAL"]) == {"INDEPENDENT ASSESSOR"}
        assert table.groupby("USUBJID")["ASEQ"].apply(lambda s: s.is_unique).all()


def test_param_texts_are_admiralonco_s(timepoints, patient_summary, patients):
    """PARAMCD and PARAM as admiralonco's ADRS vignette derives them (the reader after
    "by", the confirmation qualifier last), so an R user's filters find them."""
    summary = patient_summary.assign(confirmed_bor=["PR", "SD", "SD"])
    adrs = adrs_from_responses(timepoints, summary, patients)
    params = dict(zip(adrs["PARAMCD"], adrs["PARAM"], strict=False))
    assert params == {
        "OVR": "Overall Response by Investigator",
        "BOR": "Best Overall Response by Investigator (confirmation not required)",
        "CBOR": "Best Confirmed Overall Response by Investigator",
        "RSP": "Response by Investigator (confirmation not required)",
        "CRSP": "Confirmed Response by Investigator",
        "CB": "Clinical Benefit by Investigator (confirmation for response not required)",
        "CCB": "Confirmed Clinical Benefit by Investigator",
        "PD": "Disease Progression by Investigator"}
    radiologist = adrs_from_responses(timepoints.assign(evaluator="RADIOLOGIST 1"),
                                      patient_summary.assign(evaluator="RADIOLOGIST 1"))
    assert set(radiologist.loc[radiologist["PARAMCD"] == "OVR", "PARAM"]) == {
        "Overall Response by Radiologist 1"}
