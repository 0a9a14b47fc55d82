"""Rule-book discrepancies found in C1's files (recist/sums.py, timepoints.py, respond.py).

Each test states the rule book's answer and is marked ``xfail(strict=True)`` until the
owner fixes the code (then the marker must go). See the engine review report.
"""

from __future__ import annotations

import pytest

from recist.respond import respond

from .conftest import iso, patient, patients_table

B = "2024-01-01"


@pytest.mark.xfail(strict=True, reason=(
    "DEC-20: a PD time point takes the earliest scan date among the rows *documenting* the "
    "progression; recist/sums.py target_first_ns takes the minimum over every target row, "
    "including not_evaluated ones, so a partial-sum PD (NE-2a) is dated by the scan of a "
    "target that was not evaluated (2024-03-10 instead of 2024-03-25)"))
def test_dec_20_partial_sum_pd_not_dated_by_unevaluated_target():
    visits = [(B, "T1 20", "T2 20", "T3 10"),
              ("2024-03-25", "T1 40", "T2 40", "T3 not_evaluated @2024-03-10")]
    result = respond(patient(*visits), patients_table(B))
    tp = result.timepoints
    assert tp["overall_response"].iloc[1] == "PD"
    assert iso(tp["date"].iloc[1]) == "2024-03-25"
    assert iso(result.patient_summary["pd_date"].iloc[0]) == "2024-03-25"


@pytest.mark.xfail(strict=True, reason=(
    "DEC-13 reasons: the back-dated time point's reasons say both 'equivocal new lesion(s) "
    "not counted as PD (NEW-3, DEC-14)' and 'overall PD (NEW-3, DEC-13)'; the DEC-14 "
    "sentence should be left out when the lesion is later confirmed "
    "(recist/timepoints.py _reasons)"))
def test_dec_13_backdated_reasons_do_not_say_not_pd():
    visits = [(B, "T1 50"), ("2024-02-12", "T1 50", "NEW1 equivocal"),
              ("2024-03-25", "T1 50", "NEW1 unequivocal")]
    reasons = respond(patient(*visits), patients_table(B)).timepoints["reasons"].iloc[1]
    assert "first seen here, confirmed on 2024-03-25" in reasons
    assert "not counted as PD" not in reasons
