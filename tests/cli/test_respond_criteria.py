"""``recist respond --uncertainty`` and ``--response-criteria``: the added files and
columns, documented in docs/tables.md, and refusals of what they cannot assess."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from recist.cli import main
from recist.uncertainty import DISTANCE_COLUMNS, PATIENT_COLUMNS, PROBABILITY_COLUMNS

from support.paths import REPO

MEASUREMENTS = """patient_id,date,visit,lesion_id,kind,organ,nodal,ld_mm,sa_mm,status
P1,2024-01-02,BL,T1,target,lung,false,25,,measured
P1,2024-03-01,W8,T1,target,lung,false,30.4,,measured
P2,2024-01-02,BL,T1,target,liver,false,50,,measured
P2,2024-03-01,W8,T1,target,liver,false,20,,measured
"""


def _doc_columns(heading: str, nth: int = 0) -> list[str]:
    lines = (REPO / "docs" / "tables.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    tables, current = [], []
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return [name for row in tables[nth][2:]
            for name in re.findall(r"`([^`]+)`", row.split("|")[1])]


def test_uncertainty_files_and_columns_as_documented(tmp_path, capsys):
    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    out = tmp_path / "out"
    assert main(["respond", str(tmp_path / "m.csv"), "--out", str(out), "--uncertainty"]) == 0
    tp = pd.read_csv(out / "timepoints.csv", dtype=str, keep_default_na=False)
    summary = pd.read_csv(out / "patient_summary.csv", dtype=str, keep_default_na=False)
    cohort = pd.read_csv(out / "uncertainty_cohort.csv")
    added = [*DISTANCE_COLUMNS, *PROBABILITY_COLUMNS]
    assert list(tp.columns[-len(added):]) == added
    assert _doc_columns("### Columns added by `--uncertainty`", 0) == added
    assert _doc_columns("### Columns added by `--uncertainty`", 1) == list(PATIENT_COLUMNS)
    documented_patient = _doc_columns("### Columns added by `--uncertainty`", 1)
    assert [c for c in documented_patient if c in summary.columns] == [
        c for c in PATIENT_COLUMNS if c in summary.columns]
    assert _doc_columns("### `uncertainty_cohort.csv`") == list(cohort.columns)
    # P1: 25 -> 30.4 mm is PD by 0.41 mm (29.99 would be SD): fragile, said in words.
    p1 = tp[(tp["patient_id"] == "P1") & (tp["visit"] == "W8")].iloc[0]
    assert (p1["overall_response"], p1["to_pd_mm"], p1["flip_mm"]) == ("PD", "-0.40", "0.41")
    assert p1["fragility"].startswith("PD by 0.41 mm: within measurement error")
    # P2: 50 -> 20 mm is PR far from every threshold: certain.
    p2 = tp[(tp["patient_id"] == "P2") & (tp["visit"] == "W8")].iloc[0]
    assert (p2["p_pr"], p2["p_same"], p2["fragile"]) == ("1.0000", "1.0000", "false")
    assert summary.set_index("patient_id").loc["P2", "p_bor_same"] == "1.0000"
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["uncertainty"] == "true"
    assert provenance["response_criteria"] == "recist1.1"
    assert set(cohort["measure"]) == {"ORR", "DCR", "fragile BOR"}


def test_unknown_response_criterion_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    status = main(["respond", str(tmp_path / "m.csv"), "--out", str(tmp_path / "o"),
                   "--response-criteria", "recist,who"])
    err = capsys.readouterr().err
    assert status == 2
    assert "unknown criterion 'recist'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("extra", [["--partitions", "2"]])
def test_extension_refused_on_the_partitioned_path(tmp_path, capsys, extra):
    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    status = main(["respond", str(tmp_path / "m.csv"), "--out", str(tmp_path / "o"),
                   "--uncertainty", *extra])
    assert status == 2
    assert "one process" in capsys.readouterr().err


def test_irecist_columns_as_documented(tmp_path):
    from recist.irecist import IRECIST_PATIENT_COLUMNS, IRECIST_TIMEPOINT_COLUMNS

    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    out = tmp_path / "out"
    assert main(["respond", str(tmp_path / "m.csv"), "--out", str(out),
                 "--response-criteria", "irecist"]) == 0
    tp = pd.read_csv(out / "timepoints.csv", dtype=str, keep_default_na=False)
    summary = pd.read_csv(out / "patient_summary.csv", dtype=str, keep_default_na=False)
    heading = "### Columns added by `--response-criteria irecist`"
    assert _doc_columns(heading, 0) == list(IRECIST_TIMEPOINT_COLUMNS)
    assert _doc_columns(heading, 1) == list(IRECIST_PATIENT_COLUMNS)
    assert list(tp.columns[-len(IRECIST_TIMEPOINT_COLUMNS):]) == list(IRECIST_TIMEPOINT_COLUMNS)
    assert list(summary.columns[-len(IRECIST_PATIENT_COLUMNS):]) == list(
        IRECIST_PATIENT_COLUMNS)
    assert tp["irecist_response"].tolist() == ["", "iUPD", "", "iPR"]
    assert summary["irecist_bor"].tolist() == ["iUPD", "iPR"]


def test_who_and_volumetric_columns_as_documented(tmp_path):
    from recist.size_criterion import size_patient_columns, size_timepoint_columns

    table = MEASUREMENTS.replace("status\n", "status,volume_mm3\n")
    lines = table.splitlines()
    sizes = [("25,12", "3000"), ("30.4,12", "5000"), ("50,30", "60000"), ("20,10", "4000")]
    for i, (diameters, volume) in enumerate(sizes, start=1):
        head, tail = lines[i].rsplit(",,", 1)
        ld = head.rsplit(",", 1)[0]
        lines[i] = f"{ld},{diameters},{tail},{volume}"
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert main(["respond", str(tmp_path / "m.csv"), "--out", str(out),
                 "--response-criteria", "volumetric,who"]) == 0
    tp = pd.read_csv(out / "timepoints.csv", dtype=str, keep_default_na=False)
    documented = _doc_columns("### Columns added by `--response-criteria who` and "
                              "`volumetric`")
    assert documented == list(size_timepoint_columns("who", "mm2"))
    for prefix, unit in (("who", "mm2"), ("volume", "mm3")):
        assert set(size_timepoint_columns(prefix, unit)) <= set(tp.columns)
    summary = pd.read_csv(out / "patient_summary.csv", dtype=str, keep_default_na=False)
    assert set(size_patient_columns("who", False)) <= set(summary.columns)
    # P1: 25x12 = 300 -> 30.4x12 = 364.8 mm²: +21.6 %, not WHO PD (25 %); RECIST PD.
    assert tp["who_response"].tolist() == ["", "SD", "", "PR"]
    assert tp["overall_response"].tolist() == ["", "PD", "", "PR"]
    # volumes 3000 -> 5000: +66.7 % (< 72.8 %): SD; 60000 -> 4000: -93.3 %: PR.
    assert tp["volume_response"].tolist() == ["", "SD", "", "PR"]


def test_summary_prints_and_writes_rates_by_criterion(tmp_path, capsys):
    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    (tmp_path / "p.csv").write_text("patient_id,start_date\nP1,2024-01-01\nP2,2024-01-01\n")
    out = tmp_path / "out"
    assert main(["summary", str(tmp_path / "m.csv"), "--patients", str(tmp_path / "p.csv"),
                 "--out", str(out), "--response-criteria", "irecist", "--uncertainty"]) == 0
    printed = capsys.readouterr().out
    assert "ORR / DCR by criterion:" in printed and "fragile BOR calls: 1 of 2" in printed
    rates = pd.read_csv(out / "criteria_rates.csv")
    assert rates["criterion"].tolist() == ["recist1.1", "irecist"]
    assert rates["responders"].tolist() == [1, 1]
    assert _doc_columns("### `criteria_rates.csv` (`recist summary --response-criteria`)") \
        == list(rates.columns)
    kappa = pd.read_csv(out / "criteria_kappa.csv")
    assert _doc_columns("### Criteria comparison tables (`--response-criteria` with two or "
                        "more criteria)", 1) == list(kappa.columns)
