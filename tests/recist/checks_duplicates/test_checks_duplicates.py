"""Rows of one lesion at one time point that repeat each other (DEC-18, SUM-5):
``recist.checks_duplicates`` through ``recist.checks.run_input_checks``."""

from __future__ import annotations

import pytest

from recist.checks import run_input_checks
from recist.errors import RecistDataError
from recist.findings import Severity, raise_for_errors

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
