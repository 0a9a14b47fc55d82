"""DEC-24, DEC-25, DEC-26 on the hand-checked cohort of ``support.oligo_cohort``."""

from __future__ import annotations

import pandas as pd
import pytest

from recist.criteria import RECIST_1_1
from recist.oligo.failure_pattern import episode_failure, failure_pattern, local_treatments
from recist.oligo.therapies import normalise_therapies
from recist.table import normalise_measurements

from support.oligo_cohort import MEASUREMENTS_CSV, THERAPIES_CSV, csv

D = pd.Timestamp


@pytest.fixture(scope="module")
def pattern():
    return run()


def run(criteria=RECIST_1_1):
    measurements = normalise_measurements(csv(MEASUREMENTS_CSV))
    treatments = local_treatments(None, normalise_therapies(csv(THERAPIES_CSV)))
    return failure_pattern(measurements, treatments, criteria)


def test_dec_24_local_failure_over_post_treatment_nadir(pattern):
    control = pattern.lesion_control.set_index(["patient_id", "lesion_id", "episode"])
    a1 = control.loc[("A", "T1", 1)]
    # 15 → 14 (nadir) → 19: +5.0 mm and +35.7 % ≥ 5 mm and 20 %: failure on 2024-10-01
    assert (bool(a1["local_failure"]), a1["local_failure_date"], a1["nadir_mm"]) == (
        True, D("2024-10-01"), 14.0)
    assert "+35.7% and +5.0 mm over the post-treatment nadir 14.0 mm" in a1["reason"]
    a1b = control.loc[("A", "T1", 2)]  # re-treated by RFA: a new episode, new nadir
    assert (a1b["therapy"], bool(a1b["local_failure"]), a1b["nadir_mm"]) == ("rfa", False, 12.0)
    assert not bool(control.loc[("A", "T2", 1), "local_failure"])
    assert control.loc[("A", "NEW1", 1), "reason"] == "no assessment after the treatment (DEC-24)"
    c1 = control.loc[("C", "T1", 1)]  # absent (0 mm) then 5 mm: a nadir of 0 needs 5 mm only
    assert (c1["local_failure_date"], c1["nadir_mm"]) == (D("2024-09-01"), 0.0)
    c2 = control.loc[("C", "T2", 1)]  # 20 → 20 with local_failure true: the reader's call
    assert c2["local_failure_date"] == D("2024-09-01")
    assert "reader" in c2["reason"]
    b1 = control.loc[("B", "T1", 1)]
    assert (bool(b1["local_failure"]), b1["last_assessment_date"]) == (False, D("2024-08-01"))


def test_dec_24_thresholds_inclusive_and_both_needed():
    day = [D("2024-04-01"), D("2024-07-01")]
    assert episode_failure([(day[0], 25.0, False), (day[1], 30.0, False)])[0] == day[1]
    assert episode_failure([(day[0], 25.0, False), (day[1], 29.99, False)])[0] is None
    assert episode_failure([(day[0], 10.0, False), (day[1], 14.0, False)])[0] is None  # +40 %
    assert episode_failure([(day[0], 40.0, False), (day[1], 47.0, False)])[0] is None  # +17.5 %
    looser = RECIST_1_1.replace(local_failure_increase_pct=10.0)
    assert episode_failure([(day[0], 40.0, False), (day[1], 47.0, False)], looser)[0] == day[1]


def test_dec_25_recurrence_events_and_pattern(pattern):
    events = pattern.recurrences
    got = [(p, f"{d:%Y-%m-%d}", k, les) for p, d, k, les in zip(
        events["patient_id"], events["date"], events["pattern"], events["lesion_id"])]
    assert got == [
        ("A", "2024-10-01", "local", "T1"),
        ("A", "2024-10-01", "intrapulmonary", "NEW1"),
        ("A", "2025-04-01", "extrapulmonary", "NEW2"),
        ("C", "2024-06-01", "intrapulmonary", "NEW4"),  # equivocal first: dated back
        ("C", "2024-09-01", "local", "T1"),
        ("C", "2024-09-01", "local", "T2"),
        ("C", "2024-09-01", "extrapulmonary", "N1"),  # an untreated node progressing
        ("C", "2024-09-01", "extrapulmonary", "NEW1"),
        ("C", "2024-09-01", "extrapulmonary", "NEW3"),
    ]  # NEW2 of C stays equivocal: no event; B dies without recurrence: none
    backdated = events[(events["patient_id"] == "C") & (events["lesion_id"] == "NEW4")]
    assert "dated back" in backdated["reason"].iloc[0]


def test_dec_26_still_oligometastatic(pattern):
    status = pattern.recurrence_status
    got = [(p, f"{d:%Y-%m-%d}", k, n, o, a, bool(v)) for p, d, k, n, o, a, v in zip(
        status["patient_id"], status["date"], status["patterns"], status["n_active_lesions"],
        status["n_active_organs"], status["active_lesions"], status["oligometastatic"])]
    assert got == [
        ("A", "2024-10-01", "local+intrapulmonary", 2, 1, "NEW1;T1", True),
        ("A", "2025-04-01", "extrapulmonary", 1, 1, "NEW2", True),  # T1 re-treated, controlled
        ("C", "2024-06-01", "intrapulmonary", 1, 1, "N1", True),  # NEW4 still equivocal
        ("C", "2024-09-01", "local+extrapulmonary", 6, 4, "N1;NEW1;NEW3;NEW4;T1;T2", False),
    ]
    wider = run(RECIST_1_1.replace(oligo_max_lesions=6, oligo_max_organs=4))
    assert bool(wider.recurrence_status["oligometastatic"].iloc[-1])


def test_scalar_rounding_agrees_with_round_half_away():
    import numpy as np

    from recist.arrays import round_half_away
    from recist.oligo.failure_pattern import _round

    rng = np.random.default_rng(3)
    values = np.r_[rng.uniform(-200, 200, 5000), np.arange(-50, 50) / 8, [2.675, 1.005]]
    for decimals in (0, 1, 2, 3):
        ours = [_round(float(v), decimals) for v in values]
        assert ours == round_half_away(values, decimals).tolist()
