"""Rows of one lesion at one time point that repeat each other (DEC-18, SUM-5):
``recist.checks_duplicates`` through ``recist.checks.run_input_checks``."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from recist.checks import run_input_checks
from recist.errors import RecistDataError
from recist.findings import Severity, raise_for_errors
from recist.response import respond

from support.baseline_tables import table

BASE = {"lesion_id": "T1", "ld_mm": 20.0, "date": "2024-01-10"}
FU = {"lesion_id": "T1", "ld_mm": 13.0, "date": "2024-03-10"}


def _found(*rows):
    return [(f.code, f.severity, f.lesion_id, f.date)
            for f in run_input_checks(table(*rows), include_selection=False)
            if f.code in ("duplicate-row", "equal-fragments", "repeated-row")]


def test_a_target_row_written_twice_is_refused():
    # 20 mm -> 13 mm is a PR (-35 %); the follow-up row written twice would be added as
    # two fragments, 26 mm: +30 % and +6 mm over the nadir, a PD (TGT-PD).
    rows = (BASE, FU, FU)
    assert _found(*rows) == [("duplicate-row", Severity.ERROR, "T1", "2024-03-10")]
    with pytest.raises(RecistDataError, match=r"lesion T1: 2 rows of this target are "
                                              r"identical in every column"):
        raise_for_errors(run_input_checks(table(*rows), include_selection=False))


def test_three_copies_counted_in_the_message():
    found = run_input_checks(table(BASE, FU, FU, FU), include_selection=False)
    assert [f.message for f in found if f.code == "duplicate-row"] == [
        "patient P1, 2024-03-10, lesion T1: 3 rows of this target are identical in every "
        "column; added as fragments of a split lesion (SUM-5) they would count it twice — "
        "delete the copy, or tell true fragments of equal size apart in another column "
        "(e.g. a note)"]


def test_equal_fragments_told_apart_are_accepted_with_a_warning():
    rows = (BASE, {**FU, "note": "upper"}, {**FU, "note": "lower"})
    assert _found(*rows) == [("equal-fragments", Severity.WARNING, "T1", "2024-03-10")]
    found = [f for f in run_input_checks(table(*rows), include_selection=False)
             if f.code == "equal-fragments"]
    assert "told apart by note" in found[0].message


def test_fragments_of_different_sizes_are_no_finding():
    assert _found(BASE, {**FU, "ld_mm": 8.0}, {**FU, "ld_mm": 5.0}) == []


def test_same_rows_at_different_time_points_are_no_finding():
    assert _found(BASE, {**BASE, "date": "2024-03-10"}) == []


def test_a_non_target_row_written_twice_counts_once_with_a_warning():
    nt = {"lesion_id": "NT1", "kind": "non-target", "status": "present", "ld_mm": None}
    rows = (BASE, {**nt, "date": "2024-01-10"}, FU, {**nt, "date": "2024-03-10"},
            {**nt, "date": "2024-03-10"})
    assert _found(*rows) == [("repeated-row", Severity.WARNING, "NT1", "2024-03-10")]


# Target rows whose status adds 0 mm cannot double the sum (SUM-4, SUM-6, SUM-7): repeated,
# they are accepted with a warning, and the response is that of one row.
T2_BASE = {"lesion_id": "T2", "ld_mm": 30.0, "date": "2024-01-10"}
T2_FU = {"lesion_id": "T2", "ld_mm": 20.0, "date": "2024-03-10"}


@pytest.mark.parametrize(("status", "target_response", "sum_mm"), [
    ("absent", "PR", 20.0),       # T1 0 mm once: 20 of 50 mm, -60 %
    ("merged", "PR", 20.0),
    ("not_evaluated", "NE", None),  # one not-evaluated target: no evaluable sum (SUM-7)
])
def test_repeated_zero_mm_target_rows_warn_and_count_once(status, target_response, sum_mm):
    fu = {"lesion_id": "T1", "status": status, "ld_mm": None, "date": "2024-03-10"}
    once = (BASE, T2_BASE, fu, T2_FU)
    twice = (*once, fu)
    assert _found(*twice) == [("repeated-row", Severity.WARNING, "T1", "2024-03-10")]
    message = [f.message for f in run_input_checks(table(*twice), include_selection=False)
               if f.code == "repeated-row"][0]
    assert f"2 rows of this target at one time point with the same status ({status})" in message
    assert "adds 0 mm to the sum, so the lesion counts once" in message
    assert ("no evaluable sum" in message) == (status == "not_evaluated")
    result_once, result_twice = respond(table(*once)), respond(table(*twice))
    follow_up = result_twice.timepoints.iloc[1]
    assert follow_up["target_response"] == target_response
    assert (pd.isna(follow_up["sum_mm"]) if sum_mm is None else follow_up["sum_mm"] == sum_mm)
    assert_frame_equal(result_twice.timepoints, result_once.timepoints)


def test_two_identical_too_small_rows_are_refused():
    # too_small counts 5 mm each (SUM-4): two copies would add 10 mm
    fu = {"lesion_id": "T1", "status": "too_small", "ld_mm": None, "date": "2024-03-10"}
    assert _found(BASE, fu, fu) == [("duplicate-row", Severity.ERROR, "T1", "2024-03-10")]


def _messages(*rows):
    return [f.message for f in run_input_checks(table(*rows), include_selection=False)
            if f.code == "duplicate-row"]


def test_two_sets_of_copies_are_counted_as_sets():
    # a, a, b, b: equal diameters, told apart by a note between the sets only
    a, b = {**FU, "visit": "V2", "note": "a"}, {**FU, "visit": "V2", "note": "b"}
    base = {**BASE, "visit": "V1"}
    assert _messages(base, a, a, b, b) == [
        "patient P1, 2024-03-10 (visit V2), lesion T1: 2 sets of rows of this target (4 rows) "
        "are, set by set, identical in every column; added as fragments of a split lesion "
        "(SUM-5) they would count it twice — delete the copy, or tell true fragments of "
        "equal size apart in another column (e.g. a note)"]


def test_rows_differing_only_in_date_are_refused_as_a_copy():
    # one visit, the copy with a mistyped date: not two fragments (one scan), refused
    base, fu = {**BASE, "visit": "V1"}, {**FU, "visit": "V2"}
    rows = (base, fu, {**fu, "date": "2024-03-11"})
    assert _found(*rows) == [("duplicate-row", Severity.ERROR, "T1", "2024-03-10")]
    assert "identical in every column but the date (2024-03-10, 2024-03-11)" in (
        _messages(*rows)[0])
    # told apart by a note as well, they are fragments (with the warning)
    rows = (base, {**fu, "note": "upper"}, {**fu, "date": "2024-03-11", "note": "lower"})
    assert _found(*rows) == [("equal-fragments", Severity.WARNING, "T1", "2024-03-10")]


def test_the_criteria_decide_whether_too_small_copies_add_to_the_sum():
    # Two identical too_small rows count 5 mm each under RECIST 1.1 (SUM-4): refused. A
    # criteria set counting too_small as 0 mm makes the copies add nothing: a warning.
    from dataclasses import replace

    from recist.criteria import RECIST_1_1

    rows = (BASE, {**FU, "status": "too_small", "ld_mm": None},
            {**FU, "status": "too_small", "ld_mm": None})
    codes = [f.code for f in run_input_checks(table(*rows), include_selection=False)]
    assert "duplicate-row" in codes
    zero = replace(RECIST_1_1, too_small_mm=0.0)
    codes = [f.code for f in run_input_checks(table(*rows), zero, include_selection=False)]
    assert "duplicate-row" not in codes and "repeated-row" in codes
