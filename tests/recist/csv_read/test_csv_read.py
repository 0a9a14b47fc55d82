"""``recist.csv_read``: the Arrow reader gives ``read_measurements`` exactly the table the
pandas reader gives, and hands to pandas every file it is unsure of."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from recist.csv_read import read_text_table
from recist.errors import RecistDataError
from recist.table import CORE_COLUMNS, normalise_measurements, read_csv_table, read_measurements

HEADER = "patient_id,date,visit,lesion_id,kind,organ,nodal,ld_mm,sa_mm,status,Laterality"
ROWS = [
    "007,2024-01-02,BASELINE,T1,target,lung,false,20.2,,measured,LEFT",
    '007,2024-03-01,"WEEK, 8",T1, Target ,Lung,no,14.0,,measured,',
    '007,2024-03-01,"WEEK, 8",N1,non-target,"liver\nsegment 4",,,,present,"a ""b"""',
    "",
    "P2,2024-01-05,,T1,target,lymph node,true,,16,measured,RIGHT",
    "P2,2024-02-05,,T1,target,lymph node,1,,9.5,measured,  ",
    "P2,2024-02-05,,NEW1,new,,,,,equivocal,",
]


def _both(tmp_path, text: str, encoding="utf-8"):
    path = tmp_path / "m.csv"
    path.write_bytes(text.encode(encoding))
    fast = read_measurements(path)
    reference = normalise_measurements(read_csv_table(path, "measurements table"),
                                       source=str(path))
    return path, fast, reference


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_same_table_as_the_pandas_reader(tmp_path, line_end):
    text = line_end.join([HEADER, *ROWS]) + line_end
    path, fast, reference = _both(tmp_path, "\ufeff" + text)
    assert read_text_table(path, CORE_COLUMNS) is not None  # the Arrow path was taken
    pd.testing.assert_frame_equal(fast, reference)
    assert fast["patient_id"].tolist()[:1] == ["007"]  # no type inference
    assert fast["organ"].tolist()[2] == "liver\nsegment 4"
    assert fast["laterality"].dtype == object and pd.isna(fast["laterality"].iloc[1])


@pytest.mark.parametrize("text", [
    "patient_id,date,date\nP,2024-01-01,2024-01-01\n",  # duplicated name
    "patient_id,,date\nP,x,2024-01-01\n",  # empty name
    '"patient_id",date\nP,2024-01-01\n',  # quoted header
    "patient_id,date\nP,2024-01-01,extra\n",  # ragged row
    "patient_id,date",  # header without a line end
])
def test_files_it_is_unsure_of_go_to_pandas(tmp_path, text):
    path = tmp_path / "m.csv"
    path.write_text(text)
    assert read_text_table(path, CORE_COLUMNS) is None


def test_errors_name_the_row_on_either_path(tmp_path):
    bad = "\n".join([HEADER, ROWS[0], "007,2024-13-01,V,T1,target,lung,false,20,,measured,"])
    path = tmp_path / "m.csv"
    path.write_text(bad + "\n")
    with pytest.raises(RecistDataError, match=r"row 3, patient_id 007.*2024-13-01"):
        read_measurements(path)
    path.write_bytes(b"patient_id,date\n\xff,2024-01-01\n")
    with pytest.raises(RecistDataError, match="not UTF-8"):
        read_measurements(path)
    path.write_text("\n".join([HEADER, ROWS[0].replace("20.2", "nan")]) + "\n")
    with pytest.raises(RecistDataError, match="ld_mm 'nan' is not a number"):
        read_measurements(path)


@pytest.mark.parametrize("bad_row", [
    ",2024-01-02,V0,T9,target,lung,false,20,,measured,",  # empty patient_id
    "P3,2024-01-02,V0,  ,target,lung,false,20,,measured,",  # blank lesion_id
    "P3,2024-01-02,V0,T9,tumour,lung,false,20,,measured,",  # unknown kind
    "P3,2024-01-02,V0,T9,,lung,false,20,,measured,",  # missing kind
    "P3,2024-01-02,V0,T9,TARGET,lung,false,20,,progression,",  # a non-target's status
    "P3,2024-01-02,V0,T9,new,lung,false,,,,",  # missing status
    "P3,2024-01-02,V0,T9,target,lung,maybe,20,,measured,",  # nodal not a yes/no
    "P3,,V0,T9,target,lung,false,20,,measured,",  # empty date
    "P3,2024-02-30,V0,T9,target,lung,false,20,,measured,",  # no such day
])
def test_each_refusal_is_the_same_on_either_path(tmp_path, bad_row):
    text = "\n".join([HEADER, *ROWS, bad_row, ROWS[0]]) + "\n"
    path = tmp_path / "m.csv"
    path.write_text(text)
    assert read_text_table(path, CORE_COLUMNS) is not None  # the Arrow path is taken
    with pytest.raises(RecistDataError) as fast:
        read_measurements(path)
    with pytest.raises(RecistDataError) as reference:
        normalise_measurements(read_csv_table(path, "measurements table"), source=str(path))
    assert str(fast.value) == str(reference.value)
    assert f"{path} row 8" in str(fast.value)  # the 7th row (the blank line is skipped)


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_a_file_without_quotes_same_table_as_the_pandas_reader(tmp_path, line_end):
    # no quote anywhere: Arrow cuts rows at every line end (no quote tracking)
    rows = [row for row in ROWS if '"' not in row]
    path, fast, reference = _both(tmp_path, line_end.join([HEADER, *rows]) + line_end)
    assert read_text_table(path, CORE_COLUMNS) is not None  # the Arrow path was taken
    pd.testing.assert_frame_equal(fast, reference)
    assert len(fast) == len([row for row in rows if row])


def test_quoted_line_breaks_across_arrow_blocks(tmp_path):
    # every row's organ holds a line break, over several of Arrow's 1 MiB blocks: a block
    # boundary cut at a line end inside quotes would break rows
    rows = [f'P{i},2024-01-02,V0,T1,target,"liver\nsegment {i}",false,20.5,,measured,L'
            for i in range(40_000)]
    path, fast, reference = _both(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    assert path.stat().st_size > 2 * 2**20
    assert read_text_table(path, CORE_COLUMNS) is not None  # the Arrow path was taken
    pd.testing.assert_frame_equal(fast, reference)
    assert fast["organ"].iloc[-1] == "liver\nsegment 39999"



@pytest.mark.parametrize(("late", "column", "cell"), [
    ('007,2024-03-01,V9,T1,target,"lung",false,14.0,,measured,"a ""b"""',  # quotes alone
     "laterality", 'a "b"'),
    ('007,2024-03-01,"WEEK, 8",T1,target,lung,false,14.0,,measured,L',  # a quoted comma
     "visit", "WEEK, 8"),
    ('"007",2024-03-01,V9,T1,target,"liver\nsegment 4",false,14.0,,measured,""',
     "organ", "liver\nsegment 4"),
])
def test_quotes_first_met_after_the_first_mib_same_table_as_pandas(tmp_path, late, column,
                                                                   cell):
    """A file without a quote in its first MiB is read with the quote an ordinary
    character; a quote met further on (in a cell's text, or breaking the rows) has the
    file read again following quotes: the same table as pandas reads."""
    rows = [f"P{i},2024-01-02,V0,T1,target,lung,false,20.5,,measured,L" for i in range(30_000)]
    path, fast, reference = _both(tmp_path, "\n".join([HEADER, *rows, late, rows[0]]) + "\n")
    assert path.read_bytes().index(b'"') > 2**20
    assert read_text_table(path, CORE_COLUMNS) is not None  # the Arrow path was taken
    pd.testing.assert_frame_equal(fast, reference)
    assert len(fast) == len(rows) + 2
    assert fast[column].iloc[-2] == cell and fast["organ"].iloc[-1] == "lung"

@pytest.mark.parametrize("bad", [b"\xe9", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"])
def test_text_not_utf8_deep_in_a_large_file_goes_to_pandas(tmp_path, bad):
    # UTF-8 is checked on each block's dictionaries, not per cell: a Latin-1 letter, a cut
    # sequence, a surrogate or a 5-byte form in one cell of a late block is still found
    rows = [f"P{i},2024-01-02,V0,T1,target,lung,false,20.5,,measured,L".encode()
            for i in range(60_000)]
    rows[-7] = rows[-7].replace(b",lung,", b",lu" + bad + b"ng,")
    path = tmp_path / "m.csv"
    path.write_bytes(b"\n".join([HEADER.encode(), *rows]) + b"\n")
    assert path.stat().st_size > 3 * 2**20
    assert read_text_table(path, CORE_COLUMNS) is None
    with pytest.raises(RecistDataError, match="not UTF-8"):
        read_measurements(path)


def test_runs_of_equal_cells_across_arrow_blocks_same_table_as_pandas(tmp_path):
    # sorted like a cohort: a patient's rows together, a scan's rows together, an organ
    # and a slice thickness repeated, missing cells in runs and alone, over several of
    # Arrow's 1 MiB blocks (runs cut by a block boundary, the first block's probe taken)
    rows = []
    for i in range(45_000):
        patient, scan = i // 37, (i // 7) % 5
        organ = "" if (i // 11) % 4 == 0 else ("lung" if (i // 11) % 4 == 1 else "liver")
        nodal = "" if i % 97 == 0 else "false"
        rows.append(f"P{patient:05d},2024-0{scan + 1}-02,V{scan},T{i % 7},target,{organ},"
                    f"{nodal},{10 + i % 13}.5,,measured,{'L' if i % 3 else ''}")
    path, fast, reference = _both(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    assert path.stat().st_size > 2 * 2**20
    raw = read_text_table(path, CORE_COLUMNS)
    assert raw is not None  # the Arrow path was taken
    text = read_csv_table(path, "measurements table")
    for name in text.columns:  # the same cells, missing where pandas has them missing
        assert raw[name].astype(object).equals(text[name]), name
    pd.testing.assert_frame_equal(fast, reference)
    for name in CORE_COLUMNS:  # sorted: the normaliser keeps the codes as they are
        if name in raw.columns:
            categories = raw[name].cat.categories.tolist()
            assert categories == sorted(categories), name


@pytest.mark.parametrize("chunks", [
    [["b", "b", "b", "a"], ["a", "a", None], [], ["c", "b", "b", "b"]],  # runs across blocks
    [["z"] * 5, ["z"] * 3, ["y"]],  # one run per block
    [["d", "c", "b", "a"], ["a", None, None, "é"]],  # hardly a run: every cell looked up
    [[None, None], [None]],  # no text at all: no category
])
def test_categorical_of_arrow_blocks(chunks):
    from recist.csv_read import _categorical

    column = pa.chunked_array([pa.array(chunk, type=pa.string()) for chunk in chunks])
    values = _categorical(column)
    expected = [cell for chunk in chunks for cell in chunk]
    assert [None if pd.isna(v) else v for v in values] == expected
    assert values.categories.tolist() == sorted({c for c in expected if c is not None})


def _check_categorical(chunks):
    from recist.csv_read import _categorical

    column = pa.chunked_array([pa.array(chunk, type=pa.string()) for chunk in chunks],
                              type=pa.string())
    values = _categorical(column)
    expected = [cell for chunk in chunks for cell in chunk]
    assert [None if pd.isna(v) else v for v in values] == expected
    assert values.categories.tolist() == sorted({c for c in expected if c is not None})
    # the reader reads an empty cell as an empty text: coded as a missing one
    empty = pa.chunked_array([pa.array(["" if cell is None else cell for cell in chunk],
                                       type=pa.string()) for chunk in chunks],
                             type=pa.string())
    as_empty = _categorical(empty)
    assert as_empty.codes.dtype == values.codes.dtype
    assert as_empty.codes.tolist() == values.codes.tolist()
    assert as_empty.categories.tolist() == values.categories.tolist()


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 16, 17, 24, 31, 32])
def test_runs_of_one_width_differing_at_any_byte(width):
    """The texts of one width are compared by a few integers per row, overlapping where
    the width is not a multiple of theirs: two texts differing at any one byte (first,
    last, or one read by two integers) are told apart, runs across blocks included."""
    base = "".join(chr(ord("a") + i % 26) for i in range(width))
    texts = [base] + [base[:at] + "#" + base[at + 1:] for at in range(width)]
    cells = [text for text in texts for _ in range(3)]  # runs of 3: the run path
    _check_categorical([cells[:4], cells[4:5], cells[5:]])
    _check_categorical([texts * 2])  # no runs: every cell looked up


@pytest.mark.parametrize("chunks", [
    [["ab", "ab"], ["abc", "abc"]],  # two widths, each block of one
    [["ab", "c", "def", "ab"] * 2],  # as many bytes as rows of one width: not one width
    [["ab", "ab"], ["a", "bcd"], ["cd", "cd"]],  # so in one block
    [["ab", "ab", None, "ab"]],  # a missing cell
    [["é", "é", "e", "e"]],  # one width in bytes, not in letters
    [["lung"] * 4, ["lung"] * 2],  # one text throughout
    [["a\x00", "a\x00", "a\x01", "a\x01"]],  # a NUL byte is a byte like any other
    [[None] * 3, [None]],  # nothing but empty cells (of width 0)
    [["1.5", None, "2", None, "1.5", None], [None, "3"]],  # empty every other cell
    [["a"] * 3 + [None] * 3 + ["b"] * 3],  # runs of empty cells
    [[chr(0x4E00 + i) for i in range(126)] + [None]],  # sorted: 126 texts, 8-bit codes
    [[chr(0x4E00 + i) for i in range(127)] + [None]],  # 127: 16-bit codes
    [[chr(0x4E00 + i) for i in range(126, -1, -1)] + [None]],  # sorted afresh
])
def test_runs_of_texts_near_one_width(chunks):
    _check_categorical(chunks)


def test_empty_cells_quoted_or_not_are_missing_as_pandas_reads_them(tmp_path):
    """The reader reads an empty cell as an empty text, coded as missing: quoted or not,
    in a column of runs, one without, and an extra column, as pandas reads them."""
    rows = [f'P{i % 3},2024-01-0{1 + i % 2},{"" if i % 2 else "V1"},T{i},target,'
            f'{"lung" if i % 3 else chr(34) * 2},,{"" if i % 4 else "12.5"},"",measured,'
            f'{"" if i % 5 else chr(34) * 2}' for i in range(40)]
    path, fast, reference = _both(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    raw = read_text_table(path, CORE_COLUMNS)
    assert raw is not None  # the Arrow path was taken
    text = read_csv_table(path, "measurements table")
    for name in text.columns:
        assert raw[name].astype(object).equals(text[name]), name
    pd.testing.assert_frame_equal(fast, reference)


def test_empty_texts_of_an_array_not_at_its_start_are_missing():
    from recist.csv_read import _categorical

    array = pa.array(["x", "", "1", "", "2", "", "1"], type=pa.string()).slice(1)
    values = _categorical(pa.chunked_array([array]))
    assert values.codes.tolist() == [-1, 0, -1, 1, -1, 0]
    assert values.categories.tolist() == ["1", "2"]


@pytest.mark.parametrize("texts", [["", None, "a"], [None, "", "a", "b"], ["a", None, ""],
                                   [None, "a"], ["", "a"], ["b", "", None, "a"]])
def test_sorted_codes_make_empty_and_missing_cells_one_missing_code(texts):
    """An empty text and a missing cell are both code -1, whether or not the dictionary
    came sorted (a sorted dictionary with both once gave -2 to the missing cell)."""
    import pyarrow.compute as pc

    from recist.csv_read import _sorted_codes

    dictionary, codes = _sorted_codes(pc.dictionary_encode(pa.array(texts, pa.string())))
    decoded = [None if code == -1 else dictionary[int(code)].as_py() for code in codes]
    assert decoded == [text or None for text in texts]
    assert codes.min() >= -1 and dictionary.to_pylist() == sorted({t for t in texts if t})
