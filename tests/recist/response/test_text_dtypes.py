"""``respond`` gives the same answers whatever pandas dtype holds the table's text.

``recist.table.normalise_measurements`` returns text as sorted categoricals; a table
holding it as Python objects, ``string`` (``string[python]``, what it returned before),
``string[pyarrow]`` or categoricals whose categories are unsorted or unused is encoded by
other routes (``recist.cohort_index.text_codes``). The time points,
the patient summary and the findings must not change. Cohort: the benchmark generator's,
60 patients (equivocal new lesions confirmed later, missing targets, PD by new lesions).
"""

from __future__ import annotations

import pandas as pd
import pytest

from recist.criteria import RECIST_1_1
from recist.findings import findings_frame
from recist.patients import normalise_patients
from recist.response import respond
from recist.table import normalise_measurements
from recist.timepoints import assess_timepoints

from support.benchmark_cohort import make_cohort

CRITERIA = RECIST_1_1.replace(confirmation=True)
TEXT = ("patient_id", "visit", "lesion_id", "kind", "status", "organ")


@pytest.fixture(scope="module")
def cohort():
    raw, patients = make_cohort(60, seed=77)
    # missing cells in the two optional text columns: no organ on every 7th row, no visit
    # label for two patients (their time points are their scan dates)
    raw.loc[raw.index % 7 == 0, "organ"] = None
    raw.loc[raw["patient_id"].isin(["S00003", "S00011"]), "visit"] = ""
    measurements = normalise_measurements(raw)
    return measurements, normalise_patients(patients), respond(measurements, patients,
                                                               CRITERIA)


def _with_text_as(measurements: pd.DataFrame, dtype: str) -> pd.DataFrame:
    if dtype == "category, reversed and unused":
        return measurements.assign(**{c: _reversed_unused(measurements[c]) for c in TEXT})
    return measurements.assign(**{c: measurements[c].astype(dtype) for c in TEXT})


def _reversed_unused(column: pd.Series) -> pd.Series:
    """The column as a categorical whose categories are reversed and include unused ones."""
    texts = column.astype(object)
    categories = sorted({str(v) for v in texts.dropna()} | {"zz-unused", "0-unused"},
                        reverse=True)
    return pd.Series(pd.Categorical(texts, categories=categories), index=column.index)


def test_normalised_text_is_categorical(cohort):
    measurements, _, _ = cohort
    assert all(isinstance(measurements[c].dtype, pd.CategoricalDtype) for c in TEXT)


@pytest.mark.parametrize("dtype", ["object", "string", "string[pyarrow]",
                                   "category, reversed and unused"])
def test_respond(cohort, dtype):
    measurements, patients, expected = cohort
    result = respond(_with_text_as(measurements, dtype), patients, CRITERIA)
    pd.testing.assert_frame_equal(result.timepoints, expected.timepoints)
    pd.testing.assert_frame_equal(result.patient_summary, expected.patient_summary)
    pd.testing.assert_frame_equal(findings_frame(result.findings),
                                  findings_frame(expected.findings))


@pytest.mark.parametrize("dtype", ["object", "string", "string[pyarrow]",
                                   "category, reversed and unused"])
def test_assessment(cohort, dtype):
    measurements, _, expected = cohort
    pd.testing.assert_frame_equal(
        assess_timepoints(_with_text_as(measurements, dtype), CRITERIA),
        assess_timepoints(measurements, CRITERIA))
