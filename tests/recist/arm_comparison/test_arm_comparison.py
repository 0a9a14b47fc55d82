"""Hazard ratio and log-rank p between arms, checked against computations written here."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar
from scipy.stats import chi2

from recist.arm_comparison import compare_arms

# Two arms, no tied times (so Efron's and Breslow's partial likelihoods agree).
DAYS = [5, 8, 12, 20, 23, 30, 41, 44, 3, 6, 9, 11, 15, 17, 26, 33]
EVENT = [1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0]
ARM = ["control"] * 8 + ["new"] * 8


def _logrank_by_hand(days, event, arm, group):
    """Mantel–Cox: sum over event times of O − E for ``group`` and its variance."""
    days, event = np.asarray(days, float), np.asarray(event, bool)
    in_group = np.asarray(arm) == group
    o_minus_e = variance = 0.0
    for t in np.unique(days[event]):
        at_risk = days >= t
        n, n1 = at_risk.sum(), (at_risk & in_group).sum()
        d = (event & (days == t)).sum()
        d1 = (event & (days == t) & in_group).sum()
        o_minus_e += d1 - d * n1 / n
        variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / max(n - 1, 1)
    return chi2.sf(o_minus_e ** 2 / variance, 1)


def _cox_by_hand(days, event, arm, group):
    """Maximise the partial likelihood of one indicator: beta and its Wald standard error."""
    days, event = np.asarray(days, float), np.asarray(event, bool)
    x = (np.asarray(arm) == group).astype(float)

    def minus_log_likelihood(beta: float) -> float:
        total = 0.0
        for i in np.flatnonzero(event):
            risk = days >= days[i]
            total += beta * x[i] - math.log(np.exp(beta * x[risk]).sum())
        return -total

    beta = minimize_scalar(minus_log_likelihood, bounds=(-5, 5), method="bounded",
                           options={"xatol": 1e-10}).x
    h = 1e-4  # observed information by a central second difference
    info = (minus_log_likelihood(beta + h) - 2 * minus_log_likelihood(beta)
            + minus_log_likelihood(beta - h)) / h ** 2
    return beta, 1 / math.sqrt(info)


def test_hazard_ratio_and_log_rank_match_computations_by_hand():
    result = compare_arms(pd.Series(DAYS), pd.Series(EVENT).astype(bool), pd.Series(ARM))
    assert len(result) == 1
    row = result.iloc[0]
    assert (row["reference_arm"], row["arm"], row["n"], row["events"]) == ("control", "new",
                                                                          8, 6)
    beta, se = _cox_by_hand(DAYS, EVENT, ARM, "new")
    assert row["hr"] == pytest.approx(math.exp(beta), rel=1e-4)
    assert row["hr_low"] == pytest.approx(math.exp(beta - 1.959964 * se), rel=1e-3)
    assert row["hr_high"] == pytest.approx(math.exp(beta + 1.959964 * se), rel=1e-3)
    assert row["logrank_p"] == pytest.approx(_logrank_by_hand(DAYS, EVENT, ARM, "new"),
                                             rel=1e-9)
    assert row["hr"] > 1  # the new arm has its events earlier
    assert row["note"] == ""


def test_reference_arm_can_be_named_and_inverts_the_ratio():
    forward = compare_arms(pd.Series(DAYS), pd.Series(EVENT).astype(bool), pd.Series(ARM))
    backward = compare_arms(pd.Series(DAYS), pd.Series(EVENT).astype(bool), pd.Series(ARM),
                            reference="new")
    assert backward.iloc[0]["arm"] == "control"
    assert backward.iloc[0]["hr"] == pytest.approx(1 / forward.iloc[0]["hr"], rel=1e-4)
    assert backward.iloc[0]["logrank_p"] == pytest.approx(forward.iloc[0]["logrank_p"])


def test_no_event_in_an_arm_is_not_a_number_but_a_note():
    event = [1] * 8 + [0] * 8
    result = compare_arms(pd.Series(DAYS), pd.Series(event).astype(bool), pd.Series(ARM))
    row = result.iloc[0]
    assert math.isnan(row["hr"]) and math.isnan(row["hr_low"])
    assert "no event" in row["note"]
    assert row["logrank_p"] == pytest.approx(_logrank_by_hand(DAYS, event, ARM, "new"))


def test_one_arm_gives_no_comparison():
    assert compare_arms(pd.Series(DAYS), pd.Series(EVENT).astype(bool),
                        pd.Series(["A"] * 16)).empty
