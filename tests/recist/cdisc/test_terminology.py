"""Every value of the CDISC oncology codelists the reader meets is mapped explicitly, the
common short forms too, and anything else is an error naming the record (issue #12)."""

from __future__ import annotations

import pandas as pd
import pytest

from recist.cdisc import read_sdtm
from recist.cdisc.rs_compare import read_sdtm_responses
from recist.cdisc.terminology import (
    DIAMETER_TEXT_RESULTS,
    LESION_ROLES,
    RESPONSE_RESULTS,
    STATE_RESULTS,
    YES_NO_RESULTS,
)
from recist.errors import RecistDataError

# CDISC Controlled Terminology (oncology codelists used by the RECIST 1.1 domains), as
# submitted in TRORRES/TRSTRESC for TUMSTATE / LNSTATE, and what each must mean here.
CDISC_TUMOUR_STATES = {
    "PRESENT": "present", "ABSENT": "absent", "UNEQUIVOCAL PROGRESSION": "progression",
    "EQUIVOCAL": "equivocal", "NOT EVALUABLE": "not_evaluated",
    "NOT ASSESSABLE": "not_evaluated", "NON-PATHOLOGICAL": "absent",
    "PATHOLOGICAL": "present",
}
SHORT_TUMOUR_STATES = {
    "UNEQUIVOCAL": "progression", "NE": "not_evaluated", "PD": "progression",
    "PROGRESSION": "progression", "NOT DONE": "not_evaluated", "NORMAL": "absent",
}
# TRORRES of a diameter test that is not a number
CDISC_DIAMETER_TEXT = {"TOO SMALL TO MEASURE": "too_small"}
SHORT_DIAMETER_TEXT = {"TOO SMALL": "too_small", "TSTM": "too_small", "NE": "not_done",
                       "NOT EVALUABLE": "not_done", "NOT DONE": "not_done",
                       "TUMOR MERGED": "merged", "ABSENT": "absent"}
# TUORRES / TUSTRESC (Tumor Identification results)
CDISC_LESION_ROLES = {"TARGET": ("target", False), "NON-TARGET": ("non-target", False),
                      "NEW": ("new", False)}
SHORT_LESION_ROLES = {"NEW EQUIVOCAL": ("new", True), "EQUIVOCAL": ("new", True),
                      "NON TARGET": ("non-target", False)}
# RS: Oncology Response Assessment Result (ONCRSR) values for RECIST 1.1
CDISC_RESPONSES = {"CR": "CR", "PR": "PR", "SD": "SD", "PD": "PD", "NE": "NE",
                   "NON-CR/NON-PD": "NON-CR/NON-PD", "NA": "NA", "NED": "NED"}
SHORT_RESPONSES = {"COMPLETE RESPONSE": "CR", "PARTIAL RESPONSE": "PR",
                   "STABLE DISEASE": "SD", "PROGRESSIVE DISEASE": "PD",
                   "NOT EVALUABLE": "NE", "NON CR/NON PD": "NON-CR/NON-PD"}
# NEWLIND / NEWLPROG: No Yes Response codelist, and the equivocal case
CDISC_YES_NO = {"Y": "Y", "N": "N"}
SHORT_YES_NO = {"YES": "Y", "NO": "N", "EQUIVOCAL": "EQUIVOCAL"}


@pytest.mark.parametrize("table,expected", [
    (STATE_RESULTS, {**CDISC_TUMOUR_STATES, **SHORT_TUMOUR_STATES}),
    (DIAMETER_TEXT_RESULTS, {**CDISC_DIAMETER_TEXT, **SHORT_DIAMETER_TEXT}),
    (LESION_ROLES, {**CDISC_LESION_ROLES, **SHORT_LESION_ROLES}),
    (RESPONSE_RESULTS, {**CDISC_RESPONSES, **SHORT_RESPONSES}),
    (YES_NO_RESULTS, {**CDISC_YES_NO, **SHORT_YES_NO}),
], ids=["tumour-state", "diameter-text", "lesion-role", "response", "yes-no"])
def test_codelists_are_mapped_explicitly(table, expected):
    assert {value: table.get(value) for value in expected} == expected


def _one_non_target(state: str, kind: str = "NON-TARGET") -> tuple[pd.DataFrame, ...]:
    tu = pd.DataFrame({"STUDYID": "S", "USUBJID": "P1", "TUSEQ": ["1", "2"],
                       "TULNKID": ["T01", "NT01"], "TUORRES": ["TARGET", kind],
                       "TULOC": ["LUNG", "BONE"]})
    tr = pd.DataFrame({
        "STUDYID": "S", "USUBJID": "P1", "TRSEQ": ["1", "2", "3", "4"],
        "TRLNKID": ["T01", "NT01", "T01", "NT01"],
        "TRTESTCD": ["LDIAM", "TUMSTATE", "LDIAM", "TUMSTATE"],
        "TRORRES": ["20", "PRESENT", "19", state], "VISIT": ["BL", "BL", "W8", "W8"],
        "TRDTC": ["2024-01-01", "2024-01-01", "2024-03-01", "2024-03-01"]})
    return tu, tr


@pytest.mark.parametrize("state", sorted({**CDISC_TUMOUR_STATES, **SHORT_TUMOUR_STATES}))
def test_every_tumour_state_reads_as_its_meaning(state):
    tu, tr = _one_non_target(state)
    table = read_sdtm(tu, tr).measurements
    status = table[(table["lesion_id"] == "NT01") & (table["visit"] == "W8")]["status"]
    meaning = STATE_RESULTS[state]
    expected = {"equivocal": "present"}.get(meaning, meaning)  # a non-target: still there
    assert list(status) == [expected]


def test_short_form_unequivocal_is_non_target_progression():
    from recist.response import respond

    tu, tr = _one_non_target("UNEQUIVOCAL")
    result = respond(read_sdtm(tu, tr).measurements)
    week8 = result.timepoints[result.timepoints["visit"] == "W8"].iloc[0]
    assert (week8["nontarget_response"], week8["overall_response"]) == ("PD", "PD")


@pytest.mark.parametrize("text,status", [("TOO SMALL", "too_small"), ("TSTM", "too_small"),
                                         ("NE", "not_evaluated"), ("ABSENT", "absent")])
def test_diameter_short_forms(text, status):
    tu, tr = _one_non_target("PRESENT")
    tr.loc[2, "TRORRES"] = text
    table = read_sdtm(tu, tr).measurements
    assert list(table[(table["lesion_id"] == "T01") & (table["visit"] == "W8")]["status"]) \
        == [status]


@pytest.mark.parametrize("column,value,pattern", [
    ("TRORRES", "SMALLER", r"TUMSTATE result 'SMALLER' \(STUDYID S, USUBJID P1, TRSEQ 4\)"),
    ("LDIAM", "BIGGER", r"LDIAM result 'BIGGER' \(STUDYID S, USUBJID P1, TRSEQ 3\)"),
    ("TUORRES", "MAYBE", r"TU: TUORRES/TUSTRESC 'MAYBE' \(STUDYID S, USUBJID P1, TUSEQ 2\)"),
])
def test_unknown_values_are_errors_naming_the_record(column, value, pattern):
    tu, tr = _one_non_target("PRESENT")
    if column == "TRORRES":
        tr.loc[3, "TRORRES"] = value
    elif column == "LDIAM":
        tr.loc[2, "TRORRES"] = value
    else:
        tu.loc[1, "TUORRES"] = value
    with pytest.raises(RecistDataError, match=pattern):
        read_sdtm(tu, tr)


def test_a_diameter_in_cm_is_converted_and_an_unknown_unit_refused():
    tu, tr = _one_non_target("PRESENT")
    tr["TRORRESU"] = ["cm", "", "cm", ""]
    tr.loc[[0, 2], "TRORRES"] = ["2.0", "1.9"]
    table = read_sdtm(tu, tr).measurements
    assert sorted(table.loc[table["lesion_id"] == "T01", "ld_mm"]) == [19.0, 20.0]
    tr["TRORRESU"] = ["in", "", "in", ""]
    with pytest.raises(RecistDataError, match=r"unit 'in' of a diameter \(STUDYID S, USUBJID P1, "
                                              r"TRSEQ 1"):
        read_sdtm(tu, tr)


def test_rs_results_outside_the_terminology_are_errors():
    rs = pd.DataFrame({"STUDYID": "S", "USUBJID": "P1", "RSSEQ": ["1", "2"],
                       "RSTESTCD": ["OVRLRESP", "NEWLPROG"], "RSORRES": ["PARTIAL RESPONSE",
                                                                          "YES"],
                       "VISIT": "W8", "RSDTC": "2024-03-01"})
    assert list(read_sdtm_responses(rs)["result"]) == ["PR", "Y"]
    rs.loc[0, "RSORRES"] = "BETTER"
    with pytest.raises(RecistDataError, match=r"OVRLRESP result 'BETTER' \(STUDYID S, "
                                              r"USUBJID P1, RSSEQ 1\)"):
        read_sdtm_responses(rs)


def test_every_value_of_the_public_sponsor_data_is_listed():
    """The codelist values a public, independently written SDTM uses (pharmaversesdtm's
    RECIST 1.1 TU/TR/RS, CDISC CT submission values) are each listed with their meaning:
    the enumeration above is checked against data nobody here wrote."""
    from recist.cdisc.terminology import canonical

    from support.paths import REPO

    folder = REPO / "tests" / "data" / "third_party" / "pharmaversesdtm"
    tr = pd.read_csv(folder / "tr_onco_recist.csv", dtype=str)
    tu = pd.read_csv(folder / "tu_onco_recist.csv", dtype=str)
    rs = pd.read_csv(folder / "rs_onco_recist.csv", dtype=str)
    states = set(canonical(tr.loc[tr["TRTESTCD"] == "TUMSTATE", "TRSTRESC"]).dropna())
    roles = set(canonical(tu["TUSTRESC"]).dropna()) | set(canonical(tu["TUORRES"]).dropna())
    responses = set(canonical(rs["RSSTRESC"]).dropna())
    assert states == {"PRESENT", "ABSENT"} and roles == {"TARGET", "NON-TARGET"}
    assert responses == {"CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD"}
    assert {s: STATE_RESULTS[s] for s in states} == {s: CDISC_TUMOUR_STATES[s]
                                                     for s in states}
    assert {r: LESION_ROLES[r] for r in roles} == {r: CDISC_LESION_ROLES[r] for r in roles}
    assert {r: RESPONSE_RESULTS[r] for r in responses} == {r: r for r in responses}
