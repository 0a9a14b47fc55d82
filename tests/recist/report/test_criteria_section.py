"""The cohort-page section "Robustness and other criteria" (recist.report.criteria_section)
on a small cohort whose calls are known: P1 is PD by 0.41 mm (25 -> 30.4 mm), P2 a PR
exactly at the threshold (20 -> 14 mm, -30 %: 0.01 mm more is SD) whose WHO call
(products 400 -> 280 mm², -30 %) is SD."""

from __future__ import annotations

import pandas as pd

from recist.criteria import RECIST_1_1
from recist.pipeline.response_criteria import extend_result
from recist.report.cohort import render_cohort_html
from recist.report.criteria_section import CRITERIA_SECTION
from recist.response import respond
from recist.table import normalise_measurements


def _measurements() -> pd.DataFrame:
    rows = [("P1", "2024-01-02", "BL", 25.0, 15.0), ("P1", "2024-03-01", "W8", 30.4, 15.0),
            ("P2", "2024-01-02", "BL", 20.0, 20.0), ("P2", "2024-03-01", "W8", 14.0, 20.0)]
    frame = pd.DataFrame(rows, columns=["patient_id", "date", "visit", "ld_mm", "sa_mm"])
    return normalise_measurements(frame.assign(lesion_id="T1", kind="target", organ="lung",
                                               nodal=False, status="measured"))


def _section(**options) -> str:
    measurements = _measurements()
    result = respond(measurements, None, RECIST_1_1)
    extended = extend_result(result, measurements, None, **options)
    page = render_cohort_html(measurements, extended.result.timepoints,
                              extended.result.patient_summary, sections=[],
                              extra_sections=[CRITERIA_SECTION], extras={"criteria": extended})
    start = page.index('<section id="criteria">')
    return page[start:page.index("</section>", start)]


def test_section_says_how_robust_each_response_is_and_why_criteria_differ():
    section = _section(criteria_names=("recist1.1", "who"), uncertainty=True)
    assert "How robust each patient&#x27;s response is" in section or \
        "How robust each patient's response is" in section
    assert "PD by 0.41 mm: within measurement error" in section
    assert "Fragile time points (2)" in section
    assert "PR, 0.01 mm from target SD: within measurement error" in section
    assert "Best response under each criterion" in section
    assert "Why they differ (2 time points)" in section  # P1: 456 mm² is +21.6 % (WHO SD)
    assert "who: target SD (WHO-2, WHO-3)" in section
    assert section.count("<figure") == 2  # margins and agreement


def test_section_left_out_without_extras():
    measurements = _measurements()
    result = respond(measurements, None, RECIST_1_1)
    page = render_cohort_html(measurements, result.timepoints, result.patient_summary,
                              sections=[], extra_sections=[CRITERIA_SECTION])
    assert 'id="criteria"' not in page
