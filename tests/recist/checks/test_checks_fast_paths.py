"""The checks' fast paths give what their plain formulations give, special cases included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist._checks_support import decoded, indexed
from recist.baseline_rules import _classified_lesions, check_target_selection, classify_lesions
from recist.checks_rows import _earliest_baseline_rows, _start_rows_by_code
from recist.cohort_index import index_of, text_codes
from recist.criteria import RECIST_1_1


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
def test_earliest_baseline_rows_when_each_time_point_starts_with_its_earliest_row(
        seed, monkeypatch):
    """Rows sorted by date (NaT last) within a shuffled table: every baseline time
    point's first row is dated its earliest date (or none is dated), the fast path (the
    search of the candidates is never called)."""
    import recist.checks_rows as checks_rows

    raw = _random_table(seed)
    order = np.lexsort((raw["date"].isna().to_numpy(), raw["date"].to_numpy()))
    frame = indexed(raw.iloc[order].reset_index(drop=True))
    expected = _earliest_baseline_rows_plainly(frame).tolist()

    def not_on_the_fast_path(*args):
        raise AssertionError("the candidates were sought")

    monkeypatch.setattr(checks_rows, "_earliest_dated", not_on_the_fast_path)
    assert _earliest_baseline_rows(frame).tolist() == expected


def _status_findings_plainly(table: pd.DataFrame) -> list[tuple[str, int]]:
    """check_status_diameters' (code, row) pairs, row by row (DEC-18, SUM-4)."""
    from recist.vocabulary import LESION_STATUSES

    found: dict[str, list[int]] = {code: [] for code in (
        "absent-with-diameter", "absent-node-with-sa", "measured-without-diameter",
        "present-normal-node", "status-not-allowed", "status-with-diameter")}
    baseline = indexed(table)["is_baseline"].to_numpy()
    for i, r in enumerate(table.to_dict("records")):
        ld, sa, kind, status = r["ld_mm"], r["sa_mm"], r["kind"], r["status"]
        sized = bool(ld > 0) or bool(sa > 0)
        normal_node = bool(r["nodal"]) and bool(np.round(sa, 2) < 10)
        if status == "absent" and sized:
            found["absent-with-diameter" if not normal_node else
                  "absent-node-with-sa"].append(i)
            if normal_node and kind != "target":
                found["absent-node-with-sa"].pop()
        if kind == "target" and status == "measured" and np.isnan(sa if r["nodal"] else ld):
            found["measured-without-diameter"].append(i)
        if kind == "non-target" and status == "present" and normal_node and not baseline[i]:
            found["present-normal-node"].append(i)
        if kind in LESION_STATUSES and status not in LESION_STATUSES[kind]:
            found["status-not-allowed"].append(i)
        if status in ("merged", "too_small", "not_evaluated") and sized:
            found["status-with-diameter"].append(i)
    return [(code, i) for code, rows in found.items() for i in rows]


def _status_table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    return pd.DataFrame({
        "patient_id": [f"P{i}" for i in rng.integers(0, 8, n)],
        "lesion_id": [f"L{i}" for i in range(n)],  # the row, named by its finding
        "date": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 3, n), "D"),
        "kind": rng.choice(np.array(["target", "non-target", "new", "odd", None],
                                    dtype=object), n),
        "status": rng.choice(np.array(["measured", "absent", "present", "merged", "too_small",
                                       "not_evaluated", "progression", "equivocal", "odd",
                                       None], dtype=object), n),
        "nodal": rng.random(n) < 0.4,
        "ld_mm": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(0, 30, n).round(2)),
        "sa_mm": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(0, 20, n).round(2))})


def _status_findings(table: pd.DataFrame) -> list[tuple[str, int]]:
    from recist.checks_rows import check_status_diameters

    return [(f.code, int(f.lesion_id[1:])) for f in check_status_diameters(table)]


@pytest.mark.parametrize("seed", range(8))
def test_status_diameters_as_row_by_row(seed):
    table = _status_table(seed)
    assert _status_findings(table) == _status_findings_plainly(table)


@pytest.mark.parametrize("seed", range(4))
def test_status_diameters_of_categories_as_row_by_row(seed):
    """Kinds and statuses as categories, unused ones among them: looked up by the pair of
    codes (``_status_flags``) as the text columns are."""
    table = _status_table(seed)
    for column, unused in (("kind", "never"), ("status", "unseen")):
        values = table[column].dropna().unique().tolist()
        table[column] = pd.Categorical(table[column], categories=[unused, *values])
    assert _status_findings(table) == _status_findings_plainly(table)


@pytest.mark.parametrize("limit", [1 << 20, 4])
def test_status_flags_of_many_distinct_values_as_pair_by_pair(monkeypatch, limit):
    """Hundreds of distinct kinds and statuses (a table that is not normalised): one
    ``_pair_flags`` per pair of classes, the same flags as asked pair by pair, through
    the table of ~10^5 pairs and (a limit of 4) through the rows' classes."""
    from recist import checks_rows

    monkeypatch.setattr(checks_rows, "_PAIR_TABLE_LIMIT", limit)
    named = ["target", "non_target", "new", "measured", "absent", "present", "merged",
             "too_small", "not_evaluated", "unequivocal", None]
    rng = np.random.default_rng(5)
    kinds = [*named, *(f"kind {i}" for i in range(300))]
    statuses = [*named, *(f"status {i}" for i in range(300))]
    kind = pd.Series(rng.choice(np.array(kinds, dtype=object), 6000))
    status = pd.Series(rng.choice(np.array(statuses, dtype=object), 6000))
    calls = []
    pair_flags = checks_rows._pair_flags
    monkeypatch.setattr(checks_rows, "_pair_flags",
                        lambda k, s: calls.append(1) or pair_flags(k, s))
    flags = checks_rows._status_flags(text_codes(kind), text_codes(status))
    assert len(calls) < 200  # per class, not per distinct pair (~10^5)
    expected = [pair_flags(None if pd.isna(k) else k, None if pd.isna(s) else s)
                for k, s in zip(kind, status)]
    assert flags.tolist() == expected


def test_status_diameters_tables_find_every_code():
    codes = {code for seed in range(8) for code, _ in _status_findings(_status_table(seed))}
    assert len(codes) == 6


def test_findings_at_rows_without_lesions_as_findings_at():
    """The visit part of the messages written once per label, as row by row."""
    from recist._checks_support import findings_at, findings_at_rows
    from recist.findings import Severity

    raw = pd.DataFrame({
        "patient_id": ["P1", "P1", "P2", "P2", "P1"], "lesion_id": ["T1"] * 5,
        "kind": "target", "visit": [" C1 ", None, "C2", "", "C1"],
        "date": pd.to_datetime(["2024-01-02", "2024-02-01", "2024-01-03", None,
                                "2024-01-02"])})
    rows = [4, 3, 1, 0, 2]
    texts = [f"text {i}" for i in rows]
    by_rows = findings_at_rows(indexed(raw), rows, "c", "R-1", Severity.WARNING, texts,
                               lesion=False)
    assert by_rows == findings_at(raw.iloc[rows], "c", "R-1", Severity.WARNING, texts,
                                  lesion=False)
    assert [f.message for f in by_rows][:2] == [
        "patient P1, 2024-01-02 (visit C1): text 4", "patient P2, None: text 3"]
    # with the lesions named: the visit parts written once per label too
    with_lesions = findings_at_rows(indexed(raw), rows, "c", "R-1", Severity.WARNING, texts)
    assert with_lesions == findings_at(raw.iloc[rows], "c", "R-1", Severity.WARNING, texts)
    assert [f.message for f in with_lesions][:2] == [
        "patient P1, 2024-01-02 (visit C1), lesion T1: text 4",
        "patient P2, None, lesion T1: text 3"]


@pytest.mark.parametrize("seed", range(6))
def test_findings_at_rows_by_text_codes_as_by_each_text(seed):
    """Messages written from their part after the patient (made once per distinct date,
    visit and text) as when each finding's text is given: tails shared by several
    patients, an undated row, rows without a visit or with a blank one."""
    from recist._checks_support import findings_at, findings_at_rows
    from recist.findings import Severity

    raw = _random_table(seed, n_rows=120)
    raw["visit"] = raw["visit"].where(raw.index % 7 != 3, "")
    rng = np.random.default_rng(seed)
    rows = rng.permutation(len(raw))[:60]
    distinct = ["text a", "text b", "text a"]  # equal texts at two codes: one tail each
    text_codes = rng.integers(0, len(distinct), len(rows))
    each = [distinct[code] for code in text_codes]
    codes = np.array([f"c{code}" for code in text_codes], dtype=object)
    by_codes = findings_at_rows(indexed(raw), rows, codes, "R-1", Severity.WARNING,
                                distinct, lesion=False, text_codes=text_codes)
    assert by_codes == findings_at(raw.iloc[rows], codes, "R-1", Severity.WARNING, each,
                                   lesion=False)
    assert by_codes == findings_at_rows(indexed(raw), rows, codes, "R-1", Severity.WARNING,
                                        each, lesion=False)
    tails = {f.message.split(", ", 1)[1] for f in by_codes}
    assert len(tails) < len(by_codes)  # some written once for several findings
    assert any(f.date is None for f in by_codes) and any(f.visit is None for f in by_codes)
    # with the lesions named, or a plain table: the texts picked by their codes
    assert findings_at_rows(indexed(raw), rows, codes, "R-1", Severity.WARNING, distinct,
                            text_codes=text_codes) == findings_at(
        raw.iloc[rows], codes, "R-1", Severity.WARNING, each)
    assert findings_at_rows(raw, rows, codes, "R-1", Severity.WARNING, distinct,
                            lesion=False, text_codes=text_codes) == by_codes


@pytest.mark.parametrize("seed", range(10))
def test_earliest_baseline_rows_of_a_table_sorted_by_patient_and_date(seed):
    """Time points numbered in table order (their codes never fall among the baseline
    rows: no running maximum taken), several rows each, undated ones among them."""
    raw = _random_table(seed).dropna(subset=["patient_id"])
    order = np.lexsort((raw["date"].isna().to_numpy(), raw["date"].to_numpy(),
                        raw["patient_id"].to_numpy()))
    sorted_raw = raw.iloc[order].reset_index(drop=True)
    frame = indexed(sorted_raw)
    codes = frame["timepoint_code"].to_numpy()[frame["is_baseline"].to_numpy(dtype=bool)]
    assert (codes[1:] >= codes[:-1]).all()
    assert _earliest_baseline_rows(frame).tolist() == \
        _earliest_baseline_rows_plainly(frame).tolist()


@pytest.mark.parametrize("seed", range(6))
def test_baseline_window_alike_for_a_patients_table_in_id_order_or_not(seed):
    from recist.checks_rows import check_baseline_window

    table = _random_table(seed).dropna(subset=["patient_id", "date"])
    rng = np.random.default_rng(seed)
    ids = sorted(table["patient_id"].unique())
    patients = pd.DataFrame({
        "patient_id": ids,
        "start_date": pd.to_datetime("2024-01-01") + pd.to_timedelta(
            rng.integers(-40, 60, len(ids)), "D")})
    in_order = check_baseline_window(table, patients)  # looked up by code
    shuffled = check_baseline_window(table, patients.iloc[::-1])  # looked up by text
    assert in_order == shuffled
    assert len(in_order) >= 1
    coded = index_of(indexed(table)).patient  # the paths each call took
    texts = np.asarray(ids, dtype=object)
    assert _start_rows_by_code(coded, texts) is not None
    assert _start_rows_by_code(coded, texts[::-1]) is None


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("reverse", [False, True])  # looked up by code, or by text
def test_baseline_window_alike_for_patient_ids_of_string_dtype_or_objects(seed, reverse):
    """A ``string`` id column's cells are read as they are (no ``astype(str)``), its
    missing ids left out first: the findings of an object column of the same ids."""
    from recist.checks_rows import check_baseline_window

    table = _random_table(seed).dropna(subset=["patient_id", "date"])
    rng = np.random.default_rng(seed)
    ids = [*sorted(table["patient_id"].unique()), None]  # a patient without an id
    patients = pd.DataFrame({
        "patient_id": pd.Series(ids, dtype=object),
        "start_date": pd.to_datetime("2024-01-01") + pd.to_timedelta(
            rng.integers(-40, 60, len(ids)), "D")})
    if reverse:
        patients = patients.iloc[::-1]
    as_objects = check_baseline_window(table, patients)
    as_strings = check_baseline_window(
        table, patients.assign(patient_id=patients["patient_id"].astype("string")))
    assert as_strings == as_objects
    assert len(as_objects) >= 1


@pytest.mark.parametrize("cells", [["P1", "P1", "P2", "P3", "P2", "P1"],  # in order
                                   ["P1", "P3", "P2"],  # P3 before P2
                                   ["P1", "P3", "P3"],  # P2 unused
                                   ["P2", "P1"]])
def test_first_seen_values_of_categories_seen_in_their_order(cells):
    from recist.baseline_rules import _first_seen_values

    column = pd.Series(pd.Categorical(cells, categories=["P1", "P2", "P3"]))
    codes, values = _first_seen_values(column)
    expected_codes, expected_values = pd.factorize(np.asarray(column.array, dtype=object))
    assert codes.tolist() == expected_codes.tolist()
    assert values.tolist() == list(expected_values)


@pytest.mark.parametrize("dtype", ["category", object])
def test_categories_in_as_equality_and_isin(dtype):
    from recist.baseline_rules import _categories_in

    column = pd.Series(["target", None, "new", "target"], dtype=dtype)
    found = _categories_in(column, "target", "odd")
    if dtype is object:
        assert found is None
    else:
        assert found.tolist() == column.isin(["target", "odd"]).tolist() == [
            True, False, False, True]


@pytest.mark.parametrize("visits", [["V1", "V1", "V2"], ["V1", "V1", "V1"]])
def test_a_time_of_day_is_refused_naming_its_row_whichever_the_dates_per_visit(visits):
    from recist.errors import RecistDataError

    table = pd.DataFrame({"patient_id": ["P1"] * 3, "lesion_id": ["T1", "T2", "T1"],
                          "visit": visits, "kind": "target",
                          "date": pd.to_datetime(["2024-01-02", "2024-01-02",
                                                  "2024-03-01T09:30"], format="ISO8601")})
    with pytest.raises(RecistDataError, match="row at index 2 .*holds a time of day"):
        indexed(table)


def test_a_refused_date_comes_before_a_refused_visit_label():
    from recist.errors import RecistDataError

    table = pd.DataFrame({"patient_id": ["P1"] * 2, "lesion_id": ["T1", "T1"],
                          "visit": ["V1", "V\x002"], "kind": "target",
                          "date": pd.to_datetime(["2024-01-02", "2024-03-01T09:30"],
                                                 format="ISO8601")})
    with pytest.raises(RecistDataError, match="holds a time of day"):
        indexed(table)
    with pytest.raises(RecistDataError, match="NUL|U\\+0000"):
        indexed(table.assign(date=pd.to_datetime(["2024-01-02", "2024-03-01"])))


@pytest.mark.parametrize("seed", range(8))
def test_selection_classifies_the_lesions_it_reads_as_classifying_them_all(seed):
    """check_target_selection of a measurements table classifies only the targets, the
    nodes and the lesions of patients without a target (the categories it reads): the
    findings of classifying every lesion (classify_lesions' table), patients without a
    target (no-target-selected), normal nodes recorded as non-targets and missing ids or
    kinds included."""
    rng = np.random.default_rng(seed)
    table = _selection_table(seed)
    n = len(table)
    no_target = table["patient_id"].isin([f"P{i}" for i in range(0, 25, 3)])
    table["kind"] = np.where(no_target, "non-target", table["kind"])
    table.loc[rng.random(n) < 0.03, "kind"] = None
    table.loc[rng.random(n) < 0.03, "patient_id"] = None
    table["sa_mm"] = np.where(rng.random(n) < 0.5, rng.uniform(2, 12, n).round(1),
                              table["sa_mm"])
    # one row a lesion and date, sorted by patient and date: each baseline row a lesion of
    # its own (the path that classifies some lesions only)
    table = table.drop_duplicates(["patient_id", "lesion_id", "date"]).sort_values(
        ["patient_id", "date", "lesion_id"], kind="stable").reset_index(drop=True)
    assert "ld_mm" not in _classified_lesions(indexed(table), RECIST_1_1, texts=False)[0]
    found = check_target_selection(indexed(table))
    assert found == check_target_selection(classify_lesions(table))
    found_codes = {f.code for f in found}
    assert {"no-target-selected", "normal-node-recorded"} <= found_codes


@pytest.mark.parametrize("case", ["days", "time of day", "wide", "all NaT", "none", "before 1970"])
def test_date_order_as_a_stable_sort_with_nat_last(case):
    """_date_order sorts whole days of a short span as 16-bit day numbers; any other
    dates as int64: the order of np.argsort(stable) with NaT the largest, either way."""
    from recist.checks_rows import _DAY_NS, _date_order

    rng = np.random.default_rng(len(case))
    nat = np.iinfo(np.int64).min
    when = rng.integers(0, 40, 500) * _DAY_NS + 19_000 * _DAY_NS
    when[rng.random(500) < 0.1] = nat
    if case == "time of day":
        when[3] += 1
    elif case == "wide":
        when[4] = 19_000 * _DAY_NS + 70_000 * _DAY_NS
    elif case == "all NaT":
        when[:] = nat
    elif case == "none":
        when = when[:0]
    elif case == "before 1970":
        when[when != nat] -= 30_000 * _DAY_NS
    expected = np.argsort(np.where(when == nat, np.iinfo(np.int64).max, when), kind="stable")
    assert _date_order(when).tolist() == expected.tolist()


@pytest.mark.parametrize("dtype", ["string", pd.StringDtype("python", na_value=np.nan),
                                   "object", "category"])
def test_missing_texts_as_isna(dtype):
    """The python-backed string column's missing cells by their pointers (pandas keeps
    one ``pd.NA`` for None, NaN or NA put in it), other columns by pandas."""
    from recist.checks_rows import _missing_texts

    column = pd.Series(["P1", None, "P2", np.nan, pd.NA, "", "nan"], dtype=dtype)
    column[5] = None  # set after construction too
    assert _missing_texts(column).tolist() == column.isna().tolist()
    assert _missing_texts(column).sum() >= 3


def _missing_lesions_plainly(frame: pd.DataFrame) -> set[tuple[object, str, str]]:
    """(patient, lesion, date) of each followed baseline lesion without a row at a
    follow-up time point of its patient, time point by time point."""
    kinds = frame["kind"].astype(object).to_numpy()
    baseline = frame[frame["is_baseline"].to_numpy(dtype=bool)
                     & np.isin(kinds, ["target", "non-target"])]
    followed: dict[int, set[str]] = {}
    for patient, lesion in zip(baseline["patient_code"].tolist(), baseline["lesion_id"]):
        followed.setdefault(patient, set()).add(lesion)
    found = set()
    for _, rows in frame[~frame["is_baseline"].to_numpy(dtype=bool)].groupby(
            "timepoint_code"):
        first = rows.iloc[0]
        for lesion in followed.get(first["patient_code"], set()) - set(rows["lesion_id"]):
            found.add((first["patient_id"], lesion, first["date"].strftime("%Y-%m-%d")))
    return found


@pytest.mark.parametrize("seed", range(12))
def test_lesions_missing_at_a_time_point_as_time_point_by_time_point(seed):
    """Patients (a missing id among them) whose lesions are dropped at some follow-ups,
    with and without a lesion recorded twice at one time point."""
    from recist.checks import check_lesion_ids_stable

    rng = np.random.default_rng(seed)
    raw = _random_table(seed, n_rows=200).dropna(subset=["date"])
    raw = raw.assign(kind=rng.choice(["target", "non-target", "new"], len(raw)))
    if seed % 2:  # no (lesion, time point) twice: the counting fast path
        raw = raw.drop_duplicates(["patient_id", "lesion_id", "date", "visit"])
    frame = indexed(raw.reset_index(drop=True))
    found = {(f.patient_id, f.lesion_id, f.date) for f in check_lesion_ids_stable(frame)
             if f.code == "lesion-missing-at-timepoint"}
    expected = {(str(p), lesion, day) for p, lesion, day in _missing_lesions_plainly(frame)}
    assert found == expected
    assert found


@pytest.mark.parametrize("seed", range(40))
def test_same_within_given_rows_of_some_groups_as_scattering_every_row(seed):
    """Groups read at a given row of theirs or scattered (unread groups among them),
    agreeing or not, in either kind of group; int8 values reaching the type's minimum
    (no value below them: every row scattered)."""
    from recist.checks import _same_within

    rng = np.random.default_rng(seed)
    n_groups, n = 12, 80
    group = rng.integers(0, n_groups, n).astype(np.intp)
    values = rng.integers(-3, 3, n_groups).astype(np.int8)[group]
    if seed % 3:  # one row changed: a disagreement in a read or an unread group
        values[rng.integers(0, n)] += 1
    if seed % 5 == 0:
        values[values == values.min()] = np.iinfo(np.int8).min
    rows_of = np.full(n_groups, -1, dtype=np.int64)
    for g in np.flatnonzero(rng.random(n_groups) < 0.6):
        members = np.flatnonzero(group == g)
        if len(members):
            rows_of[g] = rng.choice(members)
    plain = all(len(set(values[group == g].tolist())) <= 1 for g in range(n_groups))
    assert _same_within(group, n_groups, values, rows_of) is plain
    assert _same_within(group, n_groups, values) is plain


@pytest.mark.parametrize("seed", range(30))
def test_traits_equal_exactly_when_kind_flag_and_organ_are(seed):
    """Missing kinds and organs, a single organ, and enough organs for a wider type."""
    from recist.checks import _traits

    rng = np.random.default_rng(seed)
    n = 400
    organs = [f"organ {i}" for i in range([1, 3, 40][seed % 3])] + [None]
    kinds = np.array(["target", "non-target", "new", None], dtype=object)[
        rng.integers(0, 4, n)]
    organ = np.array(organs, dtype=object)[rng.integers(0, len(organs), n)]
    flag = rng.random(n) < 0.5
    coded = {"kind": text_codes(pd.Series(kinds)), "organ": text_codes(pd.Series(organ))}
    full = _traits(coded["kind"], flag, coded["organ"]).tolist()
    alone = _traits(coded["kind"], flag, None).tolist()
    triple = list(zip(kinds.tolist(), flag.tolist(), organ.tolist()))
    pair = list(zip(kinds.tolist(), flag.tolist()))
    for i in range(0, n, 7):
        for j in range(n):
            assert (full[i] == full[j]) == (triple[i] == triple[j])
            assert (alone[i] == alone[j]) == (pair[i] == pair[j])


def _unresolved_equivocal_plainly(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(patient, lesion, date) of each new lesion's first equivocal row (earliest time
    point, then table order) without an unequivocal row at a later time point, lesion by
    lesion, ordered by time point order then row."""
    table = frame.assign(_row=np.arange(len(frame)),
                         _order=frame["timepoint_order"].to_numpy().astype(int))
    new = table[table["kind"].astype(object) == "new"]
    found = []
    for _, rows in new.groupby("lesion_code"):
        equivocal = rows[rows["status"].astype(object) == "equivocal"]
        if equivocal.empty:
            continue
        first = equivocal.sort_values(["_order", "_row"]).iloc[0]
        later = rows[(rows["status"].astype(object) == "unequivocal")
                     & (rows["_order"] > first["_order"])]
        if later.empty:
            found.append((first["_order"], first["_row"], str(first["patient_id"]),
                          first["lesion_id"], first["date"].strftime("%Y-%m-%d")))
    return [item[2:] for item in sorted(found)]


@pytest.mark.parametrize("n_visits", [4, 140])
@pytest.mark.parametrize("seed", range(4))
def test_unresolved_equivocal_new_lesions_lesion_by_lesion(seed, n_visits):
    """New lesions equivocal, then confirmed or not, over few time points or more than
    127 (orders then wider than int8: the per-lesion "never" is the orders' type's)."""
    from recist.checks_rows import check_equivocal_new_lesions

    rng = np.random.default_rng(seed)
    n = 400
    raw = pd.DataFrame({
        "patient_id": rng.choice(["P1", "P2"], n),
        "lesion_id": rng.choice([f"N{i}" for i in range(60)] + ["T1"], n),
        "status": rng.choice(["equivocal", "unequivocal", "present"], n, p=[0.5, 0.1, 0.4]),
        "date": pd.to_datetime("2024-01-01") + pd.to_timedelta(
            rng.integers(0, n_visits, n) if n_visits < 100 else np.arange(n) // 2, "D")})
    raw["kind"] = np.where(raw["lesion_id"] == "T1", "target", "new")
    frame = indexed(raw)
    assert frame["timepoint_order"].to_numpy().dtype == (np.int8 if n_visits < 100
                                                         else np.int16)
    found = [(f.patient_id, f.lesion_id, f.date) for f in check_equivocal_new_lesions(frame)]
    assert found == _unresolved_equivocal_plainly(frame)
    assert found


def test_missing_baseline_of_one_patient_among_others():
    """Patients with baseline lesions and one without: only it is found (the shortcut
    for every patient having some is not taken)."""
    from recist.checks import check_missing_baseline

    table = pd.DataFrame({
        "patient_id": ["P1", "P1", "P2", "P2", "P3"], "lesion_id": ["T1", "T1", "N1", "T1", "T1"],
        "kind": ["target", "target", "new", "target", "non-target"],
        "date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-01-05", "2024-03-05",
                                "2024-01-07"])})
    found = check_missing_baseline(table)
    assert [(f.code, f.patient_id, f.date) for f in found] == [
        ("missing-baseline", "P2", "2024-01-05")]
    assert check_missing_baseline(table[table["patient_id"] != "P2"]) == []


@pytest.mark.parametrize("ids", [[3, 1, 2], ["P1", np.str_("P2")]])
def test_start_rows_by_code_only_for_ids_that_are_their_text(ids):
    """Numbers (whose text is another object) and str subclasses are looked up by text."""
    coded = text_codes(pd.Series(ids, dtype=object))
    texts = np.array(sorted(str(i) for i in ids), dtype=object)
    assert _start_rows_by_code(coded, texts) is None
    plain = text_codes(pd.Series([str(i) for i in ids], dtype=object))
    assert _start_rows_by_code(plain, texts) is not None
