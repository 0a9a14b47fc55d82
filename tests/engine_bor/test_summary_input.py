"""patient_summary input validation and cohort scale."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from recist.criteria import Criteria
from recist.errors import RecistDataError
from recist.patient_summary import summarise_patients


def test_missing_timepoint_columns(tables):
    tp = tables.timepoints({"p1": [(56, "SD")]}).drop(columns=["overall_response"])
    with pytest.raises(RecistDataError, match="missing column\\(s\\) overall_response"):
        summarise_patients(tp)


def test_unknown_overall_response_names_patient_and_date(tables):
    tp = tables.timepoints({"p1": [(56, "SD"), (112, "iUPD")]})
    with pytest.raises(RecistDataError, match="patient_id p1, date 2024-04-22: "
                                              "overall_response 'IUPD' is not one of"):
        summarise_patients(tp)


def test_lower_case_and_padded_labels_are_accepted(tables):
    tp = tables.timepoints({"p1": [(56, "SD"), (112, "PD")]})
    tp["overall_response"] = tp["overall_response"].map(
        lambda v: None if v is None else f" {v.lower()} ")
    assert summarise_patients(tp).loc[0, "bor"] == "SD"


def test_missing_date_is_refused(tables):
    tp = tables.timepoints({"p1": [(56, "SD")]})
    tp.loc[1, "date"] = pd.NaT
    with pytest.raises(RecistDataError, match="patient_id p1: date .* missing or not a date"):
        summarise_patients(tp)


def _cohort(n_patients: int, n_visits: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.repeat([f"P{i:05d}" for i in range(n_patients)], n_visits + 1)
    offsets = np.tile(np.arange(n_visits + 1) * 56 - 7, n_patients)
    dates = np.datetime64("2024-01-01") + offsets.astype("timedelta64[D]")
    responses = rng.choice(["CR", "PR", "SD", "PD", "NE"], len(ids)).astype(object)
    responses[:: n_visits + 1] = None
    return pd.DataFrame({"patient_id": ids, "date": dates.astype("datetime64[ns]"),
                         "target_response": responses, "overall_response": responses})


def test_twenty_thousand_patients_without_per_patient_frames():
    """DESIGN scale: 200,000 time points / 20,000 patients in about a second.

    The bound is generous (shared 2-core CI); a per-patient groupby-apply takes far longer.
    """
    tp = _cohort(20_000, 9)
    began = time.perf_counter()
    summary = summarise_patients(tp, None, Criteria(confirmation=True))
    elapsed = time.perf_counter() - began
    assert len(summary) == 20_000
    assert elapsed < 10.0, f"summarise_patients took {elapsed:.1f} s for 20,000 patients"
