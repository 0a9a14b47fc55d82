"""A column present in its header but empty in every row -- each column of the
measurements and patients tables in turn -- is either read (an optional column) or
refused in one line naming the row; never an internal error.

An entirely empty ``status`` column once raised ``TypeError`` (an empty list of checked
values made a float array); these cases hold that for every column."""

from __future__ import annotations

import contextlib
import io

import pytest

from recist.cli import EXIT_INPUT_ERROR, main

from .conftest import MEASUREMENTS_HEADER, REPO, Workspace

ROWS = (  # a target, a node, a non-target and a new lesion over two visits
    "P1,2024-01-08,V0,T1,target,lung,false,20.0,,measured,5.0",
    "P1,2024-01-08,V0,T2,target,lymph node,true,,15.0,measured,5.0",
    "P1,2024-01-08,V0,N1,non-target,liver,false,,,present,5.0",
    "P1,2024-03-11,V1,T1,target,lung,false,12.0,,measured,5.0",
    "P1,2024-03-11,V1,T2,target,lymph node,true,,9.0,measured,5.0",
    "P1,2024-03-11,V1,N1,non-target,liver,false,,,absent,5.0",
    "P1,2024-03-11,V1,X1,new,bone,false,,,equivocal,5.0",
)
PATIENTS_HEADER = "patient_id,start_date,death_date,last_contact_date,new_therapy_date,arm"
PATIENTS_ROW = "P1,2024-01-10,,2024-04-01,,A"


def _emptied(header: str, rows: tuple[str, ...], column: int) -> str:
    cells = [row.split(",") for row in rows]
    for row in cells:
        row[column] = ""
    return "\n".join([header, *(",".join(row) for row in cells)]) + "\n"


def _recist(*argv: object) -> tuple[int, str]:
    """The command's exit status and what it wrote on stderr (run in this process)."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = main([str(arg) for arg in argv])
    return status, err.getvalue()


def _respond(workspace: Workspace, measurements, patients=None) -> tuple[int, str]:
    extra = () if patients is None else ("--patients", patients)
    return _recist("respond", measurements, "--out", workspace.out("r"), "--confirm", *extra)


def _read_or_refused(status: int, err: str) -> None:
    assert status in (0, EXIT_INPUT_ERROR), err
    assert "internal error" not in err and "Traceback" not in err
    if status == EXIT_INPUT_ERROR:
        errors = [line for line in err.splitlines() if ": error:" in line]
        assert len(errors) == 1 and len(errors[0]) <= 300, err


@pytest.mark.parametrize("column", MEASUREMENTS_HEADER.split(","))
def test_an_empty_measurements_column(workspace: Workspace, column: str):
    position = MEASUREMENTS_HEADER.split(",").index(column)
    measurements = workspace.file("m.csv", _emptied(MEASUREMENTS_HEADER, ROWS, position))
    status, err = _respond(workspace, measurements)
    _read_or_refused(status, err)
    if column in ("patient_id", "date", "lesion_id", "kind", "status", "ld_mm", "sa_mm"):
        assert status == EXIT_INPUT_ERROR, err  # every row needs it (or a diameter)


@pytest.mark.parametrize("column", PATIENTS_HEADER.split(","))
def test_an_empty_patients_column(workspace: Workspace, column: str):
    measurements = workspace.file("m.csv", "\n".join([MEASUREMENTS_HEADER, *ROWS]) + "\n")
    position = PATIENTS_HEADER.split(",").index(column)
    patients = workspace.file("p.csv", _emptied(PATIENTS_HEADER, (PATIENTS_ROW,), position))
    status, err = _respond(workspace, measurements, patients)
    _read_or_refused(status, err)
    if column == "patient_id":
        assert status == EXIT_INPUT_ERROR, err
    if column == "start_date":  # durations from the baseline scan (DEC-7), said so
        assert status == 0 and "start-date-missing" in err, err


OLIGO = REPO / "sample_data" / "oligo_trial"


def _columns_of(name: str) -> list[str]:
    return (OLIGO / name).read_text().splitlines()[0].split(",")


OLIGO_COLUMNS = [*(("lesions.csv", c) for c in _columns_of("lesions.csv")),
                 *(("therapies.csv", c) for c in _columns_of("therapies.csv"))]
"""Each column of the oligometastatic trial's lesions and therapies tables."""


def _respond_oligo(workspace: Workspace, table: str, text: str) -> tuple[int, str]:
    """``recist respond`` on the oligometastatic sample with ``table`` given as ``text``."""
    given = {"lesions.csv": OLIGO / "lesions.csv", "therapies.csv": OLIGO / "therapies.csv"}
    given[table] = workspace.file(table, text)
    return _recist("respond", OLIGO / "measurements.csv", "--patients",
                   OLIGO / "patients.csv", "--lesions", given["lesions.csv"],
                   "--therapies", given["therapies.csv"], "--out", workspace.out("o"))


@pytest.mark.parametrize("table,column", OLIGO_COLUMNS)
def test_an_empty_column_of_the_oligometastatic_tables(workspace: Workspace, table: str,
                                                       column: str):
    lines = (OLIGO / table).read_text().splitlines()
    position = lines[0].split(",").index(column)
    _read_or_refused(*_respond_oligo(
        workspace, table, _emptied(lines[0], tuple(lines[1:]), position)))
