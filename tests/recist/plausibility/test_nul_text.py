"""A text cell holding a NUL character is refused where a table enters (a measurements
CSV, ``normalise_measurements``, a plain frame given to ``respond``, the patients table,
every CSV read by pandas' parser, an SDTM CSV): pandas groups ``"P\\x00a"`` and
``"P\\x00b"`` as one value, so two patients were merged without a word, and its CSV
parser cuts a cell at the NUL."""

import numpy as np
import pandas as pd
import pytest

from recist.cdisc.xpt import read_cdisc_table
from recist.errors import RecistDataError
from recist.patients import normalise_patients, read_patients
from recist.plausibility import first_nul_flags, first_nul_text
from recist.response import respond
from recist.table import normalise_measurements, read_csv_table, read_measurements


def _two_patients() -> pd.DataFrame:
    """Two patients whose ids differ after a NUL: one progresses, one responds."""
    return pd.DataFrame({
        "patient_id": ["P\x00a", "P\x00a", "P\x00b", "P\x00b"],
        "date": ["2024-01-05", "2024-03-01"] * 2, "lesion_id": ["T1", "T1", "T2", "T2"],
        "kind": ["target"] * 4, "organ": ["lung"] * 4, "nodal": [False] * 4,
        "ld_mm": [20.0, 30.0, 40.0, 10.0], "sa_mm": [None] * 4, "status": ["measured"] * 4})


def test_the_premise_pandas_merges_such_texts():
    # why the refusal: grouping by these ids gives one patient (pandas 2.3)
    codes, _ = pd.factorize(np.array(["P\x00a", "P\x00b"], dtype=object))
    assert codes.tolist() in ([0, 0], [0, 1])  # [0, 0] today; the refusal holds either way


def test_a_csv_cell_with_a_nul_is_refused_naming_the_file_row(tmp_path):
    # before: the two patients were read as one ('P\x00a' four times)
    path = tmp_path / "m.csv"
    _two_patients().to_csv(path, index=False)
    with pytest.raises(RecistDataError, match=r"m\.csv row 2: patient_id holds a NUL "
                                              r"character .* save it as UTF-8"):
        read_measurements(path)


@pytest.mark.parametrize("dtype", [object, "category", "string"])
def test_normalise_and_respond_refuse_it(dtype):
    table = _two_patients()
    table["patient_id"] = table["patient_id"].astype(dtype)
    with pytest.raises(RecistDataError, match=r"^measurements row 2: patient_id holds a NUL"):
        normalise_measurements(table)
    with pytest.raises(RecistDataError, match=r"row at index 0: patient_id holds a NUL"):
        respond(table)  # a plain frame, never normalised


def test_a_lesion_or_visit_with_a_nul_is_refused_too():
    table = _two_patients().assign(patient_id="P1", lesion_id=["T1", "T1", "T\x00", "T\x00"])
    with pytest.raises(RecistDataError, match=r"row 4: lesion_id holds a NUL"):
        normalise_measurements(table)
    table = _two_patients().assign(patient_id="P1", visit=[None, "V\x001", None, "V\x002"])
    with pytest.raises(RecistDataError, match=r"row 3: visit holds a NUL"):
        normalise_measurements(table)


def test_the_patients_table_refuses_it():
    with pytest.raises(RecistDataError, match=r"^patients row 3: patient_id holds a NUL"):
        normalise_patients(pd.DataFrame({"patient_id": ["P1", "P\x002"],
                                         "start_date": ["2024-01-01", None]}))


def test_the_same_patients_without_nul_are_two():
    table = _two_patients()
    table["patient_id"] = table["patient_id"].str.replace("\x00", "-")
    summary = respond(normalise_measurements(table)).patient_summary
    assert summary["patient_id"].tolist() == ["P-a", "P-b"]
    assert summary["bor"].tolist() == ["PD", "PR"]


@pytest.mark.parametrize("values, expected", [
    (["a", "b"], [False, False]),
    (["a", "b\x00"], [False, True]),
    ([None, "b\x00", np.nan, pd.NA], [False, True, False, False]),
    ([1, "x\x00", 2.5], [False, True, False]),
    ([], []),
])
def test_first_nul_flags(values, expected):
    assert first_nul_flags(np.array(values, dtype=object)).tolist() == expected


def test_a_category_no_row_uses_is_no_cell():
    column = pd.Series(pd.Categorical(["a", "b"], categories=["a", "b", "c\x00"]))
    assert first_nul_text(column) is None
    assert first_nul_text(column.iloc[::-1].reset_index(drop=True).astype(
        pd.CategoricalDtype(["a", "b\x00"]))) is None  # "b" is not "b\x00": missing, no text
    assert first_nul_text(pd.Series(pd.Categorical(["a", "b\x00", "b\x00"]))) == 1


@pytest.mark.parametrize("via_csv", [True, False])
def test_an_id_that_is_another_before_its_nul_is_refused(tmp_path, via_csv):
    # "P" and "P\x00b" hash alike too, and the first has no NUL to see in the groups
    table = _two_patients().assign(patient_id=["P", "P", "P\x00b", "P\x00b"])
    if via_csv:
        table.to_csv(tmp_path / "m.csv", index=False)
        with pytest.raises(RecistDataError, match=r"row 4: patient_id holds a NUL"):
            read_measurements(tmp_path / "m.csv")
    with pytest.raises(RecistDataError, match=r"row at index 2: patient_id holds a NUL"):
        respond(table)


def test_the_premise_pandas_csv_parser_cuts_a_cell_at_a_nul(tmp_path):
    # why every table read with pandas' parser is looked at for a NUL byte first
    path = tmp_path / "t.csv"
    path.write_bytes(b"regimen\nFOL\x00FOX\nFOL\x00IRI\n")
    assert pd.read_csv(path, dtype=str)["regimen"].tolist() == ["FOL", "FOL"]


def test_a_patients_csv_with_a_nul_is_refused_naming_line_and_column(tmp_path):
    # before: P\x002 was read as P without a word
    path = tmp_path / "patients.csv"
    path.write_bytes(b"patient_id,start_date\nP1,2024-01-01\nP\x002,2024-01-01\n")
    with pytest.raises(RecistDataError, match=rf"^{path} row 3, column patient_id, holds a "
                                              "NUL character .* save it as UTF-8"):
        read_patients(path)


def test_a_measurements_csv_pandas_reads_is_refused_too(tmp_path):
    # a quoted header goes to pandas' parser (csv_read leaves it to pandas)
    path = tmp_path / "m.csv"
    _two_patients().to_csv(path, index=False, quoting=1)
    with pytest.raises(RecistDataError, match=rf"^{path} row 2, column patient_id, holds"):
        read_measurements(path)


def test_an_sdtm_csv_with_a_nul_is_refused(tmp_path):
    path = tmp_path / "tr.csv"
    path.write_bytes(b"STUDYID,USUBJID,TRLNKID\nS,S-1,T\x001\n")
    with pytest.raises(RecistDataError, match=rf"^{path} row 2, column TRLNKID, holds a NUL "
                                              "character .* of the SDTM table"):
        read_cdisc_table(path, "TR")


def test_the_partitioned_reader_refuses_it(tmp_path):
    pytest.importorskip("dask.dataframe")
    from recist.pipeline.partitioned import respond_partitioned

    path = tmp_path / "m.csv"
    _two_patients().to_csv(path, index=False)
    with pytest.raises(RecistDataError, match=rf"^{path} row 2, column patient_id, holds"):
        respond_partitioned(path, None, partitions=2)


@pytest.mark.parametrize("content, place", [
    # a quoted line break: the NUL is in the second column of row 2, on line 3
    (b'patient_id,regimen\nP1,"a\nb\x00c,d"\n', "row 2, column regimen,"),
    # old Mac line ends (a lone CR), which pandas reads
    (b"patient_id,start_date\rS1,2023-01-01\rS\x002,2023-01-01\r", "row 3, column patient_id,"),
    (b"patient_id,start_date\r\nS1,2023-01-01\r\n\r\nS\x002,2023-01-01\r\n",
     "row 3, column patient_id,"),  # a blank line is not a row (as pandas counts)
    # a name holding a NUL is not printed: its position is
    (b"patient_id,reg\x00imen\nP1,x\n", "row 1 (the header), column 2,"),
    (b"a,b\n1,2,3\x00\n", "row 2, column 3,"),  # a cell beyond the header's names
])
def test_the_cell_holding_the_nul_is_named_as_pandas_counts_rows(tmp_path, content, place):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(RecistDataError) as error:
        read_csv_table(path, "table")
    assert str(error.value).startswith(f"{path} {place} holds a NUL character")
    assert "\x00" not in str(error.value)  # the message never holds the NUL itself


def test_a_patients_csv_with_lone_carriage_returns_gets_the_refusal_not_a_crash(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"patient_id,start_date\rS00001,2023-01-01\rS0\x0002,2023-01-01\r")
    with pytest.raises(RecistDataError, match=r"row 3, column patient_id, holds a NUL"):
        read_patients(path)
