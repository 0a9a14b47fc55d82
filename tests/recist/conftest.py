"""Fixtures shared by the tests of several ``recist`` modules: hand-built time point and
patients tables (BOR, continuing response, endpoints, patient summary) and small
response tables (ADaM, plots)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from support.timepoint_tables import START, day, patients_table, timepoints_table
from support.trial_tables import PATIENTS_CSV, SUMMARY_CSV, TIMEPOINTS_CSV, frame


@pytest.fixture
def tables() -> SimpleNamespace:
    """The builders of ``support.timepoint_tables``, for tests."""
    return SimpleNamespace(START=START, day=day, timepoints=timepoints_table,
                           patients=patients_table)


@pytest.fixture
def timepoints() -> pd.DataFrame:
    return frame(TIMEPOINTS_CSV)


@pytest.fixture
def patient_summary() -> pd.DataFrame:
    return frame(SUMMARY_CSV)


@pytest.fixture
def patients() -> pd.DataFrame:
    return frame(PATIENTS_CSV)
