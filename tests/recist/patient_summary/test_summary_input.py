"""patient_summary input validation and cohort scale."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from recist.criteria import Criteria
from recist.errors import RecistDataError
from recist.patient_summary import summarise_patients


def test_missing_timepoint_columns(tables):
    tp = tables.timepoints({"p1": [(56, "SD")]}).drop(columns=["overall_response"])
    with pytest.raises(RecistDataError, match="missing column\\(s\\) overall_response"):
        summarise_patients(tp)


def test_unknown_overall_response_names_patient_and_date(tables):
    tp = tables.timepoints({"p1": [(56, "SD"), (112, "iUPD")]})
    with pytest.raises(RecistDataError, match="patient_id p1, date 2024-04-22: "
                                              "overall_response 'IUPD' is not one of"):
        summarise_patients(tp)


def test_lower_case_and_padded_labels_are_accepted(tables):
    tp = tables.timepoints({"p1": [(56, "SD"), (112, "PD")]})
    tp["overall_response"] = tp["overall_response"].map(
        lambda v: None if v is None else f" {v.lower()} ")
    assert summarise_patients(tp).loc[0, "bor"] == "SD"


def test_missing_date_is_refused(tables):
    tp = tables.timepoints({"p1": [(56, "SD")]})
    tp.loc[1, "date"] = pd.NaT
    with pytest.raises(RecistDataError, match="patient_id p1: date .* missing or not a date"):
        summarise_patients(tp)


def _cohort(n_patients: int, n_visits: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.repeat([f"P{i:05d}" for i in range(n_patients)], n_visits + 1)
    offsets = np.tile(np.arange(n_visits + 1) * 56 - 7, n_patients)
    dates = np.datetime64("2024-01-01") + offsets.astype("timedelta64[D]")
    responses = rng.choice(["CR", "PR", "SD", "PD", "NE"], len(ids)).astype(object)
    responses[:: n_visits + 1] = None
    return pd.DataFrame({"patient_id": ids, "date": dates.astype("datetime64[ns]"),
                         "target_response": responses, "overall_response": responses})


def _python_calls(tp: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """Python function calls made by ``summarise_patients(tp)`` (``sys.setprofile``)."""
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event == "call"

    criteria = Criteria(confirmation=True)
    summarise_patients(_cohort(10, 9), None, criteria)  # imports and caches done
    sys.setprofile(count)
    try:
        summary = summarise_patients(tp, None, criteria)
    finally:
        sys.setprofile(None)
    return calls, summary


def test_cost_per_patient_is_small_and_constant():
    """DESIGN scale (20,000 patients in about a second) without timing anything.

    Counted in Python function calls, not seconds (speed: ``benchmarks/respond_cohort.py``):
    each extra patient costs ~21 calls today, the same from 500 to 2,000 patients (no
    quadratic term); a per-patient DataFrame (``groupby`` and a column per patient) costs
    over 70 on its own, so a bound of 60 per patient keeps the cohort vectorised.
    """
    small, _ = _python_calls(_cohort(500, 9))
    large, summary = _python_calls(_cohort(2_000, 9))
    assert len(summary) == 2_000
    per_patient = (large - small) / 1_500
    assert per_patient < 60, f"{per_patient:.0f} Python calls per patient"
    assert large < 4 * small, "the cost grows faster than the number of patients"


@pytest.mark.parametrize("order", ["same", "reversed", "one more", "one fewer"])
def test_patients_table_in_any_order_gives_the_same_summary(order):
    """Each patient's start date is found wherever its row is: the table listing exactly
    the time points' patients in their order (read row by row) or not (looked up)."""
    tp = _cohort(6, 3, seed=4)
    ids = [f"P{i:05d}" for i in range(6)]
    starts = [f"2023-12-{10 + i:02d}" for i in range(6)]
    table = pd.DataFrame({"patient_id": ids, "start_date": starts})
    expected = summarise_patients(tp, table, Criteria(confirmation=True))
    if order == "reversed":
        table = table.iloc[::-1].reset_index(drop=True)
    elif order == "one more":
        table = pd.concat([table, pd.DataFrame({"patient_id": ["P99999"],
                                                "start_date": ["2024-01-01"]})])
    elif order == "one fewer":
        table = table.iloc[1:]
    got = summarise_patients(tp, table, Criteria(confirmation=True))
    if order == "one more":  # DEC-16: a patient without time points gets a row of its own
        assert got["patient_id"].tolist() == [*ids, "P99999"]
        got = got.iloc[:-1]
    if order == "one fewer":  # DEC-7: no start date, the baseline scan date instead
        # P00000: baseline scan 2023-12-25, 15 days after its start date 2023-12-10
        assert got["pfs_days"].iloc[0] == expected["pfs_days"].iloc[0] - 15
        got, expected = got.iloc[1:], expected.iloc[1:]
    pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                  expected.reset_index(drop=True))
    # the start dates were read: pfs_days counts from each patient's own start date
    assert (expected["pfs_date"] - pd.to_datetime(starts[len(starts) - len(expected):])
            ).dt.days.add(1).tolist() == expected["pfs_days"].tolist()


@pytest.mark.parametrize("days", [
    np.array([19783, 19723, 19783, 19783, 19724]),  # repeated days, a dense range
    np.array([19783, -10**6, 10**6, 19783]),  # a wide range (hashed)
    np.array([19783, np.iinfo(np.int64).min, 19783]),  # no date (NaT)
    np.array([], dtype=np.int64),
])
def test_dated_texts_equal_each_day_written(days):
    """Censoring reasons written once per distinct day read as each day written."""
    from recist.patient_summary import _dated_texts, _iso

    got = _dated_texts("censored at ", days.astype(np.int64))
    assert got.dtype == object
    assert got.tolist() == ("censored at " + _iso(days.astype(np.int64))).tolist()
