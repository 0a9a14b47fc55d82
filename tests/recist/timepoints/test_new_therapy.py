"""DEC-17 × DEC-13: a scan on or after new anticancer therapy confirms nothing.

Hand-checked patient (``support.new_therapy_patients.EQUIVOCAL_THEN_CONFIRMED``):
baseline 50 mm on 2024-01-02, W6 on 2024-02-12 (48 mm, N1 equivocal), W12 on 2024-03-25
(47 mm, N1 unequivocal); start 2024-01-01. Target sums: -4 % and -6 % from baseline → SD
both times. W6 is day 42 after start (SD minimum 42 days, inclusive), so pfs_days there =
42 + 1.
"""

from __future__ import annotations

import pandas as pd
import pytest

from recist.criteria import RECIST_1_1
from recist.response import new_therapy_cutoffs, respond
from recist.timepoints import assess_timepoints, assess_timepoints_with_findings

from support.new_therapy_patients import EQUIVOCAL_THEN_CONFIRMED, measurements, patients

IGNORE_THERAPY = RECIST_1_1.replace(censor_at_new_therapy=False)
LATE_CODE = "equivocal-new-confirmed-after-new-therapy"


def _day(text):
    return pd.Timestamp(text)


def _codes(result):
    return [f.code for f in result.findings]


def _assert_backdated(result):
    """DEC-13 as before: W6 becomes PD, PFS event on the first sighting."""
    tp = result.timepoints
    assert list(tp["overall_response"][1:]) == ["PD", "PD"]
    assert list(tp["new_lesions"][1:]) == ["EQUIVOCAL", "Y"]
    assert tp["reasons"][1].endswith(
        "new lesion N1 first seen here, confirmed on 2024-03-25 (NEW-3, DEC-13); "
        "overall PD (NEW-3, DEC-13)")
    row = result.patient_summary.iloc[0]
    assert row["bor"] == "PD" and row["pd_date"] == _day("2024-02-12")
    assert bool(row["pfs_event"]) and row["pfs_date"] == _day("2024-02-12")
    assert row["pfs_days"] == 43 and pd.isna(row["censor_reason"])
    assert LATE_CODE not in _codes(result)


def test_confirmed_after_new_therapy_is_not_backdated():
    result = respond(measurements(EQUIVOCAL_THEN_CONFIRMED), patients("2024-02-20"))
    tp = result.timepoints
    # W6 keeps its Table 1 response: target SD, equivocal read as "No" (DEC-14).
    assert list(tp["overall_response"][1:]) == ["SD", "PD"]
    assert list(tp["new_lesions"][1:]) == ["EQUIVOCAL", "Y"]
    assert list(tp["date"]) == [_day("2024-01-02"), _day("2024-02-12"), _day("2024-03-25")]
    assert tp["reasons"][1] == (
        "target SD (TGT-SD, R11 4.3.1): sum 48.00 mm is -4.00% from baseline 50.00 mm and "
        "-4.00% from nadir 50.00 mm; equivocal new lesion(s) not counted as PD (NEW-3, "
        "DEC-14); new lesion N1 confirmed only on 2024-03-25, on or after new anticancer "
        "therapy on 2024-02-20: not back-dated (NEW-3, DEC-13, DEC-17); overall SD (OVR-T1-5)")
    # W12 is after the new therapy: its own response (PD, new lesion) is still listed.
    assert tp["reasons"][2].endswith(
        "1 unequivocal new lesion(s) (NEW-1, R11 4.3.5); on or after new anticancer therapy "
        "on 2024-02-20: not counted for BOR or PFS (DEC-17); overall PD (OVR-T1-9)")
    row = result.patient_summary.iloc[0]
    assert row["bor"] == "SD" and row["bor_date"] == _day("2024-02-12")
    assert pd.isna(row["pd_date"]) and not bool(row["pfs_event"])
    assert row["pfs_date"] == _day("2024-02-12") and row["pfs_days"] == 43
    assert row["censor_reason"] == ("new anticancer therapy on 2024-02-20 before "
                                    "progression: censored at last adequate assessment "
                                    "2024-02-12")
    late = [f for f in result.findings if f.code == LATE_CODE]
    assert len(late) == 1
    f = late[0]
    assert (f.patient_id, f.date, f.visit, f.lesion_id, f.rule, f.severity) == (
        "P1", "2024-02-12", "W6", "N1", "DEC-14, DEC-17", "warning")
    assert "counts as no new lesion (DEC-14)" in f.message and "2024-03-25" in f.message


def test_option_off_ignores_the_new_therapy():
    """DEC-17's alternative (censor_at_new_therapy = false): back-dated as before."""
    result = respond(measurements(EQUIVOCAL_THEN_CONFIRMED), patients("2024-02-20"),
                     IGNORE_THERAPY)
    _assert_backdated(result)
    assert not result.timepoints["reasons"].str.contains("DEC-17").any()


@pytest.mark.parametrize("therapy", ["2024-03-26", "2024-06-01"])
def test_confirmed_before_new_therapy_is_backdated(therapy):
    result = respond(measurements(EQUIVOCAL_THEN_CONFIRMED), patients(therapy))
    _assert_backdated(result)
    assert not result.timepoints["reasons"].str.contains("DEC-17").any()


def test_confirmation_on_the_therapy_date_confirms_nothing():
    """"On or after": a scan on the new-therapy date is already excluded."""
    result = respond(measurements(EQUIVOCAL_THEN_CONFIRMED), patients("2024-03-25"))
    tp = result.timepoints
    assert list(tp["overall_response"][1:]) == ["SD", "PD"]
    assert "not back-dated" in tp["reasons"][1] and "DEC-17" in tp["reasons"][2]
    row = result.patient_summary.iloc[0]
    assert row["bor"] == "SD" and pd.isna(row["pd_date"]) and not bool(row["pfs_event"])
    assert row["pfs_date"] == _day("2024-02-12")
    assert _codes(result).count(LATE_CODE) == 1


def test_therapy_on_the_first_sighting_excludes_both_time_points():
    """New therapy on 2024-02-12: W6 and W12 are both excluded; no late-confirmation
    note (the lesion was not seen before the therapy); PFS censored at start (day 1)."""
    result = respond(measurements(EQUIVOCAL_THEN_CONFIRMED), patients("2024-02-12"))
    tp = result.timepoints
    assert list(tp["overall_response"][1:]) == ["SD", "PD"]
    note = "on or after new anticancer therapy on 2024-02-12: not counted for BOR or PFS"
    assert tp["reasons"][1:].str.contains(note, regex=False).all()
    assert not tp["reasons"].str.contains("back-dated").any()
    row = result.patient_summary.iloc[0]
    assert row["bor"] == "NE" and pd.isna(row["pd_date"])
    assert not bool(row["pfs_event"]) and row["pfs_date"] == _day("2024-01-01")
    assert row["pfs_days"] == 1
    assert LATE_CODE not in _codes(result)


def test_two_lesions_one_confirmed_before_and_one_after():
    """N1 and N2 equivocal on W6; N1 unequivocal on W9 (2024-03-04); new therapy on
    2024-03-10; N2 unequivocal on W12. W6 is back-dated for N1 only; N2 is reported."""
    rows = [r for r in EQUIVOCAL_THEN_CONFIRMED if r[3] != "N1" or r[2] == "W6"]
    rows += [("P1", "2024-02-12", "W6", "N2", "new", False, None, None, "equivocal"),
             ("P1", "2024-03-04", "W9", "T1", "target", False, 48.0, None, "measured"),
             ("P1", "2024-03-04", "W9", "N1", "new", False, None, None, "unequivocal"),
             ("P1", "2024-03-25", "W12", "N2", "new", False, None, None, "unequivocal")]
    result = respond(measurements(rows), patients("2024-03-10"))
    tp = result.timepoints
    assert list(tp["visit"]) == ["BL", "W6", "W9", "W12"]
    assert list(tp["overall_response"][1:]) == ["PD", "PD", "PD"]
    assert ("new lesion N1 first seen here, confirmed on 2024-03-04 (NEW-3, DEC-13); new "
            "lesion N2 confirmed only on 2024-03-25, on or after new anticancer therapy on "
            "2024-03-10: not back-dated (NEW-3, DEC-13, DEC-17); overall PD (NEW-3, DEC-13)"
            ) in tp["reasons"][1]
    row = result.patient_summary.iloc[0]
    assert row["pd_date"] == _day("2024-02-12") and bool(row["pfs_event"])
    assert [f.lesion_id for f in result.findings if f.code == LATE_CODE] == ["N2"]


def test_assess_timepoints_without_patients_is_unchanged():
    m = measurements(EQUIVOCAL_THEN_CONFIRMED)
    plain = assess_timepoints(m)
    assert list(plain["overall_response"][1:]) == ["PD", "PD"]
    assert plain.equals(assess_timepoints(m, RECIST_1_1, cutoffs=None))
    assert plain.equals(assess_timepoints(m, RECIST_1_1, cutoffs={}))
    assert plain.equals(assess_timepoints(m, RECIST_1_1, cutoffs={"other": "2024-02-01"}))
    assert assess_timepoints_with_findings(m)[1] == []


def test_cutoffs_as_series_or_dict_agree():
    m = measurements(EQUIVOCAL_THEN_CONFIRMED)
    by_dict, found = assess_timepoints_with_findings(m, cutoffs={"P1": "2024-02-20"})
    by_series = assess_timepoints(m, cutoffs=pd.Series({"P1": pd.Timestamp("2024-02-20")}))
    pd.testing.assert_frame_equal(by_dict, by_series)
    assert list(by_dict["overall_response"][1:]) == ["SD", "PD"]
    assert [f.code for f in found] == [LATE_CODE]


def test_new_therapy_cutoffs_from_the_patients_table():
    table = pd.DataFrame({"Patient_ID": ["P1", "P2", "P3"],
                          "new_therapy_date": ["2024-02-20", "", None]})
    assert new_therapy_cutoffs(table) == {"P1": _day("2024-02-20")}
    assert new_therapy_cutoffs(table, IGNORE_THERAPY) == {}
    assert new_therapy_cutoffs(None) == {}
    assert new_therapy_cutoffs(pd.DataFrame({"patient_id": ["P1"]})) == {}


def test_patient_without_a_therapy_date_is_not_affected():
    rows = EQUIVOCAL_THEN_CONFIRMED + [
        (("P2",) + r[1:]) for r in EQUIVOCAL_THEN_CONFIRMED]
    table = pd.DataFrame({"patient_id": ["P1", "P2"], "start_date": ["2024-01-01"] * 2,
                          "new_therapy_date": ["2024-02-20", None]})
    result = respond(measurements(rows), table)
    by_patient = result.timepoints.groupby("patient_id")["overall_response"].agg(
        lambda s: list(s[1:]))
    assert by_patient["P1"] == ["SD", "PD"] and by_patient["P2"] == ["PD", "PD"]
    summary = result.patient_summary.set_index("patient_id")
    assert summary.loc["P2", "pd_date"] == _day("2024-02-12")
    assert pd.isna(summary.loc["P1", "pd_date"])


def test_unreadable_cutoff_is_a_clear_error():
    with pytest.raises(ValueError, match="new-therapy cut-offs: expected patient_id → date"):
        assess_timepoints(measurements(EQUIVOCAL_THEN_CONFIRMED), cutoffs={"P1": "soon"})
