"""DEC-28 on hand-checked histories: NED ≥ 6 months before the lung metastases, dated from
the scans when the clinical table lacks the dates; the scan-history table and its errors."""

from __future__ import annotations

import pandas as pd
import pytest

from recist.eligibility import normalise_clinical, screen_patients
from recist.errors import CriteriaError, RecistDataError
from recist.oligo.scan_history import ned_interval_from_scans, normalise_scan_history
from recist.protocol import parse_protocol
from recist.table import normalise_measurements

CRITERION = {"id": "IC-2", "text": "NED >= 6 months before lung metastases",
             "check": "months_between", "start_column": "ned_start_date",
             "end_column": "lung_mets_detected_date", "min_months": 6, "from_scans": True,
             "organ": "lung"}
# E: colon cancer resected; NED on 2022-04-11 and 2022-10-03; lung metastases 2023-04-03
#    → NED reached 2022-04-11, 6 months later 2022-10-11 ≤ 2023-04-03: met.
# S: NED 2023-01-09, liver disease 2023-03-06, NED 2023-05-08, lung 2023-09-04 → the NED
#    run after the liver disease starts 2023-05-08; + 6 months = 2023-11-08 > 2023-09-04.
# M: NED 2022-12-01 only; the lung lesion is first seen at the baseline of the
#    measurements, 2023-07-03 → 2022-12-01 + 6 months = 2023-06-01 ≤ 2023-07-03: met.
# U: no NED scan: unknown.
SCANS = pd.DataFrame([
    ("E", "2022-01-10", "disease", "colon"), ("E", "2022-04-11", "ned", ""),
    ("E", "2022-10-03", "ned", ""), ("E", "2023-04-03", "disease", "right lung"),
    ("S", "2023-01-09", "ned", ""), ("S", "2023-03-06", "disease", "liver"),
    ("S", "2023-05-08", "ned", ""), ("S", "2023-09-04", "disease", "lung"),
    ("M", "2022-12-01", "ned", ""), ("U", "2023-02-01", "disease", "lung"),
], columns=["patient_id", "date", "result", "organ"])


def measurements() -> pd.DataFrame:
    return normalise_measurements(pd.DataFrame(
        [(p, d, "T1", "target", "lung", 15.0, "measured") for p, d in (
            ("E", "2023-04-20"), ("S", "2023-09-20"), ("M", "2023-07-03"),
            ("U", "2023-02-20"))],
        columns=["patient_id", "date", "lesion_id", "kind", "organ", "ld_mm", "status"]))


def screen(clinical=None, **options):
    protocol = parse_protocol({"eligibility": [{**CRITERION, **options}]})
    return screen_patients(measurements(), clinical, protocol, None,
                           normalise_scan_history(SCANS)).set_index("patient_id")


def test_dec_28_ned_interval_from_the_scans():
    result = screen()
    assert result.loc["E", "result"] == "met"
    assert result.loc["E", "reason"].startswith(
        "NED scan 2022-04-11 to first metastasis scan 2023-04-03: ≥ 6 months")
    # the reason names the reading (DEC-28: NED reached at the run's first scan)
    assert result.loc["E", "reason"].endswith(
        "first NED scan of the run before it on 2022-04-11 (DEC-28))")
    assert result.loc["S", "result"] == "not met"
    assert "NED scan 2023-05-08 to first metastasis scan 2023-09-04: < 6 months" in \
        result.loc["S", "reason"]
    assert result.loc["M", "result"] == "met"  # detection from the measurements' baseline
    assert result.loc["U", "result"] == "unknown"
    assert "no NED scan before it" in result.loc["U", "reason"]


def test_dec_28_clinical_dates_win_and_the_alternative_reading():
    clinical = normalise_clinical(pd.DataFrame({
        "patient_id": ["S"], "ned_start_date": ["2022-01-01"],
        "lung_mets_detected_date": ["2023-09-04"]}))
    assert screen(clinical).loc["S", "result"] == "met"  # the clinical table's dates
    # ned_from = last: E's last NED scan 2022-10-03 + 6 months = 2023-04-03: met (inclusive)
    last = screen(ned_from="last")
    assert last.loc["E", "result"] == "met"
    assert "NED scan 2022-10-03" in last.loc["E", "reason"]
    assert "last NED scan of the run before it on 2022-10-03 (DEC-28)" in last.loc["E", "reason"]


def test_dec_28_dates_found():
    scans = normalise_scan_history(SCANS)
    found = ned_interval_from_scans(scans[scans["patient_id"] == "S"], None)
    assert (found.ned_date, found.detected_date) == (pd.Timestamp("2023-05-08"),
                                                     pd.Timestamp("2023-09-04"))


@pytest.mark.parametrize("row, message", [
    (("P", "2023-01-02", "clear", ""), "result 'clear' is not one of ned, disease"),
    (("P", "2023-01-02", "disease", ""), "a disease scan without its organ"),
    (("P", "2023-02-30", "ned", ""), "date '2023-02-30'"),
])
def test_scan_history_errors(row, message):
    with pytest.raises(RecistDataError) as error:
        normalise_scan_history(pd.DataFrame([row], columns=list(SCANS.columns)))
    assert message in str(error.value) and "row 2, patient_id P" in str(error.value)


def test_scan_history_refuses_a_nul_character():
    frame = pd.DataFrame([("P", "2023-01-02", "disease", "lu\x00ng")], columns=list(SCANS.columns))
    with pytest.raises(RecistDataError, match="^scan history row 2: organ holds a NUL"):
        normalise_scan_history(frame)


def test_protocol_refuses_an_unknown_ned_from():
    with pytest.raises(CriteriaError, match="ned_from must be first or last"):
        parse_protocol({"eligibility": [{**CRITERION, "ned_from": "middle"}]})
