"""The cohort-at-once patient summary equals the per-patient rule functions.

``summarise_patients`` computes the unconfirmed BOR of every patient at once with numpy
and calls ``confirmed_best_overall_response`` only for patients with a CR or PR. Here the
rule functions of ``recist.best_response`` and ``recist.endpoints`` — the readable spec —
are applied patient by patient to random cohorts (confirmation on and off, SD minimum for
NON-CR/NON-PD, deaths, new therapies, missing start dates, non-target-only patients,
patients without any time point) and every summary value must agree.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from recist.best_response import (
    NE,
    PD,
    RESPONSES,
    best_overall_response,
    confirmed_best_overall_response,
    first_response_index,
)
from recist.criteria import RECIST_1_1
from recist.endpoints import (
    duration_of_response,
    kept_before_new_therapy,
    progression_date,
    progression_free_survival,
)
from recist.patient_summary import summarise_patients

EPOCH = date(2023, 1, 1)


def _random_cohort(seed: int, n_patients: int = 400):
    """Time points (baseline row first, some without baseline row) and patients table."""
    rng = np.random.default_rng(seed)
    # PD rare enough that CR/PR runs long enough to be confirmed (or not) happen often
    weights = np.array([0.18, 0.3, 0.22, 0.1, 0.1, 0.1])
    rows, patients = [], []
    for p in range(n_patients):
        pid = f"P{p:04d}"
        start = EPOCH + timedelta(days=int(rng.integers(0, 200)))
        n_visits = int(rng.integers(0, 8))
        day = (start - EPOCH).days + int(rng.integers(-10, 10))
        non_target_only = rng.random() < 0.15
        if rng.random() < 0.9:  # a baseline row (empty response, literal NA sometimes)
            rows.append((pid, EPOCH + timedelta(days=day),
                         None if rng.random() < 0.8 else "NA", None))
        for _ in range(n_visits):
            day += int(rng.choice([14, 20, 27, 28, 29, 35, 42, 56]))
            label = RESPONSES[rng.choice(len(RESPONSES), p=weights)]
            if non_target_only and label in ("PR", "SD"):
                label = "NON-CR/NON-PD"
            if rng.random() < 0.03:
                label = None  # an empty response after baseline counts as NE
            target = "NA" if non_target_only else label
            rows.append((pid, EPOCH + timedelta(days=day), label, target))
        if rng.random() < 0.9:
            last = EPOCH + timedelta(days=day)
            patients.append({
                "patient_id": pid,
                "start_date": None if rng.random() < 0.1 else start.isoformat(),
                "death_date": max(start, last + timedelta(days=int(rng.integers(-30, 200))))
                .isoformat() if rng.random() < 0.25 else None,
                "new_therapy_date": (start + timedelta(days=int(rng.integers(20, 400))))
                .isoformat() if rng.random() < 0.25 else None,
            })
    for extra in range(5):  # in the patients table only (DEC-16)
        patients.append({"patient_id": f"Q{extra}", "start_date": "2023-03-01",
                         "death_date": "2023-06-01" if extra % 2 else None,
                         "new_therapy_date": None})
    timepoints = pd.DataFrame(rows, columns=["patient_id", "date", "overall_response",
                                             "target_response"])
    timepoints["date"] = pd.to_datetime(timepoints["date"])
    shuffled = timepoints.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return shuffled, pd.DataFrame(patients)


def _oracle(timepoints: pd.DataFrame, patients: pd.DataFrame, criteria) -> pd.DataFrame:
    """The summary values from the rule functions, one patient at a time."""
    def day(value):
        return None if pd.isna(value) else pd.Timestamp(value).date()

    reference = {r.patient_id: (day(r.start_date), day(r.death_date), day(r.new_therapy_date))
                 for r in patients.itertuples(index=False)}
    out = []
    ordered = timepoints.sort_values(["patient_id", "date"], kind="stable")
    groups = dict(tuple(ordered.groupby("patient_id")))
    for pid in sorted(set(groups) | set(reference)):
        start, death, new_therapy = reference.get(pid, (None, None, None))
        if pid in groups:
            group = groups[pid]
            labels = [None if pd.isna(x) or x == "NA" else x for x in group["overall_response"]]
            dates = [d.date() for d in group["date"]]
            targets = list(group["target_response"])[1 if labels[0] is None else 0:]
            if labels[0] is None:
                start = start or dates[0]
                labels, dates = labels[1:], dates[1:]
            elif start is None:
                start = dates[0]
        else:
            labels, dates, targets = [], [], []
        if start is None:  # neither a start date nor a time point
            out.append({"patient_id": pid, "bor": NE, "bor_date": None, "pfs_event": False,
                        "censor_reason": "no start date and no assessment: PFS cannot be "
                                         "dated", **({"confirmed_bor": NE}
                                                     if criteria.confirmation else {})})
            continue
        responses = [NE if x is None else x for x in labels]
        kept = kept_before_new_therapy(dates, new_therapy, criteria)
        analysed, analysed_dates = responses[:kept], dates[:kept]
        best = best_overall_response(analysed, analysed_dates, start, criteria)
        row = {"patient_id": pid, "bor": best.response,
               "bor_date": None if best.index is None else analysed_dates[best.index]}
        if criteria.confirmation:
            non_target_only = all(t is None or t == "NA" or pd.isna(t) for t in targets)
            confirmed = confirmed_best_overall_response(
                analysed, analysed_dates, start, criteria, non_target_only=non_target_only)
            row["confirmed_bor"] = confirmed.response
            index = confirmed.response_index
        else:
            index = first_response_index(analysed)
        response_date = None if index is None else analysed_dates[index]
        pfs = progression_free_survival(responses, dates, start, death, new_therapy, criteria)
        dor = duration_of_response(response_date, responses, dates, death, new_therapy,
                                   criteria)
        row.update(pd_date=progression_date(analysed, analysed_dates), pfs_event=pfs.event,
                   pfs_date=pfs.date,
                   pfs_days=(pfs.date - start).days + (1 if criteria.add_one_day else 0),
                   response_date=response_date, dor_days=None if dor is None else dor[1],
                   censor_reason=pfs.reason)
        out.append(row)
    return pd.DataFrame(out)


def _cells(value):
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if isinstance(value, np.generic) else value


@pytest.mark.parametrize("seed,options", [
    (1, {"confirmation": True}),
    (2, {"confirmation": False}),
    (3, {"confirmation": True, "sd_min_for_non_cr_non_pd": True}),
    (4, {"confirmation": False, "censor_at_new_therapy": False, "add_one_day": False}),
    (5, {"confirmation": True, "accept_sd": True, "max_ne_between": 0}),
])
def test_summary_equals_the_rule_functions(seed, options):
    criteria = RECIST_1_1.replace(**options)
    timepoints, patients = _random_cohort(seed)
    got = summarise_patients(timepoints, patients, criteria)
    expected = _oracle(timepoints, patients, criteria)
    assert list(got["patient_id"]) == list(expected["patient_id"])
    for column in expected.columns:
        left = [_cells(v) for v in got[column]]
        right = [_cells(v) for v in expected[column]]
        differ = [i for i, (a, b) in enumerate(zip(left, right)) if a != b]
        assert not differ, (column, [(got["patient_id"][i], left[i], right[i])
                                     for i in differ[:3]])
    # the cohort exercises the paths that matter
    assert {"CR", "PR", "SD", "PD", "NE"} <= set(got["bor"])
    assert got["response_date"].notna().any() and got["pfs_event"].any()
    if criteria.confirmation:
        assert (got["confirmed_bor"] != got["bor"]).any()


def test_patient_with_only_a_baseline_and_an_early_pd():
    tp = pd.DataFrame({"patient_id": ["a", "a", "b", "b", "b"],
                       "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-01-01",
                                               "2024-01-15", "2024-03-01"]),
                       "overall_response": [None, "SD", None, "SD", PD]})
    got = summarise_patients(tp, None, RECIST_1_1.replace(confirmation=True))
    assert got[["bor", "confirmed_bor"]].values.tolist() == [["NE", "NE"], ["PD", "PD"]]
    assert [d.date() for d in got["bor_date"]] == [date(2024, 1, 20), date(2024, 3, 1)]
