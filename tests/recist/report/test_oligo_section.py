"""The cohort-page section of follow-up after local treatment, on the hand-checked cohort
of ``support.oligo_cohort`` (numbers worked out in tests/recist/oligo/test_endpoints.py)."""

from __future__ import annotations

import re

import pandas as pd

from recist.criteria import RECIST_1_1
from recist.patients import normalise_patients
from recist.pipeline.oligo import respond_oligo
from recist.report.cohort import render_cohort_html
from recist.report.oligo_section import OLIGO_SECTION
from recist.report.sections import CohortContext
from recist.table import normalise_measurements

from support.oligo_cohort import MEASUREMENTS_CSV, PATIENTS_CSV, THERAPIES_CSV, csv


def _page() -> str:
    measurements = normalise_measurements(csv(MEASUREMENTS_CSV))
    patients = normalise_patients(csv(PATIENTS_CSV))
    result, oligo = respond_oligo(measurements, patients, RECIST_1_1,
                                  therapies=csv(THERAPIES_CSV))
    return render_cohort_html(measurements, result.timepoints, result.patient_summary,
                              patients=patients, extra_sections=[OLIGO_SECTION],
                              extras={"oligo": oligo})


def test_section_shows_endpoints_local_control_figures_and_patients():
    page = _page()
    section = page[page.index('<section id="oligo">'):]
    section = section[:section.index("</section>")]
    assert "Systemic-therapy-free survival" in section
    # local control at 1 year 2/5 = 40.00 %, 3 local failures, 1 death first
    row = re.search(r"<tr><td>1 year</td>(.*?)</tr>", section).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["6", "3", "1", "60.00", "40.00"]
    assert section.count("<figure") == 2  # cumulative incidence and the swimmer
    assert "2024-01-15 sbrt T1+T2; 2024-10-20 rfa T1+NEW1" in section
    assert "local+intrapulmonary" in section
    assert page.index('id="oligo"') < page.index('id="findings"')


def test_section_left_out_without_the_follow_up():
    empty = pd.DataFrame()
    context = CohortContext(measurements=empty, timepoints=empty, patient_summary=empty)
    assert OLIGO_SECTION.build(context) == ""
