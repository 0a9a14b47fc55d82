"""``recist respond`` with a patients table giving ``new_therapy_date`` (DEC-17 × DEC-13)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from support.paths import REPO as ROOT

# The hand-checked patient of test_new_therapy.py, as a user writes it.
MEASUREMENTS = """patient_id,date,visit,lesion_id,kind,organ,nodal,ld_mm,sa_mm,status
P1,2024-01-02,BL,T1,target,lung,false,50,,measured
P1,2024-02-12,W6,T1,target,lung,false,48,,measured
P1,2024-02-12,W6,N1,new,liver,false,,,equivocal
P1,2024-03-25,W12,T1,target,lung,false,47,,measured
P1,2024-03-25,W12,N1,new,liver,false,,,unequivocal
"""
PATIENTS = "patient_id,start_date,new_therapy_date\nP1,2024-01-01,2024-02-20\n"


def _run(tmp_path, *extra):
    (tmp_path / "m.csv").write_text(MEASUREMENTS)
    (tmp_path / "p.csv").write_text(PATIENTS)
    done = subprocess.run(
        [sys.executable, "-m", "recist", "respond", "m.csv", "--patients", "p.csv", "--out",
         "out", "-v", *extra], check=False, cwd=tmp_path, capture_output=True, text=True,
        timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    read = {name: pd.read_csv(tmp_path / "out" / f"{name}.csv", dtype=str,
                              keep_default_na=False)
            for name in ("timepoints", "patient_summary", "findings")}
    return done.stdout, read


def test_confirmation_after_new_therapy_is_not_backdated(tmp_path):
    stdout, out = _run(tmp_path)
    assert "P1: BOR SD, PD -" in stdout
    tp = out["timepoints"]
    assert list(tp["overall_response"]) == ["", "SD", "PD"]
    assert "new lesion N1 confirmed only on 2024-03-25" in tp["reasons"][1]
    assert "not counted for BOR or PFS (DEC-17)" in tp["reasons"][2]
    row = out["patient_summary"].iloc[0]
    assert (row["bor"], row["pd_date"], row["pfs_event"], row["pfs_date"],
            row["pfs_days"]) == ("SD", "", "false", "2024-02-12", "43")
    assert row["censor_reason"] == ("new anticancer therapy on 2024-02-20 before "
                                    "progression: censored at last adequate assessment "
                                    "2024-02-12")
    late = out["findings"][out["findings"]["code"]
                           == "equivocal-new-confirmed-after-new-therapy"]
    assert list(late["lesion_id"]) == ["N1"] and list(late["date"]) == ["2024-02-12"]


def test_criteria_file_can_ignore_the_new_therapy(tmp_path):
    (tmp_path / "c.toml").write_text("[criteria]\ncensor_at_new_therapy = false\n")
    stdout, out = _run(tmp_path, "--criteria", "c.toml")
    assert "P1: BOR PD, PD 2024-02-12" in stdout
    tp = out["timepoints"]
    assert list(tp["overall_response"]) == ["", "PD", "PD"]
    assert tp["reasons"][1].endswith("overall PD (NEW-3, DEC-13)")
    row = out["patient_summary"].iloc[0]
    assert (row["pd_date"], row["pfs_event"], row["pfs_date"]) == (
        "2024-02-12", "true", "2024-02-12")
    assert "equivocal-new-confirmed-after-new-therapy" not in set(out["findings"]["code"])
