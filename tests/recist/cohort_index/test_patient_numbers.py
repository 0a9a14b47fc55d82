"""Patients numbered by their first row, whether or not they first appear in the order
of their ids (the shortcut of a table sorted by patient)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.cohort_index import CohortIndex


def _table(ids: list[str | None], dtype: object = object) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({
        "patient_id": pd.Series(ids, dtype=dtype),
        "date": pd.to_datetime("2024-01-01") + pd.to_timedelta(np.arange(n) % 3, "D"),
        "lesion_id": [f"L{i % 2}" for i in range(n)]})


@pytest.mark.parametrize("ids", [
    ["A", "A", "B", "C", "B", "A"],           # first seen in id order
    ["B", "A", "B", "C"],                     # not
    ["A", "C", "B", "A"],                     # a jump: C before B
    ["A", None, "B", "A"],                    # a missing id
    ["A", "B", "B", "A", "C", "C", "B"],
])
@pytest.mark.parametrize("dtype", [object, "category"])
def test_patient_code_numbers_patients_by_first_row(ids, dtype):
    encoding = CohortIndex(_table(ids, dtype))
    expected = pd.factorize(pd.Series(ids, dtype=object), use_na_sentinel=False)[0]
    assert encoding.patient_code.tolist() == expected.tolist()


def test_an_unused_category_is_no_patient_of_the_table():
    ids = pd.Categorical(["A", "C", "C"], categories=["A", "B", "C"])
    table = _table(list(ids.astype(object))).assign(patient_id=ids)
    assert CohortIndex(table).patient_code.tolist() == [0, 1, 1]
