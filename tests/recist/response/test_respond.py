"""``respond`` end to end and ``write_respond_outputs``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from recist import __version__
from recist.criteria import Criteria
from recist.errors import RecistDataError
from recist.patients import normalise_patients
from recist.response import RESPOND_FILES, RespondResult, respond, write_respond_outputs
from recist.timepoints import TIMEPOINT_COLUMNS, assess_timepoints

from support.timepoint_rows import table, targets

D = ["2024-01-01", "2024-02-26", "2024-04-22", "2024-06-17"]


def _cohort():
    rows = []
    # P1: 100 -> 70 -> 80 -> 100 (PR, SD, PD)
    for i, mm in enumerate([60.0, 42.0, 48.0, 60.0]):
        rows += [("P1",) + r for r in targets(D[i], f"V{i}", ("T1", mm / 2), ("T2", mm / 2))]
    # P2: non-target only, stays present
    for i in range(3):
        rows.append(("P2", D[i], f"V{i}", "NT1", "non-target", False, None, None, "present"))
    return table(rows)


def _patients():
    return normalise_patients(pd.DataFrame({"patient_id": ["P1", "P2"],
                                            "start_date": ["2023-12-28", "2023-12-28"]}))


def test_respond_chains_the_engine():
    measurements = _cohort()
    result = respond(measurements, _patients())
    assert isinstance(result, RespondResult)
    pd.testing.assert_frame_equal(result.timepoints, assess_timepoints(measurements))
    assert tuple(result.timepoints.columns) == TIMEPOINT_COLUMNS
    summary = result.patient_summary.set_index("patient_id")
    assert summary.loc["P1", "bor"] == "PR"
    assert summary.loc["P1", "pd_date"] == pd.Timestamp(D[3])
    assert summary.loc["P2", "bor"] == "NON-CR/NON-PD"
    assert "confirmed_bor" not in summary.columns


def test_respond_with_confirmation_and_continuing_response():
    criteria = Criteria(confirmation=True, continuing_response=True)
    result = respond(_cohort(), _patients(), criteria)
    p1 = result.timepoints[result.timepoints.patient_id == "P1"]
    # 60 -> 42 (PR) -> 48: a PR confirmed? no: SD in between, so nothing continues
    assert list(p1["overall_response"][1:]) == ["PR", "SD", "PD"]
    assert result.patient_summary.set_index("patient_id").loc["P1", "confirmed_bor"] == "SD"


def test_continuing_response_keeps_a_reached_pr():
    rows = []
    for i, mm in enumerate([100.0, 70.0, 80.0]):
        rows += targets(D[i], f"V{i}", ("T1", mm))
    default = respond(table(rows))
    continuing = respond(table(rows), criteria=Criteria(continuing_response=True))
    assert list(default.timepoints["target_response"][1:]) == ["PR", "SD"]  # DEC-1 default
    assert continuing.timepoints["overall_response"].iloc[2] == "PR"


def test_contradictory_input_is_raised_naming_the_row():
    rows = targets(D[0], "V0", ("T1", 20.0)) + targets(D[1], "V1", ("T1", 12.0, "absent"))
    with pytest.raises(RecistDataError, match="P1") as raised:
        respond(table(rows))
    assert raised.value.findings


def test_write_respond_outputs(tmp_path):
    result = respond(_cohort(), _patients())
    written = write_respond_outputs(result, tmp_path / "out", input_path="m.csv")
    assert [p.name for p in written] == list(RESPOND_FILES)
    timepoints = pd.read_csv(tmp_path / "out" / "timepoints.csv", dtype=str,
                             keep_default_na=False)
    assert list(timepoints.columns) == list(TIMEPOINT_COLUMNS)
    first = timepoints.iloc[1]
    assert first["date"] == D[1]
    assert first["sum_mm"] == "42.00" and first["pct_from_baseline"] == "-30.00"
    assert timepoints.iloc[0]["overall_response"] == ""
    summary = pd.read_csv(tmp_path / "out" / "patient_summary.csv", dtype=str,
                          keep_default_na=False)
    assert summary.set_index("patient_id").loc["P1", "pd_date"] == D[3]
    assert summary.set_index("patient_id").loc["P1", "pfs_event"] == "true"
    provenance = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert provenance["version"] == __version__
    assert provenance["criteria"]["pd_increase_pct"] == 20.0
    assert provenance["measurements"] == "m.csv"
    findings = pd.read_csv(tmp_path / "out" / "findings.csv")
    assert "code" in findings.columns
    assert not list((tmp_path / "out").glob(".*"))  # no temporary files left behind


def test_the_input_checks_read_the_patients_table_normalised():
    # baseline 2024-01-01, start 2024-03-01: 60 days before the start (MEAS-11 warning),
    # whether the ids are padded or the column names capitalised
    clean = pd.DataFrame({"patient_id": ["P1", "P2"], "start_date": ["2024-03-01"] * 2})
    raw = pd.DataFrame({"Patient_ID": [" P1 ", "P2 "], "Start_Date": ["2024-03-01"] * 2})
    codes = [[(f.code, f.patient_id) for f in respond(_cohort(), patients).findings
              if f.rule == "MEAS-11"] for patients in (clean, raw)]
    assert codes[0] == codes[1] == [("baseline-too-early", "P1"), ("baseline-too-early", "P2")]


def test_an_unreadable_patients_date_is_refused_naming_the_row_not_a_traceback():
    patients = pd.DataFrame({"patient_id": ["P1", "P2"], "start_date": ["2023-12-28", "abc"]})
    with pytest.raises(RecistDataError, match=r"patients row 3, patient_id P2: start_date "
                                              r"'abc' is not an ISO date"):
        respond(_cohort(), patients)


def test_a_patients_table_told_normalised_is_read_as_it_is():
    """``patients_normalised``: the table normalise_patients returned is not normalised
    again, and the result is the one respond gives the raw table (normalised by itself);
    a raw table told normalised would be read unnormalised, so the flag is the caller's."""
    raw = pd.DataFrame({"Patient_ID": [" P1 ", "P2"], "Start_Date": ["2023-12-28"] * 2,
                        "death_date": [None, "2024-05-01"], "arm": [" A", None]})
    told = respond(_cohort(), normalise_patients(raw), patients_normalised=True)
    again = respond(_cohort(), raw)
    for name in ("timepoints", "patient_summary"):
        pd.testing.assert_frame_equal(getattr(told, name), getattr(again, name))
    assert told.findings_table().equals(again.findings_table())


def test_respond_normalises_a_table_told_normalised_only_once(monkeypatch):
    from recist import response

    calls = []
    real = response.normalise_patients
    monkeypatch.setattr(response, "normalise_patients",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    respond(_cohort(), _patients(), patients_normalised=True)
    assert calls == []
    respond(_cohort(), _patients())
    assert calls == [1]
