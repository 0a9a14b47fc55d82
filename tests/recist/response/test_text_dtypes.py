"""``respond`` gives the same answers whatever pandas dtype holds the table's text.

``recist.table.normalise_measurements`` returns text as ``string[python]`` today; a table
holding it as Python objects, ``string[pyarrow]`` or categoricals (as a faster reader may
give) is encoded by other routes (``recist.cohort_index.text_codes``). The time points,
the patient summary and the findings must not change. Cohort: the benchmark generator's,
60 patients (equivocal new lesions confirmed later, missing targets, PD by new lesions).
"""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from recist.criteria import RECIST_1_1
from recist.findings import findings_frame
from recist.patients import normalise_patients
from recist.response import respond
from recist.table import normalise_measurements
from recist.timepoints import assess_timepoints

from support.paths import REPO

CRITERIA = RECIST_1_1.replace(confirmation=True)
TEXT = ("patient_id", "visit", "lesion_id", "kind", "status", "organ")


@pytest.fixture(scope="module")
def cohort():
    spec = importlib.util.spec_from_file_location(
        "respond_cohort_dtypes", REPO / "benchmarks" / "respond_cohort.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    raw, patients = module.make_cohort(60, seed=77)
    measurements = normalise_measurements(raw)
    return measurements, normalise_patients(patients), respond(measurements, patients,
                                                               CRITERIA)


def _with_text_as(measurements: pd.DataFrame, dtype: str) -> pd.DataFrame:
    return measurements.assign(**{c: measurements[c].astype(dtype) for c in TEXT})


@pytest.mark.parametrize("dtype", ["object", "string[pyarrow]"])
def test_respond(cohort, dtype):
    measurements, patients, expected = cohort
    result = respond(_with_text_as(measurements, dtype), patients, CRITERIA)
    pd.testing.assert_frame_equal(result.timepoints, expected.timepoints)
    pd.testing.assert_frame_equal(result.patient_summary, expected.patient_summary)
    pd.testing.assert_frame_equal(findings_frame(result.findings),
                                  findings_frame(expected.findings))


@pytest.mark.parametrize("dtype", ["object", "string[pyarrow]", "category"])
def test_assessment(cohort, dtype):
    measurements, _, expected = cohort
    pd.testing.assert_frame_equal(
        assess_timepoints(_with_text_as(measurements, dtype), CRITERIA),
        assess_timepoints(measurements, CRITERIA))
