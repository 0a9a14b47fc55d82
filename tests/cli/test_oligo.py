"""``recist respond`` and ``recist baseline`` with ``--lesions`` and ``--therapies``: the
hand-checked cohort of ``support.oligo_cohort`` written as a user writes it."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from support.oligo_cohort import MEASUREMENTS_CSV, PATIENTS_CSV, THERAPIES_CSV
from support.paths import REPO as ROOT


def _recist(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "recist", *args], check=False, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def _write(tmp_path):
    for name, text in (("m.csv", MEASUREMENTS_CSV), ("p.csv", PATIENTS_CSV),
                       ("t.csv", THERAPIES_CSV)):
        (tmp_path / name).write_text(text)


def test_respond_with_therapies_writes_the_follow_up_tables(tmp_path):
    _write(tmp_path)
    done = _recist(tmp_path, "respond", "m.csv", "--patients", "p.csv", "--therapies", "t.csv",
                   "--out", "out")
    assert done.returncode == 0, done.stderr
    assert ("A: BOR SD, PD 2024-10-01; first recurrence 2024-10-01 (local+intrapulmonary), "
            "repeat local 1, first systemic 2025-05-01") in done.stdout
    out = tmp_path / "out"
    summary = pd.read_csv(out / "patient_summary.csv", dtype=str, keep_default_na=False)
    row = summary.set_index("patient_id").loc["A"]
    assert (row["stfs_days"], row["pfs_local_days"], row["os_event"]) == ("478", "266", "false")
    control = pd.read_csv(out / "local_control.csv", dtype=str, keep_default_na=False)
    assert control["local_control"].tolist() == ["0.4", ""]
    assert len(pd.read_csv(out / "recurrences.csv")) == 9
    assert (out / "lesion_control.csv").is_file() and (out / "local_failure.csv").is_file()


def test_a_bad_therapies_table_is_one_line_and_nothing_is_written(tmp_path):
    _write(tmp_path)
    (tmp_path / "t.csv").write_text(THERAPIES_CSV + "C,2024-05-01,local,T7,sbrt\n")
    done = _recist(tmp_path, "respond", "m.csv", "--patients", "p.csv", "--therapies", "t.csv",
                   "--out", "out")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "lesion T7 is not in the measurements table" in done.stderr
    assert not (tmp_path / "out").exists()


def test_baseline_with_a_lesions_table_applies_meas_10(tmp_path):
    _write(tmp_path)
    (tmp_path / "l.csv").write_text("patient_id,lesion_id,local_therapy,local_therapy_date\n"
                                    "A,T2,sbrt,2023-06-01\n")
    done = _recist(tmp_path, "baseline", "m.csv", "--lesions", "l.csv", "--out", "out")
    assert done.returncode == 0, done.stderr
    lesions = pd.read_csv(tmp_path / "out" / "lesions.csv").set_index(
        ["patient_id", "lesion_id"])
    assert lesions.loc[("A", "T2"), "category"] == "non-measurable"
    assert "MEAS-10" in lesions.loc[("A", "T2"), "reason"]
    assert "target T2 is not measurable" in done.stdout
