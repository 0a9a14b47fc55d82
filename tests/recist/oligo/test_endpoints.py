"""DEC-27 on the hand-checked cohort of ``support.oligo_cohort``: STFS, PFS after local
treatment, OS, repeat local treatments, time to local failure with death competing, and
the Aalen–Johansen cumulative incidence (by hand, and lifelines against the formula)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.criteria import RECIST_1_1
from recist.oligo.incidence import aalen_johansen, cumulative_incidence, local_control
from recist.patients import normalise_patients
from recist.pipeline.oligo import respond_oligo
from recist.table import normalise_measurements

from support.oligo_cohort import MEASUREMENTS_CSV, PATIENTS_CSV, THERAPIES_CSV, csv

D = pd.Timestamp


@pytest.fixture(scope="module")
def assessed():
    measurements = normalise_measurements(csv(MEASUREMENTS_CSV))
    patients = normalise_patients(csv(PATIENTS_CSV))
    return respond_oligo(measurements, patients, RECIST_1_1,
                         therapies=csv(THERAPIES_CSV))


def test_dec_27_patient_endpoints(assessed):
    _, oligo = assessed
    rows = oligo.patients.set_index("patient_id")
    a, b, c = rows.loc["A"], rows.loc["B"], rows.loc["C"]
    # A: start 2024-01-10. FOLFOX 2025-05-01: 21+29+31+30+31+30+31+31+30+31+30+31 (to
    # 2025-01-10: 366 days) + 21+28+31+30+1 (to 2025-05-01: 111) = 477 days, + 1 (TTE-10)
    assert (bool(a["stfs_event"]), a["stfs_date"], a["stfs_days"]) == (True, D("2025-05-01"), 478)
    # first recurrence 2024-10-01 (before FOLFOX): 21+29+31+30+31+30+31+31+30+1 = 265, + 1
    assert (bool(a["pfs_local_event"]), a["pfs_local_days"]) == (True, 266)
    assert (a["first_recurrence_date"], a["first_recurrence_pattern"]) == (
        D("2024-10-01"), "local+intrapulmonary")
    assert bool(a["first_recurrence_oligometastatic"])
    # alive: censored at the last contact 2025-12-01, later than the last scan and therapy
    assert (bool(a["os_event"]), a["os_date"]) == (False, D("2025-12-01"))
    assert a["n_repeat_local"] == 1  # the RFA of 2024-10-20; the SBRT was the initial one
    assert a["local_therapies"] == "2024-01-15 sbrt T1+T2; 2024-10-20 rfa T1+NEW1"
    assert a["systemic_therapies"] == "2025-05-01 FOLFOX"
    # B: death 2024-09-15 from start 2024-02-01: 28+31+30+31+30+31+31+15 = 227, + 1
    for endpoint in ("stfs", "pfs_local", "os"):
        assert (bool(b[f"{endpoint}_event"]), b[f"{endpoint}_days"]) == (True, 228)
    assert pd.isna(b["first_recurrence_date"]) and b["n_repeat_local"] == 0
    # C: the equivocal lung lesion of 2024-06-01, confirmed later: PFS event on that day
    assert (bool(c["pfs_local_event"]), c["pfs_local_date"]) == (True, D("2024-06-01"))
    assert not bool(c["stfs_event"]) and c["stfs_date"] == D("2024-12-01")


def test_dec_27_pfs_after_systemic_therapy_is_censored():
    measurements = normalise_measurements(csv(MEASUREMENTS_CSV))
    patients = normalise_patients(csv(PATIENTS_CSV))
    therapies = csv(THERAPIES_CSV)
    therapies.loc[len(therapies)] = ["A", "2024-08-01", "systemic", None, "FOLFIRI"]
    _, oligo = respond_oligo(measurements, patients, RECIST_1_1, therapies=therapies)
    a = oligo.patients.set_index("patient_id").loc["A"]
    # the recurrence of 2024-10-01 follows FOLFIRI: censored at the last scan before it
    assert (bool(a["pfs_local_event"]), a["pfs_local_date"]) == (False, D("2024-07-01"))
    assert a["first_systemic_date"] == D("2024-08-01")


def test_dec_27_time_to_local_failure_death_competes(assessed):
    _, oligo = assessed
    lesions = oligo.lesions.set_index(["patient_id", "lesion_id"])
    got = {k: (int(r["ttlf_status"]), int(r["ttlf_days"])) for k, r in lesions.iterrows()}
    assert got == {
        ("A", "T1"): (1, 261),  # 2024-01-15 → 2024-10-01: 16+29+31+30+31+30+31+31+30+1, +1
        ("A", "T2"): (0, 443),  # censored at its last scan 2025-04-01: 366+76, +1
        ("A", "NEW1"): (0, 1),  # treated 2024-10-20, never scanned after
        ("B", "T1"): (2, 224),  # death 2024-09-15 first: 24+31+30+31+30+31+31+15, +1
        ("C", "T1"): (1, 181),  # 2024-03-05 → 2024-09-01: 26+30+31+30+31+31+1, +1
        ("C", "T2"): (1, 181),
    }


def test_dec_27_local_control_aalen_johansen_by_hand(assessed):
    _, oligo = assessed
    # at risk 6; day 1: A/NEW1 censored (5 left); 181: two failures of 5 → CIF 2/5, S 3/5;
    # 224: B dies (competing) → S 3/5 · 2/3 = 2/5; 261: A/T1 fails, 2 at risk →
    # CIF 2/5 + 2/5 · 1/2 = 3/5; 443: censored. At 1 year (365.25 d): 0.6, i.e. 60 %;
    # 2 years: beyond the last time (443) → unknown.
    table = oligo.local_control.set_index("horizon")
    assert table.loc["1 year", "cumulative_incidence_pct"] == 60.0
    assert table.loc["1 year", "local_control_pct"] == 40.0
    assert np.isnan(table.loc["2 years", "local_control_pct"])
    assert (table.loc["1 year", "local_failures"], table.loc["1 year", "deaths_first"]) == (3, 1)


def test_lifelines_agrees_with_the_formula_and_ties_are_exact():
    rng = np.random.default_rng(7)
    days = rng.choice(np.arange(30, 800), size=60, replace=False).astype(float)
    status = rng.choice([0, 1, 2], size=60)
    ours = aalen_johansen(days, status)
    theirs = cumulative_incidence(days, status)  # lifelines (no tied times)
    grid = np.arange(0, 800, 7.0)
    step = [ours.iloc[np.searchsorted(ours.index, g, side="right") - 1] for g in grid]
    fitted = [theirs.iloc[np.searchsorted(theirs.index, g, side="right") - 1] for g in grid]
    assert np.allclose(step, fitted)
    # a failure and a death on the same day: lifelines would jitter; the formula is exact
    tied = cumulative_incidence([10, 10, 20], [1, 2, 0])
    assert tied.iloc[-1] == pytest.approx(1 / 3)


def test_patient_summary_gets_the_columns(assessed):
    result, oligo = assessed
    summary = result.patient_summary.set_index("patient_id")
    assert summary.loc["A", "pfs_local_days"] == 266
    # DEC-23: FOLFOX (2025-05-01) ends RECIST follow-up; the RFA of 2024-10-20 does not
    assert summary.loc["A", "bor"] in ("SD", "PR")
    assert summary.loc["A", "pd_date"] == D("2024-10-01")  # the new lung lesion (NEW-1)
    assert list(local_control(oligo.lesions)["horizon"]) == ["1 year", "2 years"]
