"""The cohort-at-once confirmed BOR equals the one-patient rule function.

``recist.cohort_confirmation.confirmed_of_cohort`` against
``recist.best_response.confirmed_best_overall_response`` applied patient by patient, on
random seeded cohorts (runs of CR/PR/NE/SD, ties and short gaps around the confirmation
interval) under several criteria.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from recist.best_response import RESPONSE_RANK, RESPONSES, confirmed_best_overall_response
from recist.cohort_confirmation import confirmed_of_cohort
from recist.criteria import RECIST_1_1

EPOCH = date(1970, 1, 1).toordinal()


def _cohort(seed: int, n_patients: int = 600):
    """Rows sorted by patient then day: ranks, days, patient codes, starts, non-target-only."""
    rng = np.random.default_rng(seed)
    weights = np.array([0.25, 0.3, 0.15, 0.08, 0.05, 0.17])  # CR PR SD NCNP PD NE
    ranks, days, group = [], [], []
    starts = rng.integers(19000, 19400, n_patients)
    non_target_only = rng.random(n_patients) < 0.2
    for p in range(n_patients):
        day = int(starts[p]) + int(rng.integers(-5, 10))
        for _ in range(int(rng.integers(0, 9))):
            day += int(rng.choice([0, 7, 14, 27, 28, 29, 42, 56]))
            ranks.append(int(rng.choice(6, p=weights)))
            days.append(day)
            group.append(p)
    return (np.array(ranks, dtype=np.int64), np.array(days, dtype=np.int64),
            np.array(group, dtype=np.intp), starts.astype(np.int64), non_target_only)


def _counted(rank, group):
    """Up to and including each patient's first PD (BOR-1)."""
    is_pd = rank == RESPONSE_RANK["PD"]
    before = np.cumsum(is_pd) - is_pd
    first = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    start_of_row = first[np.searchsorted(first, np.arange(len(group)), side="right") - 1]
    return before - (np.cumsum(is_pd) - is_pd)[start_of_row] == 0


@pytest.mark.parametrize("seed,options", [
    (1, {}),
    (2, {"accept_sd": True}),
    (3, {"max_ne_between": 0, "confirmation_min_days": 0}),
    (4, {"max_ne_between": 2, "sd_min_for_non_cr_non_pd": False, "sd_min_days": 56}),
    (5, {"accept_sd": True, "confirmation_min_days": 56, "max_ne_between": 0}),
])
def test_confirmed_of_cohort_equals_the_rule_function(seed, options):
    criteria = RECIST_1_1.replace(confirmation=True, **options)
    rank, days, group, starts, non_target_only = _cohort(seed)
    counted = _counted(rank, group)
    labels, rows = confirmed_of_cohort(rank, days, group, counted, starts, non_target_only,
                                       criteria)
    outcomes = set()
    for p in range(len(starts)):
        mine = np.flatnonzero(group == p)
        responses = [RESPONSES[r] for r in rank[mine]]
        dates = [date.fromordinal(int(d) + EPOCH) for d in days[mine]]
        expected = confirmed_best_overall_response(
            responses, dates, date.fromordinal(int(starts[p]) + EPOCH), criteria,
            non_target_only=bool(non_target_only[p]))
        expected_row = -1 if expected.response_index is None else int(
            mine[expected.response_index])
        assert (labels[p], int(rows[p])) == (expected.response, expected_row), (
            p, responses, [str(d) for d in dates])
        outcomes.add(expected.response)
    assert outcomes == {"CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"}
