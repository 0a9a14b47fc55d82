"""The table encoding (``recist.cohort_index``) against independent computations.

* ``text_codes`` gives ``pandas.factorize(values, sort=True)`` of the column as Python
  objects, whatever the column's dtype (object, ``string[python]``, ``string[pyarrow]``,
  ``pd.ArrowDtype``, categorical with unsorted or unused categories).
* The time points (docs/rules.md section 1) equal those of a plain per-row loop, on
  shuffled random tables with blank, padded and "<NA>" visit labels and same-day time
  points, in every text dtype; the checks' ``timepoint_index`` and the engine's
  ``index_timepoints`` agree with it and with each other.
* The indexed table carries its encoding, which selections and copies do not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist._checks_support import indexed
from recist.arrays import run_starts
from recist.baseline_rules import timepoint_index
from recist.cohort_index import (
    CohortIndex,
    IndexedMeasurements,
    _first_seen_runs,
    _numbered_runs,
    _visit_codes,
    index_of,
    repeated_pairs,
    small_codes,
    text_codes,
)
from recist.sums import index_timepoints

TEXT_DTYPES = ["object", "string[python]", "string[pyarrow]", "category", "arrow"]


def _as(values: pd.Series, dtype: str) -> pd.Series:
    if dtype == "arrow":
        import pyarrow as pa

        return values.astype(pd.ArrowDtype(pa.string()))
    return values.astype(dtype)


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_text_codes_are_sorted_factorize_codes(dtype):
    texts = pd.Series(["b", "a", None, "Ü", "B", "a", "", " a", "z", None], dtype=object)
    expected_codes, expected_uniques = pd.factorize(texts.to_numpy(dtype=object), sort=True)
    coded = text_codes(_as(texts, dtype))
    assert coded.codes.tolist() == expected_codes.tolist()
    assert coded.uniques.tolist() == list(expected_uniques)
    assert all(type(value) is str for value in coded.uniques)


def test_categorical_with_unsorted_and_unused_categories():
    values = pd.Categorical(["c", None, "a", "c"], categories=["c", "zz", "a"])
    coded = text_codes(pd.Series(values))
    assert coded.uniques.tolist() == ["a", "c", "zz"]  # sorted; the unused one kept
    assert coded.decode(coded.codes).tolist() == ["c", None, "a", "c"]


@pytest.mark.parametrize("categories", [["b", 2, "a", 1], [3, 1, 2], ["a", "b", "c"]])
def test_categorical_codes_follow_the_sorted_categories_whether_or_not_they_compare(categories):
    cells = [categories[2], None, categories[0], categories[-1]]
    coded = text_codes(pd.Series(pd.Categorical(cells, categories=categories)))
    uniques = pd.factorize(np.asarray(categories, dtype=object), sort=True)[1].tolist()
    assert coded.uniques.tolist() == uniques  # all categories, numbers before text
    assert coded.codes.tolist() == [-1 if cell is None else uniques.index(cell)
                                    for cell in cells]


def _clean(value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return None if text in ("", "<NA>") else text


def _reference(frame: pd.DataFrame) -> pd.DataFrame:
    """docs/rules.md section 1 by a loop: per row its time point's label, order within
    the patient, earliest and latest scan date."""
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(frame.astype(object).to_dict("records")):
        label = _clean(row.get("visit"))
        key = (row["patient_id"], (0, label) if label is not None
               else (1, pd.Timestamp(row["date"]).strftime("%Y-%m-%d")))
        groups.setdefault(key, []).append(i)
    out = [None] * len(frame)
    by_patient: dict[object, list] = {}
    dates = pd.to_datetime(frame["date"]).tolist()
    for key, rows in groups.items():
        days = [dates[i] for i in rows]
        by_patient.setdefault(key[0], []).append((min(days), max(days), key[1], rows))
    for tps in by_patient.values():
        for order, (first, last, (_, label), rows) in enumerate(sorted(tps)):
            for i in rows:
                out[i] = (label, order, first, last)
    return pd.DataFrame(out, columns=["label", "order", "first", "last"])


def _random_table(seed: int, dtype: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    visits = np.array(["BL", "C2", " C2", "C10", "", "<NA>", None, "Ü1"], dtype=object)
    frame = pd.DataFrame({
        "patient_id": rng.choice(np.array(["P2", "P10", "p1", "Q", "P2b"], dtype=object), n),
        "date": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(rng.choice([0, 0, 1, 14, 14, 30, 31], n), unit="D"),
        "visit": rng.choice(visits, n),
        "lesion_id": rng.choice(np.array(["T1", "T2", "N1"], dtype=object), n),
    })
    for column in ("patient_id", "visit", "lesion_id"):
        frame[column] = _as(frame[column], dtype)
    return frame


def _sorted_by_time_point(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in the order of their time point keys (patient, then visit labels sorted,
    then unlabelled dates): each time point's rows together, as in a sorted table."""
    label = [_clean(value) for value in frame["visit"].astype(object)]
    keys = frame.assign(_none=[text is None for text in label],
                        _label=[text or "" for text in label])
    return frame.loc[keys.sort_values(["patient_id", "_none", "_label", "date"],
                                      kind="stable").index].reset_index(drop=True)


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
@pytest.mark.parametrize("seed", [1, 2, 3, "sorted"])
def test_timepoints_equal_a_plain_loop(seed, dtype):
    if seed == "sorted":  # time point keys in ascending order: numbered by their runs
        frame = _sorted_by_time_point(_random_table(4, dtype))
        codes = CohortIndex(frame).timepoints.timepoint_code
        assert (codes[1:] >= codes[:-1]).all()
    else:
        frame = _random_table(seed, dtype)
    expected = _reference(frame)
    row_tp, tps = index_timepoints(frame)
    assert tps["visit"].to_numpy()[row_tp].tolist() == expected["label"].tolist()
    assert tps["tp_order"].to_numpy()[row_tp].tolist() == expected["order"].tolist()
    assert (tps["first_ns"].to_numpy()[row_tp]
            == expected["first"].to_numpy(dtype="datetime64[ns]").view(np.int64)).all()
    assert (tps["last_ns"].to_numpy()[row_tp]
            == expected["last"].to_numpy(dtype="datetime64[ns]").view(np.int64)).all()
    # one row per time point, by patient id (as text), then in order
    keys = list(zip(tps["patient_id"].astype(str), tps["tp_order"]))
    assert keys == sorted(keys)
    checks = timepoint_index(frame)
    assert checks["timepoint"].tolist() == expected["label"].tolist()
    assert checks["timepoint_order"].tolist() == expected["order"].tolist()
    assert checks["is_baseline"].tolist() == (expected["order"] == 0).tolist()
    assert (checks["timepoint_start"].to_numpy() == expected["first"].to_numpy()).all()
    assert checks["has_visit"].tolist() == [_clean(v) is not None
                                            for v in frame["visit"].astype(object)]


def _first_seen_codes(values) -> list[int]:
    return pd.factorize(np.asarray(values, dtype=object))[0].tolist()


def test_checks_codes_are_numbered_by_first_row():
    frame = _random_table(5, "string[python]")
    checks = timepoint_index(frame)
    assert checks["patient_code"].tolist() == _first_seen_codes(frame["patient_id"])
    labels = checks["timepoint"].astype(str)
    assert checks["timepoint_code"].tolist() == _first_seen_codes(
        frame["patient_id"].astype(str) + "\x00" + labels)
    table = indexed(frame.assign(kind="target", status="measured"))
    assert table["lesion_code"].tolist() == _first_seen_codes(
        frame["patient_id"].astype(str) + "\x00" + frame["lesion_id"].astype(str))



def test_lesion_codes_are_numbered_by_first_row_when_the_pairs_exceed_int32():
    # 50,001 ids and 50,001 lesion ids: (patients + 1) x (lesion ids + 1) > 2**31, so the
    # pairs are keyed as int64 (int32 below that)
    rng = np.random.default_rng(7)
    n = 50_001
    patient = np.array([f"P{i}" for i in rng.permutation(n)] + ["P0", "P1"], dtype=object)
    lesion = np.array([f"L{i}" for i in rng.permutation(n)] + ["L9", "L9"], dtype=object)
    encoding = CohortIndex({"patient_id": pd.Series(patient), "lesion_id": pd.Series(lesion)})
    assert encoding.patient_lesion().dtype == np.int64
    assert encoding.lesion_code.tolist() == _first_seen_codes(
        pd.Series(patient) + "\x00" + pd.Series(lesion))

@pytest.mark.parametrize("change", ["none", "missing-id", "unused-category", "gap"])
def test_patient_codes_of_time_points_in_sorted_order(change):
    # time points in their sorted order (ascending patient codes: one pass decides): the
    # patients' codes are their numbers by first row only with every code 0 .. n - 1 (no
    # missing id first, no unused category last, no patient missing between)
    patients = ["P0", "P1", "P2", "P3"]
    frame = pd.DataFrame({  # each patient's visits in date order, two rows each
        "patient_id": np.repeat(patients, 6),
        "visit": np.tile(np.repeat(["V0", "V1", "V2"], 2), 4),
        "date": np.tile(np.repeat(pd.to_datetime(["2024-01-02", "2024-02-01", "2024-03-04"]),
                                  2), 4)})
    # the missing id's case without P0 among the categories: the codes then rise by one
    # from -1 (-1, 0, 1, 2), so only the first code's test tells it apart
    categories = {"unused-category": [*patients, "Q9"], "gap": ["P0", "P1", "P2", "P2a", "P3"],
                  "missing-id": patients[1:]}
    if change == "missing-id":  # the first patient's rows: code -1, the first time points
        frame.loc[frame["patient_id"] == "P0", "patient_id"] = None
    frame["patient_id"] = pd.Categorical(frame["patient_id"],
                                         categories=categories.get(change, patients))
    encoding = CohortIndex(frame)
    assert encoding.timepoints.row_tp is encoding.timepoints.timepoint_code
    assert encoding._patients_first_seen_in_code_order is (change == "none")
    assert encoding.patient_code.tolist() == _first_seen_codes(
        frame["patient_id"].astype(object).fillna("(missing)"))


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_patient_rank_is_each_patients_number_by_first_row(dtype):
    frame = _random_table(6, dtype)
    frame["patient_id"] = frame["patient_id"].astype(object).where(
        np.arange(len(frame)) % 7 != 3, None).astype(frame["patient_id"].dtype)
    if dtype == "category":  # an unused category ranks 0
        frame["patient_id"] = frame["patient_id"].cat.add_categories(["unused"])
    encoding = CohortIndex(frame)
    rank = encoding.patient_rank
    assert rank[encoding.patient.codes.astype(int) + 1].tolist() == _first_seen_codes(
        frame["patient_id"].astype(object).fillna("\x00missing"))
    assert encoding.patient_code.tolist() == rank[encoding.patient.codes.astype(int) + 1].tolist()
    used = np.zeros(len(rank), dtype=bool)
    used[encoding.patient.codes.astype(int) + 1] = True
    assert (rank[~used] == 0).all()


def test_the_indexed_table_carries_its_encoding_and_selections_do_not():
    frame = _random_table(7, "string[python]").assign(kind="target", status="measured")
    table = indexed(frame)
    assert isinstance(table, IndexedMeasurements)
    encoding = index_of(table)
    assert index_of(table) is encoding and indexed(table) is table
    assert table["kind"].dtype == "category"
    for derived in (table.copy(), table.iloc[:10], table[["patient_id", "date"]]):
        assert type(derived) is pd.DataFrame
        assert index_of(derived) is not encoding
    # the checks' columns are the encoding's time points
    assert (table["timepoint_code"].to_numpy() == encoding.timepoints.timepoint_code).all()
    pd.testing.assert_frame_equal(timepoint_index(table), timepoint_index(frame))


def test_each_part_is_computed_once_and_only_when_asked():
    frame = pd.DataFrame({"patient_id": ["P"], "date": pd.to_datetime(["2024-01-02"])})
    encoding = CohortIndex(frame)
    assert encoding.timepoints is encoding.timepoints
    assert encoding.timepoints.order.tolist() == [0]
    with pytest.raises(KeyError, match="kind"):
        encoding.kind  # noqa: B018 -- the column is read when the part is asked for


def test_a_row_without_visit_or_date_is_a_time_point_without_label():
    frame = pd.DataFrame({"patient_id": ["P", "P", "P"], "visit": [None, "C2", None],
                          "date": pd.to_datetime(["2024-01-02", "2024-02-01", None])})
    row_tp, tps = index_timepoints(frame)
    assert tps["visit"].to_numpy()[row_tp].tolist() == ["2024-01-02", "C2", None]


@pytest.mark.parametrize("dtype", TEXT_DTYPES)
def test_rows_equal_and_rows_of_select_the_rows_holding_the_values(dtype):
    texts = pd.Series(["b", "a", None, "B", "a", "", " a", None], dtype=object)
    coded = text_codes(_as(texts, dtype))
    for wanted in [("a",), ("a", "b"), ("",), ("absent",), ()]:
        expected = [text is not None and text in wanted for text in texts]
        assert coded.rows_equal(*wanted).tolist() == expected
    assert coded.rows_of("a").tolist() == [False, True, False, False, True, False, False, False]
    assert coded.rows_of("absent").tolist() == [False] * len(texts)


def test_rows_of_is_computed_once_and_cannot_be_changed_in_place():
    coded = text_codes(pd.Series(["a", "b", "a"]))
    mask = coded.rows_of("a")
    assert coded.rows_of("a") is mask
    with pytest.raises(ValueError, match="read-only"):
        mask &= coded.rows_of("b")
    fresh = coded.rows_equal("a")
    fresh &= coded.rows_of("b")  # rows_equal gives a new array each call
    assert fresh.tolist() == [False, False, False] and mask.tolist() == [True, False, True]


@pytest.mark.parametrize(("visits", "codes", "labels"), [
    pytest.param(["C2", None, "C1", "C2"], [1, -1, 0, 1], ["C1", "C2"], id="clean-labels"),
    pytest.param([" C2", "C2", "", "C1", "<NA>"], [1, 1, -1, 0, -1], ["C1", "C2"],
                 id="labels-cleaned"),
    pytest.param(["b", "a", " "], [1, 0, -1], ["a", "b"], id="blank-last"),
])
def test_visit_codes_clean_and_not(visits, codes, labels):
    """Each row's visit label code into the sorted cleaned labels (-1: no label), whether
    the column's own values are the labels or need cleaning."""
    got, got_labels = _visit_codes(text_codes(pd.Series(visits, dtype=object)), len(visits))
    assert got.dtype == np.int32
    assert got.tolist() == codes
    assert got_labels.tolist() == labels


@pytest.mark.parametrize("seed", range(5))
def test_first_seen_runs_hash_runs_and_give_factorize_codes(seed):
    # keys repeated in runs (rows of a time point together) and out of order, some runs
    # of a key apart and some of length one: each row's code and the distinct keys are
    # those of pandas.factorize over every row
    rng = np.random.default_rng(seed)
    key = np.repeat(rng.integers(-3, 40, 300), rng.integers(1, 4, 300)).astype(np.int32)
    heads = np.flatnonzero(run_starts(key))
    run_codes, uniques = _first_seen_runs(key, heads)
    codes = np.repeat(run_codes, np.diff(heads, append=len(key)))
    expected_codes, expected_uniques = pd.factorize(key)
    assert codes.tolist() == expected_codes.tolist()
    assert uniques.tolist() == expected_uniques.tolist()
    assert codes.dtype == np.int64 and uniques.dtype == np.int64


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("keys", ["narrow", "wide", "ascending"])
def test_numbered_runs_give_factorize_codes_in_a_table_or_hashed(seed, keys):
    # runs of keys out of order, some apart, negative ones among them: numbered in a
    # table of one entry per key (narrow range), hashed (a range beyond dense_limit), or
    # each run its own key (ascending: a sorted table); always pandas.factorize's codes
    rng = np.random.default_rng(seed)
    high = 10 ** 6 if keys == "wide" else 40
    run_keys = rng.integers(-3, high, 300)
    if keys == "ascending":
        run_keys = np.unique(run_keys)
    key = np.repeat(run_keys, rng.integers(1, 4, len(run_keys))).astype(np.int32)
    heads = np.flatnonzero(run_starts(key))
    run_codes, uniques, codes, first_runs = _numbered_runs(key, heads, -3, high)
    expected_codes, expected_uniques = pd.factorize(key)
    assert codes.tolist() == expected_codes.tolist()
    assert run_codes.tolist() == expected_codes[heads].tolist()
    assert (first_runs is None) is (keys == "wide")  # the first runs: of the table only
    if first_runs is not None:
        assert first_runs.tolist() == [int(np.flatnonzero(run_codes == code)[0])
                                       for code in range(len(uniques))]
    assert uniques.tolist() == expected_uniques.tolist()
    assert codes.dtype == small_codes(expected_codes, len(expected_uniques)).dtype
    assert uniques.dtype == np.int64


@pytest.mark.parametrize("n_patients", [5, 300])
def test_lesion_codes_with_missing_ids_are_numbered_by_first_row(n_patients):
    # missing patient and lesion ids among the pairs (the lowest keys: the table's end);
    # 5 patients x 4 lesion ids: pairs numbered in a table; 300 patients x 200 lesion ids
    # on 400 rows: beyond dense_limit, hashed
    rng = np.random.default_rng(n_patients)
    n_lesions = 200 if n_patients > 5 else 4
    patient = rng.choice(np.array([f"P{i}" for i in range(n_patients)] + [None], object), 400)
    lesion = rng.choice(np.array([f"L{i}" for i in range(n_lesions)] + [None], object), 400)
    patient[:n_patients], lesion[:n_lesions] = [f"P{i}" for i in range(n_patients)], [
        f"L{i}" for i in range(n_lesions)]  # every id used: the widest key range
    patient[-1], lesion[-1] = None, None
    encoding = CohortIndex({"patient_id": pd.Series(patient), "lesion_id": pd.Series(lesion)})
    missing = "(missing)"  # no id here (pandas hashes text up to a NUL: not that)
    assert encoding.lesion_code.tolist() == _first_seen_codes(
        pd.Series(patient).fillna(missing) + "/" + pd.Series(lesion).fillna(missing))
    # each lesion's first row: kept from the table's numbering, or found over the rows
    first_rows = encoding.lesion_first_rows
    assert ("_lesion_first_rows" in encoding.__dict__) is (n_patients == 5)
    assert first_rows.dtype == np.int64 and not first_rows.flags.writeable
    assert first_rows.tolist() == [encoding.lesion_code.tolist().index(code)
                                   for code in range(encoding.n_lesions)]


@pytest.mark.parametrize("n_copies", [0, 1, 3])
@pytest.mark.parametrize("dense", [True, False])
def test_repeated_pairs_marks_every_row_of_a_pair_seen_twice(n_copies, dense):
    # distinct (lesion, order) pairs, then a few rows copied: the pairs counted directly
    # (dense) or hashed; no copy -> no row marked (the distinct pairs' shortcut), else
    # the rows of each copied pair, as duplicated(keep=False) marks them
    rng = np.random.default_rng(n_copies)
    lesion, order = np.divmod(rng.permutation(400)[:150], 8)
    copied = rng.choice(150, n_copies, replace=False)
    lesion, order = np.r_[lesion, lesion[copied]], np.r_[order, order[copied]]
    expected = pd.DataFrame({"l": lesion, "o": order}).duplicated(keep=False).to_numpy()
    n_lesions = None if dense else 10**9  # a range too large to count directly
    marked = repeated_pairs(lesion, order, n_lesions)
    assert marked.tolist() == expected.tolist()
    assert marked.sum() == 2 * n_copies


def _timepoints_in_runs(seed: int, same_date_in_run: bool, with_nat: bool) -> pd.DataFrame:
    """A table whose time points' rows come in runs (several runs of some time points,
    at other dates), each run of one date or not, with or without undated rows."""
    rng = np.random.default_rng(seed)
    n_runs = 60
    patient = rng.choice(np.array(["P1", "P2", "P3"], dtype=object), n_runs)
    visit = rng.choice(np.array(["BL", "C2", "C3", None], dtype=object), n_runs)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 5, n_runs), unit="D")
    length = rng.integers(1, 4, n_runs)
    frame = pd.DataFrame({"patient_id": np.repeat(patient, length),
                          "visit": np.repeat(visit, length),
                          "date": np.repeat(day.to_numpy(), length),
                          "lesion_id": "T1"})
    if not same_date_in_run:  # a later row of a run dated a day later
        inner = np.flatnonzero(np.r_[False, frame["patient_id"].to_numpy()[1:]
                                     == frame["patient_id"].to_numpy()[:-1]])
        frame.loc[inner[::3], "date"] += pd.Timedelta(days=1)
    if with_nat:
        frame.loc[rng.choice(len(frame), 4, replace=False), "date"] = pd.NaT
    return frame


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("same_date_in_run", [True, False])
@pytest.mark.parametrize("with_nat", [False, True])
def test_timepoint_dates_by_runs_equal_those_by_rows(seed, same_date_in_run, with_nat,
                                                     monkeypatch):
    # the groups' dates taken from their runs (each run of one date, none NaT) equal
    # those taken from every row, and the reference loop's where no row is undated
    import recist.cohort_index as cohort_index

    frame = _timepoints_in_runs(seed, same_date_in_run, with_nat)
    by_runs = CohortIndex(frame).timepoints
    monkeypatch.setattr(cohort_index, "_constant_in_runs", lambda values, starts: False)
    by_rows = CohortIndex(frame).timepoints
    for name in ("row_tp", "timepoint_code", "patient", "order", "first_ns", "last_ns",
                 "label_code"):
        assert getattr(by_runs, name).tolist() == getattr(by_rows, name).tolist(), name
        assert getattr(by_runs, name).dtype == getattr(by_rows, name).dtype, name
    assert by_runs.one_date_each == by_rows.one_date_each
    if not with_nat:
        expected = _reference(frame)
        row_tp = by_runs.row_tp.astype(np.intp)
        assert by_runs.order[row_tp].tolist() == expected["order"].tolist()
        assert (by_runs.first_ns[row_tp] == expected["first"].to_numpy(
            dtype="datetime64[ns]").view(np.int64)).all()
        assert (by_runs.last_ns[row_tp] == expected["last"].to_numpy(
            dtype="datetime64[ns]").view(np.int64)).all()
        assert by_runs.one_date_each == bool((expected["first"] == expected["last"]).all())


@pytest.mark.parametrize("c2_dates", [["2024-01-05", "2024-01-05"], ["2024-01-05", "2024-01-07"]])
def test_an_undated_run_of_a_dated_time_point_is_skipped(c2_dates, monkeypatch):
    # a run of one undated row (each run holds one value, NaT here) in a time point whose
    # other rows are dated: its dates are those of the dated rows, as taken from the rows
    import recist.cohort_index as cohort_index

    frame = pd.DataFrame({
        "patient_id": ["P1"] * 5, "visit": ["BL", "BL", "C2", "BL", "C2"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-01", c2_dates[0], None, c2_dates[1]]),
        "lesion_id": ["T1", "T2", "T1", "T3", "T2"]})
    tps = CohortIndex(frame).timepoints
    assert tps.first_ns.view("datetime64[ns]").astype(str).tolist() == [
        "2024-01-01T00:00:00.000000000", f"{c2_dates[0]}T00:00:00.000000000"]
    assert tps.last_ns.view("datetime64[ns]").astype(str).tolist() == [
        "2024-01-01T00:00:00.000000000", f"{c2_dates[1]}T00:00:00.000000000"]
    assert tps.one_date_each == (c2_dates[0] == c2_dates[1])
    monkeypatch.setattr(cohort_index, "_constant_in_runs", lambda values, starts: False)
    by_rows = CohortIndex(frame).timepoints
    assert tps.first_ns.tolist() == by_rows.first_ns.tolist()
    assert tps.one_date_each == by_rows.one_date_each


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_baseline_rows_alike_from_the_time_point_codes_or_not(seed):
    # timepoint_codes keeps the baseline rows of the is_baseline mask it makes: the rows
    # of row_order 0, as baseline_rows finds them itself, read-only either way
    frame = _random_table(seed, "object")
    from_codes = CohortIndex(frame)
    is_baseline = from_codes.timepoint_codes()["is_baseline"]
    alone = CohortIndex(frame).baseline_rows
    assert from_codes.baseline_rows.tolist() == alone.tolist()
    assert alone.tolist() == np.flatnonzero(is_baseline).tolist()
    assert alone.tolist() == np.flatnonzero(_reference(frame)["order"] == 0).tolist()
    assert not from_codes.baseline_rows.flags.writeable and not alone.flags.writeable
    is_baseline[:] = False  # the mask given is the caller's own
    assert from_codes.baseline_rows.tolist() == alone.tolist()


@pytest.mark.parametrize("in_order", [True, False])
def test_time_points_in_sorted_order_share_their_codes(in_order):
    # numbered by first row in their sorted order (patient, then date), the rows' positions
    # are their codes: one array; out of that order, positions differ from codes
    frame = pd.DataFrame({
        "patient_id": ["P1", "P1", "P1", "P2", "P2", "P1"],
        "visit": ["BL", "BL", "W8", "BL", "W8", "W4"],
        "date": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-03-01", "2024-01-05",
                                "2024-03-04", "2024-02-01"])})
    if in_order:  # P1's W4 before its W8
        frame = frame.iloc[[0, 1, 5, 2, 3, 4]].reset_index(drop=True)
    tps = CohortIndex(frame).timepoints
    assert (tps.row_tp is tps.timepoint_code) is in_order
    expected = _reference(frame)
    assert tps.order[tps.row_tp].tolist() == expected["order"].tolist()
    assert tps.label[tps.row_tp].tolist() == expected["label"].tolist()
    assert tps.timepoint_code.tolist() == _first_seen_codes(
        frame["patient_id"] + "/" + frame["visit"])
    assert tps.patient.tolist() == [0, 0, 0, 1, 1]
    assert tps.order.tolist() == [0, 1, 2, 0, 1]


def test_row_orders_are_small_integers_and_timepoint_index_keeps_int64():
    frame = _random_table(7, "object")
    encoding = CohortIndex(frame)
    expected = _reference(frame)["order"].tolist()
    assert encoding.row_order.dtype == np.int8
    assert encoding.row_order.tolist() == expected
    assert indexed(frame)["timepoint_order"].tolist() == expected
    index = timepoint_index(frame)["timepoint_order"]
    assert index.dtype == np.int64 and index.tolist() == expected


@pytest.mark.parametrize("n_orders", [3, 8, 9, 17])
@pytest.mark.parametrize("copied", [False, True])
def test_rows_per_lesion_counted_from_the_flags_as_bincount(n_orders, copied):
    # distinct (lesion, order) pairs: each lesion's rows counted from its flags (one or
    # more words of eight); a pair copied: counted over the rows; always np.bincount
    from recist.cohort_index import _flagged_pairs

    rng = np.random.default_rng(n_orders)
    lesion, order = np.divmod(rng.permutation(40 * n_orders)[:200], n_orders)
    if copied:
        lesion, order = np.r_[lesion, lesion[:1]], np.r_[order, order[:1]]
    repeated, counted = _flagged_pairs(lesion, order)
    assert bool(repeated.any()) is copied
    assert (counted is None) is copied
    if not copied:
        assert counted.tolist() == np.bincount(lesion).tolist()
    frame = pd.DataFrame({"patient_id": "P", "lesion_id": [f"L{i}" for i in lesion],
                          "visit": [f"V{o:02d}" for o in order],
                          "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(order, "D")})
    encoding = CohortIndex(frame)
    assert (encoding.repeated_rows is not None) is copied
    assert encoding.rows_per_lesion().tolist() == np.bincount(encoding.lesion_code).tolist()
    encoding.forget_row_masks()  # counted again over the rows
    assert encoding.rows_per_lesion().tolist() == np.bincount(encoding.lesion_code).tolist()
