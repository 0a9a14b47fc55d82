"""Protocol loading and eligibility screening of the example patients (docs/README.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from recist.eligibility import (
    eligibility_verdicts,
    normalise_clinical,
    read_clinical,
    screen_patients,
)
from recist.errors import CriteriaError, RecistDataError
from recist.protocol import load_protocol, parse_protocol
from recist.table import read_measurements

from support.paths import SAMPLE_DATA as SAMPLE

PROTOCOLS = SAMPLE / "protocols"


@pytest.fixture(scope="module")
def protocol():
    return load_protocol(PROTOCOLS / "oligometastatic_crc_lung.toml")


@pytest.fixture(scope="module")
def screening(protocol):
    # LUNG1/LUNG2 are the real sample patients (one lung lesion each, baseline LD about
    # 16.7 and 55.9 mm measured on the pyradiomics CTs); SCR-* are synthetic.
    measurements = pd.concat(
        [read_measurements(SAMPLE / "measurements_expected.csv"),
         read_measurements(PROTOCOLS / "screening_measurements.csv")], ignore_index=True)
    clinical = read_clinical(PROTOCOLS / "clinical_example.csv")
    return screen_patients(measurements, clinical, protocol).set_index(
        ["patient_id", "criterion_id"])


def test_protocol_file(protocol):
    assert protocol.name == "oligometastatic_crc_lung"
    assert [c.id for c in protocol.eligibility] == [f"IC-{i}" for i in range(1, 13)]
    assert {c.id for c in protocol.eligibility if c.category == "imaging"} == {"IC-4", "IC-6"}
    assert protocol.criteria.confirmation is False
    assert "growth_factor_last_date" in protocol.clinical_columns


EXPECTED = {
    # patient: (verdict, {criterion: result} for every criterion that is not met)
    "LUNG1": ("eligible", {}),
    "LUNG2": ("incomplete data", {"IC-12": "unknown"}),
    "SCR-01": ("ineligible", {"IC-4": "not met"}),
    "SCR-02": ("ineligible", {"IC-5": "not met", "IC-9": "not met"}),
    "SCR-03": ("ineligible", {"IC-2": "not met", "IC-3": "not met", "IC-6": "not met"}),
    "SCR-04": ("eligible", {}),
    "SCR-05": ("incomplete data", {"IC-7": "unknown", "IC-10": "unknown"}),
    "SCR-06": ("ineligible", {"IC-6": "not met", "IC-9": "not met"}),
}


@pytest.mark.parametrize("patient", sorted(EXPECTED))
def test_example_patients_per_criterion(screening, patient):
    verdict, exceptions = EXPECTED[patient]
    rows = screening.loc[patient]
    assert len(rows) == 12
    assert set(rows["verdict"]) == {verdict}
    results = rows["result"].to_dict()
    assert {c: r for c, r in results.items() if r != "met"} == exceptions


def test_reasons_name_the_numbers(screening):
    reason = screening["reason"]
    assert reason[("SCR-01", "IC-4")] == (
        "6 lung lesion(s) at baseline (T1, T2, NT1, NT2, NT3, N1) > 5")
    assert "2 × 6.0 mm slice thickness" in reason[("SCR-06", "IC-6")]
    # ANC exactly at the limit is met on value (inclusive), but G-CSF 6 days before fails.
    assert reason[("SCR-06", "IC-9")].startswith("anc_1e9_per_l 1.6 x10^9/L ≥ 1.6")
    assert "6 day(s) before" in reason[("SCR-06", "IC-9")]
    # G-CSF 10 days before the test is outside the 7-day window.
    assert screening.loc[("SCR-04", "IC-9"), "result"] == "met"
    # A pathological mediastinal node is not a lung lesion (organ key "lymph node").
    assert reason[("SCR-04", "IC-4")].startswith("2 lung lesion(s) at baseline (T1, T2)")
    assert reason[("SCR-03", "IC-2")].endswith("(needed 2023-07-09 or later)")
    assert "physician's judgement" in reason[("LUNG1", "IC-10")]
    assert reason[("LUNG2", "IC-6")].startswith("1 measurable lesion(s), e.g. T1: "
                                                 "non-nodal LD 55.9")


def test_verdicts_table(screening):
    verdicts = eligibility_verdicts(screening.reset_index()).set_index("patient_id")
    assert verdicts.loc["SCR-03", "not_met"] == "IC-2, IC-3, IC-6"
    assert verdicts.loc["SCR-05", "unknown"] == "IC-7, IC-10"


def test_without_clinical_table_clinical_criteria_unknown(protocol):
    m = read_measurements(SAMPLE / "measurements_expected.csv")
    s = screen_patients(m, None, protocol)
    assert set(s["verdict"]) == {"incomplete data"}
    clinical = s[s["category"] == "clinical"]
    assert set(clinical["result"]) == {"unknown"}
    assert set(clinical["reason"]) == {"no clinical table"}
    assert set(s.loc[s["category"] == "imaging", "result"]) == {"met"}


def test_patient_only_in_clinical_table_has_unknown_imaging(protocol):
    clinical = normalise_clinical(pd.DataFrame({"patient_id": ["X"], "ecog": ["1"]}))
    s = screen_patients(None, clinical, protocol).set_index("criterion_id")
    assert s.loc["IC-6", "result"] == "unknown"
    assert s.loc["IC-6", "reason"] == "no baseline imaging rows in the measurements table"
    assert s.loc["IC-1", "reason"] == "column crc_confirmed missing from the clinical table"
    assert s.loc["IC-7", "result"] == "met"


def test_bad_clinical_value_is_an_error_naming_row_and_column(protocol):
    clinical = normalise_clinical(pd.DataFrame({"patient_id": ["A"], "ecog": ["two"]}),
                                  source="clinical.csv")
    with pytest.raises(RecistDataError, match=r"clinical.csv row 2, patient A, column ecog: "
                                              r"'two' is not a number"):
        screen_patients(None, clinical, protocol)


def test_duplicate_patient_in_clinical_table():
    with pytest.raises(RecistDataError, match="patient A appears more than once"):
        normalise_clinical(pd.DataFrame({"patient_id": ["A", "A"]}))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "X", "text": "t", "check": "magic"}, "unknown check 'magic'"),
        ({"id": "X", "text": "t", "check": "number", "column": "ecog"},
         "needs minimum and/or maximum"),
        ({"id": "X", "text": "t", "check": "flag", "column": "c"}, "needs expected"),
        ({"id": "X", "text": "t", "check": "flag", "column": "c", "expected": "yes"},
         "expected must be a bool"),
        ({"id": "X", "text": "t", "check": "measurable_disease", "organ": "lung"},
         "unknown parameter"),
        ({"id": "X", "text": "t", "check": "organ_lesion_count", "organ": "lung",
          "max_lesions": 5, "kinds": ["tumour"]}, "kinds must list"),
    ],
)
def test_protocol_errors(entry, message):
    with pytest.raises(CriteriaError, match=message):
        parse_protocol({"eligibility": [entry]})


def test_protocol_criteria_overrides_are_validated():
    with pytest.raises(CriteriaError, match=r"\[criteria\]: unknown criteria option"):
        parse_protocol({"criteria": {"no_such_option": 1}})
    assert parse_protocol({"criteria": {"sd_min_days": 56}}).criteria.sd_min_days == 56


def test_protocol_file_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[eligibility]\n", encoding="utf-8")
    with pytest.raises(CriteriaError, match="bad.toml is not valid TOML"):
        load_protocol(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_protocol(tmp_path / "missing.toml")


def test_plain_dataframe_clinical_table_is_normalised(protocol):
    raw = pd.DataFrame({"patient_id": ["A"], "ecog": [float("nan")], "crc_confirmed": [True]})
    s = screen_patients(None, raw, protocol).set_index("criterion_id")
    assert s.loc["IC-7", "result"] == "unknown" and s.loc["IC-1", "result"] == "met"


def test_a_clinical_column_named_twice_is_refused():
    """``ECOG`` and ``ecog``: which one a criterion reads cannot be known."""
    frame = pd.DataFrame([["P1", "0", "2"]], columns=["patient_id", "ECOG", "ecog"])
    with pytest.raises(RecistDataError, match=r"clinical\.csv: the column ecog is named 2 "
                                              r"times \(ECOG, ecog\); a clinical table"):
        normalise_clinical(frame, "clinical.csv")
