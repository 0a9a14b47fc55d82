"""A measurement date holding a time of day is refused wherever a table enters
(``normalise_measurements``, a plain frame given to ``respond``), as a CSV cell
``2024-01-02 09:00`` is: the rows of one scan day are one time point, never split by
their times."""

import numpy as np
import pandas as pd
import pytest

from recist.errors import RecistDataError
from recist.patients import normalise_patients
from recist.plausibility import first_time_of_day
from recist.response import respond
from recist.table import normalise_measurements


def _timed_scans() -> pd.DataFrame:
    """Two scan days without visit labels; the non-target's rows were stamped 30 minutes
    after the target's."""
    return pd.DataFrame({
        "patient_id": ["P1"] * 4,
        "date": pd.to_datetime(["2024-01-05 09:00", "2024-01-05 09:30",
                                "2024-03-01 09:00", "2024-03-01 09:30"]),
        "lesion_id": ["T1", "N1", "T1", "N1"], "kind": ["target", "non-target"] * 2,
        "organ": ["lung", "liver"] * 2, "nodal": [False] * 4,
        "ld_mm": [20.0, None, 13.0, None], "sa_mm": [None] * 4,
        "status": ["measured", "present", "measured", "present"]})


def test_a_plain_frame_with_times_of_day_is_refused_naming_the_row():
    # before: four time points (baseline, NE, PR, NE), the non-target's rows read as scans
    # of their own, with warnings only
    with pytest.raises(RecistDataError, match=r"^measurements row at index 0 \(patient_id "
                                              r"P1\): date 2024-01-05 09:00:00 holds a "
                                              r"time of day; .*\.dt\.normalize\(\)"):
        respond(_timed_scans())


def test_the_row_is_named_by_its_index_label_as_python_writes_it():
    # an integer index that is not a RangeIndex gives numpy scalars: named 12, not
    # np.int64(12)
    scans = _timed_scans().set_axis(pd.Index([10, 12, 14, 16]))
    with pytest.raises(RecistDataError, match=r"^measurements row at index 10 \(patient_id "):
        respond(scans)


def test_a_patient_id_holding_a_nul_is_not_printed_in_the_refusal():
    scans = _timed_scans()
    scans["patient_id"] = "P\x001"
    with pytest.raises(RecistDataError, match=r"^measurements row at index 0: date ") as raised:
        respond(scans)
    assert "\x00" not in str(raised.value)


def test_normalise_measurements_refuses_it_naming_the_file_row():
    with pytest.raises(RecistDataError, match=r"^measurements row 2, patient_id P1, date "
                                              r"2024-01-05, lesion_id T1: date 2024-01-05 "
                                              r"09:00:00 holds a time of day"):
        normalise_measurements(_timed_scans())


def test_the_days_are_assessed_as_two_time_points():
    scans = _timed_scans()
    scans["date"] = scans["date"].dt.normalize()
    timepoints = respond(normalise_measurements(scans)).timepoints
    assert timepoints["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-03-01"]
    assert timepoints["overall_response"].tolist()[1] == "PR"  # 20 -> 13 mm: -35 %


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_first_time_of_day_in_any_unit_and_not_missing(unit):
    days = pd.Series(pd.to_datetime(["2024-03-01", None, "2024-03-02"]).as_unit(unit))
    assert first_time_of_day(days) is None
    timed = days.copy()
    timed.iloc[2] = pd.Timestamp("2024-03-02 00:00:01")
    assert first_time_of_day(timed) == 2
    assert first_time_of_day(pd.Series([pd.NaT, pd.NaT], dtype=f"datetime64[{unit}]")) is None
    assert first_time_of_day(pd.Series(["2024-03-01 10:00"])) is None  # text: read elsewhere
    assert first_time_of_day(pd.Series(np.array([], dtype="datetime64[ns]"))) is None


def test_a_date_beyond_what_nanoseconds_hold_is_refused_not_wrapped():
    # review of ff3c6e3: a datetime64[s] 2500-01-01 was called "a time of day"; before it,
    # respond() read it as 1915-06-14 00:25:26 (the nanoseconds wrapped) and assessed it
    scans = _timed_scans().iloc[[0, 2]].reset_index(drop=True)
    scans["date"] = np.array(["2024-01-05", "2500-01-01"], dtype="datetime64[s]")
    expected = r"date 2500-01-01 00:00:00 is outside the dates recist can hold"
    with pytest.raises(RecistDataError, match=r"^measurements row at index 1 .*" + expected):
        respond(scans)
    with pytest.raises(RecistDataError, match=r"^measurements row 3, .*" + expected):
        normalise_measurements(scans)
    with pytest.raises(RecistDataError, match=r"^patients row 2, patient_id P1: start_date "
                                              r"1600-01-01 00:00:00 is outside"):
        normalise_patients(pd.DataFrame({"patient_id": ["P1"], "start_date": np.array(
            ["1600-01-01"], dtype="datetime64[s]")}))
    scans["date"] = np.array(["2024-01-05", "2262-04-11"], dtype="datetime64[s]")
    with pytest.raises(RecistDataError, match=r"scan date 2262-04-11 is in the future"):
        respond(normalise_measurements(scans))  # the last day fits: refused for its reason


def test_a_categorical_date_column_is_refused_naming_its_first_timed_row():
    # the distinct dates are looked at first: the message still names the first row
    # holding a time of day, not the first such category (2024-01-05 09:00, sorted first)
    scans = _timed_scans().iloc[[2, 1, 0]].reset_index(drop=True)
    scans["date"] = scans["date"].astype("category")
    with pytest.raises(RecistDataError, match=r"^measurements row 2, patient_id P1, date "
                                              r"2024-03-01, lesion_id T1: date 2024-03-01 "
                                              r"09:00:00 holds a time of day"):
        normalise_measurements(scans)
