"""The plausibility bounds (recist.plausibility, docs/tables.md "Plausibility bounds"):
impossible values always refused, implausible ones unless allowed, the row named."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from recist.errors import RecistDataError
from recist.patients import normalise_patients
from recist.plausibility import ALLOW_ENVIRONMENT_VARIABLE, BOUNDS, date_bounds
from recist.response import respond
from recist.table import normalise_measurements, write_measurements

HEADER = "patient_id,date,visit,lesion_id,kind,organ,nodal,ld_mm,sa_mm,status,slice_thickness_mm"


def table(*rows: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO("\n".join([HEADER, *rows]) + "\n"), dtype=str,
                       keep_default_na=False, na_values=[""])


def row(ld: str = "20", sa: str = "", thickness: str = "5", date: str = "2024-01-08",
        visit: str = "V0") -> str:
    return f"P1,{date},{visit},T1,target,lung,false,{ld},{sa},measured,{thickness}"


@pytest.fixture(autouse=True)
def _no_override(monkeypatch):
    monkeypatch.delenv(ALLOW_ENVIRONMENT_VARIABLE, raising=False)


@pytest.mark.parametrize("ld", ["1e308", "inf", "-inf", "1000.5", "-1", "1e999"])
def test_an_impossible_or_implausible_diameter_is_refused_naming_the_row(ld):
    with pytest.raises(RecistDataError, match=r"m\.csv row 3, patient_id P1.*ld_mm"):
        normalise_measurements(table(row(), row(ld=ld, date="2024-03-01", visit="V1")),
                               source="m.csv")


@pytest.mark.parametrize("thickness", ["0", "-1", "inf", "nan", "1e308", "20.5"])
def test_a_bad_slice_thickness_is_refused(thickness):
    with pytest.raises(RecistDataError, match="row 2.*slice_thickness_mm"):
        normalise_measurements(table(row(thickness=thickness)), source="m.csv")


def test_the_override_accepts_implausible_but_never_impossible_values(monkeypatch):
    big = table(row(ld="1200", thickness="25"))
    with pytest.raises(RecistDataError, match="--allow-implausible"):
        normalise_measurements(big)
    out = normalise_measurements(big, allow_implausible=True)
    assert out.loc[0, "ld_mm"] == 1200.0 and out.loc[0, "slice_thickness_mm"] == 25.0
    monkeypatch.setenv(ALLOW_ENVIRONMENT_VARIABLE, "1")
    assert normalise_measurements(big).loc[0, "ld_mm"] == 1200.0
    for impossible in (row(ld="inf"), row(ld="-3"), row(thickness="0")):
        with pytest.raises(RecistDataError) as error:
            normalise_measurements(table(impossible))
        assert "--allow-implausible" not in str(error.value)


def test_the_bounds_table_holds_the_documented_numbers():
    assert (BOUNDS["diameter"].low, BOUNDS["diameter"].high) == (0.0, 1000.0)
    assert BOUNDS["slice_thickness"].low_open and BOUNDS["slice_thickness"].high == 20.0
    assert BOUNDS["spacing"].high == 20.0
    low, high = date_bounds(pd.Timestamp("2025-03-01").date())
    assert str(low.date()) == "1900-01-01" and str(high.date()) == "2026-03-01"


def test_a_table_with_an_implausible_value_is_not_written(tmp_path):
    frame = normalise_measurements(table(row()))
    frame.loc[0, "ld_mm"] = 1e308
    target = tmp_path / "m.csv"
    with pytest.raises(RecistDataError, match=r"m\.csv \(not written\) row 2.*ld_mm"):
        write_measurements(frame, target)
    assert not target.exists()
    frame.loc[0, "ld_mm"] = float("nan")
    frame.loc[0, "slice_thickness_mm"] = float("inf")
    with pytest.raises(RecistDataError, match="slice_thickness_mm infinite"):
        write_measurements(frame, target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("column,value", [("start_date", "1899-12-31"),
                                          ("death_date", "2199-01-01")])
def test_a_patient_date_outside_the_bounds_is_refused(column, value):
    patients = pd.DataFrame({"patient_id": ["P1"], "start_date": ["1899-01-01"],
                             column: [value]})
    patients["start_date"] = "2024-01-01" if column != "start_date" else value
    with pytest.raises(RecistDataError, match=f"p.csv row 2, patient_id P1: {column}"):
        normalise_patients(patients, source="p.csv")
    assert len(normalise_patients(patients, allow_implausible=True)) == 1


def test_a_huge_diameter_never_becomes_an_infinite_sum():
    # Regression (fuzz): ld_mm = 1e308 at two visits gave sum_mm = inf.
    with pytest.raises(RecistDataError, match="ld_mm 1e\\+308"):
        normalise_measurements(table(row(ld="1e308"),
                                     row(ld="1e308", date="2024-03-11", visit="V1")))


def test_a_negative_follow_up_is_refused():
    # Regression (fuzz): scans in 1900/1901 and a start in 2024 gave pfs_days < 0.
    measurements = normalise_measurements(table(
        row(date="1900-01-08"), row(ld="10", date="1901-03-11", visit="V1")))
    patients = pd.DataFrame({"patient_id": ["P1"], "start_date": ["2024-01-01"]})
    with pytest.raises(RecistDataError, match="patient P1: pfs_days is -.*cannot be negative"):
        respond(measurements, normalise_patients(patients))


def test_dicom_io_applies_the_same_bounds():
    # dicom_io never imports recist: its copy of the DICOM rows must stay equal.
    from dicom_io import geometry
    from recist import plausibility

    assert geometry.MAX_SPACING_MM == BOUNDS["spacing"].high == BOUNDS["slice_thickness"].high
    assert geometry.EARLIEST_DATE == plausibility.EARLIEST_DATE
    assert geometry.LATEST_DATE_MARGIN_DAYS == plausibility.LATEST_DATE_MARGIN_DAYS
    assert geometry.ALLOW_IMPLAUSIBLE_VARIABLE == ALLOW_ENVIRONMENT_VARIABLE
