"""``recist.csv_text``: the vectorised CSV bytes equal pandas' ``to_csv`` after the
response tables' formatting, on hostile values and on every type it formats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.csv_text import fixed_decimals, response_csv_text, table_csv_bytes


def _pandas(frame: pd.DataFrame) -> bytes:
    return response_csv_text(frame).to_csv(index=False, lineterminator="\n").encode()


def test_two_decimals_equal_python_formatting_including_ties():
    rng = np.random.default_rng(7)
    values = np.concatenate([
        rng.uniform(-1000, 1000, 20_000),
        np.round(rng.uniform(-100, 100, 20_000), 3),  # many near-ties x.xx5
        np.arange(-2000, 2000) / 200,  # exact halves of the last digit
        [np.nan, -0.0, 0.0, np.inf, -np.inf, 1e300, -1e300, 5e-324, -1e-9, 0.005, 0.015,
         1.005, 2.675, 2**31 / 100, 99.995, 9.995, -99.995],
    ])
    got = fixed_decimals(values).to_pylist()
    expected = [None if np.isnan(v) else f"{v:.2f}" for v in values]
    assert got == expected
    # hand-checked: the double nearest 0.005 lies just above the tie, those nearest 0.015,
    # 1.005 and 2.675 just below theirs (so not round-half-even on the decimal text)
    assert got[-8:-4] == ["0.01", "0.01", "1.00", "2.67"]


HOSTILE = ["a", 'q"x', "l\nb", "c\rr", None, "", "a,b", "é", ' "', "t\tab", "\u2028"]


def test_every_formatted_type_and_quoting_like_pandas():
    n = len(HOSTILE)
    frame = pd.DataFrame({
        "patient_id": pd.array(HOSTILE, dtype="string"),
        "visit": HOSTILE[::-1],
        "date": pd.to_datetime(["2024-01-02", None, "1999-12-31", "2262-01-01", "1900-03-04",
                                "2024-02-29", "2000-01-01", "1970-01-01", None,
                                "2030-06-30", "1999-01-01"]),
        "sum_mm": [1.005, np.nan, -0.0, 20.2, 3.0, 1e-9, -5.555, 100.0, 0.125, 2.675, 7.0],
        "pct_from_nadir": [-30.0, np.nan, 20.0, -0.004, 1e6, 0.1 + 0.2, 33.3333, 50, 1, 2, 3],
        "other": [1e-5, np.nan, -0.0, 20.0, 1e16, 0.1 + 0.2, 123456789.123, 1 / 3, 2, 3, 4],
        "pfs_event": [True, False] * 5 + [True],
        "maybe": pd.array([True, None, False] * 3 + [None, True], dtype="boolean"),
        "count": np.arange(n) - 5,
        "pfs_days": pd.array([59, None, -3, 0] * 2 + [1, None, 2], dtype="Int64"),
        'odd,"name': "x",
        "missing_kinds": pd.Series(["a", np.nan, pd.NA, None, "b"] * 2 + ["c"], dtype=object),
    })
    assert bytes(table_csv_bytes(frame)) == _pandas(frame)


def test_rows_beyond_one_arrow_chunk_and_a_sliced_frame():
    frame = pd.DataFrame({"patient_id": [f"P{i}" for i in range(50_000)],
                          "sum_mm": np.linspace(0, 500, 50_000)})
    assert bytes(table_csv_bytes(frame)) == _pandas(frame)
    part = frame.iloc[1234:4321]
    assert bytes(table_csv_bytes(part)) == _pandas(part)


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_dates_repeated_with_times_of_day_before_1970_and_missing(unit):
    rng = np.random.default_rng(3)
    stamps = pd.to_datetime(["2024-01-02 13:45:10", "1969-12-31 23:59:59", "1900-01-01 00:00:00",
                             "2024-01-02 00:00:00", "1960-06-15 00:00:01", "2262-04-11 00:00:00"])
    picked = rng.integers(0, len(stamps) + 1, 5_000)  # the last index: NaT
    values = pd.Series(np.append(stamps.to_numpy(), np.datetime64("NaT"))[picked])
    frame = pd.DataFrame({"patient_id": [f"P{i}" for i in range(len(values))],
                          "date": values.astype(f"datetime64[{unit}]")})
    assert bytes(table_csv_bytes(frame)) == _pandas(frame)


@pytest.mark.parametrize("column", [
    pd.Series(["a", 1.5, None], dtype=object),  # an object column with a number
    pd.Series(pd.to_datetime(["2024-01-01", None, "2024-02-02"]).tz_localize("UTC")),
    pd.Series([1, 2, 1], dtype="category"),  # categories not all text
    pd.Series(["a", 2, "a"], dtype="category"),
    pd.Series([1.5, None, 2.25], dtype="Float64"),
    pd.Series(np.array([1.5, 2.5, 3.5], dtype=np.float32)),
])
def test_types_it_does_not_format_go_through_pandas(column):
    frame = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "x_mm": column})
    assert bytes(table_csv_bytes(frame)) == _pandas(frame)


ODD_CATEGORIES = ["a,b", 'say "x"', "line\nbreak", "cr\ronly", "", "sep\u2028arated", "é", " pad ",
           '"', ",", "\r\n", "plain"]


@pytest.mark.parametrize("string_dtype", [False, True])
def test_text_categories_go_through_arrow_as_pandas_writes_them(string_dtype, monkeypatch):
    import recist.csv_text as csv_text

    rng = np.random.default_rng(5)
    many = ODD_CATEGORIES + [f"c{k}" for k in range(150)]  # > 127 categories: int16 codes
    unused = ["never, used", 'nor "this"']
    values = np.array(many, dtype=object)[rng.integers(0, len(many), 2_000)]
    values[rng.random(len(values)) < 0.1] = None  # missing codes (-1)
    categories = pd.Index(many + unused, dtype="string" if string_dtype else object)
    column = pd.Categorical(values, categories=categories)
    assert len(column.categories) > 127 and (column.codes < 0).any()
    small = pd.Categorical(np.array(ODD_CATEGORIES, dtype=object)[rng.integers(0, 12, 2_000)],
                           categories=ODD_CATEGORIES + unused)
    frame = pd.DataFrame({"first": column, "n_mm": rng.random(2_000).round(3),
                          "middle": small, "last": column[::-1]})
    expected = _pandas(frame)
    # the categorical columns are formatted here, not by the whole table through pandas
    monkeypatch.setattr(csv_text, "_pandas_bytes", lambda frame: pytest.fail("pandas path"))
    assert bytes(table_csv_bytes(frame)) == expected
    assert b'"a,b"' in expected and b'"say ""x"""' in expected and b'"line\nbreak"' in expected
    assert b"never, used" not in expected


def test_empty_and_single_column_tables():
    empty = pd.DataFrame({"patient_id": pd.Series([], dtype=object),
                          "sum_mm": pd.Series([], dtype=float)})
    assert bytes(table_csv_bytes(empty)) == b"patient_id,sum_mm\n"
    single = pd.DataFrame({"patient_id": ["", "P1"]})
    assert bytes(table_csv_bytes(single)) == _pandas(single) == b'patient_id\n""\nP1\n'


def test_findings_table_written_as_pandas_wrote_it():
    from dataclasses import asdict

    from recist.findings import Finding, Severity, findings_frame

    found = [Finding("a", 'm, "q"\nx', Severity.WARNING, "P1", "2024-01-01", None, "T1",
                     "DEC-1"), Finding("b", "m2", Severity.INFO),
             Finding("c", "é", Severity.ERROR, patient_id="P2")] * 2
    columns = list(Finding.__dataclass_fields__)
    before = pd.DataFrame([asdict(f) for f in found], columns=columns)  # the former way
    pd.testing.assert_frame_equal(findings_frame(found), before)
    text = before.to_csv(index=False, lineterminator="\n").encode()
    assert bytes(table_csv_bytes(findings_frame(found))) == text
    assert bytes(table_csv_bytes(findings_frame([]))) == (",".join(columns) + "\n").encode()


def test_repeated_numbers_formatted_once_keep_signed_zeros_ties_and_missing():
    rng = np.random.default_rng(11)
    pool = np.array([0.0, -0.0, np.nan, 1.005, 2.675, -2.675, 0.125, 20.2, np.inf, -np.inf,
                     1e12, -1e-9, 79.6, 100.0])
    values = pool[rng.integers(0, len(pool), 3_000)]  # few distinct: formatted once each
    frame = pd.DataFrame({"patient_id": [f"P{i % 7}" for i in range(len(values))],
                          "sum_mm": values, "pct_from_nadir": values[::-1].copy(),
                          "other": values})
    got = bytes(table_csv_bytes(frame))
    assert got == _pandas(frame)
    assert b",-0.00," in got and b",0.00," in got and b",inf," in got


def test_prefixed_numbers_are_the_delimiter_then_the_field():
    values = np.array([3.14159, np.nan, -2.5, np.inf, -0.0, 123456.789])
    assert fixed_decimals(values, 2, ",").to_pylist() == [
        ",3.14", ",", ",-2.50", ",inf", ",-0.00", ",123456.79"]


def test_repeated_columns_coded_and_joined_side_by_side_as_pandas_writes_them(monkeypatch):
    """Columns that repeat their fields are formatted once per distinct field, and
    neighbours written side by side by one take: text held by many objects (equal
    texts in distinct objects too) with missing values of every kind, true/false with and
    without missing, dates with NaT, categories, repeated 2-decimal numbers with NaN and
    -0.0; as the first column, in the middle and as the last."""
    import recist.csv_text as csv_text

    rng = np.random.default_rng(15)
    rows = 4_000
    labels = np.array(HOSTILE + [np.nan, pd.NA, "SD", "S" + "D"], dtype=object)
    labels[-1] = "".join(["S", "D"])  # an equal text in another object
    pick = rng.integers(0, len(labels), rows)
    frame = pd.DataFrame({
        "response": labels[pick],
        "again": labels[pick[::-1]],
        "flag": rng.random(rows) < 0.5,
        "maybe": pd.array(np.where(rng.random(rows) < 0.2, None,
                                   rng.random(rows) < 0.5).tolist(), dtype="boolean"),
        "date": pd.to_datetime(np.array(["2024-01-02", "1999-12-31", None], dtype=object)[
            rng.integers(0, 3, rows)]),
        "kind": pd.Categorical(np.array(["a,b", 'q"', "plain"], dtype=object)[
            rng.integers(0, 3, rows)]),
        "sum_mm": np.array([1.005, np.nan, -0.0, 0.0, 2.675])[rng.integers(0, 5, rows)],
        "patient_id": [f"P{i}" for i in range(rows)],  # not repeated: not coded
        "last": labels[pick],
    })
    expected = _pandas(frame)
    monkeypatch.setattr(csv_text, "_pandas_bytes", lambda frame: pytest.fail("pandas path"))
    assert bytes(table_csv_bytes(frame)) == expected
    # the same bytes column by column
    for start in range(len(frame.columns) - 1):
        part = frame.iloc[:, start:start + 2]
        assert bytes(table_csv_bytes(part)) == _pandas(part)


@pytest.mark.parametrize("cell", [1.5, ("a", "b"), ["a"]])
def test_repeated_non_text_object_cells_go_through_pandas(cell):
    values = np.empty(1_000, dtype=object)
    values[:] = ["x"] * 999 + [None]
    values[500] = cell
    frame = pd.DataFrame({"patient_id": values, "visit": values})
    assert bytes(table_csv_bytes(frame)) == _pandas(frame)


def test_repeated_texts_holding_a_nul_stay_apart():
    # before: the repeated-objects shortcut wrote L\x00b on every row (pandas compares text
    # only up to its first NUL); a table of extra outputs or a hand-made result can hold them
    frame = pd.DataFrame({"p": ["P1"] * 40, "l": ["L\x00a", "L\x00b"] * 20, "x": range(40)})
    assert table_csv_bytes(frame) == _pandas(frame)
    assert table_csv_bytes(frame).count(b"L\x00a") == 20


@pytest.mark.parametrize("delimited_share", [0.0, 0.3, 0.9, 1.0])
def test_sentences_mostly_holding_the_delimiter_quoted_like_pandas(delimited_share):
    """Rows with a comma are settled by a plain search when the first rows mostly hold
    one; the others still quoted for a quote, a line feed or a carriage return."""
    rng = np.random.default_rng(11)
    plain = ["no delimiter here", 'a "quoted" word', "two\nlines", "cr\ronly", "", None,
             "é ü", "\u2028"]
    n = 3_000
    texts = np.array([f"sentence {k}, with a comma" if rng.random() < delimited_share
                      else plain[rng.integers(0, len(plain))] for k in range(n)], dtype=object)
    texts[rng.random(n) < 0.05] = None
    for label, column in (("object", texts), ("string", pd.array(texts, dtype="string"))):
        frame = pd.DataFrame({"patient_id": [f"P{k}" for k in range(n)], "reasons": column})
        assert bytes(table_csv_bytes(frame)) == _pandas(frame), label


@pytest.mark.parametrize("short_text", [2**31, 1])  # 1: as if 2 GiB were reached
def test_rows_take_each_run_of_coded_pieces_at_once_and_join_the_rest(short_text, monkeypatch):
    """Neighbouring coded pieces are paired when their pairs are few, and written by one
    take (every width-th offset a row's end, 32-bit offsets or, for 2 GiB of text, 64-bit
    ones); a lone coded piece, a run whose texts are all empty, row arrays with missing
    values and constants between runs all give each row's pieces in order."""
    import pyarrow as pa

    import recist.csv_text as csv_text
    from recist.csv_text import _CodedPiece, _rows

    rng = np.random.default_rng(21)
    rows = 1_000
    words = pa.array(["", "a", "bc", "déf", '"q"'], type=pa.large_string())
    empty = pa.array(["", ""], type=pa.large_string())
    runs = {k: _CodedPiece(words, rng.integers(-1, len(words) - 1, rows)) for k in "xyz"}
    blank = _CodedPiece(empty, rng.integers(-1, 1, rows).astype(np.int8))
    many = _CodedPiece(pa.array([f"w{k}" for k in range(300)], type=pa.large_string()),
                  rng.integers(-1, 299, rows))  # too many pairs with any other: not paired
    texts = np.array(["t", None, "uv", "é"], dtype=object)[rng.integers(0, 4, rows)]
    column = pa.array(texts, type=pa.large_string())
    comma = pa.scalar(",", pa.large_string())

    def text(piece, row):
        if isinstance(piece, _CodedPiece):
            return piece.texts[int(piece.codes[row]) + 1].as_py()
        return (piece[row] if isinstance(piece, pa.Array) else piece).as_py() or ""

    monkeypatch.setattr(csv_text, "_SHORT_TEXT", short_text)
    for pieces in ([runs["x"], runs["y"], runs["z"]], [runs["x"]], [blank, blank],
                   [runs["x"], many, runs["y"], many, many, column, many, blank],
                   [runs["x"], blank, comma, column, runs["y"], runs["z"], comma],
                   [column, runs["z"]], [comma, runs["x"], runs["y"], column]):
        expected = ["".join(text(piece, row) for piece in pieces) for row in range(rows)]
        assert _rows(pieces, rows).to_pylist() == expected


def test_rows_in_runs_of_one_object_coded_by_run_as_pandas_writes_them(monkeypatch):
    """A column whose rows come in runs of one object (a patient's rows together) is coded
    run by run, hashing nothing: the same text in two runs (one object or two), texts
    holding a NUL, quotes and delimiters, and runs of each kind of missing value."""
    import recist.csv_text as csv_text

    rng = np.random.default_rng(23)
    texts = ["P1", "L\x00a", "L\x00b", 'q"x', "a,b", "", "é", None, np.nan, pd.NA,
             "".join(["P", "1"])]  # the last: "P1" again, another object
    order = rng.integers(0, len(texts), 300)
    order[:3] = [0, 1, 0]  # the same object in two runs
    lengths = rng.integers(8, 20, len(order))
    column = np.repeat(np.array(texts, dtype=object)[order], lengths)
    frame = pd.DataFrame({"patient_id": column, "n": np.arange(len(column))})
    codes, objects = csv_text._object_codes(column)
    starts = [0] + [k for k in range(1, len(column)) if column[k] is not column[k - 1]]
    assert len(objects) == len(starts) - int(pd.isna(column[starts]).sum())  # one per run
    assert (codes[:lengths[0]] == 0).all() and codes[lengths[0] + lengths[1]] == 2
    expected = _pandas(frame)
    monkeypatch.setattr(csv_text, "_pandas_bytes", lambda frame: pytest.fail("pandas path"))
    assert bytes(table_csv_bytes(frame)) == expected
    assert expected.count(b"L\x00a") == lengths[order == 1].sum()


@pytest.mark.parametrize("delimited_share", [0.0, 0.9])
def test_a_text_column_in_arrow_chunks_is_written_chunk_by_chunk_as_pandas_writes_it(
        delimited_share):
    """A ``string[pyarrow]`` column in several chunks (the time points' reasons) is quoted
    and joined in its chunks, never copied into one: the body comes in one part per chunk;
    a quote or a line break only in a later chunk, and chunks shorter than the first look
    at a column's rows, are still found."""
    import pyarrow as pa

    from recist.csv_text import table_csv_parts

    rng = np.random.default_rng(31)
    plain = ["no delimiter", "", None, "é ü", "two words"]
    sizes = [100, 3, 900, 1_500]
    texts = [f"sentence {k}, with a comma" if rng.random() < delimited_share
             else plain[rng.integers(0, len(plain))] for k in range(sum(sizes))]
    texts[-7], texts[-3] = 'a "quoted" word', "two\nlines"  # in the last chunk only
    bounds = np.cumsum([0, *sizes])
    chunks = pa.chunked_array([pa.array(texts[a:b], type=pa.string())
                               for a, b in zip(bounds, bounds[1:])], type=pa.string())
    column = pd.Series(pd.arrays.ArrowStringArray(chunks))
    assert column.dtype == "string"
    frame = pd.DataFrame({"patient_id": [f"P{k % 40}" for k in range(len(texts))],
                          "reasons": column})
    expected = _pandas(frame.astype({"reasons": object}))
    parts = table_csv_parts(frame)
    assert len(parts) == 1 + len(sizes)  # the header, then one part per chunk
    assert b"".join(parts) == expected
    assert b'"a ""quoted"" word"' in expected and b'"two\nlines"' in expected


def test_dates_beyond_four_digit_years_written_as_pandas_writes_them():
    """Dates are written by Arrow's date cast within years 1000 to 9999 and by pandas
    beyond them (pandas writes year 999 as ``999``, Arrow's strftime as ``0999``)."""
    stamps = np.array(["0999-12-31T10:00", "1000-01-01", "9999-12-31T23:59:59",
                       "-0005-03-01", "1969-12-31T23:59:59", "NaT"], dtype="datetime64[s]")
    rng = np.random.default_rng(9)
    for values in (stamps, stamps[1:3], stamps[[1, 4, 5]]):
        column = pd.Series(values[rng.integers(0, len(values), 200)])
        frame = pd.DataFrame({"patient_id": [f"P{k}" for k in range(200)], "date": column})
        assert bytes(table_csv_bytes(frame)) == _pandas(frame)
    assert b",999-12-31\n" in table_csv_bytes(pd.DataFrame({"a": ["x"], "date": stamps[:1]}))


@pytest.mark.parametrize("unit", ["ns", "s"])
def test_dates_of_four_digit_years_are_cast_by_arrow_not_formatted_by_pandas(unit, monkeypatch):
    """Years 1000 to 9999 in any unit (in nanoseconds, where year 1000 itself would
    overflow) take Arrow's date cast, not pandas' formatting one value at a time."""
    stamps = pd.Series(np.array(["1677-09-22", "2262-04-11T23:00", "1969-12-31T23:59:59",
                                 "NaT"], dtype=f"datetime64[{unit}]"))
    frame = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"], "date": stamps})
    expected = _pandas(frame)
    monkeypatch.setattr(pd.Series, "dt", property(lambda self: pytest.fail("pandas dates")))
    assert bytes(table_csv_bytes(frame)) == expected
