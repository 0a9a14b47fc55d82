"""Cohort summaries (recist.stats) against known values and hand-computed Kaplan–Meier."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recist.stats import (
    DAYS_PER_MONTH,
    bor_distribution,
    clopper_pearson,
    cohort_summary,
    fit_kaplan_meier,
    format_cohort_summary,
    response_rates,
    time_to_event_summary,
)


def test_clopper_pearson_known_values():
    # 5/20: exact 95% CI 0.0866-0.4910 (e.g. R binom.test(5, 20)$conf.int)
    low, high = clopper_pearson(5, 20)
    assert low == pytest.approx(0.08657, abs=5e-5)
    assert high == pytest.approx(0.49105, abs=5e-5)
    # 0/10: upper = 1 - 0.025^(1/10); 10/10: lower = 0.025^(1/10)
    assert clopper_pearson(0, 10) == pytest.approx((0.0, 1 - 0.025 ** 0.1))
    assert clopper_pearson(10, 10) == pytest.approx((0.025 ** 0.1, 1.0))
    with pytest.raises(ValueError, match="between 0 and n=3"):
        clopper_pearson(4, 3)


def _summary(bors, arms=None):
    frame = pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(len(bors))],
                          "bor": bors})
    patients = None
    if arms is not None:
        patients = pd.DataFrame({"patient_id": frame["patient_id"], "arm": arms})
    return frame, patients


def test_orr_and_dcr_by_arm():
    bors = ["CR", "PR", "PR", "SD", "PD"] * 4  # 20 patients: 3 responders in each 5
    arms = ["A"] * 10 + ["B"] * 10
    frame, patients = _summary(bors, arms)
    rates = response_rates(frame, patients).set_index("arm")
    assert list(rates.index) == ["A", "B", "All"]
    assert rates.loc["All", "orr_n"] == 12 and rates.loc["All", "n"] == 20
    assert rates.loc["All", "dcr_n"] == 16
    assert rates.loc["A", "orr_pct"] == 60.0
    low, high = clopper_pearson(6, 10)
    assert (rates.loc["A", "orr_low_pct"], rates.loc["A", "orr_high_pct"]) == (
        round(100 * low, 2), round(100 * high, 2))


def test_five_of_twenty_responders():
    frame, _ = _summary(["PR"] * 5 + ["SD"] * 5 + ["NON-CR/NON-PD"] + ["PD"] * 8 + ["NE"])
    rates = response_rates(frame).set_index("arm").loc["All"]
    assert rates["orr_pct"] == 25.0 and rates["dcr_pct"] == 55.0
    # R binom.test(5, 20)$conf.int: 0.08657 - 0.49105, as percentages with 2 decimals
    assert (rates["orr_low_pct"], rates["orr_high_pct"]) == (8.66, 49.1)


def test_percentages_on_one_scale_rounded():
    """Every rate is a percentage (0-100) in a *_pct column, 2 decimals, no float noise."""
    from recist.stats import as_pct

    assert as_pct(0.49999999999999994) == 50.0 and as_pct(1 / 3) == 33.33
    assert as_pct(2 / 3) == 66.67 and math.isnan(as_pct(float("nan")))
    frame, _ = _summary(["PR", "SD", "PD"])
    rates = response_rates(frame)
    assert [c for c in rates.columns if "orr" in c or "dcr" in c] == [
        "orr_n", "orr_pct", "orr_low_pct", "orr_high_pct", "dcr_n", "dcr_pct",
        "dcr_low_pct", "dcr_high_pct"]
    assert rates.iloc[-1]["orr_pct"] == 33.33 and rates.iloc[-1]["dcr_pct"] == 66.67
    text = rates.to_csv(index=False)
    assert all(len(cell.split(".")[-1]) <= 2 for cell in text.replace("\n", ",").split(",")
               if cell.replace(".", "").isdigit())


def test_confirmed_bor_is_used_when_present():
    frame, _ = _summary(["PR", "PR", "SD"])
    frame["confirmed_bor"] = ["PR", "SD", "SD"]
    assert response_rates(frame).iloc[-1]["orr_n"] == 1
    assert response_rates(frame, use_confirmed=False).iloc[-1]["orr_n"] == 2


def test_bor_distribution_lists_every_category():
    frame, _ = _summary(["CR", "PD", "PD", "NE"])
    table = bor_distribution(frame).set_index("bor")
    assert list(table.index) == ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]
    assert table.loc["PD", "n"] == 2 and table.loc["PD", "pct"] == 50.0
    assert table.loc["PR", "n"] == 0


def test_kaplan_meier_matches_hand_computation():
    # t:  5  8  8+ 12 15+ 20 ; at risk 6,5,-,3,-,1
    # S(5)=5/6, S(8)=5/6*4/5=2/3, S(12)=2/3*2/3=4/9, S(20)=0 ; median = 12
    fitter = fit_kaplan_meier([5, 8, 8, 12, 15, 20], [1, 1, 0, 1, 0, 1])
    survival = fitter.survival_function_.iloc[:, 0]
    assert survival.loc[5] == pytest.approx(5 / 6)
    assert survival.loc[8] == pytest.approx(2 / 3)
    assert survival.loc[12] == pytest.approx(4 / 9)
    assert survival.loc[20] == pytest.approx(0.0)
    assert fitter.median_survival_time_ == 12


def test_pfs_median_and_rates_by_arm():
    month = DAYS_PER_MONTH
    days = [30, 100, 150, 200, 250, 400, 500, 600]
    events = [True, True, False, True, True, False, True, False]
    frame = pd.DataFrame({"patient_id": [f"P{i}" for i in range(8)], "bor": "SD",
                          "pfs_days": days, "pfs_event": events})
    table = time_to_event_summary(frame).set_index("arm").loc["All"]
    # hand KM: 30 (8 at risk) 7/8; 100 (7) 6/8; 150+ ; 200 (5) 6/8*4/5 = 0.6;
    # 250 (4) 0.6*3/4 = 0.45 -> median 250 days; 400+; 500 (2) 0.225
    assert table["events"] == 5 and table["median_days"] == 250
    assert table["rate_6m_pct"] == 75.0  # 182.6 days: after 150+, before 200
    assert 6 * month < 200 < 12 * month < 400
    assert table["rate_12m_pct"] == 45.0
    assert table["median_low"] <= 250
    assert pd.isna(table["median_high"]) or 250 <= table["median_high"]


def test_rate_before_any_event_has_no_interval():
    # ten patients, the first event at 300 days: at 6 months (182.6 d) the estimate is
    # 100 % with a Greenwood variance of 0; lifelines' band is [1, 1], false certainty
    frame = pd.DataFrame({"patient_id": [f"P{i}" for i in range(10)], "bor": "SD",
                          "pfs_days": [300, 320, 340, 400, 420, 440, 500, 520, 540, 560],
                          "pfs_event": [True] * 5 + [False] * 5})
    table = time_to_event_summary(frame).set_index("arm").loc["All"]
    assert table["rate_6m_pct"] == 100.0
    assert pd.isna(table["rate_6m_low_pct"]) and pd.isna(table["rate_6m_high_pct"])
    # after the first event the interval is given (12 months = 365.2 d: 3 events, 7/10)
    assert table["rate_12m_pct"] == 70.0
    assert 0 < table["rate_12m_low_pct"] < 70.0 < table["rate_12m_high_pct"] < 100.0


def test_dor_uses_responders_only():
    frame = pd.DataFrame({
        "patient_id": ["P1", "P2", "P3"], "bor": ["PR", "CR", "SD"],
        "response_date": ["2024-03-01", "2024-02-01", None],
        "dor_days": [100, 50, None], "pfs_days": [160, 110, 60],
        "pfs_event": [True, False, True],
    })
    table = time_to_event_summary(frame, endpoint="dor").set_index("arm").loc["All"]
    assert table["n"] == 2 and table["events"] == 1


def test_cohort_summary_text_mentions_arms():
    frame, patients = _summary(["PR", "SD", "PD", "CR"], ["A", "A", "B", "B"])
    frame["pfs_days"] = [200, 120, 60, 300]
    frame["pfs_event"] = [False, True, True, False]
    frame["response_date"] = ["2024-03-01", None, None, "2024-02-01"]
    frame["dor_days"] = [150, None, None, 250]
    summary = cohort_summary(frame, patients)
    text = format_cohort_summary(summary)
    assert "ORR 1/2 50.0%" in text and "All" in text and "PFS" in text
    assert summary.bor_column == "bor"


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_clopper_pearson_laws(case):
    successes, n = case
    low, high = clopper_pearson(successes, n)
    assert 0.0 <= low <= successes / n <= high <= 1.0
    wide_low, wide_high = clopper_pearson(successes, n, confidence=0.99)
    assert wide_low <= low and high <= wide_high  # more confidence, wider interval
    # symmetry: failures' interval mirrors successes'
    mirror_low, mirror_high = clopper_pearson(n - successes, n)
    assert mirror_low == pytest.approx(1 - high) and mirror_high == pytest.approx(1 - low)


def test_dor_death_is_censored_when_not_an_event():
    from recist.criteria import RECIST_1_1

    frame = pd.DataFrame({
        "patient_id": ["P1", "P2"], "bor": ["PR", "PR"],
        "response_date": ["2024-03-01", "2024-03-01"], "dor_days": [100, 80],
        "pfs_days": [160, 140], "pfs_event": [True, True],
        "pd_date": ["2024-06-08", None], "pfs_date": ["2024-06-08", "2024-05-19"],
    })
    default = time_to_event_summary(frame, endpoint="dor").iloc[-1]
    assert default["events"] == 2
    strict = time_to_event_summary(
        frame, endpoint="dor", criteria=RECIST_1_1.replace(death_is_dor_event=False))
    assert strict.iloc[-1]["events"] == 1  # P2 died without PD: censored
