"""Dates with a timezone are refused wherever a table enters (measurements, patients, a
plain frame given to ``respond``), never moved to another day without a word."""

import pandas as pd
import pytest

from recist.errors import RecistDataError
from recist.patients import normalise_patients
from recist.response import respond
from recist.table import normalise_measurements


def _paris_scans() -> pd.DataFrame:
    """Baseline and week 8 just after midnight in Paris: the day before in UTC."""
    return pd.DataFrame({
        "patient_id": ["P1", "P1"],
        "date": pd.to_datetime(["2024-01-05 00:30", "2024-03-01 00:30"]).tz_localize(
            "Europe/Paris"),
        "visit": ["BL", "W8"], "lesion_id": ["T1", "T1"], "kind": ["target", "target"],
        "organ": ["lung", "lung"], "nodal": [False, False], "ld_mm": [20.0, 13.0],
        "sa_mm": [None, None], "status": ["measured", "measured"]})


@pytest.mark.parametrize("enter", [normalise_measurements, respond])
def test_measurement_dates_with_a_timezone_are_refused(enter):
    # before: respond() on a plain frame assessed week 8 as 2024-02-29 (its UTC day)
    with pytest.raises(RecistDataError, match=r"^measurements: column date holds times "
                                              r"with a timezone \(Europe/Paris\)"):
        enter(_paris_scans())


def test_patient_dates_with_a_timezone_are_refused():
    # before: pandas' TypeError from astype, a traceback
    patients = pd.DataFrame({"patient_id": ["P1"], "start_date": pd.to_datetime(
        ["2024-01-06"]).tz_localize("UTC")})
    with pytest.raises(RecistDataError, match=r"^patients: column start_date holds times "
                                              r"with a timezone \(UTC\)"):
        normalise_patients(patients)


def test_the_same_days_without_a_timezone_are_assessed():
    scans = _paris_scans()
    scans["date"] = scans["date"].dt.tz_localize(None).dt.normalize()
    dates = respond(normalise_measurements(scans)).timepoints["date"]
    assert dates.dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-03-01"]
