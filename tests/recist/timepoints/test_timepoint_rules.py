"""Golden time point responses, one hand-checked patient per rule of docs/rules.md.

Each case (``support.timepoint_cases``) is a patient (see ``support.review_patients``),
the expected labels of every follow-up time point as ``"target nontarget new overall"``,
and optionally the expected sums, nadirs, percentages and dates of every time point
(baseline first). Everything goes through ``recist.response.respond`` with a patients
table whose start_date is the baseline date. Sums are compared with an absolute tolerance
of 0.005 mm (they are rounded to 0.01 mm, DEC-22); categories and dates exactly.
"""

from __future__ import annotations

import math

import pytest

from recist.criteria import Criteria
from recist.response import respond

from support.review_patients import iso, patient, patients_table
from support.timepoint_cases import CASES, D1, B

TOL_MM = 0.005  # sums are rounded to 0.01 mm (DEC-22)


def _labels(row) -> str:
    return " ".join(str(row[c]) for c in ("target_response", "nontarget_response",
                                          "new_lesions", "overall_response"))


@pytest.mark.parametrize("case_id, visits, labels, extra, options",
                         CASES, ids=[c[0] for c in CASES])
def test_golden_timepoints(case_id, visits, labels, extra, options):
    result = respond(patient(*visits), patients_table(B), Criteria(**options))
    tp = result.timepoints
    assert len(tp) == len(visits)
    assert tp["reasons"].iloc[0] == "baseline"
    assert [_labels(r) for _, r in tp.iloc[1:].iterrows()] == labels
    for column, expected in extra.items():
        got = tp[column].tolist()
        if column == "date":
            assert [iso(v) for v in got] == expected, column
            continue
        assert len(got) == len(expected), column
        for g, e in zip(got, expected):
            if isinstance(e, float) and math.isnan(e):
                assert math.isnan(g), (column, got)
            else:
                assert g == pytest.approx(e, abs=TOL_MM), (column, got)


def test_default_dates_are_latest_scan_of_each_visit():
    """DEC-20 default: each non-PD time point is dated by its latest scan."""
    tp = respond(patient((B, "T1 50"), (D1, "T1 40")), patients_table(B)).timepoints
    assert [iso(v) for v in tp["date"]] == [B, D1]
