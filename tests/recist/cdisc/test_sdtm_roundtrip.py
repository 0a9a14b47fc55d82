"""Sample cohort → SDTM (CSV and XPT) → back: same measurements, same responses."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from recist.cdisc import read_sdtm
from recist.cdisc.sdtm_out import (
    dm_from_patients,
    measurements_to_sdtm,
    rs_from_responses,
    write_sdtm,
)
from recist.patients import read_patients
from recist.response import respond
from recist.table import read_measurements

from support.paths import SAMPLE_DATA

COHORT = SAMPLE_DATA / "cohort"
CORE = ["patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal", "ld_mm",
        "sa_mm", "status"]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[CORE].copy()
    for column in ("patient_id", "visit", "lesion_id", "kind", "organ", "status"):
        out[column] = out[column].astype(str)
    return out.sort_values(CORE[:5] + ["ld_mm", "sa_mm"], kind="stable").reset_index(
        drop=True)


@pytest.fixture(scope="module")
def cohort():
    return (read_measurements(COHORT / "measurements.csv"),
            read_patients(COHORT / "patients.csv"))


@pytest.fixture(scope="module")
def cohort_responses(cohort):
    return respond(*cohort)


def test_cohort_shape(cohort, cohort_responses):
    measurements, patients = cohort
    assert patients["patient_id"].nunique() == 60
    assert set(patients["arm"]) == {"Deferred therapy", "Immediate therapy"}
    statuses = set(measurements["status"])
    assert {"too_small", "merged", "not_evaluated", "equivocal", "progression",
            "absent"} <= statuses
    fragments = measurements[measurements["kind"] == "target"].duplicated(
        ["patient_id", "visit", "lesion_id"])
    assert fragments.any()  # a split lesion
    assert measurements["nodal"].any()
    bor = set(cohort_responses.patient_summary["bor"])
    assert {"CR", "PR", "SD", "PD"} <= bor
    assert patients["death_date"].notna().sum() >= 5


def test_committed_files_are_reproducible(tmp_path):
    sys.path.insert(0, str(COHORT))
    try:
        import make_cohort
    finally:
        sys.path.remove(str(COHORT))
    make_cohort.make_cohort(tmp_path)
    for name in ("measurements.csv", "patients.csv", "tu.csv", "tr.csv", "dm.csv",
                 "tr.xpt"):
        assert (tmp_path / name).read_bytes() == (COHORT / name).read_bytes(), name


@pytest.mark.parametrize("suffix", ["csv", "xpt"])
def test_committed_sdtm_reads_back_to_the_measurements(cohort, suffix):
    measurements, patients = cohort
    back = read_sdtm(COHORT / f"tu.{suffix}", COHORT / f"tr.{suffix}",
                     COHORT / f"dm.{suffix}")
    pd.testing.assert_frame_equal(_sorted(back.measurements), _sorted(measurements))
    dm = back.patients.set_index("patient_id")
    expected = patients.set_index("patient_id")
    assert list(dm.index) == list(expected.index)
    assert (pd.to_datetime(dm["start_date"]) == expected["start_date"]).all()
    assert (dm["arm"] == expected["arm"]).all()


def test_round_trip_gives_the_same_responses(tmp_path, cohort, cohort_responses):
    measurements, patients = cohort
    tables = measurements_to_sdtm(measurements, studyid="RT")
    tables["DM"] = dm_from_patients(patients, studyid="RT")
    write_sdtm(tables, tmp_path, xpt=True)
    back = read_sdtm(tmp_path / "tu.xpt", tmp_path / "tr.xpt", tmp_path / "dm.xpt")
    # DM carries no new-therapy date: take it from the original patients table
    again = respond(back.measurements, patients)
    pd.testing.assert_frame_equal(again.timepoints, cohort_responses.timepoints)
    pd.testing.assert_frame_equal(again.patient_summary, cohort_responses.patient_summary)


def test_rs_records(tmp_path, cohort_responses):
    rs = rs_from_responses(cohort_responses.timepoints, cohort_responses.patient_summary)
    follow = cohort_responses.timepoints["overall_response"].notna().sum()
    assert (rs["RSTESTCD"] == "OVRLRESP").sum() == follow
    assert (rs["RSTESTCD"] == "BESTRSP").sum() == 60
    assert set(rs["RSTESTCD"]) == {"TRGRESP", "NTRGRESP", "NEWLIND", "NEWLPROG", "OVRLRESP",
                                   "BESTRSP"}
    assert set(rs.loc[rs["RSTESTCD"] == "NEWLIND", "RSORRES"]) <= {"Y", "N", "EQUIVOCAL"}
    summary = cohort_responses.patient_summary.set_index("patient_id")
    best = rs[rs["RSTESTCD"] == "BESTRSP"].set_index("USUBJID")["RSORRES"]
    assert list(best) == list(summary.loc[best.index, "bor"])
    # RSSEQ numbers each patient's records from 1
    assert rs.groupby("USUBJID")["RSSEQ"].min().eq(1).all()
    write_sdtm({"RS": rs}, tmp_path, xpt=True)
    frame, meta = pyreadstat.read_xport(str(tmp_path / "rs.xpt"))
    assert meta.table_name == "RS" and len(frame) == len(rs)
    assert all(len(c) <= 8 for c in frame.columns)
    assert meta.column_names_to_labels["RSTESTCD"] == "Assessment Short Name"


def test_rs_compare_agrees_with_itself_and_finds_a_change(cohort_responses):
    from recist.cdisc.rs_compare import compare_responses, read_sdtm_responses

    tp, summary = cohort_responses.timepoints, cohort_responses.patient_summary
    rs = rs_from_responses(tp, summary)
    reported = read_sdtm_responses(rs)
    table = compare_responses(tp, summary, reported)
    assert len(table) == len(rs) and table["agree"].all()
    changed = rs.copy()
    first = changed.index[changed["RSTESTCD"] == "OVRLRESP"][0]
    original = changed.at[first, "RSSTRESC"]
    changed.loc[first, ["RSORRES", "RSSTRESC"]] = "PD" if original != "PD" else "SD"
    table = compare_responses(tp, summary, read_sdtm_responses(changed))
    assert (~table["agree"]).sum() == 1
    # without VISIT the assessments are matched by date
    by_date = compare_responses(tp, summary, read_sdtm_responses(rs.drop(columns="VISIT")))
    assert by_date["agree"].all()


def test_overall_response_rsseq_of_no_time_points_is_empty():
    """No time points, no sequence numbers (its run starts once gave one flag for no row,
    then an IndexError)."""
    from recist.cdisc.sdtm_out import overall_response_rsseq

    none = pd.DataFrame({"patient_id": pd.Series([], dtype=object),
                         "overall_response": pd.Series([], dtype=object)})
    assert len(overall_response_rsseq(none)) == 0


def test_overall_response_rsseq_is_the_rsseq_rs_writes(cohort_responses):
    """ADRS points each OVR record to its RS record (SRCSEQ); the sequence numbers are
    computed without building RS and must be those RS holds, with several readers too."""
    from recist.cdisc.sdtm_out import overall_response_rsseq

    tp, summary = cohort_responses.timepoints, cohort_responses.patient_summary
    two = pd.concat([tp.assign(evaluator="R1"), tp.iloc[::-1].assign(evaluator="R2")],
                    ignore_index=True)
    two.loc[3, "target_response"] = ""  # one result not written: the count skips it
    summaries = pd.concat([summary.assign(evaluator="R1"), summary.assign(evaluator="R2")],
                          ignore_index=True)
    rs = rs_from_responses(two, summaries)
    ovr = rs[rs["RSTESTCD"] == "OVRLRESP"]
    expected = dict(zip(zip(ovr["RSEVALID"], ovr["USUBJID"], ovr["RSDTC"]), ovr["RSSEQ"],
                        strict=True))
    computed = overall_response_rsseq(two)
    has = two["overall_response"].notna().to_numpy()
    assert np.isnan(computed[~has]).all()
    keys = zip(two.loc[has, "evaluator"], two.loc[has, "patient_id"].astype(str),
               two.loc[has, "date"].astype(str).str[:10], strict=True)
    assert [expected[k] for k in keys] == list(computed[has].astype(int))


def test_sdtm_columns_are_text_whatever_the_measurements_dtype(cohort):
    """The normalised table's text is categorical; TU and TR hold text (object) cells."""
    measurements = cohort[0]
    assert isinstance(measurements["kind"].dtype, pd.CategoricalDtype)
    tables = measurements_to_sdtm(measurements)
    as_text = measurements_to_sdtm(measurements.astype({"kind": object, "organ": object}))
    for name in ("TU", "TR"):
        categorical = [c for c, dtype in tables[name].dtypes.items()
                       if isinstance(dtype, pd.CategoricalDtype)]
        assert categorical == [], name
        pd.testing.assert_frame_equal(tables[name], as_text[name])
    assert set(tables["TU"]["TUORRES"]) <= {"TARGET", "NON-TARGET", "NEW"}
