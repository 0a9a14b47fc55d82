"""The summary of a time point table read through its ``TimepointCodes`` (as
``recist.response.respond`` passes them) equals the summary read from its texts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.criteria import RECIST_1_1
from recist.patient_summary import summarise_patients_with_findings
from recist.patients import normalise_patients
from recist.response import new_therapy_cutoffs
from recist.table import normalise_measurements
from recist.timepoints import TimepointCodes, assess_timepoints_with_findings

from support.benchmark_cohort import make_cohort


def _cohort():
    raw, patients = make_cohort(120, seed=77)
    patients = patients.copy()
    # new therapies cut some patients' time points (DEC-17: the per-patient path)
    later = pd.to_datetime(patients["start_date"]) + pd.Timedelta(days=200)
    patients["new_therapy_date"] = later.dt.strftime("%Y-%m-%d").where(
        np.arange(len(patients)) % 7 == 0)
    return normalise_measurements(raw), normalise_patients(patients)


@pytest.mark.parametrize("confirmation", [True, False])
def test_the_codes_give_the_summary_of_the_texts(confirmation):
    measurements, patients = _cohort()
    criteria = RECIST_1_1.replace(confirmation=confirmation)
    coded: list[TimepointCodes] = []
    timepoints, _ = assess_timepoints_with_findings(
        measurements, criteria, new_therapy_cutoffs(patients, criteria), coded=coded)
    (codes,) = coded
    assert len(codes.patient) == len(codes.overall) == len(codes.target) == len(timepoints)
    assert set(timepoints["overall_response"].dropna()) >= {"CR", "PR", "SD", "PD"}
    read = summarise_patients_with_findings(timepoints, patients, criteria, normalised=True,
                                            codes=codes)
    expected = summarise_patients_with_findings(timepoints, patients, criteria,
                                                normalised=True)
    pd.testing.assert_frame_equal(read[0], expected[0])
    assert read[1] == expected[1]
    assert (expected[0]["pfs_date"] != read[0]["bor_date"]).any()  # not a trivial table


def test_ids_not_clean_are_read_from_the_texts():
    timepoints = pd.DataFrame({
        "patient_id": [" P1", " P1", "P0", "P0"],
        "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-02", "2024-03-02"]),
        "overall_response": [None, "PR", None, "PD"],
        "target_response": [None, "PR", None, "PD"]})
    codes = TimepointCodes(np.array([0, 0, 1, 1]), np.array([" P1", "P0"], dtype=object),
                           np.array([-1, 1, -1, 4]), np.array([-1, 1, -1, 3]))
    read = summarise_patients_with_findings(timepoints, None, RECIST_1_1, codes=codes)[0]
    assert read["patient_id"].tolist() == ["P0", "P1"]  # stripped and sorted, as the texts
    assert read["bor"].tolist() == ["PD", "PR"]
