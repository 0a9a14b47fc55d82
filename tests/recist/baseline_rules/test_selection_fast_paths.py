"""Fast paths of ``check_target_selection``'s helpers give what their general path gives."""

import numpy as np
import pandas as pd
import pytest

from recist._checks_support import indexed
from recist.baseline_rules import (
    _CATEGORY_VALUES,
    _DistinctLesions,
    _group_texts,
    _groups_in_order,
    _packed_groups,
    check_target_selection,
    classify_lesions,
    classify_measurability,
)
from recist.criteria import RECIST_1_1


def _groups_by_pandas(codes: np.ndarray, rows: np.ndarray) -> list[list[int]]:
    """The rows of each group of codes, groups in order of first sight (groupby)."""
    return [rows[list(at)].tolist()
            for at in pd.Series(codes).groupby(codes, sort=False).indices.values()]


def _groups(codes: np.ndarray, rows: np.ndarray) -> list[list[int]]:
    members, starts = _groups_in_order(codes, rows)
    return [members[start:end].tolist() for start, end in zip(starts[:-1], starts[1:])]


def test_ascending_codes_are_grouped_as_any_codes_are():
    generator = np.random.default_rng(7)
    for size in (0, 1, 2, 50):
        codes = np.sort(generator.integers(0, 6, size))
        rows = np.sort(generator.choice(1000, size, replace=False))
        assert _groups(codes, rows) == _groups_by_pandas(codes, rows)
        shuffled = generator.permutation(codes)  # the general path
        assert _groups(shuffled, rows) == _groups_by_pandas(shuffled, rows)


def test_equal_neighbours_apart_are_one_group():
    # ascending but for the last: not runs (a run-based grouping would give 3 groups)
    codes, rows = np.array([1, 1, 2, 1]), np.array([3, 5, 8, 9])
    assert _groups(codes, rows) == [[3, 5, 9], [8]]


def _crowded_table(seed: int) -> pd.DataFrame:
    """Patients with several targets per organ (nodes too, some without an organ), the
    lesion ids and organs repeated from patient to patient, as categorical columns."""
    rng = np.random.default_rng(seed)
    rows = []
    for patient in range(40):
        for lesion in rng.choice(12, size=int(rng.integers(1, 9)), replace=False):
            nodal = bool(rng.random() < 0.3)
            organ = rng.choice(["liver", "left lung", "right lung", "neck", "x"])
            rows.append({"patient_id": f"P{patient:02d}", "lesion_id": f"L{lesion}",
                         "date": pd.Timestamp("2024-01-02"), "visit": "V0",
                         "kind": "target" if rng.random() < 0.8 else "non-target",
                         "status": "measured",
                         "organ": None if nodal and rng.random() < 0.5 else organ,
                         "nodal": nodal, "ld_mm": 30.0, "sa_mm": 18.0,
                         "slice_thickness_mm": np.nan})
    frame = pd.DataFrame(rows)
    return frame.astype({name: "category" for name in ("patient_id", "lesion_id", "organ")})


@pytest.mark.parametrize("seed", range(3))
def test_crowded_organs_listed_alike_by_pairs_flagged_hashed_or_each(seed, monkeypatch):
    import recist.baseline_rules as baseline_rules

    table = _crowded_table(seed)
    flagged = check_target_selection(indexed(table))
    assert sum(f.code == "too-many-targets-in-organ" for f in flagged) > 5
    each = check_target_selection(indexed(table.astype({"lesion_id": object,
                                                        "organ": object})))
    monkeypatch.setattr(baseline_rules, "dense_limit", lambda n_rows: -1)
    hashed = check_target_selection(indexed(table))
    assert flagged == each == hashed


def _dated_table(seed: int, n_rows: int = 300) -> pd.DataFrame:
    """Patients (a missing id among them) with visits, their baselines dated apart (one
    undated), dates tied."""
    rng = np.random.default_rng(seed)
    patients = np.array(["P3", "P1", None, "P2", "P4", "P5"], dtype=object)
    patient = rng.integers(0, len(patients), n_rows)
    days = pd.to_datetime("2024-01-01") + pd.to_timedelta(
        patient * 9 + rng.integers(0, 6, n_rows), "D")
    return pd.DataFrame({
        "patient_id": patients[patient],
        "lesion_id": [f"L{i}" for i in rng.integers(0, 4, n_rows)],
        "kind": rng.choice(["target", "non-target"], n_rows),
        "status": "measured", "organ": "liver", "nodal": rng.random(n_rows) < 0.3,
        "ld_mm": rng.uniform(5, 30, n_rows).round(1),
        "sa_mm": rng.uniform(5, 20, n_rows).round(1),
        "visit": np.array(["V1", "V2", None], dtype=object)[rng.integers(0, 3, n_rows)],
        "date": pd.Series(days).where(patient != 5)})


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("categories", ["sorted", "unsorted"])
def test_lesions_of_categorical_ids_as_of_plain_ids(seed, categories):
    """Categorical ids whose codes the encoding keeps (sorted categories: the lesions'
    ids made from the codes taken once; the baseline dates looked up by patient code) or
    renumbers (unsorted) give the lesions and findings of the table not indexed."""
    plain = _dated_table(seed)
    table = plain.copy()
    for name in ("patient_id", "lesion_id"):
        values = sorted(plain[name].dropna().unique())
        table[name] = pd.Categorical(plain[name], categories=values if categories == "sorted"
                                     else values[::-1])
    expected = classify_lesions(table)
    got = classify_lesions(indexed(table))
    pd.testing.assert_frame_equal(got, expected, check_dtype=False,  # kind: categorical
                                  check_categorical=False)
    for name in ("patient_id", "lesion_id"):
        assert got[name].dtype == table[name].dtype
    assert got["baseline_date"].isna().any() and got["patient_id"].isna().any()
    assert got["baseline_date"].nunique() >= 4
    assert check_target_selection(indexed(table)) == check_target_selection(expected)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("thickness", [1.25, 7.0, np.nan, "varied"])
def test_distinct_lesions_classified_as_each_lesion_is(seed, thickness):
    """Lesions of one slice thickness (nodes and the others hashed apart) or of several
    are classified as ``classify_measurability`` classifies each: -0.0, NaN, equal SAs of
    nodes whose LDs differ and equal LDs of lesions whose SAs differ included."""
    rng = np.random.default_rng(seed)
    n = 400
    values = np.array([np.nan, -0.0, 0.0, 9.995, 10.0, 12.3, 15.0, 19.999, 25.0])
    ld, sa = values[rng.integers(0, len(values), n)], values[rng.integers(0, len(values), n)]
    node = rng.random(n) < 0.4
    slices = (rng.choice([1.25, 7.0, np.nan], n) if thickness == "varied"
              else np.full(n, thickness))
    classes = _DistinctLesions.of(ld, sa, node, slices, RECIST_1_1)
    reasons, notes = classes.texts(classes.inverse)
    for i in range(n):
        expected = classify_measurability(ld[i], sa[i], bool(node[i]), slices[i])
        assert _CATEGORY_VALUES[classes.category[classes.inverse[i]]] == expected.category
        assert (reasons[i], notes[i]) == (expected.reason, "".join(expected.notes))


@pytest.mark.parametrize("seed", range(6))
def test_groups_packed_get_the_texts_of_groups_compared_size_by_size(seed, monkeypatch):
    """Groups told apart by one packed integer each are written and repeated as when
    compared size by size: each distinct (key, items) once, every group its text."""
    import recist.baseline_rules as baseline_rules

    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 5, 300)
    starts = np.r_[0, np.cumsum(sizes)]
    item = rng.integers(0, 3, int(starts[-1]))
    key = rng.integers(-1, 2, 300)
    firsts = np.arange(300)

    def written(calls):
        def text(first, start, end):
            calls.append(first)
            return f"{key[first]}:{item[start:end].tolist()}"
        return text

    packed_calls, compared_calls = [], []
    packed = _group_texts(starts, item, key, firsts, written(packed_calls))
    monkeypatch.setattr(baseline_rules, "_packed_groups", lambda *args: None)
    compared = _group_texts(starts, item, key, firsts, written(compared_calls))
    assert packed == compared == [f"{key[g]}:{item[starts[g]:starts[g + 1]].tolist()}"
                                  for g in range(300)]
    assert len(packed_calls) == len(compared_calls) == len(set(packed))


def test_groups_too_long_to_pack_are_compared_size_by_size():
    starts, item = np.array([0, 40, 80]), np.r_[np.arange(40), np.arange(40)]
    assert _packed_groups(starts, item, np.array([0, 0])) is None
    assert _group_texts(starts, item, np.array([0, 0]), np.array([0, 1]),
                        lambda first, start, end: str(first)) == ["0", "0"]
