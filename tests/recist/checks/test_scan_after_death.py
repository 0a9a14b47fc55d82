"""A scan dated after the patient's death is an impossible date: respond refuses it."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from recist.errors import RecistDataError
from recist.patients import normalise_patients
from recist.response import respond
from recist.table import normalise_measurements

MEASUREMENTS = pd.DataFrame({
    "patient_id": ["P1", "P1", "P2", "P2"],
    "date": ["2024-01-08", "2024-05-06", "2024-01-08", "2024-03-04"],
    "lesion_id": ["T1"] * 4,
    "kind": ["target"] * 4,
    "organ": ["lung"] * 4,
    "ld_mm": ["20", "22", "30", "31"],
    "status": ["measured"] * 4,
})
PATIENTS = pd.DataFrame({
    "patient_id": ["P1", "P2"],
    "start_date": ["2024-01-15", "2024-01-15"],
    "death_date": ["2024-04-01", "2024-03-04"],
})


def test_scan_after_death_is_refused_naming_patient_date_lesion_and_death_date():
    with pytest.raises(RecistDataError) as raised:
        respond(normalise_measurements(MEASUREMENTS), normalise_patients(PATIENTS))
    assert str(raised.value) == (
        "patient P1, 2024-05-06, lesion T1: scan dated after the death date 2024-04-01 in "
        "the patients table; correct the scan date or the death date")
    assert [f.code for f in raised.value.findings] == ["scan-after-death"]


def test_scan_on_the_day_of_death_is_accepted():
    patients = PATIENTS.assign(death_date=["2024-05-06", "2024-03-04"])
    result = respond(normalise_measurements(MEASUREMENTS), normalise_patients(patients))
    assert "scan-after-death" not in {f.code for f in result.findings}


def test_cli_exits_2_with_one_line(tmp_path):
    MEASUREMENTS.to_csv(tmp_path / "m.csv", index=False)
    PATIENTS.to_csv(tmp_path / "p.csv", index=False)
    run = subprocess.run(
        [sys.executable, "-m", "recist", "respond", str(tmp_path / "m.csv"), "--patients",
         str(tmp_path / "p.csv"), "--out", str(tmp_path / "out")],
        check=False, capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "after the death date 2024-04-01" in run.stderr
    assert not (tmp_path / "out").exists()


def test_indexed_table_finds_the_rows_a_plain_table_finds():
    """On an indexed table the death date is looked up once per patient (its encoding),
    a missing patient id as its cell reads ("nan"), as on a plain table row by row."""
    from recist._checks_support import indexed
    from recist.checks import check_scans_after_death

    measurements = normalise_measurements(MEASUREMENTS).astype({"patient_id": object})
    measurements.loc[3, "patient_id"] = float("nan")
    patients = normalise_patients(PATIENTS).astype({"patient_id": object})
    patients.loc[1, ["patient_id", "death_date"]] = ["nan", pd.Timestamp("2024-02-01")]
    found = [(f.patient_id, f.date) for f in check_scans_after_death(
        indexed(measurements), patients)]
    assert found == [("P1", "2024-05-06"), ("nan", "2024-03-04")] == [
        (f.patient_id, f.date) for f in check_scans_after_death(measurements, patients)]
