"""The golden patients give the same results alone and together in one cohort.

Every case of the two golden tables that uses the default criteria and a plain patients
table is run once more as one cohort (patient_id = case id, lesion ids shared between
patients, rows shuffled): each patient's time points and summary must equal those of the
patient alone. This catches state leaking between patients (nadir, baseline, lesion
keys, back-dating, findings).
"""

from __future__ import annotations

import pandas as pd
import pytest

from recist.response import respond
from recist.table import normalise_measurements

from support import summary_cases, timepoint_cases
from support.review_patients import patients_table, raw_table

B = "2024-01-01"


def _plain_cases():
    cases = [(c[0], c[1]) for c in timepoint_cases.CASES if not c[4]]
    cases += [(c[0], c[1]) for c in summary_cases.CASES if not c[2] and not c[3]]
    return cases


@pytest.fixture(scope="module")
def together():
    cases = _plain_cases()
    raw = pd.concat([raw_table(*visits, patient_id=case_id) for case_id, visits in cases],
                    ignore_index=True)
    raw = raw.sample(frac=1.0, random_state=7).reset_index(drop=True)
    patients = pd.concat([patients_table(B, patient_id=case_id) for case_id, _ in cases],
                         ignore_index=True)
    return cases, respond(normalise_measurements(raw), patients)


def test_cohort_equals_patients_alone(together):
    cases, result = together
    assert len(cases) > 60
    for case_id, visits in cases:
        alone = respond(normalise_measurements(raw_table(*visits, patient_id=case_id)),
                        patients_table(B, patient_id=case_id))
        tp = result.timepoints[result.timepoints["patient_id"] == case_id].reset_index(
            drop=True)
        pd.testing.assert_frame_equal(tp, alone.timepoints, check_dtype=False, obj=case_id)
        row = result.patient_summary[result.patient_summary["patient_id"] == case_id]
        pd.testing.assert_frame_equal(row.reset_index(drop=True),
                                      alone.patient_summary.reset_index(drop=True),
                                      check_dtype=False, obj=case_id)
        codes = sorted((f.code, f.lesion_id) for f in result.findings
                       if f.patient_id == case_id)
        assert codes == sorted((f.code, f.lesion_id) for f in alone.findings
                               if f.patient_id == case_id), case_id
