"""The faster checks give exactly the findings of the checks before they were optimised.

* ``data/findings_messy.csv.gz``: the findings (code, message, severity, patient, date,
  visit, lesion, rule — in order) that the checks of commit cf851a3 (before the
  column-wise findings) gave for a 400-patient benchmark cohort damaged on purpose
  (missing, duplicated and re-dated rows, kinds and statuses changed, nodal flags flipped,
  visits relabelled, patients without start date or out of the baseline window), for the
  input checks, and for the time point checks on the golden time points. Regenerate it
  only for an intended change of a check, never for speed (``python
  tests/golden/perf/test_checks_equivalence.py`` writes it with the code it runs on).
* ``findings_at`` (column-wise) equals ``finding`` on each record, on messy cells.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recist._checks_support import finding, findings_at, iso, iso_dates
from recist.checks import (
    check_cr_then_pr,
    check_cr_then_sd,
    run_input_checks,
    run_timepoint_checks,
)
from recist.checks_response import cr_followed_checks
from recist.criteria import RECIST_1_1
from recist.findings import Severity, findings_frame
from recist.patients import normalise_patients
from recist.table import normalise_measurements

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "data" / "findings_messy.csv.gz"
# HERE.parents[2] is the repository (not support.paths: this file also runs as a script).
SCRIPT = HERE.parents[2] / "benchmarks" / "respond_cohort.py"
CRITERIA = RECIST_1_1.replace(confirmation=True)
TODAY = "2026-01-01"


def _benchmark():
    spec = importlib.util.spec_from_file_location("respond_cohort_checks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def messy_cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The benchmark cohort (400 patients) with deliberate errors, as raw CSV-like text."""
    raw, patients = _benchmark().make_cohort(400, seed=777)
    rng = np.random.default_rng(99)
    raw = raw.drop(index=raw.index[rng.random(len(raw)) < 0.01])  # lesion missing
    raw = pd.concat([raw, raw.sample(15, random_state=1)], ignore_index=True)  # duplicates
    n = len(raw)
    pick = rng.random(n)
    kind = raw["kind"].to_numpy(dtype=object).copy()
    visit = raw["visit"].to_numpy(dtype=object).copy()
    later = visit != "V0"
    status = raw["status"].to_numpy(dtype=object).copy()
    demoted = (pick < 0.002) & later & (kind == "target")
    promoted = (pick > 0.998) & later & (kind == "non-target")
    kind[demoted], status[demoted] = "non-target", "present"
    kind[promoted], status[promoted] = "target", "not_evaluated"
    status[(pick > 0.3) & (pick < 0.302) & (kind == "target")] = "absent"  # with a diameter
    nodal = raw["nodal"].to_numpy(dtype=object).copy()
    nodal[(pick > 0.5) & (pick < 0.503)] = "true"
    visit[(pick > 0.6) & (pick < 0.6005)] = None  # time point by date
    visit[(pick > 0.7) & (pick < 0.7003) & later] = "Unscheduled 1"
    dates = raw["date"].to_numpy(dtype=object).copy()
    swap = np.flatnonzero((pick > 0.8) & (pick < 0.8004) & later)
    dates[swap] = "2031-01-01"  # future
    organ = raw["organ"].to_numpy(dtype=object).copy()
    organ[(pick > 0.9) & (pick < 0.905)] = None
    patient = raw["patient_id"].to_numpy(dtype=object)
    visit[np.isin(patient, ["S00003", "S00010"]) & (visit == "V1")] = "V9"  # visit order
    at_baseline_new = (pick > 0.95) & (pick < 0.952) & (visit == "V0") & (kind == "non-target")
    kind[at_baseline_new], status[at_baseline_new] = "new", "unequivocal"
    thickness = np.where((pick > 0.4) & (pick < 0.401), 5.0, 1.25)
    only_new = np.isin(patient, ["S00007", "S00211"]) & (visit == "V0")  # missing baseline
    kind[only_new], status[only_new] = "new", "unequivocal"
    raw = raw.assign(kind=kind, status=status, nodal=nodal, visit=visit, date=dates,
                     organ=organ, slice_thickness_mm=thickness)
    starts = patients["start_date"].to_numpy(dtype=object).copy()
    starts[::37] = None
    starts[5::41] = "2022-01-01"  # baseline far after start
    starts[11::43] = "2026-06-01"  # baseline far before start
    return raw, patients.assign(start_date=starts)


def all_findings() -> pd.DataFrame:
    raw, patients_raw = messy_cohort()
    measurements = normalise_measurements(raw)
    patients = normalise_patients(patients_raw)
    findings = run_input_checks(measurements, CRITERIA, patients=patients, today=TODAY)
    clean_raw, _ = _benchmark().make_cohort(300, seed=4242)
    clean = normalise_measurements(clean_raw)
    timepoints = pd.read_csv(HERE / "data" / "timepoints_300.csv.gz", dtype=str,
                             keep_default_na=False)
    timepoints = timepoints.replace({"": None})
    timepoints["date"] = pd.to_datetime(timepoints["date"])
    findings += run_timepoint_checks(timepoints, clean)
    return findings_frame(findings).astype(object).where(lambda f: f.notna(), "")


def test_findings_equal_those_before_the_optimisation():
    got = all_findings()
    golden = pd.read_csv(GOLDEN, dtype=str, keep_default_na=False)
    assert list(got.columns) == list(golden.columns)
    codes = set(golden["code"])
    assert len(codes) >= 10, codes  # the damage reaches many checks
    assert len(got) == len(golden)
    for column in golden.columns:
        differ = np.flatnonzero(got[column].astype(str).to_numpy() != golden[column].to_numpy())
        assert len(differ) == 0, (column, got.iloc[differ[:3]].to_dict("records"),
                                  golden.iloc[differ[:3]].to_dict("records"))


@pytest.mark.parametrize("dtype", ["datetime64[ns]", "datetime64[s]", object])
def test_findings_at_equals_finding_per_record(dtype):
    dates = pd.Series(["2024-03-01 10:00", None, "0999-12-31", "1969-12-31 23:59",
                       "2024-02-29"], dtype=object)
    if dtype == "datetime64[ns]":
        dates = pd.to_datetime(dates.where(dates != "0999-12-31", None), format="ISO8601")
    elif dtype == "datetime64[s]":
        dates = pd.Series(np.array(["2024-03-01T10:00", "NaT", "0999-12-31",
                                    "1969-12-31T23:59", "2024-02-29"], dtype="datetime64[s]"))
    frame = pd.DataFrame({
        "patient_id": pd.array(["P1", "P2", "P3", "P4", "P5"], dtype="string"),
        "date": dates,
        "visit": pd.array(["V1", None, "", "C2D1", "<NA>"], dtype=object),
        "lesion_id": pd.array(["T1", None, "N2", np.nan, "X"], dtype=object)})
    texts = [f"text {i}" for i in range(len(frame))]
    for lesion in (True, False):
        expected = [finding(r, "c", "R-1", Severity.WARNING, t, lesion=lesion)
                    for r, t in zip(frame.to_dict("records"), texts)]
        assert findings_at(frame, "c", "R-1", Severity.WARNING, texts, lesion) == expected
    assert iso_dates(frame["date"]) == [iso(v) for v in frame["date"]]
    assert iso_dates(frame["date"])[1] is None


if __name__ == "__main__":  # regenerate the golden file (an intended change of a check)
    all_findings().to_csv(GOLDEN, index=False)
    print(f"wrote {GOLDEN}")


def _cr_followed_by_oracle(timepoints: pd.DataFrame, label: str) -> pd.DataFrame:
    """The rows ``check_cr_then_pr``/``_sd`` flag, by the per-patient pandas formulation
    the checks had before (sort, group-wise cumulative PD count and CR seen before)."""
    frame = timepoints.sort_values(["patient_id", "date"], kind="stable")
    response = frame["overall_response"].astype("string").fillna("")
    pd_count = (response == "PD").groupby(frame["patient_id"]).cumsum()
    cr_seen = (response == "CR").groupby(frame["patient_id"]).cummax()
    cr_before = cr_seen.groupby(frame["patient_id"]).shift(fill_value=False).astype(bool)
    return frame[(response == label) & cr_before & (pd_count == 0)].drop_duplicates(
        "patient_id")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cr_followed_checks_equal_the_groupby_formulation(seed):
    rng = np.random.default_rng(seed)
    n = 2000
    timepoints = pd.DataFrame({
        "patient_id": rng.choice([f"P{i}" for i in range(250)], n),
        "visit": rng.choice(["V1", "V2", None, "C3D1"], n),
        "date": pd.to_datetime("2024-01-01")
        + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
        "overall_response": rng.choice(["CR", "PR", "SD", "PD", "NE", None, "NON-CR/NON-PD"],
                                       n, p=[0.3, 0.2, 0.2, 0.05, 0.1, 0.1, 0.05])},
        index=rng.permutation(n) * 2)
    timepoints.loc[timepoints.index[:3], "date"] = pd.NaT
    got = cr_followed_checks(timepoints)
    expected = []
    for label, code, check in (("PR", "cr-then-pr", check_cr_then_pr),
                               ("SD", "cr-then-sd", check_cr_then_sd)):
        rows = _cr_followed_by_oracle(timepoints, label)
        assert len(rows) > 5
        mine = check(timepoints)
        assert [(f.code, f.patient_id, f.date, f.visit) for f in mine] == [
            (code, r.patient_id, iso(r.date), None if r.visit is None else r.visit)
            for r in rows.itertuples()]
        expected += mine
    assert got == expected


def test_checks_and_respond_leave_the_measurements_unchanged():
    from recist.response import respond

    raw, patients_raw = _benchmark().make_cohort(60, seed=12)
    measurements = normalise_measurements(raw)
    patients = normalise_patients(patients_raw)
    before = measurements.copy(deep=True)
    result = respond(measurements, patients, CRITERIA)
    run_input_checks(measurements, CRITERIA, patients=patients, today=TODAY)
    run_timepoint_checks(result.timepoints, measurements)
    pd.testing.assert_frame_equal(measurements, before)
