"""Golden patient summaries (BOR, confirmation, PD date, PFS, DoR) per rule id.

Every patient starts treatment on 2024-01-01 (the baseline scan date unless a case says
otherwise); follow-ups at day 42 (D1), 84 (D2), 126 (D3), 168 (D4), or earlier (E28 =
day 28, E35, E41). Durations are ``end - start + 1`` days (TTE-10). Each expected value
was worked out by hand from docs/rules.md; dates are compared exactly.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from recist.criteria import Criteria
from recist.endpoints import time_to_response_days
from recist.response import respond

from support.review_patients import iso, patient, patients_table
from support.summary_cases import CASES, D1, D2, D3, PR_, B


@pytest.mark.parametrize("case_id, visits, options, dates, expected", CASES,
                         ids=[c[0] for c in CASES])
def test_golden_summary(case_id, visits, options, dates, expected):
    dates = dict(dates)
    start = dates.pop("start", B)
    result = respond(patient(*visits), patients_table(start, **dates), Criteria(**options))
    summary = result.patient_summary
    assert len(summary) == 1
    row = summary.iloc[0]
    for column, value in expected.items():
        got = row[column]
        if column.endswith("_date"):
            assert iso(got) == value, column
        elif value is None:
            assert got is None or pd.isna(got), (column, got)
        elif column in ("pfs_days", "dor_days"):
            assert int(got) == value, column
        elif column == "pfs_event":
            assert bool(got) is value, column
        else:
            assert got == value, column


def test_tte_9_time_to_response_from_start_date():
    """TTE-9 [SAP]: start_date to the first CR/PR date (first of the confirmed pair)."""
    result = respond(patient((B, "T1 50"), (D1, "T1 40"), (D2, PR_), (D3, PR_)),
                     patients_table(B), Criteria(confirmation=True))
    response_date = result.patient_summary["response_date"].iloc[0].date()
    assert time_to_response_days(date(2024, 1, 1), response_date) == 85  # D2 is day 84
