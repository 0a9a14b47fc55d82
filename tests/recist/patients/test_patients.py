"""The patients table reader (docs/tables.md patients table, DEC-7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recist.errors import RecistDataError
from recist.patients import normalise_patients, read_patients


def write(tmp_path, text):
    path = tmp_path / "patients.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_patients_types(tmp_path):
    path = write(tmp_path, "Patient_ID,start_date,death_date,arm,site\n"
                           "007,2024-01-02,,A,x\n8,,2024-05-01,,y\n")
    frame = read_patients(path)
    assert list(frame["patient_id"]) == ["007", "8"]
    assert frame.loc[0, "start_date"] == pd.Timestamp("2024-01-02")
    assert pd.isna(frame.loc[1, "start_date"])  # allowed: DEC-7 fallback later
    assert pd.isna(frame.loc[0, "death_date"]) and pd.isna(frame.loc[0, "new_therapy_date"])
    assert frame["start_date"].dtype == "datetime64[ns]"
    assert list(frame["site"]) == ["x", "y"]  # extra columns pass through
    assert pd.isna(frame.loc[1, "arm"])


def test_unparsable_date_names_file_row_patient_and_column(tmp_path):
    path = write(tmp_path, "patient_id,start_date,death_date\np1,2024-01-02,\n"
                           "p2,2024-01-02,03/05/2024\n")
    with pytest.raises(RecistDataError) as caught:
        read_patients(path)
    message = str(caught.value)
    assert str(path) in message and "row 3" in message and "patient_id p2" in message
    assert "death_date '03/05/2024'" in message and "YYYY-MM-DD" in message


def test_death_before_start_is_refused(tmp_path):
    path = write(tmp_path, "patient_id,start_date,death_date\np1,2024-03-01,2024-02-01\n")
    with pytest.raises(RecistDataError, match=r"row 2, patient_id p1: death_date 2024-02-01 "
                                              r"is before start_date 2024-03-01"):
        read_patients(path)


def test_duplicate_patient_is_refused():
    frame = pd.DataFrame({"patient_id": ["p1", "p2", "p1"], "start_date": ["2024-01-01"] * 3})
    with pytest.raises(RecistDataError, match="row 4, patient_id p1: patient_id is listed "
                                              "twice \\(also on row 2\\)"):
        normalise_patients(frame)


def test_missing_patient_id_column_or_value():
    with pytest.raises(RecistDataError, match="missing required column patient_id"):
        normalise_patients(pd.DataFrame({"start_date": ["2024-01-01"]}))
    with pytest.raises(RecistDataError, match="row 2: patient_id is empty"):
        normalise_patients(pd.DataFrame({"patient_id": [" "], "start_date": ["2024-01-01"]}))


def test_a_column_named_twice_is_refused_naming_both():
    frame = pd.DataFrame({"patient_id": ["p1"], "Arm": ["A"], "arm ": ["B"]})
    with pytest.raises(RecistDataError, match=r"patients: the column arm is named 2 times "
                                              r"\(Arm, arm \); a patients table names each "
                                              r"column once"):
        normalise_patients(frame)
    # an extra column named twice passes through, both copies in their places
    out = normalise_patients(pd.DataFrame([["p1", 1, 2]], columns=["patient_id", "x", "X"]))
    assert list(out.columns[:3]) == ["patient_id", "x", "x"]
    assert out.iloc[0, 1:3].tolist() == [1, 2]


def test_rows_of_a_normalised_table_normalise_to_the_same_table_renumbered():
    table = normalise_patients(pd.DataFrame({
        "patient_id": [" p1", "p2", "p3", "p4"], "arm": ["A", None, "", " B "],
        "start_date": ["2024-01-02", "2024-02-03", None, "2024-04-05"],
        "death_date": [None, "2024-06-01", None, None], "site": [1.5, None, 3.0, 4.0]}))
    rows = table.iloc[[3, 1]]  # a selection: index 3, 1
    out = normalise_patients(rows)
    expected = rows.reset_index(drop=True)
    pd.testing.assert_frame_equal(out, expected, check_exact=True)
    assert out["patient_id"].tolist() == ["p4", "p2"] and out["arm"].tolist()[0] == "B"
    out.loc[0, "site"] = -1.0  # a copy: the input keeps its values
    assert table.loc[3, "site"] == 4.0


def test_dates_with_a_time_of_day_become_their_day_before_and_after_1970():
    frame = pd.DataFrame({"patient_id": ["a", "b", "c"], "start_date": pd.to_datetime(
        ["2024-01-01 13:00", "1969-12-31 23:59", None])})
    out = normalise_patients(frame)
    assert out["start_date"].tolist()[:2] == [pd.Timestamp("2024-01-01"),
                                              pd.Timestamp("1969-12-31")]
    assert pd.isna(out.loc[2, "start_date"])


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="patients table .* does not exist"):
        read_patients("/nonexistent/patients.csv")


def test_input_frame_not_modified_and_datetimes_accepted():
    frame = pd.DataFrame({"patient_id": [1], "start_date": pd.to_datetime(["2024-01-02"])})
    before = frame.copy()
    out = normalise_patients(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert out.loc[0, "patient_id"] == "1"
    assert out.loc[0, "start_date"] == pd.Timestamp("2024-01-02")


def test_a_patients_table_over_the_size_bound_is_refused_before_reading(tmp_path,
                                                                        monkeypatch):
    """make fuzz seed 1002667: 20,000 rows of a 140 kB cell (1.4 GB) took 11 s of CPU to
    refuse; the size is now checked first (issue #13)."""
    import pytest as _pytest

    from recist.errors import RecistDataError
    from recist.patients import MAX_SIZE_VARIABLE, read_patients

    path = tmp_path / "p.csv"
    path.write_text("patient_id,start_date\n"
                    + "".join(f"P{k:05d},2024-01-10\n" for k in range(40_000)))
    assert path.stat().st_size == 22 + 40_000 * 18  # 0.69 MiB
    monkeypatch.setenv(MAX_SIZE_VARIABLE, "0.5")
    with _pytest.raises(RecistDataError, match=r"p\.csv: 0\.7 MiB, over the 0\.5 MiB a "
                        "patients table may take"):
        read_patients(path)
    monkeypatch.setenv(MAX_SIZE_VARIABLE, "1")
    assert len(read_patients(path)) == 40_000
    monkeypatch.setenv(MAX_SIZE_VARIABLE, "lots")
    with _pytest.raises(RecistDataError, match="RECIST_MAX_PATIENTS_MB='lots' is not a size"):
        read_patients(path)


def test_the_size_bound_looks_at_the_file_once(tmp_path, monkeypatch):
    """One ``stat`` of the table decides the size bound (not an ``is_file`` and a ``stat``,
    nor a second ``stat`` for the message); a folder or a missing path is left to the
    reader, which names it."""
    import os

    from recist import patients
    from recist.errors import RecistDataError

    path = tmp_path / "p.csv"
    path.write_text("patient_id,start_date\nP1,2024-01-10\n")
    looked: list[str] = []
    real_stat = os.stat

    def counting_stat(target, *args, **kwargs):
        looked.append(os.fspath(target))
        return real_stat(target, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counting_stat)
    patients._check_size(path)
    assert looked == [str(path)]
    monkeypatch.setenv(patients.MAX_SIZE_VARIABLE, "0.00001")
    looked.clear()
    with pytest.raises(RecistDataError, match=r"p\.csv: 0\.0 MiB, over the 1e-05 MiB"):
        patients._check_size(path)
    assert looked == [str(path)]
    patients._check_size(tmp_path)  # a folder: not refused by size
    patients._check_size(tmp_path / "missing.csv")


@pytest.mark.parametrize("values", [
    [" P1 ", "", None, np.nan, "P2", "\tP3\n", "  "],
    pd.array([" P1", None, "", "P2 "], dtype="string"),
    [7, 8.5, None, " x "],  # not all text: cell by cell
    [None, None],
])
def test_text_columns_cleaned_on_arrays_as_cell_by_cell(values):
    from recist.patients import _clean_text, _text_column

    column = pd.Series(values)
    expected = column.map(_clean_text).astype("string")
    pd.testing.assert_series_equal(_text_column(column), expected)


def test_a_normalised_table_normalises_to_itself(tmp_path):
    """What ``respond(..., patients_normalised=True)`` relies on: normalising the table
    read_patients returned gives the same table (its types, cells and columns)."""
    path = write(tmp_path, "Patient_ID, Start_Date ,death_date,arm,site,last_contact_date\n"
                           " 007 ,2024-01-02,,A ,x,2024-03-01\n8,,2024-05-01,,,\n")
    table = read_patients(path)
    pd.testing.assert_frame_equal(normalise_patients(table), table, check_exact=True)
