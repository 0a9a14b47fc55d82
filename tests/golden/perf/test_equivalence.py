"""The performance work changes no result.

* ``respond`` on a 300-patient cohort of the benchmark generator gives exactly the
  ``timepoints`` and ``patient_summary`` of the engine before it was optimised (golden
  files written by that code: ``data/*_300.csv.gz``; regenerate them only for an
  intended change of a rule, never for speed).
* The findings of ``respond`` (which indexes the table once for all checks) equal those
  of the checks called one by one on the plain table.
* The vectorised time point classification agrees with the one-rule-per-function path
  on every time point of that cohort.
* ``normalise_measurements``' per-distinct-value text cleaning equals the per-row pandas
  string methods, for messy text, missing values and non-text cells.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recist.checks import run_input_checks, run_timepoint_checks
from recist.criteria import RECIST_1_1
from recist.findings import findings_frame
from recist.patient_summary import summarise_patients_with_findings
from recist.patients import normalise_patients
from recist.response import respond
from recist.sums import timepoint_features
from recist.table import _clean_text, normalise_measurements
from recist.timepoints import (
    assess_timepoints,
    classify_new_lesions,
    classify_nontarget_response,
    classify_target_response,
    overall_response,
)

from support.benchmark_cohort import make_cohort

GOLDEN = Path(__file__).resolve().parent / "data"
CRITERIA = RECIST_1_1.replace(confirmation=True)


@pytest.fixture(scope="module")
def cohort():
    raw, patients = make_cohort(300, seed=4242)
    return normalise_measurements(raw), normalise_patients(patients)


@pytest.fixture(scope="module")
def result(cohort):
    measurements, patients = cohort
    return respond(measurements, patients, CRITERIA)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as its CSV text cells (floats at full precision, ISO dates)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, date_format="%Y-%m-%d")
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", ["timepoints", "patient_summary"])
def test_respond_matches_the_unoptimised_engine(result, name):
    golden = pd.read_csv(GOLDEN / f"{name}_300.csv.gz", dtype=str, keep_default_na=False)
    got = _as_text(getattr(result, name))
    assert list(got.columns) == list(golden.columns)
    assert len(got) == len(golden) > 0
    for column in golden.columns:
        differ = np.flatnonzero(got[column].to_numpy() != golden[column].to_numpy())
        assert len(differ) == 0, (name, column, got.iloc[differ[:3]].to_dict("records"),
                                  golden.iloc[differ[:3]].to_dict("records"))


def test_golden_cohort_reaches_every_response(result):
    overall = set(result.timepoints["overall_response"].dropna())
    assert overall == {"CR", "PR", "SD", "PD", "NE"}
    assert result.timepoints["reasons"].str.contains("DEC-13").any()
    assert result.patient_summary["pfs_event"].any()


def test_shared_index_gives_the_findings_of_the_plain_calls(cohort, result):
    measurements, patients = cohort
    before = measurements.copy()
    expected = list(run_input_checks(measurements, CRITERIA, patients=patients))
    timepoints = assess_timepoints(measurements, CRITERIA)
    expected += summarise_patients_with_findings(timepoints, patients, CRITERIA)[1]
    expected += run_timepoint_checks(timepoints, measurements)
    assert len(expected) > 50
    pd.testing.assert_frame_equal(findings_frame(result.findings), findings_frame(expected))
    pd.testing.assert_frame_equal(measurements, before)  # the input is not modified


def test_vectorised_classification_matches_the_rule_functions(cohort, result):
    measurements, _patients = cohort
    features = timepoint_features(measurements, CRITERIA)
    tp = result.timepoints
    assert len(tp) == len(features)
    assert (tp["patient_id"].to_numpy() == features["patient_id"].to_numpy()).all()
    for i, f in enumerate(features.itertuples(index=False)):
        row = tp.iloc[i]
        if f.tp_order == 0:
            assert row["reasons"] == "baseline" and row["overall_response"] is None
            continue
        target = classify_target_response(
            has_targets=f.has_targets, complete=f.targets_complete, cr_met=f.target_cr_met,
            partial_sum_mm=f.partial_sum_mm, baseline_sum_mm=f.baseline_sum_mm,
            nadir_mm=f.nadir_mm, criteria=CRITERIA)
        nontarget = classify_nontarget_response(
            has_nontargets=f.has_nontargets, n_progression=f.n_nt_progression,
            n_missing=f.n_nt_missing, n_present=f.n_nt_present)
        new = classify_new_lesions(f.n_new_unequivocal, f.n_new_equivocal)
        overall, rule = overall_response(target, nontarget, new)
        if f.backdated_lesions and overall != "PD":
            overall, rule = "PD", "NEW-3, DEC-13"
        assert (row["target_response"], row["nontarget_response"], row["new_lesions"],
                row["overall_response"]) == (target, nontarget, new, overall), (i, f)
        assert row["reasons"].endswith(f"overall {overall} ({rule})"), (i, row["reasons"])


@pytest.mark.parametrize("lower,empty_is_missing", [(False, True), (True, False)])
def test_clean_text_equals_the_per_row_string_methods(lower, empty_is_missing):
    rng = np.random.default_rng(11)
    words = np.array([" Target", "target ", "NON-TARGET", "", "  ", "V1", "v1 ", "Ünïcode",
                      "\tnew\n"], dtype=object)
    values = words[rng.integers(0, len(words), 400)]
    values[rng.random(400) < 0.1] = None
    values[rng.random(400) < 0.05] = np.nan
    for cells in (values, np.r_[values, [3, 2.5, True]].astype(object),
                  np.array([None, np.nan], dtype=object)):
        column = pd.Series(cells, index=np.arange(len(cells)) * 3, name="kind")
        expected = column.astype("string").str.strip()
        if lower:
            expected = expected.str.lower()
        if empty_is_missing:
            expected = expected.mask(expected == "")
        pd.testing.assert_series_equal(_clean_text(column, lower, empty_is_missing), expected)


def test_normalise_never_shares_data_with_its_input():
    raw = pd.DataFrame({
        "Patient_ID": [" P1", "P1"], "date": pd.to_datetime(["2024-01-01", "2024-02-01"]),
        "lesion_id": ["T1", "T1"], "kind": ["Target", "target"],
        "status": ["measured", "measured"], "ld_mm": [10.0, 12.0], "sa_mm": ["1", " "],
        "nodal": [True, False], "notes": [[1], [2]], "volume_mm3": [1.5, 2.5],
        "visit": pd.array(["V1", "V2"], dtype="string")}, index=[5, 7])
    before = raw.copy(deep=True)
    out = normalise_measurements(raw)
    assert list(out.index) == [0, 1] and out["patient_id"].tolist() == ["P1", "P1"]
    assert out["sa_mm"].isna().tolist() == [False, True]
    out.loc[0, ["ld_mm", "volume_mm3", "nodal"]] = [99.0, 99.0, False]
    out.loc[0, "date"] = pd.Timestamp("2000-01-01")
    out.loc[0, "visit"] = "V2"  # a category of the column (a new text needs astype first)
    out.iloc[0, out.columns.get_loc("notes")] = "x"
    pd.testing.assert_frame_equal(raw, before)


@pytest.mark.parametrize("change,message", [
    ({"kind": ["target", "Target ", "nontarget", "new"]},
     "row 4, patient_id P1, date 2024-01-01, lesion_id N1: kind 'nontarget' is not one of"),
    ({"status": ["measured", "absent", None, "equivocal"]},
     ("row 4, patient_id P1, date 2024-01-01, lesion_id N1: status <NA> is not allowed for a "
      "non-target lesion")),
    ({"status": ["measured", "absent", "present", "measured"]},
     ("row 5, patient_id P1, date 2024-01-01, lesion_id X: status 'measured' is not allowed "
      "for a new lesion")),
])
def test_vocabulary_errors_name_the_first_bad_row(change, message):
    from recist.errors import RecistDataError

    table = {"patient_id": ["P1"] * 4, "date": ["2024-01-01"] * 4,
             "lesion_id": ["T1", "T2", "N1", "X"],
             "kind": ["target", "target", "non-target", "new"],
             "status": ["measured", "absent", "present", "equivocal"],
             "ld_mm": ["10", "", "", ""], **change}
    with pytest.raises(RecistDataError, match=message.replace("(", r"\(")):
        normalise_measurements(pd.DataFrame(table))
