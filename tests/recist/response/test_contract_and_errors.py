"""Output contract (docs/tables.md columns and vocabularies), DEC-18 errors, CLI exit codes."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from recist.cli import main
from recist.criteria import Criteria
from recist.errors import RecistDataError
from recist.response import respond, write_respond_outputs

from support.paths import REPO
from support.review_patients import cohort, patient, patients_table, raw_table

B, D1, D2, D3 = "2024-01-01", "2024-02-12", "2024-03-25", "2024-05-06"
TABLES = REPO / "docs" / "tables.md"

# docs/tables.md, "Outputs of `recist respond`".
TIMEPOINT_COLUMNS = ["patient_id", "visit", "date", "sum_mm", "baseline_sum_mm", "nadir_mm",
                     "pct_from_baseline", "pct_from_nadir", "target_response",
                     "nontarget_response", "new_lesions", "overall_response", "reasons"]
VOCABULARY = {
    "target_response": {"CR", "PR", "SD", "PD", "NE", "NA"},
    "nontarget_response": {"CR", "NON-CR/NON-PD", "PD", "NE", "NA"},
    "new_lesions": {"Y", "N", "EQUIVOCAL"},
    "overall_response": {"CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD"},
}
SUMMARY_COLUMNS = ["patient_id", "bor", "bor_date", "confirmed_bor", "pd_date", "pfs_event",
                   "pfs_date", "pfs_days", "response_date", "dor_days", "censor_reason"]


def _cohort_every_label() -> pd.DataFrame:
    """Five patients whose time points use every value of every vocabulary."""
    return cohort(
        raw_table((B, "T1 50", "NT1"), (D1, "T1 30", "NT1", "NEW1 equivocal"),
                  (D2, "T1 absent", "NT1 absent"), (D3, "T1 60", "NT1 progression"),
                  patient_id="A"),
        raw_table((B, "T1 50", "T2 20", "NT1", "NT2"), (D1, "T1 50", "T2 20", "NT1",
                                                       "NT2 not_evaluated"),
                  (D2, "T1 50", "T2 not_evaluated", "NT1", "NT2"),
                  (D3, "T1 50", "T2 20", "NT1", "NT2", "NEW1 unequivocal"), patient_id="B"),
        raw_table((B, "NT1"), (D1, "NT1"), (D2, "NT1 absent"), patient_id="C"),
        raw_table((B, "NT1", "NT2"), (D1, "NT1", "NT2 not_evaluated"), patient_id="D"),
        raw_table((B, "T1 50"), (D1, "T1 30"), patient_id="E"),
    )


def doc_table(heading: str) -> list[list[str]]:
    """Rows (cells as text) of the first table under ``heading`` in docs/tables.md.

    The table ends at its first non-table line; the header and separator rows are left
    out. ``heading`` is the whole heading line, e.g. ``### `timepoints.csv` ``.
    """
    assert TABLES.is_file(), f"the table contracts {TABLES} are missing"
    lines = TABLES.read_text(encoding="utf-8").splitlines()
    assert heading in lines, f"no heading {heading!r} in {TABLES.name}"
    start = lines.index(heading) + 1
    while not lines[start].startswith("|"):
        assert not lines[start].startswith("#"), f"no table under {heading!r}"
        start += 1
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def doc_columns(heading: str) -> list[str]:
    """Column names listed (in backticks) in the first cell of each row of that table."""
    return [name for row in doc_table(heading) for name in re.findall(r"`([^`]+)`", row[0])]


def test_tables_md_lists_the_columns_checked_here():
    rows = doc_table("### `timepoints.csv`")
    assert [re.fullmatch(r"`(\w+)`", row[0]).group(1) for row in rows] == TIMEPOINT_COLUMNS
    for row in rows:
        column = row[0].strip("`")
        if column in VOCABULARY:
            assert set(re.findall(r"`([^`]+)`", row[2])) == VOCABULARY[column], column
    assert doc_columns("### `patient_summary.csv`") == SUMMARY_COLUMNS


def test_tables_md_lists_the_columns_the_code_writes():
    from recist.findings import Finding
    from recist.patient_summary import SUMMARY_COLUMNS as WRITTEN_SUMMARY
    from recist.timepoints import (
        NEW_LESION_VALUES,
        NONTARGET_RESPONSES,
        OVERALL_RESPONSES,
        TARGET_RESPONSES,
    )
    from recist.timepoints import TIMEPOINT_COLUMNS as WRITTEN_TIMEPOINTS

    assert list(WRITTEN_TIMEPOINTS) == TIMEPOINT_COLUMNS
    assert list(WRITTEN_SUMMARY) == SUMMARY_COLUMNS
    assert {column: set(values) for column, values in (
        ("target_response", TARGET_RESPONSES), ("nontarget_response", NONTARGET_RESPONSES),
        ("new_lesions", NEW_LESION_VALUES), ("overall_response", OVERALL_RESPONSES))} \
        == VOCABULARY
    assert doc_columns("### `findings.csv`") == list(Finding.__dataclass_fields__)


def test_timepoints_and_summary_csv_contract(tmp_path):
    result = respond(_cohort_every_label(), None, Criteria(confirmation=True))
    write_respond_outputs(result, tmp_path)
    tp = pd.read_csv(tmp_path / "timepoints.csv", dtype=str, keep_default_na=False)
    assert list(tp.columns) == TIMEPOINT_COLUMNS
    followups = tp[tp["reasons"] != "baseline"]
    for column, values in VOCABULARY.items():
        assert set(followups[column]) == values, column  # every label used, no other
        assert set(tp.loc[tp["reasons"] == "baseline", column]) == {""}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in tp["date"])
    assert all(re.fullmatch(r"-?\d+\.\d{2}|", v) for v in tp["sum_mm"])
    summary = pd.read_csv(tmp_path / "patient_summary.csv", dtype=str, keep_default_na=False)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert set(summary["pfs_event"]) <= {"true", "false"}
    assert list(summary["patient_id"]) == ["A", "B", "C", "D", "E"]
    assert list(summary["bor"]) == ["CR", "SD", "CR", "NE", "PR"]
    assert list(summary["confirmed_bor"]) == ["PR", "SD", "NON-CR/NON-PD", "NE", "SD"]


def test_summary_without_confirmation_has_no_confirmed_bor():
    result = respond(patient((B, "T1 50"), (D1, "T1 30")), patients_table(B))
    assert list(result.patient_summary.columns) == [c for c in SUMMARY_COLUMNS
                                                    if c != "confirmed_bor"]


# --- DEC-18: contradictory input names patient, date and lesion ----------------------
CONTRADICTIONS = [
    ("dec-18-present-normal-node", [(B, "T1 20", "NTLN1 present 12"),
                                    (D1, "T1 20", "NTLN1 present 8")], "NTLN1",
     "present-normal-node"),
    ("dec-18-absent-with-diameter", [(B, "T1 20"), (D1, "T1 absent 3")], "T1",
     "absent-with-diameter"),
    ("dec-18-measured-without-diameter", [(B, "T1 20"), (D1, "T1 measured")], "T1",
     "measured-without-diameter"),
    ("dec-18-status-not-allowed", [(B, "T1 20", "NT1"), (D1, "T1 20", "NT1 measured")],
     "NT1", None),  # refused when the table is normalised, before any check
    ("dec-18-target-first-seen-after-baseline", [(B, "T1 20"), (D1, "T1 20", "T2 10")], "T2",
     "target-not-at-baseline"),
    ("dec-18-nontarget-becomes-target", [(B, "T1 20", "NTX"), (D1, "T1 20", "NTX")],
     "NTX", "target-added-after-baseline"),
]


@pytest.mark.parametrize("case_id, visits, lesion, code", CONTRADICTIONS,
                         ids=[c[0] for c in CONTRADICTIONS])
def test_contradictory_input_is_rejected_naming_patient_date_lesion(case_id, visits, lesion,
                                                                    code):
    table = raw_table(*visits, patient_id="P7")
    if case_id == "dec-18-nontarget-becomes-target":  # NTX is a target at the follow-up
        later = (table["visit"] == "V1") & (table["lesion_id"] == "NTX")
        table.loc[later, ["kind", "status", "ld_mm"]] = ["target", "measured", 10.0]
    with pytest.raises(RecistDataError) as caught:
        respond(cohort(table), patients_table(B, patient_id="P7"))
    message = str(caught.value)
    assert "P7" in message and D1 in message and lesion in message, message
    if code is not None:
        assert code in {f.code for f in caught.value.findings}


def test_absent_nodal_nontarget_with_normal_sa_is_accepted():
    """DEC-18 (revised): a node recorded absent with its SA < 10 mm is normal size."""
    result = respond(patient((B, "T1 20", "NTLN1 present 12"), (D1, "T1 20", "NTLN1 absent 8")),
                     patients_table(B))
    follow_up = result.timepoints.iloc[1]
    assert (follow_up["nontarget_response"], follow_up["overall_response"]) == ("CR", "SD")


def test_absent_nodal_nontarget_with_pathological_sa_message_says_how_to_record_it():
    with pytest.raises(RecistDataError) as caught:
        respond(patient((B, "T1 20", "NTLN1 present 12"), (D1, "T1 20", "NTLN1 absent 12")))
    message = str(caught.value)
    assert "SA 12 mm" in message and "nan" not in message
    assert "status measured" not in message  # not allowed for a non-target


def test_nontarget_first_seen_after_baseline_is_flagged():
    """SEL-4/NEW-1: a non-target appearing at follow-up is really a new lesion."""
    result = respond(patient((B, "T1 20"), (D1, "T1 absent", "NT9")), patients_table(B))
    flagged = [f for f in result.findings if f.code == "non-target-not-at-baseline"]
    assert [(f.lesion_id, f.date) for f in flagged] == [("NT9", D1)]
    # It is still assessed as a non-target: target CR + non-target present = PR.
    assert result.timepoints["overall_response"].iloc[1] == "PR"


# --- CLI ------------------------------------------------------------------------------
def test_cli_respond_contradiction_one_line_exit_2(tmp_path, capsys):
    csv = tmp_path / "m.csv"
    raw_table((B, "T1 20"), (D1, "T1 absent 3"), patient_id="P9").to_csv(csv, index=False)
    status = main(["respond", str(csv), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "P9" in err and D1 in err and "T1" in err
    assert not (tmp_path / "out" / "timepoints.csv").exists()


def test_cli_respond_missing_file_exit_2(tmp_path, capsys):
    status = main(["respond", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert status == 2 and "nope.csv" in err and len(err.splitlines()) == 1


def test_cli_respond_success_exit_0(tmp_path, capsys):
    csv = tmp_path / "m.csv"
    raw_table((B, "T1 50"), (D1, "T1 30"), (D2, "T1 30"), patient_id="P3").to_csv(
        csv, index=False)
    status = main(["respond", str(csv), "--out", str(tmp_path / "out"), "--confirm", "-v"])
    out = capsys.readouterr().out
    assert status == 0
    assert "P3: confirmed BOR PR, PD -" in out
    tp = pd.read_csv(tmp_path / "out" / "timepoints.csv", dtype=str, keep_default_na=False)
    assert list(tp["overall_response"]) == ["", "PR", "PR"]


def test_cli_respond_bad_patients_date_exit_2(tmp_path, capsys):
    csv = tmp_path / "m.csv"
    raw_table((B, "T1 50"), (D1, "T1 30"), patient_id="P4").to_csv(csv, index=False)
    patients = tmp_path / "patients.csv"
    patients.write_text("patient_id,start_date\nP4,01/02/2024\n", encoding="utf-8")
    status = main(["respond", str(csv), "--patients", str(patients), "--out",
                   str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1
    assert "patients.csv row 2" in err and "P4" in err and "start_date" in err


def test_cli_respond_unknown_criteria_option_exit_2(tmp_path, capsys):
    csv = tmp_path / "m.csv"
    raw_table((B, "T1 50"), (D1, "T1 30")).to_csv(csv, index=False)
    toml = tmp_path / "c.toml"
    toml.write_text("[criteria]\nsd_minimum_days = 56\n", encoding="utf-8")
    status = main(["respond", str(csv), "--criteria", str(toml), "--out",
                   str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert status == 2 and "sd_minimum_days" in err and len(err.splitlines()) == 1
