"""The synthetic oligometastatic trial (sample_data/oligo_trial): deterministic, readable
by every table reader, and three patients checked by hand from their rows."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from recist.criteria import RECIST_1_1
from recist.patients import read_patients
from recist.pipeline.baseline import run_baseline
from recist.pipeline.oligo import respond_oligo
from recist.table import read_measurements

from support.paths import SAMPLE_DATA

TRIAL = SAMPLE_DATA / "oligo_trial"
FILES = ("measurements.csv", "patients.csv", "therapies.csv", "lesions.csv")
D = pd.Timestamp


def test_generator_is_deterministic(tmp_path):
    subprocess.run([sys.executable, str(TRIAL / "make_oligo_trial.py"), "--out",
                    str(tmp_path)], check=True, capture_output=True, timeout=120)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (TRIAL / name).read_bytes(), name


@pytest.fixture(scope="module")
def trial():
    measurements = read_measurements(TRIAL / "measurements.csv")
    result, oligo = respond_oligo(measurements, read_patients(TRIAL / "patients.csv"),
                                  RECIST_1_1, lesions=TRIAL / "lesions.csv",
                                  therapies=TRIAL / "therapies.csv")
    return measurements, result, oligo


def test_the_cohort_is_shaped_like_the_trial(trial):
    measurements, result, oligo = trial
    assert len(result.patient_summary) == 40
    baseline = measurements.groupby("patient_id", observed=True)["date"].transform("min") == \
        measurements["date"]
    lung = measurements[baseline].groupby("patient_id", observed=True)["lesion_id"].nunique()
    assert lung.between(1, 5).all()
    events = oligo.pattern.recurrences["pattern"].value_counts()
    assert {"local", "intrapulmonary", "extrapulmonary"} <= set(events.index)
    summary = oligo.patients
    assert summary["n_repeat_local"].sum() > 5
    assert summary["first_systemic_date"].notna().sum() > 5
    assert summary["os_event"].sum() > 3
    assert not oligo.pattern.recurrence_status["oligometastatic"].all()


def test_hand_checked_ol05_local_failure_repeat_treatment_death(trial):
    _, result, oligo = trial
    row = oligo.patients.set_index("patient_id").loc["OL05"]
    # T1 after RFA on 2021-12-27: 9.8, 9.6, 9.3, 8.6, 8.2, 8.2, then 13.7 mm on 2023-09-23:
    # +5.5 mm and +67.1 % over the nadir 8.2 mm → local failure (DEC-24); SBRT 2023-10-13.
    assert (row["first_recurrence_date"], row["first_recurrence_pattern"]) == (
        D("2023-09-23"), "local")
    assert bool(row["first_recurrence_oligometastatic"])  # T1 alone; P1 is controlled
    assert row["n_repeat_local"] == 1
    # start 2021-12-27 → 2023-09-23: 365 + 270 days, + 1; death 2024-02-03: 730 + 38, + 1
    assert (bool(row["pfs_local_event"]), row["pfs_local_days"]) == (True, 636)
    assert (bool(row["stfs_event"]), row["stfs_days"], bool(row["os_event"]),
            row["os_days"]) == (True, 769, True, 769)
    lesion = oligo.lesions.set_index(["patient_id", "lesion_id"]).loc[("OL05", "T1")]
    assert (lesion["ttlf_status"], lesion["ttlf_days"]) == (1, 636)


def test_hand_checked_ol09_reader_called_failure_and_new_lung_lesion(trial):
    _, _, oligo = trial
    row = oligo.patients.set_index("patient_id").loc["OL09"]
    # NT1 recorded progression and NL1 new in the lung on 2023-04-07; FOLFOX 2023-05-05
    assert (row["first_recurrence_pattern"], row["first_systemic_date"]) == (
        "local+intrapulmonary", D("2023-05-05"))
    # 2021-07-14 → 2023-05-05: 730 − 70 days, + 1
    assert (bool(row["stfs_event"]), row["stfs_days"]) == (True, 661)
    assert not bool(row["os_event"])


def test_hand_checked_ol35_extrapulmonary_node_after_surgery(trial):
    _, result, oligo = trial
    row = oligo.patients.set_index("patient_id").loc["OL35"]
    # every lesion resected (absent), a mediastinal node on 2022-02-26: 178 days, + 1
    assert (row["first_recurrence_pattern"], row["pfs_local_days"]) == ("extrapulmonary", 179)
    assert result.patient_summary.set_index("patient_id").loc["OL35", "bor"] == "CR"


def test_meas_10_for_the_lesions_treated_before_baseline():
    run = run_baseline(TRIAL / "measurements.csv", lesions=TRIAL / "lesions.csv")
    treated = run.lesions[run.lesions["lesion_id"] == "P1"]
    assert sorted(treated["patient_id"]) == ["OL05", "OL17", "OL29"]
    by_patient = treated.set_index("patient_id")
    for patient in ("OL05", "OL17"):  # ≥ 10 mm: measurable by size, not by MEAS-10
        assert "not progressed since: not measurable" in by_patient.loc[patient, "reason"]
    assert by_patient.loc["OL29", "reason"].startswith("non-nodal LD 8.8 mm < 10.0 mm")
    notes = [f for f in run.findings if f.code == "treated-lesion"]
    assert [(f.patient_id, f.lesion_id) for f in notes] == [("OL29", "P1")]
