"""A column named twice once case and spaces are set aside (``Organ`` and ``organ``):
nobody can say which of the two a reader should take. Each table refuses it in one line
naming the column and both spellings; the measurements table once stopped with an internal
error (``AttributeError``) instead, and an extra column named twice (``note``) stopped
``respond`` with one (``ValueError``). The patients table reads only its own columns: an
extra one named twice there is read."""

from __future__ import annotations

import pytest

from recist.cli import EXIT_INPUT_ERROR

from .conftest import MEASUREMENTS_HEADER, Workspace
from .test_empty_columns import (
    OLIGO,
    OLIGO_COLUMNS,
    PATIENTS_HEADER,
    PATIENTS_ROW,
    ROWS,
    _read_or_refused,
    _respond,
    _respond_oligo,
)


def _repeated(header: str, rows: tuple[str, ...], column: str) -> str:
    """The table with ``column`` given again at the end, upper-cased, with its cells."""
    names = header.split(",")
    position = names.index(column)
    lines = [f"{header},{column.upper()}"]
    lines += [f"{row},{row.split(',')[position]}" for row in rows]
    return "\n".join(lines) + "\n"


def _refused_naming(status: int, err: str, column: str) -> None:
    _read_or_refused(status, err)
    assert status == EXIT_INPUT_ERROR, err
    assert f"the column {column} is named 2 times ({column}, {column.upper()})" in err, err


@pytest.mark.parametrize("column", MEASUREMENTS_HEADER.split(","))
def test_a_measurements_column_named_twice(workspace: Workspace, column: str):
    measurements = workspace.file("m.csv", _repeated(MEASUREMENTS_HEADER, ROWS, column))
    _refused_naming(*_respond(workspace, measurements), column)


def test_an_extra_measurements_column_named_twice(workspace: Workspace):
    header = f"{MEASUREMENTS_HEADER},note"
    rows = tuple(f"{row},seen" for row in ROWS)
    measurements = workspace.file("m.csv", _repeated(header, rows, "note"))
    _refused_naming(*_respond(workspace, measurements), "note")


@pytest.mark.parametrize("column", PATIENTS_HEADER.split(","))
def test_a_patients_column_named_twice(workspace: Workspace, column: str):
    measurements = workspace.file("m.csv", "\n".join([MEASUREMENTS_HEADER, *ROWS]) + "\n")
    patients = workspace.file("p.csv", _repeated(PATIENTS_HEADER, (PATIENTS_ROW,), column))
    _refused_naming(*_respond(workspace, measurements, patients), column)


@pytest.mark.parametrize("table,column", OLIGO_COLUMNS)
def test_an_oligometastatic_column_named_twice(workspace: Workspace, table: str, column: str):
    lines = (OLIGO / table).read_text().splitlines()
    _refused_naming(*_respond_oligo(
        workspace, table, _repeated(lines[0], tuple(lines[1:]), column)), column)


def test_an_extra_patients_column_named_twice_is_read(workspace: Workspace):
    measurements = workspace.file("m.csv", "\n".join([MEASUREMENTS_HEADER, *ROWS]) + "\n")
    patients = workspace.file("p.csv", _repeated(f"{PATIENTS_HEADER},site",
                                                  (f"{PATIENTS_ROW},Leeds",), "site"))
    status, err = _respond(workspace, measurements, patients)
    assert status == 0, err
