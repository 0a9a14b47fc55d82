"""Rule-book discrepancies found in C1's files (recist/sums.py, timepoints.py, respond.py).

Each test states the rule book's answer for a case the first engine got wrong (found by
the engine review; now fixed).
"""

from __future__ import annotations

from recist.response import respond

from support.review_patients import iso, patient, patients_table

B = "2024-01-01"


def test_dec_20_partial_sum_pd_not_dated_by_unevaluated_target():
    visits = [(B, "T1 20", "T2 20", "T3 10"),
              ("2024-03-25", "T1 40", "T2 40", "T3 not_evaluated @2024-03-10")]
    result = respond(patient(*visits), patients_table(B))
    tp = result.timepoints
    assert tp["overall_response"].iloc[1] == "PD"
    assert iso(tp["date"].iloc[1]) == "2024-03-25"
    assert iso(result.patient_summary["pd_date"].iloc[0]) == "2024-03-25"


def test_dec_13_backdated_reasons_do_not_say_not_pd():
    visits = [(B, "T1 50"), ("2024-02-12", "T1 50", "NEW1 equivocal"),
              ("2024-03-25", "T1 50", "NEW1 unequivocal")]
    reasons = respond(patient(*visits), patients_table(B)).timepoints["reasons"].iloc[1]
    assert "first seen here, confirmed on 2024-03-25" in reasons
    assert "not counted as PD" not in reasons
