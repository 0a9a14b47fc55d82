"""Findings name a row's visit as its time point does: the cleaned label
(``recist.cohort_index.visit_label``), whichever way the finding is built."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist._checks_support import (
    decoded,
    finding,
    findings_at,
    findings_at_rows,
    indexed,
    iso,
    iso_dates,
)
from recist.baseline_rules import timepoint_index
from recist.checks import check_dates, check_new_at_baseline, run_input_checks
from recist.cohort_index import text_codes
from recist.findings import Severity


def _padded() -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": ["P1"] * 4, "lesion_id": ["T1", "N1", "T1", "T1"],
        "kind": ["target", "new", "target", "target"],
        "visit": [" C1 ", "C1", "  C3", "C2 "],
        "date": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-03-01", "2024-05-01"])})


def test_a_padded_visit_is_one_time_point_and_findings_name_it_cleaned():
    table = indexed(_padded())
    assert timepoint_index(table)["timepoint"].tolist() == ["C1", "C1", "C3", "C2"]
    [new] = check_new_at_baseline(_padded())  # row 1 ("C1") shares the time point of " C1 "
    assert (new.visit, new.lesion_id) == ("C1", "N1")
    [order] = check_dates(_padded(), today="2025-01-01")  # C3 before C2
    assert (order.code, order.visit, order.date) == ("visit-order", "C2", "2024-05-01")
    assert "(visit C2): visit C2 is dated after" in order.message


def test_findings_name_the_cleaned_label_however_built():
    table = indexed(_padded())
    texts = [f"text {i}" for i in range(4)]
    by_rows = findings_at_rows(table, [0, 1, 2, 3], "c", "R-1", Severity.WARNING, texts)
    by_frame = findings_at(_padded(), "c", "R-1", Severity.WARNING, texts)
    one_by_one = [finding(r, "c", "R-1", Severity.WARNING, t)
                  for r, t in zip(_padded().to_dict("records"), texts)]
    assert by_rows == by_frame == one_by_one
    assert [f.visit for f in by_rows] == ["C1", "C1", "C3", "C2"]
    assert by_rows[0].message == "patient P1, 2024-01-02 (visit C1), lesion T1: text 0"
    blank = _padded().assign(visit=["  ", None, "", "<NA>"])
    assert [f.visit for f in findings_at(blank, "c", "R-1", Severity.WARNING, "t")] == [None] * 4


@pytest.mark.parametrize("unit", ["ns", "s", "D"])
def test_iso_dates_writes_each_distinct_day_as_iso_does(unit):
    days = np.array(["2024-03-01T10:00", "NaT", "2024-03-01T23:59", "1969-12-31T23:59",
                     "NaT", "2024-02-29", "1970-01-01"], dtype=f"datetime64[{unit}]")
    assert iso_dates(days) == [iso(day) for day in pd.Series(days)]
    assert iso_dates(days)[:3] == ["2024-03-01", None, "2024-03-01"]
    assert iso_dates(days[:0]) == []


def test_decoded_converts_each_distinct_value_at_rows():
    coded = text_codes(pd.Series(["b", None, "a", "b", None]))  # uniques a, b; None: -1
    cells = pd.Series(["b", "x", "a", "b", None])  # the cells a missing code is read from
    calls = []

    def convert(value):
        calls.append(value)
        return None if value is None else f"<{value}>"

    rows = np.array([3, 1, 0, 2, 4, 1])
    assert decoded(coded, rows, convert) == ["<b>", None, "<b>", "<a>", None, None]
    assert sorted(calls, key=str) == [None, "a", "b"]  # once per distinct value
    assert decoded(coded, rows, convert, cells) == ["<b>", "<x>", "<b>", "<a>", None, "<x>"]
    assert decoded(coded, rows[:0], convert) == []


def _two_patients() -> pd.DataFrame:
    """Two patients, one target each, at baseline and week 8."""
    return pd.DataFrame({
        "patient_id": ["P1", "P1", "P2", "P2"],
        "date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-01-08", "2024-03-04"]),
        "visit": ["BASELINE", "WEEK 8", "BASELINE", "WEEK 8"],
        "lesion_id": ["T1"] * 4, "kind": ["target"] * 4, "organ": ["lung"] * 4,
        "nodal": [False] * 4, "ld_mm": [20.0, 15.0, 30.0, 31.0], "sa_mm": [np.nan] * 4,
        "status": ["measured"] * 4, "slice_thickness_mm": [1.25] * 4})


def test_a_copy_of_an_indexed_table_is_indexed_from_its_own_rows():
    # a subset of an indexed table without P1's baseline: its week 8 is now P1's first
    # time point, as in the same rows never indexed. Before, the copy's time point columns
    # were kept (week 8 still "not baseline") while the rest was encoded anew, so the two
    # tables gave different findings (a target "first recorded after baseline").
    whole = indexed(_two_patients())
    subset = pd.DataFrame(whole).iloc[1:].copy()
    fresh = indexed(_two_patients().iloc[1:].copy())
    again = indexed(subset)
    for column in ("timepoint_order", "is_baseline", "timepoint_code", "patient_code",
                   "lesion_code"):
        assert again[column].tolist() == fresh[column].tolist(), column
    assert again["is_baseline"].tolist() == [True, True, False]
    assert ([str(f) for f in run_input_checks(subset)]
            == [str(f) for f in run_input_checks(_two_patients().iloc[1:].copy())])


def _visit_table(visit_dtype: str) -> pd.DataFrame:
    """Two patients whose visits of two patterns go backwards, a patient without labels on
    some rows, and (categorical) visit labels no row uses."""
    frame = pd.DataFrame({
        "patient_id": ["P2", "P2", "P2", "P1", "P1", "P1", "P1", "P3", "P3"],
        "lesion_id": ["T1"] * 9, "kind": ["target"] * 9,
        "visit": ["Week 8", "Week 12", "Week 10", "C1D1", "C2D1", "C1D15", "Unscheduled 1",
                  None, "C3"],
        "date": pd.to_datetime(["2024-01-02", "2024-02-01", "2024-03-01", "2024-01-05",
                                "2024-02-05", "2024-03-05", "2024-04-05", "2024-01-09",
                                "2024-02-09"])})
    if visit_dtype == "category":
        frame["visit"] = pd.Categorical(frame["visit"], categories=[
            "C9", "Week 9", "Week 8", "Week 12", "Week 10", "C1D1", "C2D1", "C1D15",
            "Unscheduled 1", "C3", "Week 1"])
    return frame.iloc[[4, 0, 8, 1, 5, 2, 7, 3, 6]].reset_index(drop=True)


@pytest.mark.parametrize("visit_dtype", ["object", "category"])
def test_visit_order_compares_numbers_within_one_pattern(visit_dtype):
    found = check_dates(_visit_table(visit_dtype), today="2025-01-01")
    assert [(f.code, f.patient_id, f.visit, f.date) for f in found] == [
        ("visit-order", "P1", "C1D15", "2024-03-05"),
        ("visit-order", "P2", "Week 10", "2024-03-01")]


def test_visit_order_of_one_pattern_falls_only_within_a_patient():
    """Visit numbers of one pattern that fall from one patient to the next are no
    finding; a fall within a patient is, at its visit, whichever patient comes first."""
    dates = ["2024-01-02", "2024-03-01", "2024-05-01"]
    rising = {"P2": ["V1", "V2", "V3"], "P1": ["V0", "V1", "V2"]}  # V3 then V0: patients

    def frame(visits: dict[str, list[str]]) -> pd.DataFrame:
        return pd.DataFrame({
            "patient_id": [p for p in visits for _ in dates], "lesion_id": "T1",
            "kind": "target", "visit": [v for p in visits for v in visits[p]],
            "date": pd.to_datetime(dates * len(visits))})

    assert check_dates(frame(rising), today="2025-01-01") == []
    falling = {**rising, "P1": ["V0", "V2", "V1"]}
    found = check_dates(frame(falling), today="2025-01-01")
    assert [(f.code, f.patient_id, f.visit, f.date) for f in found] == [
        ("visit-order", "P1", "V1", "2024-05-01")]


def test_visit_order_of_patients_of_unequal_runs():
    """Every label numbered (all time points compared, none picked out) and patients of
    two and three visits: the fall is found at its own visit and patient."""
    visits = {"P1": ["V1", "V2"], "P2": ["V0", "V2", "V1"], "P3": ["V1"]}
    dates = ["2024-01-02", "2024-03-01", "2024-05-01"]
    table = pd.DataFrame({
        "patient_id": [p for p in visits for _ in visits[p]], "lesion_id": "T1",
        "kind": "target", "visit": [v for p in visits for v in visits[p]],
        "date": pd.to_datetime([d for p in visits for d in dates[:len(visits[p])]])})
    found = check_dates(table, today="2025-01-01")
    assert [(f.code, f.patient_id, f.visit, f.date) for f in found] == [
        ("visit-order", "P2", "V1", "2024-05-01")]


def test_visits_overlap_names_the_later_visit_against_the_one_before():
    """A visit starting before the previous one's last scan, of the same patient only
    (the next patient's first visit starts earlier and is no finding)."""
    table = pd.DataFrame({
        "patient_id": ["P1", "P1", "P1", "P1", "P2", "P2"], "lesion_id": ["T1", "T2"] * 3,
        "kind": "target", "visit": ["V1", "V1", "V2", "V3", "V1", "V2"],
        "date": pd.to_datetime(["2024-01-02", "2024-02-10", "2024-02-01", "2024-04-01",
                                "2024-01-01", "2024-03-01"])})
    found = check_dates(table, today="2025-01-01")
    assert [(f.code, f.patient_id, f.visit, f.message) for f in found] == [
        ("visits-overlap", "P1", "V2", "patient P1, 2024-02-01 (visit V2): visit V2 starts "
         "on 2024-02-01, on or before the last scan of visit V1 (2024-02-10); check the "
         "dates or visit labels")]
