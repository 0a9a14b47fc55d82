"""``normalise_measurements`` returns the text columns as sorted categoricals of the
cleaned texts (docs/tables.md, "The measurements table"), the same whichever way the
table arrived (Python strings, pandas ``string``, categoricals, the Arrow reader)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.cohort_index import text_codes
from recist.errors import RecistDataError
from recist.table import normalise_measurements, read_measurements

TEXT = ("patient_id", "visit", "lesion_id", "kind", "organ", "status")
RAW = {
    "patient_id": ["P2", " P10", "P2 ", "P10", "P2"],
    "date": ["2024-01-02", "2024-01-05", "2024-03-01", "2024-03-04", "2024-03-01"],
    "visit": ["BL", "", " BL", None, "W8"],
    "lesion_id": ["T1", "T1", "T1", "T1", "N1"],
    "kind": ["Target", "target", " TARGET", "target", "non-target"],
    "organ": ["Lung", "lung ", "", None, "Liver"],
    "ld_mm": ["20", "31", "18", "30", ""],
    "status": ["measured", "Measured", "measured", "measured", "present"],
}
# what the cleaned cells are (missing: None), and the sorted distinct texts
CLEANED = {
    "patient_id": ["P2", "P10", "P2", "P10", "P2"],
    "visit": ["BL", None, "BL", None, "W8"],
    "lesion_id": ["T1", "T1", "T1", "T1", "N1"],
    "kind": ["target", "target", "target", "target", "non-target"],
    "organ": ["lung", "lung", None, None, "liver"],
    "status": ["measured", "measured", "measured", "measured", "present"],
}


def _cells(column: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in column.tolist()]


@pytest.mark.parametrize("dtype", [object, "string", "category"])
def test_text_columns_are_sorted_categoricals_of_the_cleaned_texts(dtype):
    table = normalise_measurements(pd.DataFrame(RAW).astype({c: dtype for c in TEXT}))
    for column in TEXT:
        values = table[column]
        assert isinstance(values.dtype, pd.CategoricalDtype), column
        assert _cells(values) == CLEANED[column], column
        # only texts that occur, once each, in Python's string order ("P10" < "P2")
        expected = sorted({v for v in CLEANED[column] if v is not None})
        assert values.cat.categories.tolist() == expected, column
        assert values.cat.categories.dtype == object
    # the codes are those text_codes (the engine's encoding) would compute by hashing
    coded = text_codes(table["patient_id"].astype(object))
    assert table["patient_id"].cat.codes.tolist() == coded.codes.tolist()


def test_unused_and_unsorted_categories_of_the_input_are_dropped():
    raw = pd.DataFrame(RAW)
    raw["lesion_id"] = pd.Categorical(raw["lesion_id"], categories=["T1", "ZZ", "N1", " T1"])
    table = normalise_measurements(raw)
    assert table["lesion_id"].cat.categories.tolist() == ["N1", "T1"]
    assert table["lesion_id"].cat.codes.tolist() == [1, 1, 1, 1, 0]


def test_the_arrow_reader_gives_the_same_categoricals(tmp_path):
    path = tmp_path / "m.csv"
    pd.DataFrame(RAW).to_csv(path, index=False)
    from_file = read_measurements(path)
    pd.testing.assert_frame_equal(from_file, normalise_measurements(pd.read_csv(
        path, dtype=str, keep_default_na=False, na_values=[""])))
    assert all(isinstance(from_file[c].dtype, pd.CategoricalDtype) for c in TEXT)


def test_grouping_and_sorting_order_the_texts_as_strings_do():
    table = normalise_measurements(pd.DataFrame(RAW))
    as_text = table.astype({c: object for c in TEXT})
    for frame in (table, as_text):
        frame["n"] = np.arange(len(frame))
    grouped = table.groupby(["patient_id", "visit"], observed=True)["n"].sum()
    expected = as_text.groupby(["patient_id", "visit"])["n"].sum()
    assert grouped.index.tolist() == expected.index.tolist()
    assert grouped.tolist() == expected.tolist()
    order = table.sort_values(["organ", "patient_id"], kind="stable")["n"].tolist()
    assert order == as_text.sort_values(["organ", "patient_id"], kind="stable")["n"].tolist()


def test_a_missing_kind_is_named_as_missing():
    raw = pd.DataFrame(RAW)
    raw.loc[4, "kind"] = " "
    with pytest.raises(RecistDataError, match=r"row 6, .*kind '' is not one of"):
        normalise_measurements(raw)
    raw.loc[4, "kind"], raw.loc[4, "status"] = "non-target", None
    with pytest.raises(RecistDataError, match=r"row 6, .*status <NA> is not allowed"):
        normalise_measurements(raw)


def test_sorted_used_categories_keep_their_codes_and_missing_cells():
    # categories already sorted, each used, a missing cell: the codes are kept as they are
    # (no lookup per row), and still equal those of the same texts as Python strings
    raw = pd.DataFrame(RAW)
    raw["visit"] = pd.Categorical(["BL", None, "BL", None, "W8"], categories=["BL", "W8"])
    codes = raw["visit"].cat.codes.to_numpy()
    table = normalise_measurements(raw)
    assert table["visit"].cat.codes.tolist() == [0, -1, 0, -1, 1]
    assert table["visit"].cat.codes.to_numpy() is not codes
    raw["visit"] = raw["visit"].astype(object)
    assert normalise_measurements(raw)["visit"].cat.codes.tolist() == [0, -1, 0, -1, 1]


@pytest.mark.parametrize("kind,status,accepted", [
    ("target", "present", False), ("non-target", "measured", False),
    ("new", "measured", False), ("new", "equivocal", True), ("non-target", "absent", True)])
def test_a_status_is_checked_against_its_rows_kind(kind, status, accepted):
    # each status is one the vocabulary allows for another kind: refused for this one
    raw = pd.DataFrame(RAW)
    raw.loc[4, ["kind", "status", "ld_mm"]] = [kind, status, ""]
    if accepted:
        assert normalise_measurements(raw).loc[4, "status"] == status
    else:
        with pytest.raises(RecistDataError,
                           match=rf"row 6, .*status '{status}' is not allowed for a {kind} "):
            normalise_measurements(raw)


def test_columns_read_as_text_are_new_arrays():
    # as the Arrow reader gives them (categoricals): dates, flags and numbers are spread
    # into new arrays, not copied again, and still share nothing with the input
    raw = pd.DataFrame({**RAW, "nodal": ["yes", "no", None, "true", "0"]}).astype("category")
    before = raw.copy(deep=True)
    out = normalise_measurements(raw)
    inputs = [a for c in raw.columns for a in (raw[c].cat.codes.to_numpy(),
                                               raw[c].cat.categories.to_numpy())]
    for column in ("date", "nodal", "ld_mm", "sa_mm", "slice_thickness_mm"):
        values = out[column].to_numpy()
        assert not any(np.shares_memory(values, a) for a in inputs), column
    assert out["nodal"].tolist() == [True, False, False, True, False]
    assert out["ld_mm"].tolist()[:4] == [20.0, 31.0, 18.0, 30.0]
    out.loc[0, ["ld_mm", "nodal", "date"]] = [99.0, False, pd.Timestamp("2000-01-01")]
    pd.testing.assert_frame_equal(raw, before)


def test_bounds_are_checked_on_the_distinct_numbers_then_named_by_row():
    raw = pd.DataFrame(RAW).astype("category")
    raw["ld_mm"] = pd.Categorical(["20", "31", "18", "1500", ""],
                                  categories=["20", "31", "18", "1500", "-3", ""])
    with pytest.raises(RecistDataError, match=r"row 5, .*ld_mm 1500 is outside"):
        normalise_measurements(raw)
    assert normalise_measurements(raw, allow_implausible=True)["ld_mm"].tolist()[3] == 1500
    raw["ld_mm"] = raw["ld_mm"].cat.set_categories(["20", "31", "18", "2000", "-3", ""])
    raw.loc[3, "ld_mm"] = "18"  # out-of-bounds categories no row holds: accepted
    assert normalise_measurements(raw)["ld_mm"].tolist()[:4] == [20.0, 31.0, 18.0, 18.0]
    raw.loc[4, "ld_mm"] = "-3"  # impossible: refused even when allowed
    with pytest.raises(RecistDataError, match=r"row 6, .*ld_mm -3 is outside"):
        normalise_measurements(raw, allow_implausible=True)


def test_a_status_column_with_no_status_at_all_is_refused_naming_the_row(tmp_path):
    # every status missing (an empty column): refused like one missing status, not a crash
    raw = pd.DataFrame(RAW)
    raw["status"] = None
    with pytest.raises(RecistDataError, match=r"row 2, .*status .* is not allowed for a "):
        normalise_measurements(raw)
    path = tmp_path / "m.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(RecistDataError, match=r"row 2, .*status .* is not allowed for a "):
        read_measurements(path)


def test_typed_columns_are_copied_and_the_frame_keeps_its_attrs():
    # columns already typed (dates, flags, numbers) are copied: the result shares nothing
    # with the input, though the rebuilt columns are taken as they are made
    raw = pd.DataFrame(RAW)
    raw["date"] = pd.to_datetime(raw["date"])
    raw["nodal"] = [True, False, False, True, False]
    raw["ld_mm"] = [20.0, 31.0, 18.0, 30.0, np.nan]
    raw.attrs["source"] = "a test"
    before = raw.copy(deep=True)
    out = normalise_measurements(raw)
    for column in ("date", "nodal", "ld_mm"):
        assert not np.shares_memory(out[column].to_numpy(), raw[column].to_numpy()), column
    out.loc[0, ["ld_mm", "nodal", "date"]] = [99.0, False, pd.Timestamp("2000-01-01")]
    pd.testing.assert_frame_equal(raw, before)
    assert out.attrs == {"source": "a test"}


def test_extra_columns_of_one_lower_cased_name_are_refused():
    """Two columns ``Note`` and ``note``: refused naming both (the indexed table of the
    checks holds one column per name; which of the two is meant cannot be known)."""
    raw = pd.DataFrame(RAW)
    raw["Note"], raw["note"] = "a", "b"
    with pytest.raises(RecistDataError, match=r"the column note is named 2 times \(Note, note\)"):
        normalise_measurements(raw)


@pytest.mark.parametrize("unused", [0, 16_400])  # pairs of codes in 16 or 64 bits
def test_the_one_row_of_a_refused_pair_is_found(unused):
    """Each row's (kind, status) is looked up among the refused pairs by one number: the
    one refused row is found (its status sorts just after an allowed one, as every other
    row's does), a missing status too, however many kinds and statuses the categories
    hold."""
    raw = pd.DataFrame({"patient_id": "P1", "date": "2024-01-02", "lesion_id": "T1",
                        "kind": "target", "ld_mm": "12",
                        "status": ["measured"] * 100 + ["measured0", "measured"]})
    words = [f"a{i}" for i in range(3 if unused else 0)]  # kinds sorted before target
    raw["kind"] = pd.Categorical(raw["kind"], categories=[*words, "target"])
    raw["status"] = pd.Categorical(raw["status"], categories=[
        "absent", "measured", "measured0", *(f"s{i}" for i in range(unused))])
    with pytest.raises(RecistDataError, match=r"row 102, .*status 'measured0' is not all"):
        normalise_measurements(raw)
    raw.loc[100, "status"] = None
    with pytest.raises(RecistDataError, match=r"row 102, .*status <NA> is not allowed"):
        normalise_measurements(raw)
    raw.loc[100, "status"] = "absent"
    assert normalise_measurements(raw)["status"].tolist()[99:] == [
        "measured", "absent", "measured"]
