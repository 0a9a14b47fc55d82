"""A measurements table with several readers is never assessed as a mixture.

Two readers measure the same target differently: reader A sees it shrink (PR), reader B
sees it grow (PD). Mixed, the two rows of a date would be summed as a split lesion.
"""

from __future__ import annotations

import pandas as pd
import pytest

from recist.cli import main
from recist.errors import RecistDataError
from recist.pipeline.baseline import run_baseline
from recist.response import respond
from recist.table import normalise_measurements

ROWS = [  # evaluator, date, ld_mm
    ("A", "2024-01-08", 40.0), ("A", "2024-03-04", 20.0),
    ("B", "2024-01-08", 40.0), ("B", "2024-03-04", 50.0),
]


def _table() -> pd.DataFrame:
    return pd.DataFrame([{"patient_id": "P1", "evaluator": reader, "date": date,
                          "visit": "BL" if date.endswith("01-08") else "W8",
                          "lesion_id": "T1", "kind": "target", "organ": "lung",
                          "nodal": "false", "ld_mm": ld, "sa_mm": None,
                          "status": "measured", "slice_thickness_mm": 1.0}
                         for reader, date, ld in ROWS])


def test_respond_assesses_each_reader_apart(tmp_path, capsys):
    path = tmp_path / "m.csv"
    _table().to_csv(path, index=False)
    status = main(["respond", str(path), "--out", str(tmp_path / "out"), "-v"])
    out = capsys.readouterr().out
    assert status == 0
    summary = pd.read_csv(tmp_path / "out" / "patient_summary.csv")
    assert summary[["evaluator", "patient_id", "bor"]].values.tolist() == [
        ["A", "P1", "PR"], ["B", "P1", "PD"]]
    timepoints = pd.read_csv(tmp_path / "out" / "timepoints.csv")
    assert timepoints["sum_mm"].tolist() == [40.0, 20.0, 40.0, 50.0]  # never 70 mm
    assert "P1 (reader A): BOR PR" in out and "P1 (reader B): BOR PD" in out


def test_the_library_refuses_a_mixture_naming_the_readers():
    table = normalise_measurements(_table(), source="test")
    with pytest.raises(RecistDataError, match=r"2 readers \(evaluator A, B\)"):
        respond(table)
    with pytest.raises(RecistDataError, match="one reader at a time"):
        run_baseline(table)
    one = table[table["evaluator"] == "A"].reset_index(drop=True)
    assert respond(one).patient_summary["bor"].tolist() == ["PR"]


def test_a_padded_reader_name_is_the_same_reader(tmp_path):
    # " A" on reader A's follow-up row: one reader A (PR at W8), not two readers "A" (a
    # baseline alone) and " A" (a follow-up without a baseline)
    table = _table()
    table.loc[1, "evaluator"] = " A "
    path = tmp_path / "m.csv"
    table.to_csv(path, index=False)
    assert main(["respond", str(path), "--out", str(tmp_path / "out")]) == 0
    summary = pd.read_csv(tmp_path / "out" / "patient_summary.csv")
    assert summary[["evaluator", "patient_id", "bor"]].values.tolist() == [
        ["A", "P1", "PR"], ["B", "P1", "PD"]]
    timepoints = pd.read_csv(tmp_path / "out" / "timepoints.csv")
    assert timepoints["sum_mm"].tolist() == [40.0, 20.0, 40.0, 50.0]
