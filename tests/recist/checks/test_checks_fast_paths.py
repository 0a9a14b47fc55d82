"""The checks' fast paths give what their plain formulations give, special cases included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist._checks_support import decoded, indexed
from recist.baseline_rules import check_target_selection, classify_lesions
from recist.checks_rows import _earliest_baseline_rows
from recist.cohort_index import text_codes


def _random_table(seed: int, n_rows: int = 300) -> pd.DataFrame:
    """Patients (a missing id among them) with visits, some rows undated, dates tied."""
    rng = np.random.default_rng(seed)
    days = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 6, n_rows), "D")
    dates = pd.Series(days).where(rng.random(n_rows) > 0.15)  # NaT rows
    patients = np.array(["P1", "P2", "P3", None, "P4"], dtype=object)
    return pd.DataFrame({
        "patient_id": patients[rng.integers(0, len(patients), n_rows)],
        "lesion_id": [f"L{i}" for i in rng.integers(0, 4, n_rows)],
        "kind": "target",
        "visit": np.array(["V1", "V2", None], dtype=object)[rng.integers(0, 3, n_rows)],
        "date": dates})


def _earliest_baseline_rows_plainly(frame: pd.DataFrame) -> np.ndarray:
    """Sort the baseline rows by date (stable, NaT last), keep each patient's first."""
    rows = np.flatnonzero(frame["is_baseline"].to_numpy(dtype=bool))
    baseline = pd.DataFrame({"row": rows, "patient": frame["patient_code"].to_numpy()[rows],
                             "date": frame["date"].to_numpy()[rows]})
    ordered = baseline.sort_values("date", kind="stable", na_position="last")
    return ordered.drop_duplicates("patient")["row"].to_numpy()


@pytest.mark.parametrize("seed", range(40))
def test_earliest_baseline_rows_as_sorting_the_baseline_rows_gives(seed):
    frame = indexed(_random_table(seed))
    assert _earliest_baseline_rows(frame).tolist() == \
        _earliest_baseline_rows_plainly(frame).tolist()


def test_an_undated_baseline_gives_its_first_row_last():
    frame = indexed(pd.DataFrame({
        "patient_id": ["A", "B", "B", "A"], "lesion_id": ["T1", "T1", "T2", "T2"],
        "kind": "target", "visit": ["V1", "V1", "V1", "V1"],
        "date": pd.to_datetime([None, "2024-01-05", "2024-01-03", None])}))
    assert _earliest_baseline_rows(frame).tolist() == [2, 0]


def test_decoded_keeps_each_value_as_converted():
    coded = text_codes(pd.Series(["b\u2264", None, "a", "b\u2264"], dtype=object))
    cells = pd.Series(["b\u2264", "x", "a", "b\u2264"])
    assert decoded(coded, np.arange(4), str, cells) == ["b\u2264", "x", "a", "b\u2264"]
    assert decoded(coded, np.array([2, 1]), lambda v: None if v is None else v + "!") == [
        "a!", None]


@pytest.mark.parametrize("seed", range(20))
def test_baseline_dates_of_an_indexed_table_as_of_the_plain_table(seed):
    raw = _random_table(seed).assign(
        ld_mm=np.random.default_rng(seed).uniform(5, 30, 300).round(1), status="measured")
    plain = classify_lesions(raw)
    from_index = classify_lesions(indexed(raw))
    pd.testing.assert_series_equal(from_index["baseline_date"], plain["baseline_date"])
    assert from_index["baseline_date"].isna().any()  # an undated baseline is NaT


@pytest.mark.parametrize("seed", range(5, 17))
def test_selection_texts_written_on_demand_as_the_lesions_table_holds_them(seed):
    """check_target_selection of a measurements table writes the reasons and organ keys of
    the lesions it reports only; the lesions table of classify_lesions holds them all."""
    plain = _selection_table(seed)
    found = check_target_selection(indexed(plain))
    assert found == check_target_selection(classify_lesions(plain))
    messages = " ".join(f.message for f in found)
    assert "status too_small at baseline" in messages  # a reason by status
    assert "non-nodal LD" in messages and "targets in organ 'lung'" in messages


def _selection_table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    return pd.DataFrame({
        "patient_id": rng.choice([f"P{i}" for i in range(25)], n),
        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 3, n), "D"),
        "lesion_id": [f"L{i}" for i in rng.integers(0, 12, n)],
        "kind": rng.choice(["target", "non-target"], n, p=[0.7, 0.3]),
        "organ": rng.choice(["lung", "left lung", "liver", None], n),
        "nodal": rng.random(n) < 0.3,
        "ld_mm": rng.uniform(2, 40, n).round(1),
        "sa_mm": rng.uniform(2, 25, n).round(1),
        "status": rng.choice(["measured", "too_small"], n, p=[0.85, 0.15]),
        "slice_thickness_mm": rng.choice([1.25, 7.0], n)})


@pytest.mark.parametrize("seed", range(3))
def test_targets_per_organ_counted_alike_directly_or_hashed(seed, monkeypatch):
    import recist.baseline_rules as baseline_rules

    # many organs (a code range above the direct count's limit of a small table), lung
    # crowded
    table = _selection_table(seed).assign(
        organ=lambda t: np.where(np.arange(len(t)) % 4 == 0, t["patient_id"] + t["lesion_id"],
                                 "lung"), nodal=False)
    directly = check_target_selection(indexed(table))
    monkeypatch.setattr(baseline_rules, "dense_limit", lambda n_rows: -1)
    hashed = check_target_selection(indexed(table))
    assert directly == hashed
    assert any(f.code == "too-many-targets-in-organ" for f in directly)


@pytest.mark.parametrize("seed", range(20))
def test_earliest_baseline_rows_when_each_time_point_starts_with_its_earliest_row(seed):
    """Rows sorted by date (NaT last) within a shuffled table: every baseline time
    point's first row is dated its earliest date (or none is dated), the fast path."""
    raw = _random_table(seed)
    order = np.lexsort((raw["date"].isna().to_numpy(), raw["date"].to_numpy()))
    frame = indexed(raw.iloc[order].reset_index(drop=True))
    assert _earliest_baseline_rows(frame).tolist() == \
        _earliest_baseline_rows_plainly(frame).tolist()
