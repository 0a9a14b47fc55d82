"""PFS, PD date, DoR and time to response on hand-checked patients (TTE-1..10, DEC-16/17).

start_date is 2024-01-01 (day 0); day 56 = 2024-02-26, day 112 = 2024-04-22,
day 168 = 2024-06-17. Durations are end - start + 1 days (TTE-10, add_one_day).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from recist.criteria import RECIST_1_1, Criteria
from recist.endpoints import (
    duration_of_response,
    last_adequate_assessment,
    progression_free_survival,
    time_to_response_days,
)
from recist.patient_summary import summarise_patients, summarise_patients_with_findings


def one(tables, visits, criteria=RECIST_1_1, **patient):
    """Summary row of a single patient p1."""
    tp = tables.timepoints({"p1": visits})
    pt = tables.patients(p1=patient)
    frame = summarise_patients(tp, pt, criteria)
    assert list(frame["patient_id"]) == ["p1"]
    return frame.iloc[0]


def ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def test_progression_is_the_pfs_event(tables):
    row = one(tables, [(56, "SD"), (112, "PD")])
    assert row["bor"] == "SD" and row["bor_date"] == ts(tables.day(56))
    assert row["pd_date"] == ts(tables.day(112))
    assert bool(row["pfs_event"]) and row["pfs_date"] == ts(tables.day(112))
    assert row["pfs_days"] == 113
    assert row["censor_reason"] is None
    assert pd.isna(row["response_date"]) and pd.isna(row["dor_days"])


def test_death_before_progression(tables):
    """TTE-3/TTE-4: death is the event, not a PD: pd_date stays empty."""
    row = one(tables, [(56, "SD"), (112, "SD")], death_date=tables.day(130))
    assert pd.isna(row["pd_date"])
    assert bool(row["pfs_event"]) and row["pfs_date"] == ts(tables.day(130))
    assert row["pfs_days"] == 131


def test_death_after_progression_does_not_move_the_event(tables):
    row = one(tables, [(56, "SD"), (112, "PD")], death_date=tables.day(120))
    assert row["pfs_date"] == ts(tables.day(112)) and row["pd_date"] == ts(tables.day(112))


def test_censored_at_last_adequate_assessment(tables):
    row = one(tables, [(56, "SD"), (112, "SD"), (168, "NE")])
    assert not row["pfs_event"] and row["pfs_date"] == ts(tables.day(112))
    assert row["pfs_days"] == 113
    assert row["censor_reason"] == ("no progression or death: censored at last adequate "
                                    "assessment 2024-04-22")


def test_new_therapy_censors_before_it_and_hides_later_progression(tables):
    """DEC-17: new therapy on day 140 (2024-05-20); PD on day 168 is not counted."""
    row = one(tables, [(56, "SD"), (112, "SD"), (168, "PD")],
              new_therapy_date=tables.day(140))
    assert row["bor"] == "SD" and pd.isna(row["pd_date"])
    assert not row["pfs_event"] and row["pfs_date"] == ts(tables.day(112))
    assert row["censor_reason"] == ("new anticancer therapy on 2024-05-20 before "
                                    "progression: censored at last adequate assessment "
                                    "2024-04-22")


def test_new_therapy_ignored_when_option_off(tables):
    row = one(tables, [(56, "SD"), (112, "SD"), (168, "PD")],
              criteria=Criteria(censor_at_new_therapy=False), new_therapy_date=tables.day(140))
    assert bool(row["pfs_event"]) and row["pfs_date"] == ts(tables.day(168))


def test_new_therapy_excludes_later_response_from_bor(tables):
    row = one(tables, [(21, "SD"), (84, "PR")], new_therapy_date=tables.day(60))
    assert row["bor"] == "NE" and pd.isna(row["response_date"])


def test_no_adequate_assessment_censored_at_start(tables):
    """DEC-16, TTE-5: only NE after baseline -> BOR NE, censored on day 1."""
    row = one(tables, [(56, "NE")])
    assert row["bor"] == "NE"
    assert not row["pfs_event"] and row["pfs_date"] == ts(tables.START)
    assert row["pfs_days"] == 1
    assert row["censor_reason"] == ("no adequate post-baseline assessment: censored at "
                                    "start date 2024-01-01")


def test_early_death_without_assessment(tables):
    """DEC-16: no post-baseline time point, death on day 20 -> BOR NE, PFS event."""
    row = one(tables, [], death_date=tables.day(20))
    assert row["bor"] == "NE" and pd.isna(row["bor_date"])
    assert bool(row["pfs_event"]) and row["pfs_date"] == ts(tables.day(20))
    assert row["pfs_days"] == 21


def test_death_not_an_event_when_option_off(tables):
    row = one(tables, [(56, "SD")], criteria=Criteria(death_is_pfs_event=False),
              death_date=tables.day(100))
    assert not row["pfs_event"] and row["pfs_date"] == ts(tables.day(56))
    assert row["censor_reason"] == ("death on 2024-04-10 not counted as an event: censored "
                                    "at last adequate assessment 2024-02-26")


def test_missed_assessments_censor_the_event(tables):
    """TTE-5 FDA: PD 144 days (> 2 x 56) after the last adequate assessment."""
    criteria = Criteria(censor_after_missed_assessments=True)
    row = one(tables, [(56, "SD"), (200, "PD")], criteria=criteria)
    assert not row["pfs_event"] and row["pfs_date"] == ts(tables.day(56))
    assert row["censor_reason"] == ("progression on 2024-07-19 after 2 or more missed "
                                    "assessments: censored at last adequate assessment "
                                    "2024-02-26")
    # Exactly two intervals later (one missed assessment) the event counts.
    row = one(tables, [(56, "SD"), (168, "PD")], criteria=criteria)
    assert bool(row["pfs_event"]) and row["pfs_date"] == ts(tables.day(168))


def test_add_one_day_option(tables):
    row = one(tables, [(56, "SD"), (112, "PD")], criteria=Criteria(add_one_day=False))
    assert row["pfs_days"] == 112


def test_duration_of_response_to_progression(tables):
    row = one(tables, [(56, "PR"), (112, "PR"), (168, "PD")])
    assert row["response_date"] == ts(tables.day(56))
    assert row["dor_days"] == 113


def test_duration_of_confirmed_response(tables):
    row = one(tables, [(56, "PR"), (112, "PR"), (168, "PD")],
              criteria=Criteria(confirmation=True))
    assert (row["bor"], row["confirmed_bor"]) == ("PR", "PR")
    assert row["response_date"] == ts(tables.day(56)) and row["dor_days"] == 113


def test_unconfirmed_responder_has_no_duration_with_confirmation(tables):
    visits = [(56, "PR"), (112, "SD"), (168, "SD")]
    row = one(tables, visits)
    assert row["dor_days"] == 113  # censored at the last adequate assessment (day 168)
    row = one(tables, visits, criteria=Criteria(confirmation=True))
    assert row["confirmed_bor"] == "SD"
    assert pd.isna(row["response_date"]) and pd.isna(row["dor_days"])


def test_duration_of_response_ends_at_death(tables):
    row = one(tables, [(56, "PR"), (112, "PR")], death_date=tables.day(150))
    assert row["dor_days"] == 95


def test_rule_functions_directly(tables):
    d = tables.day
    assert last_adequate_assessment(["SD", "NE"], [d(56), d(112)]) == d(56)
    pfs = progression_free_survival(["PD"], [d(56)], tables.START, death_date=d(40))
    assert (pfs.event, pfs.date, pfs.event_kind) == (True, d(40), "death")
    end, days = duration_of_response(d(56), ["SD", "PR", "PR"], [d(28), d(56), d(112)])
    assert (end.event, end.date, days) == (False, d(112), 57)
    assert time_to_response_days(tables.START, d(56)) == 57
    assert time_to_response_days(tables.START, None) is None


# --- DEC-7 reference date and findings -------------------------------------------------

def test_patient_missing_from_patients_table_uses_baseline_date(tables):
    """DEC-7: SD on day 35 after start is 42 days after the baseline scan (day -7)."""
    tp = tables.timepoints({"p1": [(35, "SD")], "p2": [(35, "SD")]})
    frame, findings = summarise_patients_with_findings(tp, tables.patients(p1={}))
    assert list(frame["bor"]) == ["NE", "SD"]
    assert [(f.code, f.patient_id, f.rule) for f in findings] == [
        ("patient-not-in-patients-table", "p2", "DEC-7")]
    assert "2023-12-25" in findings[0].message


def test_missing_start_date_uses_baseline_date(tables):
    tp = tables.timepoints({"p1": [(35, "SD")]})
    frame, findings = summarise_patients_with_findings(tp, tables.patients(p1={"start_date": ""}))
    assert frame.loc[0, "bor"] == "SD"
    assert frame.loc[0, "pfs_days"] == 43  # 2023-12-25 .. 2024-02-05 inclusive
    assert [f.code for f in findings] == ["start-date-missing"]


def test_without_patients_table(tables):
    tp = tables.timepoints({"p1": [(35, "SD")]})
    frame, findings = summarise_patients_with_findings(tp, None)
    assert frame.loc[0, "bor"] == "SD"
    assert [f.code for f in findings] == ["no-patients-table"]


def test_patient_without_time_points_is_summarised(tables):
    tp = tables.timepoints({"p1": [(56, "SD")]})
    frame, findings = summarise_patients_with_findings(tp, tables.patients(p1={}, p2={}))
    assert list(frame["patient_id"]) == ["p1", "p2"]
    row = frame.iloc[1]
    assert row["bor"] == "NE" and row["pfs_days"] == 1 and not row["pfs_event"]
    assert [f.code for f in findings] == ["no-assessment"]


@pytest.mark.parametrize("confirmation", [False, True])
def test_summary_columns_exactly(tables, confirmation):
    tp = tables.timepoints({"p1": [(56, "SD")]})
    frame = summarise_patients(tp, tables.patients(p1={}), Criteria(confirmation=confirmation))
    expected = ["patient_id", "bor", "bor_date", "confirmed_bor", "pd_date", "pfs_event",
                "pfs_date", "pfs_days", "response_date", "dor_days", "censor_reason"]
    if not confirmation:
        expected.remove("confirmed_bor")
    assert list(frame.columns) == expected
    for column in ("bor_date", "pd_date", "pfs_date", "response_date"):
        assert pd.api.types.is_datetime64_any_dtype(frame[column])
    assert frame["pfs_event"].dtype == bool


def test_input_tables_are_not_modified(tables):
    tp = tables.timepoints({"p1": [(56, "PR"), (112, "PD")]})
    pt = tables.patients(p1={"death_date": tables.day(200)})
    before = (tp.copy(), pt.copy())
    summarise_patients(tp, pt, Criteria(confirmation=True))
    pd.testing.assert_frame_equal(tp, before[0])
    pd.testing.assert_frame_equal(pt, before[1])


def test_unsorted_time_points_are_ordered_by_date(tables):
    tp = tables.timepoints({"p1": [(56, "SD"), (112, "PD")], "p0": [(56, "PR")]})
    shuffled = tp.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(summarise_patients(shuffled, None),
                                  summarise_patients(tp, None))


def test_new_therapy_before_any_adequate_assessment(tables):
    row = one(tables, [(56, "NE"), (112, "PD")], new_therapy_date=tables.day(80))
    assert not row["pfs_event"] and row["pfs_date"] == ts(tables.START)
    assert row["censor_reason"] == ("new anticancer therapy on 2024-03-21 before progression "
                                    "and before any adequate assessment: censored at start "
                                    "date 2024-01-01")


def test_duration_of_response_censored_at_new_therapy(tables):
    row = one(tables, [(56, "PR"), (112, "PR"), (168, "PD")], new_therapy_date=tables.day(140))
    assert row["response_date"] == ts(tables.day(56))
    assert row["dor_days"] == 57  # 2024-02-26 .. 2024-04-22, the last assessment before it


def test_non_target_only_patient_unconfirmed_cr_in_summary(tables):
    """No target lesions (target response NA): an unconfirmed CR is NON-CR/NON-PD."""
    tp = tables.timepoints({"p1": [(56, "NON-CR/NON-PD"), (84, "CR")]},
                           targets={"p1": ["NA", "NA"]})
    frame = summarise_patients(tp, tables.patients(p1={}), Criteria(confirmation=True))
    assert (frame.loc[0, "bor"], frame.loc[0, "confirmed_bor"]) == ("CR", "NON-CR/NON-PD")
    assert frame.loc[0, "bor_date"] == ts(tables.day(84))
