"""Annotation CSVs that would cost too much or cannot be parsed (issue #13): refused before
parsing with their size named, or with the row named, never a ``csv.Error``."""

from __future__ import annotations

import csv

import pytest

from dicom_io.annotations import (
    BYTES_PER_ROW,
    DEFAULT_MAX_ROWS,
    LINE_COLUMNS,
    MAX_ROWS_VARIABLE,
    max_annotation_rows,
    read_label_lesions,
    read_line_annotations,
)
from dicom_io.errors import DicomInputError

ROW = "T{k},target,lung,false,long,1.2.3.4,2.5,2.5,12.5,12.5\n"


def _lines(tmp_path, rows: int, *, ended: bool = True):
    path = tmp_path / "lines.csv"
    text = ",".join(LINE_COLUMNS) + "\n" + "".join(ROW.format(k=k) for k in range(rows))
    path.write_text(text if ended else text.rstrip("\n"), encoding="utf-8")
    return path


@pytest.mark.parametrize("ended", [True, False])
def test_the_row_limit_is_exact(tmp_path, monkeypatch, ended):
    monkeypatch.setenv(MAX_ROWS_VARIABLE, "5")
    assert [r.lesion_id for r in read_line_annotations(_lines(tmp_path, 5, ended=ended))] \
        == ["T0", "T1", "T2", "T3", "T4"]
    with pytest.raises(DicomInputError, match=r"lines\.csv: more than 5 rows, the most a line "
                       r"annotations CSV may hold; split it by series or raise "
                       r"RECIST_MAX_ANNOTATION_ROWS \(about 5 KB of memory a row\)"):
        read_line_annotations(_lines(tmp_path, 6, ended=ended))


def test_a_file_larger_than_its_rows_can_be_is_refused_from_its_size(tmp_path, monkeypatch):
    monkeypatch.setenv(MAX_ROWS_VARIABLE, "2")
    path = tmp_path / "lines.csv"  # one header line, then 9 kB without a line end
    path.write_text(",".join(LINE_COLUMNS) + "\n" + "," * (2 * BYTES_PER_ROW + 1))
    with pytest.raises(DicomInputError, match=r"lines\.csv: 0\.0 MiB, over the 0 MiB of a line "
                       r"annotations CSV of at most 2 rows; split it"):
        read_line_annotations(path)


def test_the_default_and_a_wrong_setting(monkeypatch):
    monkeypatch.delenv(MAX_ROWS_VARIABLE, raising=False)
    assert max_annotation_rows() == DEFAULT_MAX_ROWS == 10_000
    for wrong in ("0", "-3", "many", "1e9"):
        monkeypatch.setenv(MAX_ROWS_VARIABLE, wrong)
        with pytest.raises(DicomInputError, match=f"{MAX_ROWS_VARIABLE}=.* is not a whole "
                           "number of rows >= 1; unset it for the default of 10,000"):
            max_annotation_rows()


@pytest.mark.parametrize("reader, header", [
    (read_line_annotations, ",".join(LINE_COLUMNS)),
    (read_label_lesions, "label,lesion_id,kind,organ,nodal"),
])
def test_a_field_over_the_csv_limit_names_its_row(tmp_path, reader, header):
    path = tmp_path / "annotations.csv"
    huge = "x" * (csv.field_size_limit() + 10)
    path.write_text(f"{header}\n1,T1,target,lung,false,,,,,\n1,T2,target,{huge},false\n")
    with pytest.raises(DicomInputError) as raised:
        reader(path)
    message = str(raised.value)
    assert "annotations.csv row 3: a field longer than 131,072 characters" in message
    assert "xxx" not in message and len(message) < 300
